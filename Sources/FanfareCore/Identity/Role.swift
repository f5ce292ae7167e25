import Foundation

/// A member's role in one workspace. A person can hold a different role in
/// each workspace they belong to (SPEC §13).
public enum Role: String, CaseIterable, Codable, Sendable, Comparable {
    case admin
    case manager
    case editor
    case reviewer
    case legal
    case agent
    case expert
    case analyst
    case viewer

    /// Order used when listing roles: most powerful first.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a role name as the API and forms accept it.
    public init(validating raw: String, field: String = "role") throws(ValidationErrors) {
        guard let role = Role(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw ValidationErrors(field, .oneOf(choices: Role.allCases.map(\.rawValue)))
        }
        self = role
    }
}
