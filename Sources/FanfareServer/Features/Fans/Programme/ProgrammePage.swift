import FanfareCore
import Fluent
import Vapor

/// The workspace's loyalty programme as the team reads it: the levels and
/// what each grants, the points each action earns, the streak bonuses, the
/// badges, what a point is worth and how long quiet fans' data is kept. It
/// is changed through the API (one audited document); this page only reads.
enum ProgrammePage {
    struct Model: Sendable {
        struct Level: Sendable, Equatable {
            var number: Int
            var name: Wording
            var from: String
            var privileges: [String]
        }
        struct Rule: Sendable, Equatable {
            var action: String
            var points: String
            var cap: String
        }
        struct Milestone: Sendable, Equatable {
            var days: String
            var bonus: String
        }
        struct Badge: Sendable, Equatable {
            var name: Wording
            var earnedBy: String
        }

        var slug: String
        var levels: [Level]
        var rules: [Rule]
        var milestones: [Milestone]
        var badges: [Badge]
        var pointValue: String
        var retention: String
        var apiPath: String
        var manage: Bool
    }

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> FanProgramme {
        try access.require(.fansView)
        return try await FanProgrammeStore.load(access.workspaceID, on: db)
    }

    static func model(_ programme: FanProgramme, viewer: FanViewer, slug: String, locale: UILocale) -> Model {
        let levels = programme.levels.levels.map { level in
            Model.Level(
                number: level.number, name: FanWords.levelName(level, locale),
                from: I18n.text("fans.programme.from_points", locale, [Formats.grouped(level.minLifetimePoints)]),
                privileges: level.privileges.map { FanWords.privilege($0, locale) })
        }
        let rules = programme.points.rules.map { rule in
            Model.Rule(
                action: FanWords.action(rule.action.rawValue, locale), points: Formats.grouped(rule.points),
                cap: rule.dailyCap.map { I18n.text("fans.programme.cap", locale, [Formats.grouped($0)]) }
                    ?? I18n.text("fans.programme.no_cap", locale))
        }
        let milestones = programme.checkIn.milestones.map {
            Model.Milestone(days: I18n.text("fans.programme.days", locale, [String($0.days)]), bonus: Formats.grouped($0.bonus))
        }
        let badges = programme.badges.map { rule in
            Model.Badge(name: FanWords.badgeName(rule.id, in: programme.badges, locale), earnedBy: condition(rule.condition, locale))
        }
        return Model(
            slug: slug, levels: levels, rules: rules, milestones: milestones, badges: badges,
            pointValue: "¥" + IncentiveRatio.plain(programme.pointValueYuan),
            retention: programme.retentionDays.map { I18n.text("fans.programme.retention_days", locale, [Formats.grouped($0)]) }
                ?? I18n.text("fans.programme.retention_none", locale),
            apiPath: "PUT /api/v1/workspaces/\(slug)/fan-programme", manage: viewer.manage)
    }

    /// What earns a badge, in words.
    static func condition(_ condition: BadgeCondition, _ locale: UILocale) -> String {
        switch condition {
        case .streak(let days): I18n.text("fans.badge_rule.streak", locale, [Formats.grouped(days)])
        case .lifetimePoints(let points): I18n.text("fans.badge_rule.lifetime_points", locale, [Formats.grouped(points)])
        case .actionCount(let action, let times):
            I18n.text("fans.badge_rule.action_count", locale, [FanWords.action(action.rawValue, locale), Formats.grouped(times)])
        case .featuredUGC(let times): I18n.text("fans.badge_rule.featured_ugc", locale, [Formats.grouped(times)])
        }
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let levels = model.levels.map { level -> HTML in
            """
            <tr class="level-row"><td>\(level.number)</td><td>\(level.name.html)</td><td>\(level.from)</td>\
            <td>\(level.privileges.isEmpty ? HTML("—") : HTML.join(level.privileges.map { "<span class=\"badge tone-info\">\($0)</span>" }, separator: " "))</td></tr>
            """
        }
        let rules = model.rules.map { rule -> HTML in "<tr><td>\(rule.action)</td><td>\(rule.points)</td><td>\(rule.cap)</td></tr>" }
        let milestones = model.milestones.map { m -> HTML in "<tr><td>\(m.days)</td><td>\(m.bonus)</td></tr>" }
        let badges = model.badges.map { badge -> HTML in
            "<tr><td><span class=\"badge tone-success\">\(badge.name.html)</span></td><td>\(badge.earnedBy)</td></tr>"
        }
        func table(_ id: String, _ heads: [String], _ rows: [HTML], empty: String) -> HTML {
            guard !rows.isEmpty else { return "<div class=\"empty-state\" id=\"\(id)\"><p>\(empty)</p></div>" }
            return """
                <div class="table-scroll"><table id="\(id)"><thead><tr>\(heads.map { h -> HTML in "<th>\(h)</th>" })</tr></thead>\
                <tbody>\(rows)</tbody></table></div>
                """
        }
        return """
            <h1>\(ctx.t("fans.programme.title"))</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: "/w/\(model.slug)/fans/programme"))
            <p>\(ctx.t("fans.programme.intro"))</p>
            <h2>\(ctx.t("fans.programme.levels"))</h2>
            \(table("programme-levels", [ctx.t("fans.level"), ctx.t("fans.programme.level_name"), ctx.t("fans.programme.reached_at"), ctx.t("fans.privileges")], levels, empty: ctx.t("fans.programme.no_levels")))
            <h2>\(ctx.t("fans.programme.points"))</h2>
            \(table("programme-points", [ctx.t("fans.programme.action"), ctx.t("fans.points"), ctx.t("fans.programme.daily_cap")], rules, empty: ctx.t("fans.programme.no_rules")))
            <h2>\(ctx.t("fans.programme.streaks"))</h2>
            \(table("programme-streaks", [ctx.t("fans.programme.streak_reaches"), ctx.t("fans.programme.bonus")], milestones, empty: ctx.t("fans.programme.no_streaks")))
            <h2>\(ctx.t("fans.badges"))</h2>
            \(table("programme-badges", [ctx.t("fans.programme.badge"), ctx.t("fans.programme.earned_by")], badges, empty: ctx.t("fans.programme.no_badges")))
            <dl class="facts" id="programme-facts">
            <dt>\(ctx.t("fans.programme.point_value"))</dt><dd>\(model.pointValue)</dd>
            <dt>\(ctx.t("fans.programme.retention"))</dt><dd>\(model.retention)</dd>
            </dl>
            \(model.manage ? HTML("<p class=\"hint\" id=\"programme-change\">\(ctx.t("fans.programme.change")) <code translate=\"no\">\(model.apiPath)</code></p>") : .empty)
            """
    }
}
