import Foundation

/// Reading and writing lexicon files.
///
/// - TXT: one term a line; every term gets the default category and
///   severity. Empty lines and lines starting with `#` are ignored.
/// - CSV: `term,category,severity[,scope]`, with an optional header line
///   starting with `term`. Empty category, severity or scope take the
///   defaults.
///
/// A file is read whole: each line's problems are collected and reported
/// with the line number, and the good lines are still returned, so a
/// caller decides whether one bad line stops an import (the server's
/// import does) or not (the command line reports and goes on).
public enum LexiconFile {
    public enum Format: String, Sendable, CaseIterable {
        case txt
        case csv

        /// The format a file name's extension names; nil when it names none.
        public init?(fileName: String) {
            switch (fileName as NSString).pathExtension.lowercased() {
            case "txt", "text", "lst": self = .txt
            case "csv": self = .csv
            default: return nil
            }
        }
    }

    public struct Defaults: Sendable {
        public var category: String
        public var severity: ModerationSeverity
        public var scope: ModerationScope

        public init(category: String = "risk", severity: ModerationSeverity = .block, scope: ModerationScope = .all) {
            self.category = category
            self.severity = severity
            self.scope = scope
        }
    }

    public struct LineProblem: Sendable, Equatable, Error {
        public var line: Int
        public var coded: CodedMessage
        /// The problem in English (the command line's language).
        public var message: String { coded.english }

        public init(line: Int, _ coded: CodedMessage) {
            self.line = line
            self.coded = coded
        }
    }

    public struct Parsed: Sendable {
        public var terms: [LexiconTerm]
        /// The line each term came from, parallel to `terms`.
        public var lines: [Int]
        /// Each term's folded form (`LexiconTerm.key`), parallel to `terms`.
        public var keys: [String]
        public var problems: [LineProblem]
    }

    public static func parse(_ text: String, format: Format, defaults: Defaults = Defaults()) -> Parsed {
        var parsed = Parsed(terms: [], lines: [], keys: [], problems: [])
        var seen: [String: Int] = [:]
        func add(_ term: LexiconTerm, line: Int) {
            let key = term.key
            let problems = term.problems(key: key)
            if !problems.isEmpty {
                parsed.problems.append(LineProblem(line: line, problems.joined { .fieldSays(field: $0.field, message: $0.coded) }!))
                return
            }
            if let first = seen[key] {
                parsed.problems.append(LineProblem(line: line, .lexiconTermRepeats(term: term.term, line: first)))
                return
            }
            seen[key] = line
            parsed.terms.append(term)
            parsed.lines.append(line)
            parsed.keys.append(key)
        }
        switch format {
        case .txt:
            for (number, term) in entryLines(text) {
                add(LexiconTerm(term: term, category: defaults.category, severity: defaults.severity, scope: defaults.scope), line: number)
            }
        case .csv:
            let (records, unclosed) = CSVReader.scan(text)
            for record in records {
                let fields = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
                if fields.allSatisfy(\.isEmpty) { continue }
                if record.line == 1, fields.first?.lowercased() == "term" { continue }
                if fields.count > 4 {
                    parsed.problems.append(LineProblem(line: record.line, .lexiconFieldCount(count: fields.count)))
                    continue
                }
                let category = fields.count > 1 && !fields[1].isEmpty ? fields[1] : defaults.category
                var messages = ValidationErrors()
                var severity = defaults.severity
                if fields.count > 2, !fields[2].isEmpty {
                    if let value = ModerationSeverity(rawValue: fields[2].lowercased()) {
                        severity = value
                    } else {
                        messages.add("severity", .lexiconSeverity(value: fields[2]))
                    }
                }
                var scope = defaults.scope
                if fields.count > 3, !fields[3].isEmpty {
                    if let value = ModerationScope(rawValue: fields[3].lowercased()) {
                        scope = value
                    } else {
                        messages.add("scope", .lexiconScope(value: fields[3]))
                    }
                }
                if let message = messages.joined(\.coded) {
                    parsed.problems.append(LineProblem(line: record.line, message))
                    continue
                }
                add(LexiconTerm(term: fields[0], category: category, severity: severity, scope: scope), line: record.line)
            }
            if let unclosed {
                parsed.problems.append(LineProblem(line: unclosed, .importUnclosedQuote))
            }
        }
        parsed.problems.sort { $0.line < $1.line }
        return parsed
    }

    /// An allow-list file: one phrase a line, `#` comments.
    public static func parseAllowList(_ text: String) -> (phrases: [String], problems: [LineProblem]) {
        var phrases: [String] = []
        var problems: [LineProblem] = []
        for (number, phrase) in entryLines(text) {
            if TextFolding.fold(phrase).isEmpty {
                problems.append(LineProblem(line: number, .phraseNothingLeft))
                continue
            }
            phrases.append(phrase)
        }
        return (phrases, problems)
    }

    /// The non-empty lines of a one-entry-a-line file with their numbers
    /// (1-based), trimmed, without `#` comments or a byte-order mark.
    static func entryLines(_ text: String) -> [(Int, String)] {
        var result: [(Int, String)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var entry = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if index == 0, entry.hasPrefix("\u{FEFF}") { entry.removeFirst() }
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            result.append((index + 1, entry))
        }
        return result
    }

    /// CSV with a header, the format `parse(_:format: .csv)` reads back.
    public static func csv(_ terms: [LexiconTerm]) -> String {
        var writer = CSVWriter(header: ["term", "category", "severity", "scope"])
        for term in terms { writer.append([term.term, term.category, term.severity.rawValue, term.scope.rawValue]) }
        return writer.text
    }

    /// The lexicon Fanfare ships, layered under every workspace's own.
    public static var baseCSV: String { BaseLexicon.csv }
    public static let base: [LexiconTerm] = parse(BaseLexicon.csv, format: .csv).terms
    public static let baseAllow: [String] = parseAllowList(BaseLexicon.allow).phrases
}
