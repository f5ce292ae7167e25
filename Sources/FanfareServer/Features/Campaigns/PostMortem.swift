import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A closed campaign's post-mortem: drafted from its numbers when it is
/// closed, completed by the team with its lessons, kept in the knowledge
/// base (docs/campaigns.md § Post-mortem).
final class CampaignPostMortem: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaign_post_mortems"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "campaign_id") var campaignID: UUID
    @Field(key: "summary") var summary: String
    @Field(key: "lessons") var lessons: String
    @Field(key: "tags") var tags: String
    /// `PostMortemFigures` as JSON, as they stood when drafted.
    @Field(key: "figures") var figures: String
    @Field(key: "drafted_at") var draftedAt: Date
    @OptionalField(key: "updated_by") var updatedBy: UUID?
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<CampaignPostMortem, ParentProperty<CampaignPostMortem, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] { [$id, $workspace, $campaignID, $summary, $lessons, $tags, $figures, $draftedAt, $updatedBy, $updatedAt] }

    var figureValues: PostMortemFigures { (try? JSONDecoder().decode(PostMortemFigures.self, from: Data(figures.utf8))) ?? PostMortemFigures() }
    var tagList: [String] { KnowledgeBase.items(tags) }
}

struct PostMortemDTO: Content {
    var campaignId: UUID
    var summary: String
    var lessons: String
    var tags: [String]
    var figures: PostMortemFigures
    var draftedAt: Date
    var updatedAt: Date

    init(_ postMortem: CampaignPostMortem) {
        campaignId = postMortem.campaignID
        summary = postMortem.summary
        lessons = postMortem.lessons
        tags = postMortem.tagList
        figures = postMortem.figureValues
        draftedAt = postMortem.draftedAt
        updatedAt = postMortem.updatedAt
    }
}

struct PostMortemService {
    let db: any Database

    static let textMax = 20_000
    static let maxTags = 10

    /// The campaign's numbers as of now.
    func figures(_ campaign: Campaign, _ access: WorkspaceAccess) async throws -> PostMortemFigures {
        var figures = PostMortemFigures()
        let zone = access.workspace.zone
        let today = MetricDay.of(Date(), in: zone)
        let dto = try await CampaignReader.read(campaign, today: today, on: db)
        figures.countTasks(dto.tasks.map { ($0.endDay, $0.doneAt.map { MetricDay.of($0, in: zone) }) }, today: today)
        if let goalID = campaign.goalID, let goal = try await GoalsSurface.pace(of: goalID, access, on: db) {
            (figures.goalTitle, figures.goalPace) = (goal.title, goal.pace)
        }
        let lines = try await BudgetsSurface.lines(ofCampaign: campaign.id!, workspaceID: access.workspaceID, on: db)
        figures.plannedFen = lines.reduce(0) { $0 + $1.plannedFen }
        figures.spentFen = lines.reduce(0) { $0 + $1.spentFen }
        let posts = try await PostService.posts(ofCampaign: campaign.id!, workspaceID: access.workspaceID, limit: 1_000, on: db)
        let totals = try await MetricHistoryService.postTotals(posts.map(\.id), workspaceID: access.workspaceID, on: db)
        figures.countPosts(
            posts.map {
                (
                    $0.title, $0.status == Post.Status.published.rawValue, totals[$0.id]?.impressions ?? 0,
                    totals[$0.id]?.engagements ?? 0
                )
            })
        return figures
    }

    /// The draft's text in `locale`: goal attainment, resource efficiency,
    /// key metrics and what worked, each from the numbers.
    static func draft(_ f: PostMortemFigures, locale: UILocale) -> String {
        func t(_ key: String, _ args: [String] = []) -> String { I18n.text("campaigns.pm.\(key)", locale, args) }
        func percent(_ value: Double) -> String { GoalsPage.percent(value) }
        func count(_ value: Int) -> String { Formats.count(value, locale) }
        var goal: [String] = []
        if let title = f.goalTitle {
            goal.append(f.goalPace.map { t("goal_pace", [title, percent($0)]) } ?? t("goal_untracked", [title]))
        } else {
            goal.append(t("no_goal"))
        }
        var resources = [t("tasks", [String(f.tasks), String(f.tasksOnTime), String(f.tasksLate), String(f.tasksOpen)])]
        if let share = f.onTimeShare { resources.append(t("on_time", [percent(share)])) }
        resources.append(
            f.burn.map { t("money", [BudgetsPage.yuan(f.plannedFen), BudgetsPage.yuan(f.spentFen), percent($0)]) }
                ?? t("no_money"))
        let metrics =
            f.posts == 0
            ? [t("no_posts")]
            : [
                t(
                    "posts",
                    [
                        String(f.posts), String(f.published), count(f.impressions), count(f.engagements),
                        f.engagementRate.map(percent) ?? "—",
                    ])
            ]
        var worked: [String] = []
        if let best = f.bestPost, let rate = f.bestPostRate { worked.append(t("best_post", [best, percent(rate)])) }
        if let share = f.onTimeShare, share >= 0.9 { worked.append(t("worked_on_time", [percent(share)])) }
        if let burn = f.burn, burn <= 1 { worked.append(t("worked_budget", [percent(burn)])) }
        if let pace = f.goalPace, pace >= 1 { worked.append(t("worked_goal")) }
        if worked.isEmpty { worked.append(t("worked_none")) }
        let sections = [("goal", goal), ("resources", resources), ("metrics", metrics), ("worked", worked)]
        return sections.map { key, lines in "【\(t("section.\(key)"))】\n" + lines.map { "- " + $0 }.joined(separator: "\n") }
            .joined(separator: "\n\n")
    }

    func find(_ campaignID: UUID, in access: WorkspaceAccess) async throws -> CampaignPostMortem? {
        try await access.query(CampaignPostMortem.self, on: db).filter(\.$campaignID == campaignID).first()
    }

    /// Drafts the closed campaign's post-mortem from its numbers unless it
    /// has one; indexed in the knowledge base with it.
    @discardableResult
    func draftIfMissing(
        _ campaign: Campaign, in access: WorkspaceAccess, actor: Actor, locale: UILocale, now: Date = Date()
    ) async throws
        -> CampaignPostMortem
    {
        if let existing = try await find(campaign.id!, in: access) { return existing }
        let figures = try await figures(campaign, access)
        let postMortem = CampaignPostMortem()
        postMortem.id = TimeOrderedID.make(at: now)
        postMortem.$workspace.id = access.workspaceID
        postMortem.campaignID = campaign.id!
        postMortem.summary = Self.draft(figures, locale: locale)
        postMortem.lessons = ""
        postMortem.tags = ""
        postMortem.figures = String(decoding: try JSONEncoder().encode(figures), as: UTF8.self)
        postMortem.draftedAt = now
        postMortem.updatedBy = actor.userID
        postMortem.updatedAt = now
        try await db.writeTransaction { tx in
            // Two closes at once draft once: the campaign's row is taken
            // first, so the second waits and then finds the first's draft.
            if let sql = tx as? any SQLDatabase {
                try await sql.raw("UPDATE campaigns SET updated_at = updated_at WHERE id = \(bind: campaign.id!)").run()
            }
            if try await CampaignPostMortem.query(on: tx).filter(\.$campaignID == campaign.id!).first() != nil { return }
            try await postMortem.create(on: tx)
            try await KnowledgeBase.index(Self.entry(postMortem, campaign), workspaceID: access.workspaceID, now: now, on: tx)
        }
        return try await find(campaign.id!, in: access) ?? postMortem
    }

    struct Input: Content {
        var summary: String?
        var lessons: String?
        var tags: [String]?
    }

    /// The team's text: the summary (the draft, edited), the lessons and
    /// the tags. Only a closed campaign has a post-mortem.
    func save(
        _ rawCampaignID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, locale: UILocale, now: Date = Date()
    )
        async throws -> CampaignPostMortem
    {
        try access.require(.planningManage)
        let campaign = try await access.find(Campaign.self, rawCampaignID, on: db, what: "Campaign")
        guard campaign.state == "closed" else {
            throw Problem(.conflict, "A campaign's post-mortem is written once it is closed; this one is still \(campaign.state).", type: "conflict")
        }
        var errors = ValidationErrors()
        let summary = input.summary?.trimmingCharacters(in: .whitespacesAndNewlines)
        let lessons = input.lessons?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let summary, summary.isEmpty || summary.count > Self.textMax { errors.add("summary", .lengthBetween(min: 1, max: Self.textMax)) }
        if let lessons, lessons.count > Self.textMax { errors.add("lessons", .lengthAtMost(max: Self.textMax)) }
        let tags = (input.tags ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        if tags.count > Self.maxTags { errors.add("tags", .itemsAtMost(max: Self.maxTags, count: tags.count)) }
        for (index, tag) in tags.enumerated() where tag.count > 40 || tag.contains(",") {
            errors.add("tags[\(index)]", .lengthBetween(min: 1, max: 40))
        }
        try errors.throwIfAny()
        let postMortem = try await draftIfMissing(campaign, in: access, actor: actor, locale: locale, now: now)
        return try await db.writeTransaction { tx in
            guard let stored = try await CampaignPostMortem.find(postMortem.id, on: tx) else { throw Abort(.notFound) }
            let before = ["summary": String(stored.summary.prefix(200)), "lessons": String(stored.lessons.prefix(200)), "tags": stored.tags]
            if let summary { stored.summary = summary }
            if let lessons { stored.lessons = lessons }
            if input.tags != nil { stored.tags = KnowledgeBase.joined(tags) }
            stored.updatedBy = actor.userID
            stored.updatedAt = now
            try await stored.update(on: tx)
            try await KnowledgeBase.index(Self.entry(stored, campaign), workspaceID: access.workspaceID, now: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "campaign.post_mortem_saved", targetType: "campaign",
                targetID: campaign.id, before: before,
                after: ["summary": String(stored.summary.prefix(200)), "lessons": String(stored.lessons.prefix(200)), "tags": stored.tags], now: now)
            return stored
        }
    }

    /// What the knowledge base keeps of a post-mortem: the campaign's name,
    /// the summary and lessons, the tags, its platforms and its launch year.
    static func entry(_ postMortem: CampaignPostMortem, _ campaign: Campaign) -> KnowledgeBase.Entry {
        KnowledgeBase.Entry(
            kind: .postMortem, sourceID: campaign.id!, title: campaign.name,
            body: postMortem.lessons.isEmpty ? postMortem.summary : postMortem.summary + "\n\n" + postMortem.lessons, tags: postMortem.tagList,
            platforms: campaign.platforms, year: Int(campaign.launchDay.prefix(4)) ?? 2000)
    }
}
