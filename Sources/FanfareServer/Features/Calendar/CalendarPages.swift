import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/calendar`: week and month views in the workspace's time zone,
/// weekly themes, warnings, export, and rescheduling by drag (the post's
/// own page has the same as a form, for use without JavaScript).
struct CalendarPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("calendar", use: show)
        scoped.post("calendar", "themes", use: setTheme)
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let input = CalendarPage.Input(view: req.query[String.self, at: "view"], date: req.query[String.self, at: "date"])
        let found = try await CalendarPage.query(input, access: access, analytics: access.can(.analyticsView), on: req.db)
        let model = CalendarPage.model(
            found, base: "/w/\(access.workspace.slug)", api: "/api/v1/workspaces/\(access.workspace.slug)",
            abilities: .init(schedule: access.can(.contentSchedule), plan: access.can(.planningManage)), locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("calendar.title"), CalendarPage.view(model, ctx))
    }

    @Sendable func setTheme(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let weekStart = req.formValue("week_start")
        do {
            let theme = try WeeklyTheme(validating: weekStart, theme: req.formValue("theme"))
            try await CalendarService(db: req.db).setTheme(theme, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("calendar.theme_saved", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/calendar?date=\(weekStart)")
    }
}
