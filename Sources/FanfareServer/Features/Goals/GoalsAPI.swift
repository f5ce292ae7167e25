import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/goals/…`: goals with their progress and
/// projection, objectives (OKR) with their key results, the three-phase
/// template and the off-track tolerance. Reading needs `analytics.view`;
/// writing `planning.manage`.
struct GoalsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let goals = ws.grouped("goals")
        goals.get(use: list)
        goals.post(use: create)
        goals.get("settings", use: settings)
        goals.put("settings", use: setSettings)
        goals.get("templates", "three-phase", use: template)
        goals.post("templates", "three-phase", use: applyTemplate)
        goals.get("objectives", use: objectives)
        goals.post("objectives", use: createObjective)
        goals.get("objectives", ":objective_id", use: objective)
        goals.put("objectives", ":objective_id", use: updateObjective)
        goals.delete("objectives", ":objective_id", use: deleteObjective)
        goals.get(":goal_id", use: show)
        goals.put(":goal_id", use: update)
        goals.delete(":goal_id", use: delete)
    }

    @Sendable func list(req: Request) async throws -> Page<GoalDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let reader = try await GoalReader.make(access.workspaceID, on: req.db)
        var items: [GoalDTO] = []
        for goal in try await access.query(Goal.self, on: req.db).sort(\.$deadline).sort(\.$id).all() {
            items.append(try await GoalDTO.read(goal, reader: reader))
        }
        return Page(items: items, nextCursor: nil)
    }

    @Sendable func show(req: Request) async throws -> GoalDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let goal = try await access.find(Goal.self, req.parameters.get("goal_id"), on: req.db, what: "Goal")
        return try await GoalDTO.read(goal, reader: try await GoalReader.make(access.workspaceID, on: req.db), detail: true)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let goal = try await GoalService(db: req.db).create(try req.decodeInput(GoalService.Input.self), in: access, actor: req.actor)
        let dto = try await GoalDTO.read(goal, reader: try await GoalReader.make(access.workspaceID, on: req.db))
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func update(req: Request) async throws -> GoalDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(GoalService.Input.self)
        let goal = try await GoalService(db: req.db).update(req.parameters.get("goal_id"), input, in: access, actor: req.actor)
        return try await GoalDTO.read(goal, reader: try await GoalReader.make(access.workspaceID, on: req.db))
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await GoalService(db: req.db).delete(req.parameters.get("goal_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    struct SettingsDTO: Content {
        var offTrackTolerance: Double
    }

    struct SettingsInput: Content {
        var offTrackTolerance: Double?
    }

    @Sendable func settings(req: Request) async throws -> SettingsDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return SettingsDTO(offTrackTolerance: try await GoalSettingsStore.tolerance(access.workspaceID, on: req.db))
    }

    @Sendable func setSettings(req: Request) async throws -> SettingsDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(SettingsInput.self)
        try await GoalSettingsStore.setTolerance(input.offTrackTolerance, in: access, actor: req.actor, on: req.db)
        return SettingsDTO(offTrackTolerance: try await GoalSettingsStore.tolerance(access.workspaceID, on: req.db))
    }

    struct TemplateDTO: Content {
        struct Item: Content {
            var key: String
            var phase: String
            var metric: String
            var tracked: Bool
            var target: Double
            var targetMode: String
            var source: String
        }

        var phases: [String]
        var items: [Item]
    }

    /// The three-phase plan's items with their seed numbers and sources.
    @Sendable func template(req: Request) async throws -> TemplateDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return TemplateDTO(
            phases: ThreePhasePlan.Phase.allCases.map(\.rawValue),
            items: ThreePhasePlan.items.map {
                TemplateDTO.Item(
                    key: $0.key, phase: $0.phase.rawValue, metric: $0.metric.code, tracked: $0.metric.isTracked, target: $0.target,
                    targetMode: $0.targetMode.rawValue, source: $0.source)
            })
    }

    @Sendable func applyTemplate(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(ObjectiveService.TemplateInput.self)
        let written = try await ObjectiveService(db: req.db).applyTemplate(input, in: access, actor: req.actor)
        let reader = try await GoalReader.make(access.workspaceID, on: req.db)
        var items: [ObjectiveDTO] = []
        for objective in written { items.append(try await ObjectiveDTO.read(objective, reader: reader)) }
        return try await Page(items: items, nextCursor: nil).encodeResponse(status: .created, for: req)
    }

    @Sendable func objectives(req: Request) async throws -> Page<ObjectiveDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let reader = try await GoalReader.make(access.workspaceID, on: req.db)
        var items: [ObjectiveDTO] = []
        for objective in try await access.query(GoalObjective.self, on: req.db).sort(\.$startDay).sort(\.$id).all() {
            items.append(try await ObjectiveDTO.read(objective, reader: reader))
        }
        return Page(items: items, nextCursor: nil)
    }

    @Sendable func objective(req: Request) async throws -> ObjectiveDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let objective = try await access.find(GoalObjective.self, req.parameters.get("objective_id"), on: req.db, what: "Objective")
        return try await ObjectiveDTO.read(objective, reader: try await GoalReader.make(access.workspaceID, on: req.db))
    }

    @Sendable func createObjective(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let objective = try await ObjectiveService(db: req.db).create(
            try req.decodeInput(ObjectiveService.Input.self), in: access, actor: req.actor)
        let dto = try await ObjectiveDTO.read(objective, reader: try await GoalReader.make(access.workspaceID, on: req.db))
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func updateObjective(req: Request) async throws -> ObjectiveDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(ObjectiveService.Input.self)
        let objective = try await ObjectiveService(db: req.db).update(req.parameters.get("objective_id"), input, in: access, actor: req.actor)
        return try await ObjectiveDTO.read(objective, reader: try await GoalReader.make(access.workspaceID, on: req.db))
    }

    @Sendable func deleteObjective(req: Request) async throws -> HTTPStatus {
        try await ObjectiveService(db: req.db).delete(req.parameters.get("objective_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }
}

struct ProgressDTO: Content, Equatable {
    var asOf: String
    var state: String
    var target: Double?
    var baseline: Double?
    var actual: Double?
    var fraction: Double?
    var expected: Double?
    var projected: Double?
    var method: String
    var shortfall: Double?
    var offTrackTolerance: Double

    init(_ progress: GoalProgress, tolerance: Double) {
        asOf = progress.asOf
        state = progress.state.rawValue
        target = progress.target
        baseline = progress.baseline
        actual = progress.actual
        fraction = progress.fraction
        expected = progress.expected
        projected = progress.projected
        method = progress.method.rawValue
        shortfall = progress.shortfall
        offTrackTolerance = tolerance
    }
}

struct PointDTO: Content, Equatable {
    var day: String
    var value: Double
}

struct PeriodTargetDTO: Content, Equatable {
    var period: String
    var from: String
    var to: String
    var target: Double?
    var toDate: Double?

    init(_ period: PeriodTarget) {
        (self.period, from, to, target, toDate) = (period.period, period.from, period.to, period.target, period.toDate)
    }

    init(period: String, from: String, to: String, target: Double?, toDate: Double?) {
        (self.period, self.from, self.to, self.target, self.toDate) = (period, from, to, target, toDate)
    }
}

struct GoalDTO: Content, Equatable {
    var id: UUID
    var objectiveId: UUID?
    var title: String
    var metric: String
    var kind: String?
    var unit: String?
    var tracked: Bool
    var target: Double
    var targetMode: String
    var direction: String
    var startDay: String
    var deadline: String
    var ownerId: UUID?
    var platform: String?
    var accountIds: [UUID]
    var monthWeights: [Double]?
    var templateKey: String?
    var progress: ProgressDTO?
    /// The show route only: the target path, the actual line and the
    /// quarterly and monthly targets.
    var path: [PointDTO]?
    var actualLine: [PointDTO]?
    var quarters: [PeriodTargetDTO]?
    var months: [PeriodTargetDTO]?
    var createdAt: Date
    var updatedAt: Date

    static func read(_ goal: Goal, reader: GoalReader, detail: Bool = false) async throws -> GoalDTO {
        let definition = goal.definition
        var dto = GoalDTO(
            id: goal.id!, objectiveId: goal.objectiveID, title: goal.title, metric: goal.metric, kind: definition?.metric.kind.rawValue,
            unit: definition?.metric.unit, tracked: definition?.metric.isTracked ?? false, target: goal.target, targetMode: goal.targetMode,
            direction: goal.direction, startDay: goal.startDay, deadline: goal.deadline, ownerId: goal.ownerID, platform: goal.platform,
            accountIds: goal.accountIDs, monthWeights: goal.monthWeights, templateKey: goal.templateKey, progress: nil, path: nil, actualLine: nil,
            quarters: nil, months: nil, createdAt: goal.createdAt, updatedAt: goal.updatedAt)
        guard let definition else { return dto }
        let reading = try await reader.read(definition)
        dto.progress = ProgressDTO(reading.progress, tolerance: reader.settings.tolerance)
        if detail {
            let target = reading.progress.target
            let baseline = reading.progress.baseline
            dto.path = target.map { GoalPath.points(definition, target: $0, baseline: baseline).map { PointDTO(day: $0.day, value: $0.value) } } ?? []
            dto.actualLine = GoalPath.actualLine(definition, series: reading.series, through: reading.progress.asOf).map {
                PointDTO(day: $0.day, value: $0.value)
            }
            dto.quarters = GoalDecomposition.split(definition, by: .quarter, target: target, baseline: baseline).map(PeriodTargetDTO.init)
            dto.months = GoalDecomposition.split(definition, by: .month, target: target, baseline: baseline).map(PeriodTargetDTO.init)
        }
        return dto
    }
}

struct ObjectiveDTO: Content, Equatable {
    var id: UUID
    var title: String
    var phase: String?
    var startDay: String
    var deadline: String
    var ownerId: UUID?
    /// The mean of the key results' shares (each held to 0…1) and the most
    /// urgent of their states.
    var fraction: Double?
    var state: String
    var keyResults: [GoalDTO]
    var createdAt: Date
    var updatedAt: Date

    static func read(_ objective: GoalObjective, reader: GoalReader) async throws -> ObjectiveDTO {
        let goals = try await Goal.query(on: reader.db).filter(\.$workspace.$id == reader.workspaceID).filter(\.$objectiveID == objective.id!)
            .sort(\.$createdAt).sort(\.$id).all()
        var results: [GoalDTO] = []
        for goal in goals { results.append(try await GoalDTO.read(goal, reader: reader)) }
        let progress = results.compactMap(\.progress).map { dto in
            GoalProgress(
                asOf: dto.asOf, state: GoalState(rawValue: dto.state) ?? .noData, target: dto.target, baseline: dto.baseline, actual: dto.actual,
                fraction: dto.fraction, expected: dto.expected, projected: dto.projected, method: .runRate, shortfall: dto.shortfall)
        }
        let combined = GoalProgressRule.combine(progress)
        return ObjectiveDTO(
            id: objective.id!, title: objective.title, phase: objective.phase, startDay: objective.startDay, deadline: objective.deadline,
            ownerId: objective.ownerID, fraction: combined.fraction, state: combined.state.rawValue, keyResults: results,
            createdAt: objective.createdAt, updatedAt: objective.updatedAt)
    }
}
