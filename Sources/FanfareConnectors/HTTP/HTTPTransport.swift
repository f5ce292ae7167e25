import Foundation

/// One HTTP request as a connector sends it. Connectors speak to platforms
/// only through an `HTTPTransport`, so tests can point them at a local stub
/// server and the server can share one client.
public struct HTTPRequestData: Sendable, Equatable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPRequestData, rhs: HTTPRequestData) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { "\($0.name.lowercased()): \($0.value)" } == rhs.headers.map { "\($0.name.lowercased()): \($0.value)" }
    }
}

/// A response: status, headers (names lower-cased) and body.
public struct HTTPResponseData: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends requests. Implementations map failures to `ConnectorError`:
/// a request that could not be sent is `.temporary`; one that was sent and
/// got no answer in time is `.outcomeUnknown`, because the platform may
/// have acted on it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData

    /// Refuses at once, sending nothing, an address that `send` would
    /// certainly refuse (the guarded transport's policy, decided from the
    /// host alone), with the same error `send` would throw. For connectors
    /// that store an address without calling it, so the person hears at
    /// connect time rather than at the first publish.
    func checkDestination(_ url: URL) throws(ConnectorError)
}

extension HTTPTransport {
    /// Stubs and fakes reach whatever they are given.
    public func checkDestination(_ url: URL) throws(ConnectorError) {}
}
