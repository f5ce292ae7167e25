import FanfareCore
import Fluent
import Vapor

/// `/api/v1/me`, `/api/v1/roles` and `/api/v1/tokens`: the caller's own account.
struct AccountAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("me", use: me)
        routes.patch("me", use: updateMe)
        routes.get("roles", use: roles)
        routes.get("tokens", use: tokens)
        routes.post("tokens", use: createToken)
        routes.delete("tokens", ":token_id", use: revokeToken)
    }

    @Sendable func me(req: Request) async throws -> UserDTO {
        UserDTO(try req.signedInUser)
    }

    struct ProfileInput: Content {
        var displayName: String?
        var locale: String?
        var timeZone: String?
    }

    @Sendable func updateMe(req: Request) async throws -> UserDTO {
        let user = try req.signedInUser
        let input = try req.decodeInput(ProfileInput.self)
        try await PeopleService(db: req.db, passwords: req.password.async).updateProfile(
            user, .init(displayName: input.displayName, locale: input.locale, timeZone: input.timeZone), actor: req.actor)
        return UserDTO(user)
    }

    struct RoleDTO: Content {
        var role: String
        var actions: [String]
    }

    /// The permission matrix, so clients and people can see who may do what.
    @Sendable func roles(req: Request) async throws -> [RoleDTO] {
        Role.allCases.map { role in
            RoleDTO(role: role.rawValue, actions: WorkspaceAction.allCases.filter { PermissionMatrix.standard.allows(role, $0) }.map(\.rawValue))
        }
    }

    @Sendable func tokens(req: Request) async throws -> [APITokenDTO] {
        try await TokenService(db: req.db).list(for: try req.signedInUser).map { APITokenDTO($0) }
    }

    struct TokenInput: Content {
        var name: String?
        var scopes: [String]?
    }

    @Sendable func createToken(req: Request) async throws -> Response {
        let input = try req.decodeInput(TokenInput.self)
        let (model, token) = try await TokenService(db: req.db).create(
            for: try req.signedInUser, name: input.name ?? "", scopes: input.scopes, actor: req.actor)
        return try await APITokenDTO(model, token: token).encodeResponse(status: .created, for: req)
    }

    @Sendable func revokeToken(req: Request) async throws -> HTTPStatus {
        try await TokenService(db: req.db).revoke(req.parameters.get("token_id"), of: try req.signedInUser, actor: req.actor)
        return .noContent
    }
}
