import FanfareCore
import Fluent
import Vapor

/// An idea in the topic library (选题库). A hot topic is on the fast track:
/// it must be publishable within 24 hours of being raised.
final class Topic: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "topics"

    enum Status: String, CaseIterable, Codable { case open, used, dropped }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "title") var title: String
    @Field(key: "notes") var notes: String
    @Field(key: "hot") var hot: Bool
    @Field(key: "status") var status: String
    @Field(key: "raised_at") var raisedAt: Date
    @OptionalField(key: "created_by") var createdBy: UUID?

    static var workspaceKey: KeyPath<Topic, ParentProperty<Topic, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $title, $notes, $hot, $status, $raisedAt, $createdBy] }
}

struct TopicDTO: Content {
    var id: UUID
    var title: String
    var notes: String
    var hot: Bool
    var status: String
    var raisedAt: Date
    /// Hot topics only: the time by which it should be out.
    var publishBy: Date?

    init(_ topic: Topic) {
        id = topic.id!
        title = topic.title
        notes = topic.notes
        hot = topic.hot
        status = topic.status
        raisedAt = topic.raisedAt
        publishBy = topic.hot ? topic.raisedAt.addingTimeInterval(86_400) : nil
    }
}
