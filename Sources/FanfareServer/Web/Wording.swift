import FanfareCore

/// Text a page shows, with what is the page's own (in the reader's
/// language) told apart from what someone typed or a platform supplied
/// (names, handles, reward titles), which is kept out of translation. A
/// template's `{0}`, `{1}` … are the typed pieces, in order of `typed`.
struct Wording: Sendable, Equatable, CustomStringConvertible {
    var template: String
    var typed: [String]

    /// The page's own words.
    static func ours(_ text: String) -> Wording { Wording(template: text.replacingOccurrences(of: "{", with: "{{"), typed: []) }
    /// What someone typed or a platform supplied, as it is.
    static func typed(_ text: String) -> Wording { Wording(template: "{0}", typed: [text]) }

    /// The text as read, typed pieces in place.
    var description: String { Self.pieces(template).map { $0.index.map { typed.indices.contains($0) ? typed[$0] : "" } ?? $0.text }.joined() }

    /// The text as HTML, typed pieces in `<span translate="no">`.
    var html: HTML {
        HTML.join(
            Self.pieces(template).map { piece -> HTML in
                guard let index = piece.index else { return "\(piece.text)" }
                return "<span translate=\"no\">\(typed.indices.contains(index) ? typed[index] : "")</span>"
            })
    }

    /// Literal text and `{n}` placeholders; `{{` is a literal brace.
    private static func pieces(_ template: String) -> [(text: String, index: Int?)] {
        var pieces: [(text: String, index: Int?)] = []
        var literal = ""
        var rest = Substring(template)
        while let first = rest.first {
            if rest.hasPrefix("{{") {
                literal.append("{")
                rest = rest.dropFirst(2)
            } else if first == "{", let close = rest.firstIndex(of: "}"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]) {
                if !literal.isEmpty { pieces.append((literal, nil)) }
                literal = ""
                pieces.append(("", index))
                rest = rest[rest.index(after: close)...]
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { pieces.append((literal, nil)) }
        return pieces
    }
}

extension Wording {
    /// A sentence of the page's own, from the string table, around typed
    /// pieces: the table's `{n}` are filled with `arguments`, where an
    /// argument that is a `Wording` brings its typed pieces with it.
    static func sentence(_ key: String, _ locale: UILocale, _ arguments: [Wording]) -> Wording {
        var typed: [String] = []
        let filled = arguments.map { argument -> String in
            // Renumber the argument's own placeholders after those already taken.
            let offset = typed.count
            typed += argument.typed
            return argument.renumbered(from: offset)
        }
        // One pass over the table's text: its `{n}` become the arguments, any other brace is literal.
        var template = ""
        var rest = Substring(I18n.text(key, locale, []))
        while let first = rest.first {
            if first == "{", let close = rest.firstIndex(of: "}"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                filled.indices.contains(index)
            {
                template += filled[index]
                rest = rest[rest.index(after: close)...]
            } else {
                template += first == "{" ? "{{" : String(first)
                rest = rest.dropFirst()
            }
        }
        return Wording(template: template, typed: typed)
    }

    private func renumbered(from offset: Int) -> String {
        guard offset > 0 else { return template }
        var out = ""
        var rest = Substring(template)
        while let first = rest.first {
            if rest.hasPrefix("{{") {
                out += "{{"
                rest = rest.dropFirst(2)
            } else if first == "{", let close = rest.firstIndex(of: "}"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]) {
                out += "{\(index + offset)}"
                rest = rest[rest.index(after: close)...]
            } else {
                out.append(first)
                rest = rest.dropFirst()
            }
        }
        return out
    }
}
