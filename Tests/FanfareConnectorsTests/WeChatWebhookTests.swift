import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@Suite struct WeChatWebhookTests {
    static let now = Date(timeIntervalSince1970: 1_795_399_200)
    static let token = "pamtest"
    static let aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    static let appID = "wx1234567890abcdef"
    /// sha1("1320562132" + "1795399200" + "pamtest"), computed outside Swift.
    static let plainSignature = "cbf396970dee305b73786ba7e7ba4fc13aa53148"
    static let message =
        "<xml><ToUserName><![CDATA[gh_brand]]></ToUserName><FromUserName><![CDATA[oFan1]]></FromUserName><CreateTime>1795399200</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[请问几号发货？]]></Content><MsgId>24000000000000001</MsgId></xml>"

    func connector(secrets: [String: String] = ["serverToken": token, "encodingAESKey": aesKey]) -> WeChatConnector {
        WeChatConnector(
            appID: Self.appID, readOriginalURL: nil, coverMediaID: nil, credentials: ConnectorCredentials(accessToken: "t", secrets: secrets),
            transport: StubTransport(), clock: { Self.now })
    }

    func plainCall(signature: String = plainSignature, timestamp: String = "1795399200", echostr: String? = nil) -> WebhookCall {
        var query = ["signature": signature, "timestamp": timestamp, "nonce": "1320562132"]
        if let echostr { query["echostr"] = echostr }
        return WebhookCall(headers: ["content-type": "text/xml"], query: query, body: echostr == nil ? Data(Self.message.utf8) : Data())
    }

    @Test func plainModeChecksTheSortedSHA1() throws {
        let wechat = connector()
        #expect(wechat.verifyWebhook(plainCall(), now: Self.now))
        #expect(wechat.verifyWebhook(plainCall(echostr: "6487297346342153829"), now: Self.now), "the URL check (GET with echostr)")
        #expect(wechat.verifyWebhook(plainCall(signature: Self.plainSignature.uppercased()), now: Self.now))
        #expect(!wechat.verifyWebhook(plainCall(signature: String(Self.plainSignature.dropLast()) + "0"), now: Self.now))
        #expect(!wechat.verifyWebhook(plainCall(signature: ""), now: Self.now))
        #expect(!connector(secrets: [:]).verifyWebhook(plainCall(), now: Self.now), "no server token, no trust")
        #expect(try wechat.openPush(plainCall()) == Self.message)
    }

    @Test func aPushedTextMessageBecomesADirectMessageAndEventsNothing() throws {
        let wechat = connector()
        let messages = try wechat.interactions(inPush: plainCall())
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.kind == .directMessage && message.remoteID == "dm:oFan1:24000000000000001" && message.authorID == "oFan1")
        #expect(message.text == "请问几号发货？" && message.at == Self.now)
        #expect(wechat.pushID(of: plainCall()) == "1795399200:1320562132")
        // Safe mode: the same message, decrypted first.
        #expect(try wechat.interactions(inPush: try safeCall()).first?.text == "请问几号发货？")
        let event = WebhookCall(
            headers: [:], query: plainCall().query,
            body: Data(
                "<xml><FromUserName><![CDATA[oFan1]]></FromUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>"
                    .utf8))
        #expect(try wechat.interactions(inPush: event).isEmpty)
    }

    @Test func aStaleOrFutureTimestampIsRefused() {
        let wechat = connector()
        #expect(wechat.verifyWebhook(plainCall(), now: Self.now.addingTimeInterval(299)))
        #expect(!wechat.verifyWebhook(plainCall(), now: Self.now.addingTimeInterval(301)), "older than five minutes")
        #expect(!wechat.verifyWebhook(plainCall(), now: Self.now.addingTimeInterval(-301)), "from the future")
        #expect(!wechat.verifyWebhook(plainCall(timestamp: "yesterday"), now: Self.now))
    }

    func safeCall(tamper: Bool = false, signature: String? = nil) throws -> WebhookCall {
        let encrypted = try WeChatMessageCrypto(encodingAESKey: Self.aesKey, appID: Self.appID).encrypt(Self.message)
        let msgSignature =
            signature ?? WeChatMessageCrypto.signature(token: Self.token, timestamp: "1795399200", nonce: "1320562132", encrypted: encrypted)
        let sent = tamper ? String(encrypted.dropLast(4)) + "AAA=" : encrypted
        let body = "<xml><ToUserName><![CDATA[gh_brand]]></ToUserName><Encrypt><![CDATA[\(sent)]]></Encrypt></xml>"
        return WebhookCall(
            headers: [:],
            query: [
                "signature": Self.plainSignature, "timestamp": "1795399200", "nonce": "1320562132", "openid": "oFan1", "encrypt_type": "aes",
                "msg_signature": msgSignature,
            ], body: Data(body.utf8))
    }

    @Test func safeModeChecksTheMessageSignatureAndDecrypts() throws {
        let wechat = connector()
        let call = try safeCall()
        #expect(wechat.verifyWebhook(call, now: Self.now))
        #expect(try wechat.openPush(call) == Self.message)
        #expect(!wechat.verifyWebhook(try safeCall(tamper: true), now: Self.now), "the signature covers the ciphertext")
        #expect(!wechat.verifyWebhook(try safeCall(signature: Self.plainSignature), now: Self.now), "safe mode needs msg_signature, not signature")
        #expect(!wechat.verifyWebhook(try safeCall(), now: Self.now.addingTimeInterval(600)))
        #expect(throws: ConnectorError.self) { try connector(secrets: ["serverToken": Self.token]).openPush(call) }
        let other = WeChatConnector(
            appID: "wx0000000000000000", readOriginalURL: nil, coverMediaID: nil,
            credentials: ConnectorCredentials(accessToken: "t", secrets: ["serverToken": Self.token, "encodingAESKey": Self.aesKey]),
            transport: StubTransport(), clock: { Self.now })
        #expect(throws: ConnectorError.self) { try other.openPush(call) }
    }

    @Test func aJSONSafeModeBodyIsReadToo() throws {
        let encrypted = try WeChatMessageCrypto(encodingAESKey: Self.aesKey, appID: Self.appID).encrypt("{\"MsgType\":\"event\"}")
        let signature = WeChatMessageCrypto.signature(token: Self.token, timestamp: "1795399200", nonce: "n", encrypted: encrypted)
        let body = try JSONSerialization.data(withJSONObject: ["ToUserName": "gh_brand", "Encrypt": encrypted])
        let call = WebhookCall(headers: [:], query: ["timestamp": "1795399200", "nonce": "n", "msg_signature": signature], body: body)
        #expect(connector().verifyWebhook(call, now: Self.now))
        #expect(try connector().openPush(call) == "{\"MsgType\":\"event\"}")
    }
}
