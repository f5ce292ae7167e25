import FanfareCore
import Fluent
import Vapor

/// A saved rule set over fans, in the JSON format openapi.yaml documents.
final class Segment: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "segments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "rule") var ruleJSON: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Segment, ParentProperty<Segment, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $name, $ruleJSON, $createdAt, $updatedAt] }

    /// Stored rules were checked when saved; one that no longer parses
    /// (a field retired since) matches nobody rather than everybody.
    var rule: SegmentRule { Self.rule(json: ruleJSON) }

    static func rule(json: String) -> SegmentRule { (try? SegmentRule.parse(Data(json.utf8))) ?? .any([]) }
}

struct SegmentDTO: Content {
    var id: UUID
    var name: String
    var rule: SegmentRule
    /// Fans matching now (live, not cached); absent in lists.
    var fans: Int?
    var createdAt: Date
    var updatedAt: Date

    init(_ segment: Segment, fans: Int? = nil) {
        id = segment.id!
        name = segment.name
        rule = segment.rule
        self.fans = fans
        createdAt = segment.createdAt
        updatedAt = segment.updatedAt
    }
}
