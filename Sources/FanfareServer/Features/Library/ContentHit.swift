import Fluent
import Vapor

/// A post proven by an experiment (爆款, a "hit"): marked when an experiment
/// ends with a winner whose arm names the post, with what the experiment
/// found (issue 21). The user may remove it; the experiment keeps its
/// decision.
final class ContentHit: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "content_hits"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "post_id") var postID: UUID
    /// The experiment that found it; its name is kept, as the experiment may be deleted later.
    @Field(key: "experiment_id") var experimentID: UUID
    @Field(key: "experiment_name") var experimentName: String
    @Field(key: "arm_name") var armName: String
    /// The Bayesian expected relative uplift against the control, and the chance to win.
    @OptionalField(key: "uplift") var uplift: Double?
    @OptionalField(key: "chance_to_win") var chanceToWin: Double?
    /// The arms were alternated, not randomised: the result is a quasi-experiment's.
    @Field(key: "quasi_experiment") var quasiExperiment: Bool
    @OptionalField(key: "marked_by") var markedBy: UUID?
    @Field(key: "marked_at") var markedAt: Date

    static var workspaceKey: KeyPath<ContentHit, ParentProperty<ContentHit, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] {
        [$id, $workspace, $postID, $experimentID, $experimentName, $armName, $uplift, $chanceToWin, $quasiExperiment, $markedBy, $markedAt]
    }
}
