import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/fans/…`: the routes of the fans list, one fan's page, the
/// report and the programme, and what the team does to a fan: complete the
/// profile, adjust points, redeem, merge and undo, export and erase. Each
/// page is drawn by its query → model → view (`FanListPage`, `FanPage`,
/// `FanReportPage`, `ProgrammePage`); a refused form is drawn again by the
/// same model and view, with what was typed.
struct FanPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("fans", use: list)
        scoped.get("fans", "report", use: report)
        scoped.get("fans", "programme", use: programme)
        scoped.post("fans", "merges", use: merge)
        scoped.post("fans", "merges", ":merge", "undo", use: undo)
        scoped.get("fans", ":fan", use: show)
        scoped.post("fans", ":fan", "profile", use: profile)
        scoped.post("fans", ":fan", "points", use: points)
        scoped.post("fans", ":fan", "redemptions", use: redeem)
        scoped.get("fans", ":fan", "export", use: export)
        scoped.post("fans", ":fan", "erase", use: erase)
    }

    static func tabs(_ ctx: PageContext, _ access: WorkspaceAccess, current: String) -> HTML {
        FanTabs.html(ctx, slug: access.workspace.slug, current: current)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.fansView)
        let ctx = try await PageContext.make(req)
        let input = FanListPage.Input(
            search: req.query[String.self, at: "q"], tier: req.query[String.self, at: "tier"], platform: req.query[String.self, at: "platform"],
            cursor: req.query[String.self, at: "cursor"], limit: req.query[String.self, at: "limit"])
        let viewer = FanViewer(access)
        let found = try await FanListPage.query(input, viewer: viewer, access: access, actor: req.actor, on: req.db)
        let model = FanListPage.model(input, found, viewer: viewer, slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("fans.title"), status: model.errors.isEmpty ? .ok : .unprocessableEntity, FanListPage.view(model, ctx))
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await render(req, FanPage.Input(fanID: req.parameters.get("fan")))
    }

    /// The fan's page; after a refused form, with its errors and what was typed.
    private func render(_ req: Request, _ input: FanPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let viewer = FanViewer(access)
        let found = try await FanPage.query(input, viewer: viewer, access: access, actor: req.actor, on: req.db)
        let model = FanPage.model(input, found, viewer: viewer, slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: model.name.description, typedTitle: !model.erased, status: status, FanPage.view(model, ctx))
    }

    private func refused(_ req: Request, fanID: String?, _ errors: FormErrors) async throws -> Response {
        var values: [String: String] = [:]
        for field in FanPage.Input.fields { if let value = req.formValueIfPresent(field) { values[field] = value } }
        return try await render(req, FanPage.Input(fanID: fanID, errors: errors, values: values), status: .unprocessableEntity).encodeResponse(
            for: req)
    }

    @Sendable func profile(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let fan = try await access.find(Fan.self, req.parameters.get("fan"), on: req.db, what: "Fan")
        var attributes = fan.attributes
        attributes.region = req.formValue("region")
        attributes.tags = Forms.list(req.formValue("tags"))
        attributes.interests = Forms.list(req.formValue("interests"))
        // The page shows these fields only to those who may read them; others keep what is stored.
        if access.can(.fansPersonalData) {
            attributes.verifiedPhone = req.formValue("verified_phone")
            attributes.verifiedEmail = req.formValue("verified_email")
            attributes.wechatUnionID = req.formValue("wechat_union_id")
        }
        attributes.consent.marketing = Forms.isOn(req, "consent_marketing")
        do {
            try await FanService(db: req.db).updateProfile(fan.id!.uuidString, .init(attributes: attributes), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("fans.profile_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fan.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            return try await refused(req, fanID: fan.id!.uuidString, Self.unprefixed(errors))
        }
    }

    static func unprefixed(_ errors: ValidationErrors) -> FormErrors {
        var mapped = errors
        mapped.issues = errors.issues.map { FieldIssue(field: $0.field.replacingOccurrences(of: "attributes.", with: ""), $0.coded) }
        return FormErrors(mapped)
    }

    @Sendable func points(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let fanID = req.parameters.get("fan")
        let raw = req.formValue("delta").trimmingCharacters(in: .whitespaces)
        do {
            guard let delta = Int(raw) else { throw ValidationErrors("delta", .typeWholeNumber) }
            _ = try await FanService(db: req.db).adjust(fanID, .init(delta: delta, reason: req.formValue("reason")), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("fans.points_adjusted", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fanID ?? "")")
        } catch let errors as ValidationErrors {
            return try await refused(req, fanID: fanID, FormErrors(errors))
        }
    }

    @Sendable func redeem(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let fanID = req.parameters.get("fan")
        do {
            let rewardID = req.formValue("reward_id")
            guard !rewardID.isEmpty else { throw ValidationErrors("reward_id", .rewardRequired) }
            let done = try await Redemptions(db: req.db).redeem(
                rewardID, .init(fanId: fanID.flatMap(UUID.init(uuidString:)), note: req.formValue("redemption_note")), in: access,
                actor: req.actor)
            Flash.add(.notice, I18n.text("rewards.redeemed_notice", req.uiLocale, [done.reward.name, String(done.balance)]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fanID ?? "")")
        } catch let errors as ValidationErrors {
            // The reward's problems (stock, level, limit, points) are shown at the one choice the form has.
            var mapped = errors
            mapped.issues = errors.issues.map {
                FieldIssue(field: $0.field == "note" ? "redemption_note" : "reward_id", $0.coded)
            }
            return try await refused(req, fanID: fanID, FormErrors(mapped))
        }
    }

    @Sendable func merge(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let kept = req.formValue("kept_fan_id")
        let input = FanMerges.Input(
            keptFanId: UUID(uuidString: kept), mergedFanId: UUID(uuidString: req.formValue("merged_fan_id")), reason: req.formValue("reason"),
            note: req.formValue("note"))
        do {
            _ = try await FanMerges(db: req.db).merge(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("fans.merged", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(kept.lowercased())")
        } catch let errors as ValidationErrors {
            return try await refused(req, fanID: kept, FormErrors(errors))
        }
    }

    @Sendable func undo(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let merge = try await FanMerges(db: req.db).undo(req.parameters.get("merge"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("fans.merge_undone_notice", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(merge.$kept.id.uuidString.lowercased())")
    }

    @Sendable func export(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let export = try await FanPrivacy(db: req.db).export(req.parameters.get("fan"), in: access, actor: req.actor)
        let response = try await export.encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"fan-\(export.fan.id.uuidString.lowercased()).json\"")
        return response
    }

    @Sendable func erase(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let fanID = req.parameters.get("fan")
        guard req.formValue("confirm") == "yes" else {
            return try await refused(req, fanID: fanID, FormErrors(ValidationErrors("confirm", .eraseConfirmation)))
        }
        let fan = try await FanPrivacy(db: req.db).erase(fanID, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("fans.erased_notice", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fan.id!.uuidString.lowercased())")
    }

    @Sendable func report(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        let report = try await FanReportPage.query(FanReportPage.Input(), access: access, on: req.db)
        return Layout.page(
            ctx, title: ctx.t("fans.report_title"),
            FanReportPage.view(FanReportPage.model(report, slug: access.workspace.slug, locale: ctx.locale), ctx))
    }

    @Sendable func programme(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let programme = try await ProgrammePage.query(access: access, on: req.db)
        let model = ProgrammePage.model(programme, viewer: FanViewer(access), slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("fans.programme.title"), ProgrammePage.view(model, ctx))
    }
}
