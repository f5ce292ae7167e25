import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Tracked links, the redirect and its click recording, and the event API
/// with its de-duplication and the fans' value it feeds.
@Suite struct ConversionsTests {
    static let browserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

    func makePost(_ t: TestApp, token: String, slug: String) async throws -> (post: String, variant: String, account: String) {
        let account = try #require(
            try await t.api(.POST, "/api/v1/workspaces/\(slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "shop"]).json["id"]
                as? String)
        let post = try await t.api(
            .POST, "/api/v1/workspaces/\(slug)/posts", token: token, json: ["body": "New tea", "account_ids": [account], "campaign": "spring"])
        let postID = try #require(post.json["id"] as? String)
        let variant = try #require((post.json["variants"] as? [[String: Any]])?.first?["id"] as? String)
        return (postID, variant, account)
    }

    @Test(arguments: TestDatabase.available)
    func linkCreationNamesEachBadField(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let path = "/api/v1/workspaces/\(ws.slug)/links"
            let cases: [([String: Any], String)] = [
                (["campaign": "spring"], "destination"),
                (["destination": "javascript:alert(1)", "campaign": "spring"], "destination"),
                (["destination": "ftp://example.com/x", "campaign": "spring"], "destination"),
                (["destination": "https://"], "destination"),
                (["destination": "https://shop.example.com"], "target"),
                (["destination": "https://shop.example.com", "campaign": "a", "account_id": UUID().uuidString], "target"),
                (["destination": "https://shop.example.com", "post_id": "nope"], "post_id"),
                (["destination": "https://shop.example.com", "post_id": UUID().uuidString], "post_id"),
                (["destination": "https://shop.example.com", "account_id": UUID().uuidString], "account_id"),
                (["destination": "https://shop.example.com", "campaign": "a", "utm_source": String(repeating: "x", count: 101)], "utm_source"),
                (["destination": "https://shop.example.com", "campaign": "a", "utm_medium": "a\nb"], "utm_medium"),
                (["destination": "https://shop.example.com", "campaign": "a", "utm_term": String(repeating: "x", count: 101)], "utm_term"),
            ]
            for (body, field) in cases {
                let reply = try await t.api(.POST, path, token: token, json: body)
                #expect(reply.status == .unprocessableEntity || reply.status == .badRequest, "\(body) gave \(reply.status)")
                #expect(reply.problemFields.contains(field), "\(body) should name \(field), named \(reply.problemFields)")
            }
            #expect(try await ShortLink.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLinkRedirectsWithUTMAndItsClicksAreCountedAfterTheFlush(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.publicURL = URL(string: "https://fanfare.example.com") }) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (postID, variantID, _) = try await makePost(t, token: token, slug: ws.slug)
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/links", token: token,
                json: ["destination": "https://shop.example.com/tea?x=1", "post_id": variantID], headers: [("Host", "evil.example.net")])
            #expect(made.status == .created)
            let code = try #require(made.json["code"] as? String)
            #expect(code.count >= 7)
            #expect(made.json["short_url"] as? String == "https://fanfare.example.com/l/\(code)")
            #expect(made.json["post_id"] as? String == postID.lowercased() || made.json["post_id"] as? String == postID)
            let withUTM = try #require(made.json["destination_with_utm"] as? String)
            #expect(withUTM.contains("utm_source=sandbox") && withUTM.contains("utm_medium=social") && withUTM.contains("utm_campaign=spring"))

            // A person, the same person again, a robot.
            let first = try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", Self.browserAgent)])
            #expect(first.status == .found)
            let location = try #require(first.headers.first(name: .location))
            #expect(
                location.hasPrefix("https://shop.example.com/tea?x=1&") && location.contains("utm_source=sandbox") && location.contains("fnf_click="))
            #expect(first.headers.first(name: .cacheControl) == "no-store")
            #expect(first.headers.first(name: "Referrer-Policy") != nil)
            _ = try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", Self.browserAgent)])
            _ = try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1)")])
            _ = try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", "Slackbot-LinkExpanding 1.0")])

            // Nothing is written per request; the flush writes the batch.
            try await t.app.clickRecorder.flush()
            let rows = try await (t.db as! any SQLDatabase).raw("SELECT bot, repeated FROM link_clicks ORDER BY at").all()
            #expect(rows.count == 4)
            let shown = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/links/\(try #require(made.json["id"] as? String))", token: token)
            let clicks = try #require(shown.json["clicks"] as? [String: Any])
            #expect(clicks["total"] as? Int == 2)
            #expect(clicks["unique"] as? Int == 1)
            #expect(clicks["bots"] as? Int == 2)
            // A later batch still sees the earlier click of the day: a repeat.
            _ = try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", Self.browserAgent)])
            try await t.app.clickRecorder.flush()
            let again = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/links?post_id=\(postID)", token: token)
            #expect(again.items.count == 1)
            #expect((again.items.first?["clicks"] as? [String: Any])?["unique"] as? Int == 1)
            #expect((again.items.first?["clicks"] as? [String: Any])?["total"] as? Int == 3)

            // The post's page shows the link and its clicks.
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/posts/\(postID)")
            #expect(page.body.contains("id=\"post-links\"") && page.body.contains(code))
            let links = try await browser.get("/w/\(ws.slug)/links")
            #expect(links.status == .ok && links.body.contains("data-unique=\"1\""))

            // Switched off: 404 at once, in the visitor's language.
            #expect(try await t.api(.DELETE, "/api/v1/workspaces/\(ws.slug)/links/\(made.json["id"] as! String)", token: token).status == .ok)
            let gone = try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", Self.browserAgent), ("Accept-Language", "zh-CN")])
            #expect(gone.status == .notFound)
            #expect(gone.headers.contentType?.description.hasPrefix("text/html") == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func unknownCodesAre404AndWriteNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            for code in ["abcdefgh", "x", "ABCDEFGH", "zzzzzzzzzz"] {
                #expect(try await t.api(.GET, "/l/\(code)", token: nil, headers: [("User-Agent", Self.browserAgent)]).status == .notFound)
            }
            try await t.app.clickRecorder.flush()
            #expect(try await (t.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM link_clicks").first()?.decode(column: "n", as: Int.self) == 0)
        }
    }

    func events(_ t: TestApp, _ slug: String, _ token: String, _ events: [[String: Any]], key: String? = nil) async throws -> Reply {
        try await t.api(
            .POST, "/api/v1/workspaces/\(slug)/events", token: token, json: ["events": events], headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    static func event(_ id: String, _ type: String = "follow", handle: String = "fan-1", amount: Int? = nil) -> [String: Any] {
        var event: [String: Any] = [
            "id": id, "type": type, "at": "2026-11-01T08:00:00Z", "fan": ["platform": "sandbox", "handle": handle],
        ]
        event["at"] = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400))
        if let amount { event["amount_fen"] = amount }
        return event
    }

    @Test(arguments: TestDatabase.available)
    func duplicatesAreCountedNotStoredTwice(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let first = try await events(t, ws.slug, token, [Self.event("e1"), Self.event("e2"), Self.event("e1")])
            #expect(first.status == .ok)
            #expect(first.json["accepted"] as? Int == 2)
            #expect(first.json["duplicates"] as? Int == 1)
            let second = try await events(t, ws.slug, token, [Self.event("e2"), Self.event("e3")])
            #expect(second.json["accepted"] as? Int == 1)
            #expect(second.json["duplicates"] as? Int == 1)
            #expect(
                try await (t.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM conversion_events").first()?.decode(column: "n", as: Int.self)
                    == 3)
            // One fan made for the handle, as the inbox would.
            #expect(try await FanIdentity.query(on: t.db).filter(\.$authorID == "fan-1").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anIdempotencyKeyReplaysTheFirstAnswer(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let body = String(
                decoding: try JSONSerialization.data(
                    withJSONObject: ["events": [Self.event("k1", "purchase", amount: 1_000)]], options: [.sortedKeys]),
                as: UTF8.self)
            let path = "/api/v1/workspaces/\(ws.slug)/events"
            let first = try await t.api(.POST, path, token: token, rawBody: body, headers: [("Idempotency-Key", "batch-1")])
            let replay = try await t.api(.POST, path, token: token, rawBody: body, headers: [("Idempotency-Key", "batch-1")])
            #expect(first.json["accepted"] as? Int == 1)
            #expect(replay.json["accepted"] as? Int == 1, "\(replay.status) \(replay.body)")
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            let other = try await events(t, ws.slug, token, [Self.event("k2")], key: "batch-1")
            #expect(other.status == .unprocessableEntity)
            let fan = try #require(try await Fan.query(on: t.db).first())
            #expect(fan.spendFen == 1_000)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentBatchesWithOverlappingIdsStoreEachOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for batch in 0..<6 {
                    group.addTask {
                        let ids = (batch * 5..<(batch * 5 + 20)).map { Self.event("c\($0)", "purchase", handle: "buyer", amount: 100) }
                        return try await events(t, ws.slug, token, ids)
                    }
                }
                var all: [Reply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(replies.allSatisfy { $0.status == .ok }, "\(replies.map(\.body))")
            let accepted = replies.reduce(0) { $0 + ($1.json["accepted"] as? Int ?? 0) }
            let duplicates = replies.reduce(0) { $0 + ($1.json["duplicates"] as? Int ?? 0) }
            // ids c0 … c44: 45 distinct of 120 sent.
            #expect(accepted == 45)
            #expect(duplicates == 75)
            #expect(
                try await (t.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM conversion_events").first()?.decode(column: "n", as: Int.self)
                    == 45)
            let fan = try #require(try await Fan.query(on: t.db).first())
            #expect(fan.spendFen == 4_500)
        }
    }

    @Test(arguments: TestDatabase.available)
    func badEventsAreNamedByIndexAndField(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            var noAmount = Self.event("b1", "purchase")
            noAmount["amount_fen"] = nil
            var badType = Self.event("b2")
            badType["type"] = "like"
            var oldTime = Self.event("b3")
            oldTime["at"] = "1999-01-01T00:00:00Z"
            var badTime = Self.event("b4")
            badTime["at"] = "yesterday"
            var negative = Self.event("b5", "refund", amount: -5)
            negative["currency"] = "yuan"
            var noFan = Self.event("b6")
            noFan["fan"] = nil
            var unknownFan = Self.event("b7")
            unknownFan["fan"] = ["fan_id": UUID().uuidString]
            var bigProperties = Self.event("b8")
            bigProperties["properties"] = ["note": String(repeating: "x", count: 2_000)]
            var noID = Self.event("")
            noID["id"] = nil
            let referral = Self.event("b10", "referral")
            let reply = try await events(
                t, ws.slug, token,
                [noAmount, badType, oldTime, badTime, negative, noFan, unknownFan, bigProperties, noID, referral, Self.event("ok")])
            #expect(reply.status == .ok)
            #expect(reply.json["accepted"] as? Int == 1)
            let errors = try #require(reply.json["errors"] as? [[String: Any]])
            let named = Set(errors.map { "\($0["index"] as? Int ?? -1):\($0["field"] as? String ?? "")" })
            for expected in [
                "0:amount_fen", "1:type", "2:at", "3:at", "4:amount_fen", "4:currency", "5:fan", "6:fan.fan_id", "7:properties", "8:id", "9:referred",
            ] {
                #expect(named.contains(expected), "missing \(expected) in \(named)")
            }
            // Too many events: refused whole, naming the limit.
            let tooMany = (0...EventService.maxEvents).map { Self.event("m\($0)") }
            let refused = try await events(t, ws.slug, token, tooMany)
            #expect(refused.status == .payloadTooLarge)
            #expect(refused.problemFields == ["events"])
            #expect(refused.body.contains("\(EventService.maxEvents)"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPurchaseMovesTheFansValueTierAndStageAndReferralsCount(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            _ = try await events(t, ws.slug, token, [Self.event("f1", "follow", handle: "buyer")])
            let before = try #require(try await Fan.query(on: t.db).first())
            #expect(before.stage != LifecycleStage.convert.rawValue)
            #expect(before.valueTier == ValueTier.none.rawValue)
            var referral = Self.event("r1", "referral", handle: "buyer")
            referral["referred"] = ["external_id": "customer-77"]
            let reply = try await events(t, ws.slug, token, [Self.event("p1", "purchase", handle: "buyer", amount: 60_000), referral])
            #expect(reply.json["accepted"] as? Int == 2, "\(reply.body)")
            let after = try #require(try await Fan.find(before.id, on: t.db))
            #expect(after.spendFen == 60_000)
            #expect(after.referrals == 1)
            #expect(after.stage == LifecycleStage.convert.rawValue)
            #expect(after.valueTier == ValueTier.silver.rawValue)
            // The referred person is a fan too, known by the sender's id.
            #expect(try await FanIdentity.query(on: t.db).filter(\.$platform == "external").filter(\.$authorID == "customer-77").count() == 1)
            // A refund takes the spend back down (never below zero).
            _ = try await events(t, ws.slug, token, [Self.event("x1", "refund", handle: "buyer", amount: 70_000)])
            #expect(try await Fan.find(before.id, on: t.db)?.spendFen == 0)
        }
    }

    @Test func shortCodesAndDestinationsAndRobots() {
        let code = ShortCode.make()
        #expect(code.count == ShortCode.length && ShortCode.isWellFormed(Substring(code)))
        #expect(!code.contains(where: { "01ilo".contains($0) }))
        #expect(LinkDestination.validate("https://a.example/x") == .success(URL(string: "https://a.example/x")!))
        #expect(LinkDestination.validate("mailto:a@b.c") == .failure(.linkDestination))
        #expect(LinkDestination.validate("https://user:pw@a.example") == .failure(.linkDestination))
        let built = LinkDestination.withParameters("https://a.example/?utm_source=old&q=a+b", utm: UTM(source: "weibo", medium: "social"))
        #expect(built == "https://a.example/?q=a+b&utm_source=weibo&utm_medium=social")
        #expect(BotFilter.isBot("Mozilla/5.0 (compatible; bingbot/2.0)"))
        #expect(BotFilter.isBot(""))
        #expect(!BotFilter.isBot(Self.browserAgent))
    }

    @Test func theLinksPageModelAndView() {
        let row = LinksPage.Row(
            id: UUID(), code: "abcdefgh", destination: "https://shop.example.com/<x>", targetKind: "campaign", postID: nil, accountID: nil,
            campaign: "spring", clicks: ClickCounts(total: 12_345, unique: 3, bots: 1), disabled: false, createdAt: Date())
        let model = LinksPage.model(
            LinksPage.Found(rows: [row]), base: "/w/a", shortBase: "https://f.example/", canEdit: true, values: [:], errors: FormErrors(),
            prefillPost: nil, locale: .zhHans)
        #expect(model.items.first?.shortURL == "https://f.example/l/abcdefgh")
        #expect(model.items.first?.target == "活动 {0}" && model.items.first?.campaign == "spring")
        // The campaign's name is shown as typed, kept out of translation.
        let page = LinksPage.view(
            model, PageContext(locale: .zhHans, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/a/links")
        ).rendered
        #expect(page.contains("活动 <span translate=\"no\">spring</span>"), "\(page)")
        #expect(model.items.first?.disableAction == "/w/a/links/\(row.id.uuidString)/disable")
        let empty = LinksPage.model(
            LinksPage.Found(), base: "/w/a", shortBase: "https://f.example", canEdit: false, values: [:], errors: FormErrors(), prefillPost: nil)
        #expect(empty.items.isEmpty && !empty.canEdit)
    }
}
