import FanfareCore
import Fluent
import Foundation
import SQLKit

/// The inbox list as query → model → view: `query` reads the page of
/// conversations, the accounts and the members; `model` names every value
/// in the reader's language and decides the empty state; `view` draws the
/// page (and, alone, the list the live script fetches again). The last two
/// are tested without a database.
enum InboxListPage {
    /// What the reader asked for, as typed.
    struct Input: Sendable {
        /// The filters by name (`ConversationFilterKeys.all`).
        var values: [String: String] = [:]
        var cursor: String?
        var limit: String?
        /// No filter was chosen, so the list starts on what needs an answer.
        var defaulted = false

        init(values: [String: String] = [:], cursor: String? = nil, limit: String? = nil) {
            self.values = values.filter { ConversationFilterKeys.all.contains($0.key) }
            self.cursor = cursor
            self.limit = limit
            if self.values.isEmpty, cursor == nil {
                self.values["status"] = "unresolved"
                defaulted = true
            }
        }

        /// The filters as a query string (sorted, so a view can be shared).
        var filterQuery: String {
            values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&")
        }

        /// Filters that narrow the list (an empty value, as `status=` for "everything", does not).
        var narrows: Bool { values.values.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
        /// The same without the search box, which has its own place: the
        /// filter box opens only for its own filters.
        var narrowsBesidesSearch: Bool { values.contains { $0.key != "q" && !$0.value.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    struct Account: Sendable, Equatable {
        var id: UUID
        var platform: String
        /// The platform whose rules the account follows (a Sandbox account's stand-in).
        var rulesPlatform: String
        var handle: String
    }

    struct Member: Sendable, Equatable {
        var id: UUID
        var name: String
    }

    /// One conversation as stored, with its account and clocks.
    struct Item: Sendable {
        var conversation: ConversationDTO
        var account: Account
        var clocks: ConversationClocks
    }

    /// What the database answered.
    struct Found: Sendable {
        var items: [Item] = []
        var nextCursor: String?
        var accounts: [Account] = []
        var members: [Member] = []
        /// Filters that could not be read (the list then shows everything).
        var problems: [FieldIssue] = []
        /// With a search: the newest message or reply of each listed
        /// conversation that holds the words.
        var matches: [UUID: String] = [:]
        /// The search as understood (trimmed), when there is one.
        var search: String?
    }

    struct Model: Sendable {
        struct Row: Sendable {
            var id: String
            var href: String
            var fanName: String
            var platform: String
            var handle: String
            var tier: String
            var lastText: String
            /// The words searched for, to mark in `lastText` (a message
            /// that holds them, when the search found one).
            var highlight: String?
            var tags: [String]
            var sentiment: InboxVocabulary.Label
            var intent: InboxVocabulary.Label
            var priority: InboxVocabulary.Label
            var status: InboxVocabulary.Label
            var queue: InboxVocabulary.Label
            /// The assignee's name; nil when nobody has the conversation.
            var assignee: String?
            var messages: Int
            var lastAt: Date
            var serviceLevel: InboxVocabulary.Label
            /// When the running clock falls due; nil once done.
            var due: Date?
        }

        struct Option: Sendable, Equatable {
            var value: String
            var label: String
            /// A name people typed (an account's handle, a member): kept out of translation.
            var typed = false
            /// The group the option is listed under (an account's platform).
            var group: String?
        }

        struct Filter: Sendable {
            var name: String
            var label: String
            var options: [Option]
            var selected: String
        }

        enum Empty: Sendable, Equatable {
            /// No account is connected: nothing can arrive yet.
            case noAccounts
            /// The default view is empty: every conversation is answered.
            case nothingWaiting
            /// The filters match nothing.
            case noMatch
            /// Nothing holds the words searched for.
            case noSearchMatch
            /// Accounts are connected but nobody has written yet.
            case noConversations
        }

        var base: String
        var input: Input
        var rows: [Row]
        var filters: [Filter]
        var tag: String
        var problems: [String]
        var nextHref: String?
        var fragmentHref: String
        var returnPath: String
        var empty: Empty?
        var canWork: Bool
        /// Sandbox accounts a member who connects accounts may write to as a fan.
        var sandboxAccounts: [Account]
        var accountsHref: String
    }

    static func query(_ input: Input, access: WorkspaceAccess, user: UUID?, on db: any Database) async throws -> Found {
        var found = Found()
        var filter = ConversationFilter()
        do {
            filter = try ConversationFilter(
                account: input.values["account"], platform: input.values["platform"], sentiment: input.values["sentiment"],
                intent: input.values["intent"], status: input.values["status"], queue: input.values["queue"], assignee: input.values["assignee"],
                serviceLevel: input.values["sla"], tag: input.values["tag"], search: input.values["q"])
        } catch {
            found.problems = error.issues
        }
        let page = try PageQuery(limit: input.limit, cursor: input.cursor)
        let service = ConversationService(db: db)
        let (items, next) = try await service.list(filter, page: page, in: access, user: user)
        if let search = filter.search {
            found.search = search
            found.matches = try await service.matches(of: search, in: items.compactMap(\.conversation.id), access: access)
        }
        found.accounts = try await accounts(access.workspaceID, on: db)
        // Each row's account comes from the list just read: working out a
        // Sandbox account's stand-in platform decodes its settings, once
        // per account rather than once per row.
        let byID = Dictionary(found.accounts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        found.items = items.map {
            Item(
                conversation: ConversationDTO($0.conversation, account: $0.account, clocks: $0.clocks),
                account: $0.account.id.flatMap { byID[$0] } ?? account($0.account), clocks: $0.clocks)
        }
        found.nextCursor = next
        found.members = try await members(access, on: db)
        return found
    }

    /// The workspace's accounts by handle (or by platform, then handle),
    /// read as plain rows: the inbox, the service levels and the rules
    /// list them, and no model is built.
    static func accounts(_ workspaceID: UUID, byPlatform: Bool = false, on db: any Database) async throws -> [Account] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let text = SQLRows.uuidsAsText(sql)
        return try await sql.raw(
            """
            SELECT id, platform, handle, settings FROM social_accounts WHERE workspace_id = \(bind: workspaceID) \
            ORDER BY \(unsafeRaw: byPlatform ? "platform, handle" : "handle")
            """
        ).all().map { row in
            let platform = try row.decode(column: "platform", as: String.self)
            return Account(
                id: try SQLRows.uuid(row, "id", asText: text), platform: platform,
                rulesPlatform: SocialAccount.rulesPlatform(
                    platform: platform, settingsJSON: platform == "sandbox" ? try row.decode(column: "settings", as: String?.self) : nil),
                handle: try row.decode(column: "handle", as: String.self))
        }
    }

    static func account(_ account: SocialAccount) -> Account {
        Account(id: account.id!, platform: account.platform, rulesPlatform: account.rulesPlatform, handle: account.handle)
    }

    static func members(_ access: WorkspaceAccess, on db: any Database) async throws -> [Member] {
        try await access.members(on: db).map { Member(id: $0.userID, name: $0.displayName) }
    }

    /// `workspace` is the workspace's page path (`/w/demo`).
    static func model(_ input: Input, _ found: Found, workspace: String, canWork: Bool, canConnect: Bool, locale: UILocale) -> Model {
        let base = workspace + "/inbox"
        let names = Dictionary(found.members.map { ($0.id, $0.name) }) { first, _ in first }
        let rows = found.items.map { item -> Model.Row in
            let c = item.conversation
            let clocks = item.clocks
            let running = clocks.firstResponse.state == .running || clocks.firstResponse.state == .warning
            return Model.Row(
                id: c.id.uuidString.lowercased(), href: "\(base)/\(c.id.uuidString.lowercased())", fanName: c.authorName,
                platform: item.account.rulesPlatform, handle: item.account.handle, tier: InboxVocabulary.tier(c.tier, locale),
                lastText: found.matches[c.id] ?? c.lastText, highlight: found.search, tags: c.tags,
                sentiment: InboxVocabulary.sentiment(c.lastSentiment, locale), intent: InboxVocabulary.intent(c.lastIntent, locale),
                priority: InboxVocabulary.priority(c.priority, locale), status: InboxVocabulary.status(c.status, locale),
                queue: InboxVocabulary.queue(c.queue, locale), assignee: c.assigneeId.flatMap { names[$0] }, messages: c.messageCount,
                lastAt: c.lastMessageAt, serviceLevel: InboxVocabulary.serviceLevel(clocks.badge, locale),
                due: clocks.badge == .done ? nil : (running ? clocks.firstResponse.due : clocks.resolution.due))
        }
        func t(_ key: String) -> String { I18n.text(key, locale) }
        func filter(_ name: String, _ options: [Model.Option]) -> Model.Filter {
            Model.Filter(
                name: name, label: t("inbox.filter." + name), options: [Model.Option(value: "", label: t("inbox.filter_any"))] + options,
                selected: input.values[name] ?? "")
        }
        let platforms = Array(Set(found.accounts.map(\.platform))).sorted()
        let filters = [
            filter(
                "account",
                found.accounts.sorted { ($0.rulesPlatform, $0.handle) < ($1.rulesPlatform, $1.handle) }.map {
                    Model.Option(
                        value: $0.id.uuidString.lowercased(), label: "@" + $0.handle, typed: true,
                        group: InboxVocabulary.platform($0.rulesPlatform, locale))
                }),
            filter("platform", platforms.map { Model.Option(value: $0, label: InboxVocabulary.platform($0, locale)) }),
            filter("sentiment", MessageSentiment.allCases.map { Model.Option(value: $0.rawValue, label: t("inbox.sentiment." + $0.rawValue)) }),
            filter("intent", MessageIntent.allCases.map { Model.Option(value: $0.rawValue, label: t("inbox.intent." + $0.rawValue)) }),
            filter(
                "status",
                [Model.Option(value: "unresolved", label: t("inbox.status.unresolved"))]
                    + Conversation.Status.allCases.map { Model.Option(value: $0.rawValue, label: t("inbox.status." + $0.rawValue)) }),
            filter("queue", InboxQueue.allCases.map { Model.Option(value: $0.rawValue, label: t("inbox.queue." + $0.rawValue)) }),
            filter(
                "assignee",
                [Model.Option(value: "me", label: t("inbox.assignee_me")), Model.Option(value: "none", label: t("inbox.assignee_none"))]
                    + found.members.sorted { $0.name < $1.name }.map {
                        Model.Option(value: $0.id.uuidString.lowercased(), label: $0.name, typed: true)
                    }),
            filter(
                "sla", [ServiceBadge.ok, .warning, .breached, .done].map { Model.Option(value: $0.rawValue, label: t("inbox.sla." + $0.rawValue)) }),
        ]
        let problems = found.problems.map { issue in
            I18n.text(
                "inbox.filter_problem", locale,
                [InboxVocabulary.text("inbox.filter." + issue.field, locale) ?? issue.field, issue.text(locale)])
        }
        let query = input.filterQuery
        let empty: Model.Empty? =
            !rows.isEmpty
            ? nil
            : found.accounts.isEmpty
                ? .noAccounts
                : input.defaulted
                    ? .nothingWaiting
                    : found.search != nil ? .noSearchMatch : input.narrows ? .noMatch : .noConversations
        return Model(
            base: base, input: input, rows: rows, filters: filters, tag: input.values["tag"] ?? "", problems: problems,
            nextHref: found.nextCursor.map { "\(base)?\(query)\(query.isEmpty ? "" : "&")cursor=\($0)" },
            fragmentHref: "\(base)?\(query)\(query.isEmpty ? "" : "&")fragment=1", returnPath: "\(base)?\(query)", empty: empty, canWork: canWork,
            sandboxAccounts: canConnect ? found.accounts.filter { $0.platform == "sandbox" } : [],
            accountsHref: workspace + "/accounts")
    }

    // MARK: View

    static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
        let filters = HTML.join(model.filters.map { select($0) })
        let bulk: HTML =
            model.canWork && !model.rows.isEmpty
            ? """
            <div class="bulk filters" id="bulk-actions">
            <label>\(ctx.t("inbox.bulk_action")) <select name="action" form="bulk-form" id="bulk-action">
            <option value="assign_me">\(ctx.t("inbox.bulk.assign_me"))</option><option value="resolve">\(ctx.t("inbox.bulk.resolve"))</option>
            <option value="reopen">\(ctx.t("inbox.bulk.reopen"))</option><option value="experts">\(ctx.t("inbox.bulk.experts"))</option>
            <option value="agents">\(ctx.t("inbox.bulk.agents"))</option><option value="tag">\(ctx.t("inbox.bulk.tag"))</option></select></label>
            <label>\(ctx.t("inbox.tag")) <input name="tag" form="bulk-form" size="10" translate="no"></label>
            <button type="submit" form="bulk-form" id="bulk-apply">\(ctx.t("inbox.bulk_apply"))</button>
            </div>
            <form method="post" action="\(model.base)/bulk" id="bulk-form">\(ctx.csrfField)<input type="hidden" name="return" value="\(model.returnPath)"></form>
            """ : .empty
        let more: HTML = model.nextHref.map { "<p><a href=\"\($0)\" id=\"older\">\(ctx.t("inbox.older"))</a></p>" } ?? .empty
        let tryIt: HTML =
            model.sandboxAccounts.isEmpty
            ? .empty
            : """
            <details id="sandbox-fan"\(model.empty == .noConversations ? HTML(raw: " open") : .empty)><summary>\(ctx.t("inbox.sandbox_fan"))</summary>
            <form method="post" action="\(model.base)/sandbox-fan" class="stack" id="sandbox-fan-form">\(ctx.csrfField)
            <p class="hint">\(ctx.t("inbox.sandbox_fan_hint"))</p>
            <label>\(ctx.t("inbox.filter.account")) <select name="account_id">\(HTML.join(model.sandboxAccounts.map { "<option value=\"\($0.id.uuidString.lowercased())\" translate=\"no\">@\($0.handle)</option>" }))</select></label>
            <label>\(ctx.t("inbox.sandbox_fan_name")) <input name="fan_name" required maxlength="40"></label>
            <label>\(ctx.t("inbox.sandbox_fan_kind")) <select name="kind"><option value="comment">\(ctx.t("inbox.kind.comment"))</option><option value="direct_message">\(ctx.t("inbox.kind.direct_message"))</option></select></label>
            <label>\(ctx.t("inbox.sandbox_fan_text")) <textarea name="text" rows="2" required translate="no"></textarea></label>
            <button type="submit" id="sandbox-fan-send">\(ctx.t("inbox.sandbox_fan_send"))</button></form></details>
            """
        return """
            <h1>\(ctx.t("nav.inbox"))</h1>
            \(tabs)
            <p class="muted">\(ctx.t("inbox.intro"))</p>
            \(model.problems.isEmpty ? HTML.empty : HTML("<p class=\"flash flash-error\" id=\"filter-problems\">\(model.problems.joined(separator: " "))</p>"))
            \(searchForm(model, ctx))
            <details class="filter-box" id="inbox-filter-box"\(model.input.narrowsBesidesSearch && !model.input.defaulted ? HTML(raw: " open") : .empty)><summary>\(ctx.t("inbox.filters"))</summary>
            <form method="get" action="\(model.base)" class="filters" id="inbox-filters">
            \(filters)
            <label>\(ctx.t("inbox.filter.tag")) <input name="tag" value="\(model.tag)" size="10" translate="no"></label>
            <button type="submit">\(ctx.t("inbox.apply_filters"))</button> <a href="\(model.base)?status=">\(ctx.t("inbox.show_everything"))</a>
            </form></details>
            \(bulk)
            <div id="conversation-list" data-events="\(model.base)/events" data-fragment="\(model.fragmentHref)">\(list(model, ctx))</div>
            \(more)
            <p class="muted live-status" id="live-status" hidden>\(ctx.t("inbox.live"))</p>
            \(tryIt)
            <script src="/static/inbox.js" defer></script>
            """
    }

    /// Search the messages, keeping the other filters chosen.
    static func searchForm(_ model: Model, _ ctx: PageContext) -> HTML {
        let kept = model.input.values.filter { $0.key != "q" }.sorted { $0.key < $1.key }
            .map { "<input type=\"hidden\" name=\"\($0.key)\" value=\"\($0.value)\">" as HTML }
        return """
            <form method="get" action="\(model.base)" class="filters inbox-search" role="search" id="inbox-search">\(HTML.join(kept))
            <label class="visually-hidden" for="inbox-q">\(ctx.t("inbox.filter.q"))</label>\
            <input type="search" id="inbox-q" name="q" value="\(model.input.values["q"] ?? "")" maxlength="\(ConversationFilter.searchLimit)" placeholder="\(ctx.t("inbox.search_placeholder"))">
            <button type="submit" id="inbox-search-go">\(ctx.t("inbox.search"))</button></form>
            """
    }

    /// A filter's select; names people typed are marked, accounts grouped by platform.
    static func select(_ filter: Model.Filter) -> HTML {
        var parts: [HTML] = []
        var group: String?
        for option in filter.options {
            if option.group != group {
                if group != nil { parts.append("</optgroup>") }
                if let next = option.group { parts.append("<optgroup label=\"\(next)\">") }
                group = option.group
            }
            parts.append(
                "<option value=\"\(option.value)\"\(option.value == filter.selected ? HTML(raw: " selected") : .empty)\(option.typed ? HTML(raw: " translate=\"no\"") : .empty)>\(option.label)</option>"
            )
        }
        if group != nil { parts.append("</optgroup>") }
        return "<label>\(filter.label) <select name=\"\(filter.name)\">\(HTML.join(parts))</select></label>"
    }

    /// The list alone: what the live script fetches again when a conversation changes.
    static func list(_ model: Model, _ ctx: PageContext) -> HTML {
        if let empty = model.empty {
            let next: HTML =
                switch empty {
                case .noAccounts: "<a href=\"\(model.accountsHref)\">\(ctx.t("inbox.empty_connect"))</a>"
                case .nothingWaiting: "<a href=\"\(model.base)?status=\">\(ctx.t("inbox.show_everything"))</a>"
                case .noMatch: "<a href=\"\(model.base)?status=\">\(ctx.t("inbox.clear_filters"))</a>"
                case .noSearchMatch: "<a href=\"\(model.base)?status=\">\(ctx.t("inbox.clear_search"))</a>"
                case .noConversations: model.sandboxAccounts.isEmpty ? .empty : "<a href=\"#sandbox-fan\">\(ctx.t("inbox.sandbox_fan"))</a>"
                }
            let key =
                switch empty {
                case .noAccounts: "inbox.empty_no_accounts"
                case .nothingWaiting: "inbox.empty_nothing_waiting"
                case .noMatch: "inbox.no_conversations"
                case .noSearchMatch: "inbox.no_search_match"
                case .noConversations: "inbox.empty_no_conversations"
                }
            return
                "<div class=\"empty-state\" id=\"no-conversations\" data-empty=\"\(String(describing: empty))\"><p>\(ctx.t(key))</p><p>\(next)</p></div>"
        }
        let rows = model.rows.map { row -> HTML in
            let check: HTML =
                model.canWork
                ? "<td class=\"pick\"><input type=\"checkbox\" name=\"ids\" value=\"\(row.id)\" form=\"bulk-form\" aria-labelledby=\"fan-\(row.id)\"></td>"
                : .empty
            let tags = HTML.join(row.tags.map { "<span class=\"badge tag\" translate=\"no\">\($0)</span>" }, separator: " ")
            let due = row.due.map {
                ctx.t("inbox.sla_due", HTML.escape(Layout.timeText($0, ctx)))
            }
            let assignee: HTML = row.assignee.map { HTML.typed($0) } ?? HTML("<span class=\"muted\">\(ctx.t("inbox.unassigned"))</span>")
            return """
                <tr data-conversation-id="\(row.id)" data-sentiment="\(row.sentiment.code)" data-intent="\(row.intent.code)" data-status="\(row.status.code)" data-sla="\(row.serviceLevel.code)">
                \(check)<td class="sla-cell">\(InboxVocabulary.badge(row.serviceLevel, classes: "sla \(row.serviceLevel.code)", title: due, data: "badge"))</td>
                <td class="fan-cell"><a href="\(row.href)" class="conversation-link"><strong id="fan-\(row.id)" translate="no">\(row.fanName)</strong></a><br>\(Badge.platform(row.platform, ctx.locale)) \(HTML.typed("@" + row.handle, classes: "muted")) <span class="muted nowrap">· \(row.tier)</span></td>
                <td class="message-cell"><span class="message-text" translate="no">\(HTML.marking(row.highlight, in: row.lastText))</span>\(row.tags.isEmpty ? HTML.empty : HTML("<br>\(tags)"))</td>
                <td class="analysis-cell">\(InboxVocabulary.badge(row.sentiment, classes: "sentiment \(row.sentiment.code)")) \(InboxVocabulary.badge(row.intent, classes: "intent")) \(InboxVocabulary.badge(row.priority, classes: "priority \(row.priority.code)"))</td>
                <td class="status-cell">\(InboxVocabulary.badge(row.status, classes: "status")) <span class="muted">\(row.queue.text)</span></td>
                <td class="assignee-cell" data-label="\(ctx.t("inbox.assignee"))">\(assignee)</td>
                <td class="count-cell inline-on-phone" data-label="\(ctx.t("inbox.messages"))">\(row.messages)</td><td class="time-cell inline-on-phone">\(Layout.time(row.lastAt, ctx))</td></tr>
                """
        }
        return """
            <table id="conversations" class="cards-on-phone"><thead><tr>\(model.canWork ? HTML("<th><span class=\"visually-hidden\">\(ctx.t("inbox.pick_column"))</span></th>") : .empty)<th>\(ctx.t("inbox.sla"))</th><th>\(ctx.t("inbox.fan"))</th><th>\(ctx.t("inbox.last_message"))</th><th>\(ctx.t("inbox.analysis"))</th><th>\(ctx.t("inbox.status"))</th><th>\(ctx.t("inbox.assignee"))</th><th>\(ctx.t("inbox.messages"))</th><th>\(ctx.t("inbox.last_at"))</th></tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table>
            """
    }
}
