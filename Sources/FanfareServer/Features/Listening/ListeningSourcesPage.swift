import FanfareCore
import Foundation

/// The 来源 tab: the feeds and public searches the workspace hears, with
/// their last poll and error, forms to add and remove each, and the CSV
/// import of a 舆情 service's export.
extension ListeningPage {
    struct SourcesModel: Sendable {
        var base: String
        var feeds: [FeedDTO]
        var searches: [SearchSourceDTO]
        /// The workspace's connected Mastodon and Bluesky accounts (id,
        /// label): a search of their platform may use them.
        var searchAccounts: [(id: String, label: String)]
        /// Every account's label by id, for the searches' table.
        var accountNames: [UUID: String]
        var canManage: Bool
        var feedValues: [String: String] = ["interval_minutes": "15"]
        var feedErrors = FormErrors()
        var searchValues: [String: String] = ["platform": "bluesky", "interval_minutes": "15"]
        var searchErrors = FormErrors()
        var importErrors = FormErrors()
        var imported: MentionImport.Imported?
        /// The file's problems, each with its line when it has one.
        var importProblems: [String] = []
    }

    static func sourcesView(_ model: SourcesModel, _ ctx: PageContext) -> HTML {
        """
        \(feedsCard(model, ctx))
        \(searchesCard(model, ctx))
        \(importCard(model, ctx))
        """
    }

    /// When it was last polled and what went wrong, shared by both tables.
    private static func pollCells(_ polled: Date?, _ error: String?, _ ctx: PageContext) -> HTML {
        let when: HTML = polled.map { Layout.time($0, ctx) } ?? HTML("\(ctx.t("listening.never_polled"))")
        let problem: HTML =
            error.map { text -> HTML in "<span class=\"error\" translate=\"no\">\(text)</span>" } ?? HTML("\(ctx.t("listening.poll_ok"))")
        return "<td>\(when)</td><td data-label=\"\(ctx.t("listening.last_error"))\">\(problem)</td>"
    }

    private static func removeButton(_ action: String, id: String, _ ctx: PageContext) -> HTML {
        """
        <form method="post" action="\(action)" class="inline">\(ctx.csrfField)<button type="submit" class="danger" id="\(id)">\(ctx.t("listening.remove"))</button></form>
        """
    }

    static func feedsCard(_ model: SourcesModel, _ ctx: PageContext) -> HTML {
        let rows = model.feeds.map { feed -> HTML in
            let id = feed.id.uuidString.lowercased()
            return """
                <tr data-feed="\(id)"><td>\(HTML.typed(feed.name))</td><td><code translate="no">\(feed.url)</code></td>
                <td>\(ctx.t("listening.every_minutes", String(feed.intervalMinutes)))</td>\(pollCells(feed.lastPolledAt, feed.lastError, ctx))
                <td>\(model.canManage ? removeButton("\(model.base)/listening/sources/feeds/\(id)/delete", id: "remove-feed-\(id)", ctx) : HTML.empty)</td></tr>
                """
        }
        let empty: HTML = "<tr><td colspan=\"6\" class=\"empty\">\(ctx.t("listening.no_feeds"))</td></tr>"
        let form: HTML =
            model.canManage
            ? """
            <h3>\(ctx.t("listening.add_feed"))</h3>
            \(Layout.errorSummary(ctx, model.feedErrors))
            <form method="post" action="\(model.base)/listening/sources/feeds" id="feed-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "url", label: ctx.t("listening.feed_url"), type: "url", value: model.feedValues["url"] ?? "", errors: model.feedErrors, hint: ctx.t("listening.feed_url_help")))
            \(Layout.field(ctx, name: "name", label: ctx.t("listening.name"), value: model.feedValues["name"] ?? "", errors: model.feedErrors, required: false))
            \(Layout.field(ctx, name: "interval_minutes", label: ctx.t("listening.interval"), type: "number", value: model.feedValues["interval_minutes"] ?? "", errors: model.feedErrors, hint: ctx.t("listening.interval_help")))
            <button type="submit" class="primary" id="add-feed">\(ctx.t("listening.add_feed"))</button>
            </form>
            """
            : .empty
        return """
            <section class="card" id="feeds-card"><h2>\(ctx.t("listening.source.feeds"))</h2>
            <div class="table-scroll"><table id="feeds"><thead><tr><th>\(ctx.t("listening.name"))</th><th>\(ctx.t("listening.feed_url"))</th>
            <th>\(ctx.t("listening.interval"))</th><th>\(ctx.t("listening.last_polled"))</th><th>\(ctx.t("listening.last_error"))</th><th></th></tr></thead>
            <tbody>\(rows.isEmpty ? empty : HTML.join(rows))</tbody></table></div>
            \(form)
            </section>
            """
    }

    static func searchesCard(_ model: SourcesModel, _ ctx: PageContext) -> HTML {
        let rows = model.searches.map { search -> HTML in
            let id = search.id.uuidString.lowercased()
            let account: HTML = search.accountId.map { HTML.typed(model.accountNames[$0] ?? $0.uuidString.lowercased()) } ?? HTML("—")
            return """
                <tr data-search="\(id)" data-platform="\(search.platform)"><td>\(ctx.t("platform.\(search.platform)"))</td><td><code translate="no">\(search.query)</code></td>
                <td><code translate="no">\(search.instance)</code></td><td>\(account)</td>
                <td>\(ctx.t("listening.every_minutes", String(search.intervalMinutes)))</td>\(pollCells(search.lastPolledAt, search.lastError, ctx))
                <td>\(model.canManage ? removeButton("\(model.base)/listening/sources/searches/\(id)/delete", id: "remove-search-\(id)", ctx) : HTML.empty)</td></tr>
                """
        }
        let empty: HTML = "<tr><td colspan=\"8\" class=\"empty\">\(ctx.t("listening.no_searches"))</td></tr>"
        let values = model.searchValues
        let platforms = SearchSourceService.platforms.map { ($0, ctx.t("platform.\($0)")) }
        let accounts = [("", ctx.t("listening.no_account"))] + model.searchAccounts.map { ($0.id, $0.label) }
        let form: HTML =
            model.canManage
            ? """
            <h3>\(ctx.t("listening.add_search"))</h3>
            \(Layout.errorSummary(ctx, model.searchErrors))
            <form method="post" action="\(model.base)/listening/sources/searches" id="search-form" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "platform", label: ctx.t("listening.platform"), options: platforms, selected: values["platform"] ?? "bluesky", errors: model.searchErrors))
            \(Layout.field(ctx, name: "query", label: ctx.t("listening.search_query"), value: values["query"] ?? "", errors: model.searchErrors, hint: ctx.t("listening.search_query_help")))
            \(Layout.field(ctx, name: "instance", label: ctx.t("listening.instance"), value: values["instance"] ?? "", errors: model.searchErrors, required: false, hint: ctx.t("listening.instance_help")))
            \(Layout.select(ctx, name: "account_id", label: ctx.t("listening.search_account"), options: accounts, selected: values["account_id"] ?? "", errors: model.searchErrors, hint: ctx.t("listening.search_account_help"), verbatimAfterFirst: true))
            \(Layout.field(ctx, name: "interval_minutes", label: ctx.t("listening.interval"), type: "number", value: values["interval_minutes"] ?? "", errors: model.searchErrors, hint: ctx.t("listening.interval_help")))
            <button type="submit" class="primary" id="add-search">\(ctx.t("listening.add_search"))</button>
            </form>
            """
            : .empty
        return """
            <section class="card" id="searches-card"><h2>\(ctx.t("listening.source.search"))</h2>
            <div class="table-scroll"><table id="searches"><thead><tr><th>\(ctx.t("listening.platform"))</th><th>\(ctx.t("listening.search_query"))</th>
            <th>\(ctx.t("listening.instance"))</th><th>\(ctx.t("listening.search_account"))</th><th>\(ctx.t("listening.interval"))</th>
            <th>\(ctx.t("listening.last_polled"))</th><th>\(ctx.t("listening.last_error"))</th><th></th></tr></thead>
            <tbody>\(rows.isEmpty ? empty : HTML.join(rows))</tbody></table></div>
            \(form)
            </section>
            """
    }

    static func importCard(_ model: SourcesModel, _ ctx: PageContext) -> HTML {
        guard model.canManage else { return .empty }
        let result: HTML =
            model.imported.map { done -> HTML in
                """
                <p class="flash flash-notice" id="import-result" data-rows="\(done.rows)" data-heard="\(done.heard)">\(ctx.t("listening.import_done", String(done.rows), String(done.heard), String(done.rows - done.heard)))</p>
                """
            } ?? .empty
        let problems: HTML =
            model.importProblems.isEmpty
            ? .empty
            : """
            <p class="error">\(ctx.t("listening.import_problems", String(model.importProblems.count)))</p>
            <ul id="import-problems">\(HTML.join(model.importProblems.map { p -> HTML in "<li>\(p)</li>" }))</ul>
            """
        let error = model.importErrors["csv"].map { $0.text(ctx.locale) }
        return """
            <section class="card" id="import-card"><h2>\(ctx.t("listening.import_title"))</h2>
            <p class="hint">\(ctx.t("listening.import_help"))</p>
            \(result)
            \(problems)
            <form method="post" action="\(model.base)/listening/sources/import" enctype="multipart/form-data" id="import-form" class="stack">\(ctx.csrfField)
            <div class="field\(error != nil ? " has-error" : "")"><label for="file">\(ctx.t("listening.import_file"))</label>
            <input type="file" id="file" name="file" accept=".csv,text/csv" required\(error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"file-error\"") : .empty)>
            \(error.map { e -> HTML in "<small class=\"error\" id=\"file-error\">\(e)</small>" })</div>
            <button type="submit" class="primary" id="import-mentions">\(ctx.t("listening.import"))</button>
            </form>
            </section>
            """
    }
}
