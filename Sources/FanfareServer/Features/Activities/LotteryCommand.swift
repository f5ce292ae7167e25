import ArgumentParser
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
struct LotteryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lottery",
        abstract: "The verifiable draw outside the product: commit to a seed, draw, or verify a published draw.",
        discussion: """
            Files hold one id a line (- reads standard input); the algorithm is \(Lottery.algorithm). Each action prints one \
            JSON object; `verify` exits 1 when the draw does not check out. Needs no database.
            """,
        subcommands: [Commit.self, Draw.self, Verify.self])

    struct Commit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints the commitment (SHA-256) of a seed, to publish before the draw.")

        @Option(help: "The seed, as hex.")
        var seed: String

        func run() throws {
            try LotteryCommand.reporting {
                LotteryCommand.output(["algorithm": Lottery.algorithm, "seed_hash": try LotterySeed.commitment(seedHex: seed)])
            }
        }
    }

    struct Draw: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draws the winners from a seed and an entrant list.")

        @Option(help: "The seed, as hex.")
        var seed: String

        @Option(help: "The entrants, one id a line (- for standard input).")
        var entrants: String

        @Option(help: "How many winners to draw.")
        var winners: Int

        func run() throws {
            try LotteryCommand.reporting {
                let entrants = try LotteryCommand.lines(self.entrants, option: "--entrants")
                let drawn = try Lottery.draw(seedHex: seed, entrants: entrants, winners: winners)
                LotteryCommand.output([
                    "algorithm": Lottery.algorithm, "seed_hash": try LotterySeed.commitment(seedHex: seed),
                    "entrants": Lottery.canonicalEntrants(entrants).count, "entrant_list_hash": Lottery.entrantListHash(entrants),
                    "winners": drawn,
                ])
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-runs a published draw and compares it with the claimed winners; exits 1 when it does not check out.")

        @Option(help: "The published seed, as hex.")
        var seed: String

        @Option(name: .customLong("seed-hash"), help: "The commitment published before the draw.")
        var seedHash: String

        @Option(help: "The entrants, one id a line (- for standard input).")
        var entrants: String

        @Option(help: "How many winners were drawn.")
        var winners: Int

        @Option(help: "The claimed winners, one id a line, in order.")
        var claimed: String

        func run() throws {
            var isOK = false
            try LotteryCommand.reporting {
                let result = Lottery.verify(
                    seedHex: seed, seedHash: seedHash, entrants: try LotteryCommand.lines(entrants, option: "--entrants"), winners: winners,
                    claimed: try LotteryCommand.lines(claimed, option: "--claimed"))
                var fields: [String: Any] = ["algorithm": Lottery.algorithm, "outcome": result.outcome.rawValue, "message": result.message]
                if let recomputed = result.recomputed { fields["recomputed"] = recomputed }
                LotteryCommand.output(fields)
                isOK = result.isOK
            }
            if !isOK { throw ExitCode(1) }
        }
    }

    /// Refusals of the draw's own rules (a seed that is not hex, more
    /// winners than entrants) and unreadable files are wrong values on the
    /// command line: each named by its option, exit status 2. The draw's
    /// fields (`seed`, `entrants`, `winners`) are the options' names.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let errors as ValidationErrors {
            throw CommandLineProblem("lottery: " + errors.issues.map { "--\($0.field): \($0.message)" }.joined(separator: "; "), usage: true)
        } catch let unreadable as Unreadable {
            throw CommandLineProblem("lottery: \(unreadable.reason)", usage: true)
        }
    }

    struct Unreadable: Error {
        var reason: String
    }

    /// One id a line; blank lines and a trailing carriage return are not ids.
    /// A file that cannot be read is named with the option that gave it.
    static func lines(_ path: String, option: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: path) else { throw Unreadable(reason: "\(option): \(path) cannot be read") }
            data = read
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Unreadable(reason: "\(option): \(path) is not UTF-8 text") }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }.filter { !$0.isEmpty }
    }

    static func output(_ fields: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
