/// Every feature of Fanfare, one line each. The order matters twice: a
/// feature's migrations run after those of the features above it in the
/// same release, and its navigation entries sort after theirs at equal
/// order. Nothing else in the shared files names a feature.
enum Features {
    static let all: [any Feature] = [
        OperationsFeature(),
        PeopleFeature(),
        WorkspacesFeature(),
        TokensFeature(),
        AuditFeature(),
        AccountsFeature(),
        LibraryFeature(),
        PostsFeature(),
        CalendarFeature(),
        NotificationsFeature(),
        PublishingFeature(),
        ModerationFeature(),
        InboxFeature(),
        FeedbackFeature(),
        FansFeature(),
        ActivitiesFeature(),
        AnalyticsFeature(),
        ConversionsFeature(),
        FanAnalyticsFeature(),
        CompetitorsFeature(),
        ListeningFeature(),
        IncidentsFeature(),
        GoalsFeature(),
        CampaignsFeature(),
        ExperimentsFeature(),
        RisksFeature(),
        KnowledgeFeature(),
        BudgetsFeature(),
        DemoFeature(),
    ]
}
