import FanfareCore
import Foundation
import Testing

/// SHA-256 comes from swift-crypto; these vectors pin that the lottery
/// hashes exactly the bytes its published algorithm names.
@Suite struct LotteryCoreSHA256Tests {
    @Test func theListFingerprintIsSHA256OfTheLinesAsTheNISTVectorsGiveIt() {
        // sha256("") and sha256("abc\n") from FIPS 180-4 / coreutils' sha256sum.
        #expect(Lottery.entrantListHash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Lottery.entrantListHash(["abc"]) == "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb")
    }

    @Test func theCommitmentHashesTheSeedBytesNotItsHexText() throws {
        // Python: hashlib.sha256(bytes.fromhex("00" * 32)).hexdigest()
        #expect(
            try LotterySeed.commitment(seedHex: String(repeating: "00", count: 32))
                == "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925")
    }
}

@Suite struct LotteryCoreDrawTests {
    let seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    let fans = (1...20).map { "fan-" + String(format: "%03d", $0) }

    @Test func theCommitmentIsTheHashOfTheSeedBytes() throws {
        #expect(try LotterySeed.commitment(seedHex: seed) == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd")
        let generated = LotterySeed.generate()
        #expect(generated.count == 64 && generated != LotterySeed.generate())
        #expect(try LotterySeed.bytes(fromHex: generated).count == 32)
    }

    @Test func theDrawMatchesAnIndependentImplementationOfTheAlgorithm() throws {
        // From a separate Python implementation of the published fanfare-draw-v1 text.
        #expect(try Lottery.draw(seedHex: seed, entrants: fans, winners: 3) == ["fan-007", "fan-018", "fan-003"])
        let all = try Lottery.draw(seedHex: seed, entrants: fans, winners: 20)
        #expect(all.prefix(6) == ["fan-007", "fan-018", "fan-003", "fan-017", "fan-009", "fan-013"])
        #expect(Set(all) == Set(fans))
        let names = ["张三", "李四", "王五", "Zoe", "alice", "Émile"]
        #expect(try Lottery.draw(seedHex: String(repeating: "ff", count: 32), entrants: names, winners: 2) == ["张三", "Émile"])
        #expect(Lottery.canonicalEntrants(names) == ["Zoe", "alice", "Émile", "张三", "李四", "王五"])
    }

    @Test func reRunningFromTheSeedGivesTheSameWinners() throws {
        let fresh = LotterySeed.generate()
        #expect(try Lottery.draw(seedHex: fresh, entrants: fans, winners: 5) == Lottery.draw(seedHex: fresh, entrants: fans, winners: 5))
        #expect(try Lottery.draw(seedHex: seed.uppercased(), entrants: fans, winners: 3) == ["fan-007", "fan-018", "fan-003"])
    }

    @Test func theOrderEntrantsAreListedInAndDuplicatesDoNotMatter() throws {
        let shuffled = fans.reversed() + ["fan-007", "fan-001"]
        #expect(try Lottery.draw(seedHex: seed, entrants: Array(shuffled), winners: 3) == ["fan-007", "fan-018", "fan-003"])
        #expect(Lottery.entrantListHash(Array(shuffled)) == Lottery.entrantListHash(fans))
    }

    @Test func changingOneEntrantOrTheSeedChangesTheResult() throws {
        let base = try Lottery.draw(seedHex: seed, entrants: fans, winners: 20)
        var changed = fans
        changed[4] = "fan-999"
        #expect(try Lottery.draw(seedHex: seed, entrants: changed, winners: 20) != base)
        let otherSeed = "100102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        #expect(try Lottery.draw(seedHex: otherSeed, entrants: fans, winners: 20) != base)
    }

    @Test func idsAreComparedByBytesSoCanonicallyEquivalentIdsStayDistinct() {
        // "é" precomposed and "e" + combining acute are == as Swift strings but different ids.
        #expect(Lottery.canonicalEntrants(["\u{e9}", "e\u{301}"]).count == 2)
    }

    @Test func eachOfTenEntrantsWinsAboutATenthOfTenThousandDraws() throws {
        let ten = (0..<10).map { "entrant-\($0)" }
        var wins: [String: Int] = [:]
        for i in 0..<10_000 {
            let seed = Lottery.entrantListHash(["distribution-\(i)"])
            wins[try Lottery.draw(seedHex: seed, entrants: ten, winners: 1)[0], default: 0] += 1
        }
        for entrant in ten { #expect((800...1200).contains(wins[entrant, default: 0]), "\(entrant) won \(wins[entrant, default: 0]) times") }
    }

    @Test func badInputIsRefusedNamingTheField() {
        func issues(_ seed: String, _ entrants: [String], _ winners: Int) -> [FieldIssue] {
            do {
                _ = try Lottery.draw(seedHex: seed, entrants: entrants, winners: winners)
                return []
            } catch { return error.issues }
        }
        #expect(issues("abc", fans, 1).said == ["seed: must be 64 hex characters (32 bytes); this one has 3 characters"])
        #expect(
            issues(String(repeating: "g", count: 64), fans, 1).said == ["seed: must contain only the hex characters 0-9 and a-f"])
        #expect(issues(seed, [], 1).said == ["entrants: must list at least one entrant id"])
        #expect(issues(seed, ["a", "a", "b"], 3).said == ["winners: must be from 1 to the number of distinct entrants (2)"])
        #expect(issues(seed, fans, 0).map(\.field) == ["winners"])
        #expect(issues(seed, ["a", "b\nc"], 1).map(\.field) == ["entrants"])
        #expect(issues("x", [], 1).map(\.field) == ["seed", "entrants"], "every problem at once")
    }
}

@Suite struct LotteryCoreVerifyTests {
    let seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    let hash = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    let fans = (1...20).map { "fan-" + String(format: "%03d", $0) }

    @Test func anHonestDrawVerifies() {
        let result = Lottery.verify(seedHex: seed, seedHash: hash, entrants: fans, winners: 3, claimed: ["fan-007", "fan-018", "fan-003"])
        #expect(result.isOK)
        #expect(
            result.message
                == "Verified with fanfare-draw-v1: the seed matches the commitment and the 3 winner(s) follow from the seed and the 20 entrant(s)")
    }

    @Test func aTamperedSeedIsCaughtByTheCommitment() {
        let tampered = "f" + seed.dropFirst()
        let result = Lottery.verify(seedHex: tampered, seedHash: hash, entrants: fans, winners: 3, claimed: ["fan-007", "fan-018", "fan-003"])
        #expect(result.outcome == .hashMismatch)
        #expect(result.message.hasPrefix("The seed does not match the published commitment"))
    }

    @Test func aTamperedWinnerListIsCaught() {
        let result = Lottery.verify(seedHex: seed, seedHash: hash, entrants: fans, winners: 3, claimed: ["fan-007", "fan-001", "fan-003"])
        #expect(result.outcome == .winnersMismatch)
        #expect(result.recomputed == ["fan-007", "fan-018", "fan-003"])
        #expect(
            result.message
                == "The claimed winners differ from the re-run from position 2: the re-run gives fan-007, fan-018, fan-003; the claim is fan-007, fan-001, fan-003"
        )
        let reordered = Lottery.verify(seedHex: seed, seedHash: hash, entrants: fans, winners: 3, claimed: ["fan-018", "fan-007", "fan-003"])
        #expect(reordered.outcome == .winnersMismatch, "the order of winners is part of the result")
        let invalid = Lottery.verify(seedHex: "zz", seedHash: hash, entrants: fans, winners: 3, claimed: [])
        #expect(invalid.outcome == .invalid && invalid.message.hasPrefix("seed must be 64 hex characters"))
    }
}

@Suite struct LotteryCoreActivityTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func settingsValidationPerKind() {
        let poll = ActivitySettings.poll(PollSettings(question: "Which flavour next?", options: ["Lychee"]))
        #expect(poll.problems(now: now).map(\.message) == ["must have from 2 to 10 options"])
        let quiz = ActivitySettings.quiz(
            QuizSettings(questions: [QuizQuestion(question: "Founded?", options: ["2010", "2012"], correctOption: 2)], pointsPerCorrect: 5))
        #expect(quiz.problems(now: now).map(\.field) == ["questions[0].correct_option"])
        let lottery = ActivitySettings.lottery(LotterySettings(prize: "", winners: 0, entriesCloseAt: now, segmentID: " ", entryCostPoints: 0))
        #expect(lottery.problems(now: now).map(\.field) == ["prize", "winners", "entries_close_at", "segment_id", "entry_cost_points"])
        let ugc = ActivitySettings.ugcChallenge(UGCChallengeSettings(hashtag: "MySummer", featuredPicks: 3))
        #expect(ugc.problems(now: now).map(\.field) == ["hashtag"])
        #expect(ActivitySettings.ugcChallenge(UGCChallengeSettings(hashtag: "#我的夏天", featuredPicks: 3)).problems(now: now).isEmpty)
    }

    @Test func aQuizScoresPointsPerCorrectAnswer() {
        let quiz = QuizSettings(
            questions: [
                QuizQuestion(question: "A?", options: ["x", "y"], correctOption: 0),
                QuizQuestion(question: "B?", options: ["x", "y"], correctOption: 1),
                QuizQuestion(question: "C?", options: ["x", "y"], correctOption: 1),
            ], pointsPerCorrect: 5)
        #expect(quiz.score(answers: [0, 0, 1]) == (correct: 2, points: 10))
        #expect(quiz.score(answers: [0]) == (correct: 1, points: 5))
    }

    @Test func settingsEncodeTheKindBesideSnakeCaseFields() throws {
        let settings = ActivitySettings.lottery(LotterySettings(prize: "Headphones", winners: 2, entriesCloseAt: now, entryCostPoints: 50))
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        #expect(json.contains("\"kind\":\"lottery\"") && json.contains("\"entries_close_at\"") && json.contains("\"entry_cost_points\":50"))
        #expect(try JSONDecoder().decode(ActivitySettings.self, from: Data(json.utf8)) == settings)
    }

    @Test func aLotteryIsDrawnOnceAndOnlyAfterEntriesClose() {
        let close = now.addingTimeInterval(3_600)
        let hash = String(repeating: "a", count: 64)
        func problems(_ from: ActivityStatus, _ to: ActivityStatus, at: Date, seedHash: String? = hash) -> [String] {
            ActivityLifecycle.problems(
                transition: ActivityTransition(kind: .lottery, from: from, to: to, now: at, entriesCloseAt: close, seedHash: seedHash)
            ).map(\.message)
        }
        #expect(problems(.draft, .open, at: now).isEmpty)
        #expect(
            problems(.draft, .open, at: now, seedHash: nil) == ["must be published (64 hex characters, SHA-256 of the seed) before the lottery opens"]
        )
        #expect(problems(.closed, .drawn, at: now) == ["cannot draw before entries close at \(close.formatted(.iso8601))"])
        #expect(problems(.closed, .drawn, at: close).isEmpty)
        #expect(problems(.drawn, .drawn, at: close) == ["the lottery has already been drawn; a draw is final and is never run again"])
        #expect(problems(.open, .drawn, at: close) == ["cannot move from open to drawn; from open it can move to closed"])
    }

    @Test func otherKindsFinishInsteadOfBeingDrawn() {
        func problems(_ from: ActivityStatus, _ to: ActivityStatus) -> [String] {
            ActivityLifecycle.problems(transition: ActivityTransition(kind: .poll, from: from, to: to, now: now)).map(\.message)
        }
        #expect(problems(.closed, .finished).isEmpty)
        #expect(problems(.closed, .drawn) == ["only a lottery is drawn; a poll goes from closed to finished"])
        #expect(problems(.finished, .open) == ["cannot move from finished to open; finished is final"])
    }
}
