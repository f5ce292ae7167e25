import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A campaign's tasks (with their RACI people), dependencies and checklist
/// items. Each change is written inside the campaign's lock and the plan
/// scheduled again before the transaction ends.
struct CampaignTaskService {
    let db: any Database

    struct PersonInput: Content {
        var userId: String?
        var role: String?
    }

    struct TaskInput: Content {
        var name: String?
        var phaseId: String?
        var durationDays: Int?
        var done: Bool?
        var people: [PersonInput]?
    }

    struct DependencyInput: Content {
        var predecessorId: String?
        var successorId: String?
        var kind: String?
        var lagDays: Int?
    }

    struct ChecklistInput: Content {
        var phaseId: String?
        var text: String?
        var done: Bool?
    }

    struct CheckedTask {
        var name: String
        var phaseID: UUID
        var durationDays: Int
        var done: Bool?
        var people: [(UUID, CampaignRole)]?
    }

    func validate(_ input: TaskInput, campaign: Campaign, in access: WorkspaceAccess, current: CampaignTask?) async throws -> CheckedTask {
        var errors = ValidationErrors()
        let name = (input.name ?? current?.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 120 { errors.add("name", .lengthBetween(min: 1, max: 120)) }
        let phases = try await CampaignPhase.query(on: db).filter(\.$campaignID == campaign.id!).sort(\.$position).all()
        var phaseID = current?.phaseID
        if let raw = input.phaseId {
            phaseID = UUID(uuidString: raw).flatMap { id in phases.contains { $0.id == id } ? id : nil }
            if phaseID == nil { errors.add("phase_id", .oneOf(choices: phases.compactMap { $0.id?.uuidString.lowercased() })) }
        } else if phaseID == nil {
            errors.add("phase_id", .oneOf(choices: phases.compactMap { $0.id?.uuidString.lowercased() }))
        }
        let duration = input.durationDays ?? current?.durationDays ?? 1
        if !CampaignPlan.durationRange.contains(duration) {
            errors.add("duration_days", .daysBetween(min: CampaignPlan.durationRange.lowerBound, max: CampaignPlan.durationRange.upperBound))
        }
        var people: [(UUID, CampaignRole)]?
        if let list = input.people {
            let members = Set(try await access.members(on: db).map(\.userID))
            var seen: [(UUID, CampaignRole)] = []
            for person in list {
                guard let role = person.role.flatMap(CampaignRole.init(rawValue:)) else {
                    errors.add("people", .isValueOneOf(value: String((person.role ?? "").prefix(40)), choices: CampaignRole.allCases.map(\.rawValue)))
                    continue
                }
                guard let id = person.userId.flatMap(UUID.init(uuidString:)), members.contains(id) else {
                    errors.add("people", .workspaceMember)
                    continue
                }
                if !seen.contains(where: { $0 == (id, role) }) { seen.append((id, role)) }
            }
            // RACI: one person answers for a task.
            if seen.filter({ $0.1 == .accountable }).count > 1 { errors.add("people", .campaignOneAccountable) }
            people = seen
        }
        try errors.throwIfAny()
        return CheckedTask(name: name, phaseID: phaseID!, durationDays: duration, done: input.done, people: people)
    }

    func createTask(
        campaign rawCampaign: String?, _ input: TaskInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> CampaignTask
    {
        try access.require(.planningManage)
        let campaign = try await access.find(Campaign.self, rawCampaign, on: db, what: "Campaign")
        let checked = try await validate(input, campaign: campaign, in: access, current: nil)
        return try await db.writeTransaction { tx in
            let campaign = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let count = try await CampaignTask.query(on: tx).filter(\.$campaignID == campaign.id!).count()
            if count >= CampaignService.maxTasks { throw ValidationErrors("name", .itemsAtMost(max: CampaignService.maxTasks, count: count + 1)) }
            let task = CampaignTask()
            task.id = TimeOrderedID.make(at: now)
            task.$workspace.id = access.workspaceID
            task.campaignID = campaign.id!
            task.createdAt = now
            try await Self.apply(checked, to: task, actor: actor, now: now, on: tx)
            try await task.create(on: tx)
            try await Self.setPeople(checked.people, of: task, on: tx)
            try await CampaignService.check(campaign, on: tx, field: "duration_days")
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign_task.created", targetType: "campaign_task",
                targetID: task.id,
                after: Self.audit(task), now: now)
            return task
        }
    }

    func updateTask(
        campaign rawCampaign: String?, task rawTask: String?, _ input: TaskInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    )
        async throws -> CampaignTask
    {
        try access.require(.planningManage)
        let campaign = try await access.find(Campaign.self, rawCampaign, on: db, what: "Campaign")
        let current = try await task(rawTask, of: campaign, in: access, on: db)
        let checked = try await validate(input, campaign: campaign, in: access, current: current)
        return try await db.writeTransaction { tx in
            let campaign = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let task = try await task(rawTask, of: campaign, in: access, on: tx)
            let before = Self.audit(task)
            try await Self.apply(checked, to: task, actor: actor, now: now, on: tx)
            try await task.update(on: tx)
            try await Self.setPeople(checked.people, of: task, on: tx)
            // Moving a task between sides of the launch can close a loop.
            try await CampaignService.check(campaign, on: tx, field: "phase_id")
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign_task.updated", targetType: "campaign_task",
                targetID: task.id,
                before: before, after: Self.audit(task), now: now)
            return task
        }
    }

    func deleteTask(campaign rawCampaign: String?, task rawTask: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let campaign = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let task = try await task(rawTask, of: campaign, in: access, on: tx)
            try await CampaignDependency.query(on: tx).group(.or) { $0.filter(\.$predecessorID == task.id!).filter(\.$successorID == task.id!) }
                .delete()
            try await CampaignTaskPerson.query(on: tx).filter(\.$taskID == task.id!).delete()
            try await task.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign_task.deleted", targetType: "campaign_task",
                targetID: task.id,
                before: Self.audit(task), now: now)
        }
    }

    func task(_ raw: String?, of campaign: Campaign, in access: WorkspaceAccess, on db: any Database) async throws -> CampaignTask {
        let task = try await access.find(CampaignTask.self, raw, on: db, what: "Task")
        guard task.campaignID == campaign.id else { throw Abort(.notFound, reason: "Task not found") }
        return task
    }

    static func apply(_ checked: CheckedTask, to task: CampaignTask, actor: Actor, now: Date, on tx: any Database) async throws {
        task.name = checked.name
        task.phaseID = checked.phaseID
        task.durationDays = checked.durationDays
        if let done = checked.done, done != (task.doneAt != nil) {
            task.doneAt = done ? now : nil
            task.doneBy = done ? actor.userID : nil
        }
        task.updatedAt = now
    }

    static func setPeople(_ people: [(UUID, CampaignRole)]?, of task: CampaignTask, on tx: any Database) async throws {
        guard let people else { return }
        try await CampaignTaskPerson.query(on: tx).filter(\.$taskID == task.id!).delete()
        for (user, role) in people { try await CampaignService.person(task.id!, user, role, workspaceID: task.$workspace.id).create(on: tx) }
    }

    static func audit(_ task: CampaignTask) -> [String: String] {
        ["name": task.name, "duration_days": String(task.durationDays), "done": task.doneAt == nil ? "false" : "true"]
    }

    // MARK: Dependencies

    func addDependency(
        campaign rawCampaign: String?, _ input: DependencyInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> CampaignDependency
    {
        try access.require(.planningManage)
        let campaign = try await access.find(Campaign.self, rawCampaign, on: db, what: "Campaign")
        let tasks = try await CampaignTask.query(on: db).filter(\.$campaignID == campaign.id!).all()
        let ids = Set(tasks.compactMap(\.id))
        var errors = ValidationErrors()
        let choices = { tasks.compactMap { $0.id?.uuidString.lowercased() } }
        let predecessor = input.predecessorId.flatMap(UUID.init(uuidString:)).flatMap { ids.contains($0) ? $0 : nil }
        if predecessor == nil { errors.add("predecessor_id", .oneOf(choices: choices())) }
        let successor = input.successorId.flatMap(UUID.init(uuidString:)).flatMap { ids.contains($0) ? $0 : nil }
        if successor == nil { errors.add("successor_id", .oneOf(choices: choices())) }
        if let predecessor, predecessor == successor { errors.add("successor_id", .campaignSelfDependency) }
        var kind = DependencyKind.finishToStart
        if let raw = input.kind {
            if let value = DependencyKind(rawValue: raw) {
                kind = value
            } else {
                errors.add("kind", .isValueOneOf(value: String(raw.prefix(40)), choices: DependencyKind.allCases.map(\.rawValue)))
            }
        }
        let lag = input.lagDays ?? 0
        if !CampaignPlan.lagRange.contains(lag) {
            errors.add("lag_days", .daysBetween(min: CampaignPlan.lagRange.lowerBound, max: CampaignPlan.lagRange.upperBound))
        }
        try errors.throwIfAny()
        let chosen = kind
        return try await db.writeTransaction { tx in
            let campaign = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let existing = try await CampaignDependency.query(on: tx).filter(\.$campaignID == campaign.id!).all()
            if existing.contains(where: { $0.predecessorID == predecessor && $0.successorID == successor }) {
                throw ValidationErrors("successor_id", .campaignDependencyExists)
            }
            if existing.count >= CampaignService.maxDependencies {
                throw ValidationErrors("successor_id", .itemsAtMost(max: CampaignService.maxDependencies, count: existing.count + 1))
            }
            let dependency = CampaignDependency()
            dependency.id = TimeOrderedID.make(at: now)
            dependency.$workspace.id = access.workspaceID
            dependency.campaignID = campaign.id!
            dependency.predecessorID = predecessor!
            dependency.successorID = successor!
            dependency.kind = chosen.rawValue
            dependency.lagDays = lag
            try await dependency.create(on: tx)
            try await CampaignService.check(campaign, on: tx, field: "predecessor_id")
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign.dependency_added", targetType: "campaign",
                targetID: campaign.id,
                after: [
                    "predecessor_id": predecessor!.uuidString.lowercased(), "successor_id": successor!.uuidString.lowercased(),
                    "kind": chosen.rawValue,
                    "lag_days": String(lag),
                ], now: now)
            return dependency
        }
    }

    func removeDependency(
        campaign rawCampaign: String?, dependency rawDependency: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    )
        async throws
    {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let campaign = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let dependency = try await access.find(CampaignDependency.self, rawDependency, on: tx, what: "Dependency")
            guard dependency.campaignID == campaign.id else { throw Abort(.notFound, reason: "Dependency not found") }
            try await dependency.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign.dependency_removed", targetType: "campaign",
                targetID: campaign.id,
                before: [
                    "predecessor_id": dependency.predecessorID.uuidString.lowercased(),
                    "successor_id": dependency.successorID.uuidString.lowercased(),
                ],
                now: now)
        }
    }

    // MARK: Checklists

    func addChecklistItem(
        campaign rawCampaign: String?, _ input: ChecklistInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> CampaignChecklistItem
    {
        try access.require(.planningManage)
        let campaign = try await access.find(Campaign.self, rawCampaign, on: db, what: "Campaign")
        let phases = try await CampaignPhase.query(on: db).filter(\.$campaignID == campaign.id!).all()
        var errors = ValidationErrors()
        let phase = input.phaseId.flatMap(UUID.init(uuidString:)).flatMap { id in phases.first { $0.id == id } }
        if phase == nil { errors.add("phase_id", .oneOf(choices: phases.compactMap { $0.id?.uuidString.lowercased() })) }
        let text = (input.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.count > 200 { errors.add("text", .lengthBetween(min: 1, max: 200)) }
        try errors.throwIfAny()
        return try await db.writeTransaction { tx in
            _ = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let count = try await CampaignChecklistItem.query(on: tx).filter(\.$phaseID == phase!.id!).count()
            if count >= CampaignService.maxChecklistItems {
                throw ValidationErrors("text", .itemsAtMost(max: CampaignService.maxChecklistItems, count: count + 1))
            }
            let item = CampaignChecklistItem()
            item.id = TimeOrderedID.make(at: now)
            item.$workspace.id = access.workspaceID
            item.phaseID = phase!.id!
            item.position = count
            item.text = text
            try await item.create(on: tx)
            return item
        }
    }

    /// `done` nil is refused once the item is found (a missing item is a
    /// 404 first, as for any other workspace's resource).
    func checkItem(
        campaign rawCampaign: String?, item rawItem: String?, done: Bool?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    )
        async throws
    {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let campaign = try await CampaignService.lock(rawCampaign, in: access, on: tx, now: now)
            let item = try await access.find(CampaignChecklistItem.self, rawItem, on: tx, what: "Checklist item")
            guard try await CampaignPhase.query(on: tx).filter(\.$id == item.phaseID).filter(\.$campaignID == campaign.id!).first() != nil else {
                throw Abort(.notFound, reason: "Checklist item not found")
            }
            guard let done else { throw ValidationErrors("done", .required) }
            guard done != (item.doneAt != nil) else { return }
            item.doneAt = done ? now : nil
            item.doneBy = done ? actor.userID : nil
            try await item.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: done ? "campaign.check_done" : "campaign.check_reopened",
                targetType: "campaign", targetID: campaign.id, after: ["item": item.text], now: now)
        }
    }
}
