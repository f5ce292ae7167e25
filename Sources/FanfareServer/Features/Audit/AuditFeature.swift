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

    var strings: StringTable {
        StringTable(
            en: Self.stringsEn.merging(AuditVocabulary.stringsEn) { a, _ in a },
            zhHans: Self.stringsZhHans.merging(AuditVocabulary.stringsZhHans) { a, _ in a })
    }

    /// Event and object names are looked up by the code stored with each row.
    var dynamicKeys: [String] { AuditVocabulary.events.map { "audit.event." + $0 } + AuditVocabulary.targets.map { "audit.object." + $0 } }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.settings, order: 30, path: "/audit", label: "nav.audit", permission: .auditView)]
    }
}
