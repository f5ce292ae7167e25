import FanfareCore
import Fluent
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

    /// The job that carries out the workspace's moderation rules on these
    /// messages, just stored with their grades; nil when the rules ask
    /// nothing of any of them. Queued in the intake's transaction, so a
    /// message stored is a message the rules will see.
    static func ruleJob(
        for arrivals: [(id: UUID, grade: ModerationAction)], workspaceID: UUID, at now: Date, in db: any Database
    ) async throws
        -> JobQueue.NewJob?
    {
        try await ModerationByRule.job(for: arrivals, workspaceID: workspaceID, at: now, in: db)
    }
}
