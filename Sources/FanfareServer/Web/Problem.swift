import FanfareCore
import Vapor

/// An RFC 9457 problem document. Every API error is one of these; pages
/// render the same facts as an HTML error page with the same status.
struct Problem: Error, Content, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var errors: [FieldIssue]?
    /// The detail as a code and its arguments, when a page may show it: the
    /// API sends `detail` in English, a page writes this in the reader's
    /// language. Not part of the JSON.
    var coded: CodedMessage?

    private enum CodingKeys: String, CodingKey { case type, title, status, detail, errors }

    init(_ status: HTTPStatus, _ detail: String? = nil, errors: [FieldIssue]? = nil, type: String? = nil) {
        self.status = Int(status.code)
        self.title = status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.type = type.map { "https://fanfare.dev/problems/\($0)" } ?? "about:blank"
    }

    /// A refusal a person can act on, written from its code: English in
    /// `detail`, any language on a page.
    init(_ status: HTTPStatus, _ coded: CodedMessage, errors: [FieldIssue]? = nil, type: String? = nil) {
        self.init(status, coded.english, errors: errors, type: type)
        self.coded = coded
    }

    /// What a page shows: the coded detail in the reader's language, else
    /// the detail as it is.
    func text(_ locale: UILocale) -> String {
        coded?.text(locale) ?? detail ?? title
    }

    var httpStatus: HTTPStatus { HTTPStatus(statusCode: status) }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, "\(what) was not found", type: "not-found") }
    static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail, type: "forbidden") }

    static func validation(_ errors: ValidationErrors) -> Problem {
        Problem(.unprocessableEntity, "The request has \(errors.issues.count) invalid field(s).", errors: errors.issues, type: "validation")
    }
}

extension Problem {
    /// Turns any error thrown while handling a request into a problem.
    /// Internal errors never leak their text: the log has it, the client
    /// gets an opaque message and the request id.
    static func from(_ error: any Error, request: Request) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let invalid as ValidationErrors:
            return .validation(invalid)
        case let decoding as DecodingError:
            return .validation(ValidationErrors(decoding.fieldIssues))
        case let paused as TooManyTries:
            return Problem(
                .tooManyRequests, "Too many tries; wait \(paused.minutes) minute(s) before trying again.", type: "too-many-tries")
        case let abort as any AbortError:
            if abort.status == .notFound { return Problem(.notFound, "No such resource: \(request.url.path)", type: "not-found") }
            if abort.status == .payloadTooLarge { return Problem(.payloadTooLarge, "The request body is too large.") }
            return Problem(abort.status, abort.reason)
        default:
            return Problem(.internalServerError, "An unexpected error occurred; it has been logged.")
        }
    }
}

extension DecodingError {
    /// Field-level issues in the API's snake_case names.
    var fieldIssues: [FieldIssue] {
        func path(_ codingPath: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (key.map { [$0] } ?? [])
            let joined = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.replacingOccurrences(of: ".[", with: "[").isEmpty ? "body" : joined.replacingOccurrences(of: ".[", with: "[")
        }
        switch self {
        case .keyNotFound(let key, let context):
            return [FieldIssue(field: path(context.codingPath, key), .required)]
        case .typeMismatch(let type, let context):
            return [FieldIssue(field: path(context.codingPath), Self.expected(type))]
        case .valueNotFound(_, let context):
            return [FieldIssue(field: path(context.codingPath), .notNull)]
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            // Our own decoders (dates, segment values) attach what they
            // accept as a coded message; Foundation's texts name Swift's types.
            if field != "body", let failure = context.underlyingError as? CodedDecodingFailure {
                return [FieldIssue(field: field, failure.message)]
            }
            return [FieldIssue(field: field, field == "body" ? .jsonObject : .unreadableValue)]
        @unknown default:
            return [FieldIssue(field: "body", .unreadable)]
        }
    }

    /// What a client should send, in JSON's words: never a Swift type's
    /// name (issue 16: details said `a valid UUID`, or worse).
    private static func expected(_ type: Any.Type) -> CodedMessage {
        var name = String(describing: type)
        while name.hasPrefix("Optional<"), name.hasSuffix(">") { name = String(name.dropFirst(9).dropLast()) }
        switch name {
        case "String", "Substring", "Character": return .typeString
        case "Int", "Int64", "Int32", "Int16", "Int8", "UInt", "UInt64", "UInt32", "UInt16", "UInt8": return .typeWholeNumber
        case "Double", "Float", "Decimal": return .typeNumber
        case "Bool": return .typeBoolean
        case "UUID": return .typeId
        case "Date": return .typeTime
        case "URL": return .typeUrl
        case let n where n.hasPrefix("Array") || n.hasPrefix("Set") || n.hasPrefix("["): return .typeList
        case let n where n.hasPrefix("Dictionary"): return .typeObject
        default: return .typeOther
        }
    }
}
