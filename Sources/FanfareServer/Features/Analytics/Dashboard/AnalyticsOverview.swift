import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The workspace's numbers for a period against its comparison period:
/// the KPIs, the daily series behind the charts, every post's period and
/// the data-quality notes, as plain values. The overview page, its API and
/// the 工作台 read it; the weekly and monthly reports are meant to.
///
/// A handful of aggregate statements, whatever the number of accounts or
/// posts: accounts' followers (two per period), posts' daily gains (one per
/// period), each post's gains (one), conversions (one), the inbox's
/// service level (through its Surface) and sentiment (one each), quality (two).
enum AnalyticsOverview {
    /// A KPI: its value, the comparison period's, the change and its daily values.
    struct KPI: Sendable, Equatable {
        /// `followers`, `followers_net`, `impressions`, `engagements`, `engagement_rate`,
        /// `sign_ups`, `purchases`, `purchase_amount`, `service_level`, `sentiment_negative`.
        var key: String
        /// `count`, `ratio` or `fen`.
        var unit: String
        var value: Double?
        var previous: Double?
        var daily: [Double?]
        var change: KPIChange { KPIChange(current: value, previous: previous) }
    }

    /// One post as published on one account, with what it gained in the period.
    struct PostPeriod: Sendable, Equatable {
        var variantID: UUID
        var postID: UUID
        var accountID: UUID
        var platform: String
        var title: String
        var pillar: String
        var format: String
        var campaign: String?
        var engagements: Double
        var impressions: Double?
        /// Engagements ÷ impressions, or ÷ the account's followers at the period's end.
        var rate: Double?
        var basis: EngagementBasis
    }

    /// A day's posts' gains over all posts.
    struct PostDay: Sendable, Equatable {
        var day: String
        var engagements: Double
        var impressions: Double
        var withImpressions: Int
    }

    struct Sentiment: Sendable, Equatable {
        var positive = 0
        var neutral = 0
        var negative = 0
        var total: Int { positive + neutral + negative }
        func share(_ count: Int) -> Double? { total == 0 ? nil : (Double(count) / Double(total) * 10_000).rounded() / 10_000 }
    }

    struct QualityNote: Sendable, Equatable {
        var accountID: UUID
        var platform: String
        var handle: String
        var missingDays: Int
        var jumps: [MetricQuality.Jump]
        var duplicatesReplaced: Int
    }

    struct Result: Sendable {
        var period: DashboardPeriod
        var comparison: DashboardPeriod
        var request: DashboardRequest
        var accounts: [DashboardQueries.Account]
        var kpis: [KPI]
        /// The basis of the engagement rate (the comparison uses the same).
        var basis: EngagementBasis
        var followerDays: [FollowerFlowDay]
        var comparisonFollowerDays: [FollowerFlowDay]
        var postDays: [PostDay]
        var comparisonPostDays: [PostDay]
        var posts: [PostPeriod]
        /// Each account's followers at the period's end and its net growth in it.
        var accountFollowers: [UUID: (end: Double?, net: Double)]
        var sentiment: Sentiment?
        var comparisonSentiment: Sentiment?
        var quality: [QualityNote]
        /// Nothing stored at all for the workspace (no account day, no post day, no event).
        var storesNothing: Bool

        func kpi(_ key: String) -> KPI? { kpis.first { $0.key == key } }

        /// The top and bottom posts by engagements gained, then rate.
        func ranked() -> (top: [PostPeriod], bottom: [PostPeriod]) { AnalyticsOverview.ranked(posts) }
    }

    /// The period's numbers. `inbox` says whether the person may see the
    /// inbox's service level and sentiment (they are left out otherwise).
    /// `kpisOnly` leaves out what only the overview page shows (each post's
    /// gains, the data-quality notes): the 工作台's week tiles need neither.
    /// `accounts`: the workspace's accounts when the caller has read them already.
    static func query(
        access: WorkspaceAccess, request: DashboardRequest, inbox: Bool, kpisOnly: Bool = false, accounts known: [DashboardQueries.Account]? = nil,
        on db: any Database, now: Date = Date()
    ) async throws -> Result {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let workspaceID = access.workspaceID
        let zone = access.workspace.zone
        let period = request.period
        let comparison = request.comparison
        let accounts: [DashboardQueries.Account]
        if let known { accounts = known } else { accounts = try await DashboardQueries.accounts(workspaceID, on: db) }
        // Each post's gains are the longest read (every post day of the
        // period, sorted by post) and the quality check the next: both start
        // now, on connections of their own, while the rest is read beside
        // them, so a view waits for the longest read rather than for all.
        async let postsRead: [PostPeriod] = kpisOnly ? [] : Self.posts(sql, workspaceID: workspaceID, request: request)
        async let qualityRead: [QualityNote] =
            kpisOnly ? [] : Self.quality(sql, workspaceID: workspaceID, accounts: accounts, request: request, today: MetricDay.of(now, in: zone))

        // Followers: each account's days in each period and its last day before it.
        func followers(_ range: DashboardPeriod) async throws -> [DailyTotals] {
            let scope = AnalyticsAPI.Scope(from: range.from, to: range.to, accountIDs: request.accountIDs, platform: request.filter.platform)
            return try await MetricSeriesReader(db: db, workspaceID: workspaceID, scope: scope).dailyTotals(.followers)
        }
        let currentTotals = try await followers(period)
        let followerDays = FollowerFlow.days(currentTotals, period: period)
        let comparisonDays = FollowerFlow.days(try await followers(comparison), period: comparison)
        var accountFollowers: [UUID: (end: Double?, net: Double)] = [:]
        for entity in currentTotals {
            guard let id = UUID(uuidString: entity.entity) else { continue }
            let flow = FollowerFlow.days([entity], period: period)
            accountFollowers[id] = (flow.last?.followers, flow.reduce(0) { $0 + $1.net })
        }

        // Posts: the daily gains of each period, and each post's gains in this one.
        let bothPostDays = try await Self.postDays(sql, workspaceID: workspaceID, request: request, ranges: [period, comparison])
        let postDays = bothPostDays[0]
        let comparisonPostDays = bothPostDays[1]
        var posts = try await postsRead
        let followersAtEnd = followerDays.last?.followers
        let comparisonFollowersAtEnd = comparisonDays.last?.followers
        let impressions = postDays.reduce(0) { $0 + $1.impressions }
        let basis = EngagementBasis.choose(impressions: postDays.contains { $0.withImpressions > 0 } ? impressions : nil)
        for index in posts.indices {
            let post = posts[index]
            let own = EngagementBasis.choose(impressions: post.impressions)
            posts[index].basis = own
            posts[index].rate = own.rate(
                engagements: post.engagements, impressions: post.impressions, followers: accountFollowers[post.accountID]?.end ?? nil)
        }
        posts = try await Self.titled(posts, sql)
        let engagements = postDays.reduce(0) { $0 + $1.engagements }
        let comparisonEngagements = comparisonPostDays.reduce(0) { $0 + $1.engagements }
        let comparisonImpressions = comparisonPostDays.reduce(0) { $0 + $1.impressions }
        let anyPostDay = !postDays.isEmpty
        let anyComparisonPostDay = !comparisonPostDays.isEmpty

        func daily(_ days: [PostDay], _ value: (PostDay) -> Double?) -> [Double?] {
            let byDay = Dictionary(uniqueKeysWithValues: days.map { ($0.day, $0) })
            return period.allDays.map { byDay[$0].flatMap(value) ?? (days.isEmpty ? nil : 0) }
        }
        let followersByDay = Dictionary(uniqueKeysWithValues: followerDays.map { ($0.day, $0) })
        var kpis: [KPI] = [
            KPI(
                key: "followers", unit: "count", value: followersAtEnd, previous: comparisonFollowersAtEnd,
                daily: period.allDays.map { followersByDay[$0]?.followers }),
            KPI(
                key: "followers_net", unit: "count", value: currentTotals.isEmpty ? nil : followerDays.reduce(0) { $0 + $1.net },
                previous: comparisonDays.allSatisfy({ $0.followers == nil }) ? nil : comparisonDays.reduce(0) { $0 + $1.net },
                daily: followerDays.map { $0.followers == nil ? nil : $0.net }),
            KPI(
                key: "impressions", unit: "count", value: postDays.contains { $0.withImpressions > 0 } ? impressions : nil,
                previous: comparisonPostDays.contains { $0.withImpressions > 0 } ? comparisonImpressions : nil,
                daily: daily(postDays) { $0.impressions }),
            KPI(
                key: "engagements", unit: "count", value: anyPostDay ? engagements : nil,
                previous: anyComparisonPostDay ? comparisonEngagements : nil,
                daily: daily(postDays) { $0.engagements }),
            KPI(
                key: "engagement_rate", unit: "ratio",
                value: anyPostDay ? basis.rate(engagements: engagements, impressions: impressions, followers: followersAtEnd) : nil,
                previous: anyComparisonPostDay
                    ? basis.rate(engagements: comparisonEngagements, impressions: comparisonImpressions, followers: comparisonFollowersAtEnd) : nil,
                daily: Self.dailyRate(period: period, days: postDays, basis: basis, followers: followerDays)),
        ]
        kpis += try await Self.conversions(sql, workspaceID: workspaceID, period: period, comparison: comparison, zone: zone)
        var sentiment: Sentiment?
        var comparisonSentiment: Sentiment?
        if inbox, let accountFilter = DashboardQueries.accountFilter(request.accountIDs, alias: "m") {
            let service = try await ConversationService.serviceLevelOutcomes(
                in: access, periods: [period, comparison].map { DashboardQueries.instants($0, in: zone) }, accountIDs: request.accountIDs, on: db,
                now: now)
            let current = service[0]
            kpis.append(
                KPI(
                    key: "service_level", unit: "ratio", value: ServiceLevelOutcome.share(met: current.met, missed: current.missed),
                    previous: ServiceLevelOutcome.share(met: service[1].met, missed: service[1].missed),
                    daily: period.allDays.map { day in
                        current.byDay[day].flatMap { ServiceLevelOutcome.share(met: $0.met, missed: $0.missed) }
                    }))
            let read = try await Self.sentiment(
                sql, workspaceID: workspaceID, accountFilter: accountFilter, period: period, comparison: comparison, zone: zone)
            sentiment = read.current
            comparisonSentiment = read.comparison
            kpis.append(
                KPI(
                    key: "sentiment_negative", unit: "ratio", value: read.current.share(read.current.negative),
                    previous: read.comparison.share(read.comparison.negative), daily: read.daily.map { $0.share($0.negative) }))
        }
        let quality = try await qualityRead
        var storesNothing = false
        if currentTotals.isEmpty, !anyPostDay { storesNothing = try await Self.storesNothing(sql, workspaceID: workspaceID) }
        return Result(
            period: period, comparison: comparison, request: request, accounts: accounts, kpis: kpis, basis: basis, followerDays: followerDays,
            comparisonFollowerDays: comparisonDays, postDays: postDays, comparisonPostDays: comparisonPostDays, posts: posts,
            accountFollowers: accountFollowers, sentiment: sentiment, comparisonSentiment: comparisonSentiment, quality: quality,
            storesNothing: storesNothing)
    }

    /// Each day's engagement rate on the period's basis (followers: at the end of that day).
    static func dailyRate(period: DashboardPeriod, days: [PostDay], basis: EngagementBasis, followers: [FollowerFlowDay]) -> [Double?] {
        let byDay = Dictionary(uniqueKeysWithValues: days.map { ($0.day, $0) })
        let followersByDay = Dictionary(uniqueKeysWithValues: followers.map { ($0.day, $0.followers) })
        return period.allDays.map { day in
            guard let gained = byDay[day] else { return nil }
            return basis.rate(engagements: gained.engagements, impressions: gained.impressions, followers: followersByDay[day] ?? nil)
        }
    }

    /// Each day's gains over the posts in scope: from the accounts' daily
    /// sums (`post_gain_days`) when only accounts narrow it, else from the
    /// gains kept on the posts' days (`PostGainStore`).
    static func postDays(_ sql: any SQLDatabase, workspaceID: UUID, request: DashboardRequest, range: DashboardPeriod) async throws -> [PostDay] {
        try await postDays(sql, workspaceID: workspaceID, request: request, ranges: [range])[0]
    }

    /// `postDays` of each range (the period and its comparison), in one
    /// statement: a select per range, told apart by `k`, under UNION ALL.
    static func postDays(_ sql: any SQLDatabase, workspaceID: UUID, request: DashboardRequest, ranges: [DashboardPeriod]) async throws -> [[PostDay]]
    {
        var result = [[PostDay]](repeating: [], count: ranges.count)
        let narrows = request.filter.narrowsPosts
        guard !ranges.isEmpty, let filter = DashboardQueries.postFilter(request, workspaceID: workspaceID, alias: narrows ? "m" : "g") else {
            return result
        }
        var selects: SQLQueryString = ""
        for (index, range) in ranges.enumerated() {
            let select: SQLQueryString
            if !narrows {
                select = """
                    SELECT \(literal: index) AS k, day, CAST(SUM(g.engagements) AS BIGINT) AS e, CAST(SUM(g.impressions) AS BIGINT) AS i,
                      CAST(SUM(g.reporting_impressions) AS BIGINT) AS hi
                    FROM post_gain_days g WHERE g.workspace_id = \(bind: workspaceID) AND g.day >= \(bind: range.from) AND g.day <= \(bind: range.to)\(filter)
                    GROUP BY day
                    """
            } else {
                select = """
                    SELECT \(literal: index) AS k, day, CAST(SUM(COALESCE(m.gain_engagements, 0)) AS BIGINT) AS e,
                      CAST(SUM(COALESCE(m.gain_impressions, 0)) AS BIGINT) AS i, CAST(SUM(CASE WHEN m.impressions IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS hi
                    FROM post_metric_days m WHERE m.workspace_id = \(bind: workspaceID) AND m.day >= \(bind: range.from) AND m.day <= \(bind: range.to)\(filter)
                    GROUP BY day
                    """
            }
            selects = index == 0 ? select : "\(selects) UNION ALL \(select)"
        }
        let rows = try await sql.raw("\(selects) ORDER BY k, day").all()
        for row in rows {
            let key = try row.decode(column: "k", as: Int.self)
            guard result.indices.contains(key) else { continue }
            result[key].append(
                PostDay(
                    day: try row.decode(column: "day", as: String.self), engagements: DashboardQueries.number(row, "e") ?? 0,
                    impressions: DashboardQueries.number(row, "i") ?? 0, withImpressions: Int(DashboardQueries.number(row, "hi") ?? 0)))
        }
        return result
    }

    /// Each post's gains in the period, from the gains kept on its days.
    static func posts(_ sql: any SQLDatabase, workspaceID: UUID, request: DashboardRequest) async throws -> [PostPeriod] {
        guard let filter = DashboardQueries.postFilter(request, workspaceID: workspaceID, alias: "m") else { return [] }
        let range = request.period
        let rows = try await PlainRows.all(
            sql,
            """
            SELECT s.variant_id, s.e, s.i, s.hi, v.post_id, v.account_id, v.platform, p.pillar, p.format, p.campaign
            FROM (SELECT m.variant_id, CAST(SUM(COALESCE(m.gain_engagements, 0)) AS BIGINT) AS e,
                    CAST(SUM(COALESCE(m.gain_impressions, 0)) AS BIGINT) AS i, MAX(CASE WHEN m.impressions IS NULL THEN 0 ELSE 1 END) AS hi
                  FROM post_metric_days m
                  WHERE m.workspace_id = \(bind: workspaceID) AND m.day >= \(bind: range.from) AND m.day <= \(bind: range.to)\(filter)
                  GROUP BY m.variant_id) s
            JOIN post_variants v ON v.id = s.variant_id JOIN posts p ON p.id = v.post_id
            WHERE v.workspace_id = \(bind: workspaceID)
            """)
        return try rows.map { row in
            let withImpressions = (row.number("hi") ?? 0) > 0
            return PostPeriod(
                variantID: try row.uuid("variant_id"), postID: try row.uuid("post_id"), accountID: try row.uuid("account_id"),
                platform: try row.text("platform"), title: "", pillar: try row.text("pillar"),
                format: try row.text("format"), campaign: try row.optionalText("campaign"), engagements: row.number("e") ?? 0,
                impressions: withImpressions ? row.number("i") : nil, rate: nil, basis: .followers)
        }
    }

    /// How many top and bottom posts are shown (their titles are read).
    static let rankedLimit = 5

    /// The top and bottom `rankedLimit` posts by engagements gained, then rate.
    static func ranked(_ posts: [PostPeriod]) -> (top: [PostPeriod], bottom: [PostPeriod]) {
        let byID = Dictionary(uniqueKeysWithValues: posts.map { ($0.variantID.uuidString, $0) })
        let ranked = PostRanking.rank(
            posts.map { RankedPost(id: $0.variantID.uuidString, engagements: $0.engagements, rate: $0.rate) }, limit: rankedLimit)
        return (ranked.top.compactMap { byID[$0.id] }, ranked.bottom.compactMap { byID[$0.id] })
    }

    /// The titles (or the first 80 characters of the text) of the ranked
    /// posts only: reading them for every post of the period read each
    /// post's whole text (a month of the benchmark's posts: 20 of 43 ms).
    static func titled(_ posts: [PostPeriod], _ sql: any SQLDatabase) async throws -> [PostPeriod] {
        let ranked = Self.ranked(posts)
        let ids = Set((ranked.top + ranked.bottom).map(\.postID))
        guard !ids.isEmpty else { return posts }
        var titles: [UUID: String] = [:]
        for row in try await PlainRows.all(
            sql, "SELECT id, title, SUBSTR(body, 1, 80) AS body FROM posts WHERE id IN (\(SQLList(ids.sorted().map { SQLBind($0) })))")
        {
            let title = try row.optionalText("title").flatMap { $0.isEmpty ? nil : $0 }
            titles[try row.uuid("id")] = try title ?? row.text("body")
        }
        return posts.map { post in
            var post = post
            if let title = titles[post.postID] { post.title = title }
            return post
        }
    }

    /// The instants of each day of `period` (keys 0…), then of the whole
    /// period (key `days`) and of the comparison period (`days + 1`).
    static func bucketRanges(period: DashboardPeriod, comparison: DashboardPeriod, zone: TimeZone) -> [(key: Int, from: Date, until: Date)] {
        let days = period.allDays
        var ranges: [(key: Int, from: Date, until: Date)] = days.enumerated().map { index, day in
            (index, DashboardQueries.start(of: day, in: zone), DashboardQueries.start(of: MetricDay.adding(1, to: day), in: zone))
        }
        ranges.append(
            (days.count, DashboardQueries.start(of: period.from, in: zone), DashboardQueries.start(of: MetricDay.adding(1, to: period.to), in: zone)))
        ranges.append(
            (
                days.count + 1, DashboardQueries.start(of: comparison.from, in: zone),
                DashboardQueries.start(of: MetricDay.adding(1, to: comparison.to), in: zone)
            ))
        return ranges
    }

    /// `(VALUES (0, from, to), …)` of `bucketRanges`. Joined with CROSS
    /// JOIN, which keeps the few buckets as SQLite's outer loop (each a
    /// range of an index): with a plain JOIN, SQLite 3.5x (the one SQLiteNIO
    /// builds in) read every row of the table in the outer loop and tried
    /// each bucket against it (the overview's sign-ups: 73 ms instead of 2).
    /// PostgreSQL plans a CROSS JOIN with conditions as any inner join.
    static func buckets(period: DashboardPeriod, comparison: DashboardPeriod, zone: TimeZone) -> SQLQueryString {
        var values: SQLQueryString = ""
        for (index, range) in bucketRanges(period: period, comparison: comparison, zone: zone).enumerated() {
            values = "\(values)\(unsafeRaw: index == 0 ? "" : ", ")(\(literal: range.key), \(bind: range.from), \(bind: range.until))"
        }
        return "(VALUES \(values)) AS d"
    }

    /// Sign-ups and purchases (count and amount) from the event API, in
    /// the workspace's days; for the whole workspace (events name a fan or
    /// a click, not an account or a post). Counted from the quarter-hour
    /// slots (`ConversionSlots`) when every day starts on one (every time
    /// zone's do), else from the events themselves.
    static func conversions(
        _ sql: any SQLDatabase, workspaceID: UUID, period: DashboardPeriod, comparison: DashboardPeriod, zone: TimeZone
    ) async throws -> [KPI] {
        let days = period.days
        let ranges = bucketRanges(period: period, comparison: comparison, zone: zone)
        let slots = ranges.compactMap { range in
            ConversionSlots.starting(at: range.from).flatMap { from in ConversionSlots.starting(at: range.until).map { (range.key, from, $0) } }
        }
        let rows: [any SQLRow]
        let fromSlots = slots.count == ranges.count
        if fromSlots {
            // The whole period is the sum of its days (added below): asked
            // for, it would read the period's slots twice.
            var values: SQLQueryString = ""
            for (index, slot) in slots.filter({ $0.0 != days }).enumerated() {
                values = "\(values)\(unsafeRaw: index == 0 ? "" : ", ")(\(literal: slot.0), \(literal: Int(slot.1)), \(literal: Int(slot.2)))"
            }
            rows = try await sql.raw(
                """
                SELECT d.column1 AS k, s.type AS type, CAST(SUM(s.events) AS BIGINT) AS n, CAST(SUM(s.amount_fen) AS BIGINT) AS fen
                FROM (VALUES \(values)) AS d
                CROSS JOIN conversion_event_slots s
                WHERE s.workspace_id = \(bind: workspaceID) AND s.slot >= d.column2 AND s.slot < d.column3 AND s.type IN ('sign_up', 'purchase')
                GROUP BY d.column1, s.type
                """
            ).all()
        } else {
            rows = try await conversionsFromEvents(sql, workspaceID: workspaceID, period: period, comparison: comparison, zone: zone)
        }
        var counts: [String: [Int: (n: Double, fen: Double)]] = [:]
        for row in rows {
            counts[try row.decode(column: "type", as: String.self), default: [:]][try row.decode(column: "k", as: Int.self)] = (
                DashboardQueries.number(row, "n") ?? 0, DashboardQueries.number(row, "fen") ?? 0
            )
        }
        if fromSlots {
            for type in counts.keys {
                counts[type]![days] = (0..<days).reduce((n: 0.0, fen: 0.0)) { sum, day in
                    let of = counts[type]![day] ?? (0, 0)
                    return (sum.n + of.n, sum.fen + of.fen)
                }
            }
        }
        func kpi(_ key: String, _ type: String, unit: String, _ pick: ((n: Double, fen: Double)) -> Double) -> KPI {
            let of = counts[type] ?? [:]
            return KPI(
                key: key, unit: unit, value: pick(of[days] ?? (0, 0)), previous: pick(of[days + 1] ?? (0, 0)),
                daily: (0..<days).map { pick(of[$0] ?? (0, 0)) })
        }
        return [
            kpi("sign_ups", "sign_up", unit: "count") { $0.n }, kpi("purchases", "purchase", unit: "count") { $0.n },
            kpi("purchase_amount", "purchase", unit: "fen") { $0.fen },
        ]
    }

    /// The rows `conversions` counts, read from the events themselves.
    static func conversionsFromEvents(
        _ sql: any SQLDatabase, workspaceID: UUID, period: DashboardPeriod, comparison: DashboardPeriod, zone: TimeZone
    ) async throws -> [any SQLRow] {
        try await sql.raw(
            """
            SELECT d.column1 AS k, e.type AS type, COUNT(*) AS n, CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) AS fen
            FROM \(buckets(period: period, comparison: comparison, zone: zone))
            CROSS JOIN conversion_events e
            WHERE e.workspace_id = \(bind: workspaceID) AND e.at >= d.column2 AND e.at < d.column3 AND e.type IN ('sign_up', 'purchase')
            GROUP BY d.column1, e.type
            """
        ).all()
    }

    /// Inbound messages by their sentiment as analysed on arrival.
    static func sentiment(
        _ sql: any SQLDatabase, workspaceID: UUID, accountFilter: SQLQueryString, period: DashboardPeriod, comparison: DashboardPeriod, zone: TimeZone
    ) async throws -> (current: Sentiment, comparison: Sentiment, daily: [Sentiment]) {
        let days = period.days
        let rows = try await sql.raw(
            """
            SELECT d.column1 AS k, m.sentiment AS sentiment, COUNT(*) AS n
            FROM \(buckets(period: period, comparison: comparison, zone: zone))
            CROSS JOIN incoming_messages m
            WHERE m.workspace_id = \(bind: workspaceID) AND m.sent_at >= d.column2 AND m.sent_at < d.column3\(accountFilter)
              AND m.sentiment IS NOT NULL
            GROUP BY d.column1, m.sentiment
            """
        ).all()
        var result = [Sentiment](repeating: Sentiment(), count: days + 2)
        for row in rows {
            let key = try row.decode(column: "k", as: Int.self)
            guard result.indices.contains(key) else { continue }
            let count = Int(DashboardQueries.number(row, "n") ?? 0)
            switch try row.decode(column: "sentiment", as: String.self) {
            case MessageSentiment.pos.rawValue: result[key].positive += count
            case MessageSentiment.neg.rawValue: result[key].negative += count
            default: result[key].neutral += count
            }
        }
        return (result[days], result[days + 1], Array(result[0..<days]))
    }

    /// The quality check's findings for the period, per account with something to say.
    static func quality(
        _ sql: any SQLDatabase, workspaceID: UUID, accounts: [DashboardQueries.Account], request: DashboardRequest, today: String
    ) async throws -> [QualityNote] {
        let checked = try await MetricQualityReader.check(
            sql, workspaceID: workspaceID, accounts: accounts.filter { request.accountIDs?.contains($0.id) ?? true }.map { ($0.id, $0.platform) },
            from: request.period.from, to: request.period.to, today: today)
        let handles = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0.handle) })
        return checked.accounts.compactMap { account in
            guard !account.missingDays.isEmpty || !account.jumps.isEmpty || account.duplicatesReplaced > 0 else { return nil }
            return QualityNote(
                accountID: account.accountID, platform: account.platform, handle: handles[account.accountID] ?? "",
                missingDays: account.missingDays.count,
                jumps: account.jumps, duplicatesReplaced: account.duplicatesReplaced)
        }
    }

    static func storesNothing(_ sql: any SQLDatabase, workspaceID: UUID) async throws -> Bool {
        let row = try await sql.raw(
            """
            SELECT (SELECT COUNT(*) FROM (SELECT 1 AS x FROM account_metric_days WHERE workspace_id = \(bind: workspaceID) LIMIT 1) a)
              + (SELECT COUNT(*) FROM (SELECT 1 AS x FROM post_metric_days WHERE workspace_id = \(bind: workspaceID) LIMIT 1) p)
              + (SELECT COUNT(*) FROM (SELECT 1 AS x FROM conversion_events WHERE workspace_id = \(bind: workspaceID) LIMIT 1) e) AS n
            """
        ).first()
        return (row.flatMap { DashboardQueries.number($0, "n") } ?? 0) == 0
    }
}
