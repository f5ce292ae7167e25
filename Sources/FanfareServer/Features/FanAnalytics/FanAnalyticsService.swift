import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Reading a fan-analytics question from a request (page or API) and
/// answering it: the period in the workspace's time zone, the filters
/// checked against the workspace's own accounts.
enum FanAnalyticsService {
    static let fields = ["from", "to", "granularity", "platform", "account", "segment"]

    /// The question, its errors, and the scope the queries run in.
    /// `segments`: whether the question takes a segment (the funnel, its
    /// fans and the cohorts; not DAU / WAU / MAU). Choosing one needs
    /// `fans.view`, as reading segments does.
    static func read(
        _ req: Request, access: WorkspaceAccess, granularities: [Granularity] = Granularity.allCases, segments: Bool = true
    ) async throws -> (query: FanPeriodQuery, errors: ValidationErrors, scope: FanScope) {
        let read = try await readWithAccounts(req, access: access, granularities: granularities, segments: segments)
        return (read.query, read.errors, read.scope)
    }

    /// `read`, handing back the accounts it checked the question against
    /// (as `accounts` reads them), so the page's form does not read them again.
    static func readWithAccounts(
        _ req: Request, access: WorkspaceAccess, granularities: [Granularity] = Granularity.allCases, segments: Bool = true
    ) async throws -> (
        query: FanPeriodQuery, errors: ValidationErrors, scope: FanScope, accounts: [(id: UUID, platform: String, handle: String)]
    ) {
        var values: [String: String] = [:]
        for name in fields { values[name] = req.query[String.self, at: name] }
        let zone = access.workspace.zone
        let accounts = try await Self.accounts(access, on: req.db)
        let asked = segments && !(values["segment"]?.trimmingCharacters(in: .whitespaces).isEmpty ?? true)
        if asked { try access.require(.fansView) }
        let saved = asked ? try await FanService.savedSegments(in: access, on: req.db) : []
        let (query, errors) = FanPeriodQuery.read(
            values, today: MetricDay.of(Date(), in: zone),
            accounts: Dictionary(accounts.map { ($0.id, $0.platform) }, uniquingKeysWith: { a, _ in a }),
            platforms: PlatformRules.standard.keys.sorted(), granularities: granularities, segments: segments ? Set(saved.map(\.id)) : nil)
        var scope = Self.scope(query, access: access)
        if let id = query.segmentID, let segment = saved.first(where: { $0.id == id }) {
            scope.segmentID = id
            scope.segmentRule = segment.rule
        }
        return (query, errors, scope, accounts)
    }

    static func scope(_ query: FanPeriodQuery, access: WorkspaceAccess) -> FanScope {
        FanScope(
            workspaceID: access.workspaceID, from: query.from, to: query.to, zone: access.workspace.zone, platform: query.platform,
            accountID: query.accountID)
    }

    /// The workspace's segments for the filter's choices, when the reader may read them.
    static func segments(_ access: WorkspaceAccess, on db: any Database) async throws -> [(id: UUID, name: String)] {
        guard access.can(.fansView) else { return [] }
        return try await FanService.savedSegments(in: access, on: db).map { ($0.id, $0.name) }
    }

    /// A workspace's accounts for the filter's choices.
    /// Read as plain rows, in the order Fluent's sort by platform, then handle gave (no model is filled).
    static func accounts(_ access: WorkspaceAccess, on db: any Database) async throws -> [(id: UUID, platform: String, handle: String)] {
        guard let sql = db as? any SQLDatabase else {
            return try await access.query(SocialAccount.self, on: db).sort(\.$platform).sort(\.$handle).all().map { ($0.id!, $0.platform, $0.handle) }
        }
        return try await PlainRows.all(
            sql, "SELECT id, platform, handle FROM social_accounts WHERE workspace_id = \(bind: access.workspaceID) ORDER BY platform, handle"
        ).map { row in (try row.uuid("id"), try row.text("platform"), try row.text("handle")) }
    }
}
