import FanfareCore
import Foundation

/// A platform Fanfare cannot publish to unattended: the scheduler sees
/// `unattendedPublishing == false` and hands the post to a person with a
/// `HandOffPackage`; the person pastes the published link back.
public struct HandOffConnector: Connector {
    public let handOff: HandOffPlatform
    public let profileURL: String

    public init(platform: HandOffPlatform, profileURL: String) {
        self.handOff = platform
        self.profileURL = profileURL
    }

    public var platform: String { handOff.rawValue }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: false, handOffReason: handOff.handOffReason, canDelete: false, canReply: false, interactionKinds: [],
            postMetrics: false, receivesWebhooks: false)
    }

    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        throw .notSupported(handOff.handOffReason + " Prepare a hand-off package for this post instead.")
    }

    /// Hand-off posts are recorded when the person pastes the link; the
    /// platform cannot be asked.
    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? { nil }

    public func delete(remoteID: String) async throws(ConnectorError) {
        throw .notSupported("Delete it in the \(handOff.name) app; Fanfare has no access to the account")
    }

    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        InteractionPage(interactions: [], nextCursor: cursor ?? "")
    }

    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        throw .notSupported("Reply in the \(handOff.name) app; Fanfare has no access to the account")
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        throw .notSupported("\(handOff.name) gives Fanfare no statistics for this account; see them in the app")
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        throw .notSupported("\(handOff.name) gives Fanfare no statistics for this account; see them in the app")
    }

    /// Nothing to refresh: the account is connected by its profile link only.
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        credentials
    }
}

/// Connecting a hand-off account: its profile link (and a name to show),
/// no credentials. Settings: `profileURL`, `profileID`.
public struct HandOffKind: ConnectorKind {
    public let handOff: HandOffPlatform

    public init(_ platform: HandOffPlatform) {
        self.handOff = platform
    }

    public static let xiaohongshu = HandOffKind(.xiaohongshu)
    public static let douyin = HandOffKind(.douyin)

    public var platform: String { handOff.rawValue }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(key: "profileURL", label: "Profile link", hint: "\(handOff.profileExample) (or the app's share link)"),
            ConnectionField(key: "handle", label: "Account name", required: false, hint: "shown in Fanfare and in the checklist"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        let pasted = fields["profileURL", default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
        guard let link = HandOffLinks.firstLink(in: pasted), HandOffPlatform.owning(host: link.host ?? "") == handOff,
            let id = HandOffLinks.identify(link, on: handOff, shape: .profile)
        else {
            throw .rejected(reason: "Profile link must be the \(handOff.name) account's profile link, e.g. \(handOff.profileExample)")
        }
        let name = fields["handle", default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
        let url = link.string ?? pasted
        return AccountConnection(
            handle: name.isEmpty ? id : name, settings: ["profileURL": url, "profileID": id], credentials: ConnectorCredentials(accessToken: ""))
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        HandOffConnector(platform: handOff, profileURL: connection.settings["profileURL", default: ""])
    }
}
