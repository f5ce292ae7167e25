import Fluent
import Vapor

/// Every route of the application. Pages use cookie sessions with CSRF;
/// the API uses bearer tokens. Workspace-scoped routes of both pass through
/// `WorkspaceScopeMiddleware`, the one place where tenants are separated.
func routes(_ app: Application, metrics: RequestMetrics, expectsWorker: Bool) throws {
    try app.register(collection: OperationsRoutes(metrics: metrics, expectsWorker: expectsWorker))
    // Platforms' pushes: signed, neither session nor token.
    try app.register(collection: PushRoutes())

    // Pages.
    let pages = app.grouped(app.sessions.middleware, SessionUserMiddleware(), CSRFMiddleware())
    try pages.register(collection: SessionPages())
    try pages.register(collection: MemberPages())
    try pages.register(collection: PublicFeedbackPages())
    let signedIn = pages.grouped(RequireSignInMiddleware())
    try signedIn.register(collection: SettingsPages())
    try signedIn.register(collection: TokenPages())
    try signedIn.register(collection: WorkspacePages())
    let workspacePage = signedIn.grouped("w", ":workspace").grouped(WorkspaceScopeMiddleware())
    WorkspacePages().bootScoped(workspacePage)
    MemberPages().bootScoped(workspacePage)
    AuditPages().bootScoped(workspacePage)
    AccountPages().bootScoped(workspacePage)
    PostPages().bootScoped(workspacePage)
    CalendarPages().bootScoped(workspacePage)
    LibraryPages().bootScoped(workspacePage)
    NotificationPages().bootScoped(workspacePage)
    ModerationPages().bootScoped(workspacePage)
    LexiconPages().bootScoped(workspacePage)
    InboxPages().bootScoped(workspacePage)
    ReplyTemplatePages().bootScoped(workspacePage)
    InboxRulePages().bootScoped(workspacePage)
    FanPages().bootScoped(workspacePage)
    SegmentPages().bootScoped(workspacePage)
    RewardPages().bootScoped(workspacePage)
    ActivityPages().bootScoped(workspacePage)
    ServiceLevelPages().bootScoped(workspacePage)
    FeedbackPages().bootScoped(workspacePage)

    // API.
    let api = app.grouped("api", "v1").grouped(BearerTokenMiddleware(), IdempotencyMiddleware())
    try api.register(collection: AccountAPI())
    try api.register(collection: WorkspaceAPI())
    try api.register(collection: AdaptationAPI())
    let workspaceAPI = api.grouped("workspaces", ":workspace").grouped(WorkspaceScopeMiddleware())
    WorkspaceAPI().bootScoped(workspaceAPI)
    AuditAPI().bootScoped(workspaceAPI)
    AdaptationAPI().bootScoped(workspaceAPI)
    AccountsAPI().bootScoped(workspaceAPI)
    PostsAPI().bootScoped(workspaceAPI)
    CalendarAPI().bootScoped(workspaceAPI)
    LibraryAPI().bootScoped(workspaceAPI)
    BestTimesAPI().bootScoped(workspaceAPI)
    NotificationsAPI().bootScoped(workspaceAPI)
    ModerationAPI().bootScoped(workspaceAPI)
    InboxAPI().bootScoped(workspaceAPI)
    FansAPI().bootScoped(workspaceAPI)
    SegmentsAPI().bootScoped(workspaceAPI)
    RewardsAPI().bootScoped(workspaceAPI)
    ActivitiesAPI().bootScoped(workspaceAPI)
    FeedbackAPI().bootScoped(workspaceAPI)
}
