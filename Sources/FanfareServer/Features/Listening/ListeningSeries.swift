import FanfareCore
import Fluent
import Foundation
import SQLKit

/// A monitor's volume and negative count per window, read from the
/// monitor↔mention rows (indexed by monitor and time), so every monitor
/// has its own series without a second copy of the counts: the alert's
/// chart and grading read the same rows.
enum ListeningSeries {
    struct Bucket: Sendable, Equatable {
        var start: Date
        var mentions: Int
        var negative: Int
    }

    /// Buckets of `step` seconds from `from` (aligned down to `step` in
    /// `zone`: a day step starts at the workspace's midnight) to `to`,
    /// empty ones included.
    static func buckets(
        _ monitorID: UUID, from: Date, to: Date, step: TimeInterval = 900, zone: TimeZone = .gmt, on db: any Database
    ) async throws -> [Bucket] {
        guard let sql = db as? any SQLDatabase, to > from else { return [] }
        let offset = Double(zone.secondsFromGMT(for: from))
        let first = ((from.timeIntervalSince1970 + offset) / step).rounded(.down) * step - offset
        let count = Int(((to.timeIntervalSince1970 - first) / step).rounded(.up))
        guard count > 0, count <= 5_000 else { return [] }
        var buckets = (0..<count).map { Bucket(start: Date(timeIntervalSince1970: first + Double($0) * step), mentions: 0, negative: 0) }
        let rows = try await sql.raw(
            """
            SELECT at, negative FROM listening_mention_monitors
            WHERE monitor_id = \(bind: monitorID) AND at >= \(bind: Date(timeIntervalSince1970: first)) AND at < \(bind: to)
            """
        ).all()
        for row in rows {
            let at = try row.decode(column: "at", as: Date.self)
            let index = Int((at.timeIntervalSince1970 - first) / step)
            guard buckets.indices.contains(index) else { continue }
            buckets[index].mentions += 1
            buckets[index].negative += try row.decode(column: "negative", as: Int.self)
        }
        return buckets
    }
}
