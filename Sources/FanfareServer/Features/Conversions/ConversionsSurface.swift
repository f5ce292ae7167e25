import FanfareCore
import Fluent
import Vapor

/// What other features may ask of Conversions: a post's links with their
/// clicks (for the post page), and recording events (the demo sends its
/// stream through the same service as the API).
extension LinkService {
    /// The post page's section: the post's links, their total and unique clicks, and a link to make one.
    static func postSection(postID: UUID, _ ctx: PageContext, access: WorkspaceAccess, shortBase: String, on db: any Database) async throws -> HTML {
        let found = try await LinksPage.query(access: access, cursor: nil, postID: postID, on: db)
        let base = "/w/\(access.workspace.slug)"
        let model = LinksPage.model(
            found, base: base, shortBase: shortBase, canEdit: access.can(.contentEdit), values: [:], errors: FormErrors(), prefillPost: nil,
            locale: ctx.locale)
        return LinksPage.postSection(
            model.items, newHref: access.can(.contentEdit) ? "\(base)/links?post_id=\(postID.uuidString)" : nil, ctx)
    }
}

extension EventService {
    /// Records events made by Fanfare itself (the demo), through the same
    /// checks and writes as `POST …/events`.
    static func recordStream(_ items: [[String: Any]], workspaceID: UUID, now: Date, on db: any Database) async throws -> Outcome {
        let (events, issues) = EventBatchReader.read(items, now: now)
        return try await EventService(db: db).record(events, issues: issues, workspaceID: workspaceID, now: now)
    }
}

extension ClickRecorder {
    /// A click on the link with `code`, as the redirect records it (the
    /// demo's visitors); false when there is no such enabled link.
    func recordVisit(code: String, address: String, userAgent: String, at now: Date, on db: any Database) async throws -> Bool {
        guard let link = try await LinkRedirect.load(code, on: db) else { return false }
        if add(click(on: link, address: address, userAgent: userAgent, at: now)) { try await flush() }
        return true
    }
}
