/// How a platform pushes fans' messages to Fanfare (`/hooks/{account}`),
/// declared by its connector kind so the intake never asks which platform
/// it is: the media types its pushes come with, and the answer it expects.
///
/// Declared on the kind, looked up by platform name, rather than asked of a
/// connector: whatever wraps a connector (a guard, a cache) answers for the
/// same platform.
public struct PushIntakeStyle: Sendable, Equatable {
    /// `type/subtype` in lower case, without parameters. A push with
    /// another `Content-Type`, or none, is refused with 415 before its
    /// signature is checked (issue 16), so that a misconfigured platform
    /// hears what is wrong rather than "bad signature".
    public var mediaTypes: [String]
    public var acknowledgement: PushAcknowledgement

    public init(mediaTypes: [String], acknowledgement: PushAcknowledgement) {
        self.mediaTypes = mediaTypes
        self.acknowledgement = acknowledgement
    }
}

/// What a platform expects back once a push is stored.
public enum PushAcknowledgement: Sendable, Equatable {
    /// A JSON receipt: how many messages came, how many were new.
    case receipt
    /// Exactly this text as `text/plain`. WeChat takes any other answer as
    /// a failure: it retries three times and then tells the fan the
    /// account cannot be reached.
    case plainText(String)
}

extension ConnectorKind {
    /// Platforms that push nothing.
    public var pushIntake: PushIntakeStyle? { nil }
}

extension ConnectorRegistry {
    /// How `platform`'s pushes arrive; nil for a platform that pushes
    /// nothing (and for the Sandbox, which is not pushed to).
    public static func pushIntake(platform: String) -> PushIntakeStyle? {
        kind(platform)?.pushIntake
    }
}
