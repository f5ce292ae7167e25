import FanfareCore
import Fluent
import SQLKit
import Vapor

struct InboxSettingsDTO: Content {
    var firstResponseMinutes: Int
    var resolutionMinutes: Int
    var warningPercent: Int
    var businessHours: BusinessHoursDTO?
    var autoReplyCap: Int
    var publicFeedback: Bool
    var publicFeedbackForm: Bool

    struct BusinessHoursDTO: Content {
        /// "09:00".
        var start: String
        var end: String
        /// 1 (Sunday) … 7 (Saturday).
        var weekdays: [Int]
    }

    init(_ settings: InboxSettings) {
        firstResponseMinutes = settings.firstResponseMinutes
        resolutionMinutes = settings.resolutionMinutes
        warningPercent = settings.warningPercent
        businessHours = settings.businessHours.map {
            BusinessHoursDTO(start: Self.clock($0.start), end: Self.clock($0.end), weekdays: $0.weekdays)
        }
        autoReplyCap = settings.autoReplyCap
        publicFeedback = settings.publicFeedback
        publicFeedbackForm = settings.publicFeedbackForm
    }

    static func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }

    static func minutes(_ clock: String) -> Int? {
        let parts = clock.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1_440
        else { return nil }
        return h * 60 + m
    }
}

/// The workspace's service levels: the policy, the watch that warns at
/// 80 % and records breaches, and the report of response times.
struct ServiceLevelService {
    let db: any Database

    struct Input: Content {
        var firstResponseMinutes: Int?
        var resolutionMinutes: Int?
        var warningPercent: Int?
        var businessHours: InboxSettingsDTO.BusinessHoursDTO?
        /// Set to true to count wall time again.
        var clearBusinessHours: Bool?
        var autoReplyCap: Int?
        var publicFeedback: Bool?
        var publicFeedbackForm: Bool?
    }

    func update(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> InboxSettings {
        try access.require(.inboxRulesManage)
        return try await db.writeTransaction { tx in
            let existing = try await InboxSettings.find(access.workspaceID, on: tx)
            let settings = existing ?? .standard(for: access.workspaceID)
            let before = InboxSettingsDTO(settings)
            var errors = ValidationErrors()
            if let value = input.firstResponseMinutes { settings.firstResponseMinutes = value }
            if let value = input.resolutionMinutes { settings.resolutionMinutes = value }
            if let value = input.warningPercent { settings.warningPercent = value }
            if input.clearBusinessHours == true { settings.businessHoursJSON = nil }
            if let hours = input.businessHours {
                let start = InboxSettingsDTO.minutes(hours.start)
                let end = InboxSettingsDTO.minutes(hours.end)
                if start == nil { errors.add("business_hours.start", .clockTime(example: "09:00")) }
                if end == nil { errors.add("business_hours.end", .clockTime(example: "18:00")) }
                if let start, let end {
                    let value = BusinessHours(start: start, end: end, weekdays: hours.weekdays.sorted())
                    settings.businessHoursJSON = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
                }
            }
            if let value = input.autoReplyCap { settings.autoReplyCap = value }
            if !(0...100).contains(settings.autoReplyCap) { errors.add("auto_reply_cap", .repliesPerFanHour(min: 0, max: 100)) }
            if let value = input.publicFeedback { settings.publicFeedback = value }
            if let value = input.publicFeedbackForm { settings.publicFeedbackForm = value }
            // The API speaks whole percent where the policy speaks a fraction, so the percent is checked here in its own unit.
            if !(50...99).contains(settings.warningPercent) { errors.add("warning_percent", .percentBetween(min: 50, max: 99)) }
            for problem in settings.policy.problems where problem.field != "warning_fraction" {
                errors.add(Self.apiField[problem.field] ?? problem.field, problem.coded)
            }
            try errors.throwIfAny()
            settings.updatedAt = now
            if existing == nil { try await settings.create(on: tx) } else { try await settings.update(on: tx) }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "inbox.settings_changed", targetType: "workspace",
                targetID: access.workspaceID, before: Self.fields(before), after: Self.fields(InboxSettingsDTO(settings)), now: now)
            return settings
        }
    }

    /// The policy counts intervals; the API names its fields by their unit.
    static let apiField = ["first_response": "first_response_minutes", "resolution": "resolution_minutes"]

    static func fields(_ dto: InboxSettingsDTO) -> [String: String] {
        [
            "first_response_minutes": String(dto.firstResponseMinutes), "resolution_minutes": String(dto.resolutionMinutes),
            "warning_percent": String(dto.warningPercent),
            "business_hours": dto.businessHours.map { "\($0.start)-\($0.end) \($0.weekdays.map(String.init).joined(separator: ","))" } ?? "none",
            "auto_reply_cap": String(dto.autoReplyCap), "public_feedback": String(dto.publicFeedback),
            "public_feedback_form": String(dto.publicFeedbackForm),
        ]
    }

    // MARK: Report

    struct Report: Content {
        struct Row: Content {
            /// agent, account or tier.
            var group: String
            var key: String
            var label: String
            var conversations: Int
            var answered: Int
            var resolved: Int
            /// Service time in minutes (business time when business hours are set).
            var firstResponseP50: Double?
            var firstResponseP90: Double?
            var resolutionP50: Double?
            var resolutionP90: Double?
            var breaches: Int
        }

        var from: Date
        var to: Date
        var overall: Row
        var rows: [Row]
    }

    func report(days: Int, in access: WorkspaceAccess, now: Date = Date()) async throws -> Report {
        try access.require(.inboxView)
        let from = now.addingTimeInterval(-Double(days) * 86_400)
        let settings = try await InboxSettings.of(access.workspaceID, on: db)
        let policy = settings.policy
        let zone = access.workspace.zone
        let conversations = try await Timing.read(access.workspaceID, openedSince: from, on: db)
        let breachesBy = try await Timing.breaches(access.workspaceID, recordedSince: from, on: db)
        let accounts = Dictionary(uniqueKeysWithValues: try await access.query(SocialAccount.self, on: db).all().map { ($0.id!, $0) })
        let members = Dictionary(
            uniqueKeysWithValues: try await access.members(on: db).map { ($0.userID, $0.displayName) })
        func row(_ group: String, _ key: String, _ label: String, _ items: [Timing]) -> Report.Row {
            let first = items.compactMap { c in c.firstResponseAt.map { policy.serviceTime(from: c.openedAt, to: $0, zone: zone) / 60 } }
            let resolved = items.compactMap { c in c.resolvedAt.map { policy.serviceTime(from: c.openedAt, to: $0, zone: zone) / 60 } }
            func rounded(_ value: Double?) -> Double? { value.map { ($0 * 10).rounded() / 10 } }
            return Report.Row(
                group: group, key: key, label: label, conversations: items.count, answered: first.count, resolved: resolved.count,
                firstResponseP50: rounded(Percentile.of(first, 50)), firstResponseP90: rounded(Percentile.of(first, 90)),
                resolutionP50: rounded(Percentile.of(resolved, 50)), resolutionP90: rounded(Percentile.of(resolved, 90)),
                breaches: items.reduce(0) { $0 + (breachesBy[$1.id] ?? 0) })
        }
        var rows: [Report.Row] = []
        for (assignee, items) in Dictionary(grouping: conversations, by: \.assignee).sorted(by: {
            ($0.key?.uuidString ?? "") < ($1.key?.uuidString ?? "")
        }) {
            rows.append(row("agent", assignee?.uuidString.lowercased() ?? "none", assignee.flatMap { members[$0] } ?? "—", items))
        }
        for (accountID, items) in Dictionary(grouping: conversations, by: \.account).sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            let account = accounts[accountID]
            rows.append(row("account", accountID.uuidString.lowercased(), account.map { "\($0.platform) @\($0.handle)" } ?? "—", items))
        }
        let byTier = Dictionary(grouping: conversations, by: \.tier)
        for tier in ActivityTier.allCases.reversed() where byTier[tier.rawValue] != nil {
            rows.append(row("tier", tier.rawValue, tier.rawValue, byTier[tier.rawValue]!))
        }
        return Report(from: from, to: now, overall: row("all", "all", "all", conversations), rows: rows)
    }
}

extension ServiceLevelService {
    /// The clock times of one conversation, read as plain values: the
    /// report reads up to 50,000 of them, and filling that many Fluent
    /// models (reflection per field) was most of the service-level page's
    /// time.
    struct Timing: Sendable {
        var id: UUID
        var account: UUID
        var assignee: UUID?
        var tier: String
        var openedAt: Date
        var firstResponseAt: Date?
        var resolvedAt: Date?

        static func read(_ workspaceID: UUID, openedSince from: Date, on db: any Database) async throws -> [Timing] {
            guard let sql = db as? any SQLDatabase else { return [] }
            let text = SQLRows.uuidsAsText(sql)
            return try await sql.raw(
                """
                SELECT id, account_id, assignee_id, tier, opened_at, first_response_at, resolved_at FROM conversations \
                WHERE workspace_id = \(bind: workspaceID) AND opened_at >= \(bind: from) LIMIT 50000
                """
            ).all().map { row in
                Timing(
                    id: try SQLRows.uuid(row, "id", asText: text), account: try SQLRows.uuid(row, "account_id", asText: text),
                    assignee: try SQLRows.optionalUUID(row, "assignee_id", asText: text), tier: try row.decode(column: "tier", as: String.self),
                    openedAt: try row.decode(column: "opened_at", as: Date.self),
                    firstResponseAt: try row.decode(column: "first_response_at", as: Date?.self),
                    resolvedAt: try row.decode(column: "resolved_at", as: Date?.self))
            }
        }

        /// Breaches recorded since `from`, counted per conversation.
        static func breaches(_ workspaceID: UUID, recordedSince from: Date, on db: any Database) async throws -> [UUID: Int] {
            guard let sql = db as? any SQLDatabase else { return [:] }
            let text = SQLRows.uuidsAsText(sql)
            var counts: [UUID: Int] = [:]
            for row in try await sql.raw(
                """
                SELECT conversation_id, COUNT(*) AS n FROM service_level_breaches \
                WHERE workspace_id = \(bind: workspaceID) AND recorded_at >= \(bind: from) GROUP BY conversation_id
                """
            ).all() {
                counts[try SQLRows.uuid(row, "conversation_id", asText: text)] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }
}

/// Every minute: warns once when a clock passes 80 % and records a breach
/// once when it runs out, each with a notification to the assignee (or,
/// for an unassigned conversation, to everyone who answers the inbox).
enum ServiceLevelWatch {
    static let kind = JobKind<NoPayload>("inbox.service_levels")
    static let period: TimeInterval = 60

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await check(app.db, now: Date())
    }

    static func check(_ db: any Database, now: Date) async throws {
        // No clock can warn before the earliest warning any workspace's
        // policy allows (business hours only slow a clock down), and a
        // conversation whose resolution has breached has said all it will:
        // neither needs reading, so the minute's scan stays small however
        // full the inbox is.
        let policies = try await InboxSettings.query(on: db).all().map(\.policy) + [ServiceLevelPolicy.standard]
        let earliest = policies.map { $0.warningFraction * min($0.firstResponse, $0.resolution) }.min() ?? 0
        let open = try await Conversation.query(on: db).filter(\.$status != Conversation.Status.resolved.rawValue)
            .filter(\.$openedAt <= now.addingTimeInterval(-earliest)).filter(\.$warnedJSON !~ "resolution.breached").all()
        guard !open.isEmpty else { return }
        var workspaces: [UUID: (Workspace, ServiceLevelPolicy)] = [:]
        for conversation in open {
            let workspaceID = conversation.$workspace.id
            if workspaces[workspaceID] == nil, let workspace = try await Workspace.find(workspaceID, on: db) {
                workspaces[workspaceID] = (workspace, try await InboxSettings.of(workspaceID, on: db).policy)
            }
            guard let (workspace, policy) = workspaces[workspaceID] else { continue }
            let clocks = conversation.clocks(policy: policy, zone: workspace.zone, now: now)
            var warned = conversation.warned
            var events: [(clock: String, state: ServiceClockState, due: Date)] = []
            for (name, clock) in [("first_response", clocks.firstResponse), ("resolution", clocks.resolution)] {
                if clock.state == .warning, !warned.contains("\(name).warning") { events.append((name, .warning, clock.due)) }
                if clock.state == .breached, !warned.contains("\(name).breached") { events.append((name, .breached, clock.due)) }
            }
            guard !events.isEmpty else { continue }
            for event in events { warned.insert("\(event.clock).\(event.state.rawValue)") }
            let (due, sent) = (events, warned)
            try await db.writeTransaction { tx in
                for event in due {
                    if event.state == .breached, let sql = tx as? any SQLDatabase {
                        try await sql.raw(
                            """
                            INSERT INTO service_level_breaches (id, workspace_id, conversation_id, clock, due_at, recorded_at)
                            VALUES (\(bind: TimeOrderedID.make(at: now)), \(bind: workspaceID), \(bind: conversation.id!), \(bind: event.clock), \(bind: event.due), \(bind: now))
                            ON CONFLICT (conversation_id, clock) DO NOTHING
                            """
                        ).run()
                    }
                }
                conversation.warned = sent
                conversation.updatedAt = now
                try await conversation.update(on: tx)
                let people: [UUID] =
                    if let assignee = conversation.$assignee.id { [assignee] } else {
                        try await Notifier.members(
                            with: Set(Role.allCases.filter { PermissionMatrix.standard.allows($0, .inboxReply) }), in: workspaceID, on: tx)
                    }
                for event in due {
                    try await Notifier.notify(
                        people, workspaceID: workspaceID, key: "inbox.note_\(event.clock)_\(event.state.rawValue)", args: [conversation.authorName],
                        link: "/inbox/\(conversation.id!.uuidString.lowercased())", on: tx, now: now)
                }
            }
        }
    }
}
