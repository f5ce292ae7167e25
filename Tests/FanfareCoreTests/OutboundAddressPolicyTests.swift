import FanfareCore
import Foundation
import Testing

/// An address written in a test; a typo in it is a test failure.
func ip(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> IPAddress {
    guard let address = IPAddress(text) else {
        Issue.record("\(text) is not an address", sourceLocation: sourceLocation)
        return .v4(0)
    }
    return address
}

/// The SSRF matrix: every refused block and every spelling of an address,
/// decided as a pure function. Nothing here connects anywhere.
@Suite struct IPAddressParsingTests {
    /// Every spelling `inet_aton` / `getaddrinfo` turns into 127.0.0.1
    /// without asking DNS, and the other literal forms of loopback.
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0000.0000.0001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.000.000.001", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("0.0.0.0", "0.0.0.0"),
        ("169.254.43518", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
        ("4294967295", "255.255.255.255"),
        ("[127.0.0.1]", "127.0.0.1"),
    ])
    func ipv4SpellingsParseAsTheCLibraryReadsThem(_ text: String, _ canonical: String) throws {
        let address = try #require(IPAddress(text), "\(text) is an address to the C library")
        #expect(address.description == canonical)
        #expect(address.isIPv4)
    }

    @Test(arguments: [
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("0000:0000:0000:0000:0000:0000:0000:0001", "::1"),
        ("::", "::"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("::ffff:7f00:1", "::ffff:127.0.0.1"),
        ("::FFFF:7F00:0001", "::ffff:127.0.0.1"),
        ("0:0:0:0:0:ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("::127.0.0.1", "::7f00:1"),
        ("64:ff9b::127.0.0.1", "64:ff9b::7f00:1"),
        ("2002:7f00:1::", "2002:7f00:1::"),
        ("fe80::1%eth0", "fe80::1"),
        ("[fe80::1%25eth0]", "fe80::1"),
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8::", "2001:db8::"),
        ("1::", "1::"),
        ("2606:4700:4700::1111", "2606:4700:4700::1111"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ])
    func ipv6SpellingsParseAndPrintCanonically(_ text: String, _ canonical: String) throws {
        let address = try #require(IPAddress(text), "\(text) is an IPv6 address")
        #expect(address.description == canonical)
        #expect(!address.isIPv4)
        #expect(IPAddress(canonical) == address, "the canonical text reads back as the same address")
    }

    @Test(arguments: [
        "", "localhost", "example.com", "127.0.0.1.", "1.2.3.4.5", "256.0.0.1", "1.256.0.1", "1.2.65536", "4294967296", "0x1g",
        "08.0.0.1", "09", "127.0.0.-1", "+1.0.0.1", "1..2", ".1.2.3", "１２７.０.０.１", "0x100000000", "::1::", ":::", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7", "::ffff:127.0.0.256", "::ffff:127.1", "12345::", "g::", ":1::", "1::2:", "::ffff:1.2.3.4:5", "1.2.3.4::",
    ])
    func textsThatAreNoAddressAreNotParsed(_ text: String) {
        #expect(IPAddress(text) == nil, "\(text) must not be taken for an address")
    }

    @Test func bytesRoundTrip() throws {
        for text in ["127.0.0.1", "203.0.113.9", "::1", "2001:db8::8:800:200c:417a", "::ffff:10.0.0.1"] {
            let address = try #require(IPAddress(text))
            #expect(IPAddress(bytes: address.bytes) == address)
        }
        #expect(IPAddress(bytes: [127, 0, 0, 1]) == .v4(0x7f00_0001))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test func strictParsingTakesOnlyTheCanonicalSpellings() {
        #expect(IPAddress(strict: "192.168.1.10") == IPAddress("192.168.1.10"))
        #expect(IPAddress(strict: "fd00::1") == IPAddress("fd00::1"))
        for lenient in ["10", "127.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433", "fe80::1%eth0", "01.2.3.4"] {
            #expect(IPAddress(strict: lenient) == nil, "\(lenient) is not how an operator writes an address")
        }
    }
}

@Suite struct IPRangeTests {
    @Test func rangesContainTheirAddressesOnly() throws {
        let range = try IPRange.parse("10.0.0.0/8")
        #expect(range.contains(ip("10.255.255.255")))
        #expect(!range.contains(ip("11.0.0.0")))
        #expect(!range.contains(ip("::ffff:10.0.0.1")), "a range holds one family")
        let single = try IPRange.parse(" 192.168.1.20 ")
        #expect(single.description == "192.168.1.20/32")
        #expect(single.contains(ip("192.168.1.20")) && !single.contains(ip("192.168.1.21")))
        let v6 = try IPRange.parse("fd00::/8")
        #expect(v6.contains(ip("fdff:ffff::1")) && !v6.contains(ip("fe00::1")))
        #expect(try IPRange.parse("::1").description == "::1/128")
        #expect(try IPRange.parse("0.0.0.0/0").contains(ip("8.8.8.8")))
        #expect(try IPRange.parse("2001:db8::/127").contains(ip("2001:db8::1")))
        #expect(try IPRange.parse("2001:db8::/65").contains(ip("2001:db8::7fff:0:0:1")))
        #expect(!(try IPRange.parse("2001:db8::/65")).contains(ip("2001:db8::8000:0:0:1")))
    }

    @Test func wrongRangesSayWhatIsWrong() {
        #expect(throws: IPRange.ParseError.notAnAddress) { try IPRange.parse("10/8") }
        #expect(throws: IPRange.ParseError.notAnAddress) { try IPRange.parse("lan") }
        #expect(throws: IPRange.ParseError.notAnAddress) { try IPRange.parse("") }
        #expect(throws: IPRange.ParseError.badPrefix(maximum: 32)) { try IPRange.parse("10.0.0.0/33") }
        #expect(throws: IPRange.ParseError.badPrefix(maximum: 32)) { try IPRange.parse("10.0.0.0/") }
        #expect(throws: IPRange.ParseError.badPrefix(maximum: 32)) { try IPRange.parse("10.0.0.0/-1") }
        #expect(throws: IPRange.ParseError.badPrefix(maximum: 128)) { try IPRange.parse("fd00::/129") }
        #expect(throws: IPRange.ParseError.hostBitsSet(network: "10.0.0.0/8")) { try IPRange.parse("10.1.2.3/8") }
        #expect(IPRange.ParseError.hostBitsSet(network: "10.0.0.0/8").description.contains("10.0.0.0/8"))
        #expect(IPRange.ParseError.badPrefix(maximum: 128).coded == .ipPrefix(max: 128))
        #expect(IPRange.ParseError.badPrefix(maximum: 128).description == "has a prefix length that is not a whole number from 0 to 128")
    }
}

@Suite struct OutboundAddressPolicyTests {
    static let closed = OutboundAddressPolicy()

    /// One address in (and at the edges of) every refused block, and why.
    @Test(arguments: [
        ("0.0.0.0", OutboundRefusal.unspecified), ("0.255.255.255", .unspecified),
        ("10.0.0.0", .privateUse), ("10.255.255.255", .privateUse),
        ("100.64.0.0", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("127.0.0.2", .loopback),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal),
        ("172.16.0.1", .privateUse), ("172.31.255.255", .privateUse),
        ("192.0.0.1", .reserved), ("192.0.0.170", .reserved),
        ("192.0.2.1", .documentation), ("192.88.99.1", .reserved),
        ("192.168.0.1", .privateUse), ("192.168.255.255", .privateUse),
        ("198.18.0.1", .benchmarking), ("198.19.255.255", .benchmarking),
        ("198.51.100.7", .documentation), ("203.0.113.200", .documentation),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved),
        ("::", .unspecified), ("::1", .loopback),
        ("::2", .reserved), ("::127.0.0.1", .reserved), ("::8.8.8.8", .reserved), ("::ffff:0:8.8.8.8", .reserved),
        ("64:ff9b:1::1", .reserved),
        ("100::1", .reserved), ("100:0:0:1::1", .reserved),
        ("2001::1", .reserved), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", .reserved), ("2001:2::1", .benchmarking),
        ("2001:10::1", .reserved), ("2001:1ff::1", .reserved),
        ("2001:db8::1", .documentation), ("3fff::1", .documentation), ("3fff:fff::1", .documentation),
        ("5f00::1", .reserved),
        ("fc00::1", .privateUse), ("fd12:3456::1", .privateUse),
        ("fe80::1", .linkLocal), ("febf::1", .linkLocal), ("fe80::1%eth0", .linkLocal),
        ("fec0::1", .reserved), ("ff02::1", .multicast), ("ff05::2", .multicast),
        ("4000::1", .reserved), ("1000::1", .reserved), ("e000::1", .reserved),
    ])
    func everySpecialPurposeBlockIsRefused(_ text: String, _ refusal: OutboundRefusal) throws {
        let address = try #require(IPAddress(text))
        #expect(Self.closed.decide(address) == .refused(refusal), "\(text)")
    }

    /// IPv6 forms that carry an IPv4 address are decided by it.
    @Test(arguments: [
        ("::ffff:127.0.0.1", OutboundRefusal.loopback), ("::ffff:7f00:1", .loopback), ("[::ffff:7f00:0001]", .loopback),
        ("::ffff:169.254.169.254", .linkLocal), ("::ffff:a9fe:a9fe", .linkLocal), ("::ffff:10.0.0.1", .privateUse),
        ("::ffff:0.0.0.0", .unspecified), ("::ffff:100.64.0.1", .sharedAddressSpace),
        ("64:ff9b::127.0.0.1", .loopback), ("64:ff9b::7f00:1", .loopback), ("64:ff9b::a9fe:a9fe", .linkLocal),
        ("64:ff9b::192.168.1.1", .privateUse),
        ("2002:7f00:1::", .loopback), ("2002:7f00:0001:abcd::1", .loopback), ("2002:a9fe:a9fe::1", .linkLocal),
        ("2002:c0a8:101::", .privateUse), ("2002:0a00:0001::", .privateUse),
    ])
    func embeddedIPv4IsDecidedByTheIPv4Address(_ text: String, _ refusal: OutboundRefusal) throws {
        let address = try #require(IPAddress(text))
        #expect(Self.closed.decide(address) == .refused(refusal), "\(text)")
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.255",
        "192.0.3.0", "192.88.98.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255", "11.0.0.0", "126.255.255.255",
        "128.0.0.0", "169.253.255.255", "169.255.0.0", "1.0.0.0",
        "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "2001:4860:4860::8888", "2001:200::1", "2001:db7:ffff::1", "2001:db9::1",
        "::ffff:8.8.8.8", "::ffff:808:808", "64:ff9b::8.8.8.8", "2002:808:808::1", "3fff:1000::1", "2620:4f:8000::1",
    ])
    func publicAddressesAreAllowed(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(Self.closed.decide(address) == .allowed, "\(text)")
    }

    @Test func theOperatorsRangesOpenOnlyThemselves() throws {
        let policy = OutboundAddressPolicy(allowing: [
            try IPRange.parse("192.168.10.0/24"), try IPRange.parse("127.0.0.2"), try IPRange.parse("fd00:1::/32"),
        ])
        #expect(policy.decide(ip("192.168.10.7")) == .allowed)
        #expect(policy.decide(ip("::ffff:192.168.10.7")) == .allowed, "mapped: the same host")
        #expect(policy.decide(ip("64:ff9b::192.168.10.7")) == .allowed)
        #expect(policy.decide(ip("192.168.11.7")) == .refused(.privateUse))
        #expect(policy.decide(ip("127.0.0.2")) == .allowed)
        #expect(policy.decide(ip("0x7f.0.0.2")) == .allowed)
        #expect(policy.decide(ip("127.0.0.3")) == .refused(.loopback))
        #expect(policy.decide(ip("127.0.0.1")) == .refused(.loopback))
        #expect(policy.decide(ip("fd00:1::5")) == .allowed)
        #expect(policy.decide(ip("fd00:2::5")) == .refused(.privateUse))
        #expect(policy.decide(ip("8.8.8.8")) == .allowed, "the internet stays open")
    }

    /// The probe's hosts, as they arrive in a URL: refused before any
    /// lookup.
    @Test(arguments: [
        ("127.0.0.1", OutboundRefusal.loopback), ("2130706433", .loopback), ("0x7f.0.0.1", .loopback), ("0177.0.0.1", .loopback),
        ("127.1", .loopback), ("0x7f000001", .loopback), ("[::1]", .loopback), ("::ffff:127.0.0.1", .loopback),
        ("169.254.169.254", .linkLocal), ("0", .unspecified), ("0.0.0.0", .unspecified), ("[::]", .unspecified),
        ("localhost", .localName), ("LOCALHOST", .localName), ("localhost.", .localName), ("api.localhost", .localName),
        ("a.b.LocalHost.", .localName), ("", .notAHost), (".", .notAHost), ("exa mple.com", .notAHost), ("ex%61mple.com", .notAHost),
        ("例え.jp", .notAHost), ("[fe80::1%25eth0]", .linkLocal),
    ])
    func hostsThatNeedNoLookupAreRefusedAtOnce(_ host: String, _ refusal: OutboundRefusal) {
        #expect(Self.closed.decide(host: host) == .refused(refusal), "\(host)")
    }

    @Test func namesAreLookedUpAndPublicAddressesConnectedTo() throws {
        #expect(Self.closed.decide(host: "Mastodon.Social") == .resolve("mastodon.social"))
        #expect(Self.closed.decide(host: "bsky.social.") == .resolve("bsky.social"))
        #expect(Self.closed.decide(host: "xn--r8jz45g.jp") == .resolve("xn--r8jz45g.jp"))
        #expect(Self.closed.decide(host: "localhost.example.com") == .resolve("localhost.example.com"))
        #expect(Self.closed.decide(host: "127.0.0.1.nip.io") == .resolve("127.0.0.1.nip.io"), "a name: its answer is checked")
        #expect(Self.closed.decide(host: "8.8.8.8") == .connect(ip("8.8.8.8")))
        #expect(Self.closed.decide(host: "[2606:4700:4700::1111]") == .connect(ip("2606:4700:4700::1111")))
        let open = OutboundAddressPolicy(allowing: [try IPRange.parse("127.0.0.0/8")])
        #expect(open.decide(host: "2130706433") == .connect(.v4(0x7f00_0001)))
        #expect(open.decide(host: "localhost") == .refused(.localName), "names of this machine stay closed: write the address")
    }

    @Test func ofANamesAnswersOnlyAnAllowedOneIsChosenIPv4First() throws {
        let loopback = ip("127.0.0.1")
        let metadata = ip("169.254.169.254")
        let publicV4 = ip("93.184.215.14")
        let publicV6 = ip("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
        let mappedLoopback = ip("::ffff:127.0.0.1")
        #expect(Self.closed.choose(from: [loopback, metadata]) == nil)
        #expect(Self.closed.choose(from: []) == nil)
        #expect(Self.closed.choose(from: [mappedLoopback]) == nil)
        #expect(Self.closed.choose(from: [loopback, publicV4]) == publicV4, "a refused answer is skipped, never used")
        #expect(Self.closed.choose(from: [publicV6, loopback, publicV4]) == publicV4)
        #expect(Self.closed.choose(from: [metadata, publicV6]) == publicV6)
        let lan = OutboundAddressPolicy(allowing: [try IPRange.parse("127.0.0.2/32")])
        #expect(lan.choose(from: [ip("127.0.0.3"), ip("127.0.0.2")]) == IPAddress("127.0.0.2"))
    }
}
