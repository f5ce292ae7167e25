import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Every hour: for each workspace, today's snapshot of each connected
/// account not yet taken today (in the workspace's time zone), and of each
/// published post due one (`PostSnapshotPlan`: daily for 30 days, then
/// weekly to a year). Each read is its own `analytics.metrics_take` job,
/// spread in time: an account's reads 2 seconds apart, a platform's
/// accounts 5 seconds apart, so no platform sees a burst; a rate-limit
/// answer puts the job back after the wait the platform asked for.
enum MetricsPass {
    static let kind = JobKind<NoPayload>("analytics.metrics_pass")
    static let period: TimeInterval = 3_600
    /// Seconds between two reads of one account (its post reads follow its own).
    static let perAccountSpacing: TimeInterval = 2
    /// Seconds between the first reads of two accounts of one platform.
    static let perPlatformSpacing: TimeInterval = 5

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let now = Date()
        for workspaceID in try await Workspace.query(on: app.db).all(\.$id) {
            let due = try await due(workspaceID: workspaceID, on: app.db, now: now)
            try await JobQueue(db: app.db).enqueueMany(
                try await unfilled(workspaceID: workspaceID, on: app.db).map { account in
                    try JobQueue.NewJob(
                        MetricsBackfill.kind, payload: .init(accountID: account, days: MetricsBackfill.days), runAt: now,
                        uniqueKey: "\(MetricsBackfill.kind.name):\(account.uuidString)")
                }, now: now)
            // Days missing since an account's first stored day, within
            // what its platform keeps: asked for again once a day.
            let today = MetricDay.of(now, in: try await MetricHistoryService.timeZone(of: workspaceID, on: app.db))
            try await JobQueue(db: app.db).enqueueMany(
                try await gaps(workspaceID: workspaceID, on: app.db, now: now).map { account, days in
                    try JobQueue.NewJob(
                        MetricsBackfill.kind, payload: .init(accountID: account, days: days), runAt: now,
                        uniqueKey: "\(MetricsBackfill.kind.name):\(account.uuidString):gaps:\(today)")
                }, now: now)
            guard !due.isEmpty else { continue }
            var accountCount: [String: Int] = [:]
            var accountStart: [UUID: Date] = [:]
            var accountReads: [UUID: Int] = [:]
            let jobs = try due.map { item -> JobQueue.NewJob in
                if accountStart[item.accountID] == nil {
                    let index = accountCount[item.platform, default: 0]
                    accountCount[item.platform] = index + 1
                    accountStart[item.accountID] = now.addingTimeInterval(Double(index) * perPlatformSpacing)
                }
                let reads = accountReads[item.accountID, default: 0]
                accountReads[item.accountID] = reads + 1
                return try JobQueue.NewJob(
                    MetricsTake.kind, payload: item,
                    runAt: accountStart[item.accountID]!.addingTimeInterval(Double(reads) * perAccountSpacing),
                    uniqueKey: "\(MetricsTake.kind.name):\(item.variantID?.uuidString ?? item.accountID.uuidString):\(item.day)")
            }
            try await JobQueue(db: app.db).enqueueMany(jobs, now: now)
        }
    }

    /// Connected accounts whose platform keeps history and that have no
    /// stored day yet: their history is asked for once.
    static func unfilled(workspaceID: UUID, on db: any Database) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let accounts = try await SocialAccount.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$status == SocialAccount.Status.connected.rawValue).sort(\.$id).all()
            .filter { MetricTaxonomy.of($0.platform).history }
        guard !accounts.isEmpty else { return [] }
        let stored = Set(
            try await sql.raw("SELECT DISTINCT account_id FROM account_metric_days WHERE workspace_id = \(bind: workspaceID)").all()
                .map { try $0.decode(column: "account_id", as: UUID.self) })
        return accounts.map { $0.id! }.filter { !stored.contains($0) }
    }

    /// Connected accounts whose platform keeps history and that miss a
    /// day between their first stored day and yesterday, within the days
    /// the platform keeps (`exportWindowDays`, else `MetricsBackfill.days`):
    /// each with the days to ask for (from the day before its oldest
    /// missing day to yesterday). Accounts with no stored day are `unfilled`'s.
    static func gaps(workspaceID: UUID, on db: any Database, now: Date) async throws -> [(account: UUID, days: Int)] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let accounts = try await SocialAccount.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$status == SocialAccount.Status.connected.rawValue).sort(\.$id).all()
            .filter { MetricTaxonomy.of($0.platform).history }
        guard !accounts.isEmpty else { return [] }
        let zone = try await MetricHistoryService.timeZone(of: workspaceID, on: db)
        let today = MetricDay.of(now, in: zone)
        let yesterday = MetricDay.adding(-1, to: today)
        var result: [(account: UUID, days: Int)] = []
        for account in accounts {
            let window = MetricTaxonomy.of(account.platform).exportWindowDays ?? MetricsBackfill.days
            let since = MetricDay.adding(-window, to: today)
            guard
                let first = try await sql.raw(
                    "SELECT MIN(day) AS first FROM account_metric_days WHERE workspace_id = \(bind: workspaceID) AND account_id = \(bind: account.id!)"
                ).first()?.decode(column: "first", as: String?.self)
            else { continue }
            let stored = Set(
                try await sql.raw(
                    """
                    SELECT day FROM account_metric_days WHERE workspace_id = \(bind: workspaceID) AND account_id = \(bind: account.id!)
                    AND day >= \(bind: since) AND day <= \(bind: yesterday)
                    """
                ).all().map { try $0.decode(column: "day", as: String.self) })
            if let oldest = MetricQuality.gaps(days: stored, first: first, from: since, to: yesterday).first {
                // One day more: the platform's days may be another zone's (WeChat's are Beijing's).
                result.append((account.id!, MetricDay.distance(from: oldest, to: today) + 1))
            }
        }
        return result
    }

    /// What is due today in one workspace: accounts first, then posts.
    static func due(workspaceID: UUID, on db: any Database, now: Date) async throws -> [MetricsTake.Payload] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let zone = try await MetricHistoryService.timeZone(of: workspaceID, on: db)
        let today = MetricDay.of(now, in: zone)
        let accounts = try await SocialAccount.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$status == SocialAccount.Status.connected.rawValue).sort(\.$id).all()
        guard !accounts.isEmpty else { return [] }
        let platformOf = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id!, $0.platform) })
        let taken = Set(
            try await sql.raw(
                "SELECT account_id FROM account_metric_days WHERE workspace_id = \(bind: workspaceID) AND day = \(bind: today) AND source = 'snapshot'"
            ).all().map { try $0.decode(column: "account_id", as: UUID.self) })
        var result = accounts.filter { !taken.contains($0.id!) }.map {
            MetricsTake.Payload(accountID: $0.id!, variantID: nil, day: today, platform: $0.platform)
        }
        let yearAgo = now.addingTimeInterval(-Double(PostSnapshotPlan.lastDay + 1) * 86_400)
        let variants = try await PostVariant.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$state == PostVariant.State.published.rawValue).filter(\.$publishedAt >= yearAgo).filter(\.$remoteID != nil).sort(\.$id).all()
        guard !variants.isEmpty else { return result }
        var lastTaken: [UUID: String] = [:]
        for row in try await sql.raw(
            "SELECT variant_id, MAX(day) AS last FROM post_metric_days WHERE workspace_id = \(bind: workspaceID) GROUP BY variant_id"
        ).all() {
            lastTaken[try row.decode(column: "variant_id", as: UUID.self)] = try row.decode(column: "last", as: String.self)
        }
        for variant in variants {
            guard let publishedAt = variant.publishedAt, let platform = platformOf[variant.$account.id] else { continue }
            if PostSnapshotPlan.due(published: MetricDay.of(publishedAt, in: zone), lastTaken: lastTaken[variant.id!], on: today) {
                result.append(MetricsTake.Payload(accountID: variant.$account.id, variantID: variant.id!, day: today, platform: platform))
            }
        }
        return result
    }
}

/// One read of one account or post into the metric store.
enum MetricsTake {
    static let kind = JobKind<Payload>("analytics.metrics_take")

    struct Payload: Codable, Sendable, Equatable {
        var accountID: UUID
        /// Nil: the account's own numbers.
        var variantID: UUID?
        var day: String
        var platform: String
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let payload = try kind.payload(of: job)
        guard let error = await outcome(payload, app: app) else { return }
        switch error {
        case .rateLimited(let wait):
            throw JobRetry(after: max(wait, 30), reason: ConnectorMessages.text(error))
        case .temporary:
            throw JobRetry(after: 300, reason: ConnectorMessages.text(error))
        default:
            // A lost authorisation, a deleted post, a platform without
            // statistics: nothing to store today; the quality check shows the gap.
            app.logger.info("metrics not taken", metadata: ["account": .string(payload.accountID.uuidString), "why": .string("\(error)")])
        }
    }

    /// Nil when the read was stored, else the platform's answer.
    static func outcome(_ payload: Payload, app: Application) async -> ConnectorError? {
        do {
            try await take(payload, app: app)
            return nil
        } catch let error as ConnectorError {
            return error
        } catch {
            return .temporary(reason: "\(error)")
        }
    }

    /// Reads and stores one account's or post's numbers now.
    static func take(_ payload: Payload, app: Application, clock: @escaping @Sendable () -> Date = { Date() }) async throws {
        do {
            guard let account = try await SocialAccount.find(payload.accountID, on: app.db),
                account.status == SocialAccount.Status.connected.rawValue
            else { return }
            let connector = try AccountService(db: app.db, app: app).connector(for: account, clock: clock)
            if let variantID = payload.variantID {
                guard let variant = try await PostVariant.find(variantID, on: app.db), let remoteID = variant.remoteID else { return }
                let metrics = try await connector.metrics(of: remoteID)
                try await MetricHistoryService.recordPost(variant, platform: account.platform, metrics: metrics, on: app.db)
            } else {
                try await MetricHistoryService.snapshotAccount(account, app: app, connector: connector)
            }
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw ConnectorError.temporary(reason: "\(error)")
        }
    }
}

/// Once per account, when it has no stored day: the platform's history
/// (where its API offers one; see MetricTaxonomy) for the last year.
enum MetricsBackfill {
    static let kind = JobKind<Payload>("analytics.metrics_backfill")
    static let days = 365

    struct Payload: Codable, Sendable, Equatable {
        var accountID: UUID
        var days: Int
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let payload = try kind.payload(of: job)
        guard let account = try await SocialAccount.find(payload.accountID, on: app.db),
            account.status == SocialAccount.Status.connected.rawValue
        else { return }
        do {
            try await MetricHistoryService.backfill(account, days: min(max(1, payload.days), 3_650), app: app)
        } catch let error as ConnectorError where error.isRetriable {
            // A spent daily quota (WeChat's 45009) waits for its reset.
            var wait: TimeInterval = 600
            if case .rateLimited(let asked) = error { wait = max(wait, asked) }
            throw JobRetry(after: wait, reason: ConnectorMessages.text(error))
        } catch let error as ConnectorError {
            app.logger.info("history not taken", metadata: ["account": .string(payload.accountID.uuidString), "why": .string("\(error)")])
        }
    }
}

/// Every day: removes account and post days older than the retention
/// (`FANFARE_METRICS_RETENTION_DAYS`, default 1,096 days, three years).
enum MetricsRetention {
    static let kind = JobKind<NoPayload>("analytics.metrics_retention")
    static let period: TimeInterval = 86_400

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await purge(keeping: app.settings.metricsRetentionDays, now: Date(), on: app.db)
    }

    /// Deletes days before `now` minus `days` (compared as UTC days; a
    /// workspace's own zone moves the edge by at most a day).
    static func purge(keeping days: Int, now: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let cutoff = MetricDay.of(now.addingTimeInterval(-Double(days) * 86_400), in: TimeZone(identifier: "UTC")!)
        try await sql.raw("DELETE FROM account_metric_days WHERE day < \(bind: cutoff)").run()
        try await sql.raw("DELETE FROM post_metric_days WHERE day < \(bind: cutoff)").run()
        // The sums keep the gains of the days left (a remaining day's gain
        // is still over the deleted one before it).
        try await sql.raw("DELETE FROM post_gain_days WHERE day < \(bind: cutoff)").run()
    }
}
