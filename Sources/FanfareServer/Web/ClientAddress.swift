import FanfareCore
import Vapor

extension Request {
    /// The address of the person behind this request, for limits and the
    /// audit log: the peer's address, or, when the peer is one of the
    /// operator's trusted proxies (FANFARE_TRUSTED_PROXIES), the address it
    /// forwarded in `X-Forwarded-For`. Without trusted proxies every
    /// request behind a proxy would share the proxy's address (and one
    /// lock); with them believed blindly anyone could pick their address.
    var clientAddress: String {
        guard let peer = remoteAddress?.ipAddress else { return "unknown" }
        return application.settings.trustedProxies.client(peer: peer, forwardedFor: headers[.xForwardedFor])
    }

    /// Whether the peer is one of the operator's trusted proxies, so that
    /// its `X-Forwarded-*` headers count.
    var forwardedByTrustedProxy: Bool {
        guard let peer = remoteAddress?.ipAddress else { return false }
        return application.settings.trustedProxies.trusts(peer)
    }
}
