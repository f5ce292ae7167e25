import Foundation

/// Everything a member may or may not do inside a workspace. The permission
/// matrix maps each role to the set of these it grants; controllers ask the
/// matrix instead of comparing role names, so a new role is one table row.
public enum WorkspaceAction: String, CaseIterable, Codable, Sendable {
    case workspaceView = "workspace.view"
    case workspaceUpdate = "workspace.update"
    case membersView = "members.view"
    case membersInvite = "members.invite"
    case membersManage = "members.manage"
    case auditView = "audit.view"
    case accountsConnect = "accounts.connect"
    case contentView = "content.view"
    case contentEdit = "content.edit"
    case contentReview = "content.review"
    case contentLegalReview = "content.legal_review"
    case contentSchedule = "content.schedule"
    case inboxView = "inbox.view"
    case inboxReply = "inbox.reply"
    case inboxEscalate = "inbox.escalate"
    case inboxExpertAnswer = "inbox.expert_answer"
    case inboxRulesManage = "inbox.rules_manage"
    case moderationLexiconManage = "moderation.lexicon_manage"
    case fansView = "fans.view"
    case fansPersonalData = "fans.personal_data"
    case fansManage = "fans.manage"
    case analyticsView = "analytics.view"
    case reportsExport = "reports.export"
    case planningManage = "planning.manage"
}
