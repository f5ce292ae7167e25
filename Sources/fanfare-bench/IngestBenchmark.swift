import ArgumentParser
import AsyncHTTPClient
import FanfareConnectors
import FanfareCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `fanfare-bench ingest`: signed webhook pushes over HTTP on loopback at a
/// fixed offered rate, against a real `fanfare serve` on a fresh data
/// directory (SQLite) or `--database-url` (PostgreSQL). Each push carries
/// one comment. Latency runs from the moment a push was due to the answer,
/// which comes after the message is stored and analysed; a late sender
/// therefore counts against the server. Lost = answered 200 but not stored.
struct IngestBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Signed webhook pushes over loopback at a fixed rate, until stored and analysed: sustained rate, latency, losses.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary, .databaseURL]
    /// Pushes are answered within 100 ms at the offered rate, and none lost.
    static let targetP99Milliseconds = 100.0
    static let targetSustainedShare = 0.99

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Pushes offered per second.")
    var rate = 2_000

    @Option(help: "Seconds of pushes.")
    var seconds = 10

    /// Pushes in flight at once. A platform delivers each event on its own
    /// request as it happens; it does not wait for the previous answer. So
    /// the generator must not either: at 2,000/s with answers due within
    /// 100 ms, up to 200 are in flight (Little's law), and a smaller pool
    /// would cap the offered rate at connections ÷ latency and measure its
    /// own queue instead of the server.
    @Option(help: "Pushes in flight at once (keep-alive connections).")
    var connections = 256

    var settings: [String: Any] { ["offered_rate_per_s": rate, "seconds": seconds, "connections": connections] }

    func validateOptions() throws {
        try requireAtLeast(1, rate, "--rate")
        try requireAtLeast(1, seconds, "--seconds")
        try requireAtLeast(1, connections, "--connections")
    }

    func measure() async throws -> Measured {
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL)
        try server.emptyDatabase()
        try await server.start()
        defer { server.stop() }
        // The demo (its administrator included) is made after the server answers.
        try await server.timeUntilReady()
        let token = try server.token(name: "ingest")

        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        do {
            let measured = try await Self.load(
                client, port: server.port, token: token, metricsToken: server.metricsToken, rate: rate, seconds: seconds, connections: connections)
            try await client.shutdown()
            return measured
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// One run of pushes against a started server: `text(i)` is the i-th
    /// comment (the comments of the mix by default). The listening
    /// benchmark runs it with and without monitors.
    static func load(
        _ client: HTTPClient, port: Int, token: String, metricsToken: String, rate: Int, seconds: Int, connections: Int,
        text: (Int) -> String = { SandboxTexts.all[$0 % SandboxTexts.all.count] }
    ) async throws -> Measured {
        let base = "http://127.0.0.1:\(port)"
        let secret = StandardWebhooks.generateSecret()
        let account = try await json(
            client, .POST, base + "/api/v1/workspaces/demo/accounts", token: token,
            body: ["platform": "webhook", "fields": ["url": "https://example.com/receiver", "signing_secret": secret]])
        guard let accountID = account["id"] as? String else {
            throw ServerUnderTest.Failure(description: "could not connect a webhook account: \(account)")
        }
        let key = StandardWebhooks.key(fromSecret: secret)!

        let total = rate * seconds
        // The requests are made before the clock starts: the generator
        // shares the machine's two cores with the server, and its own JSON
        // encoding and signing are not the server's cost. Signed now, they
        // are at most `seconds` old when sent, well within the 5 minutes
        // the server allows.
        let stamp = Int(Date().timeIntervalSince1970)
        let requests = (0..<total).map { index in
            let body =
                (try? JSONSerialization.data(withJSONObject: [
                    "interactions": [
                        [
                            "id": "bench-\(index)", "kind": "comment", "author_id": "fan\(index % 5_000)",
                            "author_name": "Fan \(index % 5_000)",
                            "text": text(index), "post_id": "p\(index % 50)",
                        ]
                    ]
                ])) ?? Data()
            let id = "push-\(index)"
            var request = ByteBuffer()
            request.writeString(
                """
                POST /hooks/\(accountID) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n\
                webhook-id: \(id)\r\nwebhook-timestamp: \(stamp)\r\n\
                webhook-signature: \(StandardWebhooks.signature(id: id, timestamp: stamp, body: body, key: key))\r\n\
                Content-Length: \(body.count)\r\n\r\n
                """)
            request.writeBytes(body)
            return request
        }
        let pushes = try await PushLoad.connect(connections, host: "127.0.0.1", port: port)
        let jobsBefore = try await jobs(client, base: base, token: metricsToken)
        let start = ContinuousClock.now
        let results = await pushes.paced(requests, rate: rate)
        let wall = start.duration(to: .now)
        await pushes.close()
        // What the pushes left for the job worker (the fans' engagement,
        // automatic replies), and how long it took to pay: background
        // writers wait behind pushes, and must still keep up.
        let backlog = try await jobs(client, base: base, token: metricsToken)
        var drained: Double?
        while drained == nil, start.duration(to: .now) < wall + .seconds(120) {
            let now = try await jobs(client, base: base, token: metricsToken)
            if now.queued <= jobsBefore.queued, now.running == 0 {
                drained = secondsOf(start.duration(to: .now) - wall)
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let wallSeconds = secondsOf(wall)
        let accepted = results.filter { $0.0 == 200 }
        let latencies = accepted.map(\.1).sorted()
        func latency(_ p: Double) -> Double { rounded(nearestRank(p, ofSorted: latencies, empty: 0), 10) }
        // Count what was stored, through the API: this run's pushes only,
        // by their ids, not the demo's own messages, which would hide as
        // many losses.
        var stored = 0
        var cursor: String?
        repeat {
            let page = try await json(
                client, .GET, base + "/api/v1/workspaces/demo/messages?limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token, body: nil)
            stored += ((page["items"] as? [[String: Any]]) ?? []).filter { ($0["remote_id"] as? String)?.hasPrefix("bench-") == true }.count
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        let sustained = Int(Double(accepted.count) / wallSeconds)
        let p99 = latency(99)
        return Measured(
            figures: [
                "pushes": total,
                "accepted": accepted.count,
                "refused_or_failed": total - accepted.count,
                "statuses": Dictionary(grouping: results.map { $0.0 == 0 ? "no answer" : String($0.0) }, by: { $0 }).mapValues(\.count),
                "sustained_rate_per_s": sustained,
                "latency_ms_p50": latency(50),
                "latency_ms_p99": p99,
                "latency_ms_max": latency(100),
                "stored": stored,
                "lost": accepted.count - stored,
                "jobs_queued_at_end": backlog.queued + backlog.running - jobsBefore.queued,
                "jobs_drained_seconds_after_end": drained.map { rounded($0, 10) } ?? NSNull(),
            ],
            targets: [
                .atLeast("sustained_rate_per_s", (Double(rate) * targetSustainedShare).rounded(.down), Double(sustained)),
                .atMost("latency_ms_p99", targetP99Milliseconds, latencies.isEmpty ? nil : p99),
                .atMost("lost", 0, Double(accepted.count - stored)),
            ])
    }

    /// Queued and running jobs, from `/metrics`.
    static func jobs(_ client: HTTPClient, base: String, token: String) async throws -> (queued: Int, running: Int) {
        var request = HTTPClientRequest(url: base + "/metrics")
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        let response = try await client.execute(request, timeout: .seconds(60))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        func count(_ state: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix("fanfare_jobs{state=\"\(state)\"}") }
                // Prometheus writes every gauge as a float ("3.0").
                .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }.map { Int($0) } ?? 0
        }
        return (count("queued"), count("running"))
    }

    static func json(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String, body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
    }
}

/// Comments in the mix an account gets, for the load.
enum SandboxTexts {
    static let all = [
        "太好看了，已经下单！", "请问什么时候补货？", "质量很一般，有点失望", "这个颜色好喜欢 😍", "发货太慢了，等了一周还没到",
        "How much is shipping to Shanghai?", "Love this! 🔥", "Customer service never answered my email.", "怎么报名活动？",
        "价格可以再便宜点吗", "已关注，求抽中 🙏", "这个和上一代有什么区别？", "Great quality, buying another one.", "包装破损了，怎么退换？",
        "加微信 xxx 领福利", "客服态度很好，点赞 👍", "想买，有优惠码吗？", "this is so overpriced lol", "第一次用就坏了，差评",
    ]
}
