import FanfareCore
import Fluent
import Vapor

/// What other features may ask of the Inbox: the job that sends a stored
/// reply through its account's connector; fetching an account's messages
/// and sending queued replies as of a given moment (the demo's replay).
extension ConversationService {
    static func replyJob(for replyID: UUID, at now: Date) throws -> JobQueue.NewJob {
        try ReplySender.job(for: replyID, at: now)
    }

    /// Fetches what `account`'s platform shows as of `now` into the inbox;
    /// the number of new messages.
    @discardableResult
    static func fetchMessages(of account: SocialAccount, app: Application, now: Date) async throws -> Int {
        try await MessageIntake.poll(account, app: app, now: now)
    }

    /// Sends every reply queued by `now`, as the worker would then, and
    /// finishes their jobs. The demo replays its history's answers when
    /// they were given with it; the worker is not running meanwhile.
    static func sendQueuedReplies(app: Application, at now: Date) async throws {
        let jobs = try await Job.query(on: app.db).filter(\.$kind == ReplySender.kind.name).filter(\.$state == Job.State.queued.rawValue)
            .filter(\.$runAt <= now).all()
        guard !jobs.isEmpty else { return }
        let results = try await ReplySender.runBatch(jobs, app, clock: { now })
        try await JobQueue(db: app.db).finish(jobs.map { ($0, results[$0.id!] ?? .succeeded) }, now: now)
    }
}

/// One person's inbox work, counted for the 工作台; each count is a filter
/// of the inbox (`assignee=me`, `sla=warning`, `sla=breached`).
extension ConversationService {
    struct Workload: Sendable, Equatable {
        /// Unresolved conversations assigned to this person.
        var assignedToMe = 0
        /// Unresolved conversations whose service level is about to be missed.
        var aboutToBreach = 0
        /// …and those already past it.
        var breached = 0
    }

    static func workload(of userID: UUID?, in access: WorkspaceAccess, on db: any Database, now: Date = Date()) async throws -> Workload {
        guard access.can(.inboxView) else { return Workload() }
        var workload = Workload()
        if let userID {
            workload.assignedToMe = try await access.query(Conversation.self, on: db).filter(\.$assignee.$id == userID)
                .filter(\.$status != Conversation.Status.resolved.rawValue).count()
        }
        // The clocks depend on business hours, so they are worked out here
        // (as the inbox's own filter does), over the newest unresolved ones.
        let settings = try await InboxSettings.of(access.workspaceID, on: db)
        let open = try await access.query(Conversation.self, on: db).filter(\.$status != Conversation.Status.resolved.rawValue)
            .sort(\.$id, .descending).range(..<clockScanLimit).all()
        for conversation in open {
            switch conversation.clocks(policy: settings.policy, zone: access.workspace.zone, now: now).badge {
            case .warning: workload.aboutToBreach += 1
            case .breached: workload.breached += 1
            default: break
            }
        }
        return workload
    }
}
