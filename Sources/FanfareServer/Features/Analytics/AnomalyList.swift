import FanfareCore
import Fluent
import Vapor

/// The anomalies the nightly pass stored, filtered: the API
/// (`GET …/analytics/anomalies`) and the page (数据 → 异常) read them
/// the same way, newest found first.
enum AnomalyList {
    struct Filter: Sendable, Equatable {
        var from: String?
        var to: String?
        var series: AnomalySeriesKey?
        var accountID: UUID?

        /// The filter as a query string (empty values left out), for links.
        var query: String {
            [("from", from), ("to", to), ("series", series?.text), ("account", accountID?.uuidString.lowercased())]
                .compactMap { name, value in value.map { "\(name)=\($0)" } }.joined(separator: "&")
        }
    }

    /// The filter from the query, every wrong value named at once.
    static func filter(_ req: Request, access: WorkspaceAccess, errors: inout ValidationErrors) async throws -> Filter {
        var filter = Filter()
        for name in ["from", "to"] {
            guard let raw = req.query[String.self, at: name], !raw.isEmpty else { continue }
            if MetricDay.parse(raw) == nil {
                errors.add(name, .dateFormat(value: raw))
            } else if name == "from" {
                filter.from = raw
            } else {
                filter.to = raw
            }
        }
        if let raw = req.query[String.self, at: "series"], !raw.isEmpty {
            filter.series = AnomalySeriesKey(text: raw)
            if filter.series == nil { errors.add("series", .unknownValue(value: raw, choices: AnomalySeriesKey.all.map(\.text))) }
        }
        if let raw = req.query[String.self, at: "account"], !raw.isEmpty {
            if let id = UUID(uuidString: raw) {
                if try await access.query(SocialAccount.self, on: req.db).filter(\.$id == id).count() == 1 {
                    filter.accountID = id
                } else {
                    errors.add("account", .accountIdsNotFound(missing: [raw]))
                }
            } else {
                errors.add("account", .accountIdsInvalid(value: raw))
            }
        }
        return filter
    }

    static func list(
        _ filter: Filter, page: PageQuery, access: WorkspaceAccess, on db: any Database
    ) async throws -> (
        items: [AnalyticsAnomaly], next: String?
    ) {
        var query = access.query(AnalyticsAnomaly.self, on: db).sort(\.$id, .descending).limit(page.limit + 1)
        if let from = filter.from { query = query.filter(\.$day >= from) }
        if let to = filter.to { query = query.filter(\.$day <= to) }
        if let series = filter.series { query = query.filter(\.$series == series.text) }
        if let account = filter.accountID { query = query.filter(\.$accountID == account) }
        if let after = page.after { query = query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }
}

/// `GET /api/v1/workspaces/{ws}/analytics/anomalies`.
struct AnomalyAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("analytics", "anomalies", use: list)
    }

    @Sendable func list(req: Request) async throws -> Page<AnomalyDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var errors = ValidationErrors()
        let filter = try await AnomalyList.filter(req, access: access, errors: &errors)
        try AnalyticsAPI.refuse(errors)
        let (items, next) = try await AnomalyList.list(filter, page: try req.pageRequest(), access: access, on: req.db)
        return Page(items: items.map(AnomalyDTO.init), nextCursor: next)
    }
}
