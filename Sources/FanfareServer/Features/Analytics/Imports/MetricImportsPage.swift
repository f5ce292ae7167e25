import FanfareCore
import Fluent
import Vapor

/// 数据 → 导入平台数据: upload an export, read the preview, commit.
struct MetricImportsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("analytics", "imports", use: page)
        scoped.on(.POST, "analytics", "imports", "preview", maxBody: MetricImportsAPI.maxBody, use: preview)
        scoped.on(.POST, "analytics", "imports", maxBody: MetricImportsAPI.maxBody, use: commit)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        let found = try await MetricImportsPage.query(access: access, on: req.db)
        let model = MetricImportsPage.model(
            found, base: "/w/\(access.workspace.slug)", canImport: access.can(.accountsConnect), values: [:], errors: FormErrors(), locale: ctx.locale
        )
        return Layout.page(ctx, title: ctx.t("imports.title"), MetricImportsPage.view(model, ctx))
    }

    /// The form's fields as the service's input.
    static func input(_ req: Request) -> MetricImportService.Input {
        var input = MetricImportService.Input(
            accountId: req.formValueIfPresent("account_id"), kind: req.formValueIfPresent("kind"), fileName: req.formValueIfPresent("file_name"),
            csv: req.formValueIfPresent("csv"), asOf: req.formValueIfPresent("as_of"))
        if let file = try? req.content.get(File.self, at: "file"), file.data.readableBytes > 0 {
            input.fileBase64 = Data(buffer: file.data).base64EncodedString()
            input.fileName = file.filename
            input.csv = nil
        }
        return input
    }

    @Sendable func preview(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let ctx = try await PageContext.make(req)
        let input = Self.input(req)
        let service = MetricImportService(db: req.db)
        do {
            let outcome = try await service.preview(try await service.check(input, in: access), in: access)
            let model = MetricImportPreview.model(outcome, base: "/w/\(access.workspace.slug)", locale: ctx.locale)
            return try await Layout.page(
                ctx, title: ctx.t("imports.preview_title"), status: outcome.importable ? .ok : .unprocessableEntity,
                MetricImportPreview.view(model, ctx)
            ).encodeResponse(for: req)
        } catch let invalid as ValidationErrors {
            let found = try await MetricImportsPage.query(access: access, on: req.db)
            let values = ["account_id": input.accountId ?? "", "kind": input.kind ?? "", "as_of": input.asOf ?? ""]
            let model = MetricImportsPage.model(
                found, base: "/w/\(access.workspace.slug)", canImport: true, values: values, errors: FormErrors(invalid), locale: ctx.locale)
            return try await Layout.page(ctx, title: ctx.t("imports.title"), status: .unprocessableEntity, MetricImportsPage.view(model, ctx))
                .encodeResponse(for: req)
        }
    }

    @Sendable func commit(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let ctx = try await PageContext.make(req)
        let service = MetricImportService(db: req.db)
        let outcome = try await service.commit(try await service.check(Self.input(req), in: access), in: access, by: req.auth.get(User.self)?.id)
        guard let record = outcome.record else {
            let model = MetricImportPreview.model(outcome, base: "/w/\(access.workspace.slug)", locale: ctx.locale)
            return try await Layout.page(
                ctx, title: ctx.t("imports.preview_title"), status: .unprocessableEntity, MetricImportPreview.view(model, ctx)
            )
            .encodeResponse(for: req)
        }
        let counts = [record.rows, record.added, record.updated, record.unchanged, record.unmatched].map(String.init)
        Flash.add(.notice, I18n.text(outcome.posts == nil ? "imports.done" : "imports.done_posts", req.uiLocale, counts), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/analytics/imports")
    }
}

/// The list of imports and the upload form: query → model → view.
enum MetricImportsPage {
    struct Account: Sendable, Equatable {
        var id: UUID
        var name: String
        var platform: String
    }

    struct Row: Sendable, Equatable {
        var at: Date
        var account: String
        var platform: String
        var kind: String
        var fileName: String
        var rows: Int
        var added: Int
        var updated: Int
        var unchanged: Int
        var unmatched: Int = 0
        var first: String
        var last: String
        var by: String?
    }

    struct Found: Sendable {
        var accounts: [Account] = []
        var imports: [Row] = []
        /// The workspace's today: the form's "as of" day unless one is chosen.
        var today: String = ""
    }

    /// The importable accounts and the last 50 imports.
    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        let service = MetricImportService(db: db)
        let accounts = try await service.accounts(in: access)
        let names = Dictionary(try await access.query(SocialAccount.self, on: db).all().map { ($0.id!, ($0.displayName, $0.rulesPlatform)) }) {
            a, _ in a
        }
        let records = try await access.query(MetricImport.self, on: db).sort(\.$id, .descending).limit(50).all()
        let userIDs = Set(records.compactMap(\.importedBy))
        let users =
            userIDs.isEmpty
            ? [:] : Dictionary(try await User.query(on: db).filter(\.$id ~~ Array(userIDs)).all().map { ($0.id!, $0.displayName) }) { a, _ in a }
        return Found(
            accounts: accounts.map { Account(id: $0.id!, name: $0.displayName, platform: MetricImportService.exportPlatform($0) ?? $0.platform) },
            imports: records.map { record in
                Row(
                    at: record.createdAt, account: names[record.accountID]?.0 ?? "—", platform: names[record.accountID]?.1 ?? "",
                    kind: record.kind, fileName: record.fileName, rows: record.rows, added: record.added, updated: record.updated,
                    unchanged: record.unchanged, unmatched: record.unmatched, first: record.firstDay, last: record.lastDay,
                    by: record.importedBy.flatMap { users[$0] })
            }, today: MetricDay.of(Date(), in: access.workspace.zone))
    }

    struct Model: Sendable {
        struct Item: Sendable, Equatable {
            var at: Date
            var account: String
            var kind: String
            var fileName: String
            var counts: String
            var range: String
            var by: String
        }
        var canImport: Bool
        var formAction: String
        var accounts: [(value: String, label: String)]
        var kinds: [(value: String, label: String)]
        var values: [String: String]
        var errors: FormErrors
        var items: [Item]
        var accountsPage: String
    }

    static func kindName(_ id: String, _ locale: UILocale) -> String { I18n.text("imports.kind.\(id)", locale) }

    static func model(_ found: Found, base: String, canImport: Bool, values: [String: String], errors: FormErrors, locale: UILocale) -> Model {
        Model(
            canImport: canImport && !found.accounts.isEmpty, formAction: "\(base)/analytics/imports/preview",
            accounts: found.accounts.map { ($0.id.uuidString.lowercased(), "\($0.name) · \(I18n.text("platform.\($0.platform)", locale))") },
            kinds: [("", I18n.text("imports.kind_auto", locale))]
                + (PlatformExports.kinds + PlatformExports.postKinds).map { ($0.id, kindName($0.id, locale)) },
            values: ["as_of": found.today].merging(values) { today, chosen in chosen.isEmpty ? today : chosen }, errors: errors,
            items: found.imports.map { row in
                Model.Item(
                    at: row.at, account: "\(row.account) · \(I18n.text("platform.\(row.platform)", locale))", kind: kindName(row.kind, locale),
                    fileName: row.fileName,
                    counts: I18n.text(
                        PlatformExports.kind(row.kind)?.perPost == true ? "imports.counts_posts" : "imports.counts", locale,
                        [row.rows, row.added, row.updated, row.unchanged, row.unmatched].map { Formats.count($0, locale) }),
                    range: "\(Formats.day(row.first, locale)) – \(Formats.day(row.last, locale))", by: row.by ?? "—")
            }, accountsPage: "\(base)/accounts")
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let form: HTML =
            model.canImport
            ? """
            <h2>\(ctx.t("imports.new"))</h2>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="post" action="\(model.formAction)" enctype="multipart/form-data" id="import-form" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "account_id", label: ctx.t("imports.account"), options: [("", ctx.t("imports.choose_account"))] + model.accounts, selected: model.values["account_id"] ?? "", errors: model.errors, verbatimAfterFirst: true))
            \(Layout.select(ctx, name: "kind", label: ctx.t("imports.kind"), options: model.kinds, selected: model.values["kind"] ?? "", errors: model.errors, hint: ctx.t("imports.kind_hint")))
            <div class="field\(model.errors["csv"] != nil || model.errors["file_base64"] != nil ? " has-error" : "")"><label for="file">\(ctx.t("imports.file"))</label>\
            <input type="file" id="file" name="file" accept=".csv,text/csv" required><small class="hint">\(ctx.t("imports.file_hint"))</small>\
            \((model.errors["csv"] ?? model.errors["file_base64"]).map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            \(Layout.field(ctx, name: "as_of", label: ctx.t("imports.as_of"), type: "date", value: model.values["as_of"] ?? "", errors: model.errors, required: false, hint: ctx.t("imports.as_of_hint")))
            <button type="submit" class="primary">\(ctx.t("imports.preview"))</button>
            </form>
            """
            : model.accounts.isEmpty
                ? "<p class=\"empty\" id=\"imports-no-account\">\(ctx.t("imports.no_account")) <a href=\"\(model.accountsPage)\">\(ctx.t("imports.to_accounts"))</a></p>"
                : .empty
        let rows = model.items.map { item -> HTML in
            """
            <tr><td>\(Layout.time(item.at, ctx))</td><td translate="no">\(item.account)</td><td>\(item.kind)</td>\
            <td translate="no">\(item.fileName)</td><td>\(item.counts)</td><td>\(item.range)</td><td translate="no">\(item.by)</td></tr>
            """
        }
        let list: HTML =
            model.items.isEmpty
            ? "<p class=\"empty\" id=\"imports-empty\">\(ctx.t("imports.none"))</p>"
            : """
            <div class="table-scroll"><table id="imports-list"><thead><tr><th>\(ctx.t("imports.at"))</th><th>\(ctx.t("imports.account"))</th>\
            <th>\(ctx.t("imports.kind"))</th><th>\(ctx.t("imports.file"))</th><th>\(ctx.t("imports.rows"))</th><th>\(ctx.t("imports.range"))</th>\
            <th>\(ctx.t("imports.by"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return """
            <h1>\(ctx.t("imports.title"))</h1>
            \(AnalyticsTabs.html(ctx, current: "/w/\(ctx.access?.workspace.slug ?? "")/analytics/imports"))
            <p>\(ctx.t("imports.intro"))</p>
            \(form)
            <h2>\(ctx.t("imports.history"))</h2>
            \(list)
            """
    }
}

/// The preview of one file: what was recognised, what it will add or
/// overwrite, every problem with its line and column, and the commit form.
enum MetricImportPreview {
    struct Model: Sendable {
        struct Problem: Sendable, Equatable {
            var line: Int
            var column: String
            var message: String
        }
        struct Day: Sendable, Equatable {
            var line: Int
            /// The post the row was matched to (a per-post export).
            var post: String? = nil
            var day: String
            var action: String
            var cells: [String]
        }
        /// A row of a per-post export that is not imported, and why.
        struct NotImported: Sendable, Equatable {
            var line: Int
            var title: String
            var day: String
            var reason: String
        }
        var account: String
        var fileName: String
        var kind: String?
        var facts: [(label: String, value: String)]
        var notes: [String]
        var problems: [Problem]
        var columns: [String]
        var days: [Day]
        var hiddenDays: Int
        var notImported: [NotImported] = []
        /// The rows are posts' days (a per-post export), not the account's.
        var perPost = false
        /// A per-post export read without problems whose rows matched no post.
        var noneMatched = false
        var importable: Bool
        var commitAction: String
        var backAction: String
        var hidden: [(name: String, value: String)]
        var csv: String
        var commitLabel: String
    }

    /// Rows shown in the preview; the rest are counted.
    static let shownDays = 100

    static func model(_ outcome: MetricImportService.Outcome, base: String, locale: UILocale) -> Model {
        let t = { (key: String, args: [String]) in I18n.text(key, locale, args) }
        let count = { (value: Int) in Formats.count(value, locale) }
        let kind = outcome.kind
        let plan = outcome.plan
        let postPlan = outcome.posts?.plan
        var facts: [(label: String, value: String)] = [
            (t("imports.account", []), "\(outcome.upload.accountName) · \(t("platform.\(outcome.upload.platform)", []))"),
            (t("imports.kind", []), kind.map { MetricImportsPage.kindName($0.id, locale) } ?? t("imports.kind_none", [])),
        ]
        if let header = outcome.header { facts.append((t("imports.header_line", []), count(header.line))) }
        if let posts = outcome.posts {
            facts.append((t("imports.post_rows", []), count(posts.parsed.rows.count)))
            if !posts.parsed.hasDayColumn, posts.parsed.header != nil {
                facts.append((t("imports.as_of", []), Formats.day(outcome.upload.asOf, locale)))
            }
            if let postPlan {
                facts.append((t("imports.matched", []), count(postPlan.matched.count)))
                facts.append((t("imports.not_matched", []), count(postPlan.notWritten.count)))
            }
        } else {
            facts.append((t("imports.rows", []), count(outcome.parsed.days.count)))
        }
        if let first = postPlan?.first ?? outcome.parsed.days.first?.day, let last = postPlan?.last ?? outcome.parsed.days.last?.day {
            facts.append((t("imports.range", []), "\(Formats.day(first, locale)) – \(Formats.day(last, locale))"))
        }
        if let counts = postPlan.map({ plan in MetricImportPlan.Action.allCases.map(plan.count) })
            ?? plan.map({ plan in MetricImportPlan.Action.allCases.map(plan.count) })
        {
            for (key, value) in zip(["imports.will_add", "imports.will_update", "imports.will_keep"], counts) {
                facts.append((t(key, []), count(value)))
            }
        }
        var notes: [String] = []
        if let before = outcome.importedBefore {
            notes.append(t("imports.note_before", [Formats.day(MetricDay.of(before, in: .gmt), locale)]))
        }
        if let plan, plan.snapshotKept > 0 { notes.append(t("imports.note_snapshot", [count(plan.snapshotKept)])) }
        if let postPlan, postPlan.liveKept > 0 { notes.append(t("imports.note_live", [count(postPlan.liveKept)])) }
        if let plan, plan.olderThanExportWindow > 0, let window = plan.exportWindowDays {
            notes.append(t("imports.note_window", [count(plan.olderThanExportWindow), count(window)]))
        }
        if let ignored = outcome.header?.ignored, !ignored.isEmpty {
            notes.append(t("imports.note_ignored", [ignored.joined(separator: locale == .zhHans ? "、" : ", ")]))
        }
        if !outcome.skippedLines.isEmpty { notes.append(t("imports.note_skipped", [count(outcome.skippedLines.count)])) }
        let valueKeys = (kind?.columns ?? []).compactMap { column -> String? in
            if case .value(let key) = column.target { return key }
            return nil
        }
        let hasFollowers = kind?.columns.contains { $0.target == .followers } ?? false
        let columns = (hasFollowers ? [t("imports.value.followers", [])] : []) + valueKeys.map { t("imports.value.\($0)", []) }
        let units = Dictionary((kind?.columns ?? []).map { ($0.key, $0.unit) }) { a, _ in a }
        func cells(_ values: [String: Double]) -> [String] {
            valueKeys.map { key -> String in
                guard let value = values[key] else { return "—" }
                return units[key] == .ratio ? ChartValueFormat.percent.exact(value, locale) : count(Int(value))
            }
        }
        var days = (plan?.days ?? []).prefix(shownDays).map { day -> Model.Day in
            let followers = hasFollowers ? [day.result.followers.map { count($0) } ?? "—"] : []
            let action = t("imports.action.\(day.action.rawValue)", []) + (day.snapshotKept ? t("imports.snapshot_kept", []) : "")
            return Model.Day(line: day.line, day: Formats.day(day.day, locale), action: action, cells: followers + cells(day.result.values))
        }
        days += (postPlan?.matched ?? []).prefix(shownDays).map { row -> Model.Day in
            let action = t("imports.action.\(row.action?.rawValue ?? "")", []) + (row.liveKept ? t("imports.live_kept", []) : "")
            return Model.Day(
                line: row.line, post: row.post?.name ?? row.label, day: Formats.day(row.day, locale), action: action,
                cells: cells(row.result?.values ?? [:]))
        }
        let notImported = (postPlan?.notWritten ?? []).map { row -> Model.NotImported in
            let reason: String
            switch row.problem {
            case .ambiguous(let found):
                let names = found.map { post in
                    let day = Formats.day(post.publishedDay, locale)
                    return locale == .zhHans ? "\(post.name)（\(day)）" : "\(post.name) (\(day))"
                }
                reason = t("imports.reason.ambiguous", [names.joined(separator: locale == .zhHans ? "、" : "; ")])
            case .beforePublished(let day): reason = t("imports.reason.before_published", [Formats.day(day, locale)])
            case .twice(let line): reason = t("imports.reason.twice", [count(line)])
            case .unmatched, nil: reason = t("imports.reason.unmatched", [])
            }
            return Model.NotImported(line: row.line, title: row.label, day: Formats.day(row.day, locale), reason: reason)
        }
        let rows = postPlan?.matched.count ?? plan?.days.count ?? 0
        var hidden = [
            ("account_id", outcome.upload.accountID.uuidString.lowercased()), ("kind", kind?.id ?? ""), ("file_name", outcome.upload.fileName),
        ]
        if outcome.posts != nil { hidden.append(("as_of", outcome.upload.asOf)) }
        return Model(
            account: outcome.upload.accountName, fileName: outcome.upload.fileName, kind: kind?.id, facts: facts, notes: notes,
            problems: outcome.errors.map { Model.Problem(line: $0.line, column: $0.field, message: $0.coded.text(locale)) },
            columns: columns, days: Array(days), hiddenDays: max(0, rows - shownDays), notImported: notImported, perPost: outcome.posts != nil,
            noneMatched: postPlan.map { $0.matched.isEmpty } ?? false, importable: outcome.importable,
            commitAction: "\(base)/analytics/imports", backAction: "\(base)/analytics/imports", hidden: hidden,
            csv: outcome.upload.text ?? "", commitLabel: t(outcome.posts == nil ? "imports.commit" : "imports.commit_posts", [count(rows)]))
    }

    /// One problem; on a phone each is a card whose cells say what they are,
    /// so a long message wraps instead of scrolling sideways.
    static func problemRow(_ problem: Model.Problem, _ ctx: PageContext) -> HTML {
        """
        <tr><td class="num" data-label="\(ctx.t("import.line"))">\(problem.line)</td>\
        <td translate="no" data-label="\(ctx.t("imports.column"))">\(problem.column)</td><td>\(problem.message)</td></tr>
        """
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        // The account's name is the first fact: a name, not words to translate.
        let facts = model.facts.enumerated().map { index, fact -> HTML in
            "<div><dt>\(fact.label)</dt><dd\(index == 0 ? HTML(raw: " translate=\"no\"") : .empty)>\(fact.value)</dd></div>"
        }
        let notes = model.notes.map { note -> HTML in "<li>\(note)</li>" }
        let problems: HTML =
            model.problems.isEmpty
            ? .empty
            : """
            <section class="card" id="import-errors"><h2>\(ctx.t("imports.problems"))</h2><p>\(ctx.t("imports.problems_intro"))</p>
            <table class="cards-on-phone"><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("imports.column"))</th><th>\(ctx.t("import.problem"))</th></tr></thead>
            <tbody>\(model.problems.map { p -> HTML in problemRow(p, ctx) })</tbody></table></section>
            """
        let head = model.columns.map { c -> HTML in "<th>\(c)</th>" }
        let days = model.days.map { day -> HTML in
            let post: HTML = model.perPost ? "<td translate=\"no\">\(day.post ?? "")</td>" : .empty
            return
                "<tr><td class=\"num\">\(day.line)</td>\(post)<td>\(day.day)</td><td>\(day.action)</td>\(day.cells.map { c -> HTML in "<td class=\"num\">\(c)</td>" })</tr>"
        }
        let table: HTML =
            model.days.isEmpty
            ? .empty
            : """
            <h2>\(ctx.t(model.perPost ? "imports.posts" : "imports.days"))</h2>
            <div class="table-scroll"><table id="import-days"><thead><tr><th>\(ctx.t("import.line"))</th>\
            \(model.perPost ? HTML("<th>\(ctx.t("imports.post"))</th>") : .empty)<th>\(ctx.t("imports.day"))</th>\
            <th>\(ctx.t("imports.action"))</th>\(head)</tr></thead><tbody>\(days)</tbody></table></div>
            \(model.hiddenDays > 0 ? HTML("<p>\(ctx.t(model.perPost ? "imports.more_rows" : "imports.more_days", Formats.count(model.hiddenDays, ctx.locale)))</p>") : .empty)
            """
        // Rows of a per-post export that name no post (or several), with their lines.
        let notImported: HTML =
            model.notImported.isEmpty && !model.noneMatched
            ? .empty
            : """
            <section class="card" id="import-unmatched"><h2>\(ctx.t("imports.not_imported"))</h2>\
            <p>\(ctx.t(model.noneMatched ? "imports.none_matched" : "imports.not_imported_intro"))</p>
            \(model.notImported.isEmpty ? .empty : HTML("""
            <table class="cards-on-phone"><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("imports.title_in_file"))</th>\
            <th>\(ctx.t("imports.day"))</th><th>\(ctx.t("imports.reason"))</th></tr></thead><tbody>\(model.notImported.map { row -> HTML in
                """
                <tr><td class="num" data-label="\(ctx.t("import.line"))">\(row.line)</td><td translate="no" data-label="\(ctx.t("imports.title_in_file"))">\(row.title)</td>\
                <td data-label="\(ctx.t("imports.day"))">\(row.day)</td><td>\(row.reason)</td></tr>
                """
            })</tbody></table>
            """))</section>
            """
        let hidden = model.hidden.map { field -> HTML in "<input type=\"hidden\" name=\"\(field.name)\" value=\"\(field.value)\">" }
        let commit: HTML =
            model.importable
            ? """
            <form method="post" action="\(model.commitAction)" enctype="multipart/form-data" id="import-commit" class="stack">\(ctx.csrfField)\(hidden)\
            <textarea name="csv" hidden translate="no">\(model.csv)</textarea>
            <button type="submit" class="primary">\(model.commitLabel)</button></form>
            """
            : .empty
        return """
            <h1>\(ctx.t("imports.preview_title"))</h1>
            <p translate="no">\(model.fileName)</p>
            <dl class="facts" id="import-facts">\(facts)</dl>
            \(model.notes.isEmpty ? .empty : HTML("<ul id=\"import-notes\">\(notes)</ul>"))
            \(problems)
            \(notImported)
            \(table)
            \(commit)
            <p><a href="\(model.backAction)">\(ctx.t("imports.back"))</a></p>
            """
    }
}
