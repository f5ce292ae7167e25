/// The media types each platform sends its pushes with (issue 16). A push
/// with another `Content-Type`, or none, is refused with 415 before its
/// signature is checked, so that a misconfigured platform hears what is
/// wrong rather than "bad signature".
///
/// Looked up by platform name rather than asked of a connector: whatever
/// wraps a connector (a guard, a cache) answers for the same platform.
public enum PushMediaTypes {
    /// `type/subtype` in lower case, without parameters; nil for a
    /// platform that pushes nothing.
    public static func accepted(byPlatform platform: String) -> [String]? {
        switch platform {
        // XML (`text/xml`; some gateways say `application/xml`), or JSON
        // when the account's server configuration chose the JSON format.
        case "wechat": ["text/xml", "application/xml", "application/json"]
        // Douyin's events are JSON.
        case "douyin": ["application/json"]
        // Standard Webhooks payloads are JSON.
        case "webhook": ["application/json"]
        default: nil
        }
    }
}
