import FanfareCore
import Foundation
import NIOCore
import Synchronization
import Testing

@testable import FanfareConnectors

/// The production transport against real loopback stub servers. Every
/// address here, literal or a scripted resolver's answer, is a loopback
/// one, so that even a broken guard would reach nothing beyond this
/// machine; names are answered by scripted resolvers, never by DNS. The
/// other blocks are decided in the core's matrix, which connects nowhere.
@Suite struct GuardedHTTPTransportTests {
    static func allowing(
        _ ranges: String..., resolver: any HostResolver = NoLookups(), maxResponseBytes: Int = 10 * 1_024 * 1_024
    )
        throws -> GuardedHTTPTransport
    {
        GuardedHTTPTransport(
            policy: OutboundAddressPolicy(allowing: try ranges.map { try IPRange.parse($0) }), resolver: resolver,
            eventLoopGroup: StubServer.loops, maxResponseBytes: maxResponseBytes)
    }

    static func url(_ text: String) throws -> URL { try #require(URL(string: text)) }

    /// The error every failure to reach `host` gives before sending.
    static func unreachable(_ host: String) -> ConnectorError { .temporary(reason: GuardedHTTPTransport.unreachable(host)) }

    // MARK: Sending

    @Test func sendsTheRequestAndReturnsTheAnswer() async throws {
        try await StubServer.run({ request in
            var response = StubResponse.json(["echo": String(decoding: request.body, as: UTF8.self), "method": request.method], status: 201)
            response.headers["X-RateLimit-Remaining"] = "299"
            return response
        }) { server in
            let transport = try Self.allowing("127.0.0.1")
            let url = server.baseURL.appendingPathComponent("api/v1/statuses")
            let response = try await transport.send(
                HTTPRequestData(
                    method: "POST", url: try Self.url(url.absoluteString + "?a=1&b=x%20y"), headers: [("Authorization", "Bearer t0k")],
                    body: Data("春季 ✓".utf8)),
                timeout: 30)
            #expect(response.status == 201)
            #expect(response.header("x-ratelimit-remaining") == "299")
            let json = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: String])
            #expect(json == ["echo": "春季 ✓", "method": "POST"])
            let received = try #require(server.requests.first)
            #expect(received.path == "/api/v1/statuses")
            #expect(received.query == ["a": "1", "b": "x y"])
            #expect(received.headers["authorization"] == "Bearer t0k")
        }
    }

    @Test func aRefusedConnectionIsATemporaryFaultInTheOneMessage() async throws {
        // A port that was just free: nothing listens on it.
        let server = try await StubServer.start { _ in .text("never") }
        let url = server.baseURL
        try await server.shutdown()
        do {
            _ = try await Self.allowing("127.0.0.1").send(HTTPRequestData(method: "POST", url: url), timeout: 30)
            Issue.record("a request to a closed port succeeded")
        } catch let error as ConnectorError {
            #expect(error == Self.unreachable("127.0.0.1"))
            #expect(error.isRetriable)
        }
    }

    @Test func noAnswerAfterSendingIsAnUnknownOutcome() async throws {
        try await StubServer.run({ _ in
            try? await Task.sleep(for: .seconds(30))
            return .text("too late")
        }) { server in
            do {
                _ = try await Self.allowing("127.0.0.1").send(
                    HTTPRequestData(method: "POST", url: server.baseURL.appendingPathComponent("slow"), body: Data("x".utf8)), timeout: 3)
                Issue.record("a request that got no answer succeeded")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("may have been carried out"))
                #expect(!error.isRetriable)
            }
            // The stub answers after 30 s with a success: an unknown outcome
            // (above) can only come from the 3 s timeout cutting the wait. No
            // clock is read here: on a busy machine this test may resume late.
            #expect(server.requests.count == 1, "the request reached the server")
        }
    }

    @Test func aBodyAboveTheCapIsRefused() async throws {
        try await StubServer.run({ _ in StubResponse(status: 200, body: Data(repeating: 0x61, count: 2_048)) }) { server in
            let small = try Self.allowing("127.0.0.1", maxResponseBytes: 1_024)
            await #expect(throws: ConnectorError.self) {
                try await small.send(HTTPRequestData(method: "GET", url: server.baseURL), timeout: 30)
            }
            let fits = try await Self.allowing("127.0.0.1", maxResponseBytes: 4_096).send(
                HTTPRequestData(method: "GET", url: server.baseURL), timeout: 30)
            #expect(fits.body.count == 2_048)
        }
    }

    // MARK: (a) Refused by the policy

    /// The probe's addresses, each pointing at a live stub: none is
    /// contacted, and each failure reads exactly like a closed port.
    @Test func loopbackInEverySpellingIsRefusedWithoutContactAndReadsLikeAClosedPort() async throws {
        try await StubServer.run({ _ in .json(["id": "1", "username": "leaked", "acct": "leaked"]) }) { server in
            let port = try #require(server.baseURL.port)
            let closed = try Self.allowing()
            for host in ["127.0.0.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "127.1", "0x7f000001", "[::ffff:127.0.0.1]", "localhost"] {
                let url = try Self.url("http://\(host):\(port)/x/api/v1/accounts/verify_credentials")
                do {
                    _ = try await closed.send(HTTPRequestData(method: "GET", url: url), timeout: 30)
                    Issue.record("\(host) was reached")
                } catch let error as ConnectorError {
                    let shown = try #require(url.host)
                    #expect(error == Self.unreachable(shown), "\(host): \(error)")
                }
                #expect(throws: Self.unreachable(try #require(url.host))) { try closed.checkDestination(url) }
            }
            #expect(server.requests.isEmpty, "the stub was never contacted")
        }
        // The same sentence for an address that was allowed but where
        // nothing listens, and for a name that does not resolve.
        let gone = try await StubServer.start { _ in .text("never") }
        let closedPort = gone.baseURL
        try await gone.shutdown()
        await #expect(throws: Self.unreachable("127.0.0.1")) {
            try await Self.allowing("127.0.0.1").send(HTTPRequestData(method: "GET", url: closedPort), timeout: 30)
        }
        await #expect(throws: Self.unreachable("no-such-host.example")) {
            try await Self.allowing("127.0.0.1").send(
                HTTPRequestData(method: "GET", url: try Self.url("https://no-such-host.example/api")), timeout: 30)
        }
    }

    @Test func aNameThatResolvesInsideIsRefusedAndOnlyHttpIsSpoken() async throws {
        try await StubServer.run({ _ in .text("inside") }) { server in
            let port = try #require(server.baseURL.port)
            // Loopback answers only: were the guard broken, the test would
            // still reach nothing beyond this machine.
            let resolver = ScriptedResolver(["inside.example": [["127.0.0.1", "::1", "::ffff:127.0.0.1"]]])
            let transport = try Self.allowing(resolver: resolver)
            await #expect(throws: Self.unreachable("inside.example")) {
                try await transport.send(HTTPRequestData(method: "GET", url: try Self.url("http://inside.example:\(port)/")), timeout: 30)
            }
            #expect(resolver.calls == ["inside.example"])
            #expect(throws: Never.self, "a name is only judged by its answers") {
                try transport.checkDestination(try Self.url("http://inside.example:\(port)/"))
            }
            for url in ["http+unix://%2Ftmp%2Fsock/x", "ftp://127.0.0.1:\(port)/", "file:///etc/passwd"] {
                await #expect(throws: ConnectorError.self, "\(url)") {
                    try await Self.allowing("127.0.0.1").send(HTTPRequestData(method: "GET", url: try Self.url(url)), timeout: 30)
                }
            }
            #expect(server.requests.isEmpty)
        }
    }

    // MARK: (b) Redirects

    @Test func aRedirectToARefusedAddressIsNotFollowed() async throws {
        try await StubServer.run(host: "127.0.0.3", { _ in .text("secret") }) { inside in
            try await StubServer.run(
                host: "127.0.0.2",
                { request in
                    request.path == "/here"
                        ? .text("same origin: \(request.headers["authorization"] ?? "no token")")
                        : StubResponse(
                            status: 302, headers: ["Location": request.path == "/local" ? "/here" : inside.baseURL.absoluteString + "/stolen"])
                }
            ) { outside in
                let transport = try Self.allowing("127.0.0.2/32")
                let request = HTTPRequestData(
                    method: "GET", url: outside.baseURL.appendingPathComponent("go"), headers: [("Authorization", "Bearer t")])
                do {
                    _ = try await transport.send(request, timeout: 30)
                    Issue.record("the redirect to 127.0.0.3 was followed")
                } catch let error as ConnectorError {
                    guard case .outcomeUnknown(let reason) = error else { Issue.record("\(error)"); return }
                    #expect(reason.hasPrefix(GuardedHTTPTransport.unreachable("127.0.0.2")), "the host given, not where it led")
                    #expect(!reason.contains("127.0.0.3"))
                }
                #expect(inside.requests.isEmpty, "the refused hop was never contacted")
                #expect(outside.requests.map(\.path) == ["/go"])
                // A redirect that stays allowed is followed, re-checked.
                let followed = try await transport.send(
                    HTTPRequestData(method: "GET", url: outside.baseURL.appendingPathComponent("local"), headers: [("Authorization", "Bearer t")]),
                    timeout: 30)
                #expect(String(decoding: followed.body, as: UTF8.self) == "same origin: Bearer t")
            }
        }
    }

    @Test func aPostAnsweredBySeeOtherContinuesAsAGetAndCredentialsStayWithTheirOrigin() async throws {
        try await StubServer.run(
            host: "127.0.0.3", { request in .text("\(request.method) \(request.headers["authorization"] ?? "-") \(request.body.count)") }
        ) {
            other in
            try await StubServer.run(
                host: "127.0.0.2", { _ in StubResponse(status: 303, headers: ["Location": other.baseURL.absoluteString + "/result"]) }
            ) {
                first in
                let transport = try Self.allowing("127.0.0.2", "127.0.0.3")
                let answer = try await transport.send(
                    HTTPRequestData(
                        method: "POST", url: first.baseURL, headers: [("Authorization", "Bearer t"), ("Content-Type", "application/json")],
                        body: Data("{}".utf8)), timeout: 30)
                #expect(String(decoding: answer.body, as: UTF8.self) == "GET - 0")
            }
        }
    }

    @Test func redirectsStopAfterThree() async throws {
        try await StubServer.run({ request in StubResponse(status: 307, headers: ["Location": "/again\(request.path.count)"]) }) { server in
            await #expect(throws: ConnectorError.self) {
                try await Self.allowing("127.0.0.1").send(HTTPRequestData(method: "GET", url: server.baseURL), timeout: 30)
            }
            #expect(server.requests.count == 4, "the first request and three redirects")
        }
    }

    // MARK: (c) A name whose answer changes

    @Test func aNameIsLookedUpOncePerHopAndTheCheckedAddressIsTheOneConnectedTo() async throws {
        // Two "machines" on one port: a second lookup by anyone but the
        // guard (or a connection by name) could reach the second.
        try await StubServer.run(
            host: "127.0.0.2",
            { request in
                request.path == "/hop"
                    ? StubResponse(status: 302, headers: ["Location": "/second"]) : .text("outside: \(request.headers["host"] ?? "")")
            }
        ) { outside in
            let port = try #require(outside.baseURL.port)
            try await StubServer.run(host: "127.0.0.3", port: port, { _ in .text("inside") }) { inside in
                let resolver = ScriptedResolver(["rebind.test": [["127.0.0.2"], ["127.0.0.3"]]])
                let transport = try Self.allowing("127.0.0.2/32", resolver: resolver)
                let first = try await transport.send(
                    HTTPRequestData(method: "GET", url: try Self.url("http://rebind.test:\(port)/first")), timeout: 30)
                #expect(String(decoding: first.body, as: UTF8.self) == "outside: rebind.test:\(port)", "the name is kept as the Host")
                #expect(resolver.calls == ["rebind.test"], "one lookup for one hop")
                // The same name now answers inside: the next hop is refused.
                resolver.reset(["rebind.test": [["127.0.0.2"], ["127.0.0.3"]]])
                await #expect(throws: ConnectorError.self) {
                    try await transport.send(HTTPRequestData(method: "GET", url: try Self.url("http://rebind.test:\(port)/hop")), timeout: 30)
                }
                #expect(resolver.calls == ["rebind.test", "rebind.test"], "one lookup per hop")
                #expect(outside.requests.map(\.path) == ["/first", "/hop"])
                #expect(inside.requests.isEmpty, "the address the name changed to was never contacted")
                // Of mixed answers, the allowed one is used, the other never.
                resolver.reset(["rebind.test": [["127.0.0.3", "127.0.0.2"]]])
                let mixed = try await transport.send(
                    HTTPRequestData(method: "GET", url: try Self.url("http://rebind.test:\(port)/mixed")), timeout: 30)
                #expect(mixed.status == 200 && inside.requests.isEmpty)
            }
        }
    }

    /// No test sends a request here: what a hop's client would connect to
    /// is read from its configuration, so the pinning is checked even on a
    /// machine where a name could reach a DNS server.
    @Test func eachHopsClientIsPinnedToTheCheckedAddressAndFollowsNoRedirect() async throws {
        let resolver = ScriptedResolver(["rebind.test": [["127.0.0.3", "127.0.0.2"]]])
        let transport = try Self.allowing("127.0.0.1", "127.0.0.2", resolver: resolver)
        let deadline = NIODeadline.now() + .seconds(5)
        let named = try #require(await transport.pin(try Self.url("https://rebind.test:8443/x"), deadline: deadline))
        #expect(named.address == IPAddress("127.0.0.2") && named.name == "rebind.test")
        let configuration = GuardedHTTPTransport.clientConfiguration(for: named, connectTimeout: 10)
        #expect(configuration.dnsOverride == ["rebind.test": "127.0.0.2"], "the name is mapped to the checked address")
        #expect(configuration.proxy == nil)
        #expect(!configuration.connectionPool.retryConnectionEstablishment)
        #expect("\(configuration.redirectConfiguration)".contains("disallow"), "\(configuration.redirectConfiguration)")
        // A spelling AsyncHTTPClient would hand to getaddrinfo is mapped too;
        // one it reads itself is connected to as written.
        let numeric = try #require(await transport.pin(try Self.url("http://2130706433:1/"), deadline: deadline))
        #expect(numeric.address == IPAddress("127.0.0.1") && numeric.name == "2130706433")
        #expect(GuardedHTTPTransport.clientConfiguration(for: numeric, connectTimeout: 10).dnsOverride == ["2130706433": "127.0.0.1"])
        let literal = try #require(await transport.pin(try Self.url("http://127.0.0.2:1/"), deadline: deadline))
        #expect(literal.name == nil && GuardedHTTPTransport.clientConfiguration(for: literal, connectTimeout: 10).dnsOverride.isEmpty)
        #expect(await transport.pin(try Self.url("http://127.0.0.3:1/"), deadline: deadline) == nil)
        #expect(resolver.calls == ["rebind.test"])
    }

    // MARK: The system resolver

    /// The C library reads these spellings as addresses without asking any
    /// name service (`AI_NUMERICHOST`: nothing leaves the machine), and the
    /// policy's parser must read each as the same address.
    @Test(arguments: ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.1", "127.0.1", "0", "::1", "::ffff:127.0.0.1"])
    func thePolicyReadsNumericHostsAsTheCLibraryDoes(_ host: String) throws {
        let system = try SystemHostResolver.lookUp(host, numericOnly: true)
        #expect(system == [try #require(IPAddress(host))])
    }
}

/// Answers each name from a script, one answer per call (the last one
/// repeating), and records the calls.
final class ScriptedResolver: HostResolver {
    private struct State {
        var script: [String: [[String]]]
        var calls: [String] = []
    }
    private let state: Mutex<State>

    init(_ script: [String: [[String]]]) { state = Mutex(State(script: script)) }

    var calls: [String] { state.withLock { $0.calls } }

    func reset(_ script: [String: [[String]]]) { state.withLock { $0 = State(script: script) } }

    func addresses(of host: String, timeout: TimeInterval) async throws -> [IPAddress] {
        let answer = state.withLock { state -> [String]? in
            let done = state.calls.filter { $0 == host }.count
            state.calls.append(host)
            guard let answers = state.script[host], !answers.isEmpty else { return nil }
            return answers[min(done, answers.count - 1)]
        }
        guard let answer else { throw NoLookups.NoNetwork() }
        return answer.compactMap { IPAddress($0) }
    }
}
