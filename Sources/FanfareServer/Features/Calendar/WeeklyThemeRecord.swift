import FanfareCore
import Fluent
import Vapor

/// A week's theme as stored.
final class WeeklyThemeRecord: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "weekly_themes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    /// The Monday, `YYYY-MM-DD`.
    @Field(key: "week_start") var weekStart: String
    @Field(key: "theme") var theme: String

    static var workspaceKey: KeyPath<WeeklyThemeRecord, ParentProperty<WeeklyThemeRecord, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $weekStart, $theme] }
}
