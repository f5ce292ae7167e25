import ArgumentParser
import Vapor

/// The demo `serve --demo` makes: its people, its month of history and
/// the page shown while it is being prepared.
struct DemoFeature: Feature {
    var name: String { "demo" }

    var commands: [any ParsableCommand.Type] { [DemoCommand.self] }

    func routes(_ routes: FeatureRoutes) throws {
        DemoStormPage().bootScoped(routes.workspacePages)
    }

    var strings: StringTable {
        StringTable(
            en: [
                "demo.preparing": "The demo is still being prepared",
                "demo.preparing.detail":
                    "Fanfare is making the demo workspace through its own services: its people, accounts, a month of fans' messages and the team's answers, posts and their numbers. It takes a few seconds; this page reloads itself.",
                "demo.storm.start": "Start a storm",
                "demo.storm.hint":
                    "Demo only: Sandbox fans complain about the demo brand over the next twenty minutes; the alert follows within a minute or two.",
                "demo.storm.started":
                    "A storm has started: {0} messages on {1} about the demo brand over twenty minutes. The inbox fetches them each minute; the alert appears here once the spike is graded.",
                "demo.storm.underway": "A storm is still arriving in this workspace (until {0}); start the next one after it.",
            ],
            zhHans: [
                "demo.preparing": "演示工作区还在准备中",
                "demo.preparing.detail": "Fanfare 正在用自己的服务创建演示工作区：成员、账号、一个月的粉丝消息和团队回复、帖子及其数据。只需几秒钟，本页会自动刷新。",
                "demo.storm.start": "发起一场舆情风暴",
                "demo.storm.hint": "仅限演示：沙盒粉丝会在接下来二十分钟里集中吐槽「演示品牌」，一两分钟内出现预警。",
                "demo.storm.started": "舆情风暴已开始：{1} 上关于「{2}」的 {0} 条消息，持续二十分钟。收件箱每分钟拉取一次，峰值分级后预警会出现在这里。",
                "demo.storm.underway": "本工作区还有一场风暴正在进行（到 {0} 结束），结束后再发起下一场。",
            ])
    }
}
