import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `fanfare-bench <benchmark> [options]`: each benchmark prints one JSON
/// object on standard output. Timed figures live here, never in tests.
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: fanfare-bench serve [--binary PATH] [--seconds N] [--connections N]
      serve   start-up time (fresh data directory and restart), idle memory, and
              requests/s and latency percentiles under wrk for /healthz and an
              authenticated list endpoint (GET /api/v1/workspaces/demo/members)
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
default:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
