/// Small coloured labels every page shares: a status, whose colour says
/// what it asks of the reader (the same everywhere: red is something to act
/// on), and a platform, recognisable by its colour. The label is already in
/// the reader's language; the code stays in `data-code` for tests and styles.
enum Badges {
    enum Tone: String, Sendable, Equatable {
        case success, warning, danger, neutral, info
    }

    static func status(_ label: String, tone: Tone, code: String) -> HTML {
        "<span class=\"badge tone-\(tone.rawValue)\" data-code=\"\(code)\">\(label)</span>"
    }

    static func platform(_ platform: String, _ ctx: PageContext) -> HTML {
        "<span class=\"badge platform platform-\(platform)\" data-code=\"\(platform)\">\(ctx.t("platform." + platform))</span>"
    }
}
