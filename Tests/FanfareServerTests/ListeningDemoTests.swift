import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Issue 20's demo and the incident's mentions: the demo's month holds a
/// storm worked through its incident; the 舆情 pages' storm button (demo
/// only, one storm at a time); mentions attached to an incident from its
/// page and the API, each once, only the workspace's own.
@Suite struct ListeningDemoTests {
    /// A workspace with a Sandbox account and a monitor on the demo brand,
    /// whose storm (begun five minutes ago) was heard and graded: returns
    /// the account, the alert's id and the mentions' ids, newest first.
    static func stormed(_ t: TestApp, token: String, ws: Workspace, handle: String) async throws -> (SocialAccount, String, [UUID]) {
        let api = "/api/v1/workspaces/\(ws.slug)"
        let made = try await t.api(.POST, api + "/accounts", token: token, json: ["platform": "sandbox", "handle": handle])
        let account = try #require(try await SocialAccount.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
        let monitor = try await t.api(.POST, api + "/listening/monitors", token: token, json: ["name": "品牌声量", "query": DemoStorm.brand])
        #expect(monitor.status == .created, "\(monitor.body)")
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let storm = SandboxChatter(seed: 9, brand: DemoStorm.brand).storm(start: now.addingTimeInterval(-300), peakPerMinute: 12).filter {
            $0.at <= now
        }
        _ = try await SandboxFans.schedule(storm, to: account, app: t.app)
        _ = try await MessageIntake.poll(account, app: t.app, now: now.addingTimeInterval(1))
        try await AlertEvaluation.run(workspaceID: ws.id!, on: t.db, now: now.addingTimeInterval(2))
        let alert = try #require(try await t.api(.GET, api + "/listening/alerts", token: token).items.first?["id"] as? String)
        let sql = t.db as! any SQLDatabase
        let ids = try await sql.raw(
            "SELECT id FROM listening_mentions WHERE workspace_id = \(bind: ws.id!) ORDER BY published_at DESC"
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
        return (account, alert, ids)
    }

    static func attached(_ incidentID: String, on db: any Database) async throws -> [[String]] {
        try await IncidentEntry.query(on: db).filter(\.$incident.$id == UUID(uuidString: incidentID)!)
            .filter(\.$kind == IncidentEntry.Kind.mentionsAttached.rawValue).sort(\.$at).sort(\.$id).all().map(\.refs)
    }

    @Test(arguments: TestDatabase.available)
    func mentionsAreAttachedOnceAndOnlyTheWorkspaces(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (_, alert, mentions) = try await Self.stormed(t, token: token, ws: ws, handle: "brand")
            try #require(mentions.count >= 4)
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let (_, _, foreign) = try await Self.stormed(t, token: otherToken, ws: other, handle: "other_brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            let opened = try await t.api(.POST, api + "/incidents", token: token, json: ["alert_id": alert])
            let incident = try #require(opened.json["id"] as? String)
            let entries = "\(api)/incidents/\(incident)/entries"
            func attach(_ ids: [String]) async throws -> Reply {
                try await t.api(.POST, entries, token: token, json: ["kind": "mentions_attached", "mention_ids": ids, "excerpt": "太慢了"])
            }
            let (a, b, c) = (mentions[0].uuidString, mentions[1].uuidString, mentions[2].uuidString)

            // Twice in one list (once in lower case): attached once.
            #expect(try await attach([a, b, a.lowercased()]).status == .created)
            #expect(try await Self.attached(incident, on: t.db) == [[a, b]])
            // Again with one new: only the new one is recorded; all known: nothing.
            #expect(try await attach([b, c]).status == .created)
            #expect(try await attach([a, c]).status == .created)
            #expect(try await Self.attached(incident, on: t.db) == [[a, b], [c]])
            // Another workspace's mention, an unknown id and a malformed one are refused by field.
            for bad in [[foreign[0].uuidString], [UUID().uuidString], ["x"]] {
                let refused = try await attach([mentions[3].uuidString] + bad)
                #expect(refused.status == .unprocessableEntity && refused.problemFields == ["mention_ids"], "\(bad): \(refused.body)")
            }
            let problem = try await attach([foreign[0].uuidString])
            #expect(problem.body.contains(foreign[0].uuidString.lowercased()))
            #expect(try await Self.attached(incident, on: t.db).count == 2)
            // Two people attaching the same mention at once: recorded once.
            let d = mentions[3].uuidString
            async let first = attach([d])
            async let second = attach([d])
            let both = try await [first, second]
            #expect(both.allSatisfy { $0.status == .created })
            #expect(try await Self.attached(incident, on: t.db).filter { $0.contains(d) }.count == 1)

            // The page: the alert's monitor's mentions, attached ones marked;
            // the rest attached from their boxes; a search finds by text.
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let path = "/w/\(ws.slug)/incidents/\(incident)"
            let page = try await browser.get(path)
            #expect(page.body.contains("id=\"incident-mentions-form\""), "\(page.body)")
            #expect(page.body.contains("data-mention=\"\(a.lowercased())\" data-attached=\"true\""))
            let fresh = try #require(mentions.dropFirst(4).first).uuidString.lowercased()
            #expect(page.body.contains("name=\"mention_ids[]\" value=\"\(fresh)\""))
            let posted = try await browser.post(path + "/mentions", [("mention_ids[]", fresh)])
            #expect(posted.status == .seeOther)
            let after = try await browser.get(path)
            #expect(after.body.contains("data-mention=\"\(fresh)\" data-attached=\"true\"") && after.body.contains("1 mentions attached."))
            let foreignPost = try await browser.post(path + "/mentions", [("mention_ids[]", foreign[0].uuidString)])
            #expect(foreignPost.status == .unprocessableEntity && foreignPost.body.contains("not a mention heard in this workspace"))
            let none = try await browser.post(path + "/mentions", [])
            #expect(none.status == .unprocessableEntity)
            #expect(try await attach([]).problemFields == ["mention_ids"])
            let searched = try await browser.get(path + "?mention_q=" + "zzz-nothing-like-it")
            #expect(searched.body.contains("No mentions found."))
            #expect(try await Self.attached(incident, on: t.db).count == 4)

            // An analyst reads the incident, sees no boxes and may not attach.
            let analyst = try await t.makeUser("analyst@example.com")
            _ = try await t.addMember(analyst, to: ws, as: .analyst)
            let reader = Browser(t)
            _ = try await reader.signIn("analyst@example.com")
            let read = try await reader.get(path)
            #expect(read.status == .ok && !read.body.contains("name=\"mention_ids[]\""), "\(read.status)")
            #expect(try await reader.post(path + "/mentions", [("mention_ids[]", mentions[5].uuidString)]).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theStormButtonStartsOneStormAtATimeInTheDemo(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.demo = true }) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("storm@example.com", workspace: "Demo")
            try #require(ws.slug == Demo.workspaceSlug)
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            #expect(made.status == .created)
            let agent = try await t.makeUser("agent@example.com")
            _ = try await t.addMember(agent, to: ws, as: .agent)
            func told() async throws -> Int {
                let sql = t.db as! any SQLDatabase
                return try await sql.raw("SELECT COUNT(*) AS n FROM sandbox_fan_messages").first()?.decode(column: "n", as: Int.self) ?? 0
            }

            let admin = Browser(t)
            _ = try await admin.signIn("storm@example.com")
            for page in ["/w/demo/listening", "/w/demo/listening/alerts", "/w/demo/listening/monitors"] {
                let shown = try await admin.get(page)
                #expect(shown.body.contains("id=\"start-storm\"") && shown.body.contains("value=\"\(page)\""), "\(page)")
            }
            let started = try await admin.post("/w/demo/demo/storm", [("return_to", "/w/demo/listening")])
            #expect(started.status == .seeOther && started.headers.first(name: .location) == "/w/demo/listening")
            let count = try await told()
            #expect(count > 20)
            #expect(try await admin.get("/w/demo/listening").body.contains("A storm has started: \(count) messages on @brand"))
            // While it lasts, another is refused and tells until when.
            let again = try await admin.post("/w/demo/demo/storm", [("return_to", "https://elsewhere.example/")])
            #expect(again.status == .seeOther && again.headers.first(name: .location) == "/w/demo/listening/alerts")
            #expect(try await admin.get("/w/demo/listening/alerts").body.contains("A storm is still arriving in this workspace"))
            #expect(try await told() == count)
            await #expect(throws: DemoStorm.Underway.self) { try await DemoStorm.start(app: t.app, peakPerMinute: 12, actor: .system) }
            // Without the form's token: refused, nothing told.
            #expect(try await admin.post("/w/demo/demo/storm", [], csrf: false).status == .forbidden)

            // An agent does not manage monitors: no button, and refused.
            let person = Browser(t)
            _ = try await person.signIn("agent@example.com")
            #expect(!(try await person.get("/w/demo/listening").body.contains("start-storm")))
            #expect(try await person.post("/w/demo/demo/storm", []).status == .forbidden)
            #expect(try await told() == count)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoStormsStartedAtOnceMakeOne(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.demo = true }) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("storm@example.com", workspace: "Demo")
            _ = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            async let a: DemoStorm.Started? = try? DemoStorm.start(app: t.app, peakPerMinute: 12, actor: .system)
            async let b: DemoStorm.Started? = try? DemoStorm.start(app: t.app, peakPerMinute: 12, actor: .system)
            let both = await [a, b]
            #expect(both.compactMap { $0 }.count == 1)
            let sql = t.db as! any SQLDatabase
            let rows = try await sql.raw("SELECT COUNT(*) AS n FROM sandbox_fan_messages").first()?.decode(column: "n", as: Int.self)
            #expect(rows == both.compactMap { $0 }.first?.messages)
        }
    }

    @Test func outsideTheDemoThereIsNoStormButton() async throws {
        try await withTestApp(.sqlite) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("storm@example.com", workspace: "Demo")
            _ = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            let admin = Browser(t)
            _ = try await admin.signIn("storm@example.com")
            #expect(!(try await admin.get("/w/demo/listening").body.contains("start-storm")))
            #expect(try await admin.post("/w/demo/demo/storm", []).status == .notFound)
        }
    }

    /// The demo's month: the monitor, the storm nine days ago, its alert
    /// closed and its incident worked through to a review, every clock met.
    @Test func theDemosStormWasWorkedThroughItsIncident() async throws {
        try await withTestApp(.sqlite) { t in
            let now = Date()
            _ = try await Demo.ensure(t.app, now: now)
            let workspace = try #require(try await Workspace.query(on: t.db).filter(\.$slug == Demo.workspaceSlug).first())
            let monitor = try #require(try await ListeningMonitor.query(on: t.db).filter(\.$name == DemoListening.monitorName).first())
            #expect(monitor.$workspace.id == workspace.id)
            let alerts = try await ListeningAlert.query(on: t.db).all()
            #expect(!alerts.isEmpty && alerts.allSatisfy { $0.state == ListeningAlert.State.closed.rawValue })
            let incident = try #require(try await Incident.query(on: t.db).first())
            #expect(try await Incident.query(on: t.db).count() == 1)
            #expect(incident.incidentState == .closed && incident.alertID == alerts.first?.id && incident.title == DemoListening.incidentTitle)
            #expect(incident.openedAt < now.addingTimeInterval(-8 * 86_400) && (incident.closedAt ?? .distantFuture) < now)
            let timeline = try await IncidentTimeline.read(incident, on: t.db, now: now)
            let clocks = timeline.clocks(of: incident, now: now)
            #expect(clocks.filter { $0.clock != .escalation }.allSatisfy { $0.state == .met }, "\(clocks)")
            let kinds = Set(timeline.items.map(\.kind))
            for kind in [
                "opened", "acknowledged", "role_assigned", "hold_started", "hold_released", "mentions_attached", "statement_submitted",
                "statement_approved", "status_update", "playbook_step", "review_written", "reply_published",
            ] {
                #expect(kinds.contains(kind), "\(kind) not in \(kinds.sorted())")
            }
            #expect(timeline.items.contains { $0.kind == "reply_published" && $0.detail == "statement" })
            // The monitor's own series, a day at a time from the workspace's
            // midnight: the storm's day stands out.
            let days = try await ListeningSeries.buckets(
                monitor.id!, from: now.addingTimeInterval(-29 * 86_400), to: now, step: 86_400, zone: workspace.zone, on: t.db)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = workspace.zone
            #expect(
                days.count == 30
                    && days.allSatisfy { calendar.dateComponents([.hour, .minute], from: $0.start) == DateComponents(hour: 0, minute: 0) })
            let peak = try #require(days.max { $0.mentions < $1.mentions })
            #expect(peak.mentions > 10 && peak.negative > 0 && abs(peak.start.timeIntervalSince(incident.openedAt)) < 86_400, "\(peak)")
            let review = try #require(try await IncidentService(db: t.db).review(of: incident))
            #expect(review.body.contains("首次回应：达标") && review.body.contains("以回应声明回复"), "\(review.body)")
            #expect(try await PublishingService.activeHolds(in: workspace.id!, on: t.db).isEmpty)
            // Nothing of the storm waits in today's inbox.
            let open = try await Conversation.query(on: t.db).filter(\.$status != Conversation.Status.resolved.rawValue).all()
            #expect(open.allSatisfy { $0.lastMessageAt > now.addingTimeInterval(-DemoTimeline.inboxWindow) })
        }
    }
}
