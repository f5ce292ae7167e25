import FanfareCore
import Foundation
import Synchronization
import Vapor

/// Request counts and latency histograms by route, kept in process and
/// written in Prometheus text format at `/metrics`. Each node reports its
/// own; Prometheus adds them up.
final class RequestMetrics: Sendable {
    private struct Key: Hashable { let method: String; let route: String; let status: UInt }
    private struct State {
        var counts: [Key: UInt64] = [:]
        var latency: [String: LatencyHistogram] = [:]
    }

    private let state = Mutex(State())

    func observe(method: String, route: String, status: UInt, seconds: Double) {
        state.withLock { s in
            s.counts[Key(method: method, route: route, status: status), default: 0] += 1
            s.latency["\(method) \(route)", default: LatencyHistogram()].observe(seconds)
        }
    }

    func render() -> String {
        let snapshot = state.withLock { $0 }
        var out =
            "# HELP fanfare_http_requests_total HTTP requests by method, route pattern and status.\n# TYPE fanfare_http_requests_total counter\n"
        for (key, count) in snapshot.counts.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }
        ) {
            out += "fanfare_http_requests_total{method=\"\(key.method)\",route=\"\(Self.label(key.route))\",status=\"\(key.status)\"} \(count)\n"
        }
        out +=
            "# HELP fanfare_http_request_duration_seconds HTTP request latency by method and route pattern.\n# TYPE fanfare_http_request_duration_seconds histogram\n"
        for (name, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
            let labels = "method=\"\(parts[0])\",route=\"\(Self.label(parts[1]))\""
            for (bound, count) in histogram.cumulative {
                out += "fanfare_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(count)\n"
            }
            out += "fanfare_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "fanfare_http_request_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "fanfare_http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        return out
    }

    private static func label(_ raw: String) -> String {
        raw.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// Times every request and files it under its route pattern (not the raw
/// path, which would make one series per workspace and id).
struct RequestMetricsMiddleware: AsyncMiddleware {
    let metrics: RequestMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        metrics.observe(method: request.method.rawValue, route: route, status: response.status.code, seconds: seconds)
        return response
    }
}
