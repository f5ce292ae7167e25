import FanfareCore
import Fluent
import Vapor

/// The in-process benchmarks' start (`fanfare-bench fans`, the anomaly
/// pass of `fanfare-bench analytics`): the application booted on
/// `settings` as `serve` runs it, migrated (on PostgreSQL the schema is
/// dropped and made again first, as `fanfare-bench ingest` does: each run
/// counts its own rows only), and one fresh workspace in `timeZone` owned by
/// a new person. The application is shut down when `body` returns or throws.
enum BenchmarkWorkspace {
    static func with<T>(
        settings: Settings, timeZone: String, name: String, _ body: (Application, Workspace) async throws -> T
    ) async throws -> T {
        var settings = settings
        settings.secretKey = try settings.resolveSecretKey()
        let app = try await Application.make(.init(name: "production", arguments: ["fanfare"]))
        do {
            try await configure(app, settings: settings, options: RuntimeOptions(bcryptCost: 4, inProcessWorker: false, sandboxFailureRate: 0))
            if settings.usesPostgres { try await app.autoRevert() }
            try await app.autoMigrate()
            try await Storage.enableWAL(app.db)
            try await Storage.tuneSQLite(app)
            let slug = name.lowercased().replacingOccurrences(of: " ", with: "-")
            let owner = try await PeopleService(db: app.db, passwords: app.password.async).create(
                .init(
                    email: "\(slug)-\(UUID().uuidString.prefix(8))@fanfare.local", displayName: name,
                    password: Secrets.randomToken(bytes: 12), locale: "en", timeZone: timeZone, isAdmin: false), actor: .system)
            let workspace = try await WorkspaceService(db: app.db).create(
                .init(name: name, slug: "\(slug)-\(Int.random(in: 1_000...9_999))", timeZone: timeZone), by: owner, actor: .system)
            let result = try await body(app, workspace)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// The application booted on `settings` over a database a server made
    /// and migrated (nothing dropped, nothing migrated), on its workspace
    /// `slug`; shut down when `body` returns or throws.
    static func existing<T>(settings: Settings, slug: String, _ body: (Application, Workspace) async throws -> T) async throws -> T {
        var settings = settings
        settings.secretKey = try settings.resolveSecretKey()
        let app = try await Application.make(.init(name: "production", arguments: ["fanfare"]))
        do {
            try await configure(app, settings: settings, options: RuntimeOptions(bcryptCost: 4, inProcessWorker: false, sandboxFailureRate: 0))
            try await Storage.enableWAL(app.db)
            try await Storage.tuneSQLite(app)
            guard let workspace = try await Workspace.query(on: app.db).filter(\.$slug == slug).first() else {
                throw Abort(.notFound, reason: "no workspace \(slug)")
            }
            let result = try await body(app, workspace)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}
