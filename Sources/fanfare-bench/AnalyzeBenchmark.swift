import FanfareCore
import Foundation

/// `fanfare-bench analyze`: messages per second on one core through the
/// whole on-arrival analysis (language, features, sentiment and intent
/// models, moderation scan with the base lexicon, recommendation,
/// priority), over comment-like messages generated from `--seed`.
struct AnalyzeBenchmark {
    var messages = 200_000
    var seed: UInt64 = 1
    var runs = 3

    init(options: [String]) throws {
        var index = 0
        while index < options.count {
            let name = options[index]
            guard index + 1 < options.count, let value = Int(options[index + 1]), value > 0 else {
                throw ModerationBenchmark.Problem(description: "\(name) needs a positive whole number")
            }
            switch name {
            case "--messages": messages = value
            case "--seed": seed = UInt64(value)
            case "--runs": runs = value
            default: throw ModerationBenchmark.Problem(description: "unknown option \(name)")
            }
            index += 2
        }
    }

    func run() throws -> [String: Any] {
        let loadStart = DispatchTime.now()
        let models = AnalysisModels.shipped
        let engine = ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow)
        let load = Double(DispatchTime.now().uptimeNanoseconds - loadStart.uptimeNanoseconds) / 1e9
        let analyzer = MessageAnalyzer(models: models, engine: engine)
        var generator = CorpusGenerator(seed: seed)
        let corpus = generator.corpus(bytes: messages * 80, terms: ["加微信", "傻逼", "全网最低"])
        var texts: [String] = []
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
        var best = Double.infinity
        var negatives = 0
        for _ in 0..<runs {
            let start = DispatchTime.now()
            negatives = 0
            for text in texts where analyzer.analyze(text).sentiment == .neg { negatives += 1 }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        return [
            "benchmark": "analyze",
            "messages": texts.count,
            "mean_characters": texts.map(\.count).reduce(0, +) / max(1, texts.count),
            "model_and_lexicon_load_ms": (load * 1000).rounded(),
            "seconds_best": (best * 1000).rounded() / 1000,
            "messages_per_second_one_core": Int(Double(texts.count) / best),
            "microseconds_per_message": (best / Double(texts.count) * 1e6 * 10).rounded() / 10,
            "negative_share": Double(negatives) / Double(max(1, texts.count)),
            "runs": runs,
        ]
    }
}
