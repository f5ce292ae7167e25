/// SQL `LIKE` patterns for "contains what was typed", the same on SQLite
/// and PostgreSQL: lower-cased (compare with `LOWER(column)`), and the
/// text's own `%`, `_` and `\` literal (use with `ESCAPE '\'`).
enum LikePattern {
    static func contains(_ text: String) -> String {
        "%"
            + text.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}
