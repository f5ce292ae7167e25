import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One fan: who they are on which platform, their tiers, level, points,
/// badges and privileges, their ledger, tier movements, merges and
/// redemptions, and what the team may do (complete the profile, adjust
/// points, redeem, merge, export, erase). query → model → view; the model
/// names every value in the reader's language and masks personal data for
/// roles that may not read it.
enum FanPage {
    struct Input: Sendable {
        var fanID: String?
        var errors = FormErrors()
        /// What was typed into a form that was refused, shown again.
        var values: [String: String] = [:]

        /// The form fields whose typed values a refused submit keeps.
        static let fields = [
            "region", "tags", "interests", "verified_phone", "verified_email", "wechat_union_id", "consent_marketing", "delta", "reason",
            "reward_id", "redemption_note", "merged_fan_id", "note",
        ]
    }

    struct Identity: Sendable, Equatable {
        var platform: String
        var authorID: String
        var name: String
        var firstSeenAt: Date
    }

    struct Line: Sendable, Equatable {
        var at: Date
        var kind: String
        var action: String?
        var sourceKey: String
        var delta: Int
        var reason: String
        var balanceAfter: Int
    }

    struct Move: Sendable, Equatable {
        var at: Date
        var dimension: String
        var from: String?
        var to: String
    }

    struct Merge: Sendable, Equatable {
        var id: UUID
        var at: Date
        var reason: String
        var keptID: UUID
        var mergedID: UUID
        var undone: Bool
    }

    struct Choice: Sendable, Equatable {
        var id: UUID
        var name: String
        var cost: Int = 0
    }

    struct Found: Sendable {
        var id: UUID
        var name: String
        var erased = false
        var identities: [Identity] = []
        var activityTier = "silent"
        var interactions30d = 0
        var valueTier = "none"
        var stage = "reach"
        /// Lifetime value: net spend in fen, as the event API fed it.
        var spendFen: Int64 = 0
        var purchases = FanPurchases.Summary()
        var points = 0
        var lifetimePoints = 0
        var level = 1
        var badges: [String] = []
        var streak = 0
        var attributes = FanAttributes()
        var lines: [Line] = []
        var moves: [Move] = []
        var merges: [Merge] = []
        var redemptions: [RedemptionTable.Found] = []
        var rewards: [Choice] = []
        var others: [Choice] = []
        var programme = FanProgramme.standard
    }

    struct Model: Sendable {
        struct IdentityRow: Sendable, Equatable {
            var platform: String
            var handle: String
            var name: String
            var firstSeen: Date
        }
        struct LineRow: Sendable, Equatable {
            var at: Date
            var kind: String
            var kindCode: String
            var delta: String
            var reason: Wording
            var balance: String
        }
        struct MoveRow: Sendable, Equatable {
            var at: Date
            var dimension: String
            var from: String
            var to: String
        }
        struct MergeRow: Sendable, Equatable {
            var at: Date
            var reason: String
            var otherHref: String
            var other: String
            var undoAction: String?
            var undone: Bool
        }

        var slug: String
        var base: String
        var id: String
        var name: Wording
        var erased: Bool
        var errors: FormErrors
        var values: [String: String]
        var tier: String
        var tierCode: String
        var tierTone: Badge.Tone
        var interactions: String
        var valueTier: String
        var stage: String
        var lifetimeValue: String
        var purchases: String
        var points: String
        var level: Wording
        var nextLevel: Wording?
        var streak: Int
        var privileges: [String]
        var badges: [Wording]
        var region: String?
        var tags: [String]
        var identities: [IdentityRow]
        var ledger: [LineRow]
        var moves: [MoveRow]
        var merges: [MergeRow]
        var redemptions: [RedemptionTable.Row]
        var manage: Bool
        var personalData: Bool
        var profile: FanAttributes
        var rewardOptions: [(value: String, label: Wording)]
        var otherOptions: [(value: String, label: Wording)]

        /// A form's value: what was typed into a refused form, else what is stored.
        func value(_ field: String, _ stored: String) -> String { values[field] ?? stored }
    }

    static func query(_ input: Input, viewer: FanViewer, access: WorkspaceAccess, actor: Actor, on db: any Database) async throws -> Found {
        let service = FanService(db: db)
        let found = try await service.find(input.fanID, in: access, actor: actor)
        let fan = found.listed.fan
        var result = Found(id: fan.id!, name: fan.displayName)
        result.erased = fan.erasedAt != nil
        result.identities = found.listed.identities.map {
            Identity(platform: $0.platform, authorID: $0.authorID, name: $0.displayName, firstSeenAt: $0.firstSeenAt)
        }
        result.activityTier = fan.activityTier
        result.interactions30d = fan.interactions30d
        result.valueTier = fan.valueTier
        result.stage = fan.stage
        result.spendFen = fan.spendFen
        result.purchases = try await FanPurchases.of(fan.id!, workspaceID: access.workspaceID, on: db)
        result.points = fan.pointsBalance
        result.lifetimePoints = fan.lifetimePoints
        result.level = fan.level
        result.badges = fan.badges
        result.streak = fan.checkInStreak
        result.attributes = fan.attributes
        result.lines = found.lines.map {
            Line(
                at: $0.at, kind: $0.kind, action: $0.action, sourceKey: $0.sourceKey, delta: $0.delta, reason: $0.reason,
                balanceAfter: $0.balanceAfter)
        }
        result.moves = found.moves.map { Move(at: $0.at, dimension: $0.dimension, from: $0.fromTier, to: $0.toTier) }
        result.merges = try await FanMerges(db: db).history(of: fan.id!, in: access).map {
            Merge(id: $0.id!, at: $0.at, reason: $0.reason, keptID: $0.$kept.id, mergedID: $0.$merged.id, undone: $0.undoneAt != nil)
        }
        let redemptions = try await Redemptions(db: db).list(
            try Redemptions.Filter(status: nil, fanID: fan.id!.uuidString, rewardID: nil), page: PageQuery(limit: 100), in: access
        ).items
        result.redemptions = try await RedemptionTable.query(redemptions, on: db)
        result.programme = try await FanProgrammeStore.load(access.workspaceID, on: db)
        if viewer.manage && !result.erased {
            result.rewards = try await RewardCatalogue(db: db).list(activeOnly: true, in: access).map {
                Choice(id: $0.id!, name: $0.name, cost: $0.cost)
            }
            result.others = try await otherFans(than: fan.id!, in: access, on: db)
        }
        return result
    }

    /// The newest 200 other fans one could merge into this one, as names
    /// only (plain values: filling 200 `Fan` models cost more than the page).
    static func otherFans(than fanID: UUID, in access: WorkspaceAccess, on db: any Database) async throws -> [Choice] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let text = SQLRows.uuidsAsText(sql)
        return try await sql.raw(
            """
            SELECT "id", "display_name" FROM "fans" WHERE "workspace_id" = \(bind: access.workspaceID) AND "merged_into" IS NULL \
            AND "erased_at" IS NULL AND "id" <> \(bind: fanID) ORDER BY "id" DESC LIMIT 200
            """
        ).all().map { Choice(id: try SQLRows.uuid($0, "id", asText: text), name: try $0.decode(column: "display_name", as: String.self)) }
    }

    static func model(_ input: Input, _ found: Found, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        let base = "/w/\(slug)/fans"
        let ladder = found.programme.levels
        var attributes = found.attributes
        if !viewer.personalData {
            attributes.occupation = attributes.occupation.map(PersonalDataMask.name)
            attributes.device = nil
            attributes.verifiedPhone = attributes.verifiedPhone.map(PersonalDataMask.handle)
            attributes.verifiedEmail = attributes.verifiedEmail.map(PersonalDataMask.handle)
            attributes.wechatUnionID = attributes.wechatUnionID.map(PersonalDataMask.handle)
        }
        let nextLevel = ladder.nextLevel(forLifetimePoints: found.lifetimePoints).map { next in
            Wording.sentence(
                "fans.next_level", locale, [.ours(Formats.count(next.pointsNeeded, locale)), FanWords.level(next.level.number, in: ladder, locale)])
        }
        let manage = viewer.manage && !found.erased
        return Model(
            slug: slug, base: base, id: found.id.uuidString.lowercased(),
            name: FanWords.name(found.name, id: found.id, erased: found.erased, viewer: viewer, locale), erased: found.erased,
            errors: input.errors, values: input.values, tier: FanWords.tier(found.activityTier, locale), tierCode: found.activityTier,
            tierTone: FanWords.tierTone(found.activityTier), interactions: Formats.count(found.interactions30d, locale),
            valueTier: FanWords.valueTier(found.valueTier, locale), stage: FanWords.stage(found.stage, locale),
            lifetimeValue: Formats.yuan(Double(found.spendFen) / 100),
            purchases: I18n.text(
                found.purchases.repeatBuyer ? "fans.purchases_repeat" : "fans.purchases_line", locale,
                [Formats.count(found.purchases.kept, locale), Formats.count(found.purchases.refunds, locale)]),
            points: Formats.count(found.points, locale), level: FanWords.level(found.level, in: ladder, locale), nextLevel: nextLevel,
            streak: found.streak,
            privileges: ladder.privileges(forLifetimePoints: found.lifetimePoints).map { FanWords.privilege($0, locale) },
            badges: found.badges.map { FanWords.badgeName($0, in: found.programme.badges, locale) }, region: attributes.region,
            tags: attributes.tags,
            identities: found.identities.map {
                Model.IdentityRow(platform: $0.platform, handle: viewer.handle($0.authorID), name: viewer.name($0.name), firstSeen: $0.firstSeenAt)
            },
            ledger: found.lines.map { line in
                Model.LineRow(
                    at: line.at, kind: LedgerKind(rawValue: line.kind).map { I18n.text("fans.ledger_kind." + $0.rawValue, locale) } ?? line.kind,
                    kindCode: line.kind, delta: (line.delta > 0 ? "+" : "") + Formats.grouped(line.delta),
                    reason: FanWords.ledgerReason(kind: line.kind, action: line.action, sourceKey: line.sourceKey, reason: line.reason, locale),
                    balance: Formats.grouped(line.balanceAfter))
            },
            moves: found.moves.map { move in
                Model.MoveRow(
                    at: move.at, dimension: FanWords.dimension(move.dimension, locale),
                    from: move.from.map { FanWords.tierValue(dimension: move.dimension, $0, locale) } ?? I18n.text("fans.first_snapshot", locale),
                    to: FanWords.tierValue(dimension: move.dimension, move.to, locale))
            },
            merges: found.merges.map { merge in
                let other = merge.keptID == found.id ? merge.mergedID : merge.keptID
                return Model.MergeRow(
                    at: merge.at, reason: FanWords.mergeReason(merge.reason, locale), otherHref: "\(base)/\(other.uuidString.lowercased())",
                    other: String(other.uuidString.prefix(8)).lowercased(),
                    undoAction: !merge.undone && viewer.manage ? "\(base)/merges/\(merge.id.uuidString.lowercased())/undo" : nil, undone: merge.undone
                )
            },
            redemptions: RedemptionTable.rows(found.redemptions, viewer: viewer, slug: slug, locale: locale), manage: manage,
            personalData: viewer.personalData, profile: attributes,
            rewardOptions: [("", Wording.ours(I18n.text("rewards.choose", locale)))]
                + found.rewards.map {
                    (
                        $0.id.uuidString.lowercased(),
                        Wording.sentence("rewards.choice", locale, [.typed($0.name), .ours(Formats.count($0.cost, locale))])
                    )
                },
            otherOptions: [("", Wording.ours(I18n.text("fans.choose_fan", locale)))]
                + found.others.map { ($0.id.uuidString.lowercased(), Wording.typed(viewer.name($0.name))) })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let identities = model.identities.map { identity -> HTML in
            """
            <tr><td>\(Badge.platform(identity.platform, ctx.locale))</td><td class="identity-id" translate="no">\(identity.handle)</td>\
            <td translate="no">\(identity.name)</td><td>\(Layout.time(identity.firstSeen, ctx))</td></tr>
            """
        }
        let ledger = model.ledger.map { line -> HTML in
            """
            <tr><td>\(Layout.time(line.at, ctx))</td><td data-code="\(line.kindCode)">\(line.kind)</td><td>\(line.delta)</td>\
            <td>\(line.reason.html)</td><td>\(line.balance)</td></tr>
            """
        }
        let moves = model.moves.map { move -> HTML in
            "<tr><td>\(Layout.time(move.at, ctx))</td><td>\(move.dimension)</td><td>\(move.from) → \(move.to)</td></tr>"
        }
        let merges = model.merges.map { merge -> HTML in
            let undo: HTML =
                merge.undone
                ? "<span class=\"muted\">\(ctx.t("fans.merge_undone"))</span>"
                : merge.undoAction.map { action -> HTML in
                    "<form method=\"post\" action=\"\(action)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link undo-merge\">\(ctx.t("fans.undo_merge"))</button></form>"
                } ?? .empty
            return """
                <li class="merge">\(Layout.time(merge.at, ctx)) · \(merge.reason) · \(ctx.t("fans.merged_with")) \
                <a href="\(merge.otherHref)"><code translate="no">\(merge.other)</code></a> \(undo)</li>
                """
        }
        let dash: HTML = "—"
        func typedList(_ items: [String]) -> HTML {
            items.isEmpty ? dash : HTML.join(items.map { "<span class=\"badge\" translate=\"no\">\($0)</span>" }, separator: " ")
        }
        let facts: HTML = """
            <dl class="facts" id="fan-facts">
            <dt>\(ctx.t("fans.tier"))</dt><dd id="fan-tier">\(Badge.html(model.tier, tone: model.tierTone, data: [("code", model.tierCode)]))</dd>
            <dt>\(ctx.t("fans.interactions_30d"))</dt><dd id="fan-interactions">\(model.interactions)</dd>
            <dt>\(ctx.t("fans.value_tier"))</dt><dd>\(model.valueTier)</dd>
            <dt>\(ctx.t("fans.stage"))</dt><dd>\(model.stage)</dd>
            <dt>\(ctx.t("fans.lifetime_value"))</dt><dd id="fan-ltv">\(model.lifetimeValue)</dd>
            <dt>\(ctx.t("fans.purchases"))</dt><dd id="fan-purchases">\(model.purchases)</dd>
            <dt>\(ctx.t("fans.points"))</dt><dd id="fan-points">\(model.points)</dd>
            <dt>\(ctx.t("fans.level"))</dt><dd id="fan-level">\(model.level.html)\(model.nextLevel.map { n -> HTML in " <small class=\"hint\">\(n.html)</small>" })</dd>
            <dt>\(ctx.t("fans.streak"))</dt><dd id="fan-streak">\(model.streak)</dd>
            <dt>\(ctx.t("fans.privileges"))</dt><dd id="fan-privileges">\(model.privileges.isEmpty ? dash : HTML.join(model.privileges.map { "<span class=\"badge tone-info\">\($0)</span>" }, separator: " "))</dd>
            <dt>\(ctx.t("fans.badges"))</dt><dd id="fan-badges">\(model.badges.isEmpty ? dash : HTML.join(model.badges.map { "<span class=\"badge tone-success\">\($0.html)</span>" }, separator: " "))</dd>
            <dt>\(ctx.t("fans.region"))</dt><dd id="fan-region" translate="no">\(model.region.map { HTML("\($0)") } ?? dash)</dd>
            <dt>\(ctx.t("fans.tags"))</dt><dd>\(typedList(model.tags))</dd>
            </dl>
            """
        return """
            <h1 id="fan-name">\(model.name.html)</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: model.base))
            \(Layout.errorSummary(ctx, model.errors))
            \(model.erased ? HTML("<p class=\"flash\" id=\"fan-erased\">\(ctx.t("fans.erased"))</p>") : .empty)
            \(facts)
            <h2>\(ctx.t("fans.identities"))</h2>
            \(model.identities.isEmpty ? HTML("<div class=\"empty-state\" id=\"identities\"><p>\(ctx.t(model.erased ? "fans.no_identities_erased" : "fans.no_identities"))</p></div>") : HTML("<div class=\"table-scroll\"><table id=\"identities\"><thead><tr><th>\(ctx.t("fans.platform"))</th><th>\(ctx.t("fans.platform_id"))</th><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("fans.first_seen"))</th></tr></thead><tbody>\(identities)</tbody></table></div>"))
            \(merges.isEmpty ? HTML.empty : HTML("<h2>\(ctx.t("fans.merges"))</h2><ul id=\"merges\">\(merges)</ul>"))
            <h2>\(ctx.t("fans.ledger"))</h2>
            \(ledger.isEmpty ? HTML("<div class=\"empty-state\" id=\"ledger-empty\"><p>\(ctx.t("fans.no_points"))</p></div>") : HTML("<div class=\"table-scroll\"><table id=\"ledger\"><thead><tr><th>\(ctx.t("fans.at"))</th><th>\(ctx.t("fans.kind"))</th><th>\(ctx.t("fans.delta"))</th><th>\(ctx.t("fans.reason"))</th><th>\(ctx.t("fans.balance"))</th></tr></thead><tbody>\(ledger)</tbody></table></div>"))
            <h2>\(ctx.t("rewards.redemptions"))</h2>
            \(RedemptionTable.view(model.redemptions, ctx, id: "fan-redemptions", slug: model.slug, empty: ctx.t(model.manage ? "rewards.no_redemptions_fan" : "rewards.no_redemptions")))
            <h2>\(ctx.t("fans.tier_history"))</h2>
            \(moves.isEmpty ? HTML("<div class=\"empty-state\" id=\"tier-history\"><p>\(ctx.t("fans.no_moves"))</p></div>") : HTML("<div class=\"table-scroll\"><table id=\"tier-history\"><thead><tr><th>\(ctx.t("fans.at"))</th><th>\(ctx.t("fans.dimension"))</th><th>\(ctx.t("fans.change"))</th></tr></thead><tbody>\(moves)</tbody></table></div>"))
            \(model.manage ? forms(model, ctx) : .empty)
            \(model.personalData && !model.erased ? privacy(model, ctx) : .empty)
            """
    }

    private static func forms(_ model: Model, _ ctx: PageContext) -> HTML {
        let profile = model.profile
        let errors = model.errors
        let personal: HTML =
            model.personalData
            ? """
            \(Layout.field(ctx, name: "verified_phone", label: ctx.t("fans.verified_phone"), value: model.value("verified_phone", profile.verifiedPhone ?? ""), errors: errors, required: false))
            \(Layout.field(ctx, name: "verified_email", label: ctx.t("fans.verified_email"), value: model.value("verified_email", profile.verifiedEmail ?? ""), errors: errors, required: false))
            \(Layout.field(ctx, name: "wechat_union_id", label: ctx.t("fans.wechat_union_id"), value: model.value("wechat_union_id", profile.wechatUnionID ?? ""), errors: errors, required: false, hint: ctx.t("fans.wechat_union_id_hint")))
            """
            : .empty
        let consent = model.values["consent_marketing"].map { ["true", "on", "1"].contains($0) } ?? profile.consent.marketing
        let redeem: HTML =
            model.rewardOptions.count > 1
            ? """
            <section class="card"><h2>\(ctx.t("rewards.redeem"))</h2>
            <form method="post" action="\(model.base)/\(model.id)/redemptions" id="redeem-form" class="stack">\(ctx.csrfField)
            \(Forms.select(ctx, name: "reward_id", label: .ours(ctx.t("rewards.reward")), options: model.rewardOptions, selected: model.values["reward_id"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "redemption_note", label: ctx.t("rewards.note"), value: model.values["redemption_note"] ?? "", errors: errors, required: false))
            <button type="submit" id="redeem-reward">\(ctx.t("rewards.redeem"))</button></form></section>
            """
            : """
            <section class="card"><h2>\(ctx.t("rewards.redeem"))</h2><div class="empty-state"><p>\(ctx.t("rewards.none_to_redeem"))</p>\
            <p><a href="/w/\(model.slug)/rewards">\(ctx.t("rewards.add_first"))</a></p></div></section>
            """
        return """
            <section class="card"><h2>\(ctx.t("fans.profile"))</h2>
            <form method="post" action="\(model.base)/\(model.id)/profile" id="profile-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "region", label: ctx.t("fans.region"), value: model.value("region", profile.region ?? ""), errors: errors, required: false))
            \(Layout.field(ctx, name: "tags", label: ctx.t("fans.tags"), value: model.value("tags", profile.tags.joined(separator: ", ")), errors: errors, required: false, hint: ctx.t("fans.comma_hint")))
            \(Layout.field(ctx, name: "interests", label: ctx.t("fans.interests"), value: model.value("interests", profile.interests.joined(separator: ", ")), errors: errors, required: false, hint: ctx.t("fans.comma_hint")))
            \(personal)
            <label><input type="checkbox" name="consent_marketing" value="true"\(consent ? HTML(raw: " checked") : .empty)> \(ctx.t("fans.consent_marketing"))</label>
            <button type="submit" class="primary" id="save-profile">\(ctx.t("fans.save_profile"))</button></form></section>
            <section class="card"><h2>\(ctx.t("fans.adjust_points"))</h2>
            <form method="post" action="\(model.base)/\(model.id)/points" id="points-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "delta", label: ctx.t("fans.delta"), type: "number", value: model.values["delta"] ?? "", errors: errors, hint: ctx.t("fans.delta_hint")))
            \(Layout.field(ctx, name: "reason", label: ctx.t("fans.reason"), value: model.values["reason"] ?? "", errors: errors, hint: ctx.t("fans.reason_hint")))
            <button type="submit" id="adjust-points">\(ctx.t("fans.adjust_points"))</button></form></section>
            \(redeem)
            <section class="card"><h2>\(ctx.t("fans.merge_into_this"))</h2><p class="hint">\(ctx.t("fans.merge_hint"))</p>
            <form method="post" action="\(model.base)/merges" id="merge-form" class="stack">\(ctx.csrfField)
            <input type="hidden" name="kept_fan_id" value="\(model.id)"><input type="hidden" name="reason" value="by_hand">
            \(Forms.select(ctx, name: "merged_fan_id", label: .ours(ctx.t("fans.other_fan")), options: model.otherOptions, selected: model.values["merged_fan_id"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "note", label: ctx.t("fans.note"), value: model.values["note"] ?? "", errors: errors, required: false))
            <button type="submit" id="merge-fans">\(ctx.t("fans.merge"))</button></form></section>
            """
    }

    private static func privacy(_ model: Model, _ ctx: PageContext) -> HTML {
        let erase: HTML =
            model.manage
            ? """
            <form method="post" action="\(model.base)/\(model.id)/erase" id="erase-form">\(ctx.csrfField)\
            <label><input type="checkbox" name="confirm" value="yes" id="erase-confirm" required> \(ctx.t("fans.erase_confirm"))</label> \
            <button type="submit" class="danger" id="erase-fan">\(ctx.t("fans.erase"))</button>\
            \(model.errors["confirm"].map { e -> HTML in "<small class=\"error\" id=\"confirm-error\">\(e.text(ctx.locale))</small>" })</form>
            """
            : .empty
        return """
            <section class="card" id="privacy"><h2>\(ctx.t("fans.privacy"))</h2><p>\(ctx.t("fans.privacy_intro"))</p>
            <p><a href="\(model.base)/\(model.id)/export" id="export-fan" download>\(ctx.t("fans.export"))</a></p>
            \(erase)
            </section>
            """
    }
}
