import Foundation

/// One post read from an import file, ready for the server to resolve its
/// accounts and create it.
public struct ImportedPost: Sendable, Equatable, Codable {
    /// The line of the file the row starts on, for messages.
    public var line: Int
    public var title: String?
    public var text: String
    /// Account handles or ids as written, in order, without repeats; the
    /// server resolves them.
    public var accounts: [String]
    public var scheduledAt: Date?
    public var pillar: Pillar?
    public var format: ContentFormat?
    public var pool: ContentPool?
    public var topic: String?
    public var tags: [String]
    public var campaign: String?

    public init(
        line: Int, title: String? = nil, text: String, accounts: [String], scheduledAt: Date? = nil, pillar: Pillar? = nil,
        format: ContentFormat? = nil, pool: ContentPool? = nil, topic: String? = nil, tags: [String] = [], campaign: String? = nil
    ) {
        self.line = line
        self.title = title
        self.text = text
        self.accounts = accounts
        self.scheduledAt = scheduledAt
        self.pillar = pillar
        self.format = format
        self.pool = pool
        self.topic = topic
        self.tags = tags
        self.campaign = campaign
    }
}

/// A problem with one cell (or the header, or the file as a whole).
public struct RowError: Sendable, Equatable, Codable {
    /// The line of the file; 1 is the header.
    public var line: Int
    /// A column name, `header` or `file`.
    public var field: String
    public var coded: CodedMessage
    /// The problem in English.
    public var message: String { coded.english }

    public init(line: Int, field: String, _ coded: CodedMessage) {
        self.line = line
        self.field = field
        self.coded = coded
    }

    private enum CodingKeys: String, CodingKey { case line, field, message, messageCode, messageArguments }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        line = try container.decode(Int.self, forKey: .line)
        field = try container.decode(String.self, forKey: .field)
        coded = try container.decodeCodedMessage(code: .messageCode, arguments: .messageArguments)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(field, forKey: .field)
        try container.encode(coded, message: .message, code: .messageCode, arguments: .messageArguments)
    }
}

public struct PostImportResult: Sendable, Equatable, Codable {
    public var rows: [ImportedPost]
    public var errors: [RowError]

    public init(rows: [ImportedPost], errors: [RowError]) {
        self.rows = rows
        self.errors = errors
    }

    /// Import all or nothing: a file with any error imports no row, so a
    /// corrected file can be imported again without duplicates.
    public var isAcceptable: Bool { errors.isEmpty && !rows.isEmpty }
}

/// Reads a CSV file of posts to create (bulk scheduling).
public enum PostImport {
    public static let columns = ["title", "text", "accounts", "scheduled_at", "pillar", "format", "pool", "topic", "tags", "campaign"]
    public static let requiredColumns = ["text", "accounts"]
    public static let maximumRows = 1_000
    public static let maximumFieldLength = 10_000

    /// Every problem of the file is listed, not just the first, each with
    /// its line. A header problem stops the reading of rows: without the
    /// right columns every row would be wrong.
    public static func rows(from csv: String, timeZone: TimeZone, now: Date) -> PostImportResult {
        let (records, unclosed) = CSVReader.scan(csv)
        if let unclosed {
            let issue = CSVReader.unclosedQuote(at: unclosed).issues[0]
            return PostImportResult(rows: [], errors: [RowError(line: unclosed, field: issue.field, issue.coded)])
        }
        guard let header = records.first else {
            return PostImportResult(
                rows: [],
                errors: [
                    RowError(line: 1, field: "file", .importHeaderEmpty(columns: requiredColumns))
                ])
        }

        var errors: [RowError] = []
        var positions: [String: Int] = [:]
        var unknown: [String] = []
        for (index, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if !columns.contains(name) {
                unknown.append(raw.trimmingCharacters(in: .whitespacesAndNewlines))
            } else if positions[name] != nil {
                errors.append(RowError(line: header.line, field: "header", .importColumnTwice(name: name)))
            } else {
                positions[name] = index
            }
        }
        if !unknown.isEmpty {
            errors.append(
                RowError(line: header.line, field: "header", .importUnknownColumns(names: unknown.map { "\"\($0)\"" }, columns: columns)))
        }
        let missing = requiredColumns.filter { positions[$0] == nil }
        if !missing.isEmpty {
            errors.append(
                RowError(line: header.line, field: "header", .importMissingColumns(columns: missing)))
        }
        guard errors.isEmpty else { return PostImportResult(rows: [], errors: errors) }

        let data = records.dropFirst().filter { !$0.fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        if data.isEmpty {
            return PostImportResult(rows: [], errors: [RowError(line: header.line + 1, field: "file", .importNoRows)])
        }
        if data.count > maximumRows {
            return PostImportResult(
                rows: [],
                errors: [
                    RowError(
                        line: data[data.startIndex + maximumRows].line, field: "file", .importTooManyRows(count: data.count, max: maximumRows))
                ])
        }

        var posts: [ImportedPost] = []
        for record in data {
            if record.fields.count > header.fields.count {
                errors.append(
                    RowError(line: record.line, field: "file", .importCellCount(cells: record.fields.count, columns: header.fields.count)))
                continue
            }
            var rowErrors: [RowError] = []
            func cell(_ name: String) -> String {
                guard let index = positions[name], index < record.fields.count else { return "" }
                let value = record.fields[index]
                if value.count > maximumFieldLength {
                    // Reported once, however often the cell is read.
                    if rowErrors.contains(where: { $0.field == name }) { return "" }
                    rowErrors.append(RowError(line: record.line, field: name, .lengthIsAtMost(count: value.count, max: maximumFieldLength)))
                    return ""
                }
                return value
            }
            func optional(_ name: String) -> String? {
                let value = cell(name).trimmingCharacters(in: .whitespacesAndNewlines)
                return value.isEmpty ? nil : value
            }
            func parsed<T>(_ name: String, _ parse: (String) throws(ValidationErrors) -> T) -> T? {
                guard let raw = optional(name) else { return nil }
                do {
                    return try parse(raw)
                } catch {
                    rowErrors += error.issues.map { RowError(line: record.line, field: name, $0.coded) }
                    return nil
                }
            }

            let text = cell("text")
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !rowErrors.contains(where: { $0.field == "text" }) {
                rowErrors.append(RowError(line: record.line, field: "text", .importTextRequired))
            }
            let accounts = list(cell("accounts"))
            if accounts.isEmpty, !rowErrors.contains(where: { $0.field == "accounts" }) {
                rowErrors.append(RowError(line: record.line, field: "accounts", .importAccountsRequired))
            }
            var scheduledAt: Date?
            if let raw = optional("scheduled_at") {
                do {
                    let at = try parseTime(raw, timeZone: timeZone)
                    if at <= now {
                        rowErrors.append(RowError(line: record.line, field: "scheduled_at", .importTimePast(value: raw)))
                    } else {
                        scheduledAt = at
                    }
                } catch {
                    rowErrors += error.issues.map { RowError(line: record.line, field: "scheduled_at", $0.coded) }
                }
            }
            let pillar = parsed("pillar") { (raw) throws(ValidationErrors) in try Pillar(validating: raw) }
            let format = parsed("format") { (raw) throws(ValidationErrors) in try ContentFormat(validating: raw) }
            let pool = parsed("pool") { (raw) throws(ValidationErrors) in try ContentPool(validating: raw) }
            let tags = list(cell("tags")).compactMap { tag -> String? in
                let stripped = tag.trimmingCharacters(in: CharacterSet(charactersIn: "#＃").union(.whitespaces))
                return stripped.isEmpty ? nil : stripped
            }
            let post = ImportedPost(
                line: record.line, title: optional("title"), text: text, accounts: accounts, scheduledAt: scheduledAt, pillar: pillar,
                format: format, pool: pool, topic: optional("topic"), tags: unique(tags), campaign: optional("campaign"))
            if rowErrors.isEmpty {
                posts.append(post)
            } else {
                errors += rowErrors
            }
        }
        return PostImportResult(rows: posts, errors: errors)
    }

    /// Accepts ISO 8601 with an offset (`2025-03-10T09:30:00+08:00`,
    /// `…Z`, with or without seconds and fractions) or a wall-clock time
    /// `YYYY-MM-DD HH:mm` (or with `T`, or with `:ss`) in the workspace time
    /// zone. A wall-clock time that does not exist (skipped when summer time
    /// starts) is refused; a repeated one (when it ends) is taken the first
    /// time it occurs.
    public static func parseTime(_ raw: String, timeZone: TimeZone, field: String = "scheduled_at") throws(ValidationErrors) -> Date {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let pattern =
            #/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/#
        let accepted = CodedMessage.importTimeAccepted(zone: timeZone.identifier)
        guard let match = try? pattern.wholeMatch(in: text) else {
            throw ValidationErrors(field, .timeUnreadable(value: raw, accepted: accepted))
        }
        let out = match.output
        guard let year = Int(out.1), let month = Int(out.2), let day = Int(out.3), let hour = Int(out.4), let minute = Int(out.5),
            (0...23).contains(hour), (0...59).contains(minute)
        else {
            throw ValidationErrors(field, .timeUnreadable(value: raw, accepted: accepted))
        }
        let second = out.6.flatMap { Int($0) } ?? 0
        guard (0...59).contains(second), (try? CalendarDate(year: year, month: month, day: day)) != nil else {
            throw ValidationErrors(field, .timeNotReal(value: raw, accepted: accepted))
        }
        var zone = timeZone
        if let offset = out.7 {
            if offset == "Z" {
                zone = TimeZone(identifier: "UTC")!
            } else {
                let digits = offset.dropFirst().replacingOccurrences(of: ":", with: "")
                let hours = Int(digits.prefix(2))!
                let minutes = Int(digits.suffix(2))!
                guard hours <= 18, minutes <= 59, let fixed = TimeZone(secondsFromGMT: (offset.first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
                else {
                    throw ValidationErrors(field, .timeOffsetNotReal(value: raw, accepted: accepted))
                }
                zone = fixed
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components) else {
            throw ValidationErrors(field, .timeUnreadable(value: raw, accepted: accepted))
        }
        let fraction = fractionalSeconds(text)
        // Calendar moves a time in the summer-time gap forward an hour; the
        // round trip shows it, and the person should pick a real time.
        let check = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        if check.hour != hour || check.minute != minute || check.day != day {
            throw ValidationErrors(field, .timeSkipped(value: raw, zone: zone.identifier))
        }
        return date.addingTimeInterval(fraction)
    }

    private static func fractionalSeconds(_ text: String) -> TimeInterval {
        guard let match = text.firstMatch(of: #/:\d{2}(\.\d{1,9})/#) else { return 0 }
        return TimeInterval("0" + match.output.1) ?? 0
    }

    /// A cell holding a list (accounts, tags, assets), read like any list
    /// a person types (`ListText`): commas, semicolons, 、 and line breaks.
    static func list(_ raw: String) -> [String] {
        ListText.items(raw)
    }

    static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
