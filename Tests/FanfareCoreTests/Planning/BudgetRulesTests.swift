import FanfareCore
import Foundation
import Testing

/// Budgets and ROI without a database (docs/budgets.md): money typed in
/// yuan, the split check, plan against actual, ROI, the stop-loss rule at
/// its minimum spend, reallocation and the pilot cap.
@Suite struct BudgetRulesTests {
    @Test func yuanIsReadToTheFenAndNothingElse() {
        #expect(BudgetMoney.fen(fromYuan: "1234.56") == 123_456)
        #expect(BudgetMoney.fen(fromYuan: "¥1,234.5") == 123_450)
        #expect(BudgetMoney.fen(fromYuan: "0") == 0)
        #expect(BudgetMoney.fen(fromYuan: "12") == 1_200)
        #expect(BudgetMoney.fen(fromYuan: "1.234") == nil)
        #expect(BudgetMoney.fen(fromYuan: "-5") == nil)
        #expect(BudgetMoney.fen(fromYuan: "12.") == nil)
        #expect(BudgetMoney.fen(fromYuan: "abc") == nil)
        #expect(BudgetMoney.fen(fromYuan: "") == nil)
        #expect(BudgetMoney.fen(fromYuan: "99999999999999") == nil)
        #expect(BudgetMoney.yuanText(123_405) == "1234.05")
        #expect(BudgetMoney.yuanText(7) == "0.07")
    }

    @Test func theDefaultSplitAddsUpAndMeetsEveryRange() {
        for total: Int64 in [1, 99, 100_000_00, 123_456_789] {
            let split = BudgetSplit.defaultSplit(total: total)
            #expect(split.values.reduce(0, +) == total)
        }
        let split = BudgetSplit.defaultSplit(total: 11_000_000)
        #expect(split[.reserve] == 1_000_000)
        #expect(split[.fixed] == 1_500_000)
        #expect(split[.variable] == 6_000_000)
        #expect(split[.flexible] == 2_500_000)
        #expect(BudgetSplit.check(planned: split).allSatisfy { $0.inRange })
    }

    @Test func theSplitCheckNamesTheCategoryOutOfRange() {
        // 30 / 50 / 20 of the spending budget: fixed too high, variable too low.
        let shares = BudgetSplit.check(planned: [.fixed: 300, .variable: 500, .flexible: 200, .reserve: 100])
        let outside = shares.filter { !$0.inRange }.map(\.category)
        #expect(outside == [.fixed, .variable])
        #expect(shares.first { $0.category == .reserve }?.share == 0.1)
        // Nothing planned: no shares, none in range.
        #expect(BudgetSplit.check(planned: [:]).allSatisfy { $0.share == nil && !$0.inRange })
    }

    @Test func deviationIsFlaggedAboveItsTolerance() {
        #expect(PlanActual(plannedFen: 10_000, actualFen: 10_500).deviation == 0.05)
        #expect(!PlanActual(plannedFen: 10_000, actualFen: 10_500).flagged())
        #expect(PlanActual(plannedFen: 10_000, actualFen: 10_501).flagged())
        #expect(PlanActual(plannedFen: 10_000, actualFen: 9_000).flagged())
        #expect(!PlanActual(plannedFen: 10_000, actualFen: 9_000).flagged(tolerance: 0.1))
        #expect(PlanActual(plannedFen: 0, actualFen: 1).deviation == nil)
        #expect(PlanActual(plannedFen: 0, actualFen: 1).flagged())
        #expect(!PlanActual(plannedFen: 0, actualFen: 0).flagged())
    }

    @Test func roiIsRevenueOverSpend() {
        #expect(BudgetROI.roi(revenueFen: 30_000, spendFen: 10_000) == 3)
        #expect(BudgetROI.roi(revenueFen: 5, spendFen: 0) == nil)
    }

    @Test func theStopLossJudgesOnlyFromTheMinimumSpend() {
        let rule = StopLossRule()
        #expect(rule.minSpendFen == 500_000)
        // One fen under the minimum: still learning, however bad.
        #expect(rule.evaluate(spendFen: 499_999, revenueFen: 0) == .learning)
        // At the minimum: judged.
        #expect(rule.evaluate(spendFen: 500_000, revenueFen: 1_499_999) == .breached)
        #expect(rule.evaluate(spendFen: 500_000, revenueFen: 1_500_000) == .healthy)
        let strict = StopLossRule(ratio: 5, minSpendFen: 100)
        #expect(strict.evaluate(spendFen: 100, revenueFen: 400) == .breached)
    }

    @Test func reallocationMovesAFifthTowardTheBestReturn() {
        let channels = [
            ChannelMonth(key: "weibo", plannedFen: 1_000_000, spendFen: 800_000, revenueFen: 800_000),  // 1:1, breached
            ChannelMonth(key: "wechat", plannedFen: 2_000_000, spendFen: 1_000_000, revenueFen: 5_000_000),  // 5:1
            ChannelMonth(key: "douyin", plannedFen: 2_000_000, spendFen: 1_000_000, revenueFen: 4_000_000),  // 4:1
            ChannelMonth(key: "new", plannedFen: 100_000, spendFen: 10_000, revenueFen: 0),  // learning
        ]
        let moves = Reallocation.suggest(channels, totalFen: 5_100_000)
        #expect(moves == [Reallocation.Move(from: "weibo", to: "wechat", amountFen: 200_000)])
        // Nothing breached, or nobody to receive: nothing moves.
        #expect(Reallocation.suggest(Array(channels.dropFirst()), totalFen: 5_100_000).isEmpty)
        #expect(Reallocation.suggest([channels[0], channels[3]], totalFen: 5_100_000).isEmpty)
    }

    @Test func aPilotReceivesOnlyUpToItsCap() {
        // Total ¥100,000: pilot cap ¥10,000; the pilot already plans ¥9,000.
        let channels = [
            ChannelMonth(key: "bad", plannedFen: 5_000_000, spendFen: 5_000_000, revenueFen: 0),
            ChannelMonth(key: "pilot", plannedFen: 900_000, spendFen: 600_000, revenueFen: 6_000_000, pilot: true),
            ChannelMonth(key: "steady", plannedFen: 4_100_000, spendFen: 1_000_000, revenueFen: 3_500_000),
        ]
        #expect(PilotCap.capFen(totalFen: 10_000_000) == 1_000_000)
        #expect(PilotCap.validated(channels[1]))
        #expect(!PilotCap.validated(channels[0]))
        let moves = Reallocation.suggest(channels, totalFen: 10_000_000)
        #expect(
            moves == [
                Reallocation.Move(from: "bad", to: "pilot", amountFen: 100_000),
                Reallocation.Move(from: "bad", to: "steady", amountFen: 900_000),
            ])
        #expect(moves.map(\.amountFen).reduce(0, +) == 1_000_000)
    }

    @Test func spendAboveTheThresholdWaits() {
        #expect(!SpendApproval.needsApproval(amountFen: 1_000_000, thresholdFen: 1_000_000))
        #expect(SpendApproval.needsApproval(amountFen: 1_000_001, thresholdFen: 1_000_000))
    }

    @Test func monthsAreYearAndMonth() {
        #expect(BudgetMonth.isValid("2026-12"))
        #expect(!BudgetMonth.isValid("2026-13"))
        #expect(!BudgetMonth.isValid("2026-1"))
        #expect(!BudgetMonth.isValid("December"))
    }

    @Test func aSpendFileNamesEachBadCellByLineAndColumn() {
        let good = "line,amount_yuan,spent_on,note\nWeibo ads,1200.50,2026-12-01,boost\n"
        let parsed = SpendCSV.parse(good)
        #expect(parsed.issues.isEmpty)
        #expect(parsed.rows == [SpendCSV.Row(lineNumber: 2, line: "Weibo ads", amountFen: 120_050, spentOn: "2026-12-01", note: "boost")])
        let bad = good + "Weibo ads,1.234,2026-12-02,\nWeibo ads,5,2026-13-01,\n"
        let result = SpendCSV.parse(bad)
        // The good row comes back beside the issues; the caller writes nothing.
        #expect(result.rows.map(\.lineNumber) == [2])
        #expect(result.issues.map(\.field) == ["line 3: amount_yuan", "line 4: spent_on"])
        #expect(SpendCSV.parse("a,b\n1,2\n").issues.map(\.field) == ["csv"])
    }
}
