import ArgumentParser
import Vapor

/// The demo `serve --demo` makes: its people, its month of history and
/// the page shown while it is being prepared.
struct DemoFeature: Feature {
    var name: String { "demo" }

    var commands: [any ParsableCommand.Type] { [DemoCommand.self] }

    var strings: StringTable {
        StringTable(
            en: [
                "demo.preparing": "The demo is still being prepared",
                "demo.preparing.detail":
                    "Fanfare is making the demo workspace through its own services: its people, accounts, a month of fans' messages and the team's answers, posts and their numbers. It takes a few seconds; this page reloads itself.",
            ],
            zhHans: [
                "demo.preparing": "演示工作区还在准备中",
                "demo.preparing.detail": "Fanfare 正在用自己的服务创建演示工作区：成员、账号、一个月的粉丝消息和团队回复、帖子及其数据。只需几秒钟，本页会自动刷新。",
            ])
    }
}
