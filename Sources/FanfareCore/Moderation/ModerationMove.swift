import Foundation

/// What an account can do, through its platform, about a fan's message or
/// the fan: hide or delete the message, block the author, and undo what
/// the platform lets it undo. Connectors declare which of these they can
/// make (`ConnectorCapabilities.moderation`); the rules below decide which
/// one a graded recommendation asks for.
public enum ModerationMove: String, Sendable, Codable, CaseIterable {
    case hide
    case unhide
    case delete
    case block
    case unblock

    /// The move that takes this one back, where there is one (a deleted
    /// message is gone).
    public var undo: ModerationMove? {
        switch self {
        case .hide: .unhide
        case .block: .unblock
        case .unhide, .unblock, .delete: nil
        }
    }

    /// The moves a person or a rule may ask for; undoing has its own call.
    public static let offered: [ModerationMove] = [.hide, .delete, .block]

    /// The one move a graded recommendation stands for, where the platform
    /// allows it: delete → delete the message (or hide it where deleting is
    /// not allowed), ban → block the author; warn and remind ask nothing
    /// of the platform. The moderation page marks this button first.
    public static func recommended(for grade: ModerationAction, allowed: Set<ModerationMove>) -> ModerationMove? {
        switch grade {
        case .delete: allowed.contains(.delete) ? .delete : allowed.contains(.hide) ? .hide : nil
        case .ban: allowed.contains(.block) ? .block : nil
        case .none, .warn, .remind: nil
        }
    }
}

/// Acting by rule: what a workspace has Fanfare do on the platform, by
/// itself, when a message arrives with a graded recommendation (warn →
/// remind → delete → ban). Each grade may hide or delete the message and
/// may block its author. Off for every grade unless an admin turns it on.
public struct ModerationRules: Sendable, Equatable, Codable {
    /// What happens to the message itself.
    public enum MessageMove: String, Sendable, Codable, CaseIterable {
        case none
        case hide
        case delete

        var move: ModerationMove? {
            switch self {
            case .none: nil
            case .hide: .hide
            case .delete: .delete
            }
        }
    }

    /// The rule of one grade.
    public struct Step: Sendable, Equatable, Codable {
        public var message: MessageMove
        public var blockAuthor: Bool

        public init(message: MessageMove = .none, blockAuthor: Bool = false) {
            self.message = message
            self.blockAuthor = blockAuthor
        }

        public static let off = Step()
        public var isOff: Bool { message == .none && !blockAuthor }

        enum CodingKeys: String, CodingKey {
            case message
            case blockAuthor = "block_author"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try container.decodeIfPresent(MessageMove.self, forKey: .message) ?? .none
            blockAuthor = try container.decodeIfPresent(Bool.self, forKey: .blockAuthor) ?? false
        }
    }

    /// The grades a rule can be set for, mildest first.
    public static let grades: [ModerationAction] = [.warn, .remind, .delete, .ban]

    public var warn: Step
    public var remind: Step
    public var delete: Step
    public var ban: Step

    public init(warn: Step = .off, remind: Step = .off, delete: Step = .off, ban: Step = .off) {
        self.warn = warn
        self.remind = remind
        self.delete = delete
        self.ban = ban
    }

    /// Nothing is done by rule: the default.
    public static let off = ModerationRules()
    public var isOff: Bool { Self.grades.allSatisfy { step(for: $0).isOff } }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        warn = try container.decodeIfPresent(Step.self, forKey: .warn) ?? .off
        remind = try container.decodeIfPresent(Step.self, forKey: .remind) ?? .off
        delete = try container.decodeIfPresent(Step.self, forKey: .delete) ?? .off
        ban = try container.decodeIfPresent(Step.self, forKey: .ban) ?? .off
    }

    public func step(for grade: ModerationAction) -> Step {
        switch grade {
        case .none: .off
        case .warn: warn
        case .remind: remind
        case .delete: delete
        case .ban: ban
        }
    }

    public mutating func set(_ step: Step, for grade: ModerationAction) {
        switch grade {
        case .none: break
        case .warn: warn = step
        case .remind: remind = step
        case .delete: delete = step
        case .ban: ban = step
        }
    }

    /// The moves the rule asks for at `grade`, in the order they are
    /// carried out: the message first (hidden or deleted while its author
    /// can still be found), then its author.
    public func moves(for grade: ModerationAction) -> [ModerationMove] {
        let step = step(for: grade)
        return [step.message.move, step.blockAuthor ? .block : nil].compactMap { $0 }
    }

    /// Each move the rule asks for at `grade` and whether the account's
    /// platform allows it; one it does not allow is recorded as not
    /// possible, never tried.
    public func plan(for grade: ModerationAction, allowed: Set<ModerationMove>) -> [(move: ModerationMove, possible: Bool)] {
        moves(for: grade).map { ($0, allowed.contains($0)) }
    }

    /// The rules from what a form or the API sent, by grade: `message`
    /// none, hide or delete (missing: none) and `block_author`. Every wrong
    /// value is named by its field (`delete.message`).
    public static func parse(_ input: [ModerationAction: (message: String?, blockAuthor: Bool?)]) throws(ValidationErrors) -> ModerationRules {
        var errors = ValidationErrors()
        var rules = ModerationRules.off
        for grade in grades {
            guard let given = input[grade] else { continue }
            let raw = (given.message ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            var step = Step(blockAuthor: given.blockAuthor ?? false)
            if raw.isEmpty {
                step.message = .none
            } else if let message = MessageMove(rawValue: raw) {
                step.message = message
            } else {
                errors.add("\(grade.rawValue).message", .oneOf(choices: MessageMove.allCases.map(\.rawValue)))
            }
            rules.set(step, for: grade)
        }
        try errors.throwIfAny()
        return rules
    }
}
