import ArgumentParser
import FanfareCore
import Fluent
import Vapor

/// Activities for fans: polls, lotteries with a verifiable draw, quizzes,
/// UGC challenges, sign-ups, check-ins; entries from the page, the API and
/// fans' messages.
struct ActivitiesFeature: Feature {
    var name: String { "activities" }

    var migrations: [ShippedMigration] { [ShippedMigration(7, AddActivityReservation())] }

    func routes(_ routes: FeatureRoutes) throws {
        ActivityPages().bootScoped(routes.workspacePages)
        ActivitiesAPI().bootScoped(routes.workspaceAPI)
    }

    var jobs: [JobRegistration] {
        [JobRegistration(FanEngagement.kind, run: .batch(FanEngagement.runBatch))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        var keys = ActivityKind.allCases.map { "activities.kind.\($0.rawValue)" }
        keys += ActivityStatus.allCases.map { "activities.status.\($0.rawValue)" }
        keys += ActivityStatus.allCases.filter { $0 != .draft }.map { "activities.move.\($0.rawValue)" }
        keys += ["ok", "failed"].map { "activities.verified.\($0)" }
        return keys
    }

    var commands: [any ParsableCommand.Type] { [LotteryCommand.self] }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.fans, order: 30, path: "/activities", label: "nav.activities", permission: .fansView)]
    }
}
