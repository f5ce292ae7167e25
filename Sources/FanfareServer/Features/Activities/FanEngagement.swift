import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What fans' messages earn them, after the messages are stored: points
/// for commenting (within the daily cap), and entries to the workspace's
/// open activities, as `ActivityEntryRules.answer(ofMessage:)` reads a
/// message ("签到" checks in, "报名" takes a place, …). One job per
/// stored batch keeps this off the intake's transaction; every award is
/// keyed by its message, so a retried job pays nothing twice.
enum FanEngagement {
    static let kind = JobKind<Payload>("fans.engagement")

    /// Stored as `{"messageIDs": […]}`.
    struct Payload: Codable, Sendable, Equatable {
        var messageIDs: [UUID]
    }

    static func job(for messageIDs: [UUID], at now: Date) throws -> JobQueue.NewJob? {
        guard let first = messageIDs.first else { return nil }
        return try JobQueue.NewJob(
            kind, payload: Payload(messageIDs: messageIDs), runAt: now, uniqueKey: "\(kind.name):\(first.uuidString.lowercased())", maxAttempts: 5)
    }

    /// Messages paid for in one transaction.
    static let ledgerSlice = 300

    /// Every claimed job's messages in one pass. A burst of pushes stores
    /// many small batches; run a job at a time, each would take SQLite's
    /// writer for itself (a burst of 2,000 pushes a second fell to 1,200
    /// stored a second); together they are paid in a handful of statements.
    @Sendable static func runBatch(_ jobs: [Job], _ app: Application) async throws -> [UUID: JobResult] {
        // An unreadable payload ends its job failed, naming the kind.
        let (readable, unreadable) = kind.payloads(of: jobs)
        try await process(readable.flatMap(\.payload.messageIDs), now: Date(), on: app.db)
        return unreadable
    }

    /// What engagement reads of a stored message: a burst reads thousands,
    /// so only these columns, without Fluent's per-model reflection.
    struct Message {
        var id: UUID
        var workspaceID: UUID
        var fanID: UUID
        var text: String
        var sentAt: Date
    }

    static func process(_ messageIDs: [UUID], now: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var messages: [Message] = []
        for start in stride(from: 0, to: messageIDs.count, by: 500) {
            let chunk = SQLGroupExpression(messageIDs[start..<min(messageIDs.count, start + 500)].map { SQLBind($0) })
            for row in try await sql.raw(
                "SELECT id, workspace_id, fan_id, text, sent_at FROM incoming_messages WHERE id IN \(chunk) AND fan_id IS NOT NULL"
            ).all() {
                messages.append(
                    Message(
                        id: try row.decode(column: "id", as: UUID.self), workspaceID: try row.decode(column: "workspace_id", as: UUID.self),
                        fanID: try row.decode(column: "fan_id", as: UUID.self), text: try row.decode(column: "text", as: String.self),
                        sentAt: try row.decode(column: "sent_at", as: Date.self)))
            }
        }
        for (workspaceID, ofWorkspace) in Dictionary(grouping: messages, by: \.workspaceID) {
            guard let workspace = try await Workspace.find(workspaceID, on: db) else { continue }
            try await engage(ofWorkspace.sorted { ($0.sentAt, $0.id) < ($1.sentAt, $1.id) }, in: workspace, now: now, on: db)
        }
    }

    private static func engage(_ messages: [Message], in workspace: Workspace, now: Date, on db: any Database) async throws {
        let programme = try await FanService.programme(of: workspace.id!, on: db)
        let zone = TimeZone(identifier: workspace.timeZone) ?? .gmt
        // A slice per transaction, in order of sending, so each day's cap
        // still counts what the slices before it paid. One transaction for
        // a burst's whole batch held SQLite's writer for up to 90 ms while
        // pushes, whose platforms wait on the answer, queued behind it;
        // slices of 100 paid more in commits than they saved in waiting.
        for start in stride(from: 0, to: messages.count, by: ledgerSlice) {
            let slice = messages[start..<min(messages.count, start + ledgerSlice)]
            try await db.writeTransaction { tx in
                let paid = try await PointsLedger(db: tx).earnForMessages(
                    slice.map { (fanID: $0.fanID, messageID: $0.id, at: $0.sentAt) }, action: .comment, in: workspace.id!,
                    policy: programme.points, zone: zone, now: now)
                try await LoyaltyProgress.refresh(Array(paid), programme: programme, now: now, on: tx)
            }
        }
        let open = try await Activity.query(on: db).filter(\.$workspace.$id == workspace.id!).filter(\.$status == ActivityStatus.open.rawValue).all()
            .compactMap { activity in activity.settings.map { (activity: activity, settings: $0) } }
        guard !open.isEmpty else { return }
        let entries = ActivityEntries(db: db)
        for message in messages {
            let folded = TextFolding.fold(message.text)
            for (activity, settings) in open where activity.startsAt <= message.sentAt && message.sentAt < activity.endsAt {
                guard let answer = ActivityEntryRules.answer(ofMessage: message.text, folded: folded, to: settings) else { continue }
                do {
                    _ = try await entries.enter(
                        activity, fanID: message.fanID, answer: answer, messageID: message.id, workspace: workspace, now: message.sentAt)
                } catch let problem as Problem where problem.status == 409 || problem.status == 403 {
                    // Already checked in today, not in the audience, below the level, no places left: the message stays a message.
                } catch is ValidationErrors {
                    // Not enough points for a paid entry, an answer that is not one: the same.
                }
            }
        }
    }
}
