import Foundation

/// Which role may do which action. It is a plain value so that it can be
/// printed (`GET /api/v1/roles`), tested cell by cell, and later made
/// configurable per workspace without touching a controller.
public struct PermissionMatrix: Sendable, Equatable {
    public let grants: [Role: Set<WorkspaceAction>]

    public init(grants: [Role: Set<WorkspaceAction>]) {
        self.grants = grants
    }

    public func allows(_ role: Role, _ action: WorkspaceAction) -> Bool {
        grants[role]?.contains(action) ?? false
    }

    /// The roles that may perform `action`, most powerful first.
    public func roles(allowing action: WorkspaceAction) -> [Role] {
        Role.allCases.filter { allows($0, action) }
    }

    /// The matrix Fanfare ships with. The split follows the seeds' team
    /// (S4 §4.2, SPEC "Who uses it"): editors produce, reviewers and legal
    /// approve, agents and experts answer fans, analysts read, viewers look.
    public static let standard: PermissionMatrix = {
        let everyone: Set<WorkspaceAction> = [.workspaceView, .contentView, .analyticsView]
        let everything = Set(WorkspaceAction.allCases)
        return PermissionMatrix(grants: [
            .admin: everything,
            .manager: everything.subtracting([.workspaceUpdate, .membersManage]),
            .editor: everyone.union([.contentEdit, .contentSchedule, .inboxView, .fansView]),
            .reviewer: everyone.union([.contentReview, .inboxView, .fansView]),
            .legal: everyone.union([.contentLegalReview, .moderationLexiconManage, .auditView, .inboxView]),
            .agent: everyone.union([.inboxView, .inboxReply, .inboxEscalate, .fansView, .fansPersonalData]),
            .expert: everyone.union([.inboxView, .inboxReply, .inboxExpertAnswer, .fansView]),
            .analyst: everyone.union([.reportsExport, .fansView, .inboxView]),
            .viewer: everyone,
        ])
    }()
}
