import Foundation

/// One value a coded message speaks of, typed so that each language can
/// write it its own way (a list joined with ", " in English and "、" in
/// Chinese) while the value itself stays as it was.
public enum MessageArgument: Sendable, Hashable {
    /// A whole number; written with thousands separators from 1,000 on.
    case int(Int)
    /// Words written as they are: a name, a value the person typed, an id.
    case text(String)
    /// Items written as they are, listed: "a, b, c" / "a、b、c".
    case list([String])
    /// Items of which one is wanted: "a, b or c" / "a、b 或 c".
    case choices([String])
    /// An instant, written in ISO 8601 (UTC) in every language.
    case time(Date)
    /// A size in bytes, written in MB with one decimal.
    case bytes(Int)
    /// Another coded message inside this one ("line 3: must not be
    /// empty"), written in the same language.
    indirect case message(CodedMessage)

    /// The argument as `locale` writes it; `templates` gives a nested
    /// message's template in that language.
    public func text(_ locale: UILocale, templates: (MessageCode) -> String) -> String {
        switch self {
        case .int(let value): Self.grouped(value)
        case .text(let value): value
        case .list(let items): items.joined(separator: locale == .zhHans ? "、" : ", ")
        case .choices(let items):
            switch (items.count, locale) {
            case (0, _): ""
            case (1, _): items[0]
            case (_, .zhHans): items.dropLast().joined(separator: "、") + " 或 " + items.last!
            case (_, .en): items.dropLast().joined(separator: ", ") + " or " + items.last!
            }
        case .time(let date): date.formatted(.iso8601)
        case .bytes(let count): String(format: "%.1f MB", Double(count) / 1_048_576)
        case .message(let message): message.rendered(locale, templates: templates)
        }
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        guard digits.count > 3 else { return String(value) }
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

extension MessageArgument: Codable {
    /// In JSON as a number (`int`, `bytes`), a string (`text`, `time` in
    /// RFC 3339) or a list of strings (`list`, `choices`): what a client
    /// needs to write the message in its own language.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value), .bytes(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .list(let items), .choices(let items): try container.encode(items)
        case .time(let date): try container.encode(date.formatted(.iso8601))
        case .message(let message): try container.encode(message)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let items = try? container.decode([String].self) {
            self = .list(items)
        } else if let message = try? container.decode(CodedMessage.self) {
            self = .message(message)
        } else {
            self = .text(try container.decode(String.self))
        }
    }
}

/// A sentence for a person kept as a stable code and its typed arguments,
/// never as English text: the API writes it in English (`english`), pages
/// in the reader's language, looked up by code. Made only through the
/// constructors beside `MessageCode` (`.lengthBetween(min: 1, max: 80)`),
/// so every message has a code and exactly the arguments its templates use.
public struct CodedMessage: Sendable, Hashable {
    public let code: MessageCode
    public let arguments: [String: MessageArgument]

    init(_ code: MessageCode, _ arguments: [String: MessageArgument] = [:]) {
        assert(
            Set(arguments.keys) == MessageTemplate.placeholders(in: code.english),
            "\(code.rawValue) takes \(MessageTemplate.placeholders(in: code.english).sorted()), not \(arguments.keys.sorted())")
        self.code = code
        self.arguments = arguments
    }

    /// The message in English: the API's language, and the fallback of
    /// every other.
    public var english: String { rendered(.en) { $0.english } }

    /// The message in `locale`, with `templates` giving that language's
    /// template for a code (for this message and any nested in it).
    public func rendered(_ locale: UILocale, templates: (MessageCode) -> String) -> String {
        MessageTemplate.render(templates(code), arguments, locale: locale, templates: templates)
    }
}

extension CodedMessage: Codable {
    private enum CodingKeys: String, CodingKey { case code, arguments }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(MessageCode.self, forKey: .code)
        arguments = try container.decodeIfPresent([String: MessageArgument].self, forKey: .arguments) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        if !arguments.isEmpty { try container.encode(arguments, forKey: .arguments) }
    }
}

/// Templates of coded messages: text with `{name}` where an argument goes.
/// A brace not followed by a placeholder's name and a closing brace is
/// literal, so templates can speak of `{fan_name}` and JSON objects.
public enum MessageTemplate {
    /// The argument names a template uses.
    public static func placeholders(in template: String) -> Set<String> {
        var names: Set<String> = []
        scan(template) { piece in
            if case .placeholder(let name) = piece { names.insert(name) }
        }
        return names
    }

    /// The template with each `{name}` replaced by its argument as `locale`
    /// writes it. A name without an argument stays as written.
    public static func render(
        _ template: String, _ arguments: [String: MessageArgument], locale: UILocale, templates: (MessageCode) -> String
    ) -> String {
        var result = ""
        scan(template) { piece in
            switch piece {
            case .literal(let text): result += text
            case .placeholder(let name): result += arguments[name].map { $0.text(locale, templates: templates) } ?? "{\(name)}"
            }
        }
        return result
    }

    private enum Piece {
        case literal(Substring)
        case placeholder(String)
    }

    private static func scan(_ template: String, _ visit: (Piece) -> Void) {
        var index = template.startIndex
        var literalStart = index
        while index < template.endIndex {
            guard template[index] == "{" else {
                index = template.index(after: index)
                continue
            }
            var end = template.index(after: index)
            while end < template.endIndex, template[end].isASCII, template[end].isLowercase || template[end].isNumber || template[end] == "_" {
                end = template.index(after: end)
            }
            let name = template[template.index(after: index)..<end]
            if !name.isEmpty, end < template.endIndex, template[end] == "}" {
                visit(.literal(template[literalStart..<index]))
                visit(.placeholder(String(name)))
                index = template.index(after: end)
                literalStart = index
            } else {
                index = template.index(after: index)
            }
        }
        visit(.literal(template[literalStart..<template.endIndex]))
    }
}

/// A decoding failure that says, as a coded message, what would have been
/// accepted. Attached as the underlying error of a `DecodingError`, so the
/// API names the field and the message keeps its code.
public struct CodedDecodingFailure: Error, Sendable {
    public let message: CodedMessage

    public init(_ message: CodedMessage) {
        self.message = message
    }
}

extension KeyedEncodingContainer {
    /// A coded message in a JSON object of its own kind (a warning, a
    /// broken rule): the English sentence as `message` for people, the code
    /// and arguments beside it for clients that write it in their language.
    public mutating func encode(_ coded: CodedMessage, message: Key, code: Key, arguments: Key) throws {
        try encode(coded.english, forKey: message)
        try encode(coded.code, forKey: code)
        if !coded.arguments.isEmpty { try encode(coded.arguments, forKey: arguments) }
    }
}

extension KeyedDecodingContainer {
    /// The coded message `encode(_:message:code:arguments:)` wrote.
    public func decodeCodedMessage(code: Key, arguments: Key) throws -> CodedMessage {
        CodedMessage(try decode(MessageCode.self, forKey: code), try decodeIfPresent([String: MessageArgument].self, forKey: arguments) ?? [:])
    }
}

extension DecodingError {
    /// `dataCorrupted` at the container's path, carrying `message`.
    public static func coded(_ message: CodedMessage, at codingPath: [any CodingKey]) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: message.english, underlyingError: CodedDecodingFailure(message)))
    }
}
