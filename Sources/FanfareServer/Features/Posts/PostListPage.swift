import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The post list as query → model → view: search in title and text,
/// filters in the URL (`status`, `review=mine`, `due=today`, which the
/// workbench links to), paging by cursor, and bulk actions on the posts
/// ticked. `model` and `view` are tested without a database.
enum PostListPage {
    /// What the reader asked for, as typed.
    struct Input: Sendable, Equatable {
        var status: String?
        var q: String?
        var review: String?
        var due: String?
        var limit: String?
        var cursor: String?

        init(status: String? = nil, q: String? = nil, review: String? = nil, due: String? = nil, limit: String? = nil, cursor: String? = nil) {
            self.status = status
            self.q = q
            self.review = review
            self.due = due
            self.limit = limit
            self.cursor = cursor
        }

        /// The filters set, in a fixed order.
        var filters: [(name: String, value: String)] {
            [("status", status), ("review", review), ("due", due), ("q", q?.trimmingCharacters(in: .whitespacesAndNewlines))]
                .compactMap { name, value in value.nonEmpty.map { (name, $0) } }
        }

        var isFiltered: Bool { !filters.isEmpty }

        var searchText: String { q?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
    }

    /// What the role may do on the list.
    struct Abilities: Sendable, Equatable {
        var edit: Bool
        var schedule: Bool
        var review: Bool

        init(edit: Bool, schedule: Bool, review: Bool) {
            self.edit = edit
            self.schedule = schedule
            self.review = review
        }

        init(_ access: WorkspaceAccess) {
            self.init(
                edit: access.can(.contentEdit), schedule: access.can(.contentSchedule),
                review: access.can(.contentReview) || access.can(.contentLegalReview))
        }
    }

    /// One post as it was stored (no model leaves the query).
    struct Item: Sendable, Equatable {
        struct Account: Sendable, Equatable {
            var platform: String
            var handle: String
        }
        var id: UUID
        var title: String?
        var body: String
        var status: String
        var pillar: String
        var scheduledAt: Date?
        var updatedAt: Date
        var accounts: [Account] = []
        /// The open review step (key and the name the chain gives it).
        var stepKey: String?
        var stepName: String?

        var label: String { title.nonEmpty ?? String(body.prefix(40)) }
    }

    /// What the database answered: one page of posts, or which filter
    /// could not be read (field → key of the sentence).
    struct Found: Sendable {
        var items: [Item] = []
        var nextCursor: String?
        var invalid: [String: String] = [:]
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var id: String
            var href: String
            var title: String
            var status: String
            var statusLabel: String
            var tone: Badge.Tone
            var platforms: [Platform]
            var step: String?
            var stepTyped: Bool
            var pillar: String
            var scheduledAt: Date?
            var updatedAt: Date
        }
        struct Platform: Sendable, Equatable {
            var code: String
            var handle: String
        }
        struct Link: Sendable, Equatable {
            var id: String
            var label: String
            var href: String
            var current: Bool = false
        }
        var input: Input
        var base: String
        var rows: [Row]
        /// Filters that could not be read: field → sentence.
        var errors: [String: String]
        var tabs: [Link]
        var nextHref: String?
        /// What to say when there is no row, and what to do next.
        var empty: String
        var emptyLinks: [Link]
        var clearHref: String?
        var bulkActions: [(value: String, label: String)]
        var bulkHref: String
        /// Where the bulk form comes back to: this very view.
        var returnTo: String
        var newHref: String?
        var importHref: String?
    }

    /// Posts fetched at a time while looking for those awaiting the
    /// reader's role (the review state lives in the post's JSON).
    static let reviewBatch = 200

    /// `actor` is the reader as the review history names them (`review=mine`
    /// leaves out the steps they may not decide again in this round).
    static func query(_ input: Input, access: WorkspaceAccess, actor: String, now: Date = Date(), on db: any Database) async throws -> Found {
        var invalid: [String: String] = [:]
        let status = input.status.nonEmpty
        if let status, Post.Status(rawValue: status) == nil { invalid["status"] = "posts.invalid.status" }
        if let review = input.review.nonEmpty, review != "mine" { invalid["review"] = "posts.invalid.review" }
        if let due = input.due.nonEmpty, due != "today" { invalid["due"] = "posts.invalid.due" }
        if input.searchText.count > 200 { invalid["q"] = "posts.invalid.q" }
        let page: PageQuery
        do {
            page = try PageQuery(limit: input.limit, cursor: input.cursor)
        } catch {
            for issue in error.issues { invalid[issue.field] = "posts.invalid.\(issue.field)" }
            return Found(invalid: invalid)
        }
        guard invalid.isEmpty else { return Found(invalid: invalid) }

        let mine = input.review == "mine"
        // Today as the 工作台 counts it (`PostService.today`).
        let today = PostService.today(in: access.workspace.zone, now: now)
        let text = input.searchText
        guard let sql = db as? any SQLDatabase else { return Found(invalid: invalid) }
        // The posts and their accounts as plain rows, in one statement for
        // a plain page (two when `review=mine` reads its batches): filling
        // Post and PostVariant models through FluentKit was most of the
        // list's time.
        var filter: SQLQueryString = "p.workspace_id = \(bind: access.workspaceID)"
        if let status { filter.appendInterpolation(" AND p.status = \(bind: status)" as SQLQueryString) }
        if mine { filter.appendInterpolation(" AND p.status = \(bind: Post.Status.inReview.rawValue)" as SQLQueryString) }
        if input.due == "today" {
            filter.appendInterpolation(
                " AND p.status = \(bind: Post.Status.scheduled.rawValue) AND p.scheduled_at >= \(bind: today.lowerBound) AND p.scheduled_at < \(bind: today.upperBound)"
                    as SQLQueryString)
        }
        if !text.isEmpty {
            // What FluentKit's `~~` wrote: LIKE with the text as typed.
            let pattern = "%" + text + "%"
            filter.appendInterpolation(" AND (p.title LIKE \(bind: pattern) OR p.body LIKE \(bind: pattern))" as SQLQueryString)
        }
        var rows: [Listed] = []
        if mine {
            // Only posts whose open step the reader's role decides: read in
            // batches until one more than a page is found.
            var after = page.after
            while rows.count <= page.limit {
                let batch = try await listed(sql, filter: filter, after: after, limit: reviewBatch, accounts: false)
                rows += batch.filter { ($0.review.flatMap { try? ReviewProcess(json: $0) })?.awaitsDecision(from: access.role, actor: actor) == true }
                guard batch.count == reviewBatch, let last = batch.last?.item.id else { break }
                after = last
            }
            rows = Array(rows.prefix(page.limit + 1))
        } else {
            rows = try await listed(sql, filter: filter, after: page.after, limit: page.limit + 1, accounts: true)
        }
        let (shown, next) = page.page(rows) { $0.item.id }
        var items = shown.map(\.item)
        if mine, !items.isEmpty {
            var accounts: [UUID: [Item.Account]] = [:]
            let ids = SQLList(items.map { SQLBind($0.id) })
            for row in try await sql.raw(
                """
                SELECT v.post_id, v.platform, a.handle FROM post_variants v JOIN social_accounts a ON a.id = v.account_id
                WHERE v.post_id IN (\(ids)) ORDER BY v.id
                """
            ).all() {
                accounts[try SQLRows.uuid(row, "post_id", asText: SQLRows.uuidsAsText(sql)), default: []].append(
                    Item.Account(
                        platform: try row.decode(column: "platform", as: String.self), handle: try row.decode(column: "handle", as: String.self)))
            }
            for index in items.indices { items[index].accounts = accounts[items[index].id] ?? [] }
        }
        for index in items.indices where items[index].status == Post.Status.inReview.rawValue {
            let step = shown[index].review.flatMap { try? ReviewProcess(json: $0) }?.currentStep
            items[index].stepKey = step?.key
            items[index].stepName = step?.name
        }
        return Found(items: items, nextCursor: next, invalid: [:])
    }

    /// A post of the list and its stored review (read only while in review).
    struct Listed: Sendable {
        var item: Item
        var review: String?
    }

    /// Up to `limit` posts matching `filter` (on alias `p`) below `after`,
    /// newest first; with `accounts`, each with its variants' accounts in
    /// the same statement (the page's posts in a subquery, joined).
    static func listed(_ sql: any SQLDatabase, filter: SQLQueryString, after: UUID?, limit: Int, accounts: Bool) async throws -> [Listed] {
        var page: SQLQueryString = """
            SELECT p.id, p.title, p.body, p.status, p.pillar, p.scheduled_at, p.updated_at, \
            CASE WHEN p.status = \(bind: Post.Status.inReview.rawValue) THEN p.review ELSE NULL END AS review FROM posts p WHERE \(filter)
            """
        if let after { page.appendInterpolation(" AND p.id < \(bind: after)" as SQLQueryString) }
        page.appendInterpolation(" ORDER BY p.id DESC LIMIT \(literal: max(0, limit))" as SQLQueryString)
        let statement: SQLQueryString =
            accounts
            ? """
            SELECT l.*, v.platform AS v_platform, a.handle AS a_handle FROM (\(page)) l
            LEFT JOIN post_variants v ON v.post_id = l.id LEFT JOIN social_accounts a ON a.id = v.account_id ORDER BY l.id DESC, v.id
            """
            : page
        let text = SQLRows.uuidsAsText(sql)
        var listed: [Listed] = []
        for row in try await sql.raw(statement).all() {
            let id = try SQLRows.uuid(row, "id", asText: text)
            if listed.last?.item.id != id {
                listed.append(
                    Listed(
                        item: Item(
                            id: id, title: try row.decode(column: "title", as: String?.self), body: try row.decode(column: "body", as: String.self),
                            status: try row.decode(column: "status", as: String.self), pillar: try row.decode(column: "pillar", as: String.self),
                            scheduledAt: try row.decode(column: "scheduled_at", as: Date?.self),
                            updatedAt: try row.decode(column: "updated_at", as: Date.self)),
                        review: try row.decode(column: "review", as: String?.self)))
            }
            if accounts, let platform = try row.decode(column: "v_platform", as: String?.self),
                let handle = try row.decode(column: "a_handle", as: String?.self)
            {
                listed[listed.count - 1].item.accounts.append(Item.Account(platform: platform, handle: handle))
            }
        }
        return listed
    }

    /// `base` is the list's own path (`/w/{ws}/posts`).
    static func model(_ input: Input, _ found: Found, base: String, abilities: Abilities, locale: UILocale) -> Model {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let search = input.searchText
        let rows = found.items.map { item -> Model.Row in
            let step = item.stepKey.map { PostVocabulary.stepName(key: $0, name: item.stepName ?? $0, locale) }
            return Model.Row(
                id: item.id.uuidString, href: "\(base)/\(item.id.uuidString)", title: item.label, status: item.status,
                statusLabel: t("post.status." + item.status), tone: PostVocabulary.tone(item.status),
                platforms: item.accounts.map { Model.Platform(code: $0.platform, handle: $0.handle) }, step: step?.text,
                stepTyped: step?.typed ?? false, pillar: PostVocabulary.known("pillar." + item.pillar, locale) ?? item.pillar,
                scheduledAt: item.scheduledAt, updatedAt: item.updatedAt)
        }
        let errors = found.invalid.mapValues { t($0) }
        // The tabs keep the search; the search keeps the tab.
        let searchItem = search.isEmpty ? [] : [("q", search)]
        func current(_ filters: [(String, String)]) -> Bool {
            input.filters.filter { $0.name != "q" }.map { "\($0.name)=\($0.value)" } == filters.map { "\($0.0)=\($0.1)" }
        }
        var tabSpecs: [(id: String, label: String, filters: [(String, String)])] = [(id: "all", label: t("posts.all"), filters: [])]
        if abilities.review { tabSpecs.append((id: "mine", label: t("posts.filter.review_mine"), filters: [("review", "mine")])) }
        tabSpecs.append((id: "today", label: t("posts.filter.due_today"), filters: [("due", "today")]))
        for status in Post.Status.allCases {
            tabSpecs.append((id: status.rawValue, label: t("post.status." + status.rawValue), filters: [("status", status.rawValue)]))
        }
        let tabs = tabSpecs.map { spec in
            Model.Link(id: "filter-\(spec.id)", label: spec.label, href: href(base, spec.filters + searchItem), current: current(spec.filters))
        }
        let filterItems = input.filters.map { ($0.name, $0.value) }
        let limitItem = input.limit.nonEmpty.map { [("limit", $0)] } ?? []
        let next = found.nextCursor.map { href(base, filterItems + limitItem + [("cursor", $0)]) }
        // The empty state says what the list will hold and the next step.
        var emptyLinks: [Model.Link] = []
        let empty: String
        if !found.invalid.isEmpty {
            empty = t("posts.none_invalid")
            emptyLinks = [Model.Link(id: "empty-clear", label: t("posts.clear_filters"), href: base)]
        } else if !search.isEmpty {
            empty = t("posts.none_search", search)
            emptyLinks = [Model.Link(id: "empty-clear", label: t("posts.clear_search"), href: href(base, filterItems.filter { $0.0 != "q" }))]
        } else if input.review == "mine" {
            empty = t("posts.none_review_mine")
            emptyLinks = [Model.Link(id: "empty-in-review", label: t("posts.see_in_review"), href: href(base, [("status", "in_review")]))]
        } else if input.due == "today" {
            empty = t("posts.none_due_today")
            emptyLinks = [Model.Link(id: "empty-calendar", label: t("posts.open_calendar"), href: base.replacingSuffix("/posts", with: "/calendar"))]
        } else if let status = input.status.nonEmpty {
            empty = t("posts.none_status", t("post.status." + status))
            emptyLinks = [Model.Link(id: "empty-clear", label: t("posts.clear_filters"), href: base)]
        } else if abilities.edit {
            empty = t("posts.none_yet")
            emptyLinks = [
                Model.Link(id: "empty-new", label: t("posts.new"), href: "\(base)/new"),
                Model.Link(id: "empty-import", label: t("import.title"), href: "\(base)/import"),
            ]
        } else {
            empty = t("posts.none_yet_reader")
        }
        var bulk: [(value: String, label: String)] = []
        for action in PostBulk.Action.allCases where action.allowed(abilities) {
            bulk.append((value: action.rawValue, label: t("posts.bulk.action." + action.rawValue)))
        }
        return Model(
            input: input, base: base, rows: rows, errors: errors, tabs: tabs, nextHref: next, empty: empty, emptyLinks: emptyLinks,
            clearHref: input.isFiltered ? base : nil, bulkActions: bulk, bulkHref: "\(base)/bulk",
            returnTo: href(base, filterItems + limitItem + (input.cursor.nonEmpty.map { [("cursor", $0)] } ?? [])),
            newHref: abilities.edit ? "\(base)/new" : nil, importHref: abilities.edit ? "\(base)/import" : nil)
    }

    /// `base?name=value&…`, values percent-encoded.
    static func href(_ base: String, _ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return base }
        var components = URLComponents()
        components.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        return base + "?" + (components.percentEncodedQuery ?? "")
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let selectable = !model.bulkActions.isEmpty
        let rows = model.rows.map { row -> HTML in
            let platforms = HTML.join(
                row.platforms.map { platform -> HTML in
                    "\(Badge.platform(platform.code, ctx.locale)) <span class=\"handle\" translate=\"no\">@\(platform.handle)</span>"
                }, separator: "<br>")
            let step: HTML =
                row.step.map { name -> HTML in
                    row.stepTyped
                        ? "<br><small class=\"muted step\" translate=\"no\">\(name)</small>" : "<br><small class=\"muted step\">\(name)</small>"
                } ?? .empty
            let select: HTML =
                selectable
                ? "<td class=\"select\"><input type=\"checkbox\" name=\"post_ids[]\" value=\"\(row.id)\" id=\"select-\(row.id)\" aria-labelledby=\"title-\(row.id)\"></td>"
                : .empty
            return """
                <tr data-status="\(row.status)" data-post="\(row.id)">\(select)<td><a id="title-\(row.id)" href="\(row.href)" translate="no">\(row.title)</a></td>\
                <td>\(Badge.html(row.statusLabel, tone: row.tone, classes: "status-\(row.status)"))\(step)</td>\
                <td class="platforms">\(platforms)</td><td>\(row.pillar)</td><td>\(Layout.time(row.scheduledAt, ctx))</td><td>\(Layout.time(row.updatedAt, ctx))</td></tr>
                """
        }
        let tabs = HTML.join(
            model.tabs.map { tab -> HTML in
                "<a href=\"\(tab.href)\" id=\"\(tab.id)\"\(tab.current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(tab.label)</a>"
            }, separator: " ")
        let hidden = HTML.join(
            model.input.filters.filter { $0.name != "q" }.map { filter -> HTML in
                "<input type=\"hidden\" name=\"\(filter.name)\" value=\"\(filter.value)\">"
            })
        let clear: HTML = model.clearHref.map { "<a href=\"\($0)\" id=\"clear-filters\">\(ctx.t("posts.clear_filters"))</a>" } ?? .empty
        let emptyLinks = HTML.join(
            model.emptyLinks.map { link -> HTML in "<a class=\"button\" href=\"\(link.href)\" id=\"\(link.id)\">\(link.label)</a>" }, separator: " ")
        let selectHead: HTML = selectable ? "<th class=\"select\"><span class=\"visually-hidden\">\(ctx.t("posts.select"))</span></th>" : .empty
        let table: HTML =
            model.rows.isEmpty
            ? "<div class=\"empty-state\" id=\"posts-empty\"><p class=\"empty\">\(model.empty)</p><p>\(emptyLinks)</p></div>"
            : """
            <div class="table-scroll"><table id="post-list"><thead><tr>\(selectHead)<th>\(ctx.t("post.title"))</th><th>\(ctx.t("post.status"))</th>\
            <th>\(ctx.t("post.accounts"))</th><th>\(ctx.t("post.pillar"))</th><th>\(ctx.t("post.scheduled_at"))</th><th>\(ctx.t("post.updated_at"))</th></tr></thead>\
            <tbody>\(rows)</tbody></table></div>
            """
        let options = HTML.join(model.bulkActions.map { option -> HTML in "<option value=\"\(option.value)\">\(option.label)</option>" })
        let list: HTML =
            selectable && !model.rows.isEmpty
            ? """
            <form method="post" action="\(model.bulkHref)" id="bulk-form">\(ctx.csrfField)
            <input type="hidden" name="return_to" value="\(model.returnTo)">
            \(table)
            <div class="bulk-actions"><label for="bulk-action">\(ctx.t("posts.bulk.label"))</label>
            <select id="bulk-action" name="action">\(options)</select>
            <button type="submit" id="bulk-apply">\(ctx.t("posts.bulk.apply"))</button></div>
            </form>
            """
            : table
        let more: HTML = model.nextHref.map { "<p><a href=\"\($0)\" id=\"posts-next\">\(ctx.t("list.next"))</a></p>" } ?? .empty
        let importLink: HTML =
            model.importHref.map { "<a class=\"button\" id=\"import-posts\" href=\"\($0)\">\(ctx.t("import.title"))</a>" } ?? .empty
        let newButton: HTML = model.newHref.map { "<a class=\"button primary\" id=\"new-post\" href=\"\($0)\">\(ctx.t("posts.new"))</a>" } ?? .empty
        let searchError: HTML =
            model.errors.isEmpty
            ? .empty
            : "<p class=\"flash flash-error\" role=\"alert\" id=\"filter-errors\">\(HTML.join(model.errors.sorted { $0.key < $1.key }.map { HTML("\($0.value)") }, separator: " "))</p>"
        return """
            <div class="heading"><h1>\(ctx.t("posts.title"))</h1><div class="heading-actions">\(importLink) \(newButton)</div></div>
            <form method="get" action="\(model.base)" class="filters" id="post-search" role="search">
            <div class="field"><label for="q">\(ctx.t("posts.search"))</label>\
            <input type="search" id="q" name="q" value="\(model.input.searchText)" maxlength="200" placeholder="\(ctx.t("posts.search_hint"))"></div>
            \(hidden)<button type="submit" id="post-search-submit">\(ctx.t("posts.search_submit"))</button> \(clear)
            </form>
            <nav class="filters tabs" id="post-filters" aria-label="\(ctx.t("posts.filters"))">\(tabs)</nav>
            \(searchError)
            \(list)
            \(more)
            """
    }
}

/// Several posts at once: the same service call per post, each with its
/// own outcome, told back as one notice for what was done and one error
/// per post that was not.
enum PostBulk {
    enum Action: String, CaseIterable, Sendable {
        case submit, unschedule, delete

        var permission: WorkspaceAction {
            switch self {
            case .submit, .delete: .contentEdit
            case .unschedule: .contentSchedule
            }
        }

        func allowed(_ abilities: PostListPage.Abilities) -> Bool {
            switch self {
            case .submit, .delete: abilities.edit
            case .unschedule: abilities.schedule
            }
        }
    }

    /// The most posts one request may name.
    static let limit = 200

    enum Result: Sendable, Equatable {
        /// Done; the key of what it came to (`posts.bulk.done.submitted` …).
        case done(String)
        /// Not done, and why, in the reader's language.
        case refused(String)
    }

    struct Outcome: Sendable, Equatable {
        var title: String
        var result: Result
    }

    /// One notice per kind of success naming the posts, then one error per
    /// post refused.
    static func flashes(_ outcomes: [Outcome], locale: UILocale) -> [Flash] {
        var done: [String: [String]] = [:]
        var order: [String] = []
        var refused: [Flash] = []
        for outcome in outcomes {
            switch outcome.result {
            case .done(let key):
                if done[key] == nil { order.append(key) }
                done[key, default: []].append(outcome.title)
            case .refused(let reason):
                refused.append(Flash(kind: .error, text: I18n.text("posts.bulk.refused", locale, [outcome.title, reason])))
            }
        }
        let notices = order.map { key -> Flash in
            let titles = done[key]!
            let named = titles.prefix(10).map { I18n.text("posts.bulk.quoted", locale, [$0]) }.joined(
                separator: I18n.text("posts.bulk.separator", locale))
            let more = titles.count > 10 ? I18n.text("posts.bulk.and_more", locale, [String(titles.count - 10)]) : ""
            return Flash(kind: .notice, text: I18n.text(key, locale, [String(titles.count), named + more]))
        }
        return notices + refused
    }
}

extension String {
    /// The string with `suffix` replaced, or unchanged when it does not end so.
    fileprivate func replacingSuffix(_ suffix: String, with other: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + other : self
    }
}
