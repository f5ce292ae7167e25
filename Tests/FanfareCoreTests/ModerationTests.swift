import FanfareCore
import Foundation
import Testing

@Suite struct ModerationTests {
    let engine = ModerationEngine(
        terms: [
            LexiconTerm(term: "最佳", category: "advertising_law", severity: .block, scope: .content),
            LexiconTerm(term: "国家级", category: "advertising_law", severity: .block, scope: .content),
            LexiconTerm(term: "第一", category: "advertising_law", severity: .review, scope: .content),
            LexiconTerm(term: "加微信", category: "fraud_lure", severity: .block, scope: .incoming),
            LexiconTerm(term: "fuck", category: "abuse", severity: .block),
            LexiconTerm(term: "ban", category: "risk", severity: .warn),
            LexiconTerm(term: "iphone 15", category: "competitor", severity: .warn),
        ],
        allow: ["第一次", "ban ban"])

    func terms(_ text: String, scope: ModerationScope = .all, policy: MatchPolicy = .leftmostLongest) -> [String] {
        engine.scan(text, scope: scope, policy: policy).map(\.term)
    }

    @Test(arguments: [
        ("最佳", "plain"),
        ("最 佳", "space"),
        ("最\u{3000}佳", "ideographic space"),
        ("最。佳", "CJK punctuation"),
        ("最*.-佳", "ASCII punctuation"),
        ("最😀佳", "emoji"),
        ("最👍🏽佳", "emoji with skin tone"),
        ("最\u{200B}佳", "zero-width space"),
        ("最\u{200D}佳", "zero-width joiner"),
        ("最\u{FEFF}佳", "byte-order mark"),
        ("最\u{00AD}佳", "soft hyphen"),
        ("最\u{202E}佳", "bidi override"),
        ("最\u{FE0F}佳", "variation selector"),
        ("最\u{0301}佳", "combining mark"),
        ("最\u{E000}佳", "private use"),
        ("最\n佳", "line break"),
        ("最♥佳", "symbol"),
    ])
    func insertedCharactersDoNotBreakATerm(text: String, trick: String) {
        #expect(terms("看看" + text + "吧") == ["最佳"], "\(trick)")
    }

    @Test(arguments: [
        ("國家級", "国家级", "traditional Chinese"),
        ("国家級", "国家级", "mixed scripts"),
        ("ＦＵＣＫ", "fuck", "full-width"),
        ("FuCk", "fuck", "case"),
        ("fück", "fuck", "accent"),
        ("fu\u{0441}k", "fuck", "Cyrillic look-alike"),
        ("FU\u{0421}K", "fuck", "capital Cyrillic look-alike"),
        ("𝐟𝐮𝐜𝐤", "fuck", "mathematical letters"),
        ("ⓕⓤⓒⓚ", "fuck", "circled letters"),
        ("f.u.c.k", "fuck", "dots"),
        ("f u c k", "fuck", "spaces"),
        ("f\u{200B}u\u{200C}c\u{2060}k", "fuck", "invisible characters"),
        ("ｉｐｈｏｎｅ１５", "iphone 15", "full-width digits"),
        ("iPhone⑮", "iphone 15", "circled number"),
    ])
    func foldingCatchesSpellings(text: String, term: String, trick: String) {
        #expect(terms("a " + text + " !") == [term], "\(trick)")
    }

    @Test func spansPointIntoTheOriginalInScalarsAndUTF16() {
        let text = "🎉新品 最 😀 佳！"
        let match = engine.scan(text).first!
        #expect(match.text == "最 😀 佳")
        let scalars = Array(text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[match.start..<match.end])) == "最 😀 佳")
        #expect(match.start == 4 && match.end == 9)
        // 🎉 and 😀 are two UTF-16 units each.
        #expect(match.utf16Start == 5 && match.utf16End == 11)
        let utf16 = Array(text.utf16)
        #expect(String(decoding: utf16[match.utf16Start..<match.utf16End], as: UTF16.self) == "最 😀 佳")
    }

    @Test func allowListedPhrasesAreNotFlagged() {
        #expect(terms("这是我第一次来") == [])
        #expect(terms("第一名") == ["第一"])
        // An allow phrase covers only what lies inside it.
        #expect(terms("第一次第一") == ["第一"])
        #expect(terms("ban ban") == [])
        #expect(terms("ban") == ["ban"])
    }

    @Test func englishTermsStandAsWholeWordsChineseTermsAnywhere() {
        #expect(terms("urban planning") == [])
        #expect(terms("banana") == [])
        #expect(terms("please ban him") == ["ban"])
        #expect(terms("ur b.a.n") == ["ban"])
        #expect(terms("封号ban了") == ["ban"])
        #expect(terms("我们是最佳品牌") == ["最佳"])
    }

    @Test func scopeKeepsBrandTermsOffFanCommentsAndLuresOffDrafts() {
        #expect(terms("最佳 加微信", scope: .content) == ["最佳"])
        #expect(terms("最佳 加微信", scope: .incoming) == ["加微信"])
        #expect(terms("最佳 加微信", scope: .all) == ["最佳", "加微信"])
    }

    @Test func overlappingMatchesByPolicy() {
        let overlapping = ModerationEngine(terms: [
            LexiconTerm(term: "最佳", category: "a", severity: .block),
            LexiconTerm(term: "佳品", category: "a", severity: .warn),
            LexiconTerm(term: "最佳品牌", category: "a", severity: .review),
        ])
        #expect(overlapping.scan("最佳品牌", policy: .all).map(\.term) == ["最佳品牌", "最佳", "佳品"])
        #expect(overlapping.scan("最佳品牌", policy: .leftmostLongest).map(\.term) == ["最佳品牌"])
        #expect(overlapping.scan("最佳品", policy: .leftmostLongest).map(\.term) == ["最佳"])
    }

    @Test func laterLayersReplaceEarlierTermsWithTheSameFoldedForm() {
        let layered = ModerationEngine(terms: [
            LexiconTerm(term: "最佳", category: "advertising_law", severity: .block),
            LexiconTerm(term: "最 佳", category: "competitor", severity: .warn),
        ])
        #expect(layered.termCount == 1)
        #expect(layered.scan("最佳").map(\.severity) == [.warn])
    }

    @Test func emptyLexiconAndEmptyTextFindNothing() {
        #expect(ModerationEngine.empty.scan("最佳").isEmpty)
        #expect(engine.scan("").isEmpty)
        #expect(ModerationEngine(terms: [LexiconTerm(term: "!!!", category: "a", severity: .block)]).termCount == 0)
    }

    @Test func baseLexiconIsValidAndCatchesAdvertisingLawTerms() {
        let parsed = LexiconFile.parse(LexiconFile.baseCSV, format: .csv)
        #expect(parsed.problems.isEmpty, "\(parsed.problems)")
        #expect(parsed.terms.count > 150)
        let base = ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow)
        #expect(base.scan("全网最低价，国家级品质", scope: .content).contains { $0.category == "advertising_law" })
        #expect(base.scan("我第一次买", scope: .content).isEmpty)
        #expect(!base.scan("加 微 信领福利", scope: .incoming).isEmpty)
    }

    @Test func lexiconFilesReportBadLinesWithTheirNumbersAndKeepTheRest() {
        let csv = "term,category,severity\n最佳,advertising_law,block\n第一,Bad Category,block\n唯一,advertising_law,fatal\n最 佳,x,warn\n,a,warn\n顶级\n"
        let parsed = LexiconFile.parse(csv, format: .csv)
        #expect(parsed.terms.map(\.term) == ["最佳", "顶级"])
        #expect(parsed.terms[1].severity == .block && parsed.terms[1].category == "risk")
        #expect(parsed.problems.map(\.line) == [3, 4, 5, 6])
        #expect(parsed.problems[1].message.contains("warn, review, block"))
        #expect(parsed.problems[2].message.contains("repeats line 2"))
        let txt = LexiconFile.parse("# comment\n\n最佳\n  国家级  \n😀\n", format: .txt, defaults: .init(category: "risk", severity: .warn))
        #expect(txt.terms.map(\.term) == ["最佳", "国家级"] && txt.terms.allSatisfy { $0.severity == .warn })
        #expect(txt.problems.map(\.line) == [5])
        // Export reads back to the same terms.
        let terms = [LexiconTerm(term: "a,b \"c\"", category: "risk", severity: .review, scope: .incoming)]
        #expect(LexiconFile.parse(LexiconFile.csv(terms), format: .csv).terms == terms)
    }

    @Test func recommendationsAreGradedAndEscalateForRepeatOffenders() {
        func match(_ severity: ModerationSeverity) -> ModerationMatch {
            ModerationMatch(term: "x", category: "risk", severity: severity, start: 0, end: 1, utf16Start: 0, utf16End: 1, text: "x")
        }
        #expect(ModerationAction.recommend(for: [], priorOffences: 5) == .none)
        #expect(ModerationAction.recommend(for: [match(.warn)], priorOffences: 0) == .warn)
        #expect(ModerationAction.recommend(for: [match(.warn), match(.review)], priorOffences: 0) == .remind)
        #expect(ModerationAction.recommend(for: [match(.block)], priorOffences: 1) == .delete)
        #expect(ModerationAction.recommend(for: [match(.block)], priorOffences: 2) == .ban)
        #expect(ModerationAction.recommend(for: [match(.review)], priorOffences: 2) == .delete)
    }

    // MARK: - Properties over random texts

    /// Random lexicons and texts with terms hidden by every trick above.
    /// The spans reported must fold exactly to the term, point at the same
    /// text in scalars and UTF-16, and cover every match: removing them
    /// leaves nothing to find.
    @Test(arguments: 0..<200)
    func removingTheReportedSpansRemovesEveryMatch(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed))
        let alphabet = Array("最佳国家级第一唯一顶级首选极品绝对万能稳赚保本治愈根治").map(String.init)
        let noise = Array("的了是我你他们这那有在不和人说好看买用来去大小天年月日abcXYZ123").map(String.init)
        let breakers = [" ", "　", ".", "。", "😀", "\u{200B}", "\u{FEFF}", "-", "♥", "\u{0301}", "🇨🇳"]
        let lexicon = (0..<rng.next(in: 3...12)).map { _ in
            LexiconTerm(
                term: (0..<rng.next(in: 2...4)).map { _ in alphabet[rng.next(in: 0...(alphabet.count - 1))] }.joined(), category: "risk",
                severity: .block)
        }
        let engine = ModerationEngine(terms: lexicon)
        var text = ""
        for _ in 0..<rng.next(in: 1...20) {
            for _ in 0..<rng.next(in: 0...6) { text += noise[rng.next(in: 0...(noise.count - 1))] }
            let term = lexicon[rng.next(in: 0...(lexicon.count - 1))].term
            for (index, character) in term.enumerated() {
                if index > 0, rng.next(in: 0...2) == 0 { text += breakers[rng.next(in: 0...(breakers.count - 1))] }
                text += String(character)
            }
        }
        let matches = engine.scan(text, policy: .all)
        #expect(!matches.isEmpty)
        let scalars = Array(text.unicodeScalars)
        let utf16 = Array(text.utf16)
        for match in matches {
            #expect(TextFolding.fold(match.text) == TextFolding.fold(match.term))
            #expect(String(String.UnicodeScalarView(scalars[match.start..<match.end])) == match.text)
            #expect(String(decoding: utf16[match.utf16Start..<match.utf16End], as: UTF16.self) == match.text)
        }
        // Terms only use `alphabet` and noise never does, so what is left
        // once the spans are gone cannot form a term by joining.
        var removed = String.UnicodeScalarView()
        var covered = [Bool](repeating: false, count: scalars.count)
        for match in matches { for index in match.start..<match.end { covered[index] = true } }
        for (index, scalar) in scalars.enumerated() where !covered[index] { removed.append(scalar) }
        #expect(engine.scan(String(removed), policy: .all).isEmpty, "left: \(String(removed))")
    }

    /// The same with term characters in the noise: spans replaced by a
    /// letter that is in no term must leave nothing to find.
    @Test(arguments: 0..<100)
    func replacingTheReportedSpansRemovesEveryMatch(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &+ 9_999)
        let alphabet = Array("最佳国家级第一").map(String.init)
        let lexicon = (0..<rng.next(in: 2...6)).map { _ in
            LexiconTerm(
                term: (0..<rng.next(in: 2...3)).map { _ in alphabet[rng.next(in: 0...(alphabet.count - 1))] }.joined(), category: "risk",
                severity: .block)
        }
        let engine = ModerationEngine(terms: lexicon)
        let pool = alphabet + [" ", "😀", "\u{200B}", "的", "a"]
        let text = (0..<rng.next(in: 5...80)).map { _ in pool[rng.next(in: 0...(pool.count - 1))] }.joined()
        let matches = engine.scan(text, policy: .all)
        var scalars = Array(text.unicodeScalars)
        for match in matches { for index in match.start..<match.end { scalars[index] = "x" } }
        #expect(engine.scan(String(String.UnicodeScalarView(scalars)), policy: .all).isEmpty)
    }

    // MARK: - Sharing engines between scans and rebuilds

    /// Readers scan while a writer swaps between two versions of a lexicon
    /// whose terms all carry one severity per version. A torn result would
    /// mix severities, or lose a term.
    @Test func rebuildsUnderConcurrentLookupsNeverYieldATornResult() async throws {
        let shared = SharedEngines()
        @Sendable func lexicon(_ version: Int) -> ModerationEngine {
            let severity: ModerationSeverity = version % 2 == 0 ? .warn : .block
            return ModerationEngine(
                terms: (0..<300).map { LexiconTerm(term: "词\($0)号", category: "risk", severity: severity) }
                    + [LexiconTerm(term: "最佳", category: "risk", severity: severity), LexiconTerm(term: "第一", category: "risk", severity: severity)])
        }
        shared.install(lexicon(0), for: "ws", version: 0)
        let text = "最佳的第一，词7号和词299号"
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for version in 1...60 {
                    shared.install(lexicon(version), for: "ws", version: version)
                    await Task.yield()
                }
                return 0
            }
            for _ in 0..<4 {
                group.addTask {
                    var torn = 0
                    for _ in 0..<400 {
                        let engine = try await shared.engine(for: "ws", version: 0) { lexicon(0) }
                        let matches = engine.scan(text)
                        if matches.count != 4 || Set(matches.map(\.severity)).count != 1 { torn += 1 }
                    }
                    return torn
                }
            }
            for try await torn in group { #expect(torn == 0) }
        }
        #expect(shared.version(of: "ws") == 60)
    }

    @Test func aStaleLookupAnswersAtOnceAndRebuildsInTheBackground() async throws {
        let shared = SharedEngines()
        let old = ModerationEngine(terms: [LexiconTerm(term: "旧词", category: "risk", severity: .warn)])
        shared.install(old, for: "ws", version: 1)
        let gate = AsyncGate()
        let answered = try await shared.engine(for: "ws", version: 2) {
            await gate.wait()
            return ModerationEngine(terms: [LexiconTerm(term: "新词", category: "risk", severity: .warn)])
        }
        #expect(answered === old)
        #expect(shared.version(of: "ws") == 1)
        await gate.open()
        for _ in 0..<200 where shared.version(of: "ws") != 2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(shared.version(of: "ws") == 2)
        let current = try await shared.engine(for: "ws", version: 2) { ModerationEngine.empty }
        #expect(current.scan("新词").count == 1)
    }
}

/// A gate a background task waits at until the test opens it.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

/// SplitMix64: the same sequence for the same seed on every run.
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
