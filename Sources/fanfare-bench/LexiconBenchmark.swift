import ArgumentParser
import AsyncHTTPClient
import FanfareCore
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// `fanfare-bench lexicon` (issue 16): what a lexicon costs in memory, how
/// long an import of 99,000 terms takes, and how long other requests wait
/// while it is written.
///
/// 1. Memory, in this process: engines of `--terms-per-engine` terms (the
///    base lexicon included, as the server compiles them) are built and
///    kept; the resident size they add, per 10,000 terms, is set beside
///    the estimate the engine cache charges (`ModerationEngine.memoryBytes`).
///    Freed build garbage is returned to the system (`malloc_trim`) before
///    each reading, so the figure is what the engines keep.
/// 2. The import, against a real `fanfare serve` on a fresh data directory:
///    `--import-terms` terms posted to one workspace's import, while three
///    probes, each one request at a time, keep asking the server: a write
///    (a topic added in another workspace), a read (that workspace's
///    topics) and a check of text against the importing workspace's
///    lexicon. Their worst latency during the import is the wait the
///    import causes; the same probes before the import give the baseline.
struct LexiconBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "lexicon",
        abstract: "Memory of compiled lexicons, a 99,000-term import through the API and what it makes others wait, many lexicons at once.",
        discussion: "Runs on SQLite only (a fresh data directory); --memory-only measures in this process and starts no server.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary]

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(name: .customLong("import-terms"), help: "Terms in the timed import.")
    var importTerms = 99_000

    @Option(help: "Engines built for the memory figure.")
    var engines = 10

    @Option(name: .customLong("terms-per-engine"), help: "Terms in each of them.")
    var termsPerEngine = 10_000

    @Option(help: "Seed of the generated terms.")
    var seed: UInt64 = 7

    /// The probe's case (issue 16): this many new workspaces, this many
    /// terms each.
    @Option(name: .customLong("spread-workspaces"), help: "New workspaces that each import --spread-terms terms (0 skips it).")
    var spreadWorkspaces = 12

    @Option(name: .customLong("spread-terms"), help: "Terms imported into each of them.")
    var spreadTerms = 60_000

    @Option(name: .customLong("cache-mb"), help: "FANFARE_ENGINE_CACHE_MB for the server (default: its own default).")
    var cacheMegabytes: Int?

    @Flag(name: .customLong("memory-only"), help: "Only the in-process memory figures; no server is started.")
    var memoryOnly = false

    static let targetImportSeconds = 10.0
    static let targetWorstWriteMilliseconds = 250.0
    static let targetWorstReadMilliseconds = 250.0
    /// The estimate may be off the measured resident size by this much.
    static let targetEstimateErrorPercent = 25.0
    /// Within the default cache (256 MiB) and limit (100,000), at least
    /// this many full-sized lexicons stay compiled.
    static let targetMebibytesPer10kTerms = 8.0

    var settings: [String: Any] {
        [
            "import_terms": importTerms, "engines": engines, "terms_per_engine": termsPerEngine, "seed": seed,
            "spread_workspaces": spreadWorkspaces, "spread_terms": spreadTerms, "cache_mb": cacheMegabytes.map { $0 as Any } ?? NSNull(),
            "memory_only": memoryOnly,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(1, importTerms, "--import-terms")
        try requireAtLeast(1, engines, "--engines")
        try requireAtLeast(1, termsPerEngine, "--terms-per-engine")
        try requireAtLeast(0, spreadWorkspaces, "--spread-workspaces")
        try requireAtLeast(1, spreadTerms, "--spread-terms")
        if let cacheMegabytes { try requireAtLeast(1, cacheMegabytes, "--cache-mb") }
    }

    func measure() async throws -> Measured {
        let memory = measureMemory()
        let perTenThousand = memory["rss_mib_per_10k_terms"] as? Double
        let estimateError = (memory["estimate_error_percent"] as? Double).map(abs)
        let memoryTargets: [Target] = [
            .atMost("rss_mib_per_10k_terms", Self.targetMebibytesPer10kTerms, perTenThousand),
            .atMost("estimate_error_percent", Self.targetEstimateErrorPercent, estimateError),
        ]
        if memoryOnly { return Measured(figures: ["memory": memory], targets: memoryTargets) }
        let importing = try await measureImport()
        let during = importing["during_import"] as? [String: Any]
        return Measured(
            figures: ["memory": memory, "import": importing],
            targets: memoryTargets + [
                .atMost("import_seconds", Self.targetImportSeconds, importing["import_seconds"] as? Double),
                .atMost("write_max_ms_during_import", Self.targetWorstWriteMilliseconds, during?["write_max_ms"] as? Double),
                .atMost("read_max_ms_during_import", Self.targetWorstReadMilliseconds, during?["read_max_ms"] as? Double),
            ])
    }

    // MARK: Memory

    private func measureMemory() -> [String: Any] {
        // Distinct terms for every engine, made before the first reading.
        let all = Self.distinctTerms(engines * termsPerEngine, seed: seed)
        let lexicons = (0..<engines).map { index in
            all[(index * termsPerEngine)..<((index + 1) * termsPerEngine)].map {
                LexiconTerm(term: $0, category: "risk", severity: .block)
            }
        }
        _ = ModerationEngine(terms: LexiconFile.base)  // the process-wide folding table
        let before = settledResidentBytes()
        var kept: [ModerationEngine] = []
        for terms in lexicons { kept.append(ModerationEngine(terms: LexiconFile.base + terms, allow: LexiconFile.baseAllow)) }
        let after = settledResidentBytes()
        let estimate = kept.reduce(0) { $0 + $1.memoryBytes }
        let states = kept.first?.stateCount ?? 0
        kept = []
        let released = settledResidentBytes()
        // Both are lower bounds of what the engines hold: building reuses
        // freed memory the process already had resident (from making the
        // terms), and freeing cannot return pages that other live blocks
        // share. The larger is the closer; in a fresh process (a test
        // probe) both agreed with the estimate within 1 %.
        let growth = Double(after - before)
        let drop = Double(after - released)
        let measured = max(growth, drop)
        let tenThousands = Double(engines * termsPerEngine) / 10_000
        let mib = 1_048_576.0
        let report: [String: Any] = [
            "engines": engines,
            "terms_per_engine": termsPerEngine,
            "base_terms_per_engine": LexiconFile.base.count,
            "states_per_engine": states,
            "rss_growth_when_built_mib": rounded(growth / mib, 10),
            "rss_drop_when_freed_mib": rounded(drop / mib, 10),
            "rss_mib": rounded(measured / mib, 10),
            "estimate_mib": rounded(Double(estimate) / mib, 10),
            "rss_mib_per_10k_terms": rounded(measured / mib / tenThousands, 100),
            "estimate_mib_per_10k_terms": rounded(Double(estimate) / mib / tenThousands, 100),
            "estimate_error_percent": rounded((Double(estimate) - measured) / measured * 100, 10),
        ]
        return report
    }

    /// `count` generated terms no two of which fold alike (the generator's
    /// characters include traditional and simplified forms of one word,
    /// which an import refuses as repeats).
    static func distinctTerms(_ count: Int, seed: UInt64) -> [String] {
        var generator = CorpusGenerator(seed: seed)
        var seen = Set<String>()
        var terms: [String] = []
        while terms.count < count {
            for term in generator.lexicon(count: count - terms.count + 1_000) where terms.count < count {
                if seen.insert(LexiconTerm(term: term, category: "risk", severity: .block).key).inserted { terms.append(term) }
            }
        }
        return terms
    }

    /// The resident size once freed memory went back to the system.
    private func settledResidentBytes() -> Int {
        Self.trimHeap()
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    /// glibc's `malloc_trim(0)`, looked up at run time: `malloc.h` is not
    /// in Swift's Glibc module.
    private static func trimHeap() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    // MARK: The import

    private func measureImport() async throws -> [String: Any] {
        // Notice: the server's own account of each import ("lexicon imported").
        var settings = ["LOG_LEVEL": "notice"]
        if let cacheMegabytes { settings["FANFARE_ENGINE_CACHE_MB"] = String(cacheMegabytes) }
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), settings: settings, keepLog: true)
        try await server.start()
        defer { server.stop() }
        // The demo (its administrator included) is made after the server answers.
        try await server.timeUntilReady()
        let token = try server.token(name: "lexicon")
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var report = try await load(client, server: server, token: token)
            try await client.shutdown()
            // The first import's own figures, as the server logged them.
            let lines = server.log.flatMap { try? String(contentsOf: $0, encoding: .utf8) }?.split(separator: "\n") ?? []
            if let line = lines.first(where: { $0.contains("lexicon imported") }),
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            {
                report["server_log"] = object.filter { ["added", "prepare_ms", "longest_batch_ms", "total_ms"].contains($0.key) }
            }
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func load(_ client: HTTPClient, server: ServerUnderTest, token: String) async throws -> [String: Any] {
        let base = server.base
        let importing = try await request(client, .POST, base + "/api/v1/workspaces", token: token, body: ["name": "Lexicon bench"])
        let other = try await request(client, .POST, base + "/api/v1/workspaces", token: token, body: ["name": "Bystander"])
        guard let importingSlug = importing.json["slug"] as? String, let otherSlug = other.json["slug"] as? String else {
            throw ServerUnderTest.Failure(description: "could not make the workspaces: \(importing.json) \(other.json)")
        }
        let file = Self.distinctTerms(importTerms, seed: seed &+ 1).map { "\($0),risk,block,all" }.joined(separator: "\n")
        let importURL = base + "/api/v1/workspaces/\(importingSlug)/lexicon/import"

        // Both engines compiled and the probes warm before anything is timed.
        let probes = Probes(
            client: client, token: token, write: base + "/api/v1/workspaces/\(otherSlug)/topics",
            read: base + "/api/v1/workspaces/\(otherSlug)/topics?limit=20",
            check: base + "/api/v1/workspaces/\(importingSlug)/moderation/check")
        _ = try await probes.round(0)
        let baseline = try await probes.run(for: .seconds(3))
        let rssBefore = server.statusKilobytes("RssAnon:")

        // Serialized before the clock starts: this process shares the two
        // cores with the server, and its own JSON work is not the server's.
        let body = try JSONSerialization.data(withJSONObject: ["format": "csv", "content": file])
        let stop = StopFlag()
        let running = Task { try await probes.run(until: stop) }
        let start = ContinuousClock.now
        let answer = try await Self.request(client, .POST, importURL, token: token, raw: body, timeout: .seconds(600))
        let importSeconds = seconds(since: start)
        stop.raise()
        let during = try await running.value
        guard answer.status == 200, answer.json["applied"] as? Bool == true else {
            throw ServerUnderTest.Failure(description: "the import failed: \(answer.status) \(String(describing: answer.json).prefix(500))")
        }
        let rssAfter = server.statusKilobytes("RssAnon:")
        let metrics = try await request(client, .GET, base + "/metrics", token: server.metricsToken, body: nil)
        let cached = metrics.text.split(separator: "\n").first { $0.hasPrefix("fanfare_engine_cache_bytes ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        let check = try await request(
            client, .POST, base + "/api/v1/workspaces/\(importingSlug)/moderation/check", token: token,
            body: ["text": String(file.prefix { $0 != "," })])
        let spread = try await spreadOverWorkspaces(client, server: server, token: token)
        return [
            "terms": importTerms,
            "import_seconds": rounded(importSeconds, 100),
            "added": (answer.json["added"] as? [Any])?.count ?? 0,
            "found_after_import": ((check.json["matches"] as? [Any])?.count ?? 0) > 0,
            "baseline": baseline.summary,
            "during_import": during.summary,
            "server_anon_rss_before_mib": rounded(Double(rssBefore) / 1024, 10),
            "server_anon_rss_after_mib": rounded(Double(rssAfter) / 1024, 10),
            "server_anon_rss_mib_per_10k_terms": rounded(Double(rssAfter - rssBefore) / 1024 / (Double(importTerms) / 10_000), 100),
            "engine_cache_estimate_mib": cached.map { rounded($0 / 1_048_576, 10) } ?? -1,
            "many_workspaces": spread,
        ]
    }

    /// The probe's case: `--spread-terms` terms imported into each of
    /// `--spread-workspaces` new workspaces, each then checked against,
    /// and every workspace checked once more at the end, so that each
    /// engine is compiled (and, past the cache's budget, evicted and
    /// compiled again). The server's resident size after each step shows
    /// whether it grows with the workspaces or stays within the budget.
    private func spreadOverWorkspaces(_ client: HTTPClient, server: ServerUnderTest, token: String) async throws -> [String: Any] {
        guard spreadWorkspaces > 0 else { return [:] }
        let base = server.base
        var slugs: [String] = []
        var rss: [Double] = []
        let start = server.statusKilobytes("RssAnon:")
        for index in 0..<spreadWorkspaces {
            let made = try await request(client, .POST, base + "/api/v1/workspaces", token: token, body: ["name": "Spread \(index)"])
            guard let slug = made.json["slug"] as? String else { throw ServerUnderTest.Failure(description: "no workspace: \(made.text)") }
            let file = Self.distinctTerms(spreadTerms, seed: seed &+ 100 &+ UInt64(index)).map { "\($0),risk,block,all" }.joined(separator: "\n")
            let answer = try await request(
                client, .POST, base + "/api/v1/workspaces/\(slug)/lexicon/import", token: token, body: ["format": "txt", "content": file],
                timeout: .seconds(600))
            guard answer.json["applied"] as? Bool == true else {
                throw ServerUnderTest.Failure(description: "import \(index): \(answer.status) \(answer.text.prefix(300))")
            }
            slugs.append(slug)
            rss.append(rounded(Double(server.statusKilobytes("RssAnon:")) / 1024, 10))
        }
        for slug in slugs {
            _ = try await request(
                client, .POST, base + "/api/v1/workspaces/\(slug)/moderation/check", token: token, body: ["text": "最佳"])
        }
        let metrics = try await request(client, .GET, base + "/metrics", token: server.metricsToken, body: nil).text
        func metric(_ prefix: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
        return [
            "workspaces": spreadWorkspaces,
            "terms_each": spreadTerms,
            "server_anon_rss_at_start_mib": rounded(Double(start) / 1024, 10),
            "server_anon_rss_after_each_import_mib": rss,
            "server_anon_rss_after_checking_all_mib": rounded(Double(server.statusKilobytes("RssAnon:")) / 1024, 10),
            "server_anon_rss_file_after_checking_all_mib": rounded(Double(server.statusKilobytes("RssFile:")) / 1024, 10),
            "engine_cache_mib": metric("fanfare_engine_cache_bytes ").map { rounded($0 / 1_048_576, 10) } ?? -1,
            "engine_cache_budget_mib": metric("fanfare_engine_cache_budget_bytes ").map { rounded($0 / 1_048_576, 10) } ?? -1,
            "evictions": metric("fanfare_engine_cache_events_total{event=\"eviction\"}") ?? -1,
        ]
    }

    /// Three requests made one after another, again and again: a write, a
    /// read and a check against the importing workspace's lexicon.
    struct Probes: Sendable {
        let client: HTTPClient
        let token: String
        let write: String
        let read: String
        let check: String

        struct Latencies: Sendable {
            var write: [Double] = []
            var read: [Double] = []
            var check: [Double] = []
            /// When each round began, in seconds from the first.
            var began: [Double] = []

            var summary: [String: Any] {
                func stats(_ values: [Double], _ name: String) -> [String: Any] {
                    let sorted = values.sorted()
                    guard !sorted.isEmpty, let worst = values.indices.max(by: { values[$0] < values[$1] }) else { return ["\(name)_count": 0] }
                    return [
                        "\(name)_count": sorted.count, "\(name)_p50_ms": rounded(nearestRank(50, ofSorted: sorted), 10),
                        "\(name)_p99_ms": rounded(nearestRank(99, ofSorted: sorted), 10),
                        "\(name)_max_ms": rounded(nearestRank(100, ofSorted: sorted), 10), "\(name)_max_at_s": rounded(began[worst], 100),
                    ]
                }
                return stats(write, "write").merging(stats(read, "read")) { $1 }.merging(stats(check, "check")) { $1 }
            }
        }

        func round(_ index: Int) async throws -> (Double, Double, Double) {
            func timed(_ method: HTTPMethod, _ url: String, _ body: [String: Any]?) async throws -> Double {
                let start = ContinuousClock.now
                let answer = try await LexiconBenchmark.request(client, method, url, token: token, body: body)
                guard (200..<300).contains(answer.status) else {
                    throw ServerUnderTest.Failure(description: "\(method) \(url): \(answer.status) \(answer.text.prefix(300))")
                }
                let elapsed = start.duration(to: .now)
                return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
            }
            let wrote = try await timed(.POST, self.write, ["title": "Probe topic \(index) \(UUID().uuidString.prefix(8))"])
            let didRead = try await timed(.GET, self.read, nil)
            let checked = try await timed(.POST, self.check, ["text": "这是最佳的产品，全网最低价"])
            return (wrote, didRead, checked)
        }

        func run(for duration: Duration) async throws -> Latencies {
            var latencies = Latencies()
            let first = ContinuousClock.now
            let end = first + duration
            var index = 1
            while ContinuousClock.now < end {
                latencies.began.append(
                    Double(first.duration(to: .now).components.attoseconds) / 1e18 + Double(first.duration(to: .now).components.seconds))
                let (write, read, check) = try await round(index)
                latencies.write.append(write)
                latencies.read.append(read)
                latencies.check.append(check)
                index += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            return latencies
        }

        /// Until `stop` is raised; a request in flight then is finished,
        /// not cancelled.
        func run(until stop: StopFlag) async throws -> Latencies {
            var latencies = Latencies()
            let first = ContinuousClock.now
            var index = 10_000
            while !stop.isRaised {
                latencies.began.append(
                    Double(first.duration(to: .now).components.attoseconds) / 1e18 + Double(first.duration(to: .now).components.seconds))
                let (write, read, check) = try await round(index)
                latencies.write.append(write)
                latencies.read.append(read)
                latencies.check.append(check)
                index += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            return latencies
        }
    }

    final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var raised = false

        var isRaised: Bool { lock.withLock { raised } }
        func raise() { lock.withLock { raised = true } }
    }

    struct Answer {
        var status: Int
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    }

    static func request(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String?, body: [String: Any]?, timeout: TimeAmount = .seconds(60)
    ) async throws -> Answer {
        try await request(client, method, url, token: token, raw: try body.map { try JSONSerialization.data(withJSONObject: $0) }, timeout: timeout)
    }

    static func request(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String?, raw body: Data?, timeout: TimeAmount = .seconds(60)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return Answer(status: Int(response.status.code), text: String(buffer: bytes))
    }

    private func request(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String?, body: [String: Any]?, timeout: TimeAmount = .seconds(60)
    ) async throws -> Answer {
        try await Self.request(client, method, url, token: token, body: body, timeout: timeout)
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

}
