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
        let base = "/w/\(access.workspace.slug)"
        let members = try await access.query(Membership.self, on: req.db).with(\.$user).sort(\.$id).all()
        let manage = access.can(.membersManage)
        let rows = members.map { m -> HTML in
            let roleCell: HTML =
                manage
                ? """
                <form method="post" action="\(base)/members/\(m.id!.uuidString)/role" class="inline">\(ctx.csrfField)
                <select name="role" aria-label="\(ctx.t("field.role"))">\(Layout.roleOptions(ctx).map { o -> HTML in "<option value=\"\(o.value)\"\(o.value == m.role ? HTML(raw: " selected") : .empty)>\(o.label)</option>" })</select>
                <button type="submit">\(ctx.t("members.change_role"))</button></form>
                """
                : "\(ctx.t("role." + m.role))"
            let removeCell: HTML =
                manage
                ? "<form method=\"post\" action=\"\(base)/members/\(m.id!.uuidString)/remove\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\">\(ctx.t("members.remove"))</button></form>"
                : .empty
            return
                "<tr data-email=\"\(m.user.email)\"><td translate=\"no\">\(m.user.displayName)</td><td translate=\"no\">\(m.user.email)</td><td>\(roleCell)</td><td>\(Layout.time(m.createdAt, ctx))</td><td>\(removeCell)</td></tr>"
        }
        let now = Date()
        let invitations = try await access.query(Invitation.self, on: req.db).sort(\.$id, .descending).range(..<50).all()
        let inviteRows = invitations.map { i -> HTML in
            let state = i.state(now: now)
            let revoke: HTML =
                state == .pending && access.can(.membersInvite)
                ? "<form method=\"post\" action=\"\(base)/invitations/\(i.id!.uuidString)/revoke\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\">\(ctx.t("invitations.revoke"))</button></form>"
                : .empty
            return
                "<tr><td>\(ctx.t("role." + i.role))</td><td translate=\"no\">\(i.email ?? "—")</td><td>\(ctx.t("invitation.state." + state.rawValue))</td><td>\(Layout.time(i.expiresAt, ctx))</td><td>\(revoke)</td></tr>"
        }
        let allowedRoles = Role.allCases.filter { WorkspaceRules.mayGrant($0, inviterRole: access.role) }
        let inviteForm: HTML =
            access.can(.membersInvite)
            ? """
            <section class="card" id="invite">
            <h2>\(ctx.t("invitations.new"))</h2>
            <p>\(ctx.t("invitations.intro"))</p>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="\(base)/invitations" id="invite-form">\(ctx.csrfField)
            \(Layout.select(ctx, name: "role", label: ctx.t("field.role"), options: Layout.roleOptions(ctx, allowed: allowedRoles), selected: Role.editor.rawValue, errors: errors, id: "invite-role"))
            \(Layout.field(ctx, name: "email", label: ctx.t("field.email_optional"), type: "email", errors: errors, required: false, hint: ctx.t("invitations.email_hint")))
            <button type="submit" class="primary">\(ctx.t("invitations.create"))</button>
            </form>
            </section>
            """ : .empty
        let linkBox: HTML =
            newLink.map { link in
                """
                <section class="card highlight" id="invitation-created">
                <h2>\(ctx.t("invitations.created", ctx.t("role." + link.role)))</h2>
                <p>\(ctx.t("invitations.pass_on"))</p>
                <input type="text" readonly id="invitation-link" value="\(link.url)" class="wide">
                </section>
                """
            } ?? .empty
        let invitationTable: HTML =
            inviteRows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("invitations.none"))</p>"
            : "<div class=\"table-scroll\"><table id=\"invitation-list\"><thead><tr><th>\(ctx.t("field.role"))</th><th>\(ctx.t("field.email"))</th><th>\(ctx.t("invitations.state"))</th><th>\(ctx.t("invitations.expires"))</th><th></th></tr></thead><tbody>\(inviteRows)</tbody></table></div>"
        return Layout.page(
            ctx, title: ctx.t("members.title"), status: status,
            """
            <h1>\(ctx.t("members.title"))</h1>
            \(linkBox)
            <div class="table-scroll"><table id="member-list"><thead><tr><th>\(ctx.t("field.display_name"))</th><th>\(ctx.t("field.email"))</th><th>\(ctx.t("field.role"))</th><th>\(ctx.t("members.joined"))</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(inviteForm)
            <h2>\(ctx.t("invitations.title"))</h2>
            \(invitationTable)
            """)
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
        let (invitation, workspace) = try await req.openingSecretLink("invitation") {
            try await WorkspaceService(db: req.db).openInvitation(token: token)
        }
        let ctx = try await PageContext.make(req)
        let role = ctx.t("role." + invitation.role)
        let action: HTML
        if let user = ctx.user {
            action = """
                <p>\(ctx.t("invitation.signed_in_as", user.email))</p>
                <form method="post" id="accept-invitation-form">\(ctx.csrfField)<button type="submit" class="primary" id="accept-invitation">\(ctx.t("invitation.accept"))</button></form>
                """
        } else {
            action = """
                <p>\(ctx.t("invitation.have_account")) <a href="/sign-in?next=\(HTML(raw: "/invitations/" + HTML.escape(token)))" id="invitation-sign-in">\(ctx.t("nav.sign_in"))</a></p>
                <h2>\(ctx.t("invitation.new_account"))</h2>
                \(Layout.errorSummary(ctx, errors))
                <form method="post" id="register-form">\(ctx.csrfField)
                \(Layout.field(ctx, name: "email", label: ctx.t("field.email"), type: "email", value: values["email"] ?? invitation.email ?? "", errors: errors, autocomplete: "username"))
                \(Layout.field(ctx, name: "display_name", label: ctx.t("field.display_name"), value: values["display_name"] ?? "", errors: errors, autocomplete: "name"))
                \(Layout.field(ctx, name: "password", label: ctx.t("field.password"), type: "password", errors: errors, hint: ctx.t("field.password_hint"), autocomplete: "new-password"))
                <input type="hidden" name="locale" value="\(ctx.locale.rawValue)">
                <button type="submit" class="primary" id="accept-invitation">\(ctx.t("invitation.register_accept"))</button>
                </form>
                """
        }
        return Layout.page(
            ctx, title: ctx.t("invitation.title"), status: status,
            """
            <section class="narrow">
            <h1>\(ctx.t("invitation.title"))</h1>
            <p class="lead">\(ctx.t("invitation.summary", workspace.name, role))</p>
            \(action)
            </section>
            """)
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
