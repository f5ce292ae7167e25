import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Vapor

/// The workspace's own apps on platforms that register apps by hand
/// (Weibo, Douyin; Bilibili when its flow is listed): entered once by an
/// admin, the secret sealed and never shown again, checked as they are
/// saved, and used by every sign-in of the workspace.
struct PlatformApps {
    let db: any Database
    let app: Application

    /// The platforms whose apps are entered per workspace.
    static var platforms: [String] { OAuthSignInRegistry.flows.filter { $0.registration == .perWorkspace }.map(\.platform) }

    static func flow(_ platform: String?) -> (any OAuthSignInFlow)? {
        guard let platform, let flow = OAuthSignInRegistry.flow(platform), flow.registration == .perWorkspace else { return nil }
        return flow
    }

    func find(_ platform: String, in workspaceID: UUID) async throws -> PlatformApp? {
        try await PlatformApp.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$platform == platform).first()
    }

    func all(in workspaceID: UUID) async throws -> [PlatformApp] {
        try await PlatformApp.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$platform).all()
    }

    /// The stored app as the flow uses it, read through the flow's own
    /// checks again (a value stored by an older version that no longer
    /// passes them is said at once, not at the platform).
    func oauthApp(_ row: PlatformApp, flow: any OAuthSignInFlow) throws -> OAuthApp {
        var fields = row.settings
        fields[Self.clientIDKey(flow)] = row.clientID
        fields[Self.secretKey(flow)] = String(decoding: try sealer().open(row.sealedSecret, context: row.sealingContext), as: UTF8.self)
        do {
            return try flow.app(fields: fields)
        } catch {
            throw ValidationErrors("sign_in", .platformSaid(text: ConnectorMessages.text(error)))
        }
    }

    /// The flow's first field is the key, its first secret field the secret.
    static func clientIDKey(_ flow: any OAuthSignInFlow) -> String { flow.appFields.first { !$0.secret }?.key ?? "client_id" }
    static func secretKey(_ flow: any OAuthSignInFlow) -> String { flow.appFields.first { $0.secret }?.key ?? "client_secret" }

    /// Saves what the admin typed. An empty secret keeps the stored one;
    /// every field is checked, then the platform is asked where it can be.
    func save(
        _ platform: String?, fields typed: [String: String], in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> PlatformApp
    {
        guard let flow = Self.flow(platform) else { throw Abort(.notFound) }
        try access.require(.workspaceUpdate)
        let existing = try await find(flow.platform, in: access.workspaceID)
        var fields: [String: String] = [:]
        for field in flow.appFields {
            fields[field.key] = (typed[field.key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secretKey = Self.secretKey(flow)
        if fields[secretKey, default: ""].isEmpty, let existing {
            fields[secretKey] = String(decoding: try sealer().open(existing.sealedSecret, context: existing.sealingContext), as: UTF8.self)
        }
        var errors = ValidationErrors()
        for field in flow.appFields where field.required && fields[field.key, default: ""].isEmpty {
            errors.add("fields.\(field.key)", .connectionFieldRequired(label: field.label))
        }
        try errors.throwIfAny()
        let checked: OAuthApp
        do {
            checked = try flow.app(fields: fields)
        } catch {
            throw Self.fieldError(error, flow: flow, fields: fields)
        }
        do {
            try await flow.verify(checked, transport: app.connectorTransport, now: now)
        } catch .rejected(let reason) {
            // The platform does not know the key with this secret: said on
            // the secret, the one of the two a person mistypes unseen.
            throw ValidationErrors("fields.\(secretKey)", .platformSaid(text: reason))
        } catch {
            throw Self.fieldError(error, flow: flow, fields: fields, server: checked.server)
        }
        let row = existing ?? PlatformApp()
        let secretChanged = existing == nil || !(typed[secretKey] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        if row.id == nil {
            row.id = TimeOrderedID.make(at: now)
            row.$workspace.id = access.workspaceID
            row.platform = flow.platform
            row.createdAt = now
        }
        row.clientID = checked.clientID
        row.sealedSecret = try sealer().seal(Data(checked.clientSecret.utf8), context: row.sealingContext)
        row.settings = fields.filter { key, value in key != secretKey && key != Self.clientIDKey(flow) && !value.isEmpty }
        row.updatedAt = now
        try await db.writeTransaction { tx in
            try await row.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "platform_app.saved", targetType: "platform_app", targetID: row.id,
                after: ["platform": flow.platform, "client_id": checked.clientID, "secret": secretChanged ? "replaced" : "kept"], now: now)
        }
        return row
    }

    func remove(_ platform: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        guard let flow = Self.flow(platform) else { throw Abort(.notFound) }
        try access.require(.workspaceUpdate)
        guard let row = try await find(flow.platform, in: access.workspaceID) else {
            throw Problem(.notFound, "This workspace has no \(flow.platform) app.")
        }
        try await db.writeTransaction { tx in
            try await row.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "platform_app.removed", targetType: "platform_app", targetID: row.id,
                before: ["platform": flow.platform, "client_id": row.clientID], now: now)
        }
    }

    /// A connector's sentence on the field it names (its label starts the
    /// sentence); an address that cannot be reached on the address field.
    static func fieldError(_ error: ConnectorError, flow: any OAuthSignInFlow, fields: [String: String], server: URL? = nil) -> ValidationErrors {
        switch error {
        case .rejected(let reason):
            let field = flow.appFields.first { reason.hasPrefix($0.label + " ") }
            return ValidationErrors(field.map { "fields.\($0.key)" } ?? "fields", .platformSaid(text: reason))
        case .temporary, .outcomeUnknown:
            let typed = fields["api_base_url", default: ""]
            let host = typed.isEmpty ? (server?.host ?? flow.platform) : (URL(string: typed)?.host ?? typed)
            return ValidationErrors(typed.isEmpty ? "fields" : "fields.api_base_url", .addressUnreachable(host: host))
        default:
            return ValidationErrors("fields", .platformSaid(text: ConnectorMessages.text(error)))
        }
    }

    private func sealer() throws -> CredentialSealer {
        guard let key = app.settings.secretKey else { throw Abort(.internalServerError, reason: "no secret key configured") }
        return try CredentialSealer(secretKey: key)
    }
}

/// A workspace's app as the API shows it: never the secret.
struct PlatformAppDTO: Content {
    var platform: String
    var clientId: String
    /// The other fields, by their keys (scope, safe-domain page, …).
    var settings: [String: String]
    /// The address to register on the platform as the app's callback.
    var redirectUri: String
    var secretSet: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ row: PlatformApp, redirectURI: String) {
        platform = row.platform
        clientId = row.clientID
        settings = row.settings
        redirectUri = redirectURI
        secretSet = !row.sealedSecret.isEmpty
        createdAt = row.createdAt
        updatedAt = row.updatedAt
    }
}
