import Foundation

/// Why the guarded outbound client refuses an address. For logs and tests
/// only: a person always sees the same message, whatever the reason, so
/// that an address field cannot be used to map the inside of the network.
public enum OutboundRefusal: String, Sendable, Equatable, CaseIterable {
    /// `0.0.0.0/8`, `::` — "this host" to the kernel, which connects such
    /// a socket to itself.
    case unspecified
    /// `127.0.0.0/8`, `::1`.
    case loopback
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`) and unique local
    /// IPv6 (`fc00::/7`).
    case privateUse = "private"
    /// `100.64.0.0/10`, carrier-grade NAT (RFC 6598).
    case sharedAddressSpace = "shared"
    /// `169.254.0.0/16` (where cloud metadata services answer) and
    /// `fe80::/10`.
    case linkLocal = "link-local"
    /// TEST-NET-1/2/3, `2001:db8::/32`, `3fff::/20`.
    case documentation
    /// `198.18.0.0/15`, `2001:2::/48`.
    case benchmarking
    /// `224.0.0.0/4`, `ff00::/8`.
    case multicast
    /// Everything else that is not globally reachable: `240.0.0.0/4` and
    /// the broadcast address, IETF protocol assignments, the 6to4 relay
    /// anycast, discard-only and SRv6 blocks, deprecated site-local and
    /// IPv4-compatible IPv6, and any IPv6 outside `2000::/3`.
    case reserved
    /// `localhost` and `*.localhost` (RFC 6761), refused before any
    /// lookup: they mean this machine whatever DNS says.
    case localName = "local-name"
    /// An empty host, or one with characters no host name has.
    case notAHost = "not-a-host"
}

/// The decision on one address.
public enum OutboundDecision: Sendable, Equatable {
    case allowed
    case refused(OutboundRefusal)

    public var isAllowed: Bool { self == .allowed }
}

/// What to do with a URL's host, before any lookup.
public enum OutboundHostDecision: Sendable, Equatable {
    /// The host is an address (in any spelling the C library reads as
    /// one) that may be reached: connect to exactly this.
    case connect(IPAddress)
    /// A host name: look it up once, then `choose(from:)` its answers.
    case resolve(String)
    case refused(OutboundRefusal)
}

/// Which addresses Fanfare may send requests to when the address came from
/// a person (an instance URL, a webhook endpoint, an API base).
///
/// Everything on the public internet is allowed; every block that the IANA
/// special-purpose registries mark as not globally reachable is refused,
/// because a request there reaches this machine, the local network or a
/// cloud's metadata service on behalf of whoever typed the address. An
/// operator may allow some of those blocks again (a Mastodon instance on
/// the LAN); nothing else opens them.
///
/// The policy only decides; the client that uses it must connect to the
/// very address it checked (no second lookup), and check again after every
/// redirect.
public struct OutboundAddressPolicy: Sendable, Equatable {
    /// Blocks the operator allowed besides the public internet
    /// (`FANFARE_OUTBOUND_ALLOW`).
    public var allowedRanges: [IPRange]

    public init(allowing allowedRanges: [IPRange] = []) {
        self.allowedRanges = allowedRanges
    }

    /// Refused unless the operator allowed it, allowed unless it lies in a
    /// refused block. IPv6 forms that carry an IPv4 address to the same
    /// host (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are
    /// decided by that IPv4 address, so `::ffff:127.0.0.1` is loopback.
    public func decide(_ address: IPAddress) -> OutboundDecision {
        if allowedRanges.contains(where: { $0.contains(address) }) { return .allowed }
        if let carried = Self.carriedIPv4(address) { return decide(carried) }
        if let refusal = Self.refusal(of: address) { return .refused(refusal) }
        return .allowed
    }

    /// Sorts a URL's host (without brackets) into an address to check, a
    /// name to look up, or a refusal that needs no lookup.
    public func decide(host: String) -> OutboundHostDecision {
        if let address = IPAddress(host) {
            switch decide(address) {
            case .allowed: return .connect(address)
            case .refused(let refusal): return .refused(refusal)
            }
        }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, !name.hasPrefix("."), name.unicodeScalars.allSatisfy(Self.isHostScalar) else { return .refused(.notAHost) }
        if name == "localhost" || name.hasSuffix(".localhost") { return .refused(.localName) }
        return .resolve(name)
    }

    /// Of a name's answers, the address to connect to: the first allowed
    /// IPv4 address, else the first allowed IPv6 one; nil when none is
    /// allowed. Refused answers are skipped rather than spoiling the rest:
    /// the client connects only to the one returned. IPv4 comes first
    /// because exactly one address is pinned (no falling back to the other
    /// family), and more hosts that run Fanfare reach the internet over
    /// IPv4 than over IPv6.
    public func choose(from answers: [IPAddress]) -> IPAddress? {
        let allowed = answers.filter { decide($0).isAllowed }
        return allowed.first(where: \.isIPv4) ?? allowed.first
    }

    // MARK: The registries

    /// The IPv4 address an IPv6 address hands the packet to, when it is an
    /// IPv4-mapped, NAT64 well-known-prefix or 6to4 address.
    static func carriedIPv4(_ address: IPAddress) -> IPAddress? {
        if let mapped = address.mappedIPv4 { return mapped }
        guard case .v6(let high, let low) = address else { return nil }
        if high == 0x0064_ff9b_0000_0000, low >> 32 == 0 { return .v4(UInt32(truncatingIfNeeded: low)) }
        if high >> 48 == 0x2002 { return .v4(UInt32(truncatingIfNeeded: high >> 16)) }
        return nil
    }

    /// IANA IPv4 and IPv6 Special-Purpose Address Registries (blocks whose
    /// "globally reachable" is false), multicast and the reserved space.
    /// The more specific block comes first where blocks nest.
    static let refusedRanges: [(IPRange, OutboundRefusal)] = refusedBlocks.map { text, refusal in
        guard let range = try? IPRange.parse(text) else { preconditionFailure("bad built-in range \(text)") }
        return (range, refusal)
    }

    private static let refusedBlocks: [(String, OutboundRefusal)] = [
        ("0.0.0.0/8", .unspecified),
        ("10.0.0.0/8", .privateUse),
        ("100.64.0.0/10", .sharedAddressSpace),
        ("127.0.0.0/8", .loopback),
        ("169.254.0.0/16", .linkLocal),
        ("172.16.0.0/12", .privateUse),
        ("192.0.0.0/24", .reserved),
        ("192.0.2.0/24", .documentation),
        ("192.88.99.0/24", .reserved),
        ("192.168.0.0/16", .privateUse),
        ("198.18.0.0/15", .benchmarking),
        ("198.51.100.0/24", .documentation),
        ("203.0.113.0/24", .documentation),
        ("224.0.0.0/4", .multicast),
        ("240.0.0.0/4", .reserved),
        ("::/128", .unspecified),
        ("::1/128", .loopback),
        // IPv4-compatible (deprecated) and the rest of the IETF's ::/8.
        ("::/8", .reserved),
        ("64:ff9b:1::/48", .reserved),
        ("100::/64", .reserved),
        ("100:0:0:1::/64", .reserved),
        ("2001:2::/48", .benchmarking),
        // IETF protocol assignments, Teredo (2001::/32) among them: a
        // Teredo address hides its host's IPv4 address and reaches it
        // through a relay, so it is refused whole.
        ("2001::/23", .reserved),
        ("2001:db8::/32", .documentation),
        ("3fff::/20", .documentation),
        ("5f00::/16", .reserved),
        ("fc00::/7", .privateUse),
        ("fe80::/10", .linkLocal),
        ("fec0::/10", .reserved),
        ("ff00::/8", .multicast),
    ]

    private static let globalUnicast = IPRange(network: .v6(high: 0x2000_0000_0000_0000, low: 0), prefixLength: 3)

    static func refusal(of address: IPAddress) -> OutboundRefusal? {
        if let match = refusedRanges.first(where: { $0.0.contains(address) }) { return match.1 }
        if !address.isIPv4, !globalUnicast.contains(address) { return .reserved }
        return nil
    }

    /// Letters, digits, `-`, `_` (found in real host names) and dots: what
    /// a URL's host holds after IDNA. Anything else is no host name.
    private static func isHostScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == ".")
    }
}
