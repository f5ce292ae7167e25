import FanfareCore
import Fluent
import Vapor

/// What the reader may see and do in the fans area, read once from their role.
struct FanViewer: Sendable, Equatable {
    /// Names and platform ids unmasked (`fans.personal_data`).
    var personalData: Bool
    /// Profile, points, merges, rewards (`fans.manage`).
    var manage: Bool
    /// The report (`analytics.view`).
    var analytics: Bool = true
    /// Segment exports (`reports.export`).
    var export: Bool = false

    init(personalData: Bool, manage: Bool, analytics: Bool = true, export: Bool = false) {
        self.personalData = personalData
        self.manage = manage
        self.analytics = analytics
        self.export = export
    }

    init(_ access: WorkspaceAccess) {
        self.init(
            personalData: access.can(.fansPersonalData), manage: access.can(.fansManage), analytics: access.can(.analyticsView),
            export: access.can(.reportsExport))
    }

    /// A name as this reader may read it.
    func name(_ name: String) -> String { personalData ? name : PersonalDataMask.name(name) }
    /// A platform id as this reader may read it.
    func handle(_ handle: String) -> String { personalData ? handle : PersonalDataMask.handle(handle) }
}

/// The tabs of the fans area, drawn from the workspace's slug alone.
enum FanTabs {
    /// The report's tab is for those who may read analytics.
    static func html(_ ctx: PageContext, slug: String, current: String) -> HTML {
        let analytics = ctx.access.map { $0.can(.analyticsView) } ?? true
        let base = "/w/\(slug)"
        var tabs = [
            (base + "/fans", ctx.t("fans.tab_fans")), (base + "/segments", ctx.t("fans.tab_segments")),
            (base + "/activities", ctx.t("fans.tab_activities")), (base + "/rewards", ctx.t("fans.tab_rewards")),
            (base + "/fans/programme", ctx.t("fans.tab_programme")),
        ]
        if analytics { tabs.append((base + "/fans/report", ctx.t("fans.tab_report"))) }
        let links = tabs.map { href, label -> HTML in
            "<a href=\"\(href)\"\(href == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(label)</a>"
        }
        return "<nav class=\"tabs\" aria-label=\"\(ctx.t("fans.tabs"))\">\(HTML.join(links, separator: " "))</nav>"
    }
}

/// The fans list: search by name or platform id, filter by tier and
/// platform, page through, and (for managers) the merge suggestions.
/// query → model → view, the last two tested without a database.
enum FanListPage {
    struct Input: Sendable, Equatable {
        var search: String?
        var tier: String?
        var platform: String?
        var cursor: String?
        var limit: String?

        /// The filter as a query string, kept in the next page's link.
        var filterQuery: String {
            var query = URLComponents()
            query.queryItems = [("q", search), ("tier", tier), ("platform", platform)]
                .compactMap { name, value in value.nonEmpty.map { URLQueryItem(name: name, value: $0) } }
            return query.percentEncodedQuery ?? ""
        }

        var isFiltered: Bool { !filterQuery.isEmpty }
    }

    struct ListedFan: Sendable, Equatable {
        var id: UUID
        var name: String
        var platforms: [String]
        var tier: String
        var interactions30d: Int
        var points: Int
        var level: Int
        var lastInteractionAt: Date?
        var erased: Bool
    }

    struct Suggestion: Sendable, Equatable {
        var keptID: UUID
        var keptName: String
        var mergedID: UUID
        var mergedName: String
        var reason: String
    }

    struct Found: Sendable {
        var fans: [ListedFan] = []
        var nextCursor: String?
        var errors = FormErrors()
        var suggestions: [Suggestion] = []
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var id: String
            var href: String
            var name: Wording
            var platforms: [String]
            var tier: String
            var tierCode: String
            var tierTone: Badge.Tone
            var interactions: String
            var points: String
            var level: Int
            var lastSeen: Date?
        }
        struct SuggestionRow: Sendable, Equatable {
            var keptID: String
            var mergedID: String
            var reason: String
            var sentence: Wording
        }
        enum Empty: Sendable, Equatable {
            /// No fan yet: they come with messages, so connect an account.
            case noneYet(accountsHref: String)
            /// The filter matches nobody.
            case noMatch(clearHref: String)
        }

        var input: Input
        var slug: String
        var base: String
        var rows: [Row]
        var errors: FormErrors
        /// Searching names and platform ids is for those who may read them.
        var searchable: Bool
        var tierOptions: [(value: String, label: String)]
        var platformOptions: [(value: String, label: String)]
        var nextHref: String?
        var firstHref: String?
        var empty: Empty?
        var suggestions: [SuggestionRow]
        var manage: Bool
    }

    static let searchLimit = 100

    static func query(_ input: Input, viewer: FanViewer, access: WorkspaceAccess, actor: Actor, on db: any Database) async throws -> Found {
        var found = Found()
        let filter: FanService.Filter
        do {
            filter = try FanService.Filter(
                tier: input.tier, platform: input.platform, search: viewer.personalData ? input.search.map { String($0.prefix(searchLimit)) } : nil)
        } catch let invalid as ValidationErrors {
            found.errors = FormErrors(invalid)
            filter = try FanService.Filter(tier: nil, platform: nil)
        }
        var page = PageQuery()
        switch Result(catching: { () throws(ValidationErrors) -> PageQuery in try PageQuery(limit: input.limit, cursor: input.cursor) }) {
        case .success(let asked): page = asked
        case .failure(let invalid): for issue in invalid.issues { found.errors.byField[issue.field] = issue.coded }
        }
        let (items, next) = try await FanService(db: db).rows(filter, page: page, in: access, actor: actor)
        found.fans = items.map {
            ListedFan(
                id: $0.id, name: $0.name, platforms: $0.platforms, tier: $0.tier, interactions30d: $0.interactions30d, points: $0.points,
                level: $0.level, lastInteractionAt: $0.lastInteractionAt, erased: $0.erased)
        }
        found.nextCursor = next
        if viewer.manage {
            let suggestions = try await FanMerges(db: db).suggestions(in: access)
            if !suggestions.isEmpty {
                let ids = suggestions.flatMap { [$0.keptFanId, $0.mergedFanId] }
                let names = try await FanMerges(db: db).names(of: ids, in: access)
                found.suggestions = suggestions.map {
                    Suggestion(
                        keptID: $0.keptFanId, keptName: names[$0.keptFanId] ?? "", mergedID: $0.mergedFanId, mergedName: names[$0.mergedFanId] ?? "",
                        reason: $0.reason)
                }
            }
        }
        return found
    }

    static func model(_ input: Input, _ found: Found, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        let base = "/w/\(slug)/fans"
        let rows = found.fans.map { fan in
            let id = fan.id.uuidString.lowercased()
            return Model.Row(
                id: id, href: "\(base)/\(id)", name: FanWords.name(fan.name, id: fan.id, erased: fan.erased, viewer: viewer, locale),
                platforms: fan.platforms, tier: FanWords.tier(fan.tier, locale), tierCode: fan.tier, tierTone: FanWords.tierTone(fan.tier),
                interactions: Formats.count(fan.interactions30d, locale), points: Formats.count(fan.points, locale), level: fan.level,
                lastSeen: fan.lastInteractionAt)
        }
        let filterQuery = input.filterQuery
        let next = found.nextCursor.map { "\(base)?\(filterQuery)\(filterQuery.isEmpty ? "" : "&")cursor=\($0)" }
        let first = input.cursor.nonEmpty.map { _ in filterQuery.isEmpty ? base : "\(base)?\(filterQuery)" }
        var empty: Model.Empty?
        if rows.isEmpty, input.cursor.nonEmpty == nil {
            empty = input.isFiltered ? .noMatch(clearHref: base) : .noneYet(accountsHref: "/w/\(slug)/accounts")
        }
        let suggestions = found.suggestions.map { suggestion in
            Model.SuggestionRow(
                keptID: suggestion.keptID.uuidString.lowercased(), mergedID: suggestion.mergedID.uuidString.lowercased(), reason: suggestion.reason,
                sentence: .sentence(
                    "fans.suggestion", locale,
                    [
                        .typed(viewer.name(suggestion.mergedName)), .typed(viewer.name(suggestion.keptName)),
                        .ours(FanWords.mergeReason(suggestion.reason, locale)),
                    ]))
        }
        return Model(
            input: input, slug: slug, base: base, rows: rows, errors: found.errors, searchable: viewer.personalData,
            tierOptions: [("", I18n.text("fans.all_tiers", locale))]
                + ActivityTier.allCases.map { ($0.rawValue, FanWords.tier($0.rawValue, locale)) },
            platformOptions: [("", I18n.text("fans.all_platforms", locale))]
                + PlatformRules.standard.keys.sorted().map { ($0, I18n.text("platform." + $0, locale)) },
            nextHref: next, firstHref: first, empty: empty, suggestions: suggestions, manage: viewer.manage)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            """
            <tr class="fan-row" data-fan="\(row.id)"><td><a href="\(row.href)">\(row.name.html)</a></td>\
            <td>\(HTML.join(row.platforms.map { Badge.platform($0, ctx.locale) }, separator: " "))</td>\
            <td class="fan-tier">\(Badge.html(row.tier, tone: row.tierTone, data: [("code", row.tierCode)]))</td><td>\(row.interactions)</td>\
            <td>\(row.points)</td><td>\(row.level)</td><td>\(Layout.time(row.lastSeen, ctx))</td></tr>
            """
        }
        let list: HTML
        switch model.empty {
        case .noneYet(let accounts):
            list = """
                <div class="empty-state" id="fans-empty"><p>\(ctx.t("fans.none"))</p>\
                <p><a class="button" href="\(accounts)">\(ctx.t("fans.none_action"))</a></p></div>
                """
        case .noMatch(let clear):
            list =
                "<div class=\"empty-state\" id=\"fans-empty\"><p>\(ctx.t("fans.no_match"))</p><p><a href=\"\(clear)\">\(ctx.t("fans.clear_filter"))</a></p></div>"
        case nil:
            list = """
                <div class="table-scroll"><table id="fans"><thead><tr><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("fans.platforms"))</th>\
                <th>\(ctx.t("fans.tier"))</th><th>\(ctx.t("fans.interactions_30d"))</th><th>\(ctx.t("fans.points"))</th>\
                <th>\(ctx.t("fans.level"))</th><th>\(ctx.t("fans.last_seen"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
                """
        }
        var pager: [HTML] = []
        if let first = model.firstHref { pager.append("<a href=\"\(first)\" id=\"fans-first\">\(ctx.t("fans.first_page"))</a>") }
        if let next = model.nextHref { pager.append("<a href=\"\(next)\" rel=\"next\" id=\"fans-next\">\(ctx.t("fans.next_page"))</a>") }
        let search: HTML =
            model.searchable
            ? """
            <div class="field"><label for="q">\(ctx.t("fans.search"))</label>\
            <input id="q" name="q" type="search" value="\(model.input.search ?? "")" placeholder="\(ctx.t("fans.search_placeholder"))" maxlength="\(searchLimit)"></div>
            """
            : .empty
        let suggestions = model.suggestions.map { suggestion -> HTML in
            """
            <li class="merge-suggestion">\(suggestion.sentence.html)
            <form method="post" action="\(model.base)/merges" class="inline">\(ctx.csrfField)
            <input type="hidden" name="kept_fan_id" value="\(suggestion.keptID)"><input type="hidden" name="merged_fan_id" value="\(suggestion.mergedID)">
            <input type="hidden" name="reason" value="\(suggestion.reason)"><button type="submit" class="link accept-merge">\(ctx.t("fans.accept_merge"))</button></form></li>
            """
        }
        return """
            <h1>\(ctx.t("fans.title"))</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: model.base))
            \(Layout.errorSummary(ctx, model.errors))
            <p>\(ctx.t("fans.intro"))</p>
            <form method="get" action="\(model.base)" class="filters" id="fan-filter">
            \(search)
            \(Layout.select(ctx, name: "tier", label: ctx.t("fans.tier"), options: model.tierOptions, selected: model.input.tier ?? "", errors: model.errors))
            \(Layout.select(ctx, name: "platform", label: ctx.t("fans.platform"), options: model.platformOptions, selected: model.input.platform ?? "", errors: model.errors))
            <button type="submit">\(ctx.t("fans.filter"))</button></form>
            \(model.searchable ? HTML.empty : HTML("<p class=\"hint\" id=\"search-needs-permission\">\(ctx.t("fans.search_needs_personal_data"))</p>"))
            \(list)
            \(pager.isEmpty ? HTML.empty : HTML("<p class=\"pager\">\(HTML.join(pager, separator: " "))</p>"))
            \(suggestions.isEmpty ? HTML.empty : HTML("<section class=\"card\" id=\"merge-suggestions\"><h2>\(ctx.t("fans.suggestions"))</h2><ul>\(suggestions)</ul></section>"))
            """
    }
}
