import Crypto
import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Synchronization
import Testing
import Vapor

@testable import FanfareServer

/// Issue 19 scope 4: WeChat fans answered by customer-service messages
/// within the 48-hour window (5 at most), refused before WeChat is called
/// outside it, the window on the conversation, and template messages set
/// up per account and sent instead. A loopback stub plays WeChat's API.
@Suite struct WeChatRepliesTests {
    /// WeChat's API as far as answering goes: a stable token, customer-service
    /// messages and template messages, each recorded.
    final class Platform: Sendable {
        let state = Mutex<[LoopbackStub.Hit]>([])

        var sends: [[String: Any]] { bodies("/cgi-bin/message/custom/send") }
        var templates: [[String: Any]] { bodies("/cgi-bin/message/template/send") }

        func bodies(_ path: String) -> [[String: Any]] {
            state.withLock { $0 }.filter { $0.path == path }.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.body.utf8))) as? [String: Any]
            }
        }

        func answer(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
            state.withLock { $0.append(hit) }
            switch hit.path {
            case "/cgi-bin/stable_token": return (.ok, #"{"access_token":"TOKEN","expires_in":7200}"#)
            case "/cgi-bin/message/custom/send": return (.ok, #"{"errcode":0,"errmsg":"ok"}"#)
            case "/cgi-bin/message/template/send":
                return (.ok, #"{"errcode":0,"errmsg":"ok","msgid":\#(200_228_332 + bodies(hit.path).count)}"#)
            default: return (.ok, #"{"errcode":40066,"errmsg":"invalid url"}"#)
            }
        }
    }

    static let serverToken = "pamtest"
    static let hour: TimeInterval = 3_600

    /// A workspace with a WeChat Official Account whose API is the stub.
    struct Room {
        let t: TestApp
        let ws: Workspace
        let admin: String
        let account: UUID
        let platform: Platform

        var base: String { "/api/v1/workspaces/\(ws.slug)/inbox" }

        static func make(_ t: TestApp, _ stub: LoopbackStub, _ platform: Platform) async throws -> Room {
            let (_, admin, ws) = try await t.makeWorkspaceAdmin("wechat@example.com", workspace: "Brand")
            let connected = try await OutboundGuardTests.connect(
                t, ws.slug, admin, "wechat",
                [
                    "appID": "wx1234567890abcdef", "appSecret": "secret", "accountType": "service", "serverToken": WeChatRepliesTests.serverToken,
                    "readOriginalURL": "https://brand.example/wechat", "apiBaseURL": stub.baseURL, "accountName": "品牌服务号",
                ])
            #expect(connected.status == .created, "\(connected.body)")
            let id = try #require(UUID(uuidString: connected.json["id"] as? String ?? ""))
            return Room(t: t, ws: ws, admin: admin, account: id, platform: platform)
        }

        /// The fan writes to the account: a signed plain-mode push, sent at `at` by WeChat's clock.
        func fan(_ openID: String, _ text: String, at: Date, msgID: String = String(Int.random(in: 1_000_000...9_999_999))) async throws {
            let timestamp = String(Int(Date().timeIntervalSince1970))
            let nonce = String(Int.random(in: 100_000...999_999))
            let signature = Insecure.SHA1.hash(data: Data([WeChatRepliesTests.serverToken, timestamp, nonce].sorted().joined().utf8))
                .map { String(format: "%02x", $0) }.joined()
            let xml = """
                <xml><ToUserName><![CDATA[gh_brand]]></ToUserName><FromUserName><![CDATA[\(openID)]]></FromUserName>\
                <CreateTime>\(Int(at.timeIntervalSince1970))</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                <Content><![CDATA[\(text)]]></Content><MsgId>\(msgID)</MsgId></xml>
                """
            let pushed = try await t.api(
                .POST, "/hooks/\(account.uuidString.lowercased())?signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)", token: nil,
                rawBody: xml, headers: [("Content-Type", "text/xml")])
            #expect(pushed.status == .ok, "\(pushed.body)")
        }

        func conversation(of openID: String) async throws -> [String: Any] {
            let listed = try await t.api(.GET, base + "/conversations?status=", token: admin)
            #expect(listed.status == .ok, "\(listed.body)")
            return try #require(listed.items.first { $0["author_id"] as? String == openID }, "no conversation of \(openID): \(listed.body)")
        }

        func reply(_ id: String, _ text: String) async throws -> Reply {
            try await t.api(.POST, base + "/conversations/\(id)/replies", token: admin, json: ["text": text])
        }

        func work() async throws {
            let worker = JobWorker(app: t.app)
            while try await worker.runBatch() > 0 {}
        }
    }

    static func window(_ conversation: [String: Any]) -> [String: Any] { conversation["wechat_window"] as? [String: Any] ?? [:] }

    static func codes(_ reply: Reply) -> [String] {
        (reply.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    func withRoom(_ database: TestDatabase, _ body: (Room) async throws -> Void) async throws {
        let platform = Platform()
        try await withLoopbackStub(platform.answer) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                try await body(try await Room.make(t, stub, platform))
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func insideTheWindowEachReplyIsSentOnceUntilFiveFillIt(_ database: TestDatabase) async throws {
        try await withRoom(database) { room in
            // The fan wrote half an hour ago (by WeChat's clock): 47½ hours left.
            let wrote = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 1_800).rounded(.down))
            try await room.fan("oFan1", "请问几号发货？", at: wrote)
            let conversation = try await room.conversation(of: "oFan1")
            let id = try #require(conversation["id"] as? String)
            let window = Self.window(conversation)
            #expect(window["state"] as? String == "open" && window["remaining_messages"] as? Int == 5 && window["max_messages"] as? Int == 5)
            #expect(window["opens_at"] as? String == wrote.formatted(.iso8601), "\(window)")
            #expect(window["closes_at"] as? String == wrote.addingTimeInterval(48 * Self.hour).formatted(.iso8601))

            // act: one reply, the worker run twice
            let sent = try await room.reply(id, "您好，明天发货。")
            #expect(sent.status == .accepted, "\(sent.body)")
            try await room.work()
            try await room.work()
            // check: WeChat got it once, as text to the fan who wrote
            #expect(room.platform.sends.count == 1)
            #expect(room.platform.sends.first?["touser"] as? String == "oFan1" && room.platform.sends.first?["msgtype"] as? String == "text")
            #expect((room.platform.sends.first?["text"] as? [String: Any])?["content"] as? String == "您好，明天发货。")
            let detail = try await room.t.api(.GET, room.base + "/conversations/\(id)", token: room.admin)
            #expect((detail.json["replies"] as? [[String: Any]])?.first?["status"] as? String == "sent", "\(detail.body)")
            let after = Self.window(detail.json["conversation"] as? [String: Any] ?? [:])
            #expect(after["sent"] as? Int == 1 && after["remaining_messages"] as? Int == 4)

            // The page shows the window, in English and in Chinese.
            let browser = Browser(room.t)
            _ = try await browser.signIn("wechat@example.com")
            let english = try await browser.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(english.body.contains("Customer-service window: 47 hours left, 4 more messages"), "\(english.body)")
            #expect(english.body.contains("id=\"wechat-window\" data-state=\"open\""))
            #expect(!english.body.contains("id=\"reply-blocked\"") && !english.body.contains("id=\"send-reply\" disabled"))
            let agent = try await room.t.makeUser("agent@example.com", locale: "zh-Hans")
            _ = try await room.t.addMember(agent, to: room.ws, as: .agent)
            let chinese = Browser(room.t)
            _ = try await chinese.signIn("agent@example.com")
            let zh = try await chinese.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(zh.body.contains("客服消息窗口：还剩 47 小时，可再发 4 条"), "\(zh.body)")
            #expect(zh.body.contains("微信只允许在粉丝最近一条消息后的 48 小时内发送客服消息"))

            // Four more fill the window; the sixth is refused before WeChat is called.
            for n in 2...5 { #expect(try await room.reply(id, "第\(n)条").status == .accepted) }
            let sixth = try await room.reply(id, "第6条")
            #expect(sixth.status == .unprocessableEntity && sixth.problemFields == ["text"], "\(sixth.body)")
            #expect(Self.codes(sixth) == ["wechat_window_full"])
            #expect(sixth.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            try await room.work()
            #expect(room.platform.sends.count == 5, "the five allowed, not the sixth")
            let full = try await room.conversation(of: "oFan1")
            #expect(Self.window(full)["state"] as? String == "full" && Self.window(full)["remaining_messages"] as? Int == 0)
            let fullPage = try await chinese.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(fullPage.body.contains("客服消息窗口：5 条已用完"), "\(fullPage.body)")
            #expect(fullPage.body.contains("id=\"send-reply\" disabled") && fullPage.body.contains("id=\"reply-blocked\""))

            // The fan writes again: a fresh window of five.
            // (A second on: WeChat's clock counts whole seconds, and the five went out within this one.)
            try await room.fan("oFan1", "好的，谢谢", at: Date().addingTimeInterval(1))
            let reopened = try await room.conversation(of: "oFan1")
            #expect(Self.window(reopened)["state"] as? String == "open" && Self.window(reopened)["remaining_messages"] as? Int == 5)
            #expect(try await room.reply(id, "不客气").status == .accepted)
            try await room.work()
            #expect(room.platform.sends.count == 6)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aClosedWindowIsRefusedWithACodeAndWeChatIsNotCalled(_ database: TestDatabase) async throws {
        try await withRoom(database) { room in
            try await room.fan("oFan2", "上周买的还没到", at: Date().addingTimeInterval(-49 * Self.hour))
            let conversation = try await room.conversation(of: "oFan2")
            let id = try #require(conversation["id"] as? String)
            #expect(Self.window(conversation)["state"] as? String == "closed" && Self.window(conversation)["remaining_messages"] as? Int == 0)

            // act
            let refused = try await room.reply(id, "抱歉久等了")
            // check: 422 with the code, nothing stored, nothing sent
            #expect(refused.status == .unprocessableEntity && refused.problemFields == ["text"], "\(refused.body)")
            #expect(Self.codes(refused) == ["wechat_window_closed"])
            #expect(refused.body.contains("within 48 hours"))
            #expect(try await InboxReply.query(on: room.t.db).count() == 0)
            try await room.work()
            #expect(room.platform.sends.isEmpty)

            // The page: the window closed, the reply box off with why, what to do instead.
            let browser = Browser(room.t)
            _ = try await browser.signIn("wechat@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(page.body.contains("Customer-service window closed: the fan last wrote more than 48 hours ago."), "\(page.body)")
            #expect(
                page.body.contains("id=\"send-reply\" disabled")
                    && page.body.contains("id=\"reply-text\" rows=\"4\" required translate=\"no\" disabled"))
            #expect(page.body.contains("id=\"reply-blocked\">The reply box is off"))
            #expect(page.body.contains("id=\"no-template-messages\">No template message is set up for this account."))
            #expect(page.body.contains("href=\"/w/\(room.ws.slug)/inbox/wechat-templates\" id=\"set-up-template-messages\""))
            // Sent anyway (an old page), the form comes back with the reason and the text.
            let posted = try await browser.post("/w/\(room.ws.slug)/inbox/\(id)/reply", [("text", "抱歉久等了")])
            #expect(posted.status == .unprocessableEntity)
            #expect(posted.body.contains("id=\"reply-blocked\">The reply box is off"), "\(posted.body)")
            #expect(!posted.body.contains("id=\"reply-problem\""), "the same reason is not said twice")
            #expect(posted.body.contains(">抱歉久等了</textarea>"))
            let agent = try await room.t.makeUser("agent@example.com", locale: "zh-Hans")
            _ = try await room.t.addMember(agent, to: room.ws, as: .agent)
            let chinese = Browser(room.t)
            _ = try await chinese.signIn("agent@example.com")
            let zh = try await chinese.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(zh.body.contains("客服消息窗口已关闭：粉丝最近一条消息已超过 48 小时。可改发模板消息，或等粉丝再次发来消息。"), "\(zh.body)")
            #expect(zh.body.contains("回复框已停用"))
            #expect(try await InboxReply.query(on: room.t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aTemplateMessageIsSetUpCheckedSentOnceAndAudited(_ database: TestDatabase) async throws {
        try await withRoom(database) { room in
            try await room.fan("oFan2", "订单什么时候发货", at: Date().addingTimeInterval(-72 * Self.hour))
            let id = try #require(try await room.conversation(of: "oFan2")["id"] as? String)
            let account = room.account.uuidString.lowercased()
            let templates = room.base + "/wechat-templates"

            // Setting one up: every problem named.
            let sandbox = try await room.t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/accounts", token: room.admin, json: ["platform": "sandbox", "handle": "demo"])
            let bad = try await room.t.api(
                .POST, templates, token: room.admin,
                json: ["account_id": sandbox.json["id"] as? String ?? "", "template_id": "not an id!", "title": "", "fields": ["thing1", "thing1"]])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["account_id", "template_id", "title", "fields"], "\(bad.body)")
            #expect(Self.codes(bad).contains("wechat_template_key_repeated") && Self.codes(bad).contains("wechat_account_required"))
            let input: [String: Any] = [
                "account_id": account, "template_id": "TPL_SHIPPED_0000000000000000000000000000001", "title": "发货通知",
                "fields": ["thing1", "character_string2", "time3"],
            ]
            let added = try await room.t.api(.POST, templates, token: room.admin, json: input)
            #expect(added.status == .created, "\(added.body)")
            let template = try #require(added.json["id"] as? String).lowercased()
            #expect(added.json["fields"] as? [String] == ["thing1", "character_string2", "time3"])
            let twice = try await room.t.api(.POST, templates, token: room.admin, json: input)
            #expect(twice.status == .unprocessableEntity && Self.codes(twice) == ["wechat_template_taken"], "\(twice.body)")
            #expect((try await room.t.api(.GET, templates, token: room.admin)).items.count == 1)

            // Sending: each field required and checked by its type; nothing reaches WeChat.
            let send = room.base + "/conversations/\(id)/template-messages"
            let wrong = try await room.t.api(
                .POST, send, token: room.admin,
                json: [
                    "template_id": template,
                    "data": ["thing1": String(repeating: "长", count: 21), "character_string2": "顺丰单号", "remark": "x"],
                    "url": "ftp://brand.example",
                ])
            #expect(wrong.status == .unprocessableEntity, "\(wrong.body)")
            #expect(wrong.problemFields == ["data.thing1", "data.character_string2", "data.time3", "data.remark", "url"], "\(wrong.body)")
            #expect(
                Self.codes(wrong) == [
                    "length_at_most", "wechat_field_character_string", "not_empty", "wechat_template_unknown_field", "link_destination",
                ])
            let notHers = try await room.t.api(.POST, send, token: room.admin, json: ["template_id": UUID().uuidString, "data": [:]])
            #expect(notHers.status == .unprocessableEntity && Self.codes(notHers) == ["not_a_wechat_template"])
            #expect(
                try await room.t.api(.POST, room.base + "/conversations/\(UUID().uuidString)/template-messages", token: room.admin, json: [:]).status
                    == .notFound)
            #expect(try await InboxReply.query(on: room.t.db).count() == 0)

            // act: a good one, the worker run twice
            let good = try await room.t.api(
                .POST, send, token: room.admin,
                json: [
                    "template_id": template, "data": ["thing1": "春季新品", "character_string2": "SF1234567", "time3": "2026-11-23 15:01"],
                    "url": "https://brand.example/orders/42",
                ])
            #expect(good.status == .accepted, "\(good.body)")
            let replyID = try #require(good.json["id"] as? String)
            #expect((good.json["template_message"] as? [String: Any])?["template_id"] as? String == "TPL_SHIPPED_0000000000000000000000000000001")
            #expect(good.json["text"] as? String == "【发货通知】\nthing1: 春季新品\ncharacter_string2: SF1234567\ntime3: 2026-11-23 15:01")
            try await room.work()
            try await room.work()
            // check
            #expect(room.platform.templates.count == 1 && room.platform.sends.isEmpty)
            let sent = try #require(room.platform.templates.first)
            #expect(sent["touser"] as? String == "oFan2" && sent["client_msg_id"] as? String == replyID.lowercased())
            #expect(sent["url"] as? String == "https://brand.example/orders/42")
            #expect(
                (sent["data"] as? [String: [String: String]])
                    == ["thing1": ["value": "春季新品"], "character_string2": ["value": "SF1234567"], "time3": ["value": "2026-11-23 15:01"]])
            let detail = try await room.t.api(.GET, room.base + "/conversations/\(id)", token: room.admin)
            let reply = try #require((detail.json["replies"] as? [[String: Any]])?.first)
            #expect(reply["status"] as? String == "sent" && reply["remote_id"] as? String == "200228333", "\(reply)")
            #expect(Self.window(detail.json["conversation"] as? [String: Any] ?? [:])["state"] as? String == "closed", "a template opens no window")
            let audited = try await AuditEvent.query(on: room.t.db).all().map(\.action)
            #expect(audited.contains("wechat_template.added") && audited.contains("conversation.template_sent"))

            // The page offers the template where the reply box is off; a refused send names the field and keeps what was typed.
            let browser = Browser(room.t)
            _ = try await browser.signIn("wechat@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/inbox/\(id)")
            #expect(page.body.contains("id=\"template-message-\(template)\" open"), "\(page.body)")
            #expect(page.body.contains("<code translate=\"no\">thing1</code> (text, at most 20 characters)"))
            #expect(page.body.contains("Template message</span>"), "the sent one is marked in the thread")
            let refused = try await browser.post(
                "/w/\(room.ws.slug)/inbox/\(id)/template-message",
                [("template_id", template), ("data[thing1]", "新品到货"), ("data[character_string2]", "单号"), ("data[time3]", "15:01"), ("url", "")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("id=\"template-\(template)-character_string2-error\">must be at most 32 Latin letters, digits or symbols"))
            #expect(refused.body.contains("value=\"新品到货\""))
            let posted = try await browser.post(
                "/w/\(room.ws.slug)/inbox/\(id)/template-message",
                [("template_id", template), ("data[thing1]", "新品到货"), ("data[character_string2]", "SF1"), ("data[time3]", "15:01"), ("url", "")])
            #expect(posted.status == .seeOther || posted.status == .found, "\(posted.body)")
            try await room.work()
            #expect(room.platform.templates.count == 2 && room.platform.templates.last?["url"] == nil)

            // The settings page lists it; removing it is audited.
            let settings = try await browser.get("/w/\(room.ws.slug)/inbox/wechat-templates")
            #expect(
                settings.body.contains("id=\"wechat-template-\(template)\"") && settings.body.contains("TPL_SHIPPED_0000000000000000000000000000001"))
            #expect(settings.body.contains("<code translate=\"no\">character_string2</code> (letters, digits or symbols, at most 32)"))
            #expect(settings.body.contains("A field written <code translate=\"no\">{{thing1.DATA}}</code> in the template&#39;s content is named"))
            #expect(
                settings.body.contains("id=\"wechat-template-form\"")
                    && settings.body.contains("<option value=\"\(account)\" translate=\"no\" selected>"))
            // Set up through the page: a bad key is named beside the field and what was typed stays.
            let badForm = try await browser.post(
                "/w/\(room.ws.slug)/inbox/wechat-templates",
                [("account_id", account), ("template_id", "TPL_REFUND"), ("title", "退款通知"), ("fields", "thing1 Amount2")])
            #expect(badForm.status == .unprocessableEntity)
            #expect(
                badForm.body.contains("must be the field keys of the template") && badForm.body.contains("value=\"thing1 Amount2\""),
                "\(badForm.body)")
            let goodForm = try await browser.post(
                "/w/\(room.ws.slug)/inbox/wechat-templates",
                [("account_id", account), ("template_id", "TPL_REFUND"), ("title", "退款通知"), ("fields", "thing1，amount2")])
            #expect(goodForm.status == .seeOther || goodForm.status == .found, "\(goodForm.body)")
            #expect((try await room.t.api(.GET, templates + "?account=\(account)", token: room.admin)).items.count == 2)
            let removable = try #require(try await WeChatTemplate.query(on: room.t.db).filter(\.$templateID == "TPL_REFUND").first()?.id)
            let removed = try await browser.post("/w/\(room.ws.slug)/inbox/wechat-templates/\(removable.uuidString.lowercased())/remove", [])
            #expect(removed.status == .seeOther || removed.status == .found)
            #expect(try await room.t.api(.DELETE, templates + "/\(template)", token: room.admin).status == .noContent)
            #expect(try await AuditEvent.query(on: room.t.db).filter(\.$action == "wechat_template.removed").count() == 2)
            #expect((try await room.t.api(.GET, templates, token: room.admin)).items.isEmpty)
        }
    }

    /// The window's sentence as the page model writes it, without a database.
    @Test func theWindowReadsInBothLanguages() {
        let wrote = Date(timeIntervalSince1970: 1_795_399_200)
        let now = wrote.addingTimeInterval(17 * Self.hour)
        let open = WeChatServiceWindow.at(now, lastFanMessage: wrote, replies: [wrote.addingTimeInterval(60)])
        #expect(ConversationPage.window(open, now: now, locale: .zhHans).sentence == "客服消息窗口：还剩 31 小时，可再发 4 条")
        #expect(ConversationPage.window(open, now: now, locale: .en).sentence == "Customer-service window: 31 hours left, 4 more messages")
        #expect(ConversationPage.window(open, now: now, locale: .en).tone == .success)
        let late = wrote.addingTimeInterval(48 * Self.hour - 90)
        let lastMinutes = WeChatServiceWindow.at(late, lastFanMessage: wrote, replies: [])
        #expect(ConversationPage.window(lastMinutes, now: late, locale: .zhHans).sentence == "客服消息窗口：还剩 2 分钟，可再发 5 条")
        #expect(ConversationPage.duration(3_600, .en) == "1 hour" && ConversationPage.duration(30, .en) == "1 minute")
        let closed = WeChatServiceWindow.at(wrote.addingTimeInterval(50 * Self.hour), lastFanMessage: wrote, replies: [])
        let zh = ConversationPage.window(closed, now: wrote.addingTimeInterval(50 * Self.hour), locale: .zhHans)
        #expect(zh.state == "closed" && zh.tone == .danger && zh.sentence.hasPrefix("客服消息窗口已关闭"))
    }

    /// Messages stored before replies existed carried the bare MsgId: the
    /// migration names them as the connector now does, once, and only WeChat's.
    @Test(arguments: TestDatabase.available)
    func messagesStoredBeforeCarryTheFanAfterTheMigration(_ database: TestDatabase) async throws {
        try await withRoom(database) { room in
            try await room.fan("oFan1", "旧消息", at: Date(), msgID: "24000000000000001")
            let sandbox = try await room.t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/accounts", token: room.admin, json: ["platform": "sandbox", "handle": "demo"])
            let sandboxAccount = try #require(try await SocialAccount.find(UUID(uuidString: sandbox.json["id"] as? String ?? ""), on: room.t.db))
            try await SandboxFans.write(.init(fanName: "小雨", kind: .directMessage, text: "你好"), to: sandboxAccount, app: room.t.app)
            let sql = room.t.db as! any SQLDatabase
            let stored = try #require(try await IncomingMessage.query(on: room.t.db).filter(\.$account.$id == room.account).first())
            #expect(stored.remoteID == "dm:oFan1:24000000000000001")
            // As an older release stored it.
            try await sql.raw("UPDATE incoming_messages SET remote_id = '24000000000000001' WHERE id = \(bind: stored.id!)").run()
            let sandboxIDs = try await IncomingMessage.query(on: room.t.db).filter(\.$account.$id == sandboxAccount.id!).all().map(\.remoteID)
            // act: twice
            try await CreateWeChatReplies.renameStoredMessages(on: sql)
            try await CreateWeChatReplies.renameStoredMessages(on: sql)
            // check
            #expect(try await IncomingMessage.find(stored.id, on: room.t.db)?.remoteID == "dm:oFan1:24000000000000001")
            #expect(try await IncomingMessage.query(on: room.t.db).filter(\.$account.$id == sandboxAccount.id!).all().map(\.remoteID) == sandboxIDs)
            // WeChat repeating that push is still recognised as stored.
            try await room.fan("oFan1", "旧消息", at: Date(), msgID: "24000000000000001")
            #expect(try await IncomingMessage.query(on: room.t.db).filter(\.$account.$id == room.account).count() == 1)
        }
    }

    /// A token about to expire is renewed and stored before the reply goes
    /// out (WeChat's tokens last two hours; nothing else may have renewed it).
    @Test(arguments: TestDatabase.available)
    func aTokenAboutToExpireIsRenewedBeforeTheReply(_ database: TestDatabase) async throws {
        try await withRoom(database) { room in
            let service = AccountService(db: room.t.db, app: room.t.app)
            let account = try #require(try await SocialAccount.find(room.account, on: room.t.db))
            var credentials = try service.credentials(of: account)
            credentials.expiresAt = Date().addingTimeInterval(60)
            account.sealedCredentials = try service.seal(credentials, for: account)
            account.credentialsExpireAt = credentials.expiresAt
            try await account.save(on: room.t.db)
            try await room.fan("oFan1", "在吗", at: Date())
            let id = try #require(try await room.conversation(of: "oFan1")["id"] as? String)
            let tokensBefore = room.platform.state.withLock { $0 }.filter { $0.path == "/cgi-bin/stable_token" }.count
            // act
            #expect(try await room.reply(id, "在的").status == .accepted)
            try await room.work()
            // check
            let hits = room.platform.state.withLock { $0 }.map(\.path)
            #expect(hits.filter { $0 == "/cgi-bin/stable_token" }.count == tokensBefore + 1, "\(hits)")
            #expect(room.platform.sends.count == 1)
            let stored = try service.credentials(of: try #require(try await SocialAccount.find(room.account, on: room.t.db)))
            #expect((stored.expiresAt ?? .distantPast) > Date().addingTimeInterval(7_000), "the renewed token is kept")
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoAgentsSendingTheLastMessageOfAWindowAtOnceSendOne(_ database: TestDatabase) async throws {
        try await withRoom(database) { room in
            try await room.fan("oFan1", "在吗", at: Date())
            let id = try #require(try await room.conversation(of: "oFan1")["id"] as? String)
            for n in 1...4 { #expect(try await room.reply(id, "第\(n)条").status == .accepted) }
            // act: the fifth and a sixth at the same moment
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 5...6 { group.addTask { try await room.reply(id, "第\(n)条").status } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            // check
            #expect(statuses.sorted { $0.code < $1.code } == [.accepted, .unprocessableEntity], "\(statuses)")
            try await room.work()
            #expect(room.platform.sends.count == 5)
        }
    }
}
