import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The rows behind a number of the overview: per account per day for
/// account metrics, per post per day for post metrics, one event a row for
/// conversions, one conversation a row for the service level, one message
/// a row for sentiment. The rows of a period add up to its KPI (the
/// `change` column for follower growth and engagements, the row count for
/// events, conversations and messages).
enum DashboardRows {
    enum Metric: String, CaseIterable, Sendable {
        case followers, followersNet = "followers_net", followersNew = "followers_new", followersLost = "followers_lost"
        case impressions, engagements, engagementRate = "engagement_rate"
        case signUps = "sign_ups", purchases, purchaseAmount = "purchase_amount"
        case serviceLevel = "service_level", sentimentNegative = "sentiment_negative"

        enum Kind: String, Sendable { case accountDays = "account_days", postDays = "post_days", events, conversations, messages }

        var kind: Kind {
            switch self {
            case .followers, .followersNet, .followersNew, .followersLost: .accountDays
            case .impressions, .engagements, .engagementRate: .postDays
            case .signUps, .purchases, .purchaseAmount: .events
            case .serviceLevel: .conversations
            case .sentimentNegative: .messages
            }
        }

        var needsInbox: Bool { kind == .conversations || kind == .messages }
    }

    /// A cell as stored; the model writes it for the reader.
    enum Cell: Sendable, Equatable {
        case text(String)
        /// What people typed or a platform supplied: kept out of translation.
        case typed(String)
        case number(Double?)
        case fen(Double?)
        case day(String)
        case time(Date?)
        case platform(String)
        /// A code with a name in the reader's language (`analytics.value.<code>`).
        case code(String)
        case link(String, href: String)
        /// A link whose text is a code named in the reader's language.
        case codeLink(String, href: String)
    }

    struct Found: Sendable {
        var metric: Metric
        var columns: [String]
        var rows: [[Cell]]
        /// Every row of the period and filter (the page shows one page of them).
        var total: Int
        /// Events: the different fans among them (unique), beside the events (total).
        var uniqueFans: Int?
    }

    static let pageSize = 100
    static let exportCap = 100_000

    static func query(
        _ metric: Metric, access: WorkspaceAccess, request: DashboardRequest, page: Int, limit: Int = pageSize, base: String, on db: any Database
    ) async throws -> Found {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let ws = access.workspaceID
        let period = request.period
        let offset = max(page - 1, 0) * limit
        switch metric.kind {
        case .accountDays:
            let columns = ["day", "account", "platform", "followers", "change", "source"]
            guard let filter = DashboardQueries.accountFilter(request.accountIDs, alias: "a") else {
                return Found(metric: metric, columns: columns, rows: [], total: 0)
            }
            let total = try await count(
                sql,
                "SELECT COUNT(*) AS n FROM account_metric_days a WHERE a.workspace_id = \(bind: ws) AND a.day >= \(bind: period.from) AND a.day <= \(bind: period.to) AND a.followers IS NOT NULL\(filter)"
            )
            let rows = try await sql.raw(
                """
                SELECT a.day, a.account_id, s.platform, s.handle, a.followers, a.source,
                  a.followers - (SELECT b.followers FROM account_metric_days b WHERE b.account_id = a.account_id AND b.day < a.day
                    AND b.followers IS NOT NULL ORDER BY b.day DESC LIMIT 1) AS change
                FROM account_metric_days a JOIN social_accounts s ON s.id = a.account_id
                WHERE a.workspace_id = \(bind: ws) AND a.day >= \(bind: period.from) AND a.day <= \(bind: period.to) AND a.followers IS NOT NULL\(filter)
                ORDER BY a.day DESC, s.handle, a.account_id LIMIT \(literal: limit) OFFSET \(literal: offset)
                """
            ).all()
            return Found(
                metric: metric, columns: columns,
                rows: try rows.map { row in
                    [
                        .day(try row.decode(column: "day", as: String.self)), .typed("@" + (try row.decode(column: "handle", as: String.self))),
                        .platform(try row.decode(column: "platform", as: String.self)), .number(DashboardQueries.number(row, "followers")),
                        .number(DashboardQueries.number(row, "change")), .code("source." + (try row.decode(column: "source", as: String.self))),
                    ]
                }, total: total)
        case .postDays:
            let columns = ["day", "post", "platform", "engagements", "gained", "impressions", "impressions_gained"]
            guard let filter = DashboardQueries.postFilter(request, workspaceID: ws, alias: "m") else {
                return Found(metric: metric, columns: columns, rows: [], total: 0)
            }
            let total = try await count(
                sql,
                "SELECT COUNT(*) AS n FROM post_metric_days m WHERE m.workspace_id = \(bind: ws) AND m.day >= \(bind: period.from) AND m.day <= \(bind: period.to)\(filter)"
            )
            let rows = try await sql.raw(
                """
                SELECT m.day, v.post_id, v.platform, p.title, SUBSTR(p.body, 1, 80) AS body, m.engagements, m.impressions,
                  m.engagements - COALESCE((SELECT b.engagements FROM post_metric_days b WHERE b.variant_id = m.variant_id AND b.day < m.day
                    ORDER BY b.day DESC LIMIT 1), 0) AS gained,
                  m.impressions - COALESCE((SELECT b.impressions FROM post_metric_days b WHERE b.variant_id = m.variant_id AND b.day < m.day
                    ORDER BY b.day DESC LIMIT 1), 0) AS impressions_gained
                FROM post_metric_days m JOIN post_variants v ON v.id = m.variant_id JOIN posts p ON p.id = v.post_id
                WHERE m.workspace_id = \(bind: ws) AND m.day >= \(bind: period.from) AND m.day <= \(bind: period.to)\(filter)
                ORDER BY m.day DESC, m.variant_id LIMIT \(literal: limit) OFFSET \(literal: offset)
                """
            ).all()
            return Found(
                metric: metric, columns: columns,
                rows: try rows.map { row in
                    let title = (try row.decode(column: "title", as: String?.self)).flatMap { $0.isEmpty ? nil : $0 }
                    let postID = try row.decode(column: "post_id", as: UUID.self)
                    let body = try row.decode(column: "body", as: String.self)
                    return [
                        .day(try row.decode(column: "day", as: String.self)),
                        .link(title ?? body, href: "\(base)/posts/\(postID.uuidString)"),
                        .platform(try row.decode(column: "platform", as: String.self)), .number(DashboardQueries.number(row, "engagements")),
                        .number(DashboardQueries.number(row, "gained")), .number(DashboardQueries.number(row, "impressions")),
                        .number(DashboardQueries.number(row, "impressions_gained")),
                    ]
                }, total: total)
        case .events:
            let columns = ["time", "type", "event_id", "fan", "amount"]
            let type = metric == .signUps ? "sign_up" : "purchase"
            let (from, until) = DashboardQueries.instants(period, in: access.workspace.zone)
            let counted = try await sql.raw(
                """
                SELECT COUNT(*) AS n, COUNT(DISTINCT fan_id) AS fans FROM conversion_events
                WHERE workspace_id = \(bind: ws) AND type = \(bind: type) AND at >= \(bind: from) AND at < \(bind: until)
                """
            ).first()
            let rows = try await sql.raw(
                """
                SELECT at, type, event_id, fan_id, amount_fen FROM conversion_events
                WHERE workspace_id = \(bind: ws) AND type = \(bind: type) AND at >= \(bind: from) AND at < \(bind: until)
                ORDER BY at DESC, id LIMIT \(literal: limit) OFFSET \(literal: offset)
                """
            ).all()
            return Found(
                metric: metric, columns: columns,
                rows: try rows.map { row in
                    let fan = try row.decode(column: "fan_id", as: UUID?.self)
                    return [
                        .time(try row.decode(column: "at", as: Date.self)), .code("event." + (try row.decode(column: "type", as: String.self))),
                        .typed(try row.decode(column: "event_id", as: String.self)),
                        fan.map { .link($0.uuidString.lowercased().prefix(8) + "…", href: "\(base)/fans/\($0.uuidString)") } ?? .text("—"),
                        .fen(DashboardQueries.number(row, "amount_fen")),
                    ]
                }, total: Int(counted.flatMap { DashboardQueries.number($0, "n") } ?? 0),
                uniqueFans: Int(counted.flatMap { DashboardQueries.number($0, "fans") } ?? 0))
        case .conversations:
            let columns = ["opened", "account", "answered", "outcome", "conversation"]
            let (from, until) = DashboardQueries.instants(period, in: access.workspace.zone)
            let all = try await ConversationService.serviceLevelRows(in: access, from: from, until: until, accountIDs: request.accountIDs, on: db)
            let decided = all.filter { $0.outcome != .pending }
            let handles = Dictionary(uniqueKeysWithValues: try await DashboardQueries.accounts(ws, on: db).map { ($0.id, $0.handle) })
            return Found(
                metric: metric, columns: columns,
                rows: decided.dropFirst(offset).prefix(limit).map { row in
                    [
                        .time(row.openedAt), .typed("@" + (handles[row.accountID] ?? "")), .time(row.firstResponseAt),
                        .code("outcome." + row.outcome.rawValue), .codeLink("open", href: "\(base)/inbox/\(row.conversationID.uuidString)"),
                    ]
                }, total: decided.count)
        case .messages:
            let columns = ["time", "account", "kind", "sentiment"]
            guard let filter = DashboardQueries.accountFilter(request.accountIDs, alias: "m") else {
                return Found(metric: metric, columns: columns, rows: [], total: 0)
            }
            let (from, until) = DashboardQueries.instants(period, in: access.workspace.zone)
            let total = try await count(
                sql,
                "SELECT COUNT(*) AS n FROM incoming_messages m WHERE m.workspace_id = \(bind: ws) AND m.sent_at >= \(bind: from) AND m.sent_at < \(bind: until) AND m.sentiment IS NOT NULL\(filter)"
            )
            let rows = try await sql.raw(
                """
                SELECT m.sent_at, s.handle, m.kind, m.sentiment FROM incoming_messages m JOIN social_accounts s ON s.id = m.account_id
                WHERE m.workspace_id = \(bind: ws) AND m.sent_at >= \(bind: from) AND m.sent_at < \(bind: until) AND m.sentiment IS NOT NULL\(filter)
                ORDER BY m.sent_at DESC, m.id LIMIT \(literal: limit) OFFSET \(literal: offset)
                """
            ).all()
            return Found(
                metric: metric, columns: columns,
                rows: try rows.map { row in
                    [
                        .time(try row.decode(column: "sent_at", as: Date.self)), .typed("@" + (try row.decode(column: "handle", as: String.self))),
                        .code("kind." + (try row.decode(column: "kind", as: String.self))),
                        .code("sentiment." + (try row.decode(column: "sentiment", as: String.self))),
                    ]
                }, total: total)
        }
    }

    static func count(_ sql: any SQLDatabase, _ statement: SQLQueryString) async throws -> Int {
        Int(try await sql.raw(statement).first().flatMap { DashboardQueries.number($0, "n") } ?? 0)
    }
}
