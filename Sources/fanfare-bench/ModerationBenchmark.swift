import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare-bench moderation`: automaton build time and memory, and scan
/// throughput over a corpus, normalisation included, through the same
/// `ModerationEngine.scan` the server and `fanfare moderate` call.
///
/// Without `--lexicon` / `--corpus` it generates both from `--seed`: a
/// Chinese lexicon of `--terms` words and a corpus of `--megabytes` of
/// comment-like lines mixing Chinese, English, numbers, links and emoji,
/// with lexicon terms hidden in it by the usual tricks. `--write-lexicon`
/// and `--write-corpus` save them for `scripts/moderation/compare-ahocorasick.py`.
struct ModerationBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "moderation",
        abstract: "Sensitive-word automaton build time and memory, and scan MB/s with normalisation, over a given or generated corpus.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = []
    static let targetScanMegabytesPerSecond = 100.0
    static let targetBuildMilliseconds = 1_000.0

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "A lexicon file (TXT or CSV) instead of a generated one.")
    var lexicon: String?

    @Option(help: "A UTF-8 corpus instead of a generated one.")
    var corpus: String?

    @Option(help: "Terms in the generated lexicon.")
    var terms = 20_000

    @Option(help: "Megabytes of generated corpus.")
    var megabytes = 50

    @Option(help: "Seed of the generated lexicon and corpus.")
    var seed: UInt64 = 1

    @Option(help: "Builds and scans; the median build and the best scan are reported.")
    var runs = 3

    @Option(name: .customLong("write-lexicon"), help: "Save the lexicon used here (for scripts/moderation/compare-ahocorasick.py).")
    var writeLexicon: String?

    @Option(name: .customLong("write-corpus"), help: "Save the corpus used here.")
    var writeCorpus: String?

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    var settings: [String: Any] {
        [
            "lexicon": lexicon ?? "generated", "corpus": corpus ?? "generated", "terms": terms, "megabytes": megabytes, "seed": seed,
            "runs": runs, "policy": "all", "normalisation": true,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(1, terms, "--terms")
        try requireAtLeast(1, megabytes, "--megabytes")
        try requireAtLeast(1, runs, "--runs")
    }

    func measure() async throws -> Measured {
        let foldStart = DispatchTime.now()
        _ = TextFolding.fold("预热")
        let foldTable = seconds(since: foldStart)

        var generator = CorpusGenerator(seed: seed)
        let lexicon: [LexiconTerm]
        if let lexiconPath = self.lexicon {
            guard let text = FileManager.default.contents(atPath: lexiconPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw Problem(description: "\(lexiconPath): cannot be read as UTF-8 text")
            }
            lexicon = LexiconFile.parse(text, format: LexiconFile.Format(fileName: lexiconPath) ?? .txt).terms
        } else {
            lexicon = generator.lexicon(count: terms).map { LexiconTerm(term: $0, category: "risk", severity: .block) }
        }
        if let writeLexicon {
            try Data(lexicon.map(\.term).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: writeLexicon))
        }
        let corpus: [UInt8]
        if let corpusPath = self.corpus {
            guard let data = FileManager.default.contents(atPath: corpusPath) else { throw Problem(description: "\(corpusPath): cannot be read") }
            guard String(validating: data, as: UTF8.self) != nil else { throw Problem(description: "\(corpusPath): is not valid UTF-8") }
            corpus = Array(data)
        } else {
            corpus = generator.corpus(bytes: megabytes * 1_000_000, terms: lexicon.map(\.term))
        }
        if let writeCorpus { try Data(corpus).write(to: URL(fileURLWithPath: writeCorpus)) }

        var builds: [Double] = []
        var engine = ModerationEngine.empty
        for _ in 0..<runs {
            let start = DispatchTime.now()
            engine = ModerationEngine(terms: lexicon)
            builds.append(seconds(since: start))
        }
        let lines = corpus.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
        var scans: [Double] = []
        var matches = 0
        for _ in 0..<runs {
            let start = DispatchTime.now()
            matches = corpus.withUnsafeBufferPointer { buffer in
                var found = 0
                var lineStart = 0
                for index in 0...buffer.count where index == buffer.count || buffer[index] == UInt8(ascii: "\n") {
                    found += engine.scan(utf8: UnsafeBufferPointer(rebasing: buffer[lineStart..<index]), policy: .all).count
                    lineStart = index + 1
                }
                return found
            }
            scans.append(seconds(since: start))
        }
        let best = scans.min()!
        let buildMedian = nearestRank(50, ofSorted: builds.sorted()) * 1000
        let throughput = rounded(Double(corpus.count) / 1_000_000 / best, 10)
        return Measured(
            figures: [
                "terms": engine.termCount,
                "states": engine.stateCount,
                "fold_table_once_per_process_ms": (foldTable * 1000).rounded(),
                "build_ms_median": rounded(buildMedian, 10),
                "automaton_bytes": engine.memoryBytes,
                "rss_bytes": residentBytes() ?? -1,
                "corpus_bytes": corpus.count,
                "corpus_lines": lines,
                "scan_seconds_best": rounded(best, 1_000),
                "scan_mb_per_s": throughput,
                "matches": matches,
            ],
            targets: [
                .atLeast("scan_mb_per_s", Self.targetScanMegabytesPerSecond, throughput),
                .below("build_ms_median", Self.targetBuildMilliseconds, buildMedian),
            ])
    }

    private func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    private func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
}

/// Deterministic lexicons and corpora: the same seed gives the same bytes.
struct CorpusGenerator {
    var state: UInt64
    /// 3,000 CJK characters, used with a Zipf-like bias as real text is.
    let characters: [Unicode.Scalar] = (0..<3_000).map { Unicode.Scalar(0x4E00 + UInt32($0) * 5)! }
    let words = [
        "the", "shipping", "order", "price", "love", "this", "color", "when", "restock", "thanks", "great", "quality", "refund",
        "delivery", "size", "black", "white", "buy", "again", "please", "help", "customer", "service", "app", "update", "new",
    ]
    let emoji = ["😀", "🔥", "👍🏽", "🙏", "😍", "🎉", "❤️", "🇨🇳"]
    let breakers = [" ", "\u{200B}", "*", "。", "😀", "\u{FEFF}"]

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func character() -> Unicode.Scalar {
        let uniform = Double(next() % 1_000_000) / 1_000_000
        return characters[min(characters.count - 1, Int(pow(uniform, 2.2) * Double(characters.count)))]
    }

    mutating func lexicon(count: Int) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        while result.count < count {
            var term = String.UnicodeScalarView()
            for _ in 0..<(2 + below(3)) { term.append(character()) }
            let word = String(term)
            if seen.insert(word).inserted { result.append(word) }
        }
        return result
    }

    mutating func corpus(bytes: Int, terms: [String]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes + 1_000)
        while output.count < bytes {
            var line = ""
            for _ in 0..<(2 + below(8)) {
                switch below(10) {
                case 0..<4:
                    var sentence = String.UnicodeScalarView()
                    for _ in 0..<(4 + below(16)) { sentence.append(character()) }
                    line += String(sentence) + ["，", "。", "！", "？"][below(4)]
                case 4..<8:
                    line += (0..<(2 + below(6))).map { _ in words[below(words.count)] }.joined(separator: " ") + [" ", ". ", ", "][below(3)]
                case 8:
                    line += ["https://example.com/p/\(below(100_000)) ", "订单号 \(below(10_000_000)) ", "¥\(below(1000)).00 "][below(3)]
                default:
                    line += emoji[below(emoji.count)]
                }
                if !terms.isEmpty, below(4) == 0 {
                    let term = terms[below(terms.count)]
                    if below(3) == 0 {
                        line += term.unicodeScalars.map { String($0) }.joined(separator: breakers[below(breakers.count)])
                    } else {
                        line += term
                    }
                }
            }
            output += Array(line.utf8)
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }
}
