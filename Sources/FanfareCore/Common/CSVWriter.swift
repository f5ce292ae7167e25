import Foundation

/// RFC 4180 CSV with one guard added: a cell that a spreadsheet would run as
/// a formula (starting with = + - @ or a tab) is prefixed with a quote mark,
/// because exports are opened in Excel by the people we export for. A cell
/// that is a plain decimal number (`-5`, `+3`, `-0.25`) is left as it is, so
/// that negative numbers stay numbers in the spreadsheet.
public struct CSVWriter: Sendable {
    public private(set) var text: String = ""

    public init(header: [String]) {
        append(header)
    }

    public mutating func append(_ row: [String]) {
        text += row.map(Self.cell).joined(separator: ",") + "\r\n"
    }

    /// A number in a cell, ready for a spreadsheet to compute with: whole
    /// numbers without a decimal point (`12`, `-3`), others as Swift writes
    /// them (`0.0234`), never thousands separators, 万 or a unit; empty for
    /// no value or one that is not finite. Every CSV export writes its
    /// numbers through this.
    public static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    public static func cell(_ raw: String) -> String {
        var value = raw
        if let first = value.first, "=+-@\t\r".contains(first), !isPlainNumber(value) { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }

    /// An optional sign, digits, at most one decimal point and nothing else.
    static func isPlainNumber(_ value: String) -> Bool {
        let body = value.drop { $0 == "-" || $0 == "+" }
        guard value.count - body.count == 1, !body.isEmpty, body.filter({ $0 == "." }).count <= 1 else { return false }
        return body.allSatisfy { $0 == "." || ("0"..."9").contains($0) } && body.contains { $0 != "." }
    }
}
