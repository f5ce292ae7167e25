import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Campaigns made (from a template), changed, closed and removed; their
/// tasks, people, dependencies and checklists. Every change that touches
/// the plan is scheduled before it is kept, so a loop or an impossible
/// duration never reaches the table. Reading needs `analytics.view`,
/// writing `planning.manage`.
struct CampaignService {
    let db: any Database

    /// A workspace plans a handful of campaigns a quarter; the caps keep a
    /// page and a schedule bounded.
    static let maxCampaigns = 500
    static let maxTasks = 2_000
    static let maxDependencies = 5_000
    static let maxChecklistItems = 50

    struct Input: Content {
        var name: String?
        var template: String?
        var launchDay: String?
        var bufferDays: Int?
        var goalId: String?
        var platforms: [String]?
        var ownerId: String?
    }

    struct Checked {
        var name: String
        var template: CampaignTemplate
        var launchDay: String
        var bufferDays: Int
        var goalID: UUID?
        var platforms: [String]
        var ownerID: UUID?
    }

    static var platforms: Set<String> { Set(MetricTaxonomy.platforms.keys) }

    func validate(_ input: Input, in access: WorkspaceAccess, creating: Bool) async throws -> Checked {
        var errors = ValidationErrors()
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 120 { errors.add("name", .lengthBetween(min: 1, max: 120)) }
        var template = CampaignTemplate.custom
        if let raw = input.template {
            if let value = CampaignTemplate(rawValue: raw) {
                template = value
            } else {
                errors.add("template", .isValueOneOf(value: String(raw.prefix(40)), choices: CampaignTemplate.allCases.map(\.rawValue)))
            }
        } else if creating {
            errors.add("template", .isRequiredOneOf(choices: CampaignTemplate.allCases.map(\.rawValue)))
        }
        let launch = (input.launchDay ?? "").trimmingCharacters(in: .whitespaces)
        if launch.isEmpty {
            errors.add("launch_day", .required)
        } else if MetricDay.parse(launch) == nil {
            errors.add("launch_day", .dateFormat(value: String(launch.prefix(40))))
        }
        let buffer = input.bufferDays ?? CampaignPlan.recommendedBufferDays
        if !CampaignPlan.bufferRange.contains(buffer) {
            errors.add("buffer_days", .daysBetween(min: CampaignPlan.bufferRange.lowerBound, max: CampaignPlan.bufferRange.upperBound))
        }
        var goalID: UUID?
        if let raw = input.goalId, !raw.isEmpty {
            if let id = UUID(uuidString: raw), try await access.query(Goal.self, on: db).filter(\.$id == id).first() != nil {
                goalID = id
            } else {
                errors.add("goal_id", .oneOf(choices: try await access.query(Goal.self, on: db).all().compactMap { $0.id?.uuidString.lowercased() }))
            }
        }
        var platforms: [String] = []
        for raw in input.platforms ?? [] {
            let key = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard Self.platforms.contains(key) else {
                errors.add("platforms", .unknownValue(value: String(key.prefix(40)), choices: Self.platforms.sorted()))
                continue
            }
            if !platforms.contains(key) { platforms.append(key) }
        }
        let ownerID = try await member(input.ownerId, field: "owner_id", in: access, errors: &errors)
        try errors.throwIfAny()
        return Checked(name: name, template: template, launchDay: launch, bufferDays: buffer, goalID: goalID, platforms: platforms, ownerID: ownerID)
    }

    func member(_ raw: String?, field: String, in access: WorkspaceAccess, errors: inout ValidationErrors) async throws -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw), try await access.members(on: db).contains(where: { $0.userID == id }) else {
            errors.add(field, .workspaceMember)
            return nil
        }
        return id
    }

    /// A campaign from its template: the phases with their checklists, the
    /// tasks with the creator Accountable for each, and the template's
    /// dependencies, written in `locale`'s words.
    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, locale: UILocale, now: Date = Date()) async throws -> Campaign {
        try access.require(.planningManage)
        let checked = try await validate(input, in: access, creating: true)
        if try await access.query(Campaign.self, on: db).count() >= Self.maxCampaigns {
            throw ValidationErrors("name", .itemsAtMost(max: Self.maxCampaigns, count: Self.maxCampaigns + 1))
        }
        return try await db.writeTransaction { tx in
            try await Self.write(checked, workspaceID: access.workspaceID, actor: actor, locale: locale, on: tx, now: now)
        }
    }

    /// Writes a checked campaign with its template's rows on `tx`.
    static func write(_ checked: Checked, workspaceID: UUID, actor: Actor, locale: UILocale, on tx: any Database, now: Date) async throws -> Campaign
    {
        let accountable = checked.ownerID ?? actor.userID
        let campaign = Campaign()
        campaign.id = TimeOrderedID.make(at: now)
        campaign.$workspace.id = workspaceID
        campaign.template = checked.template.rawValue
        campaign.state = "planning"
        campaign.createdBy = actor.userID
        campaign.createdAt = now
        Self.apply(checked, to: campaign, now: now)
        try await campaign.create(on: tx)
        var phaseIDs: [String: UUID] = [:]
        for (position, phase) in checked.template.phases.enumerated() {
            let row = CampaignPhase()
            row.id = TimeOrderedID.make(at: now)
            row.$workspace.id = workspaceID
            row.campaignID = campaign.id!
            row.position = position
            row.name = I18n.text("campaigns.phase.\(phase.key)", locale)
            row.beforeLaunch = phase.beforeLaunch
            try await row.create(on: tx)
            phaseIDs[phase.key] = row.id
            for (index, item) in phase.checklist.enumerated() {
                let check = CampaignChecklistItem()
                check.id = TimeOrderedID.make(at: now)
                check.$workspace.id = workspaceID
                check.phaseID = row.id!
                check.position = index
                check.text = I18n.text("campaigns.check.\(item)", locale)
                try await check.create(on: tx)
            }
        }
        var taskIDs: [String: UUID] = [:]
        for (index, template) in checked.template.tasks.enumerated() {
            let task = CampaignTask()
            // Distinct, ordered creation times keep the template's order.
            let at = now.addingTimeInterval(Double(index) / 1_000)
            task.id = TimeOrderedID.make(at: at)
            task.$workspace.id = workspaceID
            task.campaignID = campaign.id!
            task.phaseID = phaseIDs[template.phase]!
            task.name = I18n.text("campaigns.task.\(template.key)", locale)
            task.durationDays = template.durationDays
            task.createdAt = at
            task.updatedAt = now
            try await task.create(on: tx)
            taskIDs[template.key] = task.id
            if let accountable {
                try await Self.person(task.id!, accountable, .accountable, workspaceID: workspaceID).create(on: tx)
            }
        }
        for template in checked.template.tasks {
            for after in template.after {
                let dependency = CampaignDependency()
                dependency.id = TimeOrderedID.make(at: now)
                dependency.$workspace.id = workspaceID
                dependency.campaignID = campaign.id!
                dependency.predecessorID = taskIDs[after]!
                dependency.successorID = taskIDs[template.key]!
                dependency.kind = template.kind.rawValue
                dependency.lagDays = template.lagDays
                try await dependency.create(on: tx)
            }
        }
        try await AuditLog.record(
            on: tx, actor: actor, workspaceID: workspaceID, action: "campaign.created", targetType: "campaign", targetID: campaign.id,
            after: campaign.auditFields, now: now)
        return campaign
    }

    static func person(_ taskID: UUID, _ userID: UUID, _ role: CampaignRole, workspaceID: UUID) -> CampaignTaskPerson {
        let row = CampaignTaskPerson()
        row.id = UUID()
        row.$workspace.id = workspaceID
        row.taskID = taskID
        row.userID = userID
        row.role = role.rawValue
        return row
    }

    static func apply(_ checked: Checked, to campaign: Campaign, now: Date) {
        campaign.name = checked.name
        campaign.launchDay = checked.launchDay
        campaign.bufferDays = checked.bufferDays
        campaign.goalID = checked.goalID
        campaign.platformsJSON = ListeningMonitor.json(checked.platforms)
        campaign.ownerID = checked.ownerID
        campaign.updatedAt = now
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Campaign {
        try access.require(.planningManage)
        _ = try await access.find(Campaign.self, rawID, on: db, what: "Campaign")
        let checked = try await validate(input, in: access, creating: false)
        return try await db.writeTransaction { tx in
            let campaign = try await Self.lock(rawID, in: access, on: tx, now: now)
            let before = campaign.auditFields
            Self.apply(checked, to: campaign, now: now)
            if before["name"] != campaign.name { try await PostService.renameCampaign(campaign.id!, to: campaign.name, on: tx) }
            // A new buffer moves every before-launch task: scheduled again.
            try await Self.check(campaign, on: tx, field: "buffer_days")
            try await campaign.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign.updated", targetType: "campaign", targetID: campaign.id,
                before: before, after: campaign.auditFields, now: now)
            return campaign
        }
    }

    /// Closes the campaign and drafts its post-mortem from its numbers in
    /// `locale` (the closer's language), into the knowledge base.
    func close(
        _ rawID: String?, in access: WorkspaceAccess, actor: Actor, locale: UILocale = .zhHans, now: Date = Date()
    ) async throws
        -> Campaign
    {
        try access.require(.planningManage)
        let closed = try await db.writeTransaction { tx in
            let campaign = try await Self.lock(rawID, in: access, on: tx, now: now)
            guard campaign.state != "closed" else { return campaign }
            let before = campaign.auditFields
            campaign.state = "closed"
            campaign.closedAt = now
            try await campaign.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign.closed", targetType: "campaign", targetID: campaign.id,
                before: before, after: campaign.auditFields, now: now)
            return campaign
        }
        try await PostMortemService(db: db).draftIfMissing(closed, in: access, actor: actor, locale: locale, now: now)
        return closed
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let campaign = try await access.find(Campaign.self, rawID, on: tx, what: "Campaign")
            try await PostService.dropCampaign(campaign.id!, on: tx)
            try await KnowledgeBase.remove(.postMortem, sourceID: campaign.id!, workspaceID: access.workspaceID, on: tx)
            try await campaign.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign.deleted", targetType: "campaign", targetID: campaign.id,
                before: campaign.auditFields, now: now)
        }
    }

    /// The campaign, its row written first so two changes to one plan take
    /// turns (PostgreSQL holds the row lock to the end of the transaction;
    /// SQLite has one writer): two dependencies that each pass alone but
    /// make a loop together cannot both land.
    static func lock(_ rawID: String?, in access: WorkspaceAccess, on tx: any Database, now: Date) async throws -> Campaign {
        let campaign = try await access.find(Campaign.self, rawID, on: tx, what: "Campaign")
        if let sql = tx as? any SQLDatabase {
            try await sql.raw("UPDATE campaigns SET updated_at = \(bind: now) WHERE id = \(bind: campaign.id!)").run()
        }
        return campaign
    }

    /// Schedules the stored plan (inside the writing transaction) and
    /// refuses the change when it no longer schedules, naming `field`.
    static func check(_ campaign: Campaign, on tx: any Database, field: String) async throws {
        let loaded = try await CampaignReader.load(campaign, on: tx)
        do {
            _ = try CampaignSchedule.make(loaded.plan(launchName: launchToken))
        } catch {
            throw ValidationErrors(field, Self.message(error))
        }
    }

    /// Stands for the launch in a refused loop; no task name has it.
    static let launchToken = "\u{0}launch"

    static func message(_ error: CampaignScheduleError) -> CodedMessage {
        switch error {
        case .cycle(let names):
            // The launch is named by the message itself, in the reader's words.
            names.contains(launchToken)
                ? .campaignLoopThroughLaunch(tasks: names.filter { $0 != launchToken }) : .campaignLoop(tasks: names)
        case .unknownTask: .oneOf(choices: [])
        case .selfDependency: .campaignSelfDependency
        case .durationOutOfRange: .daysBetween(min: CampaignPlan.durationRange.lowerBound, max: CampaignPlan.durationRange.upperBound)
        }
    }
}
