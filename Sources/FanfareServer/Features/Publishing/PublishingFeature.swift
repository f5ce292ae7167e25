import Fluent
import Vapor

/// Publishing: the durable queue that sends each variant exactly once, the
/// minute sweep, metrics snapshots after publishing, and the Sandbox
/// platform's store and its post pages.
struct PublishingFeature: Feature {
    var name: String { "publishing" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(2, CreateSandboxPosts()), ShippedMigration(14, CreateSandboxModeration()), ShippedMigration(16, CreatePublishingHolds())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        SandboxPostPage.register(routes.signedInPages)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var jobs: [JobRegistration] {
        [
            JobRegistration(PublishRunner.kind, run: .batch(PublishRunner.runBatch)),
            JobRegistration(PublishSweep.kind, run: .single(PublishSweep.run), schedule: .every(PublishSweep.period)),
            JobRegistration(MetricsSnapshotter.kind, run: .single(MetricsSnapshotter.run)),
        ]
    }

    func boot(_ app: Application) throws {
        app.installSandboxLedger(failureRate: app.runtimeOptions.sandboxFailureRate)
    }
}
