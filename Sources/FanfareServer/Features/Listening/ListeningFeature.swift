import FanfareCore
import Fluent
import Vapor

/// Listening (舆情): monitors over everything the workspace hears, the
/// mentions they catch, and alerts graded blue … red when a monitor's
/// volume or negative share jumps (docs/listening.md).
struct ListeningFeature: Feature {
    var name: String { "listening" }

    var migrations: [ShippedMigration] { [ShippedMigration(16, CreateListening()), ShippedMigration(17, CreateListeningSearches())] }

    func routes(_ routes: FeatureRoutes) throws {
        ListeningAPI().bootScoped(routes.workspaceAPI)
        ListeningPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(AlertEvaluation.evaluate, run: .single(AlertEvaluation.runOne)),
            JobRegistration(AlertEvaluation.sweep, run: .single(AlertEvaluation.runSweep), schedule: .every(AlertEvaluation.sweepPeriod)),
            JobRegistration(FeedPolling.kind, run: .single(FeedPolling.run), schedule: .every(FeedPolling.period)),
            JobRegistration(SearchPolling.kind, run: .single(SearchPolling.run), schedule: .every(SearchPolling.period)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        AlertEvaluation.notificationKeys + ListeningPage.Tab.allCases.map { "listening.tab_\($0.rawValue)" }
            + AlertGrade.allCases.map { "listening.grade.\($0.rawValue)" } + ListeningSource.allCases.map { "listening.source.\($0.rawValue)" }
            + MessageSentiment.allCases.map { "listening.sentiment.\($0.rawValue)" }
            + ListeningAlert.State.allCases.map { "listening.state.\($0.rawValue)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.engagement, order: 15, path: "/listening", label: "nav.listening", permission: .inboxView)]
    }

    var messageObservers: [any InboxMessageObserver] { [ListeningInboxObserver()] }
}
