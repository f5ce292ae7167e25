import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A fan taking part: through the API (a mini-program, a form, a person
/// entering for them) or from their messages (`FanEngagement`). Either way
/// the same rules hold, and they are `ActivityEntryRules`' (open and
/// running, the audience, the privilege, one entry per fan, a sign-up's
/// places, what an answer must be): this reads the facts they need and
/// records what they decide, with points by the workspace's rules and caps.
struct ActivityEntries {
    let db: any Database

    struct Input: Content {
        var fanId: UUID?
        var options: [Int]?
        var answers: [Int?]?
        var text: String?

        enum CodingKeys: String, CodingKey {
            case options, answers, text
            case fanId = "fan_id"
        }
    }

    struct Entered {
        var entry: ActivityEntry
        /// Points the entry earned now (0 when capped, repeated or free of points).
        var points: Int
        var repeated: Bool
    }

    func enter(
        _ activity: Activity, fanID: UUID, answer: EntryAnswer, messageID: UUID? = nil, workspace: Workspace, now: Date = Date()
    ) async throws -> Entered {
        guard let settings = activity.settings else { throw Problem(.internalServerError, "The activity's settings cannot be read.") }
        let fan = try await Fan.query(on: db).filter(\.$id == fanID).filter(\.$workspace.$id == workspace.id!).first()
        let zone = TimeZone(identifier: workspace.timeZone) ?? .gmt
        let programme = try await FanService.programme(of: workspace.id!, on: db)
        var refusal =
            ActivityEntryRules.timing(
                title: activity.title, status: activity.activityStatus, startsAt: activity.startsAt, endsAt: activity.endsAt, now: now)
            ?? ActivityEntryRules.fan(found: fan != nil, mergedOrErased: fan?.mergedInto != nil || fan?.erasedAt != nil)
        if refusal == nil, let segmentID = activity.segmentID, let segment = try await Segment.find(segmentID, on: db) {
            let members = try await FanService.segmentMembership(
                of: [fanID], in: [segmentID: segment.rule], workspaceID: workspace.id!, zone: zone, now: now, on: db)
            refusal = ActivityEntryRules.audience(segmentName: segment.name, isMember: members[fanID]?.contains(segmentID) == true)
        }
        if refusal == nil, let fan {
            refusal = ActivityEntryRules.privilege(
                title: activity.title, reservation: activity.reservation, lifetimePoints: fan.lifetimePoints, ladder: programme.levels, now: now)
        }
        if let refusal { throw Self.problem(refusal) }
        if case .checkIn(let milestones) = settings {
            // The check-in writes the streak and its points; the entry is keyed by the local day it counted.
            let done = try await CheckIns(db: db).checkIn(fanID: fanID, workspace: workspace, milestones: milestones, now: now)
            let key = try ActivityEntryRules.settle(answer, settings: settings, fanID: fanID, messageID: messageID, day: done.day, unique: UUID()).key
            let entry = try await record(activity, fanID: fanID, key: key, answer: EntryAnswer(), correct: nil, now: now, on: db)
            return Entered(entry: entry.entry, points: done.points + done.bonus, repeated: entry.repeated)
        }
        let settled = try ActivityEntryRules.settle(
            answer, settings: settings, fanID: fanID, messageID: messageID, day: "", unique: TimeOrderedID.make(at: now))
        let entryKey = settled.key
        let source = "activity:\(activity.id!.uuidString.lowercased()):\(entryKey)"
        // The entry and its points together: a refused entry cost leaves no entry behind.
        return try await db.writeTransaction { tx in
            if case .signUp = settings, let sql = tx as? any SQLDatabase {
                // The activity's row first: simultaneous sign-ups queue on it, so each counts the places the one before it took.
                try await sql.raw("UPDATE activities SET updated_at = updated_at WHERE id = \(bind: activity.id!)").run()
            }
            let entry = try await record(activity, fanID: fanID, key: entryKey, answer: settled.answer, correct: settled.correct, now: now, on: tx)
            guard !entry.repeated else { return Entered(entry: entry.entry, points: 0, repeated: true) }
            if case .signUp(let signUp) = settings {
                let taken = try await ActivityEntry.query(on: tx).filter(\.$activity.$id == activity.id!).count()
                if let full = ActivityEntryRules.signUp(title: activity.title, places: signUp.places, takenWithThisEntry: taken) {
                    throw Self.problem(full)
                }
            }
            var points = 0
            let ledger = PointsLedger(db: tx)
            switch settings {
            case .poll:
                points +=
                    try await ledger.earn(
                        .pollVote, sourceKey: source, fanID: fanID, in: workspace.id!, policy: programme.points, zone: zone, now: now, on: tx)?.delta
                    ?? 0
            case .quiz(let quiz):
                points +=
                    try await ledger.earn(
                        .quizAnswer, sourceKey: source, fanID: fanID, in: workspace.id!, policy: programme.points, zone: zone, now: now, on: tx)?
                    .delta ?? 0
                let bonus = quiz.score(answers: settled.answer.answers ?? []).points
                if bonus > 0 {
                    points += try await ledger.bonus(
                        bonus, sourceKey: "\(source):correct", reason: "\(settled.correct ?? 0) correct answer(s)", fanID: fanID, in: workspace.id!,
                        now: now,
                        on: tx
                    ).delta
                }
            case .lottery(let lottery):
                if let cost = lottery.entryCostPoints {
                    let entryCost = LedgerEntry(sourceKey: "\(source):cost", delta: -cost, reason: "entry to \(activity.title)", kind: .spend)
                    _ = try await PointsLedger(db: tx).post(entryCost, to: fanID, in: workspace.id!, actor: .system, now: now)
                }
            case .ugcChallenge:
                points +=
                    try await ledger.earn(
                        .ugcEntry, sourceKey: source, fanID: fanID, in: workspace.id!, policy: programme.points, zone: zone, now: now, on: tx)?.delta
                    ?? 0
            case .checkIn, .signUp: break
            }
            try await LoyaltyProgress.refresh(fanID, programme: programme, now: now, on: tx)
            return Entered(entry: entry.entry, points: points, repeated: false)
        }
    }

    /// A refusal as the API answers it: 409 for not now (not open, full),
    /// 403 for not this fan, 422 naming the field for what was sent.
    static func problem(_ refusal: EntryRefusal) -> any Error {
        switch refusal {
        case .notNow(let message):
            Problem(.conflict, message, type: message.code == .activityFull ? "activity-full" : "activity-not-open")
        case .notForFan(let message):
            Problem(.forbidden, message, type: message.code == .notInAudience ? "not-in-audience" : "privilege-required")
        case .invalid(let errors): errors
        }
    }

    /// Inserted under the unique (activity, entry key): a second entry of the same fan finds the first.
    private func record(
        _ activity: Activity, fanID: UUID, key: String, answer: EntryAnswer, correct: Int?, now: Date, on db: any Database
    ) async throws -> (entry: ActivityEntry, repeated: Bool) {
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "Activities need an SQL database.") }
        let id = TimeOrderedID.make(at: now)
        let json = String(decoding: try JSONEncoder.sortedKeys.encode(answer), as: UTF8.self)
        let inserted = try await sql.raw(
            """
            INSERT INTO activity_entries (id, workspace_id, activity_id, fan_id, entry_key, answer, correct, featured, at)
            VALUES (\(bind: id), \(bind: activity.$workspace.id), \(bind: activity.id!), \(bind: fanID), \(bind: key), \(bind: json), \(bind: correct),
            \(bind: false), \(bind: now))
            ON CONFLICT (activity_id, entry_key) DO NOTHING RETURNING id
            """
        ).first()
        guard let entry = try await ActivityEntry.query(on: db).filter(\.$activity.$id == activity.id!).filter(\.$entryKey == key).first() else {
            throw Problem(.internalServerError, "The entry vanished while it was being recorded.")
        }
        return (entry, inserted == nil)
    }

    /// A UGC entry picked by the team: marked, paid for, and counted as the fan's contribution (value tier).
    func feature(
        _ activity: Activity, entryID rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws -> ActivityEntry {
        try access.require(.fansManage)
        guard case .ugcChallenge(let challenge) = activity.settings else {
            throw Problem(.conflict, "Only entries of a UGC challenge are featured.")
        }
        let entry = try await access.find(ActivityEntry.self, rawID, on: db, what: "Entry")
        guard entry.$activity.id == activity.id else { throw Problem.notFound("Entry") }
        if entry.featured { return entry }
        let featured = try await ActivityEntry.query(on: db).filter(\.$activity.$id == activity.id!).filter(\.$featured == true).count()
        guard featured < challenge.featuredPicks else {
            throw Problem(.conflict, "This challenge already has its \(challenge.featuredPicks) featured pick(s).")
        }
        let programme = try await FanService.programme(of: access.workspaceID, on: db)
        let zone = TimeZone(identifier: access.workspace.timeZone) ?? .gmt
        try await db.writeTransaction { tx in
            entry.featured = true
            try await entry.update(on: tx)
            guard let sql = tx as? any SQLDatabase else { return }
            try await sql.raw("UPDATE fans SET contributions = contributions + 1 WHERE id = \(bind: entry.$fan.id)").run()
            _ = try await PointsLedger(db: tx).earn(
                .ugcFeatured, sourceKey: "featured:\(entry.id!.uuidString.lowercased())", fanID: entry.$fan.id, in: access.workspaceID,
                policy: programme.points, zone: zone, now: now, on: tx)
            try await FanValue.refresh([entry.$fan.id], programme: programme, now: now, on: tx)
            try await LoyaltyProgress.refresh(entry.$fan.id, programme: programme, now: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "activity.entry_featured", targetType: "activity",
                targetID: activity.id, after: ["entry": entry.id!.uuidString.lowercased()], now: now)
        }
        return entry
    }
}
