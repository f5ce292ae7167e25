import FanfareCore
import Fluent
import SQLKit
import Vapor

/// 工作台: a person's home in a workspace. What waits for *them* comes
/// first, each as a count that opens the filtered list behind it; the
/// workspace's facts come after. Query → model → view; the model and the
/// view are tested without a database.
enum WorkbenchPage {
    /// 本周数据: the week's KPI tiles, each opening the rows behind it, and a link to the overview.
    static func weekStrip(_ model: Model, _ ctx: PageContext) -> HTML {
        guard !model.week.isEmpty else { return .empty }
        let tiles = model.week.map { tile -> HTML in
            """
            <a class="tile kpi tone-\(tile.tone)" id="week-\(tile.key)" href="\(tile.href)"><span class="label">\(tile.label)</span>\
            <strong class="count">\(tile.value)</strong><span class="change change-\(tile.tone)">\(tile.change)</span>\
            \(Chart.sparkline(tile.sparkline, label: tile.label, locale: ctx.locale, format: tile.format))</a>
            """
        }
        return """
            <section aria-labelledby="workbench-week" id="workbench-week-section"><h2 id="workbench-week">\(ctx.t("analytics.week"))</h2>
            <div class="tiles kpis" id="workbench-week-tiles">\(tiles)</div>
            <p><a href="\(model.weekHref)" id="workbench-week-more">\(ctx.t("analytics.week_more"))</a></p></section>
            """
    }

    struct Found: Sendable {
        var workspaceName: String
        var role: Role
        var timeZone: String
        var members: Int
        var openInvitations: Int
        var mayManageMembers: Bool
        var mayWrite: Bool
        var posts: PostService.Workload?
        var inbox: ConversationService.Workload?
        /// The last 7 days' KPIs, when the person may see analytics.
        var week: [AnalyticsOverview.KPI]? = nil
        /// The goals card, when the person may see analytics.
        var goals: GoalsSurface.Card? = nil
    }

    struct Tile: Sendable, Equatable {
        /// Stable id for tests and the browser (`work-review`).
        var id: String
        var label: String
        var count: Int
        var href: String
        /// `urgent` when the count is a problem to act on now.
        var tone: String
    }

    struct Model: Sendable {
        var title: String
        var roleLabel: String
        var tiles: [Tile]
        /// True when nothing waits: the page then says what to do next.
        var allClear: Bool
        var nextSteps: [(label: String, href: String)]
        var facts: [(label: String, value: String, id: String?, verbatim: Bool)]
        /// 本周数据: a few KPI tiles linking to the overview.
        var week: [DashboardPage.Tile] = []
        var weekHref: String = ""
        var goals: GoalsSurface.Card? = nil
    }

    /// The workspace's own counts in one statement; the week's KPIs are
    /// read beside the person's work (on connections of their own), so a
    /// view waits for the longer of the two rather than for both.
    static func query(_ access: WorkspaceAccess, actor: Actor, on db: any Database, now: Date = Date()) async throws -> Found {
        // Read before the week's KPIs start on their own connection.
        let goals = try await GoalsSurface.card(access, base: "/w/\(access.workspace.slug)", on: db)
        async let week = access.can(.analyticsView) ? weekKPIs(access, on: db, now: now) : nil
        var members = 0
        var invitations = 0
        if let sql = db as? any SQLDatabase,
            let row = try await sql.raw(
                """
                SELECT (SELECT COUNT(*) FROM memberships WHERE workspace_id = \(bind: access.workspaceID)) AS members, \
                (SELECT COUNT(*) FROM invitations WHERE workspace_id = \(bind: access.workspaceID) AND accepted_at IS NULL \
                AND revoked_at IS NULL AND expires_at > \(bind: now)) AS invitations
                """
            ).first()
        {
            members = try row.decode(column: "members", as: Int.self)
            invitations = try row.decode(column: "invitations", as: Int.self)
        }
        return Found(
            workspaceName: access.workspace.name, role: access.role, timeZone: access.workspace.timeZone, members: members,
            openInvitations: invitations, mayManageMembers: access.can(.membersView), mayWrite: access.can(.contentEdit),
            posts: access.can(.contentView) ? try await PostService.workload(of: actor, in: access, on: db, now: now) : nil,
            inbox: access.can(.inboxView) ? try await ConversationService.workload(of: actor.userID, in: access, on: db, now: now) : nil,
            week: try await week, goals: goals)
    }

    /// The last 7 days against the 7 before, through the overview's query.
    static func weekKPIs(_ access: WorkspaceAccess, on db: any Database, now: Date) async throws -> [AnalyticsOverview.KPI]? {
        let today = MetricDay.of(now, in: access.workspace.zone)
        let request = DashboardRequest(
            preset: "7", period: .last(7, endingOn: today), comparisonKind: .previous, filter: DashboardFilter(), accountIDs: nil)
        let result = try await AnalyticsOverview.query(access: access, request: request, inbox: false, kpisOnly: true, on: db, now: now)
        if result.storesNothing { return nil }
        return ["followers", "followers_net", "engagement_rate", "sign_ups"].compactMap { result.kpi($0) }
    }

    static func model(_ found: Found, base: String, locale: UILocale) -> Model {
        func t(_ key: String, _ args: String...) -> String { I18n.text(key, locale, args) }
        var tiles: [Tile] = []
        if let posts = found.posts {
            tiles.append(
                Tile(id: "work-review", label: t("workbench.review"), count: posts.awaitingMyReview, href: "\(base)/posts?review=mine", tone: "act"))
            tiles.append(Tile(id: "work-today", label: t("workbench.today"), count: posts.dueToday, href: "\(base)/posts?due=today", tone: "info"))
            tiles.append(
                Tile(id: "work-failed", label: t("workbench.failed"), count: posts.failed, href: "\(base)/posts?status=failed", tone: "urgent"))
        }
        if let inbox = found.inbox {
            tiles.append(
                Tile(id: "work-assigned", label: t("workbench.assigned"), count: inbox.assignedToMe, href: "\(base)/inbox?assignee=me", tone: "act"))
            tiles.append(
                Tile(
                    id: "work-breach-soon", label: t("workbench.breach_soon"), count: inbox.aboutToBreach, href: "\(base)/inbox?sla=warning",
                    tone: "urgent"))
            tiles.append(
                Tile(id: "work-breached", label: t("workbench.breached"), count: inbox.breached, href: "\(base)/inbox?sla=breached", tone: "urgent"))
        }
        // What is waiting matters; a zero is shown but not coloured.
        tiles = tiles.map { tile in
            var tile = tile; if tile.count == 0 { tile.tone = "calm" }; return tile
        }
        var next: [(label: String, href: String)] = []
        if found.mayWrite { next.append((t("workbench.next.write"), "\(base)/posts/new")) }
        if found.inbox != nil { next.append((t("workbench.next.inbox"), "\(base)/inbox")) }
        if found.posts != nil { next.append((t("workbench.next.calendar"), "\(base)/calendar")) }
        var facts: [(label: String, value: String, id: String?, verbatim: Bool)] = [
            (t("field.your_role"), t("role." + found.role.rawValue), "your-role", false)
        ]
        facts.append((t("overview.members"), String(found.members), nil, false))
        if found.mayManageMembers { facts.append((t("overview.pending_invitations"), String(found.openInvitations), nil, false)) }
        // The zone is an IANA name, the same in every language.
        facts.append((t("field.time_zone"), found.timeZone, nil, true))
        var model = Model(
            title: found.workspaceName, roleLabel: t("role." + found.role.rawValue), tiles: tiles, allClear: tiles.allSatisfy { $0.count == 0 },
            nextSteps: next, facts: facts)
        model.goals = found.goals
        if let week = found.week {
            model.weekHref = "\(base)/analytics?period=7"
            model.week = week.map { kpi in
                let change = kpi.change
                return DashboardPage.Tile(
                    key: kpi.key, label: t("analytics.kpi.\(kpi.key)"), value: DashboardPage.format(kpi.value, unit: kpi.unit, locale), exact: nil,
                    change: DashboardPage.change(change, previous: kpi.previous, locale),
                    tone: kpi.previous == nil || change.direction == .flat ? "flat" : change.direction == .up ? "good" : "bad", previous: "",
                    note: nil, sparkline: kpi.daily.compactMap { $0 }, format: kpi.unit == "ratio" ? .percent : .count,
                    href: "\(base)/analytics/rows?metric=\(kpi.key)&period=7")
            }
        }
        return model
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let tiles = model.tiles.map { tile -> HTML in
            """
            <a class="tile tone-\(tile.tone)" id="\(tile.id)" href="\(tile.href)"><strong class="count">\(tile.count)</strong>\
            <span class="label">\(tile.label)</span></a>
            """
        }
        let clear: HTML =
            model.allClear
            ? """
            <p class="empty" id="workbench-clear">\(ctx.t("workbench.clear"))</p>
            <ul class="next-steps">\(model.nextSteps.map { step -> HTML in "<li><a href=\"\(step.href)\">\(step.label)</a></li>" })</ul>
            """
            : .empty
        let facts = model.facts.map { fact -> HTML in
            "<dt>\(fact.label)</dt><dd\(fact.id.map { HTML(raw: " id=\"\(HTML.escape($0))\"") })\(fact.verbatim ? HTML(raw: " translate=\"no\"") : .empty)>\(fact.value)</dd>"
        }
        return """
            <h1 translate="no">\(model.title)</h1>
            <section aria-labelledby="workbench-mine"><h2 id="workbench-mine">\(ctx.t("workbench.mine"))</h2>
            <div class="tiles" id="workbench-tiles">\(tiles)</div>
            \(clear)
            </section>
            \(weekStrip(model, ctx))
            \(model.goals.map { GoalsSurface.cardView($0, ctx) })
            <section aria-labelledby="workbench-facts"><h2 id="workbench-facts">\(ctx.t("workbench.workspace"))</h2>
            <dl class="facts">\(facts)</dl></section>
            """
    }
}
