import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces` and everything under one workspace: members,
/// invitations.
struct WorkspaceAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("workspaces", use: list)
        routes.post("workspaces", use: create)
        routes.post("invitations", ":token", "accept", use: accept)
    }

    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get(use: show)
        ws.patch(use: update)
        ws.get("members", use: members)
        ws.get("members", ":member_id", use: member)
        ws.patch("members", ":member_id", use: changeRole)
        ws.delete("members", ":member_id", use: removeMember)
        ws.get("invitations", use: invitations)
        ws.post("invitations", use: invite)
        ws.delete("invitations", ":invitation_id", use: revokeInvitation)
    }

    @Sendable func list(req: Request) async throws -> Page<WorkspaceDTO> {
        let all = try await WorkspaceService(db: req.db).memberships(of: try req.signedInUser)
        return Page(items: all.map { WorkspaceDTO($0.workspace, role: $0.role) }, nextCursor: nil)
    }

    struct WorkspaceInput: Content {
        var name: String?
        var slug: String?
        var timeZone: String?
    }

    @Sendable func create(req: Request) async throws -> Response {
        let user = try req.signedInUser
        // Checked before the body: the answer to someone who may not create
        // one is the same whatever they sent.
        guard req.application.settings.workspaceCreators.allows(isInstanceAdmin: user.isAdmin) else {
            throw Problem(
                .forbidden,
                "Only instance administrators create workspaces on this instance (FANFARE_WORKSPACE_CREATORS); ask one to create it and invite you.",
                type: "workspace-creators")
        }
        let input = try req.decodeInput(WorkspaceInput.self)
        let workspace = try await WorkspaceService(db: req.db).create(
            .init(name: input.name ?? "", slug: input.slug, timeZone: input.timeZone), by: user, actor: req.actor)
        return try await WorkspaceDTO(workspace, role: .admin).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> WorkspaceDTO {
        let access = try req.workspaceAccess
        return WorkspaceDTO(access.workspace, role: access.role)
    }

    @Sendable func update(req: Request) async throws -> WorkspaceDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(WorkspaceInput.self)
        if input.slug != nil, input.slug != access.workspace.slug {
            throw ValidationErrors("slug", .immutableAfterCreation)
        }
        let workspace = try await WorkspaceService(db: req.db).update(access, name: input.name, timeZone: input.timeZone, actor: req.actor)
        return WorkspaceDTO(workspace, role: access.role)
    }

    // MARK: Members

    @Sendable func members(req: Request) async throws -> Page<MemberDTO> {
        let access = try req.workspaceAccess
        try access.require(.membersView)
        let page = try req.pageRequest()
        let rows = try await access.members(after: page.after, limit: page.limit + 1, on: req.db)
        let (items, next) = page.page(rows) { $0.id }
        return Page(items: items.map(MemberDTO.init), nextCursor: next)
    }

    @Sendable func member(req: Request) async throws -> MemberDTO {
        let access = try req.workspaceAccess
        try access.require(.membersView)
        let member = try await access.find(Membership.self, req.parameters.get("member_id"), on: req.db, what: "Member")
        try await member.$user.load(on: req.db)
        return MemberDTO(member)
    }

    struct RoleInput: Content {
        var role: String?
    }

    @Sendable func changeRole(req: Request) async throws -> MemberDTO {
        let access = try req.workspaceAccess
        try access.require(.membersManage)
        let input = try req.decodeInput(RoleInput.self)
        guard let role = input.role else {
            throw ValidationErrors("role", .isRequiredOneOf(choices: Role.allCases.map(\.rawValue)))
        }
        let member = try await WorkspaceService(db: req.db).changeRole(access, memberID: req.parameters.get("member_id"), to: role, actor: req.actor)
        try await member.$user.load(on: req.db)
        return MemberDTO(member)
    }

    @Sendable func removeMember(req: Request) async throws -> HTTPStatus {
        try await WorkspaceService(db: req.db).remove(try req.workspaceAccess, memberID: req.parameters.get("member_id"), actor: req.actor)
        return .noContent
    }

    // MARK: Invitations

    @Sendable func invitations(req: Request) async throws -> Page<InvitationDTO> {
        let access = try req.workspaceAccess
        try access.require(.membersInvite)
        let page = try req.pageRequest()
        let query = access.query(Invitation.self, on: req.db)
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        let now = Date()
        return Page(items: items.map { InvitationDTO($0, now: now) }, nextCursor: next)
    }

    struct InvitationInput: Content {
        var role: String?
        var email: String?
    }

    @Sendable func invite(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(InvitationInput.self)
        guard let role = input.role else {
            throw ValidationErrors("role", .isRequiredOneOf(choices: Role.allCases.map(\.rawValue)))
        }
        let (invitation, token) = try await WorkspaceService(db: req.db).invite(
            access, role: role, email: input.email, inviter: try req.signedInUser, actor: req.actor)
        return try await InvitationDTO(invitation, now: Date(), url: MemberPages.invitationURL(req, token: token))
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func revokeInvitation(req: Request) async throws -> HTTPStatus {
        try await WorkspaceService(db: req.db).revokeInvitation(
            try req.workspaceAccess, invitationID: req.parameters.get("invitation_id"), actor: req.actor)
        return .noContent
    }

    @Sendable func accept(req: Request) async throws -> Response {
        let (workspace, membership) = try await WorkspaceService(db: req.db).accept(
            token: req.parameters.get("token") ?? "", user: try req.signedInUser, actor: req.actor)
        return try await WorkspaceDTO(workspace, role: membership.memberRole).encodeResponse(status: .created, for: req)
    }
}
