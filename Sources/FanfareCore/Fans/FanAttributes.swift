import Foundation

/// An age band of the fan profile. JSON values: under_18, 18_24, 25_34, 35_44, 45_54, 55_plus, unknown.
public enum AgeBand: String, CaseIterable, Codable, Sendable {
    case under18 = "under_18"
    case age18To24 = "18_24"
    case age25To34 = "25_34"
    case age35To44 = "35_44"
    case age45To54 = "45_54"
    case age55Plus = "55_plus"
    case unknown
}

/// The gender a fan gave or a platform reported.
public enum Gender: String, CaseIterable, Codable, Sendable { case female, male, other, unknown }

/// Spending power (消费能力), lowest first; `unknown` is not on the scale.
public enum ConsumptionLevel: String, CaseIterable, Codable, Sendable { case low, medium, high, premium, unknown }

/// What a fan agreed to. Everything is off until the fan says yes (PIPL: consent is opt-in).
public struct FanConsent: Codable, Equatable, Sendable {
    /// Marketing messages and campaign targeting.
    public var marketing: Bool
    /// Use of the fan's behaviour in analytics and reports.
    public var analytics: Bool
    /// Personalised content and recommendations.
    public var personalisation: Bool

    public static let none = FanConsent()

    public init(marketing: Bool = false, analytics: Bool = false, personalisation: Bool = false) {
        self.marketing = marketing
        self.analytics = analytics
        self.personalisation = personalisation
    }

    enum CodingKeys: String, CodingKey { case marketing, analytics, personalisation }

    // Written by hand so that a missing flag means "not given", never a decoding error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        marketing = try container.decodeIfPresent(Bool.self, forKey: .marketing) ?? false
        analytics = try container.decodeIfPresent(Bool.self, forKey: .analytics) ?? false
        personalisation = try container.decodeIfPresent(Bool.self, forKey: .personalisation) ?? false
    }
}

/// A fan's profile (SPEC §2): the eight dimensions of the fan portrait (粉丝画像), free tags and consent.
///
/// S2 §2.4 asks for "粉丝画像（年龄、地域、消费能力等8项维度）" and names three of the eight; S1 (用户画像构建)
/// adds interests. The other four are Fanfare's choice, the attributes platforms and CRM exports commonly carry:
///
/// | # | Dimension       | Property            | Source                     |
/// |---|-----------------|---------------------|----------------------------|
/// | 1 | 年龄 age        | `ageBand`           | S2 §2.4, S1                |
/// | 2 | 地域 region     | `region`            | S2 §2.4, S1                |
/// | 3 | 消费能力 spend  | `consumptionLevel`  | S2 §2.4                    |
/// | 4 | 兴趣 interests  | `interests`         | S1 用户画像构建              |
/// | 5 | 性别 gender     | `gender`            | Fanfare                    |
/// | 6 | 职业 occupation | `occupation`        | Fanfare                    |
/// | 7 | 平台偏好        | `preferredPlatform` | Fanfare (S2 §3.2 平台差异化) |
/// | 8 | 设备 device     | `device`            | Fanfare                    |
///
/// JSON keys are snake_case; every key may be left out (unknown / empty / no consent).
public struct FanAttributes: Codable, Equatable, Sendable {
    public var ageBand: AgeBand
    public var gender: Gender
    /// Province or city as people write it ("上海", "广东 深圳"); at most 60 characters.
    public var region: String?
    /// At most 30, each 1–40 characters.
    public var interests: [String]
    public var consumptionLevel: ConsumptionLevel
    public var occupation: String?
    /// The platform the fan is most active on ("weibo", "douyin"), free text.
    public var preferredPlatform: String?
    /// "ios", "android", "pc", free text.
    public var device: String?
    /// Free tags set by the team: at most 50, each 1–40 characters.
    public var tags: [String]
    public var consent: FanConsent
    /// Contacts the fan verified (a phone by SMS code, an email by link) and the WeChat union id
    /// the platform gave: what merge suggestions compare. Personal data, masked like names.
    public var verifiedPhone: String?
    public var verifiedEmail: String?
    public var wechatUnionID: String?

    public static let maxTags = 50
    public static let maxTagLength = 40
    public static let maxInterests = 30
    public static let maxRegionLength = 60
    /// For occupation, preferred platform and device.
    public static let maxTextLength = 60

    public init(
        ageBand: AgeBand = .unknown, gender: Gender = .unknown, region: String? = nil, interests: [String] = [],
        consumptionLevel: ConsumptionLevel = .unknown, occupation: String? = nil, preferredPlatform: String? = nil, device: String? = nil,
        tags: [String] = [], consent: FanConsent = .none, verifiedPhone: String? = nil, verifiedEmail: String? = nil, wechatUnionID: String? = nil
    ) {
        self.ageBand = ageBand
        self.gender = gender
        self.region = region
        self.interests = interests
        self.consumptionLevel = consumptionLevel
        self.occupation = occupation
        self.preferredPlatform = preferredPlatform
        self.device = device
        self.tags = tags
        self.consent = consent
        self.verifiedPhone = verifiedPhone
        self.verifiedEmail = verifiedEmail
        self.wechatUnionID = wechatUnionID
    }

    enum CodingKeys: String, CodingKey {
        case ageBand = "age_band", gender, region, interests, consumptionLevel = "consumption_level", occupation
        case preferredPlatform = "preferred_platform", device, tags, consent
        case verifiedPhone = "verified_phone", verifiedEmail = "verified_email", wechatUnionID = "wechat_union_id"
    }

    // Written by hand so that a client may send only what it knows, and so that a
    // wrong enum value says which values are accepted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ageBand = try Self.decodeVocabulary(AgeBand.self, container, .ageBand) ?? .unknown
        gender = try Self.decodeVocabulary(Gender.self, container, .gender) ?? .unknown
        region = try container.decodeIfPresent(String.self, forKey: .region)
        interests = try container.decodeIfPresent([String].self, forKey: .interests) ?? []
        consumptionLevel = try Self.decodeVocabulary(ConsumptionLevel.self, container, .consumptionLevel) ?? .unknown
        occupation = try container.decodeIfPresent(String.self, forKey: .occupation)
        preferredPlatform = try container.decodeIfPresent(String.self, forKey: .preferredPlatform)
        device = try container.decodeIfPresent(String.self, forKey: .device)
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
        consent = try container.decodeIfPresent(FanConsent.self, forKey: .consent) ?? .none
        verifiedPhone = try container.decodeIfPresent(String.self, forKey: .verifiedPhone)
        verifiedEmail = try container.decodeIfPresent(String.self, forKey: .verifiedEmail)
        wechatUnionID = try container.decodeIfPresent(String.self, forKey: .wechatUnionID)
    }

    private static func decodeVocabulary<T: RawRepresentable & CaseIterable>(
        _ type: T.Type, _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys
    ) throws -> T? where T.RawValue == String {
        guard let raw = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
        if let value = T(rawValue: raw) { return value }
        throw DecodingError.coded(.unknownValue(value: raw, choices: T.allCases.map(\.rawValue)), at: container.codingPath + [key])
    }

    /// A copy with text trimmed, empty optional text made nil, and empty or repeated tags and
    /// interests dropped (first spelling kept, compared ignoring case and width). Save this form.
    public func normalized() -> FanAttributes {
        var copy = self
        copy.region = Self.cleaned(region)
        copy.occupation = Self.cleaned(occupation)
        copy.preferredPlatform = Self.cleaned(preferredPlatform)
        copy.device = Self.cleaned(device)
        copy.tags = Self.distinct(tags)
        copy.interests = Self.distinct(interests)
        // Compared for merge suggestions: one spelling of each. "+86 138-0013-8000" and "8613800138000" are one phone.
        copy.verifiedPhone = Self.cleaned(verifiedPhone).map { String($0.filter(\.isASCII).filter(\.isNumber)) }.flatMap { $0.isEmpty ? nil : $0 }
        copy.verifiedEmail = Self.cleaned(verifiedEmail)?.lowercased()
        copy.wechatUnionID = Self.cleaned(wechatUnionID)
        return copy
    }

    /// Problems as (field, English message), empty when the profile may be saved. Checked on the
    /// text as given, so call it on `normalized()` to forgive stray spaces and repeated tags.
    public var problems: [FieldIssue] {
        var problems: [FieldIssue] = []
        problems += Self.listProblems("tags", tags, maxItems: Self.maxTags)
        problems += Self.listProblems("interests", interests, maxItems: Self.maxInterests)
        let texts: [(String, String?, Int)] = [
            ("region", region, Self.maxRegionLength), ("occupation", occupation, Self.maxTextLength),
            ("preferred_platform", preferredPlatform, Self.maxTextLength), ("device", device, Self.maxTextLength),
        ]
        if let phone = verifiedPhone, !(6...20).contains(phone.count) || !phone.allSatisfy({ $0.isASCII && $0.isNumber }) {
            problems.append(FieldIssue(field: "verified_phone", .phoneNumber))
        }
        if let email = verifiedEmail, email.count > 254 || !email.contains("@") || email.hasPrefix("@") || email.hasSuffix("@") {
            problems.append(FieldIssue(field: "verified_email", .email(example: "fan@example.com")))
        }
        if let union = wechatUnionID, union.isEmpty || union.count > 64 {
            problems.append(FieldIssue(field: "wechat_union_id", .wechatUnionId))
        }
        for (field, value, limit) in texts {
            guard let value else { continue }
            if Self.isBlank(value) {
                problems.append(FieldIssue(field: field, .notEmptyOrAbsent))
            } else if value.count > limit {
                problems.append(FieldIssue(field: field, .lengthAtMostHas(max: limit, count: value.count)))
            }
        }
        return problems
    }

    static func listProblems(_ field: String, _ items: [String], maxItems: Int) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        if items.count > maxItems {
            problems.append(FieldIssue(field: field, .itemsAtMost(max: maxItems, count: items.count)))
        }
        for (index, item) in items.enumerated() {
            if isBlank(item) {
                problems.append(FieldIssue(field: "\(field)[\(index)]", .notEmpty))
            } else if item.count > maxTagLength {
                problems.append(FieldIssue(field: "\(field)[\(index)]", .lengthAtMostHas(max: maxTagLength, count: item.count)))
            }
        }
        return problems
    }

    static func isBlank(_ text: String) -> Bool { text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    private static func cleaned(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    private static func distinct(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for item in items {
            let trimmed = item.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty && seen.insert(FanText.key(trimmed)).inserted { result.append(trimmed) }
        }
        return result
    }
}

/// How fan text (tags, interests, region, platforms) is compared: trimmed, ignoring case and
/// full/half width, so "VIP", "vip" and "ＶＩＰ" are one tag. Punctuation counts ("c++" ≠ "c#").
public enum FanText {
    public static func key(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).folding(options: [.caseInsensitive, .widthInsensitive], locale: nil)
    }
}
