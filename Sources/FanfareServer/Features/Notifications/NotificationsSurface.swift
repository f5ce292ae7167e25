import FanfareCore
import Fluent
import Vapor

/// Something the product tells people about, inside the app and outside it
/// (the workspace's outbound channels: 企业微信, DingTalk, Feishu, email,
/// webhooks). Listening's alerts, incidents, service-level breaches, failed
/// publishes and anomalies all arrive here, so a team routes them in one place.
struct OutboundEvent: Sendable, Codable, Equatable {
    enum Kind: String, Sendable, Codable, CaseIterable {
        case alert
        case incident
        case serviceLevelBreach = "service_level_breach"
        case publishFailed = "publish_failed"
        case anomaly
        case goalOffTrack = "goal_off_track"
        case riskTriggered = "risk_triggered"
        case riskReviewDue = "risk_review_due"
        case budgetStopLoss = "budget_stop_loss"
    }

    var kind: Kind
    var workspaceID: UUID
    /// blue … red for alerts and incidents; nil for the others.
    var grade: AlertGrade?
    /// The monitor an alert came from, so routes may name monitors.
    var monitorID: UUID?
    /// The i18n key and its values, rendered in each reader's language.
    var key: String
    var args: [String]
    /// Relative to the workspace (`/alerts/…`).
    var link: String
    /// One story, one message: an event whose key a channel already carried
    /// is not sent to it again.
    var dedupeKey: String
}

extension Notifier {
    /// Tells `userIDs` in the app about `event`, and queues one delivery
    /// to each of the workspace's enabled channels whose route takes it
    /// (once per channel and `dedupeKey`, docs/listening.md § Channels).
    /// Called inside the caller's transaction, the deliveries are queued
    /// only if the rest of it is written.
    static func announce(_ event: OutboundEvent, to userIDs: [UUID], on db: any Database, now: Date = Date()) async throws {
        try await notify(userIDs, workspaceID: event.workspaceID, key: event.key, args: event.args, link: event.link, on: db, now: now)
        try await ChannelDelivery.route(event, on: db, now: now)
    }
}
