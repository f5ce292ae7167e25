import FanfareCore
import Foundation
import Testing

/// Whose queue a post in review sits in: the 工作台's "waiting for my
/// review" count and the posts list's `review=mine` filter read this.
@Suite struct ReviewQueueTests {
    func at(_ minutes: Int) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + Double(minutes) * 60) }

    @Test func theOpenStepWaitsForItsRolesButNotForTheSubmitterOrAnEarlierApprover() throws {
        var review = ReviewProcess()
        #expect(!review.awaitsDecision(from: .reviewer, actor: "rae"), "a draft waits for nobody")
        try review.submit(by: "ed", at: at(0))
        // The automatic check passed; editorial review is open.
        #expect(review.awaitsDecision(from: .reviewer, actor: "rae"))
        #expect(review.awaitsDecision(from: .manager, actor: "max"))
        #expect(!review.awaitsDecision(from: .legal, actor: "lou"), "legal's step is not open yet")
        #expect(!review.awaitsDecision(from: .editor, actor: "eve"), "editors write; they do not approve")
        #expect(!review.awaitsDecision(from: .manager, actor: "ed"), "the submitter cannot approve their own post")
        try review.decide(approve: true, comment: nil, by: "rae", role: .reviewer, at: at(1))
        #expect(review.awaitsDecision(from: .legal, actor: "lou"))
        #expect(!review.awaitsDecision(from: .reviewer, actor: "rae"))
        try review.decide(approve: true, comment: nil, by: "lou", role: .legal, at: at(2))
        #expect(!review.awaitsDecision(from: .legal, actor: "lou"), "an approved post waits for nobody")
    }

    @Test func withoutIndependenceAnEarlierApproverIsAskedAgain() throws {
        let chain = try ReviewChain(
            validating: [
                ReviewStep(key: "first", name: "First", approvers: [.admin]),
                ReviewStep(key: "second", name: "Second", approvers: [.admin]),
            ], independentApprovers: false)
        var review = ReviewProcess(chain: chain)
        try review.submit(by: "solo", at: at(0))
        #expect(review.awaitsDecision(from: .admin, actor: "solo"))
        try review.decide(approve: true, comment: nil, by: "solo", role: .admin, at: at(1))
        #expect(review.awaitsDecision(from: .admin, actor: "solo"))
    }
}
