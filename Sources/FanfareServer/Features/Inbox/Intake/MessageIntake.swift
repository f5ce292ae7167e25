import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Fetching fans' comments, mentions and messages through each account's
/// connector, every minute, from where the last fetch stopped.
enum MessageIntake {
    static let kind = JobKind<NoPayload>("inbox.poll")
    static let period: TimeInterval = 60
    static let pageSize = 200
    /// Flagged messages of one fan within this window make them a repeat
    /// offender: the recommendation moves one grade up.
    static let offenceWindow: TimeInterval = 30 * 86_400

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let accounts = try await SocialAccount.query(on: app.db).filter(\.$status == SocialAccount.Status.connected.rawValue).all()
        for account in accounts {
            do {
                try await poll(account, app: app, now: Date())
            } catch {
                app.logger.warning(
                    "interaction poll failed", metadata: ["account": .string(account.id!.uuidString), "error": .string(String(describing: error))])
            }
        }
    }

    /// Fetches everything new for one account and stores it; returns how
    /// many messages were new. The cursor moves in the same transaction as
    /// the messages it covers, so a crash repeats a page, never skips one,
    /// and the unique (account, remote id) key drops the repeats.
    @discardableResult
    static func poll(_ account: SocialAccount, app: Application, now: Date, maxPages: Int = 20) async throws -> Int {
        // The platform is asked as of `now`: the real time, except when the
        // demo replays its history.
        let connector = try AccountService(db: app.db, app: app).connector(for: account, clock: { now })
        guard !connector.capabilities.interactionKinds.isDisjoint(with: [.comment, .mention, .directMessage]) else { return 0 }
        guard let workspace = try await Workspace.find(account.$workspace.id, on: app.db) else { return 0 }
        let engine = try await app.moderationEngine(for: workspace)
        var stored = 0
        for _ in 0..<maxPages {
            let cursor = try await InteractionCursor.find(account.id!, on: app.db)
            let page: InteractionPage
            do {
                page = try await connector.interactions(since: cursor?.cursor, limit: pageSize)
            } catch {
                throw Problem(
                    .badGateway,
                    "\(account.platform) did not return interactions: \(ErrorSentence.of(error, otherwise: "an unexpected error (the server's log has it)"))",
                    type: "connector-error")
            }
            let messages = page.interactions.filter { [.comment, .mention, .directMessage].contains($0.kind) && !($0.text ?? "").isEmpty }
            stored += try await store(
                messages, for: account, engine: engine, canReply: connector.capabilities.canReply, cursor: page.nextCursor, now: now, on: app.db)
            if page.interactions.count < pageSize { break }
        }
        return stored
    }

    /// `canReply`: whether the account's platform lets Fanfare reply; where it
    /// does not, rules still tag and queue but queue no automatic reply.
    static func store(
        _ interactions: [Interaction], for account: SocialAccount, engine: ModerationEngine, canReply: Bool = true, cursor: String, now: Date,
        on db: any Database
    ) async throws -> Int {
        let arriving = Arriving.analysed(interactions, by: MessageAnalyzer(models: ShippedAnalysisModels.models, engine: engine))
        return try await db.writeTransaction { tx in
            let accountID = account.id!
            // The cursor first: on SQLite a transaction must write before it
            // reads, or a writer committing in between makes it fail.
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The inbox needs an SQL database.") }
            try await sql.raw(
                """
                INSERT INTO interaction_cursors (account_id, cursor, polled_at) VALUES (\(bind: accountID), \(bind: cursor), \(bind: now))
                ON CONFLICT (account_id) DO UPDATE SET cursor = excluded.cursor, polled_at = excluded.polled_at
                """
            ).run()
            return try await insert(arriving, for: account, canReply: canReply, now: now, in: tx).count
        }
    }

    /// A message with its analysis, made before the write transaction:
    /// analysis is pure computation, and outside the write lock each
    /// request does its own in parallel instead of every writer waiting
    /// for the batch's.
    struct Arriving: Sendable {
        var interaction: Interaction
        var analysis: MessageAnalysis

        static func analysed(_ interactions: [Interaction], by analyzer: MessageAnalyzer) -> [Arriving] {
            interactions.map { Arriving(interaction: $0, analysis: analyzer.analyze($0.text ?? "")) }
        }
    }

    /// Stores the messages not stored yet, with their analysis and
    /// moderation hits, in two multi-row inserts (a burst of pushes writes
    /// hundreds at once; Fluent's per-model reflection would dominate).
    /// Returns the remote ids that were new. Runs inside the caller's
    /// transaction, after the caller's first write.
    @discardableResult
    static func insert(
        _ arriving: [Arriving], for account: SocialAccount, canReply: Bool, now: Date, in tx: any Database
    ) async throws -> Set<String> {
        guard !arriving.isEmpty else { return [] }
        guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The inbox needs an SQL database.") }
        let accountID = account.id!
        let workspaceID = account.$workspace.id
        var known = try await storedRemoteIDs(arriving.map(\.interaction.remoteID), of: accountID, in: sql)
        var fresh: [(Interaction, MessageAnalysis)] = []
        for message in arriving where known.insert(message.interaction.remoteID).inserted {
            fresh.append((message.interaction, message.analysis))
        }
        // A flagged message of a fan flagged before is graded one step up.
        var offences = try await priorOffences(
            of: Set(fresh.filter { !$0.1.moderation.isEmpty }.map(\.0.authorID)), on: accountID, now: now, in: sql)
        var arrivals: [ConversationAssembly.Arrival] = []
        for (interaction, found) in fresh {
            var analysis = found
            if !analysis.moderation.isEmpty {
                let prior = offences[interaction.authorID, default: 0]
                offences[interaction.authorID] = prior + 1
                analysis = analysis.regraded(priorOffences: prior)
            }
            arrivals.append(.init(id: TimeOrderedID.make(at: now), interaction: interaction, analysis: analysis))
        }
        guard !arrivals.isEmpty else { return [] }
        let fans = try await FanService.fansOfAuthors(
            arrivals.map { FanService.Sighting(authorID: $0.interaction.authorID, authorName: $0.interaction.authorName, at: $0.interaction.at) },
            workspaceID: workspaceID, platform: account.rulesPlatform, now: now, in: sql)
        let conversations = try await ConversationAssembly.assemble(arrivals, tiers: fans.tiers, for: account, now: now, in: sql)
        var rows: [(remoteID: String, row: any SQLExpression)] = []
        var hits: [any SQLExpression] = []
        var added = Set<String>()
        for arrival in arrivals {
            let (id, interaction, analysis) = (arrival.id, arrival.interaction, arrival.analysis)
            let moderation = String(decoding: try JSONEncoder().encode(analysis.moderation), as: UTF8.self)
            let values: [any Encodable & Sendable] = [
                id, workspaceID, accountID, interaction.remoteID, interaction.kind.rawValue, interaction.postRemoteID, interaction.authorID,
                interaction.authorName, interaction.text ?? "", interaction.at, now, moderation, analysis.recommendation.rawValue,
                analysis.lang.rawValue, analysis.sentiment.rawValue, analysis.score, analysis.intent.rawValue, analysis.priority.rawValue,
                conversations.ids[arrival.key(account: accountID)], fans.fans[interaction.authorID],
            ]
            rows.append((interaction.remoteID, SQLGroupExpression(values.map { SQLBind($0) })))
            for match in analysis.moderation {
                let hit: [any Encodable & Sendable] = [
                    TimeOrderedID.make(at: now), workspaceID, ModerationHit.Source.message.rawValue, id, match.term, match.category,
                    match.severity.rawValue, now,
                ]
                hits.append(SQLGroupExpression(hit.map { SQLBind($0) }))
            }
            added.insert(interaction.remoteID)
        }
        // In remote-id order: two groups written side by side that both
        // carry one message wait on its unique key in one order (the second
        // fails and its platform retries; the retry finds it stored).
        let messages = rows.sorted { $0.remoteID < $1.remoteID }.map(\.row)
        for start in stride(from: 0, to: messages.count, by: 500) {
            try await sql.raw(
                """
                INSERT INTO incoming_messages (id, workspace_id, account_id, remote_id, kind, post_remote_id, author_id, author_name, text,
                sent_at, received_at, moderation, recommendation, lang, sentiment, sentiment_score, intent, priority, conversation_id, fan_id)
                VALUES \(SQLList(Array(messages[start..<min(start + 500, messages.count)])))
                """
            ).run()
        }
        for start in stride(from: 0, to: hits.count, by: 500) {
            try await sql.raw(
                """
                INSERT INTO moderation_hits (id, workspace_id, source, source_id, term, category, severity, at)
                VALUES \(SQLList(Array(hits[start..<min(start + 500, hits.count)])))
                """
            ).run()
        }
        try await InboxRouter.route(arrivals, conversations: conversations, fans: fans.fans, for: account, canReply: canReply, now: now, in: tx)
        if !InboxMessageObservers.all.isEmpty {
            let stored = arrivals.map { arrival in
                StoredInboxMessage(
                    id: arrival.id, workspaceID: workspaceID, accountID: accountID, platform: account.platform,
                    kind: arrival.interaction.kind.rawValue,
                    remoteID: arrival.interaction.remoteID, authorID: arrival.interaction.authorID, authorName: arrival.interaction.authorName,
                    text: arrival.interaction.text ?? "", sentAt: arrival.interaction.at, analysis: arrival.analysis)
            }
            for observer in InboxMessageObservers.all { try await observer.inboxStored(stored, now: now, in: tx) }
        }
        if let engagement = try ActivityService.engagementJob(for: arrivals.map(\.id), at: now) {
            try await JobQueue(db: tx).enqueueMany([engagement], now: now)
        }
        if let acting = try await ModerationService.ruleJob(
            for: arrivals.map { ($0.id, $0.analysis.recommendation) }, workspaceID: workspaceID, at: now, in: tx)
        {
            try await JobQueue(db: tx).enqueueMany([acting], now: now)
        }
        return added
    }
}

extension MessageIntake {
    /// Which of these remote ids the account already has, one query per 500.
    static func storedRemoteIDs(_ remoteIDs: [String], of accountID: UUID, in sql: any SQLDatabase) async throws -> Set<String> {
        var known = Set<String>()
        for start in stride(from: 0, to: remoteIDs.count, by: 500) {
            let chunk = remoteIDs[start..<min(remoteIDs.count, start + 500)]
            let rows = try await sql.raw(
                """
                SELECT remote_id FROM incoming_messages
                WHERE account_id = \(bind: accountID) AND remote_id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))
                """
            ).all()
            for row in rows { known.insert(try row.decode(column: "remote_id", as: String.self)) }
        }
        return known
    }

    /// Flagged messages of each of these fans within `offenceWindow`, in one
    /// query per 500 fans.
    static func priorOffences(of authors: Set<String>, on accountID: UUID, now: Date, in sql: any SQLDatabase) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let authors = Array(authors)
        for start in stride(from: 0, to: authors.count, by: 500) {
            let chunk = authors[start..<min(authors.count, start + 500)]
            let rows = try await sql.raw(
                """
                SELECT author_id, COUNT(*) AS n FROM incoming_messages
                WHERE account_id = \(bind: accountID) AND author_id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))
                AND recommendation <> \(bind: ModerationAction.none.rawValue) AND received_at >= \(bind: now.addingTimeInterval(-offenceWindow))
                GROUP BY author_id
                """
            ).all()
            for row in rows { counts[try row.decode(column: "author_id", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        }
        return counts
    }
}

/// Where the last fetch of an account's interactions stopped.
final class InteractionCursor: Model, @unchecked Sendable {
    static let schema = "interaction_cursors"

    @ID(custom: "account_id", generatedBy: .user) var id: UUID?
    @Field(key: "cursor") var cursor: String
    @Field(key: "polled_at") var polledAt: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $cursor, $polledAt] }
}
