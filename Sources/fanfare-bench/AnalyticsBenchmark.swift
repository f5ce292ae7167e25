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
/// nightly anomaly pass on the generated workspace) are `metricStore` and `generate`.
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

    @Option(help: "Published posts generated in the workspace (one variant each), spread over --days.")
    var posts = 50_000

    @Option(help: "Daily snapshots each generated post has (from its day on).")
    var postDays = 30

    @Option(help: "Conversion events generated, spread over --days.")
    var events = 10_000_000

    @Option(help: "Fans generated (the events name them).")
    var fans = 1_000_000

    @Option(help: "Requests timed one after another for the overview page and each series query.")
    var requests = 100

    @Option(help: "Monthly reports made one after another (the slowest is the figure).")
    var reports = 3

    @Flag(help: "Keep the data directory (its path is printed on standard error) to look at the database afterwards.")
    var keepData = false

    var settings: [String: Any] {
        [
            "seconds": seconds, "wrk_connections": wrkConnections, "wrk_threads": 2, "offered_events_per_s": eventRate, "batch": batch,
            "connections": connections, "load_average": ServeBenchmark.loadAverage,
            "accounts": shared.accounts ?? Self.defaultAccounts, "days": shared.days ?? Self.defaultDays, "posts": posts,
            "post_days": postDays, "events": events, "fans": fans, "requests": requests, "reports": reports,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(1, seconds, "--seconds")
        try requireAtLeast(1, wrkConnections, "--wrk-connections")
        try requireAtLeast(1, eventRate, "--event-rate")
        try requireAtLeast(1, batch, "--batch")
        if batch > 1_000 { throw ValidationError("--batch: must be at most 1000 (the event API's default cap)") }
        try requireAtLeast(1, connections, "--connections")
        try requireAtLeast(0, posts, "--posts")
        try requireAtLeast(1, postDays, "--post-days")
        try requireAtLeast(0, events, "--events")
        try requireAtLeast(0, fans, "--fans")
        try requireAtLeast(1, requests, "--requests")
        try requireAtLeast(1, reports, "--reports")
    }

    /// The server is started once with `--demo` (on PostgreSQL after
    /// `migrate --revert` and `migrate`) and stopped; the demo workspace is
    /// then loaded in process (accounts' history, posts, fans, events) and
    /// the nightly anomaly pass timed on it; the server is started again
    /// on that data and measured from outside.
    func measure() async throws -> Measured {
        _ = ServeBenchmark.loadAverage
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL)
        if keepData {
            server.keepData = true
            FileHandle.standardError.write(Data("data directory: \(server.dataDirectory.path)\n".utf8))
        }
        try server.emptyDatabase()
        try await server.start()
        try await server.timeUntilReady()
        server.stop()
        let generated = try await generate(server)
        try await server.start(["serve"])
        defer { server.stop() }
        try await server.timeUntilReady()
        FileHandle.standardError.write(Data("measuring the server\n".utf8))
        var measured = try await serverLoad(server)
        measured.figures["generated"] = generated.figures
        measured.targets += generated.targets
        return measured
    }

    private func serverLoad(_ server: ServerUnderTest) async throws -> Measured {
        let token = try server.token(name: "analytics")
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        do {
            var figures: [String: Any] = [:]
            var targets: [Target] = []
            let store = try await metricStore(client, server: server, token: token)
            figures["metric_store"] = store.figures
            targets += store.targets
            let redirects = try await redirectLoad(client, server: server, token: token)
            figures["redirect"] = redirects.figures
            targets += redirects.targets
            let events = try await eventLoad(client, server: server, token: token)
            figures["events"] = events.figures
            targets += events.targets
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

    /// The metric store's figures on the loaded demo workspace: the
    /// overview page (`/w/demo/analytics`, signed in, default period)
    /// warm, a year's daily series of followers and of engagements
    /// through the API, each `--requests` times one after another after
    /// three untimed; and `--reports` monthly reports (last month, made
    /// through the API as the 报告 page makes a custom one).
    private func metricStore(_ client: HTTPClient, server: ServerUnderTest, token: String) async throws -> Measured {
        let cookie = try await SignedInPages.signIn(server)
        func timed(
            _ url: String, headers: [(String, String)], method: HTTPMethod = .GET, body: Data? = nil, times: Int, warm: Int
        ) async throws -> (latencies: [Double], bytes: Int) {
            var latencies: [Double] = []
            var bytes = 0
            for index in 0..<(warm + times) {
                var request = HTTPClientRequest(url: url)
                request.method = method
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let body {
                    request.headers.add(name: "content-type", value: "application/json")
                    request.body = .bytes(ByteBuffer(data: body))
                }
                let start = ContinuousClock.now
                let response = try await client.execute(request, timeout: .seconds(300))
                let collected = try await response.body.collect(upTo: 64 << 20)
                let elapsed = secondsOf(start.duration(to: .now)) * 1_000
                guard (200..<300).contains(Int(response.status.code)) else {
                    throw ServerUnderTest.Failure(
                        description: "\(method) \(url) answered \(response.status.code): \(String(buffer: collected).prefix(300))")
                }
                bytes = collected.readableBytes
                if index >= warm { latencies.append(elapsed) }
            }
            return (latencies.sorted(), bytes)
        }
        func summary(_ latencies: [Double], bytes: Int) -> [String: Any] {
            [
                "requests": latencies.count, "p50_ms": rounded(nearestRank(50, ofSorted: latencies, empty: 0), 10),
                "p99_ms": rounded(nearestRank(99, ofSorted: latencies, empty: 0), 10),
                "max_ms": rounded(nearestRank(100, ofSorted: latencies, empty: 0), 10), "bytes": bytes,
            ]
        }
        let overview = try await timed(server.base + "/w/demo/analytics", headers: [("cookie", cookie)], times: requests, warm: 3)
        // The demo's days (Asia/Shanghai): a year ending yesterday.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        let today = calendar.startOfDay(for: Date())
        let yearTo = formatter.string(from: calendar.date(byAdding: .day, value: -1, to: today)!)
        let yearFrom = formatter.string(from: calendar.date(byAdding: .day, value: -365, to: today)!)
        var seriesFigures: [String: Any] = [:]
        var seriesTargets: [Target] = []
        // An account metric (100 accounts' days) and a post metric (every post's snapshots in the year).
        for metric in ["followers", "engagements"] {
            let url = server.base + "/api/v1/workspaces/demo/analytics/series?metric=\(metric)&from=\(yearFrom)&to=\(yearTo)"
            let series = try await timed(url, headers: [("authorization", "Bearer \(token)")], times: requests, warm: 3)
            seriesFigures[metric] = summary(series.latencies, bytes: series.bytes)
            seriesTargets.append(.below("series_year_\(metric)_p99_ms", 50, nearestRank(99, ofSorted: series.latencies, empty: 0)))
        }
        let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: today))!
        let monthStart = calendar.date(byAdding: .month, value: -1, to: thisMonth)!
        let monthEnd = calendar.date(byAdding: .day, value: -1, to: thisMonth)!
        let body = try JSONSerialization.data(withJSONObject: ["from": formatter.string(from: monthStart), "to": formatter.string(from: monthEnd)])
        let report = try await timed(
            server.base + "/api/v1/workspaces/demo/reports", headers: [("authorization", "Bearer \(token)")], method: .POST, body: body,
            times: reports, warm: 0)
        let reportSeconds = (report.latencies.last ?? 0) / 1_000
        return Measured(
            figures: [
                "overview_page": summary(overview.latencies, bytes: overview.bytes), "series_year": seriesFigures, "series_from": yearFrom,
                "series_to": yearTo,
                "monthly_report": [
                    "from": formatter.string(from: monthStart), "to": formatter.string(from: monthEnd),
                    "seconds": report.latencies.map { rounded($0 / 1_000, 1000) },
                ] as [String: Any],
            ],
            targets: [
                .below("overview_page_p99_ms", 150, nearestRank(99, ofSorted: overview.latencies, empty: 0)),
                .below("monthly_report_seconds", 5, reportSeconds),
            ] + seriesTargets)
    }

    // MARK: Generating the workspace and the nightly anomaly pass

    /// In process, on the server's data (stopped): `--accounts` Sandbox
    /// accounts with `--days` days of followers (the metric store's upsert,
    /// a transaction per account), `--posts` posts with `--post-days` daily
    /// snapshots, `--fans` fans and `--events` events (rows written in
    /// bulk); then the nightly pass over every series as the job runs it
    /// (the target), and a replay of every series over the whole history.
    private func generate(_ server: ServerUnderTest) async throws -> Measured {
        let accounts = shared.accounts ?? Self.defaultAccounts
        let days = shared.days ?? Self.defaultDays
        var environment = server.environment
        environment["LOG_LEVEL"] = "error"
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw ServerUnderTest.Failure(description: problems.description)
        }
        let (posts, postDays, events, fans) = (self.posts, self.postDays, self.events, self.fans)
        return try await AnomalyLoad.withWorkspace(settings: settings, slug: "demo") { session in
            let through = MetricDay.adding(-1, to: MetricDay.of(Date(), in: session.zone))
            var seconds: [String: Double] = [:]
            func clocked<T>(_ name: String, _ work: () async throws -> T) async throws -> T {
                let start = ContinuousClock.now
                let result = try await work()
                seconds[name] = rounded(secondsOf(start.duration(to: .now)), 10)
                FileHandle.standardError.write(Data("generated \(name) in \(seconds[name] ?? 0) s\n".utf8))
                return result
            }
            let generated = try await clocked("accounts") { try await session.generate(accounts: accounts, days: days, through: through, seed: 18) }
            let written = try await clocked("posts") {
                try await session.posts(count: posts, snapshotDays: postDays, days: days, through: through, seed: 19)
            }
            let fanIDs = try await clocked("fans") { try await session.fans(count: fans, now: Date()) }
            let eventCount = try await clocked("events") {
                try await session.events(count: events, days: days, through: through, fans: fanIDs, seed: 20)
            }
            try await clocked("analyze") { try await session.analyzeLoaded() }
            let passStart = ContinuousClock.now
            let nightly = try await session.nightly(through: through)
            let passSeconds = secondsOf(passStart.duration(to: .now))
            let replayStart = ContinuousClock.now
            let replay = try await session.replay(from: MetricDay.adding(-(days - 1), to: through), through: through)
            let replaySeconds = secondsOf(replayStart.duration(to: .now))
            return Measured(
                figures: [
                    "accounts": accounts, "days": days, "account_days_written": generated.rows, "bursts_and_losses_generated": generated.unusual,
                    "posts": written.posts, "post_days_written": written.snapshots, "fans": fanIDs.count, "events": eventCount,
                    "generate_seconds": seconds, "generate_seconds_total": rounded(seconds.values.reduce(0, +), 10),
                    "anomaly_pass": [
                        "nightly_series": nightly.series, "nightly_anomalies_stored": nightly.found,
                        "nightly_pass_seconds": rounded(passSeconds, 1000),
                        "replay_series": replay.series, "replay_flags": replay.flags, "replay_whole_history_seconds": rounded(replaySeconds, 1000),
                    ] as [String: Any],
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
