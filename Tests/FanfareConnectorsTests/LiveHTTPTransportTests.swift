import AsyncHTTPClient
import FanfareConnectors
import Foundation
import NIOCore
import NIOPosix
import Testing

@Suite struct LiveHTTPTransportTests {
    /// A client that fails a refused connection at once instead of trying
    /// again until the deadline, as the production client may.
    static func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func sendsTheRequestAndReturnsTheAnswer() async throws {
        try await Self.withClient { client in
            try await StubServer.run({ request in
                var response = StubResponse.json(["echo": String(decoding: request.body, as: UTF8.self), "method": request.method], status: 201)
                response.headers["X-RateLimit-Remaining"] = "299"
                return response
            }) { server in
                let transport = LiveHTTPTransport(client: client)
                let url = server.baseURL.appendingPathComponent("api/v1/statuses")
                let response = try await transport.send(
                    HTTPRequestData(
                        method: "POST", url: URL(string: url.absoluteString + "?a=1&b=x%20y")!, headers: [("Authorization", "Bearer t0k")],
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
    }

    @Test func aRefusedConnectionIsATemporaryFault() async throws {
        // A port that was just free: nothing listens on it.
        let server = try await StubServer.start { _ in .text("never") }
        let url = server.baseURL
        try await server.shutdown()
        try await Self.withClient { client in
            do {
                _ = try await LiveHTTPTransport(client: client).send(HTTPRequestData(method: "POST", url: url), timeout: 30)
                Issue.record("a request to a closed port succeeded")
            } catch let error as ConnectorError {
                guard case .temporary(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("127.0.0.1"))
                #expect(error.isRetriable)
            }
        }
    }

    @Test func noAnswerAfterSendingIsAnUnknownOutcome() async throws {
        try await Self.withClient { client in
            try await StubServer.run({ _ in
                try? await Task.sleep(for: .seconds(30))
                return .text("too late")
            }) { server in
                let started = ContinuousClock.now
                do {
                    _ = try await LiveHTTPTransport(client: client).send(
                        HTTPRequestData(method: "POST", url: server.baseURL.appendingPathComponent("slow"), body: Data("x".utf8)), timeout: 3)
                    Issue.record("a request that got no answer succeeded")
                } catch let error as ConnectorError {
                    guard case .outcomeUnknown(let reason) = error else { Issue.record("\(error)"); return }
                    #expect(reason.contains("may have been carried out"))
                    #expect(!error.isRetriable)
                }
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(server.requests.count == 1, "the request reached the server")
            }
        }
    }

    @Test func aBodyAboveTheCapIsRefused() async throws {
        try await Self.withClient { client in
            try await StubServer.run({ _ in StubResponse(status: 200, body: Data(repeating: 0x61, count: 2_048)) }) { server in
                let transport = LiveHTTPTransport(client: client, maxResponseBytes: 1_024)
                await #expect(throws: ConnectorError.self) {
                    try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL), timeout: 30)
                }
                let fits = try await LiveHTTPTransport(client: client, maxResponseBytes: 4_096).send(
                    HTTPRequestData(method: "GET", url: server.baseURL), timeout: 30)
                #expect(fits.body.count == 2_048)
            }
        }
    }
}
