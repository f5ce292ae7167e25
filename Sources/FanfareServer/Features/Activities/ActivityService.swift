import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Running activities: created as drafts, opened, closed, then finished or
/// (a lottery) drawn, each move checked by `ActivityLifecycle` and audited.
/// A lottery's seed is made when it is created and only its hash is shown
/// until the draw, so the draw cannot be steered once entries come in.
struct ActivityService {
    let db: any Database

    struct Input: Content {
        var title: String?
        var settings: ActivitySettings?
        /// The audience: only fans in this segment may enter. Absent: every fan.
        var segmentId: UUID?
        /// Only fans whose level grants it may enter. Absent: every fan.
        var privilege: String?
        /// From then on, fans without the privilege may enter too.
        var openToAllAt: Date?
        var startsAt: Date?
        var endsAt: Date?

        enum CodingKeys: String, CodingKey {
            case title, settings, privilege
            case segmentId = "segment_id", startsAt = "starts_at", endsAt = "ends_at", openToAllAt = "open_to_all_at"
        }
    }

    func list(in access: WorkspaceAccess) async throws -> [Activity] {
        try access.require(.fansView)
        return try await access.query(Activity.self, on: db).sort(\.$startsAt, .descending).sort(\.$id, .descending).limit(200).all()
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> Activity {
        try access.require(.fansView)
        return try await access.find(Activity.self, rawID, on: db, what: "Activity")
    }

    func entryCounts(_ ids: [UUID]) async throws -> [UUID: Int] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var counts: [UUID: Int] = [:]
        for row in try await sql.raw(
            "SELECT activity_id, COUNT(*) AS entries FROM activity_entries WHERE activity_id IN \(SQLGroupExpression(ids.map { SQLBind($0) })) GROUP BY activity_id"
        ).all() {
            counts[try row.decode(column: "activity_id", as: UUID.self)] = try row.decode(column: "entries", as: Int.self)
        }
        return counts
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Activity {
        try access.require(.fansManage)
        var errors = ValidationErrors()
        let title = (input.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty || title.count > 100 { errors.add("title", .lengthBetween(min: 1, max: 100)) }
        guard let settings = input.settings else {
            errors.add("settings", .activitySettingsRequired)
            throw errors
        }
        for problem in settings.problems(now: now) { errors.add("settings.\(problem.field)", problem.coded) }
        let startsAt = input.startsAt ?? now
        var endsAt = input.endsAt
        var segmentID = input.segmentId
        if case .lottery(let lottery) = settings {
            // Entries close when the lottery says; the activity ends then.
            endsAt = lottery.entriesCloseAt
            if segmentID == nil, let named = lottery.segmentID {
                segmentID = UUID(uuidString: named)
                if segmentID == nil { errors.add("settings.segment_id", .segmentId) }
            }
        }
        if let endsAt, endsAt <= startsAt { errors.add("ends_at", .afterStart) }
        if endsAt == nil { errors.add("ends_at", .activityEndRequired) }
        let privilege = input.privilege.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        let reservation = ActivityReservation(privilege: privilege, openToAllAt: input.openToAllAt)
        for problem in reservation.problems(startsAt: startsAt, endsAt: endsAt ?? .distantFuture) { errors.add(problem.field, problem.coded) }
        if let segmentID, try await access.query(Segment.self, on: db).filter(\.$id == segmentID).first() == nil {
            errors.add("segment_id", .notASegment)
        }
        try errors.throwIfAny()
        let activity = Activity()
        activity.id = TimeOrderedID.make(at: now)
        activity.$workspace.id = access.workspaceID
        activity.kind = settings.kind.rawValue
        activity.title = title
        activity.settingsJSON = String(decoding: try JSONEncoder.sortedKeys.encode(settings), as: UTF8.self)
        activity.segmentID = segmentID
        activity.privilege = reservation.privilege
        activity.openToAllAt = reservation.openToAllAt
        activity.status = ActivityStatus.draft.rawValue
        activity.startsAt = startsAt
        activity.endsAt = endsAt!
        if settings.kind == .lottery {
            let seed = LotterySeed.generate()
            activity.seed = seed
            activity.seedCommitment = try LotterySeed.commitment(seedHex: seed)
        }
        activity.createdAt = now
        activity.updatedAt = now
        try await db.writeTransaction { tx in
            try await activity.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "activity.created", targetType: "activity", targetID: activity.id,
                after: [
                    "title": title, "kind": activity.kind, "settings": activity.settingsJSON, "seed_hash": activity.seedCommitment ?? "",
                    "privilege": reservation.privilege ?? "", "open_to_all_at": reservation.openToAllAt.map { $0.formatted(.iso8601) } ?? "",
                ],
                now: now)
        }
        return activity
    }

    /// Moves an activity along its lifecycle. Drawing runs the published
    /// algorithm on the entry list as it stands at the draw and keeps both.
    func move(_ rawID: String?, to rawStatus: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Activity {
        try access.require(.fansManage)
        // Another workspace's activity is not found, whatever the body says.
        _ = try await access.find(Activity.self, rawID, on: db, what: "Activity")
        guard let rawStatus, let target = ActivityStatus(rawValue: rawStatus) else {
            throw ValidationErrors("status", .oneOf(choices: ActivityStatus.allCases.map(\.rawValue)))
        }
        guard let id = rawID.flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("Activity") }
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Activities need an SQL database.") }
            // Written first, so two draws of one lottery queue and the second finds it drawn.
            try await sql.raw("UPDATE activities SET updated_at = \(bind: now) WHERE id = \(bind: id)").run()
            let activity = try await access.find(Activity.self, rawID, on: tx, what: "Activity")
            guard let kind = ActivityKind(rawValue: activity.kind) else { throw Problem(.internalServerError, "Unknown activity kind.") }
            var closeAt: Date? = nil
            if case .lottery(let lottery) = activity.settings { closeAt = lottery.entriesCloseAt }
            let transition = ActivityTransition(
                kind: kind, from: activity.activityStatus, to: target, now: now, entriesCloseAt: closeAt, seedHash: activity.seedCommitment)
            var errors = ValidationErrors()
            for problem in ActivityLifecycle.problems(transition: transition) { errors.add(problem.field, problem.coded) }
            try errors.throwIfAny()
            let before = activity.status
            switch target {
            case .drawn: activity.resultJSON = try await draw(activity, on: tx)
            case .finished where kind == .poll: activity.resultJSON = try await tally(activity, on: tx)
            default: break
            }
            activity.status = target.rawValue
            activity.updatedAt = now
            try await activity.update(on: tx)
            var after = ["status": target.rawValue]
            if target == .drawn {
                after["seed"] = activity.seed ?? ""
                after["result"] = activity.resultJSON ?? ""
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "activity.\(target.rawValue)", targetType: "activity",
                targetID: activity.id, before: ["status": before], after: after, now: now)
            return activity
        }
    }

    private func draw(_ activity: Activity, on tx: any Database) async throws -> String {
        guard case .lottery(let lottery) = activity.settings, let seed = activity.seed else {
            throw Problem(.internalServerError, "The lottery has no seed.")
        }
        let entries = try await ActivityEntry.query(on: tx).filter(\.$activity.$id == activity.id!).all()
        guard !entries.isEmpty else { throw ValidationErrors("status", .lotteryNoEntries) }
        let entrants = Lottery.canonicalEntrants(entries.map { $0.id!.uuidString.lowercased() })
        let winners = try Lottery.draw(seedHex: seed, entrants: entrants, winners: lottery.winners)
        let result = ActivityResult(
            algorithm: Lottery.algorithm, entrants: entrants, entrantListHash: Lottery.entrantListHash(entrants), winners: winners)
        return String(decoding: try JSONEncoder.sortedKeys.encode(result), as: UTF8.self)
    }

    private func tally(_ activity: Activity, on tx: any Database) async throws -> String {
        guard case .poll(let poll) = activity.settings else { return "{}" }
        var tally = Array(repeating: 0, count: poll.options.count)
        for entry in try await ActivityEntry.query(on: tx).filter(\.$activity.$id == activity.id!).all() {
            for option in entry.answer.options ?? [] where tally.indices.contains(option) { tally[option] += 1 }
        }
        return String(decoding: try JSONEncoder.sortedKeys.encode(ActivityResult(tally: tally)), as: UTF8.self)
    }

    /// Re-runs a drawn lottery from what was published (the seed, its hash,
    /// the entrant list): what anyone can do with `fanfare lottery verify`.
    func verify(_ activity: Activity) throws -> Lottery.VerificationResult {
        guard activity.activityStatus == .drawn, case .lottery(let lottery) = activity.settings, let result = activity.result,
            let seed = activity.seed, let hash = activity.seedCommitment
        else { throw Problem(.conflict, "Only a drawn lottery can be verified.") }
        return Lottery.verify(
            seedHex: seed, seedHash: hash, entrants: result.entrants ?? [], winners: lottery.winners, claimed: result.winners ?? [])
    }
}
