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
    static let kind = JobKind<Payload>("publish.variant")

    /// Stored as `{"variantID": …, "version": …}`; the version is the
    /// post's when queued, so an edit since makes the job do nothing.
    struct Payload: Codable, Sendable, Equatable {
        var variantID: UUID
        var version: Int
    }

    /// Queues every variant of `post` for its time (now when nil).
    static func enqueue(_ post: Post, variants: [PostVariant], on db: any Database, now: Date = Date()) async throws {
        let runAt = post.scheduledAt ?? now
        for variant in variants {
            try await JobQueue(db: db).enqueue(
                kind, payload: Payload(variantID: variant.id!, version: post.version), runAt: runAt,
                uniqueKey: "\(kind.name):\(variant.id!.uuidString):v\(post.version)", maxAttempts: 40, now: now)
        }
    }

    /// One claimed variant on its way out.
    struct Work {
        let job: Job
        let variant: PostVariant
        let post: Post
        let account: SocialAccount
        /// The state before this worker claimed it: anything but `queued`
        /// means an earlier attempt may have reached the platform.
        let previous: PostVariant.State
    }

    /// How one attempt ended, before it is written.
    enum Ending {
        /// Out; `reconciled` when found on the platform rather than sent.
        case published(PublishedPost, reconciled: Bool)
        case settled(PublishOutcome)
    }

    /// Publishes the variants of many jobs: three reads, one conditional
    /// update that claims them all, the platform calls side by side, and
    /// one transaction for every outcome. A job whose post changed, whose
    /// variant is gone or already out does nothing and succeeds.
    @Sendable static func runBatch(_ jobs: [Job], _ app: Application) async throws -> [UUID: JobResult] {
        try await runBatch(jobs, app, clock: { Date() })
    }

    /// `clock` is the time the batch runs at: the real one for the worker;
    /// the demo replays its history's publishing at the times it happened.
    static func runBatch(_ jobs: [Job], _ app: Application, clock: @escaping @Sendable () -> Date) async throws -> [UUID: JobResult] {
        let db = app.db
        let now = clock()
        let worker = jobs.first?.leaseOwner ?? "worker"
        // An unreadable payload ends its job failed, naming the kind.
        let (wanted, unreadable) = kind.payloads(of: jobs)
        var results = unreadable
        guard let sql = db as? any SQLDatabase else { return results }
        let variants = try await PublishRows.variants(wanted.map(\.payload.variantID), on: sql).keyed(by: \.id!)
        let posts = try await PublishRows.posts(Array(Set(variants.values.map { $0.$post.id })), on: sql).keyed(by: \.id!)
        let accounts = try await SocialAccount.query(on: db).filter(\.$id ~~ Set(variants.values.map { $0.$account.id })).all().keyed(by: \.id!)

        var work: [Work] = []
        var taken = Set<UUID>()
        for (job, payload) in wanted {
            // Deleted since, or cancelled by an edit, an unschedule or a
            // reschedule (each raises the post's version).
            guard let variant = variants[payload.variantID], let post = posts[variant.$post.id], let account = accounts[variant.$account.id],
                post.version == payload.version, !taken.contains(payload.variantID)
            else { continue }
            let previous = variant.variantState
            switch VariantLifecycle.claim(variant.status, now: now) {
            case .claim: break
            case .heldUntil(let held):
                if try await alive(variant.claimedBy, now: now, on: db) {
                    results[job.id!] = .retry(
                        after: min(held.timeIntervalSince(now) + 1, JobQueue.deadAfter), reason: "another worker holds this variant")
                    continue
                }
            case .skip: continue
            }
            taken.insert(payload.variantID)
            work.append(Work(job: job, variant: variant, post: post, account: account, previous: previous))
        }
        let claimed = try await claim(work.map(\.variant), by: worker, now: now, on: db)
        work = work.filter { claimed.contains($0.variant.id!) }
        guard !work.isEmpty else { return results }

        let problems = try await AssetRegister.problems(for: Set(work.map { $0.post.id! }), at: now, on: db)
        let media = try await AssetRegister.media(for: Set(work.map { $0.post.id! }), on: db)
        let endings = await withTaskGroup(of: [(UUID, Ending)].self) { group in
            for (_, items) in Dictionary(grouping: work, by: { $0.account.id! }) {
                group.addTask { await attempt(items, problems: problems, media: media, app: app, now: now, clock: clock) }
            }
            return await group.reduce(into: [UUID: Ending]()) { all, some in
                for (id, ending) in some { all[id] = ending }
            }
        }
        try await write(work, endings: endings, worker: worker, startedAt: now, on: db, clock: clock)

        for item in work {
            switch item.variant.variantState {
            case .queued:
                let wait = max(1, (item.variant.claimExpiresAt ?? now).timeIntervalSince(clock()))
                results[item.job.id!] = .retry(after: wait, reason: item.variant.lastError ?? "retry")
            case .unconfirmed:
                results[item.job.id!] = .retry(after: PublicationRules.unconfirmedRecheck, reason: item.variant.lastError ?? "unconfirmed")
            default: break
            }
        }
        return results
    }

    /// One account's variants through its connector. Faults of the
    /// platform become outcomes; anything else (the database during a
    /// token refresh) puts the variant back in the queue, which is safe
    /// because nothing was sent yet.
    private static func attempt(
        _ items: [Work], problems: [UUID: CodedMessage], media: [UUID: [Asset]], app: Application, now: Date,
        clock: @escaping @Sendable () -> Date
    ) async -> [(UUID, Ending)] {
        guard let account = items.first?.account else { return [] }
        let service = AccountService(db: app.db, app: app)
        let connector: any Connector
        do {
            connector = try service.connector(for: account, clock: clock)
        } catch {
            return items.map {
                (
                    $0.variant.id!,
                    .settled(
                        .failed(code: "no_connector", reason: ErrorSentence.of(error, otherwise: "This account cannot be reached; reconnect it.")))
                )
            }
        }
        var refreshed = false
        return await withTaskGroup(of: (UUID, Ending).self) { group in
            for item in items {
                let variant = item.variant
                let key = variant.idempotencyKey
                // The last attempt may have reached the platform: ask first.
                if VariantLifecycle.mustReconcile(before: item.previous) {
                    do throws(ConnectorError) {
                        if let found = try await connector.findPost(idempotencyKey: key) {
                            group.addTask { (variant.id!, .published(found, reconciled: true)) }
                            continue
                        }
                    } catch {
                        group.addTask { (variant.id!, .settled(outcome(of: error, attempts: variant.attempts))) }
                        continue
                    }
                }
                guard connector.capabilities.unattendedPublishing else {
                    let rules = PlatformRules.standard[variant.platform] ?? PlatformRules.standard["sandbox"]!
                    let package = HandOffPackage.build(
                        from: Variant(title: variant.title, text: variant.text, tags: variant.tags), rules: rules, account: account.handle)
                    variant.handOffJSON = (try? JSONEncoder().encode(package)).map { String(decoding: $0, as: UTF8.self) }
                    let reason = connector.capabilities.handOffReason ?? "This platform publishes only by hand."
                    group.addTask { (variant.id!, .settled(.handOff(reason: reason))) }
                    continue
                }
                if let problem = problems[item.post.id!] {
                    group.addTask { (variant.id!, .settled(.failed(code: "asset_licence", reason: problem.english))) }
                    continue
                }
                if !refreshed {
                    do {
                        try await service.refreshIfNeeded(account, connector: connector, now: now)
                        refreshed = true
                    } catch let error as ConnectorError {
                        group.addTask { (variant.id!, .settled(outcome(of: error, attempts: variant.attempts))) }
                        continue
                    } catch {
                        group.addTask {
                            (
                                variant.id!,
                                .settled(
                                    .retry(after: 30, reason: ErrorSentence.of(error, otherwise: "refreshing the account's authorisation failed")))
                            )
                        }
                        continue
                    }
                }
                let assets = media[item.post.id!] ?? []
                if let missing = assets.first(where: { $0.storageKey == nil }) {
                    let reason = "“\(missing.name)” is registered by its address only; upload the file into the library so Fanfare can publish it."
                    group.addTask { (variant.id!, .settled(.failed(code: "media_not_uploaded", reason: reason))) }
                    continue
                }
                var uploads: [MediaUpload] = []
                do {
                    for asset in assets {
                        let data = try await app.mediaStore.get(asset.storageKey!)
                        uploads.append(
                            MediaUpload(
                                name: asset.name, format: MediaFormat(rawValue: asset.format ?? "") ?? .jpeg, width: asset.width,
                                height: asset.height, altText: asset.altText, sha256: asset.sha256 ?? MediaKeys.sha256(data), data: data))
                    }
                } catch {
                    let reason = ErrorSentence.of(error, otherwise: "a file of this post could not be read from the media store")
                    group.addTask { (variant.id!, .settled(.retry(after: 60, reason: reason))) }
                    continue
                }
                let request = PublishRequest(
                    idempotencyKey: key,
                    variant: Variant(title: variant.title, text: variant.text, tags: variant.tags, media: assets.map(\.attachment)), media: uploads)
                group.addTask {
                    do throws(ConnectorError) {
                        return (variant.id!, .published(try await connector.publish(request), reconciled: false))
                    } catch {
                        return (variant.id!, .settled(outcome(of: error, attempts: variant.attempts)))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// What a connector's error means for the variant (`PublicationRules.outcome`).
    static func outcome(of error: ConnectorError, attempts: Int) -> PublishOutcome {
        let failure: PlatformFailure =
            switch error {
            case .rateLimited(let wait): .rateLimited(retryAfter: wait)
            case .temporary: .temporary
            case .outcomeUnknown: .outcomeUnknown
            case .expiredCredentials: .expiredCredentials
            case .rejected: .rejected
            case .notSupported(let what): .notSupported(what)
            case .notFound: .notFound
            }
        return PublicationRules.outcome(of: failure, reason: ConnectorMessages.text(error), attempts: attempts)
    }

    /// Whether the worker that claimed a variant may still be at work.
    private static func alive(_ worker: String?, now: Date, on db: any Database) async throws -> Bool {
        // No report at all: nothing says it died, so its claim stands
        // until it expires.
        guard let worker, let beat = try await WorkerHeartbeat.find(worker, on: db) else { return true }
        return beat.seenAt > now.addingTimeInterval(-JobQueue.deadAfter)
    }

    /// Takes the variants for this worker, each only if nobody changed it
    /// since it was read (its state and attempt count are its version) and
    /// no publishing hold covers it (`PublishingHolds`: a held variant's
    /// job ends doing nothing; the hold's release queues it again).
    /// Returns the ids it took.
    private static func claim(_ variants: [PostVariant], by worker: String, now: Date, on db: any Database) async throws -> Set<UUID> {
        guard let sql = db as? any SQLDatabase else { return [] }
        let until = now.addingTimeInterval(PublicationRules.claimLease)
        var taken = Set<UUID>()
        for start in stride(from: 0, to: variants.count, by: 300) {
            let chunk = variants[start..<min(variants.count, start + 300)]
            let read: [any SQLExpression] = chunk.map { SQLGroupExpression([SQLBind($0.id!), SQLBind($0.state), SQLBind($0.attempts)]) }
            let rows = try await sql.raw(
                """
                UPDATE post_variants SET state = \(bind: VariantProgress.publishing.rawValue), attempts = attempts + 1, claim_expires_at = \(bind: until),
                    claimed_by = \(bind: worker),
                    updated_at = \(bind: now)
                WHERE (id, state, attempts) IN (VALUES \(SQLList(read))) AND \(PublishingHolds.notHeld)
                RETURNING id
                """
            ).all()
            taken.formUnion(try rows.map { try $0.decode(column: "id", as: UUID.self) })
        }
        for variant in variants where taken.contains(variant.id!) {
            // The row moved; the lifecycle says so for the copy in memory.
            try variant.move(.claimed(until: until))
            variant.attempts += 1
            variant.claimedBy = worker
        }
        return taken
    }

    /// Every outcome of a batch in one transaction: the variants, their
    /// attempt history, the metrics to take, the posts' status.
    private static func write(
        _ work: [Work], endings: [UUID: Ending], worker: String, startedAt: Date, on db: any Database, clock: @Sendable () -> Date
    ) async throws {
        let now = clock()
        let failed = try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return [Work]() }
            var published: [(variant: PostVariant, at: Date)] = []
            var failed: [Work] = []
            var expired: [SocialAccount] = []
            var attempts: [PublishAttempt] = []
            var outcomes = RowsUpdate(
                table: PostVariant.schema,
                columns: [
                    .init(name: "state", postgresType: "text"), .init(name: "remote_id", postgresType: "text"),
                    .init(name: "url", postgresType: "text"),
                    .init(name: "published_at", postgresType: "timestamptz"), .init(name: "error_code", postgresType: "text"),
                    .init(name: "last_error", postgresType: "text"), .init(name: "claim_expires_at", postgresType: "timestamptz"),
                    .init(name: "hand_off", postgresType: "text"), .init(name: "updated_at", postgresType: "timestamptz"),
                ])
            for item in work {
                guard let ending = endings[item.variant.id!] else { continue }
                let variant = item.variant
                let attempt = PublishAttempt()
                attempt.id = TimeOrderedID.make(at: now)
                attempt.$variant.id = variant.id!
                attempt.number = variant.attempts
                attempt.worker = worker
                attempt.startedAt = startedAt
                attempt.finishedAt = now
                switch ending {
                case .published(let result, let reconciled):
                    let move = try variant.move(reconciled ? .reconciled : .published)
                    variant.remoteID = result.remoteID
                    variant.url = result.url
                    variant.publishedAt = result.publishedAt
                    attempt.outcome = move.attemptOutcome ?? "published"
                    published.append((variant, result.publishedAt))
                case .settled(let outcome):
                    let move = try variant.move(VariantLifecycle.event(for: outcome, now: now))
                    attempt.outcome = move.attemptOutcome ?? "failed"
                    attempt.message = move.attemptMessage
                    if case .failed(let code, _) = outcome {
                        failed.append(item)
                        if code == "expired_credentials", !expired.contains(where: { $0.id == item.account.id }) { expired.append(item.account) }
                    }
                }
                variant.updatedAt = now
                outcomes.add(
                    variant.id!,
                    [
                        variant.state, variant.remoteID, variant.url, variant.publishedAt, variant.errorCode, variant.lastError,
                        variant.claimExpiresAt,
                        variant.handOffJSON, variant.updatedAt,
                    ])
                attempts.append(attempt)
            }
            try await outcomes.run(on: sql)
            try await insert(attempts, on: sql)
            try await MetricsSnapshotter.plan(published, on: tx, now: now)
            try await PostProgress.refresh(Array(work.map(\.post).keyed(by: \.id!).values), on: tx, now: now)
            for account in expired {
                account.status = SocialAccount.Status.needsReconnect.rawValue
                try await account.save(on: tx)
            }
            return failed
        }
        // The author in the app, and the workspace's outbound channels that
        // take failed publishes: one notice per variant and job.
        for item in failed {
            let event = OutboundEvent(
                kind: .publishFailed, workspaceID: item.post.$workspace.id, key: "notify.publish_failed",
                args: [item.post.title ?? String(item.post.body.prefix(40))], link: "/posts/\(item.post.id!.uuidString)",
                dedupeKey: "publish_failed:\(item.variant.id!.uuidString):\(item.job.id!.uuidString)")
            try await Notifier.announce(event, to: item.post.authorID.map { [$0] } ?? [], on: db, now: now)
        }
    }

    // A busy minute writes thousands of these: few statements, without
    // the model layer's reflection on every row.
    private static func insert(_ attempts: [PublishAttempt], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: attempts.count, by: 200) {
            let rows: [any SQLExpression] = attempts[start..<min(attempts.count, start + 200)].map { attempt in
                SQLGroupExpression([
                    SQLBind(attempt.id!), SQLBind(attempt.$variant.id), SQLBind(attempt.number), SQLBind(attempt.worker), SQLBind(attempt.startedAt),
                    SQLBind(attempt.finishedAt), SQLBind(attempt.outcome), SQLBind(attempt.message),
                ])
            }
            try await sql.raw(
                "INSERT INTO \(ident: PublishAttempt.schema) (id, variant_id, number, worker, started_at, finished_at, outcome, message) VALUES \(SQLList(rows))"
            ).run()
        }
    }
}

/// Keeps a post's status in step with its variants.
enum PostProgress {
    static func refresh(_ post: Post, on db: any Database, now: Date) async throws {
        try await refresh([post], on: db, now: now)
    }

    static func refresh(_ posts: [Post], on db: any Database, now: Date) async throws {
        guard !posts.isEmpty, let sql = db as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            // Two workers finishing two variants of one post at once would
            // each see the other's as still publishing and leave the post
            // "publishing" for good. Locking the posts (in id order, so two
            // batches cannot deadlock) makes the second read after the first
            // commits. SQLite has one writer at a time already.
            try await sql.raw(
                "SELECT id FROM posts WHERE id IN (\(SQLList(posts.map { SQLBind($0.id!) }))) ORDER BY id FOR UPDATE"
            ).run()
        }
        var states: [UUID: [VariantProgress]] = [:]
        for start in stride(from: 0, to: posts.count, by: 500) {
            let ids = posts[start..<min(posts.count, start + 500)].map { $0.id! }
            for row in try await sql.select().column("post_id").column("state").from(PostVariant.schema).where("post_id", .in, ids).all() {
                states[try row.decode(column: "post_id", as: UUID.self), default: []].append(
                    VariantProgress(rawValue: try row.decode(column: "state", as: String.self)) ?? .pending)
            }
        }
        var changes = RowsUpdate(
            table: Post.schema, columns: [.init(name: "status", postgresType: "text"), .init(name: "updated_at", postgresType: "timestamptz")])
        for post in posts {
            guard let status = PublicationRules.postStatus(variants: states[post.id!] ?? [], scheduled: post.scheduledAt != nil),
                status != post.status
            else { continue }
            post.status = status
            post.updatedAt = now
            changes.add(post.id!, [status, now])
        }
        try await changes.run(on: sql)
    }
}

/// Catches what the queue may have missed: a variant past its time with no
/// job that will run it (a job lost to a restore, a crash between writes).
/// Its job has a fresh key per run, and the claim makes an extra job for a
/// variant that is already being published harmless.
enum PublishSweep {
    static let kind = JobKind<NoPayload>("publish.sweep")
    static let period: TimeInterval = 60
    static let grace: TimeInterval = 120

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
            let bucket = Int(RetryPolicy.periodStart(of: now, every: period).timeIntervalSince1970)
            if try await JobQueue(db: db).enqueue(
                PublishRunner.kind, payload: PublishRunner.Payload(variantID: variant.id!, version: post.version),
                uniqueKey: "\(PublishRunner.kind.name):\(variant.id!.uuidString):sweep@\(bucket)", maxAttempts: 40, now: now)
            {
                queued += 1
            }
        }
        return queued
    }
}

/// The columns a publishing batch reads, straight from rows: a burst reads
/// thousands, and the model layer's reflection on each would be most of
/// the batch's time. The models built here carry only these fields.
enum PublishRows {
    static func variants(_ ids: [UUID], on sql: any SQLDatabase) async throws -> [PostVariant] {
        var found: [PostVariant] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let rows = try await sql.select()
                .columns("id", "workspace_id", "post_id", "account_id", "platform", "title", "text", "tags", "state", "attempts", "claim_expires_at")
                .columns("claimed_by", "hand_off")
                .from(PostVariant.schema).where("id", .in, Array(ids[start..<min(ids.count, start + 500)])).all()
            for row in rows {
                let variant = PostVariant()
                variant.id = try row.decode(column: "id", as: UUID.self)
                variant.$workspace.id = try row.decode(column: "workspace_id", as: UUID.self)
                variant.$post.id = try row.decode(column: "post_id", as: UUID.self)
                variant.$account.id = try row.decode(column: "account_id", as: UUID.self)
                variant.platform = try row.decode(column: "platform", as: String.self)
                variant.title = try row.decode(column: "title", as: String?.self)
                variant.text = try row.decode(column: "text", as: String.self)
                variant.tagsJSON = try row.decode(column: "tags", as: String.self)
                variant.state = try row.decode(column: "state", as: String.self)
                variant.attempts = try row.decode(column: "attempts", as: Int.self)
                variant.claimExpiresAt = try row.decode(column: "claim_expires_at", as: Date?.self)
                variant.claimedBy = try row.decode(column: "claimed_by", as: String?.self)
                variant.handOffJSON = try row.decode(column: "hand_off", as: String?.self)
                variant.remoteID = nil
                variant.url = nil
                variant.publishedAt = nil
                variant.errorCode = nil
                variant.lastError = nil
                found.append(variant)
            }
        }
        return found
    }

    static func posts(_ ids: [UUID], on sql: any SQLDatabase) async throws -> [Post] {
        var found: [Post] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let rows = try await sql.select()
                .columns("id", "workspace_id", "title", "body", "status", "version", "scheduled_at", "author_id")
                .from(Post.schema).where("id", .in, Array(ids[start..<min(ids.count, start + 500)])).all()
            for row in rows {
                let post = Post()
                post.id = try row.decode(column: "id", as: UUID.self)
                post.$workspace.id = try row.decode(column: "workspace_id", as: UUID.self)
                post.title = try row.decode(column: "title", as: String?.self)
                post.body = try row.decode(column: "body", as: String.self)
                post.status = try row.decode(column: "status", as: String.self)
                post.version = try row.decode(column: "version", as: Int.self)
                post.scheduledAt = try row.decode(column: "scheduled_at", as: Date?.self)
                post.authorID = try row.decode(column: "author_id", as: UUID?.self)
                found.append(post)
            }
        }
        return found
    }
}
