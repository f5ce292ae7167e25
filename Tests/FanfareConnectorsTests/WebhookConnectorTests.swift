import Crypto
import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization
import Testing

@Suite struct WebhookConnectorTests {
    let now = Date(timeIntervalSince1970: 1_772_700_000)
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    func connection(_ server: StubServer, secret: String = secret) -> AccountConnection {
        AccountConnection(
            handle: "127.0.0.1", settings: ["url": server.baseURL.appendingPathComponent("hooks/fanfare").absoluteString],
            credentials: ConnectorCredentials(accessToken: "", secrets: ["signing_secret": secret]))
    }

    func connector(_ server: StubServer, transport: StubTransport = StubTransport()) -> any Connector {
        let now = self.now
        return WebhookKind().connector(for: connection(server), transport: transport, clock: { now })
    }

    /// The vector published with the Standard Webhooks reference libraries.
    @Test func signaturesMatchTheSpecificationsTestVector() throws {
        let key = try #require(StandardWebhooks.key(fromSecret: Self.secret))
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = StandardWebhooks.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, key: key)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(StandardWebhooks.key(fromSecret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") != nil, "the prefix is optional")
        #expect(StandardWebhooks.key(fromSecret: "whsec_not base64!") == nil)
    }

    @Test func verificationAcceptsRotatedSignaturesAndRefusesOldOrTamperedOnes() throws {
        let key = try #require(StandardWebhooks.key(fromSecret: Self.secret))
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let sent = Date(timeIntervalSince1970: 1_614_265_330)
        let valid = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        let wrong = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
        func headers(_ signature: String, id: String = "msg_p5jXN8AQM9LWM0D4loKWxJek") -> [String: String] {
            ["Webhook-Id": id, "Webhook-Timestamp": "1614265330", "Webhook-Signature": signature]
        }
        #expect(StandardWebhooks.verify(headers: headers(valid), body: body, key: key, now: sent))
        #expect(StandardWebhooks.verify(headers: headers("\(wrong) v2,\(valid.dropFirst(3)) \(valid)"), body: body, key: key, now: sent))
        #expect(!StandardWebhooks.verify(headers: headers("\(wrong) v2,\(valid.dropFirst(3))"), body: body, key: key, now: sent))
        #expect(!StandardWebhooks.verify(headers: headers(valid), body: body + Data(" ".utf8), key: key, now: sent))
        #expect(!StandardWebhooks.verify(headers: headers(valid, id: "msg_other"), body: body, key: key, now: sent))
        #expect(StandardWebhooks.verify(headers: headers(valid), body: body, key: key, now: sent.addingTimeInterval(299)))
        #expect(!StandardWebhooks.verify(headers: headers(valid), body: body, key: key, now: sent.addingTimeInterval(301)))
        #expect(!StandardWebhooks.verify(headers: headers(valid), body: body, key: key, now: sent.addingTimeInterval(-301)))
        var missing = headers(valid)
        missing["Webhook-Id"] = nil
        #expect(!StandardWebhooks.verify(headers: missing, body: body, key: key, now: sent))
        let otherKey = try #require(StandardWebhooks.key(fromSecret: StandardWebhooks.generateSecret()))
        #expect(!StandardWebhooks.verify(headers: headers(valid), body: body, key: otherKey, now: sent))
    }

    @Test func connectingMakesASecretWhenNoneIsGivenAndChecksTheFields() async throws {
        let kind = WebhookKind()
        let made = try await kind.connect(
            fields: ["url": "https://example.com/hooks/fanfare", "signing_secret": ""], transport: StubTransport(), now: now)
        let secret = try #require(made.credentials.secrets["signing_secret"])
        #expect(secret.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 24)
        #expect(made.settings == ["url": "https://example.com/hooks/fanfare"] && made.handle == "example.com")
        let again = try await kind.connect(fields: ["url": "https://example.com/h"], transport: StubTransport(), now: now)
        #expect(again.credentials.secrets["signing_secret"] != secret, "each account its own secret")
        let kept = try await kind.connect(
            fields: ["url": "https://example.com/h", "signing_secret": Self.secret], transport: StubTransport(), now: now)
        #expect(kept.credentials.secrets["signing_secret"] == Self.secret)

        let cases: [([String: String], String)] = [
            (["url": ""], "endpoint address"), (["url": "example.com/hook"], "endpoint address"), (["url": "mailto:a@b.c"], "endpoint address"),
            (["url": "https://example.com/h", "signing_secret": "whsec_???"], "signing secret"),
            (["url": "https://example.com/h", "signing_secret": "whsec_c2hvcnQ="], "signing secret"),
        ]
        for (fields, field) in cases {
            do {
                _ = try await kind.connect(fields: fields, transport: StubTransport(), now: now)
                Issue.record("connected with \(fields)")
            } catch {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                #expect(reason.contains(field), "\(reason)")
            }
        }
        #expect(kind.connectionFields.map(\.key) == ["url", "signing_secret"])
        #expect(kind.connectionFields[1].secret && !kind.connectionFields[1].required)
    }

    @Test func publishingPostsASignedMessageTheReceiverCanVerify() async throws {
        try await StubServer.run({ request in
            request.json?["data"] != nil ? .json(["id": "rcv-42", "url": "https://example.com/posts/42"], status: 201) : .text("bad", status: 400)
        }) { server in
            let webhook = connector(server)
            let variant = Variant(title: "Spring", text: "春季新品 🌸", tags: ["new"], media: [MediaAttachment(kind: .image, bytes: 2_048)])
            let post = try await webhook.publish(PublishRequest(idempotencyKey: "variant-1/account-1", variant: variant))
            #expect(post == PublishedPost(remoteID: "rcv-42", url: "https://example.com/posts/42", publishedAt: now))

            let received = try #require(server.requests.first)
            #expect(received.method == "POST" && received.path == "/hooks/fanfare")
            #expect(received.headers["content-type"] == "application/json")
            let id = try #require(received.headers["webhook-id"])
            #expect(id == WebhookConnector.messageID(forIdempotencyKey: "variant-1/account-1") && id.hasPrefix("msg_"))
            #expect(received.headers["webhook-timestamp"] == "1772700000")
            let key = try #require(StandardWebhooks.key(fromSecret: Self.secret))
            let expected = StandardWebhooks.signature(id: id, timestamp: 1_772_700_000, body: received.body, key: key)
            #expect(received.headers["webhook-signature"] == expected)
            #expect(webhook.verifyWebhook(WebhookCall(headers: received.headers, body: received.body), now: now.addingTimeInterval(60)))

            let json = try #require(received.json)
            #expect(json["id"] as? String == id && json["type"] as? String == "post.published")
            #expect(json["timestamp"] as? String == "2026-03-05T08:40:00Z")
            let data = try #require(json["data"] as? [String: Any])
            #expect(data["text"] as? String == "春季新品 🌸" && data["title"] as? String == "Spring")
            #expect(data["tags"] as? [String] == ["new"] && data["idempotency_key"] as? String == "variant-1/account-1")
            #expect((data["media"] as? [[String: Any]])?.first?["kind"] as? String == "image")
        }
    }

    @Test func theMessageIDIsStablePerKeySoReceiversDropRepeats() async throws {
        let deliveries = Mutex<[String: Int]>([:])
        try await StubServer.run({ request in
            let id = request.headers["webhook-id"] ?? ""
            deliveries.withLock { $0[id, default: 0] += 1 }
            return StubResponse(status: 204)
        }) { server in
            let webhook = connector(server)
            let request = PublishRequest(idempotencyKey: "k-1", variant: Variant(text: "no title"))
            let first = try await webhook.publish(request)
            let second = try await webhook.publish(request)
            _ = try await webhook.publish(PublishRequest(idempotencyKey: "k-2", variant: Variant(text: "other")))
            #expect(first == second && first.remoteID == WebhookConnector.messageID(forIdempotencyKey: "k-1") && first.url.isEmpty)
            #expect(deliveries.withLock { $0 } == [first.remoteID: 2, WebhookConnector.messageID(forIdempotencyKey: "k-2"): 1])
            let data = try #require(server.requests.first?.json?["data"] as? [String: Any])
            #expect(data["title"] is NSNull, "an absent title is written as null")
        }
    }

    @Test func receiverFailuresBecomeActionableErrors() async throws {
        let answers = Mutex<[StubResponse]>([
            .text("boom", status: 500), .text("wrong signature", status: 401),
            StubResponse(status: 429, headers: ["Retry-After": "120"]), .text("gone", status: 410), .text("unknown field", status: 400),
        ])
        try await StubServer.run({ _ in answers.withLock { $0.isEmpty ? StubResponse(status: 200) : $0.removeFirst() } }) { server in
            let webhook = connector(server)
            let request = PublishRequest(idempotencyKey: "e", variant: Variant(text: "x"))
            var errors: [ConnectorError] = []
            for _ in 0..<5 {
                do {
                    _ = try await webhook.publish(request)
                    Issue.record("a refused message counted as published")
                } catch let error as ConnectorError {
                    errors.append(error)
                }
            }
            guard errors.count == 5 else { return }
            guard case .temporary = errors[0] else { Issue.record("\(errors[0])"); return }
            guard case .rejected(let signature) = errors[1] else { Issue.record("\(errors[1])"); return }
            #expect(signature.contains("signing secret") && signature.contains("wrong signature"))
            #expect(errors[2] == .rateLimited(retryAfter: 120))
            guard case .rejected(let gone) = errors[3], case .rejected(let refused) = errors[4] else { Issue.record("\(errors)"); return }
            #expect(gone.contains("endpoint address") && refused.contains("unknown field"))
        }
    }

    @Test func noAnswerIsAnUnknownOutcomeAndSendingAgainIsSafe() async throws {
        let calls = Mutex(0)
        try await StubServer.run({ _ in
            if calls.withLock({ count in
                count += 1
                return count == 1
            }) {
                try? await Task.sleep(for: .seconds(30))
            }
            return StubResponse(status: 200)
        }) { server in
            let webhook = connector(server, transport: .hanging(on: ""))
            let request = PublishRequest(idempotencyKey: "slow", variant: Variant(text: "x"))
            do {
                _ = try await webhook.publish(request)
                Issue.record("a request without answer succeeded")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            #expect(try await webhook.findPost(idempotencyKey: "slow") == nil)
            let retried = try await webhook.publish(request)
            #expect(server.requests.map { $0.headers["webhook-id"] } == [retried.remoteID, retried.remoteID])
        }
    }

    @Test func webhooksDoNotReadOrReply() async throws {
        try await StubServer.run({ _ in StubResponse(status: 200) }) { server in
            let webhook = connector(server)
            #expect(!webhook.capabilities.canReply && !webhook.capabilities.postMetrics && webhook.capabilities.interactionKinds.isEmpty)
            #expect(webhook.capabilities.unattendedPublishing)
            func notSupported(_ call: () async throws -> Void) async -> Bool {
                do {
                    try await call()
                    return false
                } catch {
                    if case .notSupported? = error as? ConnectorError { return true }
                    return false
                }
            }
            #expect(await notSupported { _ = try await webhook.interactions(since: nil, limit: 10) })
            #expect(await notSupported { _ = try await webhook.reply(to: "x", text: "y", idempotencyKey: "z") })
            #expect(await notSupported { _ = try await webhook.metrics(of: "x") })
            #expect(await notSupported { _ = try await webhook.accountStats() })
            #expect(await notSupported { try await webhook.delete(remoteID: "x") })
            #expect(server.requests.isEmpty)
        }
    }
}
