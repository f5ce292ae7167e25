import FanfareCore
import Fluent
import Foundation

/// What other features may ask of Goals: the overview's goals card (up to
/// five objectives and goals with their progress and state, linking to
/// the goal pages). Read only for members who may read analytics.
enum GoalsSurface {
    struct Card: Sendable {
        struct Item: Sendable, Equatable {
            var title: String
            var href: String
            var fraction: Double?
            var state: String
            /// An objective (its key results' mean), not a single goal.
            var objective: Bool
        }

        var base: String
        var items: [Item]
        /// Objectives and standalone goals in all.
        var total: Int
        var canPlan: Bool
    }

    static let shown = 5

    /// The card's items: objectives first (by start day), then the goals
    /// outside any objective (by deadline); nil when the member may not read analytics.
    static func card(_ access: WorkspaceAccess, base: String, on db: any Database) async throws -> Card? {
        guard access.can(.analyticsView) else { return nil }
        let objectives = try await access.query(GoalObjective.self, on: db).sort(\.$startDay).sort(\.$id).all()
        let goals = try await access.query(Goal.self, on: db).filter(\.$objectiveID == nil).sort(\.$deadline).sort(\.$id).all()
        var items: [Card.Item] = []
        if !objectives.isEmpty || !goals.isEmpty {
            let reader = try await GoalReader.make(access.workspaceID, on: db)
            for objective in objectives.prefix(shown) {
                let dto = try await ObjectiveDTO.read(objective, reader: reader)
                items.append(
                    Card.Item(
                        title: dto.title, href: "\(base)/goals#objective-\(dto.id.uuidString.lowercased())", fraction: dto.fraction, state: dto.state,
                        objective: true))
            }
            for goal in goals.prefix(max(0, shown - items.count)) {
                let dto = try await GoalDTO.read(goal, reader: reader)
                items.append(
                    Card.Item(
                        title: dto.title, href: "\(base)/goals/\(dto.id.uuidString.lowercased())",
                        fraction: dto.tracked ? dto.progress?.fraction : nil,
                        state: dto.progress?.state ?? "untracked", objective: false))
            }
        }
        return Card(base: base, items: items, total: objectives.count + goals.count, canPlan: access.can(.planningManage))
    }

    /// A goal's title and its value against where its target path says it
    /// should be today (1 = on the path, below 1 behind), for a campaign's
    /// board; the pace is nil for an untracked goal or before any reading.
    /// Nil when the goal is gone or the member may not read analytics.
    static func pace(of goalID: UUID, _ access: WorkspaceAccess, on db: any Database) async throws -> (title: String, pace: Double?)? {
        guard access.can(.analyticsView), let goal = try await access.query(Goal.self, on: db).filter(\.$id == goalID).first() else { return nil }
        guard let definition = goal.definition, definition.metric.isTracked else { return (goal.title, nil) }
        let progress = try await GoalReader.make(access.workspaceID, on: db).read(definition).progress
        guard let actual = progress.actual, let expected = progress.expected, expected > 0, actual >= 0 else { return (goal.title, nil) }
        let pace = definition.direction == .atMost ? (actual > 0 ? expected / actual : nil) : actual / expected
        return (goal.title, pace)
    }

    static func cardView(_ card: Card, _ ctx: PageContext) -> HTML {
        let rows = card.items.map { item -> HTML in
            """
            <li class="goal-item" data-state="\(item.state)"><a href="\(item.href)">\(HTML.typed(item.title))</a>\
            <span class="goal-item-progress">\(GoalsPage.bar(item.fraction, state: item.state, ctx)) \(GoalsPage.badge(item.state, ctx))</span></li>
            """
        }
        let body: HTML
        if card.items.isEmpty {
            let next: HTML =
                card.canPlan
                ? "<a href=\"\(card.base)/goals/template\" id=\"overview-goals-template\">\(ctx.t("goals.empty_template"))</a> · <a href=\"\(card.base)/goals/new\">\(ctx.t("goals.empty_new"))</a>"
                : "\(ctx.t("goals.empty_ask"))"
            body = "<p class=\"empty\" id=\"overview-goals-empty\">\(ctx.t("goals.empty"))</p><p>\(next)</p>"
        } else {
            body = """
                <ul class="goal-list" id="overview-goals-list">\(rows)</ul>
                <p><a href="\(card.base)/goals" id="overview-goals-more">\(ctx.t("goals.overview_more", String(card.total)))</a></p>
                """
        }
        return """
            <section aria-labelledby="overview-goals-title" class="card" id="overview-goals"><h2 id="overview-goals-title">\(ctx.t("goals.title"))</h2>
            \(body)</section>
            """
    }
}
