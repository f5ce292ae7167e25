import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// `fanfare experiment analyze` (issue 21): every wrong field is named by
/// its path, and the output has the documented shape (the values are
/// FanfareCore's, checked against gbstats in GbstatsVectorTests;
/// Tests/cli/run.sh drives the binary).
@Suite struct ExperimentCommandTests {
    static let good =
        #"{"id": "e1", "metric_type": "binomial", "weights": [0.5, 0.5], "control": {"users": 1000, "conversions": 50}, "#
        + #""variant": {"users": 1000, "conversions": 65}}"#

    @Test(arguments: [
        ("not json", "standard input is not JSON"),
        (#"[]"#, "is an array; give an object with experiments"),
        (#"{}"#, "experiments: is missing"),
        (#"{"experiments": {}}"#, "experiments: is an object; give an array"),
        (#"{"experiments": [], "extra": 1}"#, "extra: is not a field here; use experiments"),
        (#"{"experiments": [{"metric_type": "binomial"}]}"#, "experiments[0].id: is required"),
        (#"{"experiments": [{"id": "a", "metric_type": "ratio"}]}"#, #"experiments[0].metric_type: is "ratio"; use "binomial" or "mean""#),
        (#"{"experiments": [{"id": "a", "metric_type": "mean", "inverse": "no"}]}"#, "experiments[0].inverse: is a string; use true or false"),
        (#"{"experiments": [{"id": "a", "metric_type": "mean", "weights": [0.5]}]}"#, "experiments[0].weights: is not two numbers above 0"),
        (#"{"experiments": [{"id": "a", "metric_type": "mean", "weights": [0.5, 0]}]}"#, "experiments[0].weights[1]: is not two numbers"),
        (
            #"{"experiments": [{"id": "a", "metric_type": "binomial", "weights": [1, 1], "control": {"users": 10, "conversions": 11}}]}"#,
            "experiments[0].control.conversions: is 11, more than users (10)"
        ),
        (
            #"{"experiments": [{"id": "a", "metric_type": "binomial", "weights": [1, 1], "control": {"users": 10.5, "conversions": 1}}]}"#,
            "experiments[0].control.users: must be a whole number of at least 0"
        ),
        (
            #"{"experiments": [{"id": "a", "metric_type": "binomial", "weights": [1, 1], "control": {"users": 10, "conversion": 1}}]}"#,
            "experiments[0].control.conversion: is not a field here; use conversions, users"
        ),
        (
            #"{"experiments": [{"id": "a", "metric_type": "mean", "weights": [1, 1], "control": {"n": 10, "mean": 1, "stddev": -1}}]}"#,
            "experiments[0].control.stddev: must be 0 or more"
        ),
        (
            #"{"experiments": [{"id": "a", "metric_type": "mean", "weights": [1, 1], "control": {"n": 10, "mean": 1, "stddev": 1}}]}"#,
            "experiments[0].variant: is null; give an object with mean, n, stddev"
        ),
        (#"{"experiments": [\#(ExperimentCommandTests.good), \#(ExperimentCommandTests.good)]}"#, #"experiments[1].id: "e1" is given twice"#),
    ])
    func wrongInputIsNamedByItsField(input: String, message: String) {
        do {
            _ = try AnalyzeInput.parse(Data(input.utf8))
            Issue.record("accepted \(input)")
        } catch let problem as AnalyzeInput.Problem {
            #expect(problem.description.contains(message), "\(problem.description)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func outputHasTheDocumentedShape() throws {
        let zero =
            #"{"id": "zero", "metric_type": "mean", "inverse": true, "weights": [1, 1], "control": {"n": 100, "mean": 0, "stddev": 2}, "#
            + #""variant": {"n": 100, "mean": 1, "stddev": 1}}"#
        let input = #"{"experiments": [\#(Self.good), \#(zero)]}"#
        let experiments = try AnalyzeInput.parse(Data(input.utf8))
        #expect(experiments.map(\.id) == ["e1", "zero"] && experiments[1].inverse)
        var output: [UInt8] = []
        AnalyzeOutput.append(experiments.map { ($0.id, $0.readout()) }, to: &output)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
        let results = try #require(root["results"] as? [String: [String: Any]])
        #expect(Set(results.keys) == ["e1", "zero"])
        let frequentistFields: Set = ["expected", "ci_lower", "ci_upper", "uplift_stddev", "p_value", "error"]
        let bayesianFields: Set = ["expected", "ci_lower", "ci_upper", "uplift_stddev", "chance_to_win", "risk_control", "risk_variant", "error"]
        for (id, result) in results {
            #expect(Set(result.keys) == ["srm_p_value", "relative", "absolute"])
            #expect(result["srm_p_value"] as? Double == 1, "equal arms on an equal split")
            for difference in ["relative", "absolute"] {
                let analyses = try #require(result[difference] as? [String: [String: Any]])
                #expect(Set(analyses.keys) == ["frequentist", "sequential", "bayesian", "bayesian_proper"])
                for (name, fields) in analyses {
                    #expect(Set(fields.keys) == (name.hasPrefix("bayesian") ? bayesianFields : frequentistFields), "\(id) \(name)")
                    if id == "e1" {
                        #expect(fields["error"] is NSNull && fields["expected"] is Double, "\(id) \(difference) \(name)")
                    } else {
                        // An error comes by name, with every number null.
                        #expect(fields["error"] as? String == "ZERO_NEGATIVE_BASELINE_VARIATION", "\(id) \(difference) \(name)")
                        #expect(fields.filter { $0.key != "error" }.values.allSatisfy { $0 is NSNull })
                    }
                }
            }
        }
        let relative = try #require((results["e1"]?["relative"] as? [String: [String: Any]])?["frequentist"])
        #expect(abs((relative["expected"] as? Double ?? 0) - 0.3) < 1e-12)
    }
}
