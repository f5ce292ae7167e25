import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Experiments randomised by audience (issue 21): on start the account's
/// fans are split at random into one group per arm (`AudienceSplit`, the
/// seed kept with the experiment, each fan's group kept in
/// `experiment_audience_members`); a job then sends each arm's post to its
/// group through the platform's group send (WeChat's tag mass-send), and
/// an hourly pass reads how many fans each send reached and how many
/// opened it. The read-out compares the arms' read rates.
enum AudienceSends {
    struct Payload: Codable, Sendable {
        var experimentID: UUID
    }

    static let sendKind = JobKind<Payload>("experiments.audience_send")
    static let countKind = JobKind<NoPayload>("experiments.audience_count")
    static let countPeriod: TimeInterval = 3_600
    /// Each group needs this many fans at least: fewer cannot show a
    /// difference, and a platform may refuse a send to one or two people.
    static let minimumPerGroup = 10
    /// The problem type of a start refused for too few fans.
    static let tooFewType = "audience-too-small"
    /// Rows a statement writes when the split is stored (5 values a row).
    static let insertBatch = 500

    struct Member: Equatable, Sendable {
        var fanID: UUID
        var authorID: String
    }

    /// The fans an account can send to: everyone who wrote to it, followed
    /// it or reacted on it (their platform id on this account, which for
    /// WeChat is the account's own openid), leaving out erased and merged
    /// fans. One id per fan.
    static func audience(accountID: UUID, workspaceID: UUID, on db: any Database) async throws -> [Member] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = try await sql.raw(
            """
            SELECT m.fan_id AS fan_id, MIN(m.author_id) AS author_id FROM incoming_messages m
            JOIN fans f ON f.id = m.fan_id AND f.workspace_id = m.workspace_id
            WHERE m.workspace_id = \(bind: workspaceID) AND m.account_id = \(bind: accountID) AND m.fan_id IS NOT NULL
            AND f.erased_at IS NULL AND f.merged_into IS NULL
            GROUP BY m.fan_id
            """
        ).all()
        return try rows.map {
            Member(fanID: try $0.decode(column: "fan_id", as: UUID.self), authorID: try $0.decode(column: "author_id", as: String.self))
        }
    }

    /// Writes the split (inside the start's transaction): each fan's group
    /// and one pending send per arm.
    static func store(
        _ experiment: Experiment, arms: [ExperimentArm], members: [Member], seed: String, on tx: any Database, now: Date
    ) async throws {
        guard let sql = tx as? any SQLDatabase else { return }
        let groups = AudienceSplit.assign(fanIDs: members.map { $0.fanID.uuidString.lowercased() }, seed: seed, weights: arms.map(\.weight))
        var sizes = Array(repeating: 0, count: arms.count)
        for start in stride(from: 0, to: members.count, by: insertBatch) {
            let rows: [any SQLExpression] = members[start..<min(members.count, start + insertBatch)].map { member in
                let position = groups[member.fanID.uuidString.lowercased()] ?? 0
                sizes[position] += 1
                return SQLGroupExpression([
                    SQLBind(experiment.$workspace.id), SQLBind(experiment.id!), SQLBind(member.fanID), SQLBind(member.authorID), SQLBind(position),
                ])
            }
            try await sql.raw(
                "INSERT INTO experiment_audience_members (workspace_id, experiment_id, fan_id, author_id, position) VALUES \(SQLList(rows))"
            ).run()
        }
        for arm in arms {
            let send = ExperimentSend()
            send.id = TimeOrderedID.make(at: now)
            send.$workspace.id = experiment.$workspace.id
            send.experimentID = experiment.id!
            send.armID = arm.id!
            send.position = arm.position
            send.state = ExperimentSend.State.pending.rawValue
            send.addressed = sizes[arm.position]
            try await send.create(on: tx)
        }
        _ = try await JobQueue(db: tx).enqueue(
            sendKind, payload: Payload(experimentID: experiment.id!), uniqueKey: "\(sendKind.name):\(experiment.id!.uuidString.lowercased())",
            maxAttempts: 20, now: now)
    }

    static func sends(of experimentID: UUID, workspaceID: UUID, on db: any Database) async throws -> [ExperimentSend] {
        try await ExperimentSend.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$experimentID == experimentID).sort(\.$position).all()
    }

    /// One group's platform ids, in a stable order.
    static func group(_ position: Int, of experimentID: UUID, on db: any Database) async throws -> [String] {
        guard let sql = db as? any SQLDatabase else { return [] }
        return try await sql.raw(
            """
            SELECT author_id FROM experiment_audience_members WHERE experiment_id = \(bind: experimentID) AND position = \(bind: position)
            ORDER BY author_id
            """
        ).all().map { try $0.decode(column: "author_id", as: String.self) }
    }

    /// The platform's name for an arm's group: short (WeChat allows 30
    /// characters) and the same on every retry, so a retry finds the tag
    /// it made.
    static func groupName(_ experimentID: UUID, position: Int) -> String {
        "fanfare-\(experimentID.uuidString.lowercased().prefix(8))-\(position)"
    }

    /// The key a send goes under: the same on every retry, so the
    /// platform's duplicate check keeps it to one send.
    static func sendKey(_ experimentID: UUID, position: Int) -> String { "exp-\(experimentID.uuidString.lowercased())-\(position)" }

    @Sendable static func runSend(_ job: Job, _ app: Application) async throws {
        let payload = try sendKind.payload(of: job)
        try await send(payload.experimentID, app: app, now: Date())
    }

    /// Sends every pending group its arm's post. A refusal marks that send
    /// failed with the platform's reason; a passing fault or a lost answer
    /// retries the job (the send key makes a retry safe).
    static func send(_ experimentID: UUID, app: Application, now: Date, connector given: (any Connector)? = nil) async throws {
        let db = app.db
        guard let experiment = try await Experiment.find(experimentID, on: db), experiment.state == Experiment.State.running.rawValue,
            let accountID = experiment.audienceAccountID
        else { return }
        let workspaceID = experiment.$workspace.id
        let pending = try await sends(of: experimentID, workspaceID: workspaceID, on: db).filter { $0.state == ExperimentSend.State.pending.rawValue }
        guard !pending.isEmpty else { return }
        let arms = try await ExperimentArm.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$experimentID == experimentID).all()
        func fail(_ send: ExperimentSend, _ reason: String) async throws {
            send.state = ExperimentSend.State.failed.rawValue
            send.failure = String(reason.prefix(1_000))
            try await send.save(on: db)
        }
        guard let account = try await SocialAccount.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id == accountID).first() else {
            for send in pending { try await fail(send, "The account was disconnected before the groups were sent.") }
            return
        }
        let service = AccountService(db: db, app: app)
        let connector = try given ?? service.connector(for: account)
        guard let sender = connector as? any AudienceSending else {
            for send in pending { try await fail(send, "This platform cannot send to a group of fans.") }
            return
        }
        if given == nil { try await service.refreshIfNeeded(account, connector: connector, now: now) }
        for send in pending {
            guard let arm = arms.first(where: { $0.id == send.armID }), let postID = arm.postIDs.first,
                let content = try await PostService.content(of: postID, for: accountID, workspaceID: workspaceID, on: db)
            else {
                try await fail(send, "The arm's post was deleted before it was sent.")
                continue
            }
            let fans = try await group(send.position, of: experimentID, on: db)
            let request = PublishRequest(idempotencyKey: sendKey(experimentID, position: send.position), variant: content)
            do {
                let receipt = try await sender.send(request, toFans: fans, group: groupName(experimentID, position: send.position))
                send.state = ExperimentSend.State.sent.rawValue
                send.messageID = receipt.messageID
                send.dataID = receipt.dataID
                send.sentAt = receipt.sentAt
                send.addressed = receipt.addressed
                try await send.save(on: db)
            } catch let error as ConnectorError {
                switch error {
                case .rateLimited(let after): throw JobRetry(after: max(1, after), reason: "rate limited")
                case .temporary(let reason), .outcomeUnknown(let reason): throw JobRetry(after: 60, reason: reason)
                case .expiredCredentials, .rejected, .notSupported, .notFound:
                    try await fail(send, ErrorSentence.of(error, otherwise: "The platform refused the send."))
                }
            }
        }
    }

    @Sendable static func runCount(_ job: Job, _ app: Application) async throws {
        try await count(app: app, now: Date())
    }

    /// Reads each sent group's delivered and read counts for every running
    /// audience experiment. One account's fault is logged and the others
    /// are still counted.
    static func count(app: Application, now: Date, connectors given: [UUID: any Connector] = [:]) async throws {
        let db = app.db
        let running = try await Experiment.query(on: db).filter(\.$state == Experiment.State.running.rawValue)
            .filter(\.$assignment == Experiment.Assignment.audience.rawValue).all()
        for experiment in running {
            guard let accountID = experiment.audienceAccountID else { continue }
            let workspaceID = experiment.$workspace.id
            let sent = try await sends(of: experiment.id!, workspaceID: workspaceID, on: db).filter {
                $0.state == ExperimentSend.State.sent.rawValue
            }
            guard !sent.isEmpty else { continue }
            do {
                var connector = given[accountID]
                if connector == nil, let account = try await SocialAccount.find(accountID, on: db) {
                    connector = try AccountService(db: db, app: app).connector(for: account)
                }
                guard let sender = connector as? any AudienceSending else { continue }
                for send in sent {
                    guard let messageID = send.messageID, let sentAt = send.sentAt else { continue }
                    let fans = try await group(send.position, of: experiment.id!, on: db)
                    let receipt = AudienceSend(messageID: messageID, dataID: send.dataID, sentAt: sentAt, addressed: send.addressed)
                    let found: Result<AudienceReach?, ConnectorError>
                    do {
                        found = .success(try await sender.reach(of: receipt, fanIDs: fans, now: now))
                    } catch {
                        found = .failure(error)
                    }
                    var reached: AudienceReach?
                    switch found {
                    case .success(let value): reached = value
                    case .failure(.notSupported(let reason)):
                        // The platform cannot count this send (WeChat, for a
                        // send known only from its duplicate answer): said on
                        // the page, and the other groups still counted.
                        if send.failure != reason {
                            send.failure = reason
                            try await send.save(on: db)
                        }
                    case .failure(let error): throw error
                    }
                    guard let reach = reached else { continue }
                    send.delivered = reach.delivered
                    // A platform may count an opening by a fan outside the
                    // group (a forward); a rate cannot pass 1.
                    send.readers = min(reach.readers, reach.delivered)
                    send.countedAt = now
                    try await send.save(on: db)
                }
            } catch {
                app.logger.warning(
                    "experiment audience count failed",
                    metadata: ["experiment": "\(experiment.id!)", "error": "\(ErrorSentence.of(error, otherwise: "\(error)"))"])
            }
        }
    }
}
