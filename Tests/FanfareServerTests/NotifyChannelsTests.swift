import FanfareConnectors
import FanfareCore
import FanfareTestStubs
import Fluent
import Foundation
import Synchronization
import Testing
import Vapor

@testable import FanfareServer

/// Outbound channels (issue 20, scope 3): saved with their routes and
/// sealed secrets, routed by kind, grade and monitor, delivered once per
/// story through the job queue to a loopback stub, retried, given up,
/// tested — and never pointed at an address the guard refuses.
@Suite struct NotifyChannelsTests {
    static let dingSecret = "SECding-very-secret-1234"
    static let feishuSecret = "feishu-secret-5678"

    /// A channel on the loopback stub, written past the form (whose
    /// addresses are https and official): the delivery path is what is tested.
    static func channel(
        _ t: TestApp, _ ws: Workspace, kind: NotifyChannelKind, address: String, secret: String?, kinds: [String], minGrade: AlertGrade? = nil,
        monitors: [UUID] = [], enabled: Bool = true, locale: String = "zh-Hans"
    ) async throws -> NotifyChannelRecord {
        let row = NotifyChannelRecord()
        row.id = UUID()
        row.$workspace.id = ws.id!
        row.kind = kind.rawValue
        row.name = kind.rawValue
        row.addressHint = "stub"
        row.sealed = try ChannelService(db: t.db, app: t.app).seal(.init(address: address, secret: secret), for: row)
        row.enabled = enabled
        row.eventKinds = kinds.joined(separator: " ")
        row.minGrade = minGrade?.rawValue
        row.monitorIDs = monitors.map(\.uuidString).joined(separator: " ")
        row.locale = locale
        row.createdAt = Date()
        row.updatedAt = Date()
        try await row.create(on: t.db)
        return row
    }

    static func alert(_ ws: Workspace, grade: AlertGrade, monitor: UUID?, dedupe: String) -> OutboundEvent {
        OutboundEvent(
            kind: .alert, workspaceID: ws.id!, grade: grade, monitorID: monitor, key: "notify.test_message", args: ["星巴克"], link: "/alerts/1",
            dedupeKey: dedupe)
    }

    static func drain(_ t: TestApp) async throws {
        let worker = JobWorker(app: t.app)
        while try await worker.runBatch() > 0 {}
    }

    static func deliveries(_ t: TestApp, _ channel: NotifyChannelRecord) async throws -> [NotifyDelivery] {
        try await NotifyDelivery.query(on: t.db).filter(\.$channel.$id == channel.id!).sort(\.$id).all()
    }

    @Test(arguments: TestDatabase.available)
    func channelsAreSavedWithTheirRoutesAndTheirSecretsAreNeverShown(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/notify-channels"
            let made = try await t.api(
                .POST, base, token: token,
                json: [
                    "kind": "dingtalk_robot", "name": "值班群", "address": "https://oapi.dingtalk.com/robot/send?access_token=tok-abcdef123456",
                    "secret": Self.dingSecret, "event_kinds": ["alert", "incident"], "min_grade": "orange",
                ])
            #expect(made.status == .created, "\(made.body)")
            #expect(made.json["secret_set"] as? Bool == true && made.json["min_grade"] as? String == "orange")
            #expect(made.json["address_hint"] as? String == "https://oapi.dingtalk.com/robot/send?access_token=…3456")
            #expect(!made.body.contains(Self.dingSecret) && !made.body.contains("tok-abcdef123456"))
            let id = try #require(made.json["id"] as? String)

            // Bad input names each field.
            let bad = try await t.api(.POST, base, token: token, json: ["kind": "sms", "name": ""])
            #expect(bad.status == .unprocessableEntity && Set(bad.problemFields) == ["kind", "name"], "\(bad.body)")
            let badRoute = try await t.api(
                .POST, base, token: token,
                json: [
                    "kind": "feishu_bot", "name": "x", "address": "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "event_kinds": ["bogus"],
                    "min_grade": "purple", "monitor_ids": ["not-a-uuid"], "locale": "fr",
                ])
            #expect(Set(badRoute.problemFields) == ["secret", "event_kinds", "min_grade", "monitor_ids", "locale"], "\(badRoute.body)")
            let notOfficial = try await t.api(
                .POST, base, token: token, json: ["kind": "wecom_robot", "name": "x", "address": "https://evil.example/cgi-bin/webhook/send?key=1"])
            #expect(notOfficial.problemFields == ["address"])
            // Addresses the guard refuses: a private block, loopback, a name
            // that does not resolve to anything allowed. Never contacted.
            for address in ["https://10.0.0.1/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://hooks.internal.example/x"] {
                let refused = try await t.api(.POST, base, token: token, json: ["kind": "webhook", "name": "x", "address": address])
                #expect(refused.status == .unprocessableEntity && refused.problemFields == ["address"], "\(address): \(refused.body)")
            }

            // A webhook without a secret gets one, shown this once.
            let hook = try await t.api(
                .POST, base, token: token, json: ["kind": "webhook", "name": "SIEM", "address": "https://93.184.216.34/hook", "enabled": false])
            #expect(hook.status == .created, "\(hook.body)")
            let generated = try #require(hook.json["generated_secret"] as? String)
            #expect(generated.hasPrefix("whsec_"))
            let list = try await t.api(.GET, base, token: token)
            #expect(list.items.count == 2 && !list.body.contains(generated) && !list.body.contains(Self.dingSecret))
            #expect(!list.body.contains("tok-abcdef123456"))

            // A change keeps what is left empty; the kind does not change.
            let changed = try await t.api(.PATCH, base + "/\(id)", token: token, json: ["name": "值班群 2", "secret": ""])
            #expect(changed.status == .ok && changed.json["name"] as? String == "值班群 2" && changed.json["min_grade"] as? String == "orange")
            let row = try #require(try await NotifyChannelRecord.find(UUID(uuidString: id), on: t.db))
            let sealed = try ChannelService(db: t.db, app: t.app).open(row)
            #expect(sealed.secret == Self.dingSecret && sealed.address.hasSuffix("tok-abcdef123456"))
            #expect(try await t.api(.PATCH, base + "/\(id)", token: token, json: ["kind": "webhook"]).problemFields == ["kind"])

            // The pages show neither.
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/settings/channels/\(id)")
            #expect(page.status == .ok && page.body.contains("id=\"channel-form\"") && page.body.contains("id=\"test-channel\""))
            #expect(!page.body.contains(Self.dingSecret) && !page.body.contains("tok-abcdef123456"))
            let listPage = try await browser.get("/w/\(ws.slug)/settings/channels")
            #expect(listPage.status == .ok && listPage.body.contains("id=\"channel-list\"") && !listPage.body.contains(Self.dingSecret))
            // The form refuses with the field named.
            let refusedForm = try await browser.post(
                "/w/\(ws.slug)/settings/channels", [("kind", "webhook"), ("name", "x"), ("address", "https://10.0.0.1/"), ("event_kinds", "alert")])
            #expect(refusedForm.status == .unprocessableEntity && refusedForm.body.contains("id=\"address-error\""))

            // Members below admin may not manage channels.
            let editor = try await t.makeUser("editor@example.com")
            _ = try await t.addMember(editor, to: ws, as: .editor)
            #expect(try await t.api(.GET, base, token: try await t.makeToken(editor)).status == .forbidden)

            #expect(try await t.api(.DELETE, base + "/\(id)", token: token).status == .noContent)
            #expect(try await t.api(.GET, base + "/\(id)", token: token).status == .notFound)
            let actions = try await AuditEvent.query(on: t.db).filter(\.$workspaceID == ws.id!).all().map(\.action)
            #expect(Set(actions).isSuperset(of: ["notify_channel.created", "notify_channel.changed", "notify_channel.deleted"]))
            let audit = try await AuditEvent.query(on: t.db).filter(\.$workspaceID == ws.id!).all()
            #expect(!audit.contains { "\($0.before)\($0.after)".contains(Self.dingSecret) })
        }
    }

    @Test func addressDecisionsArePure() async {
        let policy = OutboundAddressPolicy(allowing: [])
        let offline = OfflineResolver()
        for refused in [
            "https://10.0.0.1/x", "https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/x", "https://localhost/x", "https://a.example/x",
        ] {
            #expect(!(await ChannelService.reachable(URL(string: refused)!, policy: policy, resolver: offline)), "\(refused)")
        }
        #expect(await ChannelService.reachable(URL(string: "https://93.184.216.34/x")!, policy: policy, resolver: offline))
        let loopback = OutboundAddressPolicy(allowing: OutboundGuardTests.loopbackAllowed)
        #expect(await ChannelService.reachable(URL(string: "http://127.0.0.1:8080/x")!, policy: loopback, resolver: offline))
    }

    /// A receiver beside the server (the listening benchmark's, a team's
    /// own relay) may take plain http only when the operator allowed its
    /// address by name; a public address never may.
    @Test func plainHTTPOnlyToAnAddressTheOperatorAllowed() async throws {
        try await withTestApp(.sqlite, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/notify-channels"
            let local = try await t.api(
                .POST, base, token: token, json: ["kind": "webhook", "name": "本机接收", "address": "http://127.0.0.1:9/hook", "event_kinds": ["alert"]])
            #expect(local.status == .created, "\(local.body)")
            let internet = try await t.api(
                .POST, base, token: token, json: ["kind": "webhook", "name": "公网", "address": "http://93.184.216.34/hook", "event_kinds": ["alert"]])
            #expect(internet.status == .unprocessableEntity && internet.body.contains("address"), "\(internet.body)")
        }
        try await withTestApp(.sqlite) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let refused = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/notify-channels", token: token,
                json: ["kind": "webhook", "name": "本机接收", "address": "http://127.0.0.1:9/hook", "event_kinds": ["alert"]])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("address"), "\(refused.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func noticesAreRoutedByKindGradeAndMonitorAndDeliveredSignedOncePerStory(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
            try await withLoopbackStub({ _ in (.ok, "{\"errcode\":0,\"errmsg\":\"ok\",\"code\":0}") }) { stub in
                let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
                let m1 = UUID()
                let ding = try await Self.channel(
                    t, ws, kind: .dingtalkRobot, address: stub.baseURL + "/robot/send?access_token=tok", secret: Self.dingSecret, kinds: ["alert"],
                    minGrade: .orange)
                let feishu = try await Self.channel(
                    t, ws, kind: .feishuBot, address: stub.baseURL + "/feishu", secret: Self.feishuSecret, kinds: ["alert"], monitors: [m1])
                let webhookSecret = StandardWebhooks.generateSecret()
                let hook = try await Self.channel(
                    t, ws, kind: .webhook, address: stub.baseURL + "/hook", secret: webhookSecret, kinds: ["alert", "publish_failed"], locale: "en")
                let off = try await Self.channel(
                    t, ws, kind: .wecomRobot, address: stub.baseURL + "/wecom", secret: nil, kinds: ["alert"], enabled: false)
                let (_, _, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
                let elsewhere = try await Self.channel(t, other, kind: .webhook, address: stub.baseURL + "/other", secret: nil, kinds: ["alert"])

                // act
                try await Notifier.announce(Self.alert(ws, grade: .red, monitor: m1, dedupe: "story-1"), to: [], on: t.db)
                try await Notifier.announce(Self.alert(ws, grade: .yellow, monitor: UUID(), dedupe: "story-2"), to: [], on: t.db)
                // The same story again, and a third one twice at once.
                try await Notifier.announce(Self.alert(ws, grade: .red, monitor: m1, dedupe: "story-1"), to: [], on: t.db)
                async let a: Void = Notifier.announce(Self.alert(ws, grade: .red, monitor: m1, dedupe: "story-3"), to: [], on: t.db)
                async let b: Void = Notifier.announce(Self.alert(ws, grade: .red, monitor: m1, dedupe: "story-3"), to: [], on: t.db)
                _ = try await (a, b)
                try await Self.drain(t)

                // check: routes
                #expect(try await Self.deliveries(t, ding).map(\.dedupeKey) == ["story-1", "story-3"])
                #expect(try await Self.deliveries(t, feishu).map(\.dedupeKey) == ["story-1", "story-3"])
                #expect(try await Self.deliveries(t, hook).map(\.dedupeKey) == ["story-1", "story-2", "story-3"])
                #expect(try await Self.deliveries(t, off).isEmpty)
                #expect(try await Self.deliveries(t, elsewhere).isEmpty)
                let all = try await NotifyDelivery.query(on: t.db).all()
                #expect(all.allSatisfy { $0.state == "sent" && $0.attempts == 1 && $0.httpStatus == 200 && $0.sentAt != nil })
                #expect(stub.hits.count == 7 && !stub.hits.contains { $0.path == "/wecom" || $0.path == "/other" })

                // check: signatures
                let dingHit = try #require(stub.hits.first { $0.path == "/robot/send" })
                let query = URLComponents(string: "http://x/?" + dingHit.query)?.queryItems ?? []
                let stamp = try #require(query.first { $0.name == "timestamp" }?.value)
                #expect(query.first { $0.name == "sign" }?.value == NotifyChannel.dingTalkSign(timestamp: stamp, secret: Self.dingSecret))
                #expect(dingHit.body.contains("【红色】舆情预警") && dingHit.body.contains("星巴克"))
                let feishuHit = try #require(stub.hits.first { $0.path == "/feishu" })
                let feishuBody = try #require(try JSONSerialization.jsonObject(with: Data(feishuHit.body.utf8)) as? [String: Any])
                let feishuStamp = try #require(feishuBody["timestamp"] as? String)
                #expect(feishuBody["sign"] as? String == NotifyChannel.feishuSign(timestamp: feishuStamp, secret: Self.feishuSecret))
                let hookHit = try #require(stub.hits.first { $0.path == "/hook" })
                let key = try #require(StandardWebhooks.key(fromSecret: webhookSecret))
                #expect(StandardWebhooks.verify(headers: hookHit.headers, body: Data(hookHit.body.utf8), key: key, now: Date()))
                // English for that channel; no link without a public address.
                let hookBodies = stub.hits.filter { $0.path == "/hook" }.map(\.body)
                #expect(hookBodies.contains { $0.contains("Red · Alert") } && !hookBodies.contains { $0.contains("\"link\"") })
                #expect(!stub.hits.contains { $0.body.contains(Self.dingSecret) || $0.body.contains(Self.feishuSecret) })

                // The log through the API, newest first and paged.
                let log = try await t.api(
                    .GET, "/api/v1/workspaces/\(ws.slug)/notify-channels/\(hook.id!.uuidString)/deliveries?limit=2", token: token)
                #expect(log.items.map { $0["dedupe_key"] as? String } == ["story-3", "story-2"] && log.json["next_cursor"] is String)
                #expect(!log.body.contains(webhookSecret))
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFailedDeliveryIsRetriedThenSentOrGivenUpAfterTheLastAttempt(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
            let flaky = Mutex(0)
            try await withLoopbackStub({ hit in
                switch hit.path {
                case "/flaky":
                    flaky.withLock {
                        $0 += 1; return $0 == 1 ? (.internalServerError, "{}") : (.ok, "{}")
                    }
                case "/refuses": (.forbidden, "{}")
                default: (.badGateway, "{}")
                }
            }) { stub in
                let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
                let flakyChannel = try await Self.channel(t, ws, kind: .webhook, address: stub.baseURL + "/flaky", secret: nil, kinds: ["anomaly"])
                let down = try await Self.channel(t, ws, kind: .webhook, address: stub.baseURL + "/down", secret: nil, kinds: ["anomaly"])
                let refuses = try await Self.channel(t, ws, kind: .webhook, address: stub.baseURL + "/refuses", secret: nil, kinds: ["anomaly"])
                let event = OutboundEvent(
                    kind: .anomaly, workspaceID: ws.id!, key: "notify.test_message", args: ["x"], link: "/analytics", dedupeKey: "n1")
                try await Notifier.announce(event, to: [], on: t.db)

                // The job's first run: the flaky and the down one wait 30 s; a refusal is given up.
                try await Self.drain(t)
                let first = try await Self.deliveries(t, flakyChannel)[0]
                #expect(first.state == "failed" && first.attempts == 1 && first.httpStatus == 500 && first.errorCode == "unreachable")
                #expect(try await Self.deliveries(t, refuses)[0].state == "gave_up")
                #expect(try await Self.deliveries(t, refuses)[0].errorCode == "refused")
                let waiting = try await Job.query(on: t.db).filter(\.$kind == "notify.deliver").filter(\.$state == "queued").all()
                #expect(waiting.count == 2 && waiting.allSatisfy { $0.runAt > Date().addingTimeInterval(20) })

                // The next attempts, as the worker would make them when due.
                #expect(try await ChannelDelivery.attempt(first.id!, app: t.app) == .sent)
                let downID = try await Self.deliveries(t, down)[0].id!
                var waits: [TimeInterval] = []
                while case .retry(let after, _) = try await ChannelDelivery.attempt(downID, app: t.app) { waits.append(after) }
                #expect(waits == [120, 600, 3_600])
                let gaveUp = try await Self.deliveries(t, down)[0]
                #expect(gaveUp.state == "gave_up" && gaveUp.attempts == 5 && gaveUp.httpStatus == 502)
                #expect(try await ChannelDelivery.attempt(downID, app: t.app) == .nothing, "a given-up delivery is not sent again")
                #expect(try await Self.deliveries(t, flakyChannel)[0].state == "sent")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func theTestButtonSendsNowAndAtMostOnceIn10Seconds(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
            try await withLoopbackStub({ _ in (.ok, "{}") }) { stub in
                let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
                let hook = try await Self.channel(t, ws, kind: .webhook, address: stub.baseURL + "/hook", secret: nil, kinds: ["alert"])
                let path = "/api/v1/workspaces/\(ws.slug)/notify-channels/\(hook.id!.uuidString)/test"
                let sent = try await t.api(.POST, path, token: token)
                #expect(sent.status == .ok && sent.json["state"] as? String == "sent" && sent.json["http_status"] as? Int == 200, "\(sent.body)")
                #expect(stub.hits.count == 1 && stub.hits[0].body.contains("channel.test"))
                // Within 10 s of the last test (set, not waited for: no timing in tests).
                try await NotifyChannelRecord.query(on: t.db).set(\.$lastTestedAt, to: Date().addingTimeInterval(3_600)).update()
                #expect(try await t.api(.POST, path, token: token).status == .tooManyRequests)
                #expect(stub.hits.count == 1)
                // The window, at given moments: 5 s after a test is refused, 10 s after is not.
                let row = try #require(try await NotifyChannelRecord.find(hook.id, on: t.db))
                let later = Date().addingTimeInterval(7_200)
                #expect(try await ChannelDelivery.test(row, app: t.app, actor: .system, now: later) != nil)
                #expect(try await ChannelDelivery.test(row, app: t.app, actor: .system, now: later.addingTimeInterval(5)) == nil)
                #expect(try await ChannelDelivery.test(row, app: t.app, actor: .system, now: later.addingTimeInterval(10)) != nil)
                #expect(stub.hits.count == 3)
                // From the page: the result is said at the top of the channel's page.
                try await NotifyChannelRecord.query(on: t.db).set(\.$lastTestedAt, to: nil).update()
                let browser = Browser(t)
                #expect(try await browser.signIn("lead@example.com").status == .seeOther)
                let page = try await browser.get("/w/\(ws.slug)/settings/channels/\(hook.id!.uuidString)")
                #expect(page.status == .ok)
                let tested = try await browser.post("/w/\(ws.slug)/settings/channels/\(hook.id!.uuidString)/test", [])
                #expect(tested.status == .seeOther)
                let after = try await browser.get("/w/\(ws.slug)/settings/channels/\(hook.id!.uuidString)")
                #expect(after.body.contains("Test sent: the receiver answered 200.") && after.body.contains("id=\"delivery-log\""))
                #expect(stub.hits.count == 4)
                let actions = try await AuditEvent.query(on: t.db).filter(\.$workspaceID == ws.id!).all().map(\.action)
                #expect(actions.filter { $0 == "notify_channel.tested" }.count == 4)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func emailChannelsSendThroughTheWorkspacesMailServer(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
            let stub = try await SMTPStub.start(.acceptingAll)
            defer { Task { await stub.shutdown() } }
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            #expect(try await t.api(.GET, api + "/notify-smtp", token: token).status == .notFound)
            let bad = try await t.api(
                .PUT, api + "/notify-smtp", token: token, json: ["host": "10.0.0.1", "security": "starttls", "from_address": "nobody"])
            #expect(Set(bad.problemFields) == ["host", "from_address"], "\(bad.body)")
            let notLoopback = try await t.api(
                .PUT, api + "/notify-smtp", token: token, json: ["host": "93.184.216.34", "security": "plain", "from_address": "a@b.example"])
            #expect(notLoopback.problemFields == ["host"], "plain only to a loopback relay")
            #expect(try await t.api(.PUT, api + "/notify-smtp", token: token, json: ["security": "ssl"]).problemFields.contains("security"))
            let saved = try await t.api(
                .PUT, api + "/notify-smtp", token: token,
                json: [
                    "host": "127.0.0.1", "port": stub.port, "security": "plain", "username": "robot", "password": "mail-pa55",
                    "from_address": "alerts@brand.example",
                ])
            #expect(saved.status == .ok && saved.json["password_set"] as? Bool == true && !saved.body.contains("mail-pa55"), "\(saved.body)")

            let badRecipients = try await t.api(
                .POST, api + "/notify-channels", token: token, json: ["kind": "email", "name": "Ops", "address": "ops@brand.example, not an address"])
            #expect(badRecipients.problemFields == ["address"])
            let made = try await t.api(
                .POST, api + "/notify-channels", token: token,
                json: ["kind": "email", "name": "Ops", "address": "ops@brand.example, pr@brand.example", "event_kinds": ["anomaly"]])
            #expect(made.status == .created && made.json["secret_set"] as? Bool == false, "\(made.body)")

            let event = OutboundEvent(
                kind: .anomaly, workspaceID: ws.id!, key: "notify.test_message", args: ["Ops"], link: "/analytics", dedupeKey: "mail-1")
            try await Notifier.announce(event, to: [], on: t.db)
            try await Self.drain(t)
            #expect(stub.commands.contains("RCPT TO:<ops@brand.example>") && stub.commands.contains("RCPT TO:<pr@brand.example>"))
            #expect(stub.commands.contains("AUTH PLAIN \(Data("\0robot\0mail-pa55".utf8).base64EncodedString())"))
            let message = try #require(stub.messages.first)
            #expect(message.contains("Subject: =?UTF-8?B?\(Data("数据异常".utf8).base64EncodedString())?="))
            let delivery = try #require(try await NotifyDelivery.query(on: t.db).first())
            #expect(delivery.state == "sent" && delivery.attempts == 1 && delivery.httpStatus == nil)

            // A workspace without a mail server: the delivery is given up, said so.
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let otherChannel = try await t.api(
                .POST, "/api/v1/workspaces/\(other.slug)/notify-channels", token: otherToken,
                json: ["kind": "email", "name": "Ops", "address": "ops@other.example"])
            #expect(otherChannel.status == .created)
            var otherEvent = event
            otherEvent.workspaceID = other.id!
            try await Notifier.announce(otherEvent, to: [], on: t.db)
            try await Self.drain(t)
            let unsent = try #require(try await NotifyDelivery.query(on: t.db).filter(\.$workspace.$id == other.id!).first())
            #expect(unsent.state == "gave_up" && unsent.errorCode == "smtp_not_set")
            #expect(stub.messages.count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theNightsAnomaliesReachTheChannelsOnceAndThePeopleAsBefore(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let hook = try await Self.channel(t, ws, kind: .webhook, address: "https://93.184.216.34/hook", secret: nil, kinds: ["anomaly"])
            let other = try await Self.channel(t, ws, kind: .webhook, address: "https://93.184.216.34/other", secret: nil, kinds: ["alert"])
            let anomaly = AnalyticsAnomaly()
            anomaly.id = UUID()
            anomaly.$workspace.id = ws.id!
            anomaly.series = "followers"
            anomaly.scopeID = ws.id!
            anomaly.day = "2026-12-01"
            (anomaly.value, anomaly.expected, anomaly.low, anomaly.high, anomaly.score) = (10, 100, 80, 120, 5)
            anomaly.detectedAt = Date()
            let found = [AnomalyDTO(anomaly)]
            try await NightlyAnomalyPass.notify(found, workspaceID: ws.id!, on: t.db, now: Date())
            try await NightlyAnomalyPass.notify(found, workspaceID: ws.id!, on: t.db, now: Date())
            let deliveries = try await Self.deliveries(t, hook)
            #expect(deliveries.count == 1 && deliveries[0].eventKind == "anomaly" && deliveries[0].state == "queued")
            #expect(try await Self.deliveries(t, other).isEmpty)
            // In the app, as before: the readers, with the same key (nothing was sent: no job ran).
            let notes = try await UserNotification.query(on: t.db).filter(\.$user.$id == admin.id!).all()
            #expect(notes.count == 2 && notes.allSatisfy { $0.text.contains("anomalies.note_one") })
        }
    }

    @Test func theMessageIsInTheChannelsLanguageWithALinkOnlyFromThePublicAddress() {
        let event = ChannelDelivery.StoredEvent(
            kind: "alert", grade: .red, monitorID: nil, key: "notify.test_message", args: ["A"], link: "/alerts/9")
        let none = ChannelDelivery.render(event, locale: .zhHans, workspaceSlug: "brand", publicURL: nil)
        #expect(none.title == "【红色】舆情预警" && none.link == nil && none.lines == ["这是一条测试通知：渠道“A”工作正常。"])
        let linked = ChannelDelivery.render(event, locale: .en, workspaceSlug: "brand", publicURL: URL(string: "https://fanfare.example.com/"))
        #expect(linked.title == "Red · Alert" && linked.link?.absoluteString == "https://fanfare.example.com/w/brand/alerts/9")
        #expect(linked.facts["grade"] == "red" && linked.facts["kind"] == "alert")
    }

    @Test func theListPageSaysWhatEachChannelTakesInBothLanguages() {
        let channel = ChannelsPage.Found.Channel(
            id: UUID(), kind: "dingtalk_robot", name: "值班群", addressHint: "https://oapi.dingtalk.com/robot/send?access_token=…3456", secretSet: true,
            enabled: true, eventKinds: ["alert", "incident"], minGrade: "orange", monitorIDs: [], locale: "zh-Hans")
        let zh = ChannelsPage.model(ChannelsPage.Found(channels: [channel]), base: "/w/brand", locale: .zhHans)
        #expect(zh.rows.first?.route == "舆情预警、危机事件 · 橙色及以上" && zh.rows.first?.kind == "钉钉机器人")
        let en = ChannelsPage.model(ChannelsPage.Found(channels: [channel]), base: "/w/brand", locale: .en)
        #expect(en.rows.first?.route == "Alert, Incident · from Orange" && !en.empty)
        let empty = ChannelsPage.model(ChannelsPage.Found(), base: "/w/brand", locale: .en)
        #expect(empty.empty && empty.form.eventKinds == Set(ChannelService.eventKinds) && empty.form.locale == "zh-Hans")
    }
}
