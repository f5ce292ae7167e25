import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Sends queued replies through the account's connector: one job per
/// reply, keyed by the reply, so it is queued once. The reply's id is the
/// idempotency key the platform sees, and a reply already sent is never
/// sent again, so retries and a second worker answer the fan once. Where
/// the platform takes no key (WeChat's customer-service messages), the
/// same holds because the reply is recorded before it is sent, only a
/// queued reply is sent, and an answer that never came leaves it
/// `unknown` for a person, never re-sent.
enum ReplySender {
    static let kind = JobKind<Payload>("inbox.reply")

    /// Stored as `{"replyID": …}`.
    struct Payload: Codable, Sendable, Equatable {
        var replyID: UUID
    }

    static func job(for replyID: UUID, at now: Date) throws -> JobQueue.NewJob {
        try JobQueue.NewJob(
            kind, payload: Payload(replyID: replyID), runAt: now, uniqueKey: "\(kind.name):\(replyID.uuidString.lowercased())", maxAttempts: 6)
    }

    /// Replies sent at the same time to the platforms.
    static let concurrency = 16

    /// What became of one reply.
    enum Outcome {
        case sent(remoteID: String)
        /// Sent, but nobody knows whether the platform kept it: a person checks.
        case unknown(String)
        case failed(String)
        case retry(after: TimeInterval, reason: String)
    }

    /// Sends the claimed replies: the replies, their messages and accounts
    /// read in three queries, the sends side by side, and every result
    /// written in one transaction, so a burst of automatic answers does
    /// not cost a transaction each on the database the inbox writes to.
    @Sendable static func runBatch(_ jobs: [Job], _ app: Application) async throws -> [UUID: JobResult] {
        try await runBatch(jobs, app, clock: { Date() })
    }

    /// `clock` is the time the replies go out at: the real one for the
    /// worker; the demo replays its history's answers when they were given.
    static func runBatch(_ jobs: [Job], _ app: Application, clock: @escaping @Sendable () -> Date) async throws -> [UUID: JobResult] {
        // An unreadable payload ends its job failed, naming the kind.
        let (readable, unreadable) = kind.payloads(of: jobs)
        var results = unreadable
        var jobOfReply: [UUID: Job] = [:]
        for (job, payload) in readable { jobOfReply[payload.replyID] = job }
        guard !jobOfReply.isEmpty else { return results }
        // A reply already sent, or gone, is left alone: retries and a second worker answer the fan once.
        let replies = try await InboxReply.query(on: app.db).filter(\.$id ~~ Array(jobOfReply.keys))
            .filter(\.$status == InboxReply.Status.queued.rawValue).all()
        let messages = try await IncomingMessage.query(on: app.db).filter(\.$id ~~ Array(Set(replies.map(\.$message.id)))).all()
        let messageByID = Dictionary(messages.map { ($0.id!, $0) }, uniquingKeysWith: { first, _ in first })
        let accounts = try await SocialAccount.query(on: app.db).filter(\.$id ~~ Array(Set(messages.map(\.$account.id)))).all()
        var connectors: [UUID: Result<any Connector, Problem>] = [:]
        let service = AccountService(db: app.db, app: app)
        for account in accounts {
            do {
                var connector = try service.connector(for: account, clock: clock)
                // A token about to expire is renewed and stored first, as
                // publishing does (WeChat's last two hours). Best effort: when
                // renewing fails, the send says what is wrong.
                if (try? await service.refreshIfNeeded(account, connector: connector, now: clock())) != nil {
                    connector = try service.connector(for: account, clock: clock)
                }
                connectors[account.id!] = .success(connector)
            } catch let problem as Problem {
                connectors[account.id!] = .failure(problem)
            }
        }
        var outcomes: [UUID: Outcome] = [:]
        await withTaskGroup(of: (UUID, Outcome)?.self) { group in
            var waiting = replies.makeIterator()
            func next() -> Bool {
                guard let reply = waiting.next() else { return false }
                let job = jobOfReply[reply.id!]!
                let message = messageByID[reply.$message.id]
                let connector = message.flatMap { connectors[$0.$account.id] }
                let lastAttempt = job.attempts >= job.maxAttempts
                let (id, text, template) = (reply.id!, reply.text, reply.templateMessage)
                group.addTask {
                    guard let message, let connector else { return (id, .failed("the message or its account was removed")) }
                    return (
                        id,
                        await send(text, template: template, replying: message.remoteID, key: id, through: connector, lastAttempt: lastAttempt)
                    )
                }
                return true
            }
            for _ in 0..<concurrency where next() {}
            for await done in group {
                if let (id, outcome) = done { outcomes[id] = outcome }
                _ = next()
            }
        }
        try await record(outcomes, of: replies, at: clock(), on: app.db)
        for (replyID, outcome) in outcomes {
            if case .retry(let after, let reason) = outcome { results[jobOfReply[replyID]!.id!] = .retry(after: after, reason: reason) }
        }
        return results
    }

    /// One reply through the connector: its text, or the template message
    /// it is (WeChat's 模板消息) where the platform sends those.
    static func send(
        _ text: String, template: TemplateMessage? = nil, replying remoteID: String, key: UUID, through connector: Result<any Connector, Problem>,
        lastAttempt: Bool
    )
        async -> Outcome
    {
        do {
            let connector = try connector.get()
            if let template {
                guard let sender = connector as? any TemplateMessaging else {
                    throw ConnectorError.notSupported("this platform has no template messages; answer on the platform")
                }
                return .sent(remoteID: try await sender.sendTemplate(template, replyingTo: remoteID, idempotencyKey: key.uuidString.lowercased()))
            }
            guard connector.capabilities.canReply else {
                throw ConnectorError.notSupported("this platform does not let Fanfare reply; answer on the platform")
            }
            return .sent(remoteID: try await connector.reply(to: remoteID, text: text, idempotencyKey: key.uuidString.lowercased()))
        } catch let error as ConnectorError {
            switch error {
            case .rateLimited(let after) where !lastAttempt: return .retry(after: max(1, after), reason: "rate limited")
            case .temporary(let reason) where !lastAttempt: return .retry(after: RetryPolicy().delay(afterAttempt: 1), reason: reason)
            case .outcomeUnknown(let reason): return .unknown(reason)
            // Shown on the conversation's page: a sentence, not Swift's form of the error.
            default: return .failed(ErrorSentence.of(error, otherwise: ""))
            }
        } catch let problem as Problem {
            return .failed(problem.detail ?? problem.title)
        } catch {
            return .failed("The reply could not be sent (an unexpected error; the server's log has it).")
        }
    }

    /// Every finished reply in one transaction; a reply to be retried stays
    /// queued. The conversations are touched first: on SQLite a transaction
    /// writes before it reads, and their pages watch `updated_at`.
    static func record(_ outcomes: [UUID: Outcome], of replies: [InboxReply], at now: Date, on db: any Database) async throws {
        var rows: [any SQLExpression] = []
        var conversations = Set<UUID>()
        for reply in replies {
            let (status, remoteID, error): (InboxReply.Status, String?, String?)
            switch outcomes[reply.id!] {
            case .sent(let id): (status, remoteID, error) = (.sent, id, nil)
            case .unknown(let reason): (status, remoteID, error) = (.unknown, nil, reason)
            case .failed(let reason): (status, remoteID, error) = (.failed, nil, reason)
            case .retry, nil: continue
            }
            conversations.insert(reply.$conversation.id)
            rows.append(
                SQLGroupExpression([
                    SQLBind(reply.id!), SQLBind(status.rawValue), SQLBind(remoteID ?? ""), SQLBind(String((error ?? "").prefix(1_000))),
                ]))
        }
        guard !rows.isEmpty else { return }
        let (ids, rowsToWrite) = (Array(conversations), rows)
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            for start in stride(from: 0, to: ids.count, by: 500) {
                try await sql.raw(
                    "UPDATE conversations SET updated_at = \(bind: now) WHERE id IN \(SQLGroupExpression(ids[start..<min(ids.count, start + 500)].map { SQLBind($0) }))"
                ).run()
            }
            // VALUES columns are named column1… on both SQLite and PostgreSQL; empty strings stand for none, so no column is all NULL.
            for start in stride(from: 0, to: rowsToWrite.count, by: 300) {
                try await sql.raw(
                    """
                    UPDATE inbox_replies SET status = v.column2, remote_id = NULLIF(v.column3, ''), error = NULLIF(v.column4, ''),
                    sent_at = CASE WHEN v.column2 = \(bind: InboxReply.Status.sent.rawValue) THEN \(bind: now) ELSE NULL END
                    FROM (VALUES \(SQLList(Array(rowsToWrite[start..<min(rowsToWrite.count, start + 300)])))) AS v WHERE inbox_replies.id = v.column1
                    """
                ).run()
            }
        }
    }
}
