import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// A workspace with one Sandbox account whose fans write on purpose.
struct InboxRoom {
    let t: TestApp
    let ws: Workspace
    let admin: String
    let account: SocialAccount

    static func make(_ t: TestApp) async throws -> InboxRoom {
        let (_, admin, ws) = try await t.makeWorkspaceAdmin("inbox@example.com", workspace: "Inbox")
        let reply = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: admin, json: ["platform": "sandbox", "handle": "brand"])
        let id = try #require(UUID(uuidString: reply.json["id"] as? String ?? ""))
        return InboxRoom(t: t, ws: ws, admin: admin, account: try #require(try await SocialAccount.find(id, on: t.db)))
    }

    var base: String { "/api/v1/workspaces/\(ws.slug)/inbox" }

    func fan(_ name: String, _ text: String, now: Date = Date()) async throws {
        try await SandboxFans.write(.init(fanName: name, kind: .directMessage, text: text), to: account, app: t.app, now: now)
    }

    func conversations(_ query: String = "") async throws -> [[String: Any]] {
        let reply = try await t.api(.GET, base + "/conversations" + query, token: admin)
        #expect(reply.status == .ok, "\(reply.body)")
        return reply.items
    }

    func conversation(of fan: String) async throws -> [String: Any] {
        try #require(try await conversations("?status=").first { $0["author_name"] as? String == fan }, "no conversation of \(fan)")
    }

    func template(_ name: String, _ body: String, category: String = "faq.features") async throws -> String {
        let reply = try await t.api(.POST, base + "/templates", token: admin, json: ["name": name, "category": category, "body": body])
        #expect(reply.status == .created, "\(reply.body)")
        return try #require(reply.json["id"] as? String)
    }

    func rule(_ json: [String: Any]) async throws {
        let reply = try await t.api(.POST, base + "/rules", token: admin, json: json)
        #expect(reply.status == .created, "\(reply.body)")
    }

    /// Runs the worker until no job is due (replies go out).
    func work() async throws {
        let worker = JobWorker(app: t.app)
        while try await worker.runBatch() > 0 {}
    }

    func sandboxReplies() async throws -> Int {
        try await (t.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM sandbox_replies").first()!.decode(column: "n", as: Int.self)
    }
}

@Suite struct InboxTests {
    @Test(arguments: TestDatabase.available)
    func aFansMessagesFormOneConversationUntilItIsResolved(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨", "你好")
            try await room.fan("小雨", "请问怎么报名活动？")
            try await room.fan("阿杰", "Love this! 🔥")
            var listed = try await room.conversations("?status=unresolved")
            #expect(listed.count == 2)
            let rain = try await room.conversation(of: "小雨")
            #expect(rain["message_count"] as? Int == 2 && rain["status"] as? String == "open" && rain["queue"] as? String == "agents")
            let level = try #require(rain["service_level"] as? [String: Any])
            #expect(level["badge"] as? String == "ok")
            #expect((level["first_response"] as? [String: Any])?["state"] as? String == "running")
            let id = try #require(rain["id"] as? String)
            let detail = try await t.api(.GET, "\(room.base)/conversations/\(id)", token: room.admin)
            #expect((detail.json["messages"] as? [[String: Any]])?.count == 2)

            // Filters: by sentiment, and a bad value names the field.
            #expect(try await room.conversations("?sentiment=pos").allSatisfy { $0["last_sentiment"] as? String == "pos" })
            let bad = try await t.api(.GET, room.base + "/conversations?sla=late", token: room.admin)
            #expect(bad.status == .unprocessableEntity && bad.problemFields == ["sla"])

            // Resolved, the fan's next message opens a new conversation.
            let resolved = try await t.api(.PATCH, "\(room.base)/conversations/\(id)", token: room.admin, json: ["status": "resolved"])
            #expect(resolved.status == .ok, "\(resolved.body)")
            #expect(((resolved.json["conversation"] as? [String: Any])?["service_level"] as? [String: Any])?["badge"] as? String == "done")
            try await room.fan("小雨", "还有一个问题")
            listed = try await room.conversations("?status=")
            #expect(listed.count == 3)
            #expect(try await room.conversations("?status=unresolved").count == 2)
            // Reopening the old one would make two open conversations of one thread.
            let reopen = try await t.api(.PATCH, "\(room.base)/conversations/\(id)", token: room.admin, json: ["status": "open"])
            #expect(reopen.status == .conflict)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aQuestionIsAnsweredAutomaticallyOnceWhileComplaintsWaitForAnAgent(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let template = try await room.template("补货", "{fan_name} 你好，每周一补货。")
            try await room.rule(["name": "补货", "conditions": ["keywords": ["补货"]], "actions": ["reply_template_id": template, "tags": ["restock"]]])
            try await room.fan("小雨", "请问什么时候补货？")
            let asked = try await room.conversation(of: "小雨")
            #expect(asked["status"] as? String == "pending" && (asked["tags"] as? [String]) == ["restock"])
            #expect(asked["first_response_at"] is String)
            try await room.work()
            try await room.work()
            let detail = try await t.api(.GET, "\(room.base)/conversations/\(asked["id"] as! String)", token: room.admin)
            let replies = try #require(detail.json["replies"] as? [[String: Any]])
            #expect(replies.count == 1 && replies[0]["status"] as? String == "sent" && replies[0]["automatic"] as? Bool == true)
            #expect(replies[0]["text"] as? String == "小雨 你好，每周一补货。")
            #expect(try await room.sandboxReplies() == 1, "sent once, whatever the retries")

            // The same keyword in an angry message: not answered by a machine.
            try await room.fan("阿杰", "补货太慢了，等了一个月还没到，非常失望，差评")
            let angry = try await room.conversation(of: "阿杰")
            #expect(angry["last_sentiment"] as? String == "neg" || angry["last_intent"] as? String == "complaint")
            #expect(angry["status"] as? String == "open" && angry["first_response_at"] == nil)
            try await room.work()
            #expect(try await room.sandboxReplies() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anEditedRuleRoutesTheNextMessageAndADisabledOneNone(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.rule(["name": "stock", "conditions": ["keywords": ["补货"]], "actions": ["tags": ["restock"]]])
            try await room.fan("小雨", "请问什么时候补货？")
            #expect(try await room.conversation(of: "小雨")["tags"] as? [String] == ["restock"])
            let id = try #require(try await t.api(.GET, room.base + "/rules", token: room.admin).items.first?["id"] as? String)
            let edited = try await t.api(
                .PUT, room.base + "/rules/\(id)", token: room.admin,
                json: ["name": "returns", "conditions": ["keywords": ["退货"]], "actions": ["tags": ["returns"]]])
            #expect(edited.status == .ok, "\(edited.body)")
            try await room.fan("阿杰", "请问什么时候补货？")
            try await room.fan("Mia", "我想退货")
            #expect(try await room.conversation(of: "阿杰")["tags"] as? [String] == [])
            #expect(try await room.conversation(of: "Mia")["tags"] as? [String] == ["returns"])
            let off = try await t.api(
                .PUT, room.base + "/rules/\(id)", token: room.admin,
                json: ["name": "returns", "enabled": false, "conditions": ["keywords": ["退货"]], "actions": ["tags": ["returns"]]])
            #expect(off.status == .ok, "\(off.body)")
            try await room.fan("Leo", "我想退货")
            #expect(try await room.conversation(of: "Leo")["tags"] as? [String] == [])
        }
    }

    @Test(arguments: TestDatabase.available)
    func automaticRepliesAreCappedPerFanPerHour(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let settings = try await t.api(.PUT, room.base + "/settings", token: room.admin, json: ["auto_reply_cap": 2])
            #expect(settings.status == .ok && settings.json["auto_reply_cap"] as? Int == 2, "\(settings.body)")
            let template = try await room.template("hi", "Hi {fan_name}!")
            try await room.rule(["name": "hello", "conditions": ["keywords": ["hello"]], "actions": ["reply_template_id": template]])
            for n in 1...4 { try await room.fan("Mia", "hello there, question \(n)?") }
            #expect(try await InboxReply.query(on: t.db).filter(\.$automatic == true).count() == 2)
            let refused = try await t.api(
                .PUT, room.base + "/settings", token: room.admin, json: ["auto_reply_cap": -1, "first_response_minutes": 0])
            #expect(refused.status == .unprocessableEntity)
            #expect(Set(refused.problemFields) == ["auto_reply_cap", "first_response_minutes"], "\(refused.body)")
        }
    }

    /// Search reads every message and reply of a conversation and the
    /// fan's name, in any case, the typed `%` and `_` literally, in this
    /// workspace only; the page marks what it found.
    @Test(arguments: TestDatabase.available)
    func searchFindsWordsInEveryMessageReplyAndNameOfThisWorkspaceOnly(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("阿杰", "订单一直没发货，太差了")
            try await room.fan("阿杰", "好的谢谢")
            try await room.fan("Mia", "My ORDER 50%_off never arrived")
            try await room.fan("小雨", "hi")
            let xiaoyu = try #require(try await room.conversation(of: "小雨")["id"] as? String)
            let sent = try await t.api(.POST, "\(room.base)/conversations/\(xiaoyu)/replies", token: room.admin, json: ["text": "退款已经处理"])
            #expect(sent.status == .accepted, "\(sent.body)")
            try await room.work()
            // Another workspace's fan says the same words.
            let (_, otherAdmin, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(other.slug)/accounts", token: otherAdmin, json: ["platform": "sandbox", "handle": "o"])
            let otherAccount = try #require(try await SocialAccount.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
            try await SandboxFans.write(.init(fanName: "路人", kind: .directMessage, text: "发货 order 退款"), to: otherAccount, app: t.app)

            func names(_ q: String, _ more: String = "") async throws -> [String] {
                let query = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try await room.conversations("?q=\(query)\(more)").compactMap { $0["author_name"] as? String }.sorted()
            }
            #expect(try await names("发货") == ["阿杰"])  // the first message, not the last
            #expect(try await names("order") == ["Mia"])
            #expect(try await names("50%_OFF") == ["Mia"])
            #expect(try await names("%") == ["Mia"])
            #expect(try await names("_") == ["Mia"])
            #expect(try await names("退款") == ["小雨"])  // the team's reply
            #expect(try await names("mia") == ["Mia"])  // the fan's name
            #expect(try await names("  发货  ") == ["阿杰"])
            #expect(try await names("不存在的词").isEmpty)
            #expect(try await names("发货", "&status=resolved").isEmpty)
            let long = try await t.api(.GET, room.base + "/conversations?q=" + String(repeating: "a", count: 101), token: room.admin)
            #expect(long.status == .unprocessableEntity && long.problemFields == ["q"], "\(long.body)")

            // The page: the message that holds the words, marked.
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/inbox?q=%E5%8F%91%E8%B4%A7")
            #expect(page.status == .ok)
            #expect(page.body.contains("订单一直没<mark>发货</mark>，太差了"), "\(page.body)")
            #expect(!page.body.contains("路人") && !page.body.contains(">Mia<"))
            let nothing = try await browser.get("/w/\(room.ws.slug)/inbox?q=zzzz")
            #expect(nothing.body.contains("data-empty=\"noSearchMatch\""))
        }
    }

    /// The reply box's script asks the page for a template filled in for
    /// the conversation, as JSON, with the agent's session; a stranger
    /// gets nothing.
    @Test(arguments: TestDatabase.available)
    func thePageFillsATemplateForTheReplyBoxAsJSON(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let template = try await room.template("致歉", "{fan_name} 您好，订单 {order_id} 我们马上处理。", category: "crisis.apology")
            try await room.fan("阿杰", "订单一直没发货")
            let id = try #require(try await room.conversation(of: "阿杰")["id"] as? String).lowercased()
            let path = "/w/\(room.ws.slug)/inbox/\(id)/draft?template_id=\(template)"
            let anonymous = try await Browser(t).get(path)
            #expect(anonymous.status != .ok && !anonymous.body.contains("阿杰 您好"))
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(page.body.contains("data-draft=\"/w/\(room.ws.slug)/inbox/\(id)/draft\"") && page.body.contains("id=\"template-note\" hidden"))
            let draft = try await browser.get(path)
            #expect(draft.status == .ok && draft.headers.contentType == .json, "\(draft.body)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(draft.body.utf8)) as? [String: Any])
            #expect(json["text"] as? String == "阿杰 您好，订单 {order_id} 我们马上处理。")
            #expect(json["unfilled"] as? [String] == ["order_id"])
            let unknown = try await browser.get("/w/\(room.ws.slug)/inbox/\(id)/draft?template_id=\(UUID().uuidString)")
            #expect(unknown.status == .notFound)
        }
    }

    /// "Next" on a conversation goes to the unresolved conversation below
    /// it in the inbox (newest first), skipping resolved ones; the keys
    /// are named beside it.
    @Test(arguments: TestDatabase.available)
    func nextLeadsToTheWaitingConversationBelowThisOne(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("一号", "第一条")
            try await room.fan("二号", "第二条")
            try await room.fan("三号", "第三条")
            var ids: [String] = []
            for fan in ["一号", "二号", "三号"] { ids.append(try #require(try await room.conversation(of: fan)["id"] as? String).lowercased()) }
            let resolved = try await t.api(.PATCH, "\(room.base)/conversations/\(ids[1])", token: room.admin, json: ["status": "resolved"])
            #expect(resolved.status == .ok, "\(resolved.body)")
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let newest = try await browser.get("/w/\(room.ws.slug)/inbox/\(ids[2])")
            #expect(newest.body.contains("href=\"/w/\(room.ws.slug)/inbox/\(ids[0])\" id=\"next-conversation\""), "\(newest.body)")
            #expect(newest.body.contains("id=\"keys-hint\">Keys: <kbd translate=\"no\">J</kbd> next"), "\(newest.body)")
            let oldest = try await browser.get("/w/\(room.ws.slug)/inbox/\(ids[0])")
            #expect(!oldest.body.contains("id=\"next-conversation\""))
        }
    }

    /// Two agents on one conversation: the one who sends second is told
    /// what the first answered, keeps their text, and may send it again.
    @Test(arguments: TestDatabase.available)
    func anAnswerSentMeanwhileByAnotherAgentIsShownBeforeASecondGoesOut(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let agentUser = try await t.makeUser("agent@example.com")
            _ = try await t.addMember(agentUser, to: room.ws, as: .agent)
            let agent = try await t.makeToken(agentUser)
            try await room.fan("阿杰", "订单一直没发货")
            let id = try #require(try await room.conversation(of: "阿杰")["id"] as? String).lowercased()
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(page.body.contains("name=\"seen_replies\" value=\"0\""))

            // The agent answers first, through the API.
            let first = try await t.api(
                .POST, "\(room.base)/conversations/\(id)/replies", token: agent, json: ["text": "已经在查了，稍等", "seen_replies": 0])
            #expect(first.status == .accepted, "\(first.body)")
            // The admin's reply, written on the page opened before: refused, text kept, the other answer quoted.
            let second = try await browser.post("/w/\(room.ws.slug)/inbox/\(id)/reply", [("text", "马上处理"), ("seen_replies", "0")])
            #expect(second.status == .unprocessableEntity)
            #expect(second.body.contains("answered this conversation while you were writing") && second.body.contains("已经在查了，稍等"), "\(second.body)")
            #expect(second.body.contains(">马上处理</textarea>") && second.body.contains("name=\"seen_replies\" value=\"1\""))
            let detail = try await t.api(.GET, "\(room.base)/conversations/\(id)", token: room.admin)
            #expect((detail.json["replies"] as? [Any])?.count == 1)
            // Sent again after reading it: it goes.
            let again = try await browser.post("/w/\(room.ws.slug)/inbox/\(id)/reply", [("text", "马上处理"), ("seen_replies", "1")])
            #expect(again.status == .seeOther || again.status == .found, "\(again.body)")
            // The API: the same check when `seen_replies` is given, in its code; none without it.
            let stale = try await t.api(.POST, "\(room.base)/conversations/\(id)/replies", token: agent, json: ["text": "再补充一句", "seen_replies": 1])
            #expect(stale.status == .unprocessableEntity && stale.body.contains("answered_meanwhile"), "\(stale.body)")
            let unchecked = try await t.api(.POST, "\(room.base)/conversations/\(id)/replies", token: agent, json: ["text": "再补充一句"])
            #expect(unchecked.status == .accepted)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anAgentAnswersFromATemplateAndEveryVariableMustBeFilled(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let unknown = try await t.api(
                .POST, room.base + "/templates", token: room.admin, json: ["name": "x", "category": "crisis.apology", "body": "{fan_name} {coupon}"])
            #expect(unknown.status == .unprocessableEntity && unknown.body.contains("{coupon}"), "\(unknown.body)")
            let template = try await room.template("致歉", "{fan_name} 您好，订单 {order_id} 我们马上处理。", category: "crisis.apology")
            try await room.fan("阿杰", "订单一直没发货，太差了")
            let id = try #require(try await room.conversation(of: "阿杰")["id"] as? String)
            let draft = try await t.api(.GET, "\(room.base)/conversations/\(id)/draft?template_id=\(template)", token: room.admin)
            #expect(draft.json["text"] as? String == "阿杰 您好，订单 {order_id} 我们马上处理。")
            #expect(draft.json["unfilled"] as? [String] == ["order_id"])
            let unfilled = try await t.api(.POST, "\(room.base)/conversations/\(id)/replies", token: room.admin, json: ["text": draft.json["text"]!])
            #expect(unfilled.status == .unprocessableEntity && unfilled.problemFields == ["text"])

            let viewerUser = try await t.makeUser("viewer@example.com")
            _ = try await t.addMember(viewerUser, to: room.ws, as: .viewer)
            let viewer = try await t.makeToken(viewerUser)
            let forbidden = try await t.api(.POST, "\(room.base)/conversations/\(id)/replies", token: viewer, json: ["text": "hi"])
            #expect(forbidden.status == .forbidden)

            let sent = try await t.api(
                .POST, "\(room.base)/conversations/\(id)/replies", token: room.admin,
                json: ["text": "阿杰 您好，订单 A1029 我们马上处理。", "template_id": template, "resolve": true])
            #expect(sent.status == .accepted, "\(sent.body)")
            try await room.work()
            let detail = try await t.api(.GET, "\(room.base)/conversations/\(id)", token: room.admin)
            let conversation = try #require(detail.json["conversation"] as? [String: Any])
            #expect(conversation["status"] as? String == "resolved")
            #expect((conversation["service_level"] as? [String: Any])?["badge"] as? String == "done")
            #expect((detail.json["replies"] as? [[String: Any]])?.first?["status"] as? String == "sent")

            // Bulk: assign and tag many at once; an unknown id is 404 and changes nothing.
            try await room.fan("小雨", "hi")
            try await room.fan("Mia", "hello")
            let open = try await room.conversations("?status=unresolved").compactMap { $0["id"] as? String }
            let bulk = try await t.api(
                .POST, room.base + "/conversations/bulk", token: room.admin,
                json: ["ids": open, "change": ["add_tags": ["vip"], "queue": "experts"]])
            #expect(bulk.status == .ok && bulk.json["changed"] as? Int == 2, "\(bulk.body)")
            #expect(try await room.conversations("?queue=experts&tag=vip").count == 2)
            let missing = try await t.api(
                .POST, room.base + "/conversations/bulk", token: room.admin,
                json: ["ids": open + [UUID().uuidString], "change": ["status": "resolved"]])
            #expect(missing.status == .notFound)
            #expect(try await room.conversations("?status=resolved").count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func serviceLevelsWarnAtEightyPercentAndRecordEachBreachOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let policy = try await t.api(
                .PUT, room.base + "/settings", token: room.admin, json: ["first_response_minutes": 10, "resolution_minutes": 60])
            #expect(policy.status == .ok, "\(policy.body)")
            let start = Date()
            try await room.fan("小雨", "请问怎么报名活动？", now: start)
            try await ServiceLevelWatch.check(t.db, now: start.addingTimeInterval(5 * 60))
            #expect(try await UserNotification.query(on: t.db).count() == 0)
            try await ServiceLevelWatch.check(t.db, now: start.addingTimeInterval(8.5 * 60))
            #expect(try await UserNotification.query(on: t.db).count() == 1, "warned at 80 %")
            try await ServiceLevelWatch.check(t.db, now: start.addingTimeInterval(11 * 60))
            try await ServiceLevelWatch.check(t.db, now: start.addingTimeInterval(12 * 60))
            #expect(try await ServiceLevelBreach.query(on: t.db).count() == 1)
            #expect(try await UserNotification.query(on: t.db).count() == 2)
            let report = try await t.api(.GET, room.base + "/service-levels/report?days=7", token: room.admin)
            #expect(report.status == .ok)
            #expect((report.json["overall"] as? [String: Any])?["breaches"] as? Int == 1)
            #expect((report.json["overall"] as? [String: Any])?["conversations"] as? Int == 1)
            let badDays = try await t.api(.GET, room.base + "/service-levels/report?days=0", token: room.admin)
            #expect(badDays.status == .unprocessableEntity)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSuggestionBecomesATicketThatClosesWithANoticeToEveryFanBehindIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("晴天", "建议增加深蓝色款")
            try await room.fan("木木", "希望增加深蓝色款吧")
            let messages = try await IncomingMessage.query(on: t.db).sort(\.$sentAt).all()
            let feedback = "/api/v1/workspaces/\(room.ws.slug)/feedback"
            let first = try await t.api(
                .POST, feedback, token: room.admin, json: ["message_id": messages[0].id!.uuidString, "impact": 4, "urgency": 2, "cost": 1])
            #expect(first.status == .created, "\(first.body)")
            #expect(first.json["score"] as? Int == 4 * 2 * 5 && first.json["number"] as? Int == 1 && first.json["owner_id"] is String)
            let second = try await t.api(.POST, feedback, token: room.admin, json: ["message_id": messages[1].id!.uuidString])
            let secondID = try #require(second.json["id"] as? String)
            let firstID = try #require(first.json["id"] as? String)
            let duplicates = try await t.api(.GET, "\(feedback)/\(secondID)/duplicates", token: room.admin)
            #expect(duplicates.jsonArray.first.flatMap { ($0["ticket"] as? [String: Any])?["id"] as? String } == firstID, "\(duplicates.body)")
            let badScore = try await t.api(.PATCH, "\(feedback)/\(firstID)", token: room.admin, json: ["impact": 9])
            #expect(badScore.status == .unprocessableEntity && badScore.problemFields == ["impact"])
            let merged = try await t.api(.POST, "\(feedback)/\(secondID)/merge", token: room.admin, json: ["into": firstID])
            #expect(merged.status == .ok && merged.json["supporters"] as? Int == 2, "\(merged.body)")
            let noNote = try await t.api(.POST, "\(feedback)/\(firstID)/close", token: room.admin, json: ["resolution": "adopted"])
            #expect(noNote.status == .unprocessableEntity && noNote.problemFields == ["note"])
            let closed = try await t.api(
                .POST, "\(feedback)/\(firstID)/close", token: room.admin, json: ["resolution": "adopted", "note": "深蓝色款已排进下季新品，谢谢你的建议！"])
            #expect(closed.status == .ok && closed.json["status"] as? String == "closed", "\(closed.body)")
            try await room.work()
            #expect(try await room.sandboxReplies() == 2, "both fans hear back")
            let again = try await t.api(.POST, "\(feedback)/\(firstID)/close", token: room.admin, json: ["resolution": "adopted", "note": "again"])
            #expect(again.status == .conflict)
            #expect(try await FeedbackService.adopted(in: room.ws.id!, on: t.db).isEmpty, "not public unless chosen")
        }
    }
}
