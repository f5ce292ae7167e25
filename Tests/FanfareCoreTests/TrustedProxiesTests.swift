import FanfareCore
import Foundation
import Testing

@Suite struct TrustedProxiesTests {
    let proxies = TrustedProxies(["10.0.0.0/8", "fd00::/8"].compactMap { try? IPRange.parse($0) })

    @Test func anUntrustedPeerIsTheClientWhateverItForwards() {
        #expect(proxies.client(peer: "203.0.113.7", forwardedFor: ["198.51.100.1"]) == "203.0.113.7")
        #expect(TrustedProxies().client(peer: "10.0.0.5", forwardedFor: ["198.51.100.1"]) == "10.0.0.5")
    }

    @Test func theRightMostUntrustedHopIsTheClient() {
        // The client wrote 1.1.1.1 itself; the proxy appended what it saw.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["1.1.1.1, 198.51.100.20"]) == "198.51.100.20")
        // Two proxies in a row, headers split over two lines.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["198.51.100.20", "10.0.0.9"]) == "198.51.100.20")
        // Ports and brackets, as some proxies write them.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["198.51.100.20:4711"]) == "198.51.100.20")
        #expect(proxies.client(peer: "fd00::1", forwardedFor: ["[2001:db8::7]:443"]) == "2001:db8::7")
        // A peer seen as an IPv4-mapped IPv6 address is still the proxy.
        #expect(proxies.client(peer: "::ffff:10.0.0.5", forwardedFor: ["198.51.100.20"]) == "198.51.100.20")
    }

    @Test func garbageOrNothingLeavesTheLastTrustedHop() {
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: []) == "10.0.0.5")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["evil, 10.0.0.9"]) == "10.0.0.9")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["unknown"]) == "10.0.0.5")
        // Everyone trusted: the left-most hop is as far as anyone can see.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["10.1.1.1, 10.2.2.2"]) == "10.1.1.1")
    }
}
