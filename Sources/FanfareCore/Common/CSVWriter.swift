import Foundation

/// RFC 4180 CSV with one guard added: a cell that a spreadsheet would run as
/// a formula (starting with = + - @ or a tab) is prefixed with a quote mark,
/// because exports are opened in Excel by the people we export for.
public struct CSVWriter: Sendable {
    public private(set) var text: String = ""

    public init(header: [String]) {
        append(header)
    }

    public mutating func append(_ row: [String]) {
        text += row.map(Self.cell).joined(separator: ",") + "\r\n"
    }

    public static func cell(_ raw: String) -> String {
        var value = raw
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
