import Foundation

/// The question a fan-analytics page or API call asks: a period of local
/// days (default the last 90 days ending today), a granularity, and
/// optional platform and account filters. Reading it names every wrong
/// value at once; an empty value is as if it were not given (a form's
/// "all" choice).
public struct FanPeriodQuery: Sendable, Equatable {
    public static let defaultDays = 90
    /// The longest period (three years), as the series API.
    public static let maxDays = 1_096

    public var from: String
    public var to: String
    public var granularity: Granularity
    public var platform: String?
    public var accountID: UUID?
    /// A saved segment of the workspace: only its members count (the
    /// funnel, repurchase and cohorts; see docs/analytics.md).
    public var segmentID: UUID?

    public init(
        from: String, to: String, granularity: Granularity = .day, platform: String? = nil, accountID: UUID? = nil, segmentID: UUID? = nil
    ) {
        self.from = from
        self.to = to
        self.granularity = granularity
        self.platform = platform
        self.accountID = accountID
        self.segmentID = segmentID
    }

    /// `accounts`: the workspace's accounts and their platforms; `platforms`:
    /// the platforms Fanfare knows; `granularities`: what this question
    /// accepts (the cohorts are weekly only); `segments`: the workspace's
    /// segments, nil where the question takes none (`segment` is then not read).
    public static func read(
        _ values: [String: String], today: String, accounts: [UUID: String], platforms: [String],
        granularities: [Granularity] = Granularity.allCases, segments: Set<UUID>? = nil
    ) -> (query: FanPeriodQuery, errors: ValidationErrors) {
        var errors = ValidationErrors()
        func value(_ name: String) -> String? {
            guard let raw = values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var to = today
        if let raw = value("to") {
            if MetricDay.parse(raw) != nil { to = raw } else { errors.add("to", .dateFormat(value: raw)) }
        }
        var from = MetricDay.adding(-(defaultDays - 1), to: to)
        if let raw = value("from") {
            if MetricDay.parse(raw) != nil { from = raw } else { errors.add("from", .dateFormat(value: raw)) }
        }
        if errors.issues.isEmpty {
            let span = MetricDay.distance(from: from, to: to)
            if span < 0 || span >= maxDays { errors.add("to", .seriesPeriod(max: maxDays - 1)) }
        }
        var granularity = granularities.first ?? .day
        if let raw = value("granularity") {
            if let chosen = Granularity(rawValue: raw), granularities.contains(chosen) {
                granularity = chosen
            } else {
                errors.add("granularity", .unknownValue(value: raw, choices: granularities.map(\.rawValue)))
            }
        }
        var platform: String?
        if let raw = value("platform") {
            let known = Set(platforms).union(accounts.values).sorted()
            if known.contains(raw) { platform = raw } else { errors.add("platform", .unknownValue(value: raw, choices: known)) }
        }
        var accountID: UUID?
        if let raw = value("account") {
            if let id = UUID(uuidString: raw) {
                if accounts[id] != nil { accountID = id } else { errors.add("account", .accountIdsNotFound(missing: [raw])) }
            } else {
                errors.add("account", .accountIdsInvalid(value: raw))
            }
        }
        var segmentID: UUID?
        if let segments, let raw = value("segment") {
            if let id = UUID(uuidString: raw), segments.contains(id) { segmentID = id } else { errors.add("segment", .notASegment) }
        }
        return (
            FanPeriodQuery(from: from, to: to, granularity: granularity, platform: platform, accountID: accountID, segmentID: segmentID), errors
        )
    }

    /// The query as a query string (what a link to the same view carries),
    /// leaving out what is the default.
    public func queryItems(includeGranularity: Bool = false) -> [(String, String)] {
        var items = [("from", from), ("to", to)]
        if includeGranularity { items.append(("granularity", granularity.rawValue)) }
        if let platform { items.append(("platform", platform)) }
        if let accountID { items.append(("account", accountID.uuidString.lowercased())) }
        if let segmentID { items.append(("segment", segmentID.uuidString.lowercased())) }
        return items
    }
}
