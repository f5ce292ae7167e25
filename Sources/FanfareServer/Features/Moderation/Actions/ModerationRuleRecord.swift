import FanfareCore
import Fluent
import Vapor

/// A workspace's rules for acting by itself (`ModerationRules`, as JSON);
/// no row: every grade off.
final class ModerationRuleRecord: Model, @unchecked Sendable {
    static let schema = "moderation_rules"

    @ID(custom: "workspace_id", generatedBy: .user) var id: UUID?
    @Field(key: "rules") var rulesJSON: String
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "updated_by") var updatedBy: String

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list.
    var properties: [any AnyProperty] { [$id, $rulesJSON, $updatedAt, $updatedBy] }

    /// A stored value that no longer reads (edited by hand) counts as off:
    /// acting by itself must never follow a rule nobody can see.
    var rules: ModerationRules {
        (try? JSONDecoder().decode(ModerationRules.self, from: Data(rulesJSON.utf8))) ?? .off
    }

    static func rules(of workspaceID: UUID, on db: any Database) async throws -> ModerationRules {
        try await find(workspaceID, on: db)?.rules ?? .off
    }
}

/// Reading and changing the rules: everyone who reads the inbox may see
/// what Fanfare does by itself; only the workspace's admins change it.
struct ModerationRuleService {
    let db: any Database

    struct Current: Sendable {
        var rules: ModerationRules
        var updatedAt: Date?
        var updatedBy: String?
    }

    func current(in access: WorkspaceAccess) async throws -> Current {
        try access.require(.inboxView)
        let record = try await ModerationRuleRecord.find(access.workspaceID, on: db)
        return Current(rules: record?.rules ?? .off, updatedAt: record?.updatedAt, updatedBy: record?.updatedBy)
    }

    func update(_ rules: ModerationRules, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Current {
        try access.require(.workspaceUpdate)
        let after = Self.json(rules)
        return try await db.writeTransaction { tx in
            let record = try await ModerationRuleRecord.find(access.workspaceID, on: tx)
            let before = record?.rules ?? .off
            guard before != rules || record == nil else {
                return Current(rules: rules, updatedAt: record?.updatedAt, updatedBy: record?.updatedBy)
            }
            let saved = record ?? ModerationRuleRecord()
            saved.id = access.workspaceID
            saved.rulesJSON = after
            saved.updatedAt = now
            saved.updatedBy = actor.label
            try await saved.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "moderation.rules_updated", targetType: "workspace",
                targetID: access.workspaceID, before: Self.summary(before), after: Self.summary(rules), now: now)
            return Current(rules: rules, updatedAt: now, updatedBy: actor.label)
        }
    }

    /// The audit's summary: one entry per grade, `hide`, `delete+block`, `off`.
    static func summary(_ rules: ModerationRules) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: ModerationRules.grades.map { grade in
                let moves = rules.moves(for: grade).map(\.rawValue)
                return (grade.rawValue, moves.isEmpty ? "off" : moves.joined(separator: "+"))
            })
    }

    static func json(_ rules: ModerationRules) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(rules)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// The rules as the API shows and takes them: per grade, what happens to
/// the message (`none`, `hide`, `delete`) and whether its author is blocked.
struct ModerationRulesDTO: Content {
    struct Step: Content {
        var message: String?
        var blockAuthor: Bool?

        init(_ step: ModerationRules.Step) {
            message = step.message.rawValue
            blockAuthor = step.blockAuthor
        }
    }

    var warn: Step?
    var remind: Step?
    var delete: Step?
    var ban: Step?
    var updatedAt: Date?
    var updatedBy: String?

    init(_ current: ModerationRuleService.Current) {
        warn = Step(current.rules.warn)
        remind = Step(current.rules.remind)
        delete = Step(current.rules.delete)
        ban = Step(current.rules.ban)
        updatedAt = current.updatedAt
        updatedBy = current.updatedBy
    }

    /// What was sent, by grade, for `ModerationRules.parse`.
    var input: [ModerationAction: (message: String?, blockAuthor: Bool?)] {
        var input: [ModerationAction: (message: String?, blockAuthor: Bool?)] = [:]
        for (grade, step) in [(ModerationAction.warn, warn), (.remind, remind), (.delete, delete), (.ban, ban)] {
            if let step { input[grade] = (step.message, step.blockAuthor) }
        }
        return input
    }
}
