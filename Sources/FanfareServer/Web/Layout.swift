import FanfareCore
import Vapor

/// The one layout every page is drawn in.
enum Layout {
    /// `typedTitle`: the title is what someone typed (a fan's or a reward's
    /// name), kept out of translation like the name on the page.
    static func page(_ ctx: PageContext, title: String, typedTitle: Bool = false, status: HTTPStatus = .ok, _ body: HTML) -> HTMLResponse {
        HTMLResponse(
            status: status,
            html: """
                <html lang="\(ctx.locale.rawValue)">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title\(typedTitle ? HTML(raw: " translate=\"no\"") : .empty)>\(title) · Fanfare</title>
                <link rel="stylesheet" href="/static/app.css">
                <link rel="icon" type="image/svg+xml" href="\(HTML(raw: favicon))">
                </head>
                <body>
                <header class="topbar">
                  <a class="brand" href="/">Fanfare</a>
                  \(workspaceSwitcher(ctx))
                  \(menuToggle(ctx))
                  <nav class="primary" id="primary-nav" aria-label="\(ctx.t("nav.label"))">\(navigation(ctx))</nav>
                  <div class="spacer"></div>
                  \(notificationsLink(ctx))
                  \(languageSwitcher(ctx))
                  \(userMenu(ctx))
                </header>
                <main id="main">
                \(ctx.flashes.map { flash -> HTML in "<p class=\"flash flash-\(flash.kind.rawValue)\" role=\"status\">\(flash.text)</p>" })
                \(body)
                </main>
                <footer class="footer"><a href="/openapi.yaml">\(ctx.t("footer.api"))</a></footer>
                </body>
                </html>
                """)
    }

    /// The mark in the browser's tab: a trumpet-orange square with an F,
    /// inline so that no request and no route is needed for it.
    static let favicon =
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%23c2410c'/%3E%3Cpath d='M11 8h11v3.5h-7v3.5h6v3.5h-6V24h-4z' fill='%23fff'/%3E%3C/svg%3E"

    /// Under 768 px the navigation folds behind this button (a checkbox, so
    /// it works without script; it is not inside any form, so nothing is
    /// ever submitted with it).
    static func menuToggle(_ ctx: PageContext) -> HTML {
        guard ctx.user != nil else { return .empty }
        return """
            <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-controls="primary-nav">\
            <label for="nav-toggle" class="nav-toggle-label">\(ctx.t("nav.menu"))</label>
            """
    }

    /// The workspace's navigation, grouped the way the team works (工作台 ·
    /// 内容 · 互动 · 粉丝 · 数据 · 设置), from the features' entries: only
    /// areas that work are listed, and only those the role may open.
    static func navigation(_ ctx: PageContext) -> HTML {
        guard ctx.user != nil else { return .empty }
        guard let access = ctx.access else { return "<a href=\"/workspaces\">\(ctx.t("nav.workspaces"))</a>" }
        let base = "/w/\(access.workspace.slug)"
        let entries = Features.all.flatMap(\.navigation).filter { entry in entry.permission.map { access.can($0) } ?? true }
        let currentPath = current(ctx.path, among: entries.map(\.path), base: base)
        let groups = NavigationGroup.allCases.compactMap { group -> HTML? in
            let links = entries.filter { $0.group == group }.sorted { $0.order < $1.order }.map { entry -> HTML in
                let href = base + entry.path
                let current = entry.path == currentPath ? HTML(raw: " aria-current=\"page\"") : .empty
                return "<a href=\"\(href)\"\(current)>\(ctx.t(entry.label))</a>"
            }
            guard !links.isEmpty else { return nil }
            return
                "<span class=\"nav-group\" data-group=\"\(group.rawValue)\"><span class=\"nav-group-label\">\(ctx.t("nav.group." + group.rawValue))</span>\(HTML.join(links))</span>"
        }
        return HTML.join(groups)
    }

    /// The one entry (by its path under `base`) the page at `path` belongs
    /// to: its own, or the longest that contains it (/analytics/anomalies is
    /// 异常's page, not also 数据概览's); the workbench ("") only for itself.
    static func current(_ path: String, among paths: [String], base: String) -> String? {
        paths.filter { path == base + $0 || (!$0.isEmpty && path.hasPrefix(base + $0 + "/")) }.max { $0.count < $1.count }
    }

    /// The person's notifications in this workspace, in the bar (not the
    /// navigation) so that it stays in sight when the menu is folded.
    static func notificationsLink(_ ctx: PageContext) -> HTML {
        guard ctx.user != nil, let access = ctx.access else { return .empty }
        let unread = ctx.unread > 0 ? ctx.t("nav.notifications_unread", String(ctx.unread)) : ctx.t("nav.notifications")
        let current = ctx.path.hasPrefix("/w/\(access.workspace.slug)/notifications") ? HTML(raw: " aria-current=\"page\"") : .empty
        return
            "<a href=\"/w/\(access.workspace.slug)/notifications\" class=\"notifications\(ctx.unread > 0 ? " unread" : "")\"\(current)>\(unread)</a>"
    }

    static func workspaceSwitcher(_ ctx: PageContext) -> HTML {
        guard ctx.user != nil, !ctx.workspaces.isEmpty else { return .empty }
        let current = ctx.access?.workspace.name ?? ctx.t("switcher.choose")
        let links = ctx.workspaces.map { entry -> HTML in
            "<li><a href=\"/w/\(entry.workspace.slug)\"><span translate=\"no\">\(entry.workspace.name)</span> <span class=\"muted\">\(ctx.t("role." + entry.role.rawValue))</span></a></li>"
        }
        return """
            <details class="menu switcher" id="workspace-switcher"><summary translate="no">\(current)</summary>
            <ul>\(links)<li><a href="/workspaces#new">\(ctx.t("switcher.new"))</a></li></ul></details>
            """
    }

    static func languageSwitcher(_ ctx: PageContext) -> HTML {
        guard !ctx.csrf.isEmpty else { return .empty }
        let other: UILocale = ctx.locale == .en ? .zhHans : .en
        let label = other == .en ? "English" : "简体中文"
        return """
            <form method="post" action="/locale" class="inline" id="language-switcher">\(ctx.csrfField)
            <input type="hidden" name="locale" value="\(other.rawValue)"><input type="hidden" name="next" value="\(ctx.path)">
            <button type="submit" class="link" lang="\(other.rawValue)" translate="no" id="switch-language">\(label)</button></form>
            """
    }

    static func userMenu(_ ctx: PageContext) -> HTML {
        guard let user = ctx.user else {
            return "<a href=\"/sign-in\">\(ctx.t("nav.sign_in"))</a>"
        }
        return """
            <details class="menu user-menu" id="user-menu"><summary translate="no">\(user.displayName)</summary>
            <ul>
            <li class="muted" translate="no">\(user.email)</li>
            <li><a href="/settings/profile">\(ctx.t("nav.profile"))</a></li>
            <li><a href="/settings/password">\(ctx.t("nav.password"))</a></li>
            <li><a href="/settings/tokens">\(ctx.t("nav.tokens"))</a></li>
            <li><form method="post" action="/sign-out">\(ctx.csrfField)<button type="submit" class="link" id="sign-out">\(ctx.t("nav.sign_out"))</button></form></li>
            </ul></details>
            """
    }

    // MARK: Form pieces

    static func field(
        _ ctx: PageContext, name: String, label: String, type: String = "text", value: String = "",
        errors: FormErrors, required: Bool = true, hint: String? = nil, autocomplete: String? = nil
    ) -> HTML {
        let error = errors[name].map { $0.text(ctx.locale) }
        let describedBy = error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(name)-error\"") : .empty
        return """
            <div class="field\(error != nil ? " has-error" : "")">
            <label for="\(name)">\(label)</label>
            <input id="\(name)" name="\(name)" type="\(type)" value="\(value)"\(required ? HTML(raw: " required") : .empty)\(autocomplete.map { HTML(raw: " autocomplete=\"\(HTML.escape($0))\"") })\(describedBy)>
            \(hint.map { h -> HTML in "<small class=\"hint\">\(h)</small>" })
            \(error.map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e)</small>" })
            </div>
            """
    }

    static func select(
        _ ctx: PageContext, name: String, label: String, options: [(value: String, label: String)], selected: String,
        errors: FormErrors, id: String? = nil, hint: String? = nil, languageNames: Bool = false, verbatimAfterFirst: Bool = false,
        verbatim: Bool = false
    ) -> HTML {
        // A list of languages names each in itself (简体中文, English):
        // `lang` says so to the browser, screen readers and the language test.
        // `verbatimAfterFirst`: the options after the first ("all") are
        // people's own names (account handles), not words to translate;
        // `verbatim`: every option is (or begins with) such a name.
        let opts = options.enumerated().map { index, option -> HTML in
            let lang = languageNames ? HTML(raw: " lang=\"\(HTML.escape(option.value))\"") : .empty
            let verbatim = verbatim || (verbatimAfterFirst && index > 0) ? HTML(raw: " translate=\"no\"") : .empty
            return
                "<option value=\"\(option.value)\"\(lang)\(verbatim)\(option.value == selected ? HTML(raw: " selected") : .empty)>\(option.label)</option>"
        }
        let fieldID = id ?? name
        return """
            <div class="field\(errors[name] != nil ? " has-error" : "")">
            <label for="\(fieldID)">\(label)</label>
            <select id="\(fieldID)" name="\(name)"\(errors[name] != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(HTML.escape(fieldID))-error\"") : .empty)>\(opts)</select>
            \(hint.map { h -> HTML in "<small class=\"hint\">\(h)</small>" })
            \(errors[name].map { e -> HTML in "<small class=\"error\" id=\"\(fieldID)-error\">\(e.text(ctx.locale))</small>" })
            </div>
            """
    }

    /// The time zone as an IANA name, with the common ones offered as
    /// suggestions; the example name is not translated.
    static func timeZoneField(_ ctx: PageContext, value: String, errors: FormErrors) -> HTML {
        let error = errors["time_zone"].map { $0.text(ctx.locale) }
        let zones = [
            "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Europe/London", "Europe/Berlin", "America/New_York",
            "America/Los_Angeles", "UTC",
        ]
        return """
            <div class="field\(error != nil ? " has-error" : "")">
            <label for="time_zone">\(ctx.t("field.time_zone"))</label>
            <input id="time_zone" name="time_zone" type="text" value="\(value)" list="time-zone-names" required autocomplete="off" translate="no"\(error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"time_zone-error\"") : .empty)>
            <datalist id="time-zone-names">\(zones.map { zone -> HTML in "<option value=\"\(zone)\"></option>" })</datalist>
            <small class="hint">\(ctx.t("field.time_zone_hint")) <code translate="no">Asia/Shanghai</code></small>
            \(error.map { e -> HTML in "<small class=\"error\" id=\"time_zone-error\">\(e)</small>" })
            </div>
            """
    }

    static func roleOptions(_ ctx: PageContext, allowed: [Role] = Role.allCases) -> [(value: String, label: String)] {
        allowed.map { ($0.rawValue, ctx.t("role." + $0.rawValue)) }
    }

    static func localeOptions() -> [(value: String, label: String)] {
        [(UILocale.zhHans.rawValue, "简体中文"), (UILocale.en.rawValue, "English")]
    }

    static func errorSummary(_ ctx: PageContext, _ errors: FormErrors) -> HTML {
        guard !errors.isEmpty else { return .empty }
        return "<p class=\"flash flash-error\" role=\"alert\">\(errors.general ?? ctx.t("form.fix_errors"))</p>"
    }

    static func time(_ date: Date?, _ ctx: PageContext) -> HTML {
        guard let date else { return "—" }
        return "<time datetime=\"\(iso8601(date))\">\(timeText(date, ctx))</time>"
    }

    /// What `time` shows, as text (a tooltip, a sentence).
    static func timeText(_ date: Date, _ ctx: PageContext) -> String {
        timeText(date, zone: TimeZone(identifier: ctx.user?.timeZone ?? "UTC") ?? .gmt, locale: ctx.locale)
    }

    /// `2026/3/5 16:40` in Chinese, `05/03/2026, 16:40` in English: what
    /// Foundation's `.numeric` date with `.shortened` time writes for
    /// zh_Hans_CN and en_GB, written here from the zone's offset because a
    /// list page prints one per row and Foundation's formatter was 2-3 % of
    /// such a page (docs/benchmarks.md, session 12). Dates outside years
    /// 1600-9999 go through Foundation. `LayoutTimeTests` holds the two equal.
    static func timeText(_ date: Date, zone: TimeZone, locale: UILocale) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down) + Double(zone.secondsFromGMT(for: date))
        let days = Int((seconds / 86_400).rounded(.down))
        let (year, month, day) = MetricDay.civilFromDays(days)
        guard (1600...9999).contains(year) else {
            var style = Date.FormatStyle(date: .numeric, time: .shortened)
            style.timeZone = zone
            style.locale = Locale(identifier: locale == .en ? "en_GB" : "zh_Hans_CN")
            return date.formatted(style)
        }
        let inDay = Int(seconds - Double(days) * 86_400)
        let clock = String(inDay / 3_600) + ":" + Formats.twoDigits(inDay % 3_600 / 60)
        switch locale {
        case .zhHans: return String(year) + "/" + String(month) + "/" + String(day) + " " + clock
        case .en: return Formats.twoDigits(day) + "/" + Formats.twoDigits(month) + "/" + String(year) + ", " + clock
        }
    }

    /// `2026-03-05T08:40:00Z`, as `Date.formatted(.iso8601)` writes it.
    static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let days = Int((seconds / 86_400).rounded(.down))
        let (year, month, day) = MetricDay.civilFromDays(days)
        guard (1600...9999).contains(year) else { return date.formatted(.iso8601) }
        let inDay = Int(seconds - Double(days) * 86_400)
        return String(year) + "-" + Formats.twoDigits(month) + "-" + Formats.twoDigits(day) + "T" + Formats.twoDigits(inDay / 3_600) + ":"
            + Formats.twoDigits(inDay % 3_600 / 60) + ":" + Formats.twoDigits(inDay % 60) + "Z"
    }
}
