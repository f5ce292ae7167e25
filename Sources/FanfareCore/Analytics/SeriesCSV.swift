import Foundation

/// One series as text, `timestamp,value` a line, as `fanfare anomalies`
/// reads it: the shape the data exports and scripts already have.
///
/// - A timestamp is RFC 3339 (`2026-03-02T09:00:00Z`, or with an offset),
///   a date (`2026-03-02`, midnight UTC: daily exports write days), or whole
///   Unix seconds (`1772442000`). Eight digits are seconds, not a date.
/// - A value is a finite decimal number (`42`, `-3.5`, `1e3`); `nan`,
///   `inf` and hexadecimal are refused, since no export writes them and
///   they would poison a median.
/// - The first non-blank line is a header when its timestamp does not read
///   as one and its value is not a number (`timestamp,value`, `date,fans`).
/// - Blank lines are skipped; fields may be wrapped in double quotes and
///   surrounded by spaces; a trailing carriage return is ignored.
public enum SeriesCSV {
    public struct Point: Sendable, Equatable {
        /// The line it came from, counted from 1.
        public let line: Int
        /// Unix seconds.
        public let seconds: Int64
        public let value: Double
    }

    /// A line that cannot be read, and what would have been accepted.
    public struct LineProblem: Error, Sendable, Equatable {
        public let line: Int
        public let message: CodedMessage

        public init(line: Int, message: CodedMessage) {
            self.line = line
            self.message = message
        }
    }

    /// The points in the order written, or the first line that cannot be
    /// read (a series with one wrong line has no trustworthy baseline, so
    /// none is guessed).
    public static func parse(_ text: String) throws(LineProblem) -> [Point] {
        var points: [Point] = []
        var seenData = false
        // "\r\n" is one Character in Swift, so both endings are named.
        for (offset, content) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = offset + 1
            if content.allSatisfy(\.isWhitespace) { continue }
            let fields = content.split(separator: ",", omittingEmptySubsequences: false).map(Self.field)
            guard fields.count == 2 else { throw LineProblem(line: line, message: .seriesLine(count: fields.count)) }
            let seconds = Self.seconds(fields[0])
            let value = Self.number(fields[1])
            if !seenData, seconds == nil, value == nil {
                seenData = true
                continue
            }
            seenData = true
            guard let seconds else {
                throw LineProblem(
                    line: line, message: .fieldSays(field: "timestamp", message: .timeUnreadable(value: fields[0], accepted: .seriesTimeAccepted)))
            }
            guard let value else { throw LineProblem(line: line, message: .fieldSays(field: "value", message: .seriesValue(value: fields[1]))) }
            points.append(Point(line: line, seconds: seconds, value: value))
        }
        return points
    }

    private static func field(_ text: Substring) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") { trimmed = String(trimmed.dropFirst().dropLast()) }
        return trimmed
    }

    /// Unix seconds of an RFC 3339 time, a date, or whole seconds.
    /// Nil also for an instant RFC 3339 cannot write back (outside years
    /// 1 to 9999), since flagged points are written that way.
    static func seconds(_ text: String) -> Int64? {
        if !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) {
            guard let seconds = Int64(text), APITime.isWritable(Date(timeIntervalSince1970: TimeInterval(seconds))) else { return nil }
            return seconds
        }
        if text.utf8.count == 10, let date = APITime.parse(text + "T00:00:00Z") { return Int64(date.timeIntervalSince1970.rounded()) }
        return APITime.parse(text).map { Int64($0.timeIntervalSince1970.rounded()) }
    }

    /// A decimal number: sign, digits, an optional fraction and exponent.
    static func number(_ text: String) -> Double? {
        guard text.wholeMatch(of: #/[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?/#) != nil, let value = Double(text), value.isFinite else {
            return nil
        }
        return value
    }
}
