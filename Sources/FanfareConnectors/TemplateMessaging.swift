import Foundation

/// A message built from a template the platform approved beforehand, with
/// the values of its fields (WeChat's 模板消息): what an account may still
/// send a fan when ordinary replies are no longer allowed.
public struct TemplateMessage: Sendable, Equatable, Codable {
    /// The platform's id of the template.
    public var templateID: String
    /// Where tapping the message leads, if anywhere.
    public var url: String?
    /// Each field's key (as the template names it) and value, in the template's order.
    public var fields: [Field]

    public struct Field: Sendable, Equatable, Codable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(templateID: String, url: String? = nil, fields: [Field]) {
        self.templateID = templateID
        self.url = url
        self.fields = fields
    }
}

/// A connector whose platform sends template messages. Separate from
/// `Connector` because only some platforms have them; the server asks
/// `connector as? any TemplateMessaging`.
public protocol TemplateMessaging: Sendable {
    /// Sends `message` to the author of the interaction `interactionID` and
    /// returns the platform's id of the message. `idempotencyKey` is passed
    /// to the platform where it deduplicates sends.
    func sendTemplate(_ message: TemplateMessage, replyingTo interactionID: String, idempotencyKey: String) async throws(ConnectorError) -> String
}
