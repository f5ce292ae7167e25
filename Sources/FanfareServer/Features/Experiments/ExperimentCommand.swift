import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare experiment analyze`: the read-outs of experiments given as JSON
/// on standard input, outside the product, so an analyst can check a result
/// against GrowthBook or read out a test run elsewhere. Needs no database.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Experiment statistics outside the product: read-outs of A/B tests given as JSON.",
        subcommands: [Analyze.self])

    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reads experiments as JSON on standard input and writes every read-out as JSON.",
            discussion: """
                Input: {"experiments": [{"id": "e1", "metric_type": "binomial" | "mean", "inverse": false, "weights": [0.5, 0.5], \
                "control": {"users": 1000, "conversions": 50} | {"n": 1000, "mean": 3.2, "stddev": 1.1}, "variant": {...}}]} \
                (stddev is the sample standard deviation; inverse, lower is better, defaults to false). Output: \
                {"results": {"e1": {"srm_p_value", "relative": {"frequentist", "sequential", "bayesian", "bayesian_proper"}, \
                "absolute": {...}}}}: frequentist and sequential give expected, ci_lower, ci_upper, uplift_stddev, p_value; \
                the Bayesian ones expected, ci_lower, ci_upper, uplift_stddev, chance_to_win, risk_control, risk_variant; each \
                has error, null or gbstats' error name (then the numbers are null). The methods are GrowthBook gbstats 0.8.0's \
                (Welch t-test, sequential tuning 5000, flat and N(0, 0.3²) priors, alpha 0.05). A field that cannot be read is \
                named with exit status 2 and nothing is written. Needs no database. See docs/experiments.md.
                """)

        func run() throws {
            let experiments: [AnalyzeInput.Experiment]
            do {
                experiments = try AnalyzeInput.parse(FileHandle.standardInput.readDataToEndOfFile())
            } catch let problem as AnalyzeInput.Problem {
                throw CommandLineProblem("experiment analyze: \(problem.description)", usage: true)
            }
            var output: [UInt8] = []
            AnalyzeOutput.append(experiments.map { ($0.id, $0.readout()) }, to: &output)
            FileHandle.standardOutput.write(Data(output))
        }
    }
}

/// The command's input, read field by field so that a wrong one is named
/// by its path (`experiments[2].control.conversions`).
enum AnalyzeInput {
    struct Experiment {
        var id: String
        var control: ArmSample
        var variant: ArmSample
        var weights: [Double]
        var inverse: Bool

        func readout() -> ExperimentReadout {
            ExperimentStatistics.readout(control: control, variant: variant, weights: weights, inverse: inverse)
        }
    }

    struct Problem: Error, CustomStringConvertible {
        var field: String
        var message: String
        var description: String { field.isEmpty ? message : "\(field): \(message)" }
    }

    /// Any JSON value: the input is walked by hand for the error messages.
    enum InputValue: Decodable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([InputValue])
        case object([String: InputValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let string = try? container.decode(String.self) {
                self = .string(string)
            } else if let array = try? container.decode([InputValue].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: InputValue].self))
            }
        }

        var kind: String {
            switch self {
            case .null: "null"
            case .bool: "a boolean"
            case .number: "a number"
            case .string: "a string"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }

    static func parse(_ data: Data) throws -> [Experiment] {
        let root: InputValue
        do {
            root = try JSONDecoder().decode(InputValue.self, from: data)
        } catch {
            throw Problem(field: "", message: "standard input is not JSON; expected {\"experiments\": [...]}")
        }
        let fields = try object(root, at: "", allowed: ["experiments"])
        guard let list = fields["experiments"] else { throw Problem(field: "experiments", message: "is missing; give an array of experiments") }
        guard case .array(let items) = list else { throw Problem(field: "experiments", message: "is \(list.kind); give an array of experiments") }
        var seen: Set<String> = []
        return try items.enumerated().map { index, item in
            let experiment = try self.experiment(item, at: "experiments[\(index)]")
            guard seen.insert(experiment.id).inserted else {
                throw Problem(field: "experiments[\(index)].id", message: "\(quoted(experiment.id)) is given twice; ids must be unique")
            }
            return experiment
        }
    }

    private static func experiment(_ value: InputValue, at path: String) throws -> Experiment {
        let fields = try object(value, at: path, allowed: ["id", "metric_type", "inverse", "weights", "control", "variant"])
        guard case .string(let id) = fields["id"] ?? .null, !id.isEmpty else {
            throw Problem(field: "\(path).id", message: CodedMessage.required.english)
        }
        let metricType: String
        switch fields["metric_type"] ?? .null {
        case .string(let text) where text == "binomial" || text == "mean": metricType = text
        case .string(let text): throw Problem(field: "\(path).metric_type", message: "is \(quoted(text)); use \"binomial\" or \"mean\"")
        case let other: throw Problem(field: "\(path).metric_type", message: "is \(other.kind); use \"binomial\" or \"mean\"")
        }
        var inverse = false
        switch fields["inverse"] {
        case nil, .null: break
        case .bool(let flag): inverse = flag
        case let other?: throw Problem(field: "\(path).inverse", message: "is \(other.kind); use true or false")
        }
        let weightsMessage = "is not two numbers above 0; give the control's share first (e.g. [0.5, 0.5])"
        guard case .array(let weightValues) = fields["weights"] ?? .null, weightValues.count == 2 else {
            throw Problem(field: "\(path).weights", message: weightsMessage)
        }
        let weights = try weightValues.enumerated().map { index, value in
            guard case .number(let weight) = value, weight > 0, weight.isFinite else {
                throw Problem(field: "\(path).weights[\(index)]", message: weightsMessage)
            }
            return weight
        }
        return Experiment(
            id: id, control: try arm(fields["control"], metricType: metricType, at: "\(path).control"),
            variant: try arm(fields["variant"], metricType: metricType, at: "\(path).variant"), weights: weights, inverse: inverse)
    }

    private static func arm(_ value: InputValue?, metricType: String, at path: String) throws -> ArmSample {
        if metricType == "binomial" {
            let fields = try object(value ?? .null, at: path, allowed: ["users", "conversions"])
            let users = try count(fields["users"], at: "\(path).users")
            let conversions = try count(fields["conversions"], at: "\(path).conversions")
            guard conversions <= users else {
                throw Problem(field: "\(path).conversions", message: "is \(conversions), more than users (\(users)); a user converts at most once")
            }
            return .binomial(users: users, conversions: conversions)
        }
        let fields = try object(value ?? .null, at: path, allowed: ["n", "mean", "stddev"])
        let n = try count(fields["n"], at: "\(path).n")
        guard case .number(let mean) = fields["mean"] ?? .null, mean.isFinite else {
            throw Problem(field: "\(path).mean", message: CodedMessage.typeNumber.english)
        }
        guard case .number(let stddev) = fields["stddev"] ?? .null, stddev.isFinite, stddev >= 0 else {
            throw Problem(field: "\(path).stddev", message: CodedMessage.zeroOrMore.english + " (the sample standard deviation)")
        }
        return .mean(n: n, mean: mean, stddev: stddev)
    }

    private static func object(_ value: InputValue, at path: String, allowed: Set<String>) throws -> [String: InputValue] {
        guard case .object(let fields) = value else {
            throw Problem(field: path, message: "is \(value.kind); give an object with \(allowed.sorted().joined(separator: ", "))")
        }
        if let unknown = fields.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw Problem(
                field: path.isEmpty ? unknown : "\(path).\(unknown)", message: "is not a field here; use \(allowed.sorted().joined(separator: ", "))")
        }
        return fields
    }

    /// A whole number of units, 0 up to 2^53 (where a JSON number stops
    /// being exact).
    private static func count(_ value: InputValue?, at path: String) throws -> Int {
        guard case .number(let number) = value ?? .null, number >= 0, number <= 9_007_199_254_740_992, number == number.rounded() else {
            throw Problem(field: path, message: CodedMessage.wholeNumberAtLeast(min: 0).english)
        }
        return Int(number)
    }

    private static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONText.append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The command's output, keys in the documented order.
enum AnalyzeOutput {
    static func append(_ results: [(id: String, readout: ExperimentReadout)], to output: inout [UInt8]) {
        output += Array("{\"results\":{".utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONText.append(result.id, to: &output)
            output += Array(":{\"srm_p_value\":\(number(result.readout.srmPValue))".utf8)
            for difference in DifferenceType.allCases {
                let readout = result.readout[difference]
                output += Array(",\"\(difference.rawValue)\":{\"frequentist\":".utf8)
                append(readout.frequentist, to: &output)
                output += Array(",\"sequential\":".utf8)
                append(readout.sequential, to: &output)
                output += Array(",\"bayesian\":".utf8)
                append(readout.bayesian, to: &output)
                output += Array(",\"bayesian_proper\":".utf8)
                append(readout.bayesianProper, to: &output)
                output.append(UInt8(ascii: "}"))
            }
            output.append(UInt8(ascii: "}"))
        }
        output += Array("}}\n".utf8)
    }

    private static func append(_ result: Result<FrequentistReadout, ReadoutError>, to output: inout [UInt8]) {
        let readout = try? result.get()
        fields(
            [
                ("expected", readout?.expected), ("ci_lower", readout?.ciLower), ("ci_upper", readout?.ciUpper),
                ("uplift_stddev", readout?.upliftStddev), ("p_value", readout?.pValue),
            ], error: result, to: &output)
    }

    private static func append(_ result: Result<BayesianReadout, ReadoutError>, to output: inout [UInt8]) {
        let readout = try? result.get()
        fields(
            [
                ("expected", readout?.expected), ("ci_lower", readout?.ciLower), ("ci_upper", readout?.ciUpper),
                ("uplift_stddev", readout?.upliftStddev), ("chance_to_win", readout?.chanceToWin), ("risk_control", readout?.riskControl),
                ("risk_variant", readout?.riskVariant),
            ], error: result, to: &output)
    }

    private static func fields<Success>(_ values: [(String, Double?)], error result: Result<Success, ReadoutError>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (name, value) in values {
            output += Array("\"\(name)\":\(value.map(number) ?? "null"),".utf8)
        }
        if case .failure(let error) = result {
            output += Array("\"error\":\"\(error.rawValue)\"}".utf8)
        } else {
            output += Array("\"error\":null}".utf8)
        }
    }

    /// Full precision (the shortest text that reads back as the same
    /// double); JSON has no infinity, so a value that overflowed is null.
    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}
