import FanfareConnectors
import FanfareCore
import Fluent
import FluentPostgresDriver
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import FanfareServer

/// A configured application on a fresh database, migrated, with helpers
/// to act as people through the API and the pages.
struct TestApp {
    let app: Application
    let database: TestDatabase
    let dataDirectory: URL

    var db: any Database { app.db }
}

/// Runs `body` against a fresh, migrated application on `database`, and
/// throws the database away afterwards. `adjust` changes the settings the
/// application starts with (the defaults are production's).
func withTestApp(
    _ database: TestDatabase, settings adjust: (inout Settings) -> Void = { _ in }, _ body: (TestApp) async throws -> Void
) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var databaseURL: String?
    var dropName: String?
    if database == .postgres {
        let cluster = try PostgresCluster.shared.get()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await adminQuery(cluster.baseURL, "CREATE DATABASE \(name)")
        databaseURL = "\(cluster.baseURL)/\(name)"
        dropName = String(name)
    }
    var settings = Settings(
        dataDirectory: dir, databaseURL: databaseURL, secretKey: Data(repeating: 1, count: 32),
        host: "127.0.0.1", port: 0, logLevel: .warning, demo: false)
    adjust(&settings)
    let app = try await Application.make(.testing)
    do {
        try await configure(app, settings: settings, options: RuntimeOptions(bcryptCost: 4, inProcessWorker: false, sandboxFailureRate: 0))
        // The production transport, guard and all, but no name is looked up
        // on the network: tests talk to loopback only.
        app.outboundResolver = OfflineResolver()
        try await app.autoMigrate()
        try await body(TestApp(app: app, database: database, dataDirectory: dir))
    } catch {
        try? await app.asyncShutdown()
        if let dropName, let base = try? PostgresCluster.shared.get().baseURL {
            try? await adminQuery(base, "DROP DATABASE IF EXISTS \(dropName) WITH (FORCE)")
        }
        throw error
    }
    try await app.asyncShutdown()
    if let dropName, let base = try? PostgresCluster.shared.get().baseURL {
        try? await adminQuery(base, "DROP DATABASE IF EXISTS \(dropName) WITH (FORCE)")
    }
}

/// One statement on the cluster's maintenance database.
private func adminQuery(_ baseURL: String, _ sql: String) async throws {
    let config = try SQLPostgresConfiguration(url: baseURL + "/postgres")
    let connection = try await PostgresConnection.connect(
        configuration: .init(
            host: config.coreConfiguration.host ?? "127.0.0.1", port: config.coreConfiguration.port ?? 5432,
            username: "postgres", password: nil, database: "postgres", tls: .disable), id: 1, logger: Logger(label: "test-admin"))
    defer { Task { try? await connection.close() } }
    _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin"))
}

// MARK: - People and tokens

extension TestApp {
    @discardableResult
    func makeUser(_ email: String, password: String = "correct horse battery", admin: Bool = false, locale: String = "en") async throws -> User {
        try await PeopleService(db: db, passwords: app.password.async).create(
            .init(
                email: email, displayName: String(email.split(separator: "@")[0]), password: password, locale: locale, timeZone: "Asia/Shanghai",
                isAdmin: admin),
            actor: .system)
    }

    func makeToken(_ user: User, scopes: [String]? = nil) async throws -> String {
        try await TokenService(db: db).create(for: user, name: "test", scopes: scopes, actor: .system).1
    }

    /// A user with a token, admin of a new workspace.
    func makeWorkspaceAdmin(_ email: String, workspace: String) async throws -> (user: User, token: String, workspace: Workspace) {
        let user = try await makeUser(email)
        let token = try await makeToken(user)
        let ws = try await WorkspaceService(db: db).create(.init(name: workspace, slug: nil, timeZone: nil), by: user, actor: .system)
        return (user, token, ws)
    }

    /// Adds `user` to `workspace` with `role`.
    @discardableResult
    func addMember(_ user: User, to workspace: Workspace, as role: Role) async throws -> Membership {
        let m = Membership(workspaceID: workspace.id!, userID: user.id!, role: role, now: Date())
        try await m.create(on: db)
        return m
    }
}

// MARK: - HTTP

struct Reply {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var jsonArray: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? [] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    var problemFields: [String] { (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }
}

extension TestApp {
    /// A JSON API request with a bearer token.
    func api(
        _ method: HTTPMethod, _ path: String, token: String?, json: [String: Any]? = nil, rawBody: String? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> Reply {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            headers.contentType = .json
        } else if let rawBody {
            body = ByteBuffer(string: rawBody)
            headers.contentType = .json
        }
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        return Reply(status: response.status, headers: response.headers, body: response.body.string)
    }
}

/// A person using the pages: keeps cookies and the last CSRF token seen in
/// a form, as a browser would.
final class Browser: @unchecked Sendable {
    let app: Application
    /// Every cookie the server set and did not expire, by name.
    var cookies: [String: String] = [:]
    var csrf: String?
    var acceptLanguage = "en"
    /// Extra headers sent with every request (a proxy's, say).
    var extraHeaders: [(String, String)] = []

    /// The session cookie.
    var cookie: String? {
        get { cookies["fanfare_session"] }
        set { cookies["fanfare_session"] = newValue }
    }

    init(_ testApp: TestApp) { app = testApp.app }

    @discardableResult
    func get(_ path: String) async throws -> Reply {
        try await send(.GET, path, form: nil)
    }

    /// Posts a form, adding the CSRF token unless `csrf: false`.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf includeCSRF: Bool = true) async throws -> Reply {
        var fields = fields
        if includeCSRF, let csrf { fields.append(("csrf_token", csrf)) }
        return try await send(.POST, path, form: fields)
    }

    /// Sends a body of any type (a multipart upload), with the cookies.
    func send(_ method: HTTPMethod, _ path: String, body: Data, contentType: String) async throws -> Reply {
        try await send(method, path, form: nil, raw: (body, contentType))
    }

    private func send(_ method: HTTPMethod, _ path: String, form: [(String, String)]?, raw: (Data, String)? = nil) async throws -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .acceptLanguage, value: acceptLanguage)
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        for (name, value) in extraHeaders { headers.replaceOrAdd(name: name, value: value) }
        var body: ByteBuffer?
        if let form {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let encoded = form.map {
                "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
            }.joined(separator: "&")
            body = ByteBuffer(string: encoded)
            headers.contentType = .urlEncodedForm
        }
        if let (data, contentType) = raw {
            body = ByteBuffer(data: data)
            headers.replaceOrAdd(name: .contentType, value: contentType)
        }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        for value in response.headers[.setCookie] {
            let pair = value.prefix { $0 != ";" }
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]), raw = String(pair[pair.index(after: equals)...])
            // Expired: Max-Age=0 or an Expires date in 1970 (not "1970" anywhere: a random cookie value may hold it).
            let lower = value.lowercased()
            let expired = lower.contains("max-age=0") || (lower.contains("expires=") && lower.contains(" 1970 "))
            cookies[name] = raw.isEmpty || expired ? nil : raw
        }
        let text = response.body.string
        // Our own markup escaped into text means a fragment was typed as a
        // String instead of HTML: every page test catches it here.
        for tag in ["&lt;table", "&lt;p ", "&lt;tr", "&lt;form", "&lt;/"] where text.contains(tag) {
            Issue.record("\(method) \(path) shows escaped markup (\(tag))")
        }
        if let range = text.range(of: "name=\"csrf_token\" value=\"") {
            csrf = String(text[range.upperBound...].prefix { $0 != "\"" })
        }
        return Reply(status: response.status, headers: response.headers, body: text)
    }

    /// Signs in through the form, after loading it for the CSRF token.
    func signIn(_ email: String, password: String = "correct horse battery") async throws -> Reply {
        try await get("/sign-in")
        return try await post("/sign-in", [("email", email), ("password", password)])
    }
}

/// Answers no name: the guarded transport in server tests reaches address
/// literals (loopback stubs the test allowed) and nothing else, and asks no
/// DNS server.
struct OfflineResolver: HostResolver {
    struct NoNetwork: Error {}
    func addresses(of host: String, timeout: TimeInterval) async throws -> [IPAddress] { throw NoNetwork() }
}
