import FanfareCore
import Foundation
import Testing

/// Who may enter an activity and what an entry says, decided without a
/// database: the same rules the API, the pages and fans' messages go
/// through.
@Suite struct ActivityEntryRulesTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    var end: Date { start.addingTimeInterval(86_400) }
    let fan = UUID(uuidString: "00000000-0000-0000-0000-0000000000aa")!
    let message = UUID(uuidString: "00000000-0000-0000-0000-0000000000bb")!
    let unique = UUID(uuidString: "00000000-0000-0000-0000-0000000000cc")!

    func settle(_ answer: EntryAnswer, _ settings: ActivitySettings, messageID: UUID? = nil) throws(ValidationErrors) -> SettledEntry {
        try ActivityEntryRules.settle(answer, settings: settings, fanID: fan, messageID: messageID, day: "2027-01-15", unique: unique)
    }

    func fields(_ check: () throws(ValidationErrors) -> Void) -> [String] {
        do {
            try check()
            return []
        } catch {
            return error.issues.map { "\($0.field): \($0.code.rawValue)" }
        }
    }

    // MARK: Who may enter, and when

    @Test func onlyAnOpenActivityTakesEntriesAndOnlyWhileItRuns() {
        func timing(_ status: ActivityStatus, at now: Date) -> EntryRefusal? {
            ActivityEntryRules.timing(title: "春日签到", status: status, startsAt: start, endsAt: end, now: now)
        }
        #expect(timing(.open, at: start) == nil, "from the first second")
        #expect(timing(.open, at: end.addingTimeInterval(-1)) == nil)
        #expect(timing(.open, at: end) == .notNow(.activityNotOpen(title: "春日签到", status: "open")), "not at its end")
        #expect(timing(.open, at: start.addingTimeInterval(-1)) != nil, "not before it starts")
        for status in ActivityStatus.allCases where status != .open {
            #expect(timing(status, at: start.addingTimeInterval(60)) == .notNow(.activityNotOpen(title: "春日签到", status: status.rawValue)))
        }
    }

    @Test func anUnknownOrMergedFanIsNotAnEntrant() {
        #expect(ActivityEntryRules.fan(found: true, mergedOrErased: false) == nil)
        #expect(ActivityEntryRules.fan(found: false, mergedOrErased: false) == .invalid(ValidationErrors("fan_id", .notAFan)))
        #expect(ActivityEntryRules.fan(found: true, mergedOrErased: true) == .invalid(ValidationErrors("fan_id", .fanMergedOrErased)))
    }

    @Test func aSegmentsActivityAdmitsItsMembersOnly() {
        #expect(ActivityEntryRules.audience(segmentName: "上海", isMember: true) == nil)
        #expect(ActivityEntryRules.audience(segmentName: "上海", isMember: false) == .notForFan(.notInAudience(segment: "上海")))
    }

    @Test func aReservedActivityNamesTheLowestLevelAndWhenEveryoneMayEnter() {
        func privilege(_ reservation: ActivityReservation, points: Int, now: Date? = nil, ladder: LevelLadder = .standard) -> EntryRefusal? {
            ActivityEntryRules.privilege(title: "见面会", reservation: reservation, lifetimePoints: points, ladder: ladder, now: now ?? start)
        }
        #expect(privilege(ActivityReservation(), points: 0) == nil, "no privilege: every fan")
        let meetup = ActivityReservation(privilege: "meetup")
        #expect(privilege(meetup, points: 8_000) == nil, "level 4 grants it")
        #expect(privilege(meetup, points: 7_999) == .notForFan(.reservedForLevel(title: "见面会", privilege: "meetup", level: 4)))
        let opens = start.addingTimeInterval(3_600)
        let early = ActivityReservation(privilege: "meetup", openToAllAt: opens)
        #expect(privilege(early, points: 0) == .notForFan(.reservedForLevelUntil(title: "见面会", privilege: "meetup", level: 4, at: opens)))
        #expect(privilege(early, points: 0, now: opens) == nil, "every fan from the moment it opens to all")
        let nobody = LevelLadder(levels: [LoyaltyLevel(number: 1, name: "All", minLifetimePoints: 0)])
        #expect(privilege(meetup, points: 99_999, ladder: nobody) == .notForFan(.reservedNoLevel(title: "见面会", privilege: "meetup")))
        #expect(
            privilege(early, points: 0, ladder: nobody)
                == .notForFan(.reservedNoLevelUntil(title: "见面会", privilege: "meetup", at: opens)))
    }

    // MARK: Places

    @Test func aSignUpIsFullWhenTheEntriesPassItsPlaces() {
        #expect(ActivityEntryRules.placesLeft(places: 10, taken: 3) == 7)
        #expect(ActivityEntryRules.placesLeft(places: 10, taken: 12) == 0, "never below zero")
        #expect(ActivityEntryRules.signUp(title: "线下活动", places: 10, takenWithThisEntry: 10) == nil, "the last place")
        #expect(ActivityEntryRules.signUp(title: "线下活动", places: 10, takenWithThisEntry: 11) == .notNow(.activityFull(places: 10, title: "线下活动")))
    }

    // MARK: What an entry says

    @Test func aCheckInIsOnePerFanAndLocalDayAndOtherKindsOnePerFan() throws {
        let checkIn = try settle(EntryAnswer(options: [1]), .checkIn(.standard))
        #expect(checkIn.answer == EntryAnswer() && checkIn.correct == nil, "a check-in says nothing more")
        #expect(checkIn.key == "00000000-0000-0000-0000-0000000000aa:2027-01-15")
        let lottery = LotterySettings(prize: "耳机", winners: 1, entriesCloseAt: end)
        #expect(try settle(EntryAnswer(), .lottery(lottery)).key == "00000000-0000-0000-0000-0000000000aa")
        #expect(try settle(EntryAnswer(), .signUp(SignUpSettings(venue: "上海", places: 5))).key == "00000000-0000-0000-0000-0000000000aa")
    }

    @Test func aPollAnswerIsSortedWithoutRepeatsAndWithinTheOptions() throws {
        let single = PollSettings(question: "哪个颜色？", options: ["墨绿", "深蓝", "米白"])
        let multiple = PollSettings(question: "哪些颜色？", options: ["墨绿", "深蓝", "米白"], multipleChoice: true)
        #expect(try settle(EntryAnswer(options: [2, 0, 2]), .poll(multiple)).answer == EntryAnswer(options: [0, 2]))
        #expect(try settle(EntryAnswer(options: [1, 1]), .poll(single)).answer == EntryAnswer(options: [1]), "a repeat is one choice")
        #expect(
            fields { () throws(ValidationErrors) in _ = try settle(EntryAnswer(options: [0, 1]), .poll(single)) } == ["options: single_choice_poll"])
        #expect(
            fields { () throws(ValidationErrors) in _ = try settle(EntryAnswer(options: [3]), .poll(single)) } == ["options: poll_option_indexes"])
        #expect(
            fields { () throws(ValidationErrors) in _ = try settle(EntryAnswer(options: [-1]), .poll(multiple)) } == ["options: poll_option_indexes"])
        #expect(fields { () throws(ValidationErrors) in _ = try settle(EntryAnswer(), .poll(single)) } == ["options: poll_option_indexes"])
        do {
            _ = try settle(EntryAnswer(options: [5]), .poll(single))
        } catch {
            #expect(error.issues.first?.coded == .pollOptionIndexes(max: 2), "names the highest index")
        }
    }

    @Test func aQuizTakesOneAnswerPerQuestionAndCountsTheCorrectOnes() throws {
        let quiz = QuizSettings(
            questions: [
                QuizQuestion(question: "一", options: ["a", "b"], correctOption: 1),
                QuizQuestion(question: "二", options: ["a", "b"], correctOption: 0),
                QuizQuestion(question: "三", options: ["a", "b"], correctOption: 0),
            ], pointsPerCorrect: 10)
        let entry = try settle(EntryAnswer(answers: [1, nil, 1]), .quiz(quiz))
        #expect(entry.correct == 1 && entry.answer == EntryAnswer(answers: [1, nil, 1]))
        #expect(fields { () throws(ValidationErrors) in _ = try settle(EntryAnswer(answers: [1]), .quiz(quiz)) } == ["answers: quiz_answers_count"])
    }

    @Test func aChallengeEntryNeedsTheHashtagAndIsOnePerMessage() throws {
        let challenge = ActivitySettings.ugcChallenge(UGCChallengeSettings(hashtag: "#春日穿搭", featuredPicks: 3))
        let long = "#春日穿搭 " + String(repeating: "好", count: 2_100)
        let entry = try settle(EntryAnswer(text: long), challenge, messageID: message)
        #expect(entry.key == "message:00000000-0000-0000-0000-0000000000bb")
        #expect(entry.answer.text?.count == ActivityEntryRules.ugcTextLimit && entry.answer.messageId == message)
        #expect(try settle(EntryAnswer(text: "#春日穿搭"), challenge).key == "00000000-0000-0000-0000-0000000000aa:00000000-0000-0000-0000-0000000000cc")
        #expect(
            fields { () throws(ValidationErrors) in _ = try settle(EntryAnswer(text: "今日穿搭"), challenge) } == ["text: challenge_hashtag_missing"])
    }

    // MARK: What a fan's message says

    @Test func aMessageChecksInSignsUpOrVotesByItsWords() {
        func answer(_ text: String, _ settings: ActivitySettings) -> EntryAnswer? {
            ActivityEntryRules.answer(ofMessage: text, folded: TextFolding.fold(text), to: settings)
        }
        for text in ["签到", "今天也来打卡！", "Check-In please", "CHECKIN"] {
            #expect(answer(text, .checkIn(.standard)) == EntryAnswer(), "\(text)")
        }
        #expect(answer("你好", .checkIn(.standard)) == nil)
        #expect(answer("我要报名", .signUp(SignUpSettings(venue: "上海", places: 5))) == EntryAnswer())
        #expect(answer("count me in!", .signUp(SignUpSettings(venue: "上海", places: 5))) == EntryAnswer())
        #expect(answer("好看", .signUp(SignUpSettings(venue: "上海", places: 5))) == nil)

        let single = ActivitySettings.poll(PollSettings(question: "哪个颜色？", options: ["墨绿", "深蓝"]))
        let multiple = ActivitySettings.poll(PollSettings(question: "哪些颜色？", options: ["墨绿", "深蓝"], multipleChoice: true))
        #expect(answer("2", single) == EntryAnswer(options: [1]), "an option's number, counted from 1")
        #expect(answer(" 1！", single) == EntryAnswer(options: [0]))
        #expect(answer("3", single) == nil, "no third option")
        #expect(answer("想要深蓝", single) == EntryAnswer(options: [1]))
        #expect(answer("墨绿和深蓝都好", single) == EntryAnswer(options: [0]), "a single-choice poll takes the first named")
        #expect(answer("墨绿和深蓝都好", multiple) == EntryAnswer(options: [0, 1]))
        #expect(answer("都不喜欢", single) == nil)

        #expect(answer("转发抽奖", .lottery(LotterySettings(prize: "耳机", winners: 1, entriesCloseAt: end))) == EntryAnswer(), "any comment enters")
        let challenge = ActivitySettings.ugcChallenge(UGCChallengeSettings(hashtag: "#春日穿搭", featuredPicks: 3))
        #expect(answer("今日 #春日穿搭", challenge) == EntryAnswer(text: "今日 #春日穿搭"))
        #expect(answer("今日穿搭", challenge) == nil)
        let quiz = QuizSettings(questions: [QuizQuestion(question: "一", options: ["a", "b"], correctOption: 1)], pointsPerCorrect: 10)
        #expect(answer("2", .quiz(quiz)) == nil, "a quiz is answered in its form")
    }
}
