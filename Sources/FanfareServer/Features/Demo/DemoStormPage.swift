import FanfareCore
import Vapor

/// The 舆情 pages' "start a storm" button, in the demo only: the same
/// storm as `fanfare demo storm`, one at a time per workspace.
struct DemoStormPage {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.post("demo", "storm", use: start)
    }

    /// Who may start one: the people who manage listening's monitors.
    static let permission = WorkspaceAction.inboxRulesManage

    /// Shown to whom it is for: a server started with `--demo`, in the
    /// demo workspace, to a person allowed to start one.
    static func shown(_ req: Request, _ access: WorkspaceAccess) -> Bool {
        req.application.settings.demo && access.workspace.slug == Demo.workspaceSlug && access.can(permission)
    }

    @Sendable func start(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        // Not in this server's pages otherwise: as if the route were not there.
        guard req.application.settings.demo, access.workspace.slug == Demo.workspaceSlug else { throw Abort(.notFound) }
        try access.require(Self.permission)
        let locale = req.uiLocale
        let back = req.safeReturnPath(req.formValueIfPresent("return_to"), fallback: "/w/\(access.workspace.slug)/listening/alerts")
        do {
            let started = try await DemoStorm.start(app: req.application, peakPerMinute: 12, actor: req.actor)
            Flash.add(
                .notice, I18n.text("demo.storm.started", locale, [String(started.messages), "@" + started.account, DemoStorm.brand]), to: req)
        } catch let underway as DemoStorm.Underway {
            let until = Layout.timeText(underway.until, zone: access.workspace.zone, locale: locale)
            Flash.add(.error, I18n.text("demo.storm.underway", locale, [until]), to: req)
        } catch let invalid as ValidationErrors {
            Flash.add(.error, invalid.issues.first.map { $0.coded.text(locale) } ?? "", to: req)
        }
        return req.redirect(to: back)
    }
}

/// What other features may show of the demo.
enum DemoSurface {
    /// The storm button for a 舆情 page (nothing outside the demo), coming
    /// back to `returnTo` with what happened.
    static func stormButton(_ req: Request, _ ctx: PageContext, returnTo: String) throws -> HTML {
        let access = try req.workspaceAccess
        guard DemoStormPage.shown(req, access) else { return .empty }
        return """
            <form method="post" action="/w/\(access.workspace.slug)/demo/storm" class="inline wrap" id="demo-storm">\(ctx.csrfField)\
            <input type="hidden" name="return_to" value="\(returnTo)">\
            <button type="submit" class="secondary" id="start-storm">\(ctx.t("demo.storm.start"))</button> \
            <small class="hint">\(ctx.t("demo.storm.hint"))</small></form>
            """
    }
}
