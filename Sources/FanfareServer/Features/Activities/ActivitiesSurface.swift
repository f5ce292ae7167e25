import FanfareCore
import Fluent
import Vapor

/// What other features may ask of Activities: the job that lets fans'
/// messages enter activities and earn points, and running it at once.
extension ActivityService {
    /// The job for a batch of new messages, or nil when there are none.
    static func engagementJob(for messageIDs: [UUID], at now: Date) throws -> JobQueue.NewJob? {
        try FanEngagement.job(for: messageIDs, at: now)
    }

    /// Lets these messages enter activities and earn points now.
    static func processMessages(_ messageIDs: [UUID], now: Date, on db: any Database) async throws {
        try await FanEngagement.process(messageIDs, now: now, on: db)
    }
}
