import Foundation
import Testing
import Vapor

@testable import FanfareConnectors
@testable import FanfareServer

/// A Douyin account connected with its app's client secret receives fans'
/// direct messages by push, end to end.
@Suite struct DouyinPushTests {
    static let secret = "douyin-client-secret-0123456789"

    static func signed(_ body: String) -> [(String, String)] {
        [("X-Douyin-Signature", HexSignature.sha1(Data(secret.utf8) + Data(body.utf8))), ("Msg-Id", "msg-\(body.hashValue)")]
    }

    static func message(id: String, text: String, at: Date) throws -> String {
        let content: [String: Any] = [
            "server_message_id": id, "conversation_short_id": "c1", "conversation_type": 1, "message_type": "text", "text": text,
            "create_time": Int(at.timeIntervalSince1970 * 1_000), "user_infos": [["open_id": "fan-1", "nick_name": "抖音小鹿", "avatar": ""]],
        ]
        let event: [String: Any] = [
            "event": "im_receive_msg", "client_key": "abc", "from_user_id": "fan-1", "to_user_id": "brand", "content": content,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test(arguments: TestDatabase.available)
    func directMessagesArriveSignedOnceAndTheAddressCheckIsAnswered(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("douyin@example.com", workspace: "Douyin")
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token,
                json: [
                    "platform": "douyin",
                    "fields": [
                        "profileURL": "https://www.douyin.com/user/MS4wLjABAAAAbrand", "handle": "品牌号", "client_secret": Self.secret,
                        "open_id": "brand",
                    ],
                ])
            #expect(made.status == .created, "\(made.body)")
            let path = "/hooks/\(try #require(made.json["id"] as? String))"

            let check = #"{"event":"verify_webhook","client_key":"abc","content":{"challenge":67890}}"#
            let answered = try await t.api(.POST, path, token: nil, rawBody: check, headers: Self.signed(check))
            #expect(answered.status == .ok && answered.body == #"{"challenge":67890}"#, "\(answered.body)")
            let unsigned = try await t.api(
                .POST, path, token: nil, rawBody: check, headers: [("X-Douyin-Signature", String(repeating: "0", count: 40))])
            #expect(unsigned.status == .unauthorized, "an unsigned address check is refused")
            // Douyin posts JSON; a signed event as text/plain is refused (issue 16).
            let plain = try await t.api(.POST, path, token: nil, rawBody: check, headers: Self.signed(check) + [("Content-Type", "text/plain")])
            #expect(plain.status == .unsupportedMediaType && plain.problemFields == ["Content-Type"], "\(plain.body)")

            let body = try Self.message(id: "dm-1", text: "请问门店几点开门？", at: Date())
            let stored = try await t.api(.POST, path, token: nil, rawBody: body, headers: Self.signed(body))
            #expect(stored.status == .ok && stored.json["stored"] as? Int == 1, "\(stored.body)")
            let replay = try await t.api(.POST, path, token: nil, rawBody: body, headers: Self.signed(body))
            #expect(replay.status == .conflict, "the same Msg-Id again is a replay")
            let stale = try Self.message(id: "dm-2", text: "旧消息", at: Date().addingTimeInterval(-600))
            #expect(try await t.api(.POST, path, token: nil, rawBody: stale, headers: Self.signed(stale)).status == .unauthorized)

            let listed = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/messages", token: token)
            #expect(listed.items.count == 1)
            let message = try #require(listed.items.first)
            #expect(message["remote_id"] as? String == "dm-1" && message["author_name"] as? String == "抖音小鹿", "\(message)")
            #expect((message["analysis"] as? [String: Any])?["intent"] as? String == "question")
        }
    }
}
