import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare anomalies [--seasons K] [--z Z] [--min-change C] [--persistence P]`
///
/// Reads one series as CSV (`timestamp,value`) on standard input and writes
/// one JSON object a line for each flagged point:
/// `{"at":"…","value":…,"expected":…,"low":…,"high":…,"score":…}`. The
/// detector is FanfareCore's `AnomalyDetector`, the one the product runs,
/// so a team can check a flag, or tune settings, on an exported series.
/// Needs no database and no settings.
struct AnomaliesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "Flags anomalies in one series read as CSV (timestamp,value) on standard input; one JSON object a line.",
        discussion: """
            Each line is timestamp,value: an RFC 3339 time (2026-03-02T09:00:00Z), a date (2026-03-02, midnight UTC) or \
            whole Unix seconds, then a decimal number; an optional header line comes first. The points are taken in time \
            order whatever order they are written in; the interval is the smallest gap between them and must divide a day, \
            from a minute to a day; missing points are allowed, points off that grid are not. Each point is judged on the \
            points before it only, against the median of the same phase (day of week, hour of week, minute of day) over the \
            last K seasons. Writes {"at","value","expected","low","high","score"} for each flagged point. A line that \
            cannot be read is named (line N) with exit status 2. Needs no database. See docs/analytics.md.
            """)

    @Option(help: "K: how many past seasons (weeks; days for data under an hourly interval) the baseline reads, 3 to 52.")
    var seasons = AnomalySettings().seasons

    @Option(help: "The band's half-width in spreads (1.4826 × MAD), 1 to 20.")
    var z = AnomalySettings().z

    @Option(name: .customLong("min-change"), help: "The smallest absolute change that is flagged, in the series' units; above 0.")
    var minChange = AnomalySettings().minChange

    @Option(help: "P: consecutive points outside the band on the same side before flagging (1 flags single spikes), 1 to 100.")
    var persistence = AnomalySettings().persistence

    func run() throws {
        let settings: AnomalySettings
        do {
            settings = try AnomalySettings(seasons: seasons, z: z, minChange: minChange, persistence: persistence).validated()
        } catch {
            // The settings' fields are the options' names, `min_change` spelled `--min-change`.
            throw CommandLineProblem(
                "anomalies: "
                    + error.issues.map { "--\($0.field.replacingOccurrences(of: "_", with: "-")): \($0.message)" }.joined(separator: "; "),
                usage: true)
        }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandLineProblem("anomalies: standard input is not UTF-8 text", usage: true)
        }
        let points: [SeriesCSV.Point]
        do {
            // Stable: of two points at the same time, the later line is the one refused.
            let read = try SeriesCSV.parse(text)
            points = read.indices.sorted { (read[$0].seconds, $0) < (read[$1].seconds, $1) }.map { read[$0] }
        } catch {
            throw Self.refusal(line: error.line, error.message)
        }
        // A time written twice is refused before the interval is looked for:
        // two points at one time would otherwise read as no interval at all.
        for (earlier, later) in zip(points, points.dropFirst()) where earlier.seconds == later.seconds {
            let at = Date(timeIntervalSince1970: TimeInterval(later.seconds))
            throw CommandLineProblem(
                "anomalies: line \(later.line): \(CodedMessage.seriesNotAfter(value: at, previous: at).english) (line \(earlier.line))", usage: true)
        }
        guard let interval = SeriesCadence.inferredInterval(points.map(\.seconds)) else { return }
        let cadence: SeriesCadence
        do {
            cadence = try SeriesCadence(seconds: Int(clamping: interval))
        } catch {
            // The later of the two closest points shows the interval.
            let pair = zip(points, points.dropFirst()).first { $1.seconds - $0.seconds == interval }!
            throw Self.refusal(line: pair.1.line, error.issues[0].coded)
        }
        var detector = try AnomalyDetector(settings: settings, cadence: cadence)
        var output: [UInt8] = []
        for point in points {
            let reading: AnomalyReading?
            do {
                reading = try detector.append(at: Date(timeIntervalSince1970: TimeInterval(point.seconds)), value: point.value)
            } catch {
                // Nothing is written for a series refused part-way: flags
                // from a file with a wrong line would look like a full answer.
                throw Self.refusal(line: point.line, error.issues[0].coded)
            }
            if let reading, reading.flagged { Self.append(reading, to: &output) }
        }
        FileHandle.standardOutput.write(Data(output))
    }

    private static func refusal(line: Int, _ message: CodedMessage) -> CommandLineProblem {
        CommandLineProblem("anomalies: line \(line): \(message.english)", usage: true)
    }

    /// `{"at","value","expected","low","high","score"}` in that order; the
    /// band to four decimals and the score to two, which is as precise as a
    /// median of a few noisy points deserves.
    static func append(_ reading: AnomalyReading, to output: inout [UInt8]) {
        output += Array("{\"at\":".utf8)
        JSONText.append(reading.at.formatted(.iso8601), to: &output)
        output += Array(",\"value\":\(number(reading.value)),\"expected\":\(number(reading.expected, places: 4))".utf8)
        output += Array(",\"low\":\(number(reading.low, places: 4)),\"high\":\(number(reading.high, places: 4))".utf8)
        output += Array(",\"score\":\(number(reading.score, places: 2))}\n".utf8)
    }

    /// A JSON number: whole values without a fraction (`120`, not `120.0`).
    static func number(_ value: Double, places: Int? = nil) -> String {
        var value = value
        if let places {
            let scale = pow(10, Double(places))
            let rounded = (value * scale).rounded() / scale
            if rounded.isFinite { value = rounded }
        }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
