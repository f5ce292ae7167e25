import FanfareCore
import Vapor

/// What other features may use of Moderation: how a message's matches and
/// its analysis are shown, so the inbox shows them as moderation does.
extension ModerationService {
    static func highlighted(_ text: String, _ matches: [ModerationMatch], _ ctx: PageContext) -> HTML {
        ModerationPages.highlighted(text, matches, ctx)
    }

    static func analysis(_ message: IncomingMessage, _ ctx: PageContext) -> HTML {
        ModerationPages.analysis(message, ctx)
    }
}
