import AsyncHTTPClient
import FanfareCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Where an S3-compatible store is and how to reach it: the operator's
/// settings (`FANFARE_S3_*`), never what a member typed.
public struct S3Configuration: Sendable, Equatable, CustomStringConvertible {
    /// `https://s3.eu-central-1.amazonaws.com`, `http://minio.internal:9000`,
    /// `https://oss-cn-hangzhou.aliyuncs.com`, `https://cos.ap-guangzhou.myqcloud.com`:
    /// scheme, host and port only.
    public var endpoint: URL
    public var region: String
    public var bucket: String
    public var credentials: AWSCredentials
    /// `endpoint/bucket/key` (MinIO's usual form) instead of
    /// `bucket.endpoint/key` (AWS's default; the only form Aliyun OSS and
    /// Tencent COS take).
    public var pathStyle: Bool
    /// The longest any call waits: to connect, for the answer's head, and
    /// between two pieces of a body; a PUT is also given one second per
    /// MiB it sends.
    public var timeout: TimeInterval

    public init(endpoint: URL, region: String, bucket: String, credentials: AWSCredentials, pathStyle: Bool, timeout: TimeInterval = 30) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.credentials = credentials
        self.pathStyle = pathStyle
        self.timeout = timeout
    }

    /// Names the store without its secret, for logs and messages.
    public var description: String {
        "bucket \(bucket) at \(endpoint.absoluteString) (\(region), \(pathStyle ? "path-style" : "virtual-hosted"))"
    }

    /// What a request for `key` is sent to: the URL, the `Host` header and
    /// the path that is signed.
    public func location(of key: String) -> (url: URL, host: String, path: String) {
        let scheme = endpoint.scheme?.lowercased() ?? "https"
        var host = endpoint.host ?? ""
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        if !pathStyle { host = "\(bucket).\(host)" }
        let defaultPort = scheme == "https" ? 443 : 80
        let authority = endpoint.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        let path = pathStyle ? "/\(bucket)/\(key)" : "/\(key)"
        return (URL(string: "\(scheme)://\(authority)\(AWSSignatureV4.encodePath(path))")!, authority, path)
    }

    /// A bucket name S3 and its imitators accept (3–63 lower-case letters,
    /// digits, dots and hyphens, starting and ending with a letter or digit).
    public static func isValidBucket(_ name: String) -> Bool {
        name.wholeMatch(of: #/[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/#) != nil && !name.contains("..")
    }
}

/// Why a call to the store did not succeed, in words an operator can act
/// on: the setting to check is named, the secret never.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing answered: no such host, connection refused, TLS failure.
    case unreachable(host: String, detail: String)
    /// No answer in time; `sent` when the request went out (a PUT may have
    /// been stored).
    case timedOut(host: String, seconds: Int, sent: Bool)
    /// The store answered with an error.
    case refused(status: Int, code: String?, message: String?)
    /// The answer was not what S3 sends (a body larger than asked for).
    case malformed(String)

    public var description: String {
        switch self {
        case .unreachable(let host, let detail):
            return "The media store at \(host) could not be reached (\(detail)); check FANFARE_S3_ENDPOINT and that the store is running."
        case .timedOut(let host, let seconds, let sent):
            return
                "The media store at \(host) did not answer within \(seconds) s\(sent ? " after the request was sent" : ""); check the store, or raise FANFARE_S3_TIMEOUT."
        case .refused(let status, let code, let message):
            let said = [code, message].compactMap { $0 }.joined(separator: ": ")
            return "The media store refused the request (HTTP \(status)\(said.isEmpty ? "" : ", \(said)")). \(hint)"
        case .malformed(let what):
            return "The media store answered in a way Fanfare does not understand (\(what)); check FANFARE_S3_ENDPOINT."
        }
    }

    /// The setting an error code points at.
    var hint: String {
        guard case .refused(let status, let code, _) = self else { return "" }
        switch code {
        case "InvalidAccessKeyId": return "Check FANFARE_S3_ACCESS_KEY_ID."
        case "SignatureDoesNotMatch": return "Check FANFARE_S3_SECRET_ACCESS_KEY (and FANFARE_S3_ACCESS_KEY_ID)."
        case "AuthorizationHeaderMalformed", "InvalidRegion", "IllegalLocationConstraintException": return "Check FANFARE_S3_REGION."
        case "NoSuchBucket": return "Check FANFARE_S3_BUCKET: the bucket must exist."
        case "AccessDenied":
            return "The access key may not use this bucket: allow it s3:PutObject, s3:GetObject and s3:DeleteObject on the bucket's objects."
        case "RequestTimeTooSkewed": return "This machine's clock differs from the store's by more than 15 minutes; set the clock right."
        case "PermanentRedirect", "TemporaryRedirect":
            return "The bucket is elsewhere: check FANFARE_S3_REGION, FANFARE_S3_ENDPOINT and FANFARE_S3_PATH_STYLE."
        default:
            switch status {
            case 301, 307: return "The bucket is elsewhere: check FANFARE_S3_REGION, FANFARE_S3_ENDPOINT and FANFARE_S3_PATH_STYLE."
            case 400, 401, 403:
                return "Check FANFARE_S3_ACCESS_KEY_ID, FANFARE_S3_SECRET_ACCESS_KEY and FANFARE_S3_REGION, and the key's permissions on the bucket."
            case 404: return "Check FANFARE_S3_BUCKET and FANFARE_S3_PATH_STYLE."
            default: return status >= 500 ? "The store had a fault; try again later." : ""
            }
        }
    }
}

/// An object as a HEAD finds it.
public struct S3Object: Sendable, Equatable {
    public var size: Int?
    public var eTag: String?
}

/// An object being read: its status (200, or 206 for a range), length and
/// range, and the body as it arrives, to be passed on without holding the
/// whole file.
public struct S3Download: Sendable {
    public var status: Int
    public var contentLength: Int?
    public var contentRange: String?
    public var body: S3Body
}

/// The bytes of a download, piece by piece.
public struct S3Body: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let body: HTTPClientResponse.Body

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: HTTPClientResponse.Body.AsyncIterator
        public mutating func next() async throws -> ByteBuffer? { try await inner.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: body.makeAsyncIterator()) }
}

/// PUT, GET, HEAD and DELETE of single objects in an S3-compatible bucket,
/// signed with SigV4 and with `x-amz-content-sha256`, so the store checks
/// that what it keeps is what was sent.
///
/// The store is the operator's configuration, not a member's input, so it
/// does not go through `GuardedHTTPTransport`: a MinIO on the LAN or on
/// this machine is the usual set-up, and uploads (100 MiB) and streamed
/// downloads do not fit the guard's 10 MiB answers. Nobody but the operator
/// chooses where these requests go.
public final class S3Client: Sendable {
    public let configuration: S3Configuration
    private let http: HTTPClient
    private let clock: @Sendable () -> Date

    /// `resolving` maps host names to addresses without asking DNS: tests
    /// reach a virtual-hosted bucket name on 127.0.0.1 with it.
    public init(
        configuration: S3Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        resolving: [String: String] = [:], clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.clock = clock
        let timeout = TimeAmount.milliseconds(Int64(configuration.timeout * 1_000))
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout))
        http.timeout.write = timeout
        http.connectionPool.retryConnectionEstablishment = false
        http.dnsOverride = resolving
        self.http = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: http)
    }

    public func shutdown() async throws { try await http.shutdown() }

    /// Stores `data` under `key`; returns only once the store has it.
    public func put(_ data: Data, key: String, contentType: String) async throws(S3Error) {
        // One second per MiB on top of the timeout: a 100 MiB video on a
        // slow link must not be cut off, a stalled one still is (the
        // write timeout).
        let allowance = configuration.timeout + Double(data.count) / 1_048_576
        let response = try await send(
            "PUT", key: key, headers: [("content-type", contentType)], body: data, deadline: allowance)
        try await expectSuccess(response)
        _ = try? await response.body.collect(upTo: 64 * 1_024)
    }

    /// The object, or nil when the bucket has no such key.
    public func head(_ key: String) async throws(S3Error) -> S3Object? {
        let response = try await send("HEAD", key: key)
        if response.status == .notFound { return nil }
        try await expectSuccess(response)
        return S3Object(size: response.headers.first(name: "content-length").flatMap(Int.init), eTag: response.headers.first(name: "etag"))
    }

    /// The whole object, up to `maxBytes`; nil when there is no such key.
    public func get(_ key: String, maxBytes: Int) async throws(S3Error) -> Data? {
        guard let download = try await open(key, range: nil) else { return nil }
        if let length = download.contentLength, length > maxBytes { throw .malformed("an object of \(length) bytes, more than \(maxBytes)") }
        do {
            var collected = ByteBuffer()
            for try await var piece in download.body {
                guard collected.readableBytes + piece.readableBytes <= maxBytes else {
                    throw S3Error.malformed("an object of more than \(maxBytes) bytes")
                }
                collected.writeBuffer(&piece)
            }
            return Data(collected.readableBytesView)
        } catch {
            throw map(error, sent: true)
        }
    }

    /// Starts reading an object, optionally a `Range` of it (passed as the
    /// member's browser sent it); nil when there is no such key. The body
    /// must be read or dropped by the caller.
    public func open(_ key: String, range: String?) async throws(S3Error) -> S3Download? {
        let response = try await send("GET", key: key, headers: range.map { [("range", $0)] } ?? [])
        if response.status == .notFound { return nil }
        if response.status != .rangeNotSatisfiable { try await expectSuccess(response) }
        return S3Download(
            status: Int(response.status.code), contentLength: response.headers.first(name: "content-length").flatMap(Int.init),
            contentRange: response.headers.first(name: "content-range"), body: S3Body(body: response.body))
    }

    /// Removes an object; removing one that is not there succeeds, as in S3.
    public func delete(_ key: String) async throws(S3Error) {
        let response = try await send("DELETE", key: key)
        if response.status == .notFound { return }
        try await expectSuccess(response)
        _ = try? await response.body.collect(upTo: 64 * 1_024)
    }

    // MARK: Sending

    /// The signed request for one object, as it will be sent (public for
    /// tests and for `fanfare media check`'s report).
    public func signedRequest(
        _ method: String, key: String, headers extra: [(String, String)] = [], payloadHash: String = AWSSignatureV4.emptyPayloadHash
    ) -> (url: URL, headers: [(name: String, value: String)]) {
        let (url, host, path) = configuration.location(of: key)
        var headers: [(name: String, value: String)] = [("host", host), ("x-amz-content-sha256", payloadHash)]
        headers += extra.map { (name: $0.0, value: $0.1) }
        let request = AWSSignatureV4.Request(method: method, path: path, headers: headers, payloadHash: payloadHash)
        let scope = AWSSignatureV4.Scope(date: clock(), region: configuration.region, service: "s3")
        return (url, headers + AWSSignatureV4.sign(request, credentials: configuration.credentials, scope: scope))
    }

    private func send(
        _ method: String, key: String, headers extra: [(String, String)] = [], body: Data? = nil, deadline: TimeInterval? = nil
    ) async throws(S3Error) -> HTTPClientResponse {
        let hash = body.map(AWSSignatureV4.payloadHash) ?? AWSSignatureV4.emptyPayloadHash
        let (url, headers) = signedRequest(method, key: key, headers: extra, payloadHash: hash)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let seconds = deadline ?? configuration.timeout
        do {
            return try await http.execute(request, deadline: .now() + .milliseconds(Int64(seconds * 1_000)))
        } catch {
            throw map(error, sent: nil, seconds: seconds)
        }
    }

    /// Throws the store's error unless the answer is a success.
    private func expectSuccess(_ response: HTTPClientResponse) async throws(S3Error) {
        guard !(200..<300).contains(Int(response.status.code)) else { return }
        let text = (try? await response.body.collect(upTo: 64 * 1_024)).map { String(buffer: $0) } ?? ""
        throw .refused(status: Int(response.status.code), code: Self.element("Code", in: text), message: Self.element("Message", in: text))
    }

    /// S3's errors are `<Error><Code>…</Code><Message>…</Message></Error>`.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        let value = xml[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : String(value.prefix(300))
    }

    private func map(_ error: any Error, sent: Bool?, seconds: TimeInterval? = nil) -> S3Error {
        if let error = error as? S3Error { return error }
        let host = configuration.location(of: "").host
        let wait = Int((seconds ?? configuration.timeout).rounded(.up))
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timedOut(host: host, seconds: wait, sent: sent ?? true)
            case .connectTimeout: return .timedOut(host: host, seconds: wait, sent: false)
            case .remoteConnectionClosed: return .unreachable(host: host, detail: "the connection was closed")
            default: break
            }
        }
        if error is NIOConnectionError || error is IOError { return .unreachable(host: host, detail: "nothing answered") }
        return .unreachable(host: host, detail: String(describing: error))
    }
}
