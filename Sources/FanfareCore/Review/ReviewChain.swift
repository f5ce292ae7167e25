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
    /// How many different people (each with one of `approvers`) must approve
    /// before the item moves on: 1 to `ReviewChain.maxApprovals`.
    public var requiredApprovals: Int
    /// Post formats (`ContentFormat` raw values: `image_text`, `live` …)
    /// that pass this step without it being asked: a short video may skip
    /// legal review where a long article may not. The automatic step is
    /// never skipped.
    public var skipFor: Set<String>

    public init(
        key: String, name: String, approvers: Set<Role> = [], automatic: Bool = false, requiredApprovals: Int = 1, skipFor: Set<String> = []
    ) {
        self.key = key
        self.name = name
        self.approvers = approvers
        self.automatic = automatic
        self.requiredApprovals = requiredApprovals
        self.skipFor = skipFor
    }

    /// Whether an item of this format passes the step without a decision.
    public func isSkipped(for postType: String?) -> Bool {
        guard !automatic, let postType else { return false }
        return skipFor.contains(postType)
    }

    private enum CodingKeys: String, CodingKey { case key, name, approvers, automatic, requiredApprovals, skipFor }

    /// A chain stored before approvals and skips existed reads with one
    /// approval and no skip.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        name = try container.decode(String.self, forKey: .name)
        approvers = try container.decodeIfPresent(Set<Role>.self, forKey: .approvers) ?? []
        automatic = try container.decodeIfPresent(Bool.self, forKey: .automatic) ?? false
        requiredApprovals = try container.decodeIfPresent(Int.self, forKey: .requiredApprovals) ?? 1
        skipFor = try container.decodeIfPresent(Set<String>.self, forKey: .skipFor) ?? []
    }

    /// Roles and formats are written in a fixed order, and the defaults (one
    /// approval, no skip) not at all, so that the stored JSON of an
    /// unchanged chain never changes, also from before they existed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(name, forKey: .name)
        try container.encode(approvers.sorted(), forKey: .approvers)
        try container.encode(automatic, forKey: .automatic)
        if requiredApprovals != 1 { try container.encode(requiredApprovals, forKey: .requiredApprovals) }
        if !skipFor.isEmpty { try container.encode(skipFor.sorted(), forKey: .skipFor) }
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

    /// At most this many approvals may a step ask for.
    public static let maxApprovals = 5
    /// At most this many steps.
    public static let maxSteps = 10
    /// What `skipFor` may name: the post formats.
    public static let skippableTypes = ContentFormat.allCases.map(\.rawValue)

    /// Accepts a chain that is not empty, has unique non-empty keys, at most
    /// one automatic step and only in first place, a named approver role
    /// on every human step, 1 to 5 required approvals, and only known post
    /// formats to skip (never on the automatic step).
    public init(validating steps: [ReviewStep], independentApprovers: Bool = true) throws(ValidationErrors) {
        var errors = ValidationErrors()
        if steps.isEmpty {
            errors.add("steps", .reviewStepsRequired)
        }
        if steps.count > Self.maxSteps {
            errors.add("steps", .reviewStepsAtMost(count: steps.count, max: Self.maxSteps))
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
                if !step.skipFor.isEmpty {
                    errors.add("\(field).skipFor", .automaticStepNotSkipped)
                }
            } else if step.approvers.isEmpty {
                errors.add("\(field).approvers", .approverRoles(choices: Role.allCases.map(\.rawValue)))
            }
            if !(1...Self.maxApprovals).contains(step.requiredApprovals) {
                errors.add("\(field).requiredApprovals", .wholeNumberBetween(min: 1, max: Self.maxApprovals))
            }
            if let unknown = step.skipFor.sorted().first(where: { !Self.skippableTypes.contains($0) }) {
                errors.add("\(field).skipFor", .unknownValue(value: unknown, choices: Self.skippableTypes))
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
