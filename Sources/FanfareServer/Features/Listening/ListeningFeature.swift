import FanfareCore
import Fluent
import Vapor

/// Listening (舆情): monitors over everything the workspace hears, the
/// mentions they catch, and alerts graded blue … red when a monitor's
/// volume or negative share jumps (docs/listening.md).
struct ListeningFeature: Feature {
    var name: String { "listening" }

    var migrations: [ShippedMigration] { [ShippedMigration(16, CreateListening())] }

    func routes(_ routes: FeatureRoutes) throws {
        ListeningAPI().bootScoped(routes.workspaceAPI)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(AlertEvaluation.evaluate, run: .single(AlertEvaluation.runOne)),
            JobRegistration(AlertEvaluation.sweep, run: .single(AlertEvaluation.runSweep), schedule: .every(AlertEvaluation.sweepPeriod)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] { AlertEvaluation.notificationKeys }

    var messageObservers: [any InboxMessageObserver] { [ListeningInboxObserver()] }
}
