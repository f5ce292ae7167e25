import Foundation

public enum MessageLanguage: String, Sendable, Codable, CaseIterable {
    case zh, en, other
}

public enum MessageSentiment: String, Sendable, Codable, CaseIterable {
    case pos, neu, neg
}

public enum MessageIntent: String, Sendable, Codable, CaseIterable {
    case question, complaint, praise, purchase, spam, other
}

/// How soon a person should look at a message.
public enum MessagePriority: String, Sendable, Codable, CaseIterable, Comparable {
    case low, normal, high, urgent

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Everything Fanfare knows about a message the moment it arrives.
public struct MessageAnalysis: Sendable, Equatable, Codable {
    public var lang: MessageLanguage
    public var sentiment: MessageSentiment
    /// P(positive) − P(negative), from −1 to 1, two decimals.
    public var score: Double
    public var intent: MessageIntent
    /// The intent model's probability for `intent`.
    public var intentConfidence: Double
    public var moderation: [ModerationMatch]
    public var recommendation: ModerationAction
    public var priority: MessagePriority
}

/// Language, sentiment, intent, moderation flags and priority of one
/// message, without any network: the shipped Naive Bayes models for
/// sentiment and intent, rules for the rest.
public struct MessageAnalyzer: Sendable {
    public let models: AnalysisModels
    public let engine: ModerationEngine

    public init(models: AnalysisModels, engine: ModerationEngine) {
        self.models = models
        self.engine = engine
    }

    /// Markers that turn praise into mockery (呵呵, 🙃, "yeah right"): a
    /// positive reading with one of them is taken as negative.
    static let sarcasmMarkers = ["呵呵", "🙃", "🙄", "😒", "yeah right", "/s", "真是服了", "谢谢你全家"]

    /// How far P(positive) − P(negative) must lean for a one-token message
    /// to be called positive or negative.
    static let singleTokenLean = 0.2

    public func analyze(_ text: String, priorOffences: Int = 0) -> MessageAnalysis {
        let tokens = MessageFeatures.tokens(text)
        let buckets = Set(tokens.map(MessageFeatures.bucket(of:)))
        // Nothing to read (empty, punctuation, a script the models never
        // saw), or only numbers ("1", "+1", "111": a check-in, a poll
        // answer, 扣1), whose meaning is the context's: the priors would say
        // "positive question", and a lone number leans negative and spam
        // only because the review corpora use digits in star ratings; say
        // nothing.
        // (A pair of numbers, "1 2", is also read as the bigram "1 2".)
        let unread = tokens.allSatisfy { token in token.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || $0 == " " } }
        let sentimentP = unread ? [0, 1, 0] : models.sentiment.probabilities(buckets)
        let intentP = unread ? [0, 0, 0, 0, 0, 1] : models.intent.probabilities(buckets)
        var sentiment = MessageSentiment.allCases[sentimentP.indices.max { sentimentP[$0] < sentimentP[$1] }!]
        var score = Double(sentimentP[0] - sentimentP[2])
        // One word or character ("嗯", "k", "顶") is too little to call a
        // mood on a slight lean, and too little to advertise anything: it
        // is neutral unless the lean is clear (赞, 差, 😡), and never spam.
        // (docs/analysis-model.md gives the held-out effect of both rules.)
        let oneToken = !unread && Set(tokens).count == 1
        if oneToken, sentiment != .neu, abs(score) < Self.singleTokenLean { sentiment = .neu }
        if sentiment == .pos, Self.sarcasmMarkers.contains(where: { text.localizedCaseInsensitiveContains($0) }) {
            sentiment = .neg
            score = -abs(score)
        }
        var intent = MessageIntent.allCases[intentP.indices.max { intentP[$0] < intentP[$1] }!]
        if oneToken, intent == .spam { intent = .other }
        let matches = engine.scan(text, scope: .incoming)
        let recommendation = ModerationAction.recommend(for: matches, priorOffences: priorOffences)
        // Rounded to two decimals, and never "-0.00".
        let rounded = (score * 100).rounded() / 100
        return MessageAnalysis(
            lang: Self.language(of: text), sentiment: sentiment, score: rounded == 0 ? 0 : rounded, intent: intent,
            intentConfidence: (Double(intentP[MessageIntent.allCases.firstIndex(of: intent)!]) * 100).rounded() / 100, moderation: matches,
            recommendation: recommendation,
            priority: Self.priority(sentiment: sentiment, score: score, intent: intent, recommendation: recommendation))
    }

    /// A complaint or a clearly unhappy fan comes first, then someone ready
    /// to buy; content to remove is urgent; spam and thanks can wait.
    public static func priority(
        sentiment: MessageSentiment, score: Double, intent: MessageIntent, recommendation: ModerationAction
    ) -> MessagePriority {
        if recommendation >= .delete { return .urgent }
        if intent == .spam { return .low }
        if intent == .complaint || (sentiment == .neg && score <= -0.5) { return .high }
        if intent == .purchase { return .high }
        if intent == .question || sentiment == .neg { return .normal }
        return .low
    }

    static let englishWords: Set<String> = [
        "the", "a", "an", "is", "are", "was", "and", "or", "to", "of", "in", "on", "for", "it", "this", "that", "i", "you", "my", "me", "we",
        "your", "not", "no", "so", "very", "love", "like", "how", "what", "when", "where", "why", "can", "do", "does", "please", "thanks",
        "thank", "great", "good", "bad", "buy", "price", "order", "still", "just", "have", "has", "will", "with", "be", "at", "lol", "omg",
    ]

    /// Chinese when it has Chinese characters (and no kana or hangul, which
    /// make it Japanese or Korean); English when its Latin words include
    /// common English ones (or it is a word or two); otherwise other.
    public static func language(of text: String) -> MessageLanguage {
        var han = 0
        var kanaOrHangul = 0
        var latin = String.UnicodeScalarView()
        var other = 0
        for scalar in text.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            switch scalar.value {
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF: han += 1
            case 0x3040...0x30FF, 0xAC00...0xD7AF, 0x1100...0x11FF: kanaOrHangul += 1
            case 0x61...0x7A, 0xDF...0x24F: latin.append(scalar)
            default:
                if scalar.properties.isAlphabetic { other += 1 }
                latin.append(" ")
            }
        }
        if kanaOrHangul > 0 { return .other }
        if han > 0 { return .zh }
        let words = String(latin).split(separator: " ").filter { $0.count > 0 }
        guard !words.isEmpty, other <= words.count else { return .other }
        if words.count <= 2 || words.contains(where: { englishWords.contains(String($0)) }) { return .en }
        return .other
    }
}

extension MessageAnalysis {
    /// This analysis for a fan with `priorOffences` flagged messages in the
    /// offence window: the recommendation moves up, and the priority with
    /// it. Asked only of flagged messages, where the count is worth a query.
    public func regraded(priorOffences: Int) -> MessageAnalysis {
        var copy = self
        copy.recommendation = ModerationAction.recommend(for: moderation, priorOffences: priorOffences)
        copy.priority = MessageAnalyzer.priority(sentiment: sentiment, score: score, intent: intent, recommendation: copy.recommendation)
        return copy
    }
}
