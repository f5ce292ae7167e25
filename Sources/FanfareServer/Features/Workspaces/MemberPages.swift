import FanfareCore
import Fluent
import Vapor

/// Members of a workspace, invitations, and accepting an invitation.
struct MemberPages: RouteCollection {
    /// Invitation links are opened by people who may not have an account.
    func boot(routes: any RoutesBuilder) throws {
        routes.get("invitations", ":token", use: invitationPage)
        routes.post("invitations", ":token", use: acceptInvitation)
    }

    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("members", use: members)
        scoped.post("members", ":member", "role", use: changeRole)
        scoped.post("members", ":member", "remove", use: remove)
        scoped.post("invitations", use: invite)
        scoped.post("invitations", ":invitation", "revoke", use: revoke)
    }

    @Sendable func members(req: Request) async throws -> HTMLResponse {
        try await renderMembers(req, errors: FormErrors())
    }

    private func renderMembers(
        _ req: Request, errors: FormErrors, newLink: (url: String, role: String)? = nil, status: HTTPStatus = .ok
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.membersView)
        let ctx = try await PageContext.make(req)
        let found = try await MembersPage.query(access: access, on: req.db)
        let model = MembersPage.model(
            found, abilities: .init(access), base: "/w/\(access.workspace.slug)", newLink: newLink, errors: errors, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("members.title"), status: status, MembersPage.view(model, ctx))
    }

    @Sendable func invite(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            let (invitation, token) = try await WorkspaceService(db: req.db).invite(
                access, role: req.formValue("role"), email: req.formValueIfPresent("email"), inviter: try req.signedInUser, actor: req.actor)
            let url = Self.invitationURL(req, token: token)
            return try await renderMembers(req, errors: FormErrors(), newLink: (url, invitation.role), status: .created).encodeResponse(for: req)
        } catch let errors as ValidationErrors {
            return try await renderMembers(req, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    /// The link to pass on, from the instance's public URL: a Host header
    /// is the sender's to choose, so it never decides where a link points.
    static func invitationURL(_ req: Request, token: String) -> String {
        "\(req.application.settings.linkBase)/invitations/\(token)"
    }

    @Sendable func changeRole(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await WorkspaceService(db: req.db).changeRole(
                access, memberID: req.parameters.get("member"), to: req.formValue("role"), actor: req.actor)
            Flash.add(.notice, I18n.text("members.role_changed", req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, I18n.text("members.last_admin", req.uiLocale), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/members")
    }

    @Sendable func remove(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            try await WorkspaceService(db: req.db).remove(access, memberID: req.parameters.get("member"), actor: req.actor)
            Flash.add(.notice, I18n.text("members.removed", req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, I18n.text("members.last_admin", req.uiLocale), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/members")
    }

    @Sendable func revoke(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            try await WorkspaceService(db: req.db).revokeInvitation(access, invitationID: req.parameters.get("invitation"), actor: req.actor)
            Flash.add(.notice, I18n.text("invitations.revoked", req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.detail ?? "", to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/members")
    }

    // MARK: Accepting

    @Sendable func invitationPage(req: Request) async throws -> HTMLResponse {
        try await renderInvitation(req, values: [:], errors: FormErrors())
    }

    private func renderInvitation(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse
    {
        let token = req.parameters.get("token") ?? ""
        let found = try await req.openingSecretLink("invitation") { try await InvitationPage.query(token: token, on: req.db) }
        let ctx = try await PageContext.make(req)
        let model = InvitationPage.model(found, token: token, signedInAs: ctx.user?.email, values: values, errors: errors, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("invitation.title"), status: status, InvitationPage.view(model, ctx))
    }

    @Sendable func acceptInvitation(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        var user = req.auth.get(User.self)
        let values = ["email": req.formValue("email"), "display_name": req.formValue("display_name")]
        do {
            if user == nil {
                // A newcomer registers and joins in one step.
                let (invitation, _) = try await req.openingSecretLink("invitation") {
                    try await WorkspaceService(db: req.db).openInvitation(token: token)
                }
                if let email = invitation.email, (try? Credentials.email(values["email"]!)) != email {
                    throw ValidationErrors("email", .invitationEmail(email: email))
                }
                let created = try await PeopleService(db: req.db, passwords: req.password.async).create(
                    .init(
                        email: values["email"]!, displayName: values["display_name"]!, password: req.formValue("password"),
                        locale: req.formValueIfPresent("locale"), timeZone: nil),
                    actor: Actor(userID: nil, label: values["email"]!.lowercased(), address: req.clientAddress))
                try await SessionUserMiddleware.signIn(created, on: req)
                user = created
            }
            let (workspace, _) = try await req.openingSecretLink("invitation") {
                try await WorkspaceService(db: req.db).accept(token: token, user: user!, actor: req.actor)
            }
            Flash.add(.notice, I18n.text("invitation.joined", req.uiLocale, [workspace.name]), to: req)
            return req.redirect(to: "/w/\(workspace.slug)")
        } catch let errors as ValidationErrors {
            return try await renderInvitation(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }
}
