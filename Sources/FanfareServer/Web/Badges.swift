import FanfareCore

/// Small coloured labels: a status in the colour of what it asks of the
/// reader (UI.md: success green, warning amber, danger red, neutral grey,
/// information blue), a platform in its own colour. Pages pass the label
/// already in the reader's language; `classes` keeps a feature's own
/// selectors (`sla warning`, `sentiment neg`) for its scripts and tests.
enum Badge {
    enum Tone: String, Sendable, Equatable {
        case neutral, info, success, warning, danger
    }

    static func html(
        _ label: String, tone: Tone, classes: String = "", id: String? = nil, title: String? = nil, data: [(String, String)] = []
    )
        -> HTML
    {
        let extra = classes.isEmpty ? "" : " " + classes
        let attributes = HTML.join(
            (id.map { [HTML(" id=\"\($0)\"")] } ?? []) + data.map { name, value in HTML(" data-\(name)=\"\(value)\"") }
                + (title.flatMap { $0.isEmpty ? nil : [HTML(" title=\"\($0)\"")] } ?? []))
        return "<span class=\"badge tone-\(tone.rawValue)\(extra)\"\(attributes)>\(label)</span>"
    }

    /// The tone a code is shown in, from a feature's table; `fallback` for a code it does not list.
    static func tone(_ code: String, _ table: [String: Tone], or fallback: Tone = .neutral) -> Tone {
        table[code] ?? fallback
    }

    /// A platform's name in the platform's colour (`platform.<code>` in the
    /// reader's language).
    static func platform(_ code: String, _ locale: UILocale) -> HTML {
        "<span class=\"badge platform platform-\(code)\" data-platform=\"\(code)\">\(I18n.text("platform." + code, locale))</span>"
    }
}

extension HTML {
    /// What people typed or a platform supplied (names, handles, messages):
    /// shown as it is and kept out of translation.
    static func typed(_ text: String, classes: String = "") -> HTML {
        classes.isEmpty ? "<span translate=\"no\">\(text)</span>" : "<span class=\"\(classes)\" translate=\"no\">\(text)</span>"
    }

    /// A sentence in the reader's language whose `{0}`, `{1}` … are pieces
    /// of HTML (typically `HTML.typed`): the sentence is escaped, the
    /// pieces inserted as they are.
    static func sentence(_ template: String, _ pieces: [HTML]) -> HTML {
        HTML(raw: I18n.fill(HTML.escape(template), pieces.map(\.rendered)))
    }
}
