import FanfareCore
import Fluent
import Vapor

/// A test of two or more versions (issue 21): what it varies, how visitors
/// are assigned to its arms, the metric it is read by, and where it stands
/// (draft → running → finished).
final class Experiment: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "experiments"

    enum State: String, Codable, CaseIterable, Sendable {
        case draft, running, finished
    }

    /// What differs between the arms.
    enum Varies: String, Codable, CaseIterable, Sendable {
        case title, cover, copy, time
    }

    /// How people reach an arm: a tracked link's random split, the
    /// account's fans split at random into one group per arm (each group
    /// sent its arm's post by a tag mass-send), or posts alternated by time
    /// or account (not randomised: a quasi-experiment).
    enum Assignment: String, Codable, CaseIterable, Sendable {
        case link
        case audience
        case alternation

        /// Only a random split lets a difference be read as caused by the arm.
        var randomised: Bool { self != .alternation }
    }

    /// What the arms are compared on: the share of visitors who converted
    /// (a proportion), or the mean converted amount per visitor in yuan.
    /// Post arms are read from the posts' stored numbers: engagements per
    /// impression, or link clicks per impression.
    enum Metric: String, Codable, CaseIterable, Sendable {
        case conversion
        case revenuePerVisitor = "revenue_per_visitor"
        case engagementRate = "engagement_rate"
        case clickThrough = "click_through"
        /// Fans who opened a group send per fan it was delivered to.
        case readRate = "read_rate"

        /// The metrics each assignment can be read by.
        static func of(_ assignment: Assignment) -> [Metric] {
            switch assignment {
            case .link: [.conversion, .revenuePerVisitor]
            case .audience: [.readRate]
            case .alternation: [.engagementRate, .clickThrough]
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "hypothesis") var hypothesis: String
    @Field(key: "varies") var varies: String
    @Field(key: "assignment") var assignment: String
    @Field(key: "metric") var metric: String
    @Field(key: "conversion_type") var conversionType: String
    @Field(key: "inverse") var inverse: Bool
    @Field(key: "state") var state: String
    /// The link a link experiment splits; none for post arms.
    @OptionalField(key: "link_id") var linkID: UUID?
    @OptionalField(key: "running_link") var runningLink: UUID?
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "winner_arm_id") var winnerArmID: UUID?
    @OptionalField(key: "decision") var decision: String?
    /// The read-out as it stood when the experiment ended (JSON, `ReadoutDTO`).
    @OptionalField(key: "readout") var readout: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    /// The account whose fans an audience experiment splits and sends to.
    @OptionalField(key: "audience_account_id") var audienceAccountID: UUID?
    /// The seed the audience was split with (`AudienceSplit`): with it and
    /// the members, anyone can check the split.
    @OptionalField(key: "audience_seed") var audienceSeed: String?

    static var workspaceKey: KeyPath<Experiment, ParentProperty<Experiment, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $name, $hypothesis, $varies, $assignment, $metric, $conversionType, $inverse, $state, $linkID, $runningLink,
            $startedAt, $endedAt, $winnerArmID, $decision, $readout, $createdBy, $createdAt, $audienceAccountID, $audienceSeed,
        ]
    }
}

/// One version under test; the arm at position 0 is the control.
final class ExperimentArm: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "experiment_arms"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "experiment_id") var experimentID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "name") var name: String
    @Field(key: "weight") var weight: Double
    /// A link arm's page; empty for a post arm.
    @Field(key: "destination") var destination: String
    /// The workspace's posts the arm stands for (JSON array of ids): a post
    /// arm's posts, or the post a link arm's page promotes (optional).
    @OptionalField(key: "post_ids") var postIDsJSON: String?

    static var workspaceKey: KeyPath<ExperimentArm, ParentProperty<ExperimentArm, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $experimentID, $position, $name, $weight, $destination, $postIDsJSON] }

    var postIDs: [UUID] {
        get { postIDsJSON.flatMap { try? JSONDecoder().decode([UUID].self, from: Data($0.utf8)) } ?? [] }
        set { postIDsJSON = newValue.isEmpty ? nil : String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("[]".utf8), as: UTF8.self) }
    }
}

/// One arm's group send in an experiment randomised by audience: made
/// `pending` when the experiment starts, `sent` once the platform took it,
/// `failed` when the platform refused it for good; its delivered and read
/// counts are read from the platform afterwards.
final class ExperimentSend: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "experiment_sends"

    enum State: String, Codable, CaseIterable, Sendable {
        case pending, sent, failed
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "experiment_id") var experimentID: UUID
    @Field(key: "arm_id") var armID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "state") var state: String
    /// Fans in the arm's group.
    @Field(key: "addressed") var addressed: Int
    @OptionalField(key: "message_id") var messageID: String?
    @OptionalField(key: "data_id") var dataID: String?
    @OptionalField(key: "sent_at") var sentAt: Date?
    @OptionalField(key: "delivered") var delivered: Int?
    @OptionalField(key: "readers") var readers: Int?
    @OptionalField(key: "counted_at") var countedAt: Date?
    @OptionalField(key: "failure") var failure: String?

    static var workspaceKey: KeyPath<ExperimentSend, ParentProperty<ExperimentSend, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] {
        [
            $id, $workspace, $experimentID, $armID, $position, $state, $addressed, $messageID, $dataID, $sentAt, $delivered, $readers, $countedAt,
            $failure,
        ]
    }
}
