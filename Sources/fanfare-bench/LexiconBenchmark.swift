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
struct LexiconBenchmark {
    var serve: ServeBenchmark
    var importTerms = 99_000
    var engines = 10
    var termsPerEngine = 10_000
    var seed: UInt64 = 7
    /// The probe's case (issue 16): this many new workspaces, this many
    /// terms each.
    var spreadWorkspaces = 12
    var spreadTerms = 60_000
    /// FANFARE_ENGINE_CACHE_MB for the server; nil keeps its default.
    var cacheMegabytes: Int?
    /// Only the in-process memory figures; no server is started.
    var memoryOnly = false
    static let metricsToken = "bench-metrics-" + UUID().uuidString

    static let targetImportSeconds = 10.0
    static let targetWorstWriteMilliseconds = 250.0
    static let targetWorstReadMilliseconds = 250.0
    /// The estimate may be off the measured resident size by this much.
    static let targetEstimateErrorPercent = 25.0
    /// Within the default cache (256 MiB) and limit (100,000), at least
    /// this many full-sized lexicons stay compiled.
    static let targetMebibytesPer10kTerms = 8.0

    init(options: [String]) throws {
        var passed: [String] = []
        var index = 0
        while index < options.count {
            let name = options[index]
            let value = index + 1 < options.count ? options[index + 1] : ""
            func number() throws -> Int {
                guard let parsed = Int(value), parsed > 0 else {
                    throw ServeBenchmark.Failure(description: "\(name) must be a positive whole number, not \(value)")
                }
                return parsed
            }
            switch name {
            case "--import-terms": importTerms = try number()
            case "--engines": engines = try number()
            case "--terms-per-engine": termsPerEngine = try number()
            case "--seed": seed = UInt64(try number())
            case "--spread-workspaces": spreadWorkspaces = Int(value) ?? spreadWorkspaces
            case "--spread-terms": spreadTerms = try number()
            case "--cache-mb": cacheMegabytes = try number()
            case "--memory-only":
                memoryOnly = true
                index -= 1
            case "--binary": passed += [name, value]
            default: throw ServeBenchmark.Failure(description: "unknown option \(name)")
            }
            index += 2
        }
        serve = try ServeBenchmark(options: passed)
    }

    func run() async throws -> [String: Any] {
        let memory = measureMemory()
        if memoryOnly { return ["benchmark": "lexicon", "machine": machine(), "memory": memory] }
        let importing = try await measureImport()
        let perTenThousand = memory["rss_mib_per_10k_terms"] as? Double ?? .infinity
        let estimateError = memory["estimate_error_percent"] as? Double ?? .infinity
        let importSeconds = importing["import_seconds"] as? Double ?? .infinity
        let worstWrite = (importing["during_import"] as? [String: Any])?["write_max_ms"] as? Double ?? .infinity
        let worstRead = (importing["during_import"] as? [String: Any])?["read_max_ms"] as? Double ?? .infinity
        return [
            "benchmark": "lexicon",
            "machine": machine(),
            "memory": memory,
            "import": importing,
            "targets": [
                "rss_mib_per_10k_terms": Self.targetMebibytesPer10kTerms,
                "estimate_error_percent": Self.targetEstimateErrorPercent,
                "import_seconds": Self.targetImportSeconds,
                "write_max_ms_during_import": Self.targetWorstWriteMilliseconds,
                "read_max_ms_during_import": Self.targetWorstReadMilliseconds,
            ],
            "targets_met": [
                "rss_mib_per_10k_terms": perTenThousand <= Self.targetMebibytesPer10kTerms,
                "estimate_error_percent": abs(estimateError) <= Self.targetEstimateErrorPercent,
                "import_seconds": importSeconds <= Self.targetImportSeconds,
                "write_max_ms_during_import": worstWrite <= Self.targetWorstWriteMilliseconds,
                "read_max_ms_during_import": worstRead <= Self.targetWorstReadMilliseconds,
            ],
        ]
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
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-lexicon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let port = 22_000 + Int.random(in: 0..<2_000)
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = data.path
        environment["PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        // Notice: the server's own account of each import ("lexicon imported").
        environment["LOG_LEVEL"] = "notice"
        environment["FANFARE_SANDBOX_FAILURE_RATE"] = "0"
        environment.removeValue(forKey: "DATABASE_URL")
        environment["FANFARE_METRICS_TOKEN"] = Self.metricsToken
        if let cacheMegabytes {
            environment["FANFARE_ENGINE_CACHE_MB"] = String(cacheMegabytes)
        } else {
            environment.removeValue(forKey: "FANFARE_ENGINE_CACHE_MB")
        }
        let base = "http://127.0.0.1:\(port)"
        let log = data.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: serve.binary)
        server.arguments = ["serve", "--demo"]
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = try FileHandle(forWritingTo: log)
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        _ = try await serve.timeUntilHealthy(base)
        let token = try serve.output(of: ["token", "create", "--email", "demo@fanfare.local", "--name", "lexicon"], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var report = try await load(client, base: base, token: token, pid: server.processIdentifier)
            try await client.shutdown()
            // The first import's own figures, as the server logged them.
            let lines = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n") ?? []
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

    private func load(_ client: HTTPClient, base: String, token: String, pid: Int32) async throws -> [String: Any] {
        let importing = try await request(client, .POST, base + "/api/v1/workspaces", token: token, body: ["name": "Lexicon bench"])
        let other = try await request(client, .POST, base + "/api/v1/workspaces", token: token, body: ["name": "Bystander"])
        guard let importingSlug = importing.json["slug"] as? String, let otherSlug = other.json["slug"] as? String else {
            throw ServeBenchmark.Failure(description: "could not make the workspaces: \(importing.json) \(other.json)")
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
        let rssBefore = residentKilobytes(pid: pid)

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
            throw ServeBenchmark.Failure(description: "the import failed: \(answer.status) \(String(describing: answer.json).prefix(500))")
        }
        let rssAfter = residentKilobytes(pid: pid)
        let metrics = try await request(client, .GET, base + "/metrics", token: Self.metricsToken, body: nil)
        let cached = metrics.text.split(separator: "\n").first { $0.hasPrefix("fanfare_engine_cache_bytes ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        let check = try await request(
            client, .POST, base + "/api/v1/workspaces/\(importingSlug)/moderation/check", token: token,
            body: ["text": String(file.prefix { $0 != "," })])
        let spread = try await spreadOverWorkspaces(client, base: base, token: token, pid: pid)
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
    private func spreadOverWorkspaces(_ client: HTTPClient, base: String, token: String, pid: Int32) async throws -> [String: Any] {
        guard spreadWorkspaces > 0 else { return [:] }
        var slugs: [String] = []
        var rss: [Double] = []
        let start = residentKilobytes(pid: pid)
        for index in 0..<spreadWorkspaces {
            let made = try await request(client, .POST, base + "/api/v1/workspaces", token: token, body: ["name": "Spread \(index)"])
            guard let slug = made.json["slug"] as? String else { throw ServeBenchmark.Failure(description: "no workspace: \(made.text)") }
            let file = Self.distinctTerms(spreadTerms, seed: seed &+ 100 &+ UInt64(index)).map { "\($0),risk,block,all" }.joined(separator: "\n")
            let answer = try await request(
                client, .POST, base + "/api/v1/workspaces/\(slug)/lexicon/import", token: token, body: ["format": "txt", "content": file],
                timeout: .seconds(600))
            guard answer.json["applied"] as? Bool == true else {
                throw ServeBenchmark.Failure(description: "import \(index): \(answer.status) \(answer.text.prefix(300))")
            }
            slugs.append(slug)
            rss.append(rounded(Double(residentKilobytes(pid: pid)) / 1024, 10))
        }
        for slug in slugs {
            _ = try await request(
                client, .POST, base + "/api/v1/workspaces/\(slug)/moderation/check", token: token, body: ["text": "最佳"])
        }
        let metrics = try await request(client, .GET, base + "/metrics", token: Self.metricsToken, body: nil).text
        func metric(_ prefix: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
        return [
            "workspaces": spreadWorkspaces,
            "terms_each": spreadTerms,
            "server_anon_rss_at_start_mib": rounded(Double(start) / 1024, 10),
            "server_anon_rss_after_each_import_mib": rss,
            "server_anon_rss_after_checking_all_mib": rounded(Double(residentKilobytes(pid: pid)) / 1024, 10),
            "server_anon_rss_file_after_checking_all_mib": rounded(Double(statusKilobytes(pid: pid, "RssFile:")) / 1024, 10),
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
                        "\(name)_count": sorted.count, "\(name)_p50_ms": rounded(sorted[sorted.count / 2], 10),
                        "\(name)_p99_ms": rounded(sorted[min(sorted.count - 1, sorted.count * 99 / 100)], 10),
                        "\(name)_max_ms": rounded(sorted.last!, 10), "\(name)_max_at_s": rounded(began[worst], 100),
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
                    throw ServeBenchmark.Failure(description: "\(method) \(url): \(answer.status) \(answer.text.prefix(300))")
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

    /// The server's anonymous resident memory (its heap: engines, rows,
    /// buffers), without the pages of the database file SQLite reads
    /// through its memory map, which the kernel may drop at any time and
    /// which `RssFile` counts.
    private func residentKilobytes(pid: Int32) -> Int { statusKilobytes(pid: pid, "RssAnon:") }

    private func statusKilobytes(pid: Int32, _ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func machine() -> String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
    }
}

private func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
