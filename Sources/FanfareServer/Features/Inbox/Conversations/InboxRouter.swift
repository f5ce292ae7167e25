import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Synchronization
import Vapor

/// The first tier of response: the workspace's rules, applied to each
/// arriving message in the transaction that stores it. A rule may tag the
/// conversation, send it to the agents' or the experts' queue, and answer
/// from a template; `InboxRouting` (FanfareCore) decides, this writes.
enum InboxRouter {
    static func route(
        _ arrivals: [ConversationAssembly.Arrival], conversations: ConversationAssembly.Assembled, fans: [String: UUID],
        for account: SocialAccount, canReply: Bool, now: Date, in tx: any Database
    ) async throws {
        let workspaceID = account.$workspace.id
        guard let sql = tx as? any SQLDatabase, let setup = try await RoutingSetup.load(workspaceID, on: tx) else { return }
        let accountID = account.id!
        let segments = try await segmentMembership(
            fans, asked: setup.rules.segmentIDs, workspaceID: workspaceID, zone: setup.rules.zone, now: now, on: tx)
        var autoReplies = try await automaticRepliesInLastHour(to: Set(arrivals.map(\.interaction.authorID)), on: accountID, now: now, in: sql)
        var templates: [UUID: ReplyTemplate?] = [:]
        var touched: [UUID: (tags: [String], queue: InboxQueue?, replied: Bool)] = [:]
        var replies: [InboxReply] = []
        for arrival in arrivals {
            let author = arrival.interaction.authorID
            guard let conversationID = conversations.ids[arrival.key(account: accountID)] else { continue }
            let facts = MessageFacts(
                text: arrival.interaction.text ?? "", kind: arrival.interaction.kind.rawValue, accountID: accountID,
                intent: arrival.analysis.intent.rawValue, sentiment: arrival.analysis.sentiment.rawValue,
                tier: conversations.tiers[author] ?? .silent, at: arrival.interaction.at,
                segments: fans[author].flatMap { segments[$0] } ?? [])
            let decision = setup.rules.route(facts, autoRepliesToFanLastHour: autoReplies[author, default: 0], cap: setup.cap)
            guard !decision.matchedRuleIDs.isEmpty else { continue }
            var change = touched[conversationID] ?? ([], nil, false)
            for tag in decision.tags where !change.tags.contains(tag) { change.tags.append(tag) }
            if decision.queue == .experts || change.queue == nil { change.queue = decision.queue }
            // A platform that takes no replies from Fanfare gets none queued: the
            // rule's tags and queue still bring the conversation to a person.
            if let templateID = decision.replyTemplateID, canReply, !change.replied {
                if templates[templateID] == nil {
                    templates[templateID] = try await ReplyTemplate.query(on: tx).filter(\.$id == templateID).filter(\.$workspace.$id == workspaceID)
                        .first()
                }
                if let template = templates[templateID] ?? nil,
                    let text = automaticText(template, arrival: arrival, account: account, zone: setup.rules.zone, now: now)
                {
                    let reply = InboxReply()
                    reply.id = TimeOrderedID.make(at: now)
                    reply.$workspace.id = workspaceID
                    reply.$conversation.id = conversationID
                    reply.$message.id = arrival.id
                    reply.text = text
                    reply.templateID = templateID
                    reply.ruleID = decision.replyRuleID
                    reply.automatic = true
                    reply.status = InboxReply.Status.queued.rawValue
                    reply.createdAt = now
                    replies.append(reply)
                    change.replied = true
                    autoReplies[author, default: 0] += 1
                }
            }
            touched[conversationID] = change
        }
        try await apply(touched, now: now, in: sql)
        guard !replies.isEmpty else { return }
        try await replies.create(on: tx)
        try await JobQueue(db: tx).enqueueMany(try replies.map { try ReplySender.job(for: $0.id!, at: now) }, now: now)
    }

    /// The segments each fan of the batch is in, of those the rules ask
    /// about; nothing is read when no rule names a segment.
    static func segmentMembership(
        _ fans: [String: UUID], asked: Set<UUID>, workspaceID: UUID, zone: TimeZone, now: Date, on db: any Database
    ) async throws -> [UUID: Set<UUID>] {
        guard !asked.isEmpty, !fans.isEmpty else { return [:] }
        let saved = try await Segment.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id ~~ Array(asked)).all()
        let rules = Dictionary(uniqueKeysWithValues: saved.map { ($0.id!, $0.rule) })
        return try await FanService.segmentMembership(
            of: Array(Set(fans.values)), in: rules, workspaceID: workspaceID, zone: zone, now: now, on: db)
    }

    /// What routing a workspace's messages needs. Rules are read as stored
    /// text; the compiled set (keywords folded, JSON decoded) is kept while
    /// that text and the zone are the same, so an edit on any node counts
    /// from the next batch and an unchanged set is not compiled again.
    struct RoutingSetup {
        var rules: InboxRuleSet
        var cap: Int

        private static let compiled = Mutex<[UUID: (stored: [String], rules: InboxRuleSet)]>([:])

        /// Nil when the workspace has no rule switched on.
        static func load(_ workspaceID: UUID, on db: any Database) async throws -> RoutingSetup? {
            guard let sql = db as? any SQLDatabase else { return nil }
            let rows = try await sql.raw(
                """
                SELECT id, name, conditions, actions, answers_negative FROM inbox_rules
                WHERE workspace_id = \(bind: workspaceID) AND enabled = \(bind: true) ORDER BY position, created_at
                """
            ).all()
            guard !rows.isEmpty,
                let workspace = try await sql.raw(
                    """
                    SELECT w.time_zone AS zone, s.auto_reply_cap AS cap FROM workspaces w LEFT JOIN inbox_settings s ON s.workspace_id = w.id
                    WHERE w.id = \(bind: workspaceID)
                    """
                ).first()
            else { return nil }
            let zone = try workspace.decode(column: "zone", as: String.self)
            let cap = try workspace.decode(column: "cap", as: Int?.self) ?? InboxRouting.defaultHourlyCap
            var stored = [zone]
            var records: [InboxRuleRecord] = []
            for row in rows {
                let record = InboxRuleRecord()
                record.id = try row.decode(column: "id", as: UUID.self)
                record.name = try row.decode(column: "name", as: String.self)
                record.enabled = true
                record.conditionsJSON = try row.decode(column: "conditions", as: String.self)
                record.actionsJSON = try row.decode(column: "actions", as: String.self)
                record.answersNegative = try row.decode(column: "answers_negative", as: Bool.self)
                stored += [record.id!.uuidString, record.conditionsJSON, record.actionsJSON, String(record.answersNegative)]
                records.append(record)
            }
            if let known = compiled.withLock({ $0[workspaceID] }), known.stored == stored {
                return RoutingSetup(rules: known.rules, cap: cap)
            }
            let rules = InboxRuleSet(records.map(\.rule), zone: TimeZone(identifier: zone) ?? .gmt)
            compiled.withLock { cache in
                if cache.count > 10_000 { cache.removeAll() }
                cache[workspaceID] = (stored, rules)
            }
            return RoutingSetup(rules: rules, cap: cap)
        }
    }

    /// The automatic answer, or nil when the template needs a value only a
    /// person can give (an order id): then the conversation waits for an
    /// agent, as it would without the rule.
    static func automaticText(
        _ template: ReplyTemplate, arrival: ConversationAssembly.Arrival, account: SocialAccount, zone: TimeZone, now: Date
    )
        -> String?
    {
        guard
            let text = try? ReplyTemplateService.text(
                of: template, toFan: arrival.interaction.authorName, account: account, agent: nil, zone: zone, strict: true, now: now),
            ReplyLimits.problem(with: text, platform: account.rulesPlatform) == nil
        else { return nil }
        return text
    }

    /// Automatic replies sent to each of these fans on this account in the
    /// last hour, in one query per 500 fans.
    static func automaticRepliesInLastHour(
        to authors: Set<String>, on accountID: UUID, now: Date, in sql: any SQLDatabase
    ) async throws
        -> [String: Int]
    {
        var counts: [String: Int] = [:]
        let authors = Array(authors)
        for start in stride(from: 0, to: authors.count, by: 500) {
            let chunk = authors[start..<min(authors.count, start + 500)]
            let rows = try await sql.raw(
                """
                SELECT c.author_id, COUNT(*) AS n FROM inbox_replies r JOIN conversations c ON c.id = r.conversation_id
                WHERE c.account_id = \(bind: accountID) AND c.author_id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))
                AND r.automatic = \(bind: true) AND r.created_at >= \(bind: now.addingTimeInterval(-3_600))
                GROUP BY c.author_id
                """
            ).all()
            for row in rows { counts[try row.decode(column: "author_id", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        }
        return counts
    }

    /// What the rules did to each conversation: tags added, the queue (the
    /// experts' queue is never left by a rule), and an automatic reply
    /// making the conversation wait for the fan. One read and one update
    /// per 300 conversations, since a burst can touch hundreds.
    static func apply(_ touched: [UUID: (tags: [String], queue: InboxQueue?, replied: Bool)], now: Date, in sql: any SQLDatabase) async throws {
        let ids = Array(touched.keys)
        for start in stride(from: 0, to: ids.count, by: 300) {
            let chunk = ids[start..<min(ids.count, start + 300)]
            let current = try await sql.raw(
                "SELECT id, tags, queue FROM conversations WHERE id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))"
            ).all()
            var rows: [any SQLExpression] = []
            for row in current {
                let id = try row.decode(column: "id", as: UUID.self)
                guard let change = touched[id] else { continue }
                var tags = (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "tags", as: String.self).utf8))) ?? []
                for tag in change.tags where !tags.contains(tag) { tags.append(tag) }
                var queue = try row.decode(column: "queue", as: String.self)
                if let next = change.queue, queue != InboxQueue.experts.rawValue { queue = next.rawValue }
                rows.append(SQLGroupExpression([SQLBind(id), SQLBind(Conversation.json(tags)), SQLBind(queue), SQLBind(change.replied)]))
            }
            guard !rows.isEmpty else { continue }
            // VALUES columns are named column1… on both SQLite and PostgreSQL.
            try await sql.raw(
                """
                UPDATE conversations SET tags = v.column2, queue = v.column3,
                first_response_at = CASE WHEN v.column4 THEN COALESCE(conversations.first_response_at, \(bind: now)) ELSE conversations.first_response_at END,
                status = CASE WHEN v.column4 THEN \(bind: Conversation.Status.pending.rawValue) ELSE conversations.status END,
                updated_at = \(bind: now)
                FROM (VALUES \(SQLList(rows))) AS v WHERE conversations.id = v.column1
                """
            ).run()
        }
    }
}
