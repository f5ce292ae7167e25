import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Listening (issue 20, scopes 1–3 and 5): monitors through the API,
/// mentions heard on inbox ingest, de-duplication, scopes, and alerts
/// raised, escalated, absorbed and snoozed once across evaluations.
@Suite struct ListeningTests {
    struct Room {
        let t: TestApp
        let ws: Workspace
        let token: String
        let account: SocialAccount

        static func make(_ t: TestApp) async throws -> Room {
            let (_, token, ws) = try await t.makeWorkspaceAdmin("listen@example.com", workspace: "Listen")
            let reply = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            let id = try #require(UUID(uuidString: reply.json["id"] as? String ?? ""))
            return Room(t: t, ws: ws, token: token, account: try #require(try await SocialAccount.find(id, on: t.db)))
        }

        var base: String { "/api/v1/workspaces/\(ws.slug)/listening" }

        func monitor(_ json: [String: Any]) async throws -> UUID {
            let reply = try await t.api(.POST, base + "/monitors", token: token, json: json)
            #expect(reply.status == .created, "\(reply.body)")
            // The wire's names are openapi.yaml's (`account_ids`, never `account_i_ds`).
            #expect(reply.json["account_ids"] is [Any] && reply.json["account_i_ds"] == nil, "\(reply.body)")
            return try #require(UUID(uuidString: reply.json["id"] as? String ?? ""))
        }

        func fan(_ name: String, _ text: String, now: Date = Date()) async throws {
            try await SandboxFans.write(.init(fanName: name, kind: .directMessage, text: text), to: account, app: t.app, now: now)
        }

        func count(_ sql: SQLQueryString) async throws -> Int {
            try await (t.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(sql)").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test(arguments: TestDatabase.available)
    func monitorsAreKeptAndBadQueriesRefusedWithTheirCodes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let id = try await room.monitor(["name": "Brand", "query": "星巴克 OR Starbucks", "exclusions": ["招聘"], "sources": ["inbox"]])
            let bad = try await t.api(
                .POST, room.base + "/monitors", token: room.token,
                json: ["name": "", "query": "星巴克 AND (退款", "platforms": ["myspace"], "sources": ["radio"], "account_ids": [UUID().uuidString]])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["name", "query", "platforms", "sources", "account_ids"], "\(bad.body)")
            let codes = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains("monitor_query_parenthesis"), "\(codes)")
            let negative = try await t.api(.POST, room.base + "/monitors", token: room.token, json: ["name": "Not", "query": "NOT 星巴克"])
            #expect(negative.problemFields == ["query"] && negative.body.contains("monitor_query_negative_only"), "\(negative.body)")
            let again = try await t.api(.POST, room.base + "/monitors", token: room.token, json: ["name": "Brand", "query": "x"])
            #expect(again.status == .conflict)
            let changed = try await t.api(
                .PUT, room.base + "/monitors/\(id)", token: room.token, json: ["name": "Brand", "query": "Starbucks", "enabled": false])
            #expect(changed.status == .ok && changed.json["enabled"] as? Bool == false && changed.json["query"] as? String == "Starbucks")
            let check = try await t.api(
                .POST, room.base + "/monitors/check", token: room.token, json: ["query": "星巴克", "exclusions": ["招聘"], "text": "星 巴 克 的拿铁"])
            #expect(check.json["matches"] as? Bool == true, "\(check.body)")
            let excluded = try await t.api(
                .POST, room.base + "/monitors/check", token: room.token, json: ["query": "星巴克", "exclusions": ["招聘"], "text": "星巴克招聘"])
            #expect(excluded.json["matches"] as? Bool == false)
            #expect(try await t.api(.GET, room.base + "/monitors", token: room.token).items.count == 1)
            // A viewer reads, and may not change.
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: room.ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.POST, room.base + "/monitors", token: viewerToken, json: ["name": "V", "query": "v"]).status == .forbidden)
            #expect(try await t.api(.DELETE, room.base + "/monitors/\(id)", token: room.token).status == .noContent)
            #expect(try await t.api(.DELETE, room.base + "/monitors/\(id)", token: room.token).status == .notFound)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$workspaceID == room.ws.id!).filter(\.$targetType == "listening_monitor")
                .count()
            #expect(audit == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anEvasiveSpellingOfTheBrandInTheInboxBecomesAMentionOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let brand = try await room.monitor(["name": "Brand", "query": "星巴克 OR Starbucks", "exclusions": ["招聘"]])
            let weiboOnly = try await room.monitor(["name": "Weibo", "query": "星巴克", "platforms": ["weibo"]])
            let feedsOnly = try await room.monitor(["name": "Feeds", "query": "星巴克", "sources": ["feeds"]])
            let otherAccount = try await room.monitor(["name": "Other", "query": "星巴克"])
            // Scoped to no account of this message: moved to a second account.
            let second = try await t.api(
                .POST, room.base.replacingOccurrences(of: "/listening", with: "/accounts"), token: room.token,
                json: ["platform": "sandbox", "handle": "second"])
            let secondID = try #require(second.json["id"] as? String)
            #expect(
                try await t.api(
                    .PUT, room.base + "/monitors/\(otherAccount)", token: room.token,
                    json: ["name": "Other", "query": "星巴克", "account_ids": [secondID]]
                ).status == .ok)

            try await room.fan("小王", "我在星*巴*克 排了一小时，太慢了")
            try await room.fan("Lee", "ＳＴＡＲＢＵＣＫＳ new cup")
            try await room.fan("小李", "星巴克招聘店员")
            try await room.fan("小赵", "今天天气不错")

            let mentions = try await t.api(.GET, room.base + "/mentions", token: room.token)
            #expect(mentions.items.count == 2, "\(mentions.body)")
            for mention in mentions.items {
                #expect(mention["monitor_ids"] as? [String] == [brand.uuidString], "\(mention)")
                #expect(mention["source"] as? String == "inbox" && mention["platform"] as? String == "sandbox")
            }
            #expect(mentions.items.contains { $0["sentiment"] as? String == "neg" && ($0["text"] as? String)?.contains("星*巴*克") == true })
            _ = (weiboOnly, feedsOnly)
            let filtered = try await t.api(.GET, room.base + "/mentions?monitor_id=\(brand)&sentiment=neg", token: room.token)
            #expect(filtered.items.count == 1)
            let wrong = try await t.api(.GET, room.base + "/mentions?source=radio&sentiment=angry&from=yesterday", token: room.token)
            #expect(Set(wrong.problemFields) == ["source", "sentiment", "from"], "\(wrong.body)")

            // The same mention twice, at once: stored once.
            let mention = NewMention(
                source: .import, sourceKey: "import", externalID: "row-1", platform: "weibo", author: "a", text: "星巴克", publishedAt: Date(),
                analysis: MessageAnalyzer(models: ShippedAnalysisModels.models, engine: ModerationEngine(terms: [])).analyze("星巴克"),
                monitorIDs: [brand])
            async let one = t.db.writeTransaction { tx in try await MentionStore.insert([mention], workspaceID: room.ws.id!, now: Date(), in: tx) }
            async let two = t.db.writeTransaction { tx in try await MentionStore.insert([mention], workspaceID: room.ws.id!, now: Date(), in: tx) }
            let heard = try await [one, two]
            #expect(heard.filter { !$0.isEmpty }.count == 1)
            #expect(try await room.count("listening_mentions WHERE external_id = 'row-1'") == 1)
            #expect(try await room.count("listening_mention_monitors WHERE monitor_id = \(bind: brand)") == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aStormRaisesOneAlertThatEscalatesAbsorbsAndSnoozes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let id = try await room.monitor(["name": "Brand", "query": "星巴克"])
            let monitor = try #require(try await ListeningMonitor.find(id, on: t.db))
            let analyzer = MessageAnalyzer(models: ShippedAnalysisModels.models, engine: ModerationEngine(terms: []))
            let now = Date()
            func storm(_ count: Int, from: Int, at: Date) async throws {
                let mentions = (from..<(from + count)).map { number in
                    NewMention(
                        source: .import, sourceKey: "import", externalID: "m\(number)", platform: "weibo", author: "fan\(number)",
                        text: "星巴克 退款太慢了", publishedAt: at, analysis: analyzer.analyze("星巴克 退款太慢了"), monitorIDs: [id])
                }
                _ = try await t.db.writeTransaction { tx in try await MentionStore.insert(mentions, workspaceID: room.ws.id!, now: at, in: tx) }
            }
            func notes() async throws -> Int {
                try await UserNotification.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).count()
            }
            // Calm: nothing.
            #expect(try await AlertEvaluation.run(workspaceID: room.ws.id!, on: t.db, now: now)[id] == AlertDecision.none)
            // 12 mentions at once: blue by volume, one grade up by speed.
            try await storm(12, from: 0, at: now.addingTimeInterval(-60))
            // Two evaluations at once raise one alert and tell people once.
            async let first = AlertEvaluation.run(workspaceID: room.ws.id!, on: t.db, now: now)
            async let second = AlertEvaluation.run(workspaceID: room.ws.id!, on: t.db, now: now)
            let decisions = try await [first[id], second[id]]
            #expect(decisions.contains(.raise(.yellow)) && decisions.contains(.absorb), "\(decisions)")
            #expect(try await ListeningAlert.query(on: t.db).count() == 1)
            #expect(try await notes() == 1)
            // It grows to 112: red.
            try await storm(100, from: 12, at: now.addingTimeInterval(60))
            #expect(
                try await AlertEvaluation.run(workspaceID: room.ws.id!, on: t.db, now: now.addingTimeInterval(120))[id]
                    == .escalate(from: .yellow, to: .red))
            #expect(try await notes() == 2)
            #expect(try await AlertEvaluation.run(workspaceID: room.ws.id!, on: t.db, now: now.addingTimeInterval(180))[id] == .absorb)
            #expect(try await notes() == 2)
            let note = try #require(try await UserNotification.query(on: t.db).sort(\.$id, .descending).first())
            #expect(
                Notifier.message(of: note, locale: .zhHans).contains("红色预警") == false && Notifier.message(of: note, locale: .zhHans).contains("红色"))

            // Snoozed by a person: recorded, nobody told.
            let alert = try #require(try await ListeningAlert.query(on: t.db).first())
            let until = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3_600))
            let snoozed = try await t.api(
                .POST, room.base + "/alerts/\(alert.id!)/actions", token: room.token, json: ["action": "snooze", "snoozed_until": until])
            #expect(snoozed.status == .ok && snoozed.json["snoozed_until"] != nil, "\(snoozed.body)")
            let badAction = try await t.api(.POST, room.base + "/alerts/\(alert.id!)/actions", token: room.token, json: ["action": "snooze"])
            #expect(badAction.problemFields == ["snoozed_until"])
            #expect(try await AlertEvaluation.run(workspaceID: room.ws.id!, on: t.db, now: now.addingTimeInterval(240))[id] == .snoozed)
            #expect(try await notes() == 2)
            let acknowledged = try await t.api(.POST, room.base + "/alerts/\(alert.id!)/actions", token: room.token, json: ["action": "acknowledge"])
            #expect(acknowledged.json["state"] as? String == "acknowledged" && acknowledged.json["acknowledged_by"] != nil)
            let listed = try await t.api(.GET, room.base + "/alerts?state=acknowledged", token: room.token)
            #expect(listed.items.count == 1 && listed.items.first?["grade"] as? String == "red")
            // Closed: the next spike is a new story.
            #expect(try await t.api(.POST, room.base + "/alerts/\(alert.id!)/actions", token: room.token, json: ["action": "close"]).status == .ok)
            #expect(
                try await t.api(.POST, room.base + "/alerts/\(alert.id!)/actions", token: room.token, json: ["action": "close"]).status == .conflict)
            _ = monitor
            // The grading rule: refused with each field named, then kept.
            var rule = try await t.api(.GET, room.base + "/grading", token: room.token).json
            #expect(rule["window_minutes"] as? Int == 15, "\(rule)")
            rule["window_minutes"] = 2
            var yellow = rule["yellow"] as? [String: Any] ?? [:]
            yellow["mentions"] = 1
            rule["yellow"] = yellow
            let refused = try await t.api(.PUT, room.base + "/grading", token: room.token, json: rule)
            #expect(Set(refused.problemFields) == ["window_minutes", "yellow"], "\(refused.body)")
            rule["window_minutes"] = 30
            yellow["mentions"] = 40
            rule["yellow"] = yellow
            let kept = try await t.api(.PUT, room.base + "/grading", token: room.token, json: rule)
            #expect(kept.status == .ok && kept.json["window_minutes"] as? Int == 30, "\(kept.body)")
            #expect(try await ListeningSettings.grading(room.ws.id!, on: t.db).yellow.mentions == 40)
        }
    }

    static func ctx(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "tok", flashes: [], workspaces: [], access: nil, path: "/w/demo/listening")
    }

    @Test func theAlertPageShowsItsGradeChartMentionsAndActionsInBothLanguages() {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let alert = ListeningAlert()
        alert.id = UUID()
        alert.monitorID = UUID()
        (alert.grade, alert.state, alert.openedAt, alert.lastSpikeAt) = ("orange", "open", now, now)
        (alert.mentions, alert.negative, alert.expected, alert.usualNegativeShare, alert.previous) = (120, 80, 4.5, 0.1, 3)
        (alert.byVolume, alert.byShare, alert.bySpeed, alert.escalations) = (true, true, false, 1)
        let mention = MentionDTO(
            id: UUID(), source: "inbox", platform: "weibo", accountId: nil, externalId: "1", author: "<b>fan</b>", text: "星巴克 <script>", url: nil,
            publishedAt: now, receivedAt: now, lang: "zh", sentiment: "neg", intent: "complaint", monitorIds: [alert.monitorID])
        let buckets = (0..<8).map { ListeningSeries.Bucket(start: now.addingTimeInterval(Double($0) * 900), mentions: $0 * 10, negative: $0) }
        let model = ListeningPage.AlertModel(
            base: "/w/demo", alert: AlertDTO(alert), monitorName: "Brand", series: buckets,
            baseline: buckets.map {
                var b = $0; b.mentions = 2; return b
            },
            mentions: [mention], canAct: true, zone: TimeZone(identifier: "Asia/Shanghai")!, canOpenIncident: true)
        let zh = ListeningPage.alertView(model, Self.ctx(.zhHans)).description
        #expect(zh.contains("data-grade=\"orange\"") && zh.contains("橙色") && zh.contains("id=\"alert-chart\""))
        #expect(zh.contains("id=\"acknowledge\"") && zh.contains("id=\"snooze\"") && zh.contains("id=\"open-incident\"") && zh.contains("开启危机事件"))
        #expect(zh.contains("负面") && zh.contains("基线预计 4.5 条") && !zh.contains("<script>") && zh.contains("&lt;script&gt;"))
        let en = ListeningPage.alertView(model, Self.ctx(.en)).description
        #expect(en.contains("Orange") && en.contains("the baseline expects 4.5"))
        var readOnly = model
        readOnly.canAct = false
        #expect(!ListeningPage.alertView(readOnly, Self.ctx(.zhHans)).description.contains("id=\"acknowledge\""))
    }

    @Test func theMonitorFormShowsItsHelpErrorsAndTheLiveCheck() throws {
        var errors = ValidationErrors()
        _ = errors.collect { () throws(ValidationErrors) in try MonitorQuery("星巴克 AND (", field: "query") }
        let model = ListeningPage.MonitorsModel(
            base: "/w/demo", monitors: [], canManage: true, editing: nil, values: ["name": "B", "query": "星巴克 AND (", "enabled": "true"],
            sources: ["inbox"], errors: FormErrors(errors), check: true)
        let zh = ListeningPage.monitorsView(model, Self.ctx(.zhHans)).description
        #expect(zh.contains("id=\"monitor-form\"") && zh.contains("全角字母") && zh.contains("has-error") && zh.contains("data-matches=\"true\""))
        #expect(zh.contains("还没有监测"))
        // The grading form: unreadable numbers are named.
        var values = ListeningPage.gradingValues(AlertGradingRule())
        values["red.mentions"] = "many"
        #expect(throws: ValidationErrors.self) { try ListeningPage.gradingRule(values) }
        values["red.mentions"] = "1e300"
        #expect(throws: ValidationErrors.self) { try ListeningPage.gradingRule(values).validated() }
        #expect(try ListeningPage.gradingRule(ListeningPage.gradingValues(AlertGradingRule())) == AlertGradingRule())
    }

    @Test(arguments: TestDatabase.available)
    func thePagesAnswerAndTheFormsWork(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let browser = Browser(t)
            #expect(try await browser.signIn("listen@example.com").status == .seeOther)
            let base = "/w/\(room.ws.slug)/listening"
            for path in ["", "/alerts", "/monitors", "/grading"] {
                let page = try await browser.get(base + path)
                #expect(page.status == .ok && page.body.contains("id=\"listening-tabs\""), "\(path)")
            }
            let bad = try await browser.post(base + "/monitors", [("name", "B"), ("query", "\"星巴克"), ("intent", "save")])
            #expect(bad.status == .unprocessableEntity && bad.body.contains("has-error"))
            let checked = try await browser.post(base + "/monitors", [("name", "B"), ("query", "星巴克"), ("check_text", "星 巴 克"), ("intent", "check")])
            #expect(checked.status == .ok && checked.body.contains("data-matches=\"true\""), "\(checked.body.prefix(300))")
            let saved = try await browser.post(base + "/monitors", [("name", "B"), ("query", "星巴克"), ("enabled", "true"), ("intent", "save")])
            #expect(saved.status == .seeOther)
            #expect(try await browser.get(base + "/monitors").body.contains("星巴克"))
        }
    }

    static let rss = """
        <?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
        <item><guid>n1</guid><title>星巴克 门店排队</title><description>顾客抱怨太慢了</description><pubDate>Mon, 07 Dec 2026 01:00:00 GMT</pubDate></item>
        <item><guid>n2</guid><title>天气</title><description>晴</description></item>
        </channel></rss>
        """

    @Test(arguments: TestDatabase.available)
    func aFeedIsPolledThroughTheGuardStoredOnceAndItsValidatorsSent(_ database: TestDatabase) async throws {
        let stub = try await LoopbackStub.start(headers: ["ETag": "\"v1\""]) { hit in
            hit.headers["if-none-match"] == "\"v1\"" ? (.notModified, "") : (.ok, ListeningTests.rss)
        }
        do {
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Room.make(t)
                let brand = try await room.monitor(["name": "Brand", "query": "星巴克"])
                let inboxOnly = try await room.monitor(["name": "Inbox", "query": "星巴克", "sources": ["inbox"]])
                let refused = try await t.api(
                    .POST, room.base + "/feeds", token: room.token, json: ["url": "http://10.0.0.5/feed", "interval_minutes": 1])
                #expect(Set(refused.problemFields) == ["url", "interval_minutes"], "\(refused.body)")
                #expect(refused.body.contains("address_unreachable"))
                let notURL = try await t.api(.POST, room.base + "/feeds", token: room.token, json: ["url": "ftp://x"])
                #expect(notURL.problemFields == ["url"])
                let made = try await t.api(.POST, room.base + "/feeds", token: room.token, json: ["url": stub.baseURL + "/rss", "name": "News"])
                #expect(made.status == .created, "\(made.body)")
                #expect(try await t.api(.POST, room.base + "/feeds", token: room.token, json: ["url": stub.baseURL + "/rss"]).status == .conflict)
                let feed = try #require(try await ListeningFeed.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))

                try await FeedPolling.poll(feed, app: t.app, now: Date())
                let again = try #require(try await ListeningFeed.find(feed.id!, on: t.db))
                #expect(again.etag == "\"v1\"" && again.lastError == nil && again.nextPollAt > Date().addingTimeInterval(14 * 60))
                // The second poll sends the validator and gets a 304; the entry is stored once whatever happens.
                try await FeedPolling.poll(again, app: t.app, now: Date())
                #expect(stub.hits.count == 2 && stub.hits.last?.headers["if-none-match"] == "\"v1\"")
                let mentions = try await t.api(.GET, room.base + "/mentions?source=feeds", token: room.token)
                #expect(mentions.items.count == 1, "\(mentions.body)")
                #expect(
                    mentions.items.first?["monitor_ids"] as? [String] == [brand.uuidString] && mentions.items.first?["platform"] as? String == "rss")
                _ = inboxOnly
                #expect(try await t.api(.GET, room.base + "/feeds", token: room.token).items.count == 1)
                #expect(try await t.api(.DELETE, room.base + "/feeds/\(feed.id!)", token: room.token).status == .noContent)
            }
        } catch {
            try? await stub.shutdown()
            throw error
        }
        try await stub.shutdown()
    }

    @Test(arguments: TestDatabase.available)
    func aListeningExportIsImportedOnceAndItsErrorsNamedByLineAndColumn(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let brand = try await room.monitor(["name": "Brand", "query": "星巴克"])
            let bad = try await t.api(
                .POST, room.base + "/imports", token: room.token,
                json: ["csv": "发布时间,平台,作者,内容,链接,ID\n2026-12-07 10:00,微博,a,星巴克,https://w.example/1,1\nyesterday,微博,b,,https://w.example/2,2\n"])
            #expect(bad.status == .unprocessableEntity, "\(bad.body)")
            #expect(bad.body.contains("3") && bad.body.contains("time") && bad.body.contains("text"))
            let noHeader = try await t.api(.POST, room.base + "/imports", token: room.token, json: ["csv": "a,b\n1,2\n"])
            #expect(noHeader.status == .unprocessableEntity && noHeader.body.contains("import_missing_columns"), "\(noHeader.body)")
            #expect(try await room.count("listening_mentions") == 0)
            let csv =
                "发布时间,平台,作者,内容,链接,ID\n2026-12-07 10:00,微博,a,星巴克 太慢了,https://w.example/1,1\n2026/12/07 10:05:00,抖音,b,今天天气,https://d.example/2,2\n"
            let done = try await t.api(.POST, room.base + "/imports", token: room.token, json: ["csv": csv])
            #expect(done.status == .created && done.json["rows"] as? Int == 2 && done.json["heard"] as? Int == 1, "\(done.body)")
            _ = try await t.api(.POST, room.base + "/imports", token: room.token, json: ["csv": csv])
            let mentions = try await t.api(.GET, room.base + "/mentions?source=import&monitor_id=\(brand)", token: room.token)
            #expect(mentions.items.count == 1 && mentions.items.first?["platform"] as? String == "weibo", "\(mentions.body)")
        }
    }
}
