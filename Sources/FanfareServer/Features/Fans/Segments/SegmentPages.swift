import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/segments/…`: saved segments with their live counts; a builder
/// that counts a rule before it is saved ("Count" re-renders with the
/// number, no script needed); a segment's members and its CSV export.
struct SegmentPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("segments", use: list)
        scoped.post("segments", use: create)
        scoped.get("segments", ":segment", use: show)
        scoped.get("segments", ":segment", "export", use: export)
    }

    /// One condition row of the builder; more complex rules are written as JSON.
    struct Values {
        var name = ""
        var rule = ""
    }

    static let example = """
        {"all": [{"field": "activity_tier", "op": "eq", "value": "core"}, {"field": "region", "op": "eq", "value": "上海"}]}
        """

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, values: Values(rule: Self.example), counted: nil, errors: FormErrors())
    }

    private func render(_ req: Request, values: Values, counted: Int?, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let service = SegmentService(db: req.db)
        let segments = try await service.list(in: access)
        let scan = try service.scan(in: access)
        let base = "/w/\(access.workspace.slug)/segments"
        var rows: [HTML] = []
        for segment in segments {
            let count = try await scan.count(segment.rule)
            rows.append(
                "<tr class=\"segment-row\"><td><a href=\"\(base)/\(segment.id!.uuidString.lowercased())\">\(segment.name)</a></td><td class=\"segment-count\">\(count)</td><td><code>\(segment.ruleJSON)</code></td></tr>"
            )
        }
        let fields = SegmentRule.fields.map { field -> HTML in
            "<li><code>\(field.name)</code> (\(field.type.rawValue): \(field.operators.map(\.rawValue).joined(separator: ", "))\(field.values.map { "; " + $0.joined(separator: ", ") } ?? ""))</li>"
        }
        let builder: HTML =
            access.can(.fansManage)
            ? """
            <section class="card"><h2>\(ctx.t("segments.new"))</h2>
            <form method="post" action="\(base)" id="segment-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("segments.name"), value: values.name, errors: errors, required: false))
            \(Forms.textarea(ctx, name: "rule", label: ctx.t("segments.rule"), value: values.rule, errors: errors, rows: 5, hint: ctx.t("segments.rule_hint")))
            \(counted.map { n -> HTML in "<p class=\"flash\" id=\"segment-live-count\">\(ctx.t("segments.counted", String(n)))</p>" })
            <p><button type="submit" name="action" value="count" id="count-segment">\(ctx.t("segments.count"))</button>
            <button type="submit" name="action" value="save" class="primary" id="save-segment">\(ctx.t("segments.save"))</button></p></form>
            <details><summary>\(ctx.t("segments.fields"))</summary><ul>\(fields)</ul></details></section>
            """
            : .empty
        return Layout.page(
            ctx, title: ctx.t("fans.tab_segments"), status: status,
            """
            <h1>\(ctx.t("fans.tab_segments"))</h1>
            \(FanPages.tabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("segments.intro"))</p>
            \(segments.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("segments.none"))</p>") : HTML("<table id=\"segments\"><thead><tr><th>\(ctx.t("segments.name"))</th><th>\(ctx.t("segments.fans"))</th><th>\(ctx.t("segments.rule"))</th></tr></thead><tbody>\(rows)</tbody></table>"))
            \(builder)
            """)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let values = Values(name: req.formValue("name"), rule: req.formValue("rule"))
        do {
            let rule = try SegmentRule.parse(Data(values.rule.utf8))
            if req.formValue("action") == "count" {
                let count = try await SegmentService(db: req.db).count(rule, in: access)
                return try await render(req, values: values, counted: count, errors: FormErrors()).encodeResponse(for: req)
            }
            let segment = try await SegmentService(db: req.db).create(.init(name: values.name, rule: rule), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("segments.saved", req.uiLocale, [segment.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/segments/\(segment.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            // Rule problems are named by their path in the JSON ("rule.all[1].op"); the form has one box for all of them.
            var mapped = errors
            mapped.issues = errors.issues.map {
                $0.field.hasPrefix("rule") ? FieldIssue(field: "rule", .atPath(path: $0.field, message: $0.coded)) : $0
            }
            return try await render(req, values: values, counted: nil, errors: FormErrors(mapped), status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let service = SegmentService(db: req.db)
        let segment = try await service.find(req.parameters.get("segment"), in: access)
        let count = try await service.scan(in: access).count(segment.rule)
        let (fans, next) = try await service.members(segment, page: try req.pageRequest(), in: access)
        let listed = try await FanService(db: req.db).listed(fans, in: access, actor: req.actor)
        let unmasked = access.can(.fansPersonalData)
        let base = "/w/\(access.workspace.slug)"
        let rows = listed.map { item -> HTML in
            let fan = FanDTO(item.fan, identities: item.identities, unmasked: unmasked)
            return
                "<tr class=\"member-row\"><td><a href=\"\(base)/fans/\(fan.id.uuidString.lowercased())\">\(fan.displayName)</a></td><td>\(FanPages.tier(ctx, fan.activityTier))</td><td>\(fan.attributes.region ?? "—")</td><td>\(fan.pointsBalance)</td></tr>"
        }
        let id = segment.id!.uuidString.lowercased()
        return Layout.page(
            ctx, title: segment.name,
            """
            <h1>\(segment.name)</h1>
            \(FanPages.tabs(ctx, access, current: base + "/segments"))
            <p id="segment-count">\(ctx.t("segments.counted", String(count)))</p>
            <p><code>\(segment.ruleJSON)</code></p>
            \(access.can(.reportsExport) ? HTML("<p><a href=\"\(base)/segments/\(id)/export\" id=\"export-segment\" download>\(ctx.t("segments.export"))</a></p>") : .empty)
            <table id="segment-members"><thead><tr><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("fans.tier"))</th><th>\(ctx.t("fans.region"))</th><th>\(ctx.t("fans.points"))</th></tr></thead><tbody>\(rows)</tbody></table>
            \(next.map { cursor -> HTML in "<p><a href=\"\(base)/segments/\(id)?cursor=\(cursor)\" rel=\"next\">\(ctx.t("fans.next_page"))</a></p>" })
            """)
    }

    @Sendable func export(req: Request) async throws -> Response {
        try await SegmentsAPI().export(req: req.withParameter("segment_id", from: "segment"))
    }
}

extension Request {
    /// Lets a page route reuse an API handler that reads its parameter under the API's name.
    func withParameter(_ apiName: String, from pageName: String) -> Request {
        if let value = parameters.get(pageName) { parameters.set(apiName, to: value) }
        return self
    }
}
