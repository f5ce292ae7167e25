import FanfareCore
import Fluent
import SQLKit
import Vapor

/// `/api/v1/workspaces/{ws}/analytics/…`: series from the metric store, the
/// metrics' definitions, and the data-quality check. Everything reads the
/// store (never a platform) and only the workspace's own rows.
struct AnalyticsAPI {
    /// The longest period one series query may span.
    static let maxDays = 1_096

    /// A wrong query parameter is a 422 naming each field and what it
    /// accepts, as every other list's query values are (docs/api.md).
    static func refuse(_ errors: ValidationErrors) throws {
        guard !errors.issues.isEmpty else { return }
        throw errors
    }

    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("analytics", "series", use: series)
        ws.get("analytics", "metrics", use: metrics)
        ws.get("analytics", "quality", use: quality)
        ws.get("analytics", "overview", use: overview)
    }

    struct OverviewDTO: Content {
        struct KPI: Content {
            var key: String
            var unit: String
            var value: Double?
            var previous: Double?
            var changeRatio: Double?
            var direction: String

            private enum CodingKeys: String, CodingKey { case key, unit, value, previous, changeRatio, direction }

            /// A missing value says `null` rather than leaving the field out.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(key, forKey: .key)
                try container.encode(unit, forKey: .unit)
                try container.encode(value, forKey: .value)
                try container.encode(previous, forKey: .previous)
                try container.encode(changeRatio, forKey: .changeRatio)
                try container.encode(direction, forKey: .direction)
            }
        }
        struct Post: Content {
            var postID: UUID
            var variantID: UUID
            var accountID: UUID
            var platform: String
            var title: String
            var pillar: String
            var format: String
            var campaign: String?
            var engagements: Double
            var impressions: Double?
            var engagementRate: Double?
            var basis: String
        }
        var from: String
        var to: String
        var compare: String
        var comparisonFrom: String
        var comparisonTo: String
        var basis: String
        var kpis: [KPI]
        var top: [Post]
        var bottom: [Post]
    }

    /// The overview's KPIs against the comparison period and the top and
    /// bottom posts (the same query as the page).
    @Sendable func overview(req: Request) async throws -> OverviewDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var errors = ValidationErrors()
        let request = try await DashboardRequest.read(req, access: access, errors: &errors)
        try Self.refuse(errors)
        let result = try await AnalyticsOverview.query(access: access, request: request, inbox: access.can(.inboxView), on: req.db)
        let ranked = result.ranked()
        let post = { (p: AnalyticsOverview.PostPeriod) in
            OverviewDTO.Post(
                postID: p.postID, variantID: p.variantID, accountID: p.accountID, platform: p.platform, title: p.title, pillar: p.pillar,
                format: p.format,
                campaign: p.campaign, engagements: p.engagements, impressions: p.impressions, engagementRate: p.rate, basis: p.basis.rawValue)
        }
        return OverviewDTO(
            from: result.period.from, to: result.period.to, compare: request.comparisonKind.rawValue, comparisonFrom: result.comparison.from,
            comparisonTo: result.comparison.to, basis: result.basis.rawValue,
            kpis: result.kpis.map {
                OverviewDTO.KPI(
                    key: $0.key, unit: $0.unit, value: $0.value, previous: $0.previous, changeRatio: $0.change.ratio,
                    direction: $0.change.direction.rawValue)
            }, top: ranked.top.map(post), bottom: ranked.bottom.map(post))
    }

    struct SeriesDTO: Content {
        var metric: String
        var granularity: String
        var unit: String
        var basis: String?
        var from: String
        var to: String
        var points: [SeriesPoint]
    }

    /// The period and filters of a query, every wrong value named at once.
    struct Scope {
        var from: String
        var to: String
        var accountIDs: [UUID]?
        var platform: String?
        /// Post metrics only: posts of this content pillar, format or campaign tag.
        var pillar: String? = nil
        var format: String? = nil
        var campaign: String? = nil
    }

    static func scope(_ req: Request, access: WorkspaceAccess, errors: inout ValidationErrors, defaultDays: Int) async throws -> Scope {
        let zone = try await MetricHistoryService.timeZone(of: access.workspaceID, on: req.db)
        let today = MetricDay.of(Date(), in: zone)
        var to = today
        var from = MetricDay.adding(-(defaultDays - 1), to: today)
        if let raw = req.query[String.self, at: "to"] {
            if MetricDay.parse(raw) != nil { to = raw } else { errors.add("to", .dateFormat(value: raw)) }
        }
        if let raw = req.query[String.self, at: "from"] {
            if MetricDay.parse(raw) != nil {
                from = raw
            } else {
                errors.add("from", .dateFormat(value: raw))
            }
        } else if req.query[String.self, at: "to"] != nil {
            from = MetricDay.adding(-(defaultDays - 1), to: to)
        }
        let span = MetricDay.distance(from: from, to: to)
        if errors.issues.isEmpty, span < 0 || span >= maxDays { errors.add("to", .seriesPeriod(max: maxDays - 1)) }
        var accountIDs: [UUID]?
        let accounts = try await access.query(SocialAccount.self, on: req.db).all()
        if let raw = req.query[String.self, at: "account"] {
            if let id = UUID(uuidString: raw) {
                if accounts.contains(where: { $0.id == id }) { accountIDs = [id] } else { errors.add("account", .accountIdsNotFound(missing: [raw])) }
            } else {
                errors.add("account", .accountIdsInvalid(value: raw))
            }
        }
        var platform: String?
        if let raw = req.query[String.self, at: "platform"] {
            let known = Set(accounts.map(\.platform)).union(MetricTaxonomy.platforms.keys).sorted()
            if known.contains(raw) {
                platform = raw
                let ofPlatform = accounts.filter { $0.platform == raw }.map { $0.id! }
                accountIDs = accountIDs.map { $0.filter(ofPlatform.contains) } ?? ofPlatform
            } else {
                errors.add("platform", .unknownValue(value: raw, choices: known))
            }
        }
        var scope = Scope(from: from, to: to, accountIDs: accountIDs, platform: platform)
        if let raw = req.query[String.self, at: "pillar"] {
            if Pillar(rawValue: raw) != nil {
                scope.pillar = raw
            } else {
                errors.add("pillar", .unknownValue(value: raw, choices: Pillar.allCases.map(\.rawValue)))
            }
        }
        if let raw = req.query[String.self, at: "format"] {
            if ContentFormat(rawValue: raw) != nil {
                scope.format = raw
            } else {
                errors.add("format", .unknownValue(value: raw, choices: ContentFormat.allCases.map(\.rawValue)))
            }
        }
        if let raw = req.query[String.self, at: "campaign"] {
            let campaigns = try await DashboardQueries.campaigns(access.workspaceID, on: req.db)
            if campaigns.contains(raw) {
                scope.campaign = raw
            } else {
                errors.add("campaign", .unknownValue(value: String(raw.prefix(100)), choices: campaigns))
            }
        }
        return scope
    }

    @Sendable func series(req: Request) async throws -> SeriesDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var errors = ValidationErrors()
        let metricNames = NormalisedMetric.allCases.map(\.rawValue)
        var metric: NormalisedMetric?
        if let raw = req.query[String.self, at: "metric"] {
            metric = NormalisedMetric(rawValue: raw)
            if metric == nil { errors.add("metric", .unknownValue(value: raw, choices: metricNames)) }
        } else {
            errors.add("metric", .isRequiredOneOf(choices: metricNames))
        }
        var granularity = Granularity.day
        if let raw = req.query[String.self, at: "granularity"] {
            if let value = Granularity(rawValue: raw) {
                granularity = value
            } else {
                errors.add("granularity", .unknownValue(value: raw, choices: Granularity.allCases.map(\.rawValue)))
            }
        }
        let scope = try await Self.scope(req, access: access, errors: &errors, defaultDays: 30)
        try Self.refuse(errors)
        guard let metric else { throw Abort(.badRequest) }
        let reader = MetricSeriesReader(db: req.db, workspaceID: access.workspaceID, scope: scope)
        let (points, basis) = try await reader.series(metric, granularity: granularity)
        return SeriesDTO(
            metric: metric.rawValue, granularity: granularity.rawValue, unit: metric.unit, basis: basis, from: scope.from, to: scope.to,
            points: points)
    }

    struct MetricDTO: Content {
        var name: String
        var of: String
        var unit: String
        var aggregation: String
        var definition: String
    }

    struct PlatformDTO: Content {
        var platform: String
        var names: [String: String]
        var engagement: [String]
        var history: Bool
        var exportWindowDays: Int?
        var note: String
    }

    struct MetricsDTO: Content {
        var metrics: [MetricDTO]
        var platforms: [PlatformDTO]
    }

    @Sendable func metrics(req: Request) async throws -> MetricsDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return MetricsDTO(
            metrics: NormalisedMetric.allCases.map {
                MetricDTO(
                    name: $0.rawValue, of: $0.ofAccount ? "account" : "post", unit: $0.unit, aggregation: $0.aggregation.rawValue,
                    definition: $0.definition)
            },
            platforms: MetricTaxonomy.platforms.keys.sorted().map { name in
                let entry = MetricTaxonomy.platforms[name]!
                return PlatformDTO(
                    platform: name, names: entry.names.mapValues(\.rawValue), engagement: entry.engagement.map(\.rawValue), history: entry.history,
                    exportWindowDays: entry.exportWindowDays, note: entry.note)
            })
    }

    struct QualityDTO: Content {
        struct Account: Content {
            var accountID: UUID
            var platform: String
            var days: Int
            var missingDays: [String]
            var jumps: [MetricQuality.Jump]
            var duplicatesReplaced: Int
            var olderThanExportWindow: Int
            var exportWindowDays: Int?
        }
        var from: String
        var to: String
        var accounts: [Account]
        var postDuplicatesReplaced: Int
    }

    /// Gaps, jumps, replaced duplicates and days the platform no longer
    /// exports, per account over the period (default the last 90 days).
    @Sendable func quality(req: Request) async throws -> QualityDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var errors = ValidationErrors()
        let scope = try await Self.scope(req, access: access, errors: &errors, defaultDays: 90)
        try Self.refuse(errors)
        guard let sql = req.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$id).all()
            .filter { scope.accountIDs?.contains($0.id!) ?? true }
        let zone = try await MetricHistoryService.timeZone(of: access.workspaceID, on: req.db)
        return try await MetricQualityReader.check(
            sql, workspaceID: access.workspaceID, accounts: accounts.map { ($0.id!, $0.platform) }, from: scope.from, to: scope.to,
            today: MetricDay.of(Date(), in: zone))
    }
}

/// The data-quality check over a period, per account: what the quality
/// API answers and the dashboard's notes show.
enum MetricQualityReader {
    static func check(
        _ sql: any SQLDatabase, workspaceID: UUID, accounts: [(id: UUID, platform: String)], from: String, to: String, today: String
    ) async throws -> AnalyticsAPI.QualityDTO {
        // In the covering index's order, (day, account); each account's days are put in order below.
        let rows = try await PlainRows.all(
            sql,
            """
            SELECT account_id, day, followers, writes FROM account_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: from) AND day <= \(bind: to)
            """)
        var byAccount: [UUID: [(day: String, followers: Int?, writes: Int)]] = [:]
        for row in rows {
            byAccount[try row.uuid("account_id"), default: []].append(
                (try row.text("day"), row.number("followers").map { Int($0) }, Int(row.number("writes") ?? 1)))
        }
        for id in byAccount.keys { byAccount[id]!.sort { $0.day < $1.day } }
        let postReplaced =
            try await sql.raw(
                """
                SELECT CAST(COALESCE(SUM(writes - 1), 0) AS BIGINT) AS replaced FROM post_metric_days
                WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: from) AND day <= \(bind: to) AND writes > 1
                """
            ).first()?.decode(column: "replaced", as: Int.self) ?? 0
        return AnalyticsAPI.QualityDTO(
            from: from, to: to,
            accounts: accounts.map { account in
                let days = byAccount[account.id] ?? []
                let window = MetricTaxonomy.of(account.platform).exportWindowDays
                let edge = window.map { MetricDay.adding(-$0, to: today) }
                return AnalyticsAPI.QualityDTO.Account(
                    accountID: account.id, platform: account.platform, days: days.count,
                    missingDays: MetricQuality.gaps(days: Set(days.map(\.day)), first: days.first?.day, from: from, to: min(to, today)),
                    jumps: MetricQuality.jumps(days.compactMap { day in day.followers.map { (day.day, $0) } }),
                    duplicatesReplaced: days.reduce(0) { $0 + $1.writes - 1 },
                    olderThanExportWindow: edge.map { edge in days.filter { $0.day < edge }.count } ?? 0, exportWindowDays: window)
            }, postDuplicatesReplaced: postReplaced)
    }
}

/// Reads daily totals from the store and makes a series of them.
struct MetricSeriesReader {
    var db: any Database
    var workspaceID: UUID
    var scope: AnalyticsAPI.Scope

    /// The points and, for the engagement rate, what it was divided by.
    func series(_ metric: NormalisedMetric, granularity: Granularity) async throws -> ([SeriesPoint], String?) {
        switch metric {
        case .engagementRate:
            let engagements = try await aggregate(.engagements, granularity: granularity)
            let impressions = try await aggregate(.impressions, granularity: granularity)
            if impressions.contains(where: { ($0.value ?? 0) > 0 }) {
                return (MetricSeries.ratio(engagements, impressions), "impressions")
            }
            return (MetricSeries.ratio(engagements, try await aggregate(.followers, granularity: granularity)), "followers")
        default:
            return (try await aggregate(metric, granularity: granularity), nil)
        }
    }

    func aggregate(_ metric: NormalisedMetric, granularity: Granularity) async throws -> [SeriesPoint] {
        if let gained = try await fromGains(metric, granularity: granularity) { return gained }
        if let levels = try await fromLevels(metric, granularity: granularity) { return levels }
        let totals = try await dailyTotals(metric)
        let aggregation: NormalisedMetric.Aggregation = metric == .followersNet ? .change : metric.aggregation
        return MetricSeries.aggregate(
            totals, from: scope.from, to: scope.to, granularity: granularity, aggregation: aggregation, zeroStart: !metric.ofAccount)
    }

    /// Whether the scope narrows posts by what they are (not only by account).
    var narrowsPosts: Bool { scope.pillar != nil || scope.format != nil || scope.campaign != nil }

    /// The scope's conditions on a metric table's rows (`post`: also the
    /// posts' pillar, format and campaign); nil when no account is in scope.
    func filter(post: Bool) -> SQLQueryString? {
        var filter: SQLQueryString = ""
        if let accounts = scope.accountIDs {
            if accounts.isEmpty { return nil }
            filter = " AND account_id IN (\(SQLList(accounts.map { SQLBind($0) })))"
        }
        if post, narrowsPosts {
            var content: SQLQueryString = ""
            if let pillar = scope.pillar { content = "\(content) AND fp.pillar = \(bind: pillar)" }
            if let format = scope.format { content = "\(content) AND fp.format = \(bind: format)" }
            if let campaign = scope.campaign { content = "\(content) AND fp.campaign = \(bind: campaign)" }
            filter = """
                \(filter) AND variant_id IN (SELECT fv.id FROM post_variants fv JOIN posts fp ON fp.id = fv.post_id \
                WHERE fv.workspace_id = \(bind: workspaceID)\(content))
                """
        }
        return filter
    }

    /// A gained post metric's series from the kept gains (`PostGainStore`):
    /// the accounts' daily sums, or, when the scope narrows posts, the
    /// posts' own gains (kept for engagements and impressions). Nil when
    /// the metric has to be read from the totals.
    func fromGains(_ metric: NormalisedMetric, granularity: Granularity) async throws -> [SeriesPoint]? {
        guard !metric.ofAccount, PostGainStore.summed.contains(metric.column), let sql = db as? any SQLDatabase else { return nil }
        let column = metric.column
        guard let filter = filter(post: true) else { return [] }
        let table: String
        let value: SQLQueryString
        if !narrowsPosts {
            table = "post_gain_days"
            value = "SUM(\(ident: column))"
        } else if metric == .engagements || metric == .impressions {
            table = "post_metric_days"
            value = "SUM(COALESCE(\(ident: "gain_" + column), 0))"
        } else {
            return nil
        }
        let rows = try await sql.raw(
            """
            SELECT day, CAST(\(value) AS BIGINT) AS value FROM \(ident: table)
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: scope.from) AND day <= \(bind: scope.to)\(filter) GROUP BY day
            """
        ).all()
        let first = try await sql.raw(
            """
            SELECT MIN(day) AS first FROM \(ident: table) WHERE workspace_id = \(bind: workspaceID) AND \(ident: column) IS NOT NULL\(filter)
            """
        ).first()?.decode(column: "first", as: String?.self)
        let days = try rows.map { (day: try $0.decode(column: "day", as: String.self), value: DashboardQueries.number($0, "value") ?? 0) }
        return MetricSeries.fromGains(days, first: first, from: scope.from, to: scope.to, granularity: granularity)
    }

    /// An account level's series from per-day sums and each account's
    /// edges (`AccountLevels`): two statements and an index lookup per
    /// account instead of every account's every day. Accounts with a day
    /// missing between their first and last are read whole. Nil when the
    /// rows changed between the statements (the caller reads every day).
    func fromLevels(_ metric: NormalisedMetric, granularity: Granularity) async throws -> [SeriesPoint]? {
        guard metric.ofAccount, let sql = db as? any SQLDatabase, let filter = filter(post: false) else { return nil }
        let column = metric.column
        let aggregation: NormalisedMetric.Aggregation = metric == .followersNet ? .change : metric.aggregation
        let sums = try await sql.raw(
            """
            SELECT day, CAST(SUM(\(ident: column)) AS BIGINT) AS total, COUNT(*) AS n FROM account_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: scope.from) AND day <= \(bind: scope.to) AND \(ident: column) IS NOT NULL\(filter)
            GROUP BY day
            """
        ).all().map { row in
            AccountLevels.DaySum(
                day: try row.decode(column: "day", as: String.self), sum: SQLRows.number(row, "total") ?? 0,
                count: Int(SQLRows.number(row, "n") ?? 0))
        }
        var accounts: SQLQueryString = ""
        if let ids = scope.accountIDs { accounts = " AND a.id IN (\(SQLList(ids.map { SQLBind($0) })))" }
        func edge(_ select: SQLQueryString, _ range: SQLQueryString, _ order: String) -> SQLQueryString {
            """
            (SELECT t.\(select) FROM account_metric_days t WHERE t.account_id = a.id AND \(range) \
            AND t.\(ident: column) IS NOT NULL ORDER BY t.day \(unsafeRaw: order) LIMIT 1)
            """
        }
        let value: SQLQueryString = "\(ident: column)"
        let inside: SQLQueryString = "t.day >= \(bind: scope.from) AND t.day <= \(bind: scope.to)"
        let rows = try await sql.raw(
            """
            SELECT a.id AS entity, \(edge(value, "t.day < \(bind: scope.from)", "DESC")) AS prior,
              \(edge("day", inside, "ASC")) AS first_day, \(edge(value, inside, "ASC")) AS first_value,
              \(edge("day", inside, "DESC")) AS last_day, \(edge(value, inside, "DESC")) AS last_value
            FROM social_accounts a WHERE a.workspace_id = \(bind: workspaceID)\(accounts)
            """
        ).all()
        let asText = SQLRows.uuidsAsText(sql)
        let edges = try rows.map { row in
            func day(_ name: String, _ value: String) throws -> (day: String, value: Double)? {
                guard let day = try row.decode(column: name, as: String?.self), let total = SQLRows.number(row, value) else { return nil }
                return (day, total)
            }
            return AccountLevels.Edges(
                entity: try SQLRows.uuid(row, "entity", asText: asText).uuidString, before: SQLRows.number(row, "prior"),
                first: try day("first_day", "first_value"), last: try day("last_day", "last_value"))
        }
        func series(_ irregular: [DailyTotals]) -> [SeriesPoint]? {
            AccountLevels.series(
                sums: sums, edges: edges, irregular: irregular, from: scope.from, to: scope.to, granularity: granularity,
                aggregation: aggregation)
        }
        if let points = series([]) { return points }
        // Some account misses a day inside its range: find which by their
        // row counts, and read those accounts' days.
        let counts = try await sql.raw(
            """
            SELECT account_id AS entity, COUNT(*) AS n FROM account_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: scope.from) AND day <= \(bind: scope.to) AND \(ident: column) IS NOT NULL\(filter)
            GROUP BY account_id
            """
        ).all()
        let spans = Dictionary(
            edges.compactMap { edge in
                edge.first.flatMap { first in edge.last.map { (edge.entity, MetricDay.distance(from: first.day, to: $0.day) + 1) } }
            }, uniquingKeysWith: { a, _ in a })
        var holey: [UUID] = []
        for row in counts {
            let id = try SQLRows.uuid(row, "entity", asText: asText)
            if spans[id.uuidString] != Int(SQLRows.number(row, "n") ?? 0) { holey.append(id) }
        }
        guard !holey.isEmpty else { return nil }
        var narrowed = scope
        narrowed.accountIDs = holey
        let irregular = try await MetricSeriesReader(db: db, workspaceID: workspaceID, scope: narrowed).dailyTotals(metric)
        return series(irregular)
    }

    /// Each account's or post's totals in the period and its last total
    /// before it.
    func dailyTotals(_ metric: NormalisedMetric) async throws -> [DailyTotals] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let table = metric.ofAccount ? "account_metric_days" : "post_metric_days"
        let entity = metric.ofAccount ? "account_id" : "variant_id"
        let column = metric.column
        guard let filter = filter(post: !metric.ofAccount) else { return [] }
        // In index order ((workspace_id, day), whose covering form holds
        // followers): `DailyTotals` orders each entity's days itself.
        let query: SQLQueryString = """
            SELECT CAST(\(ident: entity) AS TEXT) AS entity, day, \(ident: column) AS value FROM \(ident: table)
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: scope.from) AND day <= \(bind: scope.to) AND \(ident: column) IS NOT NULL\(filter)
            """
        var days: [String: [(day: String, value: Double)]] = [:]
        for row in try await PlainRows.all(sql, query) {
            guard let value = row.number("value") else { throw PlainRows.Missing(column: "value") }
            // Keyed by the id as stored: a few hundred entities over tens of
            // thousands of rows, each id read once below.
            days[try row.text("entity"), default: []].append((try row.text("day"), value))
        }
        var byEntity: [UUID: [(day: String, value: Double)]] = [:]
        for (text, entityDays) in days {
            guard let id = HexText.uuid(text) else { throw PlainRows.Missing(column: "entity") }
            byEntity[id] = entityDays
        }
        let before: [any SQLRow]
        if metric.ofAccount {
            // Each account's last day before the period through its own
            // (account, day) key: asking the workspace's rows for their
            // latest day per account read every earlier day (two years of
            // 100 accounts: 50 ms a period on the overview).
            var accounts: SQLQueryString = ""
            if let ids = scope.accountIDs { accounts = " AND a.id IN (\(SQLList(ids.map { SQLBind($0) })))" }
            before = try await sql.raw(
                """
                SELECT entity, value FROM (SELECT a.id AS entity,
                  (SELECT t.\(ident: column) FROM account_metric_days t WHERE t.account_id = a.id AND t.day < \(bind: scope.from)
                   AND t.\(ident: column) IS NOT NULL ORDER BY t.day DESC LIMIT 1) AS value
                FROM social_accounts a WHERE a.workspace_id = \(bind: workspaceID)\(accounts)) l WHERE value IS NOT NULL
                """
            ).all()
        } else {
            before = try await sql.raw(
                """
                SELECT t.\(ident: entity) AS entity, t.\(ident: column) AS value FROM \(ident: table) t
                JOIN (SELECT \(ident: entity) AS e, MAX(day) AS d FROM \(ident: table)
                      WHERE workspace_id = \(bind: workspaceID) AND day < \(bind: scope.from) AND \(ident: column) IS NOT NULL\(filter)
                      GROUP BY \(ident: entity)) l
                ON t.\(ident: entity) = l.e AND t.day = l.d
                """
            ).all()
        }
        let asText = SQLRows.uuidsAsText(sql)
        var earlier: [UUID: Double] = [:]
        for row in before {
            guard let value = SQLRows.number(row, "value") else { throw PlainRows.Missing(column: "value") }
            earlier[try SQLRows.uuid(row, "entity", asText: asText)] = value
        }
        return Set(byEntity.keys).union(earlier.keys).sorted().map { id in
            DailyTotals(entity: id.uuidString, before: earlier[id], days: byEntity[id] ?? [])
        }
    }

}
