import FanfareCore
import Fluent
import Vapor

/// Experiments in the demo, through the product's own paths: the manager
/// plans two link experiments (ExperimentService, as the page does); their
/// links' visitors arrive through the click recorder as `/l/{code}` would
/// record them, each with their own identifier (the cookie a browser would
/// keep), so the split is the product's own; the shop's backend reports
/// sign-ups and purchases for some of those clicks through the event
/// service. One test ended twelve days ago with a clear winner, promoted;
/// the other has run for four days.
enum DemoExperiments {
    /// A visitor's identifier in the demo: fixed, so a demo is repeatable.
    static func visitorID(_ experiment: Int, _ visitor: Int) -> String {
        let bytes = withUnsafeBytes(of: UInt64(experiment).bigEndian, Array.init) + withUnsafeBytes(of: UInt64(visitor).bigEndian, Array.init)
        return HexText.lower(bytes)
    }

    /// Whether the visitor converts, at `rate`: a fixed draw per visitor.
    static func converts(_ experiment: Int, _ visitor: Int, rate: Double) -> Bool {
        // SplitMix64's finaliser: an even spread from consecutive numbers.
        var z = UInt64(experiment * 1_000_003 + visitor) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53) < rate
    }

    static func play(_ timeline: DemoTimeline) async throws {
        let db = timeline.db
        let clock = timeline.clock
        let access = timeline.access(.manager)
        let actor = timeline.actor(.manager)
        let links = LinkService(db: db)
        let service = ExperimentService(db: db)
        let cache = timeline.app.linkCache
        let recorder = timeline.app.clickRecorder
        let formatter = ISO8601DateFormatter()
        let plans:
            [(
                name: String, hypothesis: String, varies: String, type: String, arms: [(String, Double)], rates: [Double], start: Date, days: Int,
                visitors: Int, end: Date?
            )] = [
                (
                    "标题测试：问句 vs 陈述句", "标题用问句（“你的通勤包装得下笔记本吗？”）比陈述句带来更多注册。", "title", "sign_up",
                    [("陈述句标题", 1), ("问句标题", 1)], [0.05, 0.10], clock.day(21, 10), 8, 1_200, clock.day(12, 18)
                ),
                (
                    "封面测试：人物 vs 产品", "有人物的封面比纯产品图带来更多购买。", "cover", "purchase",
                    [("产品图封面", 1), ("人物封面", 1)], [0.03, 0.035], clock.day(4, 9), 4, 420, nil
                ),
            ]
        for (index, plan) in plans.enumerated() {
            let link = try await links.create(
                .init(destination: "https://shop.fanfare.example/test-\(index + 1)/a", campaign: index == 0 ? "2026-11" : "2026-12"), in: access,
                by: nil,
                now: plan.start.addingTimeInterval(-3_600))
            let arms = plan.arms.enumerated().map { arm, pair in
                ExperimentService.ArmInput(
                    name: pair.0, weight: pair.1, destination: "https://shop.fanfare.example/test-\(index + 1)/\(arm == 0 ? "a" : "b")")
            }
            let experiment = try await service.create(
                .init(
                    name: plan.name, hypothesis: plan.hypothesis, varies: plan.varies, conversionType: plan.type, linkId: link.id!.uuidString,
                    arms: arms), in: access, actor: actor, now: plan.start.addingTimeInterval(-1_800))
            let id = experiment.id!.uuidString
            _ = try await service.start(id, in: access, actor: actor, cache: cache, now: plan.start)
            // Visitors spread over the days it ran; each comes once, some twice.
            var events: [[String: Any]] = []
            let span = Double(plan.days) * 86_400
            let destinations = arms.compactMap(\.destination)
            for visitor in 0..<plan.visitors {
                let at = min(clock.now, plan.start.addingTimeInterval(span * Double(visitor) / Double(plan.visitors)))
                let visitorID = visitorID(index, visitor)
                let agent = DemoConversions.agents[visitor % DemoConversions.agents.count]
                let address = "198.51.100.\(visitor % 200 + 1)"
                guard
                    let (click, sentTo) = try await recorder.recordVisit(
                        code: link.code, address: address, userAgent: agent, visitorID: visitorID, at: at, on: db)
                else { continue }
                // The arm the visitor saw decides the odds.
                let rate = sentTo.hasPrefix(destinations.last ?? "\u{0}") ? plan.rates[1] : plan.rates[0]
                if converts(index, visitor, rate: rate) {
                    let when = min(clock.now, at.addingTimeInterval(1_200))
                    var event: [String: Any] = [
                        "id": "demo-ab\(index)-\(visitor)", "type": plan.type, "at": formatter.string(from: when),
                        "click_id": click.uuidString.lowercased(),
                    ]
                    if plan.type == "purchase" { event["amount_fen"] = 12_900 }
                    events.append(event)
                }
            }
            try await recorder.flush()
            for start in stride(from: 0, to: events.count, by: 200) {
                _ = try await EventService.recordStream(
                    Array(events[start..<min(events.count, start + 200)]), workspaceID: timeline.workspace.id!, now: clock.now, on: db)
            }
            if let end = plan.end {
                let winner = try await service.arms(of: try await service.find(id, in: access)).last?.id?.uuidString
                _ = try await service.end(
                    id, .init(winnerArmId: winner, decision: "问句标题的注册率明显更高，胜出概率超过 99%：此后全部使用问句标题。"), in: access, actor: actor,
                    cache: cache, now: end)
            }
        }
    }
}
