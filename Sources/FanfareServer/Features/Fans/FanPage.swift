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

    /// The page's reads as four plain-row statements (the fan with the
    /// programme and purchases; the fan's lists; the form's choices) and the
    /// audit of an unmasked view. Before, twelve statements through the
    /// query builder filled `Fan`, ledger, tier, merge, redemption and reward
    /// models: most of the page's time (docs/benchmarks.md).
    static func query(_ input: Input, viewer: FanViewer, access: WorkspaceAccess, actor: Actor, on db: any Database) async throws -> Found {
        try access.require(.fansView)
        guard let raw = input.fanID, let fanID = UUID(uuidString: raw), let sql = db as? any SQLDatabase else { throw Problem.notFound("Fan") }
        var result = try await fan(fanID, in: access, on: sql)
        try await FanService(db: db).auditUnmasked([fanID], in: access, actor: actor)
        try await lists(of: &result, in: access, on: sql)
        if viewer.manage && !result.erased {
            (result.rewards, result.others) = try await choices(for: fanID, in: access, on: sql)
        }
        return result
    }

    /// The fan's own row, the workspace's programme and the fan's purchases
    /// (with those of the fans merged into it, as `FanPurchases.of` counts
    /// them) in one statement; no row is a fan of no such id here.
    static func fan(_ fanID: UUID, in access: WorkspaceAccess, on sql: any SQLDatabase) async throws -> Found {
        let ws = access.workspaceID
        guard
            let row = try await sql.raw(
                """
                SELECT f.display_name, f.erased_at, f.activity_tier, f.interactions_30d, f.value_tier, f.stage, f.spend_fen, f.points_balance, \
                f.lifetime_points, f.level, f.badges, f.check_in_streak, f.attributes, fp.settings, p.purchases, p.refunds, p.net \
                FROM fans f CROSS JOIN ( \
                SELECT CAST(COALESCE(SUM(CASE WHEN type = 'purchase' THEN 1 ELSE 0 END), 0) AS BIGINT) AS purchases, \
                CAST(COALESCE(SUM(CASE WHEN type = 'refund' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refunds, \
                CAST(COALESCE(SUM(CASE WHEN type = 'purchase' THEN amount_fen ELSE -amount_fen END), 0) AS BIGINT) AS net \
                FROM conversion_events WHERE workspace_id = \(bind: ws) AND type IN ('purchase', 'refund') \
                AND (fan_id = \(bind: fanID) OR fan_id IN (SELECT id FROM fans WHERE workspace_id = \(bind: ws) AND merged_into = \(bind: fanID))) \
                ) p LEFT JOIN fan_programmes fp ON fp.workspace_id = f.workspace_id \
                WHERE f.workspace_id = \(bind: ws) AND f.id = \(bind: fanID)
                """
            ).first()
        else { throw Problem.notFound("Fan") }
        var result = Found(id: fanID, name: try row.decode(column: "display_name", as: String.self))
        result.erased = try row.decode(column: "erased_at", as: Date?.self) != nil
        result.activityTier = try row.decode(column: "activity_tier", as: String.self)
        result.interactions30d = try row.decode(column: "interactions_30d", as: Int.self)
        result.valueTier = try row.decode(column: "value_tier", as: String.self)
        result.stage = try row.decode(column: "stage", as: String.self)
        result.spendFen = try row.decode(column: "spend_fen", as: Int64.self)
        result.points = try row.decode(column: "points_balance", as: Int.self)
        result.lifetimePoints = try row.decode(column: "lifetime_points", as: Int.self)
        result.level = try row.decode(column: "level", as: Int.self)
        result.badges = Fan.badges(json: try row.decode(column: "badges", as: String.self))
        result.streak = try row.decode(column: "check_in_streak", as: Int.self)
        result.attributes = Fan.attributes(json: try row.decode(column: "attributes", as: String.self))
        result.programme = FanProgrammeStore.programme(settings: try row.decode(column: "settings", as: String?.self))
        result.purchases = FanPurchases.Summary(
            purchases: try row.decode(column: "purchases", as: Int.self), refunds: try row.decode(column: "refunds", as: Int.self),
            netFen: try row.decode(column: "net", as: Int64.self))
        return result
    }

    /// The fan's identities, newest 50 ledger lines and tier movements,
    /// merges and newest 100 redemptions in one statement: each list is one
    /// branch of a `UNION ALL` (`k` names it, `r` keeps its order), its
    /// values in shared columns (ids as text, numbers never NULL, so that
    /// PostgreSQL finds one type per column).
    static func lists(of result: inout Found, in access: WorkspaceAccess, on sql: any SQLDatabase) async throws {
        let (ws, fanID) = (access.workspaceID, result.id)
        let rows = try await sql.raw(
            """
            SELECT * FROM (SELECT 'a' AS k, ROW_NUMBER() OVER (ORDER BY first_seen_at) AS r, first_seen_at AS at, \
            CAST(NULL AS TEXT) AS u1, CAST(NULL AS TEXT) AS u2, CAST(NULL AS TEXT) AS u3, platform AS t1, author_id AS t2, display_name AS t3, \
            CAST(NULL AS TEXT) AS t4, 0 AS n1, 0 AS n2 FROM fan_identities WHERE fan_id = \(bind: fanID)) AS a \
            UNION ALL SELECT * FROM (SELECT 'b' AS k, ROW_NUMBER() OVER (ORDER BY at DESC, id DESC) AS r, at, CAST(NULL AS TEXT), \
            CAST(NULL AS TEXT), CAST(NULL AS TEXT), kind, action, source_key, reason, delta, balance_after FROM points_ledger \
            WHERE fan_id = \(bind: fanID) ORDER BY at DESC, id DESC LIMIT 50) AS b \
            UNION ALL SELECT * FROM (SELECT 'c' AS k, ROW_NUMBER() OVER (ORDER BY id DESC) AS r, at, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
            CAST(NULL AS TEXT), dimension, from_tier, to_tier, CAST(NULL AS TEXT), 0, 0 FROM fan_tier_changes WHERE fan_id = \(bind: fanID) \
            ORDER BY id DESC LIMIT 50) AS c \
            UNION ALL SELECT * FROM (SELECT 'd' AS k, ROW_NUMBER() OVER (ORDER BY id DESC) AS r, at, CAST(id AS TEXT), \
            CAST(kept_fan_id AS TEXT), CAST(merged_fan_id AS TEXT), reason, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
            CASE WHEN undone_at IS NULL THEN 0 ELSE 1 END, 0 FROM fan_merges \
            WHERE workspace_id = \(bind: ws) AND (kept_fan_id = \(bind: fanID) OR merged_fan_id = \(bind: fanID))) AS d \
            UNION ALL SELECT * FROM (SELECT 'e' AS k, ROW_NUMBER() OVER (ORDER BY x.id DESC) AS r, x.created_at, CAST(x.id AS TEXT), \
            CAST(NULL AS TEXT), CAST(NULL AS TEXT), w.name, x.status, x.note, CAST(NULL AS TEXT), x.points, 0 \
            FROM redemptions x JOIN rewards w ON w.id = x.reward_id WHERE x.workspace_id = \(bind: ws) AND x.fan_id = \(bind: fanID) \
            ORDER BY x.id DESC LIMIT 100) AS e \
            ORDER BY k, r
            """
        ).all()
        func id(_ row: any SQLRow, _ column: String) throws -> UUID {
            let text = try row.decode(column: column, as: String.self)
            guard let id = HexText.uuid(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Column \(column) holds \(text), not a UUID."))
            }
            return id
        }
        for row in rows {
            let at = try row.decode(column: "at", as: Date.self)
            switch try row.decode(column: "k", as: String.self) {
            case "a":
                result.identities.append(
                    Identity(
                        platform: try row.decode(column: "t1", as: String.self), authorID: try row.decode(column: "t2", as: String.self),
                        name: try row.decode(column: "t3", as: String.self), firstSeenAt: at))
            case "b":
                result.lines.append(
                    Line(
                        at: at, kind: try row.decode(column: "t1", as: String.self), action: try row.decode(column: "t2", as: String?.self),
                        sourceKey: try row.decode(column: "t3", as: String.self), delta: try row.decode(column: "n1", as: Int.self),
                        reason: try row.decode(column: "t4", as: String.self), balanceAfter: try row.decode(column: "n2", as: Int.self)))
            case "c":
                result.moves.append(
                    Move(
                        at: at, dimension: try row.decode(column: "t1", as: String.self), from: try row.decode(column: "t2", as: String?.self),
                        to: try row.decode(column: "t3", as: String.self)))
            case "d":
                result.merges.append(
                    Merge(
                        id: try id(row, "u1"), at: at, reason: try row.decode(column: "t1", as: String.self), keptID: try id(row, "u2"),
                        mergedID: try id(row, "u3"), undone: try row.decode(column: "n1", as: Int.self) != 0))
            default:
                // The fan's own redemptions: the fan is the one this page reads.
                result.redemptions.append(
                    RedemptionTable.Found(
                        id: try id(row, "u1"), at: at, fanID: fanID, fanName: result.name, fanErased: result.erased,
                        reward: try row.decode(column: "t1", as: String.self), points: try row.decode(column: "n1", as: Int.self),
                        status: try row.decode(column: "t2", as: String.self), note: try row.decode(column: "t3", as: String.self)))
            }
        }
    }

    /// The form's choices in one statement: the active rewards by cost and
    /// name, and the newest 200 other fans one could merge into this one
    /// (names only: filling 200 `Fan` models cost more than the page).
    static func choices(for fanID: UUID, in access: WorkspaceAccess, on sql: any SQLDatabase) async throws -> (rewards: [Choice], others: [Choice]) {
        let ws = access.workspaceID
        let text = SQLRows.uuidsAsText(sql)
        var rewards: [Choice] = []
        var others: [Choice] = []
        for row in try await sql.raw(
            """
            SELECT * FROM (SELECT 'r' AS k, ROW_NUMBER() OVER (ORDER BY cost, name) AS r, id, name, cost FROM rewards \
            WHERE workspace_id = \(bind: ws) AND active = \(bind: true)) AS a \
            UNION ALL SELECT * FROM (SELECT 'o' AS k, ROW_NUMBER() OVER (ORDER BY id DESC) AS r, id, display_name, 0 FROM fans \
            WHERE workspace_id = \(bind: ws) AND merged_into IS NULL AND erased_at IS NULL AND id <> \(bind: fanID) ORDER BY id DESC LIMIT 200) AS b \
            ORDER BY k DESC, r
            """
        ).all() {
            let choice = Choice(
                id: try SQLRows.uuid(row, "id", asText: text), name: try row.decode(column: "name", as: String.self),
                cost: try row.decode(column: "cost", as: Int.self))
            if try row.decode(column: "k", as: String.self) == "r" {
                rewards.append(choice)
            } else {
                others.append(Choice(id: choice.id, name: choice.name))
            }
        }
        return (rewards, others)
    }

    /// The newest 200 other fans one could merge into this one (the page reads them with its rewards, `choices`).
    static func otherFans(than fanID: UUID, in access: WorkspaceAccess, on db: any Database) async throws -> [Choice] {
        guard let sql = db as? any SQLDatabase else { return [] }
        return try await choices(for: fanID, in: access, on: sql).others
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
