import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Activities reserved for a loyalty privilege, early access, and sign-ups
/// whose places run out.
@Suite struct ActivityReservationTests {
    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// A meet-up for `meetup` holders: a fan below the level is refused
    /// naming the level, a holder takes a place; bad reservations are
    /// refused naming their fields, and nothing is stored.
    @Test(arguments: TestDatabase.available)
    func aMeetUpTakesOnlyTheLevelsThatGrantIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.ladder([("Newcomer", 0, ["points_redemption"]), ("Insider", 4, ["meetup"])])
            for n in 1...2 { try await room.fan("小雨", "第\(n)条") }
            try await room.fan("阿杰", "hello")
            try await room.engage()  // 小雨 4 points (Insider), 阿杰 2
            let later = Self.iso(Date().addingTimeInterval(86_400))
            let signUp: [String: Any] = ["kind": "sign_up", "venue": "上海旗舰店", "places": 20]

            let bad = try await t.api(
                .POST, room.api + "/activities", token: room.admin,
                json: ["title": "Meet-up", "settings": ["kind": "sign_up", "venue": " ", "places": 0], "privilege": "backstage", "ends_at": later])
            #expect(bad.status == .unprocessableEntity, "\(bad.body)")
            for field in ["privilege", "settings.places", "settings.venue"] { #expect(bad.body.contains("\"\(field)\""), "\(field): \(bad.body)") }
            #expect(bad.body.contains("meetup, vip_event") || bad.body.contains("vip_event, meetup"), "the accepted privileges are named")
            let unopened = try await t.api(
                .POST, room.api + "/activities", token: room.admin,
                json: ["title": "Meet-up", "settings": signUp, "open_to_all_at": Self.iso(Date().addingTimeInterval(3_600)), "ends_at": later])
            #expect(unopened.status == .unprocessableEntity && unopened.body.contains("\"open_to_all_at\""), "\(unopened.body)")
            #expect(try await Activity.query(on: t.db).count() == 0, "refused activities leave nothing behind")

            let made = try await t.api(
                .POST, room.api + "/activities", token: room.admin,
                json: ["title": "Meet-up", "settings": signUp, "privilege": "meetup", "ends_at": later])
            #expect(
                made.status == .created && made.json["privilege"] as? String == "meetup" && made.json["places_left"] as? Int == 20, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            #expect(try await t.api(.POST, room.api + "/activities/\(id)/status", token: room.admin, json: ["status": "open"]).status == .ok)

            let refused = try await t.api(
                .POST, room.api + "/activities/\(id)/entries", token: room.admin, json: ["fan_id": try await room.fanID("阿杰")])
            #expect(
                refused.status == .forbidden && refused.body.contains("privilege-required") && refused.body.contains("level 2 or higher"),
                "\(refused.body)")
            let taken = try await t.api(
                .POST, room.api + "/activities/\(id)/entries", token: room.admin, json: ["fan_id": try await room.fanID("小雨")])
            #expect(taken.status == .created, "\(taken.body)")
            let shown = try await t.api(.GET, room.api + "/activities/\(id)", token: room.admin)
            #expect(shown.json["places_left"] as? Int == 19 && shown.json["entries"] as? Int == 1, "\(shown.body)")

            // The page says who it is for and how many places are left…
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let base = "/w/\(room.ws.slug)/activities"
            let page = try await browser.get(base + "/\(id.lowercased())")
            #expect(
                page.body.contains("id=\"reserved-for\"") && page.body.contains("meetup") && page.body.contains("data-left=\"19\""), "\(page.body)")
            // …and its form makes one, refusing a time it cannot read rather than dropping it.
            let form: [(String, String)] = [
                ("kind", "sign_up"), ("title", "VIP dinner"), ("ends_at", "2099-01-01T12:00"), ("venue", "外滩"), ("places", "8"),
                ("privilege", "vip_event"),
            ]
            let unreadable = try await browser.post(base, form + [("open_to_all_at", "tomorrow")])
            #expect(
                unreadable.status == .unprocessableEntity && unreadable.body.contains("such as 2026-12-01T18:30"), "\(unreadable.body.prefix(300))")
            #expect(try await Activity.query(on: t.db).count() == 1)
            let dinner = try await browser.post(base, form + [("open_to_all_at", "2098-12-31T12:00")])
            #expect(dinner.status == .seeOther, "\(dinner.body.prefix(400))")
            let stored = try #require(try await Activity.query(on: t.db).filter(\.$title == "VIP dinner").first())
            #expect(stored.privilege == "vip_event" && stored.openToAllAt != nil && stored.kind == "sign_up")
        }
    }

    /// Early access: holders first, and from the opening time everyone, also
    /// by message ("报名").
    @Test(arguments: TestDatabase.available)
    func earlyAccessOpensToEveryFanAtItsTime(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.ladder([("Newcomer", 0, []), ("Insider", 1_000, ["early_access"])])
            try await room.fan("阿杰", "hello")
            // Started two hours ago, open to all for the last hour.
            let now = Date()
            let made = try await t.api(
                .POST, room.api + "/activities", token: room.admin,
                json: [
                    "title": "新品抢先购", "settings": ["kind": "sign_up", "venue": "小程序", "places": 100], "privilege": "early_access",
                    "starts_at": Self.iso(now.addingTimeInterval(-7_200)), "open_to_all_at": Self.iso(now.addingTimeInterval(-3_600)),
                    "ends_at": Self.iso(now.addingTimeInterval(3_600)),
                ])
            #expect(made.status == .created, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            #expect(try await t.api(.POST, room.api + "/activities/\(id)/status", token: room.admin, json: ["status": "open"]).status == .ok)
            let opened = try #require(try await Activity.find(UUID(uuidString: id), on: t.db))
            let fanID = try #require(UUID(uuidString: try await room.fanID("阿杰")))
            let entries = ActivityEntries(db: t.db)
            let early = now.addingTimeInterval(-5_400)
            await #expect(throws: Problem.self, "before the opening only holders get in") {
                try await entries.enter(opened, fanID: fanID, answer: EntryAnswer(), workspace: room.ws, now: early)
            }

            // Now that it is open to all, a message asking for a place takes one.
            try await room.fan("阿杰", "我要报名！")
            try await room.engage()
            #expect(try await ActivityEntry.query(on: t.db).filter(\.$activity.$id == opened.id!).count() == 1)
        }
    }

    /// Twelve fans sign up at once for five places: five get one, seven are
    /// told the places are gone, and a fan signing up again keeps theirs.
    @Test(arguments: TestDatabase.available)
    func placesRunOutExactlyUnderSimultaneousSignUps(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...12 { try await room.fan("fan\(n)", "hi") }
            let made = try await t.api(
                .POST, room.api + "/activities", token: room.admin,
                json: [
                    "title": "VIP 品鉴会", "settings": ["kind": "sign_up", "venue": "静安店", "places": 5],
                    "ends_at": Self.iso(Date().addingTimeInterval(3_600)),
                ])
            let id = try #require(made.json["id"] as? String)
            #expect(try await t.api(.POST, room.api + "/activities/\(id)/status", token: room.admin, json: ["status": "open"]).status == .ok)
            let activity = try #require(try await Activity.find(UUID(uuidString: id), on: t.db))
            var fans: [UUID] = []
            for n in 1...12 { fans.append(try #require(UUID(uuidString: try await room.fanID("fan\(n)")))) }
            let outcomes = try await withThrowingTaskGroup(of: (UUID, Bool).self) { group in
                for fan in fans {
                    group.addTask {
                        do {
                            _ = try await ActivityEntries(db: t.db).enter(activity, fanID: fan, answer: EntryAnswer(), workspace: room.ws)
                            return (fan, true)
                        } catch let problem as Problem where problem.status == 409 {
                            #expect(problem.detail?.contains("All 5 places") == true, "\(problem)")
                            return (fan, false)
                        }
                    }
                }
                return try await group.reduce(into: [(UUID, Bool)]()) { $0.append($1) }
            }
            #expect(outcomes.filter(\.1).count == 5, "\(outcomes)")
            #expect(try await ActivityEntry.query(on: t.db).filter(\.$activity.$id == activity.id!).count() == 5)
            let holder = try #require(outcomes.first(where: \.1)?.0)
            let again = try await ActivityEntries(db: t.db).enter(activity, fanID: holder, answer: EntryAnswer(), workspace: room.ws)
            #expect(again.repeated, "a fan who has a place keeps it when signing up again")
        }
    }
}
