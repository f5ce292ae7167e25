import ArgumentParser
import FanfareCore
import FanfareServer
import Foundation

/// `fanfare-bench analyze`: messages per second on one core through the
/// whole on-arrival analysis (language, features, sentiment and intent
/// models, moderation scan with the base lexicon, recommendation,
/// priority), over comment-like messages generated from `--seed`.
struct AnalyzeBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Messages per second on one core through the whole on-arrival analysis.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = []
    static let targetMessagesPerSecond = 20_000.0

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Generated messages analysed per run.")
    var messages = 200_000

    @Option(help: "Seed of the generated messages.")
    var seed: UInt64 = 1

    @Option(help: "Runs over all messages; the best is reported.")
    var runs = 3

    var settings: [String: Any] { ["messages": messages, "seed": seed, "runs": runs] }

    func validateOptions() throws {
        try requireAtLeast(1, messages, "--messages")
        try requireAtLeast(1, runs, "--runs")
    }

    func measure() async throws -> Measured {
        let loadStart = DispatchTime.now()
        let models = ShippedAnalysisModels.models
        let engine = ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow)
        let load = Double(DispatchTime.now().uptimeNanoseconds - loadStart.uptimeNanoseconds) / 1e9
        let analyzer = MessageAnalyzer(models: models, engine: engine)
        var generator = CorpusGenerator(seed: seed)
        var texts: [String] = []
        // About 80 bytes a message; a corpus of mostly Chinese (3 bytes a
        // character) can fall short, so more is generated until there are
        // `--messages` of them (the report counts what was analysed).
        while texts.count < messages {
            let corpus = generator.corpus(bytes: (messages - texts.count) * 80, terms: ["加微信", "傻逼", "全网最低"])
            for line in corpus.split(separator: UInt8(ascii: "\n")) {
                let text = String(decoding: line, as: UTF8.self)
                // Comments are short: cut long lines into pieces of 20–120 characters.
                var rest = Substring(text)
                while !rest.isEmpty, texts.count < messages {
                    let length = 20 + Int(generator.next() % 100)
                    texts.append(String(rest.prefix(length)))
                    rest = rest.dropFirst(length)
                }
                if texts.count >= messages { break }
            }
        }
        var best = Double.infinity
        var negatives = 0
        for _ in 0..<runs {
            let start = DispatchTime.now()
            negatives = 0
            for text in texts where analyzer.analyze(text).sentiment == .neg { negatives += 1 }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        let perSecond = Int(Double(texts.count) / best)
        return Measured(
            figures: [
                "messages": texts.count,
                "mean_characters": texts.map(\.count).reduce(0, +) / max(1, texts.count),
                "model_and_lexicon_load_ms": (load * 1000).rounded(),
                "seconds_best": rounded(best, 1_000),
                "messages_per_second_one_core": perSecond,
                "microseconds_per_message": rounded(best / Double(texts.count) * 1e6, 10),
                "negative_share": Double(negatives) / Double(max(1, texts.count)),
            ],
            targets: [.atLeast("messages_per_second_one_core", Self.targetMessagesPerSecond, Double(perSecond))])
    }
}
