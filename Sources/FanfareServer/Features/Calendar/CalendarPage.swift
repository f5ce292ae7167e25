import FanfareCore
import Fluent
import Vapor

/// The publishing calendar as query → model → view: a week or a month in
/// the workspace's time zone, each post in its platform's colour and its
/// state's, the week's theme, the warnings naming the posts that clash,
/// and the best-time heat map. On a phone the grid becomes a list of the
/// days that have posts (CSS, under 768 px). `model` and `view` are tested
/// without a database.
enum CalendarPage {
    struct Input: Sendable, Equatable {
        var view: String?
        var date: String?
    }

    /// What the database answered.
    struct Found: Sendable {
        var view: String
        var anchor: CalendarDate
        var today: CalendarDate
        var weeks: [[CalendarDay]]
        var timeZone: String
        var range: CalendarService.Range
        /// Account id → handle, for the slot warnings.
        var handles: [String: String] = [:]
        var heatMap: BestTimeMap?
        /// Accounts an active publishing hold covers (issue 20); `holdAll`: every one.
        var heldAccounts: Set<UUID> = []
        var holdAll = false
    }

    struct Abilities: Sendable, Equatable {
        var schedule: Bool
        var plan: Bool
    }

    struct Model: Sendable {
        struct Entry: Sendable, Equatable {
            var postID: String
            var href: String
            var time: String
            var platform: String
            var handle: String
            var title: String
            var state: String
            var stateLabel: String
            var tone: Badge.Tone
            var movable: Bool
            var warned: Bool
            var hot: Bool
        }
        struct Day: Sendable, Equatable {
            var date: String
            var number: Int
            var label: String
            var today: Bool
            var inMonth: Bool
            var entries: [Entry]
        }
        struct Week: Sendable, Equatable {
            var theme: String?
            var days: [Day]
        }
        var view: String
        var heading: String
        var rangeLabel: String
        var timeZone: String
        var previousHref: String
        var nextHref: String
        var todayHref: String
        var switchHref: String
        var switchLabel: String
        var csvHref: String
        var jsonHref: String
        var weeks: [Week]
        var warnings: [CalendarVocabulary.Warning]
        var empty: String?
        var themeWeekStart: String?
        var themeAction: String
        var scheduleBase: String
        var heatMap: HeatMap?
    }

    /// The best-time map as the page draws it (`Chart.heatMap`): the rate
    /// of each hour, nil when too few posts tell, with the words of its cell.
    struct HeatMap: Sendable, Equatable {
        struct Cell: Sendable, Equatable {
            var rate: Double?
            var text: String
            var title: String
        }
        var minimumSamples: Int
        var rows: [(weekday: String, cells: [Cell])]
        /// No hour has enough posts yet to show a rate.
        var empty: Bool { rows.allSatisfy { $0.cells.allSatisfy { $0.rate == nil } } }

        static func == (lhs: HeatMap, rhs: HeatMap) -> Bool {
            lhs.minimumSamples == rhs.minimumSamples && lhs.rows.map(\.weekday) == rhs.rows.map(\.weekday)
                && lhs.rows.map(\.cells) == rhs.rows.map(\.cells)
        }
    }

    static func query(_ input: Input, access: WorkspaceAccess, analytics: Bool, now: Date = Date(), on db: any Database) async throws -> Found {
        let zone = access.workspace.zone
        let (view, weeks, anchor) = try CalendarService.requestedDays(view: input.view, date: input.date, zone: zone, now: now)
        let flat = weeks.flatMap { $0 }
        let range = try await CalendarService(db: db).range(from: flat.first!.date, through: flat.last!.date, in: access)
        var handles: [String: String] = [:]
        for entry in range.entries { handles[entry.accountId.uuidString] = entry.handle }
        let holds = try await PublishingService.activeHolds(in: access.workspaceID, on: db)
        return Found(
            view: view, anchor: anchor, today: CalendarDate(now, in: zone), weeks: weeks, timeZone: access.workspace.timeZone, range: range,
            handles: handles, heatMap: analytics ? try await BestTimes.map(in: access, on: db) : nil,
            heldAccounts: Set(holds.compactMap(\.accountID)), holdAll: holds.contains { $0.accountID == nil })
    }

    /// `HH:mm` on the wall clock of `zone`, what a `DateFormatter` with
    /// that format writes, without making one per page.
    static func clock(_ date: Date, _ zone: TimeZone) -> String {
        let local = Int((date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))).rounded(.down))
        let minutes = ((local % 86_400 + 86_400) % 86_400) / 60
        let hour = minutes / 60
        let minute = minutes % 60
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    /// `base` is the workspace's path (`/w/{ws}`), `api` its API path.
    static func model(_ found: Found, base: String, api: String, abilities: Abilities, locale: UILocale) -> Model {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let zone = TimeZone(identifier: found.timeZone) ?? .gmt
        let byDay = Dictionary(grouping: found.range.entries, by: \.day)
        let warned = Set(found.range.warnings.flatMap(\.entryIDs))
        let weeks = found.weeks.map { week -> Model.Week in
            let monday = week[0].date.description
            let days = week.map { day -> Model.Day in
                let entries = (byDay[day.date.description] ?? []).map { entry -> Model.Entry in
                    // A queued variant a publishing hold keeps back shows as held.
                    let held =
                        entry.state == PostVariant.State.queued.rawValue && (found.holdAll || found.heldAccounts.contains(entry.accountId))
                    return Model.Entry(
                        postID: entry.postId.uuidString, href: "\(base)/posts/\(entry.postId.uuidString)", time: clock(entry.at, zone),
                        platform: entry.platform, handle: entry.handle, title: entry.title, state: entry.state,
                        stateLabel: t(held ? "variant.state.held" : "variant.state." + entry.state),
                        tone: held ? .warning : PostVocabulary.variantTone(entry.state),
                        movable: abilities.schedule && entry.status == Post.Status.scheduled.rawValue
                            && entry.state == PostVariant.State.queued.rawValue,
                        warned: warned.contains(entry.variantId.uuidString), hot: entry.hotTopic)
                }
                return Model.Day(
                    date: day.date.description, number: day.day, label: CalendarVocabulary.day(day.date, locale, thisYear: found.today.year),
                    today: day.date == found.today, inMonth: day.inMonth, entries: entries)
            }
            return Model.Week(theme: found.range.themes.first { $0.weekStart == monday }?.theme, days: days)
        }
        var named: [String: CalendarVocabulary.Named] = [:]
        for entry in found.range.entries {
            named[entry.variantId.uuidString] = CalendarVocabulary.Named(
                postID: entry.postId.uuidString, title: entry.title, platform: entry.platform, handle: entry.handle, at: entry.at)
        }
        let warnings =
            found.range.warnings.map { CalendarVocabulary.warning($0, named: named, locale) }
            + found.range.slotWarnings.map { CalendarVocabulary.slotWarning($0, handle: found.handles[$0.accountID], locale) }
        let view = found.view
        let anchor = found.anchor
        let previous = view == "month" ? monthShift(anchor, by: -1) : anchor.adding(days: -7)
        let next = view == "month" ? monthShift(anchor, by: 1) : anchor.adding(days: 7)
        let other = view == "month" ? "week" : "month"
        let flat = found.weeks.flatMap { $0 }
        let first = flat.first!.date
        let last = flat.last!.date
        let rangeLabel =
            view == "month"
            ? t("calendar.month_label", String(anchor.year), String(anchor.month), t("month.\(anchor.month)"))
            : "\(CalendarVocabulary.shortDay(first, locale)) – \(CalendarVocabulary.shortDay(last, locale))"
        let query = "view=\(view)&date=\(anchor.description)"
        let themeWeek = WeeklyTheme.weekStart(containing: anchor.start(in: zone).addingTimeInterval(43_200), timeZone: zone).description
        let empty = found.range.entries.isEmpty ? t(view == "month" ? "calendar.empty_month" : "calendar.empty_week") : nil
        return Model(
            view: view, heading: t("calendar.title"), rangeLabel: rangeLabel, timeZone: found.timeZone,
            previousHref: "\(base)/calendar?view=\(view)&date=\(previous.description)",
            nextHref: "\(base)/calendar?view=\(view)&date=\(next.description)",
            todayHref: "\(base)/calendar?view=\(view)", switchHref: "\(base)/calendar?view=\(other)&date=\(anchor.description)",
            switchLabel: t("calendar.view." + other), csvHref: "\(api)/calendar?\(query)&format=csv",
            jsonHref: "\(api)/calendar?\(query)&format=json",
            weeks: weeks, warnings: warnings, empty: empty, themeWeekStart: abilities.plan ? themeWeek : nil, themeAction: "\(base)/calendar/themes",
            scheduleBase: "\(base)/posts/", heatMap: found.heatMap.map { heatMap($0, locale) })
    }

    static func heatMap(_ map: BestTimeMap, _ locale: UILocale) -> HeatMap {
        let rows = (1...7).map { weekday -> (weekday: String, cells: [HeatMap.Cell]) in
            let cells = (0..<24).map { hour -> HeatMap.Cell in
                guard let cell = map.cell(weekday: weekday, hour: hour), let rate = cell.rate else {
                    let count = map.cell(weekday: weekday, hour: hour)?.samples ?? 0
                    return HeatMap.Cell(rate: nil, text: count > 0 ? "·" : "", title: I18n.text("besttime.too_few", locale, [String(count)]))
                }
                let percent = String(format: "%.1f", rate * 100)
                return HeatMap.Cell(rate: rate, text: percent, title: I18n.text("besttime.cell", locale, [percent, String(cell.samples)]))
            }
            return (I18n.text("weekday.\(weekday)", locale), cells)
        }
        return HeatMap(minimumSamples: map.minimumSamples, rows: rows)
    }

    static func monthShift(_ date: CalendarDate, by months: Int) -> CalendarDate {
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

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let weekdays = (1...7).map { index -> HTML in "<th scope=\"col\">\(ctx.t("weekday.\(index)"))</th>" }
        let rows = model.weeks.map { week -> HTML in
            let theme: HTML =
                week.theme.map { "<tr class=\"theme\"><td colspan=\"7\">\(ctx.t("calendar.theme")): <span translate=\"no\">\($0)</span></td></tr>" }
                ?? .empty
            let cells = week.days.map { day -> HTML in
                let entries = day.entries.map { entry -> HTML in
                    let classes = "entry state-\(entry.state) platform-\(entry.platform) tone-\(entry.tone.rawValue)\(entry.warned ? " warn" : "")"
                    return """
                        <li class="\(classes)"\(entry.movable ? HTML(raw: " draggable=\"true\"") : .empty) data-post="\(entry.postID)" data-time="\(entry.time)" title="\(entry.stateLabel)">\
                        <a href="\(entry.href)"><time>\(entry.time)</time> \(Badge.platform(entry.platform, ctx.locale)) \
                        <span translate="no">@\(entry.handle) · \(entry.title)</span></a>\(entry.hot ? HTML(raw: " 🔥") : .empty)\
                        <span class="visually-hidden"> · \(entry.stateLabel)</span></li>
                        """
                }
                var classes = "day"
                if day.today { classes += " today" }
                if !day.inMonth { classes += " outside" }
                if day.entries.isEmpty { classes += " no-entries" }
                return """
                    <td class="\(classes)" data-day="\(day.date)"><div class="date"><span class="date-number">\(day.number)</span>\
                    <span class="date-full">\(day.label)</span>\(day.today ? HTML(" <span class=\"badge tone-info\">\(ctx.t("calendar.today"))</span>") : .empty)</div>\
                    <ul>\(entries)</ul></td>
                    """
            }
            return "\(theme)<tr>\(cells)</tr>"
        }
        let warnings = model.warnings.map { warning -> HTML in
            let posts = warning.posts.map { post -> HTML in
                """
                <li><a href="\(model.scheduleBase)\(post.postID)" translate="no">\(post.title)</a> \
                \(Badge.platform(post.platform, ctx.locale)) <span translate="no">@\(post.handle)</span> \(Layout.time(post.at, ctx))</li>
                """
            }
            let list: HTML = posts.isEmpty ? .empty : "<ul class=\"named-posts\">\(posts)</ul>"
            return """
                <li class="\(warning.level)" data-code="\(warning.code)">\(HTML.sentence(warning.sentence, warning.typed.map { HTML.typed($0) }))\(list)</li>
                """
        }
        let warningList: HTML =
            warnings.isEmpty
            ? .empty : "<section class=\"card\" id=\"calendar-warnings\"><h2>\(ctx.t("calendar.warnings"))</h2><ul>\(warnings)</ul></section>"
        let themeForm: HTML =
            model.themeWeekStart.map { week -> HTML in
                """
                <form method="post" action="\(model.themeAction)" id="theme-form" class="inline-form">\(ctx.csrfField)
                <input type="hidden" name="week_start" value="\(week)">
                <label for="theme">\(ctx.t("calendar.theme_this_week"))</label> <input id="theme" name="theme" maxlength="60" required>
                <button type="submit">\(ctx.t("calendar.save_theme"))</button></form>
                """
            } ?? .empty
        let empty: HTML = model.empty.map { "<p class=\"empty\" id=\"calendar-empty\">\($0)</p>" } ?? .empty
        let legend = HTML.join(
            ["queued", "published", "failed", "hand_off"].map { state -> HTML in
                Badge.html(ctx.t("variant.state." + state), tone: PostVocabulary.variantTone(state), classes: "state-\(state)")
            }, separator: " ")
        return """
            <div class="heading"><h1>\(model.heading)</h1>
            <span class="muted">\(ctx.t("calendar.time_zone")) <span translate="no">\(model.timeZone)</span></span></div>
            <nav class="calendar-nav" aria-label="\(ctx.t("calendar.navigation"))">
            <a href="\(model.previousHref)" id="calendar-previous" class="button" aria-label="\(ctx.t("calendar.previous"))">←</a>
            <a href="\(model.todayHref)" id="calendar-today" class="button">\(ctx.t("calendar.today"))</a>
            <a href="\(model.nextHref)" id="calendar-next" class="button" aria-label="\(ctx.t("calendar.next"))">→</a>
            <strong id="calendar-range">\(model.rangeLabel)</strong>
            <a href="\(model.switchHref)" id="calendar-switch">\(model.switchLabel)</a>
            <a href="\(model.csvHref)" download>CSV</a>
            <a href="\(model.jsonHref)" download>JSON</a>
            </nav>
            \(themeForm)
            \(warningList)
            \(empty)
            <p class="legend muted" id="calendar-legend">\(ctx.t("calendar.legend")) \(legend)</p>
            <table class="calendar \(model.view)" id="calendar" data-schedule="\(model.scheduleBase)" data-csrf="\(ctx.csrf)">
            <thead><tr>\(weekdays)</tr></thead><tbody>\(rows)</tbody></table>
            <p class="muted">\(ctx.t("calendar.drag_hint"))</p>
            \(model.heatMap.map { heatMapView($0, ctx) })
            <script src="/static/calendar.js" defer></script>
            """
    }

    /// The map drawn by the shared heat map; its table (the hours' rates,
    /// as this page showed before the drawing) is the chart's data table.
    static func heatMapView(_ map: HeatMap, _ ctx: PageContext) -> HTML {
        let spec = ChartSpec(
            id: "best-times-chart", title: ctx.t("besttime.caption"), summary: ctx.t("besttime.explain", String(map.minimumSamples)),
            locale: ctx.locale, format: .percent, emptyText: ctx.t("besttime.empty", String(map.minimumSamples)))
        let cells = map.rows.map { row in row.cells.map { HeatCell(value: $0.rate, text: $0.text, note: $0.title) } }
        let chart = Chart.heatMap(
            spec, rows: map.rows.map(\.weekday), columns: (0..<24).map(String.init), cells: cells, corner: ctx.t("besttime.hour"))
        return """
            <section class="card" id="best-times"><h2>\(ctx.t("besttime.title"))</h2>
            <p class="muted">\(ctx.t("besttime.explain", String(map.minimumSamples)))</p>
            \(chart)
            \(map.empty ? HTML.empty : HTML("<p class=\"muted legend\">\(ctx.t("besttime.legend"))</p>"))</section>
            """
    }
}
