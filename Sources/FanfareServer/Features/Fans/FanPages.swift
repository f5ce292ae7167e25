import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/fans/…`: fans as people — the list by tier, one fan's profile,
/// identities, tiers, points, badges and history, and what the team does
/// to a fan: complete the profile, adjust points, merge and undo, export
/// and erase. Every page works through the same services as the API.
struct FanPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("fans", use: list)
        scoped.get("fans", "report", use: report)
        scoped.post("fans", "merges", use: merge)
        scoped.post("fans", "merges", ":merge", "undo", use: undo)
        scoped.get("fans", ":fan", use: show)
        scoped.post("fans", ":fan", "profile", use: profile)
        scoped.post("fans", ":fan", "points", use: points)
        scoped.post("fans", ":fan", "redemptions", use: redeem)
        scoped.get("fans", ":fan", "export", use: export)
        scoped.post("fans", ":fan", "erase", use: erase)
    }

    static func tabs(_ ctx: PageContext, _ access: WorkspaceAccess, current: String) -> HTML {
        let base = "/w/\(access.workspace.slug)"
        let tabs = [
            (base + "/fans", ctx.t("fans.tab_fans")), (base + "/segments", ctx.t("fans.tab_segments")),
            (base + "/activities", ctx.t("fans.tab_activities")), (base + "/rewards", ctx.t("fans.tab_rewards")),
            (base + "/fans/report", ctx.t("fans.tab_report")),
        ]
        let links = tabs.map { href, label -> HTML in
            "<a href=\"\(href)\"\(href == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(label)</a>"
        }
        return "<nav class=\"tabs\" aria-label=\"\(ctx.t("fans.tabs"))\">\(HTML.join(links, separator: " "))</nav>"
    }

    static func tier(_ ctx: PageContext, _ raw: String) -> String { ctx.t("inbox.tier." + raw) }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let tierFilter: String = req.query["tier"] ?? ""
        let filter: FanService.Filter
        var errors = FormErrors()
        do { filter = try FanService.Filter(tier: tierFilter, platform: nil) } catch let e as ValidationErrors {
            errors = FormErrors(e)
            filter = try FanService.Filter(tier: nil, platform: nil)
        }
        let (items, next) = try await FanService(db: req.db).list(filter, page: try req.pageRequest(), in: access, actor: req.actor)
        let unmasked = access.can(.fansPersonalData)
        let base = "/w/\(access.workspace.slug)/fans"
        let rows = items.map { listed -> HTML in
            let fan = FanDTO(listed.fan, identities: listed.identities, unmasked: unmasked)
            let platforms = Set(fan.identities.map(\.platform)).sorted().map { ctx.t("platform." + $0) }.joined(separator: ", ")
            return """
                <tr class="fan-row" data-fan="\(fan.id.uuidString.lowercased())"><td><a href="\(base)/\(fan.id.uuidString.lowercased())">\(fan.displayName)</a></td>
                <td>\(platforms)</td><td class="fan-tier">\(Self.tier(ctx, fan.activityTier))</td><td>\(fan.interactions30d)</td>
                <td>\(fan.pointsBalance)</td><td>\(fan.level)</td><td>\(Layout.time(fan.lastInteractionAt, ctx))</td></tr>
                """
        }
        let tierOptions = [("", ctx.t("fans.all_tiers"))] + ActivityTier.allCases.map { ($0.rawValue, Self.tier(ctx, $0.rawValue)) }
        let suggestions = access.can(.fansManage) ? try await suggestionsCard(ctx, req, access) : .empty
        return Layout.page(
            ctx, title: ctx.t("fans.title"),
            """
            <h1>\(ctx.t("fans.title"))</h1>
            \(Self.tabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("fans.intro"))</p>
            <form method="get" action="\(base)" class="inline" id="fan-filter">
            \(Layout.select(ctx, name: "tier", label: ctx.t("fans.tier"), options: tierOptions, selected: tierFilter, errors: errors))
            <button type="submit">\(ctx.t("fans.filter"))</button></form>
            \(items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("fans.none"))</p>") : HTML("<table id=\"fans\"><thead><tr><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("fans.platforms"))</th><th>\(ctx.t("fans.tier"))</th><th>\(ctx.t("fans.interactions_30d"))</th><th>\(ctx.t("fans.points"))</th><th>\(ctx.t("fans.level"))</th><th>\(ctx.t("fans.last_seen"))</th></tr></thead><tbody>\(rows)</tbody></table>"))
            \(next.map { cursor -> HTML in "<p><a href=\"\(base)?tier=\(tierFilter)&cursor=\(cursor)\" rel=\"next\">\(ctx.t("fans.next_page"))</a></p>" })
            \(suggestions)
            """)
    }

    private func suggestionsCard(_ ctx: PageContext, _ req: Request, _ access: WorkspaceAccess) async throws -> HTML {
        let suggestions = try await FanMerges(db: req.db).suggestions(in: access)
        guard !suggestions.isEmpty else { return .empty }
        let names = Dictionary(
            uniqueKeysWithValues: try await access.query(Fan.self, on: req.db).filter(
                \.$id ~~ suggestions.flatMap { [$0.keptFanId, $0.mergedFanId] }
            )
            .all().map { ($0.id!, access.can(.fansPersonalData) ? $0.displayName : PersonalDataMask.name($0.displayName)) })
        let rows = suggestions.map { s -> HTML in
            """
            <li class="merge-suggestion">\(ctx.t("fans.suggestion", names[s.mergedFanId] ?? "?", names[s.keptFanId] ?? "?", ctx.t("fans.reason." + s.reason)))
            <form method="post" action="/w/\(access.workspace.slug)/fans/merges" class="inline">\(ctx.csrfField)
            <input type="hidden" name="kept_fan_id" value="\(s.keptFanId.uuidString.lowercased())"><input type="hidden" name="merged_fan_id" value="\(s.mergedFanId.uuidString.lowercased())">
            <input type="hidden" name="reason" value="\(s.reason)"><button type="submit" class="link accept-merge">\(ctx.t("fans.accept_merge"))</button></form></li>
            """
        }
        return "<section class=\"card\" id=\"merge-suggestions\"><h2>\(ctx.t("fans.suggestions"))</h2><ul>\(rows)</ul></section>"
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await render(req, fanID: req.parameters.get("fan"), errors: FormErrors())
    }

    private func render(_ req: Request, fanID: String?, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await FanService(db: req.db).find(fanID, in: access, actor: req.actor)
        let unmasked = access.can(.fansPersonalData)
        let fan = FanDTO(found.listed.fan, identities: found.listed.identities, unmasked: unmasked)
        let id = fan.id.uuidString.lowercased()
        let base = "/w/\(access.workspace.slug)/fans"
        let programme = try await FanProgrammeStore.load(access.workspaceID, on: req.db)
        let level = programme.levels.levels.first { $0.number == fan.level }
        let privileges = programme.levels.privileges(forLifetimePoints: fan.lifetimePoints)
        let badgeNames = fan.badges.map { badge in programme.badges.first { $0.id == badge }?.name ?? badge }
        let identities = fan.identities.map { identity -> HTML in
            "<tr><td>\(ctx.t("platform." + identity.platform))</td><td class=\"identity-id\">\(identity.authorId)</td><td>\(identity.displayName)</td><td>\(Layout.time(identity.firstSeenAt, ctx))</td></tr>"
        }
        let lines = found.lines.map { line -> HTML in
            "<tr><td>\(Layout.time(line.at, ctx))</td><td>\(ctx.t("fans.ledger_kind." + line.kind))</td><td>\(line.delta > 0 ? "+" : "")\(line.delta)</td><td>\(line.reason)</td><td>\(line.balanceAfter)</td></tr>"
        }
        let moves = found.moves.map { move -> HTML in
            "<tr><td>\(Layout.time(move.at, ctx))</td><td>\(ctx.t("fans.dimension." + move.dimension))</td><td>\(move.fromTier ?? "—")</td><td>\(move.toTier)</td></tr>"
        }
        let merges = try await FanMerges(db: req.db).history(of: fan.id, in: access)
        let mergeRows = merges.map { merge -> HTML in
            let undo: HTML =
                merge.undoneAt == nil && access.can(.fansManage)
                ? "<form method=\"post\" action=\"\(base)/merges/\(merge.id!.uuidString.lowercased())/undo\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link undo-merge\">\(ctx.t("fans.undo_merge"))</button></form>"
                : (merge.undoneAt != nil ? HTML(stringLiteral: ctx.t("fans.merge_undone")) : .empty)
            return
                "<li class=\"merge\">\(Layout.time(merge.at, ctx)) · \(ctx.t("fans.reason." + merge.reason)) · <a href=\"\(base)/\(merge.$merged.id.uuidString.lowercased())\">\(merge.$merged.id.uuidString.prefix(8).lowercased())</a> \(undo)</li>"
        }
        let attributes = fan.attributes
        let manage = access.can(.fansManage) && !fan.erased
        let redemptions = try await Redemptions(db: req.db).list(
            try Redemptions.Filter(status: nil, fanID: id, rewardID: nil), page: PageQuery(limit: 100), in: access
        ).items
        let rewards = manage ? try await RewardCatalogue(db: req.db).list(activeOnly: true, in: access) : []
        let rewardOptions =
            [("", ctx.t("rewards.choose"))]
            + rewards.map { ($0.id!.uuidString.lowercased(), "\($0.name) · \(ctx.t("rewards.points_each", String($0.cost)))") }
        let redeemForm: HTML =
            rewards.isEmpty
            ? .empty
            : """
            <section class="card"><h2>\(ctx.t("rewards.redeem"))</h2>
            <form method="post" action="\(base)/\(id)/redemptions" id="redeem-form" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "reward_id", label: ctx.t("rewards.reward"), options: rewardOptions, selected: "", errors: errors))
            \(Layout.field(ctx, name: "redemption_note", label: ctx.t("rewards.note"), errors: errors, required: false))
            <button type="submit" id="redeem-reward">\(ctx.t("rewards.redeem"))</button></form></section>
            """
        let others =
            manage
            ? try await access.query(Fan.self, on: req.db).filter(\.$mergedInto == nil).filter(\.$erasedAt == nil).filter(\.$id != fan.id)
                .sort(\.$id, .descending).limit(200).all() : []
        let otherOptions =
            [("", ctx.t("fans.choose_fan"))]
            + others.map { ($0.id!.uuidString.lowercased(), unmasked ? $0.displayName : PersonalDataMask.name($0.displayName)) }
        let forms: HTML =
            manage
            ? """
            <section class="card"><h2>\(ctx.t("fans.profile"))</h2>
            <form method="post" action="\(base)/\(id)/profile" id="profile-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "region", label: ctx.t("fans.region"), value: attributes.region ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "tags", label: ctx.t("fans.tags"), value: attributes.tags.joined(separator: ", "), errors: errors, required: false, hint: ctx.t("inbox.comma_hint")))
            \(Layout.field(ctx, name: "interests", label: ctx.t("fans.interests"), value: attributes.interests.joined(separator: ", "), errors: errors, required: false, hint: ctx.t("inbox.comma_hint")))
            \(Layout.field(ctx, name: "verified_phone", label: ctx.t("fans.verified_phone"), value: attributes.verifiedPhone ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "verified_email", label: ctx.t("fans.verified_email"), value: attributes.verifiedEmail ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "wechat_union_id", label: ctx.t("fans.wechat_union_id"), value: attributes.wechatUnionID ?? "", errors: errors, required: false))
            <label><input type="checkbox" name="consent_marketing" value="true"\(attributes.consent.marketing ? HTML(raw: " checked") : .empty)> \(ctx.t("fans.consent_marketing"))</label>
            <button type="submit" class="primary" id="save-profile">\(ctx.t("fans.save_profile"))</button></form></section>
            <section class="card"><h2>\(ctx.t("fans.adjust_points"))</h2>
            <form method="post" action="\(base)/\(id)/points" id="points-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "delta", label: ctx.t("fans.delta"), type: "number", errors: errors))
            \(Layout.field(ctx, name: "reason", label: ctx.t("fans.reason"), errors: errors))
            <button type="submit" id="adjust-points">\(ctx.t("fans.adjust_points"))</button></form></section>
            \(redeemForm)
            <section class="card"><h2>\(ctx.t("fans.merge_into_this"))</h2><p class="hint">\(ctx.t("fans.merge_hint"))</p>
            <form method="post" action="\(base)/merges" id="merge-form" class="stack">\(ctx.csrfField)
            <input type="hidden" name="kept_fan_id" value="\(id)"><input type="hidden" name="reason" value="by_hand">
            \(Layout.select(ctx, name: "merged_fan_id", label: ctx.t("fans.other_fan"), options: otherOptions, selected: "", errors: errors))
            \(Layout.field(ctx, name: "note", label: ctx.t("fans.note"), errors: errors, required: false))
            <button type="submit" id="merge-fans">\(ctx.t("fans.merge"))</button></form></section>
            """
            : .empty
        let privacy: HTML =
            access.can(.fansPersonalData) && !fan.erased
            ? """
            <section class="card" id="privacy"><h2>\(ctx.t("fans.privacy"))</h2><p>\(ctx.t("fans.privacy_intro"))</p>
            <p><a href="\(base)/\(id)/export" id="export-fan" download>\(ctx.t("fans.export"))</a></p>
            \(access.can(.fansManage) ? HTML("<form method=\"post\" action=\"\(base)/\(id)/erase\" id=\"erase-form\">\(ctx.csrfField)<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" id=\"erase-confirm\" required> \(ctx.t("fans.erase_confirm"))</label> <button type=\"submit\" class=\"danger\" id=\"erase-fan\">\(ctx.t("fans.erase"))</button></form>") : .empty)
            </section>
            """
            : .empty
        return Layout.page(
            ctx, title: fan.displayName, status: status,
            """
            <h1 id="fan-name">\(fan.displayName)</h1>
            \(Self.tabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            \(fan.erased ? HTML("<p class=\"flash\" id=\"fan-erased\">\(ctx.t("fans.erased"))</p>") : .empty)
            <dl class="facts" id="fan-facts">
            <dt>\(ctx.t("fans.tier"))</dt><dd id="fan-tier">\(Self.tier(ctx, fan.activityTier))</dd>
            <dt>\(ctx.t("fans.interactions_30d"))</dt><dd id="fan-interactions">\(fan.interactions30d)</dd>
            <dt>\(ctx.t("fans.value_tier"))</dt><dd>\(ctx.t("fans.value." + fan.valueTier))</dd>
            <dt>\(ctx.t("fans.stage"))</dt><dd>\(ctx.t("fans.stage." + fan.stage))</dd>
            <dt>\(ctx.t("fans.points"))</dt><dd id="fan-points">\(fan.pointsBalance)</dd>
            <dt>\(ctx.t("fans.level"))</dt><dd id="fan-level">\(fan.level) \(level.map { "(\($0.name))" } ?? "")</dd>
            <dt>\(ctx.t("fans.streak"))</dt><dd id="fan-streak">\(fan.checkInStreak)</dd>
            <dt>\(ctx.t("fans.privileges"))</dt><dd id="fan-privileges">\(privileges.isEmpty ? "—" : privileges.joined(separator: ", "))</dd>
            <dt>\(ctx.t("fans.badges"))</dt><dd id="fan-badges">\(badgeNames.isEmpty ? "—" : badgeNames.joined(separator: ", "))</dd>
            <dt>\(ctx.t("fans.region"))</dt><dd id="fan-region">\(attributes.region ?? "—")</dd>
            <dt>\(ctx.t("fans.tags"))</dt><dd>\(attributes.tags.isEmpty ? "—" : attributes.tags.joined(separator: ", "))</dd>
            </dl>
            <h2>\(ctx.t("fans.identities"))</h2>
            <table id="identities"><thead><tr><th>\(ctx.t("fans.platform"))</th><th>\(ctx.t("fans.platform_id"))</th><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("fans.first_seen"))</th></tr></thead><tbody>\(identities)</tbody></table>
            \(merges.isEmpty ? .empty : HTML("<h2>\(ctx.t("fans.merges"))</h2><ul id=\"merges\">\(mergeRows)</ul>"))
            <h2>\(ctx.t("fans.ledger"))</h2>
            \(lines.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("fans.no_points"))</p>") : HTML("<table id=\"ledger\"><thead><tr><th>\(ctx.t("fans.at"))</th><th>\(ctx.t("fans.kind"))</th><th>\(ctx.t("fans.delta"))</th><th>\(ctx.t("fans.reason"))</th><th>\(ctx.t("fans.balance"))</th></tr></thead><tbody>\(lines)</tbody></table>"))
            <h2>\(ctx.t("rewards.redemptions"))</h2>
            \(try await RewardPages.redemptionTable(ctx, req, access, redemptions, id: "fan-redemptions"))
            <h2>\(ctx.t("fans.tier_history"))</h2>
            <table id="tier-history"><thead><tr><th>\(ctx.t("fans.at"))</th><th>\(ctx.t("fans.dimension"))</th><th>\(ctx.t("fans.from"))</th><th>\(ctx.t("fans.to"))</th></tr></thead><tbody>\(moves)</tbody></table>
            \(forms)
            \(privacy)
            """)
    }

    @Sendable func profile(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let fan = try await access.find(Fan.self, req.parameters.get("fan"), on: req.db, what: "Fan")
        var attributes = fan.attributes
        attributes.region = req.formValue("region")
        attributes.tags = Forms.list(req.formValue("tags"))
        attributes.interests = Forms.list(req.formValue("interests"))
        attributes.verifiedPhone = req.formValue("verified_phone")
        attributes.verifiedEmail = req.formValue("verified_email")
        attributes.wechatUnionID = req.formValue("wechat_union_id")
        attributes.consent.marketing = Forms.isOn(req, "consent_marketing")
        do {
            try await FanService(db: req.db).updateProfile(fan.id!.uuidString, .init(attributes: attributes), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("fans.profile_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fan.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            return try await render(req, fanID: fan.id!.uuidString, errors: Self.unprefixed(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    static func unprefixed(_ errors: ValidationErrors) -> FormErrors {
        var mapped = errors
        mapped.issues = errors.issues.map { FieldIssue(field: $0.field.replacingOccurrences(of: "attributes.", with: ""), $0.coded) }
        return FormErrors(mapped)
    }

    @Sendable func points(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let fanID = req.parameters.get("fan")
        let raw = req.formValue("delta").trimmingCharacters(in: .whitespaces)
        do {
            guard let delta = Int(raw) else { throw ValidationErrors("delta", .typeWholeNumber) }
            _ = try await FanService(db: req.db).adjust(fanID, .init(delta: delta, reason: req.formValue("reason")), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("fans.points_adjusted", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fanID ?? "")")
        } catch let errors as ValidationErrors {
            return try await render(req, fanID: fanID, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func redeem(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let fanID = req.parameters.get("fan")
        do {
            let rewardID = req.formValue("reward_id")
            guard !rewardID.isEmpty else { throw ValidationErrors("reward_id", .rewardRequired) }
            let done = try await Redemptions(db: req.db).redeem(
                rewardID, .init(fanId: fanID.flatMap(UUID.init(uuidString:)), note: req.formValue("redemption_note")), in: access,
                actor: req.actor)
            Flash.add(.notice, I18n.text("rewards.redeemed_notice", req.uiLocale, [done.reward.name, String(done.balance)]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fanID ?? "")")
        } catch let errors as ValidationErrors {
            // The reward's problems (stock, level, limit, points) are shown at the one choice the form has.
            var mapped = errors
            mapped.issues = errors.issues.map {
                FieldIssue(field: $0.field == "note" ? "redemption_note" : "reward_id", $0.coded)
            }
            return try await render(req, fanID: fanID, errors: FormErrors(mapped), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func merge(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let kept = req.formValue("kept_fan_id")
        let input = FanMerges.Input(
            keptFanId: UUID(uuidString: kept), mergedFanId: UUID(uuidString: req.formValue("merged_fan_id")), reason: req.formValue("reason"),
            note: req.formValue("note"))
        do {
            _ = try await FanMerges(db: req.db).merge(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("fans.merged", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(kept.lowercased())")
        } catch let errors as ValidationErrors {
            return try await render(req, fanID: kept, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func undo(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let merge = try await FanMerges(db: req.db).undo(req.parameters.get("merge"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("fans.merge_undone_notice", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(merge.$kept.id.uuidString.lowercased())")
    }

    @Sendable func export(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let export = try await FanPrivacy(db: req.db).export(req.parameters.get("fan"), in: access, actor: req.actor)
        let response = try await export.encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"fan-\(export.fan.id.uuidString.lowercased()).json\"")
        return response
    }

    @Sendable func erase(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let fanID = req.parameters.get("fan")
        guard req.formValue("confirm") == "yes" else {
            return try await render(
                req, fanID: fanID, errors: FormErrors(ValidationErrors("confirm", .eraseConfirmation)),
                status: .unprocessableEntity
            ).encodeResponse(for: req)
        }
        let fan = try await FanPrivacy(db: req.db).erase(fanID, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("fans.erased_notice", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/fans/\(fan.id!.uuidString.lowercased())")
    }

    @Sendable func report(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let report = try await FanReports(db: req.db).report(days: 30, in: access)
        let latestDay = report.distribution["activity"]?.last?.day
        let distribution = ActivityTier.allCases.map { tier -> HTML in
            let count = report.distribution["activity"]?.last { $0.tier == tier.rawValue && $0.day == latestDay }?.fans ?? 0
            return "<tr><td>\(Self.tier(ctx, tier.rawValue))</td><td>\(count)</td></tr>"
        }
        let days = Set((report.distribution["activity"] ?? []).map(\.day)).sorted()
        let history = days.map { day -> HTML in
            let cells = ActivityTier.allCases.map { tier -> HTML in
                "<td>\(report.distribution["activity"]?.first { $0.day == day && $0.tier == tier.rawValue }?.fans ?? 0)</td>"
            }
            return "<tr><td>\(day)</td>\(cells)</tr>"
        }
        let value = report.valueByTier.map { row -> HTML in
            "<tr><td>\(Self.tier(ctx, row.tier))</td><td>\(row.fans)</td><td>¥\(String(format: "%.2f", row.valueYuan))</td><td>\(row.lifetimePoints)</td></tr>"
        }
        let base = "/w/\(access.workspace.slug)/fans/report"
        return Layout.page(
            ctx, title: ctx.t("fans.report_title"),
            """
            <h1>\(ctx.t("fans.report_title"))</h1>
            \(Self.tabs(ctx, access, current: base))
            <h2>\(ctx.t("fans.distribution"))</h2>
            \(latestDay == nil ? HTML("<p class=\"empty\">\(ctx.t("fans.no_distribution"))</p>") : HTML("<p>\(ctx.t("fans.distribution_of", latestDay ?? ""))</p><table id=\"tier-distribution\"><tbody>\(distribution)</tbody></table>"))
            \(days.count > 1 ? HTML("<table id=\"tier-history-report\"><thead><tr><th>\(ctx.t("fans.day"))</th>\(ActivityTier.allCases.map { tier -> HTML in "<th>\(Self.tier(ctx, tier.rawValue))</th>" })</tr></thead><tbody>\(history)</tbody></table>") : .empty)
            <h2>\(ctx.t("fans.value_by_tier"))</h2>
            <table id="value-by-tier"><thead><tr><th>\(ctx.t("fans.tier"))</th><th>\(ctx.t("fans.fans"))</th><th>\(ctx.t("fans.value"))</th><th>\(ctx.t("fans.lifetime_points"))</th></tr></thead><tbody>\(value)</tbody></table>
            <h2>\(ctx.t("fans.incentive"))</h2>
            <p id="incentive" data-meets="\(report.incentive.meetsTarget ? "true" : "false")">\(report.incentive.explanation)</p>
            """)
    }
}
