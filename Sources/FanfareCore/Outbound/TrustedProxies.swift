import Foundation

/// The operator's reverse proxies (FANFARE_TRUSTED_PROXIES), and who is
/// behind a request that came through them.
///
/// `X-Forwarded-For` and `X-Forwarded-Proto` are anyone's to write, so
/// they count only when the peer that sent the request is one of these
/// proxies. Each proxy appends the address it received from, so the list is
/// read from the right: trusted proxies are stepped over, and the first
/// address that is not one of them is the client (anything to its left was
/// written by the client itself and proves nothing).
public struct TrustedProxies: Sendable, Equatable {
    public var ranges: [IPRange]

    public init(_ ranges: [IPRange] = []) {
        self.ranges = ranges
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` (an IPv4-mapped IPv6 address counts as its IPv4
    /// address) is a trusted proxy.
    public func trusts(_ address: IPAddress) -> Bool {
        let address = address.mappedIPv4 ?? address
        return ranges.contains { $0.contains(address) }
    }

    public func trusts(_ address: String) -> Bool {
        guard let parsed = IPAddress(strict: address) else { return false }
        return trusts(parsed)
    }

    /// The client's address: the peer's own when the peer is not trusted;
    /// otherwise the right-most `X-Forwarded-For` entry that is not a
    /// trusted proxy. An entry that is not an address ends the walk at the
    /// last trusted hop, which is then taken for the client (a proxy that
    /// writes garbage cannot make the request look like someone else's).
    /// `forwardedFor` holds every `X-Forwarded-For` header, in order.
    public func client(peer: String, forwardedFor: [String]) -> String {
        guard trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() {
            guard let address = Self.address(of: hop) else { return client }
            client = (address.mappedIPv4 ?? address).description
            if !trusts(address) { return client }
        }
        return client
    }

    /// An entry's address: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`
    /// or `[2001:db8::1]:4711` (some proxies add the port).
    static func address(of hop: String) -> IPAddress? {
        if let plain = IPAddress(strict: hop) { return plain }
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") {
            return IPAddress(strict: String(hop[hop.index(after: hop.startIndex)..<close]))
        }
        let pieces = hop.split(separator: ":")
        if pieces.count == 2, pieces[1].allSatisfy(\.isNumber) { return IPAddress(strict: String(pieces[0])) }
        return nil
    }
}
