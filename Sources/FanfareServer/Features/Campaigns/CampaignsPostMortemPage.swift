import FanfareCore
import Foundation

/// The post-mortem page: the numbers it was drafted from, the draft to
/// edit, the lessons and tags; what the knowledge base finds next year.
extension CampaignsPage {
    struct PostMortemModel: Sendable {
        var base: String
        var campaignID: UUID
        var campaignName: String
        var closed: Bool
        var postMortem: PostMortemDTO?
        var canPlan: Bool
        var values: [String: String] = [:]
        var errors = FormErrors()
    }

    static func postMortemView(_ model: PostMortemModel, _ ctx: PageContext) -> HTML {
        let path = "\(model.base)/campaigns/\(model.campaignID.uuidString.lowercased())"
        let heading: HTML = """
            <p class="no-print"><a href="\(path)">\(ctx.t("campaigns.pm.back"))</a></p>
            <h1>\(HTML.sentence(ctx.t("campaigns.pm.title"), [HTML.typed(model.campaignName)]))</h1>
            """
        guard let postMortem = model.postMortem else {
            let note = model.closed ? "campaigns.pm.missing" : "campaigns.pm.not_closed"
            return "\(heading)<section class=\"card\"><p class=\"empty\" id=\"post-mortem-empty\">\(ctx.t(note))</p></section>"
        }
        let f = postMortem.figures
        let percent = { (value: Double?) -> String in value.map { GoalsPage.percent($0) } ?? "—" }
        let facts: [(String, HTML)] = [
            ("goal", f.goalTitle.map { HTML("\(HTML.typed($0)) · \(percent(f.goalPace))") } ?? HTML("\(ctx.t("campaigns.pm.fact.none"))")),
            ("tasks", "\(ctx.t("campaigns.pm.fact.tasks_value", String(f.tasks), String(f.tasksOnTime), String(f.tasksLate), String(f.tasksOpen)))"),
            ("on_time", "\(percent(f.onTimeShare))"),
            (
                "money",
                f.plannedFen == 0
                    ? "\(ctx.t("campaigns.pm.fact.no_money"))"
                    : "\(BudgetsPage.yuan(f.spentFen)) / \(BudgetsPage.yuan(f.plannedFen)) · \(percent(f.burn))"
            ),
            ("posts", "\(ctx.t("campaigns.pm.fact.posts_value", String(f.posts), String(f.published)))"),
            (
                "reach",
                f.posts == 0
                    ? "\(ctx.t("campaigns.pm.fact.none"))"
                    : "\(Formats.countHTML(f.impressions, ctx.locale)) / \(Formats.countHTML(f.engagements, ctx.locale)) · \(percent(f.engagementRate))"
            ),
            ("best", f.bestPost.map { HTML("\(HTML.typed($0)) · \(percent(f.bestPostRate))") } ?? HTML("\(ctx.t("campaigns.pm.fact.none"))")),
        ]
        let list = HTML.join(
            facts.map { key, value -> HTML in "<dt>\(ctx.t("campaigns.pm.fact.\(key)"))</dt><dd data-fact=\"\(key)\">\(value)</dd>" })
        let figures: HTML = """
            <section class="card" id="post-mortem-figures"><h2>\(ctx.t("campaigns.pm.figures"))</h2><dl class="facts">\(list)</dl>
            <p class="hint">\(ctx.t("campaigns.pm.figures_hint", Formats.day(MetricDay.of(postMortem.draftedAt, in: .current), ctx.locale)))</p></section>
            """
        let v = model.values
        let e = model.errors
        let body: HTML
        if model.canPlan {
            body = FormPage.post(
                ctx, id: "post-mortem-form", heading: ctx.t("campaigns.pm.edit"), action: "\(path)/post-mortem", errors: e,
                fields: [
                    Forms.textarea(
                        ctx, name: "summary", label: ctx.t("campaigns.pm.summary"), value: v["summary"] ?? "", errors: e, rows: 14,
                        hint: ctx.t("campaigns.pm.summary_hint")),
                    Forms.textarea(
                        ctx, name: "lessons", label: ctx.t("campaigns.pm.lessons"), value: v["lessons"] ?? "", errors: e, rows: 8, required: false,
                        hint: ctx.t("campaigns.pm.lessons_hint")),
                    Layout.field(
                        ctx, name: "tags", label: ctx.t("campaigns.pm.tags"), value: v["tags"] ?? "", errors: e, required: false,
                        hint: ctx.t("campaigns.pm.tags_hint")),
                ], submit: ctx.t("campaigns.pm.save"))
        } else {
            body = """
                <section class="card" id="post-mortem-text"><h2>\(ctx.t("campaigns.pm.summary"))</h2><pre class="prose" translate="no">\(postMortem.summary)</pre>
                <h2>\(ctx.t("campaigns.pm.lessons"))</h2>\(postMortem.lessons.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("campaigns.pm.no_lessons"))</p>") : HTML("<pre class=\"prose\" translate=\"no\">\(postMortem.lessons)</pre>"))</section>
                """
        }
        return """
            \(heading)
            <p class="hint">\(ctx.t("campaigns.pm.intro")) <a href="\(model.base)/knowledge">\(ctx.t("campaigns.pm.to_knowledge"))</a></p>
            \(figures)
            <section class="card">\(body)</section>
            """
    }
}
