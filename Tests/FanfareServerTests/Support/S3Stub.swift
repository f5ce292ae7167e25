import FanfareConnectors
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Vapor

/// An S3-compatible store on 127.0.0.1 for the tests: it checks every
/// request's SigV4 signature (the access key, the region, the signed
/// headers, `x-amz-content-sha256` against the body) as S3 does, keeps
/// objects in memory, and answers S3's XML errors. Path-style requests
/// name the bucket first in the path; virtual-hosted ones in the host.
final class S3Stub: Sendable {
    let port: Int
    let credentials: AWSCredentials
    let region: String
    let bucket: String
    private let app: Application
    private let state = Mutex(State())

    private struct State {
        var objects: [String: (data: Data, type: String)] = [:]
        var requests: [String] = []
        /// Keys whose reads fail with 500 (a broken store).
        var failing: Set<String> = []
    }

    /// `PUT key`, `GET key`, … in the order received (also refused ones).
    var requests: [String] { state.withLock { $0.requests } }
    var keys: [String] { state.withLock { $0.objects.keys.sorted() } }
    func object(_ key: String) -> Data? { state.withLock { $0.objects[key]?.data } }
    func contentType(_ key: String) -> String? { state.withLock { $0.objects[key]?.type } }
    func failReads(of key: String) { _ = state.withLock { $0.failing.insert(key) } }

    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// A configuration that reaches this stub: path-style at 127.0.0.1, or
    /// virtual-hosted at `s3.test` (which `S3Client(resolving:)` maps to
    /// 127.0.0.1, so no name is looked up).
    func configuration(pathStyle: Bool = true, secret: String? = nil, region: String? = nil, timeout: TimeInterval = 30) -> S3Configuration {
        S3Configuration(
            endpoint: pathStyle ? endpoint : URL(string: "http://s3.test:\(port)")!, region: region ?? self.region, bucket: bucket,
            credentials: AWSCredentials(accessKeyID: credentials.accessKeyID, secretAccessKey: secret ?? credentials.secretAccessKey),
            pathStyle: pathStyle, timeout: timeout)
    }

    func client(pathStyle: Bool = true, secret: String? = nil, region: String? = nil, timeout: TimeInterval = 30) -> S3Client {
        S3Client(
            configuration: configuration(pathStyle: pathStyle, secret: secret, region: region, timeout: timeout),
            resolving: ["\(bucket).s3.test": "127.0.0.1", "s3.test": "127.0.0.1"])
    }

    private init(app: Application, port: Int, credentials: AWSCredentials, region: String, bucket: String) {
        self.app = app
        self.port = port
        self.credentials = credentials
        self.region = region
        self.bucket = bucket
    }

    static func start(
        credentials: AWSCredentials = AWSCredentials(accessKeyID: "FANFARETESTKEY", secretAccessKey: "test-secret/K7MDENG+bPxRfi"),
        region: String = "cn-test-1", bucket: String = "fanfare-media"
    ) async throws -> S3Stub {
        let app = try await Application.make(.testing)
        let box = Box()
        app.middleware = Middlewares()
        app.middleware.use(Responder(box: box))
        do {
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
            let stub = S3Stub(app: app, port: port, credentials: credentials, region: region, bucket: bucket)
            box.stub.withLock { $0 = stub }
            return stub
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private final class Box: Sendable {
        let stub = Mutex<S3Stub?>(nil)
    }

    private struct Responder: AsyncMiddleware {
        let box: Box

        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            guard let stub = box.stub.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let body = Data(buffer: try await request.body.collect(upTo: 256 << 20))
            return stub.answer(request, body: body)
        }
    }

    static func error(_ status: HTTPStatus, _ code: String, _ message: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .xml
        return Response(
            status: status, headers: headers,
            body: .init(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>"))
    }

    func answer(_ request: Request, body: Data) -> Response {
        let host = request.headers.first(name: .host) ?? ""
        let rawPath = request.url.path
        let path = rawPath.removingPercentEncoding ?? rawPath
        // Where the bucket is named: the host (virtual-hosted) or the path.
        var key: Substring
        if host.hasPrefix("\(bucket).") {
            key = path.dropFirst()
        } else {
            let parts = path.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first.map(String.init) == bucket else {
                record("\(request.method.rawValue) \(path) refused")
                return Self.error(.notFound, "NoSuchBucket", "The specified bucket does not exist")
            }
            key = parts.count > 1 ? parts[1] : ""
        }
        let name = "\(request.method.rawValue) \(key)"
        if let refusal = verify(request, path: path, body: body) {
            record("\(name) refused")
            return refusal
        }
        record(name)
        let stored = String(key)
        switch request.method {
        case .PUT:
            state.withLock { $0.objects[stored] = (body, request.headers.first(name: .contentType) ?? "binary/octet-stream") }
            return Response(status: .ok, headers: ["ETag": "\"\(AWSSignatureV4.payloadHash(body).prefix(32))\""])
        case .HEAD:
            guard let object = state.withLock({ $0.objects[stored] }) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: ["Content-Type": object.type, "x-object-size": String(object.data.count)])
        case .GET:
            let (object, failing) = state.withLock { ($0.objects[stored], $0.failing.contains(stored)) }
            if failing { return Self.error(.internalServerError, "InternalError", "We encountered an internal error. Please try again.") }
            guard let object else { return Self.error(.notFound, "NoSuchKey", "The specified key does not exist.") }
            var headers: HTTPHeaders = ["Content-Type": object.type, "Accept-Ranges": "bytes"]
            if let range = request.headers.first(name: .range), let match = range.wholeMatch(of: #/bytes=(\d*)-(\d*)/#) {
                let count = object.data.count
                var start = Int(match.output.1) ?? 0
                var end = Int(match.output.2) ?? (count - 1)
                if match.output.1.isEmpty, let suffix = Int(match.output.2) { (start, end) = (max(0, count - suffix), count - 1) }
                end = min(end, count - 1)
                guard start <= end, start < count else {
                    return Self.error(.rangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable")
                }
                headers.add(name: .contentRange, value: "bytes \(start)-\(end)/\(count)")
                return Response(status: .partialContent, headers: headers, body: .init(data: object.data.subdata(in: start..<(end + 1))))
            }
            return Response(status: .ok, headers: headers, body: .init(data: object.data))
        case .DELETE:
            _ = state.withLock { $0.objects.removeValue(forKey: stored) }
            return Response(status: .noContent)
        default:
            return Self.error(.methodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        }
    }

    private func record(_ line: String) { state.withLock { $0.requests.append(line) } }

    /// S3's checks, in S3's order; nil when the request is signed right.
    func verify(_ request: Request, path: String, body: Data) -> Response? {
        guard let authorization = request.headers.first(name: .authorization),
            let match = authorization.wholeMatch(
                of: #/AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, ?SignedHeaders=([a-z0-9\-;]+), ?Signature=([0-9a-f]{64})/#)
        else { return Self.error(.forbidden, "AccessDenied", "Access Denied") }
        let (accessKey, day, scopeRegion, signedNames, signature) = (
            String(match.output.1), String(match.output.2), String(match.output.3), String(match.output.4), String(match.output.5)
        )
        guard accessKey == credentials.accessKeyID else {
            return Self.error(.forbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        }
        guard scopeRegion == region else {
            return Self.error(.badRequest, "AuthorizationHeaderMalformed", "the region '\(scopeRegion)' is wrong; expecting '\(region)'")
        }
        guard let payloadHash = request.headers.first(name: "x-amz-content-sha256") else {
            return Self.error(.badRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        }
        guard payloadHash == AWSSignatureV4.payloadHash(body) else {
            return Self.error(
                .badRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        let names = signedNames.split(separator: ";").map(String.init)
        guard names.contains("host"), names.contains("x-amz-date"), names.contains("x-amz-content-sha256"),
            let stamp = request.headers.first(name: "x-amz-date"), stamp.hasPrefix(day), let date = Self.date(stamp)
        else { return Self.error(.forbidden, "AccessDenied", "Access Denied") }
        let headers = names.flatMap { name in request.headers[name].map { (name: name, value: $0) } }
        let signed = AWSSignatureV4.Request(method: request.method.rawValue, path: path, headers: headers, payloadHash: payloadHash)
        let expected = AWSSignatureV4.authorization(
            signed, credentials: credentials, scope: AWSSignatureV4.Scope(date: date, region: region, service: "s3"))
        guard expected.hasSuffix("Signature=\(signature)") else {
            return Self.error(
                .forbidden, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
        return nil
    }

    static func date(_ stamp: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: stamp)
    }
}

/// Starts a stub store, runs `body` with it, and stops it, also when
/// `body` throws.
func withS3Stub(_ body: (S3Stub) async throws -> Void) async throws {
    let stub = try await S3Stub.start()
    do {
        try await body(stub)
    } catch {
        try? await stub.shutdown()
        throw error
    }
    try await stub.shutdown()
}

/// A server that accepts connections and never answers: a store that hangs.
final class SilentServer: Sendable {
    let port: Int
    private let channel: any Channel

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start() async throws -> SilentServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        return SilentServer(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    func shutdown() async throws { try await channel.close() }
}
