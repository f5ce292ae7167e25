import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What the calendar shows for a range of days: every scheduled or
/// published variant, the weeks' themes, and the warnings Core raises
/// (two posts to one account within the hour, the same text twice, the
/// hot-topic share of slots used up).
struct CalendarService {
    let db: any Database

    /// Posts a day may carry per account before the hot-topic reserve is
    /// touched: 3 a day, of which the workspace's share (30 % by default)
    /// stays free.
    static let slotsPerDay = 3

    struct Entry: Content {
        var postId: UUID
        var variantId: UUID
        var accountId: UUID
        var handle: String
        var platform: String
        var title: String
        var text: String
        var at: Date
        /// `YYYY-MM-DD` in the workspace's time zone.
        var day: String
        var status: String
        var state: String
        var url: String?
        var hotTopic: Bool
    }

    struct Range: Content {
        var from: String
        var to: String
        var timeZone: String
        var entries: [Entry]
        var themes: [ThemeDTO]
        var warnings: [ScheduleWarning]
        var slotWarnings: [SlotWarning]
    }

    struct ThemeDTO: Content {
        var weekStart: String
        var theme: String
    }

    func range(from: CalendarDate, through last: CalendarDate, in access: WorkspaceAccess) async throws -> Range {
        let zone = access.workspace.zone
        let start = from.start(in: zone)
        let end = last.adding(days: 1).start(in: zone)
        var read = try await Self.entries(from: start, until: end, zone: zone, in: access, on: db)
        let topicIDs = Array(Set(read.compactMap(\.topicID)))
        if !topicIDs.isEmpty {
            let hotTopics = Set(try await access.query(Topic.self, on: db).filter(\.$id ~~ topicIDs).filter(\.$hot == true).all().compactMap(\.id))
            for index in read.indices { read[index].entry.hotTopic = read[index].topicID.map { hotTopics.contains($0) } ?? false }
        }
        var entries = read.map(\.entry)
        entries.sort { ($0.at, $0.handle) < ($1.at, $1.handle) }
        let warnings = Self.warnings(entries)
        let share = access.workspace.hotTopicShare ?? 0.30
        var slotWarnings: [SlotWarning] = []
        if let plan = try? SlotPlan(validating: Self.slotsPerDay, reservedShare: share) {
            var bookings: [String: SlotBooking] = [:]
            for entry in entries {
                let key = "\(entry.accountId)|\(entry.day)"
                var booking =
                    bookings[key]
                    ?? SlotBooking(accountID: entry.accountId.uuidString, day: CalendarDate(entry.at, in: zone), regular: 0, hotTopics: 0)
                if entry.hotTopic { booking.hotTopics += 1 } else { booking.regular += 1 }
                bookings[key] = booking
            }
            slotWarnings = plan.usage(bookings.values.sorted { ($0.day, $0.accountID) < ($1.day, $1.accountID) })
        }
        let themes = try await access.query(WeeklyThemeRecord.self, on: db)
            .filter(\.$weekStart >= from.adding(days: -6).description).filter(\.$weekStart <= last.description)
            .sort(\.$weekStart).all()
        return Range(
            from: from.description, to: last.description, timeZone: access.workspace.timeZone, entries: entries,
            themes: themes.map { ThemeDTO(weekStart: $0.weekStart, theme: $0.theme) }, warnings: warnings, slotWarnings: slotWarnings)
    }

    /// The pacing warnings of `entries` (sorted by time, then handle).
    static func warnings(_ entries: [Entry]) -> [ScheduleWarning] {
        ScheduleWarnings.check(
            entries: entries.map {
                ScheduleEntry(
                    id: $0.variantId.uuidString, accountID: $0.accountId.uuidString, at: $0.at, text: $0.text, contentID: $0.postId.uuidString)
            })
    }

    /// The variants scheduled in [start, end) that are neither pending nor
    /// cancelled, with their post and account, read as plain values in one
    /// statement (filling three joined models per variant was a fifth of the
    /// calendar's time); `hotTopic` is filled by the caller.
    static func entries(
        from start: Date, until end: Date, zone: TimeZone, in access: WorkspaceAccess, on db: any Database
    ) async throws -> [(entry: Entry, topicID: UUID?)] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let text = SQLRows.uuidsAsText(sql)
        return try await sql.raw(
            """
            SELECT v."id", v."post_id", v."account_id", v."platform", v."text", v."state", v."url", v."published_at", \
            p."title", p."body", p."scheduled_at", p."updated_at", p."status", p."topic_id", a."handle" \
            FROM "post_variants" v JOIN "posts" p ON p."id" = v."post_id" JOIN "social_accounts" a ON a."id" = v."account_id" \
            WHERE v."workspace_id" = \(bind: access.workspaceID) AND v."state" <> \(bind: PostVariant.State.pending.rawValue) \
            AND v."state" <> \(bind: PostVariant.State.cancelled.rawValue) AND p."scheduled_at" >= \(bind: start) AND p."scheduled_at" < \(bind: end)
            """
        ).all().map { row in
            let title = try row.decode(column: "title", as: String?.self)
            let scheduledAt = try row.decode(column: "scheduled_at", as: Date?.self)
            let at = try row.decode(column: "published_at", as: Date?.self) ?? scheduledAt ?? row.decode(column: "updated_at", as: Date.self)
            let entry = Entry(
                postId: try SQLRows.uuid(row, "post_id", asText: text), variantId: try SQLRows.uuid(row, "id", asText: text),
                accountId: try SQLRows.uuid(row, "account_id", asText: text), handle: try row.decode(column: "handle", as: String.self),
                platform: try row.decode(column: "platform", as: String.self),
                title: try title ?? String(row.decode(column: "body", as: String.self).prefix(40)),
                text: try row.decode(column: "text", as: String.self),
                at: at, day: CalendarDate(at, in: zone).description, status: try row.decode(column: "status", as: String.self),
                state: try row.decode(column: "state", as: String.self), url: try row.decode(column: "url", as: String?.self), hotTopic: false)
            return (entry, try SQLRows.optionalUUID(row, "topic_id", asText: text))
        }
    }

    func setTheme(_ theme: WeeklyTheme, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let key = theme.weekStart.description
            let record = try await access.query(WeeklyThemeRecord.self, on: tx).filter(\.$weekStart == key).first() ?? WeeklyThemeRecord()
            let before = record.id == nil ? [:] : ["theme": record.theme]
            if record.id == nil {
                record.id = TimeOrderedID.make(at: now)
                record.$workspace.id = access.workspaceID
                record.weekStart = key
            }
            record.theme = theme.theme
            try await record.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "calendar.theme_set", targetType: "weekly_theme", targetID: record.id,
                before: before, after: ["week_start": key, "theme": theme.theme], now: now)
        }
    }

    /// The range a request asks for: `view` week or month around `date`
    /// (default today), or explicit `from`/`to` days.
    static func requestedDays(_ req: Request, zone: TimeZone) throws -> (view: String, days: [[CalendarDay]], anchor: CalendarDate) {
        try requestedDays(view: req.query[String.self, at: "view"], date: req.query[String.self, at: "date"], zone: zone)
    }

    static func requestedDays(
        view rawView: String?, date rawDate: String?, zone: TimeZone, now: Date = Date()
    ) throws -> (
        view: String, days: [[CalendarDay]], anchor: CalendarDate
    ) {
        var errors = ValidationErrors()
        let view = rawView.nonEmpty ?? "week"
        if !["week", "month"].contains(view) { errors.add("view", .either(choices: ["week", "month"])) }
        var anchor = CalendarDate(now, in: zone)
        if let raw = rawDate, !raw.isEmpty {
            if let parsed = errors.collect({ () throws(ValidationErrors) in try CalendarDate(parsing: raw, field: "date") }) { anchor = parsed }
        }
        try errors.throwIfAny()
        let instant = anchor.start(in: zone).addingTimeInterval(12 * 3_600)
        let days =
            view == "month" ? CalendarGrid.month(containing: instant, timeZone: zone) : [CalendarGrid.week(containing: instant, timeZone: zone)]
        return (view, days, anchor)
    }
}
