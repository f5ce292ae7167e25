import FanfareCore
import Foundation
import Testing

@Suite struct LoyaltyCorePointsTests {
    let policy = PointsPolicy(rules: [
        PointsRule(action: .comment, points: 5, dailyCap: 20),
        PointsRule(action: .ugcFeatured, points: 100),
    ])

    @Test func anActionEarnsItsPointsUntilTheDailyCapIsReachedExactly() {
        #expect(LoyaltyPoints.award(action: .comment, earnedTodaySoFar: 0, policy: policy) == 5)
        #expect(LoyaltyPoints.award(action: .comment, earnedTodaySoFar: 15, policy: policy) == 5, "the 4th comment lands exactly on the cap")
        #expect(LoyaltyPoints.award(action: .comment, earnedTodaySoFar: 20, policy: policy) == 0, "at the cap nothing more")
        #expect(LoyaltyPoints.award(action: .comment, earnedTodaySoFar: 25, policy: policy) == 0)
    }

    @Test func theLastAwardBeforeTheCapIsReducedToWhatTheCapLeaves() {
        #expect(LoyaltyPoints.award(action: .comment, earnedTodaySoFar: 18, policy: policy) == 2)
        #expect(LoyaltyPoints.award(action: .comment, earnedTodaySoFar: 19, policy: policy) == 1)
    }

    @Test func anUncappedActionAlwaysEarnsAndAnActionWithoutARuleEarnsNothing() {
        #expect(LoyaltyPoints.award(action: .ugcFeatured, earnedTodaySoFar: 10_000, policy: policy) == 100)
        #expect(LoyaltyPoints.award(action: .share, earnedTodaySoFar: 0, policy: policy) == 0)
    }

    @Test func theStandardPolicyIsValidAndCoversEveryAction() {
        #expect(PointsPolicy.standard.problems().isEmpty)
        for action in LoyaltyAction.allCases { #expect(PointsPolicy.standard.rule(for: action) != nil, "\(action.rawValue)") }
    }

    @Test func policyValidationNamesTheFieldAndWhatIsAccepted() {
        let bad = PointsPolicy(rules: [
            PointsRule(action: .share, points: 0),
            PointsRule(action: .post, points: 10, dailyCap: 5),
            PointsRule(action: .post, points: 10_001),
        ])
        let problems = bad.problems()
        #expect(problems.map(\.field) == ["rules[0].points", "rules[1].daily_cap", "rules[2].action", "rules[2].points"])
        #expect(problems[0].message == "must be a whole number from 1 to 10,000")
        #expect(problems[1].message == "must be at least the points for one post (10), or empty for no cap")
        #expect(PointsPolicy(rules: [PointsRule(action: .post, points: 10, dailyCap: 10)]).problems().isEmpty, "a cap equal to the points is fine")
    }

    @Test func rulesUseSnakeCaseJSON() throws {
        let json = try JSONEncoder().encode(PointsRule(action: .checkIn, points: 5, dailyCap: 5))
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"daily_cap\":5") && text.contains("\"check_in\""))
        #expect(try JSONDecoder().decode(PointsRule.self, from: json) == PointsRule(action: .checkIn, points: 5, dailyCap: 5))
    }
}

@Suite struct LoyaltyCoreStreakTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    func utc(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour, minute: minute))!
    }

    @Test func theFirstCheckInStartsAStreakOfOne() {
        #expect(CheckInStreak.next(after: nil, streak: 0, now: utc(23, 2), zone: shanghai) == .checkedIn(streak: 1, bonus: 0, day: "2026-11-23"))
    }

    @Test func beijingMidnightNotUTCMidnightStartsTheNextDay() {
        // 23:50 Beijing on the 23rd, then 00:10 Beijing on the 24th: twenty minutes, two days.
        let result = CheckInStreak.next(after: utc(23, 15, 50), streak: 4, now: utc(23, 16, 10), zone: shanghai)
        #expect(result == .checkedIn(streak: 5, bonus: 0, day: "2026-11-24"))
        // 07:00 and 09:00 Beijing straddle UTC midnight but are one Beijing day.
        let again = CheckInStreak.next(after: utc(22, 23), streak: 5, now: utc(23, 1), zone: shanghai)
        guard case .alreadyCheckedInToday(let day, let message) = again else {
            Issue.record("two check-ins on one Beijing day were allowed")
            return
        }
        #expect(day == "2026-11-23")
        #expect(message.english == "already checked in today (2026-11-23, Asia/Shanghai); the next check-in opens at local midnight")
    }

    @Test func checkingInTwiceOnTheSameDayIsRefused() {
        let result = CheckInStreak.next(after: utc(23, 1), streak: 3, now: utc(23, 12), zone: shanghai)
        #expect(
            result
                == .alreadyCheckedInToday(day: "2026-11-23", message: .alreadyCheckedIn(day: "2026-11-23", zone: "Asia/Shanghai")))
    }

    @Test func aMissedDayResetsTheStreakToOne() {
        // Last on the 21st (Beijing), nothing on the 22nd, now the 23rd.
        #expect(
            CheckInStreak.next(after: utc(21, 2), streak: 6, now: utc(23, 2), zone: shanghai) == .checkedIn(streak: 1, bonus: 0, day: "2026-11-23"))
    }

    @Test func milestonesPayOnTheDayTheStreakReachesThem() {
        #expect(
            CheckInStreak.next(after: utc(22, 2), streak: 6, now: utc(23, 2), zone: shanghai) == .checkedIn(streak: 7, bonus: 20, day: "2026-11-23"))
        #expect(
            CheckInStreak.next(after: utc(22, 2), streak: 7, now: utc(23, 2), zone: shanghai) == .checkedIn(streak: 8, bonus: 0, day: "2026-11-23"))
        let custom = CheckInPolicy(milestones: [StreakMilestone(days: 2, bonus: 3)])
        #expect(
            CheckInStreak.next(after: utc(22, 2), streak: 1, now: utc(23, 2), zone: shanghai, policy: custom)
                == .checkedIn(streak: 2, bonus: 3, day: "2026-11-23"))
    }

    @Test func milestoneValidation() {
        let bad = CheckInPolicy(milestones: [
            StreakMilestone(days: 1, bonus: 5), StreakMilestone(days: 7, bonus: 0), StreakMilestone(days: 7, bonus: 5),
        ])
        #expect(bad.problems().map(\.field) == ["milestones[0].days", "milestones[1].bonus", "milestones[2].days"])
        #expect(CheckInPolicy.standard.problems().isEmpty)
    }
}

@Suite struct LoyaltyCoreLevelTests {
    let ladder = LevelLadder.standard

    @Test func levelsChangeExactlyAtTheirThresholds() {
        #expect(ladder.level(forLifetimePoints: 0).number == 1)
        #expect(ladder.level(forLifetimePoints: 499).number == 1)
        #expect(ladder.level(forLifetimePoints: 500).number == 2)
        #expect(ladder.level(forLifetimePoints: 1_999).number == 2)
        #expect(ladder.level(forLifetimePoints: 2_000).number == 3)
        #expect(ladder.level(forLifetimePoints: 8_000).number == 4)
        #expect(ladder.level(forLifetimePoints: 1_000_000).number == 4)
        #expect(ladder.nextLevel(forLifetimePoints: 499).map { [$0.level.number, $0.pointsNeeded] } == [2, 1])
        #expect(ladder.nextLevel(forLifetimePoints: 8_000) == nil)
    }

    @Test func privilegesAccumulateUpTheLadderAcrossTheThreeLayers() {
        #expect(ladder.privileges(forLifetimePoints: 0) == ["check_in_rewards", "points_redemption"])
        #expect(ladder.privileges(forLifetimePoints: 2_000) == ["check_in_rewards", "points_redemption", "lottery_entry", "early_access"])
        #expect(ladder.grants("lottery_entry", lifetimePoints: 500) && !ladder.grants("lottery_entry", lifetimePoints: 499))
        let top = ladder.privileges(forLifetimePoints: 8_000)
        #expect(Set(top.compactMap(LoyaltyPrivilege.layer(of:))) == [.basic, .advanced, .peak])
        #expect(ladder.problems().isEmpty)
    }

    @Test func ladderValidationRefusesAMissingLevelOneDescendingThresholdsAndUnknownPrivileges() {
        let bad = LevelLadder(levels: [
            LoyaltyLevel(number: 1, name: "A", minLifetimePoints: 10),
            LoyaltyLevel(number: 2, name: "B", minLifetimePoints: 10, privileges: ["free_lunch"]),
            LoyaltyLevel(number: 4, name: " ", minLifetimePoints: 50),
        ])
        let problems = bad.problems()
        #expect(
            problems.map(\.field) == [
                "levels[0].min_lifetime_points", "levels[1].min_lifetime_points", "levels[1].privileges", "levels[2].number", "levels[2].name",
            ])
        #expect(problems[1].message == "must be more than level 1's 10 points; thresholds go up with each level")
        #expect(
            problems[2].message
                == "has unknown value 'free_lunch'; accepted: check_in_rewards, points_redemption, lottery_entry, early_access, vip_event, meetup")
        #expect(LevelLadder(levels: []).problems().map(\.field) == ["levels"])
    }

    @Test func badgesAreEarnedAtTheirThresholdsNotBefore() {
        let rules = [
            BadgeRule(id: "week-streak", name: "Seven days", condition: .streak(atLeast: 7)),
            BadgeRule(id: "thousand", name: "1,000 points", condition: .lifetimePoints(atLeast: 1_000)),
            BadgeRule(id: "talker", name: "Talker", condition: .actionCount(.comment, atLeast: 50)),
            BadgeRule(id: "featured", name: "Featured", condition: .featuredUGC(atLeast: 1)),
        ]
        let below = LoyaltyFacts(bestStreak: 6, lifetimePoints: 999, actionCounts: [.comment: 49, .share: 100], featuredUGC: 0)
        #expect(LoyaltyBadges.earnedBadges(facts: below, rules: rules).isEmpty)
        let at = LoyaltyFacts(bestStreak: 7, lifetimePoints: 1_000, actionCounts: [.comment: 50], featuredUGC: 1)
        #expect(LoyaltyBadges.earnedBadges(facts: at, rules: rules).map(\.id) == ["week-streak", "thousand", "talker", "featured"])
        #expect(LoyaltyBadges.problems(rules: rules).isEmpty)
    }

    @Test func badgeConditionsRoundTripAsJSONAndRulesAreValidated() throws {
        let rule = BadgeRule(id: "talker", name: "Talker", condition: .actionCount(.comment, atLeast: 50))
        let json = String(decoding: try JSONEncoder().encode(rule.condition), as: UTF8.self)
        #expect(json.contains("\"kind\":\"action_count\"") && json.contains("\"at_least\":50") && json.contains("\"action\":\"comment\""))
        #expect(try JSONDecoder().decode(BadgeRule.self, from: JSONEncoder().encode(rule)) == rule)
        let bad = [
            rule, BadgeRule(id: "talker", name: "", condition: .streak(atLeast: 0)),
            BadgeRule(id: "Bad Id", name: "x", condition: .featuredUGC(atLeast: 1)),
        ]
        #expect(
            LoyaltyBadges.problems(rules: bad).map(\.field) == ["badges[1].id", "badges[1].name", "badges[1].condition.at_least", "badges[2].id"])
    }
}

@Suite struct LoyaltyCoreLedgerTests {
    func refusal(_ balance: Int, _ entry: LedgerEntry) -> [FieldIssue] {
        if case .refused(let issues) = LedgerPosting.check(balance: balance, entry: entry) { return issues }
        return []
    }

    @Test func aSpendThatWouldGoNegativeIsRefusedWithTheAmounts() {
        let spend = LedgerEntry(sourceKey: "redeem:42", delta: -120, reason: "Mug", kind: .spend)
        #expect(refusal(80, spend).said == ["delta: needs 120 points; the balance is 80"])
        #expect(LedgerPosting.check(balance: 120, entry: spend) == .accepted(newBalance: 0), "spending down to exactly 0 is fine")
    }

    @Test func anAdjustmentNeedsAReasonOfFiveCharacters() {
        let adjust = LedgerEntry(sourceKey: "adjust:7", delta: 50, reason: " oops ", kind: .adjust)
        #expect(refusal(0, adjust).said == ["reason: must say why the points are adjusted, in at least 5 characters"])
        var ok = adjust
        ok.reason = "Goodwill for ticket #88"
        #expect(LedgerPosting.check(balance: 0, entry: ok) == .accepted(newBalance: 50))
        ok.delta = -60
        #expect(refusal(50, ok).said == ["delta: needs 60 points; the balance is 50"])
    }

    @Test func zeroDeltasWrongSignsAndMissingKeysAreRefused() {
        #expect(
            refusal(10, LedgerEntry(sourceKey: "comment:weibo:123", delta: 0, kind: .earn))
                .said == ["delta: must not be zero; a line must add or take away points"])
        #expect(
            refusal(10, LedgerEntry(sourceKey: "comment:weibo:123", delta: -5, kind: .earn))
                .said == ["delta: must be positive for earn; use adjust to take points away"])
        #expect(
            refusal(10, LedgerEntry(sourceKey: "redeem:1", delta: 5, kind: .spend))
                .said == ["delta: must be negative for spend; use adjust or refund to add points"])
        #expect(refusal(10, LedgerEntry(sourceKey: "", delta: 5, kind: .earn)).map(\.field) == ["source_key"])
        #expect(refusal(10, LedgerEntry(sourceKey: "a b", delta: 5, kind: .earn)).map(\.field) == ["source_key"])
    }

    @Test func balanceAndLifetimeEarnedAreRecomputedFromTheLines() {
        let lines = [
            LedgerEntry(sourceKey: "comment:weibo:1", delta: 100, kind: .earn),
            LedgerEntry(sourceKey: "redeem:1", delta: -60, kind: .spend),
            LedgerEntry(sourceKey: "redeem:1:refund", delta: 60, kind: .refund),
            LedgerEntry(sourceKey: "adjust:1", delta: 25, reason: "Goodwill", kind: .adjust),
            LedgerEntry(sourceKey: "adjust:2", delta: -10, reason: "Duplicate award", kind: .adjust),
            LedgerEntry(sourceKey: "expire:2026", delta: -15, kind: .expire),
        ]
        #expect(LedgerPosting.balance(of: lines) == 100)
        #expect(LedgerPosting.lifetimeEarned(of: lines) == 125, "earn and positive adjust; spending, expiry and refunds do not count")
    }
}

@Suite struct LoyaltyCoreCatalogueTests {
    let mug = RedemptionItem(name: "Mug", cost: 500, stock: 3, perFanLimit: 1, levelRequired: 2)

    @Test func aFanWhoQualifiesMayRedeem() {
        #expect(Redemption.canRedeem(item: mug, fanLevel: 2, balance: 500, alreadyRedeemedByFan: 0).isEmpty)
    }

    @Test func everyReasonToRefuseIsGivenAtOnce() {
        let soldOut = RedemptionItem(name: "Mug", cost: 500, stock: 0, perFanLimit: 1, levelRequired: 2)
        let problems = Redemption.canRedeem(item: soldOut, fanLevel: 1, balance: 499, alreadyRedeemedByFan: 1)
        #expect(problems.map(\.field) == ["stock", "level_required", "per_fan_limit", "cost"])
        #expect(
            problems.map(\.message) == [
                "'Mug' is out of stock",
                "'Mug' needs level 2; the fan is level 1",
                "'Mug' can be redeemed 1 time(s) per fan; this fan has redeemed it 1",
                "needs 500 points; the balance is 499",
            ])
        let unlimited = RedemptionItem(name: "Coupon", cost: 100)
        #expect(Redemption.canRedeem(item: unlimited, fanLevel: 1, balance: 100, alreadyRedeemedByFan: 99).isEmpty)
        let withheld = Redemption.canRedeem(item: unlimited, fanLevel: 1, balance: 100, alreadyRedeemedByFan: 0, grantsRedemption: false)
        #expect(withheld.map(\.field) == ["fan_id"], "a level without points_redemption may not redeem")
    }

    @Test func itemValidation() throws {
        #expect(mug.problems().isEmpty)
        let bad = RedemptionItem(name: "", cost: 0, stock: -1, perFanLimit: 0, levelRequired: 9)
        #expect(bad.problems().map(\.field) == ["name", "cost", "stock", "per_fan_limit", "level_required"])
        #expect(bad.problems().last?.message == "must be a level from 1 to 4")
        let json = String(decoding: try JSONEncoder().encode(mug), as: UTF8.self)
        #expect(json.contains("\"per_fan_limit\":1") && json.contains("\"level_required\":2"))
    }
}

@Suite struct LoyaltyCoreIncentiveReportTests {
    @Test func aRatioOfFourMeetsTheOneToFourTarget() {
        let report = IncentiveRatio(pointsIssued: 100_000, pointValueYuan: 0.01, valueCreatedYuan: 4_000)
        #expect(report.costYuan == 1_000)
        #expect(report.ratio == 4)
        #expect(report.meetsTarget)
        #expect(
            report.explanation
                == "100,000 points issued at ¥0.01 a point cost ¥1,000.00 and created ¥4,000.00 of value, a ratio of 1:4.00, which meets the 1:4 target."
        )
        let inexact = IncentiveRatio(pointsIssued: 3, pointValueYuan: 0.01, valueCreatedYuan: 0.12)
        #expect(inexact.meetsTarget, "0.12 / 0.03 is exactly 4 on paper")
        #expect(inexact.explanation.contains("a ratio of 1:4.00,"))
    }

    @Test func justBelowFourMissesTheTargetAndSaysWhatWouldMeetIt() {
        let report = IncentiveRatio(pointsIssued: 100_000, pointValueYuan: 0.01, valueCreatedYuan: 3_999)
        #expect(!report.meetsTarget)
        #expect(
            report.explanation
                == "100,000 points issued at ¥0.01 a point cost ¥1,000.00 and created ¥3,999.00 of value, a ratio of 1:3.99, below the 1:4 target: the same points would need ¥4,000.00 of value."
        )
    }

    @Test func noPointsIssuedHasNoRatioAndValidationNamesFields() {
        let none = IncentiveRatio(pointsIssued: 0, pointValueYuan: 0.01, valueCreatedYuan: 50)
        #expect(none.ratio == nil && none.meetsTarget)
        #expect(none.explanation == "No points were issued, so there is no incentive cost to set against the ¥50.00 of value created.")
        #expect(
            IncentiveRatio(pointsIssued: -1, pointValueYuan: 0, valueCreatedYuan: -.infinity).problems().map(\.field) == [
                "points_issued", "point_value_yuan", "value_created_yuan",
            ])
    }
}
