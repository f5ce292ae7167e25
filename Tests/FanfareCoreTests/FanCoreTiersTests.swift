import FanfareCore
import Foundation
import Testing

private let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
private let newYork = TimeZone(identifier: "America/New_York") ?? .gmt

/// A local wall-clock time in `zone`, "2025-03-07 17:30:59" (seconds optional).
private func local(_ text: String, _ zone: TimeZone) throws -> Date {
    let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
    try #require(parts.count == 5 || parts.count == 6, "bad test date \(text)")
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let components = DateComponents(
        year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts.count == 6 ? parts[5] : 0)
    return try #require(calendar.date(from: components))
}

private func fields(_ problems: [FieldIssue]) -> [String] { problems.map(\.field) }

@Suite struct FanCoreValueTierTests {
    let thresholds = ValueThresholds.standard

    @Test func eachValueTierStartsExactlyAtItsThreshold() {
        let cases: [(Decimal, ValueTier)] = [
            (0, .none), (Decimal(string: "99.99") ?? 0, .none), (100, .bronze), (499, .bronze), (500, .silver),
            (Decimal(string: "1999.99") ?? 0, .silver), (2_000, .gold), (9_999, .gold), (10_000, .platinum), (1_000_000, .platinum),
        ]
        for (spend, tier) in cases {
            #expect(thresholds.tier(for: ValueFacts(spend: spend)) == tier, "spend \(spend)")
        }
    }

    @Test func referralsAndContributionsAddTheirWorthToTheScore() {
        #expect(thresholds.score(ValueFacts(spend: 10, referrals: 2, contributions: 3)) == 140)
        #expect(thresholds.tier(for: ValueFacts(referrals: 2)) == .bronze)
        #expect(thresholds.tier(for: ValueFacts(referrals: 1, contributions: 4)) == .none)
        #expect(thresholds.tier(for: ValueFacts(contributions: 10)) == .bronze)
    }

    @Test func aNetRefundDoesNotCancelReferrals() {
        #expect(thresholds.score(ValueFacts(spend: -500, referrals: 2, contributions: -3)) == 100)
    }

    @Test func valueTiersAreOrdered() {
        #expect(ValueTier.none < .bronze && ValueTier.gold < .platinum)
        #expect(ValueTier.allCases.sorted() == ValueTier.allCases)
    }

    @Test func theStandardThresholdsAreValid() {
        #expect(thresholds.problems.isEmpty)
    }

    @Test func thresholdsMustBePositiveAndStrictlyAscending() {
        var bad = thresholds
        bad.silver = 100
        bad.platinum = 1_500
        #expect(
            bad.problems.map { "\($0.field): \($0.message)" } == [
                "silver: must be greater than bronze (100)", "platinum: must be greater than gold (2000)",
            ])
        bad = thresholds
        bad.bronze = 0
        bad.referralWorth = -1
        #expect(fields(bad.problems) == ["referral_worth", "bronze"])
        #expect(bad.problems.first?.message == "must be a number of yuan, 0 or more")
        #expect(bad.problems.last?.message == "must be a score above 0")
    }

    @Test func thresholdsUseSnakeCaseKeysInJSON() throws {
        let json = #"{"referral_worth":20,"contribution_worth":5,"bronze":50,"silver":300,"gold":1000,"platinum":5000}"#
        let decoded = try JSONDecoder().decode(ValueThresholds.self, from: Data(json.utf8))
        #expect(decoded.referralWorth == 20 && decoded.platinum == 5_000)
        let again = try JSONDecoder().decode(ValueThresholds.self, from: JSONEncoder().encode(decoded))
        #expect(again == decoded)
    }
}

@Suite struct FanCoreLifecycleTests {
    let rule = LifecycleRule.standard

    @Test func aFanSeenButNotInteractingIsInReach() {
        #expect(rule.stage(for: LifecycleFacts()) == .reach)
    }

    @Test func oneInteractionActivatesAFan() {
        #expect(rule.stage(for: LifecycleFacts(interactions30d: 1, activeWeeks: 1)) == .activate)
    }

    @Test func activityInTwoOfTheLastFourWeeksRetainsAFan() {
        #expect(rule.stage(for: LifecycleFacts(interactions30d: 2, activeWeeks: 2)) == .retain)
        #expect(LifecycleRule(retainWeeks: 3, windowWeeks: 4).stage(for: LifecycleFacts(interactions30d: 2, activeWeeks: 2)) == .activate)
    }

    @Test func anySpendPurchaseOrRedemptionConvertsAFanEvenWhenQuiet() {
        #expect(rule.stage(for: LifecycleFacts(spend: Decimal(string: "0.01") ?? 0)) == .convert)
        #expect(rule.stage(for: LifecycleFacts(purchases: 1)) == .convert)
        #expect(rule.stage(for: LifecycleFacts(redemptions: 1)) == .convert)
        #expect(rule.stage(for: LifecycleFacts(interactions30d: 80, activeWeeks: 4, spend: 0)) == .retain)
    }

    @Test func aRetainedFanWhoGoesQuietFallsBackAndTheChangeIsRecorded() {
        let before = FanTierSnapshot(activity: .active, value: .none, stage: rule.stage(for: LifecycleFacts(interactions30d: 12, activeWeeks: 3)))
        let after = FanTierSnapshot(activity: .silent, value: .none, stage: rule.stage(for: LifecycleFacts()))
        #expect(
            TierChange.changes(from: before, to: after) == [
                TierChange(dimension: .activity, from: "active", to: "silent", direction: .down),
                TierChange(dimension: .stage, from: "retain", to: "reach", direction: .down),
            ])
    }

    @Test func activeWeeksComeFromTheCounterInRollingSevenDayBlocks() {
        let today = 20_154
        var activity = RollingActivity()
        activity.record(day: today - 2)
        activity.record(day: today)
        #expect(activity.activeWeeks(asOfDay: today, weeks: 4) == 1)
        #expect(rule.stage(for: LifecycleFacts(activity: activity, asOfDay: today)) == .activate)
        activity.record(day: today - 7)
        #expect(activity.activeWeeks(asOfDay: today, weeks: 4) == 2)
        #expect(rule.stage(for: LifecycleFacts(activity: activity, asOfDay: today)) == .retain)
        #expect(LifecycleFacts(activity: activity, asOfDay: today, spend: 5).interactions30d == 3)
        // Eleven days later only the day-7 … day-0 interactions remain, in weeks 2 and 3.
        #expect(activity.activeWeeks(asOfDay: today + 11, weeks: 4) == 2)
        #expect(activity.activeWeeks(asOfDay: today + 11, weeks: 1) == 0)
    }

    @Test func theLifecycleRuleMustFitTheActivityWindow() {
        #expect(rule.problems.isEmpty)
        #expect(fields(LifecycleRule(retainWeeks: 2, windowWeeks: 5).problems) == ["window_weeks"])
        #expect(fields(LifecycleRule(retainWeeks: 0, windowWeeks: 4).problems) == ["retain_weeks"])
        #expect(LifecycleRule(retainWeeks: 5, windowWeeks: 4).problems.first?.message == "must be between 1 and window_weeks (4)")
    }
}

@Suite struct FanCoreTierChangeTests {
    let base = FanTierSnapshot(activity: .potential, value: .bronze, stage: .activate)

    @Test func aFirstSnapshotEntersAllThreeDimensions() {
        #expect(
            TierChange.changes(from: nil, to: base) == [
                TierChange(dimension: .activity, from: nil, to: "potential", direction: .entered),
                TierChange(dimension: .value, from: nil, to: "bronze", direction: .entered),
                TierChange(dimension: .stage, from: nil, to: "activate", direction: .entered),
            ])
    }

    @Test func nothingMovedGivesNoChanges() {
        #expect(TierChange.changes(from: base, to: base).isEmpty)
    }

    @Test func changesAreListedInDimensionOrderWithTheirDirection() {
        let new = FanTierSnapshot(activity: .core, value: .bronze, stage: .convert)
        #expect(
            TierChange.changes(from: base, to: new) == [
                TierChange(dimension: .activity, from: "potential", to: "core", direction: .up),
                TierChange(dimension: .stage, from: "activate", to: "convert", direction: .up),
            ])
        let down = FanTierSnapshot(activity: .potential, value: .none, stage: .activate)
        #expect(TierChange.changes(from: base, to: down) == [TierChange(dimension: .value, from: "bronze", to: "none", direction: .down)])
    }

    @Test func tierChangesEncodeAsJSON() throws {
        let change = TierChange(dimension: .value, from: nil, to: "gold", direction: .entered)
        let json = String(decoding: try JSONEncoder().encode(change), as: UTF8.self)
        #expect(json.contains(#""dimension":"value""#) && json.contains(#""direction":"entered""#))
    }
}

@Suite struct FanCoreRollingActivityTests {
    @Test func anEmptyCounterCountsNothing() {
        let activity = RollingActivity()
        #expect(activity.count(asOfDay: 20_000) == 0)
        #expect(activity.newestDay == nil)
        #expect(activity.daysSinceLastInteraction(asOfDay: 20_000) == nil)
    }

    @Test func theCountFeedsTheExistingActivityTiers() {
        var activity = RollingActivity()
        for _ in 0..<51 { activity.record(day: 100) }
        #expect(ActivityThresholds.standard.tier(forInteractions: activity.count(asOfDay: 100)) == .core)
        #expect(ActivityThresholds.standard.tier(forInteractions: activity.count(asOfDay: 130)) == .silent)
    }

    @Test func theWindowIsTodayAndTheTwentyNineDaysBefore() {
        var activity = RollingActivity()
        activity.record(day: 100)
        activity.record(day: 100)
        activity.record(day: 110)
        #expect(activity.count(asOfDay: 110) == 3)
        #expect(activity.count(asOfDay: 129) == 3)
        #expect(activity.count(asOfDay: 130) == 1)
        #expect(activity.count(asOfDay: 139) == 1)
        #expect(activity.count(asOfDay: 140) == 0)
        #expect(activity.daysSinceLastInteraction(asOfDay: 125) == 15)
    }

    @Test func aGapLongerThanThirtyDaysClearsEveryBucket() {
        var activity = RollingActivity()
        for day in 100..<130 { activity.record(day: day) }
        #expect(activity.count(asOfDay: 129) == 30)
        activity.record(day: 175)
        #expect(activity.count(asOfDay: 175) == 1)
        #expect(activity.compact == "175:1")
        activity.record(day: 176)
        #expect(activity.count(asOfDay: 176) == 2)
    }

    @Test func aLateInteractionInsideTheWindowCountsAndAnOlderOneIsIgnored() {
        var activity = RollingActivity()
        activity.record(day: 100)
        let late = activity.record(day: 71)
        let tooLate = activity.record(day: 70)
        #expect(late && !tooLate)
        #expect(activity.count(asOfDay: 100) == 2)
        #expect(activity.count(onDay: 71) == 1)
        #expect(activity.count(onDay: 70) == 0)
        #expect(activity.newestDay == 100)
    }

    @Test func daysEndAtMidnightInShanghai() throws {
        var activity = RollingActivity()
        activity.record(at: try local("2025-03-07 23:59:59", shanghai), zone: shanghai)
        activity.record(at: try local("2025-03-08 00:00:00", shanghai), zone: shanghai)
        // 16:00 UTC is already the 8th in Shanghai.
        activity.record(at: try local("2025-03-07 16:00", .gmt), zone: shanghai)
        let day8 = RollingActivity.day(of: try local("2025-03-08 12:00", shanghai), in: shanghai)
        #expect(activity.count(onDay: day8) == 2)
        #expect(activity.count(onDay: day8 - 1) == 1)
        // As of 6 April the window starts on 8 March: the 7th has left, the 8th has not.
        let april6 = try local("2025-04-06 23:59", shanghai)
        #expect(activity.count(asOf: april6, zone: shanghai) == 2)
        #expect(activity.count(asOf: try local("2025-04-07 00:00", shanghai), zone: shanghai) == 0)
        #expect(RollingActivity.windowStart(asOf: april6, zone: shanghai) == (try local("2025-03-08 00:00", shanghai)))
        #expect(RollingActivity.day(of: try local("2025-03-07 00:00", shanghai), in: shanghai) == 20_154)
    }

    @Test func localDaysAgreeWithTheCalendarAcrossZonesAndDaylightSaving() throws {
        var rng = LengthCountingProperties.SeededGenerator(state: 42)
        for zone in [shanghai, newYork, .gmt] {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            for _ in 0..<500 {
                let instant = Date(timeIntervalSince1970: Double.random(in: 1.6e9...1.9e9, using: &rng).rounded())
                let parts = calendar.dateComponents([.year, .month, .day], from: instant)
                var utc = Calendar(identifier: .gregorian)
                utc.timeZone = .gmt
                let midnight = try #require(utc.date(from: parts))
                #expect(
                    RollingActivity.day(of: instant, in: zone) == Int(midnight.timeIntervalSince1970 / 86_400), "\(instant) in \(zone.identifier)")
            }
        }
        // The window start is local midnight even when a daylight-saving change lies inside the window.
        let start = RollingActivity.windowStart(asOf: try local("2025-03-20 09:00", newYork), zone: newYork)
        #expect(start == (try local("2025-02-19 00:00", newYork)))
    }

    @Test func theCounterEqualsAFullRecountForRandomSequences() {
        var rng = LengthCountingProperties.SeededGenerator(state: 20_250_307)
        for _ in 0..<300 {
            var activity = RollingActivity()
            var days: [Int] = []
            var cursor = Int.random(in: -50...50, using: &rng)
            for _ in 0..<Int.random(in: 1...120, using: &rng) {
                var day = cursor
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: cursor += Int.random(in: 25...70, using: &rng)
                case 1, 2: day = cursor - Int.random(in: 0...45, using: &rng)
                default: cursor += Int.random(in: 0...2, using: &rng)
                }
                let newestBefore = days.max()
                let accepted = activity.record(day: day)
                #expect(accepted == (newestBefore.map { day > $0 - 30 } ?? true))
                days.append(day)
                let newest = days.max() ?? day
                for asOf in [newest, newest + Int.random(in: 1...35, using: &rng)] {
                    let expected = days.filter { $0 > asOf - 30 && $0 <= asOf }.count
                    #expect(activity.count(asOfDay: asOf) == expected, "as of \(asOf) after \(days)")
                }
            }
            let newest = days.max() ?? 0
            let weeks = (0..<4).filter { week in days.contains { $0 <= newest - week * 7 && $0 > newest - week * 7 - 7 } }.count
            #expect(activity.activeWeeks(asOfDay: newest, weeks: 4) == weeks)
            #expect((try? RollingActivity(compact: activity.compact)) == activity)
        }
    }

    @Test func theCounterEncodesAsACompactString() throws {
        struct Holder: Codable, Equatable { var activity: RollingActivity }
        var activity = RollingActivity()
        #expect(activity.compact == "")
        for day in [20_154, 20_154, 20_154, 20_152, 20_150] { activity.record(day: day) }
        #expect(activity.compact == "20154:3,0,1,0,1")
        let json = String(decoding: try JSONEncoder().encode(Holder(activity: activity)), as: UTF8.self)
        #expect(json == #"{"activity":"20154:3,0,1,0,1"}"#)
        #expect(try JSONDecoder().decode(Holder.self, from: Data(json.utf8)) == Holder(activity: activity))
        #expect(try RollingActivity(compact: "") == RollingActivity())
    }

    @Test func aMalformedCompactStringIsAClearError() {
        let thirtyOne = "5:" + Array(repeating: "1", count: 31).joined(separator: ",")
        for text in ["abc", "20154", "20154:", "x:1", "20154:1,,2", "20154:-1", thirtyOne, "99999999999:1", "1:1:1"] {
            #expect(throws: ValidationErrors.self, "\(text)") { try RollingActivity(compact: text) }
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RollingActivity].self, from: Data(#"["20154:x"]"#.utf8)) }
        do {
            _ = try RollingActivity(compact: "20154")
        } catch {
            #expect(error.issues.first?.field == "activity")
            #expect(error.issues.first?.message.hasPrefix("must look like '20154:5,0,2'") == true)
        }
    }

    @Test func absurdDatesDoNotCrash() {
        var activity = RollingActivity()
        activity.record(at: .distantFuture, zone: shanghai)
        activity.record(at: Date(timeIntervalSince1970: .infinity), zone: shanghai)
        activity.record(at: .distantPast, zone: shanghai)
        #expect(activity.count(asOfDay: Int.max) >= 0)
        #expect(activity.count(asOfDay: Int.min) == 0)
        #expect(activity.activeWeeks(asOfDay: Int.min, weeks: 4) == 0)
        #expect(activity.daysSinceLastInteraction(asOfDay: Int.max) != nil)
    }
}
