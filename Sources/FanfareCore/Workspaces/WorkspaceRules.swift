import Foundation

/// Rules for workspaces and their members that do not need a database.
public enum WorkspaceRules {
    /// A workspace name as shown in the switcher.
    public static func name(_ raw: String, field: String = "name") throws(ValidationErrors) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...80).contains(name.count) else { throw ValidationErrors(field, .lengthBetween(min: 1, max: 80)) }
        return name
    }

    /// The short name used in addresses: lower-case ASCII letters, digits and
    /// hyphens, 2 to 40 long, starting with a letter or digit.
    public static func slug(_ raw: String, field: String = "slug") throws(ValidationErrors) -> String {
        let slug = raw.trimmingCharacters(in: .whitespaces)
        let allowed = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard (2...40).contains(slug.count), allowed, !slug.hasPrefix("-"), !slug.hasSuffix("-") else {
            throw ValidationErrors(field, .slug)
        }
        return slug
    }

    /// Proposes a slug from a name. Names written only in Chinese (or other
    /// scripts without an ASCII spelling) get `fallback`, which the caller
    /// makes unique.
    public static func proposeSlug(from name: String, fallback: String) -> String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        slug = String(slug.prefix(40))
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.count >= 2 ? slug : fallback
    }

    /// Why a change to a membership is refused, if it is. A workspace must
    /// always keep at least one admin, or nobody could manage it again.
    public static func refusal(
        changing current: Role, to new: Role?, adminCount: Int
    ) -> CodedMessage? {
        if current == .admin, new != .admin, adminCount <= 1 {
            return .keepOneAdmin
        }
        return nil
    }

    /// Which roles an inviter may hand out: only admins can create admins.
    public static func mayGrant(_ role: Role, inviterRole: Role) -> Bool {
        inviterRole == .admin || role != .admin
    }
}

/// Who may create workspaces on this instance (`FANFARE_WORKSPACE_CREATORS`).
///
/// Whoever creates a workspace becomes its admin, and an admin connects
/// accounts, which makes the server call addresses they type; so by
/// default only instance administrators create workspaces and hand out
/// roles in them. An instance where every user runs their own brands opens
/// it to everyone.
public enum WorkspaceCreators: String, Sendable, Equatable, CaseIterable {
    /// Only instance administrators (the default).
    case admins
    /// Every signed-in user.
    case everyone

    public func allows(isInstanceAdmin: Bool) -> Bool {
        switch self {
        case .admins: isInstanceAdmin
        case .everyone: true
        }
    }
}
