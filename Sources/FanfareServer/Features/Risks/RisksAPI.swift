import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/risks…`: the register with its heat map, one
/// risk with its triggers and timeline, the monthly review, the incident
/// link, the seeds' typical risks and the CSV export. Reading needs
/// `analytics.view`; writing `planning.manage`.
struct RisksAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("risks.csv", use: csv)
        let risks = ws.grouped("risks")
        risks.get(use: list)
        risks.post(use: create)
        risks.get("templates", use: templates)
        risks.post("templates", use: applyTemplates)
        risks.get(":risk_id", use: show)
        risks.put(":risk_id", use: update)
        risks.delete(":risk_id", use: delete)
        risks.post(":risk_id", "review", use: review)
        risks.put(":risk_id", "incident", use: linkIncident)
    }

    @Sendable func list(req: Request) async throws -> RiskListDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let filter = try RiskFilter.parse(category: req.query["category"], level: req.query["level"], state: req.query["state"])
        let risks = try await RiskRegister.risks(filter, in: access, on: req.db)
        let all = try await RiskRegister.risks(RiskFilter(), in: access, on: req.db)
        let zone = access.workspace.zone
        return RiskListDTO(
            items: risks.map { RiskDTO($0, timeZone: zone) }, heatMap: RiskHeatMap(all.map(\.assessment)).counts,
            levels: RiskLevel.allCases.reduce(into: [:]) { counts, level in counts[level.rawValue] = all.filter { $0.level == level }.count })
    }

    @Sendable func show(req: Request) async throws -> RiskDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let risk = try await access.find(Risk.self, req.parameters.get("risk_id"), on: req.db, what: "Risk")
        return try await RiskDTO.detail(risk, access: access, on: req.db)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let risk = try await RiskService(db: req.db).create(try req.decodeInput(RiskService.Input.self), in: access, actor: req.actor)
        return try await RiskDTO.detail(risk, access: access, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func update(req: Request) async throws -> RiskDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(RiskService.Input.self)
        let risk = try await RiskService(db: req.db).update(req.parameters.get("risk_id"), input, in: access, actor: req.actor)
        return try await RiskDTO.detail(risk, access: access, on: req.db)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await RiskService(db: req.db).delete(req.parameters.get("risk_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    struct ReviewInput: Content {
        var note: String?
    }

    @Sendable func review(req: Request) async throws -> RiskDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(ReviewInput.self)
        let risk = try await RiskService(db: req.db).review(req.parameters.get("risk_id"), note: input.note, in: access, actor: req.actor)
        return try await RiskDTO.detail(risk, access: access, on: req.db)
    }

    struct IncidentInput: Content {
        var incidentId: String?
    }

    @Sendable func linkIncident(req: Request) async throws -> RiskDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(IncidentInput.self)
        let risk = try await RiskService(db: req.db).linkIncident(
            req.parameters.get("risk_id"), incident: input.incidentId, in: access, actor: req.actor)
        return try await RiskDTO.detail(risk, access: access, on: req.db)
    }

    struct TemplateDTO: Content {
        var key: String
        var category: String
        var probability: Int
        var impactBrand: Int
        var impactUsers: Int
        var impactBusiness: Int
        var score: Int
        var level: String
        var trigger: String?
        var source: String
    }

    @Sendable func templates(req: Request) async throws -> Page<TemplateDTO> {
        try req.workspaceAccess.require(.analyticsView)
        return Page(
            items: RiskTemplate.items.map {
                TemplateDTO(
                    key: $0.key, category: $0.category.rawValue, probability: $0.assessment.probability, impactBrand: $0.assessment.impactBrand,
                    impactUsers: $0.assessment.impactUsers, impactBusiness: $0.assessment.impactBusiness, score: $0.assessment.score,
                    level: $0.assessment.level.rawValue, trigger: $0.trigger?.kind, source: $0.source)
            }, nextCursor: nil)
    }

    /// Adds the typical risks not yet in the register, in the caller's language.
    @Sendable func applyTemplates(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let written = try await RiskService(db: req.db).applyTemplate(locale: req.uiLocale, in: access, actor: req.actor)
        let zone = access.workspace.zone
        return try await Page(items: written.map { RiskDTO($0, timeZone: zone) }, nextCursor: nil).encodeResponse(status: .created, for: req)
    }

    @Sendable func csv(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let filter = try RiskFilter.parse(category: req.query["category"], level: req.query["level"], state: req.query["state"])
        let risks = try await RiskRegister.risks(filter, in: access, on: req.db)
        let response = Response(status: .ok, body: .init(string: RiskRegister.csv(risks, timeZone: access.workspace.zone)))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "\(access.workspace.slug)-risks.csv")
        return response
    }
}

struct RiskListDTO: Content {
    var items: [RiskDTO]
    /// `heat_map[p - 1][i - 1]`: how many risks have probability p and (largest) impact i.
    var heatMap: [[Int]]
    var levels: [String: Int]
}

struct RiskDTO: Content, Equatable {
    struct TriggerDTO: Content, Equatable {
        var id: UUID
        var kind: String
        var metric: String?
        var comparison: String?
        var threshold: Double?
        var windowDays: Int?
        var minGrade: String?
        var monitorId: UUID?
        var lastFiredAt: Date?
    }

    struct EventDTO: Content, Equatable {
        var kind: String
        var note: String
        var actorId: UUID?
        var at: Date
    }

    var id: UUID
    var title: String
    var category: String
    var probability: Int
    var impactBrand: Int
    var impactUsers: Int
    var impactBusiness: Int
    var impact: Int
    var score: Int
    var level: String
    var ownerId: UUID?
    var state: String
    var controlPreventive: String
    var controlInProcess: String
    var controlEmergency: String
    var incidentId: UUID?
    var campaignId: UUID?
    var templateKey: String?
    var lastReviewedAt: Date
    /// The day (workspace's time zone) the monthly review is due.
    var reviewDue: String
    var triggers: [TriggerDTO]?
    var events: [EventDTO]?
    var createdAt: Date
    var updatedAt: Date

    init(_ risk: Risk, timeZone: TimeZone) {
        let a = risk.assessment
        (id, title, category, probability, impactBrand, impactUsers, impactBusiness) = (
            risk.id!, risk.title, risk.category, a.probability, a.impactBrand, a.impactUsers, a.impactBusiness
        )
        (impact, score, level, ownerId, state) = (a.impact, a.score, a.level.rawValue, risk.ownerID, risk.state)
        (controlPreventive, controlInProcess, controlEmergency) = (risk.controlPreventive, risk.controlInProcess, risk.controlEmergency)
        (incidentId, campaignId, templateKey, lastReviewedAt) = (risk.incidentID, risk.campaignID, risk.templateKey, risk.lastReviewedAt)
        reviewDue = RiskRules.reviewDue(lastReviewed: risk.lastReviewedAt, timeZone: timeZone)
        (createdAt, updatedAt) = (risk.createdAt, risk.updatedAt)
    }

    static func detail(_ risk: Risk, access: WorkspaceAccess, on db: any Database) async throws -> RiskDTO {
        var dto = RiskDTO(risk, timeZone: access.workspace.zone)
        dto.triggers = try await access.query(RiskTriggerRow.self, on: db).filter(\.$riskID == risk.id!).sort(\.$id).all().map {
            TriggerDTO(
                id: $0.id!, kind: $0.kind, metric: $0.metric, comparison: $0.comparison, threshold: $0.threshold, windowDays: $0.windowDays,
                minGrade: $0.minGrade, monitorId: $0.monitorID, lastFiredAt: $0.lastFiredAt)
        }
        dto.events = try await access.query(RiskEvent.self, on: db).filter(\.$riskID == risk.id!).sort(\.$at, .descending).sort(\.$id, .descending)
            .limit(200).all().map { EventDTO(kind: $0.kind, note: $0.note, actorId: $0.actorID, at: $0.at) }
        return dto
    }
}

/// The register's filters, as the API's query and the page's form give them.
struct RiskFilter: Sendable, Equatable {
    var category: RiskCategory?
    var level: RiskLevel?
    var state: RiskState?

    static func parse(category: String?, level: String?, state: String?) throws -> RiskFilter {
        var errors = ValidationErrors()
        var filter = RiskFilter()
        func pick<T: RawRepresentable & CaseIterable>(_ raw: String?, _ field: String) -> T? where T.RawValue == String {
            guard let raw, !raw.isEmpty else { return nil }
            if let value = T(rawValue: raw) { return value }
            errors.add(field, .isValueOneOf(value: String(raw.prefix(40)), choices: T.allCases.map(\.rawValue)))
            return nil
        }
        filter.category = pick(category, "category")
        filter.level = pick(level, "level")
        filter.state = pick(state, "state")
        try errors.throwIfAny()
        return filter
    }
}

enum RiskRegister {
    /// The workspace's risks, highest score first.
    static func risks(_ filter: RiskFilter, in access: WorkspaceAccess, on db: any Database) async throws -> [Risk] {
        var query = access.query(Risk.self, on: db)
        if let category = filter.category { query = query.filter(\.$category == category.rawValue) }
        if let state = filter.state { query = query.filter(\.$state == state.rawValue) }
        if let level = filter.level {
            switch level {
            case .high: query = query.filter(\.$score >= RiskRules.highFrom)
            case .medium: query = query.filter(\.$score >= RiskRules.mediumFrom).filter(\.$score < RiskRules.highFrom)
            case .low: query = query.filter(\.$score < RiskRules.mediumFrom)
            }
        }
        return try await query.sort(\.$score, .descending).sort(\.$id).all()
    }

    static func csv(_ risks: [Risk], timeZone: TimeZone) -> String {
        var writer = CSVWriter(header: [
            "id", "title", "category", "probability", "impact_brand", "impact_users", "impact_business", "score", "level", "state", "owner_id",
            "control_preventive", "control_in_process", "control_emergency", "incident_id", "campaign_id", "last_reviewed", "review_due",
        ])
        for risk in risks {
            writer.append([
                risk.id!.uuidString.lowercased(), risk.title, risk.category, String(risk.probability), String(risk.impactBrand),
                String(risk.impactUsers), String(risk.impactBusiness), String(risk.score), risk.level.rawValue, risk.state,
                risk.ownerID?.uuidString.lowercased() ?? "", risk.controlPreventive, risk.controlInProcess, risk.controlEmergency,
                risk.incidentID?.uuidString.lowercased() ?? "", risk.campaignID?.uuidString.lowercased() ?? "",
                MetricDay.of(risk.lastReviewedAt, in: timeZone), RiskRules.reviewDue(lastReviewed: risk.lastReviewedAt, timeZone: timeZone),
            ])
        }
        return writer.text
    }
}
