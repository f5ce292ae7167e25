import ArgumentParser
import AsyncHTTPClient
import FanfareCore
import FanfareServer
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `fanfare-bench analytics`: issue 18's figures against a real `fanfare
/// serve --demo` on a fresh data directory (SQLite) or `--database-url`
/// (PostgreSQL). So far the conversions part:
/// - the short-link redirect (`/l/{code}`, click recorded) under wrk,
///   beside `/healthz` in the same run, and whether every answered
///   redirect's click was stored (read back through the links API after
///   the recorder's flush);
/// - the event API at a fixed offered rate of events in batches, sent
///   with the ingest benchmark's lean client (requests made before the
///   clock starts), latency per batch from the moment it was due, and
///   none lost: every batch is sent again afterwards and each stored event
///   must come back as a duplicate.
/// The metric store's parts (dashboard page, series query, monthly report,
/// nightly anomaly pass on the generated workspace) go in `metricStore` and `anomalyPass`.
struct AnalyticsBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Short-link redirects/s and p99 beside /healthz (wrk), and the event API's sustained events/s, p99 and losses.",
        discussion: """
            wrk (apt-get install wrk) drives /healthz and /l/{code} with 2 threads, a browser's User-Agent (so the \
            clicks count as people's). The events are sent in batches of --batch on --connections keep-alive connections \
            at --event-rate events a second for --seconds.
            """)
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary, .databaseURL, .accounts, .days]
    static let defaultAccounts = 100
    static let defaultDays = 730
    static let anomalyPassGoal = 60.0

    static let redirectRateGoal = 10_000.0
    static let redirectP99Goal = 10.0
    static let eventRateGoal = 5_000.0
    static let eventP99Goal = 50.0

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Seconds each wrk run and the event load last.")
    var seconds = 10

    @Option(help: "Connections wrk keeps open.")
    var wrkConnections = 32

    @Option(help: "Events offered per second.")
    var eventRate = 5_000

    @Option(help: "Events per request.")
    var batch = 100

    @Option(help: "Event requests in flight at once (keep-alive connections).")
    var connections = 32

    var settings: [String: Any] {
        [
            "seconds": seconds, "wrk_connections": wrkConnections, "wrk_threads": 2, "offered_events_per_s": eventRate, "batch": batch,
            "connections": connections, "load_average": ServeBenchmark.loadAverage,
            "accounts": shared.accounts ?? Self.defaultAccounts, "days": shared.days ?? Self.defaultDays,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(1, seconds, "--seconds")
        try requireAtLeast(1, wrkConnections, "--wrk-connections")
        try requireAtLeast(1, eventRate, "--event-rate")
        try requireAtLeast(1, batch, "--batch")
        if batch > 1_000 { throw ValidationError("--batch: must be at most 1000 (the event API's default cap)") }
        try requireAtLeast(1, connections, "--connections")
    }

    func measure() async throws -> Measured {
        _ = ServeBenchmark.loadAverage
        // In process, before the server starts: on PostgreSQL it drops and
        // makes the schema, which the server then migrates afresh.
        let anomalies = try await anomalyPass()
        var measured = try await serverLoad()
        measured.figures["anomaly_pass"] = anomalies.figures
        measured.targets += anomalies.targets
        return measured
    }

    private func serverLoad() async throws -> Measured {
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL)
        if shared.databaseURL != nil {
            try server.run(["migrate", "--revert"])
            try server.run(["migrate"])
        }
        try await server.start()
        defer { server.stop() }
        try await server.timeUntilReady()
        let token = try server.token(name: "analytics")
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        do {
            var figures: [String: Any] = [:]
            var targets: [Target] = []
            let redirects = try await redirectLoad(client, server: server, token: token)
            figures["redirect"] = redirects.figures
            targets += redirects.targets
            let events = try await eventLoad(client, server: server, token: token)
            figures["events"] = events.figures
            targets += events.targets
            let store = try await metricStore(client, server: server, token: token)
            figures["metric_store"] = store.figures
            targets += store.targets
            try await client.shutdown()
            return Measured(figures: figures, targets: targets)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    // MARK: Short links

    private func redirectLoad(_ client: HTTPClient, server: ServerUnderTest, token: String) async throws -> Measured {
        let base = server.base
        let link = try await json(
            client, .POST, base + "/api/v1/workspaces/demo/links", token: token,
            body: ["destination": "https://shop.example.com/bench", "campaign": "bench"])
        guard let code = link["code"] as? String, let id = link["id"] as? String else {
            throw ServerUnderTest.Failure(description: "could not make a link: \(link)")
        }
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            return Measured(
                figures: ["wrk": "not installed (apt-get install wrk)"],
                targets: [
                    .atLeast("redirects_per_second", Self.redirectRateGoal, nil), .below("redirect_p99_ms", Self.redirectP99Goal, nil),
                    .atMost("clicks_lost", 0, nil),
                ])
        }
        let script = server.dataDirectory.appendingPathComponent("histogram.lua")
        try Data(ServeBenchmark.histogramScript.utf8).write(to: script)
        let agent = "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
        let health = try ServeBenchmark.load(wrk, script: script, url: base + "/healthz", headers: [], seconds: seconds, connections: wrkConnections)
        let redirect = try ServeBenchmark.load(
            wrk, script: script, url: base + "/l/\(code)", headers: [agent], seconds: seconds, connections: wrkConnections)
        // The recorder writes every 250 ms; give it a second, then count.
        try await Task.sleep(for: .seconds(1))
        let shown = try await json(client, .GET, base + "/api/v1/workspaces/demo/links/\(id)", token: token, body: nil)
        let recorded = ((shown["clicks"] as? [String: Any])?["total"] as? Int) ?? 0
        let answered = redirect["requests"] as? Int ?? 0
        let failed = (redirect["non_2xx"] as? Int ?? 0) + (redirect["socket_errors"] as? Int ?? 0)
        // wrk counts the answers it read; the server may have answered (and
        // recorded) a few more that were in flight when wrk stopped.
        let lost = max(0, answered - failed - recorded)
        let rate = redirect["requests_per_second"] as? Double
        let share = rate.flatMap { r in (health["requests_per_second"] as? Double).map { r / $0 } }
        return Measured(
            figures: [
                "healthz": health, "redirect": redirect, "redirect_share_of_healthz": share.map { rounded($0, 1000) as Any } ?? NSNull(),
                "clicks_recorded": recorded, "clicks_lost": lost,
            ],
            targets: [
                .atLeast("redirects_per_second", Self.redirectRateGoal, rate),
                .below("redirect_p99_ms", Self.redirectP99Goal, redirect["p99_ms"] as? Double),
                .atMost("redirect_failed_responses", 0, Double(failed)), .atMost("clicks_lost", 0, Double(lost)),
            ])
    }

    // MARK: Events

    private func eventLoad(_ client: HTTPClient, server: ServerUnderTest, token: String) async throws -> Measured {
        let port = server.port
        let requestsPerSecond = max(1, eventRate / batch)
        let total = requestsPerSecond * seconds
        let now = Date()
        let formatter = ISO8601DateFormatter()
        let types = ["follow", "follow", "follow", "sign_up", "join_community", "purchase", "purchase", "referral", "follow", "refund"]
        // Made before the clock starts: the generator's JSON is not the server's cost.
        let bodies: [Data] = (0..<total).map { request in
            let events: [[String: Any]] = (0..<batch).map { item in
                let index = request * batch + item
                let type = types[index % types.count]
                var event: [String: Any] = [
                    "id": "bench-\(index)", "type": type, "at": formatter.string(from: now.addingTimeInterval(-Double(index % 86_400))),
                    "fan": ["platform": "weibo", "handle": "bench-fan-\(index % 20_000)"],
                ]
                if type == "purchase" || type == "refund" { event["amount_fen"] = 100 + index % 50_000 }
                if type == "referral" { event["referred"] = ["external_id": "bench-customer-\(index)"] }
                return event
            }
            return (try? JSONSerialization.data(withJSONObject: ["events": events])) ?? Data()
        }
        let requests = bodies.map { body -> ByteBuffer in
            var request = ByteBuffer()
            request.writeString(
                """
                POST /api/v1/workspaces/demo/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n\
                Authorization: Bearer \(token)\r\nContent-Length: \(body.count)\r\n\r\n
                """)
            request.writeBytes(body)
            return request
        }
        let load = try await PushLoad.connect(connections, host: "127.0.0.1", port: port)
        let start = ContinuousClock.now
        let results = await load.paced(requests, rate: requestsPerSecond)
        let wall = secondsOf(start.duration(to: .now))
        await load.close()
        let answered = results.filter { $0.0 == 200 }
        let latencies = answered.map(\.1).sorted()
        func latency(_ p: Double) -> Double { rounded(nearestRank(p, ofSorted: latencies, empty: 0), 10) }
        let sustained = Int(Double(answered.count * batch) / wall)
        // Every batch again, untimed: each stored event answers as a duplicate.
        var stored = 0
        for body in bodies {
            let reply = try await json(client, .POST, server.base + "/api/v1/workspaces/demo/events", token: token, raw: body)
            stored += reply["duplicates"] as? Int ?? 0
        }
        let sent = answered.count * batch
        return Measured(
            figures: [
                "requests": total, "events_sent": total * batch, "events_answered": sent,
                "statuses": Dictionary(grouping: results.map { $0.0 == 0 ? "no answer" : String($0.0) }, by: { $0 }).mapValues(\.count),
                "sustained_events_per_s": sustained, "batch_latency_ms_p50": latency(50), "batch_latency_ms_p99": latency(99),
                "batch_latency_ms_max": latency(100), "events_stored": stored, "events_lost": sent - stored,
            ],
            targets: [
                .atLeast("events_per_second", Self.eventRateGoal, Double(sustained)),
                .below("event_batch_p99_ms", Self.eventP99Goal, latencies.isEmpty ? nil : latency(99)),
                .atMost("events_lost", 0, Double(sent - stored)),
            ])
    }

    // MARK: The metric store

    /// The metric store's figures (issue 18 scope 1): the overview
    /// dashboard warm p99, a year's series query p99 and the monthly
    /// report, on the generated workspace. Not built yet (other parts of
    /// the issue): reported as unmeasured (null) rather than left out.
    private func metricStore(_ client: HTTPClient, server: ServerUnderTest, token: String) async throws -> Measured {
        Measured(
            figures: ["status": "not measured yet: the dashboard and reports are built separately"],
            targets: [.below("overview_page_p99_ms", 150, nil), .below("series_query_p99_ms", 50, nil), .below("monthly_report_seconds", 5, nil)])
    }

    // MARK: The nightly anomaly pass

    /// `--accounts` Sandbox accounts with `--days` days of followers each,
    /// written with the metric store's upsert in a transaction per account;
    /// then the nightly pass over every series as the job runs it (the
    /// target), and a replay of every series over the whole history.
    private func anomalyPass() async throws -> Measured {
        let accounts = shared.accounts ?? Self.defaultAccounts
        let days = shared.days ?? Self.defaultDays
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-anomalies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = data.path
        environment["LOG_LEVEL"] = "error"
        if let databaseURL = shared.databaseURL { environment["DATABASE_URL"] = databaseURL } else { environment.removeValue(forKey: "DATABASE_URL") }
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw ServerUnderTest.Failure(description: problems.description)
        }
        return try await AnomalyLoad.withSession(settings: settings, timeZone: "Asia/Shanghai") { session in
            let through = MetricDay.adding(-1, to: MetricDay.of(Date(), in: session.zone))
            let generateStart = ContinuousClock.now
            let generated = try await session.generate(accounts: accounts, days: days, through: through, seed: 18)
            let generateSeconds = secondsOf(generateStart.duration(to: .now))
            let passStart = ContinuousClock.now
            let nightly = try await session.nightly(through: through)
            let passSeconds = secondsOf(passStart.duration(to: .now))
            let replayStart = ContinuousClock.now
            let replay = try await session.replay(from: MetricDay.adding(-(days - 1), to: through), through: through)
            let replaySeconds = secondsOf(replayStart.duration(to: .now))
            return Measured(
                figures: [
                    "accounts": accounts, "days": days, "account_days_written": generated.rows, "generate_seconds": rounded(generateSeconds, 10),
                    "bursts_and_losses_generated": generated.unusual, "nightly_series": nightly.series, "nightly_anomalies_stored": nightly.found,
                    "nightly_pass_seconds": rounded(passSeconds, 1000), "replay_series": replay.series, "replay_flags": replay.flags,
                    "replay_whole_history_seconds": rounded(replaySeconds, 1000),
                    "posts": "none generated: the workspace series (impressions, engagements, rate) are empty here",
                ],
                targets: [.below("anomaly_pass_seconds", Self.anomalyPassGoal, passSeconds)])
        }
    }

    private func json(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String, body: [String: Any]? = nil, raw: Data? = nil
    ) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        if let data = try raw ?? body.map({ try JSONSerialization.data(withJSONObject: $0) }) {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
        }
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
    }
}
