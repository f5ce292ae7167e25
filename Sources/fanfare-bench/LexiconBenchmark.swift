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
            case "--binary": passed += [name, value]
            default: throw ServeBenchmark.Failure(description: "unknown option \(name)")
            }
            index += 2
        }
        serve = try ServeBenchmark(options: passed)
    }

    func run() async throws -> [String: Any] {
        let memory = measureMemory()
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
        var generator = CorpusGenerator(seed: seed)
        // Distinct terms for every engine, made before the first reading.
        let all = generator.lexicon(count: engines * termsPerEngine)
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
        let measured = Double(after - before)
        let tenThousands = Double(engines * termsPerEngine) / 10_000
        let mib = 1_048_576.0
        let report: [String: Any] = [
            "engines": engines,
            "terms_per_engine": termsPerEngine,
            "base_terms_per_engine": LexiconFile.base.count,
            "states_per_engine": kept.first?.stateCount ?? 0,
            "rss_delta_mib": rounded(measured / mib, 10),
            "estimate_mib": rounded(Double(estimate) / mib, 10),
            "rss_mib_per_10k_terms": rounded(measured / mib / tenThousands, 100),
            "estimate_mib_per_10k_terms": rounded(Double(estimate) / mib / tenThousands, 100),
            "estimate_error_percent": rounded((Double(estimate) - measured) / measured * 100, 10),
        ]
        withExtendedLifetime(kept) {}
        return report
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
        environment["LOG_LEVEL"] = "warning"
        environment["FANFARE_SANDBOX_FAILURE_RATE"] = "0"
        environment.removeValue(forKey: "DATABASE_URL")
        environment["FANFARE_METRICS_TOKEN"] = Self.metricsToken
        let base = "http://127.0.0.1:\(port)"
        let server = try serve.launch(["serve", "--demo"], environment: environment)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        _ = try await serve.timeUntilHealthy(base)
        let token = try serve.output(of: ["token", "create", "--email", "demo@fanfare.local", "--name", "lexicon"], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let report = try await load(client, base: base, token: token, pid: server.processIdentifier)
            try await client.shutdown()
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
        var generator = CorpusGenerator(seed: seed &+ 1)
        let file = generator.lexicon(count: importTerms).map { "\($0),risk,block,all" }.joined(separator: "\n")
        let importURL = base + "/api/v1/workspaces/\(importingSlug)/lexicon/import"

        // Both engines compiled and the probes warm before anything is timed.
        let probes = Probes(
            client: client, token: token, write: base + "/api/v1/workspaces/\(otherSlug)/topics",
            read: base + "/api/v1/workspaces/\(otherSlug)/topics?limit=20",
            check: base + "/api/v1/workspaces/\(importingSlug)/moderation/check")
        _ = try await probes.round(0)
        let baseline = try await probes.run(for: .seconds(3))
        let rssBefore = residentKilobytes(pid: pid)

        let running = Task { try await probes.runUntilCancelled() }
        let start = ContinuousClock.now
        let answer = try await request(client, .POST, importURL, token: token, body: ["format": "csv", "content": file], timeout: .seconds(600))
        let importSeconds = seconds(since: start)
        running.cancel()
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
        return [
            "terms": importTerms,
            "import_seconds": rounded(importSeconds, 100),
            "added": (answer.json["added"] as? [Any])?.count ?? 0,
            "found_after_import": ((check.json["matches"] as? [Any])?.count ?? 0) > 0,
            "baseline": baseline.summary,
            "during_import": during.summary,
            "server_rss_before_mib": rounded(Double(rssBefore) / 1024, 10),
            "server_rss_after_mib": rounded(Double(rssAfter) / 1024, 10),
            "server_rss_mib_per_10k_terms": rounded(Double(rssAfter - rssBefore) / 1024 / (Double(importTerms) / 10_000), 100),
            "engine_cache_estimate_mib": cached.map { rounded($0 / 1_048_576, 10) } ?? -1,
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

            var summary: [String: Any] {
                func stats(_ values: [Double], _ name: String) -> [String: Any] {
                    let sorted = values.sorted()
                    guard !sorted.isEmpty else { return ["\(name)_count": 0] }
                    return [
                        "\(name)_count": sorted.count, "\(name)_p50_ms": rounded(sorted[sorted.count / 2], 10),
                        "\(name)_max_ms": rounded(sorted.last!, 10),
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
            let end = ContinuousClock.now + duration
            var index = 1
            while ContinuousClock.now < end {
                let (write, read, check) = try await round(index)
                latencies.write.append(write)
                latencies.read.append(read)
                latencies.check.append(check)
                index += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            return latencies
        }

        func runUntilCancelled() async throws -> Latencies {
            var latencies = Latencies()
            var index = 10_000
            while !Task.isCancelled {
                let (write, read, check) = try await round(index)
                latencies.write.append(write)
                latencies.read.append(read)
                latencies.check.append(check)
                index += 1
                try? await Task.sleep(for: .milliseconds(20))
            }
            return latencies
        }
    }

    struct Answer {
        var status: Int
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    }

    static func request(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String?, body: [String: Any]?, timeout: TimeAmount = .seconds(60)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
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

    private func residentKilobytes(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
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
