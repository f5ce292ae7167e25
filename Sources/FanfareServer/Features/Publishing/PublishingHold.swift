import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A pause on publishing: the whole workspace's (`account_id` nil) or one
/// account's. While it is active (`released_at` nil) the runner claims none
/// of the variants it covers, so nothing queued or scheduled goes out.
/// Started and released by the Incidents feature through
/// `PublishingService.hold` / `release` (docs/listening.md § Incidents).
final class PublishingHold: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "publishing_holds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @OptionalField(key: "account_id") var accountID: UUID?
    /// The incident it was started for, if any.
    @OptionalField(key: "incident_id") var incidentID: UUID?
    @OptionalField(key: "started_by") var startedBy: UUID?
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "released_by") var releasedBy: UUID?
    @OptionalField(key: "released_at") var releasedAt: Date?

    static var workspaceKey: KeyPath<PublishingHold, ParentProperty<PublishingHold, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $accountID, $incidentID, $startedBy, $startedAt, $releasedBy, $releasedAt] }
}

/// Starting, releasing and reading holds, and the condition the runner's
/// claim carries.
enum PublishingHolds {
    /// The claim's extra condition (SQL, on `post_variants`): no active hold
    /// covers the variant's workspace or account. Evaluated inside the
    /// claim's own conditional update, so the check and the claim are one
    /// statement: a hold committed before the claim runs stops it.
    static let notHeld: SQLQueryString = """
        NOT EXISTS (SELECT 1 FROM publishing_holds h WHERE h.workspace_id = post_variants.workspace_id AND h.released_at IS NULL \
        AND (h.account_id IS NULL OR h.account_id = post_variants.account_id))
        """

    struct Started: Sendable {
        let hold: PublishingHold
        /// Variants a worker had already claimed when the hold was
        /// committed: on their way out this second, not stopped.
        let inFlight: Int
        /// Queued or scheduled variants the hold now keeps back.
        let held: Int
    }

    /// Starts a hold, or answers the active one of the same scope (a
    /// second switch-on changes nothing). On PostgreSQL the transaction
    /// first locks `post_variants` against writers (SHARE ROW EXCLUSIVE),
    /// which waits for a claim in progress to commit and keeps new claims
    /// waiting until the hold is committed; they then see it. SQLite has
    /// one writer at a time, so the same order holds there by itself.
    static func start(
        workspaceID: UUID, accountID: UUID?, incidentID: UUID?, by userID: UUID?, on db: any Database, now: Date
    ) async throws -> (started: Started, created: Bool) {
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            if sql.dialect.name == "postgresql" {
                try await sql.raw("LOCK TABLE post_variants IN SHARE ROW EXCLUSIVE MODE").run()
            }
            var query = PublishingHold.query(on: tx).filter(\.$workspace.$id == workspaceID).filter(\.$releasedAt == nil)
            query = accountID.map { id in query.filter(\.$accountID == id) } ?? query.filter(\.$accountID == nil)
            let existing = try await query.first()
            let hold = existing ?? PublishingHold()
            if existing == nil {
                hold.id = TimeOrderedID.make(at: now)
                hold.$workspace.id = workspaceID
                hold.accountID = accountID
                hold.incidentID = incidentID
                hold.startedBy = userID
                hold.startedAt = now
                try await hold.create(on: tx)
            }
            let counts = try await count(workspaceID: workspaceID, accountID: accountID, on: sql)
            return (Started(hold: hold, inFlight: counts.inFlight, held: counts.held), existing == nil)
        }
    }

    private static func count(workspaceID: UUID, accountID: UUID?, on sql: any SQLDatabase) async throws -> (inFlight: Int, held: Int) {
        let account: SQLQueryString = accountID.map { " AND account_id = \(bind: $0)" } ?? ""
        let row = try await sql.raw(
            """
            SELECT SUM(CASE WHEN state = \(bind: VariantProgress.publishing.rawValue) THEN 1 ELSE 0 END) AS flying,
                SUM(CASE WHEN state = \(bind: VariantProgress.queued.rawValue) THEN 1 ELSE 0 END) AS waiting
            FROM post_variants WHERE workspace_id = \(bind: workspaceID)\(account)
            """
        ).first()
        return (try row?.decode(column: "flying", as: Int?.self) ?? 0, try row?.decode(column: "waiting", as: Int?.self) ?? 0)
    }

    /// Releases `hold` and puts the variants it kept back into the queue:
    /// those whose time has passed go at once, the others at their time
    /// (unless another active hold still covers them: its release queues
    /// them). Returns how many were queued; nil when it was already released.
    static func release(_ hold: PublishingHold, by userID: UUID?, on db: any Database, now: Date) async throws -> Int? {
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            let rows = try await sql.raw(
                """
                UPDATE publishing_holds SET released_at = \(bind: now), released_by = \(bind: userID)
                WHERE id = \(bind: hold.id!) AND released_at IS NULL RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return nil }
            hold.releasedAt = now
            hold.releasedBy = userID
            let account: SQLQueryString = hold.accountID.map { " AND v.account_id = \(bind: $0)" } ?? ""
            let waiting = try await sql.raw(
                """
                SELECT v.id, p.version, p.scheduled_at FROM post_variants v JOIN posts p ON p.id = v.post_id
                WHERE v.workspace_id = \(bind: hold.$workspace.id) AND v.state = \(bind: VariantProgress.queued.rawValue)\(account)
                """
            ).all()
            var queued = 0
            for row in waiting {
                let id = try row.decode(column: "id", as: UUID.self)
                let version = try row.decode(column: "version", as: Int.self)
                let scheduled = try row.decode(column: "scheduled_at", as: Date?.self)
                let runAt = max(scheduled ?? now, now)
                // A fresh key per release: the variant's first job ended
                // when the hold kept it back.
                if try await JobQueue(db: tx).enqueue(
                    PublishRunner.kind, payload: PublishRunner.Payload(variantID: id, version: version), runAt: runAt,
                    uniqueKey: "\(PublishRunner.kind.name):\(id.uuidString):release@\(hold.id!.uuidString)", maxAttempts: 40, now: now)
                {
                    queued += 1
                }
            }
            return queued
        }
    }

    /// The active holds of a workspace.
    static func active(in workspaceID: UUID, on db: any Database) async throws -> [PublishingHold] {
        try await PublishingHold.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$releasedAt == nil).sort(\.$startedAt).all()
    }

    /// Whether an active hold covers `accountID` (any account when nil).
    static func covers(_ holds: [PublishingHold], accountID: UUID) -> Bool {
        holds.contains { $0.accountID == nil || $0.accountID == accountID }
    }
}
