import Foundation

/// The content pillar an item belongs to (S0 §4.2: three content pillars),
/// with the target mix basic 60 % / core 25 % / value-add 15 %.
public enum Pillar: String, CaseIterable, Codable, Sendable {
    case basic
    case core
    case valueAdd = "value_add"

    /// The share of published items this pillar should have by default.
    public var targetShare: Double {
        switch self {
        case .basic: 0.60
        case .core: 0.25
        case .valueAdd: 0.15
        }
    }

    /// Accepts the API name in any case, with `-` or a space for `_`
    /// (`Value add`, `value-add`), because people type these into CSV files.
    public init(validating raw: String, field: String = "pillar") throws(ValidationErrors) {
        self = try choice(raw, field: field)
    }
}

/// Lets a `[Pillar: Double]` encode as a JSON object keyed by pillar.
extension Pillar: CodingKeyRepresentable {}

/// Whether a format counts toward the weekly premium pieces or the light
/// updates of the cadence target (S1: 每周确保1-2篇精品长文、3-5条轻量更新).
public enum CadenceWeight: String, CaseIterable, Codable, Sendable {
    case premium
    case light
}

/// The form a content item takes.
public enum ContentFormat: String, CaseIterable, Codable, Sendable {
    case imageText = "image_text"
    case shortVideo = "short_video"
    case live
    case audio
    case longArticle = "long_article"

    /// The seed names long articles (精品长文) as the premium pieces. A live
    /// broadcast and an audio episode take the same planning and production
    /// effort, so they count as premium too; image-text posts and short
    /// videos are the light updates. `CadenceTargets.premiumFormats`
    /// changes this per workspace.
    public var defaultCadenceWeight: CadenceWeight {
        switch self {
        case .longArticle, .live, .audio: .premium
        case .imageText, .shortVideo: .light
        }
    }

    public init(validating raw: String, field: String = "format") throws(ValidationErrors) {
        self = try choice(raw, field: field)
    }
}

/// The three-level content pool (S1: 爆款+常规+储备).
public enum ContentPool: String, CaseIterable, Codable, Sendable {
    case hit
    case regular
    case reserve

    public init(validating raw: String, field: String = "pool") throws(ValidationErrors) {
        self = try choice(raw, field: field)
    }
}

/// Parses a closed vocabulary leniently on case and separators, and names
/// every accepted value when it fails.
func choice<T: RawRepresentable & CaseIterable>(_ raw: String, field: String) throws(ValidationErrors) -> T where T.RawValue == String {
    let key = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        .replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_")
    if let value = T(rawValue: key) { return value }
    throw ValidationErrors(field, .isValueOneOf(value: raw, choices: T.allCases.map(\.rawValue)))
}
