import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Putting an approved post on the calendar, taking it off, publishing it
/// now. Scheduling queues one publishing job per variant; unscheduling and
/// rescheduling raise the version, which cancels the queued jobs.
extension PostService {
    /// `at` nil: publish now.
    func schedule(_ rawID: String?, at: Date?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Post {
        try access.require(.contentSchedule)
        return try await db.writeTransaction { tx in
            let post = try await access.find(Post.self, rawID, on: tx, what: "Post")
            switch post.postStatus {
            case .approved, .scheduled, .failed: break
            case .draft, .rejected, .inReview:
                throw Problem(
                    .conflict, "Only an approved post can be scheduled; this one is \(post.status.replacingOccurrences(of: "_", with: " ")).",
                    type: "post-not-approved")
            case .publishing, .published, .handOff:
                throw Problem(.conflict, "This post is already (being) published.", type: "post-published")
            }
            if let at, at < now.addingTimeInterval(-60) {
                throw ValidationErrors("scheduled_at", .futureOrNow)
            }
            let when = at ?? now
            if let problem = try await AssetRegister.problem(for: post, at: when, on: tx) {
                throw ValidationErrors("asset_ids", problem)
            }
            let variants = try await PostVariant.query(on: tx).filter(\.$post.$id == post.id!).with(\.$account).all()
            for variant in variants {
                if let refusal = try await PublishQuotas.refusal(for: variant, at: when, excluding: post.id!, on: tx) {
                    throw ValidationErrors("scheduled_at", refusal)
                }
            }
            let before = ["status": post.status, "scheduled_at": post.scheduledAt.map { ISO8601DateFormatter().string(from: $0) } ?? ""]
            post.scheduledAt = when
            post.version += 1
            post.status = Post.Status.scheduled.rawValue
            post.updatedAt = now
            try await post.save(on: tx)
            // A failed variant goes again; a published one stays published,
            // and one that may be out already is never queued again.
            let toQueue = variants.filter { VariantLifecycle.next(from: $0.variantState, on: .scheduled) != nil }
            for variant in toQueue {
                try variant.move(.scheduled)
                variant.updatedAt = now
                try await variant.save(on: tx)
            }
            try await PublishingService.enqueue(post, variants: toQueue, on: tx, now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: at == nil ? "post.publish_now" : "post.scheduled", targetType: "post",
                targetID: post.id, before: before, after: ["scheduled_at": ISO8601DateFormatter().string(from: when)], now: now)
            return post
        }
    }

    func unschedule(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Post {
        try access.require(.contentSchedule)
        return try await db.writeTransaction { tx in
            let post = try await access.find(Post.self, rawID, on: tx, what: "Post")
            guard post.postStatus == .scheduled else {
                throw Problem(.conflict, "Only a scheduled post that has not started publishing can be unscheduled.", type: "post-not-scheduled")
            }
            let variants = try await PostVariant.query(on: tx).filter(\.$post.$id == post.id!).all()
            if variants.contains(where: { [.publishing, .unconfirmed].contains($0.variantState) }) {
                throw Problem(.conflict, "This post is being published right now.", type: "post-publishing")
            }
            for variant in variants where variant.variantState == .queued {
                try variant.move(.unscheduled)
                variant.updatedAt = now
                try await variant.save(on: tx)
            }
            let before = ["scheduled_at": post.scheduledAt.map { ISO8601DateFormatter().string(from: $0) } ?? ""]
            post.scheduledAt = nil
            post.version += 1
            post.status = Post.Status.approved.rawValue
            post.updatedAt = now
            try await post.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.unscheduled", targetType: "post", targetID: post.id,
                before: before, now: now)
            return post
        }
    }
}

/// The copyright register's veto: an asset whose licence is unknown or
/// has expired by the publishing time cannot go out.
enum AssetRegister {
    /// The first licence problem of each post that has one, named by its asset.
    static func problems(for posts: Set<UUID>, at date: Date, on db: any Database) async throws -> [UUID: CodedMessage] {
        guard !posts.isEmpty else { return [:] }
        var found: [UUID: CodedMessage] = [:]
        for link in try await PostAsset.query(on: db).filter(\.$post.$id ~~ posts).with(\.$asset).all() where found[link.$post.id] == nil {
            if let problem = AssetRights.problem(for: link.asset.licenceEntry, at: date) {
                found[link.$post.id] = .atPath(path: link.asset.name, message: problem)
            }
        }
        return found
    }

    /// Each post's assets in the order the post shows them.
    static func media(for posts: Set<UUID>, on db: any Database) async throws -> [UUID: [Asset]] {
        guard !posts.isEmpty else { return [:] }
        let links = try await PostAsset.query(on: db).filter(\.$post.$id ~~ posts).with(\.$asset).sort(\.$position).all()
        return Dictionary(grouping: links, by: { $0.$post.id }).mapValues { $0.map(\.asset) }
    }

    static func problem(for post: Post, at date: Date, on db: any Database) async throws -> CodedMessage? {
        let links = try await PostAsset.query(on: db).filter(\.$post.$id == post.id!).with(\.$asset).all()
        for link in links {
            if let problem = AssetRights.problem(for: link.asset.licenceEntry, at: date) {
                return .atPath(path: link.asset.name, message: problem)
            }
        }
        return nil
    }
}

extension Asset {
    var licenceEntry: AssetLicence {
        AssetLicence(source: source, licence: LicenceKind(rawValue: licence) ?? .unknown, expiresAt: licenceExpiresAt, proof: proof)
    }
}

/// Limits a platform puts on how often an account may publish (WeChat's
/// mass sends), checked when scheduling so Fanfare refuses what the
/// platform would refuse.
enum PublishQuotas {
    static func refusal(for variant: PostVariant, at date: Date, excluding postID: UUID, on db: any Database) async throws -> CodedMessage? {
        guard let quota = ConnectorRegistry.publishQuota(platform: variant.platform, settings: variant.account.settings) else { return nil }
        let others = try await PostVariant.query(on: db)
            .join(Post.self, on: \PostVariant.$post.$id == \Post.$id)
            .filter(\.$account.$id == variant.$account.id)
            .filter(\.$post.$id != postID)
            .filter(\.$state ~~ [PostVariant.State.queued.rawValue, PostVariant.State.publishing.rawValue, PostVariant.State.published.rawValue])
            .all()
        let dates = try others.compactMap { try $0.publishedAt ?? $0.joined(Post.self).scheduledAt }
        if case .refused(let reason, _) = quota.check(existing: dates, proposed: date) { return reason }
        return nil
    }
}
