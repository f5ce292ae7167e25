import FanfareCore
import Foundation
import Testing

/// The read-outs' own rules, beside the gbstats vectors: the distributions
/// at textbook values, the sample-ratio check beyond two arms, what inverse
/// turns round, and the power plan's answers and refusals.
@Suite struct ExperimentStatisticsTests {
    @Test func distributionsAtTextbookValues() {
        #expect(abs(StandardNormal.quantile(0.975) - 1.959963984540054) < 1e-14)
        #expect(abs(StandardNormal.quantile(0.8) - 0.8416212335729143) < 1e-14)
        #expect(abs(StandardNormal.cdf(-1.959963984540054) - 0.025) < 1e-15)
        #expect(StandardNormal.quantile(0) == -.infinity && StandardNormal.quantile(1) == .infinity)
        // t tables: ν = 1 is the Cauchy (tan(0.475π)), ν = 10, ν = 1,000.
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 1) - 12.706204736174694) < 1e-9)
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 10) - 2.228138851986274) < 1e-12)
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 1000) - 1.9623390808264083) < 1e-12)
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: 10) + 2.228138851986274) < 1e-12)
        #expect(abs(StudentT.twoSidedTail(2.228138851986274, degreesOfFreedom: 10) - 0.05) < 1e-14)
        #expect(abs(StudentT.cdf(1, degreesOfFreedom: 1) - 0.75) < 1e-14)
        // Small p-values keep their digits: 2·P(T > 30) at ν = 100 is 8.38e-52.
        #expect(abs(StudentT.twoSidedTail(30, degreesOfFreedom: 100) / 8.380332558688329e-52 - 1) < 1e-12)
        #expect(abs(ChiSquare.survival(3.841458820694124, degreesOfFreedom: 1) - 0.05) < 1e-14)
        #expect(abs(ChiSquare.survival(5.991464547107979, degreesOfFreedom: 2) - 0.05) < 1e-14)
        #expect(ChiSquare.survival(0, degreesOfFreedom: 3) == 1)
    }

    @Test func sampleRatioCheck() {
        #expect(ExperimentStatistics.sampleRatioPValue(units: [0, 0], weights: [0.5, 0.5]) == 1)
        #expect(ExperimentStatistics.sampleRatioPValue(units: [5000, 5000], weights: [0.5, 0.5]) == 1)
        // 10,000 against 9,000 on a 50/50 split: χ² = 52.6 on 1 degree of freedom.
        #expect(ExperimentStatistics.sampleRatioPValue(units: [10000, 9000], weights: [0.5, 0.5]) < 1e-12)
        // The weights need not sum to 1, and the split is read against them.
        #expect(ExperimentStatistics.sampleRatioPValue(units: [2000, 1000], weights: [2, 1]) == 1)
        // Three arms: 2 degrees of freedom, where the tail is e^(−χ²/2); χ² = 2.5 + 2.5.
        let three = ExperimentStatistics.sampleRatioPValue(units: [1050, 950, 1000], weights: [1, 1, 1])
        #expect(abs(three - exp(-2.5)) < 1e-12)
        // An arm weighted 0 adds no term of its own (gbstats' rule).
        #expect(ExperimentStatistics.sampleRatioPValue(units: [1000, 1000, 0], weights: [0.5, 0.5, 0]) == 1)
    }

    @Test func inverseTurnsTheChanceAndTheRisksRound() throws {
        let control = ArmSample.binomial(users: 5000, conversions: 250)
        let variant = ArmSample.binomial(users: 5000, conversions: 290)
        let higher = ExperimentStatistics.readout(control: control, variant: variant, weights: [0.5, 0.5], inverse: false)
        let lower = ExperimentStatistics.readout(control: control, variant: variant, weights: [0.5, 0.5], inverse: true)
        for difference in DifferenceType.allCases {
            let up = try higher[difference].bayesian.get()
            let down = try lower[difference].bayesian.get()
            #expect(up.expected == down.expected && up.ciLower == down.ciLower)
            #expect(abs(up.chanceToWin + down.chanceToWin - 1) < 1e-15)
            #expect(up.riskControl == down.riskVariant && up.riskVariant == down.riskControl)
            #expect(up.chanceToWin > 0.9, "16 % more conversions is very likely better")
            #expect(up.riskVariant < up.riskControl)
            // The frequentist read-outs do not depend on the direction.
            #expect(try higher[difference].frequentist.get() == lower[difference].frequentist.get())
        }
        // The proper prior pulls the effect towards 0.
        let flat = try higher.relative.bayesian.get()
        let proper = try higher.relative.bayesianProper.get()
        #expect(proper.expected < flat.expected && proper.expected > 0 && proper.upliftStddev < flat.upliftStddev)
    }

    @Test func errorsCarryNoNumbers() {
        let readout = ExperimentStatistics.readout(
            control: .binomial(users: 1000, conversions: 0), variant: .binomial(users: 1000, conversions: 20), weights: [0.5, 0.5], inverse: false)
        #expect(readout.relative.frequentist == .failure(.zeroNegativeBaselineVariation))
        #expect(readout.absolute.sequential == .failure(.zeroNegativeBaselineVariation))
        #expect(readout.relative.bayesian == .failure(.zeroNegativeBaselineVariation))
        #expect(readout.absolute.bayesian == .failure(.zeroNegativeVariance))
        let empty = ExperimentStatistics.readout(
            control: .mean(n: 100, mean: 3, stddev: 1), variant: .mean(n: 0, mean: 3, stddev: 1), weights: [0.5, 0.5], inverse: false)
        #expect(empty.relative.frequentist == .failure(.zeroNegativeVariance))
        #expect(empty.relative.bayesianProper == .failure(.noUnitsInVariation))
        #expect(
            ReadoutError.allCases.map(\.rawValue).sorted() == ["NO_UNITS_IN_VARIATION", "ZERO_NEGATIVE_BASELINE_VARIATION", "ZERO_NEGATIVE_VARIANCE"])
    }

    @Test func powerPlan() throws {
        let plan = PowerPlan(baseline: .binomial(rate: 0.05), unitsPerDay: 2000)
        let week = try #require(plan.minimumDetectableEffect(days: 7))
        let month = try #require(plan.minimumDetectableEffect(days: 28))
        #expect(month < week, "more days find smaller effects")
        // The textbook 2 × (1.96 + 0.84)² × p(1 − p) / (p·d)² gives 29,800
        // units an arm for d = 10 %, p = 5 %: 30 days at 1,000 an arm a day.
        // The variant's own variance and the delta method's (1 + d)² on the
        // control's make it 34.4, so 35 whole days.
        let days = try #require(plan.daysNeeded(effect: 0.1))
        #expect(days == 35)
        // The MDE at those days is at most the effect asked for.
        #expect(try #require(plan.minimumDetectableEffect(days: Double(days))) <= 0.1)
        #expect(try #require(plan.minimumDetectableEffect(days: Double(days - 1))) > 0.1)
        // Refusals: nothing to measure, or an effect that cannot happen.
        #expect(PowerPlan(baseline: .binomial(rate: 0), unitsPerDay: 2000).minimumDetectableEffect(days: 7) == nil)
        #expect(PowerPlan(baseline: .binomial(rate: 0.05), unitsPerDay: 0).daysNeeded(effect: 0.1) == nil)
        #expect(PowerPlan(baseline: .binomial(rate: 0.6), unitsPerDay: 2000).daysNeeded(effect: 1) == nil)
        #expect(PowerPlan(baseline: .mean(mean: 3, stddev: 0), unitsPerDay: 2000).daysNeeded(effect: 0.1) == nil)
        #expect(PowerPlan(baseline: .binomial(rate: 0.05), unitsPerDay: 2000, weights: [1]).daysNeeded(effect: 0.1) == nil)
        #expect(plan.daysNeeded(effect: 0) == nil)
        // Ten visitors a day at a 1 % rate detect nothing in a day.
        #expect(PowerPlan(baseline: .binomial(rate: 0.01), unitsPerDay: 10).minimumDetectableEffect(days: 1) == nil)
        // A mean metric: revenue per visitor 3.2 ± 11.
        let revenue = PowerPlan(baseline: .mean(mean: 3.2, stddev: 11), unitsPerDay: 5000, weights: [0.3, 0.7])
        let mde = try #require(revenue.minimumDetectableEffect(days: 14))
        #expect(mde > 0.05 && mde < 0.2, "\(mde)")
    }
}
