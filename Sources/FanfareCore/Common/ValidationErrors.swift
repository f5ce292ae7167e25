import Foundation

/// One problem with one input field, in words that say what would be
/// accepted: a stable code and its arguments (`coded`), written in English
/// for the API (`message`) and in the reader's language on pages.
public struct FieldIssue: Sendable, Equatable, Codable {
    public let field: String
    public let coded: CodedMessage

    public init(field: String, _ coded: CodedMessage) {
        self.field = field
        self.coded = coded
    }

    /// The stable name of the problem, such as `length_between`.
    public var code: MessageCode { coded.code }
    /// The problem in English, made from the code and its arguments.
    public var message: String { coded.english }

    private enum CodingKeys: String, CodingKey { case field, code, message, arguments }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        field = try container.decode(String.self, forKey: .field)
        coded = try CodedMessage(from: decoder)
    }

    /// `{field, code, message, arguments}`: the English sentence for people
    /// reading the API, the code and arguments for clients that write it in
    /// their own language.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(field, forKey: .field)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        if !coded.arguments.isEmpty { try container.encode(coded.arguments, forKey: .arguments) }
    }
}

/// A set of field problems. Validators collect every problem before
/// throwing, so a form or an API client learns about all of them at once.
public struct ValidationErrors: Error, Sendable, Equatable {
    public var issues: [FieldIssue]

    public init(_ issues: [FieldIssue] = []) {
        self.issues = issues
    }

    public init(_ field: String, _ message: CodedMessage) {
        self.issues = [FieldIssue(field: field, message)]
    }

    public var isEmpty: Bool { issues.isEmpty }

    public mutating func add(_ field: String, _ message: CodedMessage) {
        issues.append(FieldIssue(field: field, message))
    }

    /// Runs `check`, keeping its value or recording its issues.
    public mutating func collect<T>(_ check: () throws(ValidationErrors) -> T) -> T? {
        do {
            return try check()
        } catch {
            issues.append(contentsOf: error.issues)
            return nil
        }
    }

    public func throwIfAny() throws(ValidationErrors) {
        if !issues.isEmpty { throw self }
    }

    /// Every issue as one message ("seed must …; winners must …"), for a
    /// place with room for one line: a CSV row, a decoding error, a command
    /// line. `each` writes one issue (`.fieldSays`, `.atPath`); nil when
    /// there is none.
    public func joined(_ each: (FieldIssue) -> CodedMessage) -> CodedMessage? {
        guard let last = issues.last else { return nil }
        return issues.dropLast().reversed().reduce(each(last)) { rest, issue in .problemsJoined(first: each(issue), rest: rest) }
    }
}
