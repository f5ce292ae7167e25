import FanfareCore
import Fluent
import Vapor

/// Workspaces (one per brand), their members and invitations, and the
/// workspace's home and settings.
struct WorkspacesFeature: Feature {
    var name: String { "workspaces" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(1, CreateWorkspaces()), ShippedMigration(1, CreateMemberships()), ShippedMigration(1, CreateInvitations())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        try routes.publicPages.register(collection: MemberPages())
        MemberPages().bootScoped(routes.workspacePages)
        try routes.signedInPages.register(collection: WorkspacePages())
        WorkspacePages().bootScoped(routes.workspacePages)
        try routes.api.register(collection: WorkspaceAPI())
        WorkspaceAPI().bootScoped(routes.workspaceAPI)
        ReviewChainAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        Role.allCases.map { "role.\($0.rawValue)" } + ["pending", "accepted", "revoked", "expired"].map { "invitation.state.\($0)" }
    }

    var navigation: [NavigationEntry] {
        [
            NavigationEntry(.workbench, order: 0, path: "", label: "nav.workbench"),
            NavigationEntry(.settings, order: 20, path: "/members", label: "nav.members", permission: .membersView),
            NavigationEntry(.settings, order: 40, path: "/settings", label: "nav.workspace_settings", permission: .workspaceUpdate),
        ]
    }
}
