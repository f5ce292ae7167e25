import Foundation

/// What the cadence check needs to know about one content item.
public struct CadenceItem: Sendable, Equatable, Codable {
    /// Nil while the item is not classified yet; it then counts toward no
    /// pillar and no cadence weight.
    public var pillar: Pillar?
    public var format: ContentFormat?
    public var pool: ContentPool
    public var scheduledAt: Date?
    public var publishedAt: Date?

    public init(pillar: Pillar?, format: ContentFormat?, pool: ContentPool = .regular, scheduledAt: Date? = nil, publishedAt: Date? = nil) {
        self.pillar = pillar
        self.format = format
        self.pool = pool
        self.scheduledAt = scheduledAt
        self.publishedAt = publishedAt
    }

    /// When the item goes (or went) out: the real time once published,
    /// the plan before.
    var outAt: Date? { publishedAt ?? scheduledAt }
}

/// The cadence a workspace aims for. `standard` holds the seed's numbers
/// (S1; SPEC §3); every one is configurable per workspace.
public struct CadenceTargets: Sendable, Equatable, Codable {
    /// Reserve items that are neither scheduled nor published.
    public var reserveMinimum: Int
    public var premiumPerWeek: ClosedRange<Int>
    public var lightPerWeek: ClosedRange<Int>
    public var premiumFormats: Set<ContentFormat>
    public var pillarMix: [Pillar: Double]
    /// How far (as a share, 0.10 = 10 points) a pillar may stray from its
    /// target before a warning.
    public var mixTolerance: Double
    /// Below this many items in the window a share swings too much on one
    /// item to mean anything, so the mix is not judged.
    public var mixMinimumItems: Int
    public var mixWindowDays: Int

    public init(
        reserveMinimum: Int = 15, premiumPerWeek: ClosedRange<Int> = 1...2, lightPerWeek: ClosedRange<Int> = 3...5,
        premiumFormats: Set<ContentFormat> = Set(ContentFormat.allCases.filter { $0.defaultCadenceWeight == .premium }),
        pillarMix: [Pillar: Double] = Dictionary(uniqueKeysWithValues: Pillar.allCases.map { ($0, $0.targetShare) }),
        mixTolerance: Double = 0.10, mixMinimumItems: Int = 10, mixWindowDays: Int = 30
    ) {
        self.reserveMinimum = reserveMinimum
        self.premiumPerWeek = premiumPerWeek
        self.lightPerWeek = lightPerWeek
        self.premiumFormats = premiumFormats
        self.pillarMix = pillarMix
        self.mixTolerance = mixTolerance
        self.mixMinimumItems = mixMinimumItems
        self.mixWindowDays = mixWindowDays
    }

    public static let standard = CadenceTargets()

    public func weight(of format: ContentFormat) -> CadenceWeight {
        premiumFormats.contains(format) ? .premium : .light
    }
}

/// One way the content plan strays from its cadence target.
public struct CadenceWarning: Sendable, Equatable, Codable {
    /// Stable: `reserve.low`, `premium.weekly_low`, `premium.weekly_high`,
    /// `light.weekly_low`, `light.weekly_high`, `pillar_mix.off`.
    public var code: String
    /// The pillar for `pillar_mix.off`; nil otherwise.
    public var pillar: Pillar?
    /// A count, or a share between 0 and 1 for the pillar mix.
    public var measured: Double
    public var targetMin: Double?
    public var targetMax: Double?
    /// What it means, written in the reader's language from its code.
    public var coded: CodedMessage
    /// The warning in English.
    public var message: String { coded.english }

    public init(code: String, pillar: Pillar? = nil, measured: Double, targetMin: Double?, targetMax: Double?, _ coded: CodedMessage) {
        self.code = code
        self.pillar = pillar
        self.measured = measured
        self.targetMin = targetMin
        self.targetMax = targetMax
        self.coded = coded
    }

    private enum CodingKeys: String, CodingKey { case code, pillar, measured, targetMin, targetMax, message, messageCode, messageArguments }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        pillar = try container.decodeIfPresent(Pillar.self, forKey: .pillar)
        measured = try container.decode(Double.self, forKey: .measured)
        targetMin = try container.decodeIfPresent(Double.self, forKey: .targetMin)
        targetMax = try container.decodeIfPresent(Double.self, forKey: .targetMax)
        coded = try container.decodeCodedMessage(code: .messageCode, arguments: .messageArguments)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encodeIfPresent(pillar, forKey: .pillar)
        try container.encode(measured, forKey: .measured)
        try container.encodeIfPresent(targetMin, forKey: .targetMin)
        try container.encodeIfPresent(targetMax, forKey: .targetMax)
        try container.encode(coded, message: .message, code: .messageCode, arguments: .messageArguments)
    }
}

/// Compares the plan with the cadence target.
public enum CadenceCheck {
    /// - Weekly counts cover items scheduled or published in the week
    ///   (Monday 00:00 to the next Monday 00:00 in `timeZone`) that contains
    ///   `weekOf`; a published item counts at its publish time.
    /// - The reserve counts items of the reserve pool not yet scheduled or
    ///   published, wherever they are.
    /// - The pillar mix covers the `mixWindowDays` days ending when that
    ///   week ends, so a plan for next week is judged with the weeks before
    ///   it, and is judged only with at least `mixMinimumItems` classified
    ///   items.
    public static func warnings(
        items: [CadenceItem], weekOf: Date, timeZone: TimeZone, targets: CadenceTargets = .standard
    )
        -> [CadenceWarning]
    {
        var found: [CadenceWarning] = []
        let reserve = items.filter { $0.pool == .reserve && $0.outAt == nil }.count
        if reserve < targets.reserveMinimum {
            found.append(
                CadenceWarning(
                    code: "reserve.low", measured: Double(reserve), targetMin: Double(targets.reserveMinimum), targetMax: nil,
                    .cadenceReserveLow(count: reserve, min: targets.reserveMinimum)))
        }

        let calendar = Calendar.mondayFirst(timeZone)
        guard let week = calendar.dateInterval(of: .weekOfYear, for: weekOf) else { return found }
        let thisWeek = items.filter { item in item.outAt.map { week.start <= $0 && $0 < week.end } ?? false }
        for weight in CadenceWeight.allCases {
            let count = thisWeek.filter { $0.format.map { targets.weight(of: $0) } == weight }.count
            let range = weight == .premium ? targets.premiumPerWeek : targets.lightPerWeek
            if count < range.lowerBound || count > range.upperBound {
                let low = count < range.lowerBound
                found.append(
                    CadenceWarning(
                        code: "\(weight.rawValue).weekly_\(low ? "low" : "high")", measured: Double(count),
                        targetMin: Double(range.lowerBound), targetMax: Double(range.upperBound),
                        weight == .premium
                            ? .cadencePremium(count: count, min: range.lowerBound, max: range.upperBound)
                            : .cadenceLight(count: count, min: range.lowerBound, max: range.upperBound)))
            }
        }

        let windowStart =
            calendar.date(byAdding: .day, value: -targets.mixWindowDays, to: week.end)
            ?? week.end.addingTimeInterval(-Double(targets.mixWindowDays) * 86_400)
        let recent = items.compactMap { item -> Pillar? in
            guard let at = item.outAt, windowStart <= at, at < week.end else { return nil }
            return item.pillar
        }
        guard recent.count >= targets.mixMinimumItems, !recent.isEmpty else { return found }
        for pillar in Pillar.allCases {
            guard let target = targets.pillarMix[pillar] else { continue }
            let share = Double(recent.filter { $0 == pillar }.count) / Double(recent.count)
            guard abs(share - target) > targets.mixTolerance + 1e-9 else { continue }
            found.append(
                CadenceWarning(
                    code: "pillar_mix.off", pillar: pillar, measured: share,
                    targetMin: max(0, target - targets.mixTolerance), targetMax: min(1, target + targets.mixTolerance),
                    .cadencePillarMix(
                        pillar: pillar.rawValue, share: percent(share), count: recent.count, days: targets.mixWindowDays, target: percent(target),
                        tolerance: percent(targets.mixTolerance))))
        }
        return found
    }

    static func percent(_ share: Double) -> String {
        "\(Int((share * 100).rounded())) %"
    }
}

extension Calendar {
    /// Gregorian weeks from Monday (ISO 8601), in one time zone.
    static func mondayFirst(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        calendar.locale = Locale(identifier: "en_US_POSIX")
        return calendar
    }
}
