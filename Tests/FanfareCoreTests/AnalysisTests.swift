import FanfareCore
import Foundation
import Testing

/// The shipped model file, read by path as the server reads its resource:
/// Core itself only ever sees the bytes.
enum ShippedModelFile {
    static let models: AnalysisModels = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources/FanfareServer/Resources/analysis-model.bin")
        do {
            return try AnalysisModels(data: Data(contentsOf: url))
        } catch {
            fatalError("\(url.path): \(error)")
        }
    }()
}

@Suite struct AnalysisTests {
    let analyzer = MessageAnalyzer(models: ShippedModelFile.models, engine: ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow))

    struct Fixture: Decodable {
        var text: String
        var tokens: [String]
        var buckets: [Int]
        var sentiment: [String: Float]
        var intent: [String: Float]
    }

    static func fixtures() throws -> [Fixture] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/analysis-fixtures.json")
        return try JSONDecoder().decode([Fixture].self, from: Data(contentsOf: url))
    }

    /// The training script and this code must read a message the same
    /// way, or the shipped model scores features it never saw.
    @Test func featuresAndProbabilitiesMatchTheTrainingScript() throws {
        let fixtures = try Self.fixtures()
        #expect(fixtures.count >= 30)
        let models = ShippedModelFile.models
        for fixture in fixtures {
            #expect(Set(MessageFeatures.tokens(fixture.text)).sorted() == fixture.tokens, "tokens of \(fixture.text.debugDescription)")
            let buckets = MessageFeatures.buckets(fixture.text)
            #expect(buckets.sorted() == fixture.buckets, "buckets of \(fixture.text.debugDescription)")
            let sentiment = models.sentiment.probabilities(buckets)
            for (index, name) in models.sentiment.classes.enumerated() {
                #expect(abs(sentiment[index] - (fixture.sentiment[name] ?? -1)) < 1e-4, "P(\(name)) of \(fixture.text.debugDescription)")
            }
            let intent = models.intent.probabilities(buckets)
            for (index, name) in models.intent.classes.enumerated() {
                #expect(abs(intent[index] - (fixture.intent[name] ?? -1)) < 1e-4, "P(\(name)) of \(fixture.text.debugDescription)")
            }
        }
    }

    @Test func negationGetsItsOwnFeaturesUntilPunctuation() {
        let tokens = MessageFeatures.tokens("不好用，好看")
        #expect(tokens.contains("NEG_好") && tokens.contains("NEG_用"))
        #expect(!tokens.contains("NEG_看"), "the comma ends the negation")
        let english = MessageFeatures.tokens("not bad at all. good")
        #expect(english.contains("NEG_bad") && english.contains("not bad") && !english.contains("NEG_good"))
        #expect(MessageFeatures.tokens("Ｌｏｖｅ 😍!") == ["love", "😍", "!"])
        #expect(MessageFeatures.tokens("").isEmpty && MessageFeatures.tokens("。，、").isEmpty)
    }

    @Test func aTypographicApostropheNegatesLikeAPlainOne() {
        let typed = MessageFeatures.tokens("I don\u{2019}t like it")
        #expect(typed == MessageFeatures.tokens("I don't like it"))
        #expect(typed.contains("NEG_like") && typed.contains("don't"))
        #expect(MessageFeatures.tokens("it ain\u{2019}t good").contains("NEG_good"))
        #expect(MessageFeatures.tokens("请勿购买").contains("NEG_购"))
    }

    @Test func emojiAreTokensWhateverTheirToneAndBlock() {
        #expect(MessageFeatures.tokens("👍🏽👍🏿") == ["👍", "👍"], "skin tones only shape the emoji")
        #expect(MessageFeatures.tokens("⭐⭐ ⏰ ⬆\u{FE0F} ©") == ["⭐", "⭐", "⏰", "⬆", "©"])
        #expect(MessageFeatures.tokens("not ⭐ good").contains("NEG_good") == false, "an emoji ends the negation")
    }

    @Test(arguments: [
        ("thanks :-)))", ["thanks", ":)"]),
        ("so slow :(", ["so", "slow", "so slow", ":("]),
        ("好评：）", ["好", "好评", "评", ":)"]),
        ("see https://x.example", ["see", "https", "see https", "x", "example"]),
        ("原因：(1) 太贵", ["原", "原因", "因", "1", "太", "太贵", "贵"]),
    ])
    func emoticonsAreReadButNotInURLsOrLists(text: String, expected: [String]) {
        #expect(MessageFeatures.tokens(text) == expected)
    }

    @Test(arguments: [
        ("发货太慢了，等了一周还没到，客服也不回", MessageSentiment.neg),
        ("质量很好，已经回购三次了，推荐！", .pos),
        ("This is the worst customer service I have ever had.", .neg),
        ("Love this! Great quality, buying another one.", .pos),
        ("呵呵，真是好服务", .neg),
        ("😍😍😍", .pos),
    ])
    func sentimentReadsClearCases(text: String, expected: MessageSentiment) {
        let result = analyzer.analyze(text)
        #expect(result.sentiment == expected, "\(text): \(result)")
        #expect((-1...1).contains(result.score))
    }

    @Test func aMessageWithNothingToReadIsNeutralOther() {
        for text in ["", "。。。", "Спасибо"] {
            let result = analyzer.analyze(text)
            #expect(result.sentiment == .neu && result.score == 0 && result.intent == .other, "\(text.debugDescription)")
            #expect(result.score.sign == .plus, "never -0.00")
        }
    }

    @Test func negativeMessagesHaveNegativeScoresAndPositiveOnesPositive() {
        #expect(analyzer.analyze("太差了，完全不能用，要求退款").score < 0)
        #expect(analyzer.analyze("太好看了，爱了爱了").score > 0)
    }

    @Test(arguments: [
        ("这个多少钱？哪里可以买", MessageIntent.purchase),
        ("加微信领取福利 点击链接", .spam),
        ("How do I reset my password?", .question),
        ("包装破损了，东西也是坏的，我要投诉", .complaint),
    ])
    func intentReadsClearCases(text: String, expected: MessageIntent) {
        #expect(analyzer.analyze(text).intent == expected, "\(text)")
    }

    @Test(arguments: [
        ("发货太慢了", MessageLanguage.zh),
        ("这个 color 太 nice 了", .zh),
        ("How much is shipping to Shanghai?", .en),
        ("nice", .en),
        ("ありがとうございます", .other),
        ("감사합니다", .other),
        ("😍😍", .other),
        ("Спасибо большое", .other),
        ("", .other),
    ])
    func languageIsChineseEnglishOrOther(text: String, expected: MessageLanguage) {
        #expect(MessageAnalyzer.language(of: text) == expected, "\(text)")
    }

    @Test func priorityPutsRemovalsThenComplaintsAndBuyersFirst() {
        let abusive = analyzer.analyze("你个傻逼")
        #expect(abusive.recommendation == .delete && abusive.priority == .urgent)
        #expect(MessageAnalyzer.priority(sentiment: .neg, score: -0.9, intent: .complaint, recommendation: .none) == .high)
        #expect(MessageAnalyzer.priority(sentiment: .neu, score: 0, intent: .purchase, recommendation: .none) == .high)
        #expect(MessageAnalyzer.priority(sentiment: .neu, score: 0, intent: .spam, recommendation: .warn) == .low)
        #expect(MessageAnalyzer.priority(sentiment: .neu, score: 0, intent: .question, recommendation: .none) == .normal)
        #expect(MessageAnalyzer.priority(sentiment: .pos, score: 0.9, intent: .praise, recommendation: .none) == .low)
    }

    @Test func aDamagedModelFileIsRefusedWithAReason() {
        #expect(throws: AnalysisModels.FormatError.self) { try AnalysisModels(data: Data("nope".utf8)) }
        var truncated = Data("FFAM".utf8)
        truncated.append(contentsOf: [2, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0])
        let early = #expect(throws: AnalysisModels.FormatError.self) { try AnalysisModels(data: truncated) }
        #expect(early?.coded == .modelEndsEarly)
    }

    @Test func aModelTrainedOnOtherFeaturesIsRefused() throws {
        var older = Data("FFAM".utf8)
        older.append(contentsOf: [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
        let error = try #require(throws: AnalysisModels.FormatError.self) { try AnalysisModels(data: older) }
        #expect(error.coded == .modelVersion(version: 1, expected: Int(MessageFeatures.version)))
        #expect(error.description.contains("retrain"))
    }
}
