import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/accounts`: the workspace's connected accounts.
struct AccountsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("accounts", use: list)
        ws.post("accounts", use: connect)
        ws.get("accounts", ":account_id", use: show)
        ws.delete("accounts", ":account_id", use: disconnect)
        ws.get("accounts", ":account_id", "stats", use: stats)
        ws.post("accounts", ":account_id", "reconnect", use: reconnect)
        ws.get("platform-apps", use: listApps)
        ws.get("platform-apps", ":platform", use: showApp)
        ws.put("platform-apps", ":platform", use: saveApp)
        ws.delete("platform-apps", ":platform", use: removeApp)
    }

    struct ReconnectInput: Content {
        /// The platform's connection fields, as when connecting.
        var fields: [String: String]?
    }

    /// New credentials for the same account (its history stays); the
    /// platform must name that same account.
    @Sendable func reconnect(req: Request) async throws -> SocialAccountDTO {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("account_id")
        // Another workspace's account is 404 before the body is read.
        _ = try await access.find(SocialAccount.self, rawID, on: req.db, what: "Account")
        let input = try req.decodeInput(ReconnectInput.self)
        return SocialAccountDTO(
            try await AccountService(db: req.db, app: req.application).reconnect(rawID, fields: input.fields ?? [:], in: access, actor: req.actor))
    }

    @Sendable func listApps(req: Request) async throws -> [PlatformAppDTO] {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let service = SignInService(db: req.db, app: req.application)
        return try await PlatformApps(db: req.db, app: req.application).all(in: access.workspaceID).map {
            PlatformAppDTO($0, redirectURI: service.redirectURI($0.platform))
        }
    }

    @Sendable func showApp(req: Request) async throws -> PlatformAppDTO {
        let access = try req.workspaceAccess
        guard let flow = PlatformApps.flow(req.parameters.get("platform")) else { throw Abort(.notFound) }
        try access.require(.workspaceUpdate)
        guard let row = try await PlatformApps(db: req.db, app: req.application).find(flow.platform, in: access.workspaceID) else {
            throw Problem(.notFound, "This workspace has no \(flow.platform) app yet.")
        }
        return PlatformAppDTO(row, redirectURI: SignInService(db: req.db, app: req.application).redirectURI(flow.platform))
    }

    struct AppInput: Content {
        /// The app's fields by key (`client_id`, `client_secret`, …); an
        /// absent or empty secret keeps the stored one.
        var fields: [String: String]?
    }

    @Sendable func saveApp(req: Request) async throws -> PlatformAppDTO {
        let access = try req.workspaceAccess
        guard let flow = PlatformApps.flow(req.parameters.get("platform")) else { throw Abort(.notFound) }
        let input = try req.decodeInput(AppInput.self)
        let row = try await PlatformApps(db: req.db, app: req.application).save(
            flow.platform, fields: input.fields ?? [:], in: access, actor: req.actor)
        return PlatformAppDTO(row, redirectURI: SignInService(db: req.db, app: req.application).redirectURI(flow.platform))
    }

    @Sendable func removeApp(req: Request) async throws -> HTTPStatus {
        try await PlatformApps(db: req.db, app: req.application).remove(req.parameters.get("platform"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    @Sendable func list(req: Request) async throws -> Page<SocialAccountDTO> {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let page = try req.pageRequest()
        let query = access.query(SocialAccount.self, on: req.db)
        if let after = page.after { query.filter(\.$id > after) }
        let rows = try await query.sort(\.$id).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        return Page(items: items.map(SocialAccountDTO.init), nextCursor: next)
    }

    struct ConnectInput: Content {
        var platform: String?
        var handle: String?
        var displayName: String?
        var simulates: String?
        /// Real platforms: the connection fields the platform lists.
        var fields: [String: String]?
    }

    @Sendable func connect(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(ConnectInput.self)
        let account = try await AccountService(db: req.db, app: req.application).connect(
            .init(
                platform: input.platform ?? "", handle: input.handle ?? "", displayName: input.displayName, simulates: input.simulates,
                fields: input.fields ?? [:]), in: access, actor: req.actor)
        return try await SocialAccountDTO(account).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> SocialAccountDTO {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        return SocialAccountDTO(try await access.find(SocialAccount.self, req.parameters.get("account_id"), on: req.db, what: "Account"))
    }

    @Sendable func disconnect(req: Request) async throws -> HTTPStatus {
        try await AccountService(db: req.db, app: req.application).disconnect(
            req.parameters.get("account_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    struct StatsDTO: Content {
        var followers: Int
        var posts: Int
        var at: Date
    }

    /// The account's numbers, asked of the platform now.
    @Sendable func stats(req: Request) async throws -> StatsDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let account = try await access.find(SocialAccount.self, req.parameters.get("account_id"), on: req.db, what: "Account")
        let stats = try await AccountStatsReader.read(account, app: req.application, db: req.db)
        return StatsDTO(followers: stats.followers, posts: stats.posts, at: stats.at)
    }
}

/// Asks a platform for an account's numbers, turning connector errors into
/// problems a person can act on.
enum AccountStatsReader {
    static func read(_ account: SocialAccount, app: Application, db: any Database) async throws -> AccountStats {
        let connector = try AccountService(db: db, app: app).connector(for: account)
        do {
            return try await connector.accountStats()
        } catch {
            throw Problem(.badGateway, ConnectorMessages.text(error), type: "connector")
        }
    }
}

/// Connector errors in words a person can act on.
enum ConnectorMessages {
    static func text(_ error: ConnectorError) -> String {
        switch error {
        case .expiredCredentials: "The platform no longer accepts this account's authorisation: reconnect the account."
        case .rateLimited(let wait): "The platform asks to slow down: try again in \(Int(wait.rounded(.up))) seconds."
        case .rejected(let reason): "The platform refused: \(reason)"
        case .outcomeUnknown(let reason): "No answer from the platform (\(reason)); Fanfare checks with the platform before trying again."
        case .temporary(let reason): "The platform had a passing fault (\(reason)); try again shortly."
        case .notSupported(let what): "The platform does not support \(what)."
        case .notFound: "The platform no longer has it."
        }
    }
}
