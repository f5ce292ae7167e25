import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/library`: cadence warnings, the topic library with its hot
/// fast track, and the asset register.
struct LibraryPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("library", use: show)
        scoped.post("library", "topics", use: addTopic)
        scoped.post("library", "topics", ":topic", "status", use: setTopicStatus)
        scoped.post("library", "assets", use: addAsset)
        scoped.on(.POST, "library", "assets", "upload", maxBody: LibraryAPI.uploadBody, use: upload)
        scoped.get("library", "assets", ":asset", "file", use: file)
        scoped.get("library", "assets", ":asset", "thumbnail", use: thumbnail)
    }

    @Sendable func upload(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let form = try? req.content.decode(LibraryAPI.UploadForm.self)
        var values: [String: String] = [:]
        for key in ["alt_text", "source", "licence", "licence_expires_at", "proof"] { values[key] = req.formValue(key) }
        do {
            _ = try await LibraryService(db: req.db, logger: req.logger).upload(
                form?.input ?? LibraryService.UploadInput(name: "", data: Data(), source: "", licence: ""), in: access, actor: req.actor,
                store: req.application.mediaStore)
            Flash.add(.notice, I18n.text("library.asset_uploaded", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/library#assets")
        } catch let errors as ValidationErrors {
            values["upload"] = "1"
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        } catch let problem as Problem where problem.errors?.isEmpty == false {
            // The media store refused the file: the form stays as typed.
            values["upload"] = "1"
            return try await render(req, values: values, errors: FormErrors(ValidationErrors(problem.errors ?? [])), status: problem.httpStatus)
                .encodeResponse(for: req)
        }
    }

    @Sendable func file(req: Request) async throws -> Response {
        try await LibraryAPI.serve(req, assetID: req.parameters.get("asset"), thumbnail: false)
    }

    @Sendable func thumbnail(req: Request) async throws -> Response {
        try await LibraryAPI.serve(req, assetID: req.parameters.get("asset"), thumbnail: true)
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors())
    }

    private func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let found = try await LibraryPage.query(access: access, on: req.db)
        let model = LibraryPage.model(
            found, values: values, errors: errors, base: "/w/\(access.workspace.slug)/library", canEdit: access.can(.contentEdit), locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("library.title"), status: status, LibraryPage.view(model, ctx))
    }

    @Sendable func addTopic(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let values = ["title": req.formValue("title"), "notes": req.formValue("notes"), "hot": req.formValue("hot")]
        do {
            _ = try await LibraryService(db: req.db).addTopic(
                .init(title: values["title"]!, notes: values["notes"], hot: req.formValue("hot") == "1"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("library.topic_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/library#topics")
        } catch let errors as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func setTopicStatus(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        _ = try await LibraryService(db: req.db).setTopicStatus(
            req.parameters.get("topic"), status: req.formValue("status"), in: access, actor: req.actor)
        return req.redirect(to: "/w/\(access.workspace.slug)/library#topics")
    }

    @Sendable func addAsset(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        var values: [String: String] = [:]
        for key in ["name", "kind", "bytes", "location", "source", "licence", "licence_expires_at", "proof"] { values[key] = req.formValue(key) }
        do {
            var errors = ValidationErrors()
            let bytes = values["bytes"]!.isEmpty ? 0 : Int64(values["bytes"]!)
            if bytes == nil { errors.add("bytes", .wholeBytes) }
            try errors.throwIfAny()
            _ = try await LibraryService(db: req.db).addAsset(
                .init(
                    name: values["name"]!, kind: values["kind"]!, bytes: bytes, location: values["location"]!, source: values["source"]!,
                    licence: values["licence"]!, licenceExpiresAt: values["licence_expires_at"], proof: values["proof"]), in: access, actor: req.actor
            )
            Flash.add(.notice, I18n.text("library.asset_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/library#assets")
        } catch let errors as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }
}
