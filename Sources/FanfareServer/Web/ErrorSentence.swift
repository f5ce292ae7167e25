import FanfareConnectors
import FanfareCore

/// An error as a sentence a person can act on, for problem details and for
/// what pages show: never the error's Swift form (issue 16 found
/// `rejected(reason: "…DecodingError.dataCorrupted…")` in a 422).
enum ErrorSentence {
    /// A connector's own sentence when it gave one; `otherwise` for any
    /// error whose text was not written for people (the log has it).
    static func of(_ error: any Error, otherwise: String) -> String {
        switch error {
        case .rejected(let reason) as ConnectorError: reason
        case .notSupported(let what) as ConnectorError: what
        case let connector as ConnectorError: ConnectorMessages.text(connector)
        case let problem as Problem: problem.detail ?? problem.title
        case let sealed as CredentialSealer.Failure:
            "This account's stored credentials cannot be used: \(sealed.description). Reconnect the account."
        case let invalid as ValidationErrors: invalid.issues.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        default: otherwise
        }
    }
}
