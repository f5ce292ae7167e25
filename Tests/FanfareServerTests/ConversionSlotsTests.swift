import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The conversion events' quarter-hour counts (`conversion_event_slots`):
/// kept by the event API in the transaction that stores the events, equal
/// to counting the events again (duplicates, rejected events and
/// concurrent batches included), and the overview's sign-ups and purchases
/// the same from the slots as from the events.
@Suite struct ConversionSlotsTests {
    struct SlotRow: Equatable, Comparable {
        var slot: Int64
        var type: String
        var events: Int64
        var fen: Int64
        static func < (a: SlotRow, b: SlotRow) -> Bool { (a.slot, a.type) < (b.slot, b.type) }
    }

    static func slots(_ t: TestApp, _ workspaceID: UUID) async throws -> [SlotRow] {
        let sql = try #require(t.db as? any SQLDatabase)
        return try await sql.raw(
            "SELECT slot, type, events, amount_fen FROM conversion_event_slots WHERE workspace_id = \(bind: workspaceID)"
        ).all().map {
            SlotRow(
                slot: try $0.decode(column: "slot", as: Int64.self), type: try $0.decode(column: "type", as: String.self),
                events: try $0.decode(column: "events", as: Int64.self), fen: try $0.decode(column: "amount_fen", as: Int64.self))
        }.sorted()
    }

    @Test(arguments: TestDatabase.available)
    func theSlotsCountEachStoredEventOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            let day = MetricDay.of(Date().addingTimeInterval(-86_400), in: TimeZone(identifier: "UTC")!)
            let events: [[String: Any]] = [
                ["id": "a", "type": "purchase", "at": "\(day)T09:14:59Z", "amount_fen": 100, "fan": ["external_id": "c1"]],
                ["id": "b", "type": "purchase", "at": "\(day)T09:15:00Z", "amount_fen": 250, "fan": ["external_id": "c1"]],
                ["id": "c", "type": "purchase", "at": "\(day)T09:29:59Z", "amount_fen": 50, "fan": ["external_id": "c2"]],
                ["id": "d", "type": "sign_up", "at": "\(day)T09:20:00Z", "fan": ["external_id": "c2"]],
                ["id": "d", "type": "sign_up", "at": "\(day)T09:20:00Z", "fan": ["external_id": "c2"]],
                ["id": "e", "type": "refund", "at": "\(day)T23:59:59Z", "amount_fen": 70, "fan": ["external_id": "c1"]],
                ["id": "f", "type": "purchase", "at": "not a time", "amount_fen": 1, "fan": ["external_id": "c1"]],
            ]
            let base = "/api/v1/workspaces/\(ws.slug)/events"
            let first = try await t.api(.POST, base, token: token, json: ["events": events])
            #expect(first.json["accepted"] as? Int == 5 && first.json["duplicates"] as? Int == 1, "\(first.body)")
            let again = try await t.api(.POST, base, token: token, json: ["events": events])
            #expect(again.json["accepted"] as? Int == 0, "\(again.body)")
            // Another workspace's events never count in this one's slots.
            _ = try await t.api(.POST, "/api/v1/workspaces/\(other.slug)/events", token: otherToken, json: ["events": Array(events.prefix(2))])

            let start = ConversionSlots.slot(of: DashboardQueries.start(of: day, in: TimeZone(identifier: "UTC")!))
            let kept = try await Self.slots(t, ws.id!)
            #expect(
                kept == [
                    SlotRow(slot: start + 36, type: "purchase", events: 1, fen: 100),
                    SlotRow(slot: start + 37, type: "purchase", events: 2, fen: 300),
                    SlotRow(slot: start + 37, type: "sign_up", events: 1, fen: 0),
                    SlotRow(slot: start + 95, type: "refund", events: 1, fen: 70),
                ], "\(kept)")
            #expect(try await Self.slots(t, other.id!).map(\.events).reduce(0, +) == 2)
            // Counting the events again gives what was kept.
            try await ConversionSlots.rebuild(on: try #require(t.db as? any SQLDatabase))
            #expect(try await Self.slots(t, ws.id!) == kept)
        }
    }

    static func batch(_ ids: Range<Int>, now: Date) -> [[String: Any]] {
        let formatter = ISO8601DateFormatter()
        return ids.map { index in
            [
                "id": "e\(index)", "type": index % 3 == 0 ? "sign_up" : "purchase", "amount_fen": 100 + index,
                "at": formatter.string(from: now.addingTimeInterval(-Double(index) * 600)), "fan": ["external_id": "c\(index % 5)"],
            ]
        }
    }

    /// The goals' daily conversion counts come from the slots: in zones a
    /// quarter-hour off the hour (Kathmandu, +5:45) and half a day away,
    /// each day's count is that of the events whose own local day it is.
    @Test(arguments: TestDatabase.available)
    func dailyCountsFromTheSlotsAreTheEventsByTheirLocalDay(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let now = Date()
            let events = Self.batch(0..<400, now: now)
            let answer = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/events", token: token, json: ["events": events])
            #expect(answer.json["accepted"] as? Int == 400, "\(answer.body)")
            let formatter = ISO8601DateFormatter()
            for zone in ["Asia/Kathmandu", "America/Los_Angeles", "UTC"].compactMap(TimeZone.init(identifier:)) {
                let to = MetricDay.of(now, in: zone)
                let from = MetricDay.adding(-1, to: to)
                for type in [nil, "sign_up"] as [String?] {
                    var expected: [String: Double] = [:]
                    for event in events where type == nil || event["type"] as? String == type {
                        let day = MetricDay.of(formatter.date(from: event["at"] as! String)!, in: zone)
                        if day >= from && day <= to { expected[day, default: 0] += 1 }
                    }
                    let counted = try await ConversionCounts.daily(
                        workspaceID: ws.id!, type: type, from: from, to: to, timeZone: zone, on: t.db)
                    #expect(counted == expected && !expected.isEmpty, "\(zone.identifier) \(type ?? "all"): \(counted) vs \(expected)")
                }
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentBatchesSharingEventsCountEachOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let now = Date()
            let base = "/api/v1/workspaces/\(ws.slug)/events"
            async let one = t.api(.POST, base, token: token, json: ["events": Self.batch(0..<60, now: now)])
            async let two = t.api(.POST, base, token: token, json: ["events": Self.batch(30..<90, now: now)])
            let (a, b) = try await (one, two)
            #expect((a.json["accepted"] as? Int ?? 0) + (b.json["accepted"] as? Int ?? 0) == 90, "\(a.body) \(b.body)")
            let kept = try await Self.slots(t, ws.id!)
            #expect(kept.map(\.events).reduce(0, +) == 90)
            try await ConversionSlots.rebuild(on: try #require(t.db as? any SQLDatabase))
            #expect(try await Self.slots(t, ws.id!) == kept)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theOverviewCountsTheSameFromSlotsAsFromEvents(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, ws, _) = try await DashboardTests.seed(t)
            let sql = try #require(t.db as? any SQLDatabase)
            let period = DashboardPeriod(from: "2026-01-05", to: "2026-01-11")
            let comparison = DashboardPeriod(from: "2025-12-29", to: "2026-01-04")
            // Shanghai (the seed's), a zone a quarter off the hour, and UTC.
            for name in ["Asia/Shanghai", "Asia/Kathmandu", "UTC"] {
                let zone = TimeZone(identifier: name)!
                let kpis = try await AnalyticsOverview.conversions(sql, workspaceID: ws.id!, period: period, comparison: comparison, zone: zone)
                var fromEvents: [String: [Int: (Double, Double)]] = [:]
                for row in try await AnalyticsOverview.conversionsFromEvents(
                    sql, workspaceID: ws.id!, period: period, comparison: comparison, zone: zone)
                {
                    fromEvents[try row.decode(column: "type", as: String.self), default: [:]][try row.decode(column: "k", as: Int.self)] = (
                        DashboardQueries.number(row, "n") ?? 0, DashboardQueries.number(row, "fen") ?? 0
                    )
                }
                let days = period.days
                for (key, type, amount) in [("sign_ups", "sign_up", false), ("purchases", "purchase", false), ("purchase_amount", "purchase", true)] {
                    let kpi = try #require(kpis.first { $0.key == key })
                    func expected(_ bucket: Int) -> Double {
                        let pair = fromEvents[type]?[bucket] ?? (0, 0)
                        return amount ? pair.1 : pair.0
                    }
                    #expect(kpi.value == expected(days) && kpi.previous == expected(days + 1), "\(name) \(key)")
                    #expect(kpi.daily == (0..<days).map { expected($0) }, "\(name) \(key)")
                }
                if name == "Asia/Shanghai" {
                    #expect(kpis.first { $0.key == "sign_ups" }?.value == 3 && kpis.first { $0.key == "purchase_amount" }?.value == 12_345)
                }
            }
            // A day that does not start on a quarter-hour is counted from the events.
            #expect(ConversionSlots.starting(at: Date(timeIntervalSince1970: 900 * 10)) == 10)
            #expect(ConversionSlots.starting(at: Date(timeIntervalSince1970: 900 * 10 + 60)) == nil)
        }
    }
}
