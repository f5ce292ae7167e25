import FanfareCore
import Fluent
import Vapor

/// The Sandbox audience becomes fans through the product's own paths: a
/// month of messages through intake (tiers and points follow), the
/// profiles a team would fill in, two segments, a running check-in, a poll
/// and an early-access sign-up that fans answer with their messages, and a
/// rewards catalogue.
enum DemoFans {
    /// How often each regular wrote in the last four weeks: a few do most of the talking.
    static let regulars: [(name: String, perWeek: Int, region: String)] = [
        ("小雨", 16, "上海"), ("Mia", 4, "上海"), ("阿杰", 3, "北京"), ("晴天", 2, "广州"), ("老王", 1, "上海"),
    ]

    static func plan(_ timeline: DemoTimeline) async throws {
        let clock = timeline.clock
        let app = timeline.app
        timeline.at(clock.day(20, 10)) { now in
            let catalogue = RewardCatalogue(db: app.db)
            for (name, cost, stock, perFan, level) in [
                ("品牌贴纸", 20, nil, nil, 1), ("帆布袋", 150, 30, 1, 1), ("限量马克杯", 600, 5, 1, 2),
            ] as [(String, Int, Int?, Int?, Int)] {
                _ = try await catalogue.create(
                    .init(name: name, description: "", cost: cost, stock: stock, perFanLimit: perFan, levelRequired: level, active: true),
                    in: timeline.access(.manager), actor: timeline.actor(.manager), now: now)
            }
        }
        // The profiles the team filled in, and the segments it keeps.
        timeline.at(clock.day(10, 11)) { now in
            let access = timeline.access(.manager)
            let fans = FanService(db: app.db)
            for regular in regulars {
                guard let fan = try await access.query(Fan.self, on: app.db).filter(\.$displayName == regular.name).first() else { continue }
                var attributes = fan.attributes
                attributes.region = regular.region
                attributes.tags = regular.perWeek > 10 ? ["种子用户"] : []
                try await fans.updateProfile(fan.id!.uuidString, .init(attributes: attributes), in: access, actor: timeline.actor(.manager), now: now)
            }
            let segments = SegmentService(db: app.db)
            for (name, json) in [
                ("上海核心粉丝", #"{"all": [{"field": "activity_tier", "op": "eq", "value": "core"}, {"field": "region", "op": "eq", "value": "上海"}]}"#),
                ("活跃及以上", #"{"all": [{"field": "activity_tier", "op": "gte", "value": "active"}]}"#),
            ] {
                _ = try await segments.create(
                    .init(name: name, rule: try SegmentRule.parse(Data(json.utf8))), in: access, actor: timeline.actor(.manager), now: now)
            }
        }
        // A daily check-in for a month from last week, a poll since last
        // night, an early-access sign-up since this morning: Insiders
        // (early_access) first, every fan two days later.
        let activities = ActivityService(db: app.db)
        func open(_ input: ActivityService.Input, at time: Date) {
            timeline.at(time) { now in
                let activity = try await activities.create(input, in: timeline.access(.manager), actor: timeline.actor(.manager), now: now)
                _ = try await activities.move(
                    activity.id!.uuidString, to: ActivityStatus.open.rawValue, in: timeline.access(.manager), actor: timeline.actor(.manager),
                    now: now.addingTimeInterval(300))
            }
        }
        open(
            .init(title: "每日签到", settings: .checkIn(CheckInPolicy(milestones: [])), endsAt: clock.day(-23, 23, 59)), at: clock.day(7, 9, 55))
        open(
            .init(
                title: "下一款颜色", settings: .poll(PollSettings(question: "下一季想要什么颜色？", options: ["深蓝", "墨绿", "米白"])),
                endsAt: clock.day(-6, 22)), at: clock.day(1, 18))
        open(
            .init(
                title: "新品抢先购报名", settings: .signUp(SignUpSettings(venue: "品牌小程序", places: 50)), privilege: "early_access",
                openToAllAt: clock.now.addingTimeInterval(2 * 86_400), endsAt: clock.now.addingTimeInterval(7 * 86_400)),
            at: clock.ago(minutes: 200))
    }

    /// What the worker does after intake (points, check-ins, poll votes,
    /// tiers), done now so the demo opens complete, and the most active
    /// fan spending some of what the month earned her.
    static func finish(_ timeline: DemoTimeline) async throws {
        let app = timeline.app
        let now = timeline.clock.now
        let messages = try await timeline.access(.admin).query(IncomingMessage.self, on: app.db).all(\.$id)
        try await ActivityService.processMessages(messages, now: now, on: app.db)
        try await FanService.recomputeTiers(timeline.workspace, now: now, on: app.db)
        let access = timeline.access(.manager)
        guard let sticker = try await access.query(Reward.self, on: app.db).filter(\.$name == "品牌贴纸").first(),
            let fan = try await access.query(Fan.self, on: app.db).filter(\.$displayName == "小雨").first()
        else { return }
        do {
            _ = try await Redemptions(db: app.db).redeem(
                sticker.id!.uuidString, .init(fanId: fan.id, note: ""), in: access, actor: timeline.actor(.manager), now: now)
        } catch is ValidationErrors {
            // Fewer points than the sticker costs (a changed points rule): the catalogue still opens.
        }
    }
}
