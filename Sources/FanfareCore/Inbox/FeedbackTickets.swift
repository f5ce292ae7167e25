import Foundation

/// What a piece of fan feedback is about.
public enum FeedbackKind: String, CaseIterable, Codable, Sendable { case suggestion, complaint, bug, praise, other }

/// Where a feedback ticket is in its handling.
public enum FeedbackStatus: String, CaseIterable, Codable, Sendable { case new, triaged, inProgress = "in_progress", closed }

/// How a closed ticket ended; adopted suggestions are the ones listed publicly.
public enum FeedbackResolution: String, CaseIterable, Codable, Sendable { case adopted, declined, fixed, duplicate }

/// Impact × urgency × cost, each 1–5 (影响力、紧迫性、实施成本). A cheaper change ranks higher, so cost enters as (6 − cost): the score runs from 1 to 125.
public struct FeedbackScore: Codable, Equatable, Sendable {
    public var impact: Int
    public var urgency: Int
    public var cost: Int

    public init(impact: Int, urgency: Int, cost: Int) {
        self.impact = impact
        self.urgency = urgency
        self.cost = cost
    }

    /// The score; out-of-range parts are clamped so that a bad stored row still sorts within 1...125.
    public var value: Int {
        let clamp = { (part: Int) in min(max(part, 1), 5) }
        return clamp(impact) * clamp(urgency) * (6 - clamp(cost))
    }

    /// impact: must be a whole number from 1 to 5, and so on.
    public var problems: [FieldIssue] {
        [("impact", impact), ("urgency", urgency), ("cost", cost)]
            .filter { !(1...5).contains($0.1) }
            .map { FieldIssue(field: $0.0, .wholeNumberBetween(min: 1, max: 5)) }
    }
}

/// Finding feedback that says the same thing, so it is merged instead of counted twice.
public enum FeedbackSimilarity {
    /// Character bigrams of the folded text (TextFolding.fold, skipped characters and whitespace/punctuation dropped); a text of one character gives itself.
    ///
    /// Character bigrams rather than words because Chinese has no spaces
    /// between words; the same measure then serves English too.
    public static func grams(_ text: String) -> Set<String> {
        let characters = Array(TextFolding.fold(text))
        guard characters.count > 1 else { return Set(characters.map(String.init)) }
        var grams: Set<String> = []
        for index in 0..<(characters.count - 1) {
            grams.insert(String(characters[index]) + String(characters[index + 1]))
        }
        return grams
    }

    /// Dice coefficient of the bigram sets, 0...1.
    public static func similarity(_ a: Set<String>, _ b: Set<String>) -> Double {
        // Two empty texts say nothing, so they are not duplicates of each other.
        guard !a.isEmpty || !b.isEmpty else { return 0 }
        return 2 * Double(a.intersection(b).count) / Double(a.count + b.count)
    }

    /// A little over one half. A reworded request keeps most of its bigrams
    /// ("希望增加夜间模式" / "建议增加夜间模式吧" ≈ 0.67, "The app crashes on
    /// login" / "App crashes when I log in" ≈ 0.72), while two requests that
    /// only share an opening land at or below 0.5 ("Please add a dark mode" /
    /// "Please add export to CSV" = 0.5, "希望增加夜间模式" / "希望增加会员积分"
    /// ≈ 0.43). The tests hold both sides of the line.
    public static let mergeThreshold = 0.55

    /// Candidates at or above the threshold, best first, at most `limit`.
    public static func nearDuplicates(
        of text: String, among candidates: [(id: UUID, text: String)], threshold: Double = mergeThreshold, limit: Int = 5
    ) -> [(id: UUID, similarity: Double)] {
        guard limit > 0 else { return [] }
        let target = grams(text)
        let scored = candidates.enumerated().compactMap { offset, candidate -> (offset: Int, id: UUID, similarity: Double)? in
            let score = similarity(target, grams(candidate.text))
            return score >= threshold ? (offset, candidate.id, score) : nil
        }
        // Ties keep the caller's order (usually oldest first), so the original ticket wins.
        let ranked = scored.sorted { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.offset < $1.offset }
        return ranked.prefix(limit).map { (id: $0.id, similarity: $0.similarity) }
    }
}
