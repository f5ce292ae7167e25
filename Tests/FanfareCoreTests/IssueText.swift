import FanfareCore

extension FieldIssue {
    /// "field: message", the English a test states an issue in.
    var said: String { "\(field): \(message)" }
}

extension Array where Element == FieldIssue {
    var said: [String] { map(\.said) }
}
