import FanfareCore
import Fluent
import Foundation

/// The reply library (话术库) and a template's edit page as query → model
/// → view. The wordings are the team's own text and are kept out of
/// translation; categories, platforms and variables are named in the
/// reader's language.
enum ReplyTemplatePage {
    struct Found: Sendable {
        var templates: [ReplyTemplateDTO] = []
    }

    struct Card: Sendable {
        var id: String
        var href: String
        var name: String
        var body: String
        var variables: [String]
        /// A platform's own wording: the platform's name and the text.
        var variants: [(platform: String, text: String)]
    }

    struct Shelf: Sendable {
        var category: String
        var label: String
        var cards: [Card]
    }

    /// The template form: what was typed and what the reader picks from.
    struct Form: Sendable {
        var values: [String: String]
        var errors: FormErrors
        var categories: [(value: String, label: String)]
        /// Each variable and what it stands for.
        var variables: [(code: String, meaning: String)]
        var platforms: [(code: String, label: String)]
    }

    struct Library: Sendable {
        var base: String
        var shelves: [Shelf]
        var canManage: Bool
        var form: Form
    }

    struct Edit: Sendable {
        var base: String
        var path: String
        var form: Form
    }

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        Found(templates: try await ReplyTemplateService(db: db).list(in: access).map(ReplyTemplateDTO.init))
    }

    static func form(values: [String: String], errors: FormErrors, locale: UILocale) -> Form {
        Form(
            values: values, errors: errors,
            categories: ReplyTemplateCategory.allCases.map { ($0.rawValue, InboxVocabulary.templateCategory($0.rawValue, locale)) },
            variables: TemplateVariable.allCases.map { ($0.rawValue, I18n.text("inbox.variable." + $0.rawValue, locale)) },
            platforms: ReplyTemplatePages.platforms.map { ($0, InboxVocabulary.platform($0, locale)) })
    }

    static func library(
        _ found: Found, workspace: String, canManage: Bool, values: [String: String], errors: FormErrors, locale: UILocale
    ) -> Library {
        let base = workspace + "/inbox/templates"
        let byCategory = Dictionary(grouping: found.templates, by: \.category)
        let known = ReplyTemplateCategory.allCases.map(\.rawValue)
        let categories = known + byCategory.keys.filter { !known.contains($0) }.sorted()
        let shelves = categories.compactMap { category -> Shelf? in
            guard let items = byCategory[category], !items.isEmpty else { return nil }
            let cards = items.map { template in
                Card(
                    id: template.id.uuidString.lowercased(), href: "\(base)/\(template.id.uuidString.lowercased())", name: template.name,
                    body: template.body, variables: template.variables,
                    variants: template.variants.sorted { $0.key < $1.key }.map { (InboxVocabulary.platform($0.key, locale), $0.value) })
            }
            return Shelf(category: category, label: InboxVocabulary.templateCategory(category, locale), cards: cards)
        }
        return Library(base: base, shelves: shelves, canManage: canManage, form: form(values: values, errors: errors, locale: locale))
    }

    static func edit(id: UUID, workspace: String, values: [String: String], errors: FormErrors, locale: UILocale) -> Edit {
        let base = workspace + "/inbox/templates"
        return Edit(base: base, path: "\(base)/\(id.uuidString.lowercased())", form: form(values: values, errors: errors, locale: locale))
    }

    // MARK: View

    static func libraryView(_ model: Library, _ ctx: PageContext, tabs: HTML) -> HTML {
        let shelves = model.shelves.map { shelf -> HTML in
            let cards = shelf.cards.map { card -> HTML in
                let variables: HTML =
                    card.variables.isEmpty
                    ? .empty
                    : "<p class=\"muted\">\(ctx.t("inbox.template_variables")): \(HTML.join(card.variables.map { "<code translate=\"no\">{\($0)}</code>" }, separator: " "))</p>"
                let variants: HTML =
                    card.variants.isEmpty
                    ? .empty
                    : """
                    <details><summary>\(ctx.t("inbox.template_variants_count", String(card.variants.count)))</summary><dl>\(HTML.join(card.variants.map { "<dt>\($0.platform)</dt><dd class=\"template-body\" translate=\"no\">\($0.text)</dd>" }))</dl></details>
                    """
                return """
                    <article class="card template" id="template-\(card.id)" data-category="\(shelf.category)">
                    <h3 translate="no">\(card.name)</h3>
                    <p class="template-body" translate="no">\(card.body)</p>
                    \(variables)
                    \(variants)
                    \(model.canManage ? HTML("<p><a href=\"\(card.href)\" class=\"edit-template\">\(ctx.t("inbox.edit"))</a></p>") : .empty)
                    </article>
                    """
            }
            return
                "<section class=\"template-shelf\" id=\"shelf-\(shelf.category)\"><h2>\(ctx.t("inbox.template_shelf", shelf.label, String(shelf.cards.count)))</h2>\(HTML.join(cards))</section>"
        }
        let empty: HTML = """
            <div class="empty-state" id="no-templates"><p>\(ctx.t("inbox.no_templates"))</p>\
            <p>\(model.canManage ? HTML("<a href=\"#template-form\">\(ctx.t("inbox.add_first_template"))</a>") : HTML("\(ctx.t("inbox.read_only"))"))</p></div>
            """
        let form: HTML =
            model.canManage
            ? """
            <section class="card"><h2>\(ctx.t("inbox.add_template"))</h2>
            <form method="post" action="\(model.base)" id="template-form" class="stack">\(ctx.csrfField)
            \(formFields(model.form, ctx))
            <button type="submit" class="primary" id="add-template">\(ctx.t("inbox.add_template"))</button></form></section>
            """
            : (model.shelves.isEmpty ? .empty : "<p class=\"muted\">\(ctx.t("inbox.read_only"))</p>")
        return """
            <h1>\(ctx.t("inbox.tab_templates"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, model.form.errors))
            <p>\(ctx.t("inbox.templates_intro"))</p>
            \(shelves.isEmpty ? empty : HTML("<div class=\"template-library\">\(HTML.join(shelves))</div>"))
            \(form)
            """
    }

    static func editView(_ model: Edit, _ ctx: PageContext, tabs: HTML) -> HTML {
        """
        <h1>\(ctx.t("inbox.edit_template"))</h1>
        \(tabs)
        \(Layout.errorSummary(ctx, model.form.errors))
        <form method="post" action="\(model.path)" id="edit-template-form" class="stack">\(ctx.csrfField)
        \(formFields(model.form, ctx))
        <div class="actions"><button type="submit" class="primary" id="save-template">\(ctx.t("inbox.save"))</button> <a href="\(model.base)">\(ctx.t("inbox.cancel"))</a></div></form>
        <form method="post" action="\(model.path)/delete" id="delete-template-form">\(ctx.csrfField)
        <button type="submit" class="danger" id="delete-template">\(ctx.t("inbox.delete_template"))</button></form>
        """
    }

    /// Name, category, wording (with the variables it may use) and one optional wording per platform.
    static func formFields(_ form: Form, _ ctx: PageContext) -> HTML {
        let values = form.values
        let variants = form.platforms.map { platform -> HTML in
            Forms.textarea(
                ctx, name: "variant_\(platform.code)", label: platform.label, value: values["variant_\(platform.code)"] ?? "", errors: form.errors,
                rows: 2, required: false)
        }
        let variables = form.variables.map { "<li><code translate=\"no\">{\($0.code)}</code> \($0.meaning)</li>" as HTML }
        return """
            \(Layout.field(ctx, name: "name", label: ctx.t("inbox.template_name"), value: values["name"] ?? "", errors: form.errors))
            \(Layout.select(ctx, name: "category", label: ctx.t("inbox.template_category"), options: form.categories, selected: values["category"] ?? ReplyTemplateCategory.faqFeatures.rawValue, errors: form.errors))
            \(Forms.textarea(ctx, name: "body", label: ctx.t("inbox.template_body"), value: values["body"] ?? "", errors: form.errors, rows: 5, hint: ctx.t("inbox.template_body_hint")))
            <details class="variables" id="template-variables"><summary>\(ctx.t("inbox.template_variables_list"))</summary><ul class="columns">\(HTML.join(variables))</ul></details>
            <fieldset id="template-variants"><legend>\(ctx.t("inbox.template_variants"))</legend>
            <p class="hint">\(ctx.t("inbox.template_variants_hint"))</p>
            \(HTML.join(variants))
            </fieldset>
            """
    }
}
