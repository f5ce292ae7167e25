/// How the knowledge base finds words in Chinese and English alike
/// (issue 22, docs/knowledge.md). Chinese is written without spaces, so a
/// word tokenizer sees a whole sentence as one token; instead every run of
/// Chinese (and Japanese, Korean) characters is indexed as its overlapping
/// pairs — 预算超支 as 预算 算超 超支 — and a query is the phrase of its own
/// pairs, which finds the run wherever it stands in a longer one. Other
/// words are lower-cased letters and digits. The same tokens feed SQLite's
/// FTS5 (unicode61, phrase queries) and PostgreSQL (a GIN-indexed text
/// array, checked against the text), so both databases find the same
/// documents and neither needs an extension.
public enum SearchTerms {
    /// Letters written without spaces between words: Han (with the
    /// extensions and compatibility block), kana and Hangul.
    public static func isWrittenWithoutSpaces(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
        default: false
        }
    }

    /// A run of text between separators: its characters and whether it is
    /// written without spaces.
    struct Run {
        var scalars: [Unicode.Scalar]
        var unspaced: Bool
    }

    static func runs(_ text: String) -> [Run] {
        var runs: [Run] = []
        var current: [Unicode.Scalar] = []
        var unspaced = false
        func close() {
            if !current.isEmpty { runs.append(Run(scalars: current, unspaced: unspaced)) }
            current.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            if isWrittenWithoutSpaces(scalar) {
                if !unspaced { close() }
                unspaced = true
                current.append(scalar)
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if unspaced { close() }
                unspaced = false
                current.append(scalar)
            } else {
                close()
            }
        }
        close()
        return runs
    }

    /// The tokens of one run: a Chinese run's overlapping pairs (a lone
    /// character as itself), any other run lower-cased.
    static func tokens(of run: Run) -> [String] {
        guard run.unspaced else { return [String(String.UnicodeScalarView(run.scalars)).lowercased()] }
        guard run.scalars.count > 1 else { return [String(String.UnicodeScalarView(run.scalars))] }
        return (0..<(run.scalars.count - 1)).map { String(String.UnicodeScalarView(run.scalars[$0...($0 + 1)])) }
    }

    /// Every token of `text`, in order.
    public static func tokens(_ text: String) -> [String] {
        runs(text).flatMap(tokens(of:))
    }

    /// The text an index stores for `text`: its tokens separated by spaces.
    public static func indexText(_ text: String) -> String {
        tokens(text).joined(separator: " ")
    }

    /// One thing asked for: the words as typed (for the highlight and the
    /// check against the text) and the tokens that must stand together.
    public struct Term: Sendable, Equatable {
        public var text: String
        public var tokens: [String]
    }

    /// Queries longer than this many terms keep their first ones: a search
    /// box is not a document.
    public static let maxTerms = 8

    /// The terms of a query. A single Chinese character is too common to
    /// search for alone and is left out (`droppedSingleCharacters` says
    /// so); repeated terms count once.
    public static func query(_ text: String) -> (terms: [Term], droppedSingleCharacters: Bool) {
        var terms: [Term] = []
        var dropped = false
        for run in runs(text) {
            if run.unspaced, run.scalars.count < 2 {
                dropped = true
                continue
            }
            let typed = String(String.UnicodeScalarView(run.scalars))
            let term = Term(text: run.unspaced ? typed : typed.lowercased(), tokens: tokens(of: run))
            if !terms.contains(term) { terms.append(term) }
            if terms.count == maxTerms { break }
        }
        return (terms, dropped)
    }

    /// An FTS5 match expression for `terms`: each term a quoted phrase, all
    /// of them required. Tokens are letters and digits only, so nothing a
    /// person typed can reach FTS5's query syntax.
    public static func ftsMatch(_ terms: [Term]) -> String {
        terms.map { "\"" + $0.tokens.joined(separator: " ") + "\"" }.joined(separator: " ")
    }
}
