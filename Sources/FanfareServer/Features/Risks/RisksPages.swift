import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/risks…`: every form goes through `RiskService`, as the API
/// does; a refused form is shown again with its errors next to the
/// fields. `/risks/{id}` is where the trigger and review notifications link.
struct RisksPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("risks.csv", use: csv)
        let risks = scoped.grouped("risks")
        risks.get(use: list)
        risks.post(use: create)
        risks.get("new", use: newRisk)
        risks.post("templates", use: applyTemplates)
        risks.get(":risk_id", use: show)
        risks.get(":risk_id", "edit", use: edit)
        risks.post(":risk_id", use: update)
        risks.post(":risk_id", "delete", use: delete)
        risks.post(":risk_id", "review", use: review)
        risks.post(":risk_id", "incident", use: linkIncident)
    }

    private func base(_ req: Request) throws -> String { "/w/\(try req.workspaceAccess.workspace.slug)" }

    private func members(_ access: WorkspaceAccess, on db: any Database) async throws -> [(id: String, name: String)] {
        try await access.members(on: db).map { ($0.userID.uuidString.lowercased(), $0.displayName.isEmpty ? $0.email : $0.displayName) }
    }

    // MARK: The register

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        // A filter the page does not know reads as no filter.
        let filter =
            (try? RiskFilter.parse(category: req.query["category"], level: req.query["level"], state: req.query["state"])) ?? RiskFilter()
        let all = try await RiskRegister.risks(RiskFilter(), in: access, on: req.db)
        let shown = filter == RiskFilter() ? all : try await RiskRegister.risks(filter, in: access, on: req.db)
        var owners: [UUID: String] = [:]
        for member in try await access.members(on: req.db) { owners[member.userID] = member.displayName.isEmpty ? member.email : member.displayName }
        let zone = access.workspace.zone
        let model = RisksPage.ListModel(
            base: try base(req), risks: shown.map { RiskDTO($0, timeZone: zone) }, heatMap: RiskHeatMap(all.map(\.assessment)), total: all.count,
            owners: owners, filter: filter, today: MetricDay.of(Date(), in: zone), canEdit: access.can(.planningManage))
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("risks.title"), RisksPage.listView(model, ctx))
    }

    @Sendable func csv(req: Request) async throws -> Response {
        try await RisksAPI().csv(req: req)
    }

    @Sendable func applyTemplates(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let written = try await RiskService(db: req.db).applyTemplate(locale: req.uiLocale, in: access, actor: req.actor)
        Flash.add(
            .notice,
            written.isEmpty ? I18n.text("risks.typical_none", req.uiLocale) : I18n.text("risks.typical_added", req.uiLocale, [String(written.count)]),
            to: req)
        return req.redirect(to: "\(try base(req))/risks")
    }

    // MARK: One risk

    private func showModel(_ req: Request, _ risk: Risk) async throws -> RisksPage.ShowModel {
        let access = try req.workspaceAccess
        let dto = try await RiskDTO.detail(risk, access: access, on: req.db)
        let owner = try await members(access, on: req.db).first { $0.id == risk.ownerID?.uuidString.lowercased() }?.name
        var incident: (id: UUID, title: String)?
        if let id = risk.incidentID, let found = try await access.query(Incident.self, on: req.db).filter(\.$id == id).first() {
            incident = (id, found.title)
        }
        let incidents = try await access.query(Incident.self, on: req.db).sort(\.$id, .descending).limit(50).all()
            .map { ($0.id!.uuidString.lowercased(), $0.title) }
        let monitorIDs = (dto.triggers ?? []).compactMap(\.monitorId)
        var monitors: [UUID: String] = [:]
        if !monitorIDs.isEmpty {
            for monitor in try await access.query(ListeningMonitor.self, on: req.db).filter(\.$id ~~ monitorIDs).all() {
                monitors[monitor.id!] = monitor.name
            }
        }
        return RisksPage.ShowModel(
            base: try base(req), risk: dto, owner: owner, monitors: monitors, incident: incident, incidents: incidents,
            today: MetricDay.of(Date(), in: access.workspace.zone), canEdit: access.can(.planningManage))
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let risk = try await access.find(Risk.self, req.parameters.get("risk_id"), on: req.db, what: "Risk")
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: risk.title, typedTitle: true, RisksPage.showView(try await showModel(req, risk), ctx))
    }

    @Sendable func review(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let note = req.formValue("note")
        do {
            let risk = try await RiskService(db: req.db).review(req.parameters.get("risk_id"), note: note, in: access, actor: req.actor)
            let due = RiskRules.reviewDue(lastReviewed: risk.lastReviewedAt, timeZone: access.workspace.zone)
            Flash.add(.notice, I18n.text("risks.reviewed", req.uiLocale, [Formats.day(due, req.uiLocale)]), to: req)
            return req.redirect(to: "\(try base(req))/risks/\(risk.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            let risk = try await access.find(Risk.self, req.parameters.get("risk_id"), on: req.db, what: "Risk")
            var model = try await showModel(req, risk)
            model.reviewErrors = FormErrors(refused)
            let ctx = try await PageContext.make(req)
            return try await Layout.page(ctx, title: risk.title, typedTitle: true, status: .unprocessableEntity, RisksPage.showView(model, ctx))
                .encodeResponse(for: req)
        }
    }

    @Sendable func linkIncident(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let risk = try await RiskService(db: req.db).linkIncident(
            req.parameters.get("risk_id"), incident: req.formValue("incident_id"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("risks.saved", req.uiLocale), to: req)
        return req.redirect(to: "\(try base(req))/risks/\(risk.id!.uuidString.lowercased())")
    }

    // MARK: The form

    private func formModel(_ req: Request, riskID: UUID?, values: [String: String]) async throws -> RisksPage.FormModel {
        let access = try req.workspaceAccess
        let monitors = try await access.query(ListeningMonitor.self, on: req.db).sort(\.$name).all().map { ($0.id!.uuidString.lowercased(), $0.name) }
        return RisksPage.FormModel(
            base: try base(req), riskID: riskID, values: values, members: try await members(access, on: req.db), monitors: monitors)
    }

    private func renderForm(_ req: Request, _ model: RisksPage.FormModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t(model.riskID == nil ? "risks.new" : "risks.edit_risk"), status: status, RisksPage.form(model, ctx))
    }

    @Sendable func newRisk(req: Request) async throws -> HTMLResponse {
        try req.workspaceAccess.require(.planningManage)
        return try await renderForm(req, try await formModel(req, riskID: nil, values: [:]))
    }

    @Sendable func edit(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let risk = try await access.find(Risk.self, req.parameters.get("risk_id"), on: req.db, what: "Risk")
        var values = [
            "title": risk.title, "category": risk.category, "probability": String(risk.probability), "impact_brand": String(risk.impactBrand),
            "impact_users": String(risk.impactUsers), "impact_business": String(risk.impactBusiness),
            "owner_id": risk.ownerID?.uuidString.lowercased() ?? "", "state": risk.state, "control_preventive": risk.controlPreventive,
            "control_in_process": risk.controlInProcess, "control_emergency": risk.controlEmergency,
        ]
        // The form edits one trigger of each kind (the API takes up to ten).
        let triggers = try await access.query(RiskTriggerRow.self, on: req.db).filter(\.$riskID == risk.id!).sort(\.$id).all()
        if let metric = triggers.first(where: { $0.kind == "metric" }) {
            values["trigger_metric"] = metric.metric ?? ""
            values["trigger_comparison"] = metric.comparison ?? ""
            values["trigger_threshold"] = metric.threshold.map(RiskWatch.number) ?? ""
            values["trigger_window_days"] = metric.windowDays.map(String.init) ?? ""
        }
        if let alert = triggers.first(where: { $0.kind == "alert" }) {
            values["trigger_alert_grade"] = alert.minGrade ?? ""
            values["trigger_monitor_id"] = alert.monitorID?.uuidString.lowercased() ?? ""
        }
        return try await renderForm(req, try await formModel(req, riskID: risk.id, values: values))
    }

    /// The form as the service's input, and the form's names for the
    /// service's trigger fields (`triggers[0].threshold` → `trigger_threshold`).
    private func input(_ req: Request) -> (RiskService.Input, values: [String: String], names: [String: String], bad: [String]) {
        var values: [String: String] = [:]
        for key in RisksPage.fields { values[key] = req.formValue(key).trimmingCharacters(in: .whitespaces) }
        func optional(_ key: String) -> String? { (values[key] ?? "").isEmpty ? nil : values[key] }
        func whole(_ key: String) -> Int? { optional(key).flatMap { Int($0) } }
        var triggers: [RiskService.TriggerInput] = []
        var names: [String: String] = [:]
        var bad: [String] = []
        if let metric = optional("trigger_metric") {
            var threshold = optional("trigger_threshold").flatMap { Double($0.replacingOccurrences(of: ",", with: "")) }
            var window = whole("trigger_window_days") ?? 7
            // Typed but not numbers: passed as values the rules refuse, so
            // nothing is written and every other field is still checked;
            // then named as "not a number".
            if optional("trigger_threshold") != nil && threshold == nil {
                bad.append("trigger_threshold")
                threshold = .nan
            }
            if optional("trigger_window_days") != nil && whole("trigger_window_days") == nil {
                bad.append("trigger_window_days")
                window = 0
            }
            let index = triggers.count
            for (field, name) in [
                ("metric", "trigger_metric"), ("comparison", "trigger_comparison"), ("threshold", "trigger_threshold"),
                ("window_days", "trigger_window_days"),
            ] {
                names["triggers[\(index)].\(field)"] = name
            }
            triggers.append(
                RiskService.TriggerInput(
                    kind: "metric", metric: metric, comparison: optional("trigger_comparison"), threshold: threshold, windowDays: window))
        }
        if let grade = optional("trigger_alert_grade") {
            let index = triggers.count
            names["triggers[\(index)].min_grade"] = "trigger_alert_grade"
            names["triggers[\(index)].monitor_id"] = "trigger_monitor_id"
            triggers.append(RiskService.TriggerInput(kind: "alert", minGrade: grade, monitorId: optional("trigger_monitor_id")))
        }
        let input = RiskService.Input(
            title: values["title"], category: optional("category"), probability: whole("probability"), impactBrand: whole("impact_brand"),
            impactUsers: whole("impact_users"), impactBusiness: whole("impact_business"), ownerId: optional("owner_id"), state: optional("state"),
            controlPreventive: values["control_preventive"], controlInProcess: values["control_in_process"],
            controlEmergency: values["control_emergency"], triggers: triggers)
        return (input, values, names, bad)
    }

    private func refused(
        _ req: Request, riskID: UUID?, _ refused: ValidationErrors, form: (values: [String: String], names: [String: String], bad: [String])
    ) async throws -> Response {
        var issues = refused.issues.map { FieldIssue(field: form.names[$0.field] ?? $0.field, $0.coded) }
        for field in form.bad.reversed() { issues = [FieldIssue(field: field, .typeNumber)] + issues.filter { $0.field != field } }
        var model = try await formModel(req, riskID: riskID, values: form.values)
        model.errors = FormErrors(ValidationErrors(issues))
        return try await renderForm(req, model, status: .unprocessableEntity).encodeResponse(for: req)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let form = input(req)
        do {
            let risk = try await RiskService(db: req.db).create(form.0, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("risks.created", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/risks/\(risk.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            return try await self.refused(req, riskID: nil, refused, form: (form.values, form.names, form.bad))
        }
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.planningManage)
        let existing = try await access.find(Risk.self, req.parameters.get("risk_id"), on: req.db, what: "Risk")
        let form = input(req)
        do {
            let risk = try await RiskService(db: req.db).update(req.parameters.get("risk_id"), form.0, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("risks.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(try base(req))/risks/\(risk.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            return try await self.refused(req, riskID: existing.id, refused, form: (form.values, form.names, form.bad))
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await RiskService(db: req.db).delete(req.parameters.get("risk_id"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("risks.deleted", req.uiLocale), to: req)
        return req.redirect(to: "\(try base(req))/risks")
    }
}
