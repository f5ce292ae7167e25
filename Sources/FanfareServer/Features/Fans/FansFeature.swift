import FanfareCore
import Fluent
import Vapor

/// Fans: one profile per person across platforms, tiers, segments, the
/// loyalty programme (points, levels, badges, check-ins) and the rewards
/// shop; merges, privacy and the nightly recomputation.
struct FansFeature: Feature {
    var name: String { "fans" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(6, CreateFans()), ShippedMigration(6, CreateFanProgramme()), ShippedMigration(6, CreateRewards())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        FanPages().bootScoped(routes.workspacePages)
        SegmentPages().bootScoped(routes.workspacePages)
        RewardPages().bootScoped(routes.workspacePages)
        FansAPI().bootScoped(routes.workspaceAPI)
        SegmentsAPI().bootScoped(routes.workspaceAPI)
        RewardsAPI().bootScoped(routes.workspaceAPI)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(FanTiering.kind, run: .single(FanTiering.run), schedule: .every(FanTiering.period)),
            JobRegistration(FanRetention.kind, run: .single(FanRetention.run), schedule: .every(FanRetention.period)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        var keys = LedgerKind.allCases.map { "fans.ledger_kind.\($0.rawValue)" }
        keys += TierChange.Dimension.allCases.map { "fans.dimension.\($0.rawValue)" }
        keys += ValueTier.allCases.map { "fans.value.\($0.rawValue)" }
        keys += LifecycleStage.allCases.map { "fans.stage.\($0.rawValue)" }
        keys += FanMerges.Reason.allCases.map { "fans.reason.\($0.rawValue)" }
        keys += RewardRedemption.Status.allCases.map { "rewards.status.\($0.rawValue)" }
        return keys + FanWords.dynamicKeys + SegmentWords.dynamicKeys
    }

    var navigation: [NavigationEntry] {
        [
            NavigationEntry(.fans, order: 10, path: "/fans", label: "nav.fans", permission: .fansView),
            NavigationEntry(.fans, order: 20, path: "/segments", label: "nav.segments", permission: .fansView),
            NavigationEntry(.fans, order: 40, path: "/rewards", label: "nav.rewards", permission: .fansView),
        ]
    }
}
