import Fluent
import Vapor

/// The audit log: who changed what, when, from where; page, API and CSV.
struct AuditFeature: Feature {
    var name: String { "audit" }

    var migrations: [ShippedMigration] { [ShippedMigration(1, CreateAuditEvents())] }

    func routes(_ routes: FeatureRoutes) throws {
        AuditPages().bootScoped(routes.workspacePages)
        AuditAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.settings, order: 30, path: "/audit", label: "nav.audit", permission: .auditView)]
    }
}
