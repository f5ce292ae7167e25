import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The hourly goal check (issue 21 scope 1): a goal going off track
/// notifies its owner and the workspace's managers once per slide, also
/// when two workers check at once.
@Suite struct GoalCheckTests {
    @Test(arguments: TestDatabase.available)
    func goingOffTrackNotifiesOncePerSlide(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let owner = try await t.makeUser("owner@example.com")
            try await t.addMember(owner, to: ws, as: .analyst)
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            _ = try await GoalsTests.account(t, token: token, ws: ws, handle: "brand", start: 10_000, perDay: 100, days: 40)
            let today = GoalsTests.today(in: ws)
            let start = MetricDay.adding(-29, to: today)
            let deadline = MetricDay.adding(70, to: today)
            // 20,900 projected: 30,000 is off track, 22,000 on track.
            let created = try await t.api(
                .POST, base + "/goals", token: token,
                json: [
                    "title": "Followers 30,000", "metric": "followers", "target": 30_000, "start_day": start, "deadline": deadline,
                    "owner_id": owner.id!.uuidString,
                ])
            let goalText = try #require(created.json["id"] as? String)
            let goalID = try #require(UUID(uuidString: goalText))
            _ = try await t.api(
                .POST, base + "/goals", token: token,
                json: ["title": "Followers 22,000", "metric": "followers", "target": 22_000, "start_day": start, "deadline": deadline])
            _ = try await t.api(
                .POST, base + "/goals", token: token,
                json: ["title": "ROI", "metric": "untracked:roi", "target": 3, "start_day": start, "deadline": deadline])

            func notices(_ user: User) async throws -> Int {
                try await UserNotification.query(on: t.db).filter(\.$user.$id == user.id!).filter(
                    \.$link == "/goals/\(goalID.uuidString.lowercased())"
                ).count()
            }
            // Two workers at once: one notice each for the owner and the admin, none for the viewer.
            async let first = GoalCheck.check(on: t.db, now: Date())
            async let second = GoalCheck.check(on: t.db, now: Date())
            let wentOff = try await first + second
            #expect(wentOff == [goalID])
            #expect(try await notices(owner) == 1)
            #expect(try await notices(admin) == 1)
            #expect(try await notices(viewer) == 0)
            let stored = try #require(try await Goal.find(goalID, on: t.db))
            #expect(stored.lastState == "off_track")
            #expect(try await Goal.query(on: t.db).filter(\.$lastState == "on_track").count() == 1)
            // The untracked goal is not judged.
            #expect(try await Goal.query(on: t.db).filter(\.$metric == "untracked:roi").first()?.lastState == nil)

            // Still off track an hour later: no second notice.
            #expect(try await GoalCheck.check(on: t.db, now: Date().addingTimeInterval(3_600)).isEmpty)
            #expect(try await notices(owner) == 1)

            // Back on track (a looser tolerance), then off again: a second notice.
            #expect(try await t.api(.PUT, base + "/goals/settings", token: token, json: ["off_track_tolerance": 0.5]).status == .ok)
            #expect(try await GoalCheck.check(on: t.db, now: Date()).isEmpty)
            #expect(try await Goal.find(goalID, on: t.db)?.lastState == "on_track")
            #expect(try await t.api(.PUT, base + "/goals/settings", token: token, json: ["off_track_tolerance": 0.2]).status == .ok)
            #expect(try await GoalCheck.check(on: t.db, now: Date()) == [goalID])
            #expect(try await notices(owner) == 2)
        }
    }
}
