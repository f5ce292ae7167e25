import Testing

@testable import FanfareCore

/// The knowledge base's tokens (docs/knowledge.md): Chinese as overlapping
/// pairs, other words lower-cased; queries as phrases that cannot reach
/// FTS5's syntax.
@Suite struct SearchTermsTests {
    @Test func chineseRunsBecomeOverlappingPairsAndWordsAreLowerCased() {
        #expect(SearchTerms.tokens("预算超支") == ["预算", "算超", "超支"])
        #expect(SearchTerms.tokens("KOL 达人合作，ROI 3:1") == ["kol", "达人", "人合", "合作", "roi", "3", "1"])
        #expect(SearchTerms.tokens("热") == ["热"])
        #expect(SearchTerms.tokens("") == [])
        #expect(SearchTerms.indexText("双十一 Review") == "双十 十一 review")
        // Kana and Hangul are written without spaces too.
        #expect(SearchTerms.tokens("ライブ") == ["ライ", "イブ"])
    }

    @Test func aQueryIsPhrasesOfItsOwnPairs() {
        let (terms, dropped) = SearchTerms.query("  达人 投放 Budget 达人 ")
        #expect(terms.map(\.text) == ["达人", "投放", "budget"])
        #expect(terms.map(\.tokens) == [["达人"], ["投放"], ["budget"]])
        #expect(!dropped)
        #expect(SearchTerms.ftsMatch(terms) == "\"达人\" \"投放\" \"budget\"")
        // A four-character word is the phrase of its three pairs: found inside a longer run.
        #expect(SearchTerms.query("预算超支").terms.first?.tokens == ["预算", "算超", "超支"])
        #expect(Set(SearchTerms.tokens("本月预算超支百分之十")).isSuperset(of: ["预算", "算超", "超支"]))
    }

    @Test func aLoneChineseCharacterIsLeftOutAndSaidSo() {
        let (terms, dropped) = SearchTerms.query("热 budget")
        #expect(terms.map(\.text) == ["budget"] && dropped)
        #expect(SearchTerms.query("热").terms.isEmpty)
    }

    @Test func fts5SyntaxTypedInAQueryIsOnlyText() {
        let (terms, _) = SearchTerms.query("\"a\" OR b* NEAR(c d) -e ^f body:g")
        let match = SearchTerms.ftsMatch(terms)
        #expect(!match.contains("*") && !match.contains("(") && !match.contains(":") && !match.contains("^") && !match.contains("-"))
        #expect(terms.map(\.text) == ["a", "or", "b", "near", "c", "d", "e", "f"])
        #expect(SearchTerms.query(String(repeating: "词语 ", count: 50)).terms.count == 1)
        #expect(SearchTerms.query((1...20).map { "w\($0)" }.joined(separator: " ")).terms.count == SearchTerms.maxTerms)
    }
}

/// The numbers a post-mortem is drafted from.
@Suite struct PostMortemFiguresTests {
    @Test func tasksAreOnTimeLateOrOpen() {
        var figures = PostMortemFigures()
        figures.countTasks(
            [("2026-11-01", "2026-11-01"), ("2026-11-01", "2026-11-03"), ("2026-11-01", nil), ("2026-12-01", nil)], today: "2026-11-20")
        #expect((figures.tasks, figures.tasksOnTime, figures.tasksLate, figures.tasksOpen) == (4, 1, 2, 1))
        #expect(figures.onTimeShare == 1.0 / 3.0)
        var none = PostMortemFigures()
        none.countTasks([], today: "2026-11-20")
        #expect(none.onTimeShare == nil)
    }

    @Test func theBestPostNeedsEnoughViews() {
        var figures = PostMortemFigures()
        figures.countPosts([("A", true, 1_000, 50), ("B", true, 50, 40), ("C", false, 0, 0), ("D", true, 2_000, 160)])
        #expect((figures.posts, figures.published, figures.impressions, figures.engagements) == (4, 3, 3_050, 250))
        #expect(figures.bestPost == "D" && figures.bestPostRate == 0.08)
        #expect(figures.engagementRate == 250.0 / 3_050.0)
        figures.plannedFen = 0
        #expect(figures.burn == nil)
        figures.plannedFen = 1_000
        figures.spentFen = 1_100
        #expect(figures.burn == 1.1)
    }
}
