import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Moderation that acts: the graded recommendation carried out through
/// the account's connector where the platform allows it — hide or delete
/// the message, block its author — by a person's click, audited, and
/// undone where the platform can undo (docs/moderation-engine.md § Acting).
/// What a rule does by itself is `ModerationByRule`.
struct PlatformModeration {
    let db: any Database
    let app: Application

    /// The moves a person may ask for; undoing has its own call.
    static let offered = ModerationMove.offered

    /// The audit log's event for each move and its undoing.
    static let events: [ModerationMove: String] = [
        .hide: "message.hidden", .delete: "message.deleted", .block: "fan.blocked", .unhide: "message.unhidden", .unblock: "fan.unblocked",
    ]

    /// The moves the message's account can make on its platform.
    func moves(for account: SocialAccount) -> Set<ModerationMove> {
        guard let connector = try? AccountService(db: db, app: app).connector(for: account) else { return [] }
        return connector.capabilities.moderation
    }

    func act(messageID: String?, move raw: String, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> MessageAction {
        try access.require(.inboxReply)
        // Found first: another workspace's message is not found, whatever was asked.
        let message = try await access.find(IncomingMessage.self, messageID, on: db, what: "Message")
        guard let move = ModerationMove(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased()), Self.offered.contains(move) else {
            throw ValidationErrors("move", .oneOf(choices: Self.offered.map(\.rawValue)))
        }
        if let done = try await access.query(MessageAction.self, on: db).filter(\.$messageID == message.id!).filter(\.$move == move.rawValue)
            .filter(\.$undoneAt == nil).filter(\.$outcome == MessageAction.Outcome.done.rawValue).first()
        {
            return done
        }
        let account = try await access.find(SocialAccount.self, message.$account.id.uuidString, on: db, what: "Account")
        try await carryOut(move, message: message, account: account)
        let action = MessageAction()
        action.id = TimeOrderedID.make(at: now)
        action.$workspace.id = access.workspaceID
        action.messageID = message.id!
        action.move = move.rawValue
        action.byRule = false
        action.actor = actor.label
        action.at = now
        action.outcome = MessageAction.Outcome.done.rawValue
        try await db.writeTransaction { tx in
            try await action.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: Self.events[move]!, targetType: "incoming_message",
                targetID: message.id, after: ["platform": account.platform, "author": message.authorName, "message": message.remoteID], now: now)
        }
        return action
    }

    func undo(actionID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> MessageAction {
        try access.require(.inboxReply)
        let action = try await access.find(MessageAction.self, actionID, on: db, what: "Action")
        guard action.undoneAt == nil else { return action }
        // A rule's move that failed or could not be made left nothing to take back.
        guard action.settled == .done else { throw ValidationErrors("move", .moveNotDone(move: action.move)) }
        guard let undo = ModerationMove(rawValue: action.move)?.undo else {
            throw ValidationErrors("move", .moveCannotBeUndone(move: action.move))
        }
        let message = try await access.find(IncomingMessage.self, action.messageID.uuidString, on: db, what: "Message")
        let account = try await access.find(SocialAccount.self, message.$account.id.uuidString, on: db, what: "Account")
        try await carryOut(undo, message: message, account: account)
        action.undoneAt = now
        action.undoneBy = actor.label
        try await db.writeTransaction { tx in
            try await action.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: Self.events[undo]!, targetType: "incoming_message",
                targetID: message.id, after: ["platform": account.platform, "author": message.authorName], now: now)
        }
        return action
    }

    /// Asks the platform; what it refuses is said on the `move` field in
    /// its own words (the account may need reconnecting, the platform may
    /// not allow it).
    private func carryOut(_ move: ModerationMove, message: IncomingMessage, account: SocialAccount) async throws {
        let connector = try AccountService(db: db, app: app).connector(for: account)
        guard connector.capabilities.moderation.contains(move) else {
            throw ValidationErrors(
                "move",
                .moveNotOffered(
                    move: move.rawValue, platform: account.rulesPlatform, moves: connector.capabilities.moderation.map(\.rawValue).sorted()))
        }
        do {
            try await connector.moderate(move, interactionID: message.remoteID, authorID: message.authorID)
        } catch {
            throw ValidationErrors("move", .platformSaid(text: ConnectorMessages.text(error)))
        }
    }
}
