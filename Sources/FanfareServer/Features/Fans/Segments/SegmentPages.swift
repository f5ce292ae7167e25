import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/segments/…`: the routes of the segments list with its builder
/// (`SegmentListPage`), one segment (`SegmentPage`) and its CSV export.
struct SegmentPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("segments", use: list)
        scoped.post("segments", use: create)
        scoped.get("segments", ":segment", use: show)
        scoped.get("segments", ":segment", "export", use: export)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, SegmentListPage.Input())
    }

    private func render(_ req: Request, _ input: SegmentListPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let segments = try await SegmentListPage.query(access: access, on: req.db)
        let model = SegmentListPage.model(input, segments, viewer: FanViewer(access), slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("fans.tab_segments"), status: status, SegmentListPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        var input = SegmentListPage.Input(name: req.formValue("name"), rule: req.formValue("rule"))
        do {
            let rule = try SegmentRule.parse(Data(input.rule.utf8))
            if req.formValue("action") == "count" {
                input.counted = try await SegmentService(db: req.db).count(rule, in: access)
                return try await render(req, input).encodeResponse(for: req)
            }
            let segment = try await SegmentService(db: req.db).create(.init(name: input.name, rule: rule), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("segments.saved", req.uiLocale, [segment.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/segments/\(segment.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            // Rule problems are named by their path in the JSON ("rule.all[1].op"); the form has one box for all of them.
            var mapped = errors
            mapped.issues = errors.issues.map {
                $0.field.hasPrefix("rule") ? FieldIssue(field: "rule", .atPath(path: $0.field, message: $0.coded)) : $0
            }
            input.errors = FormErrors(mapped)
            return try await render(req, input, status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let input = SegmentPage.Input(segmentID: req.parameters.get("segment"), cursor: req.query[String.self, at: "cursor"])
        let found = try await SegmentPage.query(input, access: access, actor: req.actor, on: req.db)
        let model = SegmentPage.model(input, found, viewer: FanViewer(access), slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: found.name, typedTitle: true, SegmentPage.view(model, ctx))
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
