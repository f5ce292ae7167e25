import FanfareCore

/// Page text in both languages. `{0}`, `{1}` … are replaced by arguments.
/// A test fails when a key exists in one language only, or when a page
/// uses a key that neither has.
enum I18n {
    static func text(_ key: String, _ locale: UILocale, _ arguments: [String] = []) -> String {
        let table = locale == .en ? Strings.en : Strings.zhHans
        let text = table[key] ?? Strings.en[key] ?? key
        return arguments.isEmpty ? text : fill(text, arguments)
    }

    /// `{0}`, `{1}` … replaced by the arguments in one pass over the text
    /// (Foundation's `replacingOccurrences` once per argument was a tenth
    /// of a busy page's time); a placeholder past the arguments stays as
    /// written, and an argument's own text is never read as a placeholder.
    static func fill(_ template: String, _ arguments: [String]) -> String {
        var utf8 = Substring(template).utf8[...]
        guard utf8.contains(UInt8(ascii: "{")) else { return template }
        var out = ""
        out.reserveCapacity(template.utf8.count + arguments.reduce(0) { $0 + $1.utf8.count })
        while let open = utf8.firstIndex(of: UInt8(ascii: "{")) {
            var cursor = utf8.index(after: open)
            var index = 0
            var digits = 0
            while cursor < utf8.endIndex, let digit = Self.digit(utf8[cursor]), digits < 4 {
                index = index * 10 + digit
                digits += 1
                cursor = utf8.index(after: cursor)
            }
            // `{01}` is not `{1}`: only the index as written.
            let canonical = digits <= 1 || utf8[utf8.index(after: open)] != UInt8(ascii: "0")
            if digits > 0, canonical, cursor < utf8.endIndex, utf8[cursor] == UInt8(ascii: "}"), index < arguments.count {
                out.append(contentsOf: Substring(utf8[utf8.startIndex..<open]))
                out.append(contentsOf: arguments[index])
                utf8 = utf8[utf8.index(after: cursor)...]
            } else {
                out.append(contentsOf: Substring(utf8[utf8.startIndex...open]))
                utf8 = utf8[utf8.index(after: open)...]
            }
        }
        out.append(contentsOf: Substring(utf8))
        return out
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Keys built at run time from a value (roles, states, statuses), which
    /// a search of the sources for literal keys cannot see: the frame's
    /// own and every feature's.
    static var dynamicKeys: [String] {
        NavigationGroup.allCases.map { "nav.group.\($0.rawValue)" }
            + ["400", "401", "403", "404", "409", "410", "413", "415", "422", "429", "500", "other"].flatMap {
                ["error.\($0)", "error.\($0).detail"]
            } + Features.all.flatMap(\.dynamicKeys)
    }
}
