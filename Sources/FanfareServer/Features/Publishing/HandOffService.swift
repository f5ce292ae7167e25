import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// The end of a hand-off: the person who published by hand records the
/// post's link, and Fanfare tracks it from there like any other.
enum HandOffService {
    static func recordPublished(
        postID: String?, variantID: String?, url raw: String, in access: WorkspaceAccess, actor: Actor, db: any Database, now: Date = Date()
    ) async throws -> Post {
        try access.require(.contentSchedule)
        let post = try await access.find(Post.self, postID, on: db, what: "Post")
        let variant = try await access.find(PostVariant.self, variantID, on: db, what: "Variant")
        guard variant.$post.id == post.id else { throw Problem.notFound("Variant") }
        guard variant.variantState == .handOff else {
            throw Problem(.conflict, "Only a variant waiting to be published by hand takes a published link.", type: "variant-not-hand-off")
        }
        let link: HandOffLink
        do {
            link = try HandOffPackage.validatePublishedURL(raw, platform: variant.platform)
        } catch {
            if case .rejected(let reason) = error { throw ValidationErrors("url", .platformSaid(text: reason)) }
            throw ValidationErrors("url", .publishedLink(platform: variant.platform))
        }
        try await db.writeTransaction { tx in
            try variant.move(.publishedByHand)
            variant.remoteID = link.remoteID
            variant.url = link.url
            variant.publishedAt = now
            variant.updatedAt = now
            try await variant.save(on: tx)
            try await PostProgress.refresh(post, on: tx, now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.published_by_hand", targetType: "post", targetID: post.id,
                after: ["url": link.url, "platform": variant.platform], now: now)
        }
        return post
    }
}
