import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of Conversions: a post's links with their
/// clicks (for the post page), and recording events (the demo sends its
/// stream through the same service as the API).
extension LinkService {
    /// The post page's section: the post's links, their total and unique clicks, and a link to make one.
    static func postSection(postID: UUID, _ ctx: PageContext, access: WorkspaceAccess, shortBase: String, on db: any Database) async throws -> HTML {
        let found = try await LinksPage.query(access: access, cursor: nil, postID: postID, on: db)
        let base = "/w/\(access.workspace.slug)"
        let model = LinksPage.model(
            found, base: base, shortBase: shortBase, canEdit: access.can(.contentEdit), values: [:], errors: FormErrors(), prefillPost: nil,
            locale: ctx.locale)
        return LinksPage.postSection(
            model.items, newHref: access.can(.contentEdit) ? "\(base)/links?post_id=\(postID.uuidString)" : nil, ctx)
    }
}

extension EventService {
    /// Records events made by Fanfare itself (the demo), through the same
    /// checks and writes as `POST …/events`.
    static func recordStream(_ items: [[String: Any]], workspaceID: UUID, now: Date, on db: any Database) async throws -> Outcome {
        let (events, issues) = EventBatchReader.read(items, now: now)
        return try await EventService(db: db).record(events, issues: issues, workspaceID: workspaceID, now: now)
    }
}

extension ClickRecorder {
    /// A click on the link with `code`, as the redirect records it (the
    /// demo's visitors); false when there is no such enabled link.
    func recordVisit(code: String, address: String, userAgent: String, at now: Date, on db: any Database) async throws -> Bool {
        guard let link = try await LinkRedirect.load(code, on: db) else { return false }
        if add(click(on: link, address: address, userAgent: userAgent, at: now)) { try await flush() }
        return true
    }
}

/// Daily counts of conversions and of tracked-link clicks, for Goals'
/// conversion targets (the workspace's whole stream: events are not tied
/// to an account).
enum ConversionCounts {
    /// Events of `type` (all types when nil) per day of `timeZone`.
    static func daily(
        workspaceID: UUID, type: String?, from: String, to: String, timeZone: TimeZone, on db: any Database
    ) async throws -> [String: Double] {
        guard let sql = db as? any SQLDatabase, let first = MetricDay.parse(from), let last = MetricDay.parse(to) else { return [:] }
        // A day's UTC bounds widened by a day each side; each event's own
        // day in the workspace's zone decides.
        let lower = first.addingTimeInterval(-86_400)
        let upper = last.addingTimeInterval(2 * 86_400)
        var filter: SQLQueryString = ""
        if let type { filter = " AND type = \(bind: type)" }
        let rows = try await sql.raw(
            """
            SELECT at FROM conversion_events WHERE workspace_id = \(bind: workspaceID) AND at >= \(bind: lower) AND at < \(bind: upper)\(filter)
            """
        ).all()
        var out: [String: Double] = [:]
        for row in rows {
            let day = MetricDay.of(try row.decode(column: "at", as: Date.self), in: timeZone)
            if day >= from && day <= to { out[day, default: 0] += 1 }
        }
        return out
    }

    /// Clicks on the workspace's tracked links per day (bots left out).
    static func dailyClicks(workspaceID: UUID, from: String, to: String, on db: any Database) async throws -> [String: Double] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let rows = try await sql.raw(
            """
            SELECT day, COUNT(*) AS n FROM link_clicks WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: from) AND day <= \(bind: to)
            AND bot = \(bind: false) GROUP BY day
            """
        ).all()
        var out: [String: Double] = [:]
        for row in rows { out[try row.decode(column: "day", as: String.self)] = Double(try row.decode(column: "n", as: Int.self)) }
        return out
    }
}
