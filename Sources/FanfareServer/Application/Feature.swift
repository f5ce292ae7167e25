import ArgumentParser
import FanfareCore
import Fluent
import Vapor

/// A feature of Fanfare: everything it adds to the application, declared
/// in its own folder (`Features/<Name>/<Name>Feature.swift`) and registered
/// in one line of `Features.all`. Shared files (routes, the job worker, the
/// migrations, the string tables, the navigation) read these declarations
/// and name no feature, so a feature is added, read or removed in one
/// place. Features call one another only through a feature's service
/// surface, never through its pages or its models' internals.
protocol Feature: Sendable {
    /// A short name for logs and the registry's checks.
    var name: String { get }
    /// The migrations this feature owns, each with the release it shipped
    /// in. All features' migrations run ordered by release, then by the
    /// features' order in `Features.all`, then in the order listed here; a
    /// shipped migration is never edited (changes are new migrations).
    var migrations: [ShippedMigration] { get }
    /// Its pages and API routes.
    func routes(_ routes: FeatureRoutes) throws
    /// The kinds of background job it runs, with their schedules.
    var jobs: [JobRegistration] { get }
    /// Its page text in both languages.
    var strings: StringTable { get }
    /// Keys it builds at run time from values (states, kinds), which a
    /// search of the sources for literal keys cannot see.
    var dynamicKeys: [String] { get }
    /// Its entries in the navigation.
    var navigation: [NavigationEntry] { get }
    /// Puts in place what it keeps for the application's lifetime (caches,
    /// writers), once, while the application is configured.
    func boot(_ app: Application) throws
    /// Its own `fanfare` subcommands (filters for scripts such as
    /// `fanfare moderate`), listed after the shared ones in `fanfare --help`.
    var commands: [any ParsableCommand.Type] { get }
    /// What it does with every message the inbox stores (Listening matches
    /// them against monitors); run inside the inbox's write transaction,
    /// once per stored batch.
    var messageObservers: [any InboxMessageObserver] { get }
}

extension Feature {
    var migrations: [ShippedMigration] { [] }
    func routes(_ routes: FeatureRoutes) throws {}
    var jobs: [JobRegistration] { [] }
    var strings: StringTable { StringTable() }
    var dynamicKeys: [String] { [] }
    var navigation: [NavigationEntry] { [] }
    func boot(_ app: Application) throws {}
    var commands: [any ParsableCommand.Type] { [] }
    var messageObservers: [any InboxMessageObserver] { [] }
}

/// Where a feature's routes go. Each builder already carries the
/// middleware its kind of route needs: sessions, CSRF and sign-in for
/// pages, bearer tokens and idempotency for the API, and the workspace
/// scope (the one place tenants are separated) for workspace routes.
struct FeatureRoutes {
    /// The application, for what routes need of it (settings, metrics).
    let app: Application
    /// Outside both stacks: operations endpoints, platforms' signed pushes.
    let root: any RoutesBuilder
    /// Pages anyone may open (sign-in, invitations, public forms).
    let publicPages: any RoutesBuilder
    /// Pages for people signed in, outside any workspace.
    let signedInPages: any RoutesBuilder
    /// `/w/{workspace}/…` pages.
    let workspacePages: any RoutesBuilder
    /// `/api/v1/…` outside any workspace.
    let api: any RoutesBuilder
    /// `/api/v1/workspaces/{workspace}/…`.
    let workspaceAPI: any RoutesBuilder
}

/// A migration and the release (the `00N` it shipped in) that orders it.
struct ShippedMigration: Sendable {
    let release: Int
    let migration: any Migration

    init(_ release: Int, _ migration: any Migration) {
        self.release = release
        self.migration = migration
    }
}

/// A kind of background job a feature runs: one job at a time, or many of
/// the kind together; optionally a schedule that enqueues it each period.
///
/// It is built from the typed `JobKind`, never from a bare name, so the
/// registration is where a job's payload is read: a job whose payload this
/// version cannot read ends failed at once, naming its kind, before its
/// handler runs (`JobResult.abandoned`), whether or not the handler looks
/// at the payload. Handlers still take `Job`s, because the demo calls the
/// batch handlers directly on jobs it read itself; they read their payload
/// with `kind.payload(of:)` / `kind.payloads(of:)`.
struct JobRegistration: Sendable {
    enum Run: Sendable {
        case single(JobHandler)
        case batch(JobBatchHandler)
    }

    /// The kind's name, as stored in `jobs.kind`.
    let kind: String
    let run: Run
    /// How often the kind's periodic job is enqueued; nil when something
    /// else enqueues it (an edit, a published post, an arrived message).
    let schedule: JobSchedule?
    /// Enqueues the periodic job for the period `now` is in. Called about
    /// once a minute by one loop of each worker.
    let enqueueForPeriod: (@Sendable (any Database, Date) async throws -> Void)?

    /// A kind enqueued by the code that has work for it.
    init<Payload>(_ kind: JobKind<Payload>, run: Run) {
        self.kind = kind.name
        self.run = Self.checked(run, of: kind)
        self.schedule = nil
        self.enqueueForPeriod = nil
    }

    /// A periodic kind: it has no payload (`NoPayload`), only a period.
    init(_ kind: JobKind<NoPayload>, run: Run, schedule: JobSchedule) {
        self.kind = kind.name
        self.run = Self.checked(run, of: kind)
        self.schedule = schedule
        self.enqueueForPeriod = { db, now in try await schedule.enqueue(kind, on: db, now: now) }
    }

    /// `run`, after the payloads of its jobs are read: a single job's
    /// unreadable payload throws `JobPayloadUnreadable` (the worker ends
    /// the job failed); a batch's unreadable jobs are left out of the
    /// batch and end failed, the others run together.
    private static func checked<Payload>(_ run: Run, of kind: JobKind<Payload>) -> Run {
        switch run {
        case .single(let handler):
            return .single { job, app in
                _ = try kind.payload(of: job)
                try await handler(job, app)
            }
        case .batch(let handler):
            return .batch { jobs, app in
                let (readable, unreadable) = kind.payloads(of: jobs)
                guard !readable.isEmpty else { return unreadable }
                return try await handler(readable.map(\.job), app).merging(unreadable) { ran, _ in ran }
            }
        }
    }
}

/// A feature's text: one table per language, the same keys in both.
struct StringTable: Sendable {
    var en: [String: String] = [:]
    var zhHans: [String: String] = [:]
}

/// The groups of the navigation, in the order the team works through them.
enum NavigationGroup: String, CaseIterable, Sendable {
    /// 工作台: the person's own home.
    case workbench
    /// 内容: posts, the calendar, the content library.
    case content
    /// 互动: the inbox, moderation, feedback.
    case engagement
    /// 粉丝: fans, segments, activities, the rewards shop.
    case fans
    /// 数据: analytics.
    case data
    /// 计划: goals, campaigns, budgets, risks.
    case planning
    /// 设置: accounts, members, the audit log, workspace settings.
    case settings
}

/// One link of the navigation: where it goes inside the workspace, its
/// label's key, who may see it, and its place in its group.
struct NavigationEntry: Sendable {
    let group: NavigationGroup
    /// Its order within the group (lower first).
    let order: Int
    /// The path after `/w/{workspace}` ("" for the workspace's home).
    let path: String
    let label: String
    /// Shown only to roles with this permission; nil for everyone.
    let permission: WorkspaceAction?

    init(_ group: NavigationGroup, order: Int, path: String, label: String, permission: WorkspaceAction? = nil) {
        self.group = group
        self.order = order
        self.path = path
        self.label = label
        self.permission = permission
    }
}
