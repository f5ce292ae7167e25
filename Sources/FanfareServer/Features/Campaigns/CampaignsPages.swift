import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/campaigns…`: every form goes through `CampaignService` /
/// `CampaignTaskService`, as the API does; a refused form is shown again
/// with its errors next to the fields (a refused loop names its tasks).
struct CampaignsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        let campaigns = scoped.grouped("campaigns")
        campaigns.get(use: list)
        campaigns.post(use: create)
        campaigns.get("new", use: newCampaign)
        campaigns.get(":campaign_id", use: show)
        campaigns.get(":campaign_id", "edit", use: edit)
        campaigns.post(":campaign_id", use: update)
        campaigns.post(":campaign_id", "close", use: close)
        campaigns.get(":campaign_id", "post-mortem", use: postMortem)
        campaigns.post(":campaign_id", "post-mortem", use: savePostMortem)
        campaigns.post(":campaign_id", "delete", use: delete)
        campaigns.post(":campaign_id", "tasks", use: createTask)
        campaigns.get(":campaign_id", "tasks", ":task_id", "edit", use: editTask)
        campaigns.post(":campaign_id", "tasks", ":task_id", use: updateTask)
        campaigns.post(":campaign_id", "tasks", ":task_id", "done", use: markDone)
        campaigns.post(":campaign_id", "tasks", ":task_id", "delete", use: deleteTask)
        campaigns.post(":campaign_id", "dependencies", use: addDependency)
        campaigns.post(":campaign_id", "dependencies", ":dependency_id", "delete", use: removeDependency)
        campaigns.post(":campaign_id", "checklist", use: addCheck)
        campaigns.post(":campaign_id", "checklist", ":item_id", use: check)
    }

    private func base(_ req: Request) throws -> String { "/w/\(try req.workspaceAccess.workspace.slug)" }

    private func members(_ access: WorkspaceAccess, on db: any Database) async throws -> [(id: String, name: String)] {
        try await access.members(on: db).map { ($0.userID.uuidString.lowercased(), $0.displayName.isEmpty ? $0.email : $0.displayName) }
    }

    private func campaignPath(_ req: Request) throws -> String { "\(try base(req))/campaigns/\(req.parameters.get("campaign_id") ?? "")" }

    // MARK: List and forms

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var items: [CampaignsPage.ListModel.Item] = []
        let today = try await CampaignReader.today(access.workspaceID, on: req.db)
        for campaign in try await access.query(Campaign.self, on: req.db).sort(\.$launchDay, .descending).sort(\.$id).all() {
            let dto = try await CampaignReader.read(
                campaign, today: today, signals: try await CampaignSignals.read(campaign, access, on: req.db), on: req.db)
            items.append(
                .init(
                    id: dto.id.uuidString.lowercased(), name: dto.name, launchDay: dto.launchDay, startDay: dto.startDay, endDay: dto.endDay,
                    state: dto.state,
                    status: dto.status, tasks: dto.tasks.count, tasksDone: dto.tasks.filter(\.done).count))
        }
        let ctx = try await PageContext.make(req)
        let model = CampaignsPage.ListModel(base: try base(req), items: items, canPlan: access.can(.planningManage))
        return Layout.page(ctx, title: ctx.t("campaigns.title"), CampaignsPage.listView(model, ctx))
    }

    static let campaignFields = ["name", "template", "launch_day", "buffer_days", "goal_id", "owner_id"]

    private func formModel(
        _ req: Request, values: [String: String], errors: FormErrors = FormErrors(), campaignID: String? = nil
    ) async throws
        -> CampaignsPage.FormModel
    {
        let access = try req.workspaceAccess
        let goals = try await access.query(Goal.self, on: req.db).sort(\.$deadline).all().map { ($0.id!.uuidString.lowercased(), $0.title) }
        return CampaignsPage.FormModel(
            base: try base(req), values: values, errors: errors, goals: goals, members: try await members(access, on: req.db), campaignID: campaignID)
    }

    private func renderForm(_ req: Request, _ model: CampaignsPage.FormModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t(model.campaignID == nil ? "campaigns.new" : "campaigns.edit"), status: status, CampaignsPage.formView(model, ctx))
    }

    @Sendable func newCampaign(req: Request) async throws -> HTMLResponse {
        try req.workspaceAccess.require(.planningManage)
        return try await renderForm(req, try await formModel(req, values: [:]))
    }

    private func input(_ req: Request, values: [String: String]) -> (CampaignService.Input, ValidationErrors) {
        var errors = ValidationErrors()
        var buffer: Int?
        if let typed = values["buffer_days"], !typed.isEmpty {
            buffer = Int(typed)
            if buffer == nil {
                errors.add("buffer_days", .daysBetween(min: CampaignPlan.bufferRange.lowerBound, max: CampaignPlan.bufferRange.upperBound))
            }
        }
        return (
            CampaignService.Input(
                name: values["name"], template: values["template"], launchDay: values["launch_day"], bufferDays: buffer, goalId: values["goal_id"],
                platforms: nil, ownerId: values["owner_id"]), errors
        )
    }

    /// A field the form could not read (a buffer that is not a number)
    /// is reported with every problem the service finds in the others.
    static func throwAll(
        _ typed: ValidationErrors, _ input: CampaignService.Input, in access: WorkspaceAccess, creating: Bool, on db: any Database
    )
        async throws
    {
        guard !typed.isEmpty else { return }
        var errors = typed
        do {
            _ = try await CampaignService(db: db).validate(input, in: access, creating: creating)
        } catch let more as ValidationErrors {
            errors.issues += more.issues.filter { issue in !typed.issues.contains { $0.field == issue.field } }
        }
        throw errors
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let values = Dictionary(uniqueKeysWithValues: Self.campaignFields.map { ($0, req.formValue($0).trimmingCharacters(in: .whitespaces)) })
        let (input, typed) = input(req, values: values)
        do {
            try await Self.throwAll(typed, input, in: access, creating: true, on: req.db)
            let campaign = try await CampaignService(db: req.db).create(input, in: access, actor: req.actor, locale: req.uiLocale)
            Flash.add(.notice, I18n.text("campaigns.created", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/campaigns/\(campaign.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            return try await renderForm(req, try await formModel(req, values: values, errors: FormErrors(refused)), status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
    }

    @Sendable func edit(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let campaign = try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign")
        let values = [
            "name": campaign.name, "launch_day": campaign.launchDay, "buffer_days": String(campaign.bufferDays),
            "goal_id": campaign.goalID?.uuidString.lowercased() ?? "", "owner_id": campaign.ownerID?.uuidString.lowercased() ?? "",
        ]
        return try await renderForm(req, try await formModel(req, values: values, campaignID: campaign.id!.uuidString.lowercased()))
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let values = Dictionary(uniqueKeysWithValues: Self.campaignFields.map { ($0, req.formValue($0).trimmingCharacters(in: .whitespaces)) })
        let (input, typed) = input(req, values: values)
        do {
            try await Self.throwAll(typed, input, in: access, creating: false, on: req.db)
            var kept = input
            let campaign = try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign")
            kept.platforms = campaign.platforms
            _ = try await CampaignService(db: req.db).update(req.parameters.get("campaign_id"), kept, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("campaigns.saved", req.uiLocale), to: req)
            return req.redirect(to: try campaignPath(req))
        } catch let refused as ValidationErrors {
            return try await renderForm(
                req, try await formModel(req, values: values, errors: FormErrors(refused), campaignID: req.parameters.get("campaign_id")),
                status: .unprocessableEntity
            ).encodeResponse(for: req)
        }
    }

    @Sendable func close(req: Request) async throws -> Response {
        _ = try await CampaignService(db: req.db).close(
            req.parameters.get("campaign_id"), in: try req.workspaceAccess, actor: req.actor, locale: req.uiLocale)
        return req.redirect(to: try campaignPath(req) + "/post-mortem")
    }

    // MARK: The post-mortem

    private func postMortemModel(_ req: Request) async throws -> CampaignsPage.PostMortemModel {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let campaign = try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign")
        let found = try await PostMortemService(db: req.db).find(campaign.id!, in: access)
        return CampaignsPage.PostMortemModel(
            base: try base(req), campaignID: campaign.id!, campaignName: campaign.name, closed: campaign.state == "closed",
            postMortem: found.map(PostMortemDTO.init), canPlan: access.can(.planningManage),
            values: found.map { ["summary": $0.summary, "lessons": $0.lessons, "tags": $0.tagList.joined(separator: "，")] } ?? [:])
    }

    @Sendable func postMortem(req: Request) async throws -> Response {
        let model = try await postMortemModel(req)
        let ctx = try await PageContext.make(req)
        return try await Layout.page(
            ctx, title: ctx.t("campaigns.pm.title", model.campaignName), typedTitle: true, CampaignsPage.postMortemView(model, ctx)
        ).encodeResponse(for: req)
    }

    @Sendable func savePostMortem(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let form = try req.content.decode([String: String].self)
        // Tags typed as one line, separated by commas (either width) or 、.
        let tags = (form["tags"] ?? "").split(whereSeparator: { ",，、".contains($0) }).map(String.init)
        let input = PostMortemService.Input(summary: form["summary"] ?? "", lessons: form["lessons"] ?? "", tags: tags)
        do {
            _ = try await PostMortemService(db: req.db).save(
                req.parameters.get("campaign_id"), input, in: access, actor: req.actor, locale: req.uiLocale)
            Flash.add(.notice, I18n.text("campaigns.pm.saved", req.uiLocale), to: req)
            return req.redirect(to: try campaignPath(req) + "/post-mortem")
        } catch let errors as ValidationErrors {
            var model = try await postMortemModel(req)
            model.values = form
            model.errors = FormErrors(errors)
            let ctx = try await PageContext.make(req)
            return try await Layout.page(
                ctx, title: ctx.t("campaigns.pm.title", model.campaignName), typedTitle: true, status: .unprocessableEntity,
                CampaignsPage.postMortemView(model, ctx)
            ).encodeResponse(for: req)
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        try await CampaignService(db: req.db).delete(req.parameters.get("campaign_id"), in: try req.workspaceAccess, actor: req.actor)
        return req.redirect(to: "\(try base(req))/campaigns")
    }

    // MARK: The campaign page

    private func showModel(_ req: Request) async throws -> CampaignsPage.ShowModel {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let campaign = try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign")
        let dto = try await CampaignsAPI.read(campaign, access, on: req.db)
        var goalTitle: String?
        if let goalID = campaign.goalID { goalTitle = try await GoalsSurface.pace(of: goalID, access, on: req.db)?.title }
        return CampaignsPage.ShowModel(
            base: try base(req), workspaceSlug: access.workspace.slug, campaign: dto, names: try await CampaignsPage.memberNames(access, on: req.db),
            goalTitle: goalTitle, members: try await members(access, on: req.db), canPlan: access.can(.planningManage),
            posts: access.can(.contentView) ? try await PostService.posts(ofCampaign: campaign.id!, workspaceID: access.workspaceID, on: req.db) : [],
            risks: try await RisksSurface.risks(ofCampaign: campaign.id!, workspaceID: access.workspaceID, on: req.db),
            budgetLines: try await BudgetsSurface.lines(ofCampaign: campaign.id!, workspaceID: access.workspaceID, on: req.db))
    }

    private func renderShow(_ req: Request, _ model: CampaignsPage.ShowModel, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try await PageContext.make(req)
        return try await Layout.page(ctx, title: model.campaign.name, typedTitle: true, status: status, CampaignsPage.showView(model, ctx))
            .encodeResponse(for: req)
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await renderShow(req, try await showModel(req))
    }

    static let taskFields = ["name", "phase_id", "duration_days"] + CampaignRole.allCases.map(\.rawValue)

    /// The task form's fields as the service reads them; a duration that is
    /// not a whole number is refused here, naming the field.
    private func taskInput(_ values: [String: String]) -> (CampaignTaskService.TaskInput, ValidationErrors) {
        var errors = ValidationErrors()
        let duration = Int(values["duration_days"] ?? "")
        if duration == nil {
            errors.add("duration_days", .daysBetween(min: CampaignPlan.durationRange.lowerBound, max: CampaignPlan.durationRange.upperBound))
        }
        let people = CampaignRole.allCases.compactMap { role -> CampaignTaskService.PersonInput? in
            guard let user = values[role.rawValue], !user.isEmpty else { return nil }
            return CampaignTaskService.PersonInput(userId: user, role: role.rawValue)
        }
        return (
            CampaignTaskService.TaskInput(name: values["name"], phaseId: values["phase_id"], durationDays: duration, done: nil, people: people),
            errors
        )
    }

    @Sendable func createTask(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let values = Dictionary(uniqueKeysWithValues: Self.taskFields.map { ($0, req.formValue($0).trimmingCharacters(in: .whitespaces)) })
        let (input, typed) = taskInput(values)
        do {
            try typed.throwIfAny()
            let task = try await CampaignTaskService(db: req.db).createTask(
                campaign: req.parameters.get("campaign_id"), input, in: access, actor: req.actor)
            return req.redirect(to: "\(try campaignPath(req))#task-\(task.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            var model = try await showModel(req)
            model.taskValues = values
            model.taskErrors = FormErrors(refused)
            return try await renderShow(req, model, status: .unprocessableEntity)
        }
    }

    @Sendable func editTask(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let model = try await showModel(req)
        guard let task = model.campaign.tasks.first(where: { $0.id.uuidString.lowercased() == req.parameters.get("task_id")?.lowercased() }) else {
            throw Abort(.notFound, reason: "Task not found")
        }
        return try await renderTaskForm(req, model, task: task, values: Self.values(of: task), errors: FormErrors())
    }

    static func values(of task: CampaignDTO.TaskEntry) -> [String: String] {
        var values = ["name": task.name, "phase_id": task.phaseId.uuidString.lowercased(), "duration_days": String(task.durationDays)]
        for role in CampaignRole.allCases {
            values[role.rawValue] = task.people.first { $0.role == role.rawValue }?.userId.uuidString.lowercased() ?? ""
        }
        return values
    }

    private func renderTaskForm(
        _ req: Request, _ model: CampaignsPage.ShowModel, task: CampaignDTO.TaskEntry, values: [String: String], errors: FormErrors
    )
        async throws -> HTMLResponse
    {
        var model = model
        model.taskValues = values
        model.taskErrors = errors
        let ctx = try await PageContext.make(req)
        let path = "\(model.base)/campaigns/\(model.campaign.id.uuidString.lowercased())"
        let body: HTML = """
            <p><a href="\(path)">\(ctx.t("campaigns.back"))</a></p>
            <section class="card" id="task-form-card">\(CampaignsPage.taskForm(model, action: "\(path)/tasks/\(task.id.uuidString.lowercased())", heading: "campaigns.edit_task", ctx))
            <form method="post" action="\(path)/tasks/\(task.id.uuidString.lowercased())/delete" class="inline">\(ctx.csrfField)\
            <button type="submit" class="danger" id="delete-task">\(ctx.t("campaigns.delete_task"))</button></form></section>
            """
        return Layout.page(ctx, title: ctx.t("campaigns.edit_task"), status: errors.isEmpty ? .ok : .unprocessableEntity, body)
    }

    @Sendable func updateTask(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let values = Dictionary(uniqueKeysWithValues: Self.taskFields.map { ($0, req.formValue($0).trimmingCharacters(in: .whitespaces)) })
        let (input, typed) = taskInput(values)
        do {
            try typed.throwIfAny()
            _ = try await CampaignTaskService(db: req.db).updateTask(
                campaign: req.parameters.get("campaign_id"), task: req.parameters.get("task_id"), input, in: access, actor: req.actor)
            return req.redirect(to: "\(try campaignPath(req))#task-\(req.parameters.get("task_id") ?? "")")
        } catch let refused as ValidationErrors {
            let model = try await showModel(req)
            guard let task = model.campaign.tasks.first(where: { $0.id.uuidString.lowercased() == req.parameters.get("task_id")?.lowercased() })
            else {
                throw Abort(.notFound, reason: "Task not found")
            }
            return try await renderTaskForm(req, model, task: task, values: values, errors: FormErrors(refused)).encodeResponse(for: req)
        }
    }

    @Sendable func markDone(req: Request) async throws -> Response {
        let done = req.formValue("done") == "true"
        _ = try await CampaignTaskService(db: req.db).updateTask(
            campaign: req.parameters.get("campaign_id"), task: req.parameters.get("task_id"), .init(done: done), in: try req.workspaceAccess,
            actor: req.actor)
        return req.redirect(to: "\(try campaignPath(req))#task-\(req.parameters.get("task_id") ?? "")")
    }

    @Sendable func deleteTask(req: Request) async throws -> Response {
        try await CampaignTaskService(db: req.db).deleteTask(
            campaign: req.parameters.get("campaign_id"), task: req.parameters.get("task_id"), in: try req.workspaceAccess, actor: req.actor)
        return req.redirect(to: "\(try campaignPath(req))#campaign-tasks")
    }

    @Sendable func addDependency(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let values = Dictionary(
            uniqueKeysWithValues: ["predecessor_id", "successor_id", "kind", "lag_days"].map {
                ($0, req.formValue($0).trimmingCharacters(in: .whitespaces))
            })
        do {
            let lag = Int(values["lag_days"] ?? "0")
            if lag == nil {
                throw ValidationErrors("lag_days", .daysBetween(min: CampaignPlan.lagRange.lowerBound, max: CampaignPlan.lagRange.upperBound))
            }
            _ = try await CampaignTaskService(db: req.db).addDependency(
                campaign: req.parameters.get("campaign_id"),
                .init(predecessorId: values["predecessor_id"], successorId: values["successor_id"], kind: values["kind"], lagDays: lag), in: access,
                actor: req.actor)
            return req.redirect(to: "\(try campaignPath(req))#campaign-dependencies")
        } catch let refused as ValidationErrors {
            var model = try await showModel(req)
            model.dependencyValues = values
            model.dependencyErrors = FormErrors(refused)
            return try await renderShow(req, model, status: .unprocessableEntity)
        }
    }

    @Sendable func removeDependency(req: Request) async throws -> Response {
        try await CampaignTaskService(db: req.db).removeDependency(
            campaign: req.parameters.get("campaign_id"), dependency: req.parameters.get("dependency_id"), in: try req.workspaceAccess,
            actor: req.actor)
        return req.redirect(to: "\(try campaignPath(req))#campaign-dependencies")
    }

    @Sendable func addCheck(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await CampaignTaskService(db: req.db).addChecklistItem(
                campaign: req.parameters.get("campaign_id"), .init(phaseId: req.formValue("phase_id"), text: req.formValue("text")), in: access,
                actor: req.actor)
        } catch let refused as ValidationErrors {
            Flash.add(
                .error, refused.issues.first.map { "\(I18n.text("campaigns.field.check_text", req.uiLocale))：\($0.coded.text(req.uiLocale))" } ?? "",
                to: req)
        }
        return req.redirect(to: "\(try campaignPath(req))#campaign-checklists")
    }

    @Sendable func check(req: Request) async throws -> Response {
        try await CampaignTaskService(db: req.db).checkItem(
            campaign: req.parameters.get("campaign_id"), item: req.parameters.get("item_id"), done: req.formValue("done") == "true",
            in: try req.workspaceAccess,
            actor: req.actor)
        return req.redirect(to: "\(try campaignPath(req))#campaign-checklists")
    }
}
