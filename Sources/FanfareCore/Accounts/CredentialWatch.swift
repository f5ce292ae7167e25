import Foundation

/// What the token watch does with one account's authorisation
/// (docs/content.md § Signing in): refresh an access token ahead of its
/// expiry, renew a refresh token before it runs out where the platform
/// allows it, and — for an authorisation nothing can extend (Weibo's
/// tokens, a refresh token that cannot be renewed) — tell the people who
/// can reconnect the account 7 days and 1 day ahead, and when it ended.
public enum CredentialWatch {
    /// A refresh token is renewed this long before it runs out: longer than
    /// the first notice, so a renewal that works sends no notice at all.
    public static let renewAhead: TimeInterval = 8 * 86_400

    /// What is known of an account's authorisation (never the tokens).
    public struct Credential: Sendable, Equatable {
        public var expiresAt: Date?
        /// Whether it has a refresh token.
        public var refreshable: Bool
        /// When the refresh token runs out, where the platform says.
        public var refreshExpiresAt: Date?
        /// Whether the platform can renew the refresh token itself.
        public var renewable: Bool
        /// How long ahead of expiry the access token is refreshed.
        public var refreshAhead: TimeInterval

        public init(expiresAt: Date?, refreshable: Bool, refreshExpiresAt: Date? = nil, renewable: Bool = false, refreshAhead: TimeInterval = 86_400)
        {
            self.expiresAt = expiresAt
            self.refreshable = refreshable
            self.refreshExpiresAt = refreshExpiresAt
            self.renewable = renewable
            self.refreshAhead = refreshAhead
        }

        /// When the account stops working unless someone signs in again:
        /// the access token's expiry when nothing refreshes it, the refresh
        /// token's when something does; nil when it lasts.
        public var endsAt: Date? { refreshable ? refreshExpiresAt : expiresAt }
    }

    /// A notice sent once per authorisation (its end): 7 days ahead, 1 day
    /// ahead, when it ended, and when a refresh failed.
    public enum Notice: String, Sendable, CaseIterable, Codable {
        case sevenDays = "expires_7d"
        case oneDay = "expires_1d"
        case expired
        case refreshFailed = "refresh_failed"
    }

    /// Whether to refresh the access token now: it runs out within its
    /// platform's margin and the refresh token still works.
    public static func shouldRefresh(_ credential: Credential, now: Date) -> Bool {
        guard credential.refreshable, let expiresAt = credential.expiresAt else { return false }
        if let end = credential.refreshExpiresAt, end <= now { return false }
        return expiresAt.timeIntervalSince(now) < credential.refreshAhead
    }

    /// Whether to renew the refresh token now.
    public static func shouldRenew(_ credential: Credential, now: Date) -> Bool {
        guard credential.refreshable, credential.renewable, let end = credential.refreshExpiresAt else { return false }
        return end > now && end.timeIntervalSince(now) < renewAhead
    }

    /// The notice due now about the authorisation's end, if any: the
    /// 7-day one inside 7 days, the 1-day one inside a day, `expired` after
    /// it. One at a time: an account connected with hours left hears the
    /// 1-day notice only. Whether it was sent already is the caller's to
    /// remember (one per end and kind).
    public static func noticeDue(_ credential: Credential, now: Date) -> Notice? {
        guard let end = credential.endsAt else { return nil }
        let left = end.timeIntervalSince(now)
        if left <= 0 { return .expired }
        if left <= 86_400 { return .oneDay }
        if left <= 7 * 86_400 { return .sevenDays }
        return nil
    }

    /// Whether a refresh done now is worth a line in the audit log: a
    /// token that lasts days (Douyin's), not a session of hours
    /// refreshed a dozen times a day (Bluesky's).
    public static func auditsRefresh(newExpiry: Date?, now: Date) -> Bool {
        guard let newExpiry else { return true }
        return newExpiry.timeIntervalSince(now) >= 86_400
    }
}
