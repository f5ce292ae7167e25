import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// From a storm to its incident: Sandbox fans complain about the brand,
/// the inbox hears it, Listening raises an alert, and "open an incident"
/// on the alert opens one incident whose clocks start at the story's
/// first mention, however many people click.
@Suite struct AlertIncidentTests {
    @Test(arguments: TestDatabase.available)
    func anAlertOpensOneIncidentFromItsFirstMention(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            let made = try await t.api(.POST, api + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            let account = try #require(try await SocialAccount.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
            let monitor = try await t.api(.POST, api + "/listening/monitors", token: token, json: ["name": "品牌声量", "query": "演示品牌"])
            #expect(monitor.status == .created, "\(monitor.body)")

            // A storm that began five minutes ago, fetched now, graded now.
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let start = now.addingTimeInterval(-300)
            let storm = SandboxChatter(seed: 5, brand: "演示品牌").storm(start: start, peakPerMinute: 12).filter { $0.at <= now }
            _ = try await SandboxFans.schedule(storm, to: account, app: t.app)
            _ = try await MessageIntake.poll(account, app: t.app, now: now.addingTimeInterval(1))
            try await AlertEvaluation.run(workspaceID: ws.id!, on: t.db, now: now.addingTimeInterval(2))
            let alerts = try await t.api(.GET, api + "/listening/alerts", token: token)
            let alert = try #require(alerts.items.first, "\(alerts.body)")
            let alertID = try #require(alert["id"] as? String)
            let grade = try #require(alert["grade"] as? String)

            // Opened from the alert: its grade, its monitor, its first mention.
            let opened = try await t.api(.POST, api + "/incidents", token: token, json: ["alert_id": alertID])
            #expect(opened.status == .created, "\(opened.body)")
            let incidentID = try #require(opened.json["id"] as? String)
            let incident = try #require(try await Incident.find(UUID(uuidString: incidentID), on: t.db))
            #expect(incident.severity == grade && incident.title == "品牌声量" && incident.alertID == UUID(uuidString: alertID))
            #expect(incident.firstMentionAt.map { abs($0.timeIntervalSince(start)) < 1 } == true, "\(String(describing: incident.firstMentionAt))")

            // Again, and twice at once: the same incident.
            let again = try await t.api(.POST, api + "/incidents", token: token, json: ["alert_id": alertID])
            #expect(again.status == .ok && again.json["id"] as? String == incidentID)
            async let a = t.api(.POST, api + "/incidents", token: token, json: ["alert_id": alertID])
            async let b = t.api(.POST, api + "/incidents", token: token, json: ["alert_id": alertID])
            let both = try await [a, b]
            #expect(both.allSatisfy { $0.json["id"] as? String == incidentID })
            #expect(try await Incident.query(on: t.db).filter(\.$workspace.$id == ws.id!).count() == 1)

            // The alert page's button, as a person uses it.
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/listening/alerts/\(alertID)")
            #expect(page.body.contains("id=\"open-incident\"") && page.body.contains("Open an incident"), "\(page.body)")
            let button = try await browser.post("/w/\(ws.slug)/incidents/from-alert/\(alertID)", [])
            #expect(button.status == .seeOther && button.headers.first(name: .location)?.hasSuffix(incidentID) == true)

            // Another workspace's alert is not found, and opens nothing.
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let foreign = try await t.api(.POST, "/api/v1/workspaces/\(other.slug)/incidents", token: otherToken, json: ["alert_id": alertID])
            #expect(foreign.status == .notFound)
            let unknown = try await t.api(.POST, api + "/incidents", token: token, json: ["alert_id": "not-an-id"])
            #expect(unknown.status == .notFound)
            #expect(try await Incident.query(on: t.db).count() == 1)
        }
    }
}
