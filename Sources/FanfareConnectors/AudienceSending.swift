import Foundation

/// What the platform answered when a post was sent to a group of fans.
public struct AudienceSend: Sendable, Equatable, Codable {
    /// The platform's id of the send (WeChat's `msg_id`).
    public var messageID: String
    /// The id the platform's statistics know the sent article by (WeChat's
    /// `msg_data_id`); nil where the platform has none.
    public var dataID: String?
    /// When the platform took the send.
    public var sentAt: Date
    /// How many fans the send was addressed to.
    public var addressed: Int

    public init(messageID: String, dataID: String?, sentAt: Date, addressed: Int) {
        self.messageID = messageID
        self.dataID = dataID
        self.sentAt = sentAt
        self.addressed = addressed
    }
}

/// How far a send reached, as the platform counts it.
public struct AudienceReach: Sendable, Equatable, Codable {
    /// Fans the platform delivered the send to (WeChat's `target_user`).
    public var delivered: Int
    /// Distinct fans who opened it (WeChat's `int_page_read_user`).
    public var readers: Int

    public init(delivered: Int, readers: Int) {
        self.delivered = delivered
        self.readers = readers
    }
}

/// A connector whose platform sends a post to a chosen group of fans
/// (WeChat Official Accounts' tag mass-send, 标签群发): what an experiment
/// randomised by audience needs (issue 21). Separate from `Connector`
/// because only some platforms have it; the server asks
/// `connector as? any AudienceSending`.
public protocol AudienceSending: Sendable {
    /// Most fans one call may address.
    var maxAudience: Int { get }

    /// Puts the fans `fanIDs` (the platform's ids, e.g. WeChat openids) in
    /// the group named `group` (created when missing) and sends `post` to
    /// that group only. Safe to call again after any failure with the same
    /// `post.idempotencyKey`: the group is found by name, adding a fan twice
    /// is harmless, and the platform's own duplicate check (WeChat's
    /// `clientmsgid`) returns the first send instead of sending twice.
    func send(_ post: PublishRequest, toFans fanIDs: [String], group: String) async throws(ConnectorError) -> AudienceSend

    /// The send's delivered and read counts so far; nil while the platform
    /// has not counted it yet (WeChat's statistics arrive the next day).
    /// `fanIDs` are the fans it was addressed to (platforms that count per
    /// fan use them; WeChat does not).
    func reach(of send: AudienceSend, fanIDs: [String], now: Date) async throws(ConnectorError) -> AudienceReach?
}

extension ConnectorRegistry {
    /// The platforms whose connectors are `AudienceSending`: what a form
    /// may offer before any connector is made (credentials are opened only
    /// to send). `AudienceSendingTests` holds it to the connectors.
    public static let audienceSendingPlatforms: Set<String> = ["sandbox", "wechat"]
}
