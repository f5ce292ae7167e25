import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Workspaces, their members and invitations.
struct WorkspaceService {
    let db: any Database
    static let invitationLifetime: TimeInterval = 7 * 86_400

    struct NewWorkspace {
        var name: String
        var slug: String?
        var timeZone: String?
    }

    /// Creates a workspace with its creator as its first admin.
    func create(_ input: NewWorkspace, by user: User, actor: Actor, now: Date = Date()) async throws -> Workspace {
        var errors = ValidationErrors()
        let name = errors.collect { () throws(ValidationErrors) in try WorkspaceRules.name(input.name) }
        let zone = errors.collect { () throws(ValidationErrors) in try Credentials.timeZone(input.timeZone ?? user.timeZone) }
        var slug: String?
        if let raw = input.slug.nonEmpty {
            slug = errors.collect { () throws(ValidationErrors) in try WorkspaceRules.slug(raw) }
            if let slug, try await Workspace.query(on: db).filter(\.$slug == slug).first() != nil {
                errors.add("slug", .slugTaken)
            }
        } else if let name {
            slug = try await uniqueSlug(WorkspaceRules.proposeSlug(from: name, fallback: "workspace"))
        }
        try errors.throwIfAny()
        let workspace = Workspace(name: name!, slug: slug!, timeZone: zone!, now: now)
        try await db.writeTransaction { tx in
            try await workspace.create(on: tx)
            try await Membership(workspaceID: workspace.id!, userID: user.id!, role: .admin, now: now).create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: workspace.id, action: "workspace.created", targetType: "workspace",
                targetID: workspace.id, after: ["name": workspace.name, "slug": workspace.slug, "time_zone": workspace.timeZone], now: now)
        }
        return workspace
    }

    private func uniqueSlug(_ base: String) async throws -> String {
        var candidate = base
        var n = 2
        while try await Workspace.query(on: db).filter(\.$slug == candidate).first() != nil {
            let suffix = "-\(n)"
            candidate = String(base.prefix(40 - suffix.count)) + suffix
            n += 1
        }
        return candidate
    }

    func update(
        _ access: WorkspaceAccess, name rawName: String?, timeZone rawZone: String?, actor: Actor, now: Date = Date()
    ) async throws -> Workspace {
        try access.require(.workspaceUpdate)
        let workspace = access.workspace
        var errors = ValidationErrors()
        let before = ["name": workspace.name, "time_zone": workspace.timeZone]
        if let rawName, let name = errors.collect({ () throws(ValidationErrors) in try WorkspaceRules.name(rawName) }) { workspace.name = name }
        if let rawZone, let zone = errors.collect({ () throws(ValidationErrors) in try Credentials.timeZone(rawZone) }) { workspace.timeZone = zone }
        try errors.throwIfAny()
        let after = ["name": workspace.name, "time_zone": workspace.timeZone]
        if before != after {
            try await db.writeTransaction { tx in
                try await workspace.save(on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "workspace.updated", targetType: "workspace",
                    targetID: access.workspaceID, before: before, after: after, now: now)
            }
        }
        return workspace
    }

    /// The workspaces `user` belongs to, with their role in each, by name:
    /// one query (every page's workspace switcher asks).
    /// Every page's workspace switcher reads this: one hand-written
    /// statement (`HandRead`).
    func memberships(of user: User) async throws -> [(workspace: Workspace, role: Role)] {
        guard let sql = db as? any SQLDatabase, let userID = user.id else { return [] }
        let rows = try await sql.raw(
            "\(unsafeRaw: Self.placesOfPerson) WHERE m.user_id = \(bind: userID)"
        ).all()
        return try rows.compactMap { row -> (workspace: Workspace, role: Role)? in
            guard let workspace = try Workspace.read(row, alias: "w", on: sql) else { return nil }
            return (workspace, Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .viewer)
        }.sorted {
            $0.workspace.name.localizedStandardCompare($1.workspace.name) == .orderedAscending
        }
    }

    private static let placesOfPerson = "SELECT m.role, \(Workspace.selectList("w")) FROM memberships m JOIN workspaces w ON w.id = m.workspace_id"

    // MARK: Members

    func changeRole(_ access: WorkspaceAccess, memberID: String?, to rawRole: String, actor: Actor, now: Date = Date()) async throws -> Membership {
        try access.require(.membersManage)
        let role = try Role(validating: rawRole)
        return try await db.writeTransaction { tx in
            let member = try await access.find(Membership.self, memberID, on: tx, what: "Member")
            let old = member.memberRole
            guard old != role else { return member }
            let admins = try await access.query(Membership.self, on: tx).filter(\.$role == Role.admin.rawValue).count()
            if let refusal = WorkspaceRules.refusal(changing: old, to: role, adminCount: admins) {
                throw Problem(.conflict, refusal, errors: [FieldIssue(field: "role", refusal)], type: "last-admin")
            }
            member.role = role.rawValue
            try await member.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "member.role_changed", targetType: "member",
                targetID: member.id, before: ["role": old.rawValue], after: ["role": role.rawValue], now: now)
            return member
        }
    }

    func remove(_ access: WorkspaceAccess, memberID: String?, actor: Actor, now: Date = Date()) async throws {
        try access.require(.membersManage)
        try await db.writeTransaction { tx in
            let member = try await access.find(Membership.self, memberID, on: tx, what: "Member")
            let admins = try await access.query(Membership.self, on: tx).filter(\.$role == Role.admin.rawValue).count()
            if let refusal = WorkspaceRules.refusal(changing: member.memberRole, to: nil, adminCount: admins) {
                throw Problem(.conflict, refusal, type: "last-admin")
            }
            let user = try await member.$user.get(on: tx)
            try await member.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "member.removed", targetType: "member",
                targetID: member.id, before: ["email": user.email, "role": member.role], now: now)
        }
    }

    // MARK: Invitations

    /// Creates an invitation and returns it with its secret token, which is
    /// stored only as a hash and must be passed on now.
    func invite(
        _ access: WorkspaceAccess, role rawRole: String, email rawEmail: String?, inviter: User, actor: Actor, now: Date = Date()
    )
        async throws -> (Invitation, token: String)
    {
        try access.require(.membersInvite)
        var errors = ValidationErrors()
        let role = errors.collect { () throws(ValidationErrors) in try Role(validating: rawRole) }
        var email: String?
        if let raw = rawEmail.nonEmpty { email = errors.collect { () throws(ValidationErrors) in try Credentials.email(raw) } }
        if let role, !WorkspaceRules.mayGrant(role, inviterRole: access.role) {
            errors.add("role", .adminInvitesAdmin)
        }
        try errors.throwIfAny()
        let invitedEmail = email
        let token = "inv_" + Secrets.randomToken()
        let invitation = Invitation(
            workspaceID: access.workspaceID, role: role!, email: invitedEmail, tokenHash: Secrets.sha256(token),
            invitedBy: inviter.id!, now: now, validFor: Self.invitationLifetime)
        try await db.writeTransaction { tx in
            try await invitation.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "invitation.created", targetType: "invitation",
                targetID: invitation.id,
                after: ["role": invitation.role, "email": invitedEmail ?? "", "expires_at": invitation.expiresAt.formatted(.iso8601)], now: now)
        }
        return (invitation, token)
    }

    func revokeInvitation(_ access: WorkspaceAccess, invitationID: String?, actor: Actor, now: Date = Date()) async throws {
        try access.require(.membersInvite)
        try await db.writeTransaction { tx in
            let invitation = try await access.find(Invitation.self, invitationID, on: tx, what: "Invitation")
            guard invitation.state(now: now) == .pending else {
                throw Problem(.conflict, "This invitation is already \(invitation.state(now: now).rawValue).", type: "invitation-closed")
            }
            invitation.revokedAt = now
            try await invitation.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "invitation.revoked", targetType: "invitation",
                targetID: invitation.id, before: ["state": "pending"], after: ["state": "revoked"], now: now)
        }
    }

    /// The pending invitation behind a token, or a problem saying why not.
    func openInvitation(token: String, now: Date = Date()) async throws -> (Invitation, Workspace) {
        guard let invitation = try await Invitation.query(on: db).filter(\.$tokenHash == Secrets.sha256(token)).with(\.$workspace).first() else {
            throw Problem.notFound("Invitation")
        }
        let state = invitation.state(now: now)
        guard state == .pending else { throw Problem(.gone, "This invitation is \(state.rawValue); ask for a new one.", type: "invitation-closed") }
        return (invitation, invitation.workspace)
    }

    /// Accepts an invitation for `user`. Accepting twice, or when already a
    /// member, is refused without changing anything.
    func accept(token: String, user: User, actor: Actor, now: Date = Date()) async throws -> (Workspace, Membership) {
        try await db.writeTransaction { tx in
            let service = WorkspaceService(db: tx)
            let (invitation, workspace) = try await service.openInvitation(token: token, now: now)
            if let email = invitation.email, email != user.email {
                throw Problem(.forbidden, "This invitation is for \(email); sign in with that account.", type: "invitation-for-other")
            }
            if try await Membership.query(on: tx).filter(\.$workspace.$id == workspace.id!).filter(\.$user.$id == user.id!).first() != nil {
                throw Problem(.conflict, "You are already a member of \(workspace.name).", type: "already-member")
            }
            let role = Role(rawValue: invitation.role) ?? .viewer
            let membership = Membership(workspaceID: workspace.id!, userID: user.id!, role: role, now: now)
            try await membership.create(on: tx)
            invitation.acceptedAt = now
            invitation.$acceptedBy.id = user.id
            try await invitation.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: workspace.id, action: "member.joined", targetType: "member",
                targetID: membership.id, after: ["email": user.email, "role": role.rawValue, "invitation": invitation.id!.uuidString.lowercased()],
                now: now)
            return (workspace, membership)
        }
    }
}

struct WorkspaceDTO: Content {
    var id: UUID
    var name: String
    var slug: String
    var timeZone: String
    var role: String
    var createdAt: Date

    init(_ w: Workspace, role: Role) {
        id = w.id!
        name = w.name
        slug = w.slug
        timeZone = w.timeZone
        self.role = role.rawValue
        createdAt = w.createdAt
    }
}

struct MemberDTO: Content {
    var id: UUID
    var userId: UUID
    var email: String
    var displayName: String
    var role: String
    var joinedAt: Date

    init(_ row: MemberRow) {
        id = row.id
        userId = row.userID
        email = row.email
        displayName = row.displayName
        role = row.role
        joinedAt = row.joinedAt
    }

    init(_ m: Membership, user: User? = nil) {
        let user = user ?? m.user
        id = m.id!
        userId = user.id!
        email = user.email
        displayName = user.displayName
        role = m.role
        joinedAt = m.createdAt
    }
}

struct InvitationDTO: Content {
    var id: UUID
    var role: String
    var email: String?
    var state: String
    var createdAt: Date
    var expiresAt: Date
    /// The link to pass on; present only in the response that created it.
    var url: String?

    init(_ i: Invitation, now: Date, url: String? = nil) {
        id = i.id!
        role = i.role
        email = i.email
        state = i.state(now: now).rawValue
        createdAt = i.createdAt
        expiresAt = i.expiresAt
        self.url = url
    }
}
