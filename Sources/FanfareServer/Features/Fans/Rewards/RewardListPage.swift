import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The points mall (积分商城): the catalogue with its stock, the
/// redemptions waiting to be fulfilled, a form for a new reward; and one
/// reward's page with its redemptions and a form to change it. Fans redeem
/// from their own page. query → model → view.
enum RewardListPage {
    /// A reward's form as typed; an empty stock or limit is unlimited.
    struct Values: Sendable, Equatable {
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

    struct Input: Sendable {
        var values = Values()
        var errors = FormErrors()
    }

    struct Listed: Sendable, Equatable {
        var id: UUID
        var name: String
        var cost: Int
        var stock: Int?
        var perFanLimit: Int?
        var levelRequired: Int
        var redeemed: Int
        var active: Bool
    }

    struct Found: Sendable {
        var rewards: [Listed] = []
        var pending: [RedemptionTable.Found] = []
        var ladder = LevelLadder.standard
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var id: String
            var href: String
            var name: String
            var cost: String
            var stock: String
            var stockTone: Badge.Tone
            var perFan: String
            var level: Wording
            var redeemed: String
            var offered: String
            var offeredTone: Badge.Tone
        }

        var slug: String
        var base: String
        var input: Input
        var rows: [Row]
        var pending: [RedemptionTable.Row]
        var manage: Bool
    }

    /// Two plain-row statements: the catalogue with the programme (left
    /// joined to a row that is always there, so a workspace without rewards
    /// still reads its programme), and the pending redemptions with their
    /// rewards and fans (`RedemptionTable.read`). Before, five statements
    /// filled reward, redemption and fan models.
    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        try access.require(.fansView)
        guard let sql = db as? any SQLDatabase else { return Found(rewards: [], pending: []) }
        let ws = access.workspaceID
        let text = SQLRows.uuidsAsText(sql)
        var rewards: [Listed] = []
        var settings: String?
        for row in try await sql.raw(
            """
            SELECT fp.settings, r.id, r.name, r.cost, r.stock, r.per_fan_limit, r.level_required, r.redeemed, r.active \
            FROM (SELECT 1 AS one) o LEFT JOIN fan_programmes fp ON fp.workspace_id = \(bind: ws) \
            LEFT JOIN rewards r ON r.workspace_id = \(bind: ws) ORDER BY r.cost, r.name
            """
        ).all() {
            settings = try row.decode(column: "settings", as: String?.self)
            guard try !row.decodeNil(column: "id") else { continue }
            rewards.append(
                Listed(
                    id: try SQLRows.uuid(row, "id", asText: text), name: try row.decode(column: "name", as: String.self),
                    cost: try row.decode(column: "cost", as: Int.self), stock: try row.decode(column: "stock", as: Int?.self),
                    perFanLimit: try row.decode(column: "per_fan_limit", as: Int?.self),
                    levelRequired: try row.decode(column: "level_required", as: Int.self), redeemed: try row.decode(column: "redeemed", as: Int.self),
                    active: try row.decode(column: "active", as: Bool.self)))
        }
        let pending = try await RedemptionTable.read(status: RewardRedemption.Status.pending.rawValue, limit: 100, in: access, on: sql)
        return Found(rewards: rewards, pending: pending, ladder: FanProgrammeStore.programme(settings: settings).levels)
    }

    static func listed(_ reward: Reward) -> Listed {
        Listed(
            id: reward.id!, name: reward.name, cost: reward.cost, stock: reward.stock, perFanLimit: reward.perFanLimit,
            levelRequired: reward.levelRequired, redeemed: reward.redeemed, active: reward.active)
    }

    static func row(_ reward: Listed, ladder: LevelLadder, slug: String, locale: UILocale) -> Model.Row {
        let id = reward.id.uuidString.lowercased()
        return Model.Row(
            id: id, href: "/w/\(slug)/rewards/\(id)", name: reward.name, cost: Formats.count(reward.cost, locale),
            stock: reward.stock.map { $0 == 0 ? I18n.text("rewards.sold_out", locale) : Formats.count($0, locale) }
                ?? I18n.text("rewards.unlimited", locale),
            stockTone: reward.stock == 0 ? .danger : .neutral,
            perFan: reward.perFanLimit.map { I18n.text("rewards.per_fan_times", locale, [String($0)]) } ?? I18n.text("rewards.unlimited", locale),
            level: FanWords.level(reward.levelRequired, in: ladder, locale), redeemed: Formats.count(reward.redeemed, locale),
            offered: I18n.text(reward.active ? "rewards.active_yes" : "rewards.active_no", locale), offeredTone: reward.active ? .success : .neutral)
    }

    static func model(_ input: Input, _ found: Found, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        Model(
            slug: slug, base: "/w/\(slug)/rewards", input: input,
            rows: found.rewards.map { row($0, ladder: found.ladder, slug: slug, locale: locale) },
            pending: RedemptionTable.rows(found.pending, viewer: viewer, slug: slug, locale: locale), manage: viewer.manage)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            """
            <tr class="reward-row" data-reward="\(row.id)"><td translate="no"><a href="\(row.href)">\(row.name)</a></td><td>\(row.cost)</td>\
            <td class="reward-stock">\(row.stockTone == .neutral ? HTML("\(row.stock)") : Badge.html(row.stock, tone: row.stockTone, data: [("code", "stock")]))</td>\
            <td>\(row.perFan)</td><td>\(row.level.html)</td><td class="reward-redeemed">\(row.redeemed)</td>\
            <td>\(Badge.html(row.offered, tone: row.offeredTone, data: [("code", row.offeredTone == .success ? "active" : "inactive")]))</td></tr>
            """
        }
        let list: HTML =
            rows.isEmpty
            ? "<div class=\"empty-state\" id=\"rewards-empty\"><p>\(ctx.t(model.manage ? "rewards.none" : "rewards.none_viewer"))</p></div>"
            : """
            <div class="table-scroll"><table id="rewards"><thead><tr><th>\(ctx.t("rewards.name"))</th><th>\(ctx.t("rewards.cost"))</th>\
            <th>\(ctx.t("rewards.stock"))</th><th>\(ctx.t("rewards.per_fan_limit"))</th><th>\(ctx.t("rewards.level_required"))</th>\
            <th>\(ctx.t("rewards.redeemed"))</th><th>\(ctx.t("rewards.active"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        let form: HTML =
            model.manage
            ? """
            <section class="card"><h2>\(ctx.t("rewards.new"))</h2>
            <form method="post" action="\(model.base)" id="reward-form" class="stack">\(ctx.csrfField)\(fields(ctx, model.input))
            <button type="submit" class="primary" id="save-reward">\(ctx.t("rewards.save"))</button></form></section>
            """
            : .empty
        return """
            <h1>\(ctx.t("fans.tab_rewards"))</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: model.base))
            \(Layout.errorSummary(ctx, model.input.errors))
            <p>\(ctx.t("rewards.intro"))</p>
            \(list)
            <h2>\(ctx.t("rewards.pending"))</h2>
            \(RedemptionTable.view(model.pending, ctx, id: "pending-redemptions", slug: model.slug, empty: ctx.t("rewards.no_pending")))
            \(form)
            """
    }

    static func fields(_ ctx: PageContext, _ input: Input) -> HTML {
        let values = input.values
        let errors = input.errors
        return """
            \(Layout.field(ctx, name: "name", label: ctx.t("rewards.name"), value: values.name, errors: errors))
            \(Layout.field(ctx, name: "description", label: ctx.t("rewards.description"), value: values.description, errors: errors, required: false))
            \(Layout.field(ctx, name: "cost", label: ctx.t("rewards.cost"), type: "number", value: values.cost, errors: errors))
            \(Layout.field(ctx, name: "stock", label: ctx.t("rewards.stock"), type: "number", value: values.stock, errors: errors, required: false, hint: ctx.t("rewards.empty_unlimited")))
            \(Layout.field(ctx, name: "per_fan_limit", label: ctx.t("rewards.per_fan_limit"), type: "number", value: values.perFanLimit, errors: errors, required: false, hint: ctx.t("rewards.empty_unlimited")))
            \(Layout.field(ctx, name: "level_required", label: ctx.t("rewards.level_required"), type: "number", value: values.levelRequired, errors: errors))
            <label><input type="checkbox" name="active" value="true"\(values.active ? HTML(raw: " checked") : .empty)> \(ctx.t("rewards.active"))</label>
            """
    }
}

/// One reward: its facts, its redemptions and the form that changes it.
enum RewardPage {
    struct Found: Sendable {
        var reward: RewardListPage.Listed
        var details: String
        var redemptions: [RedemptionTable.Found]
        var ladder = LevelLadder.standard
    }

    struct Model: Sendable {
        var slug: String
        var row: RewardListPage.Model.Row
        var details: String
        var input: RewardListPage.Input
        var redemptions: [RedemptionTable.Row]
        var manage: Bool
    }

    static func query(_ reward: Reward, access: WorkspaceAccess, on db: any Database) async throws -> Found {
        try access.require(.fansView)
        guard let sql = db as? any SQLDatabase else { return Found(reward: RewardListPage.listed(reward), details: reward.details, redemptions: []) }
        // The reward's redemptions with their fans in one plain-row statement (were three of models).
        return Found(
            reward: RewardListPage.listed(reward), details: reward.details,
            redemptions: try await RedemptionTable.read(rewardID: reward.id!, limit: 200, in: access, on: sql),
            ladder: try await FanProgrammeStore.load(access.workspaceID, on: sql).levels)
    }

    static func model(_ input: RewardListPage.Input, _ found: Found, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        Model(
            slug: slug, row: RewardListPage.row(found.reward, ladder: found.ladder, slug: slug, locale: locale), details: found.details, input: input,
            redemptions: RedemptionTable.rows(found.redemptions, viewer: viewer, slug: slug, locale: locale), manage: viewer.manage)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let row = model.row
        let form: HTML =
            model.manage
            ? """
            <section class="card"><h2>\(ctx.t("rewards.edit"))</h2>
            <form method="post" action="\(row.href)" id="reward-form" class="stack">\(ctx.csrfField)\(RewardListPage.fields(ctx, model.input))
            <button type="submit" class="primary" id="save-reward">\(ctx.t("rewards.save"))</button></form></section>
            """
            : .empty
        return """
            <h1 translate="no">\(row.name)</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: "/w/\(model.slug)/rewards"))
            \(Layout.errorSummary(ctx, model.input.errors))
            <dl class="facts"><dt>\(ctx.t("rewards.cost"))</dt><dd>\(row.cost)</dd>
            <dt>\(ctx.t("rewards.stock"))</dt><dd id="reward-stock">\(row.stock)</dd>
            <dt>\(ctx.t("rewards.per_fan_limit"))</dt><dd>\(row.perFan)</dd>
            <dt>\(ctx.t("rewards.level_required"))</dt><dd>\(row.level.html)</dd>
            <dt>\(ctx.t("rewards.redeemed"))</dt><dd id="reward-redeemed">\(row.redeemed)</dd>
            <dt>\(ctx.t("rewards.active"))</dt><dd>\(Badge.html(row.offered, tone: row.offeredTone, data: [("code", row.offeredTone == .success ? "active" : "inactive")]))</dd></dl>
            \(model.details.isEmpty ? .empty : HTML("<p translate=\"no\">\(model.details)</p>"))
            <h2>\(ctx.t("rewards.redemptions"))</h2>
            \(RedemptionTable.view(model.redemptions, ctx, id: "reward-redemptions", slug: model.slug, empty: ctx.t("rewards.no_redemptions_reward")))
            \(form)
            """
    }
}
