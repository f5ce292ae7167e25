import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/segments/…`: the routes of the segments list with its builder
/// (`SegmentListPage`), one segment (`SegmentPage`) and its CSV export.
struct SegmentPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("segments", use: list)
        scoped.post("segments", use: create)
        scoped.post("segments", "count", use: count)
        scoped.get("segments", ":segment", use: show)
        scoped.post("segments", ":segment", use: update)
        scoped.get("segments", ":segment", "export", use: export)
    }

    /// The list and the builder; `?edit={id}` opens a saved segment in it.
    @Sendable func list(req: Request) async throws -> HTMLResponse {
        var input = SegmentListPage.Input()
        if let id = req.query[String.self, at: "edit"] {
            let access = try req.workspaceAccess
            try access.require(.fansManage)
            let segment = try await SegmentService(db: req.db).find(id, in: access)
            let rule = segment.rule
            input.name = segment.name
            input.editing = segment.id
            input.rule = segment.ruleJSON
            if let builder = SegmentBuilder(rule) { input.builder = builder } else { input.jsonOnly = true }
        }
        return try await render(req, input)
    }

    private func render(_ req: Request, _ input: SegmentListPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let segments = try await SegmentListPage.query(access: access, on: req.db)
        let model = SegmentListPage.model(input, segments, viewer: FanViewer(access), slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("fans.tab_segments"), status: status, SegmentListPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        try await save(req, editing: nil)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let segment = try await SegmentService(db: req.db).find(req.parameters.get("segment"), in: access)
        return try await save(req, editing: segment.id)
    }

    /// The builder's form (or the JSON box's): a button that changes the
    /// builder's shape draws it again; "Count" draws the page with the
    /// number; "Save" keeps the segment (a new one, or the one being edited).
    private func save(_ req: Request, editing: UUID?) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let pairs = req.formPairs()
        let value = { (key: String) in pairs.first { $0.0 == key }?.1 ?? "" }
        var input = SegmentListPage.Input(editing: editing)
        let fromJSON = value("source") == "json"
        let rule: SegmentRule
        do {
            if fromJSON {
                input.name = value("json_name")
                input.rule = value("rule")
                input.builder = SegmentBuilder(groups: [SegmentBuilder.Group()])
                rule = try SegmentRule.parse(Data(input.rule.utf8))
                if let builder = SegmentBuilder(rule) { input.builder = builder }
            } else {
                input.name = value("name")
                input.builder = SegmentBuilderForm.read(pairs)
                if let change = SegmentBuilderForm.Change(value("action")) {
                    SegmentBuilderForm.apply(change, to: &input.builder)
                    return try await render(req, input).encodeResponse(for: req)
                }
                rule = try input.builder.rule()
                input.rule = Self.json(rule)
            }
            if value("action") == "count" {
                input.counted = try await SegmentService(db: req.db).count(rule, in: access)
                return try await render(req, input).encodeResponse(for: req)
            }
            let service = SegmentService(db: req.db)
            let segment: Segment
            if let editing {
                segment = try await service.update(editing.uuidString, .init(name: input.name, rule: rule), in: access, actor: req.actor)
            } else {
                segment = try await service.create(.init(name: input.name, rule: rule), in: access, actor: req.actor)
            }
            Flash.add(.notice, I18n.text("segments.saved", req.uiLocale, [segment.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/segments/\(segment.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            var mapped = errors
            if fromJSON {
                // Problems of the JSON are named by their path in it ("rule.all[1].op"); the box holds them all.
                mapped.issues = errors.issues.map {
                    $0.field.hasPrefix("rule") ? FieldIssue(field: "json", .atPath(path: $0.field, message: $0.coded)) : $0
                }
                if let name = mapped.issues.first(where: { $0.field == "name" }) { mapped.issues.append(FieldIssue(field: "json_name", name.coded)) }
            } else {
                input.problems = SegmentBuilderForm.lines(ValidationErrors(errors.issues.filter { $0.field != "name" }), req.uiLocale).map(\.text)
            }
            input.errors = FormErrors(mapped)
            return try await render(req, input, status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    struct Counted: Content {
        var fans: Int
        var text: String
    }

    struct Refused: Content {
        struct Issue: Content {
            var field: String
            var message: String
        }
        var type = "validation"
        var title: String
        var status = 422
        var errors: [Issue]
    }

    /// `segments.js`: the builder's fields as the form posts them, counted
    /// with the same reading as "Count" (JSON: `fans` and `text`, the
    /// sentence to show); a rule that is not complete yet answers 422 with
    /// every problem named by its row and field, in the reader's language.
    @Sendable func count(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let builder = SegmentBuilderForm.read(req.formPairs())
        do {
            let fans = try await SegmentService(db: req.db).count(try builder.rule(), in: access)
            return try await Counted(fans: fans, text: I18n.text("segments.counted", req.uiLocale, [Formats.count(fans, req.uiLocale)]))
                .encodeResponse(for: req)
        } catch let errors as ValidationErrors {
            let lines = SegmentBuilderForm.lines(errors, req.uiLocale)
            let body = Refused(
                title: I18n.text("segments.incomplete", req.uiLocale, [lines.first?.text ?? ""]),
                errors: lines.map { .init(field: $0.field, message: $0.text) })
            let response = try await body.encodeResponse(status: .unprocessableEntity, for: req)
            response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json")
            return response
        }
    }

    static func json(_ rule: SegmentRule) -> String {
        (try? JSONEncoder.sortedKeys.encode(rule)).map { String(decoding: $0, as: UTF8.self) } ?? ""
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
