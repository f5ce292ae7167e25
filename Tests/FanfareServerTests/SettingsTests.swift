import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

@Suite struct SettingsTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-settings-\(UUID().uuidString)").path

    @Test func defaultsNeedNothing() throws {
        let (settings, remaining) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir], arguments: ["serve"]).get()
        #expect(settings.port == 8080)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.databaseURL == nil)
        #expect(settings.logLevel == .info)
        #expect(remaining == ["serve"])
        #expect(settings.sqliteFile.path.hasPrefix(dir))
    }

    @Test func flagsWinOverEnvironmentAndAreRemovedFromTheCommand() throws {
        let (settings, remaining) = try Settings.parse(
            environment: ["FANFARE_DATA_DIR": dir, "PORT": "9000"],
            arguments: ["serve", "--port", "9100", "--log-level=debug", "--demo", "--hostname", "0.0.0.0"]
        ).get()
        #expect(settings.port == 9100)
        #expect(settings.logLevel == .debug)
        #expect(settings.demo)
        #expect(settings.host == "0.0.0.0")
        #expect(remaining == ["serve"])
    }

    @Test func aPostgreSQLServerIsReachedByHostOrByItsLocalSocket() throws {
        for url in ["postgres://fanfare@db.internal:5432/fanfare", "postgres+uds://fanfare@localhost/run/postgresql/.s.PGSQL.5432#fanfare"] {
            let (settings, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir, "DATABASE_URL": url], arguments: []).get()
            #expect(settings.databaseURL == url)
        }
        for url in ["postgres+uds://fanfare@localhost/run/postgresql#fanfare", "postgres:///fanfare"] {
            guard case .failure(let problems) = Settings.parse(environment: ["FANFARE_DATA_DIR": dir, "DATABASE_URL": url], arguments: []) else {
                Issue.record("accepted \(url)")
                continue
            }
            #expect(problems.lines.first?.contains(".s.PGSQL.5432") == true, "the message shows the socket form")
        }
    }

    @Test func everyWrongSettingIsReportedOnItsOwnLine() {
        let result = Settings.parse(
            environment: [
                "FANFARE_DATA_DIR": dir, "PORT": "eighty", "LOG_LEVEL": "loud",
                "DATABASE_URL": "mysql://x", "FANFARE_SECRET_KEY": "short", "FANFARE_WORKER_BATCH": "0",
                "FANFARE_WORKER_CONCURRENCY": "lots",
            ], arguments: [])
        guard case .failure(let problems) = result else { Issue.record("accepted bad settings"); return }
        #expect(problems.lines.count == 6)
        for name in ["PORT", "LOG_LEVEL", "DATABASE_URL", "FANFARE_SECRET_KEY", "FANFARE_WORKER_BATCH", "FANFARE_WORKER_CONCURRENCY"] {
            #expect(problems.lines.contains { $0.hasPrefix(name + ":") }, "no line for \(name)")
        }
        #expect(problems.lines.contains("FANFARE_WORKER_BATCH: must be a whole number from 1 to 5000, not '0'"))
    }

    @Test func outboundRangesAndWorkspaceCreatorsAreReadAndDefaultClosed() throws {
        let (defaults, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir], arguments: []).get()
        #expect(defaults.outboundAllow.isEmpty, "only the public internet unless the operator says otherwise")
        #expect(defaults.workspaceCreators == .admins)
        #expect(defaults.outboundPolicy.decide(try #require(IPAddress("10.0.0.5"))) == .refused(.privateUse))

        let (settings, remaining) = try Settings.parse(
            environment: ["FANFARE_DATA_DIR": dir, "FANFARE_OUTBOUND_ALLOW": "127.0.0.1", "FANFARE_WORKSPACE_CREATORS": "admins"],
            arguments: ["serve", "--outbound-allow", " 192.168.10.0/24, fd00:1::/32 ,10.1.2.3", "--workspace-creators=Everyone"]
        ).get()
        #expect(remaining == ["serve"])
        #expect(settings.outboundAllow.map(\.description) == ["192.168.10.0/24", "fd00:1::/32", "10.1.2.3/32"], "the flag wins")
        #expect(settings.workspaceCreators == .everyone)
        #expect(settings.outboundPolicy.decide(try #require(IPAddress("192.168.10.9"))) == .allowed)
        #expect(settings.outboundPolicy.decide(try #require(IPAddress("10.1.2.4"))) == .refused(.privateUse))
    }

    @Test func everyWrongOutboundEntryIsNamedOnItsOwnLine() {
        let result = Settings.parse(
            environment: [
                "FANFARE_DATA_DIR": dir, "FANFARE_OUTBOUND_ALLOW": "10.0.0.0/8,lan,10.1.2.3/8,,192.168.1.0/33,10/8",
                "FANFARE_WORKSPACE_CREATORS": "anyone",
            ], arguments: [])
        guard case .failure(let problems) = result else { Issue.record("accepted bad settings"); return }
        #expect(
            problems.lines == [
                "FANFARE_OUTBOUND_ALLOW: 'lan' is not an IP address or CIDR range such as 10.0.0.0/8, 192.168.1.20 or fd00::/8",
                "FANFARE_OUTBOUND_ALLOW: '10.1.2.3/8' has bits set after the prefix; write the block as 10.0.0.0/8, or the one address without a prefix",
                "FANFARE_OUTBOUND_ALLOW: has an empty entry; separate addresses and CIDR ranges with single commas",
                "FANFARE_OUTBOUND_ALLOW: '192.168.1.0/33' has a prefix length that is not a whole number from 0 to 32",
                "FANFARE_OUTBOUND_ALLOW: '10/8' is not an IP address or CIDR range such as 10.0.0.0/8, 192.168.1.20 or fd00::/8",
                "FANFARE_WORKSPACE_CREATORS: must be 'admins' (only instance administrators create workspaces) or 'everyone', not 'anyone'",
            ])
    }

    @Test func trustedProxiesAndThePublicURLAreReadAndChecked() throws {
        let (settings, _) = try Settings.parse(
            environment: ["FANFARE_DATA_DIR": dir, "FANFARE_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"],
            arguments: ["--public-url", "https://fanfare.example.com/"]
        ).get()
        #expect(settings.trustedProxies.ranges.map(\.description) == ["10.0.0.0/8", "127.0.0.1/32"])
        #expect(settings.linkBase == "https://fanfare.example.com")
        let result = Settings.parse(
            environment: ["FANFARE_DATA_DIR": dir, "FANFARE_TRUSTED_PROXIES": "proxy.lan", "FANFARE_PUBLIC_URL": "fanfare.example.com"],
            arguments: [])
        guard case .failure(let problems) = result else { Issue.record("accepted bad settings"); return }
        #expect(
            problems.lines == [
                "FANFARE_PUBLIC_URL: must be the address people open, an http or https URL without query or fragment such as https://fanfare.example.com, not 'fanfare.example.com'",
                "FANFARE_TRUSTED_PROXIES: 'proxy.lan' is not an IP address or CIDR range such as 10.0.0.0/8, 192.168.1.20 or fd00::/8",
            ])
    }

    /// Issue 16: the lexicon limit, the engine cache's budget and the
    /// metrics token, each wrong value a line of its own naming what would do.
    @Test func lexiconLimitEngineCacheAndMetricsTokenSettings() throws {
        let (defaults, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir], arguments: []).get()
        #expect(defaults.lexiconMaxTerms == 100_000)
        #expect(defaults.engineCacheMegabytes == 256)
        #expect(defaults.metricsToken == nil)
        let (set, remaining) = try Settings.parse(
            environment: ["FANFARE_DATA_DIR": dir, "FANFARE_ENGINE_CACHE_MB": "64", "FANFARE_METRICS_TOKEN": "0123456789abcdef0123"],
            arguments: ["serve", "--lexicon-max-terms", "5000", "--engine-cache-mb=512"]
        ).get()
        #expect(set.lexiconMaxTerms == 5_000)
        #expect(set.engineCacheMegabytes == 512, "the flag wins")
        #expect(set.metricsToken == "0123456789abcdef0123")
        #expect(remaining == ["serve"])
        let result = Settings.parse(
            environment: [
                "FANFARE_DATA_DIR": dir, "FANFARE_LEXICON_MAX_TERMS": "0", "FANFARE_ENGINE_CACHE_MB": "lots", "FANFARE_METRICS_TOKEN": "short",
            ], arguments: [])
        guard case .failure(let problems) = result else { Issue.record("accepted bad settings"); return }
        #expect(problems.lines.count == 3)
        #expect(problems.lines.contains("FANFARE_LEXICON_MAX_TERMS: must be a whole number of entries per workspace from 1 to 10000000, not '0'"))
        #expect(problems.lines.contains("FANFARE_ENGINE_CACHE_MB: must be a whole number of MiB from 1 to 1048576, not 'lots'"))
        #expect(
            problems.lines.contains { $0.hasPrefix("FANFARE_METRICS_TOKEN: must be 16 to 256 visible ASCII characters") && !$0.contains("short") })
    }

    @Test func connectionLimitsHaveDefaultsAndAreReadFromFlagsAndEnvironment() throws {
        let (defaults, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir], arguments: []).get()
        #expect(defaults.connections == ConnectionLimits())
        #expect(defaults.connections.headerTimeout == 15)
        #expect(defaults.connections.idleTimeout == 75)
        #expect(defaults.connections.effectiveMaxConnections == ConnectionLimits.openFileLimit() - ConnectionLimits.descriptorReserve)

        let (settings, remaining) = try Settings.parse(
            environment: [
                "FANFARE_DATA_DIR": dir, "FANFARE_HEADER_TIMEOUT": "30", "FANFARE_BODY_TIMEOUT": "0.5", "FANFARE_IDLE_TIMEOUT": "20",
                "FANFARE_MAX_HEADER_BYTES": "16384",
            ],
            arguments: ["serve", "--header-timeout", "5", "--max-connections=100"]
        ).get()
        #expect(remaining == ["serve"])
        #expect(settings.connections.headerTimeout == 5)
        #expect(settings.connections.bodyTimeout == 0.5)
        #expect(settings.connections.idleTimeout == 20)
        #expect(settings.connections.maxConnections == 100)
        #expect(settings.connections.maxHeaderBytes == 16_384)
    }

    @Test func wrongConnectionLimitsAreReportedWithTheirRange() {
        let tooMany = String(ConnectionLimits.openFileLimit() + 1)
        let result = Settings.parse(
            environment: [
                "FANFARE_DATA_DIR": dir, "FANFARE_HEADER_TIMEOUT": "0", "FANFARE_BODY_TIMEOUT": "soon", "FANFARE_IDLE_TIMEOUT": "-1",
                "FANFARE_MAX_CONNECTIONS": tooMany, "FANFARE_MAX_HEADER_BYTES": "100",
            ], arguments: [])
        guard case .failure(let problems) = result else { Issue.record("accepted bad settings"); return }
        #expect(problems.lines.count == 5)
        #expect(problems.lines.contains("FANFARE_HEADER_TIMEOUT: must be a number of seconds from 0.05 to 86400, not '0'"))
        #expect(problems.lines.contains("FANFARE_MAX_HEADER_BYTES: must be a number of bytes from 1024 to 1048576, not '100'"))
        let highest = ConnectionLimits.highestMaxConnections()
        let cap = "FANFARE_MAX_CONNECTIONS: must be a whole number from 1 to \(highest) "
        #expect(problems.lines.contains { $0.hasPrefix(cap) && $0.hasSuffix("not '\(tooMany)'") })
        for name in ["FANFARE_BODY_TIMEOUT", "FANFARE_IDLE_TIMEOUT"] {
            #expect(problems.lines.contains { $0.hasPrefix(name + ": must be a number of seconds") }, "no line for \(name)")
        }
    }

    @Test func aDataDirectoryThatIsAFileIsRefused() throws {
        let file = dir + ".file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        guard case .failure(let problems) = Settings.parse(environment: ["FANFARE_DATA_DIR": file], arguments: []) else {
            Issue.record("accepted a file as data directory"); return
        }
        #expect(problems.lines == ["FANFARE_DATA_DIR: \(file) is a file; it must be a directory"])
    }

    @Test func theSecretKeyIsGeneratedOnceWithMode0600AndReused() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (settings, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir], arguments: []).get()
        let first = try settings.resolveSecretKey()
        let second = try settings.resolveSecretKey()
        #expect(first.count == 32)
        #expect(first == second)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/secret.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aGivenSecretKeyIsAcceptedAsHexOrBase64() throws {
        let hex = String(repeating: "ab", count: 32)
        let (a, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir, "FANFARE_SECRET_KEY": hex], arguments: []).get()
        #expect(a.secretKey == Data(repeating: 0xAB, count: 32))
        let b64 = Data(repeating: 7, count: 32).base64EncodedString()
        let (b, _) = try Settings.parse(environment: ["FANFARE_DATA_DIR": dir, "FANFARE_SECRET_KEY": b64], arguments: []).get()
        #expect(b.secretKey == Data(repeating: 7, count: 32))
    }
}
