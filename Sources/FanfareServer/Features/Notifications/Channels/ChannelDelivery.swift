import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Notices on their way to outbound channels: routed when announced,
/// delivered by the job queue, retried on passing failures, logged.
enum ChannelDelivery {
    /// What a delivery keeps of its notice, to write the message in the
    /// channel's language at each attempt.
    struct StoredEvent: Codable, Equatable {
        /// An `OutboundEvent.Kind`, or `test` for the test button.
        var kind: String
        var grade: AlertGrade?
        var monitorID: UUID?
        var key: String
        var args: [String]
        var link: String
    }

    struct Payload: Codable, Sendable { var deliveryID: UUID }
    static let kind = JobKind<Payload>("notify.deliver")

    /// Each socket of a delivery: the guarded client's own bound (connect
    /// 10 s) and this for the whole exchange.
    static let timeout: TimeInterval = 15

    // MARK: Routing

    /// Queues one delivery of `event` to every enabled channel of its
    /// workspace whose route takes it, inside the caller's transaction. The
    /// unique (channel, dedupe key) decides between two announcements of
    /// one story, even at the same moment: the second inserts nothing and
    /// queues nothing.
    static func route(_ event: OutboundEvent, on db: any Database, now: Date) async throws {
        let channels = try await NotifyChannelRecord.query(on: db).filter(\.$workspace.$id == event.workspaceID).filter(\.$enabled == true).all()
        let matching = channels.filter { $0.route.matches(kind: event.kind.rawValue, grade: event.grade, monitorID: event.monitorID) }
        guard !matching.isEmpty else { return }
        let stored = StoredEvent(
            kind: event.kind.rawValue, grade: event.grade, monitorID: event.monitorID, key: event.key, args: event.args, link: event.link)
        let text = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
        for channel in matching {
            guard let id = try await insert(channel: channel, dedupeKey: event.dedupeKey, kind: stored.kind, event: text, on: db, now: now) else {
                continue
            }
            try await JobQueue(db: db).enqueue(
                kind, payload: Payload(deliveryID: id), uniqueKey: "notify.deliver:\(id)", maxAttempts: NotifyRetry.maxAttempts + 2, now: now)
        }
    }

    /// The new delivery's id, or nil when the channel already has this story.
    static func insert(
        channel: NotifyChannelRecord, dedupeKey: String, kind: String, event: String, on db: any Database, now: Date
    ) async throws
        -> UUID?
    {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "deliveries need an SQL database") }
        let id = TimeOrderedID.make(at: now)
        // ON CONFLICT rather than catching the failure: on PostgreSQL a
        // failed insert would end the caller's whole transaction.
        let inserted = try await sql.raw(
            """
            INSERT INTO notify_deliveries (id, workspace_id, channel_id, dedupe_key, event_kind, event, state, attempts, created_at, updated_at)
            VALUES (\(bind: id), \(bind: channel.$workspace.id), \(bind: channel.id!), \(bind: String(dedupeKey.prefix(500))), \(bind: kind),
            \(bind: event), \(bind: NotifyDelivery.State.queued.rawValue), 0, \(bind: now), \(bind: now))
            ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id
            """
        ).first()
        return inserted == nil ? nil : id
    }

    // MARK: Delivering

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let payload = try kind.payload(of: job)
        if case .retry(let after, let reason) = try await attempt(payload.deliveryID, app: app) {
            throw JobRetry(after: after, reason: reason)
        }
    }

    enum Outcome: Equatable {
        case sent
        case retry(after: TimeInterval, reason: String)
        case gaveUp
        /// The delivery is gone (its channel removed) or already finished.
        case nothing
    }

    /// One attempt of a delivery: sent, another attempt due, or given up.
    /// `retries` false (the test button): one attempt only.
    static func attempt(_ deliveryID: UUID, app: Application, retries: Bool = true, now: Date = Date()) async throws -> Outcome {
        let db = app.db
        guard let delivery = try await NotifyDelivery.find(deliveryID, on: db),
            [NotifyDelivery.State.queued.rawValue, NotifyDelivery.State.failed.rawValue].contains(delivery.state),
            let row = try await NotifyChannelRecord.find(delivery.$channel.id, on: db)
        else { return .nothing }
        delivery.attempts += 1
        delivery.updatedAt = now
        guard row.enabled || !retries else {
            return try await finish(delivery, .gaveUp, code: "channel_disabled", text: "The channel was turned off.", on: db)
        }
        let stored = try JSONDecoder().decode(StoredEvent.self, from: Data(delivery.event.utf8))
        let service = ChannelService(db: db, app: app)
        let slug = try await Workspace.find(row.$workspace.id, on: db)?.slug ?? ""
        let message = render(stored, locale: UILocale(rawValue: row.locale) ?? .zhHans, workspaceSlug: slug, publicURL: app.settings.publicURL)
        var mail: (server: SMTPServer, mail: SMTPMail)?
        if row.kind == ChannelService.email {
            guard let settings = try await service.smtp(in: row.$workspace.id) else {
                return try await finish(delivery, .gaveUp, code: "smtp_not_set", text: "The workspace has no mail server set.", on: db)
            }
            let recipients = ListText.items(try service.open(row).address)
            let body = (message.lines + (message.link.map { ["", $0.absoluteString] } ?? [])).joined(separator: "\n")
            mail = (try service.smtpServer(settings), SMTPMail(from: settings.fromAddress, to: recipients, subject: message.title, body: body))
        }
        let channel = mail == nil ? try service.channel(row) : nil
        do throws(ConnectorError) {
            if let mail {
                let client = SMTPClient(policy: app.settings.outboundPolicy, resolver: app.outboundResolver, eventLoopGroup: app.eventLoopGroup)
                try await client.send(mail.mail, via: mail.server, now: now)
            } else if let channel {
                let response = try await app.connectorTransport.send(channel.request(message, id: deliveryID.uuidString, now: now), timeout: timeout)
                delivery.httpStatus = response.status
                if let failure = channel.failure(of: response) { throw failure }
            }
        } catch {
            let (code, text) = describe(error)
            let retryAfter: TimeInterval? = if case .rateLimited(let wait) = error { wait } else { nil }
            let passing = error.isRetriable || { if case .outcomeUnknown = error { true } else { false } }()
            if retries, passing, let wait = NotifyRetry.delay(afterAttempts: delivery.attempts, retryAfter: retryAfter) {
                _ = try await finish(delivery, .failed, code: code, text: text, on: db)
                return .retry(after: wait, reason: "\(code): \(text)")
            }
            return try await finish(delivery, .gaveUp, code: code, text: text, on: db)
        }
        delivery.sentAt = now
        return try await finish(delivery, .sent, code: nil, text: nil, on: db)
    }

    private static func finish(
        _ delivery: NotifyDelivery, _ state: NotifyDelivery.State, code: String?, text: String?, on db: any Database
    )
        async throws -> Outcome
    {
        delivery.state = state.rawValue
        delivery.errorCode = code
        delivery.errorText = text.map { String($0.prefix(300)) }
        try await delivery.save(on: db)
        switch state {
        case .sent: return .sent
        case .gaveUp: return .gaveUp
        case .queued, .failed: return .nothing
        }
    }

    /// A failure as the log keeps it: a code a page names in the reader's
    /// language, and the sentence of the guarded client or the receiver
    /// (they name the host, never the key in the address or the secret).
    static func describe(_ error: ConnectorError) -> (code: String, text: String) {
        switch error {
        case .rateLimited: ("rate_limited", ConnectorMessages.text(error))
        case .temporary(let reason): ("unreachable", reason)
        case .outcomeUnknown(let reason): ("no_answer", reason)
        case .rejected(let reason): ("refused", reason)
        default: ("failed", ConnectorMessages.text(error))
        }
    }

    static let errorCodes = ["rate_limited", "unreachable", "no_answer", "refused", "failed", "channel_disabled", "smtp_not_set"]

    // MARK: The message

    /// The notice in `locale`: a title naming its kind (and grade), the
    /// sentence of its key, and an absolute link only when the server has
    /// a public address (FANFARE_PUBLIC_URL): never one made from a
    /// request's Host header, and none from HOST:PORT, which a group
    /// chat could not open.
    static func render(_ event: StoredEvent, locale: UILocale, workspaceSlug: String, publicURL: URL?) -> NotifyMessage {
        var title = I18n.text("notify.event.\(event.kind)", locale)
        if let grade = event.grade { title = I18n.text("notify.graded_title", locale, [I18n.text("notify.grade.\(grade.rawValue)", locale), title]) }
        var facts = ["kind": event.kind, "workspace": workspaceSlug]
        if let grade = event.grade { facts["grade"] = grade.rawValue }
        if let monitor = event.monitorID { facts["monitor_id"] = monitor.uuidString }
        var link: URL?
        if let publicURL, !workspaceSlug.isEmpty {
            var base = publicURL.absoluteString
            while base.hasSuffix("/") { base.removeLast() }
            link = URL(string: base + "/w/\(workspaceSlug)" + (event.link.hasPrefix("/") ? event.link : "/" + event.link))
        }
        return NotifyMessage(
            event: event.kind == "test" ? "channel.test" : event.kind, title: title, lines: [I18n.text(event.key, locale, event.args)], link: link,
            facts: facts)
    }

    // MARK: The test button

    /// At most one test a channel in this many seconds.
    static let testInterval: TimeInterval = 10

    /// Sends a test notice now, past the queue (a person waits for the
    /// answer), in one attempt, logged like any delivery; nil when the
    /// channel was tested less than `testInterval` ago.
    static func test(_ row: NotifyChannelRecord, app: Application, actor: Actor, now: Date = Date()) async throws -> NotifyDelivery? {
        guard let sql = app.db as? any SQLDatabase else { return nil }
        // One statement claims the turn, so two clicks at once send once.
        let claimed = try await sql.raw(
            """
            UPDATE notify_channels SET last_tested_at = \(bind: now)
            WHERE id = \(bind: row.id!) AND (last_tested_at IS NULL OR last_tested_at <= \(bind: now.addingTimeInterval(-testInterval)))
            RETURNING id
            """
        ).first()
        guard claimed != nil else { return nil }
        let stored = StoredEvent(kind: "test", key: "notify.test_message", args: [row.name], link: "/settings/channels/\(row.id!.uuidString)")
        let text = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
        guard let id = try await insert(channel: row, dedupeKey: "test:\(UUID().uuidString)", kind: "test", event: text, on: app.db, now: now)
        else { return nil }
        _ = try await attempt(id, app: app, retries: false, now: now)
        let delivery = try await NotifyDelivery.find(id, on: app.db)
        try await AuditLog.record(
            on: app.db, actor: actor, workspaceID: row.$workspace.id, action: "notify_channel.tested", targetType: "notify_channel", targetID: row.id,
            after: ["state": delivery?.state ?? "", "http_status": delivery?.httpStatus.map(String.init) ?? "", "error": delivery?.errorCode ?? ""],
            now: now)
        return delivery
    }
}
