import FanfareCore
import Foundation
import Testing

/// Required approvals and steps skipped by format (issue 19 scope 7).
@Suite struct ReviewChainSettingsTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    var chain: ReviewChain {
        get throws {
            try ReviewChain(validating: [
                ReviewStep(key: "automatic", name: "Check", automatic: true),
                ReviewStep(key: "editorial", name: "Editorial", approvers: [.reviewer, .manager], requiredApprovals: 2),
                ReviewStep(key: "legal", name: "Legal", approvers: [.legal], skipFor: ["short_video", "image_text"]),
            ])
        }
    }

    @Test func aStepNeedingTwoApprovalsWaitsForTwoDifferentPeople() throws {
        var review = ReviewProcess(chain: try chain)
        try review.submit(postType: "long_article", by: "ed", at: at(0))
        #expect(review.state == .inReview(stepIndex: 1))
        try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(1))
        #expect(review.state == .inReview(stepIndex: 1), "one of two approvals")
        #expect(review.approvals! == (1, 2))
        #expect(!review.awaitsDecision(from: .reviewer, actor: "rita"), "rita's approval is in")
        #expect(review.awaitsDecision(from: .manager, actor: "mo"))
        #expect(throws: ValidationErrors.self) { try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(2)) }
        #expect(throws: ValidationErrors.self, "the submitter is not independent") {
            try review.decide(approve: true, comment: nil, by: "ed", role: .manager, at: at(2))
        }
        try review.decide(approve: true, comment: nil, by: "mo", role: .manager, at: at(3))
        #expect(review.state == .inReview(stepIndex: 2), "a long article goes on to legal")
        try review.decide(approve: true, comment: nil, by: "lou", role: .legal, at: at(4))
        #expect(review.state == .approved)
    }

    @Test func oneApprovalTwiceIsStillOneEvenWithoutIndependence() throws {
        let chain = try ReviewChain(
            validating: [ReviewStep(key: "boss", name: "Boss", approvers: [.manager], requiredApprovals: 2)], independentApprovers: false)
        var review = ReviewProcess(chain: chain)
        try review.submit(by: "mo", at: at(0))
        try review.decide(approve: true, comment: nil, by: "mo", role: .manager, at: at(1))
        #expect(throws: ValidationErrors.self) { try review.decide(approve: true, comment: nil, by: "mo", role: .manager, at: at(2)) }
        #expect(review.state == .inReview(stepIndex: 0))
        // A rejection by the second person ends the round; the next round starts from nothing.
        try review.decide(approve: false, comment: "no", by: "max", role: .manager, at: at(3))
        #expect(review.state == .rejected(stepIndex: 0))
        try review.submit(by: "mo", at: at(4))
        #expect(review.approvals! == (0, 2))
    }

    @Test func aFormatSkipsTheStepsThatNameIt() throws {
        var review = ReviewProcess(chain: try chain)
        try review.submit(postType: "short_video", by: "ed", at: at(0))
        try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(1))
        try review.decide(approve: true, comment: nil, by: "mo", role: .manager, at: at(2))
        #expect(review.state == .approved, "legal is skipped for short videos")
        #expect(review.history.last == ReviewEntry(step: "legal", decision: .skipped, actorID: nil, at: at(2)))
        #expect(review.postType == "short_video")

        // Skipping the only human step approves at submission.
        let light = try ReviewChain(validating: [
            ReviewStep(key: "automatic", name: "Check", automatic: true),
            ReviewStep(key: "legal", name: "Legal", approvers: [.legal], skipFor: ["live"]),
        ])
        var live = ReviewProcess(chain: light)
        try live.submit(postType: "live", by: "ed", at: at(0))
        #expect(live.state == .approved)
        #expect(live.history.map(\.decision) == [.submitted, .autoPassed, .skipped])
        // A first human step skipped: the review opens at the next one.
        let first = try ReviewChain(validating: [
            ReviewStep(key: "editorial", name: "Editorial", approvers: [.reviewer], skipFor: ["audio"]),
            ReviewStep(key: "legal", name: "Legal", approvers: [.legal]),
        ])
        var audio = ReviewProcess(chain: first)
        try audio.submit(postType: "audio", by: "ed", at: at(0))
        #expect(audio.state == .inReview(stepIndex: 1))
    }

    @Test func validationNamesApprovalsAndSkipsByStep() {
        do {
            _ = try ReviewChain(validating: [
                ReviewStep(key: "automatic", name: "Check", automatic: true, skipFor: ["live"]),
                ReviewStep(key: "editorial", name: "Editorial", approvers: [.reviewer], requiredApprovals: 0),
                ReviewStep(key: "legal", name: "Legal", approvers: [.legal], requiredApprovals: 6, skipFor: ["podcast"]),
            ])
            Issue.record("accepted")
        } catch {
            #expect(
                error.issues.map(\.field) == [
                    "steps[0].skipFor", "steps[1].requiredApprovals", "steps[2].requiredApprovals", "steps[2].skipFor",
                ])
            #expect(error.issues[3].message.contains("podcast") && error.issues[3].message.contains("long_article"))
        }
    }

    @Test func oldStoredChainsAndProcessesDecodeWithDefaults() throws {
        let old = Data(
            #"{"steps":[{"key":"automatic","name":"Automatic check","approvers":[],"automatic":true},{"key":"editorial","name":"Editorial review","approvers":["admin","manager","reviewer"],"automatic":false}],"independentApprovers":true}"#
                .utf8)
        let chain = try JSONDecoder().decode(ReviewChain.self, from: old)
        #expect(chain.steps.map(\.requiredApprovals) == [1, 1])
        #expect(chain.steps.allSatisfy { $0.skipFor.isEmpty })
        // Unchanged, it encodes to the same bytes: defaults are not written.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let again = try JSONDecoder().decode(ReviewChain.self, from: try encoder.encode(chain))
        #expect(again == chain)
        #expect(!String(decoding: try encoder.encode(chain), as: UTF8.self).contains("requiredApprovals"))
        let process = Data(
            #"{"chain":{"steps":[{"key":"boss","name":"Boss","approvers":["manager"]}]},"state":{"status":"in_review","stepIndex":0},"history":[]}"#
                .utf8)
        let decoded = try JSONDecoder().decode(ReviewProcess.self, from: process)
        #expect(decoded.postType == nil && decoded.approvals! == (0, 1))
        let set = try ReviewChain(validating: [
            ReviewStep(key: "boss", name: "Boss", approvers: [.manager], requiredApprovals: 3, skipFor: ["live", "audio"])
        ])
        let text = String(decoding: try encoder.encode(set), as: UTF8.self)
        #expect(text.contains(#""requiredApprovals":3"#) && text.contains(#""skipFor":["audio","live"]"#))
        #expect(try JSONDecoder().decode(ReviewChain.self, from: Data(text.utf8)) == set)
    }
}
