import FanfareCore
import Fluent
import Vapor

/// A check-in, poll, quiz, lottery, UGC challenge or sign-up, with its settings as
/// JSON in the format openapi.yaml documents (`ActivitySettings`).
final class Activity: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "activities"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "kind") var kind: String
    @Field(key: "title") var title: String
    @Field(key: "settings") var settingsJSON: String
    @OptionalField(key: "segment_id") var segmentID: UUID?
    /// Reserved for the fans whose level grants this privilege…
    @OptionalField(key: "privilege") var privilege: String?
    /// …until then, when every fan may enter (early access).
    @OptionalField(key: "open_to_all_at") var openToAllAt: Date?
    @Field(key: "status") var status: String
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @OptionalField(key: "seed_commitment") var seedCommitment: String?
    /// Secret until the draw; never sent before it.
    @OptionalField(key: "seed") var seed: String?
    @OptionalField(key: "result") var resultJSON: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Activity, ParentProperty<Activity, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $kind, $title, $settingsJSON, $segmentID, $privilege, $openToAllAt, $status, $startsAt, $endsAt, $seedCommitment, $seed,
            $resultJSON, $createdAt, $updatedAt,
        ]
    }

    var settings: ActivitySettings? { try? JSONDecoder().decode(ActivitySettings.self, from: Data(settingsJSON.utf8)) }
    var activityStatus: ActivityStatus { ActivityStatus(rawValue: status) ?? .draft }
    var reservation: ActivityReservation { ActivityReservation(privilege: privilege, openToAllAt: openToAllAt) }
    var result: ActivityResult? { resultJSON.flatMap { try? JSONDecoder().decode(ActivityResult.self, from: Data($0.utf8)) } }
}

/// What an activity ended with: a lottery's published draw, a poll's tally.
struct ActivityResult: Codable, Equatable, Sendable {
    var algorithm: String?
    /// The entrant list the draw ran on: entry ids, in canonical order.
    var entrants: [String]?
    var entrantListHash: String?
    /// Winning entry ids, in drawn order.
    var winners: [String]?
    /// Votes per option, in option order.
    var tally: [Int]?

    enum CodingKeys: String, CodingKey {
        case algorithm, entrants, winners, tally
        case entrantListHash = "entrant_list_hash"
    }
}

/// One fan's part in an activity.
final class ActivityEntry: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "activity_entries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "activity_id") var activity: Activity
    @Parent(key: "fan_id") var fan: Fan
    @Field(key: "entry_key") var entryKey: String
    @Field(key: "answer") var answerJSON: String
    @OptionalField(key: "correct") var correct: Int?
    @Field(key: "featured") var featured: Bool
    @Field(key: "at") var at: Date

    static var workspaceKey: KeyPath<ActivityEntry, ParentProperty<ActivityEntry, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $activity, $fan, $entryKey, $answerJSON, $correct, $featured, $at] }

    var answer: EntryAnswer { (try? JSONDecoder().decode(EntryAnswer.self, from: Data(answerJSON.utf8))) ?? EntryAnswer() }
}

/// What a fan answered or sent.
struct ActivityDTO: Content {
    var id: UUID
    var kind: String
    var title: String
    var settings: ActivitySettings?
    var segmentId: UUID?
    var privilege: String?
    var openToAllAt: Date?
    var status: String
    var startsAt: Date
    var endsAt: Date
    /// SHA-256 of the lottery's seed, published from the moment it is created.
    var seedHash: String?
    /// The seed, published after the draw only.
    var seed: String?
    var result: ActivityResult?
    var entries: Int
    /// A sign-up's places not yet taken.
    var placesLeft: Int?
    var createdAt: Date

    init(_ activity: Activity, entries: Int) {
        id = activity.id!
        kind = activity.kind
        title = activity.title
        settings = activity.settings
        segmentId = activity.segmentID
        privilege = activity.privilege
        openToAllAt = activity.openToAllAt
        status = activity.status
        startsAt = activity.startsAt
        endsAt = activity.endsAt
        seedHash = activity.seedCommitment
        seed = activity.activityStatus == .drawn ? activity.seed : nil
        result = activity.result
        self.entries = entries
        if case .signUp(let signUp) = activity.settings { placesLeft = ActivityEntryRules.placesLeft(places: signUp.places, taken: entries) }
        createdAt = activity.createdAt
    }
}

struct ActivityEntryDTO: Content {
    var id: UUID
    var fanId: UUID
    var answer: EntryAnswer
    var correct: Int?
    var featured: Bool
    var at: Date

    init(_ entry: ActivityEntry) {
        id = entry.id!
        fanId = entry.$fan.id
        answer = entry.answer
        correct = entry.correct
        featured = entry.featured
        at = entry.at
    }
}
