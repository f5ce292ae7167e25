import Crypto
import FanfareCore
import Foundation

/// An access key pair for an S3-compatible store. The secret never appears
/// in a description, so printing the value (a log line, an error) cannot
/// leak it.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: [redacted])" }
}

/// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
/// the authentication every S3-compatible store speaks (AWS S3, MinIO,
/// Aliyun OSS and Tencent COS in their S3-compatible mode). Pure: the
/// request, the key and the time go in, the headers to add come out, so it
/// is tested against AWS's published test suite without a network.
public enum AWSSignatureV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// SHA-256 of an empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// What is signed.
    public struct Request: Sendable {
        public var method: String
        /// The path as it is sent, unencoded (`/bucket/a b.jpg`); each segment
        /// is encoded once, as S3 wants (no normalisation of `.` or `//`).
        public var path: String
        /// Query parameters, unencoded.
        public var query: [(name: String, value: String)]
        /// Every header sent, `host` included; all of them are signed.
        public var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body (S3 also wants it in `x-amz-content-sha256`).
        public var payloadHash: String

        public init(
            method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)],
            payloadHash: String = AWSSignatureV4.emptyPayloadHash
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// Where a signature is valid: the day, region and service.
    public struct Scope: Sendable, Equatable {
        public var date: Date
        public var region: String
        public var service: String

        public init(date: Date, region: String, service: String) {
            self.date = date
            self.region = region
            self.service = service
        }

        /// `20150830T123600Z`.
        public var timestamp: String { AWSSignatureV4.format(date, time: true) }
        /// `20150830/us-east-1/service/aws4_request`.
        public var credentialScope: String { "\(AWSSignatureV4.format(date, time: false))/\(region)/\(service)/aws4_request" }
    }

    /// The headers to add to the request: `x-amz-date` (unless the request
    /// carries it already) and `authorization`.
    public static func sign(_ request: Request, credentials: AWSCredentials, scope: Scope) -> [(name: String, value: String)] {
        var request = request
        var added: [(name: String, value: String)] = []
        if !request.headers.contains(where: { $0.name.lowercased() == "x-amz-date" }) {
            request.headers.append((name: "x-amz-date", value: scope.timestamp))
            added.append((name: "x-amz-date", value: scope.timestamp))
        }
        added.append((name: "authorization", value: authorization(request, credentials: credentials, scope: scope)))
        return added
    }

    /// The `Authorization` header for a request that already carries
    /// `x-amz-date`.
    public static func authorization(_ request: Request, credentials: AWSCredentials, scope: Scope) -> String {
        let (canonical, signedHeaders) = canonicalRequest(request)
        let signature = signature(
            stringToSign: stringToSign(canonicalRequest: canonical, scope: scope), secret: credentials.secretAccessKey, scope: scope)
        return "\(algorithm) Credential=\(credentials.accessKeyID)/\(scope.credentialScope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// The canonical request and the list of signed headers.
    public static func canonicalRequest(_ request: Request) -> (text: String, signedHeaders: String) {
        // Headers: names lower-cased, values trimmed and inner runs of
        // spaces made one; a name sent twice is one line, values joined
        // with commas in the order sent.
        var values: [String: [String]] = [:]
        for header in request.headers {
            let value = header.value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            values[header.name.lowercased(), default: []].append(value.trimmingCharacters(in: .whitespaces))
        }
        let names = values.keys.sorted()
        let headerLines = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let pairs: [(name: String, value: String)] = request.query.map { (encode($0.name), encode($0.value)) }
        let sorted = pairs.sorted { (a, b) -> Bool in a.name == b.name ? a.value < b.value : a.name < b.name }
        let query: String = sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let lines: [String] = [request.method.uppercased(), encodePath(request.path), query, headerLines, signedHeaders, request.payloadHash]
        let text = lines.joined(separator: "\n")
        return (text, signedHeaders)
    }

    public static func stringToSign(canonicalRequest: String, scope: Scope) -> String {
        [algorithm, scope.timestamp, scope.credentialScope, HexText.lower(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// The key derived for one day, region and service.
    public static func signingKey(secret: String, scope: Scope) -> SymmetricKey {
        func mac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
        }
        let date = mac(SymmetricKey(data: Data("AWS4\(secret)".utf8)), format(scope.date, time: false))
        return mac(mac(mac(date, scope.region), scope.service), "aws4_request")
    }

    public static func signature(stringToSign: String, secret: String, scope: Scope) -> String {
        HexText.lower(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(secret: secret, scope: scope)))
    }

    /// Hex SHA-256 of a payload, for `x-amz-content-sha256`.
    public static func payloadHash(_ data: Data) -> String { HexText.lower(SHA256.hash(data: data)) }

    // MARK: Encoding

    /// RFC 3986 unreserved characters, the only ones SigV4 leaves as they are.
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// Percent-encodes every byte of the UTF-8 text that is not unreserved
    /// (upper-case hex, as SigV4 requires).
    public static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The path encoded once, slashes kept: what is sent and what is signed.
    public static func encodePath(_ path: String) -> String {
        path.isEmpty ? "/" : encode(path, keepingSlash: true)
    }

    static func format(_ date: Date, time: Bool) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return time ? day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!) : day
    }
}
