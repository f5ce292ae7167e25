import FanfareCore
import Foundation
import Testing

/// What fans write to a check-in or a poll: a check-in word, a number, one
/// character (issue 17: a fresh demo showed 签到 and 打卡 as negative, and
/// `1` as negative spam).
@Suite struct AnalysisShortMessageTests {
    let analyzer = MessageAnalyzer(models: ShippedModelFile.models, engine: ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow))

    @Test(arguments: [
        // The demo's own check-ins and their kin.
        "签到", "打卡", "已签到", "今日打卡", "签到打卡", "打卡第一天",
        // Numbers, however written.
        "1", "+1", "2", "3", "111", "1 2", "１", "10086",
        // One character or word.
        "嗯", "哦", "噢", "顶", "在", "k", "x",
    ])
    func checkInsNumbersAndSingleCharactersAreNeutralAndNotSpam(text: String) {
        let result = analyzer.analyze(text)
        #expect(result.sentiment == .neu, "\(text): \(result.sentiment) \(result.score)")
        #expect(result.intent != .spam, "\(text)")
        #expect(result.priority != .high, "\(text)")
    }

    @Test func aNumberAloneSaysNothingAtAll() {
        for text in ["1", "+1", "111", "1 2"] {
            let result = analyzer.analyze(text)
            #expect(result.score == 0 && result.intent == .other, "\(text): \(result.score) \(result.intent)")
        }
    }

    /// One token with a clear lean keeps it: the rule is about too little
    /// evidence, not about short messages.
    @Test(arguments: [("赞", MessageSentiment.pos), ("爱了", .pos), ("差", .neg), ("垃圾", .neg), ("😡", .neg), ("ugh", .neg)])
    func oneClearWordKeepsItsSentiment(text: String, expected: MessageSentiment) {
        #expect(analyzer.analyze(text).sentiment == expected, "\(text)")
    }

    /// A vote in a poll ("投深蓝", as the demo's fans answer) is no
    /// complaint, although 投 also starts 投诉.
    @Test(arguments: ["投深蓝", "投一票", "选B", "vote A"])
    func aVoteIsNotNegative(text: String) {
        let result = analyzer.analyze(text)
        #expect(result.sentiment != .neg && result.intent != .complaint, "\(text): \(result.sentiment) \(result.intent)")
    }

    /// A longer message is read by the models as before, numbers included.
    @Test func numbersInsideAMessageDoNotSilenceIt() {
        let result = analyzer.analyze("订单 A1029 等了一周还没发货，太失望了")
        #expect(result.sentiment == .neg)
        #expect(analyzer.analyze("加微信 12345678 领福利，代购各种名牌").intent == .spam)
    }
}
