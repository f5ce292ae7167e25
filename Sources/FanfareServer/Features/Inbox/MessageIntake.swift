import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Fetching fans' comments, mentions and messages through each account's
/// connector, every minute, from where the last fetch stopped.
enum MessageIntake {
    static let kind = "inbox.poll"
    static let period: TimeInterval = 60
    static let pageSize = 200
    /// Flagged messages of one fan within this window make them a repeat
    /// offender: the recommendation moves one grade up.
    static let offenceWindow: TimeInterval = 30 * 86_400

    static func schedule(on db: any Database, now: Date) async throws {
        let start = RetryPolicy.periodStart(of: now, every: period)
        try await JobQueue(db: db).enqueue(kind: kind, runAt: start, uniqueKey: "\(kind)@\(Int(start.timeIntervalSince1970))", now: now)
    }

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
        let connector = try AccountService(db: app.db, app: app).connector(for: account)
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
                throw Problem(.badGateway, "\(account.platform) did not return interactions: \(error)", type: "connector-error")
            }
            let messages = page.interactions.filter { [.comment, .mention, .directMessage].contains($0.kind) && !($0.text ?? "").isEmpty }
            stored += try await store(messages, for: account, engine: engine, cursor: page.nextCursor, now: now, on: app.db)
            if page.interactions.count < pageSize { break }
        }
        return stored
    }

    static func store(
        _ interactions: [Interaction], for account: SocialAccount, engine: ModerationEngine, cursor: String, now: Date, on db: any Database
    ) async throws -> Int {
        let analyzer = MessageAnalyzer(engine: engine)
        return try await db.transaction { tx in
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
            let known = Set(
                try await IncomingMessage.query(on: tx).filter(\.$account.$id == accountID).filter(\.$remoteID ~~ interactions.map(\.remoteID))
                    .all(\.$remoteID))
            var offences: [String: Int] = [:]
            var added = 0
            for interaction in interactions where !known.contains(interaction.remoteID) {
                let text = interaction.text ?? ""
                var analysis = analyzer.analyze(text)
                if !analysis.moderation.isEmpty {
                    if offences[interaction.authorID] == nil {
                        offences[interaction.authorID] = try await IncomingMessage.query(on: tx).filter(\.$account.$id == accountID)
                            .filter(\.$authorID == interaction.authorID).filter(\.$recommendation != ModerationAction.none.rawValue)
                            .filter(\.$receivedAt >= now.addingTimeInterval(-offenceWindow)).count()
                    }
                    let prior = offences[interaction.authorID]!
                    offences[interaction.authorID] = prior + 1
                    analysis.recommendation = ModerationAction.recommend(for: analysis.moderation, priorOffences: prior)
                    analysis.priority = MessageAnalyzer.priority(
                        sentiment: analysis.sentiment, score: analysis.score, intent: analysis.intent, recommendation: analysis.recommendation)
                }
                let message = IncomingMessage()
                message.id = TimeOrderedID.make(at: now)
                message.$workspace.id = account.$workspace.id
                message.$account.id = accountID
                message.remoteID = interaction.remoteID
                message.kind = interaction.kind.rawValue
                message.postRemoteID = interaction.postRemoteID
                message.authorID = interaction.authorID
                message.authorName = interaction.authorName
                message.text = text
                message.sentAt = interaction.at
                message.receivedAt = now
                message.moderationJSON = String(decoding: try JSONEncoder().encode(analysis.moderation), as: UTF8.self)
                message.recommendation = analysis.recommendation.rawValue
                message.lang = analysis.lang.rawValue
                message.sentiment = analysis.sentiment.rawValue
                message.sentimentScore = analysis.score
                message.intent = analysis.intent.rawValue
                message.priority = analysis.priority.rawValue
                try await message.create(on: tx)
                for match in analysis.moderation {
                    try await ModerationHit(workspaceID: account.$workspace.id, source: .message, sourceID: message.id!, match: match, at: now)
                        .create(on: tx)
                }
                added += 1
            }
            return added
        }
    }
}

/// Where the last fetch of an account's interactions stopped.
final class InteractionCursor: Model, @unchecked Sendable {
    static let schema = "interaction_cursors"

    @ID(custom: "account_id", generatedBy: .user) var id: UUID?
    @Field(key: "cursor") var cursor: String
    @Field(key: "polled_at") var polledAt: Date

    init() {}
}
