import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization
import Testing

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite struct SandboxConnectorTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func connector(
        _ clock: TestClock, seed: UInt64 = 42, failureRate: Double = 0, limit: Int = 300, ledger: SandboxLedger = SandboxLedger()
    ) -> SandboxConnector {
        SandboxConnector(
            account: "brand", audience: SandboxAudience(seed: seed), ledger: ledger, accountCreated: start.addingTimeInterval(-86_400),
            failureRate: failureRate, rateLimit: (limit, 60), clock: { clock.now })
    }

    @Test func publishingTwiceWithOneKeyPublishesOnce() async throws {
        let clock = TestClock(start)
        let sandbox = connector(clock)
        let request = PublishRequest(idempotencyKey: "variant-1/account-1", variant: Variant(text: "春季新品上市"))
        let first = try await sandbox.publish(request)
        clock.advance(5)
        let second = try await sandbox.publish(request)
        #expect(first == second)
        #expect(first.url == "https://sandbox.fanfare.local/@brand/\(first.remoteID)")
        #expect(try await sandbox.accountStats().posts == 1)
    }

    /// The Sandbox keeps every day's followers: the same days on every run,
    /// ending yesterday, growing, and agreeing with today's count.
    @Test func accountHistoryIsDeterministicAndEndsYesterday() async throws {
        let clock = TestClock(start)
        let sandbox = connector(clock)
        let utc = TimeZone(identifier: "UTC")!
        let history = try await sandbox.accountHistory(days: 10, timeZone: utc)
        let again = try await connector(clock).accountHistory(days: 10, timeZone: utc)
        #expect(history.count == 10 && history == again)
        #expect(history.last?.day == MetricDay.adding(-1, to: MetricDay.of(start, in: utc)))
        let followers = history.compactMap(\.followers)
        #expect(followers == followers.sorted() && followers.count == 10)
        let today = try await sandbox.accountStats()
        #expect((followers.last ?? .max) <= today.followers)
        #expect(history.last?.platformValues?["followers"] == followers.last.map(Double.init))
    }

    /// Connected a month ago: the 150 days of history grow at one pace
    /// before and after connecting (no bend where connecting began), and
    /// the nightly pass's rules find no anomaly in them. Before this the
    /// account arrived with 100 followers gained over a year and then grew
    /// ~36 a day, and every demo flagged its first weeks.
    @Test func theBackfillContinuesTheConnectedCurveWithoutAnAnomaly() async throws {
        let clock = TestClock(start)
        let utc = TimeZone(identifier: "UTC")!
        let sandbox = SandboxConnector(
            account: "brand", audience: SandboxAudience(seed: 42), ledger: SandboxLedger(), accountCreated: start.addingTimeInterval(-30 * 86_400),
            failureRate: 0, clock: { clock.now })
        let history = try await sandbox.accountHistory(days: 150, timeZone: utc)
        let levels = history.map { (day: $0.day, value: Double($0.followers ?? 0)) }
        let gains = zip(levels, levels.dropFirst()).map { $1.value - $0.value }
        let before = gains.prefix(100).reduce(0, +) / 100
        let after = gains.suffix(28).reduce(0, +) / 28
        #expect(before > 25 && abs(before - after) < 0.15 * after, "one pace: \(before) a day before, \(after) after")
        #expect(levels.first!.value > 5_000, "the account had followers before: \(levels.first!.value)")
        #expect(AnomalyPass.judgeLevels(levels, judgeFrom: levels[35].day).isEmpty)
        let today = try await sandbox.accountStats().followers
        #expect(sandbox.followers(at: sandbox.accountCreated) == sandbox.initialFollowers && today >= Int(levels.last!.value))
    }

    @Test func contentThePlatformWouldRefuseIsRejectedWithTheReason() async {
        let sandbox = connector(TestClock(start))
        do {
            _ = try await sandbox.publish(PublishRequest(idempotencyKey: "k", variant: Variant(text: String(repeating: "长", count: 2_001))))
            Issue.record("published an over-long post")
        } catch {
            guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("at most 2,000"))
            #expect(!error.isRetriable)
        }
        await #expect(throws: ConnectorError.expiredCredentials) {
            try await sandbox.publish(PublishRequest(idempotencyKey: "e", variant: Variant(text: "x [sandbox:expired]")))
        }
    }

    @Test func anUnknownOutcomeIsReconciledWithoutPublishingTwice() async throws {
        let sandbox = connector(TestClock(start))
        let request = PublishRequest(idempotencyKey: "timeout-1", variant: Variant(text: "会超时 [sandbox:timeout]"))
        await #expect(throws: ConnectorError.self) { try await sandbox.publish(request) }
        let found = try #require(try await sandbox.findPost(idempotencyKey: "timeout-1"))
        #expect(try await sandbox.publish(request) == found, "a retry with the same key returns the post, not a second one")
        #expect(try await sandbox.accountStats().posts == 1)
    }

    @Test func theRateLimitRefusesWithTheTimeToWait() async throws {
        let clock = TestClock(start)
        let sandbox = connector(clock, limit: 3)
        for n in 0..<3 { _ = try await sandbox.publish(PublishRequest(idempotencyKey: "r\(n)", variant: Variant(text: "post \(n)"))) }
        do {
            _ = try await sandbox.publish(PublishRequest(idempotencyKey: "r3", variant: Variant(text: "post 3")))
            Issue.record("the fourth call in the window was accepted")
        } catch {
            guard case .rateLimited(let wait) = error else { Issue.record("\(error)"); return }
            #expect(wait > 0 && wait <= 60)
            #expect(error.isRetriable)
        }
        clock.advance(61)
        _ = try await sandbox.publish(PublishRequest(idempotencyKey: "r3", variant: Variant(text: "post 3")))
    }

    @Test func passingFaultsAreRepeatableAndARetrySucceeds() async throws {
        func run() async -> [String: Int] {
            let sandbox = connector(TestClock(start), failureRate: 0.3)
            var attemptsNeeded: [String: Int] = [:]
            for n in 0..<60 {
                let request = PublishRequest(idempotencyKey: "f\(n)", variant: Variant(text: "post \(n)"))
                for attempt in 1...20 {
                    do {
                        _ = try await sandbox.publish(request)
                        attemptsNeeded["f\(n)"] = attempt
                        break
                    } catch {
                        #expect(error.isRetriable, "\(error)")
                    }
                }
            }
            return attemptsNeeded
        }
        let first = await run(), second = await run()
        #expect(first.count == 60, "every post got through with retries")
        #expect(first.values.contains { $0 > 1 }, "some first attempts failed")
        #expect(first == second, "the same seed fails the same way")
    }

    @Test func theAudienceReactsOverTimeTheSameWayEveryRun() async throws {
        let clock = TestClock(start)
        let sandbox = connector(clock)
        let post = try await sandbox.publish(PublishRequest(idempotencyKey: "a", variant: Variant(text: "新品")))
        var previous = try await sandbox.metrics(of: post.remoteID)
        #expect(previous.likes == 0)
        for step: TimeInterval in [3_600, 86_400, 30 * 86_400] {
            clock.advance(step)
            let now = try await sandbox.metrics(of: post.remoteID)
            #expect(now.likes >= previous.likes && now.comments >= previous.comments && now.shares >= previous.shares)
            previous = now
        }
        #expect(previous.likes > 0 && previous.comments > 0)
        let again = SandboxAudience(seed: 42).interactions(for: post)
        #expect(again == SandboxAudience(seed: 42).interactions(for: post))
        #expect(again != SandboxAudience(seed: 43).interactions(for: post))
        #expect(again.contains { $0.kind == .comment && ($0.text?.isEmpty == false) })
    }

    @Test func interactionsArePagedOnceEachAndNewOnesFollowTheCursor() async throws {
        let clock = TestClock(start)
        let sandbox = connector(clock)
        for n in 0..<3 { _ = try await sandbox.publish(PublishRequest(idempotencyKey: "p\(n)", variant: Variant(text: "post \(n)"))) }
        clock.advance(86_400)
        var seen: [Interaction] = []
        var cursor: String?
        while true {
            let page = try await sandbox.interactions(since: cursor, limit: 37)
            if page.interactions.isEmpty { break }
            seen += page.interactions
            cursor = page.nextCursor
        }
        #expect(Set(seen.map(\.remoteID)).count == seen.count, "no interaction twice")
        #expect(seen.map(\.at) == seen.map(\.at).sorted())
        #expect(seen.contains { $0.kind == .follow } && seen.contains { $0.kind == .like })
        clock.advance(7 * 86_400)
        let later = try await sandbox.interactions(since: cursor, limit: 10_000)
        #expect(!later.interactions.isEmpty)
        #expect(Set(later.interactions.map(\.remoteID)).isDisjoint(with: seen.map(\.remoteID)))
        await #expect(throws: ConnectorError.self) { try await sandbox.interactions(since: "garbage", limit: 10) }
    }

    @Test func deletedPostsStopReacting() async throws {
        let sandbox = connector(TestClock(start))
        let post = try await sandbox.publish(PublishRequest(idempotencyKey: "d", variant: Variant(text: "删除我")))
        try await sandbox.delete(remoteID: post.remoteID)
        await #expect(throws: ConnectorError.notFound) { try await sandbox.metrics(of: post.remoteID) }
        await #expect(throws: ConnectorError.notFound) { try await sandbox.delete(remoteID: post.remoteID) }
    }
}

@Suite struct ConnectorCredentialsTests {
    @Test func aRefreshNeverReplacesAStoredTokenWithAnEmptyOne() {
        let stored = ConnectorCredentials(accessToken: "old-access", refreshToken: "old-refresh", expiresAt: Date(timeIntervalSince1970: 100))
        let rotated = stored.updated(
            with: ConnectorCredentials(accessToken: "new-access", refreshToken: nil, expiresAt: Date(timeIntervalSince1970: 200)))
        #expect(rotated == ConnectorCredentials(accessToken: "new-access", refreshToken: "old-refresh", expiresAt: Date(timeIntervalSince1970: 200)))
        let empty = stored.updated(with: ConnectorCredentials(accessToken: "", refreshToken: "", expiresAt: nil))
        #expect(empty == stored)
    }

    @Test func refreshHappensBeforeExpiryNotAfter() {
        let credentials = ConnectorCredentials(accessToken: "a", expiresAt: Date(timeIntervalSince1970: 1_000))
        #expect(!credentials.needsRefresh(now: Date(timeIntervalSince1970: 100)))
        #expect(credentials.needsRefresh(now: Date(timeIntervalSince1970: 500)))
        #expect(!ConnectorCredentials(accessToken: "a").needsRefresh(now: Date()))
    }
}
