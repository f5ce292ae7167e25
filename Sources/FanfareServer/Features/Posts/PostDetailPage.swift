import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A post's own page: each account's variant with the rules it breaks and
/// a form to fix it, the review chain and its history with the decision
/// form for whoever is next, scheduling, publishing outcomes in words a
/// person can act on, the platform's link, and metrics.
struct PostDetailPage {
    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let post = try await access.find(Post.self, req.parameters.get("post"), on: req.db, what: "Post")
        let dto = try await PostDTO.load(post, on: req.db)
        let process = try ReviewProcess(json: post.reviewJSON)
        let base = "/w/\(access.workspace.slug)/posts/\(post.id!.uuidString)"
        let editable = access.can(.contentEdit) && ![.publishing, .published, .handOff].contains(post.postStatus)
        let people = try await access.members(on: req.db).all()
        var names: [String: String] = [:]
        for member in people {
            if let user = try? member.joined(User.self) { names[user.id!.uuidString] = user.displayName }
        }

        let draft = ContentDraft(title: post.title, body: post.body, hashtags: post.tags)
        // A Sandbox post's page is this server's own, wherever it is reached.
        let sandboxAccounts = Set(
            try await SocialAccount.query(on: req.db).filter(\.$id ~~ dto.variants.map(\.accountId)).filter(\.$platform == "sandbox").all(\.$id))
        let variants = dto.variants.map { variant in
            variantCard(ctx, variant, base: base, editable: editable, draft: draft, sandbox: sandboxAccounts.contains(variant.accountId))
        }
        let bestTime = access.can(.contentSchedule) ? try await BestTimes.map(in: access, on: req.db).suggestion(near: Date()) : nil
        return Layout.page(
            ctx, title: PostService.label(post),
            """
            <div class="heading"><h1>\(PostService.label(post))</h1>
            <span class="badge status-\(post.status)" id="post-status">\(ctx.t("post.status." + post.status))</span></div>
            <p class="muted">\(ctx.t("pillar." + post.pillar)) · \(ctx.t("format." + post.format)) · \(ctx.t("pool." + post.pool))\(post.campaign.map { " · " + $0 } ?? "")\(post.tags.isEmpty ? "" : " · #" + post.tags.joined(separator: " #"))</p>
            <div class="post-layout">
            <section class="variants" id="variants"><h2>\(ctx.t("post.variants"))</h2>\(variants)</section>
            <aside class="post-side">
            \(actions(ctx, post: post, access: access, base: base, editable: editable, bestTime: bestTime))
            \(reviewPanel(ctx, process: process, access: access, base: base, names: names))
            </aside>
            </div>
            """)
    }

    private func variantCard(_ ctx: PageContext, _ v: PostDTO.VariantDTO, base: String, editable: Bool, draft: ContentDraft, sandbox: Bool) -> HTML {
        // A text that breaks a length rule is offered the adapter's
        // shortened version; the person reads it before saving.
        let tooLong = v.violations.contains { $0.rule.hasSuffix("too_long") && $0.field == "text" }
        // The adapter's proposal keeps the hashtags and shortens the text;
        // a variant already worded by hand is shortened as it stands.
        let suggested: String? =
            tooLong
            ? PlatformRules.standard[v.platform].map { rules in
                v.text == VariantAdapter.written(draft, for: rules).text
                    ? VariantAdapter.propose(draft, for: rules).text
                    : VariantAdapter.fit(v.text, suffix: "", limit: rules.preferredLength ?? rules.textLimit ?? .max, counting: rules.counting)
            }
            : nil
        let violations = v.violations.map { violation -> HTML in
            "<li class=\"violation \(violation.severity.rawValue)\" data-rule=\"\(violation.rule)\"><strong>\(violation.field)</strong> \(violation.coded.text(ctx.locale))</li>"
        }
        let violationList: HTML = violations.isEmpty ? "<p class=\"ok\">\(ctx.t("post.rules_ok"))</p>" : "<ul class=\"violations\">\(violations)</ul>"
        let href = sandbox ? v.remoteId.map { PublishingService.sandboxPostLink(handle: v.handle, remoteID: $0) } : v.url
        let link: HTML =
            href.map { url -> HTML in
                "<a class=\"platform-link\" href=\"\(url)\" rel=\"noopener\" target=\"_blank\">\(ctx.t("post.view_on_platform"))</a>"
            } ?? .empty
        let error: HTML = v.lastError.map { e -> HTML in "<p class=\"flash flash-error variant-error\">\(e)</p>" } ?? .empty
        let latest = v.metrics.last { $0.label == "latest" }
        let milestones = v.metrics.filter { $0.label != "latest" }
        let metricRows = (milestones + (latest.map { [$0] } ?? [])).map { m -> HTML in
            "<tr data-label=\"\(m.label)\"><th>\(ctx.t("metrics." + m.label))</th><td>\(m.impressions.map(String.init) ?? "—")</td><td>\(m.likes)</td><td>\(m.comments)</td><td>\(m.shares)</td></tr>"
        }
        let metrics: HTML =
            metricRows.isEmpty
            ? .empty
            : "<table class=\"metrics\"><thead><tr><th></th><th>\(ctx.t("metrics.impressions"))</th><th>\(ctx.t("metrics.likes"))</th><th>\(ctx.t("metrics.comments"))</th><th>\(ctx.t("metrics.shares"))</th></tr></thead><tbody>\(metricRows)</tbody></table>"
        let attempts = v.attemptHistory.map { a -> HTML in
            "<li>#\(a.number) \(Layout.time(a.startedAt, ctx)) — \(ctx.t("attempt." + a.outcome))\(a.message.map { " · " + $0 } ?? "")</li>"
        }
        let history: HTML =
            attempts.isEmpty
            ? .empty
            : "<details class=\"attempts\"><summary>\(ctx.t("post.attempts", String(attempts.count)))</summary><ol>\(attempts)</ol></details>"
        let form: HTML =
            editable
            ? """
            <details class="fix"\(v.violations.contains { $0.severity == .error } ? HTML(raw: " open") : .empty)><summary>\(ctx.t("post.edit_variant"))</summary>
            <form method="post" action="\(base)/variants/\(v.id.uuidString)" class="variant-form">\(ctx.csrfField)
            <div class="field"><label for="title-\(v.id.uuidString)">\(ctx.t("post.title"))</label><input id="title-\(v.id.uuidString)" name="title" value="\(v.title ?? "")"></div>
            <div class="field"><label for="text-\(v.id.uuidString)">\(ctx.t("post.body"))</label><textarea id="text-\(v.id.uuidString)" name="text" rows="5" data-platform="\(v.platform)">\(suggested ?? v.text)</textarea>
            \(suggested != nil ? HTML("<small class=\"hint\">\(ctx.t("post.suggested_fit"))</small>") : .empty)</div>
            <div class="field"><label for="tags-\(v.id.uuidString)">\(ctx.t("post.tags"))</label><input id="tags-\(v.id.uuidString)" name="tags" value="\(v.tags.joined(separator: " "))"></div>
            <button type="submit">\(ctx.t("post.save_variant"))</button></form></details>
            """
            : .empty
        let handOff: HTML =
            v.handOff.map { package -> HTML in
                let steps = package.checklist.map { step -> HTML in "<li>\(step)</li>" }
                return """
                    <section class="hand-off"><h3>\(ctx.t("post.hand_off"))</h3>
                    \(package.title.map { t -> HTML in "<p><strong>\(ctx.t("post.title"))</strong></p><pre class=\"paste\">\(t)</pre>" })
                    <p><strong>\(ctx.t("post.body"))</strong></p><pre class="paste">\(package.body)</pre>
                    <ol class="checklist">\(steps)</ol>
                    <form method="post" action="\(base)/variants/\(v.id.uuidString)/published" class="stack">\(ctx.csrfField)
                    <label for="url-\(v.id.uuidString)">\(ctx.t("post.published_link"))</label>
                    <input id="url-\(v.id.uuidString)" name="url" type="url" required>
                    <button type="submit" class="primary">\(ctx.t("post.record_link"))</button></form></section>
                    """
            } ?? .empty
        return """
            <article class="card variant" id="variant-\(v.id.uuidString)" data-platform="\(v.platform)" data-state="\(v.state)">
            <header><strong>\(ctx.t("platform." + v.platform))</strong> @\(v.handle) <span class="badge state-\(v.state)">\(ctx.t("variant.state." + v.state))</span> \(link)</header>
            \(v.title.map { t -> HTML in "<h3>\(t)</h3>" })
            <p class="variant-text">\(v.text)</p>
            \(violationList)
            \(error)
            \(v.state == "hand_off" ? handOff : .empty)
            \(metrics)
            \(history)
            \(form)
            </article>
            """
    }

    private func actions(_ ctx: PageContext, post: Post, access: WorkspaceAccess, base: String, editable: Bool, bestTime: Date?) -> HTML {
        var parts: [HTML] = []
        func button(_ path: String, _ label: String, id: String, style: String = "") -> HTML {
            "<form method=\"post\" action=\"\(base)/\(path)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" id=\"\(id)\" class=\"\(style)\">\(label)</button></form>"
        }
        if editable { parts.append("<a class=\"button\" href=\"\(base)/edit\" id=\"edit-post\">\(ctx.t("posts.edit"))</a>") }
        if access.can(.contentEdit), [.draft, .rejected].contains(post.postStatus) {
            parts.append(button("submit", ctx.t("posts.submit"), id: "submit-post", style: "primary"))
        }
        if access.can(.contentSchedule), [.approved, .scheduled, .failed].contains(post.postStatus) {
            let value = post.scheduledAt.map { ScheduleTime.local($0, timeZone: access.workspace.zone) } ?? ""
            parts.append(
                """
                <form method="post" action="\(base)/schedule" id="schedule-form" class="stack">\(ctx.csrfField)
                <label for="scheduled_at">\(ctx.t("post.scheduled_at")) <span class="muted">(\(access.workspace.timeZone))</span></label>
                <input type="datetime-local" id="scheduled_at" name="scheduled_at" value="\(value)" required>
                <button type="submit" class="primary" id="schedule-post">\(ctx.t("posts.schedule"))</button></form>
                """)
            if let bestTime {
                // The workspace's own history's best slot in the coming week.
                let local = ScheduleTime.local(bestTime, timeZone: access.workspace.zone)
                parts.append(
                    """
                    <form method="post" action="\(base)/schedule" class="inline" id="best-time-form">\(ctx.csrfField)
                    <input type="hidden" name="scheduled_at" value="\(local)">
                    <button type="submit" id="schedule-best-time">\(ctx.t("besttime.schedule_at", local.replacingOccurrences(of: "T", with: " ")))</button></form>
                    """)
            }
            parts.append(button("publish-now", ctx.t("posts.publish_now"), id: "publish-now"))
        }
        if access.can(.contentSchedule), post.postStatus == .scheduled {
            parts.append(button("unschedule", ctx.t("posts.unschedule"), id: "unschedule-post"))
        }
        if access.can(.analyticsView), [.published, .publishing, .failed].contains(post.postStatus) {
            parts.append(button("metrics", ctx.t("posts.refresh_metrics"), id: "refresh-metrics"))
        }
        if access.can(.contentEdit), ![.publishing].contains(post.postStatus) {
            parts.append(button("delete", ctx.t("posts.delete"), id: "delete-post", style: "danger"))
        }
        let when: HTML = post.scheduledAt.map { "<p>\(ctx.t("post.scheduled_at")): \(Layout.time($0, ctx))</p>" } ?? .empty
        return "<section class=\"card\" id=\"post-actions\"><h2>\(ctx.t("post.actions"))</h2>\(when)\(HTML.join(parts))</section>"
    }

    static func stepName(_ ctx: PageContext, _ step: ReviewStep) -> String {
        let key = "review.step." + step.key
        let text = ctx.t(key)
        return text == key ? step.name : text
    }

    private func reviewPanel(_ ctx: PageContext, process: ReviewProcess, access: WorkspaceAccess, base: String, names: [String: String]) -> HTML {
        let current = process.currentStep?.key
        let steps = process.chain.steps.map { step -> HTML in
            let mark = step.key == current ? HTML(raw: " class=\"current\" aria-current=\"step\"") : .empty
            let who =
                step.automatic ? ctx.t("review.automatic") : step.approvers.sorted().map { ctx.t("role." + $0.rawValue) }.joined(separator: ", ")
            return "<li\(mark)>\(step.name) <span class=\"muted\">\(who)</span></li>"
        }
        let history = process.history.reversed().map { entry -> HTML in
            let who = entry.actorID.map { names[$0] ?? $0 } ?? ctx.t("review.system")
            return """
                <li data-decision="\(entry.decision.rawValue)">\(Layout.time(entry.at, ctx)) · \(ctx.t("review.decision." + entry.decision.rawValue)) · \(who)\(entry.comment.map { c -> HTML in "<blockquote>\(c)</blockquote>" })</li>
                """
        }
        // With independent approvers, whoever submitted this round (or
        // approved an earlier step of it) leaves the decision to others.
        let round = process.history.suffix(from: process.history.lastIndex { $0.decision == .submitted } ?? 0)
        let me = ctx.user?.id?.uuidString
        let alreadyInvolved =
            process.chain.independentApprovers && round.contains { ($0.decision == .submitted || $0.decision == .approved) && $0.actorID == me }
        let waiting: HTML =
            alreadyInvolved && process.nextApprovers?.contains(access.role) == true
            ? "<p class=\"muted\" id=\"review-others\">\(ctx.t("review.others_decide"))</p>" : .empty
        let form: HTML =
            process.nextApprovers?.contains(access.role) == true && !alreadyInvolved
            ? """
            <form method="post" action="\(base)/review" id="review-form" class="stack">\(ctx.csrfField)
            <label for="comment">\(ctx.t("review.comment"))</label><textarea id="comment" name="comment" rows="3"></textarea>
            <div><button type="submit" name="decision" value="approve" class="primary" id="approve">\(ctx.t("review.approve"))</button>
            <button type="submit" name="decision" value="reject" class="danger" id="reject">\(ctx.t("review.reject"))</button></div></form>
            """
            : .empty
        return """
            <section class="card" id="review"><h2>\(ctx.t("review.title"))</h2>
            <ol class="chain">\(steps)</ol>\(form)\(waiting)
            <h3>\(ctx.t("review.history"))</h3><ol class="history" reversed>\(history)</ol></section>
            """
    }
}
