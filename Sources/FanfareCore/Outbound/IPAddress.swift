import Foundation

/// An IPv4 or IPv6 address, as the guarded outbound client checks it.
///
/// Parsing is deliberately as lenient as the C library: a host that
/// `getaddrinfo` would turn into an address without asking DNS must be
/// recognised here as that same address, or `http://2130706433/` would
/// slip past a check that only knows `127.0.0.1`.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bits in network order (`127.0.0.1` is `0x7f00_0001`).
    case v4(UInt32)
    /// The 128 bits in network order, as two halves.
    case v6(high: UInt64, low: UInt64)

    /// Parses an address literal: IPv4 in every spelling `inet_aton`
    /// accepts (`127.0.0.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`,
    /// `127.1`, `0x7f000001`), or IPv6 (with `::`, an embedded dotted
    /// IPv4 tail, optional brackets and an optional `%zone`, which is
    /// ignored: the zone picks an interface, not a different address).
    /// Returns nil for anything else, such as a host name.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.contains(":") {
            if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
            guard let (high, low) = Self.parseV6(text) else { return nil }
            self = .v6(high: high, low: low)
        } else {
            guard let value = Self.parseV4Lenient(text) else { return nil }
            self = .v4(value)
        }
    }

    /// Parses only the canonical spellings (`192.168.1.10`, `fd00::1`):
    /// what an operator writes in a setting, where `10` must not silently
    /// mean `0.0.0.10` as it would for `inet_aton`.
    public init?(strict text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.contains(":") {
            guard !text.contains("%"), let (high, low) = Self.parseV6(text) else { return nil }
            self = .v6(high: high, low: low)
        } else {
            guard let value = Self.parseDottedQuad(text) else { return nil }
            self = .v4(value)
        }
    }

    /// 4 bytes for IPv4, 16 for IPv6; nil for any other count.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(high: high, low: low)
        default:
            return nil
        }
    }

    /// The address in network order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address
    /// (`::ffff:127.0.0.1`, also written `::ffff:7f00:1`): the same host,
    /// reached over IPv4 by the kernel.
    public var mappedIPv4: IPAddress? {
        guard case .v6(let high, let low) = self, high == 0, low >> 32 == 0xffff else { return nil }
        return .v4(UInt32(truncatingIfNeeded: low))
    }

    /// Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, the
    /// longest run of two or more zero groups as `::`, a mapped IPv4 tail
    /// dotted). Every spelling of one address gives the same text, which
    /// `inet_pton` reads back.
    public var description: String {
        switch self {
        case .v4(let value):
            return (0..<4).map { String((value >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
        case .v6(let high, let low):
            if let v4 = mappedIPv4 { return "::ffff:\(v4)" }
            let groups =
                (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
                + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
            var bestStart = -1
            var bestLength = 0
            var index = 0
            while index < 8 {
                guard groups[index] == 0 else {
                    index += 1
                    continue
                }
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            }
            func hex(_ slice: ArraySlice<UInt16>) -> String { slice.map { String($0, radix: 16) }.joined(separator: ":") }
            guard bestLength >= 2 else { return hex(groups[...]) }
            return hex(groups[..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
        }
    }

    // MARK: Parsing

    /// `inet_aton`: one to four parts separated by dots, each decimal,
    /// octal (leading `0`) or hexadecimal (`0x`); the last part fills all
    /// the bits the earlier parts left (`127.1` is `127.0.0.1`).
    static func parseV4Lenient(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = parseNumber(part) else { return nil }
            values.append(value)
        }
        var result: UInt64 = 0
        for value in values.dropLast() {
            guard value <= 0xff else { return nil }
            result = result << 8 | value
        }
        let lastBits = UInt64(8 * (5 - parts.count))
        guard let last = values.last, last < (UInt64(1) << lastBits) else { return nil }
        return UInt32(result << lastBits | last)
    }

    /// One `inet_aton` part; nil when empty, not a number in its base, or
    /// above 32 bits.
    private static func parseNumber(_ part: Substring) -> UInt64? {
        var digits = part
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
            // `0x` alone is zero to the C library.
            if digits.isEmpty { return 0 }
        } else if digits.hasPrefix("0"), digits.count > 1 {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for character in digits {
            guard character.isASCII, let digit = character.hexDigitValue.map(UInt64.init), digit < radix else { return nil }
            value = value * radix + digit
            guard value <= UInt64(UInt32.max) else { return nil }
        }
        return value
    }

    /// Exactly four decimal parts from 0 to 255, without leading zeros.
    static func parseDottedQuad(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                part == "0" || !part.hasPrefix("0"), let value = UInt32(part), value <= 255
            else { return nil }
            result = result << 8 | value
        }
        return result
    }

    /// RFC 4291 text: eight groups of up to four hex digits, at most one
    /// `::`, and optionally a dotted IPv4 address for the last 32 bits.
    static func parseV6(_ text: Substring) -> (UInt64, UInt64)? {
        guard !text.isEmpty else { return nil }
        var groups: [UInt16] = []
        var gapAt: Int?
        var rest = text
        if rest.hasPrefix("::") {
            gapAt = 0
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix(":") {
            return nil
        }
        while !rest.isEmpty {
            let end = rest.firstIndex(of: ":") ?? rest.endIndex
            let piece = rest[..<end]
            if piece.contains(".") {
                // A dotted IPv4 tail ends the address.
                guard end == rest.endIndex, let v4 = parseDottedQuad(piece) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xffff))
                rest = rest[end...]
                break
            }
            guard (1...4).contains(piece.count), piece.allSatisfy({ $0.isASCII && $0.isHexDigit }), let group = UInt16(piece, radix: 16) else {
                return nil
            }
            groups.append(group)
            rest = rest[end...]
            if rest.hasPrefix("::") {
                guard gapAt == nil else { return nil }
                gapAt = groups.count
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix(":") {
                rest = rest.dropFirst()
                // A single colon must be followed by a group.
                guard !rest.isEmpty else { return nil }
            }
        }
        if let gapAt {
            // `::` stands for at least one group of zeros.
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: Array(repeating: 0, count: 8 - groups.count), at: gapAt)
        }
        guard groups.count == 8 else { return nil }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}

/// A block of addresses in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a
/// single address is a block of one (`/32` or `/128`).
public struct IPRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits zero).
    public let network: IPAddress
    public let prefixLength: Int

    /// Why a text is not a range, in words an operator can act on.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notAnAddress
        case badPrefix(maximum: Int)
        /// `10.1.2.3/8`: probably a typo for the block or for one address.
        case hostBitsSet(network: String)

        /// The problem with its code, about the entry as typed.
        public var coded: CodedMessage {
            switch self {
            case .notAnAddress: .ipNotAnAddress
            case .badPrefix(let maximum): .ipPrefix(max: maximum)
            case .hostBitsSet(let network): .ipHostBits(network: network)
            }
        }

        /// In English: settings are read at start-up, before any page.
        public var description: String { coded.english }
    }

    public init(network: IPAddress, prefixLength: Int) {
        let width = network.isIPv4 ? 32 : 128
        let length = min(max(prefixLength, 0), width)
        self.network = Self.mask(network, length)
        self.prefixLength = length
    }

    /// Reads `address` or `address/prefix` with the canonical address
    /// spellings only; whitespace around it is ignored.
    public static func parse(_ text: String) throws(ParseError) -> IPRange {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pieces = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(strict: String(pieces[0])) else { throw .notAnAddress }
        let width = address.isIPv4 ? 32 : 128
        guard pieces.count == 2 else { return IPRange(network: address, prefixLength: width) }
        guard !pieces[1].isEmpty, pieces[1].allSatisfy(\.isASCII), pieces[1].allSatisfy(\.isNumber), pieces[1].count <= 3,
            let length = Int(pieces[1]), length <= width
        else { throw .badPrefix(maximum: width) }
        let range = IPRange(network: address, prefixLength: length)
        guard range.network == address else { throw .hostBitsSet(network: range.description) }
        return range
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv4 == network.isIPv4 else { return false }
        return Self.mask(address, prefixLength) == network
    }

    public var description: String { "\(network)/\(prefixLength)" }

    static func mask(_ address: IPAddress, _ length: Int) -> IPAddress {
        switch address {
        case .v4(let value):
            return .v4(length == 0 ? 0 : value & (UInt32.max << UInt32(32 - length)))
        case .v6(let high, let low):
            let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : UInt64.max << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : UInt64.max << UInt64(128 - length))
            return .v6(high: high & highMask, low: low & lowMask)
        }
    }
}
