import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/listening/…`: the 舆情 area's pages.
struct ListeningPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("listening", use: mentions)
        scoped.get("listening", "alerts", use: alerts)
        scoped.get("listening", "alerts", ":alert_id", use: alert)
        scoped.post("listening", "alerts", ":alert_id", "actions", use: act)
        scoped.get("listening", "monitors", use: monitors)
        scoped.post("listening", "monitors", use: saveMonitor)
        scoped.get("listening", "monitors", ":monitor_id", use: monitors)
        scoped.post("listening", "monitors", ":monitor_id", use: saveMonitor)
        scoped.post("listening", "monitors", ":monitor_id", "delete", use: deleteMonitor)
        scoped.get("listening", "sources", use: sources)
        scoped.post("listening", "sources", "feeds", use: addFeed)
        scoped.post("listening", "sources", "feeds", ":feed_id", "delete", use: removeFeed)
        scoped.post("listening", "sources", "searches", use: addSearch)
        scoped.post("listening", "sources", "searches", ":search_id", "delete", use: removeSearch)
        scoped.on(.POST, "listening", "sources", "import", maxBody: MentionImport.maxBody, use: importFile)
        scoped.get("listening", "grading", use: grading)
        scoped.post("listening", "grading", use: saveGrading)
    }

    func frame(
        _ req: Request, _ tab: ListeningPage.Tab, status: HTTPStatus = .ok, title: String? = nil, typed: Bool = false, _ body: HTML
    )
        async throws -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let heading = title ?? ctx.t("listening.title")
        return Layout.page(
            ctx, title: heading, typedTitle: typed, status: status,
            """
            <h1>\(typed ? HTML.typed(heading) : HTML("\(heading)"))</h1>
            \(ListeningPage.tabs(ctx, base: "/w/\(access.workspace.slug)", current: tab))
            \(try DemoSurface.stormButton(req, ctx, returnTo: req.url.path))
            \(body)
            """)
    }

    private func names(_ access: WorkspaceAccess, on db: any Database) async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await MonitorService(db: db).list(in: access).map { ($0.id!, $0.name) })
    }

    @Sendable func mentions(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let names = try await names(access, on: req.db)
        var query = MentionQuery()
        let monitor = req.query[String.self, at: "monitor_id"] ?? ""
        query.monitorID = UUID(uuidString: monitor).flatMap { names[$0] != nil ? $0 : nil }
        let source = req.query[String.self, at: "source"] ?? ""
        query.source = ListeningSource(rawValue: source)
        let sentiment = req.query[String.self, at: "sentiment"] ?? ""
        query.sentiment = MessageSentiment(rawValue: sentiment)
        query.limit = 100
        let model = ListeningPage.MentionsModel(
            base: "/w/\(access.workspace.slug)", monitors: names.sorted { $0.value < $1.value }.map { ($0.key.uuidString.lowercased(), $0.value) },
            monitor: query.monitorID?.uuidString.lowercased() ?? "", source: query.source?.rawValue ?? "", sentiment: query.sentiment?.rawValue ?? "",
            mentions: try await query.run(access.workspaceID, on: req.db), monitorNames: names)
        return try await frame(req, .mentions, ListeningPage.mentionsView(model, ctx))
    }

    @Sendable func alerts(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let names = try await names(access, on: req.db)
        let found = try await access.query(ListeningAlert.self, on: req.db).sort(\.$id, .descending).limit(200).all()
        let rows = found.map { ListeningPage.AlertRow(alert: AlertDTO($0), monitorName: names[$0.monitorID] ?? "") }
        return try await frame(req, .alerts, ListeningPage.alertsView(rows, base: "/w/\(access.workspace.slug)", ctx))
    }

    @Sendable func alert(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let alert = try await access.find(ListeningAlert.self, req.parameters.get("alert_id"), on: req.db, what: "Alert")
        let monitor = try await access.find(ListeningMonitor.self, alert.monitorID.uuidString, on: req.db, what: "Monitor")
        let end = alert.lastSpikeAt.addingTimeInterval(900)
        let start = end.addingTimeInterval(-86_400)
        let week: TimeInterval = 7 * 86_400
        var mentions = MentionQuery(monitorID: alert.monitorID, from: alert.openedAt.addingTimeInterval(-3_600), to: end)
        mentions.limit = 100
        let model = ListeningPage.AlertModel(
            base: "/w/\(access.workspace.slug)", alert: AlertDTO(alert), monitorName: monitor.name,
            series: try await ListeningSeries.buckets(alert.monitorID, from: start, to: end, on: req.db),
            baseline: try await ListeningSeries.buckets(
                alert.monitorID, from: start.addingTimeInterval(-week), to: end.addingTimeInterval(-week), on: req.db),
            mentions: try await mentions.run(access.workspaceID, on: req.db), canAct: access.can(.inboxEscalate), zone: access.workspace.zone,
            canOpenIncident: access.can(.inboxReply))
        return try await frame(req, .alerts, title: monitor.name, typed: true, ListeningPage.alertView(model, ctx))
    }

    @Sendable func act(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let id = req.parameters.get("alert_id")
        let hours = min(max(Int(req.formValue("snooze_hours")) ?? 1, 1), 168)
        let input = AlertService.Input(action: req.formValue("action"), snoozedUntil: Date().addingTimeInterval(Double(hours) * 3_600))
        let alert = try await AlertService(db: req.db).change(id, input, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("listening.alert_saved", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/listening/alerts/\(alert.id!.uuidString.lowercased())")
    }

    @Sendable func monitors(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        var values: [String: String] = ["enabled": "true"]
        var sources: Set<String> = []
        var scope = MonitorScope()
        var editing: UUID?
        if let raw = req.parameters.get("monitor_id") {
            let monitor = try await access.find(ListeningMonitor.self, raw, on: req.db, what: "Monitor")
            editing = monitor.id
            values = [
                "name": monitor.name, "query": monitor.query, "exclusions": monitor.exclusions.joined(separator: "\n"),
                "enabled": monitor.enabled ? "true" : "",
            ]
            sources = Set(monitor.sourceKinds.map(\.rawValue))
            scope = MonitorScope(platforms: Set(monitor.platforms), accountIDs: Set(monitor.accountIDs.map { $0.uuidString.lowercased() }))
        }
        return try await renderMonitors(req, editing: editing, values: values, sources: sources, scope: scope, errors: FormErrors(), check: nil)
    }

    /// The platforms and accounts a monitor hears, as the form ticks them.
    struct MonitorScope {
        var platforms: Set<String> = []
        var accountIDs: Set<String> = []
    }

    private func renderMonitors(
        _ req: Request, editing: UUID?, values: [String: String], sources: Set<String>, scope: MonitorScope, errors: FormErrors, check: Bool?,
        status: HTTPStatus = .ok
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$platform).sort(\.$handle).all()
        var model = ListeningPage.MonitorsModel(
            base: "/w/\(access.workspace.slug)", monitors: try await MonitorService(db: req.db).list(in: access).map(MonitorDTO.init),
            canManage: access.can(.inboxRulesManage), editing: editing, values: values, sources: sources, errors: errors, check: check)
        model.platforms = scope.platforms
        model.accountIDs = scope.accountIDs
        // The handle is the account's own name; the platform says which it is.
        model.accountOptions = accounts.map { ($0.id!.uuidString.lowercased(), $0.handle, $0.platform) }
        if let editing {
            let now = Date()
            model.zone = access.workspace.zone
            model.series = try await ListeningSeries.buckets(
                editing, from: now.addingTimeInterval(-29 * 86_400), to: now, step: 86_400, zone: model.zone, on: req.db)
        }
        return try await frame(req, .monitors, status: status, ListeningPage.monitorsView(model, ctx))
    }

    @Sendable func saveMonitor(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let raw = req.parameters.get("monitor_id")
        var existing: ListeningMonitor?
        if let raw { existing = try await access.find(ListeningMonitor.self, raw, on: req.db, what: "Monitor") }
        let editing = existing?.id
        let values: [String: String] = [
            "name": req.formValue("name"), "query": req.formValue("query"), "exclusions": req.formValue("exclusions"),
            "enabled": Forms.isOn(req, "enabled") ? "true" : "", "check_text": req.formValue("check_text"),
        ]
        let sources = Forms.values(req, "sources")
        let scope = MonitorScope(platforms: Set(Forms.values(req, "platforms")), accountIDs: Set(Forms.values(req, "account_ids")))
        let exclusions = (values["exclusions"] ?? "").split(whereSeparator: \.isNewline).map(String.init)
        do throws(any Error) {
            if req.formValue("intent") == "check" {
                var errors = ValidationErrors()
                let query = errors.collect { () throws(ValidationErrors) in try MonitorQuery(values["query"] ?? "", field: "query") }
                let excluded = errors.collect { () throws(ValidationErrors) in try MonitorDefinition.exclusions(exclusions) } ?? []
                let text = values["check_text"] ?? ""
                if text.isEmpty || text.count > 5_000 { errors.add("check_text", .lengthBetween(min: 1, max: 5_000)) }
                try errors.throwIfAny()
                let matches = MonitorService.wouldMatch(text, query: query!, exclusions: excluded)
                return try await renderMonitors(
                    req, editing: editing, values: values, sources: Set(sources), scope: scope, errors: FormErrors(), check: matches
                )
                .encodeResponse(for: req)
            }
            let input = MonitorService.Input(
                name: values["name"], query: values["query"], exclusions: exclusions,
                platforms: Forms.values(req, "platforms"), accountIds: Forms.values(req, "account_ids"), sources: sources,
                enabled: values["enabled"] == "true", snoozedUntil: existing?.snoozedUntil)
            let service = MonitorService(db: req.db)
            if let raw {
                _ = try await service.update(raw, input, in: access, actor: req.actor)
            } else {
                _ = try await service.create(input, in: access, actor: req.actor)
            }
            Flash.add(.notice, I18n.text("listening.monitor_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/listening/monitors")
        } catch let errors as ValidationErrors {
            return try await renderMonitors(
                req, editing: editing, values: values, sources: Set(sources), scope: scope, errors: FormErrors(errors), check: nil,
                status: .unprocessableEntity
            ).encodeResponse(for: req)
        } catch let problem as Problem where problem.status == 409 {
            var errors = FormErrors()
            errors.general = I18n.text("listening.monitor_name_taken", req.uiLocale)
            return try await renderMonitors(
                req, editing: editing, values: values, sources: Set(sources), scope: scope, errors: errors, check: nil, status: .conflict
            )
            .encodeResponse(for: req)
        }
    }

    @Sendable func deleteMonitor(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await MonitorService(db: req.db).delete(req.parameters.get("monitor_id"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("listening.monitor_deleted", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/listening/monitors")
    }

    @Sendable func grading(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let rule = try await ListeningSettings.grading(access.workspaceID, on: req.db)
        return try await frame(
            req, .grading,
            ListeningPage.gradingView(
                base: "/w/\(access.workspace.slug)", values: ListeningPage.gradingValues(rule), errors: FormErrors(),
                canManage: access.can(.inboxRulesManage), ctx))
    }

    @Sendable func saveGrading(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        var values: [String: String] = [:]
        for name in ListeningPage.gradingGlobals { values[name] = req.formValue(name).trimmingCharacters(in: .whitespaces) }
        for grade in AlertGrade.allCases {
            for number in ListeningPage.gradingNumbers {
                values["\(grade.rawValue).\(number)"] = req.formValue("\(grade.rawValue).\(number)").trimmingCharacters(in: .whitespaces)
            }
        }
        do {
            let rule = try ListeningPage.gradingRule(values)
            try await ListeningSettings.setGrading(rule, in: access, actor: req.actor, on: req.db)
            Flash.add(.notice, I18n.text("listening.grading_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/listening/grading")
        } catch let errors as ValidationErrors {
            let ctx = try await PageContext.make(req)
            return try await frame(
                req, .grading, status: .unprocessableEntity,
                ListeningPage.gradingView(
                    base: "/w/\(access.workspace.slug)", values: values, errors: FormErrors(errors), canManage: true, ctx)
            ).encodeResponse(for: req)
        }
    }
}
