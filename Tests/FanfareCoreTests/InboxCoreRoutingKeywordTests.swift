import FanfareCore
import Foundation
import Testing

/// Keywords are compared as folded UTF-8 bytes by a rule set prepared once
/// for many messages; these pin down the edges of that search.
@Suite struct InboxCoreRoutingKeywordTests {
    let account = UUID()

    func tags(_ text: String, keywords: [String]) -> [String] {
        let rule = InboxRule(
            id: UUID(), name: "k", enabled: true, conditions: InboxRuleConditions(keywords: keywords), actions: InboxRuleActions(tags: ["hit"]),
            answersNegative: false)
        let facts = MessageFacts(
            text: text, kind: "comment", accountID: account, intent: "question", sentiment: "neu", tier: .potential,
            at: Date(timeIntervalSince1970: 1_741_600_000))
        return InboxRuleSet([rule], zone: .gmt).route(facts, autoRepliesToFanLastHour: 0, cap: 3).tags
    }

    @Test func aKeywordMatchesAtTheStartTheEndAndInsideButNotPastTheText() {
        #expect(tags("补货什么时候", keywords: ["补货"]) == ["hit"])
        #expect(tags("什么时候补货", keywords: ["补货"]) == ["hit"])
        #expect(tags("请问补货吗", keywords: ["补货"]) == ["hit"])
        #expect(tags("补", keywords: ["补货"]) == [])
        #expect(tags("货补", keywords: ["补货"]) == [])
    }

    @Test func keywordsAreFoldedLikeTheText() {
        #expect(tags("When is the RESTOCK?", keywords: ["restock"]) == ["hit"])
        #expect(tags("ｒｅｓｔｏｃｋ soon?", keywords: ["Restock"]) == ["hit"])
        #expect(tags("退貨怎麼辦", keywords: ["退货"]) == ["hit"])
    }

    @Test func aKeywordThatFoldsToNothingMatchesNothingWhileAnotherStillCounts() {
        #expect(tags("anything at all", keywords: ["!!!"]) == [])
        #expect(tags("anything at all", keywords: ["!!!", "all"]) == ["hit"])
    }

    @Test func aDisabledRuleIsLeftOutOfTheSet() {
        let off = InboxRule(
            id: UUID(), name: "off", enabled: false, conditions: InboxRuleConditions(), actions: InboxRuleActions(tags: ["x"]), answersNegative: false
        )
        #expect(InboxRuleSet([off], zone: .gmt).isEmpty)
    }
}
