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

    static func clock(_ minutes: Int) -> String {
        func two(_ n: Int) -> String { n < 10 && n >= 0 ? "0\(n)" : String(n) }
        return two(minutes / 60) + ":" + two(minutes % 60)
    }

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

    /// `settings` and `accounts`: what the caller read already (the page
    /// reads each once); read here otherwise.
    func report(
        days: Int, in access: WorkspaceAccess, now: Date = Date(), settings: InboxSettings? = nil, accounts: [InboxListPage.Account]? = nil
    ) async throws -> Report {
        try access.require(.inboxView)
        let from = now.addingTimeInterval(-Double(days) * 86_400)
        let policy = if let settings { settings.policy } else { try await InboxSettings.of(access.workspaceID, on: db).policy }
        let zone = access.workspace.zone
        let timings = try await Timing.read(access.workspaceID, since: from, on: db)
        let listed = if let accounts { accounts } else { try await InboxListPage.accounts(access.workspaceID, on: db) }
        let accounts = Dictionary(listed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let members = Dictionary(
            uniqueKeysWithValues: try await access.members(on: db).map { ($0.userID, $0.displayName) })
        // Each conversation's service times are worked out once (business
        // hours make them costly), not once per table it counts in.
        let measured = timings.map { c in
            Measured(
                timing: c, first: c.firstResponseAt.map { policy.serviceTime(from: c.openedAt, to: $0, zone: zone) / 60 },
                resolution: c.resolvedAt.map { policy.serviceTime(from: c.openedAt, to: $0, zone: zone) / 60 })
        }
        func row(_ group: String, _ key: String, _ label: String, _ items: [Measured]) -> Report.Row {
            let first = items.compactMap(\.first)
            let resolved = items.compactMap(\.resolution)
            // Sorted once for both percentiles (`Percentile.of` sorts per call).
            let firstSorted = first.filter { !$0.isNaN }.sorted()
            let resolvedSorted = resolved.filter { !$0.isNaN }.sorted()
            func rounded(_ value: Double?) -> Double? { value.map { ($0 * 10).rounded() / 10 } }
            return Report.Row(
                group: group, key: key, label: label, conversations: items.count, answered: first.count, resolved: resolved.count,
                firstResponseP50: rounded(Percentile.ofSorted(firstSorted, 50)), firstResponseP90: rounded(Percentile.ofSorted(firstSorted, 90)),
                resolutionP50: rounded(Percentile.ofSorted(resolvedSorted, 50)),
                resolutionP90: rounded(Percentile.ofSorted(resolvedSorted, 90)),
                breaches: items.reduce(0) { $0 + $1.timing.breaches })
        }
        var rows: [Report.Row] = []
        for (assignee, items) in Dictionary(grouping: measured, by: \.timing.assignee).sorted(by: {
            ($0.key?.uuidString ?? "") < ($1.key?.uuidString ?? "")
        }) {
            rows.append(row("agent", assignee?.uuidString.lowercased() ?? "none", assignee.flatMap { members[$0] } ?? "—", items))
        }
        for (accountID, items) in Dictionary(grouping: measured, by: \.timing.account).sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            let account = accounts[accountID]
            rows.append(row("account", accountID.uuidString.lowercased(), account.map { "\($0.platform) @\($0.handle)" } ?? "—", items))
        }
        let byTier = Dictionary(grouping: measured, by: \.timing.tier)
        for tier in ActivityTier.allCases.reversed() where byTier[tier.rawValue] != nil {
            rows.append(row("tier", tier.rawValue, tier.rawValue, byTier[tier.rawValue]!))
        }
        return Report(from: from, to: now, overall: row("all", "all", "all", measured), rows: rows)
    }

    /// A conversation's timing with its service times in minutes.
    private struct Measured {
        var timing: Timing
        var first: Double?
        var resolution: Double?
    }
}

extension ServiceLevelService {
    /// The clock times of one conversation, read as plain values: the
    /// report reads up to 50,000 of them, and filling that many Fluent
    /// models (reflection per field) was most of the service-level page's
    /// time.
    struct Timing: Sendable {
        var account: UUID
        var assignee: UUID?
        var tier: String
        var openedAt: Date
        var firstResponseAt: Date?
        var resolvedAt: Date?
        /// Breaches recorded for it since the period began.
        var breaches: Int

        /// The conversations opened since `from`, each with the breaches
        /// recorded since `from` counted in the same statement.
        static func read(_ workspaceID: UUID, since from: Date, on db: any Database) async throws -> [Timing] {
            guard let sql = db as? any SQLDatabase else { return [] }
            let text = SQLRows.uuidsAsText(sql)
            return try await sql.raw(
                """
                SELECT c.account_id, c.assignee_id, c.tier, c.opened_at, c.first_response_at, c.resolved_at, COALESCE(b.n, 0) AS breaches \
                FROM conversations c LEFT JOIN (SELECT conversation_id, COUNT(*) AS n FROM service_level_breaches \
                WHERE workspace_id = \(bind: workspaceID) AND recorded_at >= \(bind: from) GROUP BY conversation_id) b ON b.conversation_id = c.id \
                WHERE c.workspace_id = \(bind: workspaceID) AND c.opened_at >= \(bind: from) LIMIT 50000
                """
            ).all().map { row in
                Timing(
                    account: try SQLRows.uuid(row, "account_id", asText: text),
                    assignee: try SQLRows.optionalUUID(row, "assignee_id", asText: text), tier: try row.decode(column: "tier", as: String.self),
                    openedAt: try row.decode(column: "opened_at", as: Date.self),
                    firstResponseAt: try row.decode(column: "first_response_at", as: Date?.self),
                    resolvedAt: try row.decode(column: "resolved_at", as: Date?.self), breaches: try row.decode(column: "breaches", as: Int.self))
            }
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
                    let key = "inbox.note_\(event.clock)_\(event.state.rawValue)"
                    let link = "/inbox/\(conversation.id!.uuidString.lowercased())"
                    if event.state == .breached {
                        // A breach also goes to the outbound channels that
                        // take service-level breaches: once per conversation and clock.
                        let notice = OutboundEvent(
                            kind: .serviceLevelBreach, workspaceID: workspaceID, key: key, args: [conversation.authorName], link: link,
                            dedupeKey: "service_level_breach:\(conversation.id!.uuidString):\(event.clock)")
                        try await Notifier.announce(notice, to: people, on: tx, now: now)
                    } else {
                        try await Notifier.notify(
                            people, workspaceID: workspaceID, key: key, args: [conversation.authorName], link: link, on: tx, now: now)
                    }
                }
            }
        }
    }
}
