import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/calendar`: week and month views in the workspace's time zone,
/// weekly themes, warnings, export, and rescheduling by drag (the post's
/// own page has the same as a form, for use without JavaScript).
struct CalendarPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("calendar", use: show)
        scoped.post("calendar", "themes", use: setTheme)
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let zone = access.workspace.zone
        let (view, weeks, anchor) = try CalendarService.requestedDays(req, zone: zone)
        let flat = weeks.flatMap { $0 }
        let range = try await CalendarService(db: req.db).range(from: flat.first!.date, through: flat.last!.date, in: access)
        let base = "/w/\(access.workspace.slug)"
        let byDay = Dictionary(grouping: range.entries, by: \.day)
        let time = DateFormatter()
        time.locale = Locale(identifier: "en_US_POSIX")
        time.timeZone = zone
        time.dateFormat = "HH:mm"
        let warned = Set(range.warnings.flatMap(\.entryIDs))
        let canMove = access.can(.contentSchedule)

        func cell(_ day: CalendarDay) -> HTML {
            let items = (byDay[day.date.description] ?? []).map { entry -> HTML in
                let movable = canMove && entry.status == Post.Status.scheduled.rawValue && entry.state == PostVariant.State.queued.rawValue
                let drag = movable ? HTML(raw: " draggable=\"true\"") : .empty
                let flag = warned.contains(entry.variantId.uuidString) ? HTML(raw: " warn") : .empty
                return """
                    <li class="entry state-\(entry.state)\(flag)"\(drag) data-post="\(entry.postId.uuidString)" data-time="\(time.string(from: entry.at))">\
                    <a href="\(base)/posts/\(entry.postId.uuidString)"><time>\(time.string(from: entry.at))</time> \(ctx.t("platform." + entry.platform)) @\(entry.handle) · \(entry.title)</a>\
                    \(entry.hotTopic ? HTML(raw: " 🔥") : .empty)</li>
                    """
            }
            let today = day.date == CalendarDate(Date(), in: zone) ? HTML(raw: " today") : .empty
            let outside = day.inMonth ? HTML.empty : HTML(raw: " outside")
            return """
                <td class="day\(today)\(outside)" data-day="\(day.date.description)"><div class="date">\(day.day)</div><ul>\(items)</ul></td>
                """
        }
        let weekdays = (0..<7).map { index -> HTML in "<th>\(ctx.t("weekday.\(index + 1)"))</th>" }
        let rows = weeks.map { week -> HTML in
            let monday = week[0].date.description
            let theme = range.themes.first { $0.weekStart == monday }
            let themeRow: HTML = theme.map { "<tr class=\"theme\"><td colspan=\"7\">\(ctx.t("calendar.theme")): \($0.theme)</td></tr>" } ?? .empty
            return "\(themeRow)<tr>\(week.map(cell))</tr>"
        }
        let step = view == "month" ? 31 : 7
        let previous = view == "month" ? monthShift(anchor, by: -1) : anchor.adding(days: -step)
        let next = view == "month" ? monthShift(anchor, by: 1) : anchor.adding(days: step)
        let other = view == "month" ? "week" : "month"
        let warnings =
            range.warnings.map { w -> HTML in "<li class=\"\(w.level.rawValue)\">\(w.text(ctx.locale))</li>" }
            + range.slotWarnings.map { w -> HTML in "<li class=\"warning\">\(w.text(ctx.locale))</li>" }
        let warningList: HTML =
            warnings.isEmpty
            ? .empty : "<section class=\"card\" id=\"calendar-warnings\"><h2>\(ctx.t("calendar.warnings"))</h2><ul>\(warnings)</ul></section>"
        let themeForm: HTML =
            access.can(.planningManage)
            ? """
            <form method="post" action="\(base)/calendar/themes" id="theme-form" class="inline-form">\(ctx.csrfField)
            <input type="hidden" name="week_start" value="\(WeeklyTheme.weekStart(containing: anchor.start(in: zone).addingTimeInterval(43_200), timeZone: zone).description)">
            <label for="theme">\(ctx.t("calendar.theme_this_week"))</label> <input id="theme" name="theme" maxlength="60" required>
            <button type="submit">\(ctx.t("calendar.save_theme"))</button></form>
            """
            : .empty
        let query = "view=\(view)&date=\(anchor.description)"
        return Layout.page(
            ctx, title: ctx.t("calendar.title"),
            """
            <div class="heading"><h1>\(ctx.t("calendar.title"))</h1>
            <span class="muted">\(access.workspace.timeZone)</span></div>
            <nav class="calendar-nav">
            <a href="\(base)/calendar?view=\(view)&date=\(previous.description)" id="calendar-previous">←</a>
            <strong>\(flat.first!.date.description) – \(flat.last!.date.description)</strong>
            <a href="\(base)/calendar?view=\(view)&date=\(next.description)" id="calendar-next">→</a>
            <a href="\(base)/calendar?view=\(other)&date=\(anchor.description)" id="calendar-switch">\(ctx.t("calendar.view." + other))</a>
            <a href="/api/v1/workspaces/\(access.workspace.slug)/calendar?\(query)&format=csv">CSV</a>
            <a href="/api/v1/workspaces/\(access.workspace.slug)/calendar?\(query)&format=json">JSON</a>
            </nav>
            \(themeForm)
            \(warningList)
            <table class="calendar \(view)" id="calendar" data-schedule="\(base)/posts/" data-csrf="\(ctx.csrf)">
            <thead><tr>\(weekdays)</tr></thead><tbody>\(rows)</tbody></table>
            <p class="muted">\(ctx.t("calendar.drag_hint"))</p>
            \(access.can(.analyticsView) ? BestTimeViews.heatMap(ctx, try await BestTimes.map(in: access, on: req.db)) : .empty)
            <script src="/static/calendar.js" defer></script>
            """)
    }

    private func monthShift(_ date: CalendarDate, by months: Int) -> CalendarDate {
        var year = date.year
        var month = date.month + months
        if month < 1 {
            month = 12
            year -= 1
        } else if month > 12 {
            month = 1
            year += 1
        }
        return (try? CalendarDate(year: year, month: month, day: 1)) ?? date
    }

    @Sendable func setTheme(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let weekStart = req.formValue("week_start")
        do {
            let theme = try WeeklyTheme(validating: weekStart, theme: req.formValue("theme"))
            try await CalendarService(db: req.db).setTheme(theme, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("calendar.theme_saved", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/calendar?date=\(weekStart)")
    }
}
