import FanfareCore
import Fluent
import Vapor

/// 设置 → 通知渠道: `/w/{ws}/settings/channels` and each channel's page
/// (form, test button, delivery log). Owners and admins only
/// (`workspace.update`), like the workspace's other settings.
struct ChannelPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("settings", "channels", use: list)
        scoped.post("settings", "channels", use: create)
        scoped.post("settings", "channels", "smtp", use: saveSMTP)
        scoped.get("settings", "channels", ":notify_channel_id", use: show)
        scoped.post("settings", "channels", ":notify_channel_id", use: update)
        scoped.post("settings", "channels", ":notify_channel_id", "delete", use: delete)
        scoped.post("settings", "channels", ":notify_channel_id", "test", use: test)
    }

    private func base(_ access: WorkspaceAccess) -> String { "/w/\(access.workspace.slug)" }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, typed: nil, errors: FormErrors())
    }

    private func renderList(
        _ req: Request, typed: ChannelsPage.Model.Form?, errors: FormErrors, smtp: ChannelsPage.SMTPForm? = nil, generatedSecret: String? = nil,
        status: HTTPStatus = .ok
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        var found = try await ChannelsPage.query(access: access, service: ChannelService(db: req.db, app: req.application))
        if let smtp { found.smtp = smtp }
        let model = ChannelsPage.model(found, base: base(access), typed: typed, errors: errors, generatedSecret: generatedSecret, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("notify.title"), status: status, ChannelsPage.view(model, ctx))
    }

    private func renderChannel(
        _ req: Request, _ row: NotifyChannelRecord, typed: ChannelsPage.Model.Form? = nil, errors: FormErrors = FormErrors(),
        generatedSecret: String? = nil, status: HTTPStatus = .ok
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let page = try PageQuery(limit: nil, cursor: req.query[String.self, at: "cursor"])
        let found = try await ChannelsPage.query(channel: row, page: page, service: ChannelService(db: req.db, app: req.application))
        let model = ChannelsPage.model(found, base: base(access), typed: typed, errors: errors, generatedSecret: generatedSecret, locale: ctx.locale)
        return Layout.page(ctx, title: row.name, typedTitle: true, status: status, ChannelsPage.view(model, ctx))
    }

    /// The form as posted, for the page and for the service.
    private func posted(_ req: Request, action: String, existing: NotifyChannelRecord?) -> (ChannelService.Input, ChannelsPage.Model.Form) {
        let kinds = Forms.values(req, "event_kinds")
        let monitors = Forms.list(req.formValue("monitor_ids"))
        let input = ChannelService.Input(
            kind: existing == nil ? req.formValue("kind") : nil, name: req.formValue("name"), address: req.formValue("address"),
            secret: req.formValue("secret"), enabled: Forms.isOn(req, "enabled"), eventKinds: kinds, minGrade: req.formValue("min_grade"),
            monitorIds: monitors, locale: req.formValue("locale"))
        let form = ChannelsPage.Model.Form(
            action: action, kind: existing?.kind ?? req.formValue("kind"), kindFixed: existing != nil, name: req.formValue("name"),
            secretSet: existing?.channelKind?.signs ?? false, enabled: Forms.isOn(req, "enabled"), eventKinds: Set(kinds),
            minGrade: req.formValue("min_grade"), monitorIDs: monitors.joined(separator: "\n"), locale: req.formValue("locale"))
        return (input, form)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let (input, form) = posted(req, action: "\(base(access))/settings/channels", existing: nil)
        do {
            let saved = try await ChannelService(db: req.db, app: req.application).save(input, existing: nil, in: access, actor: req.actor)
            if let secret = saved.generatedSecret {
                return try await renderChannel(req, saved.row, generatedSecret: secret, status: .created).encodeResponse(for: req)
            }
            Flash.add(.notice, I18n.text("notify.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(base(access))/settings/channels/\(saved.row.id!.uuidString)")
        } catch let errors as ValidationErrors {
            return try await renderList(req, typed: form, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    /// The mail server's form, under the list.
    @Sendable func saveSMTP(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let input = ChannelService.SMTPInput(
            host: req.formValue("smtp_host"), port: Int(req.formValue("smtp_port").trimmingCharacters(in: .whitespaces)),
            security: req.formValue("smtp_security"), username: req.formValue("smtp_username"), password: req.formValue("smtp_password"),
            fromAddress: req.formValue("smtp_from_address"))
        do {
            _ = try await ChannelService(db: req.db, app: req.application).saveSMTP(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("notify.smtp_saved", req.uiLocale), to: req)
            return req.redirect(to: "\(base(access))/settings/channels")
        } catch let errors as ValidationErrors {
            // The form's fields are named `smtp_<field>`.
            let renamed = ValidationErrors(errors.issues.map { FieldIssue(field: "smtp_" + $0.field, $0.coded) })
            let typed = ChannelsPage.SMTPForm(
                host: input.host ?? "", port: req.formValue("smtp_port"), security: input.security ?? "", username: input.username ?? "",
                passwordSet: false, fromAddress: input.fromAddress ?? "")
            return try await renderList(req, typed: nil, errors: FormErrors(renamed), smtp: typed, status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await renderChannel(req, try await found(req))
    }

    @Sendable func update(req: Request) async throws -> Response {
        let row = try await found(req)
        let access = try req.workspaceAccess
        let (input, form) = posted(req, action: "\(base(access))/settings/channels/\(row.id!.uuidString)", existing: row)
        do {
            _ = try await ChannelService(db: req.db, app: req.application).save(input, existing: row, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("notify.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(base(access))/settings/channels/\(row.id!.uuidString)")
        } catch let errors as ValidationErrors {
            return try await renderChannel(req, row, typed: form, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let row = try await found(req)
        let access = try req.workspaceAccess
        try await ChannelService(db: req.db, app: req.application).delete(row, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("notify.deleted", req.uiLocale), to: req)
        return req.redirect(to: "\(base(access))/settings/channels")
    }

    /// Sends a test and says how it went at the top of the channel's page.
    @Sendable func test(req: Request) async throws -> Response {
        let row = try await found(req)
        let access = try req.workspaceAccess
        let locale = req.uiLocale
        if let delivery = try await ChannelDelivery.test(row, app: req.application, actor: req.actor) {
            if delivery.state == NotifyDelivery.State.sent.rawValue {
                Flash.add(.notice, I18n.text("notify.tested_sent", locale, [delivery.httpStatus.map(String.init) ?? ""]), to: req)
            } else {
                let why = delivery.errorCode.map { I18n.text("notify.error.\($0)", locale) } ?? ""
                let status = delivery.httpStatus.map { " (\($0))" } ?? ""
                Flash.add(.error, I18n.text("notify.tested_failed", locale, [why + status]), to: req)
            }
        } else {
            Flash.add(.error, I18n.text("notify.test_wait", locale), to: req)
        }
        return req.redirect(to: "\(base(access))/settings/channels/\(row.id!.uuidString)")
    }

    private func found(_ req: Request) async throws -> NotifyChannelRecord {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        return try await ChannelService(db: req.db, app: req.application).find(req.parameters.get("notify_channel_id"), in: access)
    }
}
