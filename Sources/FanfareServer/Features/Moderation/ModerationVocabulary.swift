import FanfareCore

/// Moderation's values in the reader's language, with the colour of what
/// each asks of the reader; a category of the workspace's own (a code
/// someone chose) is shown as it was typed.
enum ModerationVocabulary {
    static func known(_ key: String, _ locale: UILocale) -> String? {
        let text = I18n.text(key, locale)
        return text == key ? nil : text
    }

    /// A base category by its name; a workspace's own category as typed.
    static func category(_ code: String, _ locale: UILocale) -> (text: String, typed: Bool) {
        if code.isEmpty { return (known("moderation.category.risk", locale) ?? "risk", false) }
        if let text = known("moderation.category." + code, locale) { return (text, false) }
        return (code, true)
    }

    static func categoryHTML(_ code: String, _ locale: UILocale) -> HTML {
        let (text, typed) = category(code, locale)
        return typed ? HTML.typed(text) : "\(text)"
    }

    static func severity(_ code: String, _ locale: UILocale) -> String { known("moderation.severity." + code, locale) ?? code }
    static func scope(_ code: String, _ locale: UILocale) -> String { known("moderation.scope." + code, locale) ?? code }
    static func action(_ code: String, _ locale: UILocale) -> String { known("moderation.action." + code, locale) ?? code }

    static func severityTone(_ code: String) -> Badge.Tone {
        Badge.tone(code, ["block": .danger, "review": .warning, "warn": .info], or: .neutral)
    }

    static func actionTone(_ code: String) -> Badge.Tone {
        Badge.tone(code, ["ban": .danger, "delete": .danger, "remind": .warning, "warn": .info], or: .neutral)
    }

    static func severityBadge(_ code: String, _ locale: UILocale) -> HTML {
        Badge.html(severity(code, locale), tone: severityTone(code), classes: code, data: [("severity", code)])
    }

    static func recommendation(_ code: String, _ locale: UILocale) -> HTML {
        Badge.html(action(code, locale), tone: actionTone(code), classes: "recommendation \(code)", data: [("recommendation", code)])
    }

    /// Why a match was reported: the term as written, its category and severity.
    static func reason(_ match: ModerationMatch, _ locale: UILocale) -> String {
        "\(match.term) · \(category(match.category, locale).text) · \(severity(match.severity.rawValue, locale))"
    }

    /// The original text with each match wrapped in a `mark` naming why.
    /// The text is what a fan or a colleague wrote: the caller marks it
    /// `translate="no"`.
    static func highlighted(_ text: String, _ matches: [ModerationMatch], _ locale: UILocale) -> HTML {
        let scalars = Array(text.unicodeScalars)
        var parts: [HTML] = []
        var at = 0
        for match in matches.sorted(by: { $0.start < $1.start }) where match.start >= at && match.end <= scalars.count {
            parts.append("\(String(String.UnicodeScalarView(scalars[at..<match.start])))")
            parts.append(
                "<mark class=\"hit \(match.severity.rawValue)\" title=\"\(reason(match, locale))\">\(String(String.UnicodeScalarView(scalars[match.start..<match.end])))</mark>"
            )
            at = match.end
        }
        parts.append("\(String(String.UnicodeScalarView(scalars[at...])))")
        return HTML.join(parts)
    }

    /// Language, sentiment with its score, intent and priority, as found on arrival.
    static func analysis(_ analysis: IncomingMessageDTO.Analysis?, _ locale: UILocale) -> HTML {
        guard let analysis else { return "<span class=\"muted\">\(known("moderation.not_analysed", locale) ?? "—")</span>" }
        func text(_ key: String, _ code: String) -> String { known(key + code, locale) ?? code }
        let sentimentTone: Badge.Tone = Badge.tone(analysis.sentiment, ["pos": .success, "neg": .danger], or: .neutral)
        let priorityTone: Badge.Tone = Badge.tone(analysis.priority, ["urgent": .danger, "high": .warning], or: .neutral)
        let score = String(format: "%+.2f", analysis.score)
        return """
            \(Badge.html("\(text("inbox.sentiment.", analysis.sentiment)) \(score)", tone: sentimentTone, classes: "sentiment \(analysis.sentiment)", data: [("sentiment", analysis.sentiment)]))
            \(Badge.html(text("inbox.intent.", analysis.intent), tone: analysis.intent == "complaint" ? .warning : .neutral, classes: "intent", data: [("intent", analysis.intent)]))
            \(Badge.html(text("inbox.priority.", analysis.priority), tone: priorityTone, classes: "priority \(analysis.priority)", data: [("priority", analysis.priority)]))
            <span class="muted">\(text("inbox.lang.", analysis.lang))</span>
            """
    }
}
