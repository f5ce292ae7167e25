import FanfareCore
import Fluent
import Vapor

extension Demo {
    /// The Sandbox audience becomes fans through the product's own paths:
    /// a month of messages through intake (tiers and points follow), the
    /// profiles a team would fill in, two segments, a running check-in and
    /// poll that fans answer with their messages, and a rewards catalogue.
    /// A month of the regulars' messages, oldest first: the Sandbox's cursor
    /// moves forward in time, so history is written before anything newer.
    static func seedFanHistory(_ adminAccess: WorkspaceAccess, app: Application, now: Date) async throws {
        guard let account = try await adminAccess.query(SocialAccount.self, on: app.db).filter(\.$handle == "fanfare_weibo").first() else { return }
        let lines = ["今天的新品好看！", "已经下单了", "求补货", "支持一下", "什么时候有活动？", "打卡第一天的心情"]
        var messages: [(at: Date, name: String, text: String)] = []
        for (index, regular) in regulars.enumerated() {
            for day in 1...28 where (day * 7) % 28 < regular.perWeek * 4 || regular.perWeek >= 7 {
                for n in 0..<max(1, regular.perWeek / 7) {
                    let at = now.addingTimeInterval(-Double(day) * 86_400 + Double(index * 600 + n * 60))
                    messages.append((at, regular.name, lines[(day + n) % lines.count]))
                }
            }
        }
        for message in messages.sorted(by: { $0.at < $1.at }) {
            try await SandboxFans.write(
                .init(fanName: message.name, kind: .directMessage, text: message.text), to: account, app: app, now: message.at)
        }
    }

    /// How often each regular wrote in the last four weeks: a few do most of the talking.
    static let regulars: [(name: String, perWeek: Int, region: String)] = [
        ("小雨", 16, "上海"), ("Mia", 4, "上海"), ("阿杰", 3, "北京"), ("晴天", 2, "广州"), ("老王", 1, "上海"),
    ]

    static func seedFans(_ workspace: Workspace, adminAccess: WorkspaceAccess, author: Actor, app: Application, now: Date) async throws {
        guard let account = try await adminAccess.query(SocialAccount.self, on: app.db).filter(\.$handle == "fanfare_weibo").first() else { return }
        let fans = FanService(db: app.db)
        for regular in Self.regulars {
            guard let fan = try await adminAccess.query(Fan.self, on: app.db).filter(\.$displayName == regular.name).first() else { continue }
            var attributes = fan.attributes
            attributes.region = regular.region
            attributes.tags = regular.perWeek > 10 ? ["种子用户"] : []
            try await fans.updateProfile(fan.id!.uuidString, .init(attributes: attributes), in: adminAccess, actor: author, now: now)
        }
        let segments = SegmentService(db: app.db)
        for (name, json) in [
            ("上海核心粉丝", #"{"all": [{"field": "activity_tier", "op": "eq", "value": "core"}, {"field": "region", "op": "eq", "value": "上海"}]}"#),
            ("活跃及以上", #"{"all": [{"field": "activity_tier", "op": "gte", "value": "active"}]}"#),
        ] {
            _ = try await segments.create(.init(name: name, rule: try SegmentRule.parse(Data(json.utf8))), in: adminAccess, actor: author, now: now)
        }
        let activities = ActivityService(db: app.db)
        let checkIn = try await activities.create(
            .init(title: "每日签到", settings: .checkIn(CheckInPolicy(milestones: [])), endsAt: now.addingTimeInterval(30 * 86_400)), in: adminAccess,
            actor: author, now: now)
        let poll = try await activities.create(
            .init(
                title: "下一款颜色", settings: .poll(PollSettings(question: "下一季想要什么颜色？", options: ["深蓝", "墨绿", "米白"])),
                endsAt: now.addingTimeInterval(7 * 86_400)), in: adminAccess, actor: author, now: now)
        // Early access: Insiders (early_access) first, every fan two days later.
        let preview = try await activities.create(
            .init(
                title: "新品抢先购报名", settings: .signUp(SignUpSettings(venue: "品牌小程序", places: 50)), privilege: "early_access",
                openToAllAt: now.addingTimeInterval(2 * 86_400), endsAt: now.addingTimeInterval(7 * 86_400)), in: adminAccess, actor: author, now: now
        )
        for activity in [checkIn, poll, preview] {
            _ = try await activities.move(activity.id!.uuidString, to: ActivityStatus.open.rawValue, in: adminAccess, actor: author, now: now)
        }
        for (index, (fan, text)) in [("Mia", "签到"), ("老王", "打卡"), ("阿杰", "1"), ("晴天", "想要墨绿"), ("小雨", "深蓝！")].enumerated() {
            try await SandboxFans.write(
                .init(fanName: fan, kind: .directMessage, text: text), to: account, app: app, now: now.addingTimeInterval(1 + Double(index) / 1_000))
        }
        // What the worker does after intake, done now so the demo opens complete.
        let messages = try await adminAccess.query(IncomingMessage.self, on: app.db).all(\.$id)
        try await ActivityService.processMessages(messages, now: now.addingTimeInterval(2), on: app.db)
        try await FanService.recomputeTiers(workspace, now: now.addingTimeInterval(2), on: app.db)
        try await seedRewards(adminAccess, author: author, app: app, now: now.addingTimeInterval(3))
    }

    /// A small catalogue, and the most active fan spending some of what the month earned her.
    static func seedRewards(_ adminAccess: WorkspaceAccess, author: Actor, app: Application, now: Date) async throws {
        let catalogue = RewardCatalogue(db: app.db)
        var made: [Reward] = []
        for (name, cost, stock, perFan, level) in [
            ("品牌贴纸", 20, nil, nil, 1), ("帆布袋", 150, 30, 1, 1), ("限量马克杯", 600, 5, 1, 2),
        ] as [(String, Int, Int?, Int?, Int)] {
            made.append(
                try await catalogue.create(
                    .init(name: name, description: "", cost: cost, stock: stock, perFanLimit: perFan, levelRequired: level, active: true),
                    in: adminAccess, actor: author, now: now))
        }
        guard let fan = try await adminAccess.query(Fan.self, on: app.db).filter(\.$displayName == "小雨").first() else { return }
        do {
            _ = try await Redemptions(db: app.db).redeem(
                made[0].id!.uuidString, .init(fanId: fan.id, note: ""), in: adminAccess, actor: author, now: now)
        } catch is ValidationErrors {
            // Fewer points than the sticker costs (a changed points rule): the catalogue still opens.
        }
    }
}
