import Foundation

/// Rules for the things a person types to get in: email address, password,
/// display name, locale and time zone.
public enum Credentials {
    /// Lower-cased, trimmed email, or a validation error naming `field`.
    public static func email(_ raw: String, field: String = "email") throws(ValidationErrors) -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && email.count <= 254 && !email.contains(where: { $0.isWhitespace })
        guard valid else { throw ValidationErrors(field, .email(example: "name@example.com")) }
        return email
    }

    /// Bcrypt reads at most 72 bytes; a longer password would be silently
    /// truncated, so it is refused instead.
    public static let passwordBytes = 10...72

    public static func password(_ raw: String, field: String = "password") throws(ValidationErrors) {
        let bytes = raw.utf8.count
        guard passwordBytes.contains(bytes) else {
            throw ValidationErrors(field, .passwordLength(min: passwordBytes.lowerBound, max: passwordBytes.upperBound, count: bytes))
        }
    }

    public static func displayName(_ raw: String, field: String = "display_name") throws(ValidationErrors) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...80).contains(name.count) else { throw ValidationErrors(field, .lengthBetween(min: 1, max: 80)) }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationErrors(field, .controlCharacters)
        }
        return name
    }

    public static func timeZone(_ raw: String, field: String = "time_zone") throws(ValidationErrors) -> String {
        let id = raw.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, TimeZone(identifier: id) != nil else {
            throw ValidationErrors(field, .timeZone)
        }
        return id
    }
}

/// The two languages every page is written in.
public enum UILocale: String, CaseIterable, Codable, Sendable {
    case zhHans = "zh-Hans"
    case en

    public init(validating raw: String, field: String = "locale") throws(ValidationErrors) {
        guard let locale = UILocale(rawValue: raw.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationErrors(field, .either(choices: ["zh-Hans", "en"]))
        }
        self = locale
    }

    /// Picks the best supported locale from an Accept-Language header.
    public static func negotiate(acceptLanguage: String?) -> UILocale {
        guard let header = acceptLanguage?.lowercased() else { return .zhHans }
        let ranked = header.split(separator: ",").map { part -> (String, Double) in
            let pieces = part.split(separator: ";")
            let tag = pieces.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let q =
                pieces.dropFirst().first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("q=") }
                .flatMap { Double($0.trimmingCharacters(in: .whitespaces).dropFirst(2)) } ?? 1
            return (tag, q)
        }.sorted { $0.1 > $1.1 }
        for (tag, _) in ranked {
            if tag.hasPrefix("zh") { return .zhHans }
            if tag.hasPrefix("en") { return .en }
        }
        return .zhHans
    }
}
