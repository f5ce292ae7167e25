import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Publishes one variant to its account, exactly once.
///
/// Three guards make "once" hold: the job queue hands a job to one worker
/// at a time; the variant is claimed with a conditional update (state and
/// attempt count must still be what this worker read), so a second job for
/// the same variant finds nothing to do; and every attempt sends the same
/// idempotency key, and a variant whose previous attempt ended without an
/// answer (a crash, a timeout) is first looked up on the platform with that
/// key and only re-sent when the platform does not have it.
enum PublishRunner {
    static let kind = "publish.variant"

    struct Payload: Codable {
        var variantID: UUID
        var version: Int
    }

    /// Queues every variant of `post` for its time (now when nil).
    static func enqueue(_ post: Post, variants: [PostVariant], on db: any Database, now: Date = Date()) async throws {
        let runAt = post.scheduledAt ?? now
        for variant in variants {
            let payload = String(decoding: try JSONEncoder().encode(Payload(variantID: variant.id!, version: post.version)), as: UTF8.self)
            try await JobQueue(db: db).enqueue(
                kind: kind, payload: payload, runAt: runAt, uniqueKey: "\(kind):\(variant.id!.uuidString):v\(post.version)", maxAttempts: 40,
                now: now)
        }
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
        try await publish(variantID: payload.variantID, version: payload.version, app: app, worker: job.leaseOwner ?? "worker")
    }

    static func publish(variantID: UUID, version: Int, app: Application, worker: String, now: Date = Date()) async throws {
        let db = app.db
        guard let variant = try await PostVariant.find(variantID, on: db),
            let post = try await Post.find(variant.$post.id, on: db),
            let account = try await SocialAccount.find(variant.$account.id, on: db)
        else { return }  // deleted since: nothing to publish
        // An edit, an unschedule or a reschedule raised the version: this
        // job was cancelled by it.
        guard post.version == version else { return }
        let previous = variant.variantState
        switch previous {
        case .queued, .unconfirmed: break
        case .publishing:
            if let held = variant.claimExpiresAt, held > now, try await alive(variant.claimedBy, now: now, on: db) {
                throw JobRetry(after: min(held.timeIntervalSince(now) + 1, JobQueue.deadAfter), reason: "another worker holds this variant")
            }
        default: return
        }
        guard try await claim(variant, from: previous, by: worker, now: now, on: db) else { return }

        let attempt = PublishAttempt()
        attempt.id = TimeOrderedID.make(at: now)
        attempt.$variant.id = variantID
        attempt.number = variant.attempts + 1
        attempt.worker = worker
        attempt.startedAt = now
        attempt.outcome = "running"
        try await attempt.create(on: db)

        let service = AccountService(db: db, app: app)
        let connector: any Connector
        do {
            connector = try service.connector(for: account)
        } catch {
            try await settle(variant, post: post, attempt: attempt, outcome: .failed(code: "no_connector", reason: "\(error)"), on: db)
            return
        }
        let key = variant.idempotencyKey
        do {
            // The last attempt may have reached the platform: ask first.
            if previous != .queued, let found = try await connector.findPost(idempotencyKey: key) {
                try await published(variant, post: post, attempt: attempt, found, outcome: "reconciled", on: db)
                return
            }
            guard connector.capabilities.unattendedPublishing else {
                let rules = PlatformRules.standard[variant.platform] ?? PlatformRules.standard["sandbox"]!
                let package = HandOffPackage.build(
                    from: Variant(title: variant.title, text: variant.text, tags: variant.tags), rules: rules, account: account.handle)
                variant.handOffJSON = String(decoding: try JSONEncoder().encode(package), as: UTF8.self)
                try await settle(
                    variant, post: post, attempt: attempt,
                    outcome: .handOff(reason: connector.capabilities.handOffReason ?? "This platform publishes only by hand."), on: db)
                return
            }
            if let problem = try await AssetRegister.problem(for: post, at: now, on: db) {
                try await settle(variant, post: post, attempt: attempt, outcome: .failed(code: "asset_licence", reason: problem), on: db)
                return
            }
            try await service.refreshIfNeeded(account, connector: connector, now: now)
            let request = PublishRequest(idempotencyKey: key, variant: Variant(title: variant.title, text: variant.text, tags: variant.tags))
            let result = try await connector.publish(request)
            try await published(variant, post: post, attempt: attempt, result, outcome: "published", on: db)
        } catch let error as ConnectorError {
            try await settle(variant, post: post, attempt: attempt, outcome: outcome(of: error, attempts: variant.attempts + 1), on: db)
            if error == .expiredCredentials {
                account.status = SocialAccount.Status.needsReconnect.rawValue
                try await account.save(on: db)
            }
        }
        if case .queued = variant.variantState {
            throw JobRetry(after: max(1, (variant.claimExpiresAt ?? now).timeIntervalSince(now)), reason: variant.lastError ?? "retry")
        }
        if case .unconfirmed = variant.variantState {
            throw JobRetry(after: PublicationRules.unconfirmedRecheck, reason: variant.lastError ?? "unconfirmed")
        }
    }

    static func outcome(of error: ConnectorError, attempts: Int) -> PublishOutcome {
        let reason = ConnectorMessages.text(error)
        switch error {
        case .rateLimited(let wait): return .retry(after: max(1, wait), reason: reason)
        case .temporary:
            if attempts >= PublicationRules.maxAttempts {
                return .failed(code: "platform_unavailable", reason: "\(reason) Gave up after \(attempts) attempts.")
            }
            return .retry(after: RetryPolicy().delay(afterAttempt: attempts), reason: reason)
        case .outcomeUnknown: return .unconfirmed(checkAfter: PublicationRules.unconfirmedRecheck, reason: reason)
        case .expiredCredentials: return .failed(code: "expired_credentials", reason: reason)
        case .rejected: return .failed(code: "rejected", reason: reason)
        case .notSupported(let what): return .handOff(reason: what)
        case .notFound: return .failed(code: "not_found", reason: reason)
        }
    }

    /// Takes the variant for this worker if nobody changed it since it was
    /// read: the attempt count is the version.
    /// Whether the worker that claimed a variant may still be at work.
    private static func alive(_ worker: String?, now: Date, on db: any Database) async throws -> Bool {
        // No report at all: nothing says it died, so its claim stands
        // until it expires.
        guard let worker, let beat = try await WorkerHeartbeat.find(worker, on: db) else { return true }
        return beat.seenAt > now.addingTimeInterval(-JobQueue.deadAfter)
    }

    private static func claim(
        _ variant: PostVariant, from state: PostVariant.State, by worker: String, now: Date, on db: any Database
    ) async throws
        -> Bool
    {
        guard let sql = db as? any SQLDatabase else { return false }
        let until = now.addingTimeInterval(PublicationRules.claimLease)
        let row = try await sql.raw(
            """
            UPDATE post_variants SET state = 'publishing', attempts = attempts + 1, claim_expires_at = \(bind: until), claimed_by = \(bind: worker),
                updated_at = \(bind: now)
            WHERE id = \(bind: variant.id!) AND state = \(bind: state.rawValue) AND attempts = \(bind: variant.attempts)
            RETURNING id
            """
        ).first()
        guard row != nil else { return false }
        variant.state = PostVariant.State.publishing.rawValue
        variant.attempts += 1
        variant.claimExpiresAt = until
        variant.claimedBy = worker
        return true
    }

    private static func published(
        _ variant: PostVariant, post: Post, attempt: PublishAttempt, _ result: PublishedPost, outcome: String, on db: any Database
    ) async throws {
        let now = Date()
        try await db.transaction { tx in
            variant.state = PostVariant.State.published.rawValue
            variant.remoteID = result.remoteID
            variant.url = result.url
            variant.publishedAt = result.publishedAt
            variant.errorCode = nil
            variant.lastError = nil
            variant.claimExpiresAt = nil
            variant.updatedAt = now
            try await variant.save(on: tx)
            attempt.outcome = outcome
            attempt.finishedAt = now
            try await attempt.save(on: tx)
            try await MetricsSnapshotter.plan(variant, publishedAt: result.publishedAt, on: tx, now: now)
            try await PostProgress.refresh(post, on: tx, now: now)
        }
    }

    private static func settle(
        _ variant: PostVariant, post: Post, attempt: PublishAttempt, outcome: PublishOutcome, on db: any Database
    )
        async throws
    {
        let now = Date()
        try await db.transaction { tx in
            switch outcome {
            case .retry(let after, let reason):
                variant.state = PostVariant.State.queued.rawValue
                variant.claimExpiresAt = now.addingTimeInterval(after)
                variant.lastError = reason
                attempt.outcome = "retry"
                attempt.message = reason
            case .unconfirmed(_, let reason):
                variant.state = PostVariant.State.unconfirmed.rawValue
                variant.claimExpiresAt = nil
                variant.lastError = reason
                attempt.outcome = "unconfirmed"
                attempt.message = reason
            case .failed(let code, let reason):
                variant.state = PostVariant.State.failed.rawValue
                variant.claimExpiresAt = nil
                variant.errorCode = code
                variant.lastError = reason
                attempt.outcome = "failed"
                attempt.message = reason
            case .handOff(let reason):
                variant.state = PostVariant.State.handOff.rawValue
                variant.claimExpiresAt = nil
                variant.lastError = reason
                attempt.outcome = "hand_off"
                attempt.message = reason
            }
            variant.updatedAt = now
            attempt.finishedAt = now
            try await variant.save(on: tx)
            try await attempt.save(on: tx)
            try await PostProgress.refresh(post, on: tx, now: now)
        }
        if case .failed = outcome, let author = post.authorID {
            try await Notifier.notify(
                [author], workspaceID: post.$workspace.id, key: "notify.publish_failed", args: [post.title ?? String(post.body.prefix(40))],
                link: "/posts/\(post.id!.uuidString)", on: db, now: now)
        }
    }
}

/// Keeps a post's status in step with its variants.
enum PostProgress {
    static func refresh(_ post: Post, on db: any Database, now: Date) async throws {
        let states = try await PostVariant.query(on: db).filter(\.$post.$id == post.id!).all()
            .map { VariantProgress(rawValue: $0.state) ?? .pending }
        guard let status = PublicationRules.postStatus(variants: states, scheduled: post.scheduledAt != nil), status != post.status else { return }
        post.status = status
        post.updatedAt = now
        try await post.save(on: db)
    }
}

/// Catches what the queue may have missed: a variant past its time with no
/// job that will run it (a job lost to a restore, a crash between writes).
/// Its job has a fresh key per run, and the claim makes an extra job for a
/// variant that is already being published harmless.
enum PublishSweep {
    static let kind = "publish.sweep"
    static let period: TimeInterval = 60
    static let grace: TimeInterval = 120

    static func schedule(on db: any Database, now: Date) async throws {
        let start = RetryPolicy.periodStart(of: now, every: period)
        try await JobQueue(db: db).enqueue(kind: kind, runAt: start, uniqueKey: "\(kind)@\(Int(start.timeIntervalSince1970))", now: now)
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await sweep(on: app.db, now: Date())
    }

    @discardableResult
    static func sweep(on db: any Database, now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-grace)
        let stale = try await PostVariant.query(on: db)
            .join(Post.self, on: \PostVariant.$post.$id == \Post.$id)
            .group(.or) { group in
                group.group(.and) { $0.filter(\.$state == PostVariant.State.queued.rawValue).filter(Post.self, \.$scheduledAt <= cutoff) }
                group.group(.and) {
                    $0.filter(\.$state == PostVariant.State.publishing.rawValue).filter(\.$claimExpiresAt < now)
                }
                group.group(.and) { $0.filter(\.$state == PostVariant.State.unconfirmed.rawValue).filter(\.$updatedAt <= cutoff) }
            }
            .filter(\.$updatedAt <= cutoff)
            .limit(1_000)
            .all()
        var queued = 0
        for variant in stale {
            let post = try variant.joined(Post.self)
            let payload = String(
                decoding: try JSONEncoder().encode(PublishRunner.Payload(variantID: variant.id!, version: post.version)), as: UTF8.self)
            let bucket = Int(RetryPolicy.periodStart(of: now, every: period).timeIntervalSince1970)
            if try await JobQueue(db: db).enqueue(
                kind: PublishRunner.kind, payload: payload, uniqueKey: "\(PublishRunner.kind):\(variant.id!.uuidString):sweep@\(bucket)",
                maxAttempts: 40, now: now)
            {
                queued += 1
            }
        }
        return queued
    }
}
