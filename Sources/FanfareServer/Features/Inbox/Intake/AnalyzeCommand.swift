import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare analyze [--full]`: reads UTF-8 text from standard input, one
/// message a line, and writes one JSON object a line:
/// `{"lang":"zh","sentiment":"neg","score":-0.83,"intent":"complaint"}`.
/// `--full` adds the intent's confidence, the moderation recommendation
/// (base lexicon) and the priority. Needs no database and no settings.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyses standard input, one message a line; one JSON object a line.",
        discussion: """
            {"lang":"zh","sentiment":"neg","score":-0.83,"intent":"complaint"} for each line. A line that is not UTF-8 is \
            named on standard error and answered with an error object; the exit status is then 1. Needs no database and no \
            settings.
            """)

    @Flag(help: "Add the intent's confidence, the moderation recommendation (base lexicon) and the priority.")
    var full = false

    func run() throws {
        let full = self.full
        let analyzer = MessageAnalyzer(
            models: ShippedAnalysisModels.models, engine: ModerationEngine(terms: LexiconFile.base, allow: LexiconFile.baseAllow))
        let status = LineFilter.run(name: "analyze", failure: { "{\"error\":\"line \($0) is not valid UTF-8\"}" }) { line in
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
        if status != 0 { throw ExitCode(status) }
    }
}
