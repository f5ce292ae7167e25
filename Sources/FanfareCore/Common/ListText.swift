import Foundation

/// How Fanfare reads a list a person typed into one field or one CSV cell
/// (tags, keywords, interests, hashtags, account names, poll options): one
/// rule for every form and import, so "a, b，c、d" means the same list
/// wherever it is typed.
///
/// The rules, in order:
/// 1. Split on the separators (see `Separators`).
/// 2. Trim spaces and line breaks around each entry (never inside it).
/// 3. Drop entries left empty ("a,,b" and a trailing comma add nothing).
/// 4. Drop exact repeats, keeping the first: a list is a set the person
///    wrote in an order, and the order is kept.
public enum ListText {
    /// What separates entries.
    public enum Separators: Sendable, Equatable {
        /// Commas of either width (`,` `，`), the enumeration comma (`、`),
        /// semicolons of either width (`;` `；`) and line breaks. Entries
        /// may contain spaces ("check in", "sign me up").
        case punctuation
        /// The above and any space: for tags and hashtags, which never
        /// contain a space, so "春季 新品" is two tags.
        case punctuationAndSpaces
        /// Line breaks only: for entries that may hold commas themselves
        /// (poll options such as "Red, with stripes").
        case lines
    }

    static let punctuation: Set<Character> = [",", "，", "、", ";", "；"]

    /// The entries of `text`, by the rules above.
    public static func items(_ text: String, separatedBy separators: Separators = .punctuation) -> [String] {
        let pieces = text.split { character in
            switch separators {
            case .punctuation: character.isNewline || punctuation.contains(character)
            case .punctuationAndSpaces: character.isWhitespace || punctuation.contains(character)
            case .lines: character.isNewline
            }
        }
        var seen: Set<String> = []
        var items: [String] = []
        for piece in pieces {
            let item = piece.trimmingCharacters(in: .whitespacesAndNewlines)
            if !item.isEmpty, seen.insert(item).inserted { items.append(item) }
        }
        return items
    }
}
