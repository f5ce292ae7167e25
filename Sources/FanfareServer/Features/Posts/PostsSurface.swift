import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of Posts: one person's content work, counted
/// for the 工作台. The posts list answers the same questions as filters
/// (`review=mine`, `due=today`, `status=failed`), so a count opens its rows.
extension PostService {
    struct Workload: Sendable, Equatable {
        /// Posts whose open review step this person may decide.
        var awaitingMyReview = 0
        /// Scheduled posts going out today, in the workspace's time zone.
        var dueToday = 0
        /// Posts whose publishing failed and wait for someone to act.
        var failed = 0
    }

    /// Today in the workspace's time zone, as the half-open interval the
    /// `due=today` filter and the count both use.
    static func today(in zone: TimeZone, now: Date) -> Range<Date> {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: now)
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        return start..<end
    }

    /// One statement: the two counts, and beside them the stored review of
    /// each post in review (one row each, or one row with none). Posts in
    /// review are few (a team reviews dozens, not thousands), so their
    /// stored processes are read and asked in Core.
    static func workload(of actor: Actor, in access: WorkspaceAccess, on db: any Database, now: Date = Date()) async throws -> Workload {
        guard access.can(.contentView), let sql = db as? any SQLDatabase else { return Workload() }
        let id = access.workspaceID
        let day = today(in: access.workspace.zone, now: now)
        let rows = try await sql.raw(
            """
            SELECT c.due, c.failed, p.review FROM (SELECT \
            (SELECT COUNT(*) FROM posts WHERE workspace_id = \(bind: id) AND status = \(bind: Post.Status.scheduled.rawValue) \
            AND scheduled_at >= \(bind: day.lowerBound) AND scheduled_at < \(bind: day.upperBound)) AS due, \
            (SELECT COUNT(*) FROM posts WHERE workspace_id = \(bind: id) AND status = \(bind: Post.Status.failed.rawValue)) AS failed) c \
            LEFT JOIN posts p ON p.workspace_id = \(bind: id) AND p.status = \(bind: Post.Status.inReview.rawValue)
            """
        ).all()
        var workload = Workload()
        for row in rows {
            workload.dueToday = try row.decode(column: "due", as: Int.self)
            workload.failed = try row.decode(column: "failed", as: Int.self)
            guard let json = try row.decode(column: "review", as: String?.self) else { continue }
            if (try? ReviewProcess(json: json))?.awaitsDecision(from: access.role, actor: actor.reviewID) == true { workload.awaitingMyReview += 1 }
        }
        return workload
    }
}

extension PostService {
    /// A post as other features name it (Experiments' post arms, the
    /// library's hits): its title or the start of its text.
    struct PostLabel: Sendable, Equatable {
        var id: UUID
        var title: String?
        var body: String
        var status: String
        var label: String { (title?.isEmpty == false ? title! : String(body.prefix(40))) }
    }

    /// The workspace's own posts among `ids` (another workspace's are not
    /// found), by id.
    static func labels(_ ids: [UUID], in access: WorkspaceAccess, on db: any Database) async throws -> [UUID: PostLabel] {
        guard !ids.isEmpty else { return [:] }
        let posts = try await access.query(Post.self, on: db).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: posts.map { ($0.id!, PostLabel(id: $0.id!, title: $0.title, body: $0.body, status: $0.status)) })
    }

    /// What `accountID` would send of the post: its variant for that account
    /// when it has one, else the post's own title and body (a post written
    /// for other accounts). Pictures stay out: a group send carries the
    /// account's cover (docs/experiments.md, "Randomised by audience").
    static func content(of postID: UUID, for accountID: UUID, workspaceID: UUID, on db: any Database) async throws -> Variant? {
        guard let post = try await Post.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id == postID).first() else { return nil }
        if let variant = try await PostVariant.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$post.$id == postID)
            .filter(\.$account.$id == accountID).first()
        {
            return Variant(title: variant.title ?? post.title, text: variant.text, tags: variant.tags)
        }
        return Variant(title: post.title, text: post.body)
    }

    /// The ids of the workspace's latest published posts, newest first (what
    /// a plan for post arms reads its history from).
    static func recentPublishedIDs(workspaceID: UUID, limit: Int, on db: any Database) async throws -> [UUID] {
        try await Post.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$status == Post.Status.published.rawValue)
            .sort(\.$updatedAt, .descending).limit(limit).all().compactMap(\.id)
    }

    /// The workspace's latest published posts (what a post arm may name), newest first.
    static func recentPublished(in access: WorkspaceAccess, limit: Int, on db: any Database) async throws -> [PostLabel] {
        try await access.query(Post.self, on: db).filter(\.$status == Post.Status.published.rawValue).sort(\.$updatedAt, .descending).limit(limit)
            .all().map { PostLabel(id: $0.id!, title: $0.title, body: $0.body, status: $0.status) }
    }
}

/// What Campaigns may ask of Posts: a campaign's posts, and keeping their
/// campaign name in step with the campaign.
extension PostService {
    struct CampaignPost: Sendable, Equatable {
        var id: UUID
        var title: String
        var status: String
        var scheduledAt: Date?
    }

    /// A campaign's posts, by when they go out (unscheduled last); at most `limit`.
    static func posts(ofCampaign campaignID: UUID, workspaceID: UUID, limit: Int = 200, on db: any Database) async throws -> [CampaignPost] {
        try await Post.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$campaignID == campaignID).sort(\.$scheduledAt).sort(
            \.$createdAt
        )
        .limit(limit).all()
        .map { CampaignPost(id: $0.id!, title: $0.title ?? String($0.body.prefix(40)), status: $0.status, scheduledAt: $0.scheduledAt) }
    }

    /// The campaign's new name on its posts (the analytics filters read it).
    static func renameCampaign(_ campaignID: UUID, to name: String, on db: any Database) async throws {
        try await Post.query(on: db).filter(\.$campaignID == campaignID).set(\.$campaign, to: name).update()
    }

    /// A deleted campaign's posts belong to no campaign.
    static func dropCampaign(_ campaignID: UUID, on db: any Database) async throws {
        try await Post.query(on: db).filter(\.$campaignID == campaignID).set(\.$campaign, to: nil).set(\.$campaignID, to: nil).update()
    }
}
