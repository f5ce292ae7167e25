import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/inbox/service-levels`: the policy (how soon a fan is answered
/// and helped, business hours, the automatic-reply cap, the public list of
/// adopted suggestions) and the report of response times against it.
struct ServiceLevelPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("inbox", "service-levels", use: page)
        scoped.post("inbox", "service-levels", use: save)
    }

    static let numberFields = ["first_response_minutes", "resolution_minutes", "warning_percent", "auto_reply_cap"]

    /// "42 min" below an hour, "3.5 h" above.
    static func duration(_ minutes: Double?, _ ctx: PageContext) -> String {
        guard let minutes else { return "—" }
        if minutes < 60 { return ctx.t("inbox.minutes_short", String(Int(minutes.rounded()))) }
        let hours = (minutes / 6).rounded() / 10
        let text = hours == hours.rounded() ? String(Int(hours)) : String(format: "%.1f", hours)
        return ctx.t("inbox.hours_short", text)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let settings = try await InboxSettings.of(access.workspaceID, on: req.db)
        return try await render(req, values: Self.values(settings), errors: FormErrors())
    }

    static func values(_ settings: InboxSettings) -> [String: String] {
        let dto = InboxSettingsDTO(settings)
        var values = [
            "first_response_minutes": String(dto.firstResponseMinutes), "resolution_minutes": String(dto.resolutionMinutes),
            "warning_percent": String(dto.warningPercent), "auto_reply_cap": String(dto.autoReplyCap),
            "public_feedback": dto.publicFeedback ? "true" : "",
            "public_feedback_form": dto.publicFeedbackForm ? "true" : "",
        ]
        if let hours = dto.businessHours {
            values["business_hours_start"] = hours.start
            values["business_hours_end"] = hours.end
            values["weekdays"] = hours.weekdays.map(String.init).joined(separator: ",")
        }
        return values
    }

    private func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let days = min(max(req.query[Int.self, at: "days"] ?? 30, 1), 366)
        let report = try await ServiceLevelService(db: req.db).report(days: days, in: access)
        let settings = try await InboxSettings.of(access.workspaceID, on: req.db)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/inbox/service-levels"
        let form: HTML =
            access.can(.inboxRulesManage)
            ? settingsForm(ctx, access: access, base: base, values: values, errors: errors)
            : "<p class=\"muted\">\(ctx.t("inbox.sla_policy_now", Self.duration(Double(settings.firstResponseMinutes), ctx), Self.duration(Double(settings.resolutionMinutes), ctx)))</p>"
        let overall = report.overall
        let dayOptions = [7, 30, 90, 365].map { value -> HTML in
            "<option value=\"\(value)\"\(value == days ? HTML(raw: " selected") : .empty)>\(ctx.t("inbox.sla_days_option", String(value)))</option>"
        }
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_service_levels"), status: status,
            """
            <h1>\(ctx.t("inbox.tab_service_levels"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            \(form)
            <section id="sla-report"><h2>\(ctx.t("inbox.sla_report"))</h2>
            <form method="get" action="\(base)" class="inline" id="sla-days-form"><label for="days">\(ctx.t("inbox.sla_days"))</label> <select id="days" name="days">\(dayOptions)</select> <button type="submit">\(ctx.t("inbox.show"))</button></form>
            <p id="sla-overall">\(ctx.t("inbox.sla_overall", String(days), String(overall.conversations), String(overall.answered), String(overall.resolved), Self.duration(overall.firstResponseP50, ctx), Self.duration(overall.firstResponseP90, ctx), Self.duration(overall.resolutionP50, ctx), Self.duration(overall.resolutionP90, ctx), String(overall.breaches)))</p>
            <h3>\(ctx.t("inbox.sla_by_agent"))</h3>\(table(ctx, "sla-by-agent", report.rows.filter { $0.group == "agent" }))
            <h3>\(ctx.t("inbox.sla_by_account"))</h3>\(table(ctx, "sla-by-account", report.rows.filter { $0.group == "account" }))
            <h3>\(ctx.t("inbox.sla_by_tier"))</h3>\(table(ctx, "sla-by-tier", report.rows.filter { $0.group == "tier" }))
            </section>
            """)
    }

    private func table(_ ctx: PageContext, _ id: String, _ rows: [ServiceLevelService.Report.Row]) -> HTML {
        let empty: HTML = "<tr><td colspan=\"9\" class=\"empty\">\(ctx.t("inbox.sla_no_conversations"))</td></tr>"
        let body = rows.map { row -> HTML in
            let label: String
            switch row.group {
            case "tier": label = ctx.t("inbox.tier." + row.key)
            case "agent" where row.key == "none": label = ctx.t("inbox.unassigned")
            default: label = row.label
            }
            return """
                <tr data-key="\(row.key)"><td>\(label)</td><td>\(row.conversations)</td><td>\(row.answered)</td><td>\(row.resolved)</td>
                <td>\(Self.duration(row.firstResponseP50, ctx))</td><td>\(Self.duration(row.firstResponseP90, ctx))</td>
                <td>\(Self.duration(row.resolutionP50, ctx))</td><td>\(Self.duration(row.resolutionP90, ctx))</td><td>\(row.breaches)</td></tr>
                """
        }
        return """
            <table id="\(id)"><thead><tr><th></th><th>\(ctx.t("inbox.sla_conversations"))</th><th>\(ctx.t("inbox.sla_answered"))</th><th>\(ctx.t("inbox.sla_resolved"))</th>
            <th>\(ctx.t("inbox.sla_first_p50"))</th><th>\(ctx.t("inbox.sla_first_p90"))</th><th>\(ctx.t("inbox.sla_resolution_p50"))</th><th>\(ctx.t("inbox.sla_resolution_p90"))</th><th>\(ctx.t("inbox.sla_breaches"))</th></tr></thead>
            <tbody>\(rows.isEmpty ? empty : HTML.join(body))</tbody></table>
            """
    }

    private func settingsForm(_ ctx: PageContext, access: WorkspaceAccess, base: String, values: [String: String], errors: FormErrors) -> HTML {
        let weekdays = Set((values["weekdays"] ?? "").split(separator: ",").map(String.init))
        // 1 is Sunday, as the service counts; the week is shown from Monday.
        let weekdayOptions = [2, 3, 4, 5, 6, 7, 1].map { (String($0), ctx.t("inbox.weekday.\($0)")) }
        let publicOn = values["public_feedback"] == "true"
        let publicURL = "/p/\(access.workspace.slug)/adopted"
        let formOn = values["public_feedback_form"] == "true"
        let formURL = "/p/\(access.workspace.slug)/feedback"
        let hasHours = !(values["business_hours_start"] ?? "").isEmpty
        return """
            <section class="card"><h2>\(ctx.t("inbox.sla_settings"))</h2>
            <form method="post" action="\(base)" id="service-level-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "first_response_minutes", label: ctx.t("inbox.sla_first_response"), type: "number", value: values["first_response_minutes"] ?? "", errors: errors, hint: ctx.t("inbox.sla_minutes_hint")))
            \(Layout.field(ctx, name: "resolution_minutes", label: ctx.t("inbox.sla_resolution"), type: "number", value: values["resolution_minutes"] ?? "", errors: errors, hint: ctx.t("inbox.sla_minutes_hint")))
            \(Layout.field(ctx, name: "warning_percent", label: ctx.t("inbox.sla_warning_percent"), type: "number", value: values["warning_percent"] ?? "", errors: errors, hint: ctx.t("inbox.sla_warning_hint")))
            <fieldset id="business-hours"><legend>\(ctx.t("inbox.sla_business_hours"))</legend>
            <p class="hint">\(ctx.t(hasHours ? "inbox.sla_business_hours_set" : "inbox.sla_business_hours_none"))</p>
            \(Layout.field(ctx, name: "business_hours_start", label: ctx.t("inbox.sla_hours_start"), type: "time", value: values["business_hours_start"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "business_hours_end", label: ctx.t("inbox.sla_hours_end"), type: "time", value: values["business_hours_end"] ?? "", errors: errors, required: false))
            \(Forms.checkboxes(ctx, name: "weekdays", legend: ctx.t("inbox.sla_weekdays"), options: weekdayOptions, checked: hasHours || !weekdays.isEmpty ? weekdays : ["2", "3", "4", "5", "6"], errors: errors))
            \(Forms.checkbox(ctx, name: "clear_business_hours", label: ctx.t("inbox.sla_clear_hours"), checked: false, errors: errors))
            </fieldset>
            \(Layout.field(ctx, name: "auto_reply_cap", label: ctx.t("inbox.sla_auto_reply_cap"), type: "number", value: values["auto_reply_cap"] ?? "", errors: errors, hint: ctx.t("inbox.sla_auto_reply_cap_hint")))
            \(Forms.checkbox(ctx, name: "public_feedback", label: ctx.t("inbox.sla_public_feedback"), checked: publicOn, hint: ctx.t("inbox.sla_public_feedback_hint"), errors: errors))
            \(publicOn ? HTML("<p id=\"public-adopted-url\">\(ctx.t("inbox.sla_public_url")) <a href=\"\(publicURL)\">\(publicURL)</a></p>") : HTML.empty)
            \(Forms.checkbox(ctx, name: "public_feedback_form", label: ctx.t("inbox.sla_public_feedback_form"), checked: formOn, hint: ctx.t("inbox.sla_public_feedback_form_hint"), errors: errors))
            \(formOn ? HTML("<p id=\"public-form-url\">\(ctx.t("inbox.sla_public_form_url")) <a href=\"\(formURL)\">\(formURL)</a></p>") : HTML.empty)
            <button type="submit" class="primary" id="save-service-levels">\(ctx.t("inbox.save"))</button></form></section>
            """
    }

    @Sendable func save(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        var values: [String: String] = [:]
        for key in Self.numberFields + ["business_hours_start", "business_hours_end"] {
            values[key] = req.formValue(key).trimmingCharacters(in: .whitespaces)
        }
        let weekdays = Forms.values(req, "weekdays").compactMap(Int.init)
        values["weekdays"] = weekdays.map(String.init).joined(separator: ",")
        values["public_feedback"] = Forms.isOn(req, "public_feedback") ? "true" : ""
        values["public_feedback_form"] = Forms.isOn(req, "public_feedback_form") ? "true" : ""
        let clear = Forms.isOn(req, "clear_business_hours")
        do {
            var errors = ValidationErrors()
            var numbers: [String: Int] = [:]
            for key in Self.numberFields {
                if let number = Int(values[key] ?? "") { numbers[key] = number } else { errors.add(key, .typeWholeNumber) }
            }
            var hours: InboxSettingsDTO.BusinessHoursDTO?
            let start = values["business_hours_start"] ?? "", end = values["business_hours_end"] ?? ""
            if !clear, !start.isEmpty || !end.isEmpty {
                hours = .init(start: start, end: end, weekdays: weekdays)
            }
            try errors.throwIfAny()
            let input = ServiceLevelService.Input(
                firstResponseMinutes: numbers["first_response_minutes"], resolutionMinutes: numbers["resolution_minutes"],
                warningPercent: numbers["warning_percent"], businessHours: hours, clearBusinessHours: clear || (start.isEmpty && end.isEmpty),
                autoReplyCap: numbers["auto_reply_cap"], publicFeedback: values["public_feedback"] == "true",
                publicFeedbackForm: values["public_feedback_form"] == "true")
            _ = try await ServiceLevelService(db: req.db).update(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.sla_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/service-levels")
        } catch let errors as ValidationErrors {
            if clear {
                values["business_hours_start"] = ""
                values["business_hours_end"] = ""
            }
            return try await render(req, values: values, errors: Self.formErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    /// The service's fields as the form names them.
    static func formErrors(_ errors: ValidationErrors) -> FormErrors {
        var mapped = errors
        mapped.issues = errors.issues.map { issue in
            switch issue.field {
            case "business_hours.start": FieldIssue(field: "business_hours_start", issue.coded)
            case "business_hours.end", "business_hours": FieldIssue(field: "business_hours_end", issue.coded)
            case "business_hours.weekdays": FieldIssue(field: "weekdays", issue.coded)
            default: issue
            }
        }
        return FormErrors(mapped)
    }
}
