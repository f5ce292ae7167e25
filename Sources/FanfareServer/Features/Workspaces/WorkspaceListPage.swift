import FanfareCore
import Fluent
import Vapor

/// `/workspaces` (one's workspaces and creating one) and
/// `/w/{ws}/settings`, as query → model → view; `model` and `view` are
/// tested without a database.
enum WorkspaceListPage {
    struct Found: Sendable {
        struct Entry: Sendable, Equatable {
            var name: String
            var slug: String
            var role: Role
        }
        var workspaces: [Entry] = []
    }

    /// What the create form was sent with.
    struct Input: Sendable {
        var values: [String: String] = [:]
        var errors = FormErrors()
        /// The person sent the form without the right to create (403).
        var refused = false
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var name: String
            var slug: String
            var href: String
            var role: String
        }
        var rows: [Row]
        /// What to do when there is no workspace yet.
        var empty: String?
        var mayCreate: Bool
        var refused: Bool
        var name: String
        var slug: String
        var timeZone: String
        var errors: FormErrors
    }

    /// The person's memberships, already read for the page's frame.
    static func query(_ memberships: [(workspace: Workspace, role: Role)]) -> Found {
        Found(workspaces: memberships.map { .init(name: $0.workspace.name, slug: $0.workspace.slug, role: $0.role) })
    }

    static func model(_ input: Input, _ found: Found, mayCreate: Bool, userTimeZone: String?, locale: UILocale) -> Model {
        let rows = found.workspaces.map {
            Model.Row(name: $0.name, slug: $0.slug, href: "/w/\($0.slug)", role: I18n.text("role." + $0.role.rawValue, locale, []))
        }
        let empty = rows.isEmpty ? I18n.text(mayCreate ? "workspaces.none_create" : "workspaces.none", locale, []) : nil
        return Model(
            rows: rows, empty: empty, mayCreate: mayCreate, refused: input.refused, name: input.values["name"] ?? "",
            slug: input.values["slug"] ?? "", timeZone: input.values["time_zone"] ?? userTimeZone ?? "Asia/Shanghai", errors: input.errors)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            "<tr><td><a href=\"\(row.href)\" translate=\"no\">\(row.name)</a></td><td><code translate=\"no\">\(row.slug)</code></td><td>\(row.role)</td></tr>"
        }
        let table: HTML =
            model.empty.map { "<p class=\"empty\" id=\"workspaces-empty\">\($0)</p>" }
                ?? """
                <table id="workspace-list"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("field.slug"))</th>\
                <th>\(ctx.t("field.your_role"))</th></tr></thead><tbody>\(rows)</tbody></table>
                """
        // Who may not create a workspace sees why instead of a form that
        // would only refuse.
        let create: HTML =
            model.mayCreate
            ? """
            <p>\(ctx.t("workspaces.new_intro"))</p>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="post" action="/workspaces" id="new-workspace-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), value: model.name, errors: model.errors))
            \(Layout.field(ctx, name: "slug", label: ctx.t("field.slug"), value: model.slug, errors: model.errors, required: false, hint: ctx.t("field.slug_hint")))
            \(Layout.timeZoneField(ctx, value: model.timeZone, errors: model.errors))
            <button type="submit" class="primary">\(ctx.t("workspaces.create"))</button>
            </form>
            """
            : "<p id=\"workspaces-admins-only\"\(model.refused ? HTML(raw: " class=\"flash flash-error\" role=\"alert\"") : .empty)>\(ctx.t("workspaces.admins_only"))</p>"
        return """
            <h1>\(ctx.t("workspaces.title"))</h1>
            \(table)
            <section id="new" class="card narrow">
            <h2>\(ctx.t("workspaces.new"))</h2>
            \(create)
            </section>
            """
    }
}

/// `/w/{ws}/settings`: the workspace's name and time zone, and its review
/// chain (`ReviewChainEditor`).
enum WorkspaceSettingsPage {
    struct Model: Sendable {
        var name: String
        var slug: String
        var timeZone: String
        var errors: FormErrors
        var chain: ReviewChainEditor.Model?
    }

    static func model(values: [String: String], slug: String, errors: FormErrors = FormErrors()) -> Model {
        Model(name: values["name"] ?? "", slug: slug, timeZone: values["time_zone"] ?? "", errors: errors)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        """
        <section class="narrow">
        <h1>\(ctx.t("wsettings.title"))</h1>
        <p>\(HTML.sentence(ctx.t("wsettings.address"), [HTML("<code translate=\"no\">/w/\(model.slug)</code>")]))</p>
        \(Layout.errorSummary(ctx, model.errors))
        <form method="post" id="workspace-settings-form">\(ctx.csrfField)
        \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), value: model.name, errors: model.errors))
        \(Layout.timeZoneField(ctx, value: model.timeZone, errors: model.errors))
        <button type="submit" class="primary">\(ctx.t("form.save"))</button>
        </form>
        </section>
        \(model.chain.map { ReviewChainEditor.view($0, ctx) })
        """
    }
}
