import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// Douyin's pushes: `X-Douyin-Signature = hex(sha1(client_secret + body))`.
/// The expected signatures were computed with Python's hashlib, not with
/// the code under test.
@Suite struct DouyinWebhookTests {
    static let secret = "douyin-client-secret-0123456789"
    static let verify = #"{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}"#
    static let verifySignature = "a07f5f202bf3539e375347a6217c2259a77f21f9"
    static let message =
        #"{"event":"im_receive_msg","client_key":"abc","from_user_id":"fan-open-id-1","to_user_id":"brand-open-id","log_id":"1","content":{"conversation_short_id":"c1","server_message_id":"m1","conversation_type":1,"message_type":"text","text":"请问门店几点开门？","create_time":1800000000000,"user_infos":[{"open_id":"fan-open-id-1","nick_name":"抖音小鹿","avatar":""}]}}"#
    static let messageSignature = "57529785dfdc9eb0274577788b4ac0c47491635a"
    /// The message's create_time.
    static let sent = Date(timeIntervalSince1970: 1_800_000_000)

    struct NoNetwork: HTTPTransport {
        func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
            throw .temporary(reason: "no network in this test")
        }
    }

    static func connector(openID: String? = "brand-open-id") async throws -> any Connector {
        var fields = ["profileURL": "https://www.douyin.com/user/MS4wLjABAAAAbrand", "handle": "品牌号"]
        if let openID {
            fields["client_secret"] = secret
            fields["open_id"] = openID
        }
        let connection = try await DouyinKind().connect(fields: fields, transport: NoNetwork(), now: sent)
        return DouyinKind().connector(for: connection, transport: NoNetwork(), clock: { sent })
    }

    static func call(_ body: String, signature: String, msgID: String = "msg-1") -> WebhookCall {
        WebhookCall(headers: ["x-douyin-signature": signature, "Msg-Id": msgID], body: Data(body.utf8))
    }

    @Test func aSignedDirectMessageIsReadWithTheFansNickname() async throws {
        let connector = try await Self.connector()
        #expect(connector.capabilities.receivesWebhooks && !connector.capabilities.unattendedPublishing && !connector.capabilities.canReply)
        let call = Self.call(Self.message, signature: Self.messageSignature)
        #expect(connector.verifyWebhook(call, now: Self.sent.addingTimeInterval(2)))
        #expect(connector.pushID(of: call) == "msg-1", "the header is found whatever its case")
        #expect(connector.handshakeAnswer(toPush: call) == nil)
        let messages = try connector.interactions(inPush: call)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.remoteID == "m1" && message.kind == .directMessage && message.authorID == "fan-open-id-1")
        #expect(message.authorName == "抖音小鹿" && message.text == "请问门店几点开门？" && message.at == Self.sent)
    }

    @Test func forgedStaleOrMisaddressedPushesAreRefused() async throws {
        let connector = try await Self.connector()
        let now = Self.sent.addingTimeInterval(2)
        #expect(!connector.verifyWebhook(Self.call(Self.message, signature: String(repeating: "0", count: 40)), now: now))
        #expect(!connector.verifyWebhook(WebhookCall(headers: [:], body: Data(Self.message.utf8)), now: now), "no signature")
        let tampered = Self.message.replacingOccurrences(of: "几点", with: "何时")
        #expect(!connector.verifyWebhook(Self.call(tampered, signature: Self.messageSignature), now: now))
        #expect(!connector.verifyWebhook(Self.call(Self.message, signature: Self.messageSignature), now: Self.sent.addingTimeInterval(301)))
        let other = try await Self.connector(openID: "another-brand")
        #expect(!other.verifyWebhook(Self.call(Self.message, signature: Self.messageSignature), now: now), "a push for another account")
        let publishingOnly = try await Self.connector(openID: nil)
        #expect(!publishingOnly.capabilities.receivesWebhooks)
        #expect(!publishingOnly.verifyWebhook(Self.call(Self.message, signature: Self.messageSignature), now: now))
    }

    @Test func theAddressCheckIsAnsweredWithItsChallenge() async throws {
        let connector = try await Self.connector()
        let call = Self.call(Self.verify, signature: Self.verifySignature)
        #expect(connector.verifyWebhook(call, now: Date()))
        #expect(connector.handshakeAnswer(toPush: call) == PushHandshake(contentType: "application/json", body: #"{"challenge":12345}"#))
    }

    @Test func onlyFansTextMessagesBecomeInteractions() async throws {
        let connector = try await Self.connector()
        for (event, type) in [("im_send_msg", "text"), ("im_receive_msg", "image"), ("im_enter_direct_msg", "text")] {
            let body = Self.message.replacingOccurrences(of: "im_receive_msg", with: event).replacingOccurrences(
                of: #""message_type":"text""#, with: #""message_type":"\#(type)""#)
            #expect(try connector.interactions(inPush: Self.call(body, signature: "")).isEmpty, "\(event) \(type)")
        }
        #expect(throws: ConnectorError.self) { try connector.interactions(inPush: Self.call("[1]", signature: "")) }
    }

    @Test func theSecretAndOpenIDGoTogetherAndAreChecked() async throws {
        let profile = ["profileURL": "https://www.douyin.com/user/MS4wLjABAAAAbrand"]
        for (extra, word) in [
            (["client_secret": Self.secret], "give it too"), (["open_id": "brand"], "give one of them"),
            (["access_token": "tok", "open_id": "brand", "refresh_token": "r"], "Client key"),
            (["client_secret": "short", "open_id": "brand"], "16 to 128"),
        ] {
            do {
                _ = try await DouyinKind().connect(fields: profile.merging(extra) { $1 }, transport: NoNetwork(), now: Date())
                Issue.record("accepted \(extra)")
            } catch {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                #expect(reason.contains(word), "\(reason)")
            }
        }
        let stored = try await DouyinKind().connect(
            fields: profile.merging(["client_secret": Self.secret, "open_id": "brand"]) { $1 }, transport: NoNetwork(), now: Date())
        #expect(stored.credentials.secrets["client_secret"] == Self.secret && stored.settings["open_id"] == "brand")
        #expect(stored.settings["profileURL"] != nil, "the hand-off profile is kept for publishing")
    }
}
