import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/fans/…`: fans, their identities, points and
/// tier movements.
struct FansAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let fans = ws.grouped("fans")
        fans.get(use: list)
        fans.get(":fan_id", use: fan)
        fans.patch(":fan_id", use: updateProfile)
        fans.post(":fan_id", "points", use: adjust)
        fans.get(":fan_id", "export", use: export)
        fans.post(":fan_id", "erase", use: erase)
        fans.get(":fan_id", "merges", use: merges)
        let merges = ws.grouped("fan-merges")
        merges.post(use: merge)
        merges.get("suggestions", use: suggestions)
        merges.post(":merge_id", "undo", use: undo)
        ws.get("fan-reports", use: report)
        ws.get("fan-programme", use: programme)
        ws.put("fan-programme", use: replaceProgramme)
    }

    @Sendable func export(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let export = try await FanPrivacy(db: req.db).export(req.parameters.get("fan_id"), in: access, actor: req.actor)
        let response = try await export.encodeResponse(for: req)
        response.headers.replaceOrAdd(
            name: .contentDisposition, value: "attachment; filename=\"fan-\(export.fan.id.uuidString.lowercased()).json\"")
        return response
    }

    @Sendable func erase(req: Request) async throws -> FanDTO {
        let access = try req.workspaceAccess
        let fan = try await FanPrivacy(db: req.db).erase(req.parameters.get("fan_id"), in: access, actor: req.actor)
        return FanDTO(fan, identities: [], unmasked: access.can(.fansPersonalData))
    }

    @Sendable func merges(req: Request) async throws -> Page<FanMergeDTO> {
        let access = try req.workspaceAccess
        let fan = try await access.find(Fan.self, req.parameters.get("fan_id"), on: req.db, what: "Fan")
        try access.require(.fansView)
        return Page(items: try await FanMerges(db: req.db).history(of: fan.id!, in: access).map(FanMergeDTO.init), nextCursor: nil)
    }

    @Sendable func merge(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let merge = try await FanMerges(db: req.db).merge(try req.decodeDocument(FanMerges.Input.self), in: access, actor: req.actor)
        return try await FanMergeDTO(merge).encodeResponse(status: .created, for: req)
    }

    @Sendable func undo(req: Request) async throws -> FanMergeDTO {
        FanMergeDTO(try await FanMerges(db: req.db).undo(req.parameters.get("merge_id"), in: try req.workspaceAccess, actor: req.actor))
    }

    @Sendable func suggestions(req: Request) async throws -> Page<FanMerges.Suggestion> {
        Page(items: try await FanMerges(db: req.db).suggestions(in: try req.workspaceAccess), nextCursor: nil)
    }

    @Sendable func report(req: Request) async throws -> FanReport {
        let access = try req.workspaceAccess
        let raw: String? = req.query["days"]
        guard let days = raw.map({ Int($0) }) ?? 30, (1...366).contains(days) else {
            throw ValidationErrors("days", .daysBetween(min: 1, max: 366))
        }
        return try await FanReports(db: req.db).report(days: days, in: access)
    }

    @Sendable func programme(req: Request) async throws -> FanProgramme {
        try await FanProgrammeStore(db: req.db).get(in: try req.workspaceAccess)
    }

    @Sendable func replaceProgramme(req: Request) async throws -> FanProgramme {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        return try await FanProgrammeStore(db: req.db).replace(try req.decodeDocument(FanProgramme.self), in: access, actor: req.actor)
    }

    @Sendable func updateProfile(req: Request) async throws -> FanDetailDTO {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let input = try req.decodeDocument(FanService.ProfileChange.self)
        try await FanService(db: req.db).updateProfile(req.parameters.get("fan_id"), input, in: access, actor: req.actor)
        return try await fan(req: req)
    }

    @Sendable func list(req: Request) async throws -> Page<FanDTO> {
        let access = try req.workspaceAccess
        let filter = try FanService.Filter(tier: req.query["tier"], platform: req.query["platform"])
        let (items, next) = try await FanService(db: req.db).list(filter, page: try req.pageRequest(), in: access, actor: req.actor)
        let unmasked = access.can(.fansPersonalData)
        return Page(items: items.map { FanDTO($0.fan, identities: $0.identities, unmasked: unmasked) }, nextCursor: next)
    }

    @Sendable func fan(req: Request) async throws -> FanDetailDTO {
        let access = try req.workspaceAccess
        let found = try await FanService(db: req.db).find(req.parameters.get("fan_id"), in: access, actor: req.actor)
        let ladder = try await FanProgrammeStore.load(access.workspaceID, on: req.db).levels
        return FanDetailDTO(
            fan: FanDTO(found.listed.fan, identities: found.listed.identities, unmasked: access.can(.fansPersonalData)),
            points: found.lines.map(PointsLineDTO.init), tierChanges: found.moves.map(TierChangeDTO.init),
            privileges: ladder.privileges(forLifetimePoints: found.listed.fan.lifetimePoints))
    }

    @Sendable func adjust(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let input = try req.decodeInput(FanService.Adjustment.self)
        _ = try await FanService(db: req.db).adjust(req.parameters.get("fan_id"), input, in: access, actor: req.actor)
        return try await fan(req: req).encodeResponse(status: .created, for: req)
    }
}

struct FanIdentityDTO: Content {
    var platform: String
    var authorId: String
    var displayName: String
    var firstSeenAt: Date
}

struct FanDTO: Content {
    var id: UUID
    var displayName: String
    /// False when names and platform ids are masked for the caller's role.
    var personalData: Bool
    var identities: [FanIdentityDTO]
    var activityTier: String
    var interactions30d: Int
    var valueTier: String
    var stage: String
    var pointsBalance: Int
    var lifetimePoints: Int
    var level: Int
    var badges: [String]
    var checkInStreak: Int
    /// Profile dimensions, tags and consent; occupation and device are personal data, masked like names.
    var attributes: FanAttributes
    var erased: Bool
    var firstSeenAt: Date
    var lastInteractionAt: Date?

    init(_ fan: Fan, identities: [FanIdentity], unmasked: Bool) {
        id = fan.id!
        displayName = unmasked ? fan.displayName : PersonalDataMask.name(fan.displayName)
        personalData = unmasked
        self.identities = identities.map {
            FanIdentityDTO(
                platform: $0.platform, authorId: unmasked ? $0.authorID : PersonalDataMask.handle($0.authorID),
                displayName: unmasked ? $0.displayName : PersonalDataMask.name($0.displayName), firstSeenAt: $0.firstSeenAt)
        }
        activityTier = fan.activityTier
        interactions30d = fan.interactions30d
        valueTier = fan.valueTier
        stage = fan.stage
        pointsBalance = fan.pointsBalance
        lifetimePoints = fan.lifetimePoints
        level = fan.level
        badges = fan.badges
        checkInStreak = fan.checkInStreak
        var attributes = fan.attributes
        if !unmasked {
            attributes.occupation = attributes.occupation.map(PersonalDataMask.name)
            attributes.device = nil
            attributes.verifiedPhone = attributes.verifiedPhone.map(PersonalDataMask.handle)
            attributes.verifiedEmail = attributes.verifiedEmail.map(PersonalDataMask.handle)
            attributes.wechatUnionID = attributes.wechatUnionID.map(PersonalDataMask.handle)
        }
        self.attributes = attributes
        erased = fan.erasedAt != nil
        firstSeenAt = fan.firstSeenAt
        lastInteractionAt = fan.lastInteractionAt
    }

    enum CodingKeys: String, CodingKey {
        case id, displayName = "display_name", personalData = "personal_data", identities
        case activityTier = "activity_tier", interactions30d = "interactions_30d", valueTier = "value_tier", stage
        case pointsBalance = "points_balance", lifetimePoints = "lifetime_points", level, badges, checkInStreak = "check_in_streak"
        case attributes, erased, firstSeenAt = "first_seen_at"
        case lastInteractionAt = "last_interaction_at"
    }
}

struct PointsLineDTO: Content {
    var id: UUID
    var sourceKey: String
    var kind: String
    var delta: Int
    var reason: String
    var balanceAfter: Int
    var at: Date

    init(_ line: PointsLedgerLine) {
        id = line.id!
        sourceKey = line.sourceKey
        kind = line.kind
        delta = line.delta
        reason = line.reason
        balanceAfter = line.balanceAfter
        at = line.at
    }
}

struct TierChangeDTO: Content {
    var dimension: String
    var from: String?
    var to: String
    var at: Date

    init(_ change: FanTierChange) {
        dimension = change.dimension
        from = change.fromTier
        to = change.toTier
        at = change.at
    }
}

struct FanDetailDTO: Content {
    var fan: FanDTO
    /// The newest 50 ledger lines.
    var points: [PointsLineDTO]
    /// The newest 50 tier movements.
    var tierChanges: [TierChangeDTO]
    /// What the fan's lifetime points reach on the workspace's level ladder.
    var privileges: [String]
}
