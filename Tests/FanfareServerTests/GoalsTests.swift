import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Goals through the API (issue 21 scope 1): progress from the metric
/// store, validation, objectives with at most six key results, the
/// three-phase template and the workspace's tolerance.
@Suite struct GoalsTests {
    /// Today in the workspace's own time zone: goals read days there, so a
    /// test written in UTC days would be a day off for the hours when the
    /// two calendars differ (16:00–24:00 UTC for Asia/Shanghai).
    static func today(in ws: Workspace) -> String { MetricDay.of(Date(), in: ws.zone) }

    /// A Sandbox account whose followers rose by `perDay` from `start` for
    /// `days` days up to today (each day's snapshot written to the store).
    static func account(_ t: TestApp, token: String, ws: Workspace, handle: String, start: Int, perDay: Int, days: Int) async throws -> String {
        let base = "/api/v1/workspaces/\(ws.slug)"
        let id = try #require(
            try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": handle]).json["id"] as? String)
        let today = Self.today(in: ws)
        for offset in 0..<days {
            let day = MetricDay.adding(-(days - 1 - offset), to: today)
            try await MetricHistoryService.recordAccount(
                workspaceID: ws.id!, accountID: UUID(uuidString: id)!,
                MetricHistoryService.AccountDay(
                    day: day, followers: start + perDay * offset, following: nil, posts: nil, platformValues: nil, source: "snapshot",
                    takenAt: Date()),
                on: t.db)
        }
        return id
    }

    @Test(arguments: TestDatabase.available)
    func progressIsReadFromTheMetricStore(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let account = try await Self.account(t, token: token, ws: ws, handle: "brand", start: 10_000, perDay: 100, days: 40)
            let today = Self.today(in: ws)
            let start = MetricDay.adding(-29, to: today)
            let deadline = MetricDay.adding(70, to: today)
            // Followers rising 100 a day reach about 10,000 + 100 × 109 by the deadline.
            let created = try await t.api(
                .POST, base + "/goals", token: token,
                json: [
                    "title": "Followers 22,000", "metric": "followers", "target": 22_000, "start_day": start, "deadline": deadline,
                    "account_ids": [account],
                ])
            #expect(created.status == .created, "\(created.body)")
            let progress = try #require(created.json["progress"] as? [String: Any])
            #expect(progress["actual"] as? Double == 13_900)
            #expect(progress["baseline"] as? Double == 11_000)
            #expect(progress["method"] as? String == "trend")
            #expect(abs((progress["projected"] as? Double ?? 0) - (13_900 + 100 * 70)) < 1e-6)
            // 20,900 of 22,000 is 5 % short: on track.
            #expect(progress["state"] as? String == "on_track")
            #expect(created.json["kind"] as? String == "level" && created.json["tracked"] as? Bool == true)
            let id = try #require(created.json["id"] as? String)

            // The goal's page data: the path, the actual line, quarters and months.
            let shown = try await t.api(.GET, base + "/goals/\(id)", token: token)
            #expect(shown.status == .ok)
            let path = try #require(shown.json["path"] as? [[String: Any]])
            #expect(path.count == 100 && path.last?["value"] as? Double == 22_000)
            #expect((shown.json["actual_line"] as? [[String: Any]])?.count == 30)
            #expect((shown.json["months"] as? [[String: Any]])?.isEmpty == false)

            // A stricter goal is off track; a tolerance of 50 % forgives it.
            let strict = try await t.api(
                .POST, base + "/goals", token: token,
                json: ["title": "Followers 30,000", "metric": "followers", "target": 30_000, "start_day": start, "deadline": deadline])
            #expect((strict.json["progress"] as? [String: Any])?["state"] as? String == "off_track")
            let bad = try await t.api(.PUT, base + "/goals/settings", token: token, json: ["off_track_tolerance": 1.5])
            #expect(bad.status == .unprocessableEntity && bad.problemFields == ["off_track_tolerance"])
            #expect(try await t.api(.PUT, base + "/goals/settings", token: token, json: ["off_track_tolerance": 0.5]).status == .ok)
            let forgiven = try await t.api(.GET, base + "/goals/\(try #require(strict.json["id"] as? String))", token: token)
            #expect((forgiven.json["progress"] as? [String: Any])?["state"] as? String == "on_track")
            #expect((forgiven.json["progress"] as? [String: Any])?["off_track_tolerance"] as? Double == 0.5)

            // An account scope with no data: no data, never a made-up number.
            let other = try await Self.account(t, token: token, ws: ws, handle: "empty", start: 0, perDay: 0, days: 0)
            let empty = try await t.api(
                .POST, base + "/goals", token: token,
                json: ["title": "Quiet", "metric": "comments", "target": 100, "start_day": start, "deadline": deadline, "account_ids": [other]])
            #expect((empty.json["progress"] as? [String: Any])?["state"] as? String == "no_data")
            #expect((empty.json["progress"] as? [String: Any])?["actual"] == nil)

            let listed = try await t.api(.GET, base + "/goals", token: token)
            #expect(listed.items.count == 3)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "goal.created").count() == 3)
            #expect(try await t.api(.DELETE, base + "/goals/\(id)", token: token).status == .noContent)
            #expect(try await t.api(.GET, base + "/goals/\(id)", token: token).status == .notFound)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "goal.deleted").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func badInputNamesEachField(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let base = "/api/v1/workspaces/\(ws.slug)"
            // Another workspace's account is not one to scope to.
            let foreign = try await Self.account(t, token: otherToken, ws: other, handle: "o", start: 1, perDay: 1, days: 1)
            let stranger = try await t.makeUser("stranger@example.com")
            let reply = try await t.api(
                .POST, base + "/goals", token: token,
                json: [
                    "title": "", "metric": "follower", "target": 5, "start_day": "2027-02-30", "deadline": "2027-01-01", "platform": "myspace",
                    "account_ids": [foreign], "owner_id": stranger.id!.uuidString, "objective_id": UUID().uuidString,
                ])
            #expect(reply.status == .unprocessableEntity)
            #expect(Set(reply.problemFields) == ["title", "metric", "account_ids", "owner_id", "objective_id", "platform"], "\(reply.body)")
            let dates = try await t.api(
                .POST, base + "/goals", token: token,
                json: ["title": "Rate", "metric": "comments/impressions", "target": 10, "start_day": "2027-03-01", "deadline": "2027-02-01"])
            #expect(Set(dates.problemFields) == ["target", "deadline"], "\(dates.body)")
            let codes = (dates.json["errors"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(Set(codes ?? []) == ["goal_ratio_target", "goal_deadline_after_start"])
            let missing = try await t.api(.POST, base + "/goals", token: token, json: ["title": "Nothing"])
            #expect(Set(missing.problemFields) == ["metric", "target", "start_day", "deadline"], "\(missing.body)")
            let wrongType = try await t.api(.POST, base + "/goals", token: token, json: ["title": "T", "target": "many"])
            #expect(wrongType.status == .unprocessableEntity || wrongType.status == .badRequest)
            #expect(try await Goal.query(on: t.db).count() == 0)

            // A viewer reads but does not write.
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.GET, base + "/goals", token: viewerToken).status == .ok)
            let refused = try await t.api(
                .POST, base + "/goals", token: viewerToken,
                json: ["title": "Mine", "metric": "likes", "target": 5, "start_day": "2027-01-01", "deadline": "2027-02-01"])
            #expect(refused.status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anObjectiveHoldsAtMostSixKeyResultsEvenWhenAddedAtOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let objective = try await t.api(
                .POST, base + "/goals/objectives", token: token, json: ["title": "Win 2027", "start_day": "2027-01-01", "deadline": "2027-12-31"])
            #expect(objective.status == .created, "\(objective.body)")
            let objectiveID = try #require(objective.json["id"] as? String)
            func keyResult(_ n: Int) -> [String: Any] {
                [
                    "title": "KR \(n)", "metric": "likes", "target": 100 * n, "start_day": "2027-01-01", "deadline": "2027-12-31",
                    "objective_id": objectiveID,
                ]
            }
            for n in 1...4 { #expect(try await t.api(.POST, base + "/goals", token: token, json: keyResult(n)).status == .created) }
            // Four more at once: two fit.
            let replies = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 5...8 { group.addTask { try await t.api(.POST, base + "/goals", token: token, json: keyResult(n)).status } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(replies.filter { $0 == .created }.count == 2)
            #expect(replies.filter { $0 == .unprocessableEntity }.count == 2)
            let shown = try await t.api(.GET, base + "/goals/objectives/\(objectiveID)", token: token)
            #expect((shown.json["key_results"] as? [Any])?.count == 6)
            let seventh = try await t.api(.POST, base + "/goals", token: token, json: keyResult(9))
            #expect(seventh.problemFields == ["objective_id"])
            // Removing the objective removes its key results.
            #expect(try await t.api(.DELETE, base + "/goals/objectives/\(objectiveID)", token: token).status == .noContent)
            #expect(try await Goal.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theThreePhasePlanIsWrittenWithItsEdits(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (user, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let template = try await t.api(.GET, base + "/goals/templates/three-phase", token: token)
            #expect((template.json["items"] as? [[String: Any]])?.count == 9)
            let bad = try await t.api(
                .POST, base + "/goals/templates/three-phase", token: token,
                json: ["start_day": "2027-01-01", "items": ["comment_rate": ["target": 12], "nonsense": ["include": false]]])
            #expect(Set(bad.problemFields) == ["items", "items.comment_rate.target"], "\(bad.body)")
            #expect(try await GoalObjective.query(on: t.db).count() == 0)
            let applied = try await t.api(
                .POST, base + "/goals/templates/three-phase", token: token,
                json: [
                    "start_day": "2027-01-01", "locale": "zh-Hans", "owner_id": user.id!.uuidString,
                    "items": ["comment_rate": ["target": 0.12], "roi": ["include": false]],
                ])
            #expect(applied.status == .created, "\(applied.body)")
            #expect(applied.items.map { $0["phase"] as? String } == ["foundation", "deep_operation", "monetisation"])
            #expect(applied.items.map { ($0["key_results"] as? [Any])?.count } == [3, 3, 2])
            let first = try #require(applied.items.first?["key_results"] as? [[String: Any]])
            #expect(first.map { $0["template_key"] as? String } == ["follower_growth", "comment_rate", "content_pillars"])
            #expect(first[1]["target"] as? Double == 0.12)
            #expect(first[0]["title"] as? String == "粉丝月均增长 5 万")
            #expect(first[2]["tracked"] as? Bool == false)
            #expect((first[2]["progress"] as? [String: Any])?["state"] as? String == "untracked")
            #expect(applied.items.last?["deadline"] as? String == "2027-12-31")
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "goal_objective.template_applied").count() == 1)
        }
    }
}
