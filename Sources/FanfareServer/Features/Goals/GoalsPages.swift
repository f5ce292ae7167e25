import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/goals…`: every form goes through `GoalService` /
/// `ObjectiveService`, as the API does; a refused form is shown again with
/// its errors next to the fields. `/goals/{id}` is also where the
/// off-track notification links (`GoalCheck.announce`).
struct GoalsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        let goals = scoped.grouped("goals")
        goals.get(use: list)
        goals.post(use: create)
        goals.get("new", use: newGoal)
        goals.post("settings", use: settings)
        goals.get("template", use: templateForm)
        goals.post("template", use: applyTemplate)
        goals.get("objectives", "new", use: newObjective)
        goals.post("objectives", use: createObjective)
        goals.get("objectives", ":objective_id", "edit", use: editObjective)
        goals.post("objectives", ":objective_id", use: updateObjective)
        goals.post("objectives", ":objective_id", "delete", use: deleteObjective)
        goals.get(":goal_id", use: show)
        goals.get(":goal_id", "edit", use: editGoal)
        goals.post(":goal_id", use: update)
        goals.post(":goal_id", "delete", use: delete)
    }

    private func base(_ req: Request) throws -> String { "/w/\(try req.workspaceAccess.workspace.slug)" }

    private func members(_ access: WorkspaceAccess, on db: any Database) async throws -> [(id: String, name: String)] {
        try await access.members(on: db).map { ($0.userID.uuidString.lowercased(), $0.displayName.isEmpty ? $0.email : $0.displayName) }
    }

    // MARK: The list and the tolerance

    private func listModel(_ req: Request) async throws -> GoalsPage.ListModel {
        let access = try req.workspaceAccess
        let reader = try await GoalReader.make(access.workspaceID, on: req.db)
        var objectives: [ObjectiveDTO] = []
        for objective in try await access.query(GoalObjective.self, on: req.db).sort(\.$startDay).sort(\.$id).all() {
            objectives.append(try await ObjectiveDTO.read(objective, reader: reader))
        }
        var goals: [GoalDTO] = []
        for goal in try await access.query(Goal.self, on: req.db).filter(\.$objectiveID == nil).sort(\.$deadline).sort(\.$id).all() {
            goals.append(try await GoalDTO.read(goal, reader: reader))
        }
        var owners: [UUID: String] = [:]
        for member in try await access.members(on: req.db) { owners[member.userID] = member.displayName.isEmpty ? member.email : member.displayName }
        return GoalsPage.ListModel(
            base: try base(req), objectives: objectives, goals: goals, owners: owners, tolerance: reader.settings.tolerance,
            canEdit: access.can(.planningManage))
    }

    private func renderList(_ req: Request, _ model: GoalsPage.ListModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("goals.title"), status: status, GoalsPage.listView(model, ctx))
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try req.workspaceAccess.require(.analyticsView)
        return try await renderList(req, try await listModel(req))
    }

    @Sendable func settings(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let typed = req.formValue("off_track_tolerance").trimmingCharacters(in: .whitespaces)
        do {
            guard let value = Self.number(typed) else {
                throw ValidationErrors("off_track_tolerance", typed.isEmpty ? .required : .typeNumber)
            }
            try await GoalSettingsStore.setTolerance(value, in: access, actor: req.actor, on: req.db)
            Flash.add(.notice, I18n.text("goals.tolerance_saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/goals")
        } catch let refused as ValidationErrors {
            var model = try await listModel(req)
            model.toleranceValue = typed
            model.errors = FormErrors(refused)
            return try await renderList(req, model, status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    /// A typed number: "150,000" and "150 000" read as 150000.
    static func number(_ text: String) -> Double? {
        let cleaned = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: " ", with: "")
        guard !cleaned.isEmpty, let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    // MARK: One goal

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let goal = try await access.find(Goal.self, req.parameters.get("goal_id"), on: req.db, what: "Goal")
        let dto = try await GoalDTO.read(goal, reader: try await GoalReader.make(access.workspaceID, on: req.db), detail: true)
        let owner = try await members(access, on: req.db).first { $0.id == goal.ownerID?.uuidString.lowercased() }?.name
        var objective: (id: UUID, title: String)?
        if let id = goal.objectiveID, let found = try await access.query(GoalObjective.self, on: req.db).filter(\.$id == id).first() {
            objective = (id, found.title)
        }
        var accounts: [String] = []
        if !goal.accountIDs.isEmpty {
            accounts = try await access.query(SocialAccount.self, on: req.db).filter(\.$id ~~ goal.accountIDs).sort(\.$displayName).all()
                .map { $0.displayName.isEmpty ? $0.handle : $0.displayName }
        }
        let model = GoalsPage.ShowModel(
            base: try base(req), goal: dto, owner: owner, objective: objective, accounts: accounts, canEdit: access.can(.planningManage))
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: goal.title, typedTitle: true, GoalsPage.showView(model, ctx))
    }

    // MARK: The goal form

    static let goalFields = [
        "title", "metric", "target", "target_mode", "direction", "start_day", "deadline", "owner_id", "platform", "objective_id",
        "month_weights",
    ]

    /// Month weights as typed: numbers separated by commas (either width),
    /// 顿号 or spaces; nil when empty; `bad` when one is not a number.
    static func monthWeights(_ typed: String) -> (weights: [Double]?, bad: Bool) {
        let parts = typed.split { ",，、 ".contains($0) }.map(String.init)
        guard !parts.isEmpty else { return (nil, false) }
        let numbers = parts.map(number)
        return numbers.contains(nil) ? (nil, true) : (numbers.compactMap { $0 }, false)
    }

    private func goalFormModel(
        _ req: Request, goalID: UUID?, values: [String: String], accountIDs: Set<String>
    ) async throws
        -> GoalsPage.GoalFormModel
    {
        let access = try req.workspaceAccess
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$platform).sort(\.$displayName).all()
        let objectives = try await access.query(GoalObjective.self, on: req.db).sort(\.$startDay).sort(\.$id).all()
        return GoalsPage.GoalFormModel(
            base: try base(req), goalID: goalID, values: values, accountIDs: accountIDs, members: try await members(access, on: req.db),
            accounts: accounts.map { ($0.id!.uuidString.lowercased(), $0.displayName.isEmpty ? $0.handle : $0.displayName, $0.platform) },
            objectives: objectives.map { ($0.id!.uuidString.lowercased(), $0.title) })
    }

    private func renderGoalForm(_ req: Request, _ model: GoalsPage.GoalFormModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t(model.goalID == nil ? "goals.new" : "goals.edit_goal"), status: status, GoalsPage.goalForm(model, ctx))
    }

    @Sendable func newGoal(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let today = MetricDay.of(Date(), in: access.workspace.zone)
        var values = ["start_day": today, "deadline": MetricDay.adding(89, to: today), "metric": "followers_net"]
        if let objective = req.query[String.self, at: "objective"] { values["objective_id"] = objective }
        return try await renderGoalForm(req, try await goalFormModel(req, goalID: nil, values: values, accountIDs: []))
    }

    @Sendable func editGoal(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let goal = try await access.find(Goal.self, req.parameters.get("goal_id"), on: req.db, what: "Goal")
        let values = [
            "title": goal.title, "metric": goal.metric, "target": Goal.text(goal.target), "target_mode": goal.targetMode,
            "direction": goal.direction, "start_day": goal.startDay, "deadline": goal.deadline,
            "owner_id": goal.ownerID?.uuidString.lowercased() ?? "", "platform": goal.platform ?? "",
            "objective_id": goal.objectiveID?.uuidString.lowercased() ?? "",
            "month_weights": goal.monthWeights?.map(Goal.text).joined(separator: ", ") ?? "",
        ]
        let accounts = Set(goal.accountIDs.map { $0.uuidString.lowercased() })
        return try await renderGoalForm(req, try await goalFormModel(req, goalID: goal.id, values: values, accountIDs: accounts))
    }

    /// The form as the service's input; a target that is not a number is
    /// named by its own message (the service would only say "required").
    private func goalInput(_ req: Request) -> (GoalService.Input, values: [String: String], accounts: [String], bad: [String]) {
        var values: [String: String] = [:]
        for key in Self.goalFields { values[key] = req.formValue(key).trimmingCharacters(in: .whitespaces) }
        let accounts = Forms.values(req, "account_ids")
        let typed = values["target"] ?? ""
        let target = Self.number(typed)
        func optional(_ key: String) -> String? { (values[key] ?? "").isEmpty ? nil : values[key] }
        let weights = Self.monthWeights(values["month_weights"] ?? "")
        let input = GoalService.Input(
            title: values["title"], metric: optional("metric"), target: target, targetMode: optional("target_mode"),
            direction: optional("direction"), startDay: optional("start_day"), deadline: optional("deadline"), ownerId: optional("owner_id"),
            platform: optional("platform"), accountIds: accounts,
            // A weight that is not a number is passed as one the rules refuse, so
            // nothing is written; the refusal is then named as "not a number".
            monthWeights: weights.bad ? [.nan] : weights.weights, objectiveId: optional("objective_id"))
        // Fields typed but not numbers: named by their own message (the
        // service would only see them missing).
        var bad: [String] = []
        if !typed.isEmpty && target == nil { bad.append("target") }
        if weights.bad { bad.append("month_weights") }
        return (input, values, accounts, bad)
    }

    private func refusedGoal(
        _ req: Request, goalID: UUID?, _ refused: ValidationErrors, form: (values: [String: String], accounts: [String], bad: [String])
    ) async throws
        -> Response
    {
        var issues = refused.issues
        for field in form.bad.reversed() { issues = [FieldIssue(field: field, .typeNumber)] + issues.filter { $0.field != field } }
        var model = try await goalFormModel(req, goalID: goalID, values: form.values, accountIDs: Set(form.accounts))
        model.errors = FormErrors(ValidationErrors(issues))
        return try await renderGoalForm(req, model, status: .unprocessableEntity).encodeResponse(for: req)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let form = goalInput(req)
        do {
            let goal = try await GoalService(db: req.db).create(form.0, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("goals.created", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/goals/\(goal.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            return try await refusedGoal(req, goalID: nil, refused, form: (form.values, form.accounts, form.bad))
        }
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let existing = try await access.find(Goal.self, req.parameters.get("goal_id"), on: req.db, what: "Goal")
        let form = goalInput(req)
        do {
            let goal = try await GoalService(db: req.db).update(req.parameters.get("goal_id"), form.0, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("goals.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/goals/\(goal.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            return try await refusedGoal(req, goalID: existing.id, refused, form: (form.values, form.accounts, form.bad))
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await GoalService(db: req.db).delete(req.parameters.get("goal_id"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("goals.deleted", req.uiLocale), to: req)
        return req.redirect(to: "\(try base(req))/goals")
    }

    // MARK: Objectives

    private func renderObjectiveForm(_ req: Request, _ model: GoalsPage.ObjectiveFormModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t(model.objectiveID == nil ? "goals.objective.new" : "goals.objective.edit"), status: status,
            GoalsPage.objectiveForm(model, ctx))
    }

    @Sendable func newObjective(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let today = MetricDay.of(Date(), in: access.workspace.zone)
        return try await renderObjectiveForm(
            req,
            GoalsPage.ObjectiveFormModel(
                base: try base(req), objectiveID: nil, values: ["start_day": today, "deadline": MetricDay.adding(89, to: today)],
                members: try await members(access, on: req.db)))
    }

    @Sendable func editObjective(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let objective = try await access.find(GoalObjective.self, req.parameters.get("objective_id"), on: req.db, what: "Objective")
        let values = [
            "title": objective.title, "start_day": objective.startDay, "deadline": objective.deadline,
            "owner_id": objective.ownerID?.uuidString.lowercased() ?? "",
        ]
        return try await renderObjectiveForm(
            req,
            GoalsPage.ObjectiveFormModel(
                base: try base(req), objectiveID: objective.id, values: values, members: try await members(access, on: req.db)))
    }

    private func objectiveInput(_ req: Request) -> (ObjectiveService.Input, [String: String]) {
        var values: [String: String] = [:]
        for key in ["title", "start_day", "deadline", "owner_id"] { values[key] = req.formValue(key).trimmingCharacters(in: .whitespaces) }
        func optional(_ key: String) -> String? { (values[key] ?? "").isEmpty ? nil : values[key] }
        return (
            ObjectiveService.Input(
                title: values["title"], startDay: optional("start_day"), deadline: optional("deadline"), ownerId: optional("owner_id")),
            values
        )
    }

    @Sendable func createObjective(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let (input, values) = objectiveInput(req)
        do {
            let objective = try await ObjectiveService(db: req.db).create(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("goals.objective.created", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/goals#objective-\(objective.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            let model = GoalsPage.ObjectiveFormModel(
                base: try base(req), objectiveID: nil, values: values, members: try await members(access, on: req.db), errors: FormErrors(refused))
            return try await renderObjectiveForm(req, model, status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func updateObjective(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let existing = try await access.find(GoalObjective.self, req.parameters.get("objective_id"), on: req.db, what: "Objective")
        let (input, values) = objectiveInput(req)
        do {
            let objective = try await ObjectiveService(db: req.db).update(req.parameters.get("objective_id"), input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("goals.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/goals#objective-\(objective.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            let model = GoalsPage.ObjectiveFormModel(
                base: try base(req), objectiveID: existing.id, values: values, members: try await members(access, on: req.db),
                errors: FormErrors(refused))
            return try await renderObjectiveForm(req, model, status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func deleteObjective(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await ObjectiveService(db: req.db).delete(req.parameters.get("objective_id"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("goals.objective.deleted", req.uiLocale), to: req)
        return req.redirect(to: "\(try base(req))/goals")
    }

    // MARK: The three-phase plan

    private func renderTemplate(_ req: Request, _ model: GoalsPage.TemplateFormModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("goals.template.title"), status: status, GoalsPage.templateForm(model, ctx))
    }

    @Sendable func templateForm(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let today = MetricDay.of(Date(), in: access.workspace.zone)
        return try await renderTemplate(
            req, GoalsPage.TemplateFormModel(base: try base(req), values: ["start_day": today], members: try await members(access, on: req.db)))
    }

    @Sendable func applyTemplate(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        var values: [String: String] = [:]
        for key in ["start_day", "owner_id", "platform"] { values[key] = req.formValue(key).trimmingCharacters(in: .whitespaces) }
        var edits: [String: ObjectiveService.TemplateEdit] = [:]
        var leftOut: Set<String> = []
        var typos = ValidationErrors()
        for item in ThreePhasePlan.items {
            let typed = req.formValue("target_\(item.key)").trimmingCharacters(in: .whitespaces)
            values["target_\(item.key)"] = typed
            let include = Forms.isOn(req, "include_\(item.key)")
            if !include { leftOut.insert(item.key) }
            let target = Self.number(typed)
            // A target left out need not be a number; one kept must be.
            if include, target == nil { typos.add("target_\(item.key)", typed.isEmpty ? .required : .typeNumber) }
            edits[item.key] = ObjectiveService.TemplateEdit(include: include, target: include ? target : nil)
        }
        func optional(_ key: String) -> String? { (values[key] ?? "").isEmpty ? nil : values[key] }
        let input = ObjectiveService.TemplateInput(
            startDay: optional("start_day"), ownerId: optional("owner_id"), platform: optional("platform"), locale: req.uiLocale.rawValue,
            items: edits)
        do {
            try typos.throwIfAny()
            let written = try await ObjectiveService(db: req.db).applyTemplate(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("goals.template.applied", req.uiLocale, [String(written.count)]), to: req)
            return req.redirect(to: "\(try base(req))/goals")
        } catch let refused as ValidationErrors {
            let issues = refused.issues.map { FieldIssue(field: GoalsPage.templateField($0.field), $0.coded) }
            let model = GoalsPage.TemplateFormModel(
                base: try base(req), values: values, leftOut: leftOut, members: try await members(access, on: req.db),
                errors: FormErrors(ValidationErrors(issues)))
            return try await renderTemplate(req, model, status: .unprocessableEntity).encodeResponse(for: req)
        }
    }
}
