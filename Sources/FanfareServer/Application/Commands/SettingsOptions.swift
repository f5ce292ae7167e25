import ArgumentParser
import Foundation

/// The settings as command-line options, shared by every command that
/// opens the database (`serve`, `worker`, `migrate`, `user`, `token`,
/// `backup`, `restore`).
///
/// Each option is read as text and handed, with the environment, to
/// `Settings.parse`, which checks flags and variables alike and reports
/// every wrong value on a line of its own. Typed options would have the
/// parser stop at the first bad number, and check a flag differently from
/// its variable.
struct SettingsOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"), help: setting("SQLite database, secret key, demo password, serve lock.", "FANFARE_DATA_DIR", "./fanfare-data"))
    var dataDir: String?

    @Option(
        name: .customLong("database-url"),
        help: setting("postgres://user:password@host:5432/db (or postgres+uds://…) to use PostgreSQL.", "DATABASE_URL", "unset: SQLite"))
    var databaseURL: String?

    @Option(name: [.customLong("host"), .customLong("hostname")], help: setting("Address to listen on (0.0.0.0 for all).", "HOST", "127.0.0.1"))
    var host: String?

    @Option(name: .customLong("port"), help: setting("Port to listen on.", "PORT", "8080"))
    var port: String?

    @Option(
        name: .customLong("log-level"),
        help: setting("trace, debug, info, notice, warning, error or critical.", "LOG_LEVEL", "info"))
    var logLevel: String?

    @Option(
        name: .customLong("worker-concurrency"),
        help: setting("Claim loops one worker process runs at once (1–256).", "FANFARE_WORKER_CONCURRENCY", "1"))
    var workerConcurrency: String?

    @Option(name: .customLong("worker-batch"), help: setting("Due jobs one loop claims at a time (1–5000).", "FANFARE_WORKER_BATCH", "250"))
    var workerBatch: String?

    @Option(
        name: .customLong("sandbox-failure-rate"),
        help: setting("Share of first publishing attempts the Sandbox fails on purpose (0–1).", "FANFARE_SANDBOX_FAILURE_RATE", "0.02"))
    var sandboxFailureRate: String?

    @Option(
        name: .customLong("outbound-allow"),
        help: setting("Addresses or CIDR ranges the outbound guard may reach besides the internet.", "FANFARE_OUTBOUND_ALLOW", "none"))
    var outboundAllow: String?

    @Option(
        name: .customLong("workspace-creators"),
        help: setting("Who may create workspaces: admins or everyone.", "FANFARE_WORKSPACE_CREATORS", "admins"))
    var workspaceCreators: String?

    @Option(
        name: .customLong("public-url"),
        help: setting("The address people open; every absolute link starts with it.", "FANFARE_PUBLIC_URL", "http://HOST:PORT"))
    var publicURL: String?

    @Option(
        name: .customLong("trusted-proxies"),
        help: setting("Addresses or CIDR ranges of the reverse proxies in front.", "FANFARE_TRUSTED_PROXIES", "none"))
    var trustedProxies: String?

    @Option(
        name: .customLong("lexicon-max-terms"),
        help: setting("Entries one workspace's lexicon may hold (1–10,000,000).", "FANFARE_LEXICON_MAX_TERMS", "100000"))
    var lexiconMaxTerms: String?

    @Option(
        name: .customLong("engine-cache-mb"),
        help: setting("MiB the compiled lexicons of one process may hold (1–1,048,576).", "FANFARE_ENGINE_CACHE_MB", "256"))
    var engineCacheMegabytes: String?

    @Option(
        name: .customLong("header-timeout"),
        help: setting("Seconds to send a request's line and headers (0.05–86400).", "FANFARE_HEADER_TIMEOUT", "15"))
    var headerTimeout: String?

    @Option(
        name: .customLong("body-timeout"), help: setting("Seconds for a request's body to arrive (0.05–86400).", "FANFARE_BODY_TIMEOUT", "60"))
    var bodyTimeout: String?

    @Option(
        name: .customLong("idle-timeout"),
        help: setting("Seconds a kept-alive connection may wait for its next request (0.05–86400).", "FANFARE_IDLE_TIMEOUT", "75"))
    var idleTimeout: String?

    @Option(
        name: .customLong("max-connections"),
        help: setting("Client connections open at once, or auto (open-file limit less 256).", "FANFARE_MAX_CONNECTIONS", "auto"))
    var maxConnections: String?

    @Option(
        name: .customLong("max-header-bytes"),
        help: setting("Request line and headers together, in bytes (1024–1048576).", "FANFARE_MAX_HEADER_BYTES", "32768"))
    var maxHeaderBytes: String?

    @Option(
        name: .customLong("s3-bucket"),
        help: setting("Keep uploaded files in this bucket of an S3-compatible store.", "FANFARE_S3_BUCKET", "unset: the data directory"))
    var s3Bucket: String?

    @Option(
        name: .customLong("s3-endpoint"),
        help: setting("The store's address: scheme, host and port.", "FANFARE_S3_ENDPOINT", "https://s3.REGION.amazonaws.com"))
    var s3Endpoint: String?

    @Option(name: .customLong("s3-region"), help: setting("The region the requests are signed for.", "FANFARE_S3_REGION", "us-east-1"))
    var s3Region: String?

    @Option(
        name: .customLong("s3-access-key-id"),
        help: setting("The access key; its secret is FANFARE_S3_SECRET_ACCESS_KEY (environment only).", "FANFARE_S3_ACCESS_KEY_ID", "unset"))
    var s3AccessKeyID: String?

    @Option(
        name: .customLong("s3-path-style"),
        help: setting("true: endpoint/bucket/key (MinIO); false: bucket.endpoint/key.", "FANFARE_S3_PATH_STYLE", "false"))
    var s3PathStyle: String?

    @Option(name: .customLong("s3-timeout"), help: setting("Seconds any call to the store may wait (1–600).", "FANFARE_S3_TIMEOUT", "30"))
    var s3Timeout: String?

    init() {}

    /// "… [env: NAME] (default: …)", as every option's help says it.
    static func setting(_ text: String, _ variable: String, _ value: String) -> ArgumentHelp {
        ArgumentHelp("\(text) [env: \(variable)] (default: \(value))")
    }

    /// What was given on the command line, as `Settings.parse` reads flags.
    var arguments: [String] {
        let given: [(String, String?)] = [
            ("--data-dir", dataDir), ("--database-url", databaseURL), ("--host", host), ("--port", port), ("--log-level", logLevel),
            ("--worker-concurrency", workerConcurrency), ("--worker-batch", workerBatch), ("--sandbox-failure-rate", sandboxFailureRate),
            ("--outbound-allow", outboundAllow), ("--workspace-creators", workspaceCreators), ("--public-url", publicURL),
            ("--trusted-proxies", trustedProxies), ("--lexicon-max-terms", lexiconMaxTerms), ("--engine-cache-mb", engineCacheMegabytes),
            ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout),
            ("--max-connections", maxConnections), ("--max-header-bytes", maxHeaderBytes), ("--s3-bucket", s3Bucket),
            ("--s3-endpoint", s3Endpoint), ("--s3-region", s3Region), ("--s3-access-key-id", s3AccessKeyID), ("--s3-path-style", s3PathStyle),
            ("--s3-timeout", s3Timeout),
        ]
        return given.compactMap { flag, value in value.map { "\(flag)=\($0)" } }
    }

    /// The settings from these flags (which win) and `environment`, or
    /// every problem, one line each.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment, demo: Bool = false) throws -> Settings {
        try Settings.parse(environment: environment, arguments: arguments + (demo ? ["--demo"] : [])).get().settings
    }

    /// Settings that live only in the environment, said once in `fanfare --help`.
    /// One paragraph each: the help wraps long lines without keeping an indent.
    static let environmentOnly = """
        Three settings have no flag, since a value on the command line is visible to every user of the machine in `ps`:

        FANFARE_SECRET_KEY: 32 bytes as 64 hex digits or base64; encrypts connector credentials (default: generated into the data directory).

        FANFARE_METRICS_TOKEN: the bearer token /metrics answers to, 16–256 visible ASCII characters (default: unset, /metrics is not served).

        FANFARE_S3_SECRET_ACCESS_KEY: the secret of FANFARE_S3_ACCESS_KEY_ID, for an S3-compatible media store (default: unset).

        Flags win over the environment. A wrong value stops the command with one line per problem (exit status 2).
        """
}
