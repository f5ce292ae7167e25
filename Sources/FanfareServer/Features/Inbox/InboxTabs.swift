import FanfareCore
import Vapor

/// The inbox area's tabs: conversations, the reply library, rules,
/// service levels, WeChat template messages, and feedback tickets.
enum InboxTabs {
    static func html(_ ctx: PageContext, _ access: WorkspaceAccess, current: String) -> HTML {
        let base = "/w/\(access.workspace.slug)"
        let items = [
            (base + "/inbox", "inbox.tab_conversations"), (base + "/inbox/templates", "inbox.tab_templates"),
            (base + "/inbox/rules", "inbox.tab_rules"), (base + "/inbox/service-levels", "inbox.tab_service_levels"),
            (base + "/inbox/wechat-templates", "inbox.tab_wechat_templates"),
            (base + "/feedback", "inbox.tab_feedback"),
        ]
        return
            "<nav class=\"tabs\">\(HTML.join(items.map { href, key -> HTML in "<a href=\"\(href)\"\(href == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(ctx.t(key))</a>" }))</nav>"
    }
}
