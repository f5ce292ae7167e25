import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// Answering WeChat fans: customer-service text messages
/// (`message/custom/send`) and template messages (`message/template/send`)
/// against the stub API, each errcode as what to do, and a token WeChat no
/// longer takes renewed once.
extension WeChatConnectorTests {
    static let message = WeChatConnector.messageID(fan: "oFan1", msgID: "24000000000000001")

    func reason(_ error: any Error) -> String? {
        guard case .rejected(let reason) = error as? ConnectorError else { return nil }
        return reason
    }

    @Test func aPushedMessagesIDNamesTheFanToAnswer() {
        #expect(Self.message == "dm:oFan1:24000000000000001")
        #expect(WeChatConnector.fan(of: Self.message) == "oFan1")
        for other in ["24000000000000001", "dm::1", "dm:oFan1:", "comment:1:2", "dm:a:b:c"] {
            #expect(WeChatConnector.fan(of: other) == nil, "\(other)")
        }
    }

    @Test func aCustomerServiceMessageGoesToTheFanAsText() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            #expect(wechat.capabilities.canReply && wechat.capabilities.interactionKinds == [.directMessage])
            // act
            let remote = try await wechat.reply(to: Self.message, text: "您好，已为您查询：明天发货。", idempotencyKey: "r1")
            // check
            #expect(remote.isEmpty, "WeChat gives customer-service messages no id")
            let call = try #require(server.requests.last)
            #expect(call.method == "POST" && call.path == "/cgi-bin/message/custom/send" && call.query["access_token"] == "ACCESS_TOKEN_1")
            #expect(call.json?["touser"] as? String == "oFan1" && call.json?["msgtype"] as? String == "text")
            #expect((call.json?["text"] as? [String: Any])?["content"] as? String == "您好，已为您查询：明天发货。")
            #expect(fake.state.withLock { $0.messages.map(\.touser) } == ["oFan1"])
        }
    }

    @Test func aMessageStoredWithoutTheFanIsRefusedWithoutACall() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let before = server.requests.count
            await #expect {
                _ = try await wechat.reply(to: "24000000000000001", text: "hi", idempotencyKey: "r")
            } throws: { error in
                reason(error)?.contains("WeChat backend") == true
            }
            #expect(server.requests.count == before)
        }
    }

    @Test func customerServiceErrcodesBecomeWhatToDo() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            func refused(_ code: Int, _ message: String, saying words: String) async {
                fake.force(WeChatFake.error(code, message))
                do {
                    _ = try await wechat.reply(to: Self.message, text: "在吗", idempotencyKey: "e\(code)")
                    Issue.record("\(code) was taken as sent")
                } catch {
                    let said = reason(error) ?? "\(error)"
                    #expect(said.contains(words) && said.contains("\(code)"), "\(code): \(said)")
                }
            }
            await refused(45015, "response out of time limit or subscription is canceled", saying: "48 hours")
            await refused(45047, "out of response count limit", saying: "5 customer-service messages")
            await refused(40003, "invalid openid", saying: "OpenID")
            await refused(43004, "require subscribe", saying: "no longer follows")
            await refused(43019, "require remove blacklist", saying: "blacklist")
            await refused(45002, "content size out of limit", saying: "too long")
            await refused(48001, "api unauthorized", saying: "verified")

            fake.force(WeChatFake.error(45009, "reach max api daily quota limit"))
            await #expect(throws: ConnectorError.rateLimited(retryAfter: 14 * 3_600), "the daily quota resets at midnight Beijing time") {
                try await wechat.reply(to: Self.message, text: "在吗", idempotencyKey: "q")
            }
            fake.force(WeChatFake.error(-1, "system error"))
            await #expect {
                _ = try await wechat.reply(to: Self.message, text: "在吗", idempotencyKey: "busy")
            } throws: { error in
                guard case .temporary = error as? ConnectorError else { return false }
                return true
            }
            // A server error or an unreadable answer after the message went out: it may have reached the fan.
            for answer in [StubResponse.text("Bad Gateway", status: 502), .text("<html>ok</html>")] {
                fake.force(answer)
                await #expect {
                    _ = try await wechat.reply(to: Self.message, text: "在吗", idempotencyKey: "u")
                } throws: { error in
                    guard case .outcomeUnknown(let reason) = error as? ConnectorError else { return false }
                    return reason.contains("may have reached the fan")
                }
            }
            #expect(fake.state.withLock { $0.messages.isEmpty }, "nothing was delivered by the stub")
        }
    }

    @Test func aTokenWeChatNoLongerTakesIsRenewedOnceAndTheMessageSent() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            // WeChat says the token expired (42001): a stable token is fetched and the message sent with it.
            fake.force(WeChatFake.error(42001, "access_token expired"))
            _ = try await wechat.reply(to: Self.message, text: "第一条", idempotencyKey: "t1")
            let calls = server.requests.suffix(3).map(\.path)
            #expect(calls == ["/cgi-bin/message/custom/send", "/cgi-bin/stable_token", "/cgi-bin/message/custom/send"])
            #expect(server.requests.last?.query["access_token"] == "ACCESS_TOKEN_2")
            #expect(fake.state.withLock { $0.messages.map(\.content) } == ["第一条"], "sent once")

            // Refused again with the renewed token: the account must be reconnected; no third try.
            let before = server.requests.count
            fake.force(
                WeChatFake.error(40001, "invalid credential"), .json(["access_token": "ACCESS_TOKEN_9", "expires_in": 7200]),
                WeChatFake.error(40001, "invalid credential"))
            await #expect(throws: ConnectorError.expiredCredentials) {
                try await wechat.reply(to: Self.message, text: "第二条", idempotencyKey: "t2")
            }
            #expect(server.requests.count == before + 3)

            // Without the AppSecret nothing can renew the token.
            let connection = try await WeChatKind().connect(fields: fields(server), transport: StubTransport(), now: Self.now)
            var credentials = connection.credentials
            credentials.secrets[WeChatKind.Key.appSecret] = nil
            credentials.accessToken = "ACCESS_TOKEN_OLD"
            let noSecret = WeChatConnector(
                appID: WeChatFake.appID, readOriginalURL: nil, coverMediaID: nil, credentials: credentials, apiBase: server.baseURL,
                transport: StubTransport(), clock: { Self.now })
            await #expect(throws: ConnectorError.expiredCredentials) {
                try await noSecret.reply(to: Self.message, text: "第三条", idempotencyKey: "t3")
            }
            #expect(fake.state.withLock { $0.messages.count } == 1)
        }
    }

    @Test func aTemplateMessageCarriesItsFieldsAndTheReplysIDAsClientMsgID() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let message = TemplateMessage(
                templateID: "TPL_SHIPPED_0000000000000000000000000000001", url: "https://brand.example/orders/42",
                fields: [.init(key: "thing1", value: "春季新品"), .init(key: "character_string2", value: "SF1234567")])
            // act
            let id = try await wechat.sendTemplate(message, replyingTo: Self.message, idempotencyKey: "0193f-reply")
            // check
            #expect(id.hasPrefix("2002283"))
            let call = try #require(server.requests.last)
            #expect(call.path == "/cgi-bin/message/template/send" && call.json?["touser"] as? String == "oFan1")
            #expect(call.json?["template_id"] as? String == message.templateID && call.json?["client_msg_id"] as? String == "0193f-reply")
            let sent = try #require(fake.state.withLock { $0.templates.first })
            #expect(sent.data == ["thing1": "春季新品", "character_string2": "SF1234567"] && sent.url == "https://brand.example/orders/42")

            // Errcodes: an unknown template, a field WeChat refuses (named), a fan who turned them off.
            var unknown = message
            unknown.templateID = "TPL_NOT_CHOSEN"
            await #expect {
                _ = try await wechat.sendTemplate(unknown, replyingTo: Self.message, idempotencyKey: "k2")
            } throws: { error in
                reason(error)?.contains("template ID") == true
            }
            fake.force(WeChatFake.error(47003, "argument invalid! data.thing1.value invalid rid: 65004ee5"))
            await #expect {
                _ = try await wechat.sendTemplate(message, replyingTo: Self.message, idempotencyKey: "k3")
            } throws: { error in
                reason(error)?.contains("field thing1") == true
            }
            fake.force(WeChatFake.error(43101, "user refuse to accept the msg"))
            await #expect {
                _ = try await wechat.sendTemplate(message, replyingTo: Self.message, idempotencyKey: "k4")
            } throws: { error in
                reason(error)?.contains("turned off") == true
            }
            #expect(fake.state.withLock { $0.templates.count } == 1)
        }
    }
}
