import ArgumentParser
import AsyncHTTPClient
import FanfareConnectors
import FanfareCore
import FanfareServer
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `fanfare-bench listening` (issue 20), three parts:
///
/// 1. Ingest with monitors: the ingest benchmark's signed pushes at
///    `--rate` for `--seconds`, once on a server without monitors and once
///    on a fresh one with `--monitors` monitors (one message in ten names
///    one of them), both real `fanfare serve --demo` processes on loopback.
///    Targets: throughput with monitors within 10 % of without, p99 under
///    100 ms.
/// 2. Storms to delivery: a local webhook receiver on 127.0.0.1 (the
///    server is started with `FANFARE_OUTBOUND_ALLOW=127.0.0.1/32`), a
///    webhook channel for alerts, one monitor per storm; `--storms` storms
///    (`SandboxChatter.storm`) pushed in real time, a few seconds apart.
///    Measured per storm: from its first message's push to the receiver
///    getting the alert. Target: p99 under 60 s, every storm delivered.
/// 3. A calm week: five weeks of ordinary chatter (`SandboxChatter.ordinary`,
///    daily and weekly rhythm) stored through the inbox in-process, then
///    the alert evaluation replayed every five minutes over the last week.
///    Target: no alert.
struct ListeningBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "listening",
        abstract: "Monitors on ingest (throughput and p99 with and without), storms to a local webhook (seconds), a calm week (false alerts).")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary, .databaseURL]
    static let targetThroughputShare = 0.9
    static let targetP99Milliseconds = 100.0
    static let targetDeliverySeconds = 60.0

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Pushes offered per second in the ingest part.")
    var rate = 4_000

    @Option(help: "Seconds of pushes in the ingest part.")
    var seconds = 10

    @Option(help: "Monitors in the workspace for the second ingest run.")
    var monitors = 1_000

    @Option(help: "Pushes in flight at once (keep-alive connections).")
    var connections = 256

    @Option(help: "Storms sent, each on its own monitor (0 skips the part).")
    var storms = 20

    @Option(name: .customLong("storm-peak"), help: "Messages in a storm's busiest minutes.")
    var stormPeak = 12

    @Option(name: .customLong("calm-weeks"), help: "Weeks of ordinary chatter before the calm week judged (0 skips the part).")
    var calmWeeks = 4

    var settings: [String: Any] {
        [
            "offered_rate_per_s": rate, "seconds": seconds, "monitors": monitors, "connections": connections, "storms": storms,
            "storm_peak_per_minute": stormPeak, "calm_weeks_of_history": calmWeeks,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(1, rate, "--rate")
        try requireAtLeast(1, seconds, "--seconds")
        try requireAtLeast(1, monitors, "--monitors")
        if monitors > 1_000 { throw ValidationError("--monitors: must be from 1 to 1000 (a workspace's limit), not \(monitors)") }
        try requireAtLeast(1, connections, "--connections")
        try requireAtLeast(0, storms, "--storms")
        try requireAtLeast(1, stormPeak, "--storm-peak")
        try requireAtLeast(0, calmWeeks, "--calm-weeks")
    }

    func measure() async throws -> Measured {
        var figures: [String: Any] = [:]
        var targets: [Target] = []

        // 1. Ingest without, then with, monitors: each on a fresh server.
        let without = try await ingest(monitors: 0)
        let with = try await ingest(monitors: monitors)
        let rateWithout = without.figures["sustained_rate_per_s"] as? Int ?? 0
        let rateWith = with.figures["sustained_rate_per_s"] as? Int ?? 0
        let share = rateWithout == 0 ? 0 : Double(rateWith) / Double(rateWithout)
        figures["ingest_without_monitors"] = without.figures
        figures["ingest_with_monitors"] = with.figures
        figures["throughput_share_with_monitors"] = rounded(share, 1000)
        targets.append(.atLeast("throughput_share_with_monitors", Self.targetThroughputShare, share))
        targets.append(.atMost("ingest_with_monitors.latency_ms_p99", Self.targetP99Milliseconds, with.figures["latency_ms_p99"] as? Double))

        // 2. Storms to the local webhook receiver.
        if storms > 0 {
            let delivered = try await stormsToDelivery()
            figures["storms"] = delivered.figures
            targets += delivered.targets
        }

        // 3. The calm week, in-process.
        if calmWeeks > 0 {
            let calm = try await calmWeek()
            figures["calm_week"] = calm.figures
            targets += calm.targets
        }
        return Measured(figures: figures, targets: targets)
    }

    // MARK: 1. Ingest

    /// The brands the monitors listen for: `品牌0001 OR Brand0001`, …
    static func brand(_ index: Int) -> String { String(format: "品牌%04d", index) }

    private func ingest(monitors count: Int) async throws -> Measured {
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL)
        try server.emptyDatabase()
        try await server.start()
        defer { server.stop() }
        try await server.timeUntilReady()
        let token = try server.token(name: "listening")
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        do {
            let base = server.base + "/api/v1/workspaces/demo"
            let made = Date()
            // The demo brings a monitor of its own: the workspace holds
            // `count` in all (its limit is 1,000).
            let existing = try await IngestBenchmark.json(client, .GET, base + "/listening/monitors", token: token, body: nil)
            let already = (existing["items"] as? [Any])?.count ?? 0
            for index in 0..<max(0, count - already) {
                let monitor = try await IngestBenchmark.json(
                    client, .POST, base + "/listening/monitors", token: token,
                    body: ["name": "Bench \(index)", "query": "\"\(Self.brand(index))\" OR \"Brand\(index)x\" -招聘"])
                guard monitor["id"] != nil else { throw ServerUnderTest.Failure(description: "could not make monitor \(index): \(monitor)") }
            }
            let mixed = SandboxTexts.all
            let monitors = count
            var measured = try await IngestBenchmark.load(
                client, port: server.port, token: token, metricsToken: server.metricsToken, rate: rate, seconds: seconds,
                connections: connections,
                text: { index in
                    // One message in ten names a monitored brand (spelled
                    // with a symbol inside, as evasive fans do).
                    guard monitors > 0, index % 10 == 0 else { return mixed[index % mixed.count] }
                    let brand = Self.brand((index / 10) % monitors).map(String.init).joined(separator: "·")
                    return "\(brand)的客服太慢了 \(mixed[index % mixed.count])"
                })
            measured.figures["monitors"] = count
            measured.figures["monitors_made_seconds"] = rounded(Date().timeIntervalSince(made), 10)
            try await client.shutdown()
            return measured
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    // MARK: 2. Storms

    private func stormsToDelivery() async throws -> Measured {
        let receiver = try await WebhookReceiver.start()
        let server = try ServerUnderTest(
            binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL, settings: ["FANFARE_OUTBOUND_ALLOW": "127.0.0.1/32"])
        try server.emptyDatabase()
        try await server.start()
        defer { server.stop() }
        try await server.timeUntilReady()
        let token = try server.token(name: "storms")
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let measured = try await storms(server: server, receiver: receiver, client: client, token: token)
            try await client.shutdown()
            await receiver.stop()
            return measured
        } catch {
            try? await client.shutdown()
            await receiver.stop()
            throw error
        }
    }

    private func storms(server: ServerUnderTest, receiver: WebhookReceiver, client: HTTPClient, token: String) async throws -> Measured {
        let base = server.base + "/api/v1/workspaces/demo"
        let channel = try await IngestBenchmark.json(
            client, .POST, base + "/notify-channels", token: token,
            body: [
                "kind": "webhook", "name": "Bench receiver", "address": "http://127.0.0.1:\(receiver.port)/alerts", "event_kinds": ["alert"],
                "min_grade": "blue",
            ])
        guard channel["id"] != nil else { throw ServerUnderTest.Failure(description: "could not make the webhook channel: \(channel)") }
        let names = (0..<storms).map { "风暴\(String(format: "%02d", $0))" }
        for name in names {
            let monitor = try await IngestBenchmark.json(
                client, .POST, base + "/listening/monitors", token: token, body: ["name": name, "query": name])
            guard monitor["id"] != nil else { throw ServerUnderTest.Failure(description: "could not make monitor \(name): \(monitor)") }
        }
        let pushes = try await StormPushes(client: client, base: server.base, token: token)

        // Each storm pushed in real time from its start, the starts a few
        // seconds apart; a storm stops once its alert has arrived (or after
        // two minutes).
        let spacing = 5.0
        let started = ContinuousClock.now
        var seconds: [Double] = []
        var floors: [Double] = []
        var afterFloor: [Double] = []
        var missed = 0
        try await withThrowingTaskGroup(of: (floor: Double, delivered: Double?).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask {
                    try await Task.sleep(until: started.advanced(by: .seconds(spacing * Double(index))), clock: .continuous)
                    let messages = SandboxChatter(seed: UInt64(index + 1), brand: name).storm(start: Date(), peakPerMinute: stormPeak)
                    let floor = Self.secondsToFirstGrade(messages)
                    let first = ContinuousClock.now
                    let wallStart = messages.first!.at
                    for message in messages {
                        let due = first.advanced(by: .seconds(message.at.timeIntervalSince(wallStart)))
                        if receiver.arrival(containing: name) != nil || first.duration(to: due) > .seconds(120) { break }
                        try await Task.sleep(until: due, clock: .continuous)
                        try await pushes.push(message)
                    }
                    while receiver.arrival(containing: name) == nil, first.duration(to: .now) < .seconds(120) {
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    return (floor, receiver.arrival(containing: name).map { secondsOf(first.duration(to: $0)) })
                }
            }
            for try await result in group {
                floors.append(result.floor)
                if let delivered = result.delivered {
                    seconds.append(delivered)
                    afterFloor.append(delivered - result.floor)
                } else {
                    missed += 1
                }
            }
        }
        seconds.sort()
        floors.sort()
        afterFloor.sort()
        func rank(_ p: Double, _ sorted: [Double]) -> Any { sorted.isEmpty ? NSNull() : rounded(nearestRank(p, ofSorted: sorted), 10) }
        let p99 = seconds.isEmpty ? nil : nearestRank(99, ofSorted: seconds)
        return Measured(
            figures: [
                "storms": storms, "delivered": seconds.count, "not_delivered_within_120_s": missed,
                "first_message_to_delivery_s_p50": seconds.isEmpty ? NSNull() : rounded(nearestRank(50, ofSorted: seconds), 10),
                "first_message_to_delivery_s_p99": p99.map { rounded($0, 10) } ?? NSNull(),
                "first_message_to_delivery_s_max": seconds.last.map { rounded($0, 10) } ?? NSNull(),
                "deliveries_received": receiver.count,
                // No system can alert before the storm itself reaches a
                // grade: the seconds until its pushed messages first
                // reach blue under the default rule (as the generator
                // marked them), and what the product added after that.
                "storm_reaches_a_grade_s_p50": rank(50, floors), "storm_reaches_a_grade_s_p99": rank(99, floors),
                "grade_reached_to_delivery_s_p50": rank(50, afterFloor), "grade_reached_to_delivery_s_p99": rank(99, afterFloor),
            ],
            targets: [
                .atMost("storms.first_message_to_delivery_s_p99", Self.targetDeliverySeconds, missed > 0 ? .infinity : p99),
                .atMost("storms.not_delivered_within_120_s", 0, Double(missed)),
            ])
    }

    /// Seconds from a storm's first message until the messages so far
    /// reach a grade under the default rule, for a monitor with no
    /// history (as the benchmark's are): the earliest any evaluation
    /// could raise the alert.
    static func secondsToFirstGrade(_ messages: [SandboxChatter.Message]) -> Double {
        guard let start = messages.first?.at else { return 0 }
        let rule = AlertGradingRule()
        var negative = 0
        for (index, message) in messages.enumerated() {
            if message.negative { negative += 1 }
            let window = ListeningWindow(mentions: index + 1, negative: negative, expected: 0, usualNegativeShare: 0, previous: 0)
            if rule.grade(window) != nil { return message.at.timeIntervalSince(start) }
        }
        return .infinity
    }

    // MARK: 3. Calm week

    private func calmWeek() async throws -> Measured {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = ["FANFARE_DATA_DIR": directory.path, "LOG_LEVEL": "error"]
        if let url = shared.databaseURL { environment["DATABASE_URL"] = url }
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw ServerUnderTest.Failure(description: problems.description)
        }
        let outcome = try await ListeningLoad.calmWeek(settings: settings, weeksBefore: calmWeeks, perHour: 8, seed: 20_261_207)
        return Measured(
            figures: [
                "messages": outcome.messages, "mentions": outcome.mentions, "evaluations": outcome.evaluations,
                "alerts_raised": outcome.alerts, "weeks_of_history": calmWeeks, "mentions_per_hour": 8, "alerts": outcome.raised,
            ],
            targets: [.atMost("calm_week.alerts_raised", 0, Double(outcome.alerts))])
    }
}

/// The storms' pushes: one webhook account (signed pushes, as the ingest
/// benchmark sends them), one comment a push, sent as it happens.
final class StormPushes: Sendable {
    let client: HTTPClient
    let url: String
    /// The account's signing secret (its key is derived per push: cheap,
    /// and this target does not link swift-crypto).
    let secret: String
    let counter = Atomic<Int>(0)

    init(client: HTTPClient, base: String, token: String) async throws {
        self.client = client
        let secret = StandardWebhooks.generateSecret()
        let account = try await IngestBenchmark.json(
            client, .POST, base + "/api/v1/workspaces/demo/accounts", token: token,
            body: ["platform": "webhook", "fields": ["url": "https://example.com/receiver", "signing_secret": secret]])
        guard let accountID = account["id"] as? String else {
            throw ServerUnderTest.Failure(description: "could not connect a webhook account: \(account)")
        }
        url = base + "/hooks/\(accountID)"
        self.secret = secret
    }

    func push(_ message: SandboxChatter.Message) async throws {
        let index = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let body = try JSONSerialization.data(withJSONObject: [
            "interactions": [
                [
                    "id": "storm-\(index)", "kind": "comment", "author_id": "s\(index)", "author_name": message.fanName, "text": message.text,
                    "post_id": "storm-post",
                ]
            ]
        ])
        let id = "storm-push-\(index)"
        let stamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(stamp))
        let key = StandardWebhooks.key(fromSecret: secret)!
        request.headers.add(name: "webhook-signature", value: StandardWebhooks.signature(id: id, timestamp: stamp, body: body, key: key))
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw ServerUnderTest.Failure(description: "a storm push was answered \(response.status)") }
    }
}

/// A local webhook receiver on 127.0.0.1: keeps each request's body and
/// when it arrived, answers 200.
final class WebhookReceiver: Sendable {
    private let received = Mutex<[(at: ContinuousClock.Instant, body: String)]>([])
    private let channel = Mutex<(any Channel)?>(nil)
    let port: Int

    private init(port: Int) { self.port = port }

    static func start() async throws -> WebhookReceiver {
        let port = try ServerUnderTest.freePort()
        let receiver = WebhookReceiver(port: port)
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(ReceiverHandler(receiver: receiver)) }
            }
            .bind(host: "127.0.0.1", port: port).get()
        receiver.channel.withLock { $0 = bound }
        return receiver
    }

    func record(_ body: String) { received.withLock { $0.append((.now, body)) } }

    var count: Int { received.withLock { $0.count } }

    /// When the first request whose body names `text` arrived.
    func arrival(containing text: String) -> ContinuousClock.Instant? {
        received.withLock { all in all.first { $0.body.contains(text) }?.at }
    }

    func stop() async {
        let open = channel.withLock { $0 }
        try? await open?.close()
    }

    private final class ReceiverHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let receiver: WebhookReceiver
        var body = ByteBuffer()

        init(receiver: WebhookReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: body.clear()
            case .body(var part): body.writeBuffer(&part)
            case .end:
                receiver.record(String(buffer: body))
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "2")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "ok")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
