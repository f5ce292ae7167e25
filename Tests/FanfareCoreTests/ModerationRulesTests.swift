import FanfareCore
import Foundation
import Testing

/// The graded recommendation's move on the platform, for a person's click
/// (the recommended button) and for acting by rule
/// (docs/moderation-engine.md § Acting on the platform, § Acting by rule).
@Suite struct ModerationRulesTests {
    @Test func theRecommendationPicksThePlatformsMove() {
        #expect(ModerationMove.recommended(for: .delete, allowed: [.delete, .hide, .block]) == .delete)
        #expect(ModerationMove.recommended(for: .delete, allowed: [.hide, .block]) == .hide)
        #expect(ModerationMove.recommended(for: .delete, allowed: [.block]) == nil)
        #expect(ModerationMove.recommended(for: .ban, allowed: [.block, .unblock]) == .block)
        #expect(ModerationMove.recommended(for: .ban, allowed: [.hide, .delete]) == nil)
        for grade in [ModerationAction.none, .warn, .remind] {
            #expect(ModerationMove.recommended(for: grade, allowed: Set(ModerationMove.allCases)) == nil)
        }
    }

    @Test func onlyHidingAndBlockingCanBeUndone() {
        #expect(ModerationMove.hide.undo == .unhide)
        #expect(ModerationMove.block.undo == .unblock)
        #expect(ModerationMove.delete.undo == nil)
        #expect(ModerationMove.offered == [.hide, .delete, .block])
    }

    @Test func everyGradeIsOffByDefault() {
        let rules = ModerationRules.off
        #expect(rules.isOff)
        for grade in ModerationAction.allCases { #expect(rules.moves(for: grade).isEmpty) }
    }

    @Test func theMessageIsActedOnBeforeItsAuthorIsBlocked() {
        let rules = ModerationRules(delete: .init(message: .hide), ban: .init(message: .hide, blockAuthor: true))
        #expect(!rules.isOff)
        #expect(rules.moves(for: .delete) == [.hide])
        #expect(rules.moves(for: .ban) == [.hide, .block])
        #expect(rules.moves(for: .warn).isEmpty && rules.moves(for: .remind).isEmpty && rules.moves(for: .none).isEmpty)
        let blockOnly = ModerationRules(remind: .init(blockAuthor: true))
        #expect(blockOnly.moves(for: .remind) == [.block])
    }

    @Test func aMoveThePlatformDoesNotAllowIsPlannedAsNotPossible() {
        let rules = ModerationRules(ban: .init(message: .delete, blockAuthor: true))
        // Mastodon: only blocking.
        let plan = rules.plan(for: .ban, allowed: [.block, .unblock])
        #expect(plan.map(\.move) == [.delete, .block])
        #expect(plan.map(\.possible) == [false, true])
        // A platform that allows nothing: every move planned, none possible.
        #expect(rules.plan(for: .ban, allowed: []).allSatisfy { !$0.possible })
        // Nothing asked: nothing planned.
        #expect(rules.plan(for: .warn, allowed: Set(ModerationMove.allCases)).isEmpty)
    }

    @Test func theRulesParseFromWhatWasSentAndNameEachWrongField() throws {
        let rules = try ModerationRules.parse([
            .delete: (message: "hide", blockAuthor: nil), .ban: (message: " Hide ", blockAuthor: true), .warn: (message: "", blockAuthor: false),
        ])
        #expect(rules == ModerationRules(delete: .init(message: .hide), ban: .init(message: .hide, blockAuthor: true)))
        #expect(try ModerationRules.parse([:]) == .off)
        #expect(throws: ValidationErrors.self) { try ModerationRules.parse([.remind: (message: "explode", blockAuthor: nil)]) }
        do {
            _ = try ModerationRules.parse([.remind: (message: "explode", blockAuthor: nil), .ban: (message: "block", blockAuthor: true)])
            Issue.record("accepted a move that is not a message move")
        } catch {
            #expect(error.issues.map(\.field) == ["remind.message", "ban.message"])
            #expect(error.issues.allSatisfy { $0.code == .oneOf })
        }
    }

    @Test func theRulesRoundTripAsJSONAndMissingGradesReadAsOff() throws {
        let rules = ModerationRules(remind: .init(blockAuthor: true), delete: .init(message: .delete))
        let data = try JSONEncoder().encode(rules)
        #expect(try JSONDecoder().decode(ModerationRules.self, from: data) == rules)
        #expect(String(decoding: data, as: UTF8.self).contains("\"block_author\":true"))
        let partial = try JSONDecoder().decode(ModerationRules.self, from: Data(#"{"ban":{"block_author":true}}"#.utf8))
        #expect(partial == ModerationRules(ban: .init(blockAuthor: true)))
    }
}
