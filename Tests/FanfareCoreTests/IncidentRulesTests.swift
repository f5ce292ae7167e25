import FanfareCore
import Foundation
import Testing

/// The incident's state machine, playbook and first-response rule (issue
/// 20 scope 4; docs/listening.md § Incidents), without a database.
@Suite struct IncidentRulesTests {
    @Test func theStateMachineMovesForwardAndReopensOnlyFromResolved() {
        #expect(IncidentState.open.canMove(to: .acknowledged))
        #expect(IncidentState.open.canMove(to: .resolved))
        #expect(IncidentState.acknowledged.canMove(to: .responding))
        #expect(!IncidentState.acknowledged.canMove(to: .open))
        #expect(!IncidentState.responding.canMove(to: .acknowledged))
        #expect(IncidentState.resolved.canMove(to: .responding))
        #expect(IncidentState.resolved.canMove(to: .closed))
        // Closed after the review: nothing moves it, and nothing is closed
        // before it was resolved.
        #expect(IncidentState.closed.next.isEmpty)
        for state in IncidentState.allCases where state != .resolved { #expect(!state.canMove(to: .closed)) }
        for state in IncidentState.allCases { #expect(!state.canMove(to: state)) }
        #expect(IncidentState.allCases.filter(\.isActive) == [.open, .acknowledged, .responding])
    }

    @Test func onlyTheLeadAndCommunicationsApproveStatements() {
        #expect(IncidentRole.allCases.filter(\.approvesStatements) == [.lead, .communications])
    }

    @Test func thePlaybookGrowsWithTheSeverityAndKeepsItsPhaseOrder() {
        let blue = IncidentPlaybook.checklist(for: .blue).map(\.id)
        let red = IncidentPlaybook.checklist(for: .red).map(\.id)
        #expect(
            blue == [
                "identify.scope", "identify.roles", "analyse.facts", "analyse.cause", "one_voice.statement", "evaluate.resolved", "evaluate.review",
            ])
        #expect(Set(blue).isSubset(of: Set(red)) && red.count == IncidentPlaybook.steps.count)
        #expect(IncidentPlaybook.checklist(for: .orange).map(\.id).contains("one_voice.hold"))
        #expect(!IncidentPlaybook.checklist(for: .yellow).map(\.id).contains("one_voice.hold"))
        #expect(red.contains("identify.legal") && red.contains("one_voice.spokesperson"))
        for grade in AlertGrade.allCases {
            let phases = IncidentPlaybook.checklist(for: grade).map(\.phase)
            // identify → analyse → one voice → evaluate, never back.
            let ranks = phases.map { IncidentPlaybook.Phase.allCases.firstIndex(of: $0)! }
            #expect(ranks == ranks.sorted())
            #expect(Set(phases) == Set(IncidentPlaybook.Phase.allCases))
        }
        #expect(Set(IncidentPlaybook.steps.map(\.id)).count == IncidentPlaybook.steps.count)
    }

    @Test func theFirstResponseIsTheFirstPublicWordAfterDetection() {
        let detected = Date(timeIntervalSince1970: 1_000_000)
        let at = { (minutes: Double) in detected.addingTimeInterval(minutes * 60) }
        // A status update and an ordinary reply do not count; a statement reply does.
        let events: [(kind: IncidentFirstResponse.Kind, at: Date)] = [
            (.statusUpdate, at(5)), (.replyPublished, at(10)), (.statementReply, at(40)), (.postPublished, at(90)),
        ]
        #expect(IncidentFirstResponse.time(of: events, detected: detected) == at(40))
        // A post published before detection is not an answer to the story.
        #expect(IncidentFirstResponse.time(of: [(.postPublished, at(-5)), (.statementPost, at(70))], detected: detected) == at(70))
        // After resolution nothing counts.
        #expect(IncidentFirstResponse.time(of: [(.statementReply, at(200))], detected: detected, resolved: at(100)) == nil)
        #expect(IncidentFirstResponse.time(of: [(.statusUpdate, at(1)), (.replyPublished, at(2))], detected: detected) == nil)
        #expect(IncidentFirstResponse.Kind.allCases.filter(IncidentFirstResponse.counts) == [.statementReply, .statementPost, .postPublished])
    }

    @Test func theFirstResponseStopsItsClockMetOrMissed() {
        let detected = Date(timeIntervalSince1970: 1_000_000)
        let met = IncidentClocks.read(
            IncidentTimes(firstMention: nil, detected: detected, firstResponse: detected.addingTimeInterval(3600)),
            now: detected.addingTimeInterval(5 * 3600))
        #expect(met.first { $0.clock == .firstResponse }?.state == .met)
        let missed = IncidentClocks.read(
            IncidentTimes(firstMention: nil, detected: detected, firstResponse: detected.addingTimeInterval(3 * 3600)),
            now: detected.addingTimeInterval(5 * 3600))
        #expect(missed.first { $0.clock == .firstResponse }?.state == .missed)
    }
}
