import FanfareCore
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

/// What `configure` needs beyond `Settings`; tests override these.
public struct RuntimeOptions: Sendable {
    /// Bcrypt cost: 12 in production; tests use the minimum to stay quick.
    public var bcryptCost: Int = 12
    /// Run the job worker inside this process.
    public var inProcessWorker: Bool = true
    /// Share of first publishing attempts the Sandbox fails on purpose, as
    /// a real platform sometimes does; tests that need a calm platform set 0.
    public var sandboxFailureRate: Double = 0.02
    /// Where the application records its metrics. nil gives it a registry
    /// of its own (tests: many applications in one process, each counting
    /// its own); the `fanfare` executable passes `FanfareMetrics.process`.
    public var metrics: FanfareMetrics?

    public init(bcryptCost: Int = 12, inProcessWorker: Bool = true, sandboxFailureRate: Double = 0.02, metrics: FanfareMetrics? = nil) {
        self.bcryptCost = bcryptCost
        self.inProcessWorker = inProcessWorker
        self.sandboxFailureRate = sandboxFailureRate
        self.metrics = metrics
    }
}

/// Sets up an application from settings: database, sessions, middleware,
/// routes, commands. Tests call this too, with their own settings.
public func configure(_ app: Application, settings: Settings, options: RuntimeOptions = RuntimeOptions()) async throws {
    app.storage[SettingsKey.self] = settings
    app.storage[RuntimeOptionsKey.self] = options
    app.metrics = options.metrics ?? FanfareMetrics()
    // Vapor's responder would also record every request through the
    // global swift-metrics backend under its own names (`http_requests_total`);
    // RequestMetricsMiddleware records Fanfare's, so that work is not done twice.
    app.http.server.configuration.reportMetrics = false
    app.http.server.configuration.hostname = settings.host
    app.http.server.configuration.port = settings.port
    app.http.server.configuration.serverName = "Fanfare"
    app.routes.defaultMaxBodySize = "1mb"
    // SQLite runs on blocking threads, and a connection waiting for the
    // write lock keeps its thread while it waits. The process-wide pool
    // has one thread per core and is shared by every application in the
    // process (the tests run dozens at once): waiting connections could take
    // every thread and leave the lock's holder none to finish on, for ever.
    // One thread per connection (`connectionsPerEventLoop` per event loop),
    // plus two for password hashing and files, means the holder always has one.
    let eventLoops = app.eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }
    let connections = settings.databaseURL == nil ? eventLoops * GatedSQLiteConfiguration.connectionsPerEventLoop : eventLoops
    app.threadPool = NIOThreadPool(numberOfThreads: connections + 2)

    if let url = settings.databaseURL {
        var config = try SQLPostgresConfiguration(url: url)
        config.searchPath = nil
        app.databases.use(.postgres(configuration: config, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(10)), as: .psql)
    } else {
        // Connections open lazily: `restore` must be able to swap the file
        // before anything has opened it.
        let sqlite = DatabaseConfigurationFactory.sqlite(.file(settings.sqliteFile.path)).make()
        app.databases.use(DatabaseConfigurationFactory { GatedSQLiteConfiguration(sqlite: sqlite) }, as: .sqlite)
    }
    app.migrations.add(FanfareMigrations.all)
    for feature in Features.all { try feature.boot(app) }

    app.passwords.use(.bcrypt(cost: options.bcryptCost))
    app.sessions.use { _ in BrowserSessionDriver() }
    // Max-Age, not Expires: the cookie is written on every response, and
    // Vapor formats an Expires date with a DateFormatter made afresh each
    // time — a sixth of a signed-in page's cost (docs/benchmarks.md).
    app.sessions.configuration = SessionsConfiguration(cookieName: "fanfare_session") { id in
        HTTPCookies.Value(
            string: id.string, expires: nil, maxAge: Int(SessionUserMiddleware.maxAge), path: "/", isHTTPOnly: true, sameSite: .lax)
    }

    ContentConfiguration.global.use(encoder: JSONEncoder.api, for: .json)
    ContentConfiguration.global.use(decoder: JSONDecoder.api, for: .json)

    let metrics = RequestMetrics(factory: app.metrics.factory)
    app.storage[RequestMetricsKey.self] = metrics
    app.middleware = Middlewares()
    app.middleware.use(RequestMetricsMiddleware(metrics: metrics))
    // Outside the error middleware, so error pages' cookies are seen too.
    app.middleware.use(BrowserCookiesMiddleware())
    // nosniff everywhere, no-store on machine answers, error documents
    // included (issue 16).
    app.middleware.use(ResponseHeadersMiddleware())
    app.middleware.use(FanfareErrorMiddleware())
    // Inside the error middleware, so a 413 is answered like any error.
    app.middleware.use(BodyLimitMiddleware())
    // While the server prepares something after it starts (the demo), it says so.
    app.middleware.use(StartupGateMiddleware(gate: app.startupGate))

    try routes(app)
    await app.useFanfareServer(.init(hostname: settings.host, port: settings.port, limits: settings.connections))
    registerCommands(app, inProcessWorker: options.inProcessWorker)
}

struct SettingsKey: StorageKey { typealias Value = Settings }
struct RuntimeOptionsKey: StorageKey { typealias Value = RuntimeOptions }
struct RequestMetricsKey: StorageKey { typealias Value = RequestMetrics }

extension Application {
    var settings: Settings {
        guard let settings = storage[SettingsKey.self] else { fatalError("configure(_:settings:) was not called") }
        return settings
    }

    var runtimeOptions: RuntimeOptions { storage[RuntimeOptionsKey.self] ?? RuntimeOptions() }

    /// Whether this process runs a worker that `/readyz` should wait for.
    var expectsWorker: Bool { runtimeOptions.inProcessWorker }

    var requestMetrics: RequestMetrics {
        guard let metrics = storage[RequestMetricsKey.self] else { fatalError("configure(_:settings:) was not called") }
        return metrics
    }
}
