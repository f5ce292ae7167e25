import Fluent
import Vapor

/// Notifications: a person's unread list per workspace, and the
/// workspace's outbound channels (企业微信, DingTalk, Feishu, webhooks)
/// that every notice announced through `Notifier.announce` is routed to.
struct NotificationsFeature: Feature {
    var name: String { "notifications" }

    var migrations: [ShippedMigration] { [ShippedMigration(2, CreateNotifications()), ShippedMigration(16, CreateNotifyChannels())] }

    func routes(_ routes: FeatureRoutes) throws {
        NotificationPages().bootScoped(routes.workspacePages)
        NotificationsAPI().bootScoped(routes.workspaceAPI)
        ChannelsAPI().bootScoped(routes.workspaceAPI)
        ChannelPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] { [JobRegistration(ChannelDelivery.kind, run: .single(ChannelDelivery.run))] }

    var strings: StringTable {
        StringTable(
            en: Self.stringsEn.merging(Self.channelStringsEn) { a, _ in a },
            zhHans: Self.stringsZhHans.merging(Self.channelStringsZhHans) { a, _ in a })
    }

    var dynamicKeys: [String] {
        ChannelService.kinds.map { "notify.kind.\($0)" } + (ChannelService.eventKinds + ["test"]).map { "notify.event.\($0)" }
            + ChannelService.grades.map { "notify.grade.\($0)" } + NotifyDelivery.State.allCases.map { "notify.state.\($0.rawValue)" }
            + ChannelDelivery.errorCodes.map { "notify.error.\($0)" } + ChannelService.securities.map { "notify.smtp.security.\($0)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.settings, order: 45, path: "/settings/channels", label: "nav.notify_channels", permission: .workspaceUpdate)]
    }
}
