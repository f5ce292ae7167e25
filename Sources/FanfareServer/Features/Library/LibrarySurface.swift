import FanfareCore
import Fluent
import Vapor

/// What other features may ask of the library: marking posts as hits
/// (爆款) when an experiment proves them (Experiments, on ending with a
/// winner whose arm names posts).
enum ContentHits {
    /// What the experiment found, as the hit keeps it.
    struct Finding: Sendable {
        var experimentID: UUID
        var experimentName: String
        var armName: String
        var uplift: Double?
        var chanceToWin: Double?
        var quasiExperiment: Bool
    }

    /// Marks each of the workspace's `postIDs` a hit, in the caller's
    /// transaction, audited; a post already marked by this experiment stays
    /// as it is. Returns how many were marked.
    @discardableResult
    static func mark(
        _ postIDs: [UUID], _ finding: Finding, workspaceID: UUID, actor: Actor, on db: any Database, now: Date = Date()
    ) async throws -> Int {
        guard !postIDs.isEmpty else { return 0 }
        let known = Set(
            try await Post.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id ~~ postIDs).all().compactMap(\.id))
        let already = Set(
            try await ContentHit.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$experimentID == finding.experimentID).all()
                .map(\.postID))
        var marked = 0
        for postID in postIDs where known.contains(postID) && !already.contains(postID) {
            let hit = ContentHit()
            hit.id = TimeOrderedID.make(at: now)
            hit.$workspace.id = workspaceID
            hit.postID = postID
            hit.experimentID = finding.experimentID
            hit.experimentName = finding.experimentName
            hit.armName = finding.armName
            hit.uplift = finding.uplift
            hit.chanceToWin = finding.chanceToWin
            hit.quasiExperiment = finding.quasiExperiment
            hit.markedBy = actor.userID
            hit.markedAt = now
            try await hit.create(on: db)
            try await AuditLog.record(
                on: db, actor: actor, workspaceID: workspaceID, action: "library.hit_marked", targetType: "content_hit", targetID: hit.id,
                after: ["post": postID.uuidString.lowercased(), "experiment": finding.experimentName], now: now)
            marked += 1
        }
        return marked
    }
}
