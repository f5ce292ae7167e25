import Fluent
import Vapor

/// Health, readiness and metrics endpoints; the durable job queue's tables,
/// idempotency records and the installation's facts; the hourly clean-up.
struct OperationsFeature: Feature {
    var name: String { "operations" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(1, CreateIdempotencyRecords()), ShippedMigration(1, CreateJobs()), ShippedMigration(8, CreateInstallationFacts())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        try routes.root.register(collection: OperationsRoutes(metrics: routes.app.requestMetrics, expectsWorker: routes.app.expectsWorker))
    }

    var jobs: [JobRegistration] {
        [JobRegistration(Maintenance.kind, run: .single(Maintenance.run), schedule: .every(Maintenance.period))]
    }
}
