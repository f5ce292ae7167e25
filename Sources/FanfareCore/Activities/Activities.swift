import Foundation

public enum ActivityKind: String, Sendable, Codable, CaseIterable {
    case checkIn = "check_in"
    case poll, quiz, lottery
    case ugcChallenge = "ugc_challenge"
    case signUp = "sign_up"
}

public struct PollSettings: Sendable, Codable, Equatable {
    public var question: String
    public var options: [String]
    public var multipleChoice: Bool

    public init(question: String, options: [String], multipleChoice: Bool = false) {
        self.question = question
        self.options = options
        self.multipleChoice = multipleChoice
    }

    private enum CodingKeys: String, CodingKey {
        case question, options
        case multipleChoice = "multiple_choice"
    }

    // By hand so that a single-choice poll may leave multiple_choice out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        question = try container.decode(String.self, forKey: .question)
        options = try container.decode([String].self, forKey: .options)
        multipleChoice = try container.decodeIfPresent(Bool.self, forKey: .multipleChoice) ?? false
    }
}

public struct QuizQuestion: Sendable, Codable, Equatable {
    public var question: String
    public var options: [String]
    /// Index into `options`, from 0.
    public var correctOption: Int

    public init(question: String, options: [String], correctOption: Int) {
        self.question = question
        self.options = options
        self.correctOption = correctOption
    }

    private enum CodingKeys: String, CodingKey {
        case question, options
        case correctOption = "correct_option"
    }
}

public struct QuizSettings: Sendable, Codable, Equatable {
    public var questions: [QuizQuestion]
    public var pointsPerCorrect: Int

    public init(questions: [QuizQuestion], pointsPerCorrect: Int) {
        self.questions = questions
        self.pointsPerCorrect = pointsPerCorrect
    }

    private enum CodingKeys: String, CodingKey {
        case questions
        case pointsPerCorrect = "points_per_correct"
    }

    /// Correct answers and the points they earn; `answers[i]` is the option
    /// chosen for question i (nil or missing: not answered).
    public func score(answers: [Int?]) -> (correct: Int, points: Int) {
        let correct = questions.indices.filter { $0 < answers.count && answers[$0] == questions[$0].correctOption }.count
        return (correct, correct * pointsPerCorrect)
    }
}

public struct LotterySettings: Sendable, Codable, Equatable {
    public var prize: String
    public var winners: Int
    public var entriesCloseAt: Date
    /// Only fans in this segment may enter; nil: every fan.
    public var segmentID: String?
    /// Points spent to enter; nil: free.
    public var entryCostPoints: Int?

    public init(prize: String, winners: Int, entriesCloseAt: Date, segmentID: String? = nil, entryCostPoints: Int? = nil) {
        self.prize = prize
        self.winners = winners
        self.entriesCloseAt = entriesCloseAt
        self.segmentID = segmentID
        self.entryCostPoints = entryCostPoints
    }

    private enum CodingKeys: String, CodingKey {
        case prize, winners
        case entriesCloseAt = "entries_close_at"
        case segmentID = "segment_id"
        case entryCostPoints = "entry_cost_points"
    }
}

public struct UGCChallengeSettings: Sendable, Codable, Equatable {
    public var hashtag: String
    public var featuredPicks: Int

    public init(hashtag: String, featuredPicks: Int) {
        self.hashtag = hashtag
        self.featuredPicks = featuredPicks
    }

    private enum CodingKeys: String, CodingKey {
        case hashtag
        case featuredPicks = "featured_picks"
    }
}

/// A sign-up with a limited number of places (报名): a VIP event, a fans'
/// meet-up, an early-access opening. Each entry takes a place; when the
/// places are gone, further entries are refused.
public struct SignUpSettings: Sendable, Codable, Equatable {
    /// Where it happens: an address, a venue, "online", a product page.
    public var venue: String
    /// When it happens, if it is an event (shown to the team; not the
    /// activity's end, which is when sign-ups close).
    public var happensAt: Date?
    public var places: Int

    public init(venue: String, happensAt: Date? = nil, places: Int) {
        self.venue = venue
        self.happensAt = happensAt
        self.places = places
    }

    private enum CodingKeys: String, CodingKey {
        case venue, places
        case happensAt = "happens_at"
    }
}

/// An activity's settings. JSON: the kind beside the kind's own fields,
/// `{"kind": "poll", "question": "…", "options": […], "multiple_choice": false}`.
public enum ActivitySettings: Sendable, Equatable, Codable {
    case checkIn(CheckInPolicy)
    case poll(PollSettings)
    case quiz(QuizSettings)
    case lottery(LotterySettings)
    case ugcChallenge(UGCChallengeSettings)
    case signUp(SignUpSettings)

    public var kind: ActivityKind {
        switch self {
        case .checkIn: .checkIn
        case .poll: .poll
        case .quiz: .quiz
        case .lottery: .lottery
        case .ugcChallenge: .ugcChallenge
        case .signUp: .signUp
        }
    }

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(ActivityKind.self, forKey: .kind)
        switch kind {
        case .checkIn: self = .checkIn(try CheckInPolicy(from: decoder))
        case .poll: self = .poll(try PollSettings(from: decoder))
        case .quiz: self = .quiz(try QuizSettings(from: decoder))
        case .lottery: self = .lottery(try LotterySettings(from: decoder))
        case .ugcChallenge: self = .ugcChallenge(try UGCChallengeSettings(from: decoder))
        case .signUp: self = .signUp(try SignUpSettings(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: KindKey.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .checkIn(let settings): try settings.encode(to: encoder)
        case .poll(let settings): try settings.encode(to: encoder)
        case .quiz(let settings): try settings.encode(to: encoder)
        case .lottery(let settings): try settings.encode(to: encoder)
        case .ugcChallenge(let settings): try settings.encode(to: encoder)
        case .signUp(let settings): try settings.encode(to: encoder)
        }
    }

    /// Problems as (field, English message) for settings being saved; `now`
    /// is used to refuse a lottery whose entries close in the past.
    public func problems(now: Date) -> [FieldIssue] {
        switch self {
        case .checkIn(let policy): policy.problems()
        case .poll(let poll): Self.problems(poll)
        case .quiz(let quiz): Self.problems(quiz)
        case .lottery(let lottery): Self.problems(lottery, now: now)
        case .ugcChallenge(let challenge): Self.problems(challenge)
        case .signUp(let signUp): Self.problems(signUp)
        }
    }

    static func problems(_ poll: PollSettings) -> [FieldIssue] {
        text(poll.question, field: "question", max: 300) + options(poll.options, field: "options")
    }

    static func problems(_ quiz: QuizSettings) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        if !(1...50).contains(quiz.questions.count) {
            problems.append(FieldIssue(field: "questions", .questionsBetween(min: 1, max: 50)))
        }
        for (index, question) in quiz.questions.enumerated() {
            let field = "questions[\(index)]"
            problems += text(question.question, field: "\(field).question", max: 300)
            problems += options(question.options, field: "\(field).options")
            if !question.options.indices.contains(question.correctOption) {
                problems.append(FieldIssue(field: "\(field).correct_option", .correctOptionIndex(max: max(0, question.options.count - 1))))
            }
        }
        if !PointsPolicy.pointsRange.contains(quiz.pointsPerCorrect) {
            problems.append(FieldIssue(field: "points_per_correct", .pointsBetween(min: 1, max: 10_000)))
        }
        return problems
    }

    static func problems(_ lottery: LotterySettings, now: Date) -> [FieldIssue] {
        var problems = text(lottery.prize, field: "prize", max: 200)
        if !(1...1_000).contains(lottery.winners) {
            problems.append(FieldIssue(field: "winners", .wholeNumberBetween(min: 1, max: 1_000)))
        }
        if lottery.entriesCloseAt <= now {
            problems.append(FieldIssue(field: "entries_close_at", .entriesCloseFuture(at: lottery.entriesCloseAt)))
        }
        if let segment = lottery.segmentID, segment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append(FieldIssue(field: "segment_id", .segmentOrEveryone))
        }
        if let cost = lottery.entryCostPoints, !PointsPolicy.pointsRange.contains(cost) {
            problems.append(FieldIssue(field: "entry_cost_points", .entryCostPoints(min: 1, max: 10_000)))
        }
        return problems
    }

    static func problems(_ challenge: UGCChallengeSettings) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        let tag = challenge.hashtag
        if !tag.hasPrefix("#") || tag.count < 2 || tag.count > 50 || tag.dropFirst().contains(where: { $0.isWhitespace || $0 == "#" }) {
            problems.append(FieldIssue(field: "hashtag", .challengeHashtag))
        }
        if !(1...100).contains(challenge.featuredPicks) {
            problems.append(FieldIssue(field: "featured_picks", .wholeNumberBetween(min: 1, max: 100)))
        }
        return problems
    }

    static func problems(_ signUp: SignUpSettings) -> [FieldIssue] {
        var problems = text(signUp.venue, field: "venue", max: 200)
        if !(1...100_000).contains(signUp.places) {
            problems.append(FieldIssue(field: "places", .placesBetween(min: 1, max: 100_000)))
        }
        return problems
    }

    static func text(_ value: String, field: String, max: Int) -> [FieldIssue] {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty || trimmed.count > max ? [FieldIssue(field: field, .lengthBetween(min: 1, max: max))] : []
    }

    static func options(_ options: [String], field: String) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        if !(2...10).contains(options.count) {
            problems.append(FieldIssue(field: field, .optionsBetween(min: 2, max: 10)))
        }
        var seen: Set<String> = []
        for (index, option) in options.enumerated() {
            let trimmed = option.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 100 {
                problems.append(FieldIssue(field: "\(field)[\(index)]", .lengthBetween(min: 1, max: 100)))
            } else if !seen.insert(trimmed.lowercased()).inserted {
                problems.append(FieldIssue(field: "\(field)[\(index)]", .optionRepeated(option: trimmed)))
            }
        }
        return problems
    }
}
