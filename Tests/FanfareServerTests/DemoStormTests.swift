import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// `fanfare demo storm`: the storm is on the Sandbox's side at once and
/// reaches the inbox only as each message's time comes.
@Suite struct DemoStormTests {
    @Test(arguments: TestDatabase.available)
    func theStormArrivesMinuteByMinute(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, admin, ws) = try await t.makeWorkspaceAdmin("storm@example.com", workspace: "Demo")
            try #require(ws.slug == Demo.workspaceSlug)
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: admin, json: ["platform": "sandbox", "handle": "brand"])
            let account = try #require(try await SocialAccount.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))

            let started = try await DemoStorm.start(app: t.app, peakPerMinute: 12, actor: .commandLine("demo storm"), now: now)
            let storm = SandboxChatter(seed: UInt64(now.timeIntervalSince1970), brand: DemoStorm.brand).storm(start: now, peakPerMinute: 12)
            #expect(started == DemoStorm.Started(account: "brand", messages: storm.count, from: now, to: storm.last!.at))
            // Who started it is in the audit log, on the account.
            let audited = try await AuditEvent.query(on: t.db).filter(\.$action == "demo.storm_started").all()
            #expect(audited.map(\.actorLabel) == ["cli:demo storm"] && audited.first?.targetID == account.id?.uuidString.lowercased())

            func stored() async throws -> Int { try await IncomingMessage.query(on: t.db).filter(\.$workspace.$id == ws.id!).count() }
            // The first minute's messages only, then the rest as time goes by.
            _ = try await MessageIntake.poll(account, app: t.app, now: now.addingTimeInterval(60))
            let firstMinute = storm.filter { $0.at <= now.addingTimeInterval(60) }.count
            #expect(try await stored() == firstMinute)
            _ = try await MessageIntake.poll(account, app: t.app, now: now.addingTimeInterval(30 * 60))
            #expect(try await stored() == storm.count)
            let texts = try await IncomingMessage.query(on: t.db).filter(\.$workspace.$id == ws.id!).all().map(\.text)
            #expect(Set(texts) == Set(storm.map(\.text)))

            // Bad input names the field; a workspace without Sandbox accounts is refused.
            await #expect(throws: ValidationErrors.self) { try await DemoStorm.start(app: t.app, peakPerMinute: 0, actor: .system, now: now) }
            do {
                _ = try await DemoStorm.start(app: t.app, peakPerMinute: 12, account: "nobody", actor: .system, now: now)
                Issue.record("an unknown account should be refused")
            } catch let errors as ValidationErrors {
                #expect(errors.issues.map(\.field) == ["account"])
            }
        }
    }

    @Test func withoutADemoWorkspaceItSaysWhatToDo() async throws {
        try await withTestApp(.sqlite) { t in
            do {
                _ = try await DemoStorm.start(app: t.app, peakPerMinute: 12, actor: .system)
                Issue.record("no demo workspace should be refused")
            } catch let problem as CommandLineProblem {
                #expect("\(problem)".contains("serve --demo"))
            }
        }
    }
}
