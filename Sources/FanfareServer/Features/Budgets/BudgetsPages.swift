import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/budget…`: the month's overview, the line and channel forms and
/// the spend ledger. Every form goes through `BudgetService`, as the API
/// does; a refused form is shown again with its errors next to the fields.
struct BudgetsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        let budget = scoped.grouped("budget")
        budget.get(use: overview)
        budget.post("default-split", use: defaultSplit)
        budget.post("settings", use: settings)
        budget.get("lines", "new", use: newLine)
        budget.post("lines", use: createLine)
        budget.get("lines", ":line_id", "edit", use: editLine)
        budget.post("lines", ":line_id", use: updateLine)
        budget.post("lines", ":line_id", "delete", use: deleteLine)
        budget.get("channels", "new", use: newChannel)
        budget.post("channels", use: createChannel)
        budget.get("channels", ":channel_id", "edit", use: editChannel)
        budget.post("channels", ":channel_id", use: updateChannel)
        budget.get("lines.csv", use: linesCSV)
        budget.get("spend.csv", use: spendCSV)
        budget.get("spend", use: ledger)
        budget.post("spend", use: createSpend)
        budget.on(.POST, "spend", "import", body: .collect(maxSize: "2mb"), use: importSpend)
        budget.post("spend", ":spend_id", "approve", use: approve)
        budget.post("spend", ":spend_id", "reject", use: reject)
    }

    private func base(_ req: Request) throws -> String { "/w/\(try req.workspaceAccess.workspace.slug)" }

    private func month(_ req: Request) -> String {
        let raw = req.query[String.self, at: "month"] ?? ""
        return BudgetMonth.isValid(raw) ? raw : BudgetSummary.month(of: Date())
    }

    private func render(_ req: Request, title: String, status: HTTPStatus = .ok, _ body: (PageContext) -> HTML) async throws -> Response {
        let ctx = try await PageContext.make(req)
        return try await Layout.page(ctx, title: title, status: status, body(ctx)).encodeResponse(for: req)
    }

    private func values(_ req: Request, _ fields: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0, req.formValue($0)) })
    }

    // MARK: Overview

    private func overviewModel(_ req: Request, month: String) async throws -> BudgetsPage.OverviewModel {
        let access = try req.workspaceAccess
        let summary = try await BudgetSummary.read(workspaceID: access.workspaceID, month: month, on: req.db)
        return BudgetsPage.OverviewModel(base: try base(req), summary: summary, canEdit: access.can(.planningManage))
    }

    @Sendable func overview(req: Request) async throws -> Response {
        try req.workspaceAccess.require(.analyticsView)
        let model = try await overviewModel(req, month: month(req))
        return try await render(req, title: I18n.text("budgets.title", req.uiLocale)) { BudgetsPage.overview(model, $0) }
    }

    @Sendable func defaultSplit(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let month = req.formValue("month")
        let input = BudgetService.SplitInput(month: month, totalYuan: req.formValue("total_yuan"))
        let names = Dictionary(uniqueKeysWithValues: BudgetCategory.allCases.map { ($0, I18n.text("budgets.category.\($0.rawValue)", req.uiLocale)) })
        do {
            _ = try await BudgetService(db: req.db).applyDefaultSplit(input, names: names, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("budgets.split_done", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget?month=\(month)")
        } catch let refused as ValidationErrors {
            var model = try await overviewModel(req, month: BudgetMonth.isValid(month) ? month : self.month(req))
            model.splitValues = ["month": month, "total_yuan": req.formValue("total_yuan")]
            model.splitErrors = FormErrors(refused)
            return try await render(req, title: I18n.text("budgets.title", req.uiLocale), status: .unprocessableEntity) {
                BudgetsPage.overview(model, $0)
            }
        }
    }

    @Sendable func settings(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let typedTolerance = req.formValue("deviation_tolerance_percent").trimmingCharacters(in: .whitespaces)
        do {
            var tolerance: Double?
            if !typedTolerance.isEmpty {
                guard let percent = Double(typedTolerance) else { throw ValidationErrors("deviation_tolerance_percent", .typeNumber) }
                tolerance = percent / 100
            }
            do {
                try await BudgetService(db: req.db).setSettings(
                    BudgetService.SettingsInput(approvalThresholdYuan: req.formValue("approval_threshold_yuan"), deviationTolerance: tolerance),
                    in: access,
                    actor: req.actor)
            } catch let refusedAsTyped as ValidationErrors {
                var refused = refusedAsTyped
                // The form types the tolerance in percent.
                refused.issues = refused.issues.map {
                    $0.field == "deviation_tolerance" ? FieldIssue(field: "deviation_tolerance_percent", .budgetShare(min: "1", max: "50")) : $0
                }
                throw refused
            }
            Flash.add(.notice, I18n.text("budgets.settings_saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget")
        } catch let refused as ValidationErrors {
            var model = try await overviewModel(req, month: month(req))
            model.settingsValues = values(req, ["approval_threshold_yuan", "deviation_tolerance_percent"])
            model.settingsErrors = FormErrors(refused)
            return try await render(req, title: I18n.text("budgets.title", req.uiLocale), status: .unprocessableEntity) {
                BudgetsPage.overview(model, $0)
            }
        }
    }

    // MARK: Lines

    static let lineFields = ["name", "category", "channel_key", "campaign", "campaign_id", "month", "planned_yuan"]

    private func lineInput(_ req: Request) -> BudgetService.LineInput {
        BudgetService.LineInput(
            name: req.formValue("name"), category: req.formValue("category"), channelKey: req.formValue("channel_key"),
            campaignId: req.formValue("campaign_id"), campaign: req.formValue("campaign"), month: req.formValue("month"),
            plannedYuan: req.formValue("planned_yuan"))
    }

    private func lineForm(
        _ req: Request, lineID: UUID?, values: [String: String], errors: FormErrors = FormErrors(), status: HTTPStatus = .ok
    )
        async throws -> Response
    {
        let access = try req.workspaceAccess
        let channels = try await access.query(BudgetChannel.self, on: req.db).sort(\.$key).all().map { ($0.key, $0.label) }
        let model = BudgetsPage.LineFormModel(base: try base(req), lineID: lineID, values: values, channels: channels, errors: errors)
        return try await render(req, title: I18n.text(lineID == nil ? "budgets.line.new" : "budgets.line.edit", req.uiLocale), status: status) {
            BudgetsPage.lineForm(model, $0)
        }
    }

    @Sendable func newLine(req: Request) async throws -> Response {
        try req.workspaceAccess.require(.planningManage)
        return try await lineForm(req, lineID: nil, values: ["month": month(req), "category": "variable"])
    }

    @Sendable func createLine(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            let line = try await BudgetService(db: req.db).createLine(lineInput(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("budgets.line.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget?month=\(line.month)")
        } catch let refused as ValidationErrors {
            return try await lineForm(
                req, lineID: nil, values: values(req, Self.lineFields), errors: FormErrors(refused), status: .unprocessableEntity)
        }
    }

    @Sendable func editLine(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let line = try await access.find(BudgetLine.self, req.parameters.get("line_id"), on: req.db, what: "Budget line")
        return try await lineForm(
            req, lineID: line.id,
            values: [
                "name": line.name, "category": line.category, "channel_key": line.channelKey ?? "", "campaign": line.campaign ?? "",
                "campaign_id": line.campaignID?.uuidString.lowercased() ?? "", "month": line.month,
                "planned_yuan": BudgetMoney.yuanText(line.plannedFen),
            ])
    }

    @Sendable func updateLine(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("line_id")
        do {
            let line = try await BudgetService(db: req.db).updateLine(rawID, lineInput(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("budgets.line.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget?month=\(line.month)")
        } catch let refused as ValidationErrors {
            return try await lineForm(
                req, lineID: rawID.flatMap(UUID.init(uuidString:)), values: values(req, Self.lineFields), errors: FormErrors(refused),
                status: .unprocessableEntity)
        }
    }

    @Sendable func deleteLine(req: Request) async throws -> Response {
        try await BudgetService(db: req.db).deleteLine(req.parameters.get("line_id"), in: try req.workspaceAccess, actor: req.actor)
        Flash.add(.notice, I18n.text("budgets.line.deleted", req.uiLocale), to: req)
        return req.redirect(to: "\(try base(req))/budget")
    }

    // MARK: Channels

    static let channelFields = ["key", "label", "stop_loss_ratio", "min_spend_yuan", "fallback_destination"]

    private func channelInput(_ req: Request) throws -> BudgetService.ChannelInput {
        let ratioText = req.formValue("stop_loss_ratio").trimmingCharacters(in: .whitespaces)
        var ratio: Double?
        if !ratioText.isEmpty {
            guard let value = Double(ratioText) else { throw ValidationErrors("stop_loss_ratio", .budgetRatio) }
            ratio = value
        }
        let minimum = req.formValue("min_spend_yuan").trimmingCharacters(in: .whitespaces)
        return BudgetService.ChannelInput(
            key: req.formValue("key"), label: req.formValue("label"), pilot: Forms.isOn(req, "pilot"), stopLossRatio: ratio,
            minSpendYuan: minimum.isEmpty ? nil : minimum, holdPostsOnBreach: Forms.isOn(req, "hold_posts_on_breach"),
            fallbackDestination: req.formValue("fallback_destination"))
    }

    private func channelForm(
        _ req: Request, channelID: UUID?, values: [String: String], flags: Set<String>, errors: FormErrors = FormErrors(), status: HTTPStatus = .ok
    ) async throws -> Response {
        let model = BudgetsPage.ChannelFormModel(base: try base(req), channelID: channelID, values: values, flags: flags, errors: errors)
        return try await render(
            req, title: I18n.text(channelID == nil ? "budgets.channel.new" : "budgets.channel.edit", req.uiLocale), status: status
        ) {
            BudgetsPage.channelForm(model, $0)
        }
    }

    private func flags(_ req: Request) -> Set<String> {
        Set(["pilot", "hold_posts_on_breach"].filter { Forms.isOn(req, $0) })
    }

    @Sendable func newChannel(req: Request) async throws -> Response {
        try req.workspaceAccess.require(.planningManage)
        return try await channelForm(
            req, channelID: nil,
            values: ["stop_loss_ratio": "3", "min_spend_yuan": BudgetMoney.yuanText(StopLossRule.defaultMinSpendFen)], flags: ["pilot"])
    }

    @Sendable func createChannel(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await BudgetService(db: req.db).createChannel(try channelInput(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("budgets.channel.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget")
        } catch let refused as ValidationErrors {
            return try await channelForm(
                req, channelID: nil, values: values(req, Self.channelFields), flags: flags(req), errors: FormErrors(refused),
                status: .unprocessableEntity)
        }
    }

    @Sendable func editChannel(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let channel = try await access.find(BudgetChannel.self, req.parameters.get("channel_id"), on: req.db, what: "Channel")
        var flags: Set<String> = []
        if channel.pilot { flags.insert("pilot") }
        if channel.holdPostsOnBreach { flags.insert("hold_posts_on_breach") }
        return try await channelForm(
            req, channelID: channel.id,
            values: [
                "key": channel.key, "label": channel.label, "stop_loss_ratio": DecimalText.fixed(channel.stopLossRatio, digits: 2),
                "min_spend_yuan": BudgetMoney.yuanText(channel.minSpendFen), "fallback_destination": channel.fallbackDestination ?? "",
            ], flags: flags)
    }

    @Sendable func updateChannel(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("channel_id")
        do {
            var input = try channelInput(req)
            input.key = nil
            _ = try await BudgetService(db: req.db).updateChannel(rawID, input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("budgets.channel.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget")
        } catch let refused as ValidationErrors {
            return try await channelForm(
                req, channelID: rawID.flatMap(UUID.init(uuidString:)), values: values(req, Self.channelFields), flags: flags(req),
                errors: FormErrors(refused), status: .unprocessableEntity)
        }
    }

    // MARK: Exports (the API's CSV)

    @Sendable func linesCSV(req: Request) async throws -> Response {
        try await BudgetsAPI().exportLines(req: req)
    }

    @Sendable func spendCSV(req: Request) async throws -> Response {
        try await BudgetsAPI().exportSpend(req: req)
    }

    // MARK: Ledger

    private func ledgerModel(_ req: Request) async throws -> BudgetsPage.LedgerModel {
        let access = try req.workspaceAccess
        let lines = try await access.query(BudgetLine.self, on: req.db).sort(\.$month, .descending).sort(\.$name).all()
        let entries = try await access.query(SpendEntry.self, on: req.db).sort(\.$spentOn, .descending).sort(\.$id, .descending).limit(500).all()
        let threshold = try await BudgetSettings.read(access.workspaceID, on: req.db).thresholdFen
        return BudgetsPage.LedgerModel(
            base: try base(req), lines: lines.map { ($0.id!, $0.name, $0.month) },
            entries: entries.map {
                BudgetsPage.LedgerModel.Entry(
                    id: $0.id!, lineID: $0.lineID, amountFen: $0.amountFen, spentOn: $0.spentOn, note: $0.note, source: $0.source, state: $0.state)
            }, thresholdFen: threshold, canEdit: access.can(.planningManage))
    }

    @Sendable func ledger(req: Request) async throws -> Response {
        try req.workspaceAccess.require(.analyticsView)
        let model = try await ledgerModel(req)
        return try await render(req, title: I18n.text("budgets.ledger", req.uiLocale)) { BudgetsPage.ledger(model, $0) }
    }

    @Sendable func createSpend(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = BudgetService.SpendInput(
            lineId: req.formValue("line_id"), amountYuan: req.formValue("amount_yuan"), spentOn: req.formValue("spent_on"),
            note: req.formValue("note"))
        do {
            let entry = try await BudgetService(db: req.db).createSpend(input, source: .entered, in: access, actor: req.actor)
            let key = entry.state == SpendEntry.State.pending.rawValue ? "budgets.spend.saved_pending" : "budgets.spend.saved"
            Flash.add(.notice, I18n.text(key, req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/budget/spend")
        } catch let refused as ValidationErrors {
            var model = try await ledgerModel(req)
            model.values = values(req, ["line_id", "amount_yuan", "spent_on", "note"])
            model.errors = FormErrors(refused)
            return try await render(req, title: I18n.text("budgets.ledger", req.uiLocale), status: .unprocessableEntity) {
                BudgetsPage.ledger(model, $0)
            }
        }
    }

    @Sendable func importSpend(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let file = try? req.content.get(File.self, at: "file")
        let csv = file.map { String(buffer: $0.data) } ?? ""
        do {
            let entries = try await BudgetService(db: req.db).importSpend(csv, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("budgets.import.done", req.uiLocale, [String(entries.count)]), to: req)
            return req.redirect(to: "\(try base(req))/budget/spend")
        } catch let refused as ValidationErrors {
            var model = try await ledgerModel(req)
            model.importProblems = refused.issues.map { ($0.field, $0.coded) }
            return try await render(req, title: I18n.text("budgets.ledger", req.uiLocale), status: .unprocessableEntity) {
                BudgetsPage.ledger(model, $0)
            }
        }
    }

    private func decide(_ req: Request, approve: Bool) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await BudgetService(db: req.db).decide(
                req.parameters.get("spend_id"), approve: approve, note: req.formValue("note"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text(approve ? "budgets.spend.approved" : "budgets.spend.rejected", req.uiLocale), to: req)
        } catch let refused as ValidationErrors {
            Flash.add(.error, refused.issues.first?.coded.text(req.uiLocale) ?? "", to: req)
        }
        return req.redirect(to: "\(try base(req))/budget/spend")
    }

    @Sendable func approve(req: Request) async throws -> Response { try await decide(req, approve: true) }
    @Sendable func reject(req: Request) async throws -> Response { try await decide(req, approve: false) }
}
