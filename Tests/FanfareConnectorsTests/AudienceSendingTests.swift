import FanfareCore
import Foundation
import Testing

@testable import FanfareConnectors

/// The platforms the experiment form offers for group sends are exactly
/// those whose connectors can make them: the list is read before any
/// connector is made (credentials are opened only to send).
@Suite struct AudienceSendingTests {
    @Test func theListedPlatformsAreTheConnectorsThatSendToGroups() {
        let connection = AccountConnection(
            handle: "brand", settings: ["instance": "https://example.social", "app_id": "wx1", "cover_media_id": "m"],
            credentials: ConnectorCredentials(accessToken: "t", refreshToken: nil, expiresAt: nil))
        var sending: Set<String> = []
        for kind in ConnectorRegistry.kinds {
            let connector = kind.connector(for: connection, transport: StubTransport(), clock: { Date() })
            if connector is any AudienceSending { sending.insert(kind.platform) }
        }
        let sandbox = SandboxConnector(account: "brand", audience: SandboxAudience(seed: 1), ledger: SandboxLedger(), accountCreated: Date())
        if (sandbox as Any) is any AudienceSending { sending.insert(sandbox.platform) }
        #expect(sending == ConnectorRegistry.audienceSendingPlatforms)
    }

    /// The Sandbox's sends: refused before anything is recorded when the
    /// audience or the group's name is wrong; one send per key however
    /// often it is sent; readers never more than fans reached, growing
    /// over time, and each send with its own read rate.
    @Test func theSandboxSendsOncePerKeyAndCountsItsReaders() async throws {
        let ledger = SandboxLedger()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let sandbox = SandboxConnector(
            account: "brand", audience: SandboxAudience(seed: 7), ledger: ledger, accountCreated: start, failureRate: 0, clock: { start })
        let post = PublishRequest(idempotencyKey: "exp-1-0", variant: Variant(title: "A", text: "正文"))
        let fans = (0..<2_000).map { "openid-\($0)" }
        await #expect(throws: ConnectorError.self) { try await sandbox.send(post, toFans: [], group: "g") }
        await #expect(throws: ConnectorError.self) { try await sandbox.send(post, toFans: fans, group: String(repeating: "组", count: 31)) }
        #expect(try await sandbox.findPost(idempotencyKey: SandboxConnector.massSendKey("exp-1-0")) == nil)
        let first = try await sandbox.send(post, toFans: fans, group: "fanfare-1-0")
        let again = try await sandbox.send(post, toFans: fans, group: "fanfare-1-0")
        #expect(first == again && first.addressed == 2_000)
        let other = try await sandbox.send(
            PublishRequest(idempotencyKey: "exp-1-1", variant: Variant(title: "B", text: "正文")), toFans: fans, group: "fanfare-1-1")
        #expect(other.messageID != first.messageID)

        let soon = try #require(try await sandbox.reach(of: first, fanIDs: fans, now: start.addingTimeInterval(600)))
        let later = try #require(try await sandbox.reach(of: first, fanIDs: fans, now: start.addingTimeInterval(3 * 86_400)))
        #expect(soon.delivered == later.delivered && later.delivered > 1_940 && later.delivered < 2_000)
        #expect(soon.readers < later.readers && later.readers <= later.delivered)
        #expect(try await sandbox.reach(of: first, fanIDs: fans, now: start.addingTimeInterval(-1)) == nil)
        // Counted twice, the same numbers.
        #expect(try await sandbox.reach(of: first, fanIDs: fans, now: start.addingTimeInterval(3 * 86_400)) == later)
        let rate = Double(later.readers) / Double(later.delivered)
        #expect(rate > 0.03 && rate < 0.3)
    }
}
