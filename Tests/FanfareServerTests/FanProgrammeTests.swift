import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// A fan room: the inbox room plus the fans API.
extension InboxRoom {
    var fans: String { "/api/v1/workspaces/\(ws.slug)/fans" }
    var api: String { "/api/v1/workspaces/\(ws.slug)" }

    func fanID(_ name: String) async throws -> String {
        let fan = try #require(
            try await Fan.query(on: t.db).filter(\.$workspace.$id == ws.id!).filter(\.$displayName == name).first(), "no fan \(name)")
        return fan.id!.uuidString
    }

    func profile(_ name: String, _ attributes: [String: Any]) async throws {
        let reply = try await t.api(.PATCH, fans + "/\(try await fanID(name))", token: admin, json: ["attributes": attributes])
        #expect(reply.status == .ok, "\(reply.body)")
    }

    /// Replaces the workspace's level ladder: (name, lifetime points, privileges) from level 1 up.
    func ladder(_ levels: [(String, Int, [String])]) async throws {
        let reply = try await t.api(
            .PUT, api + "/fan-programme", token: admin,
            json: [
                "levels": levels.enumerated().map { index, level in
                    ["number": index + 1, "name": level.0, "min_lifetime_points": level.1, "privileges": level.2] as [String: Any]
                }
            ])
        #expect(reply.status == .ok, "\(reply.body)")
    }

    /// Runs the engagement of every stored message, as the worker does.
    func engage(now: Date = Date()) async throws {
        let ids = try await IncomingMessage.query(on: t.db).filter(\.$workspace.$id == ws.id!).all(\.$id)
        try await FanEngagement.process(ids, now: now, on: t.db)
    }
}

@Suite struct SegmentTests {
    /// A segment on a privilege follows the workspace's own ladder:
    /// moving the VIP event down a level moves fans into it, untouched.
    @Test(arguments: TestDatabase.available)
    func aPrivilegeSegmentFollowsTheWorkspacesLadder(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...3 { try await room.fan("小雨", "第\(n)条") }
            try await room.fan("阿杰", "hello")
            try await room.engage()  // 小雨 6 points, 阿杰 2
            func count(_ value: String) async throws -> Reply {
                try await t.api(
                    .POST, room.api + "/segments/count", token: room.admin, json: ["rule": ["field": "privileges", "op": "contains", "value": value]])
            }
            let standard = try await count("vip_event")
            #expect(standard.status == .ok && standard.json["fans"] as? Int == 0, "the standard ladder grants it at 8,000 points: \(standard.body)")
            try await room.ladder([("Newcomer", 0, ["check_in_rewards"]), ("Insider", 5, ["vip_event"])])
            let moved = try await count("vip_event")
            #expect(moved.json["fans"] as? Int == 1, "\(moved.body)")
            let detail = try await t.api(.GET, room.fans + "/\(try await room.fanID("小雨"))", token: room.admin)
            #expect(detail.json["privileges"] as? [String] == ["check_in_rewards", "vip_event"], "\(detail.body)")
            let everyone = try await count("check_in_rewards")
            #expect(everyone.json["fans"] as? Int == 2, "\(everyone.body)")
            let unknown = try await count("vip")
            #expect(unknown.status == .unprocessableEntity && unknown.body.contains("vip_event"), "\(unknown.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSegmentCountsListsExportsAndAimsAnInboxRule(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...12 { try await room.fan("小雨", "第\(n)条：什么时候补货？") }
            try await room.fan("阿杰", "hello")
            try await room.fan("Mia", "hi")
            try await room.profile("小雨", ["region": "上海", "tags": ["VIP"]])
            try await room.profile("阿杰", ["region": "上海"])
            try await room.profile("Mia", ["region": "北京"])
            let rule: [String: Any] = [
                "all": [["field": "region", "op": "eq", "value": "上海"], ["field": "activity_tier", "op": "gte", "value": "active"]]
            ]
            let counted = try await t.api(.POST, room.api + "/segments/count", token: room.admin, json: ["rule": rule])
            #expect(counted.status == .ok && counted.json["fans"] as? Int == 1, "\(counted.body)")

            let made = try await t.api(.POST, room.api + "/segments", token: room.admin, json: ["name": "Active in Shanghai", "rule": rule])
            #expect(made.status == .created && made.json["fans"] as? Int == 1, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            let again = try await t.api(.POST, room.api + "/segments", token: room.admin, json: ["name": "Active in Shanghai", "rule": rule])
            #expect(again.status == .unprocessableEntity && again.problemFields == ["name"], "\(again.body)")
            let bad = try await t.api(
                .POST, room.api + "/segments", token: room.admin,
                json: ["name": "Bad", "rule": ["all": [["field": "shoe_size", "op": "eq", "value": 42]]]])
            #expect(bad.status == .unprocessableEntity && bad.body.contains("shoe_size"), "\(bad.body)")
            #expect(try await Segment.query(on: t.db).count() == 1, "a refused segment leaves nothing behind")

            let members = try await t.api(.GET, room.api + "/segments/\(id)/fans", token: room.admin)
            #expect(members.items.map { $0["display_name"] as? String } == ["小雨"])
            let csv = try await t.api(.GET, room.api + "/segments/\(id)/export", token: room.admin)
            #expect(csv.status == .ok && csv.body.contains("小雨") && !csv.body.contains("阿杰"), "\(csv.body)")
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "segment.exported").count() == 1)

            // A rule aimed at the segment tags only its members' conversations.
            try await room.rule(["name": "VIP care", "conditions": ["segment_ids": [id]], "actions": ["tags": ["vip-care"]]])
            try await room.fan("小雨", "还有一个问题")
            try await room.fan("Mia", "还有一个问题")
            #expect((try await room.conversation(of: "小雨")["tags"] as? [String])?.contains("vip-care") == true)
            #expect((try await room.conversation(of: "Mia")["tags"] as? [String])?.contains("vip-care") != true)
            let unknown = try await t.api(
                .POST, room.base + "/rules", token: room.admin,
                json: ["name": "x", "conditions": ["segment_ids": [UUID().uuidString]], "actions": ["tags": ["x"]]])
            #expect(unknown.status == .unprocessableEntity && unknown.problemFields == ["conditions.segment_ids"], "\(unknown.body)")
            let inUse = try await t.api(.DELETE, room.api + "/segments/\(id)", token: room.admin)
            #expect(inUse.status == .conflict, "\(inUse.body)")
        }
    }
}

@Suite struct ActivityTests {
    @Test(arguments: TestDatabase.available)
    func fansCheckInVoteAndEnterALotteryThatAnyoneCanVerify(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let now = Date()
            func create(_ json: [String: Any]) async throws -> String {
                let made = try await t.api(.POST, room.api + "/activities", token: room.admin, json: json)
                #expect(made.status == .created, "\(made.body)")
                let id = try #require(made.json["id"] as? String)
                let opened = try await t.api(.POST, room.api + "/activities/\(id)/status", token: room.admin, json: ["status": "open"])
                #expect(opened.status == .ok, "\(opened.body)")
                return id
            }
            let later = ISO8601DateFormatter().string(from: now.addingTimeInterval(3_600))
            let checkIn = try await create(["title": "Daily check-in", "settings": ["kind": "check_in", "milestones": []], "ends_at": later])
            let poll = try await create([
                "title": "Next colour", "settings": ["kind": "poll", "question": "Which colour next?", "options": ["深蓝", "墨绿"]], "ends_at": later,
            ])
            let lotteryMade = try await t.api(
                .POST, room.api + "/activities", token: room.admin,
                json: ["title": "Comment to win", "settings": ["kind": "lottery", "prize": "A mug", "winners": 1, "entries_close_at": later]])
            let lottery = try #require(lotteryMade.json["id"] as? String)
            let seedHash = try #require(lotteryMade.json["seed_hash"] as? String)
            #expect(seedHash.count == 64 && lotteryMade.json["seed"] == nil, "the seed stays secret until the draw")
            #expect(try await t.api(.POST, room.api + "/activities/\(lottery)/status", token: room.admin, json: ["status": "open"]).status == .ok)

            try await room.fan("小雨", "签到")
            try await room.fan("阿杰", "2")
            try await room.fan("Mia", "我选深蓝")
            try await room.engage()
            try await room.engage()  // a retried job pays nothing twice
            let rain = try await Fan.find(UUID(uuidString: try await room.fanID("小雨")), on: t.db)!
            // A comment (2) and a check-in (5).
            #expect(rain.pointsBalance == 7 && rain.checkInStreak == 1, "\(rain.pointsBalance) \(rain.checkInStreak)")
            let again = try await t.api(.POST, room.api + "/activities/\(checkIn)/entries", token: room.admin, json: ["fan_id": rain.id!.uuidString])
            #expect(again.status == .conflict && again.body.contains("already checked in today"), "\(again.body)")
            let votes = try await t.api(.GET, room.api + "/activities/\(poll)/entries", token: room.admin)
            #expect(votes.items.compactMap { ($0["answer"] as? [String: Any])?["options"] as? [Int] }.sorted { $0[0] < $1[0] } == [[0], [1]])
            let badVote = try await t.api(
                .POST, room.api + "/activities/\(poll)/entries", token: room.admin, json: ["fan_id": rain.id!.uuidString, "options": [5]])
            #expect(badVote.status == .unprocessableEntity && badVote.problemFields == ["options"], "\(badVote.body)")

            let entries = try await t.api(.GET, room.api + "/activities/\(lottery)", token: room.admin)
            #expect(entries.json["entries"] as? Int == 3, "\(entries.body)")
            let early = try await t.api(.POST, room.api + "/activities/\(lottery)/status", token: room.admin, json: ["status": "closed"])
            #expect(early.status == .ok, "\(early.body)")
            let tooSoon = try await t.api(.POST, room.api + "/activities/\(lottery)/status", token: room.admin, json: ["status": "drawn"])
            #expect(tooSoon.status == .unprocessableEntity && tooSoon.body.contains("cannot draw before entries close"), "\(tooSoon.body)")
            let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
            let drawn = try await ActivityService(db: t.db).move(lottery, to: "drawn", in: access, actor: .system, now: now.addingTimeInterval(7_200))
            let result = try #require(drawn.result)
            #expect(result.winners?.count == 1 && result.entrants?.count == 3)
            #expect(try LotterySeed.commitment(seedHex: drawn.seed!) == seedHash)
            let verified = try await t.api(.GET, room.api + "/activities/\(lottery)/verification", token: room.admin)
            #expect(verified.json["outcome"] as? String == "ok", "\(verified.body)")
            await #expect(throws: ValidationErrors.self, "a draw is final") {
                try await ActivityService(db: t.db).move(lottery, to: "drawn", in: access, actor: .system, now: now.addingTimeInterval(7_300))
            }
        }
    }
}

@Suite struct FanMergeAndPrivacyTests {
    @Test(arguments: TestDatabase.available)
    func twoFansMergeIntoOneUndoAndErasureKeepsOnlyCounts(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...3 { try await room.fan("小雨", "留言\(n)") }
            try await room.fan("Rain", "hello")
            try await room.profile("小雨", ["verified_phone": "+86 138 0013 8000"])
            try await room.profile("Rain", ["verified_phone": "8613800138000"])
            let suggested = try await t.api(.GET, room.api + "/fan-merges/suggestions", token: room.admin)
            #expect(suggested.items.count == 1 && suggested.items.first?["reason"] as? String == "same_phone", "\(suggested.body)")
            let (kept, merged) = (try await room.fanID("小雨"), try await room.fanID("Rain"))
            let bad = try await t.api(.POST, room.api + "/fan-merges", token: room.admin, json: ["kept_fan_id": kept, "merged_fan_id": kept])
            #expect(bad.status == .unprocessableEntity && bad.problemFields == ["merged_fan_id"], "\(bad.body)")
            let merge = try await t.api(
                .POST, room.api + "/fan-merges", token: room.admin, json: ["kept_fan_id": kept, "merged_fan_id": merged, "reason": "same_phone"])
            #expect(merge.status == .created, "\(merge.body)")
            let one = try await t.api(.GET, room.fans + "/\(kept)", token: room.admin)
            let fan = try #require(one.json["fan"] as? [String: Any])
            #expect(fan["interactions_30d"] as? Int == 4 && (fan["identities"] as? [[String: Any]])?.count == 2, "\(one.body)")
            #expect(try await t.api(.GET, room.fans, token: room.admin).items.count == 1, "the merged fan is the kept one now")
            let twice = try await t.api(.POST, room.api + "/fan-merges", token: room.admin, json: ["kept_fan_id": kept, "merged_fan_id": merged])
            #expect(twice.status == .conflict, "\(twice.body)")
            let mergeID = try #require(merge.json["id"] as? String)
            #expect(try await t.api(.POST, room.api + "/fan-merges/\(mergeID)/undo", token: room.admin).status == .ok)
            #expect(try await t.api(.GET, room.fans, token: room.admin).items.count == 2)
            let back = try #require(try await t.api(.GET, room.fans + "/\(kept)", token: room.admin).json["fan"] as? [String: Any])
            #expect(back["interactions_30d"] as? Int == 3 && (back["identities"] as? [[String: Any]])?.count == 1)

            let export = try await t.api(.GET, room.fans + "/\(kept)/export", token: room.admin)
            #expect(export.status == .ok && (export.json["messages"] as? [[String: Any]])?.count == 3, "\(export.body)")
            let erased = try await t.api(.POST, room.fans + "/\(kept)/erase", token: room.admin)
            #expect(erased.status == .ok && erased.json["erased"] as? Bool == true, "\(erased.body)")
            let texts = try await IncomingMessage.query(on: t.db).filter(\.$fanID == UUID(uuidString: kept)!).all()
            #expect(texts.count == 3 && texts.allSatisfy { $0.text.isEmpty && !$0.authorName.contains("小雨") }, "counts stay, words go")
            #expect(try await FanIdentity.query(on: t.db).filter(\.$fan.$id == UUID(uuidString: kept)!).count() == 0)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "fan.erased").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theNightlyRecomputationLetsQuietFansDecayAndRetentionErasesThem(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨", "hello")
            let summary = try await FanTiering.recompute(room.ws, now: Date().addingTimeInterval(40 * 86_400), on: t.db)
            #expect(summary.fans == 1 && summary.changed == 1)
            let fan = try #require(try await Fan.query(on: t.db).first())
            #expect(fan.activityTier == "silent" && fan.stage == "reach")
            let report = try await t.api(.GET, room.api + "/fan-reports?days=60", token: room.admin)
            #expect(report.status == .ok, "\(report.body)")
            #expect(try await t.api(.GET, room.api + "/fan-reports?days=0", token: room.admin).problemFields == ["days"])
            #expect(try await FanRetention.purge(now: Date().addingTimeInterval(800 * 86_400), on: t.db) == 1)
            #expect(try await Fan.query(on: t.db).first()?.erasedAt != nil)
        }
    }
}

@Suite struct FanProgrammeSettingsTests {
    @Test(arguments: TestDatabase.available)
    func theProgrammeIsCheckedAsAWholeAndItsThresholdsMoveTiers(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let standard = try await t.api(.GET, room.api + "/fan-programme", token: room.admin)
            #expect(standard.status == .ok && (standard.json["activity"] as? [String: Any])?["core"] as? Int == 51, "\(standard.body)")
            let bad = try await t.api(
                .PUT, room.api + "/fan-programme", token: room.admin,
                json: [
                    "activity": ["potential": 1, "active": 0, "core": 3], "retention_days": 5,
                    "points": ["rules": [["action": "comment", "points": 0]]],
                ])
            #expect(bad.status == .unprocessableEntity, "\(bad.body)")
            #expect(Set(bad.problemFields) == ["activity", "retention_days", "points.rules[0].points"], "\(bad.body)")
            #expect(try await FanProgrammeRecord.query(on: t.db).count() == 0, "a refused programme changes nothing")
            let set = try await t.api(
                .PUT, room.api + "/fan-programme", token: room.admin,
                json: ["activity": ["potential": 1, "active": 2, "core": 3], "retention_days": nil])
            #expect(set.status == .ok && set.json["retention_days"] is NSNull, "\(set.body)")
            for n in 1...3 { try await room.fan("小雨", "第\(n)条") }
            #expect(try await Fan.query(on: t.db).first()?.activityTier == "core", "the workspace's own thresholds")
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "fan_programme.updated").count() == 1)
        }
    }

    /// A check-in's points belong to the check_in_rewards privilege: below
    /// the level that grants it, the streak counts and nothing is paid.
    @Test(arguments: TestDatabase.available)
    func checkInPointsWaitForTheLevelThatGrantsThem(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.ladder([("Newcomer", 0, ["points_redemption"]), ("Regular", 4, ["check_in_rewards"])])
            for n in 1...2 { try await room.fan("小雨", "第\(n)条") }
            let fanID = try #require(UUID(uuidString: try await room.fanID("小雨")))
            let now = Date()
            let first = try await CheckIns(db: t.db).checkIn(fanID: fanID, workspace: room.ws, now: now)
            #expect(first.streak == 1 && first.points == 0 && first.bonus == 0 && first.balance == 0)
            #expect(try await PointsLedgerLine.query(on: t.db).filter(\.$fan.$id == fanID).count() == 0)
            try await room.engage(now: now)  // two comments, 4 points: level 2
            let next = try await CheckIns(db: t.db).checkIn(fanID: fanID, workspace: room.ws, now: now.addingTimeInterval(86_400))
            #expect(next.streak == 2 && next.points == 5 && next.balance == 9, "\(next)")
        }
    }

    /// SQLite begins a transaction as a reader. One that read the programme
    /// and then wrote it failed at once (a 500) when another save committed in
    /// between, and waiting could not help: its snapshot was already stale.
    @Test(arguments: TestDatabase.available)
    func programmeSavesAtOnceAllLandAndTheLastOneStays(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 1...8 {
                    group.addTask {
                        try await t.api(
                            .PUT, room.api + "/fan-programme", token: room.admin,
                            json: ["activity": ["potential": 1, "active": 2 + n, "core": 20 + n]]
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "fan_programme.updated").count() == 8)
            let kept = try await t.api(.GET, room.api + "/fan-programme", token: room.admin)
            #expect((kept.json["activity"] as? [String: Any])?["potential"] as? Int == 1, "\(kept.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aQuizPaysPerCorrectAnswerAndAFeaturedPickCountsAsAContribution(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨", "hello")
            let fan = try await room.fanID("小雨")
            let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3_600))
            func open(_ json: [String: Any]) async throws -> String {
                let made = try await t.api(.POST, room.api + "/activities", token: room.admin, json: json)
                let id = try #require(made.json["id"] as? String, "\(made.body)")
                #expect(try await t.api(.POST, room.api + "/activities/\(id)/status", token: room.admin, json: ["status": "open"]).status == .ok)
                return id
            }
            let quiz = try await open([
                "title": "Brand quiz", "ends_at": later,
                "settings": [
                    "kind": "quiz", "points_per_correct": 10,
                    "questions": [
                        ["question": "Founded?", "options": ["2019", "2020"], "correct_option": 1],
                        ["question": "City?", "options": ["上海", "北京"], "correct_option": 0],
                    ],
                ],
            ])
            let short = try await t.api(.POST, room.api + "/activities/\(quiz)/entries", token: room.admin, json: ["fan_id": fan, "answers": [1]])
            #expect(short.status == .unprocessableEntity && short.problemFields == ["answers"], "\(short.body)")
            let answered = try await t.api(
                .POST, room.api + "/activities/\(quiz)/entries", token: room.admin, json: ["fan_id": fan, "answers": [1, 1]])
            #expect(answered.status == .created && answered.json["points"] as? Int == 5 + 10, "\(answered.body)")
            let again = try await t.api(
                .POST, room.api + "/activities/\(quiz)/entries", token: room.admin, json: ["fan_id": fan, "answers": [1, 0]])
            #expect(again.status == .ok && again.json["repeated"] as? Bool == true && again.json["points"] as? Int == 0, "one entry per fan")

            let ugc = try await open([
                "title": "Show us", "ends_at": later, "settings": ["kind": "ugc_challenge", "hashtag": "#春日穿搭", "featured_picks": 1],
            ])
            let missing = try await t.api(
                .POST, room.api + "/activities/\(ugc)/entries", token: room.admin, json: ["fan_id": fan, "text": "my look"])
            #expect(missing.status == .unprocessableEntity && missing.problemFields == ["text"], "\(missing.body)")
            let entry = try await t.api(
                .POST, room.api + "/activities/\(ugc)/entries", token: room.admin, json: ["fan_id": fan, "text": "#春日穿搭 my look"])
            let entryID = try #require((entry.json["entry"] as? [String: Any])?["id"] as? String, "\(entry.body)")
            let featured = try await t.api(.POST, room.api + "/activities/\(ugc)/entries/\(entryID)/feature", token: room.admin)
            #expect(featured.status == .ok && featured.json["featured"] as? Bool == true, "\(featured.body)")
            let stored = try #require(try await Fan.find(UUID(uuidString: fan), on: t.db))
            #expect(stored.contributions == 1 && stored.badges.contains("creator"), "\(stored.badges)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aQuizIsWrittenAsTextInThePageAndAnsweredForAFan(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨", "hello")
            let fan = try await room.fanID("小雨").lowercased()
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let base = "/w/\(room.ws.slug)/activities"
            let form = try await browser.get(base)
            #expect(form.body.contains("value=\"quiz\""), "the page offers quizzes")
            let ends = "2099-01-01T12:00"
            let unmarked = try await browser.post(
                base,
                [("kind", "quiz"), ("title", "Brand quiz"), ("ends_at", ends), ("questions", "Founded?\n2019\n2020"), ("points_per_correct", "10")])
            #expect(unmarked.status == .unprocessableEntity && unmarked.body.contains("must mark exactly one option as correct"))
            #expect(try await Activity.query(on: t.db).count() == 0, "a refused quiz is not stored")
            let made = try await browser.post(
                base,
                [
                    ("kind", "quiz"), ("title", "Brand quiz"), ("ends_at", ends), ("questions", "Founded?\n2019\n*2020\n\nCity?\n*上海\n北京"),
                    ("points_per_correct", "10"),
                ])
            #expect(made.status == .seeOther, "\(made.body.prefix(400))")
            let quiz = try #require(try await Activity.query(on: t.db).first())
            let page = base + "/\(quiz.id!.uuidString.lowercased())"
            _ = try await browser.post(page + "/status", [("status", "open")])
            let open = try await browser.get(page)
            #expect(open.body.contains("name=\"answer_0\"") && open.body.contains("name=\"answer_1\""), "one choice per question")
            let entered = try await browser.post(page + "/entries", [("fan_id", fan), ("answer_0", "1"), ("answer_1", "")])
            #expect(entered.status == .seeOther)
            let entry = try #require(try await ActivityEntry.query(on: t.db).first())
            #expect(entry.answer.answers == [1, nil])
            let stored = try #require(try await Fan.find(UUID(uuidString: fan), on: t.db))
            #expect(stored.pointsBalance >= 10, "one correct answer pays 10 on top of taking part")
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoCheckInsAtOnceCountOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨", "hello")
            let fanID = try #require(UUID(uuidString: try await room.fanID("小雨")))
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await CheckIns(db: t.db).checkIn(fanID: fanID, workspace: room.ws)
                            return true
                        } catch let problem as Problem where problem.status == 409 {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1, "\(outcomes)")
            let fan = try #require(try await Fan.find(fanID, on: t.db))
            #expect(fan.checkInStreak == 1 && fan.pointsBalance == 5)
        }
    }

    /// A SQLite connection waiting for the write lock holds a blocking thread
    /// while it waits. On the process-wide pool, shared by every application
    /// in the process, the waiters once took every thread and left the
    /// lock's holder none: the test run hung. The application's own threads
    /// keep SQLite going while that pool is wholly taken.
    @Test func sqliteGoesOnWhileTheProcessWideThreadPoolIsTaken() async throws {
        try await withTestApp(.sqlite) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨", "hello")
            let fanID = try #require(UUID(uuidString: try await room.fanID("小雨")))
            let gate = DispatchSemaphore(value: 0)
            let blockers = 64
            for _ in 0..<blockers { NIOThreadPool.singleton.submit { _ in gate.wait() } }
            let release: @Sendable () -> Void = { for _ in 0..<blockers { gate.signal() } }
            let finishedFirst = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { checkIns in
                        for _ in 0..<4 {
                            checkIns.addTask { _ = try? await CheckIns(db: t.db).checkIn(fanID: fanID, workspace: room.ws) }
                        }
                        try await checkIns.waitForAll()
                    }
                    return true
                }
                group.addTask {
                    // Without this the check-ins would wait on the taken pool for ever.
                    do { try await Task.sleep(for: .seconds(120)) } catch { return false }
                    release()
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            if finishedFirst { release() }
            #expect(finishedFirst, "the check-ins waited for the process-wide thread pool")
            #expect(try await Fan.find(fanID, on: t.db)?.checkInStreak == 1)
        }
    }
}
