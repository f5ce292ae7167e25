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
