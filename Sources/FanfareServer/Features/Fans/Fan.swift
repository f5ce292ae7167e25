import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One person, whatever platforms they write on.
final class Fan: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "fans"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "display_name") var displayName: String
    @Field(key: "attributes") var attributesJSON: String
    @Field(key: "rolling_activity") var rollingActivity: String
    @Field(key: "interactions_30d") var interactions30d: Int
    @Field(key: "activity_tier") var activityTier: String
    @Field(key: "value_tier") var valueTier: String
    @Field(key: "stage") var stage: String
    @Field(key: "points_balance") var pointsBalance: Int
    @Field(key: "lifetime_points") var lifetimePoints: Int
    @Field(key: "level") var level: Int
    @Field(key: "badges") var badgesJSON: String
    @Field(key: "check_in_streak") var checkInStreak: Int
    @Field(key: "best_streak") var bestStreak: Int
    @OptionalField(key: "last_check_in_at") var lastCheckInAt: Date?
    @Field(key: "spend_fen") var spendFen: Int64
    @Field(key: "referrals") var referrals: Int
    @Field(key: "contributions") var contributions: Int
    @OptionalField(key: "merged_into") var mergedInto: UUID?
    @OptionalField(key: "erased_at") var erasedAt: Date?
    @Field(key: "first_seen_at") var firstSeenAt: Date
    @OptionalField(key: "last_interaction_at") var lastInteractionAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Fan, ParentProperty<Fan, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $displayName, $attributesJSON, $rollingActivity, $interactions30d, $activityTier, $valueTier, $stage, $pointsBalance,
            $lifetimePoints, $level, $badgesJSON, $checkInStreak, $bestStreak, $lastCheckInAt, $spendFen, $referrals, $contributions, $mergedInto,
            $erasedAt, $firstSeenAt, $lastInteractionAt, $createdAt, $updatedAt,
        ]
    }

    /// A profile that cannot be read (it never should) shows as empty rather than failing the page.
    /// The stored profile document; an unreadable one is an empty profile.
    static func attributes(json: String) -> FanAttributes {
        (try? JSONDecoder().decode(FanAttributes.self, from: Data(json.utf8))) ?? FanAttributes()
    }

    /// The stored badge list; an unreadable one is no badges.
    static func badges(json: String) -> [String] { (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? [] }

    var attributes: FanAttributes {
        get { Self.attributes(json: attributesJSON) }
        set { attributesJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("{}".utf8), as: UTF8.self) }
    }

    var badges: [String] {
        get { Self.badges(json: badgesJSON) }
        set { badgesJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("[]".utf8), as: UTF8.self) }
    }

    var tiers: FanTierSnapshot { Self.tiers(activity: activityTier, value: valueTier, stage: stage) }

    var valueFacts: ValueFacts {
        ValueFacts(spend: Decimal(spendFen) / 100, referrals: referrals, contributions: contributions)
    }

    /// What segment rules test, with the fan's platforms and local days since last seen.
    /// `ladder`: the workspace's levels, when a rule tests privileges.
    func facts(platforms: [String], ladder: LevelLadder? = nil, now: Date, zone: TimeZone) -> FanFacts {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return Self.facts(
            attributes: attributes, tiers: tiers, platforms: platforms, interactions30d: interactions30d, points: pointsBalance, level: level,
            lifetimePoints: lifetimePoints, lastInteractionAt: lastInteractionAt, ladder: ladder, now: now, calendar: calendar)
    }

    /// The facts from stored values (a model's, or a plain row's in `SegmentScan`).
    /// `calendar` is Gregorian in the workspace's time zone.
    static func facts(
        attributes: FanAttributes, tiers: FanTierSnapshot, platforms: [String], interactions30d: Int, points: Int, level: Int, lifetimePoints: Int,
        lastInteractionAt: Date?, ladder: LevelLadder?, now: Date, calendar: Calendar
    ) -> FanFacts {
        let lastSeenDays = lastInteractionAt.map {
            calendar.dateComponents([.day], from: calendar.startOfDay(for: $0), to: calendar.startOfDay(for: now)).day ?? 0
        }
        return FanFacts(
            attributes: attributes, tiers: tiers, platforms: platforms, interactions30d: interactions30d, points: points, level: level,
            privileges: ladder?.privileges(forLifetimePoints: lifetimePoints) ?? [], lastSeenDays: lastSeenDays)
    }

    static func tiers(activity: String, value: String, stage: String) -> FanTierSnapshot {
        FanTierSnapshot(
            activity: ActivityTier(rawValue: activity) ?? .silent, value: ValueTier(rawValue: value) ?? .none,
            stage: LifecycleStage(rawValue: stage) ?? .reach)
    }
}

/// A fan's account on one platform.
final class FanIdentity: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "fan_identities"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "fan_id") var fan: Fan
    @Field(key: "platform") var platform: String
    @Field(key: "author_id") var authorID: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "first_seen_at") var firstSeenAt: Date

    static var workspaceKey: KeyPath<FanIdentity, ParentProperty<FanIdentity, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $fan, $platform, $authorID, $displayName, $firstSeenAt] }
}

/// Finding the fan behind a platform identity, making both the first time
/// the person is seen. Concurrent first sightings of one identity meet on
/// the unique (workspace, platform, author) key: one fan is kept.
enum FanDirectory {
    static func fan(
        workspaceID: UUID, platform: String, authorID: String, name: String, now: Date, on db: any Database
    ) async throws -> UUID {
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "Fans need an SQL database.") }
        if let known = try await identity(workspaceID: workspaceID, platform: platform, authorID: authorID, on: sql) { return known }
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Fans need an SQL database.") }
            let made = try await FanAssembly.create(
                [authorID], names: [authorID: name], workspaceID: workspaceID, platform: platform, now: now, in: sql)
            guard let fanID = made.fans[authorID] else {
                throw Problem(.internalServerError, "The fan's identity vanished while it was being recorded.")
            }
            return fanID
        }
    }

    private static func identity(workspaceID: UUID, platform: String, authorID: String, on sql: any SQLDatabase) async throws -> UUID? {
        try await sql.raw(
            """
            SELECT fan_id FROM fan_identities
            WHERE workspace_id = \(bind: workspaceID) AND platform = \(bind: platform) AND author_id = \(bind: authorID)
            """
        ).first()?.decode(column: "fan_id", as: UUID.self)
    }
}
