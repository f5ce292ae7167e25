import Foundation

/// A comparison in a segment condition. JSON values are the raw values.
public enum SegmentOperator: String, CaseIterable, Codable, Sendable {
    case eq, ne
    case `in`
    case notIn = "not_in"
    /// The fan's list (tags, interests, platforms) has this value.
    case contains
    case containsAny = "contains_any"
    case containsAll = "contains_all"
    case gt, gte, lt, lte
    /// Inclusive: [low, high].
    case between
}

/// What kind of value a segment field holds, which decides its operators.
public enum SegmentFieldType: String, CaseIterable, Codable, Sendable {
    /// A vocabulary with an order (tiers, stages, bands); may also be compared with gt … lte.
    case ordinal
    /// A vocabulary without an order.
    case enumeration = "enum"
    /// Free text, compared ignoring case and width.
    case text
    /// A list of free text (tags, interests, platforms).
    case textList = "text_list"
    case number
    case boolean

    public var operators: [SegmentOperator] {
        switch self {
        case .ordinal: [.eq, .ne, .in, .notIn, .gt, .gte, .lt, .lte]
        case .enumeration, .text: [.eq, .ne, .in, .notIn]
        case .textList: [.contains, .containsAny, .containsAll]
        case .number: [.eq, .ne, .in, .notIn, .gt, .gte, .lt, .lte, .between]
        case .boolean: [.eq, .ne]
        }
    }
}

/// One field a segment can test, as the server shows it on the segment page and in openapi.yaml.
public struct SegmentField: Codable, Equatable, Sendable {
    public let name: String
    public let type: SegmentFieldType
    public let operators: [SegmentOperator]
    /// Accepted values of ordinal and enum fields, lowest first for ordinal
    /// ones, and of a text list with a fixed vocabulary; nil otherwise.
    public let values: [String]?
    /// Values of an ordinal field that have no place in its order ("unknown"): only eq, ne, in, not_in.
    public let unordered: [String]?
    public let description: String

    init(_ name: String, _ type: SegmentFieldType, values: [String]? = nil, unordered: [String]? = nil, _ description: String) {
        self.name = name
        self.type = type
        self.operators = type.operators
        self.values = values
        self.unordered = unordered
        self.description = description
    }

    /// Position of a value in an ordinal field's order; nil for unordered or unknown values.
    func rank(of value: String) -> Int? {
        guard type == .ordinal, unordered?.contains(value) != true else { return nil }
        return values?.firstIndex(of: value)
    }
}

extension SegmentRule {
    /// Every field a condition may name, in the order the segment page lists them.
    public static let fields: [SegmentField] = [
        SegmentField(
            "activity_tier", .ordinal, values: ActivityTier.allCases.map(\.rawValue),
            "Activity tier by interactions in the last 30 days: silent < 1, potential 1–10, active 11–50, core > 50 (workspace thresholds)."),
        SegmentField("value_tier", .ordinal, values: ValueTier.allCases.map(\.rawValue), "Value tier from spend, referrals and contributions."),
        SegmentField("stage", .ordinal, values: LifecycleStage.allCases.map(\.rawValue), "Lifecycle stage: reach → activate → retain → convert."),
        SegmentField("tags", .textList, "Free tags set by the team."),
        SegmentField("platform", .textList, "Platforms the fan has an identity on (weibo, wechat, douyin, …)."),
        SegmentField("region", .text, "Province or city from the profile; a fan without one matches only ne and not_in."),
        SegmentField(
            "age_band", .ordinal, values: AgeBand.allCases.map(\.rawValue), unordered: [AgeBand.unknown.rawValue], "Age band from the profile."),
        SegmentField("gender", .enumeration, values: Gender.allCases.map(\.rawValue), "Gender from the profile."),
        SegmentField(
            "consumption_level", .ordinal, values: ConsumptionLevel.allCases.map(\.rawValue), unordered: [ConsumptionLevel.unknown.rawValue],
            "Spending power from the profile."),
        SegmentField("interests", .textList, "Interests from the profile."),
        SegmentField("interactions_30d", .number, "Interactions in the last 30 local days."),
        SegmentField("points", .number, "Points balance."),
        SegmentField("level", .number, "Growth level."),
        SegmentField(
            "privileges", .textList, values: LoyaltyPrivilege.known,
            "Privileges the fan's lifetime points reach on the workspace's level ladder: aim an early-access offer, a VIP event or a meet-up at the fans who hold it."
        ),
        SegmentField("consent_marketing", .boolean, "Whether the fan agreed to marketing."),
        SegmentField(
            "last_seen_days", .number,
            "Local days since the last interaction (0 = today); a fan never seen matches only ne and not_in."),
    ]

    public static func field(named name: String) -> SegmentField? { fields.first { $0.name == name } }

    /// At most this many levels of nested groups; the outermost group is level 1.
    public static let maxDepth = 5
    /// At most this many conditions in one rule.
    public static let maxConditions = 100
    /// At most this many values in one list (in, not_in, contains_any, contains_all).
    public static let maxListValues = 100
    /// Text values are 1 to this many characters.
    public static let maxTextLength = 100
}

/// Everything a segment rule can test about one fan.
public struct FanFacts: Codable, Equatable, Sendable {
    public var attributes: FanAttributes
    public var tiers: FanTierSnapshot
    /// Platforms the fan has an identity on.
    public var platforms: [String]
    public var interactions30d: Int
    public var points: Int
    public var level: Int
    /// What the fan's level grants (`LevelLadder.privileges(forLifetimePoints:)`).
    public var privileges: [String]
    /// Local days since the last interaction; nil when the fan never interacted.
    public var lastSeenDays: Int?

    public init(
        attributes: FanAttributes = FanAttributes(), tiers: FanTierSnapshot = FanTierSnapshot(activity: .silent, value: .none, stage: .reach),
        platforms: [String] = [], interactions30d: Int = 0, points: Int = 0, level: Int = 0, privileges: [String] = [],
        lastSeenDays: Int? = nil
    ) {
        self.attributes = attributes
        self.tiers = tiers
        self.platforms = platforms
        self.interactions30d = interactions30d
        self.points = points
        self.level = level
        self.privileges = privileges
        self.lastSeenDays = lastSeenDays
    }

    enum CodingKeys: String, CodingKey {
        case attributes, tiers, platforms, interactions30d = "interactions_30d", points, level, privileges, lastSeenDays = "last_seen_days"
    }

    /// What the fan has for a field, in the shape its type compares.
    enum Reading {
        case text(String?)
        case texts([String])
        case number(Double?)
        case boolean(Bool)
    }

    func reading(_ field: String) -> Reading? {
        switch field {
        case "activity_tier": .text(tiers.activity.rawValue)
        case "value_tier": .text(tiers.value.rawValue)
        case "stage": .text(tiers.stage.rawValue)
        case "tags": .texts(attributes.tags)
        case "platform": .texts(platforms)
        case "region": .text(attributes.region)
        case "age_band": .text(attributes.ageBand.rawValue)
        case "gender": .text(attributes.gender.rawValue)
        case "consumption_level": .text(attributes.consumptionLevel.rawValue)
        case "interests": .texts(attributes.interests)
        case "interactions_30d": .number(Double(interactions30d))
        case "points": .number(Double(points))
        case "level": .number(Double(level))
        case "privileges": .texts(privileges)
        case "consent_marketing": .boolean(attributes.consent.marketing)
        case "last_seen_days": .number(lastSeenDays.map(Double.init))
        default: nil
        }
    }
}
