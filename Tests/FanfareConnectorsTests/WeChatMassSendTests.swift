import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// Tag mass-send (标签群发) for experiments randomised by audience: the
/// group's fans tagged 50 a call, the draft sent to the tag once per
/// idempotency key, its reach read from `getarticletotal` the next day.
@Suite struct WeChatMassSendTests {
    static let now = WeChatConnectorTests.now
    static let day: TimeInterval = 86_400

    /// `count` fans the fake knows as followers of the account.
    func fans(_ count: Int, in fake: WeChatFake, prefix: String = "oArmA_") -> [String] {
        let ids = (1...count).map { "\(prefix)\(String(format: "%03d", $0))" }
        fake.state.withLock { $0.fans.formUnion(ids) }
        return ids
    }

    func connect(_ server: StubServer, transport: StubTransport = StubTransport()) async throws -> WeChatConnector {
        try await WeChatConnectorTests().connect(server, transport: transport)
    }

    func post(_ key: String) -> PublishRequest {
        PublishRequest(idempotencyKey: key, variant: WeChatConnectorTests().article())
    }

    func reason(of call: () async throws -> AudienceSend) async -> ConnectorError? {
        do {
            let sent = try await call()
            Issue.record("the send went through: \(sent)")
            return nil
        } catch let error as ConnectorError {
            return error
        } catch {
            Issue.record("\(error)")
            return nil
        }
    }

    @Test func theGroupIsTaggedFiftyACallAndTheDraftSentToTheTagOnly() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            #expect(wechat.maxAudience == 100_000)
            let audience = fans(120, in: fake)
            let sent = try await wechat.send(post("experiment-7/arm-A"), toFans: audience, group: "fanfare-exp7-A")

            let calls = server.requests.dropFirst().map(\.path)
            #expect(
                calls == [
                    "/cgi-bin/tags/create", "/cgi-bin/tags/members/batchtagging", "/cgi-bin/tags/members/batchtagging",
                    "/cgi-bin/tags/members/batchtagging", "/cgi-bin/draft/add", "/cgi-bin/message/mass/sendall",
                ])
            let create = try #require(server.requests.first { $0.path == "/cgi-bin/tags/create" })
            #expect((create.json?["tag"] as? [String: Any])?["name"] as? String == "fanfare-exp7-A")
            let state = fake.state.withLock { $0 }
            let tag = try #require(state.tags.first { $0.name == "fanfare-exp7-A" }?.id)
            #expect(state.taggings == [50, 50, 20])
            #expect(state.tagged[tag] == Set(audience))
            let taggings = server.requests.filter { $0.path.hasSuffix("batchtagging") }
            #expect(taggings.allSatisfy { $0.json?["tagid"] as? Int == tag })
            #expect(taggings.flatMap { $0.json?["openid_list"] as? [String] ?? [] } == audience)

            let sendAll = try #require(server.requests.last?.json)
            let filter = try #require(sendAll["filter"] as? [String: Any])
            #expect(filter["is_to_all"] as? Bool == false && filter["tag_id"] as? Int == tag)
            #expect(sendAll["msgtype"] as? String == "mpnews" && sendAll["send_ignore_reprint"] as? Int == 0)
            #expect((sendAll["mpnews"] as? [String: Any])?["media_id"] as? String == state.drafts.first?.mediaID)
            let clientMsgID = try #require(sendAll["clientmsgid"] as? String)
            #expect(clientMsgID.utf8.count == 64 && clientMsgID.allSatisfy(\.isHexDigit))
            // The draft is the article publishing would send.
            let article = try #require(state.drafts.first?.article)
            #expect(article.title == "春季新品上市" && article.thumb == "COVER_MEDIA_ID")
            #expect(article.sourceURL.hasPrefix("https://brand.example/wechat?fanfare="))

            let send = try #require(state.sends.first)
            #expect(state.sends.count == 1 && send.fans == 120 && send.clientMsgID == clientMsgID)
            #expect(sent == AudienceSend(messageID: "\(send.msgID)", dataID: "\(send.dataID)", sentAt: Self.now, addressed: 120))

            // Another arm, another key: its own tag and clientmsgid.
            let other = try await wechat.send(post("experiment-7/arm-B"), toFans: fans(3, in: fake, prefix: "oArmB_"), group: "fanfare-exp7-B")
            #expect(other.messageID != sent.messageID && other.addressed == 3)
            #expect(fake.state.withLock { $0.sends.map(\.fans) } == [120, 3])
            #expect(server.requests.last?.json?["clientmsgid"] as? String != clientMsgID)
        }
    }

    @Test func aTagOfThatNameIsFoundByName() async throws {
        let fake = WeChatFake(now: Self.now)
        fake.state.withLock { $0.tags.append((id: 134, name: "fanfare-exp7-A")) }
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            _ = try await wechat.send(post("experiment-7/arm-A"), toFans: fans(2, in: fake), group: "fanfare-exp7-A")
            #expect(Array(server.requests.dropFirst().prefix(2).map(\.path)) == ["/cgi-bin/tags/create", "/cgi-bin/tags/get"])
            let state = fake.state.withLock { $0 }
            #expect(state.tags.count == 2, "no second tag of the name")
            #expect(state.tagged[134]?.count == 2 && state.sends.first?.tagID == 134)
            #expect(server.requests.filter { $0.path.hasSuffix("batchtagging") }.allSatisfy { $0.json?["tagid"] as? Int == 134 })
        }
    }

    @Test func sendingAgainWithTheSameKeyAnswersTheFirstSend() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let audience = fans(60, in: fake)
            let first = try await wechat.send(post("experiment-7/arm-A"), toFans: audience, group: "fanfare-exp7-A")
            let again = try await wechat.send(post("experiment-7/arm-A"), toFans: audience, group: "fanfare-exp7-A")
            #expect(again.messageID == first.messageID)
            #expect(again.dataID == nil, "45065 names only the msg_id")
            #expect(again.addressed == 60)
            let state = fake.state.withLock { $0 }
            #expect(state.sends.count == 1)
            #expect(state.tags.filter { $0.name == "fanfare-exp7-A" }.count == 1)
            #expect(state.tagged.values.map(\.count) == [60])
            // Its statistics cannot be found by msg_data_id: said, not
            // "not counted yet" for ever.
            let before = server.requests.count
            await #expect(throws: ConnectorError.self) {
                _ = try await wechat.reach(of: again, fanIDs: audience, now: Self.now.addingTimeInterval(2 * Self.day))
            }
            #expect(server.requests.count == before)
        }
    }

    @Test func aLostAnswerToTheSendIsAPassingFaultAndTheRetrySendsOnce() async throws {
        let fake = WeChatFake(now: Self.now)
        fake.state.withLock { $0.hangAfterSendAll = true }
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server, transport: .hanging(on: "/cgi-bin/message/mass/sendall"))
            let audience = fans(5, in: fake)
            let error = await reason { try await wechat.send(post("experiment-8/arm-A"), toFans: audience, group: "fanfare-exp8-A") }
            guard case .temporary = error else {
                Issue.record("a lost answer to sendall became \(String(describing: error))")
                return
            }
            #expect(error?.isRetriable == true)
            let taken = try #require(fake.state.withLock { $0.sends.first })
            let retry = try await wechat.send(post("experiment-8/arm-A"), toFans: audience, group: "fanfare-exp8-A")
            #expect(retry.messageID == "\(taken.msgID)")
            #expect(fake.state.withLock { $0.sends.count } == 1)
            #expect(server.requests.filter { $0.path == "/cgi-bin/message/mass/sendall" }.count == 2)
        }
    }

    @Test func whatWeChatRefusesWhileTaggingIsSaid() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let audience = fans(70, in: fake)
            fake.state.withLock { $0.crowded = [audience[55]] }
            let crowded = await reason { try await wechat.send(post("k1"), toFans: audience, group: "fanfare-exp9-A") }
            guard case .rejected(let text) = crowded else {
                Issue.record("a fan with 20 tags became \(String(describing: crowded))")
                return
            }
            #expect(text.contains("already has 20 tags") && text.contains("45059"), "\(text)")
            #expect(fake.state.withLock { $0.sends.isEmpty })

            fake.state.withLock { $0.crowded = [] }
            let stranger = await reason { try await wechat.send(post("k2"), toFans: audience + ["oUnfollowed"], group: "fanfare-exp9-A") }
            guard case .rejected(let text) = stranger else {
                Issue.record("an unknown openid became \(String(describing: stranger))")
                return
            }
            #expect(text.contains("oUnfollowed") && text.contains("40003"), "\(text)")
            // When WeChat's message does not name the openid, the batch is.
            let tag = try #require(fake.state.withLock { $0.tags.first { $0.name == "fanfare-exp9-A" }?.id })
            fake.force(.json(["tag": ["id": tag, "name": "fanfare-exp9-A"]]), WeChatFake.error(40003, "invalid openid hint: [Ab12cd]"))
            let unnamed = await reason { try await wechat.send(post("k2"), toFans: audience, group: "fanfare-exp9-A") }
            guard case .rejected(let text) = unnamed else {
                Issue.record("an unnamed unknown openid became \(String(describing: unnamed))")
                return
            }
            #expect(text.contains("oArmA_001…oArmA_050 (50 in this batch)"), "\(text)")

            fake.force(WeChatFake.error(45009, "reach max api daily quota limit"))
            let quota = await reason { try await wechat.send(post("k3"), toFans: audience, group: "fanfare-exp9-A") }
            guard case .rateLimited(let wait) = quota else {
                Issue.record("the daily quota became \(String(describing: quota))")
                return
            }
            #expect(wait == 14 * 3_600, "until midnight Beijing time")
            #expect(fake.state.withLock { $0.sends.isEmpty })
        }
    }

    @Test func badAudiencesAndGroupNamesAreRefusedBeforeAnyCall() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let before = server.requests.count
            let cases: [([String], String, String)] = [
                ([], "fanfare-exp1-A", "no fans"),
                ((0...100_000).map { "o\($0)" }, "fanfare-exp1-A", "at most 100000"),
                (["oArmA_001"], String(repeating: "a", count: 31), "at most 30 bytes"),
                (["oArmA_001"], "一二三四五六七八九十一", "at most 30 bytes"),
                (["oArmA_001"], "  ", "needs a name"),
                (["oArmA_001", ""], "fanfare-exp1-A", "empty openid"),
            ]
            for (audience, group, words) in cases {
                let error = await reason { try await wechat.send(post("k"), toFans: audience, group: group) }
                guard case .rejected(let text) = error else {
                    Issue.record("\(group) / \(audience.count) fans became \(String(describing: error))")
                    continue
                }
                #expect(text.contains(words), "\(text)")
            }
            // A variant WeChat would refuse is refused before tagging too.
            var untitled = post("k")
            untitled.variant.title = nil
            let error = await reason { try await wechat.send(untitled, toFans: ["oFan1"], group: "fanfare-exp1-A") }
            #expect(error == .rejected(reason: "WeChat articles need a title; add one to this variant"))
            #expect(server.requests.count == before)
            // Thirty bytes is still a name WeChat takes.
            _ = try await wechat.send(post("k30"), toFans: ["oFan1", "oFan1"], group: String(repeating: "a", count: 30))
            #expect(fake.state.withLock { $0.sends.first?.fans } == 1, "a fan listed twice is tagged once")
        }
    }

    @Test func reachIsReadFromTheSendsDayFromTheNextDayOn() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let audience = fans(30, in: fake)
            let sent = try await wechat.send(post("experiment-7/arm-A"), toFans: audience, group: "fanfare-exp7-A")
            let other = try await wechat.send(post("experiment-7/arm-B"), toFans: fans(8, in: fake, prefix: "oArmB_"), group: "fanfare-exp7-B")
            let before = server.requests.count
            // 2026-11-23 23:59 in Beijing is still the send's day: no call.
            let lateThatDay = Self.now.addingTimeInterval(13 * 3_600 + 59 * 60)
            #expect(try await wechat.reach(of: sent, fanIDs: audience, now: lateThatDay) == nil)
            #expect(server.requests.count == before)

            fake.state.withLock { $0.daysLater = 1 }
            let nextDay = Self.now.addingTimeInterval(Self.day)
            #expect(try await wechat.reach(of: sent, fanIDs: audience, now: nextDay) == AudienceReach(delivered: 30, readers: 4))
            let call = try #require(server.requests.last)
            #expect(call.path == "/datacube/getarticletotal")
            #expect(call.json?["begin_date"] as? String == "2026-11-23" && call.json?["end_date"] as? String == "2026-11-23")

            // Three statistics days later: the latest cumulative readers.
            fake.state.withLock { $0.daysLater = 3 }
            let later = Self.now.addingTimeInterval(3 * Self.day)
            #expect(try await wechat.reach(of: sent, fanIDs: audience, now: later) == AudienceReach(delivered: 30, readers: 11))
            #expect(try await wechat.reach(of: other, fanIDs: [], now: later) == AudienceReach(delivered: 8, readers: 11))

            // A send WeChat does not list (yet) has no reach.
            var unknown = sent
            unknown.dataID = "999"
            #expect(try await wechat.reach(of: unknown, fanIDs: audience, now: later) == nil)
            // An id that only starts like the send's is another send.
            unknown.dataID = String(sent.dataID!.dropLast())
            #expect(try await wechat.reach(of: unknown, fanIDs: audience, now: later) == nil)
        }
    }

    @Test func aSendLateInTheUTCDayIsCountedOnItsBeijingDay() async throws {
        // 2026-11-23 17:00 UTC is 2026-11-24 01:00 in Beijing.
        let lateUTC = Self.now.addingTimeInterval(15 * 3_600)
        let fake = WeChatFake(now: lateUTC)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await WeChatConnectorTests().connect(server, clock: { lateUTC })
            let audience = fans(4, in: fake)
            let sent = try await wechat.send(post("experiment-7/arm-A"), toFans: audience, group: "fanfare-exp7-A")
            #expect(try await wechat.reach(of: sent, fanIDs: audience, now: lateUTC.addingTimeInterval(12 * 3_600)) == nil)
            fake.state.withLock { $0.daysLater = 1 }
            let reach = try await wechat.reach(of: sent, fanIDs: audience, now: lateUTC.addingTimeInterval(Self.day))
            #expect(reach == AudienceReach(delivered: 4, readers: 4))
            #expect(server.requests.last?.json?["begin_date"] as? String == "2026-11-24")
        }
    }
}
