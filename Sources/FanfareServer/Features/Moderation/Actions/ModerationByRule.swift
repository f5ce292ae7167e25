import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Acting by rule: when messages arrive, the intake's transaction queues
/// this job for those whose graded recommendation the workspace's rules
/// act on; the job carries the moves out through each account's connector,
/// outside any transaction, where the platform allows them
/// (docs/moderation-engine.md § Acting by rule).
///
/// Every move is first claimed as a `MessageAction` under a unique key
/// (per message and move; per author for a block), then asked of the
/// platform, then settled (done,
/// failed with the platform's words, or not possible on this platform). A
/// claim that exists already means the move was handled: no move is made
/// twice for a message, whatever re-runs (a repeated intake stores no
/// message twice; a re-run job finds its claims). A failure is recorded and
/// shown on the moderation page, not retried: a person can still act.
enum ModerationByRule {
    static let kind = JobKind<Payload>("moderation.by_rule")

    /// Stored as `{"messageIDs": […]}`.
    struct Payload: Codable, Sendable, Equatable {
        var messageIDs: [UUID]
    }

    /// The job for messages just stored, when the workspace's rules ask the
    /// platform for something at any of their grades; nil otherwise (most
    /// messages are not flagged, most workspaces act by hand).
    static func job(
        for arrivals: [(id: UUID, grade: ModerationAction)], workspaceID: UUID, at now: Date, in db: any Database
    ) async throws
        -> JobQueue.NewJob?
    {
        let flagged = arrivals.filter { $0.grade != .none }
        guard !flagged.isEmpty else { return nil }
        let rules = try await ModerationRuleRecord.rules(of: workspaceID, on: db)
        let acted = flagged.filter { !rules.moves(for: $0.grade).isEmpty }
        guard let first = acted.first else { return nil }
        return try JobQueue.NewJob(
            kind, payload: Payload(messageIDs: acted.map(\.id)), runAt: now, uniqueKey: "\(kind.name):\(first.id.uuidString.lowercased())",
            maxAttempts: 5)
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await carryOut(try kind.payload(of: job).messageIDs, app: app, now: Date())
    }

    /// Carries out the rules' moves for these messages, each at most once.
    static func carryOut(_ messageIDs: [UUID], app: Application, now: Date) async throws {
        guard !messageIDs.isEmpty else { return }
        let db = app.db
        // A claim still pending is from a run that stopped while the
        // platform was asked: whether it acted is unknown, and it is not
        // asked again.
        try await MessageAction.query(on: db).filter(\.$messageID ~~ messageIDs).filter(\.$byRule == true)
            .filter(\.$outcome == MessageAction.Outcome.pending.rawValue).set(\.$outcome, to: MessageAction.Outcome.unknown.rawValue).update()
        let messages = try await IncomingMessage.query(on: db).filter(\.$id ~~ messageIDs).with(\.$account).sort(\.$id).all()
        var rules: [UUID: ModerationRules] = [:]
        for message in messages {
            let workspaceID = message.$workspace.id
            if rules[workspaceID] == nil { rules[workspaceID] = try await ModerationRuleRecord.rules(of: workspaceID, on: db) }
            guard let grade = ModerationAction(rawValue: message.recommendation), let workspaceRules = rules[workspaceID],
                !workspaceRules.moves(for: grade).isEmpty
            else { continue }
            let connector: (any Connector)?
            var unusable: String?
            do {
                connector = try AccountService(db: db, app: app).connector(for: message.account)
            } catch {
                connector = nil
                unusable = ErrorSentence.of(error, otherwise: "The account's connection could not be used; reconnect the account.")
            }
            for (move, possible) in workspaceRules.plan(for: grade, allowed: connector?.capabilities.moderation ?? []) {
                if try await alreadyInEffect(move, for: message, on: db) { continue }
                let outcome: MessageAction.Outcome = connector == nil ? .failed : possible ? .pending : .notPossible
                guard let claim = try await claim(move, for: message, outcome: outcome, reason: unusable, now: now, on: db),
                    outcome == .pending, let connector
                else { continue }
                do {
                    try await connector.moderate(move, interactionID: message.remoteID, authorID: message.authorID)
                } catch {
                    claim.outcome = MessageAction.Outcome.failed.rawValue
                    claim.reason = String(ConnectorMessages.text(error).prefix(1_000))
                    try await claim.save(on: db)
                    continue
                }
                claim.outcome = MessageAction.Outcome.done.rawValue
                try await db.writeTransaction { tx in
                    try await claim.save(on: tx)
                    try await AuditLog.record(
                        on: tx, actor: .rule, workspaceID: workspaceID, action: PlatformModeration.events[move]!, targetType: "incoming_message",
                        targetID: message.id,
                        after: [
                            "platform": message.account.platform, "author": message.authorName, "message": message.remoteID,
                            "recommendation": grade.rawValue,
                        ], now: now)
                }
            }
        }
    }

    /// Whether the move is in effect already: a person did it to this
    /// message, or (for a block) the author is blocked on this account by
    /// a move on another of their messages.
    static func alreadyInEffect(_ move: ModerationMove, for message: IncomingMessage, on db: any Database) async throws -> Bool {
        var messageIDs = [message.id!]
        if move == .block {
            messageIDs = try await IncomingMessage.query(on: db).filter(\.$account.$id == message.$account.id)
                .filter(\.$authorID == message.authorID).all(\.$id)
        }
        return try await MessageAction.query(on: db).filter(\.$messageID ~~ messageIDs).filter(\.$move == move.rawValue)
            .filter(\.$outcome == MessageAction.Outcome.done.rawValue).filter(\.$undoneAt == nil).first() != nil
    }

    /// The claim's key: per message for what is done to the message; per
    /// author on the account for a block, so two of a fan's messages
    /// handled at once block them once, and a block a person undid is not
    /// made again by the rule.
    static func ruleKey(_ move: ModerationMove, for message: IncomingMessage) -> String {
        move == .block
            ? "author:\(message.$account.id.uuidString.lowercased()):\(message.authorID):block"
            : "message:\(message.id!.uuidString.lowercased()):\(move.rawValue)"
    }

    /// Records the rule's move for the message under its unique key, or
    /// nil when it was recorded before (by an earlier run).
    static func claim(
        _ move: ModerationMove, for message: IncomingMessage, outcome: MessageAction.Outcome, reason: String?, now: Date, on db: any Database
    ) async throws -> MessageAction? {
        let action = MessageAction()
        action.id = TimeOrderedID.make(at: now)
        action.$workspace.id = message.$workspace.id
        action.messageID = message.id!
        action.move = move.rawValue
        action.byRule = true
        action.actor = MessageAction.ruleActor
        action.at = now
        action.outcome = outcome.rawValue
        action.reason = reason
        action.ruleKey = ruleKey(move, for: message)
        do {
            try await action.create(on: db)
            return action
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return nil
        }
    }
}
