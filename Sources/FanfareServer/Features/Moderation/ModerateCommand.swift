import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare moderate --lexicon FILE [--allow FILE] [--policy P] [--scope S] [--with-base]`
///
/// Reads UTF-8 text from standard input, one item a line, and writes one
/// JSON object a line: `{"matches":[{"term","category","severity","start","end","text"}]}`
/// with `start`/`end` in Unicode scalars of that line. A line that is not
/// valid UTF-8 is named on standard error and gets
/// `{"matches":[],"error":"…"}`, so output line N always answers input
/// line N. Needs no database and no settings.
struct ModerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderate",
        abstract: "Checks standard input, one item a line, against a lexicon; one JSON object a line.",
        discussion: """
            Each output line answers the input line of the same number: \
            {"matches":[{"term","category","severity","start","end","text"}]}, offsets in Unicode scalars. A line that is \
            not UTF-8 is named on standard error and answered with an error object; the exit status is then 1. Needs no \
            database and no settings.
            """)

    @Option(help: "TXT (one term a line) or CSV (term,category,severity[,scope]) lexicon; the file's extension says which.")
    var lexicon: String

    @Option(help: "A file of allowed phrases, one a line.")
    var allow: String?

    @Option(help: "leftmost_longest or all (every overlapping match).")
    var policy = MatchPolicy.leftmostLongest.rawValue

    @Option(help: "all, content or incoming: the terms of which scope apply.")
    var scope = ModerationScope.all.rawValue

    @Flag(name: .customLong("with-base"), help: "Add the built-in base lexicon and allow-list.")
    var withBase = false

    func validate() throws {
        guard MatchPolicy(rawValue: policy) != nil else { throw ValidationError("--policy must be leftmost_longest or all, not '\(policy)'") }
        guard ModerationScope(rawValue: scope) != nil else { throw ValidationError("--scope must be all, content or incoming, not '\(scope)'") }
    }

    func run() throws {
        var terms = withBase ? LexiconFile.base : []
        var allowed = withBase ? LexiconFile.baseAllow : []
        do {
            let text = try Self.readText(lexicon)
            let format = LexiconFile.Format(fileName: lexicon) ?? (text.contains(",") ? .csv : .txt)
            let parsed = LexiconFile.parse(text, format: format)
            for problem in parsed.problems { Self.warn("\(lexicon):\(problem.line): \(problem.message)") }
            terms += parsed.terms
            if let allow {
                let phrases = LexiconFile.parseAllowList(try Self.readText(allow))
                for problem in phrases.problems { Self.warn("\(allow):\(problem.line): \(problem.message)") }
                allowed += phrases.phrases
            }
        } catch let problem as FileProblem {
            throw CommandLineProblem("moderate: \(problem.description)", usage: true)
        }
        let engine = ModerationEngine(terms: terms, allow: allowed)
        let status = Self.scanStandardInput(engine, scope: ModerationScope(rawValue: scope)!, policy: MatchPolicy(rawValue: policy)!)
        if status != 0 { throw ExitCode(status) }
    }

    struct FileProblem: Error, CustomStringConvertible {
        var description: String
    }

    private static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileProblem(description: "\(path): cannot be read (missing, a folder, or not permitted)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileProblem(description: "\(path): is not UTF-8 text")
        }
        return text
    }

    private static func warn(_ line: String) {
        FileHandle.standardError.write(Data("fanfare moderate: \(line)\n".utf8))
    }

    private static func scanStandardInput(_ engine: ModerationEngine, scope: ModerationScope, policy: MatchPolicy) -> Int32 {
        LineFilter.run(name: "moderate", failure: { "{\"matches\":[],\"error\":\"line \($0) is not valid UTF-8\"}" }) { line in
            var output: [UInt8] = []
            let matches = engine.scan(line, scope: scope, policy: policy)
            output += Array("{\"matches\":[".utf8)
            for (index, match) in matches.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output += Array("{\"term\":".utf8)
                JSONText.append(match.term, to: &output)
                output += Array(",\"category\":".utf8)
                JSONText.append(match.category, to: &output)
                output += Array(",\"severity\":\"\(match.severity.rawValue)\",\"start\":\(match.start),\"end\":\(match.end),\"text\":".utf8)
                JSONText.append(match.text, to: &output)
                output.append(UInt8(ascii: "}"))
            }
            output += Array("]}\n".utf8)
            return output
        }
    }
}
