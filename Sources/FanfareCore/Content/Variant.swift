import Foundation

/// One attachment as the rules see it.
public struct MediaAttachment: Sendable, Equatable, Codable {
    public var kind: MediaKind
    public var bytes: Int
    /// What the file really is and its size in pixels, when it was
    /// uploaded into the library (an asset registered by its address only
    /// has a kind and a size in bytes).
    public var format: MediaFormat?
    public var width: Int?
    public var height: Int?

    public init(kind: MediaKind, bytes: Int, format: MediaFormat? = nil, width: Int? = nil, height: Int? = nil) {
        self.kind = kind
        self.bytes = bytes
        self.format = format
        self.width = width
        self.height = height
    }
}

/// What is published to one account: the platform's version of a piece of
/// content.
public struct Variant: Sendable, Equatable, Codable {
    public var title: String?
    public var text: String
    /// Tags kept outside the text (platforms with a tags field).
    public var tags: [String]
    public var media: [MediaAttachment]

    public init(title: String? = nil, text: String, tags: [String] = [], media: [MediaAttachment] = []) {
        self.title = title
        self.text = text
        self.tags = tags
        self.media = media
    }
}

/// A rule a variant breaks, where, and how badly.
public struct RuleViolation: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable { case error, warning }

    /// A stable identifier of the rule, e.g. `text.too_long`.
    public var rule: String
    /// `text`, `title`, `media[2]` or `tags`.
    public var field: String
    public var severity: Severity
    /// What is wrong and what would be accepted, as a code and arguments.
    public var coded: CodedMessage
    /// The same in English.
    public var message: String { coded.english }
    /// Where in the field, for text fields.
    public var span: TextSpan?

    public init(rule: String, field: String, severity: Severity = .error, _ coded: CodedMessage, span: TextSpan? = nil) {
        self.rule = rule
        self.field = field
        self.severity = severity
        self.coded = coded
        self.span = span
    }

    private enum CodingKeys: String, CodingKey { case rule, field, severity, message, messageCode, messageArguments, span }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rule = try container.decode(String.self, forKey: .rule)
        field = try container.decode(String.self, forKey: .field)
        severity = try container.decode(Severity.self, forKey: .severity)
        coded = try container.decodeCodedMessage(code: .messageCode, arguments: .messageArguments)
        span = try container.decodeIfPresent(TextSpan.self, forKey: .span)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(field, forKey: .field)
        try container.encode(severity, forKey: .severity)
        try container.encode(coded, message: .message, code: .messageCode, arguments: .messageArguments)
        try container.encodeIfPresent(span, forKey: .span)
    }
}
