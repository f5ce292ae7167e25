import FanfareCore
import Fluent
import Vapor

/// The saved segments with their live counts and their rules in words, the
/// builder (a rule counted before it is saved: "Count" draws the page again
/// with the number), and the fields a rule may test, named.
enum SegmentListPage {
    struct Input: Sendable {
        var name = ""
        var rule = SegmentListPage.example
        /// The count of the rule in the builder, when "Count" was pressed.
        var counted: Int?
        var errors = FormErrors()
    }

    static let example = """
        {"all": [{"field": "activity_tier", "op": "eq", "value": "core"}, {"field": "region", "op": "eq", "value": "上海"}]}
        """

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
        let errors = model.input.errors
        let ruleError = errors["rule"].map { $0.text(ctx.locale) }
        let fields = model.fields.map { field -> HTML in
            let operators = HTML.join(
                field.operators.map { "<code translate=\"no\">\($0.code)</code> \($0.label)" }, separator: "、")
            let values: HTML =
                field.values.isEmpty
                ? .empty
                : "<br>\(ctx.t("segments.values")) \(HTML.join(field.values.map { "<code translate=\"no\">\($0.code)</code> \($0.label.html)" }, separator: "、"))"
            return """
                <tr><td><code translate="no">\(field.code)</code><br>\(field.label)</td><td>\(field.type)</td>\
                <td>\(field.help)<br>\(ctx.t("segments.operators")) \(operators)\(values)</td></tr>
                """
        }
        return """
            <section class="card" id="segment-builder"><h2>\(ctx.t("segments.new"))</h2>
            <form method="post" action="\(model.base)" id="segment-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("segments.name"), value: model.input.name, errors: errors, required: false))
            <div class="field\(ruleError != nil ? " has-error" : "")">
            <label for="rule">\(ctx.t("segments.rule"))</label>
            <textarea id="rule" name="rule" rows="5" class="code" translate="no" spellcheck="false"\
            \(ruleError != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"rule-error\"") : .empty)>\(model.input.rule)</textarea>
            <small class="hint">\(ctx.t("segments.rule_hint")) \(ctx.t("segments.example_reads")) <span class="rule-text">\(model.example.html)</span></small>
            \(ruleError.map { e -> HTML in "<small class=\"error\" id=\"rule-error\">\(e)</small>" })
            </div>
            \(model.input.counted.map { n -> HTML in "<p class=\"flash\" id=\"segment-live-count\">\(ctx.t("segments.counted", Formats.count(n, ctx.locale)))</p>" })
            <p><button type="submit" name="action" value="count" id="count-segment">\(ctx.t("segments.count"))</button>
            <button type="submit" name="action" value="save" class="primary" id="save-segment">\(ctx.t("segments.save"))</button></p></form>
            <details><summary>\(ctx.t("segments.fields"))</summary>
            <div class="table-scroll"><table id="segment-fields"><thead><tr><th>\(ctx.t("segments.field"))</th><th>\(ctx.t("segments.type"))</th>\
            <th>\(ctx.t("segments.field_use"))</th></tr></thead><tbody>\(fields)</tbody></table></div></details></section>
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
        var rows: [Row]
        var nextHref: String?
        var firstHref: String?
    }

    static func query(_ input: Input, access: WorkspaceAccess, actor: Actor, on db: any Database) async throws -> Found {
        let service = SegmentService(db: db)
        let segment = try await service.find(input.segmentID, in: access)
        let rule = segment.rule
        let page = try PageQuery(limit: nil, cursor: input.cursor)
        let (count, fans, next) = try await service.countAndMembers(segment, page: page, in: access)
        let listed = try await FanService(db: db).listed(fans, in: access, actor: actor)
        return Found(
            id: segment.id!, name: segment.name, rule: rule, ruleJSON: segment.ruleJSON, fans: count,
            members: listed.map {
                Member(
                    id: $0.fan.id!, name: $0.fan.displayName, erased: $0.fan.erasedAt != nil, tier: $0.fan.activityTier,
                    region: $0.fan.attributes.region,
                    points: $0.fan.pointsBalance)
            }, nextCursor: next)
    }

    static func model(_ input: Input, _ found: Found, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        let base = "/w/\(slug)/segments/\(found.id.uuidString.lowercased())"
        return Model(
            slug: slug, name: found.name, count: Formats.count(found.fans, locale), rule: SegmentWords.describe(found.rule, locale),
            ruleJSON: found.ruleJSON, exportHref: viewer.export ? base + "/export" : nil,
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
            \(model.exportHref.map { h -> HTML in "<p><a href=\"\(h)\" id=\"export-segment\" download>\(ctx.t("segments.export"))</a></p>" })
            \(members)
            \(pager.isEmpty ? HTML.empty : HTML("<p class=\"pager\">\(HTML.join(pager, separator: " "))</p>"))
            """
    }
}
