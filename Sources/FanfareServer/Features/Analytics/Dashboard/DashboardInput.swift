import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The overview's period, comparison and filters as asked for in a query
/// string (the page, its drill-down and export, and the API read the same
/// names), every wrong value named at once.
struct DashboardFilter: Sendable, Equatable {
    var accountID: UUID?
    var platform: String?
    var pillar: String?
    var format: String?
    var campaign: String?

    /// Whether a content filter (pillar, format, campaign) narrows the posts.
    var narrowsPosts: Bool { pillar != nil || format != nil || campaign != nil }

    var queryItems: [(String, String)] {
        [("account", accountID?.uuidString.lowercased()), ("platform", platform), ("pillar", pillar), ("format", format), ("campaign", campaign)]
            .compactMap { name, value in value.map { (name, $0) } }
    }
}

/// What a dashboard query reads: the period, its comparison, the filter,
/// and the accounts the filter leaves (nil: every account of the workspace).
struct DashboardRequest: Sendable {
    /// `7`, `28`, `90` or `custom`, as the page's period menu offers.
    var preset: String
    var period: DashboardPeriod
    var comparisonKind: DashboardComparison
    var filter: DashboardFilter
    var accountIDs: [UUID]?

    var comparison: DashboardPeriod { period.comparison(comparisonKind) }

    /// The query string that asks for the same again (links, the CSV, the next page).
    var queryItems: [(String, String)] {
        var items: [(String, String)] =
            preset == "custom" ? [("from", period.from), ("to", period.to)] : [("period", preset)]
        if comparisonKind != .previous { items.append(("compare", comparisonKind.rawValue)) }
        return items + filter.queryItems
    }

    static func query(_ items: [(String, String)]) -> String {
        var components = URLComponents()
        components.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.percentEncodedQuery ?? ""
    }

    /// The same period and filters as a series scope (the export, the series API).
    var scope: AnalyticsAPI.Scope {
        AnalyticsAPI.Scope(
            from: period.from, to: period.to, accountIDs: accountIDs, platform: filter.platform, pillar: filter.pillar, format: filter.format,
            campaign: filter.campaign)
    }

    static let presets = ["7", "28", "90"]
    static let defaultPreset = "28"

    /// Reads the query values; the errors name each field and what it
    /// accepts. `accounts` are the workspace's (id, platform); `campaigns`
    /// its posts' campaign tags.
    static func parse(
        _ value: (String) -> String?, today: String, accounts: [(id: UUID, platform: String)], campaigns: [String], errors: inout ValidationErrors
    ) -> DashboardRequest {
        var preset = defaultPreset
        var period = DashboardPeriod.last(28, endingOn: today)
        let from = value("from").flatMap { $0.isEmpty ? nil : $0 }
        let to = value("to").flatMap { $0.isEmpty ? nil : $0 }
        if let raw = value("period"), !raw.isEmpty, raw != "custom" {
            if presets.contains(raw) {
                preset = raw
                period = .last(Int(raw)!, endingOn: today)
            } else {
                errors.add("period", .unknownValue(value: raw, choices: presets + ["custom"]))
            }
        }
        if from != nil || to != nil, value("period").map({ $0.isEmpty || $0 == "custom" }) ?? true {
            preset = "custom"
            var end = today
            if let to {
                if MetricDay.parse(to) != nil { end = to } else { errors.add("to", .dateFormat(value: to)) }
            }
            var start = MetricDay.adding(-27, to: end)
            if let from {
                if MetricDay.parse(from) != nil { start = from } else { errors.add("from", .dateFormat(value: from)) }
            }
            let span = MetricDay.distance(from: start, to: end)
            if errors.issues.isEmpty, span < 0 || span >= AnalyticsAPI.maxDays { errors.add("to", .seriesPeriod(max: AnalyticsAPI.maxDays - 1)) }
            period = DashboardPeriod(from: start, to: end)
        }
        var comparison = DashboardComparison.previous
        if let raw = value("compare"), !raw.isEmpty {
            if let kind = DashboardComparison(rawValue: raw) {
                comparison = kind
            } else {
                errors.add("compare", .unknownValue(value: raw, choices: DashboardComparison.allCases.map(\.rawValue)))
            }
        }
        var filter = DashboardFilter()
        var accountIDs: [UUID]?
        if let raw = value("account"), !raw.isEmpty {
            if let id = UUID(uuidString: raw) {
                if accounts.contains(where: { $0.id == id }) {
                    filter.accountID = id
                    accountIDs = [id]
                } else {
                    errors.add("account", .accountIdsNotFound(missing: [raw]))
                }
            } else {
                errors.add("account", .accountIdsInvalid(value: raw))
            }
        }
        if let raw = value("platform"), !raw.isEmpty {
            let known = Set(accounts.map(\.platform)).union(MetricTaxonomy.platforms.keys).sorted()
            if known.contains(raw) {
                filter.platform = raw
                let ofPlatform = accounts.filter { $0.platform == raw }.map(\.id)
                accountIDs = accountIDs.map { $0.filter(ofPlatform.contains) } ?? ofPlatform
            } else {
                errors.add("platform", .unknownValue(value: raw, choices: known))
            }
        }
        if let raw = value("pillar"), !raw.isEmpty {
            if Pillar(rawValue: raw) != nil {
                filter.pillar = raw
            } else {
                errors.add("pillar", .unknownValue(value: raw, choices: Pillar.allCases.map(\.rawValue)))
            }
        }
        if let raw = value("format"), !raw.isEmpty {
            if ContentFormat(rawValue: raw) != nil {
                filter.format = raw
            } else {
                errors.add("format", .unknownValue(value: raw, choices: ContentFormat.allCases.map(\.rawValue)))
            }
        }
        if let raw = value("campaign"), !raw.isEmpty {
            if campaigns.contains(raw) {
                filter.campaign = raw
            } else {
                errors.add("campaign", .unknownValue(value: String(raw.prefix(100)), choices: campaigns))
            }
        }
        return DashboardRequest(preset: preset, period: period, comparisonKind: comparison, filter: filter, accountIDs: accountIDs)
    }

    /// Reads a request's query with the workspace's accounts and campaigns.
    static func read(_ req: Request, access: WorkspaceAccess, errors: inout ValidationErrors) async throws -> DashboardRequest {
        try await readWithLists(req, access: access, errors: &errors).request
    }

    /// `read`, handing back the accounts and campaigns it checked the
    /// query against, so a page that shows them does not read them again.
    static func readWithLists(
        _ req: Request, access: WorkspaceAccess, errors: inout ValidationErrors
    ) async throws -> (request: DashboardRequest, accounts: [DashboardQueries.Account], campaigns: [String]) {
        let today = MetricDay.of(Date(), in: access.workspace.zone)
        let accounts = try await DashboardQueries.accounts(access.workspaceID, on: req.db)
        let campaigns = try await DashboardQueries.campaigns(access.workspaceID, on: req.db)
        let request = parse(
            { req.query[String.self, at: $0] }, today: today, accounts: accounts.map { (id: $0.id, platform: $0.platform) }, campaigns: campaigns,
            errors: &errors)
        return (request, accounts, campaigns)
    }
}

/// Small reads the dashboard shares.
enum DashboardQueries {
    struct Account: Sendable, Equatable {
        var id: UUID
        var platform: String
        var handle: String
        var connected: Bool
    }

    static func accounts(_ workspaceID: UUID, on db: any Database) async throws -> [Account] {
        guard let sql = db as? any SQLDatabase else { return [] }
        return try await sql.raw(
            "SELECT id, platform, handle, status FROM social_accounts WHERE workspace_id = \(bind: workspaceID) ORDER BY platform, handle, id"
        ).all().map {
            Account(
                id: try $0.decode(column: "id", as: UUID.self), platform: try $0.decode(column: "platform", as: String.self),
                handle: try $0.decode(column: "handle", as: String.self),
                connected: try $0.decode(column: "status", as: String.self) == SocialAccount.Status.connected.rawValue)
        }
    }

    /// The campaign tags the workspace's posts carry, sorted.
    static func campaigns(_ workspaceID: UUID, on db: any Database) async throws -> [String] {
        guard let sql = db as? any SQLDatabase else { return [] }
        return try await sql.raw(
            "SELECT DISTINCT campaign FROM posts WHERE workspace_id = \(bind: workspaceID) AND campaign IS NOT NULL AND campaign <> '' ORDER BY campaign"
        ).all().map { try $0.decode(column: "campaign", as: String.self) }
    }

    /// `AND <alias>.account_id IN (…)` for the accounts a filter leaves,
    /// and `AND <alias>.variant_id IN (…)` for its content filters; nil when
    /// the filter leaves nothing.
    static func postFilter(_ request: DashboardRequest, workspaceID: UUID, alias: String) -> SQLQueryString? {
        var filter: SQLQueryString = ""
        if let accounts = request.accountIDs {
            if accounts.isEmpty { return nil }
            filter = " AND \(ident: alias).account_id IN \(SQLGroupExpression(accounts.map { SQLBind($0) }))"
        }
        guard request.filter.narrowsPosts else { return filter }
        var content: SQLQueryString = ""
        if let pillar = request.filter.pillar { content = "\(content) AND fp.pillar = \(bind: pillar)" }
        if let format = request.filter.format { content = "\(content) AND fp.format = \(bind: format)" }
        if let campaign = request.filter.campaign { content = "\(content) AND fp.campaign = \(bind: campaign)" }
        return """
            \(filter) AND \(ident: alias).variant_id IN (SELECT fv.id FROM post_variants fv JOIN posts fp ON fp.id = fv.post_id \
            WHERE fv.workspace_id = \(bind: workspaceID)\(content))
            """
    }

    /// `AND <alias>.account_id IN (…)`; nil when the filter leaves no account.
    static func accountFilter(_ accountIDs: [UUID]?, alias: String) -> SQLQueryString? {
        guard let accountIDs else { return "" }
        if accountIDs.isEmpty { return nil }
        return " AND \(ident: alias).account_id IN \(SQLGroupExpression(accountIDs.map { SQLBind($0) }))"
    }

    /// The first instant of `day` in `zone`.
    static func start(of day: String, in zone: TimeZone) -> Date {
        // A view asks this for every day of its charts and buckets: when
        // the zone's offset is the same a day either side, the local
        // midnight is the UTC one moved by that offset (what the calendar
        // answers), found without making a calendar.
        if let utc = MetricDay.parse(day) {
            let offset = zone.secondsFromGMT(for: utc)
            let candidate = utc.addingTimeInterval(-Double(offset))
            if zone.secondsFromGMT(for: candidate) == offset, zone.secondsFromGMT(for: candidate.addingTimeInterval(-86_400)) == offset,
                zone.secondsFromGMT(for: candidate.addingTimeInterval(86_400)) == offset
            {
                return candidate
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return Date.distantPast }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) ?? Date.distantPast
    }

    /// The first instant of a period and the first after it.
    static func instants(_ period: DashboardPeriod, in zone: TimeZone) -> (from: Date, until: Date) {
        (start(of: period.from, in: zone), start(of: MetricDay.adding(1, to: period.to), in: zone))
    }

    /// A number column as Double (integers and reals both).
    static func number(_ row: any SQLRow, _ column: String) -> Double? { SQLRows.number(row, column) }
}
