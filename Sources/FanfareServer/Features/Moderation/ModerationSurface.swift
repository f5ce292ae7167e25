import FanfareCore
import Vapor

/// What other features may use of Moderation: how a message's matches, its
/// analysis and the recommended action are shown, so the inbox shows them
/// as moderation does.
extension ModerationService {
    static func highlighted(_ text: String, _ matches: [ModerationMatch], _ ctx: PageContext) -> HTML {
        ModerationVocabulary.highlighted(text, matches, ctx.locale)
    }

    static func analysis(_ analysis: IncomingMessageDTO.Analysis?, _ ctx: PageContext) -> HTML {
        ModerationVocabulary.analysis(analysis, ctx.locale)
    }

    /// The recommended action as a badge; nothing when none is recommended.
    static func recommendation(_ code: String, _ ctx: PageContext) -> HTML {
        code == ModerationAction.none.rawValue ? .empty : ModerationVocabulary.recommendation(code, ctx.locale)
    }
}
