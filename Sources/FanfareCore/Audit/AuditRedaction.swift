import Foundation

/// Keeps secrets out of audit summaries and log lines. Any field whose
/// name suggests a secret is replaced, whatever its value.
public enum AuditRedaction {
    public static let marker = "[redacted]"
    private static let secretWords = ["password", "secret", "token", "key", "credential", "cookie", "authorization"]

    public static func isSecret(field: String) -> Bool {
        let lowered = field.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    public static func redact(_ fields: [String: String]) -> [String: String] {
        fields.reduce(into: [:]) { result, entry in
            result[entry.key] = isSecret(field: entry.key) ? marker : entry.value
        }
    }

    /// A stable one-line summary, `key=value; key=value`, keys sorted.
    public static func summary(_ fields: [String: String]) -> String {
        redact(fields).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }
}
