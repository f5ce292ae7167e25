import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/rewards/…` and `/redemptions/…`: the
/// redemption catalogue, fans redeeming from it, and fulfilling or
/// cancelling what they redeemed.
struct RewardsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let rewards = ws.grouped("rewards")
        rewards.get(use: list)
        rewards.post(use: create)
        rewards.get(":reward_id", use: show)
        rewards.put(":reward_id", use: replace)
        rewards.post(":reward_id", "redemptions", use: redeem)
        let redemptions = ws.grouped("redemptions")
        redemptions.get(use: redemptionList)
        redemptions.post(":redemption_id", "fulfil", use: fulfil)
        redemptions.post(":redemption_id", "cancel", use: cancel)
    }

    @Sendable func list(req: Request) async throws -> Page<RewardDTO> {
        let raw: String? = req.query["active"]
        guard raw == nil || raw == "true" || raw == "false" else { throw ValidationErrors("active", .typeBoolean) }
        let rewards = try await RewardCatalogue(db: req.db).list(activeOnly: raw == "true", in: try req.workspaceAccess)
        return Page(items: rewards.map(RewardDTO.init), nextCursor: nil)
    }

    @Sendable func show(req: Request) async throws -> RewardDTO {
        RewardDTO(try await RewardCatalogue(db: req.db).find(req.parameters.get("reward_id"), in: try req.workspaceAccess))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let reward = try await RewardCatalogue(db: req.db).create(try req.decodeInput(RewardCatalogue.Input.self), in: access, actor: req.actor)
        return try await RewardDTO(reward).encodeResponse(status: .created, for: req)
    }

    @Sendable func replace(req: Request) async throws -> RewardDTO {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let input = try req.decodeInput(RewardCatalogue.Input.self)
        return RewardDTO(try await RewardCatalogue(db: req.db).replace(req.parameters.get("reward_id"), input, in: access, actor: req.actor))
    }

    @Sendable func redeem(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let input = try req.decodeInput(Redemptions.Input.self)
        let done = try await Redemptions(db: req.db).redeem(req.parameters.get("reward_id"), input, in: access, actor: req.actor)
        return try await RedemptionDTO(done.redemption, rewardName: done.reward.name, balance: done.balance).encodeResponse(
            status: .created, for: req)
    }

    @Sendable func redemptionList(req: Request) async throws -> Page<RedemptionDTO> {
        let filter = try Redemptions.Filter(status: req.query["status"], fanID: req.query["fan_id"], rewardID: req.query["reward_id"])
        let (items, next) = try await Redemptions(db: req.db).list(filter, page: try req.pageRequest(), in: try req.workspaceAccess)
        return Page(items: items.map { RedemptionDTO($0, rewardName: $0.reward.name) }, nextCursor: next)
    }

    @Sendable func fulfil(req: Request) async throws -> RedemptionDTO {
        try await closed(req) { service, id, closing, access in try await service.fulfil(id, closing, in: access, actor: req.actor) }
    }

    @Sendable func cancel(req: Request) async throws -> RedemptionDTO {
        try await closed(req) { service, id, closing, access in try await service.cancel(id, closing, in: access, actor: req.actor) }
    }

    private func closed(
        _ req: Request, _ action: (Redemptions, String?, Redemptions.Closing, WorkspaceAccess) async throws -> RewardRedemption
    ) async throws -> RedemptionDTO {
        let access = try req.workspaceAccess
        let service = Redemptions(db: req.db)
        let redemption = try await action(service, req.parameters.get("redemption_id"), try req.decodeInput(Redemptions.Closing.self), access)
        let reward = try await Reward.find(redemption.$reward.id, on: req.db)
        return RedemptionDTO(redemption, rewardName: reward?.name ?? "")
    }
}
