import Foundation

// The distributions the experiment read-outs need: normal, Student t and
// chi-square. Written here rather than taken from a package because the
// project has no numerics dependency (swift-numerics is not in
// Package.swift) and these few functions are short; each says its method.
// They are checked through the read-outs against gbstats (scipy) in
// Tests/FanfareCoreTests/Experiments, to far better than the read-outs'
// agreement target of 1e-6 + 1e-4 × |value|.

/// The standard normal distribution.
public enum StandardNormal {
    /// P(Z ≤ x), through the C library's erfc, which keeps the lower tail's
    /// relative precision where 1 − erf would round to zero.
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// The density at x.
    public static func density(_ x: Double) -> Double {
        exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// The x with P(Z ≤ x) = p, for p in (0, 1); −∞ and +∞ at 0 and 1.
    ///
    /// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988):
    /// rational approximations on three ranges of p, relative error about
    /// 1e-16.
    public static func quantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let numerator =
                (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r
                    + 13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608)
            let denominator =
                (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r
                    + 5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1)
            return q * numerator / denominator
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        let value: Double
        if r <= 5 {
            r -= 1.6
            value =
                (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258)
                    * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                    + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1)
        } else {
            r -= 5
            value =
                (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                    + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r
                    + 6.6579046435011037772)
                / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                    + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r
                    + 1)
        }
        return q < 0 ? -value : value
    }
}

/// Student's t distribution with real (Welch–Satterthwaite) degrees of freedom.
public enum StudentT {
    /// P(|T| ≥ |t|): the two-sided tail, I_x(ν/2, 1/2) with x = ν/(ν + t²),
    /// the regularized incomplete beta. Computed directly rather than as
    /// 2(1 − cdf), so small p-values keep their digits.
    public static func twoSidedTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        if t.isNaN || nu.isNaN { return .nan }
        if t.isInfinite { return 0 }
        return IncompleteBeta.regularized(a: nu / 2, b: 0.5, x: nu / (nu + t * t))
    }

    /// P(T ≤ t).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let half = 0.5 * twoSidedTail(t, degreesOfFreedom: nu)
        return t < 0 ? half : 1 - half
    }

    /// The density at t.
    public static func density(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        exp(lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi) - (nu + 1) / 2 * log1p(t * t / nu))
    }

    /// The t with P(T ≤ t) = p, for p in (0, 1).
    ///
    /// From ν = 200 up the Cornish–Fisher expansion in 1/ν (Abramowitz and
    /// Stegun 26.7.5, four terms) is used as it stands: its first omitted
    /// term is below 1e-11 there. Below, that expansion is the start of
    /// Newton's method on the cdf, which converges from either side because
    /// the cdf is concave above the median (the upper half is solved and
    /// mirrored).
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        if p == 0.5 { return 0 }
        let z = StandardNormal.quantile(p)
        let z2 = z * z
        let g1 = (z2 + 1) * z / 4
        let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
        let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
        let g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
        let expansion = z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu) + g4 / (nu * nu * nu * nu)
        if nu >= 200 { return expansion }
        var t = max(expansion, z)
        for _ in 0..<100 {
            let step = (cdf(t, degreesOfFreedom: nu) - p) / density(t, degreesOfFreedom: nu)
            var next = t - step
            // A step from far out in a heavy tail can cross the median.
            if next <= 0 { next = t / 2 }
            if abs(next - t) <= 1e-14 * abs(next) { return next }
            t = next
        }
        return t
    }
}

/// The chi-square distribution.
public enum ChiSquare {
    /// P(X ≥ x) with k degrees of freedom: Q(k/2, x/2), the regularized
    /// upper incomplete gamma.
    public static func survival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        if x <= 0 { return 1 }
        return IncompleteGamma.upperRegularized(a: k / 2, x: x / 2)
    }
}

/// The regularized incomplete beta function I_x(a, b).
enum IncompleteBeta {
    /// Lentz's modified continued fraction (Numerical Recipes §6.4), on the
    /// side of the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it
    /// converges quickly; the prefactor is taken in logarithms so large a
    /// and b do not overflow.
    static func regularized(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        func guarded(_ value: Double) -> Double { abs(value) < tiny ? tiny : value }
        var c = 1.0
        var d = 1 / guarded(1 - (a + b) * x / (a + 1))
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m))
            d = 1 / guarded(1 + even * d)
            c = guarded(1 + even / c)
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m))
            d = 1 / guarded(1 + odd * d)
            c = guarded(1 + odd / c)
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}

/// The regularized incomplete gamma functions.
enum IncompleteGamma {
    /// Q(a, x) = 1 − P(a, x): the series for P below x = a + 1, the
    /// continued fraction for Q above (Numerical Recipes §6.2).
    static func upperRegularized(a: Double, x: Double) -> Double {
        if x <= 0 { return 1 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var denominator = a
            for _ in 0..<10_000 {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return 1 - sum * exp(logFront)
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(logFront) * h
    }
}
