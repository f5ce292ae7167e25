import Foundation

/// Where one account's variant of a post stands.
public enum VariantProgress: String, Sendable, Codable, CaseIterable {
    case pending, queued, publishing, unconfirmed, published, failed
    case handOff = "hand_off"
    case cancelled
}

/// What a publishing outcome means for the variant, decided without I/O so
/// the rules are tested on their own.
public enum PublishOutcome: Sendable, Equatable {
    /// Try again at this time; the variant waits in `queued`.
    case retry(after: TimeInterval, reason: String)
    /// Sent, no answer: check with the platform before anything is re-sent.
    case unconfirmed(checkAfter: TimeInterval, reason: String)
    /// A person must act; `code` names what (reconnect, edit, …).
    case failed(code: String, reason: String)
    case handOff(reason: String)
}

public enum PublicationRules {
    /// Attempts before a passing fault becomes a failure a person sees.
    public static let maxAttempts = 6
    /// How long a worker may hold a variant before another may take over
    /// (and reconcile first).
    public static let claimLease: TimeInterval = 120
    public static let unconfirmedRecheck: TimeInterval = 30

    /// The status a post shows, from its variants' states: it is published
    /// only when every variant is; it has failed when a variant failed and
    /// nothing is still under way.
    public static func postStatus(variants: [VariantProgress], scheduled: Bool) -> String? {
        let live = variants.filter { $0 != .cancelled }
        if live.isEmpty { return nil }
        let underWay = live.contains { [.queued, .publishing, .unconfirmed].contains($0) }
        let started = live.contains { [.publishing, .unconfirmed, .published, .failed, .handOff].contains($0) }
        if underWay { return started ? "publishing" : (scheduled ? "scheduled" : nil) }
        if live.contains(.failed) { return "failed" }
        if live.contains(.handOff) { return "hand_off" }
        if live.allSatisfy({ $0 == .published }) { return "published" }
        return nil
    }
}
