import FanfareCore
import Fluent
import Metrics
import SQLKit
import Vapor

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.yaml` and the stylesheet.
struct OperationsRoutes: RouteCollection {
    /// Kept for `routes(_:metrics:expectsWorker:)`; `/metrics` reads the
    /// application's registry (`app.metrics`), which these record into.
    let metrics: RequestMetrics
    /// Whether a worker must be running for this node to be ready (false
    /// for a web-only node on PostgreSQL, where `fanfare worker` runs apart).
    let expectsWorker: Bool

    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
        routes.get("readyz", use: ready)
        routes.get("metrics", use: renderMetrics)
        routes.get("openapi.yaml", use: openAPI)
        routes.get("static", "app.css", use: stylesheet)
        routes.get("static", "compose.js", use: script(BundledResources.composeScript))
        routes.get("static", "calendar.js", use: script(BundledResources.calendarScript))
        routes.get("static", "inbox.js", use: script(BundledResources.inboxScript))
        routes.get("static", "library.js", use: script(BundledResources.libraryScript))
        routes.get("static", "segments.js", use: script(BundledResources.segmentsScript))
    }

    @Sendable func health(req: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"], body: "ok\n")
    }

    struct Readiness: Content {
        var status: String
        var database: String
        var pendingMigrations: [String]
        var workers: Int
        /// What the server is still preparing after it started (the demo).
        var preparing: String?
    }

    /// Ready when the database answers, every migration has run, (where
    /// expected) a worker has reported within the last minute, and nothing
    /// is still being prepared after the start (`serve --demo`).
    @Sendable func ready(req: Request) async throws -> Response {
        var readiness = Readiness(status: "ready", database: "ok", pendingMigrations: [], workers: 0)
        do {
            _ = try await (req.db as! any SQLDatabase).raw("SELECT 1").all()
            readiness.pendingMigrations = try await req.application.migrator.previewPrepareBatch().get().map { $0.0.name }
            readiness.workers = try await WorkerHeartbeat.query(on: req.db).filter(\.$seenAt > Date().addingTimeInterval(-60)).count()
        } catch {
            readiness.database = "unreachable"
        }
        readiness.preparing = req.application.startupGate.preparing?.what
        let ok =
            readiness.database == "ok" && readiness.pendingMigrations.isEmpty && (!expectsWorker || readiness.workers > 0)
            && readiness.preparing == nil
        if !ok { readiness.status = "not ready" }
        return try await readiness.encodeResponse(status: ok ? .ok : .serviceUnavailable, for: req)
    }

    /// `/metrics` answers only to `Authorization: Bearer <FANFARE_METRICS_TOKEN>`
    /// (issue 16: it needed nothing). Unset, metrics are not served at all
    /// (404): open on loopback would not do, since a reverse proxy on the
    /// same machine makes every visitor a loopback one.
    static func requireMetricsToken(_ req: Request) throws {
        guard let expected = req.application.settings.metricsToken else {
            throw Problem(.notFound, "Metrics are not served: set FANFARE_METRICS_TOKEN to serve them to holders of that token.", type: "not-found")
        }
        let given = req.headers.bearerAuthorization?.token ?? ""
        // Compared by hash, so the time taken says nothing about the token.
        guard Secrets.sha256(Data(given.utf8)) == Secrets.sha256(Data(expected.utf8)) else {
            throw Problem(.unauthorized, "Send the metrics token as 'Authorization: Bearer <FANFARE_METRICS_TOKEN>'.", type: "metrics-token")
        }
    }

    /// The application's registry in Prometheus's text format. Requests,
    /// the push writer and whatever else counts its own work have recorded
    /// into it as they went; what is a reading of state (jobs by state,
    /// live workers, the engine cache) is read now and recorded first.
    @Sendable func renderMetrics(req: Request) async throws -> Response {
        try Self.requireMetricsToken(req)
        let app = req.application
        let factory = app.metrics.factory
        let counts = try await JobQueue(db: req.db).counts()
        for state in Job.State.allCases {
            Gauge(label: "fanfare_jobs", dimensions: [("state", state.rawValue)], factory: factory).record(counts[state] ?? 0)
        }
        let workers = try await WorkerHeartbeat.query(on: req.db).filter(\.$seenAt > Date().addingTimeInterval(-60)).count()
        Gauge(label: "fanfare_workers_alive", factory: factory).record(workers)
        Self.recordEngineCache(app.moderationEngines, into: app.metrics)
        return Response(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: .init(data: Data(app.metrics.render())))
    }

    /// The compiled lexicons' cache (FANFARE_ENGINE_CACHE_MB). The cache
    /// lives in FanfareCore and keeps plain cumulative counts; each scrape
    /// adds to the counters what happened since the previous one.
    static func recordEngineCache(_ engines: SharedEngines, into metrics: FanfareMetrics) {
        let stats = engines.statistics
        Gauge(label: "fanfare_engine_cache_bytes", factory: metrics.factory).record(engines.chargedBytes)
        Gauge(label: "fanfare_engine_cache_budget_bytes", factory: metrics.factory).record(engines.budgetBytes)
        let events = [
            ("hit", stats.hits), ("stale_hit", stats.staleHits), ("miss", stats.misses), ("build", stats.builds), ("eviction", stats.evictions),
            ("oversized", stats.oversized),
        ]
        metrics.engineEventsSeen.withLock { seen in
            for (event, count) in events {
                let counter = Metrics.Counter(label: "fanfare_engine_cache_events_total", dimensions: [("event", event)], factory: metrics.factory)
                // Created at zero on the first scrape, so every event is listed.
                counter.increment(by: max(0, count - seen[event, default: 0]))
                seen[event] = count
            }
        }
    }

    @Sendable func openAPI(req: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/yaml; charset=utf-8"], body: .init(string: BundledResources.openAPI))
    }

    @Sendable func stylesheet(req: Request) async throws -> Response {
        Response(
            status: .ok, headers: ["Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600"],
            body: .init(string: BundledResources.stylesheet))
    }
}

extension OperationsRoutes {
    func script(_ text: String) -> @Sendable (Request) async throws -> Response {
        { _ in
            Response(
                status: .ok, headers: ["Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600"],
                body: .init(string: text))
        }
    }
}

/// Files shipped inside the binary's resource bundle, read once.
enum BundledResources {
    static let openAPI: String = load("openapi", "yaml")
    static let stylesheet: String = load("app", "css", subdirectory: "Public")
    static let composeScript: String = load("compose", "js", subdirectory: "Public")
    static let calendarScript: String = load("calendar", "js", subdirectory: "Public")
    static let inboxScript: String = load("inbox", "js", subdirectory: "Public")
    static let libraryScript: String = load("library", "js", subdirectory: "Public")
    static let segmentsScript: String = load("segments", "js", subdirectory: "Public")

    private static func load(_ name: String, _ ext: String, subdirectory: String? = nil) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: subdirectory),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }
}
