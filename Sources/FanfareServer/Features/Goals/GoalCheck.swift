import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The hourly check (issue 21 scope 1): every goal judged from live
/// metrics, its state kept, and a notification through the shared
/// channels when a goal goes off track — once per slide, however many
/// workers run the check (the state is changed by compare-and-set).
enum GoalCheck {
    static let kind = JobKind<NoPayload>("goals.check")
    static let period: TimeInterval = 3_600
    /// Told besides the goal's owner (or, without one, its writer).
    static let recipients: Set<Role> = [.admin, .manager]
    /// Goals read at once by the hourly check.
    static let concurrentReads = 4

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await check(on: app.db, now: Date())
    }

    /// Judges the goals; returns those that went off track in this pass.
    @discardableResult
    static func check(on db: any Database, now: Date) async throws -> [UUID] {
        var wentOff: [UUID] = []
        let goals = try await Goal.query(on: db).sort(\.$workspace.$id).sort(\.$id).all()
        var readers: [UUID: GoalReader] = [:]
        var due: [(goal: Goal, definition: GoalDefinition, reader: GoalReader, today: String)] = []
        for goal in goals {
            guard let definition = goal.definition, definition.metric.isTracked else { continue }
            let workspaceID = goal.$workspace.id
            if readers[workspaceID] == nil { readers[workspaceID] = try await GoalReader.make(workspaceID, on: db) }
            let reader = readers[workspaceID]!
            let today = MetricDay.of(now, in: reader.timeZone)
            // A goal judged after its deadline does not change any more.
            if let last = goal.lastState, ["achieved", "missed"].contains(last), today > goal.deadline { continue }
            due.append((goal, definition, reader, today))
        }
        // The goals are read a few at a time (reading is most of the pass and
        // the database serves reads side by side); the states are then
        // written one by one, each by compare-and-set.
        var states: [Int: GoalState] = [:]
        try await withThrowingTaskGroup(of: (Int, GoalState).self) { group in
            var next = 0
            func add() {
                guard next < due.count else { return }
                let (index, item) = (next, due[next])
                next += 1
                group.addTask { (index, try await item.reader.read(item.definition, today: item.today).progress.state) }
            }
            for _ in 0..<Self.concurrentReads { add() }
            while let (index, state) = try await group.next() {
                states[index] = state
                add()
            }
        }
        for (index, item) in due.enumerated() {
            let goal = item.goal
            guard let state = states[index] else { continue }
            let previous = goal.lastState.flatMap(GoalState.init(rawValue:))
            guard state != previous else { continue }
            let changed = try await db.writeTransaction { tx -> Bool in
                guard let sql = tx as? any SQLDatabase else { return false }
                let was: SQLQueryString = goal.lastState.map { "last_state = \(bind: $0)" } ?? "last_state IS NULL"
                let updated = try await sql.raw(
                    """
                    UPDATE goals SET last_state = \(bind: state.rawValue), last_checked_at = \(bind: now) WHERE id = \(bind: goal.id!) AND \(was) RETURNING id
                    """
                ).first()
                guard updated != nil else { return false }
                if GoalProgressRule.notifies(previous: previous, current: state) { try await announce(goal, now: now, on: tx) }
                return true
            }
            if changed, GoalProgressRule.notifies(previous: previous, current: state) { wentOff.append(goal.id!) }
        }
        return wentOff
    }

    static func announce(_ goal: Goal, now: Date, on db: any Database) async throws {
        let workspaceID = goal.$workspace.id
        var people = Set(try await Notifier.members(with: recipients, in: workspaceID, on: db))
        if let person = goal.ownerID ?? goal.createdBy {
            let members = try await Membership.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$user.$id == person).count()
            if members > 0 { people.insert(person) }
        }
        let id = goal.id!.uuidString.lowercased()
        let event = OutboundEvent(
            kind: .goalOffTrack, workspaceID: workspaceID, grade: nil, monitorID: nil, key: "goals.notice.off_track", args: [goal.title],
            link: "/goals/\(id)", dedupeKey: "goal:\(id):off_track:\(Int(now.timeIntervalSince1970))")
        try await Notifier.announce(event, to: people.sorted { $0.uuidString < $1.uuidString }, on: db, now: now)
    }
}
