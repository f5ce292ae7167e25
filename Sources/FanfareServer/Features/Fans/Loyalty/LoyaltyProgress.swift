import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Levels and badges follow the ledger: after points are earned the fan's
/// level is read off the ladder by lifetime points (spending never lowers
/// it) and badges are added by the programme's rules; a badge once earned
/// is kept.
enum LoyaltyProgress {
    static func refresh(_ fanID: UUID, programme: FanProgramme, now: Date, on tx: any Database) async throws {
        try await refresh([fanID], programme: programme, now: now, on: tx)
    }

    /// Many fans in a handful of queries: what a batch of messages needs.
    static func refresh(_ fanIDs: [UUID], programme: FanProgramme, now: Date, on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase, !fanIDs.isEmpty else { return }
        for start in stride(from: 0, to: fanIDs.count, by: 500) {
            let chunk = Array(fanIDs[start..<min(fanIDs.count, start + 500)])
            let ids = SQLGroupExpression(chunk.map { SQLBind($0) })
            var counts: [UUID: [LoyaltyAction: Int]] = [:]
            for row in try await sql.raw(
                """
                SELECT fan_id, action, COUNT(*) AS lines FROM points_ledger WHERE fan_id IN \(ids) AND kind = 'earn' AND action IS NOT NULL
                GROUP BY fan_id, action
                """
            ).all() {
                if let action = LoyaltyAction(rawValue: try row.decode(column: "action", as: String.self)) {
                    counts[try row.decode(column: "fan_id", as: UUID.self), default: [:]][action] = try row.decode(column: "lines", as: Int.self)
                }
            }
            var featured: [UUID: Int] = [:]
            for row in try await sql.raw(
                "SELECT fan_id, COUNT(*) AS featured FROM activity_entries WHERE fan_id IN \(ids) AND featured = \(bind: true) GROUP BY fan_id"
            ).all() {
                featured[try row.decode(column: "fan_id", as: UUID.self)] = try row.decode(column: "featured", as: Int.self)
            }
            // Read and written as columns: a burst's batch names hundreds of fans.
            for row in try await sql.raw("SELECT id, best_streak, lifetime_points, level, badges FROM fans WHERE id IN \(ids)").all() {
                let id = try row.decode(column: "id", as: UUID.self)
                let (lifetime, current) = (try row.decode(column: "lifetime_points", as: Int.self), try row.decode(column: "level", as: Int.self))
                let stored = (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "badges", as: String.self).utf8))) ?? []
                let facts = LoyaltyFacts(
                    bestStreak: try row.decode(column: "best_streak", as: Int.self), lifetimePoints: lifetime, actionCounts: counts[id] ?? [:],
                    featuredUGC: featured[id] ?? 0)
                var badges = stored
                for rule in LoyaltyBadges.earnedBadges(facts: facts, rules: programme.badges) where !badges.contains(rule.id) {
                    badges.append(rule.id)
                }
                let level = max(current, programme.levels.level(forLifetimePoints: lifetime).number)
                guard level != current || badges != stored else { continue }
                let json = String(decoding: try JSONEncoder().encode(badges), as: UTF8.self)
                try await sql.raw("UPDATE fans SET level = \(bind: level), badges = \(bind: json), updated_at = \(bind: now) WHERE id = \(bind: id)")
                    .run()
            }
        }
    }
}

/// A fan's daily check-in: one per local day of the workspace, the streak
/// carried on from yesterday or started again, the check-in's points and
/// any milestone bonus posted to the ledger under the day's source keys,
/// so a retried request pays once.
struct CheckIns {
    let db: any Database

    struct Done: Content {
        var day: String
        var streak: Int
        var points: Int
        var bonus: Int
        var balance: Int
    }

    /// `milestones`: a check-in activity's own streak bonuses; nil pays the programme's.
    func checkIn(fanID: UUID, workspace: Workspace, milestones: CheckInPolicy? = nil, now: Date = Date()) async throws -> Done {
        let programme = try await FanProgrammeStore.load(workspace.id!, on: db)
        let policy = milestones.flatMap { $0.milestones.isEmpty ? nil : $0 } ?? programme.checkIn
        let zone = TimeZone(identifier: workspace.timeZone) ?? .gmt
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Check-ins need an SQL database.") }
            // Written first: a second check-in of the same fan waits here and then sees this one.
            _ = try await sql.raw("UPDATE fans SET updated_at = \(bind: now) WHERE id = \(bind: fanID)").run()
            guard let fan = try await Fan.query(on: tx).filter(\.$id == fanID).filter(\.$workspace.$id == workspace.id!).first() else {
                throw Problem.notFound("Fan")
            }
            if fan.mergedInto != nil || fan.erasedAt != nil {
                throw Problem(.conflict, .checkinAsRemainingFan)
            }
            switch CheckInStreak.next(after: fan.lastCheckInAt, streak: fan.checkInStreak, now: now, zone: zone, policy: policy) {
            case .alreadyCheckedInToday(_, let message):
                throw Problem(.conflict, .fanHas(message: message), type: "already-checked-in")
            case .checkedIn(let streak, let milestone, let day):
                fan.checkInStreak = streak
                fan.bestStreak = max(fan.bestStreak, streak)
                fan.lastCheckInAt = now
                try await fan.update(on: tx)
                // The streak (and the badges it earns) counts for every fan;
                // its points and milestone bonuses are what the
                // check_in_rewards privilege grants.
                var done = Done(day: day, streak: streak, points: 0, bonus: 0, balance: fan.pointsBalance)
                if programme.levels.grants("check_in_rewards", lifetimePoints: fan.lifetimePoints) {
                    let ledger = PointsLedger(db: tx)
                    let key = "check_in:\(fanID.uuidString.lowercased()):\(day)"
                    let earned = try await ledger.earn(
                        .checkIn, sourceKey: key, fanID: fanID, in: workspace.id!, policy: programme.points, zone: zone, now: now, on: tx)
                    done.points = earned?.delta ?? 0
                    done.balance = earned?.balance ?? done.balance
                    if milestone > 0 {
                        let posted = try await ledger.bonus(
                            milestone, sourceKey: "\(key):streak", reason: "\(streak)-day streak", fanID: fanID, in: workspace.id!, now: now,
                            on: tx)
                        done.bonus = milestone
                        done.balance = posted.balance
                    }
                }
                try await LoyaltyProgress.refresh(fanID, programme: programme, now: now, on: tx)
                return done
            }
        }
    }
}
