import Foundation

/// One level of a workspace's review: who may decide it, or that the
/// machine decides it (length rules, sensitive words, asset rights).
public struct ReviewStep: Sendable, Equatable, Codable {
    /// A stable identifier kept in the review history, e.g. `legal`.
    public var key: String
    /// The name people see, e.g. "Legal review".
    public var name: String
    public var approvers: Set<Role>
    public var automatic: Bool

    public init(key: String, name: String, approvers: Set<Role> = [], automatic: Bool = false) {
        self.key = key
        self.name = name
        self.approvers = approvers
        self.automatic = automatic
    }

    private enum CodingKeys: String, CodingKey { case key, name, approvers, automatic }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        name = try container.decode(String.self, forKey: .name)
        approvers = try container.decodeIfPresent(Set<Role>.self, forKey: .approvers) ?? []
        automatic = try container.decodeIfPresent(Bool.self, forKey: .automatic) ?? false
    }

    /// Roles are written in a fixed order so that the stored JSON of an
    /// unchanged chain never changes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(name, forKey: .name)
        try container.encode(approvers.sorted(), forKey: .approvers)
        try container.encode(automatic, forKey: .automatic)
    }
}

/// The ordered levels a content item passes before it may be scheduled.
/// Configurable per workspace (SPEC §3); stored as JSON, so decoding
/// validates too: a chain read back from the database obeys the same rules
/// as one typed into a form.
public struct ReviewChain: Sendable, Equatable, Codable {
    public let steps: [ReviewStep]
    /// When true (the default) the person who submitted cannot approve, and
    /// nobody approves two levels of one round: a multi-level review exists
    /// to put several pairs of eyes on the text (S4 §4.2). A one-person
    /// workspace can switch it off.
    public let independentApprovers: Bool

    /// The default chain of S4 §4.2: automatic check → editorial review →
    /// legal review. The editorial level follows `PermissionMatrix.standard`
    /// (`content.review`: reviewer, manager, admin). The legal level is
    /// legal's alone, although managers hold `content.legal_review`, because
    /// a legal sign-off is only worth something if a lawyer gave it; a
    /// workspace without a legal member configures its own chain.
    public static let standard = ReviewChain(
        unchecked: [
            ReviewStep(key: "automatic", name: "Automatic check", automatic: true),
            ReviewStep(key: "editorial", name: "Editorial review", approvers: [.reviewer, .manager, .admin]),
            ReviewStep(key: "legal", name: "Legal review", approvers: [.legal]),
        ])

    private init(unchecked steps: [ReviewStep], independentApprovers: Bool = true) {
        self.steps = steps
        self.independentApprovers = independentApprovers
    }

    /// Accepts a chain that is not empty, has unique non-empty keys, at most
    /// one automatic step and only in first place, and a named approver role
    /// on every human step.
    public init(validating steps: [ReviewStep], independentApprovers: Bool = true) throws(ValidationErrors) {
        var errors = ValidationErrors()
        if steps.isEmpty {
            errors.add("steps", .reviewStepsRequired)
        }
        if steps.count > 10 {
            errors.add("steps", .reviewStepsAtMost(count: steps.count, max: 10))
        }
        var seen: Set<String> = []
        for (index, step) in steps.enumerated() {
            let field = "steps[\(index)]"
            let key = step.key
            if key.range(of: #"^[a-z][a-z0-9_]{0,39}$"#, options: .regularExpression) == nil {
                errors.add("\(field).key", .identifier(max: 40))
            } else if !seen.insert(key).inserted {
                errors.add("\(field).key", .reviewKeyRepeated(key: key))
            }
            let name = step.name.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty || name.count > 60 {
                errors.add("\(field).name", .lengthBetween(min: 1, max: 60))
            }
            if step.automatic {
                if index != 0 {
                    errors.add("\(field).automatic", .automaticStepFirst)
                }
                if !step.approvers.isEmpty {
                    errors.add("\(field).approvers", .automaticStepNoApprovers)
                }
            } else if step.approvers.isEmpty {
                errors.add("\(field).approvers", .approverRoles(choices: Role.allCases.map(\.rawValue)))
            }
        }
        try errors.throwIfAny()
        self.init(unchecked: steps, independentApprovers: independentApprovers)
    }

    private enum CodingKeys: String, CodingKey { case steps, independentApprovers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let steps = try container.decode([ReviewStep].self, forKey: .steps)
        let independent = try container.decodeIfPresent(Bool.self, forKey: .independentApprovers) ?? true
        do {
            try self.init(validating: steps, independentApprovers: independent)
        } catch {
            let detail = error.joined { .fieldSays(field: $0.field, message: $0.coded) } ?? .reviewStepsRequired
            throw DecodingError.coded(detail, at: container.codingPath + [CodingKeys.steps])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
        try container.encode(independentApprovers, forKey: .independentApprovers)
    }
}
