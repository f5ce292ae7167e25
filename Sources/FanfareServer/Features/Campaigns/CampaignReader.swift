import FanfareCore
import Fluent
import Vapor

/// A campaign as the API and the pages read it: its phases, tasks,
/// people and dependencies, the schedule computed from them, and the
/// morning board's colour with its reasons. Models never leave this file.
struct CampaignDTO: Content, Sendable {
    struct Person: Content, Sendable, Equatable {
        var userId: UUID
        var role: String
    }

    struct ChecklistItem: Content, Sendable {
        var id: UUID
        var text: String
        var done: Bool
    }

    struct Phase: Content, Sendable {
        var id: UUID
        var name: String
        var beforeLaunch: Bool
        var checklist: [ChecklistItem]
    }

    struct TaskEntry: Content, Sendable {
        var id: UUID
        var phaseId: UUID
        var name: String
        var durationDays: Int
        /// First and last day in the workspace's calendar; a milestone's
        /// first and last day are the same.
        var startDay: String
        var endDay: String
        var totalFloatDays: Int
        var critical: Bool
        var done: Bool
        var doneAt: Date?
        var people: [Person]
    }

    struct Dependency: Content, Sendable {
        var id: UUID
        var predecessorId: UUID
        var successorId: UUID
        var kind: String
        var lagDays: Int
    }

    struct Reason: Content, Sendable, Equatable {
        /// task_overdue | launch_at_risk | goal_behind | spending_ahead | over_budget
        var code: String
        var colour: String
        var taskId: UUID?
        var days: Int?
        var value: Double?
    }

    var id: UUID
    var name: String
    var template: String
    var launchDay: String
    var bufferDays: Int
    var goalId: UUID?
    var platforms: [String]
    var ownerId: UUID?
    var state: String
    var closedAt: Date?
    var createdAt: Date
    /// The first day of work and the last, from the schedule.
    var startDay: String
    var endDay: String
    /// green | amber | red, from `CampaignBoard` as of `today`.
    var status: String
    var reasons: [Reason]
    var today: String
    var phases: [Phase]
    var tasks: [TaskEntry]
    var dependencies: [Dependency]
    var criticalPath: [UUID]
}

enum CampaignReader {
    /// The workspace's today, in its time zone.
    static func today(_ workspaceID: UUID, on db: any Database) async throws -> String {
        MetricDay.of(Date(), in: try await MetricHistoryService.timeZone(of: workspaceID, on: db))
    }

    /// The stored plan, ready for `CampaignSchedule`: task ids as keys.
    struct Loaded: Sendable {
        var campaign: Campaign
        var phases: [CampaignPhase]
        var tasks: [CampaignTask]
        var dependencies: [CampaignDependency]
        var people: [CampaignTaskPerson]
        var checklist: [CampaignChecklistItem]

        func plan(launchName: String = "launch") -> CampaignPlan {
            let before = Set(phases.filter(\.beforeLaunch).compactMap(\.id))
            return CampaignPlan(
                tasks: tasks.map {
                    CampaignPlan.Task(key: $0.id!.uuidString, name: $0.name, durationDays: $0.durationDays, beforeLaunch: before.contains($0.phaseID))
                },
                dependencies: dependencies.map {
                    CampaignPlan.Dependency(
                        predecessor: $0.predecessorID.uuidString, successor: $0.successorID.uuidString,
                        kind: DependencyKind(rawValue: $0.kind) ?? .finishToStart,
                        lagDays: $0.lagDays)
                }, bufferDays: campaign.bufferDays, launchName: launchName)
        }
    }

    static func load(_ campaign: Campaign, on db: any Database) async throws -> Loaded {
        let id = try campaign.requireID()
        let phases = try await CampaignPhase.query(on: db).filter(\.$campaignID == id).sort(\.$position).all()
        let tasks = try await CampaignTask.query(on: db).filter(\.$campaignID == id).sort(\.$createdAt).sort(\.$id).all()
        let dependencies = try await CampaignDependency.query(on: db).filter(\.$campaignID == id).sort(\.$id).all()
        let taskIDs = tasks.compactMap(\.id)
        let people = taskIDs.isEmpty ? [] : try await CampaignTaskPerson.query(on: db).filter(\.$taskID ~~ taskIDs).sort(\.$role).all()
        let phaseIDs = phases.compactMap(\.id)
        let checklist =
            phaseIDs.isEmpty ? [] : try await CampaignChecklistItem.query(on: db).filter(\.$phaseID ~~ phaseIDs).sort(\.$position).sort(\.$id).all()
        return Loaded(campaign: campaign, phases: phases, tasks: tasks, dependencies: dependencies, people: people, checklist: checklist)
    }

    /// Extra readings the board weighs besides the tasks; the reader asks
    /// the goal and budget features for them through their surfaces.
    struct Signals: Sendable {
        var goalPace: Double?
        var budgetBurn: Double?
    }

    static func read(_ campaign: Campaign, today: String, signals: Signals = Signals(), on db: any Database) async throws -> CampaignDTO {
        let loaded = try await load(campaign, on: db)
        return try dto(loaded, today: today, signals: signals)
    }

    /// Pure: the stored rows and today to what the API and pages show.
    static func dto(_ loaded: Loaded, today: String, signals: Signals = Signals()) throws -> CampaignDTO {
        let campaign = loaded.campaign
        // Every stored plan was scheduled when written; a plan that no
        // longer schedules (a row changed by hand) is shown unscheduled.
        let schedule = (try? CampaignSchedule.make(loaded.plan()))
        let launch = campaign.launchDay
        func day(_ offset: Int) -> String { MetricDay.adding(offset, to: launch) }
        let before = Set(loaded.phases.filter(\.beforeLaunch).compactMap(\.id))
        var tasks: [CampaignDTO.TaskEntry] = []
        var states: [CampaignBoard.TaskState] = []
        for (index, task) in loaded.tasks.enumerated() {
            let slot = schedule?.slots[index]
            let start = slot?.start ?? 0
            let finish = slot?.finish ?? task.durationDays
            tasks.append(
                CampaignDTO.TaskEntry(
                    id: task.id!, phaseId: task.phaseID, name: task.name, durationDays: task.durationDays, startDay: day(start),
                    endDay: day(max(start, finish - 1)), totalFloatDays: slot?.totalFloat ?? 0, critical: slot?.critical ?? false,
                    done: task.doneAt != nil,
                    doneAt: task.doneAt,
                    people: loaded.people.filter { $0.taskID == task.id }.map { CampaignDTO.Person(userId: $0.userID, role: $0.role) }))
            states.append(
                CampaignBoard.TaskState(
                    key: task.id!.uuidString, start: start, finish: finish, done: task.doneAt != nil, beforeLaunch: before.contains(task.phaseID)))
        }
        let todayOffset = MetricDay.distance(from: launch, to: today)
        let first = schedule?.start ?? 0
        let last = schedule?.end ?? 0
        let span = max(1, last - first)
        let elapsed = min(1, max(0, Double(todayOffset - first) / Double(span)))
        let closed = campaign.state == "closed"
        let reading =
            closed
            ? CampaignBoard.Reading(colour: .green, reasons: [])
            : CampaignBoard.read(
                CampaignBoard.Input(
                    today: todayOffset, tasks: states, goalPace: signals.goalPace, budgetBurn: signals.budgetBurn,
                    elapsedShare: signals.budgetBurn == nil ? nil : elapsed))
        return CampaignDTO(
            id: campaign.id!, name: campaign.name, template: campaign.template, launchDay: launch, bufferDays: campaign.bufferDays,
            goalId: campaign.goalID, platforms: campaign.platforms, ownerId: campaign.ownerID, state: campaign.state, closedAt: campaign.closedAt,
            createdAt: campaign.createdAt, startDay: day(first), endDay: day(max(first, last - 1)), status: reading.colour.rawValue,
            reasons: reading.reasons.map(reason), today: today,
            phases: loaded.phases.map { phase in
                CampaignDTO.Phase(
                    id: phase.id!, name: phase.name, beforeLaunch: phase.beforeLaunch,
                    checklist: loaded.checklist.filter { $0.phaseID == phase.id }.map {
                        CampaignDTO.ChecklistItem(id: $0.id!, text: $0.text, done: $0.doneAt != nil)
                    })
            }, tasks: tasks,
            dependencies: loaded.dependencies.map {
                CampaignDTO.Dependency(id: $0.id!, predecessorId: $0.predecessorID, successorId: $0.successorID, kind: $0.kind, lagDays: $0.lagDays)
            }, criticalPath: (schedule?.criticalPath ?? []).compactMap(UUID.init(uuidString:)))
    }

    static func reason(_ reason: CampaignBoard.Reason) -> CampaignDTO.Reason {
        let colour = reason.colour.rawValue
        switch reason {
        case .taskOverdue(let key, let days):
            return CampaignDTO.Reason(code: "task_overdue", colour: colour, taskId: UUID(uuidString: key), days: days)
        case .launchAtRisk(let key, let days):
            return CampaignDTO.Reason(code: "launch_at_risk", colour: colour, taskId: UUID(uuidString: key), days: days)
        case .goalBehind(let pace):
            return CampaignDTO.Reason(code: "goal_behind", colour: colour, value: pace)
        case .spendingAhead(let burn, _):
            return CampaignDTO.Reason(code: "spending_ahead", colour: colour, value: burn)
        case .overBudget(let burn):
            return CampaignDTO.Reason(code: "over_budget", colour: colour, value: burn)
        }
    }
}
