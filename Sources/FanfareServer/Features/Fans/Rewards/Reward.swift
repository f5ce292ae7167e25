import FanfareCore
import Fluent
import Vapor

/// Something in the workspace's redemption catalogue.
final class Reward: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "rewards"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "description") var details: String
    @Field(key: "cost") var cost: Int
    @OptionalField(key: "stock") var stock: Int?
    @OptionalField(key: "per_fan_limit") var perFanLimit: Int?
    @Field(key: "level_required") var levelRequired: Int
    @Field(key: "active") var active: Bool
    @Field(key: "redeemed") var redeemed: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Reward, ParentProperty<Reward, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $name, $details, $cost, $stock, $perFanLimit, $levelRequired, $active, $redeemed, $createdAt, $updatedAt]
    }

    var item: RedemptionItem {
        RedemptionItem(name: name, cost: cost, stock: stock, perFanLimit: perFanLimit, levelRequired: levelRequired)
    }
}

/// A fan's redemption of a reward. Its points are the ledger line
/// `redemption:<id>`; a cancellation refunds them as `redemption:<id>:refund`.
final class RewardRedemption: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "redemptions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "reward_id") var reward: Reward
    @Parent(key: "fan_id") var fan: Fan
    @Field(key: "points") var points: Int
    @Field(key: "status") var status: String
    @Field(key: "note") var note: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<RewardRedemption, ParentProperty<RewardRedemption, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $reward, $fan, $points, $status, $note, $actorID, $createdAt, $updatedAt] }

    enum Status: String, CaseIterable {
        case pending, fulfilled, cancelled
    }
}

struct RewardDTO: Content {
    var id: UUID
    var name: String
    var description: String
    var cost: Int
    /// Units left; null for unlimited.
    var stock: Int?
    var perFanLimit: Int?
    var levelRequired: Int
    var active: Bool
    /// Redemptions not cancelled.
    var redeemed: Int
    var createdAt: Date
    var updatedAt: Date

    init(_ reward: Reward) {
        id = reward.id!
        name = reward.name
        description = reward.details
        cost = reward.cost
        stock = reward.stock
        perFanLimit = reward.perFanLimit
        levelRequired = reward.levelRequired
        active = reward.active
        redeemed = reward.redeemed
        createdAt = reward.createdAt
        updatedAt = reward.updatedAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, description, cost, stock, perFanLimit, levelRequired, active, redeemed, createdAt, updatedAt
    }

    /// Unlimited is written as null, not left out, so a client sees the field.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(cost, forKey: .cost)
        try container.encode(stock, forKey: .stock)
        try container.encode(perFanLimit, forKey: .perFanLimit)
        try container.encode(levelRequired, forKey: .levelRequired)
        try container.encode(active, forKey: .active)
        try container.encode(redeemed, forKey: .redeemed)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

struct RedemptionDTO: Content {
    var id: UUID
    var rewardId: UUID
    var rewardName: String
    var fanId: UUID
    var points: Int
    var status: String
    var note: String
    var createdAt: Date
    var updatedAt: Date
    /// The fan's balance after this redemption; only in the answer to a redemption.
    var balance: Int?

    init(_ redemption: RewardRedemption, rewardName: String, balance: Int? = nil) {
        id = redemption.id!
        rewardId = redemption.$reward.id
        self.rewardName = rewardName
        fanId = redemption.$fan.id
        points = redemption.points
        status = redemption.status
        note = redemption.note
        createdAt = redemption.createdAt
        updatedAt = redemption.updatedAt
        self.balance = balance
    }
}
