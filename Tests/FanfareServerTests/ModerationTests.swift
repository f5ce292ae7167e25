import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct ModerationServerTests {
    func lexicon(_ room: Newsroom) -> String { "/api/v1/workspaces/\(room.ws.slug)/lexicon" }
    func check(_ room: Newsroom, _ text: String, scope: String = "all", token: String? = nil) async throws -> Reply {
        try await room.t.api(
            .POST, "/api/v1/workspaces/\(room.ws.slug)/moderation/check", token: token ?? room.admin, json: ["text": text, "scope": scope])
    }

    @Test(arguments: TestDatabase.available)
    func termsAreKeptAuditedAndUsedAtOnceAndEditorsCannotChangeThem(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            // The base lexicon applies before the workspace has terms.
            let base = try await check(room, "全网最低价", scope: "content")
            #expect((base.json["matches"] as? [[String: Any]])?.first?["category"] as? String == "advertising_law")
            #expect(base.json["blocked"] as? Bool == true)

            let added = try await t.api(
                .POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "竞品牌", "category": "competitor", "severity": "review"])
            #expect(added.status == .created, "\(added.body)")
            let found = try await check(room, "比 竞·品·牌 好多了")
            let match = try #require((found.json["matches"] as? [[String: Any]])?.first)
            #expect(match["term"] as? String == "竞品牌" && match["text"] as? String == "竞·品·牌")
            #expect(match["start"] as? Int == 2 && match["end"] as? Int == 7 && match["utf16_start"] as? Int == 2)
            #expect(found.json["recommendation"] as? String == "remind")

            // The same term in another spelling is a duplicate.
            let duplicate = try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "競品牌"])
            #expect(duplicate.status == .unprocessableEntity && duplicate.problemFields == ["term"])
            let bad = try await t.api(
                .POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "!!", "category": "Bad Name", "severity": "fatal", "scope": "x"])
            #expect(Set(bad.problemFields) == ["term", "category", "severity", "scope"])

            // An edit changes the severity everywhere at once.
            let id = try #require(added.json["id"] as? String)
            let edited = try await t.api(
                .PUT, "\(lexicon(room))/terms/\(id)", token: room.admin, json: ["term": "竞品牌", "category": "competitor", "severity": "block"])
            #expect(edited.json["severity"] as? String == "block")
            #expect(try await check(room, "竞品牌").json["blocked"] as? Bool == true)

            // A reviewer may read but not change the lexicon.
            let refused = try await t.api(.POST, "\(lexicon(room))/terms", token: room.reviewer, json: ["term": "别的"])
            #expect(refused.status == .forbidden)
            #expect(try await t.api(.GET, "\(lexicon(room))/entries", token: room.reviewer).items.count == 1)

            // Allow-list: the phrase suppresses the match it covers.
            let allowed = try await t.api(.POST, "\(lexicon(room))/allow", token: room.admin, json: ["phrase": "竞品牌对比"])
            #expect(allowed.status == .created)
            #expect((try await check(room, "竞品牌对比评测").json["matches"] as? [Any])?.isEmpty == true)

            #expect(try await t.api(.DELETE, "\(lexicon(room))/entries/\(id)", token: room.admin).status == .noContent)
            #expect((try await check(room, "竞品牌").json["matches"] as? [Any])?.isEmpty == true)
            let actions = try await AuditEvent.query(on: t.db).filter(
                \.$action ~~ ["lexicon.term_added", "lexicon.term_changed", "lexicon.allow_added", "lexicon.term_removed"]
            ).all().map(\.action)
            #expect(Set(actions) == ["lexicon.term_added", "lexicon.term_changed", "lexicon.allow_added", "lexicon.term_removed"])
            let workspace = try #require(try await Workspace.find(room.ws.id, on: t.db))
            #expect(workspace.lexiconVersion == 4)
        }
    }

    @Test(arguments: TestDatabase.available)
    func changesMadeAtTheSameTimeEachGetTheirOwnVersion(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let path = lexicon(room)
            let token = room.admin
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 0..<6 {
                    group.addTask { try await t.api(.POST, "\(path)/terms", token: token, json: ["term": "并发词\(n)号"]).status }
                }
                for try await status in group { #expect(status == .created) }
            }
            #expect(try await Workspace.find(room.ws.id, on: t.db)?.lexiconVersion == 6)
            let engine = try await t.app.moderationEngine(for: try #require(try await Workspace.find(room.ws.id, on: t.db)))
            #expect(engine.scan("并发词0号 并发词5号").count == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anImportIsPreviewedThenAppliedWholeOrNotAtAllAndExportsBack(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            _ = try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "旧词", "severity": "warn"])
            let csv = "term,category,severity,scope\n旧词,risk,block,all\n新词一,competitor,review,content\n新词二,,,\n"
            let preview = try await t.api(
                .POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "csv", "content": csv, "dry_run": true])
            #expect(preview.status == .ok, "\(preview.body)")
            #expect((preview.json["added"] as? [[String: Any]])?.compactMap { $0["term"] as? String } == ["新词一", "新词二"])
            #expect((preview.json["updated"] as? [[String: Any]])?.first?["before"] as? String == "旧词,risk,warn,all")
            #expect(preview.json["applied"] as? Bool == false)
            #expect(try await LexiconEntry.query(on: t.db).count() == 1, "a dry run writes nothing")

            let broken = csv + "坏,risk,fatal\n"
            let refused = try await t.api(.POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "csv", "content": broken])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("line 5"))
            #expect(try await LexiconEntry.query(on: t.db).count() == 1, "a file with a bad line changes nothing")

            let applied = try await t.api(.POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "csv", "content": csv])
            #expect(applied.json["applied"] as? Bool == true)
            #expect(try await LexiconEntry.query(on: t.db).count() == 3)
            #expect(try await check(room, "旧词").json["blocked"] as? Bool == true)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "lexicon.imported").count() == 1)

            let txt = try await t.api(
                .POST, "\(lexicon(room))/import", token: room.admin,
                json: ["format": "txt", "content": "甲乙词\n\n# note\n丙丁词\n", "severity": "warn", "category": "risk"])
            #expect((txt.json["added"] as? [Any])?.count == 2)

            let export = try await t.api(.GET, "\(lexicon(room))/export?format=csv", token: room.admin)
            #expect(export.headers.contentType?.subType == "csv")
            let reread = LexiconFile.parse(export.body, format: .csv)
            #expect(reread.problems.isEmpty && reread.terms.count == 5)
            #expect(reread.terms.contains(LexiconTerm(term: "新词一", category: "competitor", severity: .review, scope: .content)))
            let badFormat = try await t.api(.POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "xls", "content": "x"])
            #expect(badFormat.problemFields == ["format"])
            // The page shows each bad line's problem in the reader's language.
            let messages =
                LexiconFile.parse("ab,b,fatal\nab,b,block,x\ncd,risk,block\nCD,risk,warn\n1,2,3,4,5\n", format: .csv).problems
                + LexiconFile.parse("ok,risk,block\n\"open", format: .csv).problems
            #expect(messages.count == 5)
            for problem in messages {
                #expect(problem.coded.text(.zhHans) != problem.message, "\(problem.message)")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func theReviewsAutomaticStepBlocksABlockTermAndWarnsOfTheRest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let blocked = try await room.create("我们是全网最低价，国 家 级品质！")
            let submitted = try await t.api(.POST, "\(room.posts)/\(blocked)/submit", token: room.admin)
            let problems = try #require(submitted.json["problems"] as? [String])
            #expect(problems.contains { $0.contains("国 家 级") && $0.contains("advertising_law") }, "\(problems)")
            #expect(try await room.post(blocked).json["status"] as? String == "draft")

            // A `review` term lets the post through with a warning in its history.
            let warned = try await room.create("这是我们的首选款式")
            let passed = try await t.api(.POST, "\(room.posts)/\(warned)/submit", token: room.admin)
            #expect((passed.json["problems"] as? [String])?.isEmpty == true, "\(passed.body)")
            let history = try #require((try await room.post(warned).json["review"] as? [String: Any])?["history"] as? [[String: Any]])
            let automatic = try #require(history.first { $0["decision"] as? String == "auto_passed" })
            #expect((automatic["comment"] as? String)?.contains("首选") == true)

            // Fans' words are not the brand's: a fraud lure in a draft is not flagged.
            let lure = try await room.create("加微信了解更多")
            #expect((try await t.api(.POST, "\(room.posts)/\(lure)/submit", token: room.admin).json["problems"] as? [String])?.isEmpty == true)

            let report = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/moderation/report", token: room.admin)
            let byCategory = try #require(report.json["by_category"] as? [String: Int])
            #expect((byCategory["advertising_law"] ?? 0) >= 3)
            #expect(
                (report.json["top_terms"] as? [[String: Any]])?.contains { $0["term"] as? String == "国家级" && $0["in_posts"] as? Int == 1 } == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func incomingMessagesAreStoredOnceWithAGradedRecommendation(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let account = try #require(try await SocialAccount.find(UUID(uuidString: room.accounts[0]), on: t.db))
            let engine = try await t.app.moderationEngine(for: room.ws)
            let now = Date()
            func comment(_ id: String, _ text: String, by fan: String = "fan7") -> Interaction {
                Interaction(remoteID: id, kind: .comment, postRemoteID: "p1", authorID: fan, authorName: "小雨7", text: text, at: now)
            }
            let first = [
                comment("c1", "太好看了！"), comment("c2", "加 微 信 领福利"), comment("c3", "你个傻*逼"), comment("c4", "第一次用就坏了", by: "fan8"),
            ]
            #expect(try await MessageIntake.store(first, for: account, engine: engine, cursor: "1", now: now, on: t.db) == 4)
            // The same messages again (a repeated page) are not stored twice.
            #expect(try await MessageIntake.store(first, for: account, engine: engine, cursor: "1", now: now, on: t.db) == 0)
            let stored = try await IncomingMessage.query(on: t.db).all()
            let byID = Dictionary(uniqueKeysWithValues: stored.map { ($0.remoteID, $0) })
            #expect(byID["c1"]?.recommendation == "none")
            #expect(byID["c2"]?.recommendation != "none")
            #expect(byID["c3"]?.recommendation == "delete" || byID["c3"]?.recommendation == "ban")
            #expect(byID["c4"]?.recommendation == "none", "第一次 is allowed, and Advertising-Law terms are not checked in fans' words")
            // fan7 now has two flagged messages: a third with a block term is a ban.
            let third = [comment("c5", "傻逼")]
            _ = try await MessageIntake.store(third, for: account, engine: engine, cursor: "2", now: now, on: t.db)
            #expect(try await IncomingMessage.query(on: t.db).filter(\.$remoteID == "c5").first()?.recommendation == "ban")

            let flagged = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/messages?flagged=true", token: room.admin)
            #expect(flagged.items.count == 3)
            let ban = try #require(flagged.items.first { $0["remote_id"] as? String == "c5" })
            #expect((ban["moderation"] as? [String: Any])?["recommendation"] as? String == "ban")
            #expect(try await ModerationHit.query(on: t.db).filter(\.$source == "message").count() >= 3)
            let bad = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/messages?recommendation=shout", token: room.admin)
            #expect(bad.problemFields == ["recommendation"])

            // Every message is analysed on arrival: language, sentiment, intent, priority.
            _ = try await MessageIntake.store(
                [comment("c6", "发货太慢了，等了一周还没到，客服也不回", by: "fan9")], for: account, engine: engine, cursor: "3", now: now, on: t.db)
            let negative = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/messages?sentiment=neg&priority=high", token: room.admin)
            let slow = try #require(negative.items.first { $0["remote_id"] as? String == "c6" }?["analysis"] as? [String: Any])
            #expect(slow["lang"] as? String == "zh" && slow["sentiment"] as? String == "neg" && (slow["score"] as? Double ?? 0) < 0)
            let abusive = try #require(try await IncomingMessage.query(on: t.db).filter(\.$remoteID == "c5").first())
            #expect(abusive.priority == "urgent", "content to remove comes first")
            let wrong = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/messages?sentiment=angry&intent=x", token: room.admin)
            #expect(Set(wrong.problemFields) == ["sentiment", "intent"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func sandboxCommentsArriveThroughThePollWithTheirCursor(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            // An account with nothing yet: the poll keeps its empty cursor
            // and asks again without error.
            let quiet = try #require(try await SocialAccount.find(UUID(uuidString: room.accounts[1]), on: t.db))
            #expect(try await MessageIntake.poll(quiet, app: t.app, now: Date()) == 0)
            #expect(try await MessageIntake.poll(quiet, app: t.app, now: Date()) == 0)
            let id = try await room.create("春季新品今天上市")
            try await room.approve(id)
            _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
            try await room.drain()
            let account = try #require(try await SocialAccount.find(UUID(uuidString: room.accounts[0]), on: t.db))
            // The Sandbox audience comments over the next weeks; look from later.
            let later = Date().addingTimeInterval(40 * 86_400)
            let connector = SandboxConnector(
                account: account.handle, audience: SandboxAudience(seed: UInt64(bitPattern: account.seed)),
                ledger: DatabaseSandboxStore(db: t.db, local: t.app.sandboxLedger, writer: nil), accountCreated: account.createdAt,
                failureRate: 0, clock: { later })
            let page = try await connector.interactions(since: nil, limit: 500)
            let comments = page.interactions.filter { $0.kind == .comment }
            #expect(!comments.isEmpty)
            let engine = try await t.app.moderationEngine(for: room.ws)
            let stored = try await MessageIntake.store(
                page.interactions.filter { $0.kind == .comment }, for: account, engine: engine, cursor: page.nextCursor, now: later, on: t.db)
            #expect(stored == comments.count)
            #expect(try await InteractionCursor.find(account.id, on: t.db)?.cursor == page.nextCursor)
            // The real poll runs against today's clock and stores no duplicates.
            _ = try await MessageIntake.poll(account, app: t.app, now: Date())
            #expect(try await IncomingMessage.query(on: t.db).count() == comments.count)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theComposePageChecksAsYouTypeAndFeedbackCanAllowAPhrase(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let browser = Browser(t)
            _ = try await browser.signIn("author@example.com")
            let compose = try await browser.get("/w/\(room.ws.slug)/posts/new")
            #expect(compose.body.contains("id=\"sensitive\""))
            let checked = try await browser.postJSON(
                "/w/\(room.ws.slug)/moderation/check", ["title": "", "body": "🎉 国家级 品质", "tags": ""])
            #expect(checked.status == .ok, "\(checked.body)")
            let body = try #require((checked.json["fields"] as? [[String: Any]])?.first { $0["field"] as? String == "body" })
            let match = try #require((body["matches"] as? [[String: Any]])?.first)
            #expect(match["utf16_start"] as? Int == 3 && match["utf16_end"] as? Int == 6, "the emoji is two UTF-16 units")
            #expect(checked.json["blocked"] as? Bool == true)

            // Pages: the lexicon page adds a term; the report offers feedback.
            _ = try await browser.get("/w/\(room.ws.slug)/moderation/lexicon")
            let added = try await browser.post(
                "/w/\(room.ws.slug)/moderation/lexicon/terms", [("term", "对家"), ("category", "competitor"), ("severity", "warn"), ("scope", "all")])
            #expect(added.status == .seeOther)
            let page = try await browser.get("/w/\(room.ws.slug)/moderation/lexicon")
            #expect(page.body.contains("对家"))
            let badForm = try await browser.post("/w/\(room.ws.slug)/moderation/lexicon/terms", [("term", ""), ("severity", "fatal")])
            #expect(badForm.status == .unprocessableEntity)
            let preview = try await browser.post(
                "/w/\(room.ws.slug)/moderation/lexicon/import",
                [
                    ("content", "词甲\n词乙\n"), ("format", "txt"), ("import_category", "risk"), ("import_severity", "warn"), ("import_scope", "all"),
                    ("mode", "preview"),
                ])
            #expect(preview.status == .ok && preview.body.contains("id=\"import-plan\""))
            #expect(try await LexiconEntry.query(on: t.db).count() == 1)

            let feedback = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/moderation/feedback", token: room.reviewer,
                json: ["term": "国家级", "phrase": "国家级非物质文化遗产", "note": "a real title"])
            #expect(feedback.status == .created, "\(feedback.body)")
            let notContaining = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/moderation/feedback", token: room.reviewer, json: ["term": "国家级", "phrase": "别的"])
            #expect(notContaining.problemFields == ["phrase"])
            let feedbackID = try #require(feedback.json["id"] as? String)
            let refused = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/moderation/feedback/\(feedbackID)/decision", token: room.reviewer, json: ["accept": true])
            #expect(refused.status == .forbidden)
            let accepted = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/moderation/feedback/\(feedbackID)/decision", token: room.legal, json: ["accept": true])
            #expect(accepted.json["status"] as? String == "accepted")
            #expect((try await check(room, "国家级非物质文化遗产").json["matches"] as? [Any])?.isEmpty == true)
            let again = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/moderation/feedback/\(feedbackID)/decision", token: room.legal, json: ["accept": false])
            #expect(again.status == .conflict)
            let report = try await browser.get("/w/\(room.ws.slug)/moderation")
            #expect(report.status == .ok)
            browser.acceptLanguage = "zh-Hans"
            #expect(try await browser.get("/w/\(room.ws.slug)/moderation/messages").status == .ok)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anotherNodeAnswersWithItsEngineThenCatchesUp(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            // This process compiled version 0; another node adds a term.
            _ = try await t.app.moderationEngine(for: room.ws)
            let other = LexiconService(db: t.db, app: t.app)
            let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
            _ = try await other.addTerm(.init(term: "新竞品"), in: access, actor: .system)
            // `fresh` plays a node that compiled version 0 before the change.
            let fresh = SharedEngines()
            fresh.install(ModerationEngine.empty, for: room.ws.id!.uuidString, version: 0)
            let reloaded = try #require(try await Workspace.find(room.ws.id, on: t.db))
            let stale = try await fresh.engine(for: reloaded.id!.uuidString, version: reloaded.lexiconVersion) {
                try await LexiconService.compile(reloaded.id!, on: t.db)
            }
            #expect(stale.scan("新竞品").isEmpty, "answered at once with the engine it had")
            for _ in 0..<200 where fresh.version(of: reloaded.id!.uuidString) != reloaded.lexiconVersion {
                try await Task.sleep(for: .milliseconds(10))
            }
            let current = try await fresh.engine(for: reloaded.id!.uuidString, version: reloaded.lexiconVersion) { ModerationEngine.empty }
            #expect(current.scan("新竞品").count == 1)
        }
    }
}
