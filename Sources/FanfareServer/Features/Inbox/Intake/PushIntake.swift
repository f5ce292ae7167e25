import FanfareConnectors
import FanfareCore
import Fluent
import Metrics
import SQLKit
import Vapor

/// `/hooks/{account_id}`: platforms push fans' messages here. No session
/// and no token: each push proves itself with the account's signature
/// scheme (WeChat's sorted SHA-1 over token, timestamp and nonce; Standard
/// Webhooks' HMAC for the generic webhook; Douyin's SHA-1 over its client
/// secret and the body), within 5 minutes of the server's clock, and a
/// push id (nonce) seen before is refused.
///
/// Accepted means stored: the answer is sent after the messages are
/// committed, analysed by the request before it queues for the writer.
/// Pushes arriving together are written in one transaction (`PushWriter`),
/// so a burst costs few commits.
struct PushRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "hooks", ":account_id", maxBody: "2mb", use: receive)
        routes.get("hooks", ":account_id", use: handshake)
    }

    private func call(_ req: Request) -> WebhookCall {
        var headers: [String: String] = [:]
        for (name, value) in req.headers { headers[name] = value }
        let query = (try? req.query.decode([String: String].self)) ?? [:]
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        return WebhookCall(headers: headers, query: query, body: body)
    }

    private func account(_ req: Request) async throws -> PushAccounts.Entry {
        guard let id = req.parameters.get("account_id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("Account") }
        if let cached = req.application.pushAccounts.entry(id, now: Date()) { return cached }
        guard let account = try await SocialAccount.find(id, on: req.db), let workspace = try await Workspace.find(account.$workspace.id, on: req.db)
        else { throw Problem.notFound("Account") }
        let entry = PushAccounts.Entry(
            account: account, workspace: workspace, connector: try AccountService(db: req.db, app: req.application).connector(for: account))
        req.application.pushAccounts.remember(entry, now: Date())
        return entry
    }

    @Sendable func receive(req: Request) async throws -> Response {
        let entry = try await account(req)
        let (account, connector) = (entry.account, entry.connector)
        try Self.requireMediaType(of: req, platform: account.platform)
        let call = call(req)
        let now = Date()
        guard connector.verifyWebhook(call, now: now) else {
            throw Problem(
                .unauthorized, "The push's signature does not match this account's secret, or its timestamp is more than 5 minutes off.",
                type: "push-signature")
        }
        if let handshake = connector.handshakeAnswer(toPush: call) {
            return Response(status: .ok, headers: ["Content-Type": handshake.contentType], body: .init(string: handshake.body))
        }
        guard let nonce = connector.pushID(of: call), !nonce.isEmpty, nonce.count <= 200 else {
            throw Problem(.badRequest, "The push has no id (webhook-id, WeChat's timestamp and nonce, or Douyin's Msg-Id).", type: "push-id")
        }
        let interactions: [Interaction]
        do {
            interactions = try connector.interactions(inPush: call)
        } catch {
            // The connector's own sentence, never the error's Swift form.
            throw Problem(.unprocessableEntity, ErrorSentence.of(error, otherwise: "The push's body could not be read."), type: "push-body")
        }
        let engine = try await req.application.moderationEngine(for: entry.workspace)
        let stored = try await req.application.pushWriter.write(
            PushWriter.Push(
                account: account, nonce: nonce,
                messages: MessageIntake.Arriving.analysed(interactions, by: MessageAnalyzer(models: ShippedAnalysisModels.models, engine: engine)),
                canReply: connector.capabilities.canReply))
        guard let stored else {
            throw Problem(.conflict, "This push (id \(nonce)) was already received; it is not stored twice.", type: "push-replayed")
        }
        return try await Self.acknowledge(
            PushReceipt(received: interactions.count, stored: stored), as: ConnectorRegistry.pushIntake(platform: account.platform)?.acknowledgement,
            for: req)
    }

    /// The answer the platform's kind asks for once a push is stored: its
    /// exact word (WeChat's "success"), or the receipt.
    static func acknowledge(_ receipt: PushReceipt, as acknowledgement: PushAcknowledgement?, for req: Request) async throws -> Response {
        switch acknowledgement {
        case .plainText(let word):
            return Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .init(string: word))
        case .receipt, nil:
            return try await receipt.encodeResponse(for: req)
        }
    }

    /// 415 for a push whose `Content-Type` is not one its platform sends
    /// (its kind's `pushIntake`), or that has none: issue 16 found a signed push
    /// taken as `text/plain`. Checked before the signature, so a platform
    /// set up wrongly is told what is wrong.
    static func requireMediaType(of req: Request, platform: String) throws {
        guard let accepted = ConnectorRegistry.pushIntake(platform: platform)?.mediaTypes else { return }
        let given = req.headers.contentType.map { "\($0.type)/\($0.subType)".lowercased() }
        if let given, accepted.contains(given) { return }
        let list = accepted.joined(separator: ", ")
        throw Problem(
            .unsupportedMediaType,
            "A push for a \(platform) account must be sent with Content-Type \(list); this one \(given.map { "was \($0)" } ?? "had none").",
            errors: [FieldIssue(field: "Content-Type", .oneOf(choices: accepted))], type: "push-media-type")
    }

    struct PushReceipt: Content {
        var received: Int
        /// New messages: a message already stored (by id) is not stored again.
        var stored: Int
    }

    /// WeChat's server check when the URL is configured: the same
    /// signature over a GET, answered with `echostr`.
    @Sendable func handshake(req: Request) async throws -> Response {
        let connector = try await account(req).connector
        let call = call(req)
        guard connector.verifyWebhook(call, now: Date()), let echo = call.query["echostr"] else {
            throw Problem(.unauthorized, "The signature does not match this account's token.", type: "push-signature")
        }
        return Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .init(string: echo))
    }
}

extension Application {
    private struct PushWriterKey: StorageKey { typealias Value = PushWriter }
    private struct PushAccountsKey: StorageKey { typealias Value = PushAccounts }

    func installPushWriter() {
        storage[PushWriterKey.self] = PushWriter(database: { [unowned self] in self.db }, metrics: .init(factory: metrics.factory))
        storage[PushAccountsKey.self] = PushAccounts()
        lifecycle.use(PushWriterShutdown())
    }

    var pushAccounts: PushAccounts {
        guard let accounts = storage[PushAccountsKey.self] else { fatalError("configure(_:settings:) installs the push writer") }
        return accounts
    }

    var pushWriter: PushWriter {
        guard let writer = storage[PushWriterKey.self] else { fatalError("configure(_:settings:) installs the push writer") }
        return writer
    }
}

/// On shutdown the push writer finishes first: a push already in a group
/// is stored and answered, and no flusher asks for a connection from a
/// pool that is closing (the database pools close after every handler).
private struct PushWriterShutdown: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.pushWriter.idle()
    }
}

/// The accounts pushes arrive for, with their connectors, remembered for
/// a second: a burst to one account reads the account and decrypts its
/// credentials once, not per push. A secret rotated or an account removed
/// therefore takes effect within a second for pushes.
final class PushAccounts: @unchecked Sendable {
    struct Entry {
        var account: SocialAccount
        var workspace: Workspace
        var connector: any Connector
    }

    static let lifetime: TimeInterval = 1
    private let lock = NSLock()
    private var entries: [UUID: (entry: Entry, until: Date)] = [:]

    func entry(_ id: UUID, now: Date) -> Entry? {
        lock.withLock { entries[id].flatMap { $0.until > now ? $0.entry : nil } }
    }

    func remember(_ entry: Entry, now: Date) {
        lock.withLock {
            if entries.count > 10_000 { entries.removeAll() }
            entries[entry.account.id!] = (entry, now.addingTimeInterval(Self.lifetime))
        }
    }
}

/// Writes pushes that arrive together in one transaction, each caller
/// resuming when its push is committed, or with the error that rolled the
/// group back (and answering 5xx, so the platform retries: nothing is
/// acknowledged that is not stored).
///
/// On SQLite two flushers take turns: while one holds the writer, the
/// other waits at the `WriteGate` as its urgent writer, and takes its group
/// when its turn comes, so the group is every push that arrived
/// meanwhile. With a single flusher no push writer was waiting when a
/// group committed, so every waiting background transaction (the fans'
/// engagement, job bookkeeping) went in between, and each push waited
/// for one of them as well as for the group ahead. Groups grow with the
/// load by themselves: a quiet minute writes each push at once, a burst
/// writes hundreds together.
///
/// On PostgreSQL there is no gate: two flushers write their groups side
/// by side, so one group's statements overlap the other's round trips (a
/// single flusher left the machine half idle and fell behind a burst).
/// Everything two groups can both touch is written in key order (nonces,
/// new identities, conversations, messages) and the fans are locked in id
/// order as they are read, so they wait for each other, never in a cycle.
actor PushWriter {
    struct Push: Sendable {
        var account: SocialAccount
        var nonce: String
        /// Analysed by the request, before it queues for the writer.
        var messages: [MessageIntake.Arriving]
        var canReply: Bool
    }

    private typealias Waiter = (push: Push, done: CheckedContinuation<Int?, any Error>)

    /// What the writer reports at `/metrics`: groups written and failed,
    /// their sizes and how long each transaction took.
    struct Metrics: Sendable {
        let written: CoreMetrics.Counter
        let failed: CoreMetrics.Counter
        let size: Recorder
        let duration: CoreMetrics.Timer

        init(factory: any MetricsFactory) {
            written = CoreMetrics.Counter(label: "fanfare_push_groups_total", dimensions: [("outcome", "written")], factory: factory)
            failed = CoreMetrics.Counter(label: "fanfare_push_groups_total", dimensions: [("outcome", "failed")], factory: factory)
            size = Recorder(label: "fanfare_push_group_size", factory: factory)
            duration = CoreMetrics.Timer(label: "fanfare_push_group_duration_seconds", factory: factory)
        }
    }

    private let database: @Sendable () -> any Database
    private let metrics: Metrics
    private var waiting: [Waiter] = []
    /// Each flusher's group while its transaction runs.
    private var taken: [UUID: [Waiter]] = [:]
    private var flushers = 0
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    static let limit = 256
    static let flusherCount = 2

    init(database: @escaping @Sendable () -> any Database, metrics: Metrics) {
        self.database = database
        self.metrics = metrics
    }

    /// The number of new messages stored, or nil when the push id was
    /// seen before.
    func write(_ push: Push) async throws -> Int? {
        try await withCheckedThrowingContinuation { done in
            waiting.append((push, done))
            if flushers < Self.flusherCount {
                flushers += 1
                Task { await self.flush() }
            }
        }
    }

    /// The pushes waiting now, up to `limit`, as `flusher`'s group.
    private func take(for flusher: UUID) -> [Push] {
        let group = Array(waiting.prefix(Self.limit))
        waiting.removeFirst(group.count)
        taken[flusher] = group
        return group.map(\.push)
    }

    private func flush() async {
        let flusher = UUID()
        while !waiting.isEmpty {
            let outcome: Result<[Int?], any Error>
            let started = ContinuousClock.now
            do {
                // The group is taken once the writer is ours (`take`), not
                // before: a push arriving while this flusher waited joins it.
                outcome = .success(
                    try await database().writeTransaction(urgent: true) { tx in
                        try await Self.store(await self.take(for: flusher), in: tx, now: Date())
                    })
            } catch {
                outcome = .failure(error)
            }
            let group = taken.removeValue(forKey: flusher) ?? []
            switch outcome {
            case .success(let results):
                metrics.written.increment()
                metrics.size.record(group.count)
                metrics.duration.record(duration: started.duration(to: .now))
                for (waiter, result) in zip(group, results) { waiter.done.resume(returning: result) }
            case .failure(let error):
                metrics.failed.increment()
                // A transaction that failed before taking its group (no
                // connection, BEGIN refused) fails the pushes waiting now:
                // each is answered 5xx and its platform retries, where this
                // flusher would otherwise retry them without end.
                var failed = group
                if failed.isEmpty {
                    failed = Array(waiting.prefix(Self.limit))
                    waiting.removeFirst(failed.count)
                }
                for waiter in failed { waiter.done.resume(throwing: error) }
            }
        }
        flushers -= 1
        if flushers == 0 {
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
    }

    /// Returns once no group is being written or waiting to be.
    func idle() async {
        while flushers > 0 { await withCheckedContinuation { idleWaiters.append($0) } }
    }

    /// Inside the group's transaction: the nonces first (on SQLite a
    /// transaction writes before it reads), `RETURNING` the ones that were
    /// new; then the messages of those pushes.
    static func store(_ pushes: [Push], in tx: any Database, now: Date) async throws -> [Int?] {
        guard !pushes.isEmpty else { return [] }
        guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The inbox needs an SQL database.") }
        var seen = Set<String>()
        var rows: [any SQLExpression] = []
        // Sorted, so that two groups side by side holding one replayed push
        // meet on its key in one order.
        let ordered = pushes.sorted { ($0.account.id!.uuidString, $0.nonce) < ($1.account.id!.uuidString, $1.nonce) }
        for push in ordered where seen.insert("\(push.account.id!.uuidString)/\(push.nonce)").inserted {
            rows.append(SQLGroupExpression([SQLBind(push.account.id!), SQLBind(push.nonce), SQLBind(now)]))
        }
        let inserted = try await sql.raw(
            """
            INSERT INTO push_nonces (account_id, nonce, received_at) VALUES \(SQLList(rows))
            ON CONFLICT DO NOTHING RETURNING account_id, nonce
            """
        ).all()
        var fresh = Set<String>()
        for row in inserted {
            fresh.insert("\(try row.decode(column: "account_id", as: UUID.self).uuidString)/\(try row.decode(column: "nonce", as: String.self))")
        }
        // The new pushes' messages, one insert per account; each push
        // is answered with how many of its own were new.
        var accepted: [Bool] = []
        var byAccount: [UUID: (account: SocialAccount, canReply: Bool, messages: [MessageIntake.Arriving])] = [:]
        for push in pushes {
            // Only the first push with a new id stores; a second copy
            // in the same group is a replay too.
            let isNew = fresh.remove("\(push.account.id!.uuidString)/\(push.nonce)") != nil
            accepted.append(isNew)
            guard isNew else { continue }
            byAccount[push.account.id!, default: (push.account, push.canReply, [])].messages += push.messages
        }
        var stored: [UUID: Set<String>] = [:]
        for (id, group) in byAccount {
            stored[id] = try await MessageIntake.insert(group.messages, for: group.account, canReply: group.canReply, now: now, in: tx)
        }
        var results: [Int?] = []
        for (push, isNew) in zip(pushes, accepted) {
            guard isNew else {
                results.append(nil)
                continue
            }
            var mine = 0
            for message in push.messages where stored[push.account.id!]?.remove(message.interaction.remoteID) != nil { mine += 1 }
            results.append(mine)
        }
        return results
    }
}
