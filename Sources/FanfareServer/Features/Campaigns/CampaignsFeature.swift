import FanfareCore
import Fluent
import Vapor

/// Campaigns (issue 22 scope 1): a launch planned backwards from its day
/// with a buffer, tasks with RACI and the four dependency kinds, the
/// critical path, the Gantt, checklists and the morning board
/// (docs/campaigns.md).
struct CampaignsFeature: Feature {
    var name: String { "campaigns" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(22, CreateCampaigns()), ShippedMigration(22, AddCampaignReferences()), ShippedMigration(22, CreatePostMortems())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        CampaignsAPI().bootScoped(routes.workspaceAPI)
        CampaignsPages().bootScoped(routes.workspacePages)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        CampaignTemplate.allCases.map { "campaigns.template.\($0.rawValue)" }
            + Set(CampaignTemplate.allCases.flatMap { $0.phases.map(\.key) }).map { "campaigns.phase.\($0)" }
            + Set(CampaignTemplate.allCases.flatMap { $0.tasks.map(\.key) }).map { "campaigns.task.\($0)" }
            + Set(CampaignTemplate.allCases.flatMap { $0.phases.flatMap(\.checklist) }).map { "campaigns.check.\($0)" }
            + BoardColour.allCases.map { "campaigns.status.\($0.rawValue)" } + ["planning", "closed"].map { "campaigns.state.\($0)" }
            + ["task_overdue", "launch_at_risk", "goal_behind", "spending_ahead", "over_budget"].map { "campaigns.reason.\($0)" }
            + CampaignRole.allCases.map { "campaigns.role.\($0.rawValue)" } + DependencyKind.allCases.map { "campaigns.kind.\($0.rawValue)" }
            + DependencyKind.allCases.map { "campaigns.line.\($0.rawValue)" }
            + ["goal", "resources", "metrics", "worked"].map { "campaigns.pm.section.\($0)" }
            + ["goal", "tasks", "on_time", "money", "posts", "reach", "best"].map { "campaigns.pm.fact.\($0)" }
            + [
                "goal_pace", "goal_untracked", "no_goal", "tasks", "on_time", "money", "no_money", "posts", "no_posts", "best_post", "worked_on_time",
                "worked_budget", "worked_goal", "worked_none",
            ].map { "campaigns.pm.\($0)" }
            + [
                "campaign.created", "campaign.updated", "campaign.deleted", "campaign.closed", "campaign.post_mortem_saved",
                "campaign.dependency_added",
                "campaign.dependency_removed",
                "campaign.check_done", "campaign.check_reopened", "campaign_task.created", "campaign_task.updated", "campaign_task.deleted",
            ].map { "audit.event.\($0)" } + ["audit.object.campaign", "audit.object.campaign_task"]
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.planning, order: 20, path: "/campaigns", label: "nav.campaigns", permission: .analyticsView)]
    }
}
