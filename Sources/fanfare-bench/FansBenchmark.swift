import ArgumentParser
import FanfareCore
import FanfareServer
import Foundation

/// `fanfare-bench fans`: the nightly recomputation of every fan's tiers,
/// and the update one interaction costs as it arrives, on a temporary
/// SQLite file or on PostgreSQL (`--database-url`).
///
/// The interactions are generated into the fans' 30-day counters
/// (`RollingActivity`), which is all the recomputation reads; the messages
/// themselves are not stored. They are spread with a heavy tail (30 % of
/// fans say nothing, most a little, a few a great deal) so that fans land
/// in every activity tier, and every fan is stored with stale tiers, so
/// that the recomputation has to move everyone who spoke or spent.
struct FansBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "fans",
        abstract: "The nightly recomputation of every fan's tiers, and the update one interaction costs as it arrives.",
        discussion: "On PostgreSQL (--database-url) the schema of the database given is dropped and made afresh.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.databaseURL]

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Fans in the workspace.")
    var fans = 1_000_000

    @Option(help: "Interactions generated into their 30-day counters.")
    var interactions = 20_000_000

    @Option(help: "Seed of the generated fans.")
    var seed = 1

    @Option(help: "Single-interaction updates timed after the recomputation.")
    var incremental = 20_000

    /// Local days decide the 30-day window; the product's home zone.
    static let timeZone = "Asia/Shanghai"
    static let silentShare = 0.3
    /// 20 statements of 500 rows per transaction.
    static let rowsPerTransaction = 10_000
    static let targetRecomputeSeconds = 60.0
    static let targetIncrementalP99Milliseconds = 1.0

    var settings: [String: Any] {
        ["fans": fans, "interactions": interactions, "seed": seed, "incremental": incremental, "time_zone": Self.timeZone]
    }

    func validateOptions() throws {
        try requireAtLeast(1, fans, "--fans")
        try requireAtLeast(0, interactions, "--interactions")
        try requireAtLeast(0, seed, "--seed")
        try requireAtLeast(0, incremental, "--incremental")
    }

    func measure() async throws -> Measured {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-fans-\(UUID().uuidString)")
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
        var measured = try await FanLoad.withSession(settings: settings, timeZone: Self.timeZone) { session in
            try await measure(session)
        }
        if shared.databaseURL == nil {
            // On tmpfs a commit costs no disk flush, which flatters SQLite;
            // TMPDIR moves the file.
            measured.figures["sqlite_file_system"] = Self.fileSystem(of: data.path)
        }
        return measured
    }

    private func measure(_ session: FanLoad.Session) async throws -> Measured {
        let now = Date()
        let programme = try await session.programme()
        let generateStart = ContinuousClock.now
        let generated = try await generate(into: session, programme: programme, now: now)
        try await session.analyze()
        let generateSeconds = seconds(since: generateStart)

        // The same `now` as generation: the window, and so the expected
        // tiers, are the ones the data was made for.
        let peakScope = resetPeakResident() ? "recompute" : "whole process"
        let recomputeStart = ContinuousClock.now
        let summary = try await session.recompute(now: now)
        let recomputeSeconds = seconds(since: recomputeStart)
        let peakKilobytes = statusKilobytes("VmHWM")
        let tiers = try await session.tierCounts(on: now)
        let changesWritten = try await session.tierChangeCount()

        // A few untimed updates first: connections and statement caches
        // are warm in a running server.
        var random = FanRandom(seed: UInt64(seed) ^ 0x9E37_79B9_7F4A_7C15)
        let warmup = min(100, incremental / 10)
        var latencies: [Double] = []
        var insideLatencies: [Double] = []
        var readLatencies: [Double] = []
        var readAndCountLatencies: [Double] = []
        latencies.reserveCapacity(incremental)
        insideLatencies.reserveCapacity(incremental)
        readLatencies.reserveCapacity(incremental)
        readAndCountLatencies.reserveCapacity(incremental)
        var notFound = 0
        for index in 0..<(warmup + incremental) {
            let fan = generated.pick(&random)
            let start = ContinuousClock.now
            let counted = try await session.count(fan: fan, at: Date(), programme: programme)
            let elapsed = seconds(since: start)
            if counted.tier == nil { notFound += 1 }
            if index >= warmup {
                latencies.append(elapsed * 1_000)
                insideLatencies.append(seconds(counted.inside) * 1_000)
                readLatencies.append(seconds(counted.read) * 1_000)
                readAndCountLatencies.append(seconds(counted.read + counted.inside) * 1_000)
            }
        }
        latencies.sort()
        insideLatencies.sort()
        readLatencies.sort()
        readAndCountLatencies.sort()
        func percentile(_ p: Double, of values: [Double]) -> Double { milliseconds(nearestRank(p * 100, ofSorted: values, empty: 0)) }
        func percentile(_ p: Double) -> Double { percentile(p, of: latencies) }
        let incrementalSeconds = latencies.reduce(0, +) / 1_000
        let p99 = percentile(0.99, of: insideLatencies)

        let generation: [String: Any] = [
            "insert_seconds": rounded(generated.insertSeconds, 10),
            "speaking_fans": generated.speaking,
            "silent_fans": fans - generated.speaking,
            "most_interactions_of_one_fan": generated.mostInteractions,
            "fans_with_spend_referrals_or_contributions": generated.withValue,
            "stored_tiers": "activity silent, value none, stage reach, interactions_30d 0 for every fan",
        ]
        let recompute: [String: Any] = [
            "seconds": rounded(recomputeSeconds, 1_000),
            "fans": summary.fans,
            "changed": summary.changed,
            "changed_expected": generated.expectedChanged,
            "fans_per_second": recomputeSeconds > 0 ? (Double(summary.fans) / recomputeSeconds).rounded() : 0,
            "tier_changes_written": changesWritten,
            "tiers": tiers,
            "tiers_match_generation": tiers == generated.expectedTiers,
            "peak_rss_mib": peakKilobytes.map { rounded(Double($0) / 1_024, 10) } ?? -1,
            "peak_rss_scope": peakScope,
        ]
        let updates: [String: Any] = [
            "updates": latencies.count,
            "warmup_updates": warmup,
            "total_seconds": rounded(incrementalSeconds, 1_000),
            "updates_per_second": incrementalSeconds > 0 ? (Double(latencies.count) / incrementalSeconds).rounded() : 0,
            "p50_ms": percentile(0.50, of: insideLatencies),
            "p90_ms": percentile(0.90, of: insideLatencies),
            "p99_ms": p99,
            "max_ms": percentile(1.0, of: insideLatencies),
            "mean_ms": insideLatencies.isEmpty ? 0 : milliseconds(insideLatencies.reduce(0, +) / Double(insideLatencies.count)),
            "measured":
                "inside the transaction, as intake adds it to the transaction that stores the messages: the write of the counter, tiers and movements; the fan's state comes with intake's identity lookup",
            "separate_read": [
                "measured": "the fan's state read on its own (intake reads it with the identity lookup instead), and that read plus the write",
                "read_p50_ms": percentile(0.50, of: readLatencies), "read_p99_ms": percentile(0.99, of: readLatencies),
                "read_and_write_p50_ms": percentile(0.50, of: readAndCountLatencies),
                "read_and_write_p99_ms": percentile(0.99, of: readAndCountLatencies),
            ] as [String: Any],
            "own_transaction": [
                "measured": "the same update in a transaction of its own, BEGIN and COMMIT included",
                "p50_ms": percentile(0.50), "p90_ms": percentile(0.90), "p99_ms": percentile(0.99), "max_ms": percentile(1.0),
            ] as [String: Any],
            "fans_not_found": notFound,
        ]
        let notes = """
            The \(interactions) interactions are generated into the fans' 30-day counters (rolling_activity, \
            RollingActivity's compact form), which is exactly what the nightly recomputation reads; the message rows \
            themselves are not stored. Fans are stored with stale tiers so that every fan who spoke or has a value \
            moves. Recompute: FanTiering.recompute for the workspace. Incremental: FanAssembly.count for one sighting \
            of one fan (count it into the counter, write it and the tiers, record a movement), each in a transaction of \
            its own; the percentiles time the update inside the transaction, which is what counting adds to intake (it \
            runs in the transaction that stores the messages, and reads the fan's state with the identity lookup that \
            finds the fan), separate_read the state read on its own before it (this benchmark has no identities to \
            look up) and that read plus the write, and own_transaction all of it with BEGIN and COMMIT. \
            Fans are picked from a sample of the generated ones in proportion to their interactions + 1.
            """
        return Measured(
            figures: [
                "generate_seconds": rounded(generateSeconds, 10),
                "generated": generation,
                "recompute": recompute,
                "incremental": updates,
                "notes": notes,
            ],
            targets: [
                .below("recompute_seconds", Self.targetRecomputeSeconds, recomputeSeconds),
                .below("incremental_p99_ms", Self.targetIncrementalP99Milliseconds, latencies.isEmpty ? nil : p99),
            ])
    }

    /// What generation leaves for the rest of the run.
    struct Generated {
        /// Every k-th fan, with the running total of (interactions + 1):
        /// the next interaction more likely comes from a fan who says a lot.
        var sampleIDs: [UUID] = []
        var sampleEnds: [Int] = []
        var speaking = 0
        var mostInteractions = 0
        var withValue = 0
        /// What the recomputation should find, by `FanProgramme.tiers` here.
        var expectedChanged = 0
        var expectedTiers: [String: [String: Int]] = [:]
        var insertSeconds = 0.0

        func pick(_ random: inout FanRandom) -> UUID {
            let target = random.below(sampleEnds[sampleEnds.count - 1])
            var (low, high) = (0, sampleEnds.count - 1)
            while low < high {
                let middle = (low + high) / 2
                if sampleEnds[middle] > target { high = middle } else { low = middle + 1 }
            }
            return sampleIDs[low]
        }
    }

    private func generate(into session: FanLoad.Session, programme: FanProgramme, now: Date) async throws -> Generated {
        var random = FanRandom(seed: UInt64(seed))
        let zone = session.zone
        let today = RollingActivity.day(of: now, in: zone)
        let perFan = interactionsPerFan(&random)
        // First seen over the last 400 days in fan order, so ids (time
        // ordered) grow as they would and inserts append to the index.
        let firstSeenStart = now.addingTimeInterval(-400 * 86_400)
        let firstSeenStep = 400 * 86_400 / Double(fans)
        let sampleEvery = max(1, fans / 100_000)
        let stale = FanTierSnapshot(activity: .silent, value: ValueTier.none, stage: .reach)
        var generated = Generated()
        var batch: [FanLoad.Row] = []
        batch.reserveCapacity(Self.rowsPerTransaction)
        for index in 0..<fans {
            let count = perFan[index]
            var activity = RollingActivity()
            var lastInteraction: Date?
            if count > 0 {
                // Recent newest days are commoner than old ones; the fan's
                // interactions fall on the days back from the newest.
                let newest = today - Int(29.999 * pow(random.unit(), 2))
                let days = 1 + random.below(30 - (today - newest))
                activity.record(day: newest)
                for _ in 1..<count { activity.record(day: newest - random.below(days)) }
                lastInteraction = min(now, noon(of: newest, in: zone))
                generated.speaking += 1
                generated.mostInteractions = max(generated.mostInteractions, count)
            }
            var spendFen: Int64 = 0
            var referrals = 0
            var contributions = 0
            // Spend log-uniform from ¥10 to ¥50,000, so every value tier has fans.
            if random.below(100) < 6 { spendFen = Int64(exp(log(1_000.0) + random.unit() * (log(5_000_000.0) - log(1_000.0)))) }
            if random.below(100) < 2 { referrals = 1 + random.below(10) }
            if random.below(100) < 4 { contributions = 1 + random.below(20) }
            if spendFen > 0 || referrals > 0 || contributions > 0 { generated.withValue += 1 }

            let value = ValueFacts(spend: Decimal(spendFen) / 100, referrals: referrals, contributions: contributions)
            let (interactions30d, snapshot) = programme.tiers(activity: activity, asOfDay: today, value: value, redemptions: 0)
            if snapshot != stale || interactions30d != 0 { generated.expectedChanged += 1 }
            generated.expectedTiers["activity", default: [:]][snapshot.activity.rawValue, default: 0] += 1
            generated.expectedTiers["value", default: [:]][snapshot.value.rawValue, default: 0] += 1
            generated.expectedTiers["stage", default: [:]][snapshot.stage.rawValue, default: 0] += 1

            let firstSeen = firstSeenStart.addingTimeInterval(Double(index) * firstSeenStep)
            let id = TimeOrderedID.make(at: firstSeen, random: &random)
            if index % sampleEvery == 0 {
                generated.sampleIDs.append(id)
                generated.sampleEnds.append((generated.sampleEnds.last ?? 0) + count + 1)
            }
            batch.append(
                FanLoad.Row(
                    id: id, displayName: "Fan \(index + 1)", rollingActivity: activity.compact, interactions30d: 0, activityTier: stale.activity,
                    valueTier: stale.value, stage: stale.stage, spendFen: spendFen, referrals: referrals, contributions: contributions,
                    firstSeenAt: firstSeen, lastInteractionAt: lastInteraction))
            if batch.count == Self.rowsPerTransaction || index == fans - 1 {
                let insertStart = ContinuousClock.now
                try await session.insert(batch, now: now)
                generated.insertSeconds += seconds(since: insertStart)
                batch.removeAll(keepingCapacity: true)
            }
        }
        return generated
    }

    /// Interactions per fan, adding up to `interactions` exactly: 30 % of
    /// fans none, the others one each plus a share of the rest by a Pareto
    /// weight (α 1.1, capped at 1,000). With the defaults that is about
    /// 40 % potential, 25 % active and 5 % core, the busiest fan some
    /// 4,500 interactions in the 30 days.
    private func interactionsPerFan(_ random: inout FanRandom) -> [Int] {
        var perFan = [Int](repeating: 0, count: fans)
        let speaking = min(interactions, Int((Double(fans) * (1 - Self.silentShare)).rounded()))
        guard speaking > 0 else { return perFan }
        // A partial shuffle picks who speaks, spread over all first-seen times.
        var order = Array(0..<fans)
        for slot in 0..<speaking { order.swapAt(slot, slot + random.below(fans - slot)) }
        var weights: [Double] = []
        weights.reserveCapacity(speaking)
        for _ in 0..<speaking { weights.append(min(1_000, pow(random.unit(), -1 / 1.1))) }
        let total = weights.reduce(0, +)
        let rest = interactions - speaking
        var left = rest
        for (slot, weight) in weights.enumerated() {
            let share = Int(Double(rest) * weight / total)
            perFan[order[slot]] = 1 + share
            left -= share
        }
        // What rounding left over (or, by floating-point error, took too much).
        while left > 0 {
            perFan[order[random.below(speaking)]] += 1
            left -= 1
        }
        while left < 0 {
            let fan = order[random.below(speaking)]
            if perFan[fan] > 1 {
                perFan[fan] -= 1
                left += 1
            }
        }
        return perFan
    }

    /// Midday of a local day: an instant that is surely on that day.
    private func noon(of day: Int, in zone: TimeZone) -> Date {
        let midnightUTC = Date(timeIntervalSince1970: Double(day) * 86_400)
        return midnightUTC.addingTimeInterval(43_200 - Double(zone.secondsFromGMT(for: midnightUTC)))
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double { secondsOf(start.duration(to: .now)) }

    private func seconds(_ duration: Duration) -> Double { secondsOf(duration) }

    private func milliseconds(_ value: Double) -> Double { rounded(value, 1_000) }

    /// Sets the peak resident size back to the current one (Linux,
    /// clear_refs 5), so that the peak read afterwards is one phase's and
    /// not generation's; false where that is not possible.
    private func resetPeakResident() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// A field of /proc/self/status in kB (VmHWM: the peak resident size).
    private func statusKilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return nil }
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// The type of the file system a path is on, from the longest mount point above it.
    static func fileSystem(of path: String) -> String {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return "unknown" }
        var best = (point: "", type: "unknown")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1])
            let holds = point == "/" || path == point || path.hasPrefix(point + "/")
            if holds, point.count >= best.point.count { best = (point: point, type: String(fields[2])) }
        }
        return best.type
    }
}

/// SplitMix64: the same seed gives the same fans, counters and ids (but
/// for the time in the ids).
struct FanRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Uniform in (0, 1]: never 0, so that it can be raised to a negative power.
    mutating func unit() -> Double { Double((next() >> 11) + 1) / 9_007_199_254_740_992 }
}
