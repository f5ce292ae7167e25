import FanfareCore
import Foundation

/// The posts pages' words beyond single labels: what colour a status is,
/// how a review step and a variant's field are named, what the automatic
/// check found (stored as English lines) and why the server refused an
/// action, all in the reader's language.
enum PostVocabulary {
    /// A post's status in the colour of what it asks of the reader.
    static func tone(_ status: String) -> Badge.Tone {
        switch Post.Status(rawValue: status) {
        case .published: .success
        case .failed, .rejected: .danger
        case .inReview, .handOff: .warning
        case .approved, .scheduled, .publishing: .info
        case .draft, nil: .neutral
        }
    }

    /// A variant's publishing state in colour.
    static func variantTone(_ state: String) -> Badge.Tone {
        switch PostVariant.State(rawValue: state) {
        case .published: .success
        case .failed: .danger
        case .handOff, .unconfirmed: .warning
        case .queued, .publishing: .info
        case .pending, .cancelled, nil: .neutral
        }
    }

    static func statusBadge(_ status: String, _ locale: UILocale, id: String? = nil) -> HTML {
        Badge.html(I18n.text("post.status." + status, locale), tone: tone(status), classes: "status-\(status)", id: id)
    }

    /// Text if `key` has some, else nil (keys built from stored values).
    static func known(_ key: String, _ locale: UILocale) -> String? {
        let text = I18n.text(key, locale)
        return text == key ? nil : text
    }

    /// A review step's name: the standard steps in the reader's language,
    /// a step the workspace named itself as it was named (`typed`).
    static func stepName(key: String, name: String, _ locale: UILocale) -> (text: String, typed: Bool) {
        // Fanfare's own step names are translated; a name the workspace
        // gave a step in its settings is shown as it was typed.
        let own = UILocale.allCases.compactMap { known("review.step." + key, $0) }
        guard own.contains(name) else { return (name, true) }
        return known("review.step." + key, locale).map { ($0, false) } ?? (name, true)
    }

    /// `text`, `title`, `media[2]`, `tags` as the reader knows them.
    static func fieldName(_ field: String, _ locale: UILocale) -> String {
        if let match = field.wholeMatch(of: /media\[(\d+)\]/) {
            return I18n.text("post.field.media_item", locale, [String(Int(match.output.1).map { $0 + 1 } ?? 1)])
        }
        return known("post.field." + field, locale) ?? field
    }

    /// A platform rule's message in the reader's language, the platform
    /// named as the reader knows it (the message keeps the code).
    static func ruleMessage(_ message: CodedMessage, _ locale: UILocale) -> String {
        namingPlatforms(message.text(locale), locale)
    }

    /// `weibo` → 微博 / Weibo wherever a platform's code stands as a word.
    static func namingPlatforms(_ text: String, _ locale: UILocale) -> String {
        var text = text
        for code in PlatformRules.standard.keys.sorted(by: { $0.count > $1.count }) {
            guard text.contains(code), let name = known("platform." + code, locale), let pattern = try? Regex("\\b\(code)\\b") else { continue }
            text = text.replacing(pattern, with: name)
        }
        return text
    }

    /// A coded message that was stored as its English text (the review
    /// history keeps the automatic check's findings as lines), in the
    /// reader's language: the English templates are matched and the
    /// reader's template filled with what they held. A line no template
    /// matches is returned as it is.
    static func stored(_ english: String, _ locale: UILocale) -> String {
        guard locale != .en else { return english }
        for (code, pattern, names) in storedPatterns {
            guard let match = english.wholeMatch(of: pattern) else { continue }
            var text = ChineseMessages.templates[code] ?? code.english
            for (index, name) in names.enumerated() {
                let value = match.output[index + 1].substring.map(String.init) ?? ""
                text = text.replacingOccurrences(of: "{\(name)}", with: value)
            }
            return namingPlatforms(text, locale)
        }
        return english
    }

    /// Every code's English template as a pattern, the most specific first.
    /// Read only (a `Regex` is not `Sendable`, though matching does not mutate it).
    nonisolated(unsafe) private static let storedPatterns: [(MessageCode, Regex<AnyRegexOutput>, [String])] = {
        MessageCode.allCases.compactMap { code -> (MessageCode, Regex<AnyRegexOutput>, [String], Int)? in
            let template = code.english
            var pattern = ""
            var names: [String] = []
            var literal = 0
            var rest = Substring(template)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                pattern += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
                literal += rest.distance(from: rest.startIndex, to: open)
                names.append(String(rest[rest.index(after: open)..<close]))
                pattern += "(.+?)"
                rest = rest[rest.index(after: close)...]
            }
            pattern += NSRegularExpression.escapedPattern(for: String(rest))
            literal += rest.count
            guard let regex = try? Regex(pattern) else { return nil }
            return (code, regex, names, literal)
        }.sorted { $0.3 > $1.3 }.map { ($0.0, $0.1, $0.2) }
    }()

    /// One finding of the automatic check, as `PostService.automaticFindings`
    /// writes it, told in the reader's language: a rule a variant breaks
    /// (`@handle (platform) field: message`), a lexicon match
    /// (`field: 「text」 matches term (category, severity)`) or an asset
    /// that may not be used (`name: problem`). The typed parts (handles,
    /// matched words, asset names) are returned apart so the page keeps
    /// them out of translation.
    struct Finding: Sendable, Equatable {
        /// A sentence in the reader's language whose `{0}`, `{1}` are the typed
        /// pieces (placeholders are passed through `I18n.text` as arguments,
        /// so they are numbered after the sentence's own arguments are in).
        var sentence: String
        var typed: [String]
    }

    static func finding(_ line: String, _ locale: UILocale, in zone: TimeZone = .gmt) -> Finding {
        if let match = line.wholeMatch(of: /@(\S+) \(([a-z_]+)\) ([a-z_\[\]0-9]+): (.+)/) {
            let platform = known("platform." + match.output.2, locale) ?? String(match.output.2)
            return Finding(
                sentence: I18n.text(
                    "post.finding.rule", locale,
                    ["{0}", platform, fieldName(String(match.output.3), locale), stored(String(match.output.4), locale)]),
                typed: ["@" + match.output.1])
        }
        if let match = line.wholeMatch(of: /([a-z_]+): 「(.*)」 matches (.+) \(([a-z_]+), ([a-z_]+)\)/) {
            let category = known("moderation.category." + match.output.4, locale) ?? String(match.output.4)
            let severity = known("moderation.severity." + match.output.5, locale) ?? String(match.output.5)
            return Finding(
                sentence: I18n.text("post.finding.term", locale, [fieldName(String(match.output.1), locale), "{0}", "{1}", category, severity]),
                typed: [String(match.output.2), String(match.output.3)])
        }
        if let colon = line.range(of: ": ") {
            return Finding(
                sentence: I18n.text(
                    "post.finding.asset", locale,
                    ["{0}", LibraryVocabulary.rightsProblem(english: String(line[colon.upperBound...]), locale, in: zone)]),
                typed: [String(line[..<colon.lowerBound])])
        }
        return Finding(sentence: "{0}", typed: [line])
    }

    /// Why an action on a post was refused, from the problem's type (the
    /// English detail is the API's); nil when the type is not one of the
    /// posts' own.
    static func refusal(problemType: String, _ locale: UILocale) -> String? {
        guard let slash = problemType.lastIndex(of: "/") else { return nil }
        let code = problemType[problemType.index(after: slash)...].replacingOccurrences(of: "-", with: "_")
        return known("posts.refused." + code, locale)
    }

    /// The problem types the posts' services raise (keys `posts.refused.*`).
    static let refusals = [
        "post_not_draft", "post_not_approved", "post_not_scheduled", "post_published", "post_publishing", "review_not_allowed", "not_found",
        "forbidden",
    ]
}
