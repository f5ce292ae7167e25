import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The Sandbox platform's page of one of its posts, served by Fanfare
/// itself at `/sandbox/@{account}/{post}` (the link a Sandbox post carries,
/// "view on platform"): the text, when it went out, the numbers the
/// platform shows for it, and the comments its fans wrote with the brand's
/// replies. Read-only, as a platform's page is to its readers.
///
/// Only members of the workspace that published the post may open it;
/// anyone else, signed in or not, gets the sign-in page or a 404. On its
/// pretend platform the post is public, but the Sandbox is where a team
/// rehearses: its posts can be an unannounced launch, and its comments
/// include what members typed as fans. A page open to everyone would also
/// make any Fanfare on the internet a host for whatever its users publish
/// to the Sandbox.
struct SandboxPostPage {
    /// Where the pages are: the Sandbox connector's post links start here.
    static let path = "/sandbox"
    /// Comments shown at most, newest first (the count says how many more).
    static let commentLimit = 200

    static func register(_ signedInPages: any RoutesBuilder) {
        signedInPages.get("sandbox", ":account", ":post", use: Self().show)
    }

    /// The page's address for a Sandbox post, relative to this server.
    static func link(handle: String, remoteID: String) -> String {
        SandboxConnector.postLink(base: path, account: handle, id: remoteID)
    }

    struct Comment {
        var id: String
        var author: String
        var text: String
        var at: Date
        var replies: [(text: String, at: Date)]
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        guard let user = req.auth.get(User.self), let raw = req.parameters.get("account"), raw.hasPrefix("@"),
            let remoteID = req.parameters.get("post")
        else { throw Problem.notFound("Page") }
        let handle = String(raw.dropFirst())
        // The post as the workspace knows it: only its members may look.
        let variants = try await PostVariant.query(on: req.db).filter(\.$remoteID == remoteID).join(
            SocialAccount.self, on: \PostVariant.$account.$id == \SocialAccount.$id
        )
        .filter(SocialAccount.self, \.$platform == "sandbox").filter(SocialAccount.self, \.$handle == handle).all()
        var found: (variant: PostVariant, account: SocialAccount)?
        for variant in variants {
            let member = try await Membership.query(on: req.db).filter(\.$workspace.$id == variant.$workspace.id).filter(\.$user.$id == user.id!)
                .first()
            if member != nil { found = (variant, try variant.joined(SocialAccount.self)) }
        }
        guard let (variant, account) = found,
            let record = try await SandboxPostRecord.query(on: req.db).filter(\.$id == remoteID).filter(\.$account == handle)
                .filter(\.$deleted == false).first()
        else { throw Problem.notFound("Page") }

        let now = Date()
        let connector = try AccountService(db: req.db, app: req.application).connector(for: account)
        let metrics = try? await connector.metrics(of: remoteID)
        let comments = try await Self.comments(on: record.post, account: account, db: req.db, now: now)
        let ctx = try await PageContext.make(req)
        let simulated = account.rulesPlatform == "sandbox" ? "" : " · " + ctx.t("sandbox.simulates", ctx.t("platform." + account.rulesPlatform))
        let figures: [(String, Int?)] = [
            ("impressions", metrics?.impressions), ("likes", metrics?.likes), ("comments", metrics?.comments), ("shares", metrics?.shares),
        ]
        let tiles = figures.map { key, value -> HTML in
            "<div class=\"tile\" data-metric=\"\(key)\"><span class=\"muted\">\(ctx.t("metrics." + key))</span> <strong>\(value.map(String.init) ?? "—")</strong></div>"
        }
        let list = comments.prefix(Self.commentLimit).map { comment -> HTML in
            let replies = comment.replies.map { reply -> HTML in
                "<li class=\"reply\"><strong>@\(account.handle)</strong> \(reply.text) <span class=\"muted\">\(Layout.time(reply.at, ctx))</span></li>"
            }
            return """
                <li class="comment" data-comment="\(comment.id)"><strong>\(comment.author)</strong> \(comment.text) <span class="muted">\(Layout.time(comment.at, ctx))</span>\(replies.isEmpty ? HTML.empty : "<ul class=\"replies\">\(replies)</ul>")</li>
                """
        }
        let more: HTML =
            comments.count > Self.commentLimit
            ? "<p class=\"muted\">\(ctx.t("sandbox.more_comments", String(comments.count - Self.commentLimit)))</p>" : .empty
        let back = "/w/\(try await Workspace.find(variant.$workspace.id, on: req.db)?.slug ?? "")/posts/\(variant.$post.id.uuidString)"
        return Layout.page(
            ctx, title: ctx.t("sandbox.post_title", account.displayName),
            """
            <section class="narrow sandbox-post" id="sandbox-post" data-remote-id="\(remoteID)">
            <p class="flash flash-notice">\(ctx.t("sandbox.notice"))</p>
            <header><h1>\(account.displayName) <small class="muted">@\(account.handle)</small></h1>
            <p class="muted">\(ctx.t("platform.sandbox"))\(simulated) · \(ctx.t("sandbox.published")) \(Layout.time(record.publishedAt, ctx))</p></header>
            <article class="card">\(variant.title.map { t -> HTML in "<h2>\(t)</h2>" })<p class="variant-text" id="sandbox-text">\(variant.text)</p>
            \(variant.tags.isEmpty ? HTML.empty : HTML("<p class=\"muted\">#\(variant.tags.joined(separator: " #"))</p>"))</article>
            <div class="tiles" id="sandbox-metrics">\(tiles)</div>
            <h2>\(ctx.t("sandbox.comments", String(comments.count)))</h2>
            \(comments.isEmpty ? HTML("<p class=\"muted\">\(ctx.t("sandbox.no_comments"))</p>") : HTML("<ol class=\"comments\" id=\"sandbox-comments\">\(list)</ol>"))
            \(more)
            <p><a href="\(back)">\(ctx.t("sandbox.back"))</a></p>
            </section>
            """)
    }

    /// Every comment the post has by `now`, newest first: the simulated
    /// audience's and those people wrote as Sandbox fans, each with the
    /// brand's replies to it.
    static func comments(on post: PublishedPost, account: SocialAccount, db: any Database, now: Date) async throws -> [Comment] {
        var comments = SandboxAudience(seed: UInt64(bitPattern: account.seed)).interactions(for: post)
            .filter { $0.kind == .comment && $0.at <= now }
            .map { Comment(id: $0.remoteID, author: $0.authorName, text: $0.text ?? "", at: $0.at, replies: []) }
        guard let sql = db as? any SQLDatabase else { return comments }
        for row in try await sql.raw(
            """
            SELECT remote_id, author_name, text, at FROM sandbox_fan_messages
            WHERE account = \(bind: account.handle) AND post_remote_id = \(bind: post.remoteID) AND kind = \(bind: InteractionKind.comment.rawValue)
            """
        ).all() {
            let at = try row.decode(column: "at", as: Date.self)
            guard at <= now else { continue }
            comments.append(
                Comment(
                    id: try row.decode(column: "remote_id", as: String.self), author: try row.decode(column: "author_name", as: String.self),
                    text: try row.decode(column: "text", as: String.self), at: at, replies: []))
        }
        var replies: [String: [(text: String, at: Date)]] = [:]
        let ids = comments.map(\.id)
        for start in stride(from: 0, to: ids.count, by: 500) {
            let rows = try await sql.select().columns("in_reply_to", "text", "at").from("sandbox_replies")
                .where("account", .equal, account.handle).where("in_reply_to", .in, Array(ids[start..<min(ids.count, start + 500)])).all()
            for row in rows {
                replies[try row.decode(column: "in_reply_to", as: String.self), default: []].append(
                    (try row.decode(column: "text", as: String.self), try row.decode(column: "at", as: Date.self)))
            }
        }
        for index in comments.indices { comments[index].replies = (replies[comments[index].id] ?? []).sorted { $0.at < $1.at } }
        return comments.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
    }
}
