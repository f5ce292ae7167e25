import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What opening an incident needs: by hand (title and severity), or from
/// Listening's alert page (`alert` filled: its grade is the severity unless
/// one is given, its first mention starts the detection clock).
struct IncidentOpening: Sendable {
    struct AlertReference: Sendable {
        var id: UUID
        var grade: AlertGrade
        var monitorName: String
        /// The story's first mention: the detection clock's start.
        var firstMentionAt: Date
        var mentionCount: Int
        /// When the alert was raised (the team knew); now when nil.
        var raisedAt: Date?
    }

    var title: String?
    var severity: String?
    var alert: AlertReference?
}

/// Incidents: opening, people, state, severity, notes, the playbook, and
/// the timeline entries each of these writes. Everything here is scoped
/// through `WorkspaceAccess`; another workspace's incident is 404.
struct IncidentService {
    let db: any Database

    static let titleRange = 1...200
    static let noteMax = 4000

    // MARK: Opening

    func open(_ opening: IncidentOpening, by actor: Actor, in access: WorkspaceAccess, now: Date = Date()) async throws -> Incident {
        var errors = ValidationErrors()
        let title = (opening.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let grades = AlertGrade.allCases.map(\.rawValue)
        if title.isEmpty {
            errors.add("title", opening.title == nil ? .required : .notEmpty)
        } else if !Self.titleRange.contains(title.count) || title.contains(where: \.isNewline) {
            errors.add("title", .lengthBetween(min: Self.titleRange.lowerBound, max: Self.titleRange.upperBound))
        }
        var grade = opening.alert?.grade
        if let raw = opening.severity?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let given = AlertGrade(rawValue: raw.lowercased()) {
                grade = given
            } else {
                errors.add("severity", .isValueOneOf(value: raw, choices: grades))
            }
        } else if grade == nil {
            errors.add("severity", .isRequiredOneOf(choices: grades))
        }
        try errors.throwIfAny()
        let incident = Incident()
        incident.id = TimeOrderedID.make(at: now)
        incident.$workspace.id = access.workspaceID
        incident.title = title
        incident.severity = (grade ?? .blue).rawValue
        incident.state = IncidentState.open.rawValue
        incident.openedAt = now
        // Detection: the alert's time when opened from one, else now.
        incident.detectedAt = min(opening.alert?.raisedAt ?? now, now)
        incident.firstMentionAt = opening.alert?.firstMentionAt
        incident.alertID = opening.alert?.id
        incident.alertMonitor = opening.alert?.monitorName
        incident.alertMentions = opening.alert?.mentionCount
        incident.openedBy = actor.userID
        incident.updatedAt = now
        return try await db.writeTransaction { tx in
            try await incident.create(on: tx)
            var refs: [String] = []
            if let alert = opening.alert { refs = [alert.id.uuidString] }
            try await Self.record(
                incident, .opened, by: actor.userID, detail: opening.alert == nil ? "by_hand" : "from_alert",
                body: opening.alert.map { "\($0.monitorName) · \($0.mentionCount)" }, refs: refs, at: now, on: tx)
            if let userID = actor.userID {
                // The opener leads until someone else is named.
                try await Self.setRole(incident, userID: userID, role: .lead, by: userID, at: now, on: tx)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.opened", targetType: "incident", targetID: incident.id,
                after: ["title": title, "severity": incident.severity, "alert": opening.alert?.id.uuidString ?? ""], now: now)
            return incident
        }
    }

    /// The incident of Listening's alert `raw`: the one already opened
    /// from it, or a new one with the alert's grade, monitor and first
    /// mention (its clocks start there). `created` says which.
    func open(
        fromAlert raw: String?, title: String?, severity: String? = nil, by actor: Actor, in access: WorkspaceAccess, now: Date = Date()
    ) async throws -> (incident: Incident, created: Bool) {
        let alert = try await ListeningService.alert(raw, in: access, on: db)
        func existing() async throws -> Incident? {
            try await access.query(Incident.self, on: db).filter(\.$alertID == alert.id).first()
        }
        if let found = try await existing() { return (found, false) }
        let given = title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let opening = IncidentOpening(
            title: given.isEmpty ? String(alert.monitorName.prefix(Self.titleRange.upperBound)) : given, severity: severity,
            alert: .init(
                id: alert.id, grade: alert.grade, monitorName: alert.monitorName, firstMentionAt: alert.firstMentionAt, mentionCount: alert.mentions,
                raisedAt: alert.raisedAt))
        do {
            return (try await open(opening, by: actor, in: access, now: now), true)
        } catch {
            // Opened by someone else a moment ago: theirs is the one.
            guard (error as? any DatabaseError)?.isConstraintFailure == true, let found = try await existing() else { throw error }
            return (found, false)
        }
    }

    func find(_ raw: String?, in access: WorkspaceAccess) async throws -> Incident {
        try await access.find(Incident.self, raw, on: db, what: "Incident")
    }

    struct ListFilter: Sendable {
        var state: IncidentState?
        /// Only the active ones (open, acknowledged, responding).
        var active = false
        var severity: AlertGrade?
    }

    func list(_ filter: ListFilter, page: PageQuery, in access: WorkspaceAccess) async throws -> (items: [Incident], next: String?) {
        var query = access.query(Incident.self, on: db).sort(\.$id, .descending).limit(page.limit + 1)
        if let state = filter.state { query = query.filter(\.$state == state.rawValue) }
        if filter.active { query = query.filter(\.$state ~~ IncidentState.allCases.filter(\.isActive).map(\.rawValue)) }
        if let severity = filter.severity { query = query.filter(\.$severity == severity.rawValue) }
        if let after = page.after { query = query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }

    // MARK: People

    func members(of incident: Incident) async throws -> [IncidentMember] {
        try await IncidentMember.query(on: db).filter(\.$incident.$id == incident.id!).sort(\.$assignedAt).all()
    }

    /// Gives `userID` (a member of the workspace) `role`, replacing the role
    /// they held in this incident; `nil` role removes them.
    func assign(
        _ rawUser: String?, role rawRole: String?, in incident: Incident, access: WorkspaceAccess, by actor: Actor, now: Date = Date()
    )
        async throws
    {
        var errors = ValidationErrors()
        let userID = rawUser.flatMap { UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }
        if userID == nil { errors.add("user_id", rawUser == nil ? .required : .userId) }
        let roles = IncidentRole.allCases.map(\.rawValue) + ["none"]
        let role: IncidentRole?
        switch rawRole?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "": role = nil; errors.add("role", .isRequiredOneOf(choices: roles))
        case "none": role = nil
        case let raw?:
            role = IncidentRole(rawValue: raw)
            if role == nil { errors.add("role", .isValueOneOf(value: raw, choices: roles)) }
        }
        try errors.throwIfAny()
        guard let userID, try await access.members(on: db).contains(where: { $0.userID == userID }) else {
            throw ValidationErrors("user_id", .workspaceMember)
        }
        let removing = rawRole?.lowercased() == "none"
        try await db.writeTransaction { tx in
            if removing {
                let existing = try await IncidentMember.query(on: tx).filter(\.$incident.$id == incident.id!).filter(\.$userID == userID).first()
                guard let existing else { return }
                try await existing.delete(on: tx)
                try await Self.record(incident, .roleRemoved, by: actor.userID, detail: existing.role, refs: [userID.uuidString], at: now, on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.role_removed", targetType: "incident",
                    targetID: incident.id, before: ["user": userID.uuidString, "role": existing.role], now: now)
            } else if let role {
                try await Self.setRole(incident, userID: userID, role: role, by: actor.userID, at: now, on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.role_assigned", targetType: "incident",
                    targetID: incident.id, after: ["user": userID.uuidString, "role": role.rawValue], now: now)
            }
        }
    }

    private static func setRole(
        _ incident: Incident, userID: UUID, role: IncidentRole, by actorID: UUID?, at now: Date, on tx: any Database
    )
        async throws
    {
        let member = try await IncidentMember.query(on: tx).filter(\.$incident.$id == incident.id!).filter(\.$userID == userID).first()
        if let member, member.role == role.rawValue { return }
        let row = member ?? IncidentMember()
        if member == nil {
            row.id = TimeOrderedID.make(at: now)
            row.$workspace.id = incident.$workspace.id
            row.$incident.id = incident.id!
            row.userID = userID
        }
        row.role = role.rawValue
        row.assignedAt = now
        try await row.save(on: tx)
        try await record(incident, .roleAssigned, by: actorID, detail: role.rawValue, refs: [userID.uuidString], at: now, on: tx)
    }

    /// The role a user holds in the incident, if any.
    func role(of userID: UUID?, in incident: Incident) async throws -> IncidentRole? {
        guard let userID else { return nil }
        return try await IncidentMember.query(on: db).filter(\.$incident.$id == incident.id!).filter(\.$userID == userID).first()
            .flatMap { IncidentRole(rawValue: $0.role) }
    }

    // MARK: State and severity

    /// Moves the incident; `acknowledged` also notes who took it.
    func move(_ incident: Incident, to raw: String?, access: WorkspaceAccess, by actor: Actor, now: Date = Date()) async throws {
        let choices = IncidentState.allCases.map(\.rawValue)
        guard let raw = raw?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else {
            throw ValidationErrors("state", .isRequiredOneOf(choices: choices))
        }
        guard let target = IncidentState(rawValue: raw) else { throw ValidationErrors("state", .isValueOneOf(value: raw, choices: choices)) }
        try await db.writeTransaction { tx in
            // Read again inside the transaction: two people moving it at once
            // each see the state the other left.
            guard let fresh = try await Incident.find(incident.id, on: tx) else { throw Problem.notFound("Incident") }
            let from = fresh.incidentState
            guard from.canMove(to: target) else {
                throw Problem(
                    .conflict,
                    "An incident that is \(from.rawValue) cannot become \(target.rawValue); it can become: "
                        + (from.next.isEmpty ? "nothing (closed)" : from.next.map(\.rawValue).joined(separator: ", ")) + ".",
                    type: "incident-state")
            }
            fresh.state = target.rawValue
            switch target {
            case .acknowledged: fresh.acknowledgedAt = fresh.acknowledgedAt ?? now
            case .resolved: fresh.resolvedAt = now
            case .responding where from == .resolved: fresh.resolvedAt = nil
            case .closed: fresh.closedAt = now
            default: break
            }
            if target != .open, fresh.acknowledgedAt == nil { fresh.acknowledgedAt = now }
            fresh.updatedAt = now
            try await fresh.save(on: tx)
            try await Self.record(
                fresh, target == .acknowledged ? .acknowledged : .stateChanged, by: actor.userID, detail: "\(from.rawValue)>\(target.rawValue)",
                at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.state_changed", targetType: "incident",
                targetID: fresh.id, before: ["state": from.rawValue], after: ["state": target.rawValue], now: now)
            incident.state = fresh.state
            incident.acknowledgedAt = fresh.acknowledgedAt
            incident.resolvedAt = fresh.resolvedAt
            incident.closedAt = fresh.closedAt
        }
    }

    func changeSeverity(_ incident: Incident, to raw: String?, access: WorkspaceAccess, by actor: Actor, now: Date = Date()) async throws {
        let choices = AlertGrade.allCases.map(\.rawValue)
        guard let raw = raw?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else {
            throw ValidationErrors("severity", .isRequiredOneOf(choices: choices))
        }
        guard let grade = AlertGrade(rawValue: raw) else { throw ValidationErrors("severity", .isValueOneOf(value: raw, choices: choices)) }
        guard grade.rawValue != incident.severity else { return }
        try Self.requireActive(incident)
        let from = incident.severity
        incident.severity = grade.rawValue
        incident.updatedAt = now
        try await db.writeTransaction { tx in
            try await incident.save(on: tx)
            try await Self.record(incident, .severityChanged, by: actor.userID, detail: "\(from)>\(grade.rawValue)", at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.severity_changed", targetType: "incident",
                targetID: incident.id, before: ["severity": from], after: ["severity": grade.rawValue], now: now)
        }
    }

    static func requireActive(_ incident: Incident) throws {
        guard incident.incidentState != .closed else {
            throw Problem(.conflict, "The incident is closed; nothing more is recorded on it.", type: "incident-closed")
        }
    }

    // MARK: Notes, mentions, playbook, status updates

    static func text(_ raw: String?, field: String, max: Int) throws -> String {
        let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ValidationErrors(field, raw == nil ? .required : .notEmpty) }
        guard text.count <= max else { throw ValidationErrors(field, .lengthBetween(min: 1, max: max)) }
        return text
    }

    func note(_ incident: Incident, text raw: String?, by actor: Actor, now: Date = Date()) async throws -> IncidentEntry {
        let text = try Self.text(raw, field: "text", max: Self.noteMax)
        try Self.requireActive(incident)
        return try await Self.record(incident, .note, by: actor.userID, body: text, at: now, on: db)
    }

    /// Listening's mentions attached to the incident, with an excerpt:
    /// each must be a mention of the incident's workspace (one that is not
    /// is named); a mention already attached is attached once, so nil when
    /// every one of them already was.
    @discardableResult
    func attachMentions(
        _ incident: Incident, ids raw: [String]?, excerpt: String?, by actor: Actor, now: Date = Date()
    ) async throws
        -> IncidentEntry?
    {
        let given = (raw ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !given.isEmpty else { throw ValidationErrors("mention_ids", .valuesRequired) }
        guard given.count <= 100 else { throw ValidationErrors("mention_ids", .itemsAtMost(max: 100, count: given.count)) }
        var ids: [UUID] = []
        for text in given {
            guard let id = UUID(uuidString: text) else { throw ValidationErrors("mention_ids", .typeId) }
            if !ids.contains(id) { ids.append(id) }
        }
        let known = try await ListeningService.mentionIDs(ids, in: incident.$workspace.id, on: db)
        if let stranger = ids.first(where: { !known.contains($0) }) {
            throw ValidationErrors("mention_ids", .notAWorkspaceMention(id: stranger.uuidString.lowercased()))
        }
        let excerpt = excerpt.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500)) }.flatMap { $0.isEmpty ? nil : $0 }
        try Self.requireActive(incident)
        let chosen = ids
        return try await db.writeTransaction { tx in
            // The incident's row is written first: on PostgreSQL it stays
            // locked to the end, so two people attaching the same mention at
            // once take turns and the second sees what the first attached.
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await sql.raw("UPDATE incidents SET updated_at = \(bind: now) WHERE id = \(bind: incident.id!)").run()
            let attached = Set(
                try await IncidentEntry.query(on: tx).filter(\.$incident.$id == incident.id!)
                    .filter(\.$kind == IncidentEntry.Kind.mentionsAttached.rawValue).all().flatMap(\.refs).compactMap(UUID.init(uuidString:)))
            let new = chosen.filter { !attached.contains($0) }
            guard !new.isEmpty else { return nil }
            return try await Self.record(
                incident, .mentionsAttached, by: actor.userID, detail: String(new.count), body: excerpt, refs: new.map(\.uuidString),
                at: now, on: tx)
        }
    }

    /// Ticks a playbook step (once; a second tick changes nothing).
    func checkStep(_ incident: Incident, step raw: String?, by actor: Actor, now: Date = Date()) async throws {
        let steps = IncidentPlaybook.checklist(for: incident.grade).map(\.id)
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            throw ValidationErrors("step", .isRequiredOneOf(choices: steps))
        }
        guard steps.contains(raw) else { throw ValidationErrors("step", .isValueOneOf(value: raw, choices: steps)) }
        try Self.requireActive(incident)
        try await db.writeTransaction { tx in
            let done = try await IncidentEntry.query(on: tx).filter(\.$incident.$id == incident.id!)
                .filter(\.$kind == IncidentEntry.Kind.playbookStep.rawValue).filter(\.$detail == raw).first()
            guard done == nil else { return }
            try await Self.record(incident, .playbookStep, by: actor.userID, detail: raw, at: now, on: tx)
        }
    }

    enum UpdateAudience: String, CaseIterable { case tactical, management }

    func statusUpdate(
        _ incident: Incident, audience raw: String?, text: String?, by actor: Actor, now: Date = Date()
    ) async throws
        -> IncidentEntry
    {
        let choices = UpdateAudience.allCases.map(\.rawValue)
        var errors = ValidationErrors()
        let audience = raw.flatMap { UpdateAudience(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
        if audience == nil { errors.add("audience", raw == nil ? .isRequiredOneOf(choices: choices) : .isValueOneOf(value: raw!, choices: choices)) }
        var body = ""
        do { body = try Self.text(text, field: "text", max: Self.noteMax) } catch let invalid as ValidationErrors { errors.issues += invalid.issues }
        try errors.throwIfAny()
        try Self.requireActive(incident)
        return try await Self.record(incident, .statusUpdate, by: actor.userID, detail: audience!.rawValue, body: body, at: now, on: db)
    }

    // MARK: Timeline writing

    @discardableResult
    static func record(
        _ incident: Incident, _ kind: IncidentEntry.Kind, by actorID: UUID?, detail: String? = nil, body: String? = nil, refs: [String] = [],
        at now: Date, on db: any Database
    ) async throws -> IncidentEntry {
        let entry = IncidentEntry()
        entry.id = TimeOrderedID.make(at: now)
        entry.$workspace.id = incident.$workspace.id
        entry.$incident.id = incident.id!
        entry.kind = kind.rawValue
        entry.at = now
        entry.actorID = actorID
        entry.detail = detail
        entry.body = body
        entry.refsJSON = refs.isEmpty ? nil : String(decoding: try JSONEncoder().encode(refs), as: UTF8.self)
        try await entry.create(on: db)
        return entry
    }
}
