import FanfareCore
import Fluent
import Foundation

/// 营销活动 pages (`/w/{ws}/campaigns…`): the list with each campaign's
/// board colour, a campaign's page (board, Gantt with the critical path,
/// tasks with their RACI people, dependencies, checklists) and the forms.
/// Models are plain values read from the same DTOs as the API; views are
/// pure functions, tested without a database.
enum CampaignsPage {
    static let statusTones: [String: Badge.Tone] = ["green": .success, "amber": .warning, "red": .danger]

    static func statusBadge(_ status: String, _ ctx: PageContext, id: String? = nil) -> HTML {
        Badge.html(
            ctx.t("campaigns.status.\(status)"), tone: Badge.tone(status, statusTones), classes: "campaign-status", id: id, data: [("status", status)]
        )
    }

    /// Members by id, as their names read.
    static func memberNames(_ access: WorkspaceAccess, on db: any Database) async throws -> [UUID: String] {
        var names: [UUID: String] = [:]
        for member in try await access.members(on: db) { names[member.userID] = member.displayName.isEmpty ? member.email : member.displayName }
        return names
    }

    // MARK: The list

    struct ListModel: Sendable {
        struct Item: Sendable {
            var id: String
            var name: String
            var launchDay: String
            var startDay: String
            var endDay: String
            var state: String
            var status: String
            var tasks: Int
            var tasksDone: Int
        }

        var base: String
        var items: [Item]
        var canPlan: Bool
    }

    static func listView(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let actions: HTML =
            model.canPlan
            ? "<p class=\"actions\"><a class=\"button primary\" href=\"\(model.base)/campaigns/new\" id=\"new-campaign\">\(ctx.t("campaigns.new"))</a></p>"
            : .empty
        let body: HTML
        if model.items.isEmpty {
            let next: HTML =
                model.canPlan
                ? "<p><a href=\"\(model.base)/campaigns/new\" id=\"empty-new-campaign\">\(ctx.t("campaigns.empty_next"))</a></p>"
                : "<p>\(ctx.t("campaigns.empty_ask"))</p>"
            body = "<section class=\"empty-state\" id=\"campaigns-empty\"><p>\(ctx.t("campaigns.empty"))</p>\(next)</section>"
        } else {
            let rows = model.items.map { item -> HTML in
                let state: HTML = item.state == "closed" ? Badge.html(ctx.t("campaigns.state.closed"), tone: .neutral) : statusBadge(item.status, ctx)
                return """
                    <tr data-campaign="\(item.id)"><td><a href="\(model.base)/campaigns/\(item.id)">\(HTML.typed(item.name))</a></td>\
                    <td>\(Formats.day(item.launchDay, ctx.locale))</td><td>\(Formats.day(item.startDay, ctx.locale)) – \(Formats.day(item.endDay, ctx.locale))</td>\
                    <td>\(state)</td><td class="num">\(item.tasksDone) / \(item.tasks)</td></tr>
                    """
            }
            body = """
                <div class="table-scroll"><table id="campaigns-table"><thead><tr><th>\(ctx.t("campaigns.col.name"))</th><th>\(ctx.t("campaigns.col.launch"))</th>\
                <th>\(ctx.t("campaigns.col.span"))</th><th>\(ctx.t("campaigns.col.status"))</th><th class="num">\(ctx.t("campaigns.col.tasks"))</th></tr></thead>\
                <tbody>\(HTML.join(rows))</tbody></table></div>
                <p><a href="/api/v1/workspaces/\(model.base.split(separator: "/").last.map(String.init) ?? "")/campaigns?format=csv" id="campaigns-csv" download>\(ctx.t("campaigns.export"))</a></p>
                """
        }
        return """
            <h1>\(ctx.t("campaigns.title"))</h1>
            <p class="hint">\(ctx.t("campaigns.intro"))</p>
            \(actions)
            <section class="card" id="campaigns-list">\(body)</section>
            """
    }

    // MARK: The new campaign form

    struct FormModel: Sendable {
        var base: String
        var values: [String: String] = [:]
        var errors = FormErrors()
        var goals: [(id: String, title: String)]
        var members: [(id: String, name: String)]
        var campaignID: String? = nil
    }

    static func formView(_ model: FormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let templates = CampaignTemplate.allCases.map { ($0.rawValue, ctx.t("campaigns.template.\($0.rawValue)")) }
        let template: HTML =
            model.campaignID == nil
            ? Layout.select(
                ctx, name: "template", label: ctx.t("campaigns.field.template"), options: templates,
                selected: v["template"] ?? CampaignTemplate.warmUpBurstSustain.rawValue, errors: e) : .empty
        let action = model.campaignID.map { "\(model.base)/campaigns/\($0)" } ?? "\(model.base)/campaigns"
        let form = FormPage.post(
            ctx, id: "campaign-form", heading: ctx.t(model.campaignID == nil ? "campaigns.new" : "campaigns.edit"), action: action, errors: e,
            fields: [
                Layout.field(ctx, name: "name", label: ctx.t("campaigns.field.name"), value: v["name"] ?? "", errors: e),
                template,
                Layout.field(
                    ctx, name: "launch_day", label: ctx.t("campaigns.field.launch_day"), type: "date", value: v["launch_day"] ?? "", errors: e),
                Layout.field(
                    ctx, name: "buffer_days", label: ctx.t("campaigns.field.buffer_days"), type: "number",
                    value: v["buffer_days"] ?? String(CampaignPlan.recommendedBufferDays), errors: e, hint: ctx.t("campaigns.field.buffer_help")),
                Layout.select(
                    ctx, name: "goal_id", label: ctx.t("campaigns.field.goal"),
                    options: [("", ctx.t("campaigns.field.no_goal"))] + model.goals.map { ($0.id, $0.title) },
                    selected: v["goal_id"] ?? "", errors: e, verbatimAfterFirst: true),
                Layout.select(
                    ctx, name: "owner_id", label: ctx.t("campaigns.field.owner"),
                    options: [("", ctx.t("campaigns.field.no_owner"))] + model.members.map { ($0.id, $0.name) }, selected: v["owner_id"] ?? "",
                    errors: e,
                    verbatimAfterFirst: true),
            ], submit: ctx.t(model.campaignID == nil ? "campaigns.create" : "campaigns.save"))
        let back = model.campaignID.map { "\(model.base)/campaigns/\($0)" } ?? "\(model.base)/campaigns"
        return """
            <p><a href="\(back)">\(ctx.t("campaigns.back"))</a></p>
            <section class="card" id="campaign-form-card">\(form)</section>
            """
    }

    // MARK: A campaign

    struct ShowModel: Sendable {
        var base: String
        var workspaceSlug: String
        var campaign: CampaignDTO
        var names: [UUID: String]
        var goalTitle: String?
        var members: [(id: String, name: String)]
        var canPlan: Bool
        var taskValues: [String: String] = [:]
        var taskErrors = FormErrors()
        var dependencyValues: [String: String] = [:]
        var dependencyErrors = FormErrors()
        var posts: [PostService.CampaignPost] = []
        /// The register's risks and the budget lines linked to the campaign.
        var risks: [RisksSurface.CampaignRisk] = []
        var budgetLines: [BudgetsSurface.CampaignLine] = []
        var now = Date()
    }

    static func reasonText(_ reason: CampaignDTO.Reason, tasks: [UUID: String], _ ctx: PageContext) -> HTML {
        let task = reason.taskId.flatMap { tasks[$0] } ?? ""
        let percent = reason.value.map { GoalsPage.percent($0) } ?? ""
        switch reason.code {
        case "task_overdue", "launch_at_risk":
            return HTML.sentence(ctx.t("campaigns.reason.\(reason.code)"), [HTML.typed(task), "\(reason.days ?? 0)"])
        default:
            return "\(ctx.t("campaigns.reason.\(reason.code)", percent))"
        }
    }

    static func showView(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let campaign = model.campaign
        let id = campaign.id.uuidString.lowercased()
        let path = "\(model.base)/campaigns/\(id)"
        let taskNames = Dictionary(uniqueKeysWithValues: campaign.tasks.map { ($0.id, $0.name) })
        let closed = campaign.state == "closed"
        let reasons = campaign.reasons.map { reason -> HTML in
            "<li class=\"reason tone-\(Badge.tone(reason.colour, statusTones).rawValue)\" data-code=\"\(reason.code)\">\(reasonText(reason, tasks: taskNames, ctx))</li>"
        }
        let boardBody: HTML =
            closed
            ? "<p>\(ctx.t("campaigns.board.closed"))</p>"
            : reasons.isEmpty ? "<p>\(ctx.t("campaigns.board.clear"))</p>" : "<ul class=\"board-reasons\">\(HTML.join(reasons))</ul>"
        let bufferWarning: HTML =
            campaign.bufferDays < CampaignPlan.recommendedBufferDays
            ? "<p class=\"notice warning\" id=\"buffer-short\">\(ctx.t("campaigns.buffer_short", String(campaign.bufferDays)))</p>" : .empty
        let goal: HTML =
            model.goalTitle.map { title in
                " · \(ctx.t("campaigns.field.goal"))：<a href=\"\(model.base)/goals/\(campaign.goalId!.uuidString.lowercased())\">\(HTML.typed(title))</a>"
            } ?? .empty
        let owner: HTML = campaign.ownerId.flatMap { model.names[$0] }.map { " · \(ctx.t("campaigns.field.owner"))：\(HTML.typed($0))" } ?? .empty
        let state: HTML =
            closed
            ? Badge.html(
                ctx.t("campaigns.closed_on", Formats.day(MetricDay.of(campaign.closedAt ?? model.now, in: .current), ctx.locale)), tone: .neutral)
            : .empty
        let board: HTML = """
            <section class="card board board-\(closed ? "closed" : campaign.status)" id="campaign-board"><h2>\(ctx.t("campaigns.board")) \(closed ? state : statusBadge(campaign.status, ctx, id: "board-status"))</h2>
            \(boardBody)<p class="hint">\(ctx.t("campaigns.rules"))</p></section>
            """
        let actions: HTML =
            model.canPlan
            ? """
            <p class="actions no-print"><a class="button" href="\(path)/edit" id="edit-campaign">\(ctx.t("campaigns.edit"))</a> \
            \(closed ? HTML.empty : HTML("<form method=\"post\" action=\"\(path)/close\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" id=\"close-campaign\">\(ctx.t("campaigns.close"))</button></form>")) \
            <button type="button" onclick="window.print()" id="campaign-print">\(ctx.t("campaigns.print"))</button> \
            <a href="/api/v1/workspaces/\(model.workspaceSlug)/campaigns/\(id)/tasks?format=csv" id="tasks-csv" download>\(ctx.t("campaigns.export"))</a></p>
            """ : .empty
        let postMortem: HTML =
            closed
            ? "<p class=\"notice\" id=\"post-mortem-link\"><a class=\"button\" href=\"\(path)/post-mortem\">\(ctx.t("campaigns.pm.open"))</a></p>"
            : .empty
        return """
            <p class="no-print"><a href="\(model.base)/campaigns">\(ctx.t("campaigns.back"))</a></p>
            <h1>\(HTML.typed(campaign.name))</h1>
            <p class="hint">\(ctx.t("campaigns.col.launch"))：\(Formats.day(campaign.launchDay, ctx.locale)) · \(ctx.t("campaigns.col.span"))：\(Formats.day(campaign.startDay, ctx.locale)) – \(Formats.day(campaign.endDay, ctx.locale)) · \(ctx.t("campaigns.gantt.buffer", String(campaign.bufferDays)))\(goal)\(owner)</p>
            \(actions)
            \(postMortem)
            \(bufferWarning)
            \(board)
            <section class="card" id="campaign-gantt"><h2>\(ctx.t("campaigns.gantt"))</h2>\(gantt(model, ctx))</section>
            \(tasksSection(model, ctx))
            \(postsSection(model, ctx))
            \(risksSection(model, ctx))
            \(budgetSection(model, ctx))
            \(dependenciesSection(model, ctx))
            \(checklistSection(model, ctx))
            \(model.canPlan ? HTML("<form method=\"post\" action=\"\(path)/delete\" class=\"inline no-print\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\" id=\"delete-campaign\">\(ctx.t("campaigns.delete"))</button></form>") : .empty)
            """
    }

    /// The Gantt: tasks in phase order, the buffer band, the launch and
    /// today lines, the critical path in its colour, dependencies drawn.
    static func gantt(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let campaign = model.campaign
        let launch = campaign.launchDay
        let offset = { (day: String) in MetricDay.distance(from: launch, to: day) }
        let phaseOrder = Dictionary(uniqueKeysWithValues: campaign.phases.enumerated().map { ($0.element.id, $0.offset) })
        let ordered = campaign.tasks.enumerated().sorted {
            (phaseOrder[$0.element.phaseId] ?? 0, $0.offset) < (phaseOrder[$1.element.phaseId] ?? 0, $1.offset)
        }
        .map(\.element)
        let bars = ordered.map { task -> GanttBar in
            let start = offset(task.startDay)
            let note =
                task.critical
                ? ctx.t("campaigns.gantt.note_critical", String(task.durationDays))
                : ctx.t("campaigns.gantt.note", String(task.durationDays), String(task.totalFloatDays))
            return GanttBar(
                id: task.id.uuidString.lowercased(), label: task.name, start: start, finish: start + task.durationDays, critical: task.critical,
                done: task.done,
                note: note, href: "#task-\(task.id.uuidString.lowercased())")
        }
        let links = campaign.dependencies.map { dependency -> GanttLink in
            let kind = DependencyKind(rawValue: dependency.kind) ?? .finishToStart
            return GanttLink(
                from: dependency.predecessorId.uuidString.lowercased(), to: dependency.successorId.uuidString.lowercased(),
                fromEnd: kind == .finishToStart || kind == .finishToFinish, toEnd: kind == .finishToFinish || kind == .startToFinish)
        }
        let first = min(offset(campaign.startDay), 0)
        let last = max(offset(campaign.endDay) + 1, 1)
        let today = offset(campaign.today)
        let markers = [
            GanttMarker(day: 0, label: ctx.t("campaigns.gantt.launch"), classes: "launch"),
            GanttMarker(day: today, label: ctx.t("campaigns.gantt.today"), classes: "today"),
        ]
        let spec = ChartSpec(
            id: "gantt", title: ctx.t("campaigns.gantt"),
            summary: ctx.t(
                "campaigns.gantt.summary", String(bars.count), Formats.day(campaign.startDay, ctx.locale), Formats.day(campaign.endDay, ctx.locale),
                Formats.day(launch, ctx.locale)), locale: ctx.locale, now: model.now)
        return Chart.gantt(
            spec, bars: bars, links: links, markers: markers,
            band: (from: -campaign.bufferDays, to: 0, label: ctx.t("campaigns.gantt.buffer", String(campaign.bufferDays))), firstDay: first,
            lastDay: last, dayLabel: { axisDay(MetricDay.adding($0, to: launch)) },
            columns: ["", ctx.t("campaigns.gantt.col.start"), ctx.t("campaigns.gantt.col.end"), ctx.t("campaigns.gantt.col.note")])
    }

    /// `12/5`: short enough for a day axis in both languages.
    static func axisDay(_ day: String) -> String {
        let parts = day.split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), let date = Int(parts[2]) else { return day }
        return "\(month)/\(date)"
    }

    static func people(_ task: CampaignDTO.TaskEntry, names: [UUID: String], _ ctx: PageContext) -> HTML {
        let parts = CampaignRole.allCases.compactMap { role -> HTML? in
            let who = task.people.filter { $0.role == role.rawValue }.map { names[$0.userId] ?? "—" }
            guard !who.isEmpty else { return nil }
            return
                "<span class=\"raci raci-\(role.rawValue)\">\(ctx.t("campaigns.role.\(role.rawValue)"))：<span translate=\"no\">\(who.joined(separator: "、"))</span></span>"
        }
        return parts.isEmpty ? "—" : HTML.join(parts, separator: " ")
    }

    static func tasksSection(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let campaign = model.campaign
        let path = "\(model.base)/campaigns/\(campaign.id.uuidString.lowercased())"
        let phases = Dictionary(uniqueKeysWithValues: campaign.phases.map { ($0.id, $0) })
        let rows = campaign.tasks.map { task -> HTML in
            let taskID = task.id.uuidString.lowercased()
            let phase = phases[task.phaseId]
            let when: HTML =
                task.startDay == task.endDay
                ? "\(Formats.day(task.startDay, ctx.locale))" : "\(Formats.day(task.startDay, ctx.locale)) – \(Formats.day(task.endDay, ctx.locale))"
            let critical: HTML = task.critical ? " \(Badge.html(ctx.t("campaigns.critical"), tone: .danger, classes: "critical-badge"))" : .empty
            let toggle: HTML =
                model.canPlan
                ? """
                <form method="post" action="\(path)/tasks/\(taskID)/done" class="inline">\(ctx.csrfField)<input type="hidden" name="done" value="\(task.done ? "false" : "true")">\
                <button type="submit" class="small" data-toggle-done>\(ctx.t(task.done ? "campaigns.reopen" : "campaigns.mark_done"))</button></form> \
                <a href="\(path)/tasks/\(taskID)/edit" class="small">\(ctx.t("campaigns.edit"))</a>
                """ : "\(task.done ? "✓" : "")"
            return """
                <tr id="task-\(taskID)" data-task="\(taskID)" data-done="\(task.done ? "true" : "false")" data-critical="\(task.critical ? "true" : "false")"><td>\(HTML.typed(task.name))\(critical)</td>\
                <td>\(phase.map { HTML.typed($0.name) } ?? "—")</td><td class="num">\(task.durationDays)</td><td>\(when)</td>\
                <td>\(people(task, names: model.names, ctx))</td><td class="no-print">\(toggle)</td></tr>
                """
        }
        let table: HTML =
            campaign.tasks.isEmpty
            ? "<p class=\"empty\">\(ctx.t("campaigns.empty_next"))</p>"
            : """
            <div class="table-scroll"><table id="tasks-table"><thead><tr><th>\(ctx.t("campaigns.col.task"))</th><th>\(ctx.t("campaigns.col.phase"))</th>\
            <th class="num">\(ctx.t("campaigns.col.days"))</th><th>\(ctx.t("campaigns.col.when"))</th><th>\(ctx.t("campaigns.col.people"))</th>\
            <th class="no-print">\(ctx.t("campaigns.col.done"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        let form: HTML = model.canPlan ? taskForm(model, action: "\(path)/tasks", heading: "campaigns.add_task", ctx) : .empty
        return "<section class=\"card\" id=\"campaign-tasks\"><h2>\(ctx.t("campaigns.tasks"))</h2>\(table)\(form)</section>"
    }

    /// The campaign's posts by when they go out: their calendar.
    static func postsSection(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let rows = model.posts.map { post -> HTML in
            """
            <tr data-post="\(post.id.uuidString.lowercased())"><td>\(Layout.time(post.scheduledAt, ctx))</td>\
            <td><a href="\(model.base)/posts/\(post.id.uuidString.lowercased())">\(HTML.typed(post.title))</a></td>\
            <td>\(Badge.html(ctx.t("post.status.\(post.status)"), tone: .neutral, classes: "post-status", data: [("status", post.status)]))</td></tr>
            """
        }
        let body: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("campaigns.posts_empty"))</p>"
            : """
            <div class="table-scroll"><table id="campaign-posts-table"><thead><tr><th>\(ctx.t("campaigns.col.when"))</th><th>\(ctx.t("campaigns.col.post"))</th>\
            <th>\(ctx.t("campaigns.col.status"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        return "<section class=\"card\" id=\"campaign-posts\"><h2>\(ctx.t("campaigns.posts"))</h2>\(body)</section>"
    }

    /// The register's risks linked to the campaign; a risk is linked from its own form.
    static func risksSection(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let rows = model.risks.map { risk -> HTML in
            let id = risk.id.uuidString.lowercased()
            return """
                <tr data-risk="\(id)" data-level="\(risk.level)"><td><a href="\(model.base)/risks/\(id)">\(HTML.typed(risk.title))</a></td>\
                <td class="num">\(String(risk.score))</td><td>\(RisksPage.levelBadge(risk.level, ctx))</td><td>\(RisksPage.stateBadge(risk.state, ctx))</td></tr>
                """
        }
        let body: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("campaigns.risks_empty"))</p>"
            : """
            <div class="table-scroll"><table id="campaign-risks-table"><thead><tr><th>\(ctx.t("campaigns.col.risk"))</th><th>\(ctx.t("campaigns.col.score"))</th>\
            <th>\(ctx.t("campaigns.col.level"))</th><th>\(ctx.t("campaigns.col.status"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        return "<section class=\"card\" id=\"campaign-risks\"><h2>\(ctx.t("campaigns.risks"))</h2>\(body)</section>"
    }

    /// The budget lines of the campaign with their approved spend.
    static func budgetSection(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let used = { (spent: Int64, planned: Int64) -> String in planned > 0 ? GoalsPage.percent(Double(spent) / Double(planned)) : "—" }
        let rows = model.budgetLines.map { line -> HTML in
            """
            <tr data-line="\(line.id.uuidString.lowercased())"><td>\(HTML.typed(line.name))</td><td>\(line.month)</td>\
            <td class="num">\(BudgetsPage.yuan(line.plannedFen))</td><td class="num">\(BudgetsPage.yuan(line.spentFen))</td><td class="num">\(used(line.spentFen, line.plannedFen))</td></tr>
            """
        }
        let planned = model.budgetLines.reduce(Int64(0)) { $0 + $1.plannedFen }
        let spent = model.budgetLines.reduce(Int64(0)) { $0 + $1.spentFen }
        let body: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("campaigns.budget_empty"))</p>"
            : """
            <div class="table-scroll"><table id="campaign-budget-table"><thead><tr><th>\(ctx.t("campaigns.col.line"))</th><th>\(ctx.t("campaigns.col.month"))</th>\
            <th>\(ctx.t("campaigns.col.planned"))</th><th>\(ctx.t("campaigns.col.spent"))</th><th>\(ctx.t("campaigns.col.burn"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody>\
            <tfoot><tr><th scope="row" colspan="2">\(ctx.t("campaigns.total"))</th><td class="num">\(BudgetsPage.yuan(planned))</td><td class="num">\(BudgetsPage.yuan(spent))</td>\
            <td class="num" id="campaign-budget-used">\(used(spent, planned))</td></tr></tfoot></table></div>
            """
        return "<section class=\"card\" id=\"campaign-budget\"><h2>\(ctx.t("campaigns.budget"))</h2>\(body)</section>"
    }

    static func phaseOptions(_ campaign: CampaignDTO, _ ctx: PageContext) -> [(value: String, label: String)] {
        campaign.phases.map {
            (
                $0.id.uuidString.lowercased(),
                ctx.t("campaigns.phase_option", $0.name, ctx.t($0.beforeLaunch ? "campaigns.before_launch" : "campaigns.after_launch"))
            )
        }
    }

    static func taskForm(_ model: ShowModel, action: String, heading: String, _ ctx: PageContext) -> HTML {
        let v = model.taskValues
        let e = model.taskErrors
        let people = [("", "—")] + model.members.map { ($0.id, $0.name) }
        let roles = CampaignRole.allCases.map { role in
            Layout.select(
                ctx, name: role.rawValue, label: ctx.t("campaigns.role.\(role.rawValue)"), options: people, selected: v[role.rawValue] ?? "",
                errors: e,
                id: "task-\(role.rawValue)", verbatimAfterFirst: true)
        }
        let form = FormPage.post(
            ctx, id: "task-form", heading: ctx.t(heading), action: action, errors: e,
            fields: [
                Layout.field(ctx, name: "name", label: ctx.t("campaigns.field.task_name"), value: v["name"] ?? "", errors: e),
                Layout.select(
                    ctx, name: "phase_id", label: ctx.t("campaigns.field.phase"), options: phaseOptions(model.campaign, ctx),
                    selected: v["phase_id"] ?? model.campaign.phases.first?.id.uuidString.lowercased() ?? "", errors: e, verbatim: true),
                Layout.field(
                    ctx, name: "duration_days", label: ctx.t("campaigns.field.duration"), type: "number", value: v["duration_days"] ?? "1", errors: e,
                    hint: ctx.t("campaigns.field.duration_help")),
                // "people" errors (one Accountable) are shown above the roles.
                e["people"].map { m -> HTML in "<p class=\"error\" id=\"people-error\">\(m.text(ctx.locale))</p>" } ?? .empty,
            ] + roles, submit: ctx.t("campaigns.save"))
        return "<div class=\"no-print\">\(form)</div>"
    }

    static func dependenciesSection(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let campaign = model.campaign
        let path = "\(model.base)/campaigns/\(campaign.id.uuidString.lowercased())"
        let names = Dictionary(uniqueKeysWithValues: campaign.tasks.map { ($0.id, $0.name) })
        let items = campaign.dependencies.map { dependency -> HTML in
            let line = HTML.sentence(
                ctx.t("campaigns.line.\(dependency.kind)"),
                [HTML.typed(names[dependency.predecessorId] ?? "—"), HTML.typed(names[dependency.successorId] ?? "—")])
            let lag: HTML = dependency.lagDays == 0 ? .empty : " \(ctx.t("campaigns.lag_line", String(dependency.lagDays)))"
            let remove: HTML =
                model.canPlan
                ? " <form method=\"post\" action=\"\(path)/dependencies/\(dependency.id.uuidString.lowercased())/delete\" class=\"inline no-print\">\(ctx.csrfField)<button type=\"submit\" class=\"small\">\(ctx.t("campaigns.remove"))</button></form>"
                : .empty
            return "<li data-dependency=\"\(dependency.id.uuidString.lowercased())\">\(line)\(lag)\(remove)</li>"
        }
        let list: HTML =
            items.isEmpty
            ? "<p class=\"empty\">\(ctx.t("campaigns.dependencies_empty"))</p>" : "<ul class=\"dependency-list\">\(HTML.join(items))</ul>"
        var form: HTML = .empty
        if model.canPlan, campaign.tasks.count > 1 {
            let v = model.dependencyValues
            let e = model.dependencyErrors
            let tasks = campaign.tasks.map { ($0.id.uuidString.lowercased(), $0.name) }
            let post = FormPage.post(
                ctx, id: "dependency-form", heading: ctx.t("campaigns.add_dependency"), action: "\(path)/dependencies", errors: e,
                fields: [
                    Layout.select(
                        ctx, name: "predecessor_id", label: ctx.t("campaigns.field.predecessor"), options: tasks, selected: v["predecessor_id"] ?? "",
                        errors: e, verbatim: true),
                    Layout.select(
                        ctx, name: "kind", label: ctx.t("campaigns.field.kind"),
                        options: DependencyKind.allCases.map { ($0.rawValue, ctx.t("campaigns.kind.\($0.rawValue)")) },
                        selected: v["kind"] ?? "fs", errors: e),
                    Layout.select(
                        ctx, name: "successor_id", label: ctx.t("campaigns.field.successor"), options: tasks, selected: v["successor_id"] ?? "",
                        errors: e, verbatim: true),
                    Layout.field(
                        ctx, name: "lag_days", label: ctx.t("campaigns.field.lag"), type: "number", value: v["lag_days"] ?? "0", errors: e,
                        hint: ctx.t("campaigns.field.lag_help")),
                ], submit: ctx.t("campaigns.add_dependency"))
            form = "<div class=\"no-print\">\(post)</div>"
        }
        return "<section class=\"card\" id=\"campaign-dependencies\"><h2>\(ctx.t("campaigns.dependencies"))</h2>\(list)\(form)</section>"
    }

    static func checklistSection(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let campaign = model.campaign
        let path = "\(model.base)/campaigns/\(campaign.id.uuidString.lowercased())"
        let phases = campaign.phases.map { phase -> HTML in
            let items = phase.checklist.map { item -> HTML in
                let itemID = item.id.uuidString.lowercased()
                let box: HTML =
                    model.canPlan
                    ? """
                    <form method="post" action="\(path)/checklist/\(itemID)" class="inline">\(ctx.csrfField)<input type="hidden" name="done" value="\(item.done ? "false" : "true")">\
                    <button type="submit" class="check\(item.done ? " checked" : "")" aria-pressed="\(item.done ? "true" : "false")">\(item.done ? "☑" : "☐")</button></form>
                    """ : "\(item.done ? "☑" : "☐")"
                return "<li data-check=\"\(itemID)\" data-done=\"\(item.done ? "true" : "false")\">\(box) \(HTML.typed(item.text))</li>"
            }
            let add: HTML =
                model.canPlan
                ? """
                <form method="post" action="\(path)/checklist" class="inline-form no-print">\(ctx.csrfField)<input type="hidden" name="phase_id" value="\(phase.id.uuidString.lowercased())">\
                <label class="visually-hidden" for="check-\(phase.id.uuidString.lowercased())">\(ctx.t("campaigns.field.check_text"))</label>\
                <input type="text" name="text" id="check-\(phase.id.uuidString.lowercased())" placeholder="\(ctx.t("campaigns.field.check_text"))" maxlength="200">\
                <button type="submit" class="small">\(ctx.t("campaigns.add_check"))</button></form>
                """ : .empty
            return "<div class=\"phase-checklist\"><h3>\(HTML.typed(phase.name))</h3><ul class=\"checklist\">\(HTML.join(items))</ul>\(add)</div>"
        }
        return "<section class=\"card\" id=\"campaign-checklists\"><h2>\(ctx.t("campaigns.checklist"))</h2>\(HTML.join(phases))</section>"
    }
}
