import Foundation

/// Where a content item stands in its review. Scheduling and publishing
/// follow `approved` and belong to the publishing workflow, not to review.
public enum ReviewState: Sendable, Equatable, Codable {
    case draft
    /// Waiting for the step at this index of the chain.
    case inReview(stepIndex: Int)
    case approved
    /// Rejected at the step at this index; an edit returns it to draft.
    case rejected(stepIndex: Int)

    /// The name stored in a database column and shown in the API:
    /// `draft`, `in_review`, `approved` or `rejected`.
    public var status: String {
        switch self {
        case .draft: "draft"
        case .inReview: "in_review"
        case .approved: "approved"
        case .rejected: "rejected"
        }
    }

    public var stepIndex: Int? {
        switch self {
        case .inReview(let index), .rejected(let index): index
        case .draft, .approved: nil
        }
    }

    /// Rebuilds a state from its stored columns; nil when they do not fit.
    public init?(status: String, stepIndex: Int?) {
        switch (status, stepIndex) {
        case ("draft", nil): self = .draft
        case ("approved", nil): self = .approved
        case ("in_review", let index?) where index >= 0: self = .inReview(stepIndex: index)
        case ("rejected", let index?) where index >= 0: self = .rejected(stepIndex: index)
        default: return nil
        }
    }

    private enum CodingKeys: String, CodingKey { case status, stepIndex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let status = try container.decode(String.self, forKey: .status)
        let index = try container.decodeIfPresent(Int.self, forKey: .stepIndex)
        guard let state = ReviewState(status: status, stepIndex: index) else {
            throw DecodingError.dataCorruptedError(
                forKey: .status, in: container,
                debugDescription: "status must be draft, in_review, approved or rejected, with stepIndex only for in_review and rejected")
        }
        self = state
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(stepIndex, forKey: .stepIndex)
    }
}

/// What happened at one moment of a review.
public enum ReviewDecision: String, Sendable, Equatable, Codable, CaseIterable {
    case submitted
    case approved
    case rejected
    case returnedByEdit = "returned_by_edit"
    case autoPassed = "auto_passed"
    case autoFailed = "auto_failed"
    /// The step does not apply to this post's format (`ReviewStep.skipFor`).
    case skipped
}

/// One line of the review history: who decided what, when and why
/// (SPEC §3: "every decision is kept with who, when and why").
public struct ReviewEntry: Sendable, Equatable, Codable {
    /// The key of the step concerned; nil for a submission or for an edit
    /// made while no step was open.
    public var step: String?
    public var decision: ReviewDecision
    /// The member's id; nil for the automatic check.
    public var actorID: String?
    public var comment: String?
    /// What the automatic check found, for `autoFailed`.
    public var problems: [String]
    public var at: Date

    public init(
        step: String?, decision: ReviewDecision, actorID: String?, comment: String? = nil, problems: [String] = [], at: Date
    ) {
        self.step = step
        self.decision = decision
        self.actorID = actorID
        self.comment = comment
        self.problems = problems
        self.at = at
    }

    /// `actorId` so that snake_case strategies turn it into `actor_id`
    /// and back again.
    private enum CodingKeys: String, CodingKey {
        case step, decision, problems, at, comment
        case actorID = "actorId"
    }
}

/// The review of one content item as a value: every transition is a
/// mutating call that either records an entry or throws, so the server
/// loads it, calls one method and stores it back.
///
/// The process keeps the chain it started with: when a workspace changes
/// its chain, an item already in review finishes under the old one.
///
/// A step passes once `requiredApprovals` different people with one of
/// its roles approved it in the current round; a step whose `skipFor`
/// names the item's format is passed over (and written in the history as
/// `skipped`), decided at submission from the format given then.
public struct ReviewProcess: Sendable, Equatable, Codable {
    public let chain: ReviewChain
    public private(set) var state: ReviewState
    public private(set) var history: [ReviewEntry]
    /// The item's format when it was last submitted (`ContentFormat` raw
    /// value); nil before, or for a process stored before formats counted.
    public private(set) var postType: String?

    public init(chain: ReviewChain = .standard) {
        self.init(chain: chain, state: .draft, history: [])
    }

    /// Restores a stored process.
    public init(chain: ReviewChain, state: ReviewState, history: [ReviewEntry], postType: String? = nil) {
        self.chain = chain
        self.state = state
        self.history = history
        self.postType = postType
    }

    /// Approvals the open step has in this round, and how many it needs.
    public var approvals: (have: Int, need: Int)? {
        guard let step = currentStep else { return nil }
        return (approvers(of: step).count, step.requiredApprovals)
    }

    /// The people who approved `step` in the current round.
    private func approvers(of step: ReviewStep) -> Set<String> {
        Set(currentRound.filter { $0.step == step.key && $0.decision == .approved }.compactMap(\.actorID))
    }

    /// From `index` on, the first step this item's format does not skip,
    /// writing a `skipped` entry for each one passed over; nil past the end.
    private mutating func firstStep(from index: Int, at date: Date) -> Int? {
        var index = index
        while index < chain.steps.count {
            let step = chain.steps[index]
            guard step.isSkipped(for: postType) else { return index }
            history.append(ReviewEntry(step: step.key, decision: .skipped, actorID: nil, at: date))
            index += 1
        }
        return nil
    }

    /// The step waiting for a decision.
    public var currentStep: ReviewStep? {
        guard case .inReview(let index) = state, chain.steps.indices.contains(index) else { return nil }
        return chain.steps[index]
    }

    /// Who to notify: the roles that may decide the open step; nil when no
    /// step is open.
    public var nextApprovers: Set<Role>? {
        currentStep?.approvers
    }

    public var isApproved: Bool { state == .approved }

    /// Whether the open step waits for this person: their role decides it
    /// and, with independent approvers, they neither submitted this round
    /// nor approved an earlier step of it (`decide` would refuse them).
    /// This is what a reviewer's queue and the 工作台 count show.
    public func awaitsDecision(from role: Role, actor: String) -> Bool {
        guard let step = currentStep, step.approvers.contains(role) else { return false }
        if approvers(of: step).contains(actor) { return false }
        guard chain.independentApprovers else { return true }
        return !currentRound.contains { ($0.decision == .submitted || $0.decision == .approved) && $0.actorID == actor }
    }

    /// Sends a draft (or a rejected item) to review. `automaticProblems` are
    /// the blocking findings of the automatic check (rule violations of
    /// error severity, blocked sensitive words, unusable assets); with any
    /// of them the item goes back to draft listing them. They are ignored
    /// when the chain has no automatic step. `automaticWarnings` (terms of
    /// `warn` or `review` severity) do not stop the item; they are written
    /// on the passing entry for the reviewers to weigh. `postType` (the
    /// item's format) decides which steps `skipFor` passes over.
    public mutating func submit(
        automaticProblems: [String] = [], automaticWarnings: [String] = [], postType: String? = nil, by actor: String, at date: Date
    ) throws(ValidationErrors) {
        switch state {
        case .draft, .rejected:
            break
        case .inReview, .approved:
            throw ValidationErrors("state", .reviewNotSubmittable(state: describe(state)))
        }
        history.append(ReviewEntry(step: nil, decision: .submitted, actorID: actor, at: date))
        self.postType = postType
        var index = 0
        if let first = chain.steps.first, first.automatic {
            if !automaticProblems.isEmpty {
                history.append(
                    ReviewEntry(
                        step: first.key, decision: .autoFailed, actorID: nil,
                        comment: "The automatic check found \(automaticProblems.count) problem(s): " + automaticProblems.joined(separator: "; "),
                        problems: automaticProblems, at: date))
                state = .draft
                return
            }
            let comment = automaticWarnings.isEmpty ? nil : "Check these before approving: " + automaticWarnings.joined(separator: "; ")
            history.append(ReviewEntry(step: first.key, decision: .autoPassed, actorID: nil, comment: comment, problems: automaticWarnings, at: date))
            index = 1
        }
        state = firstStep(from: index, at: date).map { .inReview(stepIndex: $0) } ?? .approved
    }

    /// Records a person's decision on the open step. Refused when nothing is
    /// in review, when the role is not one of the step's approvers, when a
    /// rejection gives no reason, and (with independent approvers) when the
    /// submitter or an earlier approver of this round tries to approve.
    public mutating func decide(approve: Bool, comment: String?, by actor: String, role: Role, at date: Date) throws(ValidationErrors) {
        guard case .inReview(let index) = state else {
            throw ValidationErrors("state", .reviewNotInReview(state: describe(state)))
        }
        guard chain.steps.indices.contains(index) else {
            throw ValidationErrors("state", .reviewStepMissing(step: index + 1))
        }
        let step = chain.steps[index]
        var errors = ValidationErrors()
        if !step.approvers.contains(role) {
            errors.add("role", .reviewWrongRole(role: role.rawValue, step: step.name, roles: step.approvers.sorted().map(\.rawValue)))
        }
        let reason = comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !approve, reason.isEmpty {
            errors.add("comment", .rejectionReasonRequired)
        }
        if approve, approvers(of: step).contains(actor) {
            // One person is one approval, however the chain is set.
            errors.add("actor", .reviewAlreadyApproved(approved: step.name, step: step.name))
        } else if approve, chain.independentApprovers {
            let round = currentRound
            if round.contains(where: { $0.decision == .submitted && $0.actorID == actor }) {
                errors.add("actor", .reviewOwnSubmission(step: step.name))
            } else if let earlier = round.last(where: { $0.decision == .approved && $0.actorID == actor }) {
                let name = chain.steps.first { $0.key == earlier.step }?.name ?? earlier.step ?? "—"
                errors.add("actor", .reviewAlreadyApproved(approved: name, step: step.name))
            }
        }
        try errors.throwIfAny()
        history.append(
            ReviewEntry(step: step.key, decision: approve ? .approved : .rejected, actorID: actor, comment: reason.isEmpty ? nil : reason, at: date))
        if !approve {
            state = .rejected(stepIndex: index)
        } else if approvers(of: step).count >= step.requiredApprovals {
            state = firstStep(from: index + 1, at: date).map { .inReview(stepIndex: $0) } ?? .approved
        }
    }

    /// An edit to the content: whatever was approved or under review no
    /// longer describes the text, so the item returns to draft. Editing a
    /// draft changes nothing here.
    public mutating func edited(by actor: String, at date: Date) {
        switch state {
        case .draft:
            return
        case .inReview(let index), .rejected(let index):
            let key = chain.steps.indices.contains(index) ? chain.steps[index].key : nil
            history.append(ReviewEntry(step: key, decision: .returnedByEdit, actorID: actor, at: date))
        case .approved:
            history.append(ReviewEntry(step: nil, decision: .returnedByEdit, actorID: actor, at: date))
        }
        state = .draft
    }

    /// The entries since the last submission.
    private var currentRound: ArraySlice<ReviewEntry> {
        guard let start = history.lastIndex(where: { $0.decision == .submitted }) else { return history[...] }
        return history[start...]
    }

    private func describe(_ state: ReviewState) -> CodedMessage {
        func name(_ index: Int) -> String { chain.steps.indices.contains(index) ? chain.steps[index].name : "#\(index + 1)" }
        switch state {
        case .draft: return .reviewStateDraft
        case .approved: return .reviewStateApproved
        case .inReview(let index): return .reviewStateInReview(step: name(index))
        case .rejected(let index): return .reviewStateRejected(step: name(index))
        }
    }
}
