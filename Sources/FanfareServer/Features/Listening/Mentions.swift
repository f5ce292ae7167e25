import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A mention to store: what was said, where, and which monitors heard it.
struct NewMention: Sendable {
    var source: ListeningSource
    /// The account, feed or import it came through (its id, as text).
    var sourceKey: String
    var externalID: String
    var platform: String
    var accountID: UUID?
    var messageID: UUID?
    var author: String
    var text: String
    var url: String?
    var publishedAt: Date
    var analysis: MessageAnalysis
    var monitorIDs: [UUID]
}

/// Writing mentions: one multi-row insert for the mentions, one for the
/// monitors that heard them. The unique (workspace, source kind, source,
/// external id) key drops a mention heard twice, also when two writers
/// carry it at once; only the rows actually written get monitor rows.
enum MentionStore {
    /// The monitors that heard a new mention.
    @discardableResult
    static func insert(_ mentions: [NewMention], workspaceID: UUID, now: Date, in db: any Database) async throws -> Set<UUID> {
        guard !mentions.isEmpty, let sql = db as? any SQLDatabase else { return [] }
        // In key order: two writers carrying the same mentions wait on the
        // unique key in one order.
        let sorted = mentions.map { (TimeOrderedID.make(at: now), $0) }.sorted {
            ($0.1.sourceKey, $0.1.externalID) < ($1.1.sourceKey, $1.1.externalID)
        }
        var written = Set<UUID>()
        for start in stride(from: 0, to: sorted.count, by: 300) {
            let chunk = sorted[start..<min(sorted.count, start + 300)]
            let rows: [any SQLExpression] = chunk.map { id, mention in
                let values: [any Encodable & Sendable] = [
                    id, workspaceID, mention.source.rawValue, mention.sourceKey, mention.externalID, mention.platform, mention.accountID,
                    mention.messageID, mention.author, mention.text, mention.url, mention.publishedAt, now, mention.analysis.lang.rawValue,
                    mention.analysis.sentiment.rawValue, mention.analysis.intent.rawValue,
                ]
                return SQLGroupExpression(values.map { SQLBind($0) })
            }
            let returned = try await sql.raw(
                """
                INSERT INTO listening_mentions (id, workspace_id, source_kind, source_key, external_id, platform, account_id, message_id, author,
                text, url, published_at, received_at, lang, sentiment, intent)
                VALUES \(SQLList(rows)) ON CONFLICT DO NOTHING RETURNING id
                """
            ).all()
            for row in returned { written.insert(try row.decode(column: "id", as: UUID.self)) }
        }
        var heard = Set<UUID>()
        var links: [any SQLExpression] = []
        for (id, mention) in sorted where written.contains(id) {
            let negative = mention.analysis.sentiment == .neg ? 1 : 0
            for monitor in mention.monitorIDs {
                heard.insert(monitor)
                let values: [any Encodable & Sendable] = [id, monitor, workspaceID, mention.publishedAt, negative]
                links.append(SQLGroupExpression(values.map { SQLBind($0) }))
            }
        }
        for start in stride(from: 0, to: links.count, by: 500) {
            try await sql.raw(
                """
                INSERT INTO listening_mention_monitors (mention_id, monitor_id, workspace_id, at, negative)
                VALUES \(SQLList(Array(links[start..<min(links.count, start + 500)]))) ON CONFLICT DO NOTHING
                """
            ).run()
        }
        if !heard.isEmpty { try await AlertEvaluation.soon(workspaceID, now: now, in: db) }
        return heard
    }
}

/// The inbox's messages, matched on arrival: one matcher pass over the
/// batch (the compiled monitors come from the cache), one batched insert.
struct ListeningInboxObserver: InboxMessageObserver {
    func inboxStored(_ messages: [StoredInboxMessage], now: Date, in tx: any Database) async throws {
        guard let workspaceID = messages.first?.workspaceID,
            let compiled = try await MonitorMatcherCache.shared.compiled(for: workspaceID, on: tx)
        else { return }
        var mentions: [NewMention] = []
        for message in messages {
            let heard = compiled.match(message.text, platform: message.platform, source: message.accountID, kind: .inbox)
            guard !heard.isEmpty else { continue }
            mentions.append(
                NewMention(
                    source: .inbox, sourceKey: message.accountID.uuidString.lowercased(), externalID: message.remoteID, platform: message.platform,
                    accountID: message.accountID, messageID: message.id, author: message.authorName, text: message.text, url: nil,
                    publishedAt: message.sentAt, analysis: message.analysis, monitorIDs: heard))
        }
        try await MentionStore.insert(mentions, workspaceID: workspaceID, now: now, in: tx)
    }
}

struct MentionDTO: Content, Equatable {
    var id: UUID
    var source: String
    var platform: String
    var accountId: UUID?
    var externalId: String
    var author: String
    var text: String
    var url: String?
    var publishedAt: Date
    var receivedAt: Date
    var lang: String
    var sentiment: String
    var intent: String
    var monitorIds: [UUID]
}

/// Reading mentions, newest first, filtered by monitor, source, sentiment
/// and time.
struct MentionQuery: Sendable {
    var monitorID: UUID?
    var source: ListeningSource?
    var sentiment: MessageSentiment?
    var from: Date?
    var to: Date?
    var before: UUID?
    var limit = 50

    func run(_ workspaceID: UUID, on db: any Database) async throws -> [MentionDTO] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var conditions: [SQLQueryString] = ["m.workspace_id = \(bind: workspaceID)"]
        if let monitorID {
            conditions.append("m.id IN (SELECT mention_id FROM listening_mention_monitors WHERE monitor_id = \(bind: monitorID))")
        }
        if let source { conditions.append("m.source_kind = \(bind: source.rawValue)") }
        if let sentiment { conditions.append("m.sentiment = \(bind: sentiment.rawValue)") }
        if let from { conditions.append("m.published_at >= \(bind: from)") }
        if let to { conditions.append("m.published_at < \(bind: to)") }
        if let before { conditions.append("m.id < \(bind: before)") }
        let rows = try await sql.raw(
            """
            SELECT m.id, m.source_kind, m.platform, m.account_id, m.external_id, m.author, m.text, m.url, m.published_at, m.received_at, m.lang,
            m.sentiment, m.intent FROM listening_mentions m WHERE \(conditions.joined(separator: " AND "))
            ORDER BY m.id DESC LIMIT \(literal: limit)
            """
        ).all()
        var mentions: [MentionDTO] = []
        for row in rows {
            mentions.append(
                MentionDTO(
                    id: try row.decode(column: "id", as: UUID.self), source: try row.decode(column: "source_kind", as: String.self),
                    platform: try row.decode(column: "platform", as: String.self), accountId: try row.decode(column: "account_id", as: UUID?.self),
                    externalId: try row.decode(column: "external_id", as: String.self), author: try row.decode(column: "author", as: String.self),
                    text: try row.decode(column: "text", as: String.self), url: try row.decode(column: "url", as: String?.self),
                    publishedAt: try row.decode(column: "published_at", as: Date.self),
                    receivedAt: try row.decode(column: "received_at", as: Date.self),
                    lang: try row.decode(column: "lang", as: String.self), sentiment: try row.decode(column: "sentiment", as: String.self),
                    intent: try row.decode(column: "intent", as: String.self), monitorIds: []))
        }
        guard !mentions.isEmpty else { return [] }
        let links = try await sql.raw(
            """
            SELECT mention_id, monitor_id FROM listening_mention_monitors
            WHERE mention_id IN \(SQLGroupExpression(mentions.map { SQLBind($0.id) }))
            """
        ).all()
        var byMention: [UUID: [UUID]] = [:]
        for row in links {
            byMention[try row.decode(column: "mention_id", as: UUID.self), default: []].append(try row.decode(column: "monitor_id", as: UUID.self))
        }
        for index in mentions.indices { mentions[index].monitorIds = (byMention[mentions[index].id] ?? []).sorted { $0.uuidString < $1.uuidString } }
        return mentions
    }
}
