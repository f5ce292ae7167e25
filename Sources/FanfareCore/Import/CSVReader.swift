import Foundation

/// One CSV record and the line of the file it starts on (1-based; a quoted
/// field with line breaks makes a record span several lines).
public struct CSVRecord: Sendable, Equatable {
    public var line: Int
    public var fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// RFC 4180 CSV, read the way spreadsheets write it: fields in double
/// quotes may hold commas, line breaks and doubled quotes; records end with
/// CRLF, LF or a lone CR; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is
/// dropped. Lenient where nothing is lost: a quote inside an unquoted field
/// or text after a closing quote is kept as written. Empty lines at the end
/// are dropped.
public enum CSVReader {
    public static func parse(_ text: String) throws(ValidationErrors) -> [[String]] {
        try records(text).map(\.fields)
    }

    public static func records(_ text: String) throws(ValidationErrors) -> [CSVRecord] {
        let (records, unclosed) = scan(text)
        if let unclosed { throw unclosedQuote(at: unclosed) }
        return records
    }

    static func unclosedQuote(at line: Int) -> ValidationErrors {
        ValidationErrors("file", .importUnclosedQuoteAt(line: line))
    }

    /// The records, or the line of a quote that is never closed.
    static func scan(_ text: String) -> (records: [CSVRecord], unclosedQuoteLine: Int?) {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var quoted = false
        var quoteLine = 1
        var fieldStarted = false
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return iterator.next()
        }
        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            fieldStarted = false
        }
        // Blank lines, as opposed to lines of empty cells like `,` or `""`.
        var blank: Set<Int> = []
        func endRecord() {
            if fields.isEmpty, field.isEmpty, !fieldStarted { blank.insert(records.count) }
            endField()
            records.append(CSVRecord(line: recordLine, fields: fields))
            fields = []
        }

        while let scalar = next() {
            if quoted {
                switch scalar {
                case "\"":
                    if let following = next() {
                        if following == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = following
                        }
                    } else {
                        quoted = false
                    }
                case "\r":
                    // A CRLF inside quotes is one line break, kept as written.
                    field.append(scalar)
                    if let following = next() {
                        if following == "\n" { field.append(following) } else { pending = following }
                    }
                    line += 1
                case "\n":
                    field.append(scalar)
                    line += 1
                default:
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                endField()
            case "\"" where !fieldStarted:
                quoted = true
                fieldStarted = true
                quoteLine = line
            case "\r", "\n":
                if scalar == "\r", let following = next(), following != "\n" { pending = following }
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(scalar)
                fieldStarted = true
            }
        }
        if quoted { return ([], quoteLine) }
        if fieldStarted || !fields.isEmpty || !field.isEmpty {
            endRecord()
        }
        while !records.isEmpty, blank.contains(records.count - 1) {
            records.removeLast()
        }
        return (records, nil)
    }
}
