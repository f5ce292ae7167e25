#!/usr/bin/env python3
"""Test vectors for Fanfare's experiment read-outs, computed by GrowthBook's gbstats.

How to run (from the repository root):

    pip install gbstats==0.8.0
    python3 scripts/experiments/make_vectors.py > Tests/FanfareCoreTests/Fixtures/gbstats-vectors.json

The Swift tests (Tests/FanfareCoreTests/Experiments) read that file and check
every value within 1e-6 + 1e-4 * |gbstats value| and every error name; the
Swift code never calls Python. Cases are drawn from a fixed seed, so running
the script twice writes the same file. See docs/experiments.md.

Each case is an experiment exactly as `fanfare experiment analyze` reads it
(`input`) and the result it must write (`expected`), built by calling gbstats'
own test classes: TwoSidedTTest, SequentialTwoSidedTTest (tuning 5000),
EffectBayesianABTest with a flat prior and with a proper N(0, 0.3^2) prior on
the relative effect, and check_srm. A result gbstats marks with an error
message is written as that name with no numbers.

The power section is not gbstats' (0.8.0 has no power module): it is the
documented two-sample formula, computed here with scipy as an independent
check of the Swift code.
"""

import importlib.metadata
import json
import math
import random
import sys

from scipy.optimize import brentq
from scipy.stats import norm

from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
from gbstats.utils import check_srm

GBSTATS_VERSION = "0.8.0"
PROPER_PRIOR_STDDEV = 0.3


def statistic(metric_type, arm):
    if metric_type == "binomial":
        return ProportionStatistic(n=arm["users"], sum=arm["conversions"])
    n, mean, stddev = arm["n"], arm["mean"], arm["stddev"]
    total = n * mean
    # gbstats reads sums; these give back the sample variance stddev^2.
    squares = stddev * stddev * (n - 1) + (total * total / n if n else 0)
    return SampleMeanStatistic(n=n, sum=total, sum_squares=squares)


def units(metric_type, arm):
    return arm["users"] if metric_type == "binomial" else arm["n"]


def frequentist(result):
    if result.error_message:
        return {"error": result.error_message}
    return {
        "expected": result.expected,
        "ci_lower": result.ci[0],
        "ci_upper": result.ci[1],
        "uplift_stddev": result.uplift.stddev,
        "p_value": result.p_value,
        "error": None,
    }


def bayesian(make):
    try:
        result = make().compute_result()
    except ZeroDivisionError:
        # gbstats 0.8.0 divides by the prior's variance rescaled to the
        # absolute effect (its relative variance times 0^2), flat prior or
        # proper, when an absolute read-out meets a zero baseline mean.
        # Fanfare names the cause instead of failing.
        return {"error": "ZERO_NEGATIVE_BASELINE_VARIATION", "gbstats_raised": "ZeroDivisionError"}
    if result.error_message:
        return {"error": result.error_message}
    return {
        "expected": result.expected,
        "ci_lower": result.ci[0],
        "ci_upper": result.ci[1],
        "uplift_stddev": result.uplift.stddev,
        "chance_to_win": result.chance_to_win,
        "risk_control": result.risk[0],
        "risk_variant": result.risk[1],
        "error": None,
    }


def analyze(case):
    kind = case["metric_type"]
    out = {
        "srm_p_value": float(
            check_srm([units(kind, case["control"]), units(kind, case["variant"])], case["weights"])
        )
    }
    for difference in ("relative", "absolute"):
        a = lambda: statistic(kind, case["control"])  # noqa: E731 (fresh objects: the tests mutate theirs)
        b = lambda: statistic(kind, case["variant"])  # noqa: E731
        fixed = TwoSidedTTest(a(), b(), FrequentistConfig(difference_type=difference, alpha=0.05)).compute_result()
        sequential = SequentialTwoSidedTTest(
            a(), b(), SequentialConfig(difference_type=difference, alpha=0.05, sequential_tuning_parameter=5000)
        ).compute_result()

        def effect(proper):
            prior = GaussianPrior(mean=0, variance=PROPER_PRIOR_STDDEV**2 if proper else 1, proper=proper)
            config = EffectBayesianConfig(
                difference_type=difference, inverse=case["inverse"], prior_effect=prior, prior_type="relative"
            )
            return lambda: EffectBayesianABTest(a(), b(), config)

        out[difference] = {
            "frequentist": frequentist(fixed),
            "sequential": frequentist(sequential),
            "bayesian": bayesian(effect(False)),
            "bayesian_proper": bayesian(effect(True)),
        }
    return out


def finite(value):
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def binomial_case(rng, users, rate, lift, weights, inverse):
    control_users = users
    variant_users = max(1, round(users * weights[1] / weights[0] * rng.uniform(0.97, 1.03)))
    control = {"users": control_users, "conversions": max(1, round(control_users * rate))}
    variant_rate = min(0.999, max(0.0005, rate * (1 + lift)))
    variant = {"users": variant_users, "conversions": max(1, round(variant_users * variant_rate))}
    return {"metric_type": "binomial", "inverse": inverse, "weights": weights, "control": control, "variant": variant}


def mean_case(rng, n, mean, cv, lift, weights, inverse):
    variant_n = max(2, round(n * weights[1] / weights[0] * rng.uniform(0.97, 1.03)))
    control = {"n": n, "mean": mean, "stddev": abs(mean) * cv}
    variant = {"n": variant_n, "mean": mean * (1 + lift), "stddev": abs(mean) * cv * rng.uniform(0.8, 1.25)}
    return {"metric_type": "mean", "inverse": inverse, "weights": weights, "control": control, "variant": variant}


def cases():
    rng = random.Random(21)
    splits = [[0.5, 0.5], [0.5, 0.5], [0.3, 0.7], [0.8, 0.2], [0.1, 0.9], [1, 1], [2, 1]]
    out = []
    for _ in range(140):
        users = int(10 ** rng.uniform(1.5, 6.5))
        rate = 10 ** rng.uniform(-2.5, -0.1)
        out.append(
            binomial_case(rng, users, rate, rng.uniform(-0.3, 0.3), rng.choice(splits), rng.random() < 0.3)
        )
    for _ in range(140):
        n = int(10 ** rng.uniform(0.5, 6.5)) + 2
        mean = 10 ** rng.uniform(-1, 3)
        out.append(
            mean_case(rng, n, mean, rng.uniform(0.2, 5), rng.uniform(-0.3, 0.3), rng.choice(splits), rng.random() < 0.3)
        )
    # Sample-ratio mismatches: traffic far from the intended split.
    for control, variant, weights in [
        (10000, 9000, [0.5, 0.5]), (5000, 5300, [0.5, 0.5]), (1000, 1100, [0.5, 0.5]),
        (2000, 8000, [0.3, 0.7]), (800, 200, [0.5, 0.5]), (100000, 101000, [0.5, 0.5]), (0, 0, [0.5, 0.5]),
        (0, 10, [0.5, 0.5]), (3, 1, [0.5, 0.5]),
    ]:
        out.append({
            "metric_type": "binomial", "inverse": False, "weights": weights,
            "control": {"users": control, "conversions": control // 10}, "variant": {"users": variant, "conversions": variant // 9},
        })
    # Every error case gbstats has for these metrics, and its neighbours.
    binomial = lambda c, v, inverse=False: {  # noqa: E731
        "metric_type": "binomial", "inverse": inverse, "weights": [0.5, 0.5],
        "control": {"users": c[0], "conversions": c[1]}, "variant": {"users": v[0], "conversions": v[1]},
    }
    mean = lambda c, v, inverse=False: {  # noqa: E731
        "metric_type": "mean", "inverse": inverse, "weights": [0.5, 0.5],
        "control": {"n": c[0], "mean": c[1], "stddev": c[2]}, "variant": {"n": v[0], "mean": v[1], "stddev": v[2]},
    }
    out += [
        binomial((1000, 0), (1000, 20)),  # zero baseline
        binomial((1000, 0), (1000, 0)),
        binomial((0, 0), (1000, 20)),  # no units in control
        binomial((1000, 20), (0, 0)),  # no units in variant
        binomial((0, 0), (0, 0)),
        binomial((1000, 20), (1000, 0)),  # zero variance in variant
        binomial((1000, 1000), (1000, 900)),  # control converts everyone: zero variance
        binomial((1000, 900), (1000, 1000)),
        binomial((1, 1), (1, 0)),
        binomial((1, 1), (5, 2)),
        binomial((2, 1), (2, 1)),
        binomial((10, 1), (10, 9), True),
        binomial((1000, 50), (1000, 50)),  # no difference at all
        mean((1000, 0.0, 1.5), (1000, 0.3, 1.4)),  # zero baseline mean, positive variance
        mean((1000, 0.0, 0.0), (1000, 0.3, 1.4)),
        mean((1000, -2.0, 1.5), (1000, -1.5, 1.4)),  # negative baseline: gbstats gives numbers
        mean((1000, -2.0, 1.5), (1000, -1.5, 1.4), True),
        mean((1000, 3.2, 0.0), (1000, 3.4, 1.0)),  # zero variance
        mean((1000, 3.2, 1.0), (1000, 3.4, 0.0)),
        mean((1, 3.2, 1.0), (1000, 3.4, 1.0)),  # one unit: no sample variance
        mean((1000, 3.2, 1.0), (1, 3.4, 1.0)),
        mean((0, 0.0, 0.0), (1000, 3.4, 1.0)),
        mean((1000, 3.2, 1.0), (0, 0.0, 0.0)),
        mean((2, 3.2, 1.0), (2, 3.9, 0.5)),  # the smallest sample with a variance
        mean((3, 10.0, 4.0), (4, 12.0, 3.0), True),
        mean((1000, 3.2, 1.1), (1000, 3.2, 1.1)),
        mean((5_000_000, 1.0, 2.0), (5_000_000, 1.001, 2.0)),  # very large samples
        binomial((20_000_000, 400_000), (20_000_000, 401_000)),
        binomial((1000, 50), (1000, 500)),  # a huge effect: chance to win rounds to 1
        binomial((1000, 500), (1000, 50), True),
    ]
    for index, case in enumerate(out):
        case["id"] = f"v{index:03d}"
    return out


# Power: the documented formula (docs/experiments.md), not gbstats'.
Z_ALPHA = norm.ppf(1 - 0.05 / 2)
Z_POWER = norm.ppf(0.8)


def relative_variance(kind, mean, stddev, effect, n_control, n_variant):
    variant_mean = mean * (1 + effect)
    variant_variance = variant_mean * (1 - variant_mean) if kind == "binomial" else stddev * stddev
    control_variance = mean * (1 - mean) if kind == "binomial" else stddev * stddev
    return variant_variance / (mean**2 * n_variant) + control_variance * variant_mean**2 / (mean**4 * n_control)


def power_cases():
    rng = random.Random(4)
    out = []
    for index in range(40):
        kind = "binomial" if index % 2 == 0 else "mean"
        mean = 10 ** rng.uniform(-2, -0.5) if kind == "binomial" else 10 ** rng.uniform(-1, 2)
        stddev = None if kind == "binomial" else mean * rng.uniform(0.3, 4)
        per_day = round(10 ** rng.uniform(1, 5))
        weights = rng.choice([[0.5, 0.5], [0.3, 0.7], [0.8, 0.2]])
        days = rng.choice([1, 3, 7, 14, 28, 60])
        effect = rng.choice([0.01, 0.02, 0.05, 0.1, 0.2, 0.5])
        share = [w / sum(weights) for w in weights]

        def gap(d, total_days):
            n_c, n_v = per_day * total_days * share[0], per_day * total_days * share[1]
            return d - (Z_ALPHA + Z_POWER) * math.sqrt(relative_variance(kind, mean, stddev, d, n_c, n_v))

        # The smallest effect that passes: the first step of a geometric grid
        # (1e-6, ×1.05) where it does, then the exact crossing inside that step.
        upper = 1 / mean - 1 if kind == "binomial" else 1e6
        mde, low, high = None, 0.0, 1e-6
        while high < upper:
            if gap(high, days) >= 0:
                mde = brentq(gap, low, high, args=(days,), xtol=1e-15, rtol=1e-13)
                break
            low, high = high, high * 1.05
        one_day = relative_variance(kind, mean, stddev, effect, per_day * share[0], per_day * share[1])
        needed = None
        if kind != "binomial" or mean * (1 + effect) < 1:
            needed = max(1, math.ceil((Z_ALPHA + Z_POWER) ** 2 * one_day / effect**2 - 1e-9))
        base = {"metric_type": kind, "baseline_mean": mean, "users_per_day": per_day, "weights": weights}
        if stddev is not None:
            base["baseline_stddev"] = stddev
        out.append({**base, "days": days, "effect": effect, "mde": mde, "days_needed": needed})
    return out


def main():
    if importlib.metadata.version("gbstats") != GBSTATS_VERSION:
        sys.exit(f"needs gbstats {GBSTATS_VERSION}: pip install gbstats=={GBSTATS_VERSION}")
    vectors = []
    for case in cases():
        expected = analyze(case)
        if not finite(expected):
            sys.exit(f"{case['id']}: gbstats gave a value that is not a finite number: {expected}")
        vectors.append({"input": case, "expected": expected})
    # One case a line: small enough to review, and a changed value shows
    # up in a diff as its case's line.
    line = lambda value: json.dumps(value, separators=(",", ":"), allow_nan=False)  # noqa: E731
    out = sys.stdout
    out.write(f'{{"gbstats":{line(GBSTATS_VERSION)},"tolerance":{{"absolute":1e-6,"relative":1e-4}},\n"experiments":[\n')
    out.write(",\n".join(line(vector) for vector in vectors))
    out.write('\n],\n"power":[\n')
    out.write(",\n".join(line(case) for case in power_cases()))
    out.write("\n]}")
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
