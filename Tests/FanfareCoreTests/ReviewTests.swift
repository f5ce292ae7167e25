import FanfareCore
import Foundation
import Testing

@Suite struct ReviewChainTests {
    @Test func theStandardChainIsAutomaticThenEditorialThenLegal() throws {
        let chain = ReviewChain.standard
        #expect(chain.steps.map(\.key) == ["automatic", "editorial", "legal"])
        #expect(chain.steps[0].automatic && chain.steps[0].approvers.isEmpty)
        #expect(chain.steps[1].approvers == [.reviewer, .manager, .admin])
        #expect(!chain.steps[1].approvers.contains(.editor), "editors write; they do not approve")
        #expect(chain.steps[2].approvers == [.legal])
        // The standard chain passes its own validation.
        #expect(try ReviewChain(validating: chain.steps) == chain)
    }

    @Test func badChainsNameEveryProblem() {
        #expect(throws: ValidationErrors("steps", .reviewStepsRequired)) { try ReviewChain(validating: []) }
        do {
            _ = try ReviewChain(validating: [
                ReviewStep(key: "editorial", name: "Editorial", approvers: [.reviewer]),
                ReviewStep(key: "automatic", name: "Check", automatic: true),
                ReviewStep(key: "editorial", name: "Again", approvers: [.manager]),
                ReviewStep(key: "legal", name: " ", approvers: []),
                ReviewStep(key: "Bad Key", name: "x", approvers: [.legal]),
            ])
            Issue.record("accepted a bad chain")
        } catch {
            #expect(
                Set(error.issues.map(\.field)) == [
                    "steps[1].automatic", "steps[2].key", "steps[3].name", "steps[3].approvers", "steps[4].key",
                ])
            #expect(error.issues.first { $0.field == "steps[2].key" }?.message.contains("editorial") == true)
            #expect(error.issues.first { $0.field == "steps[3].approvers" }?.message.contains("reviewer") == true)
        }
        #expect(throws: ValidationErrors.self) {
            try ReviewChain(validating: [ReviewStep(key: "automatic", name: "Check", approvers: [.admin], automatic: true)])
        }
    }

    @Test func aChainRoundTripsThroughJSONAndBadJSONIsRefused() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(ReviewChain.standard)
        #expect(try JSONDecoder().decode(ReviewChain.self, from: data) == .standard)
        // Stable bytes: roles are written in order, so the same chain always
        // encodes the same way.
        for _ in 0..<5 { #expect(try encoder.encode(ReviewChain.standard) == data) }
        #expect(String(decoding: data, as: UTF8.self).contains(#"["admin","manager","reviewer"]"#))
        let broken = Data(#"{"steps":[{"key":"legal","name":"Legal","approvers":[],"automatic":false}]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ReviewChain.self, from: broken) }
        let minimal = Data(#"{"steps":[{"key":"legal","name":"Legal","approvers":["legal"]}]}"#.utf8)
        let decoded = try JSONDecoder().decode(ReviewChain.self, from: minimal)
        #expect(decoded.independentApprovers)
        #expect(decoded.steps == [ReviewStep(key: "legal", name: "Legal", approvers: [.legal])])
    }
}

@Suite struct ReviewProcessTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    @Test func aCleanItemPassesEveryLevel() throws {
        var review = ReviewProcess()
        #expect(review.state == .draft)
        #expect(review.nextApprovers == nil)
        try review.submit(automaticProblems: [], by: "ed", at: at(0))
        #expect(review.state == .inReview(stepIndex: 1), "the automatic step passed on its own")
        #expect(review.nextApprovers == [.reviewer, .manager, .admin])
        #expect(review.currentStep?.key == "editorial")
        try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(5))
        #expect(review.state == .inReview(stepIndex: 2))
        #expect(review.nextApprovers == [.legal])
        try review.decide(approve: true, comment: "fine", by: "lou", role: .legal, at: at(9))
        #expect(review.state == .approved)
        #expect(review.isApproved)
        #expect(review.nextApprovers == nil)
        #expect(review.history.map(\.decision) == [.submitted, .autoPassed, .approved, .approved])
        #expect(review.history.map(\.step) == [nil, "automatic", "editorial", "legal"])
        #expect(review.history.map(\.actorID) == ["ed", nil, "rita", "lou"])
        #expect(review.history.map(\.at) == [at(0), at(0), at(5), at(9)])
        #expect(review.history.last?.comment == "fine")
    }

    @Test func automaticProblemsSendTheItemBackToDraftListingThem() throws {
        var review = ReviewProcess()
        try review.submit(automaticProblems: ["text is 150 汉字 units long; weibo accepts at most 140", "uses a blocked word"], by: "ed", at: at(0))
        #expect(review.state == .draft)
        let failed = try #require(review.history.last)
        #expect(failed.decision == .autoFailed)
        #expect(failed.step == "automatic")
        #expect(failed.actorID == nil)
        #expect(failed.problems.count == 2)
        #expect(failed.comment?.contains("blocked word") == true)
        // Fixed and resubmitted, it goes on.
        try review.submit(automaticProblems: [], by: "ed", at: at(3))
        #expect(review.state == .inReview(stepIndex: 1))
    }

    @Test func aChainWithoutAutomaticStepIgnoresTheCheckAndAOneStepChainApproves() throws {
        let chain = try ReviewChain(validating: [ReviewStep(key: "boss", name: "Boss", approvers: [.manager])])
        var review = ReviewProcess(chain: chain)
        try review.submit(automaticProblems: ["ignored"], by: "ed", at: at(0))
        #expect(review.state == .inReview(stepIndex: 0))
        try review.decide(approve: true, comment: nil, by: "mo", role: .manager, at: at(1))
        #expect(review.state == .approved)

        let automaticOnly = try ReviewChain(validating: [ReviewStep(key: "automatic", name: "Check", automatic: true)])
        var quick = ReviewProcess(chain: automaticOnly)
        try quick.submit(by: "ed", at: at(0))
        #expect(quick.state == .approved)
    }

    @Test func rejectionNeedsAReasonAndRecordsIt() throws {
        var review = ReviewProcess()
        try review.submit(by: "ed", at: at(0))
        #expect(throws: ValidationErrors("comment", .rejectionReasonRequired)) {
            try review.decide(approve: false, comment: "  \n ", by: "rita", role: .reviewer, at: at(1))
        }
        #expect(throws: ValidationErrors.self) { try review.decide(approve: false, comment: nil, by: "rita", role: .reviewer, at: at(1)) }
        #expect(review.state == .inReview(stepIndex: 1), "a refused decision changes nothing")
        #expect(review.history.count == 2)
        try review.decide(approve: false, comment: " Price is wrong ", by: "rita", role: .reviewer, at: at(2))
        #expect(review.state == .rejected(stepIndex: 1))
        #expect(review.history.last == ReviewEntry(step: "editorial", decision: .rejected, actorID: "rita", comment: "Price is wrong", at: at(2)))
        #expect(review.nextApprovers == nil)
    }

    @Test func onlyTheStepsRolesDecide() throws {
        var review = ReviewProcess()
        try review.submit(by: "ed", at: at(0))
        for role in [Role.editor, .legal, .agent, .viewer, .analyst] {
            do {
                try review.decide(approve: true, comment: nil, by: "x", role: role, at: at(1))
                Issue.record("\(role) approved the editorial step")
            } catch {
                #expect(error.issues.map(\.field) == ["role"])
                #expect(error.issues[0].message.contains("admin, manager, reviewer"))
            }
        }
        try review.decide(approve: true, comment: nil, by: "admin1", role: .admin, at: at(2))
        // The legal step refuses even an admin.
        #expect(throws: ValidationErrors.self) { try review.decide(approve: true, comment: nil, by: "admin2", role: .admin, at: at(3)) }
        #expect(throws: ValidationErrors.self) { try review.decide(approve: false, comment: "no", by: "rita", role: .reviewer, at: at(3)) }
        #expect(review.state == .inReview(stepIndex: 2))
    }

    @Test func decisionsOutsideReviewAreRefused() throws {
        var review = ReviewProcess()
        #expect(throws: ValidationErrors.self) { try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(0)) }
        try review.submit(by: "ed", at: at(0))
        #expect(throws: ValidationErrors.self) { try review.submit(by: "ed", at: at(1)) }
        try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(1))
        try review.decide(approve: true, comment: nil, by: "lou", role: .legal, at: at(2))
        do {
            try review.decide(approve: false, comment: "late", by: "lou", role: .legal, at: at(3))
            Issue.record("decided an approved item")
        } catch {
            #expect(error.issues.map(\.field) == ["state"])
            #expect(error.issues[0].message.contains("already approved"))
        }
        #expect(throws: ValidationErrors.self) { try review.submit(by: "ed", at: at(3)) }
        #expect(review.state == .approved)
        #expect(review.history.count == 4)
    }

    @Test func independentApproversKeepFourEyes() throws {
        var review = ReviewProcess(
            chain: try ReviewChain(validating: [
                ReviewStep(key: "first", name: "First", approvers: [.manager, .reviewer]),
                ReviewStep(key: "second", name: "Second", approvers: [.manager, .legal]),
            ]))
        try review.submit(by: "mo", at: at(0))
        // The submitter may not approve their own item...
        #expect(throws: ValidationErrors.self) { try review.decide(approve: true, comment: nil, by: "mo", role: .manager, at: at(1)) }
        // ...but may withdraw it by rejecting.
        var withdrawn = review
        try withdrawn.decide(approve: false, comment: "withdrawn", by: "mo", role: .manager, at: at(1))
        #expect(withdrawn.state == .rejected(stepIndex: 0))

        try review.decide(approve: true, comment: nil, by: "max", role: .manager, at: at(1))
        do {
            try review.decide(approve: true, comment: nil, by: "max", role: .manager, at: at(2))
            Issue.record("one person approved two levels")
        } catch {
            #expect(error.issues.map(\.field) == ["actor"])
            #expect(error.issues[0].message.contains("First"))
        }
        try review.decide(approve: true, comment: nil, by: "lou", role: .legal, at: at(2))
        #expect(review.state == .approved)

        // A new round starts afresh: last round's approver may approve again.
        review.edited(by: "mo", at: at(3))
        try review.submit(by: "mo", at: at(4))
        try review.decide(approve: true, comment: nil, by: "lou", role: .manager, at: at(5))
        #expect(review.state == .inReview(stepIndex: 1))
    }

    @Test func withoutIndependenceOnePersonMayApproveEverything() throws {
        let chain = try ReviewChain(
            validating: [
                ReviewStep(key: "first", name: "First", approvers: [.admin]),
                ReviewStep(key: "second", name: "Second", approvers: [.admin]),
            ], independentApprovers: false)
        var review = ReviewProcess(chain: chain)
        try review.submit(by: "solo", at: at(0))
        try review.decide(approve: true, comment: nil, by: "solo", role: .admin, at: at(1))
        try review.decide(approve: true, comment: nil, by: "solo", role: .admin, at: at(2))
        #expect(review.state == .approved)
    }

    @Test func editsReturnToDraftAndAreRecorded() throws {
        var review = ReviewProcess()
        review.edited(by: "ed", at: at(0))
        #expect(review.history.isEmpty, "editing a draft is not a review event")

        try review.submit(by: "ed", at: at(1))
        review.edited(by: "ed", at: at(2))
        #expect(review.state == .draft)
        #expect(review.history.last == ReviewEntry(step: "editorial", decision: .returnedByEdit, actorID: "ed", at: at(2)))

        try review.submit(by: "ed", at: at(3))
        try review.decide(approve: true, comment: nil, by: "rita", role: .reviewer, at: at(4))
        try review.decide(approve: true, comment: nil, by: "lou", role: .legal, at: at(5))
        review.edited(by: "ed", at: at(6))
        #expect(review.state == .draft, "an approval does not survive an edit")
        #expect(review.history.last?.decision == .returnedByEdit)
        #expect(review.history.last?.step == nil)

        try review.submit(by: "ed", at: at(7))
        try review.decide(approve: false, comment: "typo", by: "rita", role: .reviewer, at: at(8))
        // A rejected item may be resubmitted as it is, or edited first.
        var resubmitted = review
        try resubmitted.submit(by: "ed", at: at(9))
        #expect(resubmitted.state == .inReview(stepIndex: 1))
        review.edited(by: "ed", at: at(9))
        #expect(review.state == .draft)
        #expect(review.history.last?.step == "editorial")
    }

    @Test func statesStoreAsColumnsAndJSON() throws {
        for state in [ReviewState.draft, .inReview(stepIndex: 2), .approved, .rejected(stepIndex: 0)] {
            #expect(ReviewState(status: state.status, stepIndex: state.stepIndex) == state)
            #expect(try JSONDecoder().decode(ReviewState.self, from: JSONEncoder().encode(state)) == state)
        }
        #expect(ReviewState(status: "in_review", stepIndex: nil) == nil)
        #expect(ReviewState(status: "draft", stepIndex: 1) == nil)
        #expect(ReviewState(status: "published", stepIndex: nil) == nil)
        #expect(ReviewState(status: "rejected", stepIndex: -1) == nil)

        var review = ReviewProcess()
        try review.submit(automaticProblems: ["x"], by: "ed", at: at(0))
        try review.submit(by: "ed", at: at(1))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(ReviewProcess.self, from: encoder.encode(review)) == review)
    }

    @Test func aStoredStatePointingPastTheChainIsRefusedNotCrashed() {
        var review = ReviewProcess(chain: .standard, state: .inReview(stepIndex: 7), history: [])
        #expect(review.currentStep == nil)
        #expect(review.nextApprovers == nil)
        #expect(throws: ValidationErrors.self) { try review.decide(approve: true, comment: nil, by: "a", role: .admin, at: at(0)) }
        review.edited(by: "ed", at: at(1))
        #expect(review.state == .draft)
    }
}
