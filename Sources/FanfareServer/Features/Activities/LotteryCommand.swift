import FanfareCore
import Foundation

/// `fanfare lottery`: the verifiable draw outside the product, so that a
/// fan or an auditor can check a published draw with nothing but the
/// published seed, commitment and entrant list. Needs no database.
///
///     fanfare lottery commit --seed HEX
///     fanfare lottery draw   --seed HEX --entrants FILE --winners N
///     fanfare lottery verify --seed HEX --seed-hash HEX --entrants FILE --winners N --claimed FILE
///
/// Files hold one id a line (`-` reads standard input). Each prints one JSON
/// object; `verify` exits 1 when the draw does not check out.
enum LotteryCommand {
    static let usage = """
        usage: fanfare lottery commit --seed HEX
               fanfare lottery draw --seed HEX --entrants FILE --winners N
               fanfare lottery verify --seed HEX --seed-hash HEX --entrants FILE --winners N --claimed FILE
        (FILE: one id a line, - for standard input; the algorithm is \(Lottery.algorithm))
        """

    static func run(_ arguments: [String]) -> Int32 {
        guard let action = arguments.first, ["commit", "draw", "verify"].contains(action) else {
            return fail(arguments.first.map { "unknown action \($0)" } ?? "an action is needed")
        }
        var options: [String: String] = [:]
        var rest = arguments.dropFirst()
        while let name = rest.popFirst() {
            guard name.hasPrefix("--"), let value = rest.popFirst() else { return fail("\(name) needs a value") }
            options[String(name.dropFirst(2))] = value
        }
        let needed =
            switch action {
            case "commit": ["seed"]
            case "draw": ["seed", "entrants", "winners"]
            default: ["seed", "seed-hash", "entrants", "winners", "claimed"]
            }
        if let unknown = options.keys.sorted().first(where: { !needed.contains($0) }) { return fail("--\(unknown) is not an option of \(action)") }
        if let missing = needed.first(where: { options[$0] == nil }) { return fail("--\(missing) is needed") }
        do {
            switch action {
            case "commit":
                return output(["algorithm": Lottery.algorithm, "seed_hash": try LotterySeed.commitment(seedHex: options["seed"]!)])
            case "draw":
                let entrants = try lines(options["entrants"]!)
                guard let winners = Int(options["winners"]!) else { return fail("--winners must be a whole number") }
                let drawn = try Lottery.draw(seedHex: options["seed"]!, entrants: entrants, winners: winners)
                return output([
                    "algorithm": Lottery.algorithm, "seed_hash": try LotterySeed.commitment(seedHex: options["seed"]!),
                    "entrants": Lottery.canonicalEntrants(entrants).count, "entrant_list_hash": Lottery.entrantListHash(entrants),
                    "winners": drawn,
                ])
            default:
                guard let winners = Int(options["winners"]!) else { return fail("--winners must be a whole number") }
                let result = Lottery.verify(
                    seedHex: options["seed"]!, seedHash: options["seed-hash"]!, entrants: try lines(options["entrants"]!), winners: winners,
                    claimed: try lines(options["claimed"]!))
                var fields: [String: Any] = ["algorithm": Lottery.algorithm, "outcome": result.outcome.rawValue, "message": result.message]
                if let recomputed = result.recomputed { fields["recomputed"] = recomputed }
                return output(fields) == 0 && result.isOK ? 0 : 1
            }
        } catch let errors as ValidationErrors {
            return fail(errors.issues.map { "\($0.field): \($0.message)" }.joined(separator: "; "), showUsage: false)
        } catch let unreadable as Unreadable {
            return fail(unreadable.reason, showUsage: false)
        } catch {
            return fail("\(error)", showUsage: false)
        }
    }

    struct Unreadable: Error {
        var reason: String
    }

    /// One id a line; blank lines and a trailing carriage return are not ids.
    static func lines(_ path: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: path) else { throw Unreadable(reason: "\(path) cannot be read") }
            data = read
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Unreadable(reason: "\(path) is not UTF-8 text") }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }.filter { !$0.isEmpty }
    }

    static func output(_ fields: [String: Any]) -> Int32 {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return 1 }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        return 0
    }

    static func fail(_ message: String, showUsage: Bool = true) -> Int32 {
        FileHandle.standardError.write(Data("fanfare lottery: \(message)\n\(showUsage ? usage + "\n" : "")".utf8))
        return 2
    }
}
