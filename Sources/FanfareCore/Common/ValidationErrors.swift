import Foundation

/// One problem with one input field, in words that say what would be accepted.
public struct FieldIssue: Sendable, Equatable, Codable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// A set of field problems. Validators collect every problem before
/// throwing, so a form or an API client learns about all of them at once.
public struct ValidationErrors: Error, Sendable, Equatable {
    public var issues: [FieldIssue]

    public init(_ issues: [FieldIssue] = []) {
        self.issues = issues
    }

    public init(_ field: String, _ message: String) {
        self.issues = [FieldIssue(field: field, message: message)]
    }

    public var isEmpty: Bool { issues.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        issues.append(FieldIssue(field: field, message: message))
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
}
