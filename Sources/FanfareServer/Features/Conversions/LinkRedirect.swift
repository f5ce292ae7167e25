import FanfareCore
import Fluent
import SQLKit
import Vapor

/// `GET /l/{code}`: the one anonymous write (SECURITY.md). A known, enabled
/// code answers 302 to its destination with the UTM parameters and
/// `fnf_click=<click id>`, and the click goes into the recorder's buffer;
/// anything else is the 404 page in the visitor's language. No session,
/// nothing read from the request but the code, the client address
/// (through the trusted proxies) and the user agent — and, on a link split
/// by an experiment only, the visitor's own random identifier in the
/// `fnf_v` cookie (set on the first visit, scoped to `/l/`), which keeps
/// each visitor in one arm.
struct LinkRedirect {
    func boot(_ root: any RoutesBuilder) {
        root.get("l", ":code", use: redirect)
    }

    @Sendable func redirect(req: Request) -> EventLoopFuture<Response> {
        let code = req.parameters.get("code") ?? ""
        guard ShortCode.isWellFormed(Substring(code)) else { return req.eventLoop.makeFailedFuture(Self.notFound) }
        let now = Date()
        if let cached = req.application.linkCache.lookup(code, now: now) {
            guard let link = cached else { return req.eventLoop.makeFailedFuture(Self.notFound) }
            return respond(req, link, now: now)
        }
        return req.eventLoop.makeFutureWithTask {
            let link = try await Self.load(code, on: req.db)
            req.application.linkCache.remember(code, link, now: now)
            guard let link else { throw Self.notFound }
            return try await respond(req, link, now: now).get()
        }
    }

    static var notFound: Problem { Problem(.notFound, "There is no link with this address, or it was switched off.") }

    static func load(_ code: String, on db: any Database) async throws -> CachedLink? {
        guard let sql = db as? any SQLDatabase,
            let row = try await sql.raw(
                "SELECT id, workspace_id, destination_with_utm, split FROM short_links WHERE code = \(bind: code) AND disabled_at IS NULL"
            ).first()
        else { return nil }
        let split = try row.decode(column: "split", as: String?.self).flatMap { try? JSONDecoder().decode(LinkSplit.self, from: Data($0.utf8)) }
        return CachedLink(
            id: try row.decode(column: "id", as: UUID.self), workspaceID: try row.decode(column: "workspace_id", as: UUID.self),
            destinationWithUTM: try row.decode(column: "destination_with_utm", as: String.self), split: split?.arms.isEmpty == false ? split : nil)
    }

    private func respond(_ req: Request, _ link: CachedLink, now: Date) -> EventLoopFuture<Response> {
        let recorder = req.application.clickRecorder
        let userAgent = req.headers.first(name: .userAgent) ?? ""
        var visitorID: String?
        var newVisitor: String?
        if link.split != nil {
            let known = req.cookies[LinkSplit.cookie]?.string
            visitorID = known.flatMap { LinkSplit.isVisitorID($0) ? $0 : nil } ?? LinkSplit.newVisitorID()
            if visitorID != known { newVisitor = visitorID }
        }
        let (click, destination) = recorder.visit(link, address: req.clientAddress, userAgent: userAgent, visitorID: visitorID, at: now)
        let location = LinkDestination.appending("fnf_click", click.id.uuidString.lowercased(), to: destination)
        let response = Response(status: .found)
        if let newVisitor {
            // An assignment, not a credential; scripts never see it, and
            // BrowserCookiesMiddleware marks it Secure under HTTPS like every cookie.
            response.cookies[LinkSplit.cookie] = HTTPCookies.Value(
                string: newVisitor, maxAge: 180 * 86_400, path: "/l/", isHTTPOnly: true, sameSite: .lax)
        }
        response.headers.replaceOrAdd(name: .location, value: location)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "strict-origin-when-cross-origin")
        guard recorder.add(click) else { return req.eventLoop.makeSucceededFuture(response) }
        // The buffer is full: write it before answering rather than drop a click.
        return req.eventLoop.makeFutureWithTask {
            try await recorder.flush()
            return response
        }
    }
}
