import Foundation

/// How the token watch treats an Official Account's token: it lasts two
/// hours and is fetched again with the AppSecret the account holds
/// (`stable_token`), so it is renewed half an hour ahead and never
/// "ends" for want of a person.
extension WeChatKind {
    public var refreshAhead: TimeInterval { 30 * 60 }

    public func renewsUnattended(_ credentials: ConnectorCredentials) -> Bool {
        !(credentials.secrets[Key.appSecret] ?? "").isEmpty
    }
}
