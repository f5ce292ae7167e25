import FanfareCore
import Fluent
import Vapor

/// The workspace's review chain: read by everyone who sees content,
/// changed by those who change the workspace's settings
/// (`workspace.update`), checked by `ReviewChain(validating:)` and audited.
/// A post already in review keeps the chain its round started with
/// (`ReviewProcess` carries it); the new chain applies from its next
/// submission.
struct ReviewChainService {
    let db: any Database

    /// One step as a form or the API sends it: text, to be checked.
    struct StepInput: Content, Equatable {
        var key: String?
        var name: String?
        var approvers: [String]?
        var automatic: Bool?
        var requiredApprovals: Int?
        var skipFor: [String]?

        enum CodingKeys: String, CodingKey {
            case key, name, approvers, automatic, requiredApprovals = "required_approvals", skipFor = "skip_for"
        }
    }

    struct Input: Content {
        var steps: [StepInput]?
        var independentApprovers: Bool?

        enum CodingKeys: String, CodingKey {
            case steps, independentApprovers = "independent_approvers"
        }
    }

    func chain(in access: WorkspaceAccess) throws -> ReviewChain {
        try access.require(.contentView)
        return access.workspace.reviewChain
    }

    /// The chain the input describes, every problem named by step and field
    /// (`steps[1].requiredApprovals`); a step without a key gets one made
    /// from its name.
    static func chain(from input: Input) throws(ValidationErrors) -> ReviewChain {
        guard let inputs = input.steps else { throw ValidationErrors("steps", .reviewStepsRequired) }
        var errors = ValidationErrors()
        var steps: [ReviewStep] = []
        var keys = Set(inputs.compactMap { $0.key?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        for (index, raw) in inputs.enumerated() {
            var roles: Set<Role> = []
            for name in raw.approvers ?? [] {
                if let role = Role(rawValue: name) {
                    roles.insert(role)
                } else {
                    errors.add("steps[\(index)].approvers", .unknownValue(value: name, choices: Role.allCases.map(\.rawValue)))
                }
            }
            let name = (raw.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            var key = (raw.key ?? "").trimmingCharacters(in: .whitespaces)
            if key.isEmpty {
                key = Self.key(from: name, index: index, taken: keys)
                keys.insert(key)
            }
            steps.append(
                ReviewStep(
                    key: key, name: name, approvers: roles, automatic: raw.automatic ?? false, requiredApprovals: raw.requiredApprovals ?? 1,
                    skipFor: Set(raw.skipFor ?? [])))
        }
        do {
            let chain = try ReviewChain(validating: steps, independentApprovers: input.independentApprovers ?? true)
            try errors.throwIfAny()
            return chain
        } catch {
            for issue in error.issues { errors.add(issue.field, issue.coded) }
            throw errors
        }
    }

    /// `Legal review` → `legal_review`; a name without Latin letters
    /// (法务审核) → `step_2`; made unique against `taken`.
    static func key(from name: String, index: Int, taken: Set<String>) -> String {
        var key = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || (("0"..."9").contains(scalar) && !key.isEmpty) {
                key.unicodeScalars.append(scalar)
            } else if !key.isEmpty, !key.hasSuffix("_") {
                key += "_"
            }
        }
        while key.hasSuffix("_") { key.removeLast() }
        key = String(key.prefix(32))
        if key.isEmpty { key = "step_\(index + 1)" }
        var candidate = key
        var n = 2
        while taken.contains(candidate) {
            candidate = "\(key)_\(n)"
            n += 1
        }
        return candidate
    }

    static func json(_ chain: ReviewChain) throws -> String {
        String(decoding: try JSONEncoder.sortedKeys.encode(chain), as: UTF8.self)
    }

    func save(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ReviewChain {
        try access.require(.workspaceUpdate)
        let chain = try Self.chain(from: input)
        let workspace = access.workspace
        let before = try Self.json(workspace.reviewChain)
        let after = try Self.json(chain)
        guard before != after || workspace.reviewChainJSON == nil else { return chain }
        workspace.reviewChainJSON = after
        try await db.writeTransaction { tx in
            try await workspace.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "workspace.review_chain_updated", targetType: "workspace",
                targetID: access.workspaceID, before: ["review_chain": before], after: ["review_chain": after], now: now)
        }
        return chain
    }
}

/// `GET/PUT /api/v1/workspaces/{ws}/review-chain`.
struct ReviewChainAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("review-chain", use: show)
        ws.put("review-chain", use: update)
    }

    struct StepDTO: Content {
        var key: String
        var name: String
        var approvers: [String]
        var automatic: Bool
        var requiredApprovals: Int
        var skipFor: [String]
    }

    struct ChainDTO: Content {
        var steps: [StepDTO]
        var independentApprovers: Bool

        init(_ chain: ReviewChain) {
            steps = chain.steps.map {
                StepDTO(
                    key: $0.key, name: $0.name, approvers: $0.approvers.sorted().map(\.rawValue), automatic: $0.automatic,
                    requiredApprovals: $0.requiredApprovals, skipFor: $0.skipFor.sorted())
            }
            independentApprovers = chain.independentApprovers
        }
    }

    @Sendable func show(req: Request) async throws -> ChainDTO {
        ChainDTO(try ReviewChainService(db: req.db).chain(in: try req.workspaceAccess))
    }

    /// Problems are named as the API spells the fields (`steps[1].required_approvals`).
    @Sendable func update(req: Request) async throws -> ChainDTO {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let input = try req.decodeDocument(ReviewChainService.Input.self)
        do {
            return ChainDTO(try await ReviewChainService(db: req.db).save(input, in: access, actor: req.actor))
        } catch let errors as ValidationErrors {
            var renamed = errors
            renamed.issues = errors.issues.map {
                FieldIssue(
                    field: $0.field.replacingOccurrences(of: "requiredApprovals", with: "required_approvals")
                        .replacingOccurrences(of: "skipFor", with: "skip_for"), $0.coded)
            }
            throw renamed
        }
    }
}
