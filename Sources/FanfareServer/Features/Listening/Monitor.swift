import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Where a mention came from.
enum ListeningSource: String, Sendable, Codable, CaseIterable {
    /// A message the inbox stored (comment, mention, direct message).
    case inbox
    /// A platform's public search.
    case search
    /// An RSS or Atom feed.
    case feeds
    /// A 舆情 service's export, imported as CSV.
    case `import`
}

/// A standing query over everything the workspace hears.
final class ListeningMonitor: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "listening_monitors"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "query") var query: String
    @Field(key: "exclusions") var exclusionsJSON: String
    @Field(key: "platforms") var platformsJSON: String
    @Field(key: "account_ids") var accountIDsJSON: String
    @Field(key: "source_kinds") var sourceKindsJSON: String
    @Field(key: "enabled") var enabled: Bool
    @OptionalField(key: "snoozed_until") var snoozedUntil: Date?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<ListeningMonitor, ParentProperty<ListeningMonitor, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $name, $query, $exclusionsJSON, $platformsJSON, $accountIDsJSON, $sourceKindsJSON, $enabled, $snoozedUntil,
            $createdBy, $createdAt, $updatedAt,
        ]
    }

    var exclusions: [String] { Self.strings(exclusionsJSON) }
    var platforms: [String] { Self.strings(platformsJSON) }
    var accountIDs: [UUID] { Self.strings(accountIDsJSON).compactMap(UUID.init(uuidString:)) }
    var sourceKinds: [ListeningSource] { Self.strings(sourceKindsJSON).compactMap(ListeningSource.init(rawValue:)) }

    static func strings(_ json: String) -> [String] { (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? [] }
    static func json(_ values: [String]) -> String { String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self) }

    /// The monitor as the matcher needs it (its stored query was checked
    /// when saved; one that no longer parses hears nothing).
    var definition: MonitorDefinition? {
        guard let parsed = try? MonitorQuery(query) else { return nil }
        return MonitorDefinition(
            id: id!, query: parsed, exclusions: exclusions, platforms: platforms.isEmpty ? nil : Set(platforms),
            sources: accountIDs.isEmpty ? nil : Set(accountIDs))
    }

    var auditFields: [String: String] {
        [
            "name": name, "query": query, "enabled": enabled ? "true" : "false", "exclusions": exclusions.joined(separator: " | "),
            "platforms": platforms.joined(separator: ","), "sources": sourceKinds.map(\.rawValue).joined(separator: ","),
        ]
    }
}

struct MonitorDTO: Content, Equatable {
    var id: UUID
    var name: String
    var query: String
    var exclusions: [String]
    var platforms: [String]
    /// `account_ids` on the wire (the encoder's snake case would write
    /// `account_i_ds` for `accountIDs`).
    var accountIds: [UUID]
    var sources: [String]
    var enabled: Bool
    var snoozedUntil: Date?
    var createdAt: Date
    var updatedAt: Date

    init(_ monitor: ListeningMonitor) {
        id = monitor.id!
        name = monitor.name
        query = monitor.query
        exclusions = monitor.exclusions
        platforms = monitor.platforms
        accountIds = monitor.accountIDs
        sources = monitor.sourceKinds.map(\.rawValue)
        enabled = monitor.enabled
        snoozedUntil = monitor.snoozedUntil
        createdAt = monitor.createdAt
        updatedAt = monitor.updatedAt
    }
}

/// Monitors: created, changed and removed per workspace; each change
/// bumps the workspace's monitors version so every node's matcher cache
/// rebuilds.
struct MonitorService {
    let db: any Database

    struct Input: Content {
        var name: String?
        var query: String?
        var exclusions: [String]?
        var platforms: [String]?
        var accountIds: [String]?
        var sources: [String]?
        var enabled: Bool?
        var snoozedUntil: Date?
    }

    static var platforms: [String] { MetricTaxonomy.platforms.keys.sorted() }
    static let maxMonitors = 1_000

    struct Checked {
        var name: String
        var query: MonitorQuery
        var exclusions: [String]
        var platforms: [String]
        var accountIDs: [UUID]
        var sources: [ListeningSource]
    }

    /// Every wrong field at once, each named (`query`, `exclusions[2]`,
    /// `account_ids`).
    func validate(_ input: Input, in access: WorkspaceAccess) async throws -> Checked {
        var errors = ValidationErrors()
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 80 { errors.add("name", .lengthBetween(min: 1, max: 80)) }
        let query = errors.collect { () throws(ValidationErrors) in try MonitorQuery(input.query ?? "", field: "query") }
        let exclusions = errors.collect { () throws(ValidationErrors) in try MonitorDefinition.exclusions(input.exclusions ?? []) } ?? []
        let platforms = Array(Set((input.platforms ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() })).sorted()
        if platforms.contains(where: { !Self.platforms.contains($0) }) { errors.add("platforms", .oneOf(choices: Self.platforms)) }
        var accountIDs: [UUID] = []
        for raw in input.accountIds ?? [] {
            guard let id = UUID(uuidString: raw), try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first() != nil else {
                errors.add("account_ids", .notAWorkspaceAccount(id: raw))
                continue
            }
            if !accountIDs.contains(id) { accountIDs.append(id) }
        }
        var sources: [ListeningSource] = []
        for raw in input.sources ?? [] {
            guard let source = ListeningSource(rawValue: raw) else {
                errors.add("sources", .oneOf(choices: ListeningSource.allCases.map(\.rawValue)))
                break
            }
            if !sources.contains(source) { sources.append(source) }
        }
        try errors.throwIfAny()
        return Checked(name: name, query: query!, exclusions: exclusions, platforms: platforms, accountIDs: accountIDs, sources: sources)
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ListeningMonitor {
        try access.require(.inboxRulesManage)
        let checked = try await validate(input, in: access)
        if try await access.query(ListeningMonitor.self, on: db).count() >= Self.maxMonitors {
            throw ValidationErrors("name", .itemsAtMost(max: Self.maxMonitors, count: Self.maxMonitors + 1))
        }
        do {
            return try await db.writeTransaction { tx in
                let monitor = ListeningMonitor()
                monitor.id = TimeOrderedID.make(at: now)
                monitor.$workspace.id = access.workspaceID
                monitor.createdBy = actor.userID
                monitor.createdAt = now
                Self.apply(checked, input, to: monitor, now: now)
                try await monitor.create(on: tx)
                try await ListeningSettings.bumpMonitors(access.workspaceID, now: now, in: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_monitor.created", targetType: "listening_monitor",
                    targetID: monitor.id, after: monitor.auditFields, now: now)
                return monitor
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Self.duplicate(checked.name)
        }
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ListeningMonitor {
        try access.require(.inboxRulesManage)
        // Another workspace's monitor is not found, whatever the input.
        _ = try await access.find(ListeningMonitor.self, rawID, on: db, what: "Monitor")
        let checked = try await validate(input, in: access)
        do {
            return try await db.writeTransaction { tx in
                let monitor = try await access.find(ListeningMonitor.self, rawID, on: tx, what: "Monitor")
                let before = monitor.auditFields
                Self.apply(checked, input, to: monitor, now: now)
                try await monitor.update(on: tx)
                try await ListeningSettings.bumpMonitors(access.workspaceID, now: now, in: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_monitor.updated", targetType: "listening_monitor",
                    targetID: monitor.id, before: before, after: monitor.auditFields, now: now)
                return monitor
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Self.duplicate(checked.name)
        }
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.inboxRulesManage)
        try await db.writeTransaction { tx in
            let monitor = try await access.find(ListeningMonitor.self, rawID, on: tx, what: "Monitor")
            try await monitor.delete(on: tx)
            try await ListeningSettings.bumpMonitors(access.workspaceID, now: now, in: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_monitor.deleted", targetType: "listening_monitor",
                targetID: monitor.id, before: monitor.auditFields, now: now)
        }
    }

    static func apply(_ checked: Checked, _ input: Input, to monitor: ListeningMonitor, now: Date) {
        monitor.name = checked.name
        monitor.query = checked.query.text
        monitor.exclusionsJSON = ListeningMonitor.json(checked.exclusions)
        monitor.platformsJSON = ListeningMonitor.json(checked.platforms)
        monitor.accountIDsJSON = ListeningMonitor.json(checked.accountIDs.map(\.uuidString))
        monitor.sourceKindsJSON = ListeningMonitor.json(checked.sources.map(\.rawValue))
        monitor.enabled = input.enabled ?? true
        monitor.snoozedUntil = input.snoozedUntil
        monitor.updatedAt = now
    }

    static func duplicate(_ name: String) -> Problem {
        Problem(.conflict, "A monitor named \(name) already exists in this workspace.", type: "conflict")
    }

    func list(in access: WorkspaceAccess) async throws -> [ListeningMonitor] {
        try await access.query(ListeningMonitor.self, on: db).sort(\.$name).all()
    }

    /// Which of the workspace's enabled monitors would hear `text` (the
    /// form's live check), with the query being edited in place of its
    /// saved one.
    static func wouldMatch(_ text: String, query: MonitorQuery, exclusions: [String]) -> Bool {
        let probe = UUID()
        return MonitorMatcher([MonitorDefinition(id: probe, query: query, exclusions: exclusions)]).match(text, platform: "", source: nil) == [
            probe
        ]
    }
}
