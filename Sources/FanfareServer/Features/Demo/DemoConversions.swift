import FanfareCore
import Fluent
import Vapor

/// Conversions in the demo, through the product's own paths: the editor
/// makes a tracked link for each published post (LinkService, as the page
/// does); visitors open them (the click recorder, as `/l/{code}` does,
/// with a few link previews among them); and the shop's backend sends
/// three months of follows, sign-ups, purchases, a refund and referrals
/// for the demo's fans through the event service (the API's own path), so
/// their value tiers, the "convert" stage and the incentive ratio are real.
enum DemoConversions {
    static let agents = [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15",
    ]
    static let preview = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"

    static func play(_ timeline: DemoTimeline) async throws {
        let app = timeline.app
        let db = app.db
        let clock = timeline.clock
        let workspaceID = timeline.workspace.id!
        // Links for the published posts, an hour after each went out.
        let published = try await PostVariant.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$state == PostVariant.State.published.rawValue).sort(\.$publishedAt).all()
        let service = LinkService(db: db)
        var links: [(code: String, madeAt: Date)] = []
        for (index, variant) in published.prefix(4).enumerated() {
            let madeAt = min(clock.now, (variant.publishedAt ?? clock.now).addingTimeInterval(3_600))
            let link = try await service.create(
                .init(destination: "https://shop.fanfare.example/spring?item=\(index + 1)", postId: variant.id!.uuidString),
                in: timeline.access(.editor), by: nil, now: madeAt)
            links.append((link.code, madeAt))
        }
        // Visitors over the following hours: a few come back, a preview fetcher looks once.
        let recorder = app.clickRecorder
        for (index, link) in links.enumerated() {
            let visitors = 12 + index * 7
            for visitor in 0..<visitors {
                let at = min(clock.now, link.madeAt.addingTimeInterval(Double(visitor) * 997))
                let address = "198.51.100.\(visitor % 200 + 1)"
                let agent = agents[visitor % agents.count]
                _ = try await recorder.recordVisit(code: link.code, address: address, userAgent: agent, at: at, on: db)
                if visitor % 5 == 0 {
                    _ = try await recorder.recordVisit(code: link.code, address: address, userAgent: agent, at: at.addingTimeInterval(60), on: db)
                }
            }
            _ = try await recorder.recordVisit(code: link.code, address: "203.0.113.9", userAgent: preview, at: link.madeAt, on: db)
        }
        try await recorder.flush()

        // Three months of the shop's events for the demo's fans.
        let identities = try await FanIdentity.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$firstSeenAt).limit(40).all()
        var events: [[String: Any]] = []
        let formatter = ISO8601DateFormatter()
        for (index, identity) in identities.enumerated() {
            let fan: [String: Any] = ["platform": identity.platform, "handle": identity.authorID]
            // The fans' first steps spread over the three months, so every
            // four weeks (the overview's period) has its sign-ups and
            // purchases; a step that would come after now has not happened.
            let start = clock.now.addingTimeInterval(-Double(85 - index * 80 / max(1, identities.count)) * 86_400)
            func add(_ id: String, _ type: String, _ offsetDays: Double, amount: Int? = nil, extra: [String: Any] = [:]) {
                let at = start.addingTimeInterval(offsetDays * 86_400)
                guard at <= clock.now else { return }
                var event: [String: Any] = [
                    "id": "demo-\(id)-\(index)", "type": type, "at": formatter.string(from: at), "fan": fan,
                ]
                if let amount { event["amount_fen"] = amount }
                for (key, value) in extra { event[key] = value }
                events.append(event)
            }
            add("follow", "follow", 0)
            if index % 3 != 2 { add("join", "join_community", 2) }
            if index % 2 == 0 { add("signup", "sign_up", 5) }
            if index % 3 == 0 { add("buy1", "purchase", 9, amount: 8_900 + (index % 5) * 4_000, extra: ["properties": ["sku": "canvas-tote"]]) }
            if index % 6 == 0 { add("buy2", "purchase", 30, amount: 25_900) }
            if index == 3 { add("refund", "refund", 12, amount: 8_900) }
            if index % 9 == 0 { add("ref", "referral", 20, extra: ["referred": ["external_id": "shop-customer-\(index)"]]) }
        }
        for start in stride(from: 0, to: events.count, by: 200) {
            _ = try await EventService.recordStream(
                Array(events[start..<min(events.count, start + 200)]), workspaceID: workspaceID, now: clock.now, on: db)
        }
    }
}
