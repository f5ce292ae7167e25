import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/rewards/…`: the redemption catalogue with its stock, a form
/// for a new reward and one to change each, and the redemptions waiting to
/// be fulfilled. Fans redeem from their own page (`FanPages`).
struct RewardPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("rewards", use: list)
        scoped.post("rewards", use: create)
        scoped.get("rewards", ":reward", use: show)
        scoped.post("rewards", ":reward", use: replace)
        scoped.post("redemptions", ":redemption", "fulfil", use: fulfil)
        scoped.post("redemptions", ":redemption", "cancel", use: cancel)
    }

    struct Values {
        var name = ""
        var description = ""
        var cost = ""
        var stock = ""
        var perFanLimit = ""
        var levelRequired = "1"
        var active = true

        init() {}

        init(_ reward: Reward) {
            name = reward.name
            description = reward.details
            cost = String(reward.cost)
            stock = reward.stock.map(String.init) ?? ""
            perFanLimit = reward.perFanLimit.map(String.init) ?? ""
            levelRequired = String(reward.levelRequired)
            active = reward.active
        }

        init(_ req: Request) {
            name = req.formValue("name")
            description = req.formValue("description")
            cost = req.formValue("cost")
            stock = req.formValue("stock")
            perFanLimit = req.formValue("per_fan_limit")
            levelRequired = req.formValue("level_required")
            active = Forms.isOn(req, "active")
        }

        /// Whole numbers where the form has numbers; an empty stock or limit is unlimited.
        func input() throws -> RewardCatalogue.Input {
            var errors = ValidationErrors()
            func number(_ raw: String, _ field: String, optional: Bool) -> Int? {
                let trimmed = raw.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { return nil }
                guard let value = Int(trimmed) else {
                    errors.add(field, optional ? .wholeNumberOrNoLimit : .typeWholeNumber)
                    return nil
                }
                return value
            }
            let input = RewardCatalogue.Input(
                name: name, description: description, cost: number(cost, "cost", optional: false),
                stock: number(stock, "stock", optional: true), perFanLimit: number(perFanLimit, "per_fan_limit", optional: true),
                levelRequired: number(levelRequired, "level_required", optional: false) ?? 1, active: active)
            try errors.throwIfAny()
            return input
        }
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, values: Values(), errors: FormErrors())
    }

    private func renderList(_ req: Request, values: Values, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let rewards = try await RewardCatalogue(db: req.db).list(in: access)
        let base = "/w/\(access.workspace.slug)/rewards"
        let rows = rewards.map { reward -> HTML in
            let id = reward.id!.uuidString.lowercased()
            return """
                <tr class="reward-row" data-reward="\(id)"><td><a href="\(base)/\(id)">\(reward.name)</a></td><td>\(reward.cost)</td>\
                <td class="reward-stock">\(reward.stock.map(String.init) ?? ctx.t("rewards.unlimited"))</td>\
                <td>\(reward.perFanLimit.map(String.init) ?? "—")</td><td>\(reward.levelRequired)</td><td class="reward-redeemed">\(reward.redeemed)</td>\
                <td>\(reward.active ? ctx.t("rewards.active_yes") : ctx.t("rewards.active_no"))</td></tr>
                """
        }
        let pending = try await Redemptions(db: req.db).list(
            try Redemptions.Filter(status: "pending", fanID: nil, rewardID: nil), page: PageQuery(limit: 100), in: access
        ).items
        let form: HTML =
            access.can(.fansManage)
            ? """
            <section class="card"><h2>\(ctx.t("rewards.new"))</h2>
            <form method="post" action="\(base)" id="reward-form" class="stack">\(ctx.csrfField)\(Self.fields(ctx, values, errors))
            <button type="submit" class="primary" id="save-reward">\(ctx.t("rewards.save"))</button></form></section>
            """
            : .empty
        return Layout.page(
            ctx, title: ctx.t("fans.tab_rewards"), status: status,
            """
            <h1>\(ctx.t("fans.tab_rewards"))</h1>
            \(FanPages.tabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("rewards.intro"))</p>
            \(rewards.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("rewards.none"))</p>") : HTML("<table id=\"rewards\"><thead><tr><th>\(ctx.t("rewards.name"))</th><th>\(ctx.t("rewards.cost"))</th><th>\(ctx.t("rewards.stock"))</th><th>\(ctx.t("rewards.per_fan_limit"))</th><th>\(ctx.t("rewards.level_required"))</th><th>\(ctx.t("rewards.redeemed"))</th><th>\(ctx.t("rewards.active"))</th></tr></thead><tbody>\(rows)</tbody></table>"))
            <h2>\(ctx.t("rewards.pending"))</h2>
            \(try await Self.redemptionTable(ctx, req, access, pending, id: "pending-redemptions"))
            \(form)
            """)
    }

    static func fields(_ ctx: PageContext, _ values: Values, _ errors: FormErrors) -> HTML {
        """
        \(Layout.field(ctx, name: "name", label: ctx.t("rewards.name"), value: values.name, errors: errors))
        \(Layout.field(ctx, name: "description", label: ctx.t("rewards.description"), value: values.description, errors: errors, required: false))
        \(Layout.field(ctx, name: "cost", label: ctx.t("rewards.cost"), type: "number", value: values.cost, errors: errors))
        \(Layout.field(ctx, name: "stock", label: ctx.t("rewards.stock"), type: "number", value: values.stock, errors: errors, required: false, hint: ctx.t("rewards.empty_unlimited")))
        \(Layout.field(ctx, name: "per_fan_limit", label: ctx.t("rewards.per_fan_limit"), type: "number", value: values.perFanLimit, errors: errors, required: false, hint: ctx.t("rewards.empty_unlimited")))
        \(Layout.field(ctx, name: "level_required", label: ctx.t("rewards.level_required"), type: "number", value: values.levelRequired, errors: errors))
        <label><input type="checkbox" name="active" value="true"\(values.active ? HTML(raw: " checked") : .empty)> \(ctx.t("rewards.active"))</label>
        """
    }

    /// Redemptions with their fan, and the buttons that close a pending one.
    static func redemptionTable(
        _ ctx: PageContext, _ req: Request, _ access: WorkspaceAccess, _ redemptions: [RewardRedemption], id: String
    ) async throws -> HTML {
        guard !redemptions.isEmpty else { return "<p class=\"empty\" id=\"\(id)\">\(ctx.t("rewards.no_redemptions"))</p>" }
        let fanIDs = Set(redemptions.map { $0.$fan.id })
        let fans = try await Fan.query(on: req.db).filter(\.$id ~~ Array(fanIDs)).all()
        let names = Dictionary(uniqueKeysWithValues: fans.map { ($0.id!, $0.displayName) })
        let unmasked = access.can(.fansPersonalData)
        let slug = access.workspace.slug
        let rows = redemptions.map { redemption -> HTML in
            let rid = redemption.id!.uuidString.lowercased()
            let fanID = redemption.$fan.id.uuidString.lowercased()
            let name = names[redemption.$fan.id].map { unmasked ? $0 : PersonalDataMask.name($0) } ?? "—"
            let actions: HTML =
                redemption.status == RewardRedemption.Status.pending.rawValue && access.can(.fansManage)
                ? """
                <form method="post" action="/w/\(slug)/redemptions/\(rid)/fulfil" class="inline">\(ctx.csrfField)<button type="submit" class="fulfil-redemption">\(ctx.t("rewards.fulfil"))</button></form> \
                <form method="post" action="/w/\(slug)/redemptions/\(rid)/cancel" class="inline">\(ctx.csrfField)<button type="submit" class="link cancel-redemption">\(ctx.t("rewards.cancel"))</button></form>
                """
                : .empty
            return """
                <tr class="redemption-row"><td>\(Layout.time(redemption.createdAt, ctx))</td><td><a href="/w/\(slug)/fans/\(fanID)">\(name)</a></td>\
                <td>\(redemption.reward.name)</td><td>\(redemption.points)</td><td class="redemption-status">\(ctx.t("rewards.status." + redemption.status))</td>\
                <td>\(redemption.note)</td><td>\(actions)</td></tr>
                """
        }
        return """
            <table id="\(id)"><thead><tr><th>\(ctx.t("fans.at"))</th><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("rewards.name"))</th>\
            <th>\(ctx.t("rewards.cost"))</th><th>\(ctx.t("rewards.status"))</th><th>\(ctx.t("rewards.note"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let values = Values(req)
        do {
            let reward = try await RewardCatalogue(db: req.db).create(try values.input(), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("rewards.saved", req.uiLocale, [reward.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/rewards")
        } catch let errors as ValidationErrors {
            return try await renderList(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let reward = try await RewardCatalogue(db: req.db).find(req.parameters.get("reward"), in: access)
        return try await renderReward(req, reward, values: Values(reward), errors: FormErrors())
    }

    private func renderReward(
        _ req: Request, _ reward: Reward, values: Values, errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let id = reward.id!.uuidString.lowercased()
        let base = "/w/\(access.workspace.slug)/rewards"
        let redemptions = try await Redemptions(db: req.db).list(
            try Redemptions.Filter(status: nil, fanID: nil, rewardID: id), page: PageQuery(limit: 200), in: access
        ).items
        let form: HTML =
            access.can(.fansManage)
            ? """
            <section class="card"><h2>\(ctx.t("rewards.edit"))</h2>
            <form method="post" action="\(base)/\(id)" id="reward-form" class="stack">\(ctx.csrfField)\(Self.fields(ctx, values, errors))
            <button type="submit" class="primary" id="save-reward">\(ctx.t("rewards.save"))</button></form></section>
            """
            : .empty
        return Layout.page(
            ctx, title: reward.name, status: status,
            """
            <h1>\(reward.name)</h1>
            \(FanPages.tabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <dl class="facts"><dt>\(ctx.t("rewards.cost"))</dt><dd>\(reward.cost)</dd>
            <dt>\(ctx.t("rewards.stock"))</dt><dd id="reward-stock">\(reward.stock.map(String.init) ?? ctx.t("rewards.unlimited"))</dd>
            <dt>\(ctx.t("rewards.redeemed"))</dt><dd id="reward-redeemed">\(reward.redeemed)</dd></dl>
            \(reward.details.isEmpty ? .empty : HTML("<p>\(reward.details)</p>"))
            <h2>\(ctx.t("rewards.redemptions"))</h2>
            \(try await Self.redemptionTable(ctx, req, access, redemptions, id: "reward-redemptions"))
            \(form)
            """)
    }

    @Sendable func replace(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let reward = try await RewardCatalogue(db: req.db).find(req.parameters.get("reward"), in: access)
        let values = Values(req)
        do {
            let saved = try await RewardCatalogue(db: req.db).replace(reward.id!.uuidString, try values.input(), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("rewards.saved", req.uiLocale, [saved.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/rewards/\(saved.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            return try await renderReward(req, reward, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    @Sendable func fulfil(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        _ = try await Redemptions(db: req.db).fulfil(
            req.parameters.get("redemption"), .init(note: req.formValue("note")), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("rewards.fulfilled", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/rewards")
    }

    @Sendable func cancel(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        _ = try await Redemptions(db: req.db).cancel(
            req.parameters.get("redemption"), .init(note: req.formValue("note")), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("rewards.cancelled", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/rewards")
    }
}
