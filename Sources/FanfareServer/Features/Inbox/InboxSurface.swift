import FanfareCore
import Fluent
import Vapor

/// What other features may ask of the Inbox: the job that sends a stored
/// reply through its account's connector.
extension ConversationService {
    static func replyJob(for replyID: UUID, at now: Date) -> JobQueue.NewJob {
        ReplySender.job(for: replyID, at: now)
    }
}
