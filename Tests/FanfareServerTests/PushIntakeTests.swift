import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Synchronization
import Testing
import Vapor

@testable import FanfareServer

@Suite struct PushIntakeTests {
    static let secret = "whsec_" + Data((0..<24).map { UInt8($0 * 7 % 256) }).base64EncodedString()

    struct Hook {
        let t: TestApp
        let path: String
        let workspace: String
        let token: String

        func push(_ body: String, id: String = UUID().uuidString, at: Date = Date(), secret: String = PushIntakeTests.secret) async throws -> Reply {
            let stamp = Int(at.timeIntervalSince1970)
            let signature = StandardWebhooks.signature(
                id: id, timestamp: stamp, body: Data(body.utf8), key: StandardWebhooks.key(fromSecret: secret)!)
            return try await t.api(
                .POST, path, token: nil, rawBody: body,
                headers: [("webhook-id", id), ("webhook-timestamp", String(stamp)), ("webhook-signature", signature)])
        }

        static func make(_ t: TestApp) async throws -> Hook {
            let (_, token, ws) = try await t.makeWorkspaceAdmin("hooks@example.com", workspace: "Hooks")
            let account = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token,
                json: ["platform": "webhook", "fields": ["url": "https://example.com/receiver", "signing_secret": PushIntakeTests.secret]])
            let id = try #require(account.json["id"] as? String, "\(account.body)")
            return Hook(t: t, path: "/hooks/\(id)", workspace: ws.slug, token: token)
        }
    }

    static func body(_ items: [(id: String, text: String)]) -> String {
        let list = items.map { item in
            ["id": item.id, "kind": "comment", "author_id": "fan-\(item.id)", "author_name": "小雨", "text": item.text, "post_id": "p1"]
        }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: ["interactions": list])) ?? Data(), as: UTF8.self)
    }

    @Test(arguments: TestDatabase.available)
    func aSignedPushIsStoredAnalysedAndAcknowledgedOnlyOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let hook = try await Hook.make(t)
            let first = try await hook.push(Self.body([("m1", "发货太慢了，等了一周还没到"), ("m2", "加微信领福利")]), id: "push-1")
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.json["received"] as? Int == 2 && first.json["stored"] as? Int == 2)
            let listed = try await t.api(.GET, "/api/v1/workspaces/\(hook.workspace)/messages", token: hook.token)
            let slow = try #require(listed.items.first { $0["remote_id"] as? String == "m1" })
            #expect((slow["analysis"] as? [String: Any])?["sentiment"] as? String == "neg")
            #expect(
                listed.items.first { $0["remote_id"] as? String == "m2" }.flatMap {
                    ($0["moderation"] as? [String: Any])?["recommendation"] as? String
                } != "none")

            // The same push again (a replay): refused, nothing stored twice.
            let replay = try await hook.push(Self.body([("m1", "发货太慢了，等了一周还没到")]), id: "push-1")
            #expect(replay.status == .conflict)
            // A new push repeating a message id (a platform's retry): accepted, stored once.
            let retry = try await hook.push(Self.body([("m1", "发货太慢了，等了一周还没到")]), id: "push-2")
            #expect(retry.status == .ok && retry.json["stored"] as? Int == 0)
            #expect(try await IncomingMessage.query(on: t.db).count() == 2)
        }
    }

    /// The generic webhook takes no replies from Fanfare: a rule that would
    /// answer automatically still tags the conversation, and queues nothing
    /// that could only fail.
    @Test(arguments: TestDatabase.available)
    func aRuleQueuesNoAutomaticReplyWhereThePlatformTakesNone(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let hook = try await Hook.make(t)
            let inbox = "/api/v1/workspaces/\(hook.workspace)/inbox"
            let template = try await t.api(
                .POST, inbox + "/templates", token: hook.token, json: ["name": "补货", "category": "faq.features", "body": "{fan_name} 你好，每周一补货。"])
            let templateID = try #require(template.json["id"] as? String, "\(template.body)")
            let rule = try await t.api(
                .POST, inbox + "/rules", token: hook.token,
                json: ["name": "补货", "conditions": ["keywords": ["补货"]], "actions": ["reply_template_id": templateID, "tags": ["restock"]]])
            #expect(rule.status == .created, "\(rule.body)")
            let pushed = try await hook.push(Self.body([("q1", "请问什么时候补货？")]))
            #expect(pushed.status == .ok, "\(pushed.body)")
            let conversation = try #require(try await Conversation.query(on: t.db).first())
            #expect(conversation.tags == ["restock"] && conversation.status == "open" && conversation.firstResponseAt == nil)
            #expect(try await InboxReply.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func forgedStaleOrMalformedPushesAreRefusedAndStoreNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let hook = try await Hook.make(t)
            let body = Self.body([("m1", "hello")])
            let forged = try await hook.push(body, secret: "whsec_" + Data(repeating: 9, count: 24).base64EncodedString())
            #expect(forged.status == .unauthorized)
            let stale = try await hook.push(body, at: Date().addingTimeInterval(-6 * 60))
            #expect(stale.status == .unauthorized, "a timestamp more than 5 minutes old")
            let malformed = try await hook.push("{\"interactions\":[{\"id\":\"x\",\"kind\":\"like\",\"author_id\":\"a\",\"text\":\"t\"}]}")
            #expect(malformed.status == .unprocessableEntity, "\(malformed.body)")
            let unknown = try await t.api(.POST, "/hooks/\(UUID().uuidString)", token: nil, rawBody: body)
            #expect(unknown.status == .notFound)
            // Platforms read problems, not pages.
            for reply in [forged, stale, malformed, unknown] {
                #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true, "\(reply.status)")
            }
            let handshake = try await t.api(.GET, "/hooks/\(UUID().uuidString)?echostr=1", token: nil)
            #expect(handshake.status == .notFound && handshake.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(try await IncomingMessage.query(on: t.db).count() == 0)
        }
    }

    /// Issue 16: a signed push sent as `text/plain`, or with no content
    /// type, was taken. Each platform's pushes must come as that platform
    /// sends them (415 otherwise, naming `Content-Type` and what is
    /// accepted), and a body that does not decode is described by its
    /// field, not by Swift's `DecodingError`.
    @Test(arguments: TestDatabase.available)
    func pushesMustComeWithTheirPlatformsContentType(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let hook = try await Hook.make(t)
            func push(_ body: String, contentType: String, id: String) async throws -> Reply {
                let stamp = Int(Date().timeIntervalSince1970)
                let signature = StandardWebhooks.signature(
                    id: id, timestamp: stamp, body: Data(body.utf8), key: StandardWebhooks.key(fromSecret: Self.secret)!)
                return try await t.api(
                    .POST, hook.path, token: nil, rawBody: body,
                    headers: [
                        ("webhook-id", id), ("webhook-timestamp", String(stamp)), ("webhook-signature", signature), ("Content-Type", contentType),
                    ])
            }
            let body = Self.body([("ct1", "你好")])
            for (contentType, id) in [
                ("text/plain", "p-plain"), ("", "p-none"), ("text/xml", "p-xml"), ("application/x-www-form-urlencoded", "p-form"),
            ] {
                let refused = try await push(body, contentType: contentType, id: id)
                #expect(refused.status == .unsupportedMediaType, "\(contentType): \(refused.status)")
                #expect(refused.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                #expect(refused.problemFields == ["Content-Type"])
                #expect(refused.body.contains("application/json"))
            }
            #expect(try await IncomingMessage.query(on: t.db).count() == 0)
            let accepted = try await push(body, contentType: "application/json; charset=utf-8", id: "p-json")
            #expect(accepted.status == .ok, "\(accepted.body)")

            let broken = try await push(#"{"interactions":[{"id":"x","kind":"comment","text":"t"}]}"#, contentType: "application/json", id: "p-bad")
            #expect(broken.status == .unprocessableEntity)
            let detail = try #require(broken.json["detail"] as? String)
            #expect(detail.contains("interactions[0].author_id is missing"), "\(detail)")
            for leak in ["DecodingError", "rejected(", "keyNotFound", "CodingKeys", "Swift."] {
                #expect(!detail.contains(leak), "\(detail)")
            }
        }
    }

    @Test func eachPlatformNamesTheContentTypesOfItsPushes() {
        #expect(ConnectorRegistry.pushIntake(platform: "wechat")?.mediaTypes == ["text/xml", "application/xml", "application/json"])
        #expect(ConnectorRegistry.pushIntake(platform: "douyin")?.mediaTypes == ["application/json"])
        #expect(ConnectorRegistry.pushIntake(platform: "webhook")?.mediaTypes == ["application/json"])
        #expect(ConnectorRegistry.pushIntake(platform: "mastodon") == nil)
    }

    /// The answer follows the kind's declared acknowledgement, not a branch
    /// on the platform's name: WeChat's word, everyone else's receipt.
    @Test func aStoredPushIsAnsweredTheWayItsPlatformAsks() async throws {
        let app = try await Application.make(.testing)
        let req = Request(application: app, on: app.eventLoopGroup.next())
        let receipt = PushRoutes.PushReceipt(received: 2, stored: 1)
        var answers: [String: Response] = [:]
        do {
            for platform in ["wechat", "webhook", "douyin", "sandbox"] {
                answers[platform] = try await PushRoutes.acknowledge(
                    receipt, as: ConnectorRegistry.pushIntake(platform: platform)?.acknowledgement, for: req)
            }
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        #expect(answers["wechat"]?.body.string == "success" && answers["wechat"]?.headers.contentType?.subType == "plain")
        for platform in ["webhook", "douyin", "sandbox"] {
            let body = Data((answers[platform]?.body.string ?? "").utf8)
            #expect((try? JSONSerialization.jsonObject(with: body)) as? [String: Int] == ["received": 2, "stored": 1], "\(platform)")
        }
    }

    /// A burst: every push that is answered 200 is stored, once.
    @Test(arguments: TestDatabase.available)
    func aBurstOfPushesIsStoredWhole(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let hook = try await Hook.make(t)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 0..<60 {
                    group.addTask { try await hook.push(Self.body([("burst-\(n)", "第\(n)条评论，太好看了")]), id: "burst-push-\(n)").status }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
            #expect(try await IncomingMessage.query(on: t.db).count() == 60)
        }
    }

    /// Four fans write in one conversation each, in 240 pushes of three
    /// messages arriving over a quarter of a second. Groups are written side by side on PostgreSQL:
    /// none may fail on a deadlock, and no fan's count may lose an
    /// increment to the group beside it.
    @Test(arguments: TestDatabase.available)
    func groupsWrittenSideBySideCountEveryMessageOfTheFansTheyShare(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let hook = try await Hook.make(t)
            let fans = ["fan-a", "fan-b", "fan-c", "fan-d"]
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 0..<240 {
                    // Each push carries three fans' messages in a rotating order.
                    let list = (0..<3).map { k in
                        let fan = fans[(n + k * (n % 2 == 0 ? 1 : 3)) % fans.count]
                        return ["id": "shared-\(n)-\(k)", "kind": "direct_message", "author_id": fan, "author_name": fan, "text": "第\(n)条"]
                    }
                    let body = String(decoding: try JSONSerialization.data(withJSONObject: ["interactions": list]), as: UTF8.self)
                    group.addTask {
                        // Spread over 240 ms, so that groups form one after another and overlap.
                        try await Task.sleep(for: .milliseconds(n))
                        return try await hook.push(body, id: "shared-push-\(n)").status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses.filter { $0 != .ok })")
            let messages = try await IncomingMessage.query(on: t.db).all()
            #expect(messages.count == 720)
            for fan in try await Fan.query(on: t.db).all() {
                let written = messages.filter { $0.authorID == fan.displayName }.count
                #expect(fan.interactions30d == written, "\(fan.displayName): counted \(fan.interactions30d) of \(written)")
            }
            #expect(try await Conversation.query(on: t.db).count() == 4, "one open conversation per fan")
        }
    }

    /// SQLite: while the writer is held, a push waits at the gate as the
    /// urgent writer; background work queues; a second push arrives. When
    /// the writer is free both pushes are stored before the background
    /// work, which has not waited the gate's patience. With one flusher the
    /// second push found no push writer waiting and went after it.
    @Test func pushesArrivingWhileTheWriterIsHeldGoBeforeBackgroundWorkQueuedAmongThem() async throws {
        try await withTestApp(.sqlite) { t in
            let hook = try await Hook.make(t)
            let gate = try #require((t.db.context.configuration as? GatedSQLiteConfiguration)?.gate)
            // However slow the machine, the background writer must not have waited out its patience.
            gate.patience = .seconds(600)
            func until(_ urgent: Int, _ others: Int, _ what: String) async throws {
                let deadline = ContinuousClock.now + .seconds(10)
                while gate.waiting != (urgent, others) {
                    guard ContinuousClock.now < deadline else {
                        Issue.record("\(what): waiting \(gate.waiting), expected (\(urgent), \(others))")
                        return
                    }
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            await gate.enter()
            async let first = hook.push(Self.body([("held-1", "第一条评论")]), id: "held-push-1")
            try await until(1, 0, "the first push waits at the gate")
            async let background = t.db.writeTransaction { tx in
                try await IncomingMessage.query(on: tx).count()
            }
            try await until(1, 1, "the background writer queues")
            async let second = hook.push(Self.body([("held-2", "第二条评论")]), id: "held-push-2")
            try await until(2, 1, "the second push waits at the gate too")
            gate.leave()
            let (one, two, seen) = try await (first, second, background)
            #expect(one.status == .ok && two.status == .ok, "\(one.body) \(two.body)")
            #expect(seen == 2, "the background writer went before a push that was waiting")
        }
    }

    /// A writer that cannot even begin (the database cannot be opened)
    /// answers its pushes with the error, so each is answered 5xx and
    /// retried by its platform, instead of retrying them itself without end.
    @Test func pushesAreFailedWhenTheirTransactionCannotBegin() async throws {
        let app = try await Application.make(.testing)
        app.databases.use(.sqlite(.file("/nonexistent-\(UUID().uuidString)/fanfare.sqlite")), as: .sqlite)
        let metrics = FanfareMetrics()
        let writer = PushWriter(database: { app.db }, metrics: .init(factory: metrics.factory))
        let account = SocialAccount()
        account.id = UUID()
        let push = PushWriter.Push(account: account, nonce: "n-1", messages: [], canReply: true)
        // Unstructured: a writer that never answers must fail the test, not hold it.
        final class Once: Sendable { let answered = Mutex(false) }
        let once = Once()
        let outcome = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            @Sendable func answer(_ outcome: String) {
                let first = once.answered.withLock { answered in
                    defer { answered = true }
                    return !answered
                }
                if first { done.resume(returning: outcome) }
            }
            Task {
                do {
                    _ = try await writer.write(push)
                    answer("stored")
                } catch {
                    answer("failed")
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(30))
                answer("no answer")
            }
        }
        #expect(outcome == "failed")
        // Waited for only when the writer gave up: one that retries without end never idles.
        if outcome == "failed" { await writer.idle() }
        // The writer counts its own work at /metrics.
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains(#"fanfare_push_groups_total{outcome="failed"} 1"#))
        try await app.asyncShutdown()
    }
}
