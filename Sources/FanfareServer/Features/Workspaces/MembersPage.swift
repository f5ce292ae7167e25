import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/members`: the members with their roles, the invitation form
/// and the invitations, as query → model → view. What the reader may do
/// (change roles, remove, invite, revoke) is decided in `model`; `model`
/// and `view` are tested without a database.
enum MembersPage {
    struct Found: Sendable {
        struct Member: Sendable, Equatable {
            var id: UUID
            var name: String
            var email: String
            var role: String
            var joined: Date?
        }
        struct Invitation: Sendable, Equatable {
            var id: UUID
            var role: String
            var email: String?
            var state: FanfareServer.Invitation.State
            var expires: Date
        }
        var members: [Member] = []
        var invitations: [Invitation] = []
    }

    /// What the reader may do here, from their membership.
    struct Abilities: Sendable {
        var role: Role
        var manage: Bool
        var invite: Bool

        init(role: Role, manage: Bool, invite: Bool) {
            self.role = role
            self.manage = manage
            self.invite = invite
        }

        init(_ access: WorkspaceAccess) {
            self.init(role: access.role, manage: access.can(.membersManage), invite: access.can(.membersInvite))
        }
    }

    struct Model: Sendable {
        struct Member: Sendable, Equatable {
            var name: String
            var email: String
            var role: String
            var roleLabel: String
            var joined: Date?
            /// Where the role form and the remove button post, for managers.
            var roleAction: String?
            var removeAction: String?
        }
        struct Invitation: Sendable, Equatable {
            var roleLabel: String
            var email: String?
            var state: String
            var stateLabel: String
            var tone: Badge.Tone
            var expires: Date
            var revokeAction: String?
        }
        var members: [Member]
        var invitations: [Invitation]
        /// Every role, for a manager's role selects.
        var roles: [(value: String, label: String)]
        /// The roles this reader may invite to (none: no invitation form).
        var inviteRoles: [(value: String, label: String)]
        var inviteAction: String
        var invitationsEmpty: String
        /// The link just made, shown once, with the role it grants.
        var newLink: (url: String, roleLabel: String)?
        var errors: FormErrors
    }

    static let stateTones: [String: Badge.Tone] = ["pending": .info, "accepted": .success, "revoked": .neutral, "expired": .warning]

    static func query(access: WorkspaceAccess, on db: any Database, now: Date = Date()) async throws -> Found {
        let members = try await access.members(on: db)
        let invitations = try await access.query(FanfareServer.Invitation.self, on: db).sort(\.$id, .descending).range(..<50).all()
        return Found(
            members: members.map { .init(id: $0.id, name: $0.displayName, email: $0.email, role: $0.role, joined: $0.joinedAt) },
            invitations: invitations.map { .init(id: $0.id!, role: $0.role, email: $0.email, state: $0.state(now: now), expires: $0.expiresAt) })
    }

    static func model(
        _ found: Found, abilities: Abilities, base: String, newLink: (url: String, role: String)? = nil, errors: FormErrors = FormErrors(),
        locale: UILocale
    ) -> Model {
        func role(_ code: String) -> String { I18n.text("role." + code, locale, []) }
        let members = found.members.map { member in
            let path = "\(base)/members/\(member.id.uuidString)"
            return Model.Member(
                name: member.name, email: member.email, role: member.role, roleLabel: role(member.role), joined: member.joined,
                roleAction: abilities.manage ? path + "/role" : nil, removeAction: abilities.manage ? path + "/remove" : nil)
        }
        let invitations = found.invitations.map { invitation in
            Model.Invitation(
                roleLabel: role(invitation.role), email: invitation.email, state: invitation.state.rawValue,
                stateLabel: I18n.text("invitation.state." + invitation.state.rawValue, locale, []),
                tone: Badge.tone(invitation.state.rawValue, stateTones),
                expires: invitation.expires,
                revokeAction: invitation.state == .pending && abilities.invite ? "\(base)/invitations/\(invitation.id.uuidString)/revoke" : nil)
        }
        let inviteRoles: [(value: String, label: String)] =
            abilities.invite
            ? Role.allCases.filter { WorkspaceRules.mayGrant($0, inviterRole: abilities.role) }.map { ($0.rawValue, role($0.rawValue)) } : []
        return Model(
            members: members, invitations: invitations, roles: Role.allCases.map { (value: $0.rawValue, label: role($0.rawValue)) },
            inviteRoles: inviteRoles,
            inviteAction: "\(base)/invitations",
            invitationsEmpty: I18n.text(abilities.invite ? "invitations.none_invite" : "invitations.none", locale, []),
            newLink: newLink.map { (url: $0.url, roleLabel: role($0.role)) }, errors: errors)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.members.map { member -> HTML in
            let roleCell: HTML =
                member.roleAction.map { action in
                    let options = model.roles.map { option -> HTML in
                        "<option value=\"\(option.value)\"\(option.value == member.role ? HTML(raw: " selected") : .empty)>\(option.label)</option>"
                    }
                    return """
                        <form method="post" action="\(action)" class="inline">\(ctx.csrfField)
                        <select name="role" aria-label="\(ctx.t("field.role"))">\(options)</select>
                        <button type="submit">\(ctx.t("members.change_role"))</button></form>
                        """
                } ?? "\(member.roleLabel)"
            let removeCell: HTML =
                member.removeAction.map {
                    "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\">\(ctx.t("members.remove"))</button></form>"
                } ?? .empty
            return """
                <tr data-email="\(member.email)"><td translate="no">\(member.name)</td><td translate="no">\(member.email)</td>\
                <td>\(roleCell)</td><td>\(Layout.time(member.joined, ctx))</td><td>\(removeCell)</td></tr>
                """
        }
        let inviteRows = model.invitations.map { invitation -> HTML in
            let revoke: HTML =
                invitation.revokeAction.map {
                    "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\">\(ctx.t("invitations.revoke"))</button></form>"
                } ?? .empty
            let email: HTML = invitation.email.map { "<td translate=\"no\">\($0)</td>" } ?? "<td>—</td>"
            return """
                <tr><td>\(invitation.roleLabel)</td>\(email)\
                <td>\(Badge.html(invitation.stateLabel, tone: invitation.tone, classes: "invitation-state", data: [("state", invitation.state)]))</td>\
                <td>\(Layout.time(invitation.expires, ctx))</td><td>\(revoke)</td></tr>
                """
        }
        let inviteForm: HTML =
            model.inviteRoles.isEmpty
            ? .empty
            : """
            <section class="card" id="invite">
            <h2>\(ctx.t("invitations.new"))</h2>
            <p>\(ctx.t("invitations.intro"))</p>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="post" action="\(model.inviteAction)" id="invite-form">\(ctx.csrfField)
            \(Layout.select(ctx, name: "role", label: ctx.t("field.role"), options: model.inviteRoles, selected: Role.editor.rawValue, errors: model.errors, id: "invite-role"))
            \(Layout.field(ctx, name: "email", label: ctx.t("field.email_optional"), type: "email", errors: model.errors, required: false, hint: ctx.t("invitations.email_hint")))
            <button type="submit" class="primary">\(ctx.t("invitations.create"))</button>
            </form>
            </section>
            """
        let linkBox: HTML =
            model.newLink.map { link in
                """
                <section class="card highlight" id="invitation-created">
                <h2>\(ctx.t("invitations.created", link.roleLabel))</h2>
                <p>\(ctx.t("invitations.pass_on"))</p>
                <input type="text" readonly id="invitation-link" value="\(link.url)" class="wide" translate="no">
                </section>
                """
            } ?? .empty
        let invitationTable: HTML =
            inviteRows.isEmpty
            ? "<p class=\"empty\" id=\"invitations-empty\">\(model.invitationsEmpty)</p>"
            : """
            <div class="table-scroll"><table id="invitation-list"><thead><tr><th>\(ctx.t("field.role"))</th><th>\(ctx.t("field.email"))</th>\
            <th>\(ctx.t("invitations.state"))</th><th>\(ctx.t("invitations.expires"))</th><th></th></tr></thead><tbody>\(inviteRows)</tbody></table></div>
            """
        return """
            <h1>\(ctx.t("members.title"))</h1>
            \(linkBox)
            <div class="table-scroll"><table id="member-list"><thead><tr><th>\(ctx.t("field.display_name"))</th><th>\(ctx.t("field.email"))</th>\
            <th>\(ctx.t("field.role"))</th><th>\(ctx.t("members.joined"))</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(inviteForm)
            <h2>\(ctx.t("invitations.title"))</h2>
            \(invitationTable)
            """
    }
}

/// `/invitations/{token}`: what the invitation offers, and accepting it
/// signed in or by making an account. The token's check stays in the
/// handler behind the secret-link throttle.
enum InvitationPage {
    struct Found: Sendable, Equatable {
        var workspaceName: String
        var role: String
        /// The only address that may accept, when the inviter named one.
        var email: String?
    }

    struct Model: Sendable {
        var workspaceName: String
        var roleLabel: String
        /// The signed-in person's address; nil shows the account form.
        var signedInAs: String?
        var signInHref: String
        var email: String
        var displayName: String
        var locale: String
        var errors: FormErrors
    }

    static func query(token: String, on db: any Database) async throws -> Found {
        let (invitation, workspace) = try await WorkspaceService(db: db).openInvitation(token: token)
        return Found(workspaceName: workspace.name, role: invitation.role, email: invitation.email)
    }

    static func model(
        _ found: Found, token: String, signedInAs: String?, values: [String: String] = [:], errors: FormErrors = FormErrors(), locale: UILocale
    ) -> Model {
        var path = URLComponents()
        path.queryItems = [URLQueryItem(name: "next", value: "/invitations/\(token)")]
        return Model(
            workspaceName: found.workspaceName, roleLabel: I18n.text("role." + found.role, locale, []), signedInAs: signedInAs,
            signInHref: "/sign-in?\(path.percentEncodedQuery ?? "")", email: values["email"] ?? found.email ?? "",
            displayName: values["display_name"] ?? "", locale: locale.rawValue, errors: errors)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let action: HTML
        if let email = model.signedInAs {
            action = """
                <p>\(HTML.sentence(ctx.t("invitation.signed_in_as"), [.typed(email)]))</p>
                <form method="post" id="accept-invitation-form">\(ctx.csrfField)<button type="submit" class="primary" id="accept-invitation">\(ctx.t("invitation.accept"))</button></form>
                """
        } else {
            action = """
                <p>\(ctx.t("invitation.have_account")) <a href="\(model.signInHref)" id="invitation-sign-in">\(ctx.t("nav.sign_in"))</a></p>
                <h2>\(ctx.t("invitation.new_account"))</h2>
                \(Layout.errorSummary(ctx, model.errors))
                <form method="post" id="register-form">\(ctx.csrfField)
                \(Layout.field(ctx, name: "email", label: ctx.t("field.email"), type: "email", value: model.email, errors: model.errors, autocomplete: "username"))
                \(Layout.field(ctx, name: "display_name", label: ctx.t("field.display_name"), value: model.displayName, errors: model.errors, autocomplete: "name"))
                \(Layout.field(ctx, name: "password", label: ctx.t("field.password"), type: "password", errors: model.errors, hint: ctx.t("field.password_hint"), autocomplete: "new-password"))
                <input type="hidden" name="locale" value="\(model.locale)">
                <button type="submit" class="primary" id="accept-invitation">\(ctx.t("invitation.register_accept"))</button>
                </form>
                """
        }
        return """
            <section class="narrow">
            <h1>\(ctx.t("invitation.title"))</h1>
            <p class="lead">\(HTML.sentence(ctx.t("invitation.summary"), [.typed(model.workspaceName), HTML("\(model.roleLabel)")]))</p>
            \(action)
            </section>
            """
    }
}
