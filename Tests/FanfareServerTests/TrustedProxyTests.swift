import FanfareCore
import Fluent
import Foundation
import NIOCore
import NIOPosix
import Testing
import Vapor
import VaporTesting

@testable import FanfareServer

/// `X-Forwarded-For` and `X-Forwarded-Proto` count only from the proxies
/// the operator named (FANFARE_TRUSTED_PROXIES).
@Suite struct TrustedProxyTests {
    /// A port nothing listens on now (VaporTesting's running mode reads
    /// an ephemeral port from Vapor's own server, which Fanfare replaces).
    static func freeLoopbackPort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return try #require(channel.localAddress?.port)
    }

    func request(_ t: TestApp, from peer: String, _ headers: [(String, String)]) throws -> Request {
        Request(
            application: t.app, method: .GET, url: "/", headers: HTTPHeaders(headers),
            remoteAddress: try SocketAddress(ipAddress: peer, port: 4711), on: t.app.eventLoopGroup.next())
    }

    @Test func forwardedHeadersCountOnlyFromTrustedProxies() async throws {
        try await withTestApp(.sqlite, settings: { $0.trustedProxies = TrustedProxies([try! IPRange.parse("10.0.0.0/8")]) }) { t in
            let forwarded = [("X-Forwarded-For", "1.1.1.1, 198.51.100.7"), ("X-Forwarded-Proto", "https")]
            let viaProxy = try request(t, from: "10.0.0.5", forwarded)
            #expect(viaProxy.clientAddress == "198.51.100.7")
            #expect(viaProxy.isHTTPS)
            let direct = try request(t, from: "203.0.113.9", forwarded)
            #expect(direct.clientAddress == "203.0.113.9", "anyone else's X-Forwarded-For is ignored")
            #expect(!direct.isHTTPS)
        }
        try await withTestApp(.sqlite) { t in
            let untrusted = try request(t, from: "10.0.0.5", [("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-Proto", "https")])
            #expect(untrusted.clientAddress == "10.0.0.5", "no proxy is trusted unless named")
            #expect(!untrusted.isHTTPS)
        }
    }

    @Test(arguments: TestDatabase.available)
    func behindATrustedProxyEachPersonHasTheirOwnAddressAndSecureCookies(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.trustedProxies = TrustedProxies([try! IPRange.parse("127.0.0.1")]) }) { t in
            try await t.makeUser("frank@example.com")
            // Through a real socket on loopback, so the peer is 127.0.0.1.
            let tester = try t.app.testing(method: .running(hostname: "127.0.0.1", port: try Self.freeLoopbackPort()))
            var headers = HTTPHeaders([("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-Proto", "https")])
            let form = try await tester.sendRequest(.GET, "/sign-in", headers: headers)
            let nonce = try #require(form.headers[.setCookie].first { $0.hasPrefix("fanfare_csrf=") })
            #expect(nonce.contains("Secure"), "the proxy said https")
            let value = String(nonce.dropFirst("fanfare_csrf=".count).prefix { $0 != ";" })
            headers.replaceOrAdd(name: .cookie, value: "fanfare_csrf=\(value)")
            headers.contentType = .urlEncodedForm
            let token = AnonymousCSRF.token(nonce: value, secretKey: t.app.settings.secretKeyForSigning)
            let wrong = try await tester.sendRequest(
                .POST, "/sign-in", headers: headers,
                body: ByteBuffer(string: "email=frank%40example.com&password=wrong-wrong-wrong&csrf_token=\(token)"))
            #expect(wrong.status == .unauthorized)
            let failure = try #require(try await ThrottleEvent.query(on: t.db).first())
            #expect(failure.address == "198.51.100.7", "the person's address, not the proxy's")
        }
    }
}
