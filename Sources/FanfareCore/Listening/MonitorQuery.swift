import Foundation

// Listening (issue 20, scope 1): what a monitor listens for. The language
// is the one 舆情 services and search boxes teach their users — phrases,
// AND / OR / NOT, parentheses — and the matching is the moderation
// engine's, so 星 巴 克, ＳＴＡＲＢＵＣＫＳ and 星巴剋 are heard as the brand.
// docs/listening.md describes it for people.

/// A monitor's query, parsed and checked.
///
/// - A phrase is a run of characters without spaces (`星巴克`, `Starbucks`)
///   or anything in quotes (`"new menu"`, `“新品 上市”`, `「新品」`).
/// - Phrases side by side must all appear (`星巴克 咖啡` is
///   `星巴克 AND 咖啡`); `OR` (or `|`) takes either; `NOT` (or a `-` right
///   before a phrase or parenthesis) excludes; parentheses group. `AND`
///   binds tighter than `OR`, as in every search box: `a OR b c` is
///   `a OR (b AND c)`. Operators are case-insensitive; full-width `（）`,
///   `｜` and `－` work as their half-width forms.
/// - A query must need at least one phrase to be present: `NOT 招聘` alone
///   would match nearly every message and is refused.
/// - Phrases are matched after folding (case, width, traditional Chinese,
///   inserted spaces and symbols); Latin words stand as whole words and
///   take their English inflections (`refund` hears `refunds`).
public struct MonitorQuery: Sendable, Equatable {
    /// The query as written.
    public let text: String
    /// Its phrases as written, in order of first appearance, each once
    /// (by folded form).
    public let phrases: [String]
    /// The folded form of each phrase, the key a match reports.
    public let keys: [String]
    let root: Node

    public static let maxLength = 1_000
    public static let maxPhrases = 50
    public static let maxDepth = 16

    indirect enum Node: Sendable, Equatable {
        case phrase(Int)
        case and([Node])
        case or([Node])
        case not(Node)
    }

    /// Parses and checks `text`; every problem is reported under `field`.
    public init(_ text: String, field: String = "query") throws(ValidationErrors) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationErrors(field, .notEmpty) }
        guard trimmed.count <= Self.maxLength else { throw ValidationErrors(field, .lengthAtMost(max: Self.maxLength)) }
        var parser = Parser(tokens: try Self.tokens(trimmed, field: field), field: field)
        let root = try parser.parse()
        guard parser.phrases.count <= Self.maxPhrases else {
            throw ValidationErrors(field, .itemsAtMost(max: Self.maxPhrases, count: parser.phrases.count))
        }
        self.text = trimmed
        self.phrases = parser.phrases
        self.keys = parser.keys
        self.root = root
        guard !matches(Set<Int>()) else { throw ValidationErrors(field, .monitorQueryNegativeOnly) }
    }

    /// Whether a text in which exactly the phrases at `found` (indices into
    /// `phrases`) were heard satisfies the query.
    public func matches(_ found: Set<Int>) -> Bool { Self.evaluate(root, found) }

    /// Whether a text whose heard phrase keys are `heard` satisfies the query.
    public func matches(keys heard: Set<String>) -> Bool {
        var found = Set<Int>()
        for (index, key) in keys.enumerated() where heard.contains(key) { found.insert(index) }
        return matches(found)
    }

    static func evaluate(_ node: Node, _ found: Set<Int>) -> Bool {
        switch node {
        case .phrase(let index): found.contains(index)
        case .and(let parts): parts.allSatisfy { evaluate($0, found) }
        case .or(let parts): parts.contains { evaluate($0, found) }
        case .not(let inner): !evaluate(inner, found)
        }
    }

    // MARK: Reading the text

    enum Token: Equatable {
        case phrase(String, position: Int)
        case and(Int), or(Int), not(Int)
        case open(Int), close(Int)
        var position: Int {
            switch self {
            case .phrase(_, let position), .and(let position), .or(let position), .not(let position), .open(let position),
                .close(let position):
                position
            }
        }
    }

    static let quotes: [Character: Character] = ["\"": "\"", "“": "”", "「": "」", "『": "』", "＂": "＂"]

    /// Positions are 1-based characters, as a person counts them.
    static func tokens(_ text: String, field: String) throws(ValidationErrors) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var index = 0
        func isSpace(_ c: Character) -> Bool { c.isWhitespace }
        func isBreak(_ c: Character) -> Bool { isSpace(c) || "()（）|｜".contains(c) || quotes[c] != nil }
        while index < characters.count {
            let c = characters[index]
            let position = index + 1
            if isSpace(c) {
                index += 1
            } else if c == "(" || c == "（" {
                tokens.append(.open(position))
                index += 1
            } else if c == ")" || c == "）" {
                tokens.append(.close(position))
                index += 1
            } else if c == "|" || c == "｜" {
                tokens.append(.or(position))
                index += 1
            } else if let closing = quotes[c] {
                guard let end = characters[(index + 1)...].firstIndex(of: closing) else {
                    throw ValidationErrors(field, .monitorQueryQuote(position: position))
                }
                tokens.append(.phrase(String(characters[(index + 1)..<end]), position: position))
                index = end + 1
            } else if (c == "-" || c == "－"), index + 1 < characters.count, !isSpace(characters[index + 1]),
                tokens.last.map({ if case .phrase = $0 { false } else { true } }) ?? true
                    || index == 0 || isSpace(characters[index - 1])
            {
                // A minus that starts a word excludes it (`-招聘`); inside a
                // word (`iPhone-15`) it is part of the phrase.
                tokens.append(.not(position))
                index += 1
            } else {
                var end = index
                while end < characters.count, !isBreak(characters[end]) { end += 1 }
                let word = String(characters[index..<end])
                switch word.uppercased() {
                case "AND": tokens.append(.and(position))
                case "OR": tokens.append(.or(position))
                case "NOT": tokens.append(.not(position))
                default: tokens.append(.phrase(word, position: position))
                }
                index = end
            }
        }
        return tokens
    }

    struct Parser {
        let tokens: [Token]
        let field: String
        var next = 0
        var depth = 0
        var phrases: [String] = []
        var keys: [String] = []

        init(tokens: [Token], field: String) {
            self.tokens = tokens
            self.field = field
        }

        mutating func parse() throws(ValidationErrors) -> Node {
            let node = try orExpression()
            if next < tokens.count {
                let token = tokens[next]
                if case .close = token { throw ValidationErrors(field, .monitorQueryParenthesis(position: token.position)) }
                throw ValidationErrors(field, .monitorQueryExpected(position: token.position))
            }
            return node
        }

        var endPosition: Int { (tokens.last?.position ?? 0) + 1 }

        mutating func orExpression() throws(ValidationErrors) -> Node {
            var parts = [try andExpression()]
            while next < tokens.count, case .or = tokens[next] {
                next += 1
                parts.append(try andExpression())
            }
            return parts.count == 1 ? parts[0] : .or(parts)
        }

        mutating func andExpression() throws(ValidationErrors) -> Node {
            var parts = [try unary()]
            while next < tokens.count {
                switch tokens[next] {
                case .and:
                    next += 1
                    parts.append(try unary())
                case .phrase, .not, .open:
                    parts.append(try unary())
                case .or, .close:
                    return parts.count == 1 ? parts[0] : .and(parts)
                }
            }
            return parts.count == 1 ? parts[0] : .and(parts)
        }

        mutating func unary() throws(ValidationErrors) -> Node {
            guard next < tokens.count else { throw ValidationErrors(field, .monitorQueryExpected(position: endPosition)) }
            let token = tokens[next]
            switch token {
            case .not:
                next += 1
                return .not(try unary())
            case .open(let position):
                depth += 1
                guard depth <= MonitorQuery.maxDepth else { throw ValidationErrors(field, .monitorQueryDepth(max: MonitorQuery.maxDepth)) }
                next += 1
                let inner = try orExpression()
                guard next < tokens.count, case .close = tokens[next] else {
                    throw ValidationErrors(field, .monitorQueryParenthesis(position: position))
                }
                next += 1
                depth -= 1
                return inner
            case .phrase(let text, let position):
                next += 1
                let phrase = text.trimmingCharacters(in: .whitespacesAndNewlines)
                let key = TextFolding.fold(phrase)
                guard !key.isEmpty else { throw ValidationErrors(field, .monitorQueryPhraseEmpty(phrase: text, position: position)) }
                if let known = keys.firstIndex(of: key) { return .phrase(known) }
                phrases.append(phrase)
                keys.append(key)
                return .phrase(keys.count - 1)
            case .and, .or, .close:
                throw ValidationErrors(field, .monitorQueryExpected(position: token.position))
            }
        }
    }
}
