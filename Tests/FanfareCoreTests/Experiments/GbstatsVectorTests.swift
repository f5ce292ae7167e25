import FanfareCore
import Foundation
import Testing

/// The read-outs against GrowthBook's gbstats 0.8.0: every value of every
/// vector made by scripts/experiments/make_vectors.py, within
/// 1e-6 + 1e-4 × |gbstats value|, and every error by name.
@Suite struct GbstatsVectorTests {
    struct Vectors: Decodable {
        var gbstats: String
        var experiments: [Vector]
        var power: [PowerCase]
    }

    struct Vector: Decodable {
        var input: Input
        var expected: [String: Expected]

        struct Input: Decodable {
            var id: String
            var metricType: String
            var inverse: Bool
            var weights: [Double]
            var control: Arm
            var variant: Arm

            enum CodingKeys: String, CodingKey {
                case id, inverse, weights, control, variant
                case metricType = "metric_type"
            }
        }

        struct Arm: Decodable {
            var users: Int?
            var conversions: Int?
            var n: Int?
            var mean: Double?
            var stddev: Double?
        }

        /// `srm_p_value` is a number; `relative` and `absolute` hold the analyses.
        enum Expected: Decodable {
            case number(Double)
            case analyses([String: [String: Value]])

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Double.self) {
                    self = .number(number)
                } else {
                    self = .analyses(try container.decode([String: [String: Value]].self))
                }
            }
        }

        enum Value: Decodable {
            case number(Double)
            case text(String)
            case null

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() {
                    self = .null
                } else if let number = try? container.decode(Double.self) {
                    self = .number(number)
                } else {
                    self = .text(try container.decode(String.self))
                }
            }
        }

        func arm(_ arm: Arm) -> ArmSample {
            input.metricType == "binomial"
                ? .binomial(users: arm.users!, conversions: arm.conversions!) : .mean(n: arm.n!, mean: arm.mean!, stddev: arm.stddev!)
        }
    }

    struct PowerCase: Decodable {
        var metricType: String
        var baselineMean: Double
        var baselineStddev: Double?
        var usersPerDay: Double
        var weights: [Double]
        var days: Double
        var effect: Double
        var mde: Double?
        var daysNeeded: Int?

        enum CodingKeys: String, CodingKey {
            case weights, days, effect, mde
            case metricType = "metric_type", baselineMean = "baseline_mean", baselineStddev = "baseline_stddev"
            case usersPerDay = "users_per_day", daysNeeded = "days_needed"
        }
    }

    static func vectors() throws -> Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/gbstats-vectors.json")
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }

    /// How far a value is from gbstats', in units of the allowed deviation
    /// (≤ 1 passes).
    static func deviation(_ value: Double, _ expected: Double) -> Double {
        abs(value - expected) / (1e-6 + 1e-4 * abs(expected))
    }

    /// The values of one analysis in the fixture's names.
    static func values(_ result: Result<FrequentistReadout, ReadoutError>) -> [String: Double]? {
        guard case .success(let readout) = result else { return nil }
        return [
            "expected": readout.expected, "ci_lower": readout.ciLower, "ci_upper": readout.ciUpper, "uplift_stddev": readout.upliftStddev,
            "p_value": readout.pValue,
        ]
    }

    static func values(_ result: Result<BayesianReadout, ReadoutError>) -> [String: Double]? {
        guard case .success(let readout) = result else { return nil }
        return [
            "expected": readout.expected, "ci_lower": readout.ciLower, "ci_upper": readout.ciUpper, "uplift_stddev": readout.upliftStddev,
            "chance_to_win": readout.chanceToWin, "risk_control": readout.riskControl, "risk_variant": readout.riskVariant,
        ]
    }

    static func error<Success>(_ result: Result<Success, ReadoutError>) -> String? {
        guard case .failure(let error) = result else { return nil }
        return error.rawValue
    }

    @Test func everyReadoutAgreesWithGbstats() throws {
        let vectors = try Self.vectors()
        #expect(vectors.gbstats == "0.8.0")
        #expect(vectors.experiments.count >= 300)
        var checked = 0
        var errors = 0
        var worst = (deviation: 0.0, at: "")
        var maxAbsolute = 0.0
        var maxRelative = 0.0
        for vector in vectors.experiments {
            let id = vector.input.id
            let readout = ExperimentStatistics.readout(
                control: vector.arm(vector.input.control), variant: vector.arm(vector.input.variant), weights: vector.input.weights,
                inverse: vector.input.inverse)
            guard case .number(let srm) = vector.expected["srm_p_value"] else {
                Issue.record("\(id): no srm_p_value")
                continue
            }
            var pairs: [(String, Double, Double)] = [("srm_p_value", readout.srmPValue, srm)]
            for difference in DifferenceType.allCases {
                guard case .analyses(let analyses) = vector.expected[difference.rawValue] else {
                    Issue.record("\(id): no \(difference.rawValue)")
                    continue
                }
                let ours = readout[difference]
                let computed: [String: ([String: Double]?, String?)] = [
                    "frequentist": (Self.values(ours.frequentist), Self.error(ours.frequentist)),
                    "sequential": (Self.values(ours.sequential), Self.error(ours.sequential)),
                    "bayesian": (Self.values(ours.bayesian), Self.error(ours.bayesian)),
                    "bayesian_proper": (Self.values(ours.bayesianProper), Self.error(ours.bayesianProper)),
                ]
                #expect(Set(analyses.keys) == Set(computed.keys), "\(id)")
                for (name, expected) in analyses {
                    let (values, error) = computed[name] ?? (nil, nil)
                    let place = "\(id) \(difference.rawValue) \(name)"
                    if case .text(let expectedError) = expected["error"] {
                        #expect(error == expectedError, "\(place): error")
                        #expect(values == nil, "\(place): numbers beside an error")
                        errors += 1
                        continue
                    }
                    #expect(error == nil, "\(place): \(error ?? "") where gbstats has numbers")
                    for (field, value) in expected where field != "error" {
                        guard case .number(let number) = value else { continue }
                        guard let mine = values?[field] else {
                            Issue.record("\(place): no \(field)")
                            continue
                        }
                        pairs.append(("\(difference.rawValue) \(name) \(field)", mine, number))
                    }
                }
            }
            for (field, mine, expected) in pairs {
                let deviation = Self.deviation(mine, expected)
                #expect(deviation <= 1, "\(id) \(field): \(mine), gbstats \(expected)")
                checked += 1
                if deviation > worst.deviation { worst = (deviation, "\(id) \(field)") }
                maxAbsolute = max(maxAbsolute, abs(mine - expected))
                // Relative only where it means something: a p-value of 1e-300 may differ by 1e-310.
                if abs(expected) > 1e-9 { maxRelative = max(maxRelative, abs(mine - expected) / abs(expected)) }
            }
        }
        #expect(errors > 100, "the vectors hold every error case")
        // The agreement figures docs/experiments.md quotes.
        print(
            "gbstats agreement: \(checked) values and \(errors) errors; max absolute deviation \(maxAbsolute), max relative "
                + "\(maxRelative) (values above 1e-9); worst against the tolerance \(worst.deviation) of it at \(worst.at)")
    }

    @Test func powerAgreesWithTheScriptsFormula() throws {
        let cases = try Self.vectors().power
        #expect(cases.count >= 20)
        #expect(cases.contains { $0.mde == nil } && cases.contains { $0.mde != nil })
        for (index, item) in cases.enumerated() {
            let baseline: PowerPlan.Baseline =
                item.metricType == "binomial"
                ? .binomial(rate: item.baselineMean) : .mean(mean: item.baselineMean, stddev: item.baselineStddev ?? 0)
            let plan = PowerPlan(baseline: baseline, unitsPerDay: item.usersPerDay, weights: item.weights)
            let mde = plan.minimumDetectableEffect(days: item.days)
            if let expected = item.mde, let mde {
                #expect(Self.deviation(mde, expected) <= 1, "power \(index): mde \(mde), script \(expected)")
            } else {
                #expect(mde == item.mde, "power \(index): mde")
            }
            #expect(plan.daysNeeded(effect: item.effect) == item.daysNeeded, "power \(index): days")
        }
    }
}
