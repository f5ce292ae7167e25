import Foundation

/// Sample size and power before an experiment starts (issue 21, scope 4):
/// the smallest effect a test can find with the traffic it will get, and the
/// days it needs to find a chosen one.
///
/// gbstats 0.8.0 has no power calculation, so this is the standard
/// two-sample formula, in the read-outs' own terms: an effect d (relative,
/// variant over control) is found with the chosen power when
/// d ≥ (z₁₋α/₂ + z_power) · √V(d), where V(d) is the delta-method variance
/// of the relative difference the fixed-horizon read-out uses, with the
/// variant's mean at μ(1 + d) and each arm's units its share of the
/// traffic. A conversion's variance is p(1 − p) in each arm; a mean
/// metric's standard deviation is taken as the same in both arms. Only
/// increases are planned for (a decrease of the same size needs a little
/// less data). docs/experiments.md has the details.
public struct PowerPlan: Sendable, Equatable {
    public enum Baseline: Sendable, Equatable {
        /// The control's conversion rate, in (0, 1).
        case binomial(rate: Double)
        /// The control's mean (above 0) and standard deviation (above 0).
        case mean(mean: Double, stddev: Double)
    }

    public var baseline: Baseline
    /// Units (visitors) a day entering the experiment, all arms together.
    public var unitsPerDay: Double
    /// The arms' shares, control first.
    public var weights: [Double]
    public var alpha = 0.05
    public var power = 0.8

    public init(baseline: Baseline, unitsPerDay: Double, weights: [Double] = [0.5, 0.5]) {
        self.baseline = baseline
        self.unitsPerDay = unitsPerDay
        self.weights = weights
    }

    /// The smallest relative increase found with the chosen power within
    /// `days`; nil when none is (a conversion rate cannot rise above 1, and
    /// too small a control arm cannot separate any effect from its noise).
    public func minimumDetectableEffect(days: Double) -> Double? {
        guard isUsable, days > 0 else { return nil }
        let limit: Double
        switch baseline {
        case .binomial(let rate): limit = 1 / rate - 1
        case .mean: limit = 1e6
        }
        // The first step of a geometric grid where the effect passes, then
        // bisection inside it: the smallest passing effect even if the
        // margin is not monotone near a rate of 1.
        var low = 0.0
        var high = 1e-6
        while high < limit {
            if margin(high, days: days) >= 0 {
                for _ in 0..<200 {
                    let middle = (low + high) / 2
                    if middle <= low || middle >= high { break }
                    if margin(middle, days: days) >= 0 { high = middle } else { low = middle }
                }
                return high
            }
            (low, high) = (high, high * 1.05)
        }
        return nil
    }

    /// Whole days needed to find a relative change of `effect` with the
    /// chosen power; nil for an effect that cannot happen (a rate above 1,
    /// a change of 0).
    public func daysNeeded(effect: Double) -> Int? {
        guard isUsable, effect != 0, effect.isFinite else { return nil }
        if case .binomial(let rate) = baseline, rate * (1 + effect) >= 1 || rate * (1 + effect) <= 0 { return nil }
        // V(d) falls as 1/days, so the days come straight out of the formula.
        let z = zSum
        let days = z * z * variance(effect, days: 1) / (effect * effect)
        guard days.isFinite else { return nil }
        // The tolerance keeps a whole number of days from rounding up by one.
        return max(1, Int((days - 1e-9).rounded(.up)))
    }

    private var isUsable: Bool {
        guard unitsPerDay > 0, unitsPerDay.isFinite, weights.count == 2, weights.allSatisfy({ $0 > 0 && $0.isFinite }) else { return false }
        switch baseline {
        case .binomial(let rate): return rate > 0 && rate < 1
        case .mean(let mean, let stddev): return mean > 0 && stddev > 0 && mean.isFinite && stddev.isFinite
        }
    }

    private var zSum: Double { StandardNormal.quantile(1 - alpha / 2) + StandardNormal.quantile(power) }

    private func margin(_ effect: Double, days: Double) -> Double {
        effect - zSum * variance(effect, days: days).squareRoot()
    }

    /// The delta-method variance of the relative difference at effect d.
    private func variance(_ effect: Double, days: Double) -> Double {
        let total = weights.reduce(0, +)
        let nControl = unitsPerDay * days * weights[0] / total
        let nVariant = unitsPerDay * days * weights[1] / total
        let (mean, controlVariance, variantVariance): (Double, Double, Double)
        switch baseline {
        case .binomial(let rate):
            let variantRate = rate * (1 + effect)
            (mean, controlVariance, variantVariance) = (rate, rate * (1 - rate), variantRate * (1 - variantRate))
        case .mean(let value, let stddev):
            (mean, controlVariance, variantVariance) = (value, stddev * stddev, stddev * stddev)
        }
        let variantMean = mean * (1 + effect)
        return variantVariance / (mean * mean * nVariant) + controlVariance * variantMean * variantMean / (mean * mean * mean * mean * nControl)
    }
}
