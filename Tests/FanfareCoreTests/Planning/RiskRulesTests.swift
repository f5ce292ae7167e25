import FanfareCore
import Foundation
import Testing

/// The risk register's rules (issue 22 scope 4; docs/risks.md): score,
/// level, heat map, trigger evaluation, review dates and the template,
/// without a database.
@Suite struct RiskRulesTests {
    func a(_ p: Int, _ b: Int, _ u: Int, _ s: Int) -> RiskAssessment {
        RiskAssessment(probability: p, impactBrand: b, impactUsers: u, impactBusiness: s)
    }

    func codes(_ errors: ValidationErrors) -> [String: MessageCode] {
        Dictionary(errors.issues.map { ($0.field, $0.coded.code) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func theScoreIsProbabilityTimesTheLargestImpact() {
        #expect(a(3, 1, 4, 2).impact == 4)
        #expect(a(3, 1, 4, 2).score == 12)
        // One severe dimension is not averaged away by two mild ones.
        #expect(a(2, 5, 1, 1).score == 10)
        #expect(a(1, 1, 1, 1).score == 1)
        #expect(a(5, 5, 5, 5).score == 25)
        #expect(a(4, 2, 2, 5).score == 20)
    }

    @Test func levelsSplitAtEightAndFifteen() {
        #expect(RiskRules.level(1) == .low)
        #expect(RiskRules.level(7) == .low)
        #expect(RiskRules.level(8) == .medium)
        #expect(RiskRules.level(14) == .medium)
        #expect(RiskRules.level(15) == .high)
        #expect(RiskRules.level(25) == .high)
        #expect(a(3, 3, 3, 3).level == .medium)
        #expect(a(4, 4, 1, 1).level == .high)
        #expect(a(1, 5, 5, 5).level == .low)
        #expect(a(2, 4, 1, 1).level == .medium)
        #expect(RiskLevel.high > .medium && RiskLevel.medium > .low)
    }

    @Test func outOfRangeNumbersAndTitlesAreNamed() {
        let errors = RiskRules.validate(title: "  ", a(0, 6, 3, -1))
        #expect(codes(errors) == ["title": .lengthBetween, "probability": .riskScale, "impact_brand": .riskScale, "impact_business": .riskScale])
        #expect(RiskRules.validate(title: "Leak", a(1, 5, 3, 2)).isEmpty)
        #expect(codes(RiskRules.validate(title: String(repeating: "风", count: 201), a(1, 1, 1, 1))) == ["title": .lengthBetween])
        #expect(RiskRules.validate(title: String(repeating: "风", count: 200), a(5, 5, 5, 5)).isEmpty)
    }

    @Test func theHeatMapCountsRisksByProbabilityAndLargestImpact() {
        let map = RiskHeatMap([a(3, 1, 4, 2), a(3, 4, 1, 1), a(5, 5, 5, 5), a(1, 1, 1, 1), a(0, 3, 3, 3)])
        #expect(map.count(probability: 3, impact: 4) == 2)
        #expect(map.count(probability: 5, impact: 5) == 1)
        #expect(map.count(probability: 1, impact: 1) == 1)
        #expect(map.count(probability: 2, impact: 2) == 0)
        #expect(map.count(probability: 6, impact: 1) == 0)
        // The out-of-range assessment is not placed anywhere.
        #expect(map.total == 4)
        #expect(map.counts.count == 5 && map.counts.allSatisfy { $0.count == 5 })
        #expect(RiskHeatMap.level(probability: 3, impact: 5) == .high)
        #expect(RiskHeatMap.level(probability: 2, impact: 4) == .medium)
        #expect(RiskHeatMap.level(probability: 1, impact: 5) == .low)
        #expect(RiskHeatMap([]).total == 0)
    }

    @Test func aMetricTriggerSumsCountsAndReadsTheLatestLevel() {
        let series = ["2027-03-01": 40.0, "2027-03-03": 70, "2027-03-02": 10]
        #expect(RiskTriggerRule.value(.impressions, series: series) == 120)
        #expect(RiskTriggerRule.value(.followers, series: series) == 70)
        #expect(RiskTriggerRule.value(.engagementRate, series: ["2027-03-01": 0.02, "2027-03-02": 0.05]) == 0.05)
        #expect(RiskTriggerRule.value(.impressions, series: [:]) == nil)
        #expect(RiskTriggerRule.value(.impressions, series: ["2027-03-01": .nan]) == nil)
    }

    @Test func aMetricTriggerFiresOnlyPastItsLine() {
        let below = RiskTrigger.metric(metric: .impressions, comparison: .below, threshold: 100, windowDays: 7)
        let above = RiskTrigger.metric(metric: .impressions, comparison: .above, threshold: 100, windowDays: 7)
        #expect(RiskTriggerRule.fires(below, .series(["2027-03-01": 99])))
        #expect(!RiskTriggerRule.fires(below, .series(["2027-03-01": 100])))
        #expect(!RiskTriggerRule.fires(below, .series(["2027-03-01": 60, "2027-03-02": 41])))
        #expect(RiskTriggerRule.fires(above, .series(["2027-03-01": 60, "2027-03-02": 41])))
        #expect(!RiskTriggerRule.fires(above, .series(["2027-03-01": 100])))
        // No data never fires, whichever way the line is drawn.
        #expect(!RiskTriggerRule.fires(below, .series([:])))
        #expect(!RiskTriggerRule.fires(above, .series([:])))
        // A reading of the other kind never fires.
        #expect(!RiskTriggerRule.fires(below, .alerts([(.red, UUID())])))
    }

    @Test func anAlertTriggerFiresOnAGradeAtOrAboveItsOwn() {
        let monitor = UUID()
        let other = UUID()
        let any = RiskTrigger.alert(minimumGrade: .orange, monitorID: nil)
        let one = RiskTrigger.alert(minimumGrade: .orange, monitorID: monitor)
        #expect(RiskTriggerRule.fires(any, .alerts([(.orange, other)])))
        #expect(RiskTriggerRule.fires(any, .alerts([(.blue, other), (.red, monitor)])))
        #expect(!RiskTriggerRule.fires(any, .alerts([(.yellow, other), (.blue, monitor)])))
        #expect(!RiskTriggerRule.fires(any, .alerts([])))
        #expect(RiskTriggerRule.fires(one, .alerts([(.red, monitor)])))
        #expect(!RiskTriggerRule.fires(one, .alerts([(.red, other)])))
        #expect(!RiskTriggerRule.fires(one, .series(["2027-03-01": 1])))
    }

    @Test func triggerFieldsOutOfRangeAreNamed() {
        #expect(codes(RiskTriggerRule.validate(threshold: nil, windowDays: 7)) == ["threshold": .required])
        #expect(codes(RiskTriggerRule.validate(threshold: .infinity, windowDays: 0)) == ["threshold": .typeNumber, "window_days": .betweenIntegers])
        #expect(codes(RiskTriggerRule.validate(threshold: 1, windowDays: 91)) == ["window_days": .betweenIntegers])
        #expect(RiskTriggerRule.validate(threshold: -5, windowDays: 90).isEmpty)
        #expect(RiskTriggerRule.validate(threshold: 0, windowDays: 1).isEmpty)
    }

    @Test func theReviewIsDueThirtyDaysAfterTheLastInTheWorkspacesDay() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        // 2027-03-01 20:00 UTC is already 2 March in Shanghai.
        let reviewed = try #require(ISO8601DateFormatter().date(from: "2027-03-01T20:00:00Z"))
        #expect(RiskRules.reviewDue(lastReviewed: reviewed, timeZone: shanghai) == "2027-04-01")
        #expect(RiskRules.reviewDue(lastReviewed: reviewed, timeZone: .gmt) == "2027-03-31")
        // 31 March 15:59 UTC is 23:59 in Shanghai: not yet due; a minute later it is.
        #expect(
            !RiskRules.reviewIsDue(
                lastReviewed: reviewed, now: try #require(ISO8601DateFormatter().date(from: "2027-03-31T15:59:00Z")), timeZone: shanghai))
        #expect(
            RiskRules.reviewIsDue(
                lastReviewed: reviewed, now: try #require(ISO8601DateFormatter().date(from: "2027-03-31T16:00:00Z")), timeZone: shanghai))
    }

    @Test func theTemplateCoversEveryCategoryWithValidNumbers() {
        let items = RiskTemplate.items
        #expect(Set(items.map(\.category)) == Set(RiskCategory.allCases))
        #expect(Set(items.map(\.key)).count == items.count)
        for item in items {
            #expect(RiskRules.validate(title: item.key, item.assessment).isEmpty, "\(item.key)")
            #expect(!item.source.isEmpty)
            if case .metric(_, _, _, let window) = item.trigger { #expect(RiskTrigger.windowDays.contains(window)) }
        }
        // The seeds' own probabilities: content violation 15 % and platform policy change 25 %.
        #expect(items.first { $0.key == "content_violation" }?.assessment.probability == 2)
        #expect(items.first { $0.key == "platform_policy" }?.assessment.probability == 3)
        #expect(items.contains { $0.assessment.level == .high } && items.contains { $0.assessment.level == .low })
    }
}
