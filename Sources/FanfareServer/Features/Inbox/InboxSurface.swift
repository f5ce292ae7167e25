import FanfareCore
import Fluent
import SQLKit
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
        // The clocks depend on business hours, so they are worked out here
        // (as the inbox's own filter does), over the newest unresolved ones.
        // Only the three times a clock reads, as plain values: filling up to
        // 5,000 conversation models was most of the 工作台's cost. The
        // count assigned to the person comes on each row (conversations
        // assigned to them are unresolved ones, so none when no row).
        let settings = try await InboxSettings.of(access.workspaceID, on: db)
        guard let sql = db as? any SQLDatabase else { return workload }
        let unresolved = Conversation.Status.resolved.rawValue
        let assigned: SQLQueryString =
            userID.map {
                "(SELECT COUNT(*) FROM conversations WHERE workspace_id = \(bind: access.workspaceID) AND assignee_id = \(bind: $0) AND status <> \(bind: unresolved))"
            } ?? "0"
        let open = try await sql.raw(
            """
            SELECT opened_at, first_response_at, resolved_at, \(assigned) AS assigned FROM conversations
            WHERE workspace_id = \(bind: access.workspaceID) AND status <> \(bind: unresolved)
            ORDER BY id DESC LIMIT \(literal: clockScanLimit)
            """
        ).all()
        for row in open {
            workload.assignedToMe = try row.decode(column: "assigned", as: Int.self)
            let clocks = ConversationClocks.make(
                openedAt: try row.decode(column: "opened_at", as: Date.self),
                firstResponseAt: try row.decode(column: "first_response_at", as: Date?.self),
                resolvedAt: try row.decode(column: "resolved_at", as: Date?.self), now: now, policy: settings.policy, zone: access.workspace.zone)
            switch clocks.badge {
            case .warning: workload.aboutToBreach += 1
            case .breached: workload.breached += 1
            default: break
            }
        }
        return workload
    }
}

/// The inbox's service level for the analytics overview: of the
/// conversations opened in each period, how many met their first-response
/// target and how many missed it, by the workspace's policy and business
/// hours (`ServiceLevelOutcome`); still-open ones within their clock count
/// in neither. Also per opening day, and the rows for the drill-down.
extension ConversationService {
    struct ServiceLevelCount: Sendable, Equatable {
        var met = 0
        var missed = 0
        var byDay: [String: (met: Int, missed: Int)] = [:]

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.met == rhs.met && lhs.missed == rhs.missed
                && lhs.byDay.mapValues { [$0.met, $0.missed] } == rhs.byDay.mapValues { [$0.met, $0.missed] }
        }
    }

    struct ServiceLevelRow: Sendable, Equatable {
        var conversationID: UUID
        var accountID: UUID
        var openedAt: Date
        var firstResponseAt: Date?
        var outcome: ServiceLevelOutcome
    }

    static func serviceLevelRows(
        in access: WorkspaceAccess, from: Date, until: Date, accountIDs: [UUID]?, on db: any Database, now: Date = Date()
    ) async throws -> [ServiceLevelRow] {
        guard access.can(.inboxView), let sql = db as? any SQLDatabase, accountIDs?.isEmpty != true else { return [] }
        let filter: SQLQueryString = accountIDs.map { " AND c.account_id IN \(SQLGroupExpression($0.map { SQLBind($0) }))" } ?? ""
        let policy = try await InboxSettings.of(access.workspaceID, on: db).policy
        let zone = access.workspace.zone
        let rows = try await sql.raw(
            """
            SELECT c.id, c.account_id, c.opened_at, c.first_response_at FROM conversations c
            WHERE c.workspace_id = \(bind: access.workspaceID) AND c.opened_at >= \(bind: from) AND c.opened_at < \(bind: until)\(filter)
            ORDER BY c.opened_at DESC, c.id
            """
        ).all()
        return try rows.map { row in
            let opened = try row.decode(column: "opened_at", as: Date.self)
            let answered = try row.decode(column: "first_response_at", as: Date?.self)
            return ServiceLevelRow(
                conversationID: try row.decode(column: "id", as: UUID.self), accountID: try row.decode(column: "account_id", as: UUID.self),
                openedAt: opened, firstResponseAt: answered,
                outcome: ServiceLevelOutcome.of(openedAt: opened, firstResponseAt: answered, now: now, policy: policy, zone: zone))
        }
    }

    static func serviceLevelOutcomes(
        in access: WorkspaceAccess, periods: [(from: Date, until: Date)], accountIDs: [UUID]?, on db: any Database, now: Date = Date()
    ) async throws -> [ServiceLevelCount] {
        var result: [ServiceLevelCount] = []
        let zone = access.workspace.zone
        for period in periods {
            var count = ServiceLevelCount()
            for row in try await serviceLevelRows(in: access, from: period.from, until: period.until, accountIDs: accountIDs, on: db, now: now) {
                let day = MetricDay.of(row.openedAt, in: zone)
                var entry = count.byDay[day] ?? (0, 0)
                switch row.outcome {
                case .met:
                    count.met += 1
                    entry.met += 1
                case .missed:
                    count.missed += 1
                    entry.missed += 1
                case .pending: break
                }
                count.byDay[day] = entry
            }
            result.append(count)
        }
        return result
    }
}

/// A message the inbox has just stored, as other features see it: no
/// model, only what a watcher of the inbox needs.
struct StoredInboxMessage: Sendable {
    var id: UUID
    var workspaceID: UUID
    var accountID: UUID
    var platform: String
    /// `comment`, `mention` or `direct_message`.
    var kind: String
    var remoteID: String
    var authorID: String
    var authorName: String
    var text: String
    var sentAt: Date
    /// Language, sentiment, intent and moderation, as the inbox found them.
    var analysis: MessageAnalysis
}

/// Something done with every batch of messages the inbox stores, inside
/// the same write transaction (so a message and what is made of it commit
/// together). A feature lists its observers in `Feature.messageObservers`;
/// the inbox knows none of them. An observer is called once per batch and
/// must stay cheap: one pass over the batch and batched writes.
protocol InboxMessageObserver: Sendable {
    func inboxStored(_ messages: [StoredInboxMessage], now: Date, in tx: any Database) async throws
}

enum InboxMessageObservers {
    static let all: [any InboxMessageObserver] = Features.all.flatMap(\.messageObservers)
}

extension ConversationService {
    /// The analyser the inbox reads messages with (language, sentiment,
    /// intent, moderation), for text that arrives by other ways.
    static func analyzer(for workspace: Workspace, app: Application) async throws -> MessageAnalyzer {
        MessageAnalyzer(models: ShippedAnalysisModels.models, engine: try await app.moderationEngine(for: workspace))
    }
}

/// Incidents (issue 20): the crisis wordings of the reply library, for
/// holding statements, and the replies sent while an incident was active.
extension ConversationService {
    struct CrisisTemplate: Sendable, Equatable {
        var id: UUID
        var name: String
        var category: String
        var body: String
    }

    static func crisisTemplates(in workspaceID: UUID, on db: any Database) async throws -> [CrisisTemplate] {
        try await ReplyTemplate.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$category ~~ ReplyTemplateCategory.allCases.map(\.rawValue).filter { $0.hasPrefix("crisis.") }).sort(\.$name).all()
            .map { CrisisTemplate(id: $0.id!, name: $0.name, category: $0.category, body: $0.body) }
    }

    struct SentReply: Sendable, Equatable {
        var replyID: UUID
        var conversationID: UUID
        var text: String
        var at: Date
    }

    /// Replies of the workspace sent in `from...until`, oldest first (at most `limit`).
    static func repliesSent(in workspaceID: UUID, from: Date, until: Date, limit: Int = 200, on db: any Database) async throws -> [SentReply] {
        try await InboxReply.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$status == InboxReply.Status.sent.rawValue)
            .filter(\.$sentAt >= from).filter(\.$sentAt <= until).sort(\.$sentAt).limit(limit).all()
            .map { SentReply(replyID: $0.id!, conversationID: $0.$conversation.id, text: $0.text, at: $0.sentAt ?? from) }
    }
}
