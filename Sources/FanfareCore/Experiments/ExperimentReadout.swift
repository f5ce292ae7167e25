import Foundation

// Experiment read-outs (issue 21): a control against one variant, each for
// the relative and the absolute difference, by the methods of GrowthBook's
// gbstats 0.8.0 and agreeing with it on the same inputs (the vectors in
// Tests/FanfareCoreTests/Fixtures/gbstats-vectors.json, made by
// scripts/experiments/make_vectors.py). docs/experiments.md gives the
// formulas in words.

/// One arm's data as the read-outs see it: how many units (users, visitors)
/// it has, and the mean and sample variance of the metric over them.
public struct ArmSample: Sendable, Equatable {
    public var units: Int
    public var mean: Double
    public var variance: Double

    /// A conversion metric: `conversions` of `users` converted. Its
    /// variance is p(1 − p), as gbstats takes it (not the n − 1 form).
    public static func binomial(users: Int, conversions: Int) -> ArmSample {
        let rate = users == 0 ? 0 : Double(conversions) / Double(users)
        return ArmSample(units: users, mean: rate, variance: rate * (1 - rate))
    }

    /// A mean metric (revenue per visitor): n units, their mean and sample
    /// standard deviation. One unit has no sample variance (0, as in
    /// gbstats), and no unit has mean 0.
    public static func mean(n: Int, mean: Double, stddev: Double) -> ArmSample {
        ArmSample(units: n, mean: n == 0 ? 0 : mean, variance: n <= 1 ? 0 : stddev * stddev)
    }
}

/// Why a read-out has no numbers, by gbstats' own names.
public enum ReadoutError: String, Error, Sendable, Equatable, CaseIterable {
    /// The control's mean is zero (for a relative difference, or any
    /// frequentist one): there is nothing to be relative to. Also given for
    /// the one case gbstats 0.8.0 fails on: an absolute Bayesian read-out at
    /// a control mean of 0 (its prior's scale), where it raises
    /// ZeroDivisionError.
    case zeroNegativeBaselineVariation = "ZERO_NEGATIVE_BASELINE_VARIATION"
    /// An arm has no variance (every unit converted, or none; a mean metric
    /// with one unit or a zero standard deviation).
    case zeroNegativeVariance = "ZERO_NEGATIVE_VARIANCE"
    /// An arm has no units (Bayesian read-outs).
    case noUnitsInVariation = "NO_UNITS_IN_VARIATION"
}

/// Which difference a read-out is about.
public enum DifferenceType: String, Sendable, CaseIterable {
    /// (variant − control) / control.
    case relative
    /// variant − control, in the metric's units.
    case absolute
}

/// A frequentist (fixed-horizon or sequential) read-out.
public struct FrequentistReadout: Sendable, Equatable {
    public var expected: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var upliftStddev: Double
    public var pValue: Double
}

/// A Bayesian read-out: the posterior of the effect is normal with mean
/// `expected` and standard deviation `upliftStddev`.
public struct BayesianReadout: Sendable, Equatable {
    public var expected: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var upliftStddev: Double
    /// The posterior probability that the variant is better (lower, for an
    /// inverse metric).
    public var chanceToWin: Double
    /// The expected loss of keeping the control if the variant is better.
    public var riskControl: Double
    /// The expected loss of choosing the variant if the control is better.
    public var riskVariant: Double
}

/// Every analysis of one difference.
public struct DifferenceReadout: Sendable, Equatable {
    public var frequentist: Result<FrequentistReadout, ReadoutError>
    public var sequential: Result<FrequentistReadout, ReadoutError>
    /// Flat prior (gbstats' default).
    public var bayesian: Result<BayesianReadout, ReadoutError>
    /// Proper prior N(0, 0.3²) on the relative effect.
    public var bayesianProper: Result<BayesianReadout, ReadoutError>
}

/// The full read-out of a control against one variant.
public struct ExperimentReadout: Sendable, Equatable {
    /// The sample-ratio-mismatch check: the chi-square p-value of the arms'
    /// units against the intended weights. Small values (below 0.001, say)
    /// mean the split is broken and no result should be trusted.
    public var srmPValue: Double
    public var relative: DifferenceReadout
    public var absolute: DifferenceReadout

    public subscript(_ difference: DifferenceType) -> DifferenceReadout {
        difference == .relative ? relative : absolute
    }
}

/// The settings every read-out uses: gbstats' defaults for the issue.
public struct ReadoutSettings: Sendable, Equatable {
    /// Two-sided: the intervals are 1 − alpha.
    public var alpha = 0.05
    /// The sequential test's tuning parameter (the sample size where its
    /// interval is tightest).
    public var sequentialTuning = 5000.0
    /// The proper prior's standard deviation on the relative effect.
    public var properPriorStddev = 0.3

    public init() {}
}

/// The read-outs. Pure: the same samples always give the same numbers.
public enum ExperimentStatistics {
    /// Every analysis of `variant` against `control`. `weights` are the
    /// arms' intended shares (control first), for the sample-ratio check;
    /// `inverse` means lower is better (chance to win and the risks turn).
    public static func readout(
        control: ArmSample, variant: ArmSample, weights: [Double], inverse: Bool, settings: ReadoutSettings = ReadoutSettings()
    ) -> ExperimentReadout {
        let constants = Constants(settings)
        return ExperimentReadout(
            srmPValue: sampleRatioPValue(units: [control.units, variant.units], weights: weights),
            relative: difference(.relative, control: control, variant: variant, inverse: inverse, constants),
            absolute: difference(.absolute, control: control, variant: variant, inverse: inverse, constants))
    }

    /// Chi-square goodness of fit of the arms' units to the weights (k − 1
    /// degrees of freedom); 1 when no unit has arrived. An arm weighted 0
    /// adds nothing to the statistic, as in gbstats.
    public static func sampleRatioPValue(units: [Int], weights: [Double]) -> Double {
        let total = Double(units.reduce(0, +))
        guard total > 0, units.count == weights.count, units.count > 1 else { return 1 }
        let totalWeight = weights.reduce(0, +)
        var statistic = 0.0
        for (observed, weight) in zip(units, weights) where weight > 0 {
            let expected = weight / totalWeight * total
            let gap = Double(observed) - expected
            statistic += gap * gap / expected
        }
        return ChiSquare.survival(statistic, degreesOfFreedom: Double(units.count - 1))
    }

    /// Values that depend on the settings only, worked out once a read-out
    /// rather than once an analysis.
    struct Constants {
        let settings: ReadoutSettings
        /// The t quantile is per degrees of freedom; these are not.
        let normalQuantile: Double
        let sequentialRhoSquared: Double

        init(_ settings: ReadoutSettings) {
            self.settings = settings
            normalQuantile = StandardNormal.quantile(1 - settings.alpha / 2)
            let logAlpha = log(settings.alpha)
            // Waudby-Smith et al. (arXiv 2103.06476v7), eq. 161.
            sequentialRhoSquared = (-2 * logAlpha + log(-2 * logAlpha + 1)) / settings.sequentialTuning
        }
    }

    static func difference(
        _ type: DifferenceType, control: ArmSample, variant: ArmSample, inverse: Bool, _ constants: Constants
    ) -> DifferenceReadout {
        let relative = type == .relative
        let effect = Effect(control: control, variant: variant, relative: relative)
        // gbstats' frequentist tests refuse a zero control mean for both
        // differences; its Bayesian test for the relative one here, and for
        // the absolute one in `bayesianReadout`, after its other checks.
        let frequentistError: ReadoutError? =
            control.mean == 0 ? .zeroNegativeBaselineVariation : hasNoVariance(control, variant) ? .zeroNegativeVariance : nil
        let bayesianError: ReadoutError? =
            if relative && control.mean == 0 {
                .zeroNegativeBaselineVariation
            } else if control.units == 0 || variant.units == 0 {
                .noUnitsInVariation
            } else if hasNoVariance(control, variant) {
                .zeroNegativeVariance
            } else {
                nil
            }
        func frequentist(_ compute: () -> FrequentistReadout) -> Result<FrequentistReadout, ReadoutError> {
            if let frequentistError { return .failure(frequentistError) }
            return .success(compute())
        }
        func bayesian(proper: Bool) -> Result<BayesianReadout, ReadoutError> {
            if let bayesianError { return .failure(bayesianError) }
            return bayesianReadout(effect, control: control, relative: relative, proper: proper, inverse: inverse, constants)
        }
        return DifferenceReadout(
            frequentist: frequentist { fixedHorizon(effect, control: control, variant: variant, constants) },
            sequential: frequentist { sequential(effect, units: control.units + variant.units, constants) },
            bayesian: bayesian(proper: false),
            bayesianProper: bayesian(proper: true))
    }

    private static func hasNoVariance(_ control: ArmSample, _ variant: ArmSample) -> Bool {
        !(control.variance > 0) || !(variant.variance > 0)
    }

    /// The estimated effect and its variance: the difference of the means,
    /// divided by the control's mean for the relative effect, whose
    /// variance is then the delta method's.
    struct Effect {
        let estimate: Double
        let variance: Double

        init(control: ArmSample, variant: ArmSample, relative: Bool) {
            let nControl = Double(control.units)
            let nVariant = Double(variant.units)
            if relative {
                let controlSquared = control.mean * control.mean
                estimate = (variant.mean - control.mean) / control.mean
                variance =
                    variant.variance / (controlSquared * nVariant) + control.variance * variant.mean * variant.mean
                    / (controlSquared * controlSquared * nControl)
            } else {
                estimate = variant.mean - control.mean
                variance = variant.variance / nVariant + control.variance / nControl
            }
        }
    }

    /// The two-sided Welch t-test, with Welch–Satterthwaite degrees of
    /// freedom from the arms' variances of the mean.
    static func fixedHorizon(_ effect: Effect, control: ArmSample, variant: ArmSample, _ constants: Constants) -> FrequentistReadout {
        let nControl = Double(control.units)
        let nVariant = Double(variant.units)
        let controlPart = control.variance / nControl
        let variantPart = variant.variance / nVariant
        let degreesOfFreedom =
            (controlPart + variantPart) * (controlPart + variantPart)
            / (variantPart * variantPart / (nVariant - 1) + controlPart * controlPart / (nControl - 1))
        let standardError = effect.variance.squareRoot()
        let width = StudentT.quantile(1 - constants.settings.alpha / 2, degreesOfFreedom: degreesOfFreedom) * standardError
        return FrequentistReadout(
            expected: effect.estimate, ciLower: effect.estimate - width, ciUpper: effect.estimate + width, upliftStddev: standardError,
            pValue: StudentT.twoSidedTail(effect.estimate / standardError, degreesOfFreedom: degreesOfFreedom))
    }

    /// gbstats' sequential test: the asymptotic confidence sequence of
    /// Waudby-Smith et al. (eq. 9 for the interval, eq. 155 for the
    /// p-value, one over the e-value), valid however often it is looked at.
    static func sequential(_ effect: Effect, units: Int, _ constants: Constants) -> FrequentistReadout {
        let n = Double(units)
        let alpha = constants.settings.alpha
        let rhoSquared = constants.sequentialRhoSquared
        let spread = n * rhoSquared + 1
        let width =
            (effect.variance * n).squareRoot() * (2 * spread * log(spread.squareRoot() / alpha) / (n * n * rhoSquared)).squareRoot()
        let statisticSquared = effect.estimate * effect.estimate * n / effect.variance
        // 1/e-value written as a product, so a huge statistic gives 0, not 1/∞.
        let pValue = min(spread.squareRoot() * exp(-rhoSquared * statisticSquared / (2 * spread)), 1)
        return FrequentistReadout(
            expected: effect.estimate, ciLower: effect.estimate - width, ciUpper: effect.estimate + width,
            upliftStddev: effect.variance.squareRoot(), pValue: pValue)
    }

    /// gbstats' EffectBayesianABTest: a normal likelihood for the effect
    /// (the frequentist estimate and variance) times a normal prior, flat
    /// or N(0, 0.3²) on the relative effect (scaled by the control's mean
    /// for the absolute one).
    static func bayesianReadout(
        _ effect: Effect, control: ArmSample, relative: Bool, proper: Bool, inverse: Bool, _ constants: Constants
    ) -> Result<BayesianReadout, ReadoutError> {
        // gbstats scales the prior (flat: variance 1; proper: 0.3²) to the
        // absolute effect by the control's mean squared and divides by it
        // even when the prior is flat, so at a zero control mean 0.8.0
        // raises ZeroDivisionError for both; the cause is the baseline.
        if !relative && control.mean == 0 { return .failure(.zeroNegativeBaselineVariation) }
        var mean = effect.estimate
        var precision = 1 / effect.variance
        if proper {
            let relativeSpread = constants.settings.properPriorStddev
            let scale = relative ? 1 : control.mean * control.mean
            // The prior's mean is 0, so it only adds precision and shrinks the mean.
            precision += 1 / (relativeSpread * relativeSpread * scale)
            mean = effect.estimate / effect.variance / precision
        }
        let spread = (1 / precision).squareRoot()
        let ratio = mean / spread
        let better = StandardNormal.cdf(ratio)
        let worse = StandardNormal.cdf(-ratio)
        // E[max(X, 0)] and E[max(−X, 0)] for X ~ N(mean, spread²): the
        // probability of each side times the mean of the normal truncated
        // to it, which is what gbstats computes through scipy's truncnorm.
        let densityPart = spread * StandardNormal.density(ratio)
        let gain = mean * better + densityPart
        let loss = -mean * worse + densityPart
        let z = constants.normalQuantile
        return .success(
            BayesianReadout(
                expected: mean, ciLower: mean - z * spread, ciUpper: mean + z * spread, upliftStddev: spread,
                chanceToWin: inverse ? worse : better, riskControl: inverse ? loss : gain, riskVariant: inverse ? gain : loss))
    }
}
