import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization
import Testing
import Vapor

@testable import FanfareServer

/// The real server on 127.0.0.1 (a free port), with short timeouts: slow,
/// silent and idle clients, oversized heads and bodies, keep-alive,
/// pipelining, HEAD, the connection cap and streamed responses. Timeouts
/// are behaviour here, never measured.
@Suite struct ConnectionHandlingTests {
    /// Runs `body` with the application's server listening on a free port.
    /// With FANFARE_TEST_VAPOR_SERVER=1 the same tests run against Vapor's
    /// own server instead, to show what they catch (most of them fail there).
    func withServer(
        _ limits: ConnectionLimits, routes: (Application) -> Void = { _ in }, _ body: (TestApp, Int) async throws -> Void
    ) async throws {
        try await withTestApp(.sqlite) { t in
            routes(t.app)
            let port: Int
            if ProcessInfo.processInfo.environment["FANFARE_TEST_VAPOR_SERVER"] == "1" {
                t.app.servers.use(.http)
                t.app.http.server.configuration.idleTimeout = .milliseconds(Int64(limits.idleTimeout * 1000))
                try await t.app.server.start(address: .hostname("127.0.0.1", port: 0))
                port = try #require(t.app.http.server.shared.localAddress?.port)
            } else {
                await t.app.useFanfareServer(.init(hostname: "127.0.0.1", port: 0, limits: limits, shutdownTimeout: .seconds(5)))
                try await t.app.server.start(address: .hostname("127.0.0.1", port: 0))
                port = try #require(t.app.fanfareServer?.localAddress?.port)
            }
            do {
                try await body(t, port)
            } catch {
                await t.app.server.shutdown()
                throw error
            }
            await t.app.server.shutdown()
        }
    }

    static func limits(header: Double = 5, body: Double = 5, idle: Double = 5, connections: Int? = nil) -> ConnectionLimits {
        var limits = ConnectionLimits()
        limits.headerTimeout = header
        limits.bodyTimeout = body
        limits.idleTimeout = idle
        limits.maxConnections = connections
        return limits
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test func slowHeaderClientsAreCutAndCannotStarveHealthz() async throws {
        try await withServer(Self.limits(header: 1.5, connections: 60)) { t, port in
            // 50 clients send part of a head, then a byte every 0.2 s.
            var slow: [RawClient] = []
            for _ in 0..<50 {
                let client = try await RawClient.connect(port: port)
                await client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
                slow.append(client)
            }
            let slowClients = slow
            let trickle = Task {
                for _ in 0..<40 {
                    for client in slowClients where !client.isClosed { await client.send("a") }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            defer { trickle.cancel() }

            // While they hold their connections, a new client is answered.
            let fresh = try await RawClient.connect(port: port)
            await fresh.send(Self.healthz)
            #expect(await fresh.wait(upTo: 10) { $0.text.contains("\r\n\r\n") })
            #expect(fresh.text.hasPrefix("HTTP/1.1 200 OK"), "healthz answered \(fresh.text.prefix(40))")
            await fresh.close()

            // The trickling does not extend the header timeout: each slow
            // client is closed, with 408 (or without a word, on a machine so
            // busy that its first bytes came after the deadline).
            for client in slow {
                #expect(await client.wait(upTo: 10) { $0.isClosed }, "a slow-header client was still connected")
                #expect(client.text.isEmpty || client.text.hasPrefix("HTTP/1.1 408"), "a slow-header client got \(client.text.prefix(40))")
            }
            #expect(slow.contains { $0.text.hasPrefix("HTTP/1.1 408") })
            #expect(await waitForOpenConnections(t, atMost: 0))
        }
    }

    @Test func atTheCapTheOldestWaitingConnectionMakesRoom() async throws {
        try await withServer(Self.limits(header: 600, connections: 20)) { t, port in
            // 20 silent connections fill the cap (on both event loops).
            var silent: [RawClient] = []
            for _ in 0..<20 { silent.append(try await RawClient.connect(port: port)) }
            #expect(await waitForOpenConnections(t, atLeast: 20))
            // A client with a request takes the place of a silent one.
            let fresh = try await RawClient.connect(port: port)
            await fresh.send(Self.healthz)
            #expect(await fresh.wait(upTo: 10) { $0.text.contains("\r\n\r\n") })
            #expect(fresh.text.hasPrefix("HTTP/1.1 200 OK"), "healthz answered \(fresh.text.prefix(40))")
            let evicted = silent.filter(\.isClosed)
            #expect(evicted.count == 1, "\(evicted.count) silent connections were closed")
            for client in silent + [fresh] { await client.close() }
        }
    }

    @Test func atTheCapWithEveryConnectionBusyANewOneGets503() async throws {
        let release = StreamGate()
        let entered = NIOLockedValueBox(0)
        try await withServer(
            Self.limits(connections: 3),
            routes: { app in
                app.get("hold") { (_: Request) async throws -> String in
                    entered.withLockedValue { $0 += 1 }
                    await release.wait()
                    return "done"
                }
            }
        ) { t, port in
            var held: [RawClient] = []
            for _ in 0..<3 {
                let client = try await RawClient.connect(port: port)
                await client.send("GET /hold HTTP/1.1\r\nHost: localhost\r\n\r\n")
                held.append(client)
            }
            for _ in 0..<500 where entered.withLockedValue({ $0 }) < 3 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(entered.withLockedValue { $0 } == 3)
            let refused = try await RawClient.connect(port: port)
            #expect(await refused.wait(upTo: 10) { $0.isClosed })
            #expect(refused.text.hasPrefix("HTTP/1.1 503"), "got \(refused.text.prefix(40))")
            // Once the requests are answered there is room again. The answered
            // connections are closed first: eviction at the cap only looks at
            // the new connection's own event loop (the group is shared with
            // other tests, so which loop that is cannot be chosen here), and
            // eviction has its own test above.
            release.open()
            for client in held { #expect(await client.wait(upTo: 30) { $0.text.contains("done") }) }
            for client in held { await client.close() }
            #expect(await waitForOpenConnections(t, atMost: 0))
            let admitted = try await RawClient.connect(port: port)
            await admitted.send(Self.healthz)
            #expect(await admitted.wait(upTo: 30) { $0.text.contains("\r\n\r\n") })
            #expect(admitted.text.hasPrefix("HTTP/1.1 200 OK"))
            await admitted.close()
        }
    }

    @Test func silentConnectionsAreClosed() async throws {
        try await withServer(Self.limits(header: 0.5, idle: 1)) { _, port in
            let silent = try await RawClient.connect(port: port)
            #expect(await silent.wait(upTo: 10) { $0.isClosed }, "a silent connection stayed open")
            #expect(silent.text.isEmpty, "a silent connection was sent \(silent.text.prefix(40))")
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        // A long header deadline: on a loaded machine the request may reach
        // the server well after the connection opened; only idleness is
        // tested here.
        try await withServer(Self.limits(header: 30, idle: 1)) { _, port in
            let idle = try await RawClient.connect(port: port)
            await idle.send(Self.healthz)
            #expect(await idle.wait(upTo: 30) { $0.text.contains("\r\n\r\n") })
            #expect(idle.text.lowercased().contains("connection: keep-alive"))
            #expect(await idle.wait(upTo: 10) { $0.isClosed }, "an idle keep-alive connection stayed open")
            #expect(idle.text.components(separatedBy: "HTTP/1.1").count == 2, "one response only: \(idle.text)")
        }
    }

    @Test func aBodyThatDoesNotArriveInTimeGets408() async throws {
        try await withServer(Self.limits(body: 0.5)) { _, port in
            let client = try await RawClient.connect(port: port)
            await client.send("POST /api/v1/workspaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            #expect(await client.wait(upTo: 10) { $0.isClosed })
            #expect(client.text.hasPrefix("HTTP/1.1 408"), "got \(client.text.prefix(40))")
        }
    }

    @Test func oversizedURLsAndHeadersGet431() async throws {
        try await withServer(Self.limits()) { _, port in
            let longURL = try await RawClient.connect(port: port)
            await longURL.send("GET /healthz?q=\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await longURL.wait(upTo: 10) { $0.isClosed })
            #expect(longURL.text.hasPrefix("HTTP/1.1 431"), "a 100 KB URL got \(longURL.text.prefix(40))")
            #expect(longURL.text.contains("application/problem+json"))

            let bigHeader = try await RawClient.connect(port: port)
            await bigHeader.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "b", count: 200_000))\r\n\r\n")
            #expect(await bigHeader.wait(upTo: 10) { $0.isClosed })
            #expect(bigHeader.text.hasPrefix("HTTP/1.1 431"), "a 200 KB header got \(bigHeader.text.prefix(40))")

            // A large head within the limit (32 KiB by default) is served.
            let withinLimit = try await RawClient.connect(port: port)
            await withinLimit.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "c", count: 20_000))\r\n\r\n")
            #expect(await withinLimit.wait(upTo: 10) { $0.text.contains("\r\n\r\n") })
            #expect(withinLimit.text.hasPrefix("HTTP/1.1 200 OK"))
            await withinLimit.close()

            // Garbage is a 400.
            let garbage = try await RawClient.connect(port: port)
            await garbage.send("HELLO\0 there\r\n\r\n")
            #expect(await garbage.wait(upTo: 10) { $0.isClosed })
            #expect(garbage.text.hasPrefix("HTTP/1.1 400"), "garbage got \(garbage.text.prefix(40))")
        }
    }

    @Test func aFileFromDiskIsWrittenWholeAndOnlyUploadAddressesTakeLargeBodies() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-file-\(UUID().uuidString).bin")
        let content = Data((0..<300_000).map { UInt8($0 % 251) })
        try content.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withServer(
            Self.limits(),
            routes: { app in
                app.get("test-file") { req in try await req.fileio.asyncStreamFile(at: file.path) }
            }
        ) { _, port in
            let client = try await RawClient.connect(port: port)
            await client.send("GET /test-file HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await client.wait(upTo: 10) { $0.data.count >= 300_000 })
            #expect(client.text.hasPrefix("HTTP/1.1 200"))
            #expect(client.data.suffix(300_000) == content)
            await client.close()
            // 20 MB declared: refused at once on an ordinary address; the
            // upload address waits for the body instead.
            for (path, refused) in [("/api/v1/workspaces", true), ("/api/v1/workspaces/x/assets/upload", false)] {
                let big = try await RawClient.connect(port: port)
                await big.send(
                    "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 20000000\r\n\r\n")
                if refused {
                    #expect(await big.wait(upTo: 10) { $0.isClosed })
                    #expect(big.text.hasPrefix("HTTP/1.1 413"), "\(path): \(big.text.prefix(40))")
                } else {
                    #expect(await big.wait(upTo: 1.5) { !$0.text.isEmpty } == false, "\(path) answered before its body: \(big.text.prefix(40))")
                }
                await big.close()
            }
        }
    }

    @Test func bodiesOverTheirRoutesLimitGet413() async throws {
        try await withServer(Self.limits()) { _, port in
            // 1.5 MB to an API route (1 MiB): collected, then refused by route.
            let body = String(repeating: "x", count: 1_500_000)
            let overDefault = try await RawClient.connect(port: port)
            await overDefault.send(
                "POST /api/v1/workspaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + body)
            #expect(await overDefault.wait(upTo: 20) { $0.text.contains("\r\n\r\n") && $0.text.contains("}") })
            #expect(overDefault.text.hasPrefix("HTTP/1.1 413"), "got \(overDefault.text.prefix(40))")
            #expect(overDefault.text.contains("application/problem+json"))
            // The body was read: the connection stays usable.
            await overDefault.send(Self.healthz)
            #expect(await overDefault.wait(upTo: 10) { $0.text.components(separatedBy: "HTTP/1.1 ").count == 3 })
            #expect(overDefault.text.contains("HTTP/1.1 200 OK"))
            await overDefault.close()

            // The same body to a route that takes 2 MB is not refused for size.
            let push = try await RawClient.connect(port: port)
            await push.send(
                "POST /hooks/\(UUID().uuidString) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + body)
            #expect(await push.wait(upTo: 20) { $0.text.contains("\r\n\r\n") })
            #expect(push.text.hasPrefix("HTTP/1.1 "), "got \(push.text.prefix(40))")
            #expect(!push.text.hasPrefix("HTTP/1.1 413"))
            await push.close()

            // Larger than any route takes: answered before the body is read,
            // and after 100-continue the client need not send it at all.
            let huge = try await RawClient.connect(port: port)
            await huge.send(
                "POST /api/v1/workspaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\nExpect: 100-continue\r\n\r\n"
            )
            #expect(await huge.wait(upTo: 10) { $0.isClosed })
            #expect(huge.text.hasPrefix("HTTP/1.1 413"), "got \(huge.text.prefix(40))")
            #expect(huge.text.lowercased().contains("connection: close"))

            // Within the limits, 100-continue is granted before the body.
            let polite = try await RawClient.connect(port: port)
            await polite.send(
                "POST /api/v1/workspaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
            )
            #expect(await polite.wait(upTo: 10) { $0.text.contains("\r\n\r\n") })
            #expect(polite.text.hasPrefix("HTTP/1.1 100 Continue"))
            await polite.send("{}")
            #expect(await polite.wait(upTo: 10) { $0.text.contains("HTTP/1.1 401") })
            await polite.close()
        }
    }

    @Test func theDefaultLimitHoldsInMemoryToo() async throws {
        try await withTestApp(.sqlite) { t in
            let reply = try await t.api(.POST, "/api/v1/workspaces", token: nil, rawBody: String(repeating: "x", count: 1_100_000))
            #expect(reply.status == .payloadTooLarge)
            #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true)
        }
    }

    @Test func keepAlivePipeliningAndHead() async throws {
        // Long deadlines: a pipelined request waits in the pipeline handler
        // while the one before it is answered, and on a loaded machine that
        // must not look like an idle connection.
        try await withServer(Self.limits(header: 60, body: 60, idle: 60)) { _, port in
            let client = try await RawClient.connect(port: port)
            await client.send(Self.healthz + Self.healthz + "HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n" + Self.healthz)
            // A generous wait: the whole suite runs at once on two cores.
            #expect(await client.wait(upTo: 30) { $0.text.components(separatedBy: "HTTP/1.1 200 OK").count == 5 })
            let responses = Array(client.text.components(separatedBy: "HTTP/1.1 200 OK")[1...])
            #expect(responses.count == 4)
            let getBody = responses[0].components(separatedBy: "\r\n\r\n").last ?? ""
            #expect(!getBody.isEmpty)
            // The HEAD answer has the GET's length but no body: the next
            // response follows its blank line directly.
            let head = responses[2]
            #expect(head.lowercased().contains("content-length: \(getBody.utf8.count)"), "HEAD answered \(head)")
            #expect(head.hasSuffix("\r\n\r\n"), "HEAD carried a body: \(head)")
            for response in responses.map({ $0.lowercased() }) {
                #expect(response.contains("connection: keep-alive") && response.contains("server: fanfare") && response.contains("date: "))
            }

            // `Connection: close` is honoured.
            await client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await client.wait(upTo: 10) { $0.isClosed })
            #expect(client.text.components(separatedBy: "HTTP/1.1 200 OK").count == 6)
        }
    }

    @Test func streamedResponsesArriveAsTheyAreWrittenAndEndAtShutdown() async throws {
        let release = StreamGate()
        try await withServer(
            Self.limits(),
            routes: { app in
                app.get("stream-test") { (_: Request) async throws -> Response in
                    Response.streamed(headers: ["content-type": "text/event-stream"], first: "retry: 2000\n\n") { writer in
                        try await writer.write("event: one\n\n")
                        await release.wait()
                        try await writer.write("event: two\n\n")
                        // Then quiet until the server stops.
                        try await Task.sleep(for: .seconds(600))
                    }
                }
            }
        ) { t, port in
            let client = try await RawClient.connect(port: port)
            await client.send("GET /stream-test HTTP/1.1\r\nHost: localhost\r\n\r\n")
            // The first event arrives while the producer is still waiting.
            #expect(await client.wait(upTo: 10) { $0.text.contains("event: one") })
            #expect(client.text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(client.text.lowercased().contains("transfer-encoding: chunked"))
            #expect(client.text.contains("retry: 2000"))
            #expect(!client.text.contains("event: two"))
            release.open()
            #expect(await client.wait(upTo: 10) { $0.text.contains("event: two") })

            // Stopping the server ends the stream and closes the connection.
            await t.app.server.shutdown()
            #expect(await client.wait(upTo: 10) { $0.isClosed })
            #expect(client.text.hasSuffix("0\r\n\r\n"), "the stream did not end cleanly: \(client.text.suffix(40))")
        }
    }

    /// Polls the server's count of open connections.
    func waitForOpenConnections(_ t: TestApp, atMost: Int? = nil, atLeast: Int? = nil) async -> Bool {
        for _ in 0..<500 {
            let open = t.app.fanfareServer?.openConnections ?? 0
            if open <= (atMost ?? .max), open >= (atLeast ?? 0) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// Opened once by the test; the stream waits for it.
final class StreamGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { s in
                if s.open { return true }
                s.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
