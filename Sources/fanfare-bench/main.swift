import Foundation
import Logging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `fanfare-bench <benchmark> [options]`: each benchmark prints one JSON
/// object on standard output. Timed figures live here, never in tests.
let arguments = Array(CommandLine.arguments.dropFirst())
// The in-process set-up (migrations, seeding) would otherwise log every
// step; the report on standard output is what matters.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}
let usage = """
    usage: fanfare-bench serve [--binary PATH] [--seconds N] [--connections N]
           fanfare-bench publish [--binary PATH] [--posts N] [--accounts N] [--workers N] [--concurrency N]
                                 [--database-url URL] [--kill-after N] [--timeout SECONDS]
      serve   start-up time (fresh data directory and restart), idle memory, and
              requests/s and latency percentiles under wrk for /healthz and an
              authenticated list endpoint (GET /api/v1/workspaces/demo/members)
      publish N variants due in the same minute to Sandbox accounts, published by
              real worker processes: lag after the due time (p50, p99, max),
              posts/s, lost and duplicates; --kill-after SIGKILLs a worker mid-batch
           fanfare-bench moderation [--lexicon FILE] [--corpus FILE] [--terms N] [--megabytes N]
                                    [--seed N] [--runs N] [--write-lexicon FILE] [--write-corpus FILE]
      moderation  sensitive-word automaton build time and memory, and scan MB/s of
              original text with normalisation, over a given or generated corpus
           fanfare-bench lexicon [--binary PATH] [--import-terms N] [--engines N] [--terms-per-engine N] [--seed N]
                                 [--spread-workspaces N] [--spread-terms N] [--cache-mb N] [--memory-only]
      lexicon memory of compiled lexicons per 10,000 terms (resident size and the cache's
              estimate), a 99,000-term import through the API with the worst wait of
              a concurrent write, read and check, and 60,000 terms into each of 12
              workspaces with the server's resident size after each
           fanfare-bench ingest [--binary PATH] [--rate N] [--seconds N] [--connections N] [--database-url URL]
      ingest  signed webhook pushes over loopback at a fixed rate, until stored and
              analysed: sustained rate, latency p50/p99, losses
           fanfare-bench analyze [--messages N] [--seed N] [--runs N]
      analyze messages per second on one core through the whole on-arrival analysis
           fanfare-bench fans [--fans N] [--interactions N] [--seed N] [--incremental N] [--database-url URL]
      fans    full recomputation of every fan's tiers (N interactions generated into
              the fans' 30-day counters), and the per-interaction update: p50/p99/max
              of N single-message updates; on PostgreSQL the schema is made afresh
    """

switch arguments.first {
case "serve":
    do {
        let report = try await ServeBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
case "publish":
    do {
        let report = try await PublishBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
case "ingest":
    do {
        let report = try await IngestBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
case "fans":
    do {
        let report = try await FansBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
case "analyze":
    do {
        let report = try AnalyzeBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
case "lexicon":
    do {
        let report = try await LexiconBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
case "moderation":
    do {
        let report = try ModerationBenchmark(options: Array(arguments.dropFirst())).run()
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } catch {
        FileHandle.standardError.write(Data("fanfare-bench: \(error)\n".utf8))
        exit(1)
    }
default:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
