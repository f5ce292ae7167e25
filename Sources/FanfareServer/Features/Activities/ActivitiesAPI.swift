import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/activities/…`: check-ins, polls, quizzes,
/// lotteries and UGC challenges, their entries and, for a lottery, the
/// draw and its verification.
struct ActivitiesAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let activities = ws.grouped("activities")
        activities.get(use: list)
        activities.post(use: create)
        activities.get(":activity_id", use: show)
        activities.post(":activity_id", "status", use: move)
        activities.get(":activity_id", "entries", use: entries)
        activities.post(":activity_id", "entries", use: enter)
        activities.post(":activity_id", "entries", ":activity_entry_id", "feature", use: feature)
        activities.get(":activity_id", "verification", use: verification)
    }

    @Sendable func list(req: Request) async throws -> Page<ActivityDTO> {
        let service = ActivityService(db: req.db)
        let activities = try await service.list(in: try req.workspaceAccess)
        let counts = try await service.entryCounts(activities.compactMap(\.id))
        return Page(items: activities.map { ActivityDTO($0, entries: counts[$0.id!] ?? 0) }, nextCursor: nil)
    }

    @Sendable func show(req: Request) async throws -> ActivityDTO {
        let service = ActivityService(db: req.db)
        let activity = try await service.find(req.parameters.get("activity_id"), in: try req.workspaceAccess)
        return ActivityDTO(activity, entries: try await service.entryCounts([activity.id!])[activity.id!] ?? 0)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let activity = try await ActivityService(db: req.db).create(try req.decodeDocument(ActivityService.Input.self), in: access, actor: req.actor)
        return try await ActivityDTO(activity, entries: 0).encodeResponse(status: .created, for: req)
    }

    struct Move: Content {
        var status: String?
    }

    @Sendable func move(req: Request) async throws -> ActivityDTO {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let input = try req.decodeInput(Move.self)
        let service = ActivityService(db: req.db)
        let activity = try await service.move(req.parameters.get("activity_id"), to: input.status, in: access, actor: req.actor)
        return ActivityDTO(activity, entries: try await service.entryCounts([activity.id!])[activity.id!] ?? 0)
    }

    @Sendable func entries(req: Request) async throws -> Page<ActivityEntryDTO> {
        let access = try req.workspaceAccess
        let activity = try await ActivityService(db: req.db).find(req.parameters.get("activity_id"), in: access)
        let page = try req.pageRequest()
        let query = ActivityEntry.query(on: req.db).filter(\.$activity.$id == activity.id!).sort(\.$id)
        if let after = page.after { query.filter(\.$id > after) }
        let (items, next) = page.page(try await query.limit(page.limit + 1).all()) { $0.id! }
        return Page(items: items.map(ActivityEntryDTO.init), nextCursor: next)
    }

    struct EnteredDTO: Content {
        var entry: ActivityEntryDTO
        var points: Int
        var repeated: Bool
    }

    /// Entering on a fan's behalf: what a mini-program or a form calls.
    @Sendable func enter(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let activity = try await ActivityService(db: req.db).find(req.parameters.get("activity_id"), in: access)
        let input = try req.decodeDocument(ActivityEntries.Input.self)
        guard let fanID = input.fanId else { throw ValidationErrors("fan_id", .enteringFanRequired) }
        let entered = try await ActivityEntries(db: req.db).enter(
            activity, fanID: fanID, answer: EntryAnswer(options: input.options, answers: input.answers, text: input.text), workspace: access.workspace
        )
        return try await EnteredDTO(entry: ActivityEntryDTO(entered.entry), points: entered.points, repeated: entered.repeated)
            .encodeResponse(status: entered.repeated ? .ok : .created, for: req)
    }

    @Sendable func feature(req: Request) async throws -> ActivityEntryDTO {
        let access = try req.workspaceAccess
        let activity = try await ActivityService(db: req.db).find(req.parameters.get("activity_id"), in: access)
        return ActivityEntryDTO(
            try await ActivityEntries(db: req.db).feature(activity, entryID: req.parameters.get("activity_entry_id"), in: access, actor: req.actor))
    }

    struct Verification: Content {
        var algorithm: String
        var seed: String
        var seedHash: String
        var winners: Int
        var entrants: [String]
        var claimed: [String]
        var outcome: String
        var message: String
    }

    /// The draw re-run on the server from what was published; the same
    /// inputs give `fanfare lottery verify` anywhere.
    @Sendable func verification(req: Request) async throws -> Verification {
        let access = try req.workspaceAccess
        let service = ActivityService(db: req.db)
        let activity = try await service.find(req.parameters.get("activity_id"), in: access)
        let result = try service.verify(activity)
        guard case .lottery(let lottery) = activity.settings else { throw Problem(.conflict, "Only a drawn lottery can be verified.") }
        return Verification(
            algorithm: Lottery.algorithm, seed: activity.seed ?? "", seedHash: activity.seedCommitment ?? "", winners: lottery.winners,
            entrants: activity.result?.entrants ?? [], claimed: activity.result?.winners ?? [], outcome: result.outcome.rawValue,
            message: result.message)
    }
}
