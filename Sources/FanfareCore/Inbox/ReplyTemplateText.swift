import Foundation

/// The shelf of the reply template library (话术库) a template sits on.
public enum ReplyTemplateCategory: String, CaseIterable, Codable, Sendable {
    case faqFeatures = "faq.features", faqAccountSecurity = "faq.account_security", faqActivityRules = "faq.activity_rules"
    case crisisApology = "crisis.apology", crisisCause = "crisis.cause", crisisCompensation = "crisis.compensation"
    case other
}

/// Variables a template may use. `{name}` in a body; `{{` and `}}` are literal braces.
public enum TemplateVariable: String, CaseIterable, Sendable {
    case fanName = "fan_name", accountName = "account_name", platform, agentName = "agent_name", orderID = "order_id",
        ticketNumber = "ticket_number", activityName = "activity_name", date
}

/// Why a template could not be filled in.
public enum TemplateRenderError: Error, Equatable, Sendable {
    /// A `{name}` that is not a `TemplateVariable`.
    case unknownVariable(String)
    /// A known variable with no value given (or an empty value).
    case missingValue(String)
    /// A `{` that is never closed; `position` is its 0-based offset in Characters.
    case unclosedBrace(position: Int)

    /// The problem with the body, as `ReplyTemplateText.problems` says it.
    public var coded: CodedMessage {
        switch self {
        case .unknownVariable(let name): ReplyTemplateText.unknownMessage(name)
        case .missingValue(let name): .missingVariable(name: name)
        case .unclosedBrace(let position): ReplyTemplateText.unclosedMessage(position)
        }
    }
}

/// Reading, checking and filling in the text of reply templates.
public enum ReplyTemplateText {
    /// Variable names in order of first appearance (unknown ones included), without braces.
    public static func variables(in body: String) -> [String] {
        var names: [String] = []
        for case .variable(let name, _) in parse(body) where !names.contains(name) {
            names.append(name)
        }
        return names
    }

    /// Every problem of a body, e.g. "uses the unknown variable {foo}; known variables are {fan_name}, {account_name}, …",
    /// "has a { at character 12 that is never closed" (counted from 1), "must not be empty". Empty array when fine.
    public static func problems(in body: String) -> [CodedMessage] {
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [.notEmpty] }
        var problems: [CodedMessage] = []
        var reported: Set<String> = []
        for piece in parse(body) {
            switch piece {
            case .variable(let name, _) where TemplateVariable(rawValue: name) == nil:
                if reported.insert(name).inserted { problems.append(unknownMessage(name)) }
            case .unclosed(let position):
                problems.append(unclosedMessage(position))
            case .text, .variable:
                break
            }
        }
        return problems
    }

    /// Fills in every variable; throws on the first unknown variable, missing value or unclosed brace.
    public static func render(_ body: String, values: [String: String]) throws(TemplateRenderError) -> String {
        var result = ""
        for piece in parse(body) {
            switch piece {
            case .text(let text):
                result += text
            case .variable(let name, _):
                guard TemplateVariable(rawValue: name) != nil else { throw .unknownVariable(name) }
                guard let value = usable(values[name]) else { throw .missingValue(name) }
                result += value
            case .unclosed(let position):
                throw .unclosedBrace(position: position)
            }
        }
        return result
    }

    /// Fills in the variables it has values for and leaves the rest as `{name}` (for an agent to complete by hand). Never throws.
    ///
    /// The result is the text to send, not a template: `{{` has become `{`.
    public static func prefill(_ body: String, values: [String: String]) -> String {
        var result = ""
        for piece in parse(body) {
            switch piece {
            case .text(let text):
                result += text
            case .variable(let name, _):
                // Unknown names stay too: the agent sees exactly what the author wrote.
                if TemplateVariable(rawValue: name) != nil, let value = usable(values[name]) {
                    result += value
                } else {
                    result += "{\(name)}"
                }
            case .unclosed:
                result += "{"
            }
        }
        return result
    }

    /// Known variables still written as `{name}` in a text an agent is about to send (so the server can refuse "fill in {order_id}").
    public static func unfilled(in text: String) -> [String] {
        // Plain text has no escapes, so any literal `{order_id}` is a placeholder someone forgot.
        let found = TemplateVariable.allCases.compactMap { variable -> (String.Index, String)? in
            text.range(of: "{\(variable.rawValue)}").map { ($0.lowerBound, variable.rawValue) }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func unknownMessage(_ name: String) -> CodedMessage {
        .unknownVariableKnown(name: name, known: TemplateVariable.allCases.map { "{\($0.rawValue)}" })
    }

    static func unclosedMessage(_ position: Int) -> CodedMessage {
        .unclosedBrace(position: position + 1)
    }

    /// A value counts only when it shows something: a blank name in a reply reads as a mistake.
    private static func usable(_ value: String?) -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return value
    }

    private enum Piece {
        case text(String)
        case variable(String, position: Int)
        case unclosed(position: Int)
    }

    /// Splits a body into literal text and variables. A variable may not
    /// span a line or contain another `{`, so a forgotten `}` is reported
    /// where it was forgotten instead of swallowing the rest of the text.
    private static func parse(_ body: String) -> [Piece] {
        let characters = Array(body)
        var pieces: [Piece] = []
        var literal = ""
        func flush() {
            if !literal.isEmpty { pieces.append(.text(literal)) }
            literal = ""
        }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "{" where next == "{":
                literal.append("{")
                index += 2
            case "{":
                var end = index + 1
                while end < characters.count, characters[end] != "}", characters[end] != "{", !characters[end].isNewline {
                    end += 1
                }
                flush()
                if end < characters.count, characters[end] == "}" {
                    pieces.append(.variable(String(characters[(index + 1)..<end]), position: index))
                    index = end + 1
                } else {
                    pieces.append(.unclosed(position: index))
                    index += 1
                }
            case "}":
                // A lone `}` is harmless, so it is kept rather than refused.
                literal.append("}")
                index += next == "}" ? 2 : 1
            default:
                literal.append(character)
                index += 1
            }
        }
        flush()
        return pieces
    }
}

/// Platform limits for a reply (a comment reply or direct message), and the
/// check. The limits are `PlatformRules.replyLimit`, counted the way the
/// platform counts its posts and held to the same second limit (Bluesky's
/// 3,000 bytes): one table of platform facts, not two.
public enum ReplyLimits {
    /// What any text is held to when its platform is unknown: long enough for
    /// any real reply, short enough to stop a pasted document.
    public static let sanityCap = 10_000

    /// The limit and how it is counted for a platform's replies; nil when
    /// the platform is unknown or takes no replies (then only the
    /// 10,000-character sanity cap applies).
    public static func limit(for platform: String) -> (limit: Int, counting: LengthCounting)? {
        guard let rules = PlatformRules.standard[platform.lowercased()], let limit = rules.replyLimit else { return nil }
        return (limit, rules.counting)
    }

    /// nil when it fits, otherwise what is wrong, like "is 212 characters as weibo counts them; a reply there may have at most 140".
    public static func problem(with text: String, platform: String) -> CodedMessage? {
        guard let rules = PlatformRules.standard[platform.lowercased()], let limit = rules.replyLimit else {
            let length = text.count
            return length > sanityCap ? .replyTooLongAnywhere(count: length, max: sanityCap) : nil
        }
        let length = rules.counting.count(text)
        if length > limit {
            return .replyTooLong(count: length, platform: platform, max: limit)
        }
        if let second = rules.secondLimit {
            let size = second.counting.count(text)
            if size > second.limit {
                return .replyTooManyBytes(count: size, platform: platform, max: second.limit)
            }
        }
        return nil
    }
}
