import Fluent

/// Every migration in the order it runs. A shipped migration is never
/// edited: changes are new files in the next numbered folder.
enum FanfareMigrations {
    static var all: [any Migration] {
        [
            CreateUsers(),
            CreateWorkspaces(),
            CreateMemberships(),
            CreateInvitations(),
            CreateAPITokens(),
            CreateAuditEvents(),
            CreateLoginFailures(),
            CreateSetupTokens(),
            CreateIdempotencyRecords(),
            CreateJobs(),
            CreateBrowserSessions(),
            CreateSocialAccounts(),
            // 002: content and publishing.
            CreateTopics(),
            CreateAssets(),
            CreatePosts(),
            CreatePostVariants(),
            CreateNotifications(),
            CreateCalendarSettings(),
            CreateSandboxPosts(),
            AddAccountSettings(),
            // 003: moderation.
            CreateModeration(),
            // 004: the inbox.
            AddMessageAnalysis(),
            CreatePushNonces(),
            // 005: conversations, replies, rules, service levels, tickets.
            CreateInbox(),
            // 006: fans.
            CreateFans(),
            CreateFanProgramme(),
            CreateRewards(),
            // 007: activities reserved for a privilege; sign-ups.
            AddActivityReservation(),
            // 008: hardening.
            CreateThrottleEvents(),
            AddPublicFeedbackForm(),
            AddLexiconImports(),
            CreateInstallationFacts(),
        ]
    }
}
