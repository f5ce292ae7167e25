import FanfareCore
import Fluent
import Foundation

/// The lexicon's page and a term's edit page as query → model → view. The
/// terms are what people write (and what the base lexicon lists) and are
/// kept out of translation; categories, severities and scopes are chosen
/// by their names, and the codes a file must use are listed with theirs.
enum LexiconPage {
    struct Found: Sendable {
        var entries: [LexiconEntryDTO] = []
    }

    struct Term: Sendable {
        var id: String
        var term: String
        var category: (text: String, typed: Bool)
        var severity: String
        var scope: String
    }

    struct Allowed: Sendable {
        var id: String
        var phrase: String
    }

    struct BaseCategory: Sendable {
        var label: String
        var terms: [(term: String, severity: String)]
    }

    /// A code a lexicon file uses, and what it means.
    struct Code: Sendable {
        var code: String
        var meaning: String
    }

    struct PlanRow: Sendable {
        var line: Int
        var change: String
        var term: String
        var category: (text: String, typed: Bool)
        var severity: String
        var scope: String
        var before: String?
    }

    struct Plan: Sendable {
        var heading: String
        var problems: [(line: Int, message: String)]
        var problemsHidden: Int
        var rows: [PlanRow]
        var hidden: Int
    }

    struct Form: Sendable {
        var values: [String: String]
        var errors: FormErrors
        /// Base categories by name, then the workspace's own (as typed).
        var categories: [(value: String, label: String, typed: Bool)]
        var severities: [(value: String, label: String)]
        var scopes: [(value: String, label: String)]
    }

    struct Model: Sendable {
        var base: String
        var exportCSV: String
        var exportTXT: String
        var terms: [Term]
        var allowed: [Allowed]
        var baseLexicon: [BaseCategory]
        var baseCount: Int
        var canManage: Bool
        var form: Form
        var codes: (categories: [Code], severities: [Code], scopes: [Code])
        var plan: Plan?
    }

    struct Edit: Sendable {
        var base: String
        var action: String
        var form: Form
    }

    /// Rows of a plan shown on the page: a 99,000-line preview would be a
    /// page of tens of megabytes. The API returns every line.
    static let planRowsShown = 1_000

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        Found(
            entries: try await access.query(LexiconEntry.self, on: db).visible().sort(\.$id, .descending).limit(2_000).all().map(LexiconEntryDTO.init)
        )
    }

    static func form(_ found: Found, values: [String: String], errors: FormErrors, locale: UILocale) -> Form {
        let own = Set(found.entries.compactMap(\.category)).subtracting(LexiconTerm.baseCategories).sorted()
        return Form(
            values: values, errors: errors,
            categories: LexiconTerm.baseCategories.map { ($0, ModerationVocabulary.category($0, locale).text, false) } + own.map { ($0, $0, true) },
            severities: ModerationSeverity.allCases.map { ($0.rawValue, ModerationVocabulary.severity($0.rawValue, locale)) },
            scopes: ModerationScope.allCases.map { ($0.rawValue, ModerationVocabulary.scope($0.rawValue, locale)) })
    }

    static func plan(_ plan: LexiconService.ImportPlan, _ locale: UILocale) -> Plan {
        let changes =
            plan.added.map { (I18n.text("moderation.plan_add", locale), $0) } + plan.updated.map { (I18n.text("moderation.plan_update", locale), $0) }
        return Plan(
            heading: I18n.text(
                plan.applied ? "moderation.plan_applied" : "moderation.plan_preview", locale,
                [String(plan.added.count), String(plan.updated.count), String(plan.unchanged)]),
            problems: plan.problems.prefix(planRowsShown).map { ($0.line, $0.coded.text(locale)) },
            problemsHidden: max(0, plan.problems.count - planRowsShown),
            rows: changes.prefix(planRowsShown).map { label, change in
                PlanRow(
                    line: change.line, change: label, term: change.term, category: ModerationVocabulary.category(change.category, locale),
                    severity: ModerationVocabulary.severity(change.severity, locale), scope: ModerationVocabulary.scope(change.scope, locale),
                    before: change.before)
            },
            hidden: max(0, changes.count - planRowsShown))
    }

    static func model(
        _ found: Found, workspace: String, slug: String, canManage: Bool, values: [String: String], errors: FormErrors,
        plan importPlan: LexiconService.ImportPlan?, locale: UILocale
    ) -> Model {
        let terms = found.entries.filter { $0.kind == LexiconEntry.Kind.term.rawValue }.map { entry in
            Term(
                id: entry.id.uuidString, term: entry.term, category: ModerationVocabulary.category(entry.category ?? "", locale),
                severity: entry.severity ?? "block", scope: ModerationVocabulary.scope(entry.scope ?? "all", locale))
        }
        let allowed = found.entries.filter { $0.kind == LexiconEntry.Kind.allow.rawValue }.map { Allowed(id: $0.id.uuidString, phrase: $0.term) }
        let baseLexicon = Dictionary(grouping: LexiconFile.base, by: \.category).sorted { $0.key < $1.key }.map { name, terms in
            BaseCategory(label: ModerationVocabulary.category(name, locale).text, terms: terms.map { ($0.term, $0.severity.rawValue) })
        }
        let choices = form(found, values: values, errors: errors, locale: locale)
        return Model(
            base: workspace + "/moderation/lexicon", exportCSV: "/api/v1/workspaces/\(slug)/lexicon/export?format=csv",
            exportTXT: "/api/v1/workspaces/\(slug)/lexicon/export?format=txt", terms: terms, allowed: allowed, baseLexicon: baseLexicon,
            baseCount: LexiconFile.base.count, canManage: canManage, form: choices,
            codes: (
                LexiconTerm.baseCategories.map { Code(code: $0, meaning: ModerationVocabulary.category($0, locale).text) },
                ModerationSeverity.allCases.map { Code(code: $0.rawValue, meaning: ModerationVocabulary.severity($0.rawValue, locale)) },
                ModerationScope.allCases.map { Code(code: $0.rawValue, meaning: ModerationVocabulary.scope($0.rawValue, locale)) }
            ), plan: importPlan.map { plan($0, locale) })
    }

    static func edit(_ found: Found, id: UUID, workspace: String, values: [String: String], errors: FormErrors, locale: UILocale) -> Edit {
        let base = workspace + "/moderation/lexicon"
        return Edit(base: base, action: "\(base)/\(id.uuidString)", form: form(found, values: values, errors: errors, locale: locale))
    }

    // MARK: View

    static func category(_ category: (text: String, typed: Bool)) -> HTML {
        category.typed ? HTML.typed(category.text) : HTML("\(category.text)")
    }

    /// The category as a choice of names, or a new one typed as a code.
    static func categoryField(_ form: Form, _ ctx: PageContext, name: String, label: String, selected: String) -> HTML {
        let known = form.categories.contains { $0.value == selected }
        let options = form.categories.map { option -> HTML in
            "<option value=\"\(option.value)\"\(option.value == selected ? HTML(raw: " selected") : .empty)\(option.typed ? HTML(raw: " translate=\"no\"") : .empty)>\(option.label)</option>"
        }
        let error = form.errors[name].map { $0.text(ctx.locale) }
        return """
            <div class="field\(error != nil ? " has-error" : "")">
            <label for="\(name)">\(label)</label>
            <select id="\(name)" name="\(name)">\(HTML.join(options))</select>
            <label for="new_\(name)" class="sub-label">\(ctx.t("moderation.new_category"))</label>
            <input id="new_\(name)" name="new_\(name)" type="text" value="\(known ? "" : selected)" pattern="[a-z0-9_]{1,40}" translate="no">
            <small class="hint">\(ctx.t("moderation.new_category_hint"))</small>
            \(error.map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e)</small>" })
            </div>
            """
    }

    static func codesView(_ codes: (categories: [Code], severities: [Code], scopes: [Code]), _ ctx: PageContext) -> HTML {
        func list(_ title: String, _ codes: [Code]) -> HTML {
            "<dt>\(title)</dt><dd>\(HTML.join(codes.map { "<code translate=\"no\">\($0.code)</code> \($0.meaning)" as HTML }, separator: "；"))</dd>"
        }
        return """
            <details id="lexicon-codes"><summary>\(ctx.t("moderation.codes"))</summary>
            <dl class="facts">\(list(ctx.t("moderation.category"), codes.categories))\(list(ctx.t("moderation.severity"), codes.severities))\(list(ctx.t("moderation.scope"), codes.scopes))</dl></details>
            """
    }

    static func planView(_ plan: Plan, _ ctx: PageContext) -> HTML {
        let problems = plan.problems.map { "<tr><td>\($0.line)</td><td>\($0.message)</td></tr>" as HTML }
        let rows = plan.rows.map { row -> HTML in
            "<tr><td>\(row.line)</td><td>\(row.change)</td><td translate=\"no\">\(row.term)</td><td>\(category(row.category))</td><td>\(row.severity)</td><td>\(row.scope)</td><td translate=\"no\">\(row.before ?? "")</td></tr>"
        }
        return """
            <section class="card" id="import-plan"><h2>\(plan.heading)</h2>
            \(problems.isEmpty ? HTML.empty : HTML("<p class=\"error\">\(ctx.t("moderation.plan_problems"))</p><div class=\"table-scroll\"><table id=\"import-problems\"><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("import.problem"))</th></tr></thead><tbody>\(HTML.join(problems))</tbody></table></div>"))
            \(plan.problemsHidden > 0 ? HTML("<p class=\"muted\">\(ctx.t("moderation.plan_more", String(plan.problemsHidden)))</p>") : HTML.empty)
            \(rows.isEmpty ? HTML.empty : HTML("<div class=\"table-scroll\"><table id=\"import-changes\"><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("moderation.change"))</th><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.category"))</th><th>\(ctx.t("moderation.severity"))</th><th>\(ctx.t("moderation.scope"))</th><th>\(ctx.t("moderation.before"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>"))
            \(plan.hidden > 0 ? HTML("<p class=\"muted\" id=\"import-more\">\(ctx.t("moderation.plan_more", String(plan.hidden)))</p>") : HTML.empty)
            </section>
            """
    }

    static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
        let form = model.form
        let values = form.values
        let errors = form.errors
        let termRows = model.terms.map { term -> HTML in
            let actions: HTML =
                model.canManage
                ? "<a href=\"\(model.base)/\(term.id)\">\(ctx.t("moderation.edit"))</a> <form method=\"post\" action=\"\(model.base)/\(term.id)/delete\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link\">\(ctx.t("moderation.remove"))</button></form>"
                : .empty
            return
                "<tr><td translate=\"no\">\(term.term)</td><td>\(category(term.category))</td><td>\(ModerationVocabulary.severityBadge(term.severity, ctx.locale))</td><td>\(term.scope)</td><td>\(actions)</td></tr>"
        }
        let allowRows = model.allowed.map { entry -> HTML in
            let remove: HTML =
                model.canManage
                ? "<form method=\"post\" action=\"\(model.base)/\(entry.id)/delete\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link\">\(ctx.t("moderation.remove"))</button></form>"
                : .empty
            return "<li>\(HTML.typed(entry.phrase)) \(remove)</li>"
        }
        let baseLexicon = model.baseLexicon.map { category -> HTML in
            let terms = category.terms.map {
                "<span translate=\"no\">\($0.term)</span> <small class=\"muted\">\(ModerationVocabulary.severity($0.severity, ctx.locale))</small>"
                    as HTML
            }
            return
                "<details><summary>\(category.label) (\(category.terms.count))</summary><p class=\"terms\">\(HTML.join(terms, separator: "、"))</p></details>"
        }
        let forms: HTML =
            model.canManage
            ? """
            <section class="card"><h2>\(ctx.t("moderation.add_term"))</h2>
            <form method="post" action="\(model.base)/terms" id="term-form" class="grid-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "term", label: ctx.t("moderation.term"), value: values["term"] ?? "", errors: errors))
            <p class="hint">\(HTML.sentence(ctx.t("moderation.term_hint"), ["国家级", "國家級", "国 家 级"].map { HTML.typed($0) }))</p>
            \(categoryField(form, ctx, name: "category", label: ctx.t("moderation.category"), selected: values["category"] ?? "risk"))
            \(Layout.select(ctx, name: "severity", label: ctx.t("moderation.severity"), options: form.severities, selected: values["severity"] ?? "block", errors: errors))
            \(Layout.select(ctx, name: "scope", label: ctx.t("moderation.scope"), options: form.scopes, selected: values["scope"] ?? "all", errors: errors))
            <button type="submit" class="primary">\(ctx.t("moderation.add_term"))</button></form></section>
            <section class="card"><h2>\(ctx.t("moderation.add_allowed"))</h2>
            <form method="post" action="\(model.base)/allow" id="allow-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "phrase", label: ctx.t("moderation.allow_phrase"), value: values["phrase"] ?? "", errors: errors))
            <p class="hint">\(HTML.sentence(ctx.t("moderation.allow_hint"), [HTML.typed("第一次"), HTML.typed("第一")]))</p>
            <button type="submit">\(ctx.t("moderation.add_allowed"))</button></form></section>
            <section class="card"><h2>\(ctx.t("moderation.import"))</h2>
            <p>\(HTML.sentence(ctx.t("moderation.import_intro"), [HTML("<code translate=\"no\">国家级,advertising_law,block,all</code>")]))</p>
            \(codesView(model.codes, ctx))
            <form method="post" action="\(model.base)/import" enctype="multipart/form-data" id="lexicon-import-form" class="stack">\(ctx.csrfField)
            <div class="field"><label for="file">\(ctx.t("moderation.file"))</label><input type="file" id="file" name="file" accept=".csv,.txt,text/csv,text/plain"></div>
            <div class="field\(errors["content"] != nil ? " has-error" : "")"><label for="content">\(ctx.t("moderation.import_paste"))</label><textarea id="content" name="content" rows="6" translate="no">\(values["content"] ?? "")</textarea>
            \(errors["content"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            \(Layout.select(ctx, name: "format", label: ctx.t("moderation.format"), options: [("csv", ctx.t("moderation.format_csv")), ("txt", ctx.t("moderation.format_txt"))], selected: values["format"] ?? "csv", errors: errors))
            \(categoryField(form, ctx, name: "import_category", label: ctx.t("moderation.default_category"), selected: values["import_category"] ?? "risk"))
            \(Layout.select(ctx, name: "import_severity", label: ctx.t("moderation.default_severity"), options: form.severities, selected: values["import_severity"] ?? "block", errors: errors))
            \(Layout.select(ctx, name: "import_scope", label: ctx.t("moderation.default_scope"), options: form.scopes, selected: values["import_scope"] ?? "all", errors: errors))
            <div class="actions"><button type="submit" name="mode" value="preview" id="import-preview">\(ctx.t("moderation.preview"))</button>
            <button type="submit" name="mode" value="apply" class="primary" id="import-apply">\(ctx.t("moderation.apply"))</button></div></form></section>
            """
            : "<p class=\"muted\">\(ctx.t("moderation.read_only"))</p>"
        return """
            <h1>\(ctx.t("moderation.tab_lexicon"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, errors))
            \(model.plan.map { planView($0, ctx) })
            <p>\(ctx.t("moderation.lexicon_intro"))</p>
            <p><a href="\(model.exportCSV)" id="export-csv">\(ctx.t("moderation.export_csv"))</a> · <a href="\(model.exportTXT)">\(ctx.t("moderation.export_txt"))</a></p>
            <h2>\(ctx.t("moderation.own_terms"))</h2>
            \(termRows.isEmpty ? HTML("<div class=\"empty-state\" id=\"no-terms\"><p>\(ctx.t("moderation.no_terms"))</p>\(model.canManage ? HTML("<p><a href=\"#term-form\">\(ctx.t("moderation.add_term"))</a></p>") : .empty)</div>") : HTML("<div class=\"table-scroll\"><table id=\"lexicon-terms\"><thead><tr><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.category"))</th><th>\(ctx.t("moderation.severity"))</th><th>\(ctx.t("moderation.scope"))</th><th><span class=\"visually-hidden\">\(ctx.t("moderation.actions"))</span></th></tr></thead><tbody>\(HTML.join(termRows))</tbody></table></div>"))
            <h2>\(ctx.t("moderation.allow_list"))</h2>
            \(allowRows.isEmpty ? HTML("<div class=\"empty-state\" id=\"no-allowed\"><p>\(ctx.t("moderation.no_allowed"))</p>\(model.canManage ? HTML("<p><a href=\"#allow-form\">\(ctx.t("moderation.add_allowed"))</a></p>") : .empty)</div>") : HTML("<ul id=\"allow-list\">\(HTML.join(allowRows))</ul>"))
            \(forms)
            <h2>\(ctx.t("moderation.base_lexicon", String(model.baseCount)))</h2>
            <p>\(HTML.sentence(ctx.t("moderation.base_intro"), [HTML("<code translate=\"no\">docs/moderation-base-lexicon.md</code>")]))</p>
            \(HTML.join(baseLexicon))
            """
    }

    static func editView(_ model: Edit, _ ctx: PageContext, tabs: HTML) -> HTML {
        let form = model.form
        return """
            <h1>\(ctx.t("moderation.edit_term"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, form.errors))
            <form method="post" action="\(model.action)" id="edit-term-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "term", label: ctx.t("moderation.term"), value: form.values["term"] ?? "", errors: form.errors))
            \(categoryField(form, ctx, name: "category", label: ctx.t("moderation.category"), selected: form.values["category"] ?? "risk"))
            \(Layout.select(ctx, name: "severity", label: ctx.t("moderation.severity"), options: form.severities, selected: form.values["severity"] ?? "block", errors: form.errors))
            \(Layout.select(ctx, name: "scope", label: ctx.t("moderation.scope"), options: form.scopes, selected: form.values["scope"] ?? "all", errors: form.errors))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("moderation.save"))</button> <a href="\(model.base)">\(ctx.t("moderation.cancel"))</a></div></form>
            """
    }
}
