import FanfareCore
import Foundation

/// The Sandbox sends to a group of fans as WeChat's tag mass-send does, so
/// an experiment randomised by audience can be tried end to end without a
/// WeChat account. Its fans read what they are sent the way its audience
/// does everything else: decided by the seed, the send and the fan, so the
/// same send gets the same readers on every node and in every run.
extension SandboxConnector: AudienceSending {
    /// WeChat's practical bound is the account's followers; the Sandbox's
    /// is the same order as a large account's fan list in Fanfare.
    public var maxAudience: Int { 100_000 }

    /// The ledger key of a send: apart from the key the post itself is
    /// published under, so sending a post to a group never stands in for
    /// publishing it.
    static func massSendKey(_ idempotencyKey: String) -> String { "mass:" + idempotencyKey }

    public func send(_ post: PublishRequest, toFans fanIDs: [String], group: String) async throws(ConnectorError) -> AudienceSend {
        guard !fanIDs.isEmpty else { throw .rejected(reason: "a send needs at least one fan") }
        guard fanIDs.count <= maxAudience else {
            throw .rejected(reason: "a send reaches at most \(maxAudience) fans; this one names \(fanIDs.count)")
        }
        let name = group.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 30 else { throw .rejected(reason: "a fan group's name has 1 to 30 characters") }
        let key = Self.massSendKey(post.idempotencyKey)
        let now = clock()
        try await ledger.admit(account: account, now: now, limit: rateLimit.calls, window: rateLimit.window)
        if let existing = try await ledger.post(forKey: key) {
            return AudienceSend(messageID: existing.remoteID, dataID: existing.remoteID, sentAt: existing.publishedAt, addressed: fanIDs.count)
        }
        guard !post.variant.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .rejected(reason: "the post has no text to send")
        }
        if post.variant.text.contains("[sandbox:reject]") {
            throw .rejected(reason: "the Sandbox refused this content on request ([sandbox:reject])")
        }
        let attempt = try await ledger.attempt(key)
        var dice = SplitMix(seed: audience.seed ^ SandboxAudience.hash("\(key)#\(attempt)"))
        if dice.uniform(0, 1) < failureRate { throw .temporary(reason: "Sandbox returned 503 (simulated)") }
        let id = "sbx_mass_\(String(SandboxAudience.hash(account + key) % 0xFFFF_FFFF, radix: 16))"
        let sent = PublishedPost(remoteID: id, url: Self.postLink(base: postLinkBase, account: account, id: id), publishedAt: now)
        // Two racing sends under one key keep the first: one send.
        let kept = try await ledger.record(sent, account: account, key: key)
        return AudienceSend(messageID: kept.remoteID, dataID: kept.remoteID, sentAt: kept.publishedAt, addressed: fanIDs.count)
    }

    /// Each send has its own read rate (between 5 % and 25 %, from the
    /// seed and the send); about one fan in a hundred cannot be reached
    /// (unfollowed since). A reader opens the send within two days, most
    /// within hours, so the counts grow as WeChat's do.
    public func reach(of send: AudienceSend, fanIDs: [String], now: Date) async throws(ConnectorError) -> AudienceReach? {
        guard now >= send.sentAt else { return nil }
        var rates = SplitMix(seed: audience.seed ^ SandboxAudience.hash("rate:" + send.messageID))
        let rate = rates.uniform(0.05, 0.25)
        var delivered = 0
        var readers = 0
        for fan in fanIDs {
            var dice = SplitMix(seed: audience.seed ^ SandboxAudience.hash(send.messageID + "#" + fan))
            guard dice.uniform(0, 1) >= 0.01 else { continue }
            delivered += 1
            guard dice.uniform(0, 1) < rate else { continue }
            let delay = min(2 * 86_400, -log(max(1e-9, 1 - dice.uniform(0, 1))) * 4 * 3_600)
            if send.sentAt.addingTimeInterval(delay) <= now { readers += 1 }
        }
        return AudienceReach(delivered: delivered, readers: readers)
    }
}
