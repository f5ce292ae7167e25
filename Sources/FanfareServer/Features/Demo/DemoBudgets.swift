import FanfareCore
import Fluent
import Vapor

/// The demo's budget for this month (issue 22): the manager plans six
/// lines in the seeds' split (fixed 15 %, variable 60 %, flexible 25 %
/// and a 10 % reserve), three channels with the 3:1 stop-loss line, spend
/// entered through the ledger (one big entry approved, one still waiting),
/// and the shop's purchases through each channel's tracked links (the
/// link service, the click recorder and the event service, as the API and
/// `/l/{code}` do). Douyin returns 1.5:1 after ¥9,000 and falls under its
/// line; the hourly stop-loss pass runs once here as the worker would, so
/// the flag and the planners' notification are real.
enum DemoBudgets {
    static let channels: [(key: String, label: String, pilot: Bool, hold: Bool)] = [
        ("weibo", "微博", false, false), ("douyin", "抖音", false, true), ("xiaohongshu", "小红书", true, false),
    ]
    /// Name, category, channel, planned yuan.
    static let lines: [(String, BudgetCategory, String?, Int64)] = [
        ("工具与平台年费", .fixed, nil, 15_000), ("微博投放", .variable, "weibo", 33_000), ("抖音投放", .variable, "douyin", 27_000),
        ("小红书试点", .flexible, "xiaohongshu", 10_000), ("热点机动", .flexible, nil, 15_000), ("应急储备", .reserve, nil, 10_000),
    ]
    /// Line name, yuan, note; above ¥10,000 waits for approval.
    static let spend: [(String, Int64, String)] = [
        ("工具与平台年费", 15_000, "年度工具续费"), ("微博投放", 6_000, "首周加热"), ("微博投放", 6_000, "第二周加热"),
        ("抖音投放", 5_000, "达人合作"), ("抖音投放", 4_000, "信息流投放"), ("小红书试点", 3_000, "试点笔记"), ("热点机动", 12_000, "热点跟进"),
    ]
    /// Purchases per channel in yuan: Weibo 4:1, Douyin 1.5:1, Xiaohongshu 5:1 (too little spend to judge yet).
    static let revenue: [(String, [Int64])] = [
        ("weibo", [18_000, 16_000, 14_000]), ("douyin", [8_000, 5_500]), ("xiaohongshu", [9_000, 6_000]),
    ]

    static func play(_ timeline: DemoTimeline) async throws {
        let db = timeline.db
        let now = timeline.clock.now
        let access = timeline.access(.manager)
        let actor = timeline.actor(.manager)
        let service = BudgetService(db: db)
        let month = BudgetSummary.month(of: now)
        let today = MetricDay.of(now, in: TimeZone(identifier: "UTC")!)
        for channel in channels {
            _ = try await service.createChannel(
                .init(key: channel.key, label: channel.label, pilot: channel.pilot, holdPostsOnBreach: channel.hold), in: access, actor: actor,
                now: now)
        }
        // The Xiaohongshu pilot pays for the new-year gift box's notes: a line of that campaign.
        let giftBox = try await access.query(Campaign.self, on: db).filter(\.$name == DemoCampaigns.runningName).first()?.id?.uuidString
        var ids: [String: String] = [:]
        for (name, category, channel, yuan) in lines {
            let line = try await service.createLine(
                .init(
                    name: name, category: category.rawValue, channelKey: channel, campaignId: channel == "xiaohongshu" ? giftBox : nil, month: month,
                    plannedFen: yuan * 100), in: access, actor: actor, now: now)
            ids[name] = line.id!.uuidString
        }
        for (name, yuan, note) in spend {
            let entry = try await service.createSpend(
                .init(lineId: ids[name], amountFen: yuan * 100, spentOn: today, note: note), source: .entered, in: access, actor: actor, now: now)
            // The annual renewal was expected: approved; the hot-topic spend still waits.
            if name == "工具与平台年费" {
                _ = try await service.decide(entry.id!.uuidString, approve: true, note: "年度预算内", in: access, actor: actor, now: now)
            }
        }
        // Each channel's tracked link, a visit and a purchase per amount.
        let links = LinkService(db: db)
        let recorder = timeline.app.clickRecorder
        let monthStart = BudgetSummary.bounds(month)?.0 ?? now
        let formatter = ISO8601DateFormatter()
        var events: [[String: Any]] = []
        for (key, amounts) in revenue {
            let link = try await links.create(
                .init(destination: "https://shop.fanfare.example/budget?channel=\(key)", utmSource: key, utmMedium: "paid", campaign: "冬季上新"),
                in: timeline.access(.editor), by: nil, now: now)
            for (index, yuan) in amounts.enumerated() {
                let at = max(monthStart, now.addingTimeInterval(-Double(index + 1) * 600))
                guard
                    let visit = try await recorder.recordVisit(
                        code: link.code, address: "198.51.100.\(60 + index)", userAgent: DemoConversions.agents[index % DemoConversions.agents.count],
                        at: at, on: db)
                else { continue }
                events.append([
                    "id": "demo-budget-\(key)-\(index)", "type": "purchase", "at": formatter.string(from: at), "amount_fen": yuan * 100,
                    "click_id": visit.click.uuidString,
                ])
            }
        }
        try await recorder.flush()
        _ = try await EventService.recordStream(events, workspaceID: timeline.workspace.id!, now: now, on: db)
        try await StopLossCheck.check(on: db, now: now)
    }
}
