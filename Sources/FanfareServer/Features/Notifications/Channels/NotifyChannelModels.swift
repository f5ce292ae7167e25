import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A workspace's outbound channel: where notices go outside the app, and
/// which of them (its route).
final class NotifyChannelRecord: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "notify_channels"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "kind") var kind: String
    @Field(key: "name") var name: String
    @Field(key: "address_hint") var addressHint: String
    /// `Sealed` as JSON, sealed with the installation's key and bound to
    /// this channel's id: a robot's address carries its key, so the whole
    /// address is a secret, not only the signing secret.
    @Field(key: "sealed") var sealed: Data
    @Field(key: "enabled") var enabled: Bool
    @Field(key: "event_kinds") var eventKinds: String
    @OptionalField(key: "min_grade") var minGrade: String?
    @Field(key: "monitor_ids") var monitorIDs: String
    @Field(key: "locale") var locale: String
    @OptionalField(key: "last_tested_at") var lastTestedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<NotifyChannelRecord, ParentProperty<NotifyChannelRecord, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $kind, $name, $addressHint, $sealed, $enabled, $eventKinds, $minGrade, $monitorIDs, $locale, $lastTestedAt, $createdAt,
            $updatedAt,
        ]
    }

    /// What is sealed: the whole address and the signing secret.
    struct Sealed: Codable {
        var address: String
        var secret: String?
    }

    /// What the sealed box is bound to: this channel.
    var sealingContext: String { "notify_channel:\(id!.uuidString)" }

    var route: NotifyRoute {
        NotifyRoute(
            kinds: Set(eventKinds.split(separator: " ").map(String.init)), minimumGrade: minGrade.flatMap(AlertGrade.init(rawValue:)),
            monitorIDs: Set(monitorIDs.split(separator: " ").compactMap { UUID(uuidString: String($0)) }))
    }

    var channelKind: NotifyChannelKind? { NotifyChannelKind(rawValue: kind) }
}

/// A workspace's mail server for its email channels.
final class NotifySMTPSettings: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "notify_smtp_settings"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "host") var host: String
    @Field(key: "port") var port: Int
    @Field(key: "security") var security: String
    @Field(key: "username") var username: String
    /// Sealed like the channels' secrets, bound to the workspace; empty: none.
    @Field(key: "sealed_password") var sealedPassword: Data
    @Field(key: "from_address") var fromAddress: String
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<NotifySMTPSettings, ParentProperty<NotifySMTPSettings, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $host, $port, $security, $username, $sealedPassword, $fromAddress, $updatedAt] }

    var sealingContext: String { "notify_smtp:\($workspace.id.uuidString)" }
}

/// The mail server as the API shows it: never the password.
struct NotifySMTPDTO: Content, Equatable {
    var host: String
    var port: Int
    var security: String
    var username: String
    var passwordSet: Bool
    var fromAddress: String
    var updatedAt: Date

    init(_ row: NotifySMTPSettings) {
        host = row.host
        port = row.port
        security = row.security
        username = row.username
        passwordSet = !row.sealedPassword.isEmpty
        fromAddress = row.fromAddress
        updatedAt = row.updatedAt
    }
}

/// One notice's delivery to one channel, and how it went.
final class NotifyDelivery: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "notify_deliveries"

    enum State: String, CaseIterable, Codable, Sendable {
        /// Waiting for its first attempt.
        case queued
        /// Delivered: the receiver answered that it took the notice.
        case sent
        /// The last attempt failed for a passing reason; another is due.
        case failed
        /// No more attempts: refused, or every attempt failed.
        case gaveUp = "gave_up"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "channel_id") var channel: NotifyChannelRecord
    @Field(key: "dedupe_key") var dedupeKey: String
    @Field(key: "event_kind") var eventKind: String
    /// The `OutboundEvent` as JSON: the message is written from it at each
    /// attempt in the channel's language.
    @Field(key: "event") var event: String
    @Field(key: "state") var state: String
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "http_status") var httpStatus: Int?
    @OptionalField(key: "error_code") var errorCode: String?
    @OptionalField(key: "error_text") var errorText: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?

    static var workspaceKey: KeyPath<NotifyDelivery, ParentProperty<NotifyDelivery, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $channel, $dedupeKey, $eventKind, $event, $state, $attempts, $httpStatus, $errorCode, $errorText, $createdAt, $updatedAt,
            $sentAt,
        ]
    }
}

/// A channel as the API shows it: the address with its key cut off and
/// whether a secret is set, never the secret or the whole address.
struct NotifyChannelDTO: Content, Equatable {
    var id: UUID
    var kind: String
    var name: String
    var addressHint: String
    var secretSet: Bool
    var enabled: Bool
    var eventKinds: [String]
    var minGrade: String?
    var monitorIds: [UUID]
    var locale: String
    var lastTestedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    /// Only in the answer that created a webhook without a secret: the
    /// signing secret Fanfare made, shown this once.
    var generatedSecret: String?

    init(_ row: NotifyChannelRecord, secretSet: Bool, generatedSecret: String? = nil) {
        id = row.id!
        kind = row.kind
        name = row.name
        addressHint = row.addressHint
        self.secretSet = secretSet
        enabled = row.enabled
        eventKinds = row.eventKinds.split(separator: " ").map(String.init)
        minGrade = row.minGrade
        monitorIds = row.monitorIDs.split(separator: " ").compactMap { UUID(uuidString: String($0)) }
        locale = row.locale
        lastTestedAt = row.lastTestedAt
        createdAt = row.createdAt
        updatedAt = row.updatedAt
        self.generatedSecret = generatedSecret
    }
}

struct NotifyDeliveryDTO: Content, Equatable {
    var id: UUID
    var channelId: UUID
    var eventKind: String
    var dedupeKey: String
    var state: String
    var attempts: Int
    var httpStatus: Int?
    var errorCode: String?
    var errorText: String?
    var createdAt: Date
    var updatedAt: Date
    var sentAt: Date?

    init(_ row: NotifyDelivery) {
        id = row.id!
        channelId = row.$channel.id
        eventKind = row.eventKind
        dedupeKey = row.dedupeKey
        state = row.state
        attempts = row.attempts
        httpStatus = row.httpStatus
        errorCode = row.errorCode
        errorText = row.errorText
        createdAt = row.createdAt
        updatedAt = row.updatedAt
        sentAt = row.sentAt
    }
}
