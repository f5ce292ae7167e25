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
        ServiceLevelPage.duration(minutes, ctx.locale)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let settings = try await InboxSettings.of(access.workspaceID, on: req.db)
        return try await render(req, values: Self.values(settings), errors: FormErrors(), settings: settings)
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

    private func render(
        _ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok, settings: InboxSettings? = nil
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let input = ServiceLevelPage.Input(days: req.query[String.self, at: "days"], values: values, errors: errors)
        let found = try await ServiceLevelPage.query(input, access: access, settings: settings, on: req.db)
        let model = ServiceLevelPage.model(
            input, found, workspace: "/w/\(access.workspace.slug)", slug: access.workspace.slug, canManage: access.can(.inboxRulesManage),
            locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_service_levels"), status: status,
            ServiceLevelPage.view(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
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
