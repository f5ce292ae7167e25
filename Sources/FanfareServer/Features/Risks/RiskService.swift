import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Risks written, changed, reviewed and removed, their triggers kept and
/// the seeds' typical risks applied. Reading needs `analytics.view`,
/// writing `planning.manage` (docs/risks.md).
struct RiskService {
    let db: any Database

    struct TriggerInput: Content, Equatable {
        var kind: String?
        var metric: String?
        var comparison: String?
        var threshold: Double?
        var windowDays: Int?
        var minGrade: String?
        var monitorId: String?
    }

    struct Input: Content {
        var title: String?
        var category: String?
        var probability: Int?
        var impactBrand: Int?
        var impactUsers: Int?
        var impactBusiness: Int?
        var ownerId: String?
        var state: String?
        var controlPreventive: String?
        var controlInProcess: String?
        var controlEmergency: String?
        var campaignId: String?
        /// Replaces the risk's triggers when given; kept when absent.
        var triggers: [TriggerInput]?
    }

    /// A workspace's register is a few dozen risks; the cap bounds the
    /// five-minute watch.
    static let maxRisks = 500
    static let maxTriggers = 10

    struct Checked {
        var title: String
        var category: RiskCategory
        var assessment: RiskAssessment
        var ownerID: UUID?
        var state: RiskState
        var controls: [RiskControlStage: String]
        var campaignID: UUID?
        var triggers: [RiskTrigger]?
    }

    /// Every wrong field at once, each named.
    func validate(_ input: Input, in access: WorkspaceAccess) async throws -> Checked {
        var errors = ValidationErrors()
        var category = RiskCategory.content
        if let raw = input.category {
            if let value = RiskCategory(rawValue: raw) {
                category = value
            } else {
                errors.add("category", .isValueOneOf(value: String(raw.prefix(40)), choices: RiskCategory.allCases.map(\.rawValue)))
            }
        } else {
            errors.add("category", .isRequiredOneOf(choices: RiskCategory.allCases.map(\.rawValue)))
        }
        var state = RiskState.open
        if let raw = input.state {
            if let value = RiskState(rawValue: raw) {
                state = value
            } else {
                errors.add("state", .isValueOneOf(value: String(raw.prefix(40)), choices: RiskState.allCases.map(\.rawValue)))
            }
        }
        // A missing number is named as missing; one out of 1…5 by the rules.
        for (field, value) in [
            ("probability", input.probability), ("impact_brand", input.impactBrand), ("impact_users", input.impactUsers),
            ("impact_business", input.impactBusiness),
        ] where value == nil {
            errors.add(field, .required)
        }
        let assessment = RiskAssessment(
            probability: input.probability ?? 1, impactBrand: input.impactBrand ?? 1, impactUsers: input.impactUsers ?? 1,
            impactBusiness: input.impactBusiness ?? 1)
        let title = (input.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        errors.issues += RiskRules.validate(title: title, assessment).issues
        var controls: [RiskControlStage: String] = [:]
        for stage in RiskControlStage.allCases {
            let field = "control_\(stage.rawValue)"
            let raw: String? =
                switch stage {
                case .preventive: input.controlPreventive
                case .inProcess: input.controlInProcess
                case .emergency: input.controlEmergency
                }
            let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if text.count > RiskRules.controlLength { errors.add(field, .lengthAtMost(max: RiskRules.controlLength)) }
            controls[stage] = text
        }
        var ownerID: UUID?
        if let raw = input.ownerId, !raw.isEmpty {
            if let id = UUID(uuidString: raw), try await access.members(on: db).contains(where: { $0.userID == id }) {
                ownerID = id
            } else {
                errors.add("owner_id", .workspaceMember)
            }
        }
        var campaignID: UUID?
        if let raw = input.campaignId, !raw.isEmpty {
            if let id = UUID(uuidString: raw), try await CampaignsSurface.name(of: id, workspaceID: access.workspaceID, on: db) != nil {
                campaignID = id
            } else {
                errors.add("campaign_id", .oneOf(choices: try await CampaignsSurface.ids(workspaceID: access.workspaceID, on: db)))
            }
        }
        var triggers: [RiskTrigger]?
        if let list = input.triggers {
            if list.count > Self.maxTriggers { errors.add("triggers", .itemsAtMost(max: Self.maxTriggers, count: list.count)) }
            var checked: [RiskTrigger] = []
            for (index, raw) in list.prefix(Self.maxTriggers).enumerated() {
                if let trigger = try await Self.trigger(raw, at: "triggers[\(index)].", in: access, on: db, errors: &errors) {
                    checked.append(trigger)
                }
            }
            triggers = checked
        }
        try errors.throwIfAny()
        return Checked(
            title: title, category: category, assessment: assessment, ownerID: ownerID, state: state, controls: controls, campaignID: campaignID,
            triggers: triggers)
    }

    /// One trigger as typed, or nil with its problems added under `prefix`.
    static func trigger(
        _ raw: TriggerInput, at prefix: String, in access: WorkspaceAccess, on db: any Database, errors: inout ValidationErrors
    ) async throws -> RiskTrigger? {
        switch raw.kind {
        case "metric":
            var issues = ValidationErrors()
            let metric = raw.metric.flatMap(NormalisedMetric.init(rawValue:))
            if metric == nil {
                issues.add("metric", .isRequiredOneOf(choices: NormalisedMetric.allCases.map(\.rawValue)))
            }
            let comparison = raw.comparison.flatMap(RiskComparison.init(rawValue:))
            if comparison == nil { issues.add("comparison", .isRequiredOneOf(choices: RiskComparison.allCases.map(\.rawValue))) }
            let window = raw.windowDays ?? 1
            issues.issues += RiskTriggerRule.validate(threshold: raw.threshold, windowDays: window).issues
            errors.issues += issues.issues.map { FieldIssue(field: prefix + $0.field, $0.coded) }
            guard issues.isEmpty, let metric, let comparison, let threshold = raw.threshold else { return nil }
            return .metric(metric: metric, comparison: comparison, threshold: threshold, windowDays: window)
        case "alert":
            guard let grade = raw.minGrade.flatMap(AlertGrade.init(rawValue:)) else {
                errors.add(prefix + "min_grade", .isRequiredOneOf(choices: AlertGrade.allCases.map(\.rawValue)))
                return nil
            }
            var monitor: UUID?
            if let rawMonitor = raw.monitorId, !rawMonitor.isEmpty {
                guard let id = UUID(uuidString: rawMonitor), try await access.query(ListeningMonitor.self, on: db).filter(\.$id == id).first() != nil
                else {
                    errors.add(prefix + "monitor_id", .riskWorkspaceMonitor)
                    return nil
                }
                monitor = id
            }
            return .alert(minimumGrade: grade, monitorID: monitor)
        default:
            errors.add(prefix + "kind", .isRequiredOneOf(choices: ["metric", "alert"]))
            return nil
        }
    }

    func create(
        _ input: Input, templateKey: String? = nil, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws -> Risk {
        try access.require(.planningManage)
        let checked = try await validate(input, in: access)
        if try await access.query(Risk.self, on: db).count() >= Self.maxRisks {
            throw ValidationErrors("title", .itemsAtMost(max: Self.maxRisks, count: Self.maxRisks + 1))
        }
        return try await db.writeTransaction { tx in
            let risk = Risk()
            risk.id = TimeOrderedID.make(at: now)
            risk.$workspace.id = access.workspaceID
            risk.createdBy = actor.userID
            risk.createdAt = now
            risk.lastReviewedAt = now
            risk.templateKey = templateKey
            Self.apply(checked, to: risk, now: now)
            try await risk.create(on: tx)
            try await Self.replaceTriggers(checked.triggers ?? [], of: risk, now: now, on: tx)
            try await RiskEvent.record(.created, risk: risk, actor: actor.userID, at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "risk.created", targetType: "risk", targetID: risk.id,
                after: risk.auditFields, now: now)
            return risk
        }
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Risk {
        try access.require(.planningManage)
        var input = input
        let current = try await access.find(Risk.self, rawID, on: db, what: "Risk")
        // A form or client that leaves the state out keeps it.
        if input.state == nil { input.state = current.state }
        let checked = try await validate(input, in: access)
        return try await db.writeTransaction { tx in
            let risk = try await access.find(Risk.self, rawID, on: tx, what: "Risk")
            let before = risk.auditFields
            let wasState = risk.state
            Self.apply(checked, to: risk, now: now)
            try await risk.update(on: tx)
            if let triggers = checked.triggers { try await Self.replaceTriggers(triggers, of: risk, now: now, on: tx) }
            var kind = RiskEvent.Kind.updated
            if wasState != risk.state, risk.state == RiskState.closed.rawValue { kind = .closed }
            if wasState == RiskState.closed.rawValue, risk.state != RiskState.closed.rawValue { kind = .reopened }
            try await RiskEvent.record(kind, risk: risk, actor: actor.userID, at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "risk.updated", targetType: "risk", targetID: risk.id,
                before: before, after: risk.auditFields, now: now)
            return risk
        }
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let risk = try await access.find(Risk.self, rawID, on: tx, what: "Risk")
            try await risk.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "risk.deleted", targetType: "risk", targetID: risk.id,
                before: risk.auditFields, now: now)
        }
    }

    /// The monthly review done: the next is due 30 days from today.
    func review(_ rawID: String?, note: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Risk {
        try access.require(.planningManage)
        let text = (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > RiskRules.controlLength { throw ValidationErrors("note", .lengthAtMost(max: RiskRules.controlLength)) }
        return try await db.writeTransaction { tx in
            let risk = try await access.find(Risk.self, rawID, on: tx, what: "Risk")
            risk.lastReviewedAt = now
            risk.remindedFor = nil
            risk.updatedAt = now
            try await risk.update(on: tx)
            try await RiskEvent.record(.reviewed, risk: risk, note: text, actor: actor.userID, at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "risk.reviewed", targetType: "risk", targetID: risk.id,
                after: ["note": text], now: now)
            return risk
        }
    }

    /// Links the risk to one of the workspace's incidents (nil unlinks).
    func linkIncident(
        _ rawID: String?, incident rawIncident: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> Risk
    {
        try access.require(.planningManage)
        var incident: Incident?
        if let rawIncident, !rawIncident.isEmpty {
            guard let id = UUID(uuidString: rawIncident), let found = try await access.query(Incident.self, on: db).filter(\.$id == id).first() else {
                throw ValidationErrors("incident_id", .riskWorkspaceIncident)
            }
            incident = found
        }
        let linked = incident.map { (id: $0.id!, title: $0.title) }
        return try await db.writeTransaction { tx in
            let risk = try await access.find(Risk.self, rawID, on: tx, what: "Risk")
            let before = risk.auditFields
            risk.incidentID = linked?.id
            risk.updatedAt = now
            try await risk.update(on: tx)
            try await RiskEvent.record(.incidentLinked, risk: risk, note: linked?.title ?? "", actor: actor.userID, at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "risk.updated", targetType: "risk", targetID: risk.id,
                before: before, after: risk.auditFields, now: now)
            return risk
        }
    }

    /// The seeds' typical risks (`RiskTemplate`) not yet in the register,
    /// written in `locale`'s words with their suggested triggers.
    @discardableResult
    func applyTemplate(locale: UILocale, ownerID: UUID? = nil, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> [Risk] {
        try access.require(.planningManage)
        let present = Set(try await access.query(Risk.self, on: db).filter(\.$templateKey != nil).all().compactMap(\.templateKey))
        var written: [Risk] = []
        for item in RiskTemplate.items where !present.contains(item.key) {
            let key = "risks.template.\(item.key)"
            var trigger: TriggerInput?
            switch item.trigger {
            case .metric(let metric, let comparison, let threshold, let window):
                trigger = TriggerInput(
                    kind: "metric", metric: metric.rawValue, comparison: comparison.rawValue, threshold: threshold, windowDays: window)
            case .alert(let grade, _):
                trigger = TriggerInput(kind: "alert", minGrade: grade.rawValue)
            case nil: break
            }
            let input = Input(
                title: I18n.text("\(key).title", locale), category: item.category.rawValue, probability: item.assessment.probability,
                impactBrand: item.assessment.impactBrand, impactUsers: item.assessment.impactUsers, impactBusiness: item.assessment.impactBusiness,
                ownerId: ownerID?.uuidString, controlPreventive: I18n.text("\(key).preventive", locale),
                controlInProcess: I18n.text("\(key).in_process", locale), controlEmergency: I18n.text("\(key).emergency", locale),
                triggers: trigger.map { [$0] } ?? [])
            written.append(try await create(input, templateKey: item.key, in: access, actor: actor, now: now))
        }
        return written
    }

    static func apply(_ checked: Checked, to risk: Risk, now: Date) {
        risk.title = checked.title
        risk.category = checked.category.rawValue
        risk.probability = checked.assessment.probability
        risk.impactBrand = checked.assessment.impactBrand
        risk.impactUsers = checked.assessment.impactUsers
        risk.impactBusiness = checked.assessment.impactBusiness
        risk.score = checked.assessment.score
        risk.ownerID = checked.ownerID
        risk.state = checked.state.rawValue
        risk.controlPreventive = checked.controls[.preventive] ?? ""
        risk.controlInProcess = checked.controls[.inProcess] ?? ""
        risk.controlEmergency = checked.controls[.emergency] ?? ""
        risk.campaignID = checked.campaignID
        risk.updatedAt = now
    }

    static func replaceTriggers(_ triggers: [RiskTrigger], of risk: Risk, now: Date, on tx: any Database) async throws {
        try await RiskTriggerRow.query(on: tx).filter(\.$riskID == risk.id!).delete()
        for trigger in triggers {
            let row = RiskTriggerRow()
            row.id = TimeOrderedID.make(at: now)
            row.$workspace.id = risk.$workspace.id
            row.riskID = risk.id!
            row.set(trigger)
            // Alerts raised before the trigger was written do not fire it.
            row.lastFiredAt = nil
            row.createdAt = now
            try await row.create(on: tx)
        }
    }
}
