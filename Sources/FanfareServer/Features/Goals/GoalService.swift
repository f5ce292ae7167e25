import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Goals and objectives written, changed and removed; the three-phase plan
/// applied. Reading needs `analytics.view`, writing `planning.manage`.
struct GoalService {
    let db: any Database

    struct Input: Content {
        var title: String?
        var metric: String?
        var target: Double?
        var targetMode: String?
        var direction: String?
        var startDay: String?
        var deadline: String?
        var ownerId: String?
        var platform: String?
        var accountIds: [String]?
        var monthWeights: [Double]?
        var objectiveId: String?
    }

    static var platforms: Set<String> { Set(MetricTaxonomy.platforms.keys) }
    /// A workspace's goals are few (a year's plan is a dozen); the cap
    /// keeps the hourly check's work bounded.
    static let maxGoals = 1_000

    struct Checked {
        var definition: GoalDefinition
        var objectiveID: UUID?
    }

    /// Every wrong field at once, each named.
    func validate(_ input: Input, in access: WorkspaceAccess) async throws -> Checked {
        var errors = ValidationErrors()
        var metric: GoalMetric?
        if let raw = input.metric {
            metric = GoalMetric(code: raw.trimmingCharacters(in: .whitespaces))
            if metric == nil { errors.add("metric", .unknownValue(value: String(raw.prefix(80)), choices: GoalMetric.acceptedForms)) }
        } else {
            errors.add("metric", .isRequiredOneOf(choices: GoalMetric.acceptedForms))
        }
        if input.target == nil { errors.add("target", .required) }
        var mode = GoalTargetMode.absolute
        if let raw = input.targetMode {
            if let value = GoalTargetMode(rawValue: raw) {
                mode = value
            } else {
                errors.add("target_mode", .isValueOneOf(value: String(raw.prefix(40)), choices: GoalTargetMode.allCases.map(\.rawValue)))
            }
        }
        var direction = GoalDirection.atLeast
        if let raw = input.direction {
            if let value = GoalDirection(rawValue: raw) {
                direction = value
            } else {
                errors.add("direction", .isValueOneOf(value: String(raw.prefix(40)), choices: GoalDirection.allCases.map(\.rawValue)))
            }
        }
        if input.startDay == nil { errors.add("start_day", .required) }
        if input.deadline == nil { errors.add("deadline", .required) }
        let ownerID = try await owner(input.ownerId, in: access, errors: &errors)
        var accountIDs: [UUID] = []
        for raw in input.accountIds ?? [] {
            guard let id = UUID(uuidString: raw), try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first() != nil else {
                errors.add("account_ids", .notAWorkspaceAccount(id: String(raw.prefix(40))))
                continue
            }
            if !accountIDs.contains(id) { accountIDs.append(id) }
        }
        var objectiveID: UUID?
        if let raw = input.objectiveId {
            if let id = UUID(uuidString: raw), try await access.query(GoalObjective.self, on: db).filter(\.$id == id).first() != nil {
                objectiveID = id
            } else {
                errors.add(
                    "objective_id", .oneOf(choices: try await access.query(GoalObjective.self, on: db).all().map { $0.id!.uuidString.lowercased() }))
            }
        }
        let platform = input.platform.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        if let metric, let target = input.target, let start = input.startDay, let deadline = input.deadline {
            let definition = GoalDefinition(
                title: input.title ?? "", metric: metric, target: target, targetMode: mode, direction: direction, startDay: start, deadline: deadline,
                ownerID: ownerID, platform: platform, accountIDs: accountIDs, monthWeights: input.monthWeights)
            errors.issues += GoalRules.validate(definition, platforms: Self.platforms).issues
            try errors.throwIfAny()
            var trimmed = definition
            trimmed.title = definition.title.trimmingCharacters(in: .whitespacesAndNewlines)
            return Checked(definition: trimmed, objectiveID: objectiveID)
        }
        // Title and the other fields are still checked for the reply.
        let partial = GoalDefinition(
            title: input.title ?? "", metric: metric ?? .store(.followers), target: 1, startDay: "2000-01-01", deadline: "2000-01-02")
        errors.issues += GoalRules.validate(partial, platforms: Self.platforms).issues.filter { $0.field == "title" }
        if let platform, !Self.platforms.contains(platform) {
            errors.add("platform", .unknownValue(value: String(platform.prefix(40)), choices: Self.platforms.sorted()))
        }
        try errors.throwIfAny()
        throw Abort(.badRequest)
    }

    /// The owner named, if a member of the workspace.
    func owner(_ raw: String?, in access: WorkspaceAccess, errors: inout ValidationErrors) async throws -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw), try await access.members(on: db).contains(where: { $0.userID == id }) else {
            errors.add("owner_id", .workspaceMember)
            return nil
        }
        return id
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Goal {
        try access.require(.planningManage)
        let checked = try await validate(input, in: access)
        if try await access.query(Goal.self, on: db).count() >= Self.maxGoals {
            throw ValidationErrors("title", .itemsAtMost(max: Self.maxGoals, count: Self.maxGoals + 1))
        }
        return try await db.writeTransaction { tx in
            if let objectiveID = checked.objectiveID { try await Self.makeRoom(in: objectiveID, now: now, on: tx) }
            let goal = Goal()
            goal.id = TimeOrderedID.make(at: now)
            goal.$workspace.id = access.workspaceID
            goal.createdBy = actor.userID
            goal.createdAt = now
            Self.apply(checked, to: goal, now: now)
            try await goal.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal.created", targetType: "goal", targetID: goal.id,
                after: goal.auditFields, now: now)
            return goal
        }
    }

    /// Refuses a seventh key result. The objective's row is written first
    /// so two requests adding to it at once take turns (PostgreSQL holds
    /// the row lock to the end of the transaction; SQLite has one writer).
    static func makeRoom(in objectiveID: UUID, excluding goalID: UUID? = nil, now: Date, on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase else { return }
        try await sql.raw("UPDATE goal_objectives SET updated_at = \(bind: now) WHERE id = \(bind: objectiveID)").run()
        var query = Goal.query(on: tx).filter(\.$objectiveID == objectiveID)
        if let goalID { query = query.filter(\.$id != goalID) }
        let count = try await query.count()
        if count >= GoalRules.maxKeyResults {
            throw ValidationErrors("objective_id", .itemsAtMost(max: GoalRules.maxKeyResults, count: count + 1))
        }
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Goal {
        try access.require(.planningManage)
        _ = try await access.find(Goal.self, rawID, on: db, what: "Goal")
        let checked = try await validate(input, in: access)
        return try await db.writeTransaction { tx in
            let goal = try await access.find(Goal.self, rawID, on: tx, what: "Goal")
            if let objectiveID = checked.objectiveID, objectiveID != goal.objectiveID {
                try await Self.makeRoom(in: objectiveID, excluding: goal.id, now: now, on: tx)
            }
            let before = goal.auditFields
            Self.apply(checked, to: goal, now: now)
            try await goal.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal.updated", targetType: "goal", targetID: goal.id,
                before: before, after: goal.auditFields, now: now)
            return goal
        }
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let goal = try await access.find(Goal.self, rawID, on: tx, what: "Goal")
            try await goal.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal.deleted", targetType: "goal", targetID: goal.id,
                before: goal.auditFields, now: now)
        }
    }

    static func apply(_ checked: Checked, to goal: Goal, now: Date) {
        let definition = checked.definition
        goal.objectiveID = checked.objectiveID
        goal.title = definition.title
        goal.metric = definition.metric.code
        goal.target = definition.target
        goal.targetMode = definition.targetMode.rawValue
        goal.direction = definition.direction.rawValue
        goal.startDay = definition.startDay
        goal.deadline = definition.deadline
        goal.ownerID = definition.ownerID
        goal.platform = definition.platform
        goal.accountIDsJSON = ListeningMonitor.json(definition.accountIDs.map(\.uuidString))
        goal.monthWeightsJSON = definition.monthWeights.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        goal.updatedAt = now
    }
}

/// Objectives (OKR form) and the three-phase plan.
struct ObjectiveService {
    let db: any Database

    struct Input: Content {
        var title: String?
        var startDay: String?
        var deadline: String?
        var ownerId: String?
    }

    func validate(_ input: Input, in access: WorkspaceAccess) async throws -> (title: String, start: String, deadline: String, owner: UUID?) {
        var errors = ValidationErrors()
        if input.startDay == nil { errors.add("start_day", .required) }
        if input.deadline == nil { errors.add("deadline", .required) }
        let owner = try await GoalService(db: db).owner(input.ownerId, in: access, errors: &errors)
        // The same rules as a goal's title and days.
        let probe = GoalDefinition(
            title: input.title ?? "", metric: .store(.followers), target: 1, startDay: input.startDay ?? "2000-01-01",
            deadline: input.deadline ?? "2000-01-02")
        errors.issues += GoalRules.validate(probe, platforms: []).issues
        try errors.throwIfAny()
        return (probe.title.trimmingCharacters(in: .whitespacesAndNewlines), probe.startDay, probe.deadline, owner)
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> GoalObjective {
        try access.require(.planningManage)
        let checked = try await validate(input, in: access)
        return try await db.writeTransaction { tx in
            let objective = Self.make(
                access.workspaceID, title: checked.title, phase: nil, start: checked.start, deadline: checked.deadline, owner: checked.owner,
                actor: actor, now: now)
            try await objective.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal_objective.created", targetType: "goal_objective",
                targetID: objective.id, after: objective.auditFields, now: now)
            return objective
        }
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> GoalObjective {
        try access.require(.planningManage)
        _ = try await access.find(GoalObjective.self, rawID, on: db, what: "Objective")
        let checked = try await validate(input, in: access)
        return try await db.writeTransaction { tx in
            let objective = try await access.find(GoalObjective.self, rawID, on: tx, what: "Objective")
            let before = objective.auditFields
            (objective.title, objective.startDay, objective.deadline, objective.ownerID) = (
                checked.title, checked.start, checked.deadline, checked.owner
            )
            objective.updatedAt = now
            try await objective.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal_objective.updated", targetType: "goal_objective",
                targetID: objective.id, before: before, after: objective.auditFields, now: now)
            return objective
        }
    }

    /// Removes the objective and its key results.
    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let objective = try await access.find(GoalObjective.self, rawID, on: tx, what: "Objective")
            try await Goal.query(on: tx).filter(\.$objectiveID == objective.id!).delete()
            try await objective.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal_objective.deleted", targetType: "goal_objective",
                targetID: objective.id, before: objective.auditFields, now: now)
        }
    }

    static func make(
        _ workspaceID: UUID, title: String, phase: String?, start: String, deadline: String, owner: UUID?, actor: Actor, now: Date
    ) -> GoalObjective {
        let objective = GoalObjective()
        objective.id = TimeOrderedID.make(at: now)
        objective.$workspace.id = workspaceID
        (objective.title, objective.phase, objective.startDay, objective.deadline) = (title, phase, start, deadline)
        objective.ownerID = owner
        objective.createdBy = actor.userID
        (objective.createdAt, objective.updatedAt) = (now, now)
        return objective
    }

    struct TemplateInput: Content {
        var startDay: String?
        var ownerId: String?
        var platform: String?
        /// `zh-Hans` or `en`: the language the titles are written in.
        var locale: String?
        /// Per item key: `{"include": false}` or `{"target": 0.12}`.
        var items: [String: TemplateEdit]?
    }

    struct TemplateEdit: Content {
        var include: Bool?
        var target: Double?
    }

    /// Writes the three-phase plan's objectives and key results in one
    /// transaction, every edited target checked by the goal rules first.
    func applyTemplate(_ input: TemplateInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> [GoalObjective] {
        try access.require(.planningManage)
        var errors = ValidationErrors()
        var locale = UILocale.en
        if let raw = input.locale {
            if let value = errors.collect({ () throws(ValidationErrors) in try UILocale(validating: raw) }) { locale = value }
        }
        let owner = try await GoalService(db: db).owner(input.ownerId, in: access, errors: &errors)
        let platform = input.platform.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        let keys = ThreePhasePlan.items.map(\.key)
        var edits: [String: ThreePhasePlan.Edit] = [:]
        for (key, edit) in input.items ?? [:] {
            guard keys.contains(key) else {
                errors.add("items", .unknownValue(value: String(key.prefix(40)), choices: keys))
                continue
            }
            edits[key] = ThreePhasePlan.Edit(include: edit.include ?? true, target: edit.target)
        }
        guard let start = input.startDay else {
            errors.add("start_day", .required)
            try errors.throwIfAny()
            throw Abort(.badRequest)
        }
        if MetricDay.parse(start) == nil {
            errors.add("start_day", .dateFormat(value: String(start.prefix(40))))
            try errors.throwIfAny()
        }
        // The edited targets are checked too before anything is refused,
        // so one reply names every wrong item.
        let objectives = ThreePhasePlan.apply(start: start, edits: edits, ownerID: owner, platform: platform) { item in
            I18n.text("goals.template.\(item.key)", locale)
        }
        if objectives.isEmpty { throw ValidationErrors("items", .valuesRequired) }
        for objective in objectives {
            for result in objective.keyResults {
                for issue in GoalRules.validate(result.goal, platforms: GoalService.platforms).issues {
                    // A bad edited target is named by its item.
                    errors.add(issue.field == "target" ? "items.\(result.key).target" : issue.field, issue.coded)
                }
            }
        }
        try errors.throwIfAny()
        let count = try await access.query(Goal.self, on: db).count()
        let adding = objectives.reduce(0) { $0 + $1.keyResults.count }
        if count + adding > GoalService.maxGoals {
            throw ValidationErrors("items", .itemsAtMost(max: GoalService.maxGoals, count: count + adding))
        }
        let titleLocale = locale
        let leftOut = edits.filter { !$0.value.include }.keys.sorted().joined(separator: ",")
        return try await db.writeTransaction { tx in
            var written: [GoalObjective] = []
            for (index, planned) in objectives.enumerated() {
                // Ids and creation times in the plan's order (ids hold milliseconds).
                let at = now.addingTimeInterval(Double(index) / 100)
                let objective = Self.make(
                    access.workspaceID, title: I18n.text("goals.phase.\(planned.phase.rawValue)", titleLocale), phase: planned.phase.rawValue,
                    start: planned.startDay, deadline: planned.deadline, owner: owner, actor: actor, now: at)
                try await objective.create(on: tx)
                for (offset, result) in planned.keyResults.enumerated() {
                    let goal = Goal()
                    let goalAt = at.addingTimeInterval(Double(offset + 1) / 1_000)
                    goal.id = TimeOrderedID.make(at: goalAt)
                    goal.$workspace.id = access.workspaceID
                    (goal.createdBy, goal.createdAt, goal.templateKey) = (actor.userID, goalAt, result.key)
                    GoalService.apply(GoalService.Checked(definition: result.goal, objectiveID: objective.id), to: goal, now: goalAt)
                    try await goal.create(on: tx)
                }
                written.append(objective)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal_objective.template_applied", targetType: "goal_objective",
                targetID: written.first?.id,
                after: [
                    "template": "three_phase", "start_day": start, "objectives": "\(written.count)", "key_results": "\(adding)",
                    "left_out": leftOut,
                ], now: now)
            return written
        }
    }
}
