import Foundation

/// How the workspace holds the rights to an asset.
public enum LicenceKind: String, CaseIterable, Codable, Sendable {
    case owned
    case licensed
    case creativeCommons = "creative_commons"
    case publicDomain = "public_domain"
    case unknown

    public init(validating raw: String, field: String = "licence") throws(ValidationErrors) {
        self = try choice(raw, field: field)
    }
}

/// One entry of the copyright register (SPEC §3; S1 版权登记: keep the
/// complete proof of use for inspection).
public struct AssetLicence: Sendable, Equatable, Codable {
    /// Where the asset came from: photographer, stock library, URL.
    public var source: String
    public var licence: LicenceKind
    /// The first instant at which the asset may no longer be used.
    public var expiresAt: Date?
    /// Where the proof is kept: contract number, receipt, licence URL.
    public var proof: String?

    public init(source: String, licence: LicenceKind, expiresAt: Date? = nil, proof: String? = nil) {
        self.source = source
        self.licence = licence
        self.expiresAt = expiresAt
        self.proof = proof
    }
}

/// Whether an asset may go out at a given time. An asset that cannot be
/// shown to be usable is refused: publishing it is the risk the register
/// exists to prevent.
public enum AssetRights {
    /// Nil when the asset may be published at `date`; otherwise why not, in
    /// English. Rules:
    /// - `unknown` licence: refused.
    /// - an expiry at or before `date`: refused, so a post scheduled after
    ///   the licence ends is refused when it is scheduled, not when it fails.
    /// - `licensed` needs a proof; `licensed`, `creative_commons` and
    ///   `public_domain` need a source. A licence without expiry is taken as
    ///   perpetual: many stock licences are.
    public static func problem(for asset: AssetLicence, at date: Date) -> String? {
        let source = asset.source.trimmingCharacters(in: .whitespacesAndNewlines)
        let proof = asset.proof?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch asset.licence {
        case .unknown:
            return
                "The asset's licence is unknown; record it in the copyright register as owned, licensed, creative_commons or public_domain before publishing"
        case .licensed where proof.isEmpty:
            return "The asset is licensed but no proof of licence is recorded; add the contract, receipt or licence link to the copyright register"
        case .licensed, .creativeCommons, .publicDomain:
            if source.isEmpty {
                return "The asset's source is not recorded; add where it came from (author, library or link) to the copyright register"
            }
        case .owned:
            break
        }
        if let expiry = asset.expiresAt, expiry <= date {
            return
                "The asset's licence ends on \(expiry.formatted(.iso8601)), not after the publish time \(date.formatted(.iso8601)); renew the licence or choose another asset"
        }
        return nil
    }
}

/// The hot-topic fast track (SPEC §3; S1: 24小时内产出): a topic marked hot
/// must be publishable within 24 hours of being raised.
public enum HotTopic {
    public static let window: TimeInterval = 24 * 3600

    public static func deadline(raisedAt: Date) -> Date {
        raisedAt.addingTimeInterval(window)
    }

    /// True when the publish time is no later than the deadline.
    public static func meetsDeadline(raisedAt: Date, publishAt: Date) -> Bool {
        publishAt <= deadline(raisedAt: raisedAt)
    }

    /// Nil when the schedule meets the deadline; otherwise a sentence.
    public static func problem(raisedAt: Date, publishAt: Date) -> String? {
        guard !meetsDeadline(raisedAt: raisedAt, publishAt: publishAt) else { return nil }
        let late = Int((publishAt.timeIntervalSince(deadline(raisedAt: raisedAt)) / 60).rounded(.up))
        return
            "A hot topic must go out within 24 hours of being raised, by \(deadline(raisedAt: raisedAt).formatted(.iso8601)); this schedule is \(late) minute(s) late"
    }
}
