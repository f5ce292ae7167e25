import Foundation

/// Why a JSON body did not decode, naming the field in the body's own
/// names (`interactions[0].author_id`): a caller sees what to fix, never
/// Swift's description of the error.
enum DecodingSentence {
    static func of(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "it is not valid JSON" }
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the body" : text
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)) is null"
        case .typeMismatch(let type, let context):
            let expected =
                type == String.self
                ? "a string" : type == Int.self || type == Double.self ? "a number" : type == Bool.self ? "true or false" : "another type"
            return "\(path(context.codingPath)) must be \(expected)"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "it is not valid JSON" : "\(path(context.codingPath)) cannot be read"
        @unknown default: return "it could not be read"
        }
    }
}
