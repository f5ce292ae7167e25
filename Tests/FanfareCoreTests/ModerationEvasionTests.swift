import FanfareCore
import Foundation
import Testing

/// English inflections, digits and symbols read as letters, and a term
/// followed by a number: caught, while innocent words that merely contain
/// a term's letters are not (docs/moderation-engine.md § Evasions).
@Suite struct ModerationEvasionTests {
    let engine = ModerationEngine(
        terms: ["ass", "ban", "hell", "scam", "spam", "hate", "kill", "cry", "fix", "die", "sex"].map {
            LexiconTerm(term: $0, category: "abuse", severity: .block)
        } + [
            LexiconTerm(term: "iphone 15", category: "competitor", severity: .warn),
            LexiconTerm(term: "最佳", category: "advertising_law", severity: .block, scope: .content),
            LexiconTerm(term: "bans", category: "risk", severity: .warn),
        ],
        allow: ["banning order"])

    func terms(_ text: String, policy: MatchPolicy = .leftmostLongest) -> [String] {
        engine.scan(text, policy: policy).map(\.term)
    }

    @Test(arguments: [
        ("scam", ["scams", "scamed", "scaming", "scammed", "scamming"]),
        ("hate", ["hates", "hated", "hating"]),
        ("see", ["sees", "seed", "seeing"]),
        ("die", ["dies", "died", "dying"]),
        ("cry", ["cries", "cried", "crying"]),
        ("play", ["plays", "played", "playing"]),
        ("fix", ["fixes", "fixed", "fixing"]),
        ("kiss", ["kisses", "kissed", "kissing"]),
        ("Visit", ["visits", "visited", "visiting", "visitted", "visitting"]),
    ])
    func inflectionsOfAWord(word: String, forms: [String]) {
        #expect(EnglishInflections.forms(of: word) == forms)
    }

    @Test(arguments: ["ok", "最佳", "iphone 15", "b2b", "fuck-off", ""])
    func noInflectionsForShortWordsPhrasesDigitsOrChinese(word: String) {
        #expect(EnglishInflections.forms(of: word).isEmpty)
    }

    @Test(arguments: [
        ("he got scammed", "scam"), ("stop spamming us", "spam"), ("you are banned", "ban"), ("hating on the brand", "hate"),
        ("it kills", "kill"), ("she cried", "cry"), ("they fixed it", "fix"), ("the plant is dying", "die"),
        ("SCAMMED!!", "scam"), ("s.c.a.m.m.e.d", "scam"),
    ])
    func aTermIsAlsoAStem(text: String, term: String) {
        #expect(terms(text) == [term])
    }

    @Test func aFormListedInItsOwnRightKeepsItsOwnEntry() {
        let match = engine.scan("three bans").first
        #expect(match?.term == "bans" && match?.severity == .warn)
        // An allow phrase still covers a form.
        #expect(terms("a banning order") == [])
    }

    @Test(arguments: [
        ("sp4m", "spam"), ("$cam", "scam"), ("h@te", "hate"), ("h4ted", "hate"), ("sc4mmed", "scam"), ("ki11", "kill"),
        ("b4n", "ban"), ("5pam", "spam"), ("h3ll", "hell"), ("s.p.4.m", "spam"), ("SP4M", "spam"), ("sp4ms", "spam"),
    ])
    func digitsAndSymbolsReadAsLettersInsideAWord(text: String, term: String) {
        #expect(terms("look: \(text) here") == [term], "\(text)")
    }

    @Test(arguments: [
        ("spam123", "spam"), ("scam2026", "scam"), ("scammed88", "scam"), ("sp4m2024", "spam"), ("spam１２３", "spam"),
    ])
    func aTermFollowedByDigits(text: String, term: String) {
        #expect(terms("\(text) now") == [term], "\(text)")
    }

    /// Innocent words that contain a term's letters, with or without
    /// digits, and numbers on their own: nothing is found.
    @Test(arguments: [
        "class", "assess", "passage", "urban", "banner", "banana", "bandage", "hello", "shell", "scampi", "whatever", "skill",
        "skillet", "Sussex", "chateau", "hateful", "spammy", "kilt", "crystal", "fixture", "diet", "spam12a", "iphone 150",
        "h3llo", "cl4ss", "sk1ll", "4K 5G", "mp3", "100%", "2026-12-06", "¥199", "3.5折", "COVID-19", "b2b", "a55", "iPhone15 Pro",
    ])
    func innocentWordsAndNumbersAreNotFlagged(text: String) {
        #expect(terms("we said \(text) today", policy: .all).filter { $0 != "iphone 15" } == [], "\(text)")
    }

    @Test func theModelNameStillMatchesAsWritten() {
        #expect(terms("new iPhone15 Pro") == ["iphone 15"])
        #expect(terms("new iphone 150") == [])
    }

    @Test func spansPointAtTheOriginalSpelling() {
        let text = "😀 got sc4mmed!"
        let match = engine.scan(text).first!
        #expect(match.term == "scam" && match.text == "sc4mmed")
        let scalars = Array(text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[match.start..<match.end])) == "sc4mmed")
        let utf16 = Array(text.utf16)
        #expect(String(decoding: utf16[match.utf16Start..<match.utf16End], as: UTF16.self) == "sc4mmed")
    }

    /// A view is scanned only around its symbols; the whole-word rule
    /// still sees the whole text.
    @Test func longTextsAroundTheWord() {
        let wide = String(repeating: "好看😀", count: 300)
        #expect(terms(wide + " sp4m " + wide) == ["spam"])
        #expect(terms(wide + "sp4m" + wide) == ["spam"])
        #expect(terms(String(repeating: "x", count: 500) + "sp4m") == [])
        #expect(terms("sp4m" + String(repeating: "x", count: 500)) == [])
        #expect(terms("sp4m " + wide + " h4te") == ["spam", "hate"])
        let match = engine.scan(wide + " sc4mmed").first
        #expect(match?.text == "sc4mmed" && match?.start == wide.unicodeScalars.count + 1)
    }

    @Test func chineseTermsAndMixedTextAreUnchanged() {
        #expect(terms("我们是最佳123品牌") == ["最佳"])
        #expect(terms("最佳 sp4m") == ["最佳", "spam"])
        #expect(terms("sp4m 和 scammed 和 spam") == ["spam", "scam", "spam"])
    }

    @Test func viewsLeaveNumbersAloneAndKeepTheLength() {
        func views(_ text: String) -> [String] {
            var copy = text
            return copy.withUTF8 { LeetView.views(of: $0) }.map { String(decoding: $0.bytes, as: UTF8.self) }
        }
        #expect(views("order 100 costs ¥199 on 2026-12-06").isEmpty)
        #expect(views("5G and 4K") == [])
        #expect(views("sp4m") == ["spam"])
        #expect(views("ki11 it") == ["kiii it", "kill it"])
        #expect(views("sp4m2024") == ["spam2o2a", "spam2024"])
        #expect(views("sp4m!") == ["spam!"])
        for text in ["sh1t!", "$cam 4 u", "n00b", "最佳 h4te"] {
            for view in views(text) { #expect(view.utf8.count == text.utf8.count) }
        }
    }

    /// Random texts of innocent words and numbers: the evasion rules add
    /// nothing that the plain scan of the same words would not find.
    @Test(arguments: 0..<100)
    func randomInnocentTextFindsNothing(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &+ 4_242)
        let words = [
            "class", "urban", "banner", "hello", "shell", "skill", "Sussex", "diet", "crystal", "100", "¥199", "5G", "mp3", "2026-12-06",
            "COVID-19", "的", "我们", "品牌", "good", "great", "thanks", "!", "?", "...", "h3llo", "cl4ss", "sk1ll", "b2b", "@brand",
        ]
        let text = (0..<rng.next(in: 1...30)).map { _ in words[rng.next(in: 0...(words.count - 1))] }.joined(
            separator: [" ", "", ", "][rng.next(in: 0...2)])
        #expect(terms(text, policy: .all) == [], "\(text)")
    }
}
