import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Files arriving messages into conversations, in the transaction that
/// stores them: one upsert for the whole batch, keyed by the conversation
/// that is open for the fan and thread, so a burst of pushes costs one
/// statement and two nodes storing the same fan's messages meet on one
/// conversation.
enum ConversationAssembly {
    /// A message about to be stored, with what the analysis found.
    struct Arrival {
        var id: UUID
        var interaction: Interaction
        var analysis: MessageAnalysis

        var thread: String { Conversation.threadKey(kind: interaction.kind.rawValue, postRemoteID: interaction.postRemoteID) }

        func key(account: UUID) -> String { Conversation.openKey(account: account, author: interaction.authorID, thread: thread) }
    }

    struct Assembled {
        /// Conversation id by open key.
        var ids: [String: UUID]
        /// The fan's activity tier by author id, counting this batch.
        var tiers: [String: ActivityTier]
    }

    static func rank(_ priority: MessagePriority) -> Int { MessagePriority.allCases.firstIndex(of: priority) ?? 0 }

    /// `tiers`: each author's activity tier, as `FanAssembly` counted it in
    /// the same transaction.
    static func assemble(
        _ arrivals: [Arrival], tiers: [String: ActivityTier], for account: SocialAccount, now: Date, in sql: any SQLDatabase
    ) async throws -> Assembled {
        let accountID = account.id!
        var order: [String] = []
        var groups: [String: [Arrival]] = [:]
        for arrival in arrivals {
            let key = arrival.key(account: accountID)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(arrival)
        }
        var rows: [any SQLExpression] = []
        // In key order: two groups written side by side (PostgreSQL) then
        // lock the conversations they share in the same order, never in a cycle.
        for key in order.sorted() {
            let group = groups[key]!.sorted { $0.interaction.at < $1.interaction.at }
            let first = group[0]
            let last = group[group.count - 1]
            let top = group.map(\.analysis.priority).max()!
            let values: [any Encodable & Sendable] = [
                TimeOrderedID.make(at: now), account.$workspace.id, accountID, first.interaction.authorID, last.interaction.authorName, first.thread,
                key, Conversation.Status.open.rawValue, InboxQueue.agents.rawValue, "[]", (tiers[first.interaction.authorID] ?? .potential).rawValue,
                top.rawValue, rank(top), last.analysis.sentiment.rawValue, last.analysis.intent.rawValue,
                String((last.interaction.text ?? "").prefix(500)),
                group.count, first.interaction.at, last.interaction.at, "[]", now,
            ]
            rows.append(SQLGroupExpression(values.map { SQLBind($0) }))
        }
        var ids: [String: UUID] = [:]
        for start in stride(from: 0, to: rows.count, by: 300) {
            // A fan writing again in an open conversation adds to it; one we
            // answered (pending) becomes open again.
            let returned = try await sql.raw(
                """
                INSERT INTO conversations (id, workspace_id, account_id, author_id, author_name, thread_key, open_key, status, queue, tags, tier,
                priority, priority_rank, last_sentiment, last_intent, last_text, message_count, opened_at, last_message_at, warned, updated_at)
                VALUES \(SQLList(Array(rows[start..<min(rows.count, start + 300)])))
                ON CONFLICT (open_key) DO UPDATE SET
                author_name = excluded.author_name,
                status = CASE WHEN conversations.status = 'pending' THEN 'open' ELSE conversations.status END,
                priority = CASE WHEN excluded.priority_rank > conversations.priority_rank THEN excluded.priority ELSE conversations.priority END,
                priority_rank = CASE WHEN excluded.priority_rank > conversations.priority_rank THEN excluded.priority_rank ELSE conversations.priority_rank END,
                last_sentiment = excluded.last_sentiment, last_intent = excluded.last_intent, last_text = excluded.last_text,
                message_count = conversations.message_count + excluded.message_count,
                last_message_at = excluded.last_message_at, tier = excluded.tier, updated_at = excluded.updated_at
                RETURNING id, open_key
                """
            ).all()
            for row in returned { ids[try row.decode(column: "open_key", as: String.self)] = try row.decode(column: "id", as: UUID.self) }
        }
        return Assembled(ids: ids, tiers: tiers)
    }
}
