import FanfareCore
import Fluent
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
        let variants = try await access.query(PostVariant.self, on: db)
            .join(Post.self, on: \PostVariant.$post.$id == \Post.$id)
            .join(SocialAccount.self, on: \PostVariant.$account.$id == \SocialAccount.$id)
            .filter(\.$state != PostVariant.State.pending.rawValue)
            .filter(\.$state != PostVariant.State.cancelled.rawValue)
            .filter(Post.self, \.$scheduledAt >= start).filter(Post.self, \.$scheduledAt < end)
            .all()
        var hotTopics: Set<UUID> = []
        let topicIDs = try variants.compactMap { try $0.joined(Post.self).topicID }
        if !topicIDs.isEmpty {
            hotTopics = Set(try await access.query(Topic.self, on: db).filter(\.$id ~~ topicIDs).filter(\.$hot == true).all().compactMap(\.id))
        }
        var entries: [Entry] = []
        for variant in variants {
            let post = try variant.joined(Post.self)
            let account = try variant.joined(SocialAccount.self)
            let at = variant.publishedAt ?? post.scheduledAt ?? post.updatedAt
            entries.append(
                Entry(
                    postId: post.id!, variantId: variant.id!, accountId: account.id!, handle: account.handle, platform: variant.platform,
                    title: PostService.label(post), text: variant.text, at: at, day: CalendarDate(at, in: zone).description, status: post.status,
                    state: variant.state, url: variant.url, hotTopic: post.topicID.map { hotTopics.contains($0) } ?? false))
        }
        entries.sort { ($0.at, $0.handle) < ($1.at, $1.handle) }
        let warnings = ScheduleWarnings.check(
            entries: entries.map {
                ScheduleEntry(
                    id: $0.variantId.uuidString, accountID: $0.accountId.uuidString, at: $0.at, text: $0.text, contentID: $0.postId.uuidString)
            })
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
