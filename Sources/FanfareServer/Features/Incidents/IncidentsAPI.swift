import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/incidents…`, `/publishing-holds…` and
/// `/incident-reviews`. Reading needs `inbox.view`; acting on an incident
/// `inbox.reply`; holds `content.schedule`.
struct IncidentsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("incidents", use: list)
        ws.post("incidents", use: create)
        ws.get("incidents", ":incident_id", use: show)
        ws.patch("incidents", ":incident_id", use: update)
        ws.post("incidents", ":incident_id", "roles", use: role)
        ws.post("incidents", ":incident_id", "entries", use: entry)
        ws.post("incidents", ":incident_id", "statements", use: statement)
        ws.post("incidents", ":incident_id", "statements", ":statement_id", "approve", use: approve)
        ws.get("incidents", ":incident_id", "review", use: review)
        ws.put("incidents", ":incident_id", "review", use: saveReview)
        ws.get("incident-reviews", use: reviews)
        ws.get("publishing-holds", use: holds)
        ws.post("publishing-holds", use: startHold)
        ws.post("publishing-holds", ":hold_id", "release", use: release)
    }

    struct IncidentDTO: Content {
        var id: UUID
        var title: String
        var severity: String
        var state: String
        var openedAt: Date
        var detectedAt: Date
        var firstMentionAt: Date?
        var alertId: UUID?
        var acknowledgedAt: Date?
        var resolvedAt: Date?
        var closedAt: Date?

        init(_ i: Incident) {
            id = i.id!
            title = i.title
            severity = i.severity
            state = i.state
            openedAt = i.openedAt
            detectedAt = i.detectedAt
            firstMentionAt = i.firstMentionAt
            alertId = i.alertID
            acknowledgedAt = i.acknowledgedAt
            resolvedAt = i.resolvedAt
            closedAt = i.closedAt
        }
    }

    struct ClockDTO: Content {
        var clock: String
        var state: String
        var started: Date
        var due: Date
        var stopped: Date?
    }

    struct MemberDTO: Content {
        var userId: UUID
        var role: String

        init(_ member: IncidentMember) {
            userId = member.userID
            role = member.role
        }
    }

    struct StepDTO: Content {
        var id: String
        var phase: String
        var checkedAt: Date?
        var checkedBy: UUID?
    }

    struct EntryDTO: Content {
        var kind: String
        var at: Date
        var actorId: UUID?
        var detail: String?
        var body: String?
        var refs: [String]
    }

    struct StatementDTO: Content {
        var id: UUID
        var text: String
        var state: String
        var templateId: UUID?
        var submittedAt: Date
        var approvedAt: Date?
        var approvedBy: UUID?

        init(_ s: IncidentStatement) {
            id = s.id!
            text = s.text
            state = s.state
            templateId = s.templateID
            submittedAt = s.submittedAt
            approvedAt = s.approvedAt
            approvedBy = s.approvedBy
        }
    }

    struct DetailDTO: Content {
        var incident: IncidentDTO
        var members: [MemberDTO]
        var clocks: [ClockDTO]
        var nextStatusUpdate: Date?
        var firstResponseAt: Date?
        var playbook: [StepDTO]
        var statements: [StatementDTO]
        var timeline: [EntryDTO]
    }

    struct HoldDTO: Content {
        var id: UUID
        var accountId: UUID?
        var incidentId: UUID?
        var startedAt: Date
        var releasedAt: Date?

        init(_ h: PublishingHold) {
            id = h.id!
            accountId = h.accountID
            incidentId = h.incidentID
            startedAt = h.startedAt
            releasedAt = h.releasedAt
        }
    }

    struct ReviewDTO: Content {
        var incidentId: UUID
        var title: String
        var body: String
        /// False while it is the unsaved draft written from the timeline.
        var saved: Bool
        var updatedAt: Date?

        init(incidentId: UUID, title: String, body: String, saved: Bool, updatedAt: Date?) {
            self.incidentId = incidentId
            self.title = title
            self.body = body
            self.saved = saved
            self.updatedAt = updatedAt
        }

        /// A saved review.
        init(_ review: IncidentReview) {
            self.init(incidentId: review.$incident.id, title: review.title, body: review.body, saved: true, updatedAt: review.updatedAt)
        }
    }

    // MARK: Incidents

    @Sendable func list(req: Request) async throws -> Page<IncidentDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        var filter = IncidentService.ListFilter()
        if let raw = req.query[String.self, at: "state"], !raw.isEmpty {
            if raw == "active" {
                filter.active = true
            } else if let state = IncidentState(rawValue: raw) {
                filter.state = state
            } else {
                throw ValidationErrors("state", .isValueOneOf(value: raw, choices: ["active"] + IncidentState.allCases.map(\.rawValue)))
            }
        }
        if let raw = req.query[String.self, at: "severity"], !raw.isEmpty {
            guard let grade = AlertGrade(rawValue: raw) else {
                throw ValidationErrors("severity", .isValueOneOf(value: raw, choices: AlertGrade.allCases.map(\.rawValue)))
            }
            filter.severity = grade
        }
        let (items, next) = try await IncidentService(db: req.db).list(filter, page: try req.pageRequest(), in: access)
        return Page(items: items.map(IncidentDTO.init), nextCursor: next)
    }

    struct CreateInput: Content {
        var title: String?
        var severity: String?
        /// Listening's alert: the incident takes its grade, monitor and
        /// first mention; an alert already opened answers its incident (200).
        var alertId: String?
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let input = try req.decodeInput(CreateInput.self)
        if let alertID = input.alertId {
            let (incident, created) = try await IncidentService(db: req.db).open(
                fromAlert: alertID, title: input.title, severity: input.severity, by: req.actor, in: access)
            return try await IncidentDTO(incident).encodeResponse(status: created ? .created : .ok, for: req)
        }
        let incident = try await IncidentService(db: req.db).open(
            IncidentOpening(title: input.title, severity: input.severity), by: req.actor, in: access)
        return try await IncidentDTO(incident).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> DetailDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        return try await detail(incident, service: service)
    }

    func detail(_ incident: Incident, service: IncidentService, now: Date = Date()) async throws -> DetailDTO {
        let timeline = try await IncidentTimeline.read(incident, on: service.db, now: now)
        return DetailDTO(
            incident: IncidentDTO(incident), members: try await service.members(of: incident).map(MemberDTO.init),
            clocks: timeline.clocks(of: incident, now: now).map {
                ClockDTO(clock: $0.clock.rawValue, state: $0.state.rawValue, started: $0.started, due: $0.due, stopped: $0.stopped)
            }, nextStatusUpdate: timeline.nextStatusUpdate(of: incident), firstResponseAt: timeline.firstResponse,
            playbook: IncidentPlaybook.checklist(for: incident.grade).map {
                StepDTO(id: $0.id, phase: $0.phase.rawValue, checkedAt: timeline.checkedSteps[$0.id]?.at, checkedBy: timeline.checkedSteps[$0.id]?.by)
            }, statements: try await service.statements(of: incident).map(StatementDTO.init),
            timeline: timeline.items.map { EntryDTO(kind: $0.kind, at: $0.at, actorId: $0.actorID, detail: $0.detail, body: $0.body, refs: $0.refs) })
    }

    struct UpdateInput: Content {
        var state: String?
        var severity: String?
    }

    /// Moves the state and/or changes the severity.
    @Sendable func update(req: Request) async throws -> DetailDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let input = try req.decodeInput(UpdateInput.self)
        guard input.state != nil || input.severity != nil else { throw ValidationErrors("state", .required) }
        if input.severity != nil { try await service.changeSeverity(incident, to: input.severity, access: access, by: req.actor) }
        if input.state != nil { try await service.move(incident, to: input.state, access: access, by: req.actor) }
        return try await detail(incident, service: service)
    }

    struct RoleInput: Content {
        var userId: String?
        var role: String?
    }

    @Sendable func role(req: Request) async throws -> [MemberDTO] {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let input = try req.decodeInput(RoleInput.self)
        try await service.assign(input.userId, role: input.role, in: incident, access: access, by: req.actor)
        return try await service.members(of: incident).map(MemberDTO.init)
    }

    struct EntryInput: Content {
        /// note, status_update, mentions_attached or playbook_step.
        var kind: String?
        var text: String?
        var audience: String?
        var step: String?
        var mentionIds: [String]?
        var excerpt: String?
    }

    /// What people add to the timeline: a note, a status update, mentions
    /// attached, a playbook step ticked.
    @Sendable func entry(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let input = try req.decodeInput(EntryInput.self)
        let kinds = ["note", "status_update", "mentions_attached", "playbook_step"]
        switch input.kind {
        case "note": _ = try await service.note(incident, text: input.text, by: req.actor)
        case "status_update": _ = try await service.statusUpdate(incident, audience: input.audience, text: input.text, by: req.actor)
        case "mentions_attached": _ = try await service.attachMentions(incident, ids: input.mentionIds, excerpt: input.excerpt, by: req.actor)
        case "playbook_step": try await service.checkStep(incident, step: input.step, by: req.actor)
        case nil: throw ValidationErrors("kind", .isRequiredOneOf(choices: kinds))
        case let other?: throw ValidationErrors("kind", .isValueOneOf(value: other, choices: kinds))
        }
        return try await detail(incident, service: service).encodeResponse(status: .created, for: req)
    }

    struct StatementInput: Content {
        var templateId: String?
        var text: String?
    }

    @Sendable func statement(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let input = try req.decodeInput(StatementInput.self)
        let statement = try await service.submitStatement(incident, templateID: input.templateId, text: input.text, by: req.actor)
        return try await StatementDTO(statement).encodeResponse(status: .created, for: req)
    }

    @Sendable func approve(req: Request) async throws -> StatementDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let engine = try await req.application.moderationEngine(for: access.workspace)
        return StatementDTO(
            try await service.approveStatement(incident, statement: req.parameters.get("statement_id"), access: access, engine: engine, by: req.actor)
        )
    }

    // MARK: Review

    @Sendable func review(req: Request) async throws -> ReviewDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        if let saved = try await service.review(of: incident) {
            return ReviewDTO(saved)
        }
        return ReviewDTO(
            incidentId: incident.id!, title: incident.title, body: try await draft(incident, access: access, req: req), saved: false, updatedAt: nil)
    }

    func draft(_ incident: Incident, access: WorkspaceAccess, req: Request) async throws -> String {
        let timeline = try await IncidentTimeline.read(incident, on: req.db)
        let names = Dictionary(try await access.members(on: req.db).map { ($0.userID, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        return IncidentService.draft(incident, timeline: timeline, names: names, locale: req.uiLocale, zone: access.workspace.zone, now: Date())
    }

    struct ReviewInput: Content {
        var title: String?
        /// Absent: the draft written from the timeline is kept as it is.
        var body: String?
    }

    @Sendable func saveReview(req: Request) async throws -> ReviewDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let input = try req.decodeInput(ReviewInput.self)
        let draft = input.body == nil ? try await draft(incident, access: access, req: req) : ""
        let saved = try await service.saveReview(incident, title: input.title, body: input.body, draft: draft, access: access, by: req.actor)
        return ReviewDTO(saved)
    }

    @Sendable func reviews(req: Request) async throws -> [ReviewDTO] {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let q = req.query[String.self, at: "q"]
        if let q, q.count > 200 { throw ValidationErrors("q", .lengthAtMost(max: 200)) }
        return try await IncidentService(db: req.db).searchReviews(q, in: access).map(ReviewDTO.init)
    }

    // MARK: Holds

    @Sendable func holds(req: Request) async throws -> [HoldDTO] {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        return try await PublishingService.activeHolds(in: access.workspaceID, on: req.db).map(HoldDTO.init)
    }

    struct HoldInput: Content {
        /// An account of the workspace; absent or `all`: the whole workspace.
        var accountId: String?
        var incidentId: String?
    }

    struct HoldStartedDTO: Content {
        var hold: HoldDTO
        var held: Int
        var inFlight: Int
    }

    @Sendable func startHold(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentSchedule)
        let input = try req.decodeInput(HoldInput.self)
        let service = IncidentService(db: req.db)
        var incident: Incident?
        if let raw = input.incidentId, !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let found = try await access.query(Incident.self, on: req.db).filter(\.$id == id).first() else {
                throw ValidationErrors("incident_id", .typeId)
            }
            incident = found
        }
        let started = try await service.startHold(incident, account: input.accountId, access: access, by: req.actor)
        return try await HoldStartedDTO(hold: HoldDTO(started.hold), held: started.held, inFlight: started.inFlight)
            .encodeResponse(status: .created, for: req)
    }

    struct ReleasedDTO: Content {
        var queued: Int
    }

    @Sendable func release(req: Request) async throws -> ReleasedDTO {
        let access = try req.workspaceAccess
        try access.require(.contentSchedule)
        return ReleasedDTO(queued: try await IncidentService(db: req.db).releaseHold(req.parameters.get("hold_id"), access: access, by: req.actor))
    }
}
