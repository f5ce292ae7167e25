import FanfareCore

/// Page text in both languages. `{0}`, `{1}` … are replaced by arguments.
/// A test fails when a key exists in one language only, or when a page
/// uses a key that neither has.
enum I18n {
    static func text(_ key: String, _ locale: UILocale, _ arguments: [String] = []) -> String {
        let table = locale == .en ? Strings.en : Strings.zhHans
        var text = table[key] ?? Strings.en[key] ?? key
        for (index, argument) in arguments.enumerated() {
            text = text.replacingOccurrences(of: "{\(index)}", with: argument)
        }
        return text
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
