import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Conversion events: a batch checked event by event, each stored once per
/// workspace (the sender's id is the key: a repeat is counted as a
/// duplicate, never an error), and the new purchases, refunds and
/// referrals fed into the fans' value through the Fans feature's Surface,
/// all in one transaction.
struct EventService {
    let db: any Database

    /// The most events one batch may carry (FANFARE_EVENT_BATCH_MAX, default 1,000).
    static let maxEvents: Int =
        Environment.get("FANFARE_EVENT_BATCH_MAX").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        ?? EventBatchReader.defaultMaxEvents

    struct Outcome: Content, Equatable {
        var accepted: Int
        var duplicates: Int
        var rejected: Int
        var errors: [EventIssue]
    }

    /// Reads `body` (`{"events": [...]}`) and records what is good in it.
    func record(json body: Data, workspaceID: UUID, now: Date = Date()) async throws -> Outcome {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ValidationErrors("events", .jsonObject)
        }
        guard let items = object["events"] as? [Any] else { throw ValidationErrors("events", .typeList) }
        guard items.count <= Self.maxEvents else {
            throw Problem(
                .payloadTooLarge, "A batch carries at most \(Self.maxEvents) events; this one has \(items.count). Send it in smaller batches.",
                errors: [FieldIssue(field: "events", .itemsAtMost(max: Self.maxEvents, count: items.count))])
        }
        guard !items.isEmpty else { throw ValidationErrors("events", .valuesRequired) }
        let (events, issues) = EventBatchReader.read(items, now: now)
        return try await record(events, issues: issues, workspaceID: workspaceID, now: now)
    }

    /// Records checked events (the demo sends its stream here too).
    func record(
        _ events: [(index: Int, event: ConversionEvent)], issues: [EventIssue] = [], workspaceID: UUID, now: Date = Date()
    ) async throws -> Outcome {
        var issues = issues
        var accepted = 0
        var duplicates = 0
        if !events.isEmpty {
            let result = try await db.writeTransaction { tx -> (accepted: Int, duplicates: Int, issues: [EventIssue]) in
                guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Events need an SQL database.") }
                return try await Self.store(events, workspaceID: workspaceID, now: now, tx: tx, sql: sql)
            }
            accepted = result.accepted
            duplicates = result.duplicates
            issues += result.issues
        }
        issues.sort { ($0.index, $0.field) < ($1.index, $1.field) }
        return Outcome(accepted: accepted, duplicates: duplicates, rejected: Set(issues.map(\.index)).count, errors: issues)
    }

    private static func store(
        _ events: [(index: Int, event: ConversionEvent)], workspaceID: UUID, now: Date, tx: any Database, sql: any SQLDatabase
    ) async throws -> (accepted: Int, duplicates: Int, issues: [EventIssue]) {
        var issues: [EventIssue] = []
        // Fans named by platform and handle, or by the sender's own id
        // (platform "external"), are found or made as the inbox makes them.
        var byPlatform: [String: Set<String>] = [:]
        var fanIDs = Set<UUID>()
        var clickIDs = Set<UUID>()
        for (_, event) in events {
            for fan in [event.fan, event.referred].compactMap({ $0 }) {
                switch fan {
                case .platform(let platform, let handle): byPlatform[platform, default: []].insert(handle)
                case .external(let id): byPlatform["external", default: []].insert(id)
                case .fanID(let id): fanIDs.insert(id)
                }
            }
            if let click = event.clickID { clickIDs.insert(click) }
        }
        var identities: [String: [String: UUID]] = [:]
        for (platform, handles) in byPlatform.sorted(by: { $0.key < $1.key }) {
            identities[platform] = try await FanService.fansOfIdentities(
                Array(handles), platform: platform, workspaceID: workspaceID, now: now, in: sql)
        }
        let known = try await FanService.existingFans(Array(fanIDs), workspaceID: workspaceID, in: sql)
        var clicks: [UUID: UUID] = [:]
        let clickList = Array(clickIDs)
        for start in stride(from: 0, to: clickList.count, by: 500) {
            let chunk = clickList[start..<min(clickList.count, start + 500)]
            for row in try await sql.raw(
                "SELECT id, link_id FROM link_clicks WHERE workspace_id = \(bind: workspaceID) AND id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))"
            ).all() {
                clicks[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "link_id", as: UUID.self)
            }
        }
        func resolve(_ fan: EventFan?) -> UUID?? {
            guard let fan else { return .some(nil) }
            switch fan {
            case .platform(let platform, let handle): return identities[platform]?[handle].map { .some($0) } ?? nil
            case .external(let id): return identities["external"]?[id].map { .some($0) } ?? nil
            case .fanID(let id): return known[id].map { .some($0) } ?? nil
            }
        }

        struct Row {
            var id: UUID
            var event: ConversionEvent
            var fan: UUID?
            var referred: UUID?
            var linkID: UUID?
        }
        var rows: [Row] = []
        var seenInBatch = Set<String>()
        var duplicates = 0
        for (index, event) in events {
            guard let fan = resolve(event.fan) else {
                issues.append(EventIssue(index: index, field: "fan.fan_id", .fanId))
                continue
            }
            guard let referred = resolve(event.referred) else {
                issues.append(EventIssue(index: index, field: "referred.fan_id", .fanId))
                continue
            }
            var linkID: UUID?
            if let click = event.clickID {
                guard let link = clicks[click] else {
                    issues.append(EventIssue(index: index, field: "click_id", .clickId))
                    continue
                }
                linkID = link
            }
            // The same id twice in one batch: the first counts.
            guard seenInBatch.insert(event.eventID).inserted else {
                duplicates += 1
                continue
            }
            rows.append(Row(id: TimeOrderedID.make(at: now), event: event, fan: fan, referred: referred, linkID: linkID))
        }

        // Insert-or-ignore on (workspace, event id): the rows that come back are
        // the new ones. In id order, so two batches sharing ids on PostgreSQL
        // wait for each other in one order instead of deadlocking.
        rows.sort { $0.event.eventID < $1.event.eventID }
        var inserted = Set<String>()
        for start in stride(from: 0, to: rows.count, by: 200) {
            let chunk = rows[start..<min(rows.count, start + 200)]
            let values: [any SQLExpression] = chunk.map { row in
                let columns: [any Encodable & Sendable] = [
                    row.id, workspaceID, row.event.eventID, row.event.type.rawValue, row.event.at, row.event.amountFen, row.event.currency,
                    row.fan, row.referred, row.event.clickID, row.linkID, row.event.properties, now,
                ]
                return SQLGroupExpression(columns.map { SQLBind($0) })
            }
            for returned in try await sql.raw(
                """
                INSERT INTO conversion_events (id, workspace_id, event_id, type, at, amount_fen, currency, fan_id, referred_fan_id, click_id,
                link_id, properties, received_at) VALUES \(SQLList(values))
                ON CONFLICT (workspace_id, event_id) DO NOTHING RETURNING event_id
                """
            ).all() {
                inserted.insert(try returned.decode(column: "event_id", as: String.self))
            }
        }
        duplicates += rows.count - inserted.count

        // The quarter-hour counts the overview reads, in the same transaction.
        var slots: [ConversionSlots.Key: ConversionSlots.Count] = [:]
        for row in rows where inserted.contains(row.event.eventID) {
            let key = ConversionSlots.Key(slot: ConversionSlots.slot(of: row.event.at), type: row.event.type.rawValue)
            slots[key, default: .init()].events += 1
            slots[key, default: .init()].amountFen += row.event.amountFen ?? 0
        }
        if !slots.isEmpty { try await ConversionSlots.add(slots, workspaceID: workspaceID, on: sql) }

        // Only what was stored just now feeds the fans: a duplicate never counts twice.
        var value: [UUID: FanService.ValueChange] = [:]
        for row in rows where inserted.contains(row.event.eventID) {
            guard let fan = row.fan else { continue }
            switch row.event.type {
            case .purchase: value[fan, default: .init()].spendFen += row.event.amountFen ?? 0
            case .refund: value[fan, default: .init()].spendFen -= row.event.amountFen ?? 0
            case .referral: value[fan, default: .init()].referrals += 1
            case .follow, .joinCommunity, .signUp: continue
            }
        }
        if !value.isEmpty { try await FanService.addValue(value, workspaceID: workspaceID, now: now, on: tx) }
        return (inserted.count, duplicates, issues)
    }

    /// Counts of the workspace's events by type, for pages.
    func counts(workspaceID: UUID) async throws -> [String: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var counts: [String: Int] = [:]
        for row in try await sql.raw(
            "SELECT type, COUNT(*) AS n FROM conversion_events WHERE workspace_id = \(bind: workspaceID) GROUP BY type"
        ).all() {
            counts[try row.decode(column: "type", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }
}
