import FanfareCore
import Fluent
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

    static func workload(of actor: Actor, in access: WorkspaceAccess, on db: any Database, now: Date = Date()) async throws -> Workload {
        guard access.can(.contentView) else { return Workload() }
        var workload = Workload()
        // Posts in review are few (a team reviews dozens, not thousands), so
        // their stored processes are read and asked in Core.
        let inReview = try await access.query(Post.self, on: db).filter(\.$status == Post.Status.inReview.rawValue).field(\.$id).field(\.$reviewJSON)
            .all()
        workload.awaitingMyReview =
            inReview.filter { post in
                (try? ReviewProcess(json: post.reviewJSON))?.awaitsDecision(from: access.role, actor: actor.reviewID) ?? false
            }.count
        let day = today(in: access.workspace.zone, now: now)
        workload.dueToday = try await access.query(Post.self, on: db).filter(\.$status == Post.Status.scheduled.rawValue)
            .filter(\.$scheduledAt >= day.lowerBound).filter(\.$scheduledAt < day.upperBound).count()
        workload.failed = try await access.query(Post.self, on: db).filter(\.$status == Post.Status.failed.rawValue).count()
        return workload
    }
}
