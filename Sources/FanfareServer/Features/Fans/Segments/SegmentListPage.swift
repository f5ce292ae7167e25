import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The saved segments with their live counts and their rules in words, the
/// builder (groups of field / operator / value rows; "Count" draws the page
/// again with the number, `segments.js` counts as the rule changes), the
/// same rule as JSON for those who prefer it (a `<details>`), and the
/// fields a rule may test, named. `?edit={id}` opens a saved segment in
/// the builder.
enum SegmentListPage {
    struct Input: Sendable {
        var name = ""
        var builder = SegmentListPage.exampleBuilder
        /// The JSON box of the advanced form.
        var rule = SegmentListPage.example
        /// The count of the rule in the builder, when "Count" was pressed.
        var counted: Int?
        var errors = FormErrors()
        /// Every problem of the builder as a line naming its place.
        var problems: [String] = []
        /// The saved segment being changed, when opened with `?edit=`.
        var editing: UUID?
        /// A saved rule the builder cannot show (`not`, deeper groups): edited as JSON only.
        var jsonOnly = false
    }

    static let example = """
        {"all": [{"field": "activity_tier", "op": "eq", "value": "core"}, {"field": "region", "op": "eq", "value": "上海"}]}
        """

    static var exampleBuilder: SegmentBuilder {
        SegmentBuilder(groups: [
            SegmentBuilder.Group(
                join: .all,
                rows: [
                    SegmentBuilder.Row(field: "activity_tier", op: "eq", choices: ["core"]),
                    SegmentBuilder.Row(field: "region", op: "eq", text: "上海"),
                ])
        ])
    }

    struct Listed: Sendable, Equatable {
        var id: UUID
        var name: String
        var rule: SegmentRule
        var fans: Int
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var href: String
            var name: String
            var fans: String
            var rule: Wording
        }
        struct Field: Sendable, Equatable {
            var code: String
            var label: String
            var type: String
            var help: String
            var operators: [(code: String, label: String)]
            var values: [(code: String, label: Wording)]

            static func == (lhs: Field, rhs: Field) -> Bool {
                lhs.code == rhs.code && lhs.label == rhs.label && lhs.type == rhs.type && lhs.help == rhs.help
                    && lhs.operators.map(\.code) == rhs.operators.map(\.code) && lhs.values.map(\.code) == rhs.values.map(\.code)
            }
        }

        var slug: String
        var base: String
        var input: Input
        var rows: [Row]
        var manage: Bool
        var example: Wording
        var fields: [Field]
    }

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> [Listed] {
        let service = SegmentService(db: db)
        let segments = try await service.list(in: access)
        let rules = segments.map(\.rule)
        let counts = try await service.scan(in: access).counts(rules)
        return segments.indices.map { Listed(id: segments[$0].id!, name: segments[$0].name, rule: rules[$0], fans: counts[$0]) }
    }

    static func model(_ input: Input, _ segments: [Listed], viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        let base = "/w/\(slug)/segments"
        let example = (try? SegmentRule.parse(Data(Self.example.utf8))).map { SegmentWords.describe($0, locale) } ?? .ours("")
        return Model(
            slug: slug, base: base, input: input,
            rows: segments.map {
                Model.Row(
                    href: "\(base)/\($0.id.uuidString.lowercased())", name: $0.name, fans: Formats.count($0.fans, locale),
                    rule: SegmentWords.describe($0.rule, locale))
            }, manage: viewer.manage, example: example,
            fields: SegmentRule.fields.map { field in
                Model.Field(
                    code: field.name, label: SegmentWords.field(field.name, locale), type: SegmentWords.type(field.type, locale),
                    help: SegmentWords.help(field.name, locale),
                    operators: field.operators.map { ($0.rawValue, SegmentWords.op($0.rawValue, locale)) },
                    values: (field.values ?? []).map { ($0, SegmentWords.value(field.name, $0, locale)) })
            })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            """
            <tr class="segment-row"><td translate="no"><a href="\(row.href)">\(row.name)</a></td><td class="segment-count">\(row.fans)</td>\
            <td class="rule-text">\(row.rule.html)</td></tr>
            """
        }
        let list: HTML =
            rows.isEmpty
            ? "<div class=\"empty-state\" id=\"segments-empty\"><p>\(ctx.t(model.manage ? "segments.none" : "segments.none_viewer"))</p></div>"
            : """
            <div class="table-scroll"><table id="segments"><thead><tr><th>\(ctx.t("segments.name"))</th><th>\(ctx.t("segments.fans"))</th>\
            <th>\(ctx.t("segments.rule_words"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return """
            <h1>\(ctx.t("fans.tab_segments"))</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: model.base))
            \(Layout.errorSummary(ctx, model.input.errors))
            <p>\(ctx.t("segments.intro"))</p>
            \(list)
            \(model.manage ? builder(model, ctx) : .empty)
            """
    }

    private static func builder(_ model: Model, _ ctx: PageContext) -> HTML {
        let input = model.input
        let errors = input.errors
        let ruleError = errors["json"].map { $0.text(ctx.locale) }
        let fields = model.fields.map { field -> HTML in
            let operators = HTML.join(field.operators.map { "\($0.label)" }, separator: "、")
            let values: HTML =
                field.values.isEmpty
                ? .empty
                : "<br>\(ctx.t("segments.values")) \(HTML.join(field.values.map { "\($0.label.html)" }, separator: "、"))"
            return """
                <tr><td>\(field.label)</td><td>\(field.type)</td>\
                <td>\(field.help)<br>\(ctx.t("segments.operators")) \(operators)\(values)</td></tr>
                """
        }
        let editing = input.editing.map { $0.uuidString.lowercased() }
        let action = editing.map { "\(model.base)/\($0)" } ?? model.base
        let problems: HTML =
            input.problems.isEmpty
            ? .empty : "<ul class=\"segment-problems error\" id=\"segment-problems\">\(input.problems.map { p -> HTML in "<li>\(p)</li>" })</ul>"
        let counted = input.counted.map { n -> HTML in HTML(raw: HTML.escape(ctx.t("segments.counted", Formats.count(n, ctx.locale)))) }
        let builder: HTML =
            input.jsonOnly
            ? "<p class=\"hint\" id=\"json-only\">\(ctx.t("segments.json_only"))</p>"
            : """
            <form method="post" action="\(action)" id="segment-form" class="stack" data-count="\(model.base)/count" \
            data-counting="\(ctx.t("segments.counting"))" data-incomplete="\(ctx.t("segments.incomplete"))">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("segments.name"), value: input.name, errors: errors, required: false))
            \(SegmentBuilderForm.html(input.builder, errors: errors, ctx))
            \(problems)
            <p class="segment-live" id="segment-live-count" aria-live="polite">\(counted)</p>
            <p><button type="submit" name="action" value="count" id="count-segment">\(ctx.t("segments.count"))</button>
            <button type="submit" name="action" value="save" class="primary" id="save-segment">\(ctx.t(editing == nil ? "segments.save" : "segments.save_changes"))</button>\
            \(editing == nil ? HTML.empty : HTML(" <a href=\"\(model.base)\">\(ctx.t("segments.cancel_edit"))</a>"))</p></form>
            """
        return """
            <section class="card" id="segment-builder"><h2>\(ctx.t(editing == nil ? "segments.new" : "segments.edit"))</h2>
            \(builder)
            <details id="segment-json"\(input.jsonOnly || ruleError != nil ? HTML(raw: " open") : .empty)><summary>\(ctx.t("segments.json_advanced"))</summary>
            <form method="post" action="\(action)" id="segment-json-form" class="stack">\(ctx.csrfField)
            <input type="hidden" name="source" value="json">
            \(Layout.field(ctx, name: "json_name", label: ctx.t("segments.name"), value: input.name, errors: errors, required: false))
            <div class="field\(ruleError != nil ? " has-error" : "")">
            <label for="rule">\(ctx.t("segments.rule"))</label>
            <textarea id="rule" name="rule" rows="5" class="code" translate="no" spellcheck="false"\
            \(ruleError != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"rule-error\"") : .empty)>\(input.rule)</textarea>
            <small class="hint">\(ctx.t("segments.rule_hint")) \(ctx.t("segments.example_reads")) <span class="rule-text">\(model.example.html)</span></small>
            \(ruleError.map { e -> HTML in "<small class=\"error\" id=\"rule-error\">\(e)</small>" })
            </div>
            <p><button type="submit" name="action" value="count" id="count-segment-json">\(ctx.t("segments.count"))</button>
            <button type="submit" name="action" value="save" id="save-segment-json">\(ctx.t(editing == nil ? "segments.save" : "segments.save_changes"))</button></p></form>
            </details>
            <details><summary>\(ctx.t("segments.fields"))</summary>
            <div class="table-scroll"><table id="segment-fields"><thead><tr><th>\(ctx.t("segments.field"))</th><th>\(ctx.t("segments.type"))</th>\
            <th>\(ctx.t("segments.field_use"))</th></tr></thead><tbody>\(fields)</tbody></table></div></details></section>
            <script src="/static/segments.js" defer></script>
            """
    }
}

/// One segment: its live count, its rule in words (and as JSON), its
/// members page by page and, for those who may, the CSV export.
enum SegmentPage {
    struct Input: Sendable {
        var segmentID: String?
        var cursor: String?
    }

    struct Member: Sendable, Equatable {
        var id: UUID
        var name: String
        var erased: Bool
        var tier: String
        var region: String?
        var points: Int
    }

    struct Found: Sendable {
        var id: UUID
        var name: String
        var rule: SegmentRule
        var ruleJSON: String
        var fans: Int
        var members: [Member]
        var nextCursor: String?
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var href: String
            var name: Wording
            var tier: String
            var tierCode: String
            var tierTone: Badge.Tone
            var region: String?
            var points: String
        }

        var slug: String
        var name: String
        var count: String
        var rule: Wording
        var ruleJSON: String
        var exportHref: String?
        /// The list page with this segment in the builder, for those who manage fans.
        var editHref: String?
        var rows: [Row]
        var nextHref: String?
        var firstHref: String?
    }

    /// The segment and its members' columns as plain rows: filling whole
    /// `Fan` models (and reading identities the page does not show) was
    /// most of the page's own time (docs/benchmarks.md).
    static func query(_ input: Input, access: WorkspaceAccess, actor: Actor, on db: any Database) async throws -> Found {
        try access.require(.fansView)
        guard let raw = input.segmentID, let segmentID = UUID(uuidString: raw), let sql = db as? any SQLDatabase,
            let row = try await sql.raw(
                "SELECT name, rule FROM segments WHERE workspace_id = \(bind: access.workspaceID) AND id = \(bind: segmentID)"
            ).first()
        else { throw Problem.notFound("Segment") }
        let ruleJSON = try row.decode(column: "rule", as: String.self)
        let rule = Segment.rule(json: ruleJSON)
        let page = try PageQuery(limit: nil, cursor: input.cursor)
        let (count, ids, next) = try await SegmentService(db: db).countAndMemberIDs(rule, page: page, in: access)
        var members: [Member] = []
        if !ids.isEmpty {
            let text = SQLRows.uuidsAsText(sql)
            // Still neither merged away nor erased, as `SegmentScan.fans` reads them.
            for row in try await sql.raw(
                """
                SELECT id, display_name, erased_at, activity_tier, attributes, points_balance FROM fans \
                WHERE workspace_id = \(bind: access.workspaceID) AND id IN \(SQLGroupExpression(ids.map { SQLBind($0) })) \
                AND merged_into IS NULL AND erased_at IS NULL ORDER BY id
                """
            ).all() {
                members.append(
                    Member(
                        id: try SQLRows.uuid(row, "id", asText: text), name: try row.decode(column: "display_name", as: String.self),
                        erased: try row.decode(column: "erased_at", as: Date?.self) != nil,
                        tier: try row.decode(column: "activity_tier", as: String.self),
                        region: Fan.attributes(json: try row.decode(column: "attributes", as: String.self)).region,
                        points: try row.decode(column: "points_balance", as: Int.self)))
            }
        }
        try await FanService(db: db).auditUnmasked(members.map(\.id), in: access, actor: actor)
        return Found(
            id: segmentID, name: try row.decode(column: "name", as: String.self), rule: rule, ruleJSON: ruleJSON, fans: count, members: members,
            nextCursor: next)
    }

    static func model(_ input: Input, _ found: Found, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        let base = "/w/\(slug)/segments/\(found.id.uuidString.lowercased())"
        return Model(
            slug: slug, name: found.name, count: Formats.count(found.fans, locale), rule: SegmentWords.describe(found.rule, locale),
            ruleJSON: found.ruleJSON, exportHref: viewer.export ? base + "/export" : nil,
            editHref: viewer.manage ? "/w/\(slug)/segments?edit=\(found.id.uuidString.lowercased())#segment-builder" : nil,
            rows: found.members.map {
                Model.Row(
                    href: "/w/\(slug)/fans/\($0.id.uuidString.lowercased())",
                    name: FanWords.name($0.name, id: $0.id, erased: $0.erased, viewer: viewer, locale),
                    tier: FanWords.tier($0.tier, locale), tierCode: $0.tier, tierTone: FanWords.tierTone($0.tier), region: $0.region,
                    points: Formats.count($0.points, locale))
            }, nextHref: found.nextCursor.map { "\(base)?cursor=\($0)" }, firstHref: input.cursor.nonEmpty.map { _ in base })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            """
            <tr class="member-row"><td><a href="\(row.href)">\(row.name.html)</a></td><td>\(Badge.html(row.tier, tone: row.tierTone, data: [("code", row.tierCode)]))</td>\
            <td translate="no">\(row.region ?? "—")</td><td>\(row.points)</td></tr>
            """
        }
        var pager: [HTML] = []
        if let first = model.firstHref { pager.append("<a href=\"\(first)\">\(ctx.t("fans.first_page"))</a>") }
        if let next = model.nextHref { pager.append("<a href=\"\(next)\" rel=\"next\">\(ctx.t("fans.next_page"))</a>") }
        let members: HTML =
            rows.isEmpty
            ? "<div class=\"empty-state\" id=\"segment-members\"><p>\(ctx.t("segments.no_members"))</p></div>"
            : """
            <div class="table-scroll"><table id="segment-members"><thead><tr><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("fans.tier"))</th>\
            <th>\(ctx.t("fans.region"))</th><th>\(ctx.t("fans.points"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return """
            <h1 translate="no">\(model.name)</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: "/w/\(model.slug)/segments"))
            <p id="segment-count">\(ctx.t("segments.counted", model.count))</p>
            <p class="rule-text" id="segment-rule">\(ctx.t("segments.rule_is")) \(model.rule.html)</p>
            <details><summary>\(ctx.t("segments.rule"))</summary><pre><code translate="no">\(model.ruleJSON)</code></pre></details>
            \(model.editHref.map { h -> HTML in "<p><a href=\"\(h)\" id=\"edit-segment\">\(ctx.t("segments.edit"))</a></p>" })
            \(model.exportHref.map { h -> HTML in "<p><a href=\"\(h)\" id=\"export-segment\" download>\(ctx.t("segments.export"))</a></p>" })
            \(members)
            \(pager.isEmpty ? HTML.empty : HTML("<p class=\"pager\">\(HTML.join(pager, separator: " "))</p>"))
            """
    }
}
