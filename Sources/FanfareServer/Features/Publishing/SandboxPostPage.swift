import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The Sandbox platform's page of one of its posts, served by Fanfare
/// itself at `/sandbox/@{account}/{post}` (the link a Sandbox post carries,
/// "view on platform"): the text, when it went out, the numbers the
/// platform shows for it, and the comments its fans wrote with the brand's
/// replies. Read-only, as a platform's page is to its readers. Query →
/// model → view; the model and the view are tested without a database.
///
/// Only members of the workspace that published the post may open it;
/// anyone else, signed in or not, gets the sign-in page or a 404. On its
/// pretend platform the post is public, but the Sandbox is where a team
/// rehearses: its posts can be an unannounced launch, and its comments
/// include what members typed as fans. A page open to everyone would also
/// make any Fanfare on the internet a host for whatever its users publish
/// to the Sandbox.
enum SandboxPostPage {
    /// Where the pages are: the Sandbox connector's post links start here.
    static let path = "/sandbox"
    /// Comments shown at most, newest first (the count says how many more).
    static let commentLimit = 200

    static func register(_ signedInPages: any RoutesBuilder) {
        signedInPages.get("sandbox", ":account", ":post", use: show)
    }

    /// The page's address for a Sandbox post, relative to this server.
    static func link(handle: String, remoteID: String) -> String {
        SandboxConnector.postLink(base: path, account: handle, id: remoteID)
    }

    struct Comment: Sendable, Equatable {
        var id: String
        var author: String
        var text: String
        var at: Date
        var replies: [Reply]
    }

    struct Reply: Sendable, Equatable {
        var text: String
        var at: Date
    }

    /// What the database and the platform answered.
    struct Found: Sendable {
        var remoteID: String
        var handle: String
        var displayName: String
        /// The platform whose rules the account follows (`sandbox` when none).
        var simulates: String
        var title: String?
        var text: String
        var tags: [String]
        var publishedAt: Date
        /// Nil when the platform could not be asked.
        var metrics: PostMetrics?
        /// Every comment, newest first.
        var comments: [Comment]
        var workspaceSlug: String
        var postID: UUID
    }

    struct Tile: Sendable, Equatable {
        var metric: String
        var label: String
        var value: String
    }

    struct Model: Sendable {
        var pageTitle: String
        var remoteID: String
        var displayName: String
        var handle: String
        /// "沙盒平台 · 模拟微博 · 发布于".
        var platformLine: String
        var publishedAt: Date
        var title: String?
        var text: String
        /// "#a #b", or nil without tags.
        var tags: String?
        var tiles: [Tile]
        var commentsHeading: String
        var comments: [Comment]
        /// Said when there are none.
        var noComments: String?
        /// Said when some are not shown.
        var more: String?
        var back: (label: String, href: String)
    }

    @Sendable static func show(req: Request) async throws -> HTMLResponse {
        guard let user = req.auth.get(User.self), let raw = req.parameters.get("account"), raw.hasPrefix("@"), raw.count > 1,
            let remoteID = req.parameters.get("post")
        else { throw Problem.notFound("Page") }
        guard let found = try await query(handle: String(raw.dropFirst()), remoteID: remoteID, user: user, app: req.application, on: req.db)
        else { throw Problem.notFound("Page") }
        let ctx = try await PageContext.make(req)
        let model = model(found, locale: ctx.locale)
        return Layout.page(ctx, title: model.pageTitle, view(model, ctx))
    }

    /// The post as the workspace that published it knows it, if `user` is
    /// one of its members and the platform still has it; its numbers and
    /// comments as of `now`.
    static func query(
        handle: String, remoteID: String, user: User, app: Application, on db: any Database, now: Date = Date()
    ) async throws -> Found? {
        let variants = try await PostVariant.query(on: db).filter(\.$remoteID == remoteID)
            .join(SocialAccount.self, on: \PostVariant.$account.$id == \SocialAccount.$id)
            .filter(SocialAccount.self, \.$platform == "sandbox").filter(SocialAccount.self, \.$handle == handle).all()
        var mine: (variant: PostVariant, account: SocialAccount, workspace: Workspace)?
        for variant in variants {
            guard try await Membership.query(on: db).filter(\.$workspace.$id == variant.$workspace.id).filter(\.$user.$id == user.id!).first() != nil,
                let workspace = try await Workspace.find(variant.$workspace.id, on: db)
            else { continue }
            mine = (variant, try variant.joined(SocialAccount.self), workspace)
        }
        guard let (variant, account, workspace) = mine,
            let record = try await SandboxPostRecord.query(on: db).filter(\.$id == remoteID).filter(\.$account == handle)
                .filter(\.$deleted == false).first()
        else { return nil }
        let connector = PublishingService.sandboxConnector(for: account, db: db, app: app, clock: { now })
        return Found(
            remoteID: remoteID, handle: account.handle, displayName: account.displayName, simulates: account.rulesPlatform, title: variant.title,
            text: variant.text, tags: variant.tags, publishedAt: record.publishedAt, metrics: try? await connector.metrics(of: remoteID),
            comments: try await comments(on: record.post, account: account, db: db, now: now), workspaceSlug: workspace.slug,
            postID: variant.$post.id)
    }

    static func model(_ found: Found, locale: UILocale) -> Model {
        func t(_ key: String, _ args: String...) -> String { I18n.text(key, locale, args) }
        var platform = t("platform.sandbox")
        if found.simulates != "sandbox" { platform += " · " + t("sandbox.simulates", t("platform." + found.simulates)) }
        let figures: [(String, Int?)] = [
            ("impressions", found.metrics?.impressions), ("likes", found.metrics?.likes), ("comments", found.metrics?.comments),
            ("shares", found.metrics?.shares),
        ]
        let shown = Array(found.comments.prefix(commentLimit))
        return Model(
            pageTitle: t("sandbox.post_title", found.displayName), remoteID: found.remoteID, displayName: found.displayName, handle: found.handle,
            platformLine: platform + " · " + t("sandbox.published"), publishedAt: found.publishedAt, title: found.title, text: found.text,
            tags: found.tags.isEmpty ? nil : "#" + found.tags.joined(separator: " #"),
            tiles: figures.map { key, value in Tile(metric: key, label: t("metrics." + key), value: value.map { Formats.count($0, locale) } ?? "—") },
            commentsHeading: t("sandbox.comments", Formats.count(found.comments.count, locale)), comments: shown,
            noComments: found.comments.isEmpty ? t("sandbox.no_comments") : nil,
            more: found.comments.count > shown.count ? t("sandbox.more_comments", Formats.count(found.comments.count - shown.count, locale)) : nil,
            back: (t("sandbox.back"), "/w/\(found.workspaceSlug)/posts/\(found.postID.uuidString)"))
    }

    /// What people and the simulated audience wrote (names, handles, the
    /// post, comments, replies) is marked `translate="no"`.
    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let tiles = model.tiles.map { tile -> HTML in
            "<div class=\"tile\" data-metric=\"\(tile.metric)\"><span class=\"muted\">\(tile.label)</span> <strong>\(tile.value)</strong></div>"
        }
        let comments = model.comments.map { comment -> HTML in
            let replies = comment.replies.map { reply -> HTML in
                """
                <li class="reply"><strong translate="no">@\(model.handle)</strong> <span translate="no">\(reply.text)</span> \
                <span class="muted">\(Layout.time(reply.at, ctx))</span></li>
                """
            }
            return """
                <li class="comment" data-comment="\(comment.id)"><strong translate="no">\(comment.author)</strong> \
                <span translate="no">\(comment.text)</span> <span class="muted">\(Layout.time(comment.at, ctx))</span>\
                \(replies.isEmpty ? HTML.empty : "<ul class=\"replies\">\(replies)</ul>")</li>
                """
        }
        let list: HTML =
            model.noComments.map { text -> HTML in "<p class=\"muted\">\(text)</p>" }
            ?? "<ol class=\"comments\" id=\"sandbox-comments\">\(comments)</ol>"
        return """
            <section class="narrow sandbox-post" id="sandbox-post" data-remote-id="\(model.remoteID)">
            <p class="flash flash-notice">\(ctx.t("sandbox.notice"))</p>
            <header><h1><span translate="no">\(model.displayName)</span> <small class="muted" translate="no">@\(model.handle)</small></h1>
            <p class="muted">\(model.platformLine) \(Layout.time(model.publishedAt, ctx))</p></header>
            <article class="card" translate="no">\(model.title.map { title -> HTML in "<h2>\(title)</h2>" })\
            <p class="variant-text" id="sandbox-text">\(model.text)</p>\
            \(model.tags.map { tags -> HTML in "<p class=\"muted\">\(tags)</p>" })</article>
            <div class="tiles" id="sandbox-metrics">\(tiles)</div>
            <h2>\(model.commentsHeading)</h2>
            \(list)
            \(model.more.map { more -> HTML in "<p class=\"muted\">\(more)</p>" })
            <p><a href="\(model.back.href)">\(model.back.label)</a></p>
            </section>
            """
    }

    /// Every comment the post has by `now`, newest first: the simulated
    /// audience's and those people wrote as Sandbox fans, each with the
    /// brand's replies to it.
    static func comments(on post: PublishedPost, account: SocialAccount, db: any Database, now: Date) async throws -> [Comment] {
        guard let sql = db as? any SQLDatabase else { return [] }
        // What the account hid, deleted or blocked is no longer shown, as a
        // platform would not show it.
        var acted: [String: String] = [:]
        for row in try await sql.raw("SELECT target, state FROM sandbox_moderation WHERE account = \(bind: account.handle)").all() {
            acted[try row.decode(column: "target", as: String.self)] = try row.decode(column: "state", as: String.self)
        }
        var comments = SandboxAudience(seed: UInt64(bitPattern: account.seed)).interactions(for: post)
            .filter { $0.kind == .comment && $0.at <= now && acted[$0.remoteID] == nil && acted[$0.authorID] != "blocked" }
            .map { Comment(id: $0.remoteID, author: $0.authorName, text: $0.text ?? "", at: $0.at, replies: []) }
        for row in try await sql.raw(
            """
            SELECT remote_id, author_id, author_name, text, at FROM sandbox_fan_messages
            WHERE account = \(bind: account.handle) AND post_remote_id = \(bind: post.remoteID) AND kind = \(bind: InteractionKind.comment.rawValue)
            """
        ).all() {
            let at = try row.decode(column: "at", as: Date.self)
            let id = try row.decode(column: "remote_id", as: String.self)
            guard at <= now, acted[id] == nil, acted[try row.decode(column: "author_id", as: String.self)] != "blocked" else { continue }
            comments.append(
                Comment(
                    id: try row.decode(column: "remote_id", as: String.self), author: try row.decode(column: "author_name", as: String.self),
                    text: try row.decode(column: "text", as: String.self), at: at, replies: []))
        }
        var replies: [String: [Reply]] = [:]
        let ids = comments.map(\.id)
        for start in stride(from: 0, to: ids.count, by: 500) {
            let rows = try await sql.select().columns("in_reply_to", "text", "at").from("sandbox_replies")
                .where("account", .equal, account.handle).where("in_reply_to", .in, Array(ids[start..<min(ids.count, start + 500)])).all()
            for row in rows {
                replies[try row.decode(column: "in_reply_to", as: String.self), default: []].append(
                    Reply(text: try row.decode(column: "text", as: String.self), at: try row.decode(column: "at", as: Date.self)))
            }
        }
        for index in comments.indices { comments[index].replies = (replies[comments[index].id] ?? []).sorted { $0.at < $1.at } }
        return comments.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
    }
}
