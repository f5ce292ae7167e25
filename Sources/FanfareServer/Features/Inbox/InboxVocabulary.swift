import FanfareCore

/// The inbox's values named in the reader's language, with the colour of
/// what each asks of the reader: a stored code is never shown as it is
/// (an unknown one, from a newer release, is).
enum InboxVocabulary {
    /// A stored code, its name in the reader's language and its colour.
    struct Label: Sendable, Equatable {
        var code: String
        var text: String
        var tone: Badge.Tone
    }

    static func text(_ key: String, _ locale: UILocale) -> String? {
        let text = I18n.text(key, locale)
        return text == key ? nil : text
    }

    static func label(_ prefix: String, _ code: String, _ locale: UILocale, tone: Badge.Tone = .neutral) -> Label {
        Label(code: code, text: text(prefix + code, locale) ?? code, tone: tone)
    }

    /// The service-level badge: on time, due soon, overdue, done.
    static func serviceLevel(_ badge: ServiceBadge, _ locale: UILocale) -> Label {
        let tone: Badge.Tone =
            switch badge {
            case .ok: .success
            case .warning: .warning
            case .breached: .danger
            case .done: .neutral
            }
        return label("inbox.sla.", badge.rawValue, locale, tone: tone)
    }

    /// One clock (first response or resolution): running, due soon, breached, met, missed.
    static func clock(_ state: String, _ locale: UILocale) -> Label {
        let tone: Badge.Tone = Badge.tone(state, ["warning": .warning, "breached": .danger, "missed": .danger, "met": .success], or: .info)
        return label("inbox.clock.", state, locale, tone: tone)
    }

    static func status(_ code: String, _ locale: UILocale) -> Label {
        label("inbox.status.", code, locale, tone: Badge.tone(code, ["open": .warning, "pending": .info, "resolved": .success], or: .neutral))
    }

    static func sentiment(_ code: String, _ locale: UILocale) -> Label {
        label("inbox.sentiment.", code, locale, tone: Badge.tone(code, ["pos": .success, "neg": .danger], or: .neutral))
    }

    static func priority(_ code: String, _ locale: UILocale) -> Label {
        label("inbox.priority.", code, locale, tone: Badge.tone(code, ["urgent": .danger, "high": .warning], or: .neutral))
    }

    static func intent(_ code: String, _ locale: UILocale) -> Label {
        label("inbox.intent.", code, locale, tone: code == "complaint" ? .warning : .neutral)
    }

    static func replyStatus(_ code: String, _ locale: UILocale) -> Label {
        label(
            "inbox.reply_status.", code, locale,
            tone: Badge.tone(code, ["queued": .info, "sent": .success, "failed": .danger, "unknown": .warning], or: .neutral))
    }

    static func queue(_ code: String, _ locale: UILocale) -> Label {
        label("inbox.queue.", code, locale, tone: code == InboxQueue.experts.rawValue ? .info : .neutral)
    }

    static func tier(_ code: String, _ locale: UILocale) -> String { text("inbox.tier." + code, locale) ?? code }
    static func kind(_ code: String, _ locale: UILocale) -> String { text("inbox.kind." + code, locale) ?? code }
    static func platform(_ code: String, _ locale: UILocale) -> String { text("platform." + code, locale) ?? code }

    /// A conversation's thread: comments on a post, direct messages, mentions.
    static func thread(_ key: String, _ locale: UILocale) -> String {
        text("inbox.thread." + (key.hasPrefix("post:") ? "post" : key), locale) ?? key
    }

    static func templateCategory(_ code: String, _ locale: UILocale) -> String { text("inbox.template_category." + code, locale) ?? code }

    static func badge(_ label: Label, classes: String, id: String? = nil, title: String? = nil, data: String = "code") -> HTML {
        Badge.html(label.text, tone: label.tone, classes: classes, id: id, title: title, data: [(data, label.code)])
    }
}
