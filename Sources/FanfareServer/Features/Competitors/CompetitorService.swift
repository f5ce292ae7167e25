import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Tracked accounts: added, listed and removed per workspace, and read
/// from their platform through a connected account's connector (so through
/// its guarded transport) where the platform allows it.
struct CompetitorService {
    let db: any Database

    struct Input: Content {
        var platform: String?
        var handle: String?
        var displayName: String?
    }

    /// Platforms a tracked account may be on.
    static var platforms: [String] { MetricTaxonomy.platforms.keys.sorted() }

    func create(_ input: Input, in access: WorkspaceAccess, by userID: UUID?, now: Date = Date()) async throws -> TrackedAccount {
        let platform = (input.platform ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let handle = TrackedAccountRules.handle(input.handle ?? "")
        let name = (input.displayName?.trimmingCharacters(in: .whitespacesAndNewlines)).nonEmpty
        var errors = TrackedAccountRules.validate(platform: platform, handle: handle, displayName: name, platforms: Self.platforms)
        if input.platform == nil { errors.add("platform", .isRequiredOneOf(choices: Self.platforms)) }
        try errors.throwIfAny()
        let account = TrackedAccount()
        account.id = TimeOrderedID.make(at: now)
        account.$workspace.id = access.workspaceID
        account.platform = platform
        account.handle = handle
        account.handleKey = handle.lowercased()
        account.displayName = name ?? handle
        account.addedBy = userID
        account.createdAt = now
        if try await access.query(TrackedAccount.self, on: db).filter(\.$platform == platform).filter(\.$handleKey == account.handleKey).first()
            != nil
        {
            throw Self.duplicate(platform, handle)
        }
        do {
            try await account.create(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two adds of the same account at once: the database's key decides.
            throw Self.duplicate(platform, handle)
        }
        return account
    }

    static func duplicate(_ platform: String, _ handle: String) -> Problem {
        Problem(.conflict, "\(handle) on \(platform) is already tracked in this workspace.", type: "conflict")
    }

    func list(page: PageQuery, in access: WorkspaceAccess) async throws -> (items: [TrackedAccount], next: String?) {
        var query = access.query(TrackedAccount.self, on: db).sort(\.$id, .descending).limit(page.limit + 1)
        if let after = page.after { query = query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }

    func find(_ raw: String?, in access: WorkspaceAccess) async throws -> TrackedAccount {
        guard let raw, let id = UUID(uuidString: raw),
            let account = try await access.query(TrackedAccount.self, on: db).filter(\.$id == id).first()
        else { throw Problem.notFound("Tracked account") }
        return account
    }

    func delete(_ account: TrackedAccount) async throws {
        try await account.delete(on: db)
    }

    // MARK: Reading

    /// Reads the tracked account now through a connected account of its
    /// platform and stores its days; `notSupported` when the platform
    /// cannot be read or the workspace has no connected account there.
    static func read(_ tracked: TrackedAccount, app: Application, now: Date = Date()) async throws {
        guard TrackedAccountRules.readable.contains(tracked.platform) else {
            throw ConnectorError.notSupported("\(tracked.platform) lets no account read another's numbers; import them as CSV")
        }
        guard
            let account = try await SocialAccount.query(on: app.db).filter(\.$workspace.$id == tracked.$workspace.id)
                .filter(\.$platform == tracked.platform).filter(\.$status == SocialAccount.Status.connected.rawValue).sort(\.$id).first()
        else { throw ConnectorError.notSupported("connect a \(tracked.platform) account to read \(tracked.platform) accounts") }
        guard let reader = try AccountService(db: app.db, app: app).connector(for: account, clock: { now }) as? any PublicAccountReading else {
            throw ConnectorError.notSupported("\(tracked.platform) cannot read public accounts")
        }
        let zone = try await MetricHistoryService.timeZone(of: tracked.$workspace.id, on: app.db)
        let stored = try await storedDays(tracked.id!, on: app.db)
        let snapshot = try await reader.publicAccount(handle: tracked.handle, days: stored == 0 ? 90 : 7, timeZone: zone)
        try await store(snapshot.days, of: tracked, source: "read", now: now, on: app.db)
    }

    static func storedDays(_ id: UUID, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        return try await sql.raw("SELECT COUNT(*) AS n FROM tracked_account_days WHERE tracked_account_id = \(bind: id)").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    /// Writes days; a day again replaces its posting and keeps a total it
    /// had when the new read has none (a platform reports totals only today).
    static func store(_ days: [PublicAccountDay], of tracked: TrackedAccount, source: String, now: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, !days.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            for day in days {
                let types = day.contentTypes.isEmpty ? nil : String(decoding: try encoder.encode(day.contentTypes), as: UTF8.self)
                try await sql.raw(
                    """
                    INSERT INTO tracked_account_days (tracked_account_id, workspace_id, day, followers, posts, posts_that_day, engagements, content_types, source, taken_at)
                    VALUES (\(bind: tracked.id!), \(bind: tracked.$workspace.id), \(bind: day.day), \(bind: day.followers), \(bind: day.posts), \
                    \(bind: day.postsThatDay), \(bind: day.engagements), \(bind: types), \(bind: source), \(bind: now))
                    ON CONFLICT (tracked_account_id, day) DO UPDATE SET followers = COALESCE(excluded.followers, tracked_account_days.followers),
                    posts = COALESCE(excluded.posts, tracked_account_days.posts), posts_that_day = excluded.posts_that_day,
                    engagements = excluded.engagements, content_types = excluded.content_types, source = excluded.source, taken_at = excluded.taken_at
                    """
                ).run()
            }
        }
        _ = sql
    }
}

/// Every hour: each tracked account on a readable platform not read
/// today (in the workspace's zone) is read, one after another. A platform
/// that refuses for now is tried again next hour; one that cannot be read
/// is left to CSV import.
enum CompetitorReads {
    static let kind = JobKind<NoPayload>("competitors.read")
    static let period: TimeInterval = 3_600

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let now = Date()
        for tracked in try await TrackedAccount.query(on: app.db).sort(\.$id).all() where TrackedAccountRules.readable.contains(tracked.platform) {
            let zone = try await MetricHistoryService.timeZone(of: tracked.$workspace.id, on: app.db)
            guard let sql = app.db as? any SQLDatabase else { return }
            let today = MetricDay.of(now, in: zone)
            let taken =
                try await sql.raw(
                    "SELECT COUNT(*) AS n FROM tracked_account_days WHERE tracked_account_id = \(bind: tracked.id!) AND day = \(bind: today) AND source = 'read'"
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            guard taken == 0 else { continue }
            do {
                try await CompetitorService.read(tracked, app: app, now: now)
            } catch let error as ConnectorError {
                app.logger.info("tracked account not read", metadata: ["tracked": .string(tracked.id!.uuidString), "why": .string("\(error)")])
            }
        }
    }
}
