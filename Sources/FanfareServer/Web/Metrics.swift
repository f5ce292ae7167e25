import FanfareCore
import Foundation
import Metrics
import Prometheus
import Synchronization
import Vapor

/// The metrics of one application: a Prometheus registry that `/metrics`
/// writes out, and a swift-metrics factory over it through which every
/// feature makes its own `Counter`, `Timer`, `Recorder` or `Gauge`
/// (`Counter(label: "fanfare_…", factory: app.metrics.factory)`). Each node
/// reports its own; Prometheus adds them up.
///
/// Why a registry per application and an explicit factory instead of the
/// global `MetricsSystem` alone: `MetricsSystem.bootstrap` may be called once
/// per process, and the tests run dozens of applications in one process side
/// by side; each must count only its own requests and jobs. So `configure`
/// gives every application a fresh registry unless it is handed one, and
/// features always pass `app.metrics.factory`. The `fanfare` process hands
/// `configure` the one `FanfareMetrics.process`, which it also bootstraps
/// as the global backend, so that whatever a library records through
/// `MetricsSystem` is served at `/metrics` beside Fanfare's own figures.
public final class FanfareMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: any MetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = FanfareMetricsFactory(registry: registry)
    }

    /// The process's registry, bootstrapped as swift-metrics' backend the
    /// first time it is used (a `static let` runs its initialiser exactly
    /// once, whichever thread asks first). Only the `fanfare` executable
    /// uses it; tests never do, so they never bootstrap.
    public static let process: FanfareMetrics = {
        let metrics = FanfareMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        return metrics
    }()

    /// The registry in Prometheus's text format.
    func render() -> [UInt8] { registry.emitToBuffer() }

    /// Engine-cache events seen at the previous scrape: the cache keeps
    /// cumulative counts (in FanfareCore, which has no metrics), and a
    /// swift-metrics counter only goes up, so each scrape adds what
    /// happened since the last.
    let engineEventsSeen = Mutex<[String: Int]>([:])
}

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = FanfareMetrics }

    /// This application's metrics (see `FanfareMetrics`).
    public var metrics: FanfareMetrics {
        get {
            guard let metrics = storage[MetricsKey.self] else { fatalError("configure(_:settings:) was not called") }
            return metrics
        }
        set { storage[MetricsKey.self] = newValue }
    }
}

/// Every metric Fanfare writes, with its help text and, for histograms,
/// its buckets: one list, so `/metrics` says what each series means and a
/// name is not spelled two ways. A label not listed still works (no HELP
/// line, default buckets).
enum MetricCatalogue {
    struct Entry {
        var help: String
        var durationBuckets: [Duration]? = nil
    }

    /// From 1 ms to 10 s, as the hand-written histogram had them.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
    ]

    static let entries: [String: Entry] = [
        "fanfare_http_requests_total": Entry(help: "HTTP requests by method, route pattern and status."),
        "fanfare_http_request_duration_seconds": Entry(
            help: "HTTP request latency by method and route pattern.", durationBuckets: latencyBuckets),
        "fanfare_jobs": Entry(help: "Jobs in the durable queue by state."),
        "fanfare_workers_alive": Entry(help: "Workers that reported within the last minute."),
        "fanfare_engine_cache_bytes": Entry(help: "Estimated memory of the compiled lexicons kept."),
        "fanfare_engine_cache_budget_bytes": Entry(help: "The most they may hold (FANFARE_ENGINE_CACHE_MB)."),
        "fanfare_engine_cache_events_total": Entry(help: "Lookups and drops of compiled lexicons."),
        "fanfare_push_groups_total": Entry(help: "Groups of platform pushes written by the push writer, by outcome."),
        "fanfare_push_group_size": Entry(help: "Pushes written together in one group."),
        "fanfare_push_group_duration_seconds": Entry(
            help: "Time to write one group of platform pushes, from its transaction's start to its commit.", durationBuckets: latencyBuckets),
    ]

    static let pushGroupSizeBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000]
}

/// swift-metrics' handlers made in one Prometheus registry, with the help
/// text and buckets of `MetricCatalogue`.
struct FanfareMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricCatalogue.entries[label]?.help ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        let buckets = label == "fanfare_push_group_size" ? MetricCatalogue.pushGroupSizeBuckets : [1, 10, 100, 1_000, 10_000]
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = MetricCatalogue.entries[label]?.durationBuckets ?? MetricCatalogue.latencyBuckets
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

/// Request counts and latency histograms by route pattern
/// (`fanfare_http_requests_total{method,route,status}`,
/// `fanfare_http_request_duration_seconds{method,route}`).
///
/// The middleware runs on every request, so the handles are made once per
/// route, method and status and kept here: a request then costs one
/// dictionary lookup under a lock, keyed by the route object rather than
/// its path (no string is built), and two atomic or locked updates.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        /// The matched route; nil for requests no route matched.
        let route: ObjectIdentifier?
        let method: String
        let status: UInt
    }

    private struct Handles {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    private let factory: any MetricsFactory
    private let handles = Mutex<[Key: Handles]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func observe(route: Route?, method: HTTPMethod, status: UInt, nanoseconds: Int64) {
        let key = Key(route: route.map(ObjectIdentifier.init), method: method.rawValue, status: status)
        let found = handles.withLock { $0[key] }
        let handles = found ?? make(key, route: route)
        handles.requests.increment()
        handles.duration.recordNanoseconds(nanoseconds)
    }

    private func make(_ key: Key, route: Route?) -> Handles {
        // The pattern, not the raw path: one series per route, not per
        // workspace and id.
        let pattern = route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        let made = Handles(
            requests: CoreMetrics.Counter(
                label: "fanfare_http_requests_total", dimensions: [("method", key.method), ("route", pattern), ("status", String(key.status))],
                factory: factory),
            duration: CoreMetrics.Timer(
                label: "fanfare_http_request_duration_seconds", dimensions: [("method", key.method), ("route", pattern)], factory: factory))
        return handles.withLock { stored in
            if let existing = stored[key] { return existing }
            stored[key] = made
            return made
        }
    }
}

/// Times every request and files it under its route pattern.
struct RequestMetricsMiddleware: AsyncMiddleware {
    let metrics: RequestMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = start.duration(to: .now)
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics.observe(route: request.route, method: request.method, status: response.status.code, nanoseconds: nanoseconds)
        return response
    }
}
