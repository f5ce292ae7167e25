import Foundation

/// What a fan's entry says: the fields that matter for its kind.
public struct EntryAnswer: Sendable, Codable, Equatable {
    /// Poll: the chosen option indexes.
    public var options: [Int]?
    /// Quiz: one option index per question, null for unanswered.
    public var answers: [Int?]?
    /// UGC: the message that entered, and its text.
    public var messageId: UUID?
    public var text: String?

    public init(options: [Int]? = nil, answers: [Int?]? = nil, messageId: UUID? = nil, text: String? = nil) {
        self.options = options
        self.answers = answers
        self.messageId = messageId
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case options, answers, text
        case messageId = "message_id"
    }
}

/// Why an entry is refused, in the three kinds a caller answers
/// differently (the API with 409, 403 and 422; a fan's message by staying
/// a message).
public enum EntryRefusal: Error, Equatable, Sendable {
    /// Not now: the activity is not open and running, or it is full.
    case notNow(CodedMessage)
    /// Not for this fan: outside the audience, or below the privilege.
    case notForFan(CodedMessage)
    /// What was sent is not an entry: an unknown or merged fan, an answer
    /// that does not fit the activity.
    case invalid(ValidationErrors)
}

/// An entry that passed the rules, ready to be recorded.
public struct SettledEntry: Sendable, Equatable {
    /// The answer as it is stored: options sorted without repeats, a UGC
    /// text cut to 2,000 characters.
    public var answer: EntryAnswer
    /// A quiz's correct answers.
    public var correct: Int?
    /// One entry per key: the fan (per day for a check-in, per message for
    /// a UGC entry). A second entry with the same key is the first again.
    public var key: String
}

/// The rules of taking part in an activity, decided without a database:
/// who may enter and when (open and running, the audience, a privilege
/// with its early access), one entry per fan, a sign-up's places, what an
/// answer must be, and what a fan's message says to an activity (签到
/// checks in, 报名 signs up, a poll option's number or words vote). The
/// server reads the facts (the fan, the segment's members, the entries
/// taken) and writes what these rules decide; the API and the messages a
/// fan sends go through the same rules.
public enum ActivityEntryRules {
    /// Words that check a fan in, as people write them in a comment or a
    /// direct message: the one list every part of Fanfare uses.
    public static let checkInWords = ["签到", "打卡", "check in", "checkin", "check-in"]
    /// Words that take a place at a sign-up.
    public static let signUpWords = ["报名", "sign me up", "sign up", "count me in"]
    /// The longest UGC text kept with an entry.
    public static let ugcTextLimit = 2_000

    private static let foldedCheckIn = checkInWords.map(TextFolding.fold)
    private static let foldedSignUp = signUpWords.map(TextFolding.fold)

    // MARK: Who may enter, and when

    /// Refused unless the activity is open and `now` is inside its time
    /// (from `startsAt`, before `endsAt`: a lottery's entries close at its
    /// end).
    public static func timing(title: String, status: ActivityStatus, startsAt: Date, endsAt: Date, now: Date) -> EntryRefusal? {
        guard status == .open, startsAt <= now, now < endsAt else {
            return .notNow(.activityNotOpen(title: title, status: status.rawValue))
        }
        return nil
    }

    /// The fan must be one of the workspace's and not merged into another
    /// or erased (enter as the remaining fan).
    public static func fan(found: Bool, mergedOrErased: Bool) -> EntryRefusal? {
        guard found else { return .invalid(ValidationErrors("fan_id", .notAFan)) }
        if mergedOrErased { return .invalid(ValidationErrors("fan_id", .fanMergedOrErased)) }
        return nil
    }

    /// An activity for one segment admits its members only.
    public static func audience(segmentName: String, isMember: Bool) -> EntryRefusal? {
        isMember ? nil : .notForFan(.notInAudience(segment: segmentName))
    }

    /// A reserved activity admits fans whose level grants its privilege, and
    /// every fan from `openToAllAt` on (early access for the holders). The
    /// refusal names the lowest level that grants it, and when all may enter.
    public static func privilege(
        title: String, reservation: ActivityReservation, lifetimePoints: Int, ladder: LevelLadder, now: Date
    ) -> EntryRefusal? {
        guard let privilege = reservation.privilege, !reservation.admits(lifetimePoints: lifetimePoints, ladder: ladder, now: now) else {
            return nil
        }
        let level = reservation.lowestLevel(in: ladder)?.number
        let message: CodedMessage =
            switch (level, reservation.openToAllAt) {
            case (let level?, nil): .reservedForLevel(title: title, privilege: privilege, level: level)
            case (let level?, let from?): .reservedForLevelUntil(title: title, privilege: privilege, level: level, at: from)
            case (nil, nil): .reservedNoLevel(title: title, privilege: privilege)
            case (nil, let from?): .reservedNoLevelUntil(title: title, privilege: privilege, at: from)
            }
        return .notForFan(message)
    }

    // MARK: Places

    /// A sign-up's places not yet taken, never below zero.
    public static func placesLeft(places: Int, taken: Int) -> Int {
        max(0, places - taken)
    }

    /// Refused when the entries, this one counted, are more than the
    /// places. Counted after the entry is written, under the activity's
    /// lock, so simultaneous sign-ups each see the ones before them.
    public static func signUp(title: String, places: Int, takenWithThisEntry: Int) -> EntryRefusal? {
        takenWithThisEntry > places ? .notNow(.activityFull(places: places, title: title)) : nil
    }

    // MARK: What an entry says

    /// The answer checked against the activity, and the key that keeps one
    /// entry per fan: per fan and day for a check-in (`day`, the fan's local
    /// day), per message for a UGC entry (or, entered without a message,
    /// per `unique`), per fan for every other kind.
    public static func settle(
        _ answer: EntryAnswer, settings: ActivitySettings, fanID: UUID, messageID: UUID?, day: String, unique: UUID
    ) throws(ValidationErrors) -> SettledEntry {
        let fanKey = fanID.uuidString.lowercased()
        var errors = ValidationErrors()
        let settled: SettledEntry
        switch settings {
        case .checkIn:
            settled = SettledEntry(answer: EntryAnswer(), correct: nil, key: "\(fanKey):\(day)")
        case .poll(let poll):
            let options = Array(Set(answer.options ?? [])).sorted()
            if options.isEmpty || options.contains(where: { !poll.options.indices.contains($0) }) {
                errors.add("options", .pollOptionIndexes(max: poll.options.count - 1))
            } else if options.count > 1, !poll.multipleChoice {
                errors.add("options", .singleChoicePoll)
            }
            settled = SettledEntry(answer: EntryAnswer(options: options), correct: nil, key: fanKey)
        case .quiz(let quiz):
            let answers = answer.answers ?? []
            if answers.count != quiz.questions.count {
                errors.add("answers", .quizAnswersCount(count: quiz.questions.count))
            }
            settled = SettledEntry(answer: EntryAnswer(answers: answers), correct: quiz.score(answers: answers).correct, key: fanKey)
        case .lottery, .signUp:
            // Who may enter a lottery is the audience segment's to say
            // ("level ≥ 2" reserves it for the lottery_entry privilege).
            settled = SettledEntry(answer: EntryAnswer(), correct: nil, key: fanKey)
        case .ugcChallenge(let challenge):
            let text = answer.text ?? ""
            if !TextFolding.fold(text).contains(TextFolding.fold(challenge.hashtag)) {
                errors.add("text", .challengeHashtagMissing(hashtag: challenge.hashtag))
            }
            let key = messageID.map { "message:\($0.uuidString.lowercased())" } ?? "\(fanKey):\(unique.uuidString.lowercased())"
            settled = SettledEntry(answer: EntryAnswer(messageId: messageID, text: String(text.prefix(ugcTextLimit))), correct: nil, key: key)
        }
        try errors.throwIfAny()
        return settled
    }

    /// What a fan's message says to an activity, or nil when it is not
    /// taking part: a check-in word checks in, a poll option's number ("2")
    /// or words vote, any comment enters a comment-to-win lottery (转评抽奖),
    /// the challenge's hashtag enters a UGC challenge, a sign-up word takes
    /// a place. A quiz is answered in a form, never by a message. `folded`
    /// is the text through `TextFolding.fold`, done once per message.
    public static func answer(ofMessage text: String, folded: String, to settings: ActivitySettings) -> EntryAnswer? {
        switch settings {
        case .checkIn: return foldedCheckIn.contains { folded.contains($0) } ? EntryAnswer() : nil
        case .poll(let poll):
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
            if let number = Int(trimmed), poll.options.indices.contains(number - 1) { return EntryAnswer(options: [number - 1]) }
            let chosen = poll.options.indices.filter { folded.contains(TextFolding.fold(poll.options[$0])) }
            guard !chosen.isEmpty else { return nil }
            return EntryAnswer(options: poll.multipleChoice ? chosen : [chosen[0]])
        case .lottery: return EntryAnswer()
        case .ugcChallenge(let challenge):
            return folded.contains(TextFolding.fold(challenge.hashtag)) ? EntryAnswer(text: text) : nil
        case .signUp: return foldedSignUp.contains { folded.contains($0) } ? EntryAnswer() : nil
        case .quiz: return nil
        }
    }
}
