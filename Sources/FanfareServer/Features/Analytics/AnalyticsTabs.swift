import FanfareCore

/// The 数据概览 area's tabs: the overview, its anomalies and the imports of
/// platform exports. They were entries of the main navigation, which then
/// no longer fitted on one line at 1366 px; like the inbox's own pages
/// (rules, templates, service levels) they are reached from the area.
enum AnalyticsTabs {
    static func html(_ ctx: PageContext, current: String) -> HTML {
        guard let slug = ctx.access?.workspace.slug else { return .empty }
        let base = "/w/\(slug)"
        let items = [
            (base + "/analytics", "nav.analytics_overview"), (base + "/analytics/anomalies", "nav.anomalies"),
            (base + "/analytics/imports", "nav.imports"),
        ]
        return
            "<nav class=\"tabs\" id=\"analytics-tabs\">\(HTML.join(items.map { href, key -> HTML in "<a href=\"\(href)\"\(href == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(ctx.t(key))</a>" }))</nav>"
    }
}
