import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/campaigns/…`: campaigns with their computed
/// schedule and board, their tasks (RACI), dependencies and checklists, the
/// templates; lists as JSON or CSV (`?format=csv`). Reading needs
/// `analytics.view`; writing `planning.manage`.
struct CampaignsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let campaigns = ws.grouped("campaigns")
        campaigns.get(use: list)
        campaigns.post(use: create)
        campaigns.get("templates", use: templates)
        campaigns.get(":campaign_id", use: show)
        campaigns.put(":campaign_id", use: update)
        campaigns.delete(":campaign_id", use: delete)
        campaigns.post(":campaign_id", "close", use: close)
        campaigns.get(":campaign_id", "post-mortem", use: postMortem)
        campaigns.put(":campaign_id", "post-mortem", use: savePostMortem)
        campaigns.get(":campaign_id", "tasks", use: tasks)
        campaigns.post(":campaign_id", "tasks", use: createTask)
        campaigns.put(":campaign_id", "tasks", ":task_id", use: updateTask)
        campaigns.delete(":campaign_id", "tasks", ":task_id", use: deleteTask)
        campaigns.post(":campaign_id", "dependencies", use: addDependency)
        campaigns.delete(":campaign_id", "dependencies", ":dependency_id", use: removeDependency)
        campaigns.post(":campaign_id", "checklist", use: addChecklistItem)
        campaigns.put(":campaign_id", "checklist", ":item_id", use: checkItem)
    }

    static func read(_ campaign: Campaign, _ access: WorkspaceAccess, on db: any Database) async throws -> CampaignDTO {
        let today = try await CampaignReader.today(access.workspaceID, on: db)
        return try await CampaignReader.read(campaign, today: today, signals: try await CampaignSignals.read(campaign, access, on: db), on: db)
    }

    struct Summary: Content {
        var id: UUID
        var name: String
        var template: String
        var launchDay: String
        var startDay: String
        var endDay: String
        var state: String
        var status: String
        var tasks: Int
        var tasksDone: Int
    }

    @Sendable func list(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var items: [Summary] = []
        for campaign in try await access.query(Campaign.self, on: req.db).sort(\.$launchDay, .descending).sort(\.$id).all() {
            let dto = try await Self.read(campaign, access, on: req.db)
            items.append(
                Summary(
                    id: dto.id, name: dto.name, template: dto.template, launchDay: dto.launchDay, startDay: dto.startDay, endDay: dto.endDay,
                    state: dto.state, status: dto.status, tasks: dto.tasks.count, tasksDone: dto.tasks.filter(\.done).count))
        }
        switch req.query[String.self, at: "format"] ?? "json" {
        case "json":
            return try await Page(items: items, nextCursor: nil).encodeResponse(for: req)
        case "csv":
            var csv = CSVWriter(header: [
                "campaign_id", "name", "template", "launch_day", "start_day", "end_day", "state", "status", "tasks", "tasks_done",
            ])
            for item in items {
                csv.append([
                    item.id.uuidString.lowercased(), item.name, item.template, item.launchDay, item.startDay, item.endDay, item.state, item.status,
                    String(item.tasks), String(item.tasksDone),
                ])
            }
            return Self.csv(csv, filename: "campaigns.csv")
        default:
            throw ValidationErrors("format", .either(choices: ["json", "csv"]))
        }
    }

    static func csv(_ writer: CSVWriter, filename: String) -> Response {
        let response = Response(status: .ok, body: .init(string: writer.text))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: filename)
        return response
    }

    struct TemplateDTO: Content {
        struct Phase: Content {
            var key: String
            var beforeLaunch: Bool
            var checklist: [String]
        }

        struct TemplateTask: Content {
            var key: String
            var phase: String
            var durationDays: Int
            var after: [String]
            var kind: String
        }

        var key: String
        var phases: [Phase]
        var tasks: [TemplateTask]
    }

    @Sendable func templates(req: Request) async throws -> [TemplateDTO] {
        try req.workspaceAccess.require(.analyticsView)
        return CampaignTemplate.allCases.map { template in
            TemplateDTO(
                key: template.rawValue,
                phases: template.phases.map { TemplateDTO.Phase(key: $0.key, beforeLaunch: $0.beforeLaunch, checklist: $0.checklist) },
                tasks: template.tasks.map {
                    TemplateDTO.TemplateTask(key: $0.key, phase: $0.phase, durationDays: $0.durationDays, after: $0.after, kind: $0.kind.rawValue)
                })
        }
    }

    @Sendable func show(req: Request) async throws -> CampaignDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return try await Self.read(
            try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign"), access, on: req.db)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let campaign = try await CampaignService(db: req.db).create(
            try req.decodeInput(CampaignService.Input.self), in: access, actor: req.actor, locale: req.uiLocale)
        return try await Self.read(campaign, access, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func update(req: Request) async throws -> CampaignDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(CampaignService.Input.self)
        let campaign = try await CampaignService(db: req.db).update(req.parameters.get("campaign_id"), input, in: access, actor: req.actor)
        return try await Self.read(campaign, access, on: req.db)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await CampaignService(db: req.db).delete(req.parameters.get("campaign_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    @Sendable func close(req: Request) async throws -> CampaignDTO {
        let access = try req.workspaceAccess
        let campaign = try await CampaignService(db: req.db).close(
            req.parameters.get("campaign_id"), in: access, actor: req.actor, locale: req.uiLocale)
        return try await Self.read(campaign, access, on: req.db)
    }

    /// The closed campaign's post-mortem; 404 while the campaign runs.
    @Sendable func postMortem(req: Request) async throws -> PostMortemDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let campaign = try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign")
        guard let postMortem = try await PostMortemService(db: req.db).find(campaign.id!, in: access) else {
            throw Problem(.notFound, "The campaign has no post-mortem yet: it is drafted when the campaign is closed.", type: "not-found")
        }
        return PostMortemDTO(postMortem)
    }

    @Sendable func savePostMortem(req: Request) async throws -> PostMortemDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(PostMortemService.Input.self)
        return PostMortemDTO(
            try await PostMortemService(db: req.db).save(
                req.parameters.get("campaign_id"), input, in: access, actor: req.actor, locale: req.uiLocale))
    }

    /// The tasks with their days, float and people; `?format=csv` for a spreadsheet.
    @Sendable func tasks(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let dto = try await Self.read(
            try await access.find(Campaign.self, req.parameters.get("campaign_id"), on: req.db, what: "Campaign"), access, on: req.db)
        switch req.query[String.self, at: "format"] ?? "json" {
        case "json":
            return try await Page(items: dto.tasks, nextCursor: nil).encodeResponse(for: req)
        case "csv":
            let phases = Dictionary(uniqueKeysWithValues: dto.phases.map { ($0.id, $0.name) })
            var csv = CSVWriter(header: [
                "task_id", "phase", "name", "duration_days", "start_day", "end_day", "total_float_days", "critical", "done", "responsible",
                "accountable",
                "consulted", "informed",
            ])
            let names = try await CampaignsPage.memberNames(access, on: req.db)
            for task in dto.tasks {
                let people = { (role: CampaignRole) in
                    task.people.filter { $0.role == role.rawValue }.map { names[$0.userId] ?? $0.userId.uuidString.lowercased() }.joined(
                        separator: "; ")
                }
                csv.append(
                    [
                        task.id.uuidString.lowercased(), phases[task.phaseId] ?? "", task.name, String(task.durationDays), task.startDay, task.endDay,
                        String(task.totalFloatDays), task.critical ? "true" : "false", task.done ? "true" : "false",
                    ] + CampaignRole.allCases.map(people))
            }
            return Self.csv(csv, filename: "campaign-tasks.csv")
        default:
            throw ValidationErrors("format", .either(choices: ["json", "csv"]))
        }
    }

    @Sendable func createTask(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(CampaignTaskService.TaskInput.self)
        let task = try await CampaignTaskService(db: req.db).createTask(
            campaign: req.parameters.get("campaign_id"), input, in: access, actor: req.actor)
        return try await Self.taskDTO(task, access, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateTask(req: Request) async throws -> CampaignDTO.TaskEntry {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(CampaignTaskService.TaskInput.self)
        let task = try await CampaignTaskService(db: req.db).updateTask(
            campaign: req.parameters.get("campaign_id"), task: req.parameters.get("task_id"), input, in: access, actor: req.actor)
        return try await Self.taskDTO(task, access, on: req.db)
    }

    static func taskDTO(_ task: CampaignTask, _ access: WorkspaceAccess, on db: any Database) async throws -> CampaignDTO.TaskEntry {
        let campaign = try await access.find(Campaign.self, task.campaignID.uuidString, on: db, what: "Campaign")
        let dto = try await read(campaign, access, on: db)
        guard let read = dto.tasks.first(where: { $0.id == task.id }) else { throw Abort(.notFound, reason: "Task not found") }
        return read
    }

    @Sendable func deleteTask(req: Request) async throws -> HTTPStatus {
        try await CampaignTaskService(db: req.db).deleteTask(
            campaign: req.parameters.get("campaign_id"), task: req.parameters.get("task_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    @Sendable func addDependency(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(CampaignTaskService.DependencyInput.self)
        let row = try await CampaignTaskService(db: req.db).addDependency(
            campaign: req.parameters.get("campaign_id"), input, in: access, actor: req.actor)
        return try await CampaignDTO.Dependency(
            id: row.id!, predecessorId: row.predecessorID, successorId: row.successorID, kind: row.kind, lagDays: row.lagDays
        ).encodeResponse(status: .created, for: req)
    }

    @Sendable func removeDependency(req: Request) async throws -> HTTPStatus {
        try await CampaignTaskService(db: req.db).removeDependency(
            campaign: req.parameters.get("campaign_id"), dependency: req.parameters.get("dependency_id"), in: try req.workspaceAccess,
            actor: req.actor)
        return .noContent
    }

    @Sendable func addChecklistItem(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(CampaignTaskService.ChecklistInput.self)
        let item = try await CampaignTaskService(db: req.db).addChecklistItem(
            campaign: req.parameters.get("campaign_id"), input, in: access, actor: req.actor)
        return try await CampaignDTO.ChecklistItem(id: item.id!, text: item.text, done: item.doneAt != nil).encodeResponse(status: .created, for: req)
    }

    @Sendable func checkItem(req: Request) async throws -> HTTPStatus {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(CampaignTaskService.ChecklistInput.self)
        try await CampaignTaskService(db: req.db).checkItem(
            campaign: req.parameters.get("campaign_id"), item: req.parameters.get("item_id"), done: input.done, in: access, actor: req.actor)
        return .noContent
    }
}

/// The board's readings from other features, through their surfaces.
enum CampaignSignals {
    static func read(_ campaign: Campaign, _ access: WorkspaceAccess, on db: any Database) async throws -> CampaignReader.Signals {
        var signals = CampaignReader.Signals()
        if let goalID = campaign.goalID { signals.goalPace = try await GoalsSurface.pace(of: goalID, access, on: db)?.pace }
        signals.budgetBurn = try await BudgetsSurface.burn(ofCampaign: campaign.id!, workspaceID: access.workspaceID, on: db)
        return signals
    }
}
