import FanfareCore
import Foundation

/// `fanfare analyze [--full]`: reads UTF-8 text from standard input, one
/// message a line, and writes one JSON object a line:
/// `{"lang":"zh","sentiment":"neg","score":-0.83,"intent":"complaint"}`.
/// `--full` adds the intent's confidence, the moderation recommendation
/// (base lexicon) and the priority. Needs no database and no settings.
enum AnalyzeCommand {
    static let usage = "usage: fanfare analyze [--full]   (messages on standard input, one a line)"

    static func run(_ arguments: [String]) -> Int32 {
        var full = false
        for argument in arguments {
            switch argument {
            case "--full": full = true
            case "-h", "--help":
                print(usage)
                return 0
            default:
                FileHandle.standardError.write(Data("fanfare analyze: unknown argument \(argument)\n\(usage)\n".utf8))
                return 2
            }
        }
        let analyzer = MessageAnalyzer(engine: ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow))
        return LineFilter.run(name: "analyze", failure: { "{\"error\":\"line \($0) is not valid UTF-8\"}" }) { line in
            let result = analyzer.analyze(line)
            var output = Array("{\"lang\":\"\(result.lang.rawValue)\",\"sentiment\":\"\(result.sentiment.rawValue)\",\"score\":".utf8)
            output += Array(String(format: "%.2f", result.score).utf8)
            output += Array(",\"intent\":\"\(result.intent.rawValue)\"".utf8)
            if full {
                output += Array(String(format: ",\"intent_confidence\":%.2f", result.intentConfidence).utf8)
                output += Array(",\"recommendation\":\"\(result.recommendation.rawValue)\",\"priority\":\"\(result.priority.rawValue)\"".utf8)
            }
            output += Array("}\n".utf8)
            return output
        }
    }
}
