import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What the feed and search pollers share (`FeedPolling`, `SearchPolling`):
/// the next poll's time, a failure kept on the source, the entries the
/// workspace's monitors hear made into mentions, and the outcome stored in
/// one transaction with the source's own row, so a crash between the two
/// never moves a marker past mentions that were not written.
enum PolledSource {
    /// One entry a poll found, before the monitors hear it.
    struct Found {
        var externalID: String
        var text: String
        var author: String
        var url: String?
        var published: Date?
    }

    /// Where the entries came from, as the mentions record it.
    struct Origin {
        var source: ListeningSource
        /// The feed's or search's id: an entry found again is dropped by it.
        var key: UUID
        var workspaceID: UUID
        var platform: String
        /// The account it came through (searches with an account).
        var accountID: UUID?
    }

    /// After the source's interval, or later when the platform asked to wait.
    static func nextPoll(intervalMinutes: Int, now: Date, failure: ConnectorError? = nil) -> Date {
        let next = now.addingTimeInterval(TimeInterval(intervalMinutes * 60))
        if case .rateLimited(let after) = failure { return max(next, now.addingTimeInterval(after)) }
        return next
    }

    /// What people read on the source when a poll failed.
    static func failureText(_ error: any Error) -> String {
        (error as? ConnectorError).map(ConnectorMessages.text) ?? "\(error)"
    }

    /// The entries the workspace's enabled monitors hear, analysed like
    /// inbox messages (language, sentiment, intent).
    static func heard(_ found: [Found], from origin: Origin, app: Application, now: Date) async throws -> [NewMention] {
        guard let workspace = try await Workspace.find(origin.workspaceID, on: app.db),
            let compiled = try await MonitorMatcherCache.shared.compiled(for: origin.workspaceID, on: app.db)
        else { return [] }
        let analyzer = try await ConversationService.analyzer(for: workspace, app: app)
        var mentions: [NewMention] = []
        for entry in found where !entry.text.isEmpty {
            let heard = compiled.match(entry.text, platform: origin.platform, source: origin.accountID, kind: origin.source)
            guard !heard.isEmpty else { continue }
            mentions.append(
                NewMention(
                    source: origin.source, sourceKey: origin.key.uuidString.lowercased(), externalID: String(entry.externalID.prefix(500)),
                    platform: origin.platform, accountID: origin.accountID, author: String(entry.author.prefix(200)),
                    text: String(entry.text.prefix(5_000)), url: entry.url, publishedAt: entry.published ?? now,
                    analysis: analyzer.analyze(entry.text), monitorIDs: heard))
        }
        return mentions
    }

    /// The source's row moved on (`update`, an UPDATE of its own table)
    /// and the mentions written, together.
    static func store(_ mentions: [NewMention], from origin: Origin, update: SQLQueryString, app: Application, now: Date) async throws {
        let workspaceID = origin.workspaceID
        try await app.db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await sql.raw(update).run()
            try await MentionStore.insert(mentions, workspaceID: workspaceID, now: now, in: tx)
        }
    }
}
