import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/notifications` and its API: what waits for the person (a post
/// to review) and what happened to their posts.
struct NotificationPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("notifications", use: list)
        scoped.post("notifications", "read", use: markRead)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        guard let userID = req.auth.get(User.self)?.id else { throw Abort(.unauthorized) }
        let ctx = try await PageContext.make(req)
        let found = try await NotificationPage.query(user: userID, access: access, on: req.db)
        let model = NotificationPage.model(found, workspace: "/w/\(access.workspace.slug)", locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("nav.notifications"), NotificationPage.view(model, ctx))
    }

    @Sendable func markRead(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await NotificationReader.markRead(for: req, in: access)
        return req.redirect(to: "/w/\(access.workspace.slug)/notifications")
    }
}

struct NotificationsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("notifications", use: list)
        ws.post("notifications", "read", use: markRead)
    }

    struct NotificationDTO: Content {
        var id: UUID
        var text: String
        var link: String
        var createdAt: Date
        var readAt: Date?
    }

    @Sendable func list(req: Request) async throws -> [NotificationDTO] {
        let access = try req.workspaceAccess
        return try await NotificationReader.latest(for: req, in: access).map {
            NotificationDTO(
                id: $0.id!, text: Notifier.message(of: $0, locale: .en), link: "/w/\(access.workspace.slug)\($0.link)", createdAt: $0.createdAt,
                readAt: $0.readAt)
        }
    }

    @Sendable func markRead(req: Request) async throws -> HTTPStatus {
        try await NotificationReader.markRead(for: req, in: try req.workspaceAccess)
        return .noContent
    }
}

enum NotificationReader {
    static func latest(for req: Request, in access: WorkspaceAccess) async throws -> [UserNotification] {
        guard let userID = req.auth.get(User.self)?.id else { throw Abort(.unauthorized) }
        return try await access.query(UserNotification.self, on: req.db).filter(\.$user.$id == userID).sort(\.$id, .descending).limit(100).all()
    }

    static func markRead(for req: Request, in access: WorkspaceAccess) async throws {
        guard let userID = req.auth.get(User.self)?.id else { throw Abort(.unauthorized) }
        try await access.query(UserNotification.self, on: req.db).filter(\.$user.$id == userID).filter(\.$readAt == nil)
            .set(\.$readAt, to: Date()).update()
    }
}
