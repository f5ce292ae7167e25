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
    public static func problem(for asset: AssetLicence, at date: Date) -> CodedMessage? {
        let source = asset.source.trimmingCharacters(in: .whitespacesAndNewlines)
        let proof = asset.proof?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch asset.licence {
        case .unknown:
            return .assetLicenceUnknown
        case .licensed where proof.isEmpty:
            return .assetLicenceNoProof
        case .licensed, .creativeCommons, .publicDomain:
            if source.isEmpty {
                return .assetNoSource
            }
        case .owned:
            break
        }
        if let expiry = asset.expiresAt, expiry <= date {
            return .assetLicenceEnds(end: expiry, at: date)
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

    /// Nil when the schedule meets the deadline; otherwise what is wrong.
    public static func problem(raisedAt: Date, publishAt: Date) -> CodedMessage? {
        guard !meetsDeadline(raisedAt: raisedAt, publishAt: publishAt) else { return nil }
        let late = Int((publishAt.timeIntervalSince(deadline(raisedAt: raisedAt)) / 60).rounded(.up))
        return .hotTopicLate(deadline: deadline(raisedAt: raisedAt), minutes: late)
    }
}
