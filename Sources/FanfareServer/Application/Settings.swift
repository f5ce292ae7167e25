import FanfareConnectors
import FanfareCore
import Foundation
import Logging

/// Everything Fanfare reads from its environment and flags, read once at
/// start. A wrong value stops the start with one line per problem, so an
/// operator fixes them all in one go.
public struct Settings: Sendable {
    public var dataDirectory: URL
    public var databaseURL: String?
    /// The secret key as given by FANFARE_SECRET_KEY; when nil it is read
    /// from (or generated into) the data directory by `resolveSecretKey`.
    public var secretKey: Data?
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var demo: Bool
    /// Share of first publishing attempts the Sandbox fails on purpose
    /// (FANFARE_SANDBOX_FAILURE_RATE, default 0.02); benchmarks set 0.
    public var sandboxFailureRate: Double = 0.02
    /// Jobs one worker process runs at once (FANFARE_WORKER_CONCURRENCY).
    public var workerConcurrency: Int = 1
    /// Jobs one worker loop claims at a time (FANFARE_WORKER_BATCH): a
    /// burst of publishing is written a batch at a time.
    public var workerBatch: Int = 250
    /// Where people reach this instance (FANFARE_PUBLIC_URL), such as
    /// https://fanfare.example.com: every absolute link (invitations, the
    /// setup link, later short links and OAuth callbacks) starts with it,
    /// never with a request's Host header, which anyone can set. Unset, it
    /// is made from HOST and PORT. An https URL also makes every cookie
    /// Secure.
    public var publicURL: URL?
    /// The reverse proxies in front of Fanfare (FANFARE_TRUSTED_PROXIES):
    /// only requests from these have their `X-Forwarded-For` and
    /// `X-Forwarded-Proto` believed. Empty by default: nobody's.
    public var trustedProxies = TrustedProxies()
    /// Address blocks the guarded outbound client may reach besides the
    /// public internet (FANFARE_OUTBOUND_ALLOW): a Mastodon instance on the
    /// LAN, a test stub on loopback. Empty by default.
    public var outboundAllow: [IPRange] = []
    /// Who may create workspaces (FANFARE_WORKSPACE_CREATORS, default
    /// instance administrators only).
    public var workspaceCreators: WorkspaceCreators = .admins

    /// What the guarded outbound client refuses.
    public var outboundPolicy: OutboundAddressPolicy { OutboundAddressPolicy(allowing: outboundAllow) }

    // Lexicons, the engine cache and the metrics token (issue 16). Their
    // flags are in `limitFlags`, their checks in `parseLimits`.
    /// Entries (terms and allow-list phrases) one workspace's lexicon may
    /// hold (FANFARE_LEXICON_MAX_TERMS): an add or import beyond it is refused.
    public var lexiconMaxTerms: Int = Settings.defaultLexiconMaxTerms
    /// Memory the compiled lexicon engines of this process may hold
    /// together, in MiB (FANFARE_ENGINE_CACHE_MB); least recently used
    /// engines are dropped beyond it.
    public var engineCacheMegabytes: Int = Settings.defaultEngineCacheMegabytes
    /// The bearer token `/metrics` asks for (FANFARE_METRICS_TOKEN); unset,
    /// `/metrics` is not served (404).
    public var metricsToken: String?
    /// Timeouts, the connection cap and the head-size limit of the HTTP
    /// server (FANFARE_HEADER_TIMEOUT, FANFARE_BODY_TIMEOUT,
    /// FANFARE_IDLE_TIMEOUT, FANFARE_MAX_CONNECTIONS, FANFARE_MAX_HEADER_BYTES).
    public var connections = ConnectionLimits()
    /// Days of account and post metrics the metric store keeps
    /// (FANFARE_METRICS_RETENTION_DAYS, default 3 years).
    public var metricsRetentionDays: Int = Settings.defaultMetricsRetentionDays
    public static let defaultMetricsRetentionDays = 1_096
    /// An S3-compatible store for uploaded pictures and videos
    /// (FANFARE_S3_*); nil: the data directory's `media/`. Its flags are
    /// in `mediaFlags`, its checks in `parseMediaStore`.
    public var s3: S3Configuration?

    public static let secretKeyFileName = "secret.key"

    public var sqliteFile: URL { dataDirectory.appendingPathComponent("fanfare.sqlite") }
    public var usesPostgres: Bool { databaseURL != nil }

    /// The flags of the settings, each standing for an environment
    /// variable. `SettingsOptions` declares the same flags for the command
    /// line's parser and hands what it read to `parse`, so a flag and its
    /// variable are checked by one piece of code (a test keeps the two
    /// lists equal).
    static let valueFlags: [String: String] = [
        "--data-dir": "FANFARE_DATA_DIR", "--database-url": "DATABASE_URL", "--host": "HOST",
        "--hostname": "HOST", "--port": "PORT", "--log-level": "LOG_LEVEL",
        "--sandbox-failure-rate": "FANFARE_SANDBOX_FAILURE_RATE", "--worker-concurrency": "FANFARE_WORKER_CONCURRENCY",
        "--worker-batch": "FANFARE_WORKER_BATCH", "--public-url": "FANFARE_PUBLIC_URL",
        "--trusted-proxies": "FANFARE_TRUSTED_PROXIES", "--outbound-allow": "FANFARE_OUTBOUND_ALLOW",
        "--workspace-creators": "FANFARE_WORKSPACE_CREATORS", "--header-timeout": "FANFARE_HEADER_TIMEOUT",
        "--body-timeout": "FANFARE_BODY_TIMEOUT", "--idle-timeout": "FANFARE_IDLE_TIMEOUT",
        "--max-connections": "FANFARE_MAX_CONNECTIONS", "--max-header-bytes": "FANFARE_MAX_HEADER_BYTES",
    ]

    /// Parses flags (which win) and environment. Returns the settings and the
    /// arguments left for the command, or every problem found. A problem
    /// with a value given as a flag names the flag (`--port: …`), one given
    /// in the environment names the variable (`PORT: …`): each names what
    /// the operator typed.
    public static func parse(
        environment: [String: String], arguments: [String]
    ) -> Result<(settings: Settings, remaining: [String]), SettingsProblems> {
        var values = environment
        var remaining: [String] = []
        var problems: [String] = []
        var demo = false
        var givenAs: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let (flag, inline) = argument.split(separator: "=", maxSplits: 1).map(String.init).pairOrSingle
            if let variable = valueFlags[flag] ?? limitFlags[flag] ?? mediaFlags[flag] {
                givenAs[variable] = flag
                if let inline {
                    values[variable] = inline
                } else if index + 1 < arguments.count {
                    values[variable] = arguments[index + 1]
                    index += 1
                } else {
                    problems.append("\(flag): needs a value")
                }
            } else if argument == "--demo" {
                demo = true
            } else {
                remaining.append(argument)
            }
            index += 1
        }

        let dataDir = URL(fileURLWithPath: values["FANFARE_DATA_DIR"].nonEmpty ?? "./fanfare-data")
        var databaseURL: String?
        if let url = values["DATABASE_URL"].nonEmpty {
            let parsed = URLComponents(string: url)
            let scheme = parsed?.scheme ?? ""
            if ["postgres", "postgresql"].contains(scheme), parsed?.host?.isEmpty == false {
                databaseURL = url
            } else if ["postgres+uds", "postgresql+uds"].contains(scheme), parsed?.path.contains("/.s.PGSQL.") == true {
                // A server on this machine through its socket: postgres+uds://user@localhost/run/postgresql/.s.PGSQL.5432#fanfare
                databaseURL = url
            } else {
                problems.append(
                    "DATABASE_URL: must be a PostgreSQL URL such as postgres://user:password@host:5432/fanfare, or postgres+uds://user@localhost/run/postgresql/.s.PGSQL.5432#fanfare for a local socket (leave it unset for the embedded SQLite database)"
                )
            }
        }
        var secretKey: Data?
        if let raw = values["FANFARE_SECRET_KEY"].nonEmpty {
            if let key = decodeSecretKey(raw) {
                secretKey = key
            } else {
                problems.append(
                    "FANFARE_SECRET_KEY: must be 32 bytes written as 64 hex digits or as base64 (leave it unset to have one generated in the data directory)"
                )
            }
        }
        let host = values["HOST"].nonEmpty ?? "127.0.0.1"
        if host.contains(where: { $0.isWhitespace || $0 == "/" }) {
            problems.append("HOST: must be an address or host name to listen on, such as 127.0.0.1 or 0.0.0.0")
        }
        /// A whole number in `range` under `key`, or the default with a
        /// problem that says what would be accepted.
        func wholeNumber(_ key: String, in range: ClosedRange<Int>, default value: Int, what: String) -> Int {
            guard let raw = values[key].nonEmpty else { return value }
            if let number = Int(raw), range.contains(number) { return number }
            problems.append("\(key): must be \(what) from \(range.lowerBound) to \(range.upperBound), not '\(raw)'")
            return value
        }
        let port = wholeNumber("PORT", in: 1...65535, default: 8080, what: "a port number")
        var logLevel = Logger.Level.info
        if let raw = values["LOG_LEVEL"].nonEmpty {
            if let level = Logger.Level(rawValue: raw.lowercased()) {
                logLevel = level
            } else {
                problems.append("LOG_LEVEL: must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(raw)'")
            }
        }
        var failureRate = 0.02
        if let raw = values["FANFARE_SANDBOX_FAILURE_RATE"].nonEmpty {
            if let value = Double(raw), (0...1).contains(value) {
                failureRate = value
            } else {
                problems.append("FANFARE_SANDBOX_FAILURE_RATE: must be a share from 0 to 1 (0.02 fails 2 % of first attempts), not '\(raw)'")
            }
        }
        let concurrency = wholeNumber("FANFARE_WORKER_CONCURRENCY", in: 1...256, default: 1, what: "a whole number")
        let batch = wholeNumber("FANFARE_WORKER_BATCH", in: 1...5_000, default: 250, what: "a whole number")
        let metricsRetention = wholeNumber(
            "FANFARE_METRICS_RETENTION_DAYS", in: 30...36_500, default: defaultMetricsRetentionDays, what: "a whole number of days")
        var publicURL: URL?
        if let raw = values["FANFARE_PUBLIC_URL"].nonEmpty {
            if let url = parsePublicURL(raw) {
                publicURL = url
            } else {
                problems.append(
                    "FANFARE_PUBLIC_URL: must be the address people open, an http or https URL without query or fragment such as https://fanfare.example.com, not '\(raw)'"
                )
            }
        }
        /// Addresses and CIDR ranges, each entry judged on its own, so one
        /// typo is named and the rest still reported in the same run.
        func ranges(_ key: String) -> [IPRange] {
            guard let raw = values[key].nonEmpty else { return [] }
            var ranges: [IPRange] = []
            for entry in raw.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard !entry.isEmpty else {
                    problems.append("\(key): has an empty entry; separate addresses and CIDR ranges with single commas")
                    continue
                }
                do {
                    ranges.append(try IPRange.parse(entry))
                } catch {
                    problems.append("\(key): '\(entry)' \(error.description)")
                }
            }
            return ranges
        }
        let outboundAllow = ranges("FANFARE_OUTBOUND_ALLOW")
        let trustedProxies = TrustedProxies(ranges("FANFARE_TRUSTED_PROXIES"))
        var workspaceCreators = WorkspaceCreators.admins
        if let raw = values["FANFARE_WORKSPACE_CREATORS"].nonEmpty {
            if let value = WorkspaceCreators(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased()) {
                workspaceCreators = value
            } else {
                problems.append(
                    "FANFARE_WORKSPACE_CREATORS: must be 'admins' (only instance administrators create workspaces) or 'everyone', not '\(raw)'")
            }
        }
        let limits = parseLimits(values, problems: &problems)
        let s3 = parseMediaStore(values, problems: &problems)
        var connections = ConnectionLimits()
        /// Seconds, fractions allowed, within `ConnectionLimits.timeoutRange`.
        func seconds(_ key: String, default value: Double) -> Double {
            guard let raw = values[key].nonEmpty else { return value }
            if let number = Double(raw), ConnectionLimits.timeoutRange.contains(number) { return number }
            problems.append("\(key): must be a number of seconds from 0.05 to 86400, not '\(raw)'")
            return value
        }
        connections.headerTimeout = seconds("FANFARE_HEADER_TIMEOUT", default: connections.headerTimeout)
        connections.bodyTimeout = seconds("FANFARE_BODY_TIMEOUT", default: connections.bodyTimeout)
        connections.idleTimeout = seconds("FANFARE_IDLE_TIMEOUT", default: connections.idleTimeout)
        if let raw = values["FANFARE_MAX_CONNECTIONS"].nonEmpty, raw != "auto" {
            let highest = ConnectionLimits.highestMaxConnections()
            if let number = Int(raw), (1...highest).contains(number) {
                connections.maxConnections = number
            } else {
                problems.append(
                    "FANFARE_MAX_CONNECTIONS: must be a whole number from 1 to \(highest) (the open-file limit \(ConnectionLimits.openFileLimit()) less \(ConnectionLimits.descriptorReserve) kept for the database, the worker and files; raise it with `ulimit -n`), or auto, not '\(raw)'"
                )
            }
        }
        connections.maxHeaderBytes = wholeNumber(
            "FANFARE_MAX_HEADER_BYTES", in: ConnectionLimits.headerBytesRange, default: connections.maxHeaderBytes, what: "a number of bytes")
        if databaseURL == nil {
            problems.append(contentsOf: checkWritable(dataDir))
        }
        guard problems.isEmpty else {
            return .failure(
                SettingsProblems(
                    lines: problems.map { line in
                        guard let (variable, flag) = givenAs.first(where: { line.hasPrefix($0.key + ":") }) else { return line }
                        return flag + line.dropFirst(variable.count)
                    }))
        }
        var settings = Settings(
            dataDirectory: dataDir, databaseURL: databaseURL, secretKey: secretKey,
            host: host, port: port, logLevel: logLevel, demo: demo)
        settings.sandboxFailureRate = failureRate
        settings.workerConcurrency = concurrency
        settings.workerBatch = batch
        settings.metricsRetentionDays = metricsRetention
        settings.publicURL = publicURL
        settings.trustedProxies = trustedProxies
        settings.outboundAllow = outboundAllow
        settings.workspaceCreators = workspaceCreators
        (settings.lexiconMaxTerms, settings.engineCacheMegabytes, settings.metricsToken) = limits
        settings.connections = connections
        settings.s3 = s3
        return .success((settings, remaining))
    }

    /// An absolute http(s) URL with a host, no query, fragment or user; a
    /// trailing slash is dropped so links join with one.
    static func parsePublicURL(_ raw: String) -> URL? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil, components.user == nil,
            components.password == nil
        else { return nil }
        return URL(string: text)
    }

    /// The base of every absolute link: the public URL, or this server's
    /// own address when none is set.
    public var linkBase: String {
        if let publicURL { return publicURL.absoluteString }
        let shownHost = ["0.0.0.0", "::", ""].contains(host) ? "localhost" : (host.contains(":") ? "[\(host)]" : host)
        return "http://\(shownHost):\(port)"
    }

    // MARK: Lexicons, the engine cache and the metrics token (issue 16)

    public static let defaultLexiconMaxTerms = 100_000
    public static let defaultEngineCacheMegabytes = 256

    /// No flag for the metrics token: a value on the command line is
    /// readable by every user of the machine (`ps`).
    static let limitFlags: [String: String] = [
        "--lexicon-max-terms": "FANFARE_LEXICON_MAX_TERMS", "--engine-cache-mb": "FANFARE_ENGINE_CACHE_MB",
    ]

    /// The lexicon limit, the engine cache's budget and the metrics token,
    /// each wrong value a line of `problems`.
    private static func parseLimits(
        _ values: [String: String], problems: inout [String]
    ) -> (lexiconMaxTerms: Int, engineCacheMegabytes: Int, metricsToken: String?) {
        func number(_ key: String, in range: ClosedRange<Int>, default value: Int, what: String) -> Int {
            guard let raw = values[key].nonEmpty else { return value }
            if let number = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(number) { return number }
            problems.append("\(key): must be \(what) from \(range.lowerBound) to \(range.upperBound), not '\(raw)'")
            return value
        }
        // 10 million entries would compile to an engine of about 2 GB.
        let maxTerms = number(
            "FANFARE_LEXICON_MAX_TERMS", in: 1...10_000_000, default: defaultLexiconMaxTerms, what: "a whole number of entries per workspace")
        let cache = number("FANFARE_ENGINE_CACHE_MB", in: 1...1_048_576, default: defaultEngineCacheMegabytes, what: "a whole number of MiB")
        var token: String?
        if let raw = values["FANFARE_METRICS_TOKEN"].nonEmpty {
            if raw.count >= 16, raw.count <= 256,
                raw.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 > 32 && $0 < 127 } == true })
            {
                token = raw
            } else {
                problems.append(
                    "FANFARE_METRICS_TOKEN: must be 16 to 256 visible ASCII characters without spaces (e.g. the output of `openssl rand -hex 32`), or unset to not serve /metrics"
                )
            }
        }
        return (maxTerms, cache, token)
    }

    // MARK: The media store (issue 19)

    /// No flag for the secret access key: a value on the command line is
    /// readable by every user of the machine (`ps`).
    static let mediaFlags: [String: String] = [
        "--s3-endpoint": "FANFARE_S3_ENDPOINT", "--s3-region": "FANFARE_S3_REGION", "--s3-bucket": "FANFARE_S3_BUCKET",
        "--s3-access-key-id": "FANFARE_S3_ACCESS_KEY_ID", "--s3-path-style": "FANFARE_S3_PATH_STYLE", "--s3-timeout": "FANFARE_S3_TIMEOUT",
    ]

    /// The S3-compatible store, when FANFARE_S3_BUCKET names one; every
    /// wrong or missing value a line of `problems`. The secret is never
    /// repeated in a problem.
    static func parseMediaStore(_ values: [String: String], problems: inout [String]) -> S3Configuration? {
        let others = ["FANFARE_S3_ENDPOINT", "FANFARE_S3_ACCESS_KEY_ID", "FANFARE_S3_SECRET_ACCESS_KEY", "FANFARE_S3_PATH_STYLE"]
        guard let bucket = values["FANFARE_S3_BUCKET"].nonEmpty?.trimmingCharacters(in: .whitespaces) else {
            if let given = others.first(where: { values[$0].nonEmpty != nil }) {
                problems.append(
                    "FANFARE_S3_BUCKET: must name the bucket when \(given) is set (or unset the FANFARE_S3_ settings to keep files in the data directory)"
                )
            }
            return nil
        }
        var valid = true
        if !S3Configuration.isValidBucket(bucket) {
            problems.append(
                "FANFARE_S3_BUCKET: must be a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, not '\(bucket)'"
            )
            valid = false
        }
        let region = values["FANFARE_S3_REGION"].nonEmpty?.trimmingCharacters(in: .whitespaces) ?? "us-east-1"
        if region.wholeMatch(of: #/[a-z0-9][a-z0-9\-]{0,62}/#) == nil {
            problems.append("FANFARE_S3_REGION: must be a region name such as us-east-1, eu-central-1, cn-hangzhou or ap-guangzhou, not '\(region)'")
            valid = false
        }
        var endpoint = URL(string: "https://s3.\(region).amazonaws.com")!
        if let raw = values["FANFARE_S3_ENDPOINT"].nonEmpty {
            var text = raw.trimmingCharacters(in: .whitespaces)
            while text.hasSuffix("/") { text.removeLast() }
            if let parsed = URLComponents(string: text), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
                let host = parsed.host, !host.isEmpty, parsed.path.isEmpty, parsed.query == nil, parsed.fragment == nil, parsed.user == nil,
                let url = URL(string: text)
            {
                endpoint = url
            } else {
                problems.append(
                    "FANFARE_S3_ENDPOINT: must be the store's address with scheme, host and port only, such as https://s3.eu-central-1.amazonaws.com or http://minio.internal:9000, not '\(raw)'"
                )
                valid = false
            }
        }
        let accessKey = values["FANFARE_S3_ACCESS_KEY_ID"].nonEmpty?.trimmingCharacters(in: .whitespaces)
        if accessKey == nil { problems.append("FANFARE_S3_ACCESS_KEY_ID: must be set when FANFARE_S3_BUCKET is") }
        let secret = values["FANFARE_S3_SECRET_ACCESS_KEY"].nonEmpty?.trimmingCharacters(in: .whitespacesAndNewlines)
        if secret == nil { problems.append("FANFARE_S3_SECRET_ACCESS_KEY: must be set when FANFARE_S3_BUCKET is") }
        var pathStyle = false
        if let raw = values["FANFARE_S3_PATH_STYLE"].nonEmpty {
            switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1", "yes": pathStyle = true
            case "false", "0", "no": pathStyle = false
            default:
                problems.append("FANFARE_S3_PATH_STYLE: must be true (endpoint/bucket/key, as MinIO) or false (bucket.endpoint/key), not '\(raw)'")
                valid = false
            }
        }
        var timeout: TimeInterval = 30
        if let raw = values["FANFARE_S3_TIMEOUT"].nonEmpty {
            if let number = Double(raw.trimmingCharacters(in: .whitespaces)), (1...600).contains(number) {
                timeout = number
            } else {
                problems.append("FANFARE_S3_TIMEOUT: must be a number of seconds from 1 to 600, not '\(raw)'")
                valid = false
            }
        }
        guard valid, let accessKey, let secret else { return nil }
        return S3Configuration(
            endpoint: endpoint, region: region, bucket: bucket, credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret),
            pathStyle: pathStyle, timeout: timeout)
    }

    static func decodeSecretKey(_ raw: String) -> Data? {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, text.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return Data(bytes)
        }
        if let data = Data(base64Encoded: text), data.count == 32 { return data }
        return nil
    }

    private static func checkWritable(_ dir: URL) -> [String] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: dir.path, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return ["FANFARE_DATA_DIR: \(dir.path) is a file; it must be a directory"] }
            if !fm.isWritableFile(atPath: dir.path) { return ["FANFARE_DATA_DIR: \(dir.path) is not writable by this user"] }
            return []
        }
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return []
        } catch {
            return ["FANFARE_DATA_DIR: \(dir.path) does not exist and could not be created"]
        }
    }

    /// The secret key from the setting, or from the data directory, where it
    /// is generated with mode 0600 on first run.
    public func resolveSecretKey() throws -> Data {
        if let secretKey { return secretKey }
        let file = dataDirectory.appendingPathComponent(Self.secretKeyFileName)
        if let existing = try? String(contentsOf: file, encoding: .utf8) {
            guard let key = Self.decodeSecretKey(existing) else {
                throw SettingsProblems(lines: [
                    "\(file.path): does not hold a 32-byte key in hex; restore it from a backup or remove it to generate a new one (sealed credentials would then need reconnecting)"
                ])
            }
            return key
        }
        var generator = SystemRandomNumberGenerator()
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let hex = HexText.lower(key)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SettingsProblems(lines: ["\(file.path): could not write the generated secret key"])
        }
        return key
    }
}

/// The problems that stop a start, one line each.
public struct SettingsProblems: Error, CustomStringConvertible {
    public let lines: [String]
    public var description: String { lines.joined(separator: "\n") }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        guard let self, !self.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return self
    }
}

extension Array where Element == String {
    fileprivate var pairOrSingle: (String, String?) { (self.first ?? "", count > 1 ? self[1] : nil) }
}
