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
enum ModerateCommand {
    static let usage = """
        usage: fanfare moderate --lexicon FILE [--allow FILE] [--policy leftmost_longest|all]
                                [--scope all|content|incoming] [--with-base]
          FILE is TXT (one term a line) or CSV (term,category,severity[,scope]); the
          extension says which. --allow names a file of allowed phrases, one a line.
        """

    static func run(_ arguments: [String]) -> Int32 {
        var lexiconPath: String?
        var allowPath: String?
        var policy = MatchPolicy.leftmostLongest
        var scope = ModerationScope.all
        var withBase = false
        var index = 0
        func fail(_ message: String) -> Int32 {
            FileHandle.standardError.write(Data("fanfare moderate: \(message)\n\(usage)\n".utf8))
            return 2
        }
        while index < arguments.count {
            let argument = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : nil
            switch argument {
            case "--lexicon", "--allow", "--policy", "--scope":
                guard let value else { return fail("\(argument) needs a value") }
                index += 1
                switch argument {
                case "--lexicon": lexiconPath = value
                case "--allow": allowPath = value
                case "--policy":
                    guard let parsed = MatchPolicy(rawValue: value) else { return fail("--policy must be leftmost_longest or all, not \(value)") }
                    policy = parsed
                default:
                    guard let parsed = ModerationScope(rawValue: value) else { return fail("--scope must be all, content or incoming, not \(value)") }
                    scope = parsed
                }
            case "--with-base": withBase = true
            case "-h", "--help":
                print(usage)
                return 0
            default: return fail("unknown argument \(argument)")
            }
            index += 1
        }
        guard let lexiconPath else { return fail("--lexicon FILE is required") }
        var terms = withBase ? LexiconFile.base : []
        var allow = withBase ? LexiconFile.baseAllow : []
        do {
            let text = try readText(lexiconPath)
            let format = LexiconFile.Format(fileName: lexiconPath) ?? (text.contains(",") ? .csv : .txt)
            let parsed = LexiconFile.parse(text, format: format)
            for problem in parsed.problems { warn("\(lexiconPath):\(problem.line): \(problem.message)") }
            terms += parsed.terms
            if let allowPath {
                let phrases = LexiconFile.parseAllowList(try readText(allowPath))
                for problem in phrases.problems { warn("\(allowPath):\(problem.line): \(problem.message)") }
                allow += phrases.phrases
            }
        } catch {
            FileHandle.standardError.write(Data("fanfare moderate: \(error)\n".utf8))
            return 2
        }
        let engine = ModerationEngine(terms: terms, allow: allow)
        return scanStandardInput(engine, scope: scope, policy: policy)
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
