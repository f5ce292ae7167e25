import FanfareCore
import Fluent
import SQLKit
import Vapor

/// An incident's timeline as shown: its own entries, and the posts and
/// replies the workspace published while it was active, read from
/// Publishing's and the inbox's surfaces. Reading them rather than having
/// Publishing and the inbox write into incidents keeps both untouched (no
/// hook to forget, nothing lost when a write fails) and makes the first
/// response a fact of what went out.
struct IncidentTimeline: Sendable {
    struct Item: Sendable, Equatable {
        var kind: String
        var at: Date
        var actorID: UUID?
        var detail: String?
        var body: String?
        var refs: [String]
    }

    var items: [Item]
    var firstResponse: Date?
    var lastStatusUpdate: Date?
    var checkedSteps: [String: (at: Date, by: UUID?)]

    static func read(_ incident: Incident, on db: any Database, now: Date = Date()) async throws -> IncidentTimeline {
        let entries = try await IncidentEntry.query(on: db).filter(\.$incident.$id == incident.id!).sort(\.$at).sort(\.$id).all()
        let until = incident.resolvedAt ?? incident.closedAt ?? now
        let from = incident.detectedAt
        let workspaceID = incident.$workspace.id
        let posts = try await PublishingService.published(in: workspaceID, from: from, until: until, on: db)
        let replies = try await ConversationService.repliesSent(in: workspaceID, from: from, until: until, on: db)
        let approved = Set(
            try await IncidentStatement.query(on: db).filter(\.$incident.$id == incident.id!)
                .filter(\.$state == IncidentStatement.State.approved.rawValue).all().map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) })
        var items = entries.map { Item(kind: $0.kind, at: $0.at, actorID: $0.actorID, detail: $0.detail, body: $0.body, refs: $0.refs) }
        var answers: [(kind: IncidentFirstResponse.Kind, at: Date)] = []
        for post in posts {
            items.append(Item(kind: "post_published", at: post.at, detail: post.platform, body: post.text, refs: [post.postID.uuidString]))
            answers.append((.postPublished, post.at))
        }
        for reply in replies {
            // A reply whose text is an approved holding statement is that
            // statement used (picked from the 话术库 or pasted).
            let isStatement = approved.contains(reply.text.trimmingCharacters(in: .whitespacesAndNewlines))
            items.append(
                Item(
                    kind: "reply_published", at: reply.at, detail: isStatement ? "statement" : nil, body: reply.text,
                    refs: [reply.conversationID.uuidString]))
            answers.append((isStatement ? .statementReply : .replyPublished, reply.at))
        }
        var checked: [String: (at: Date, by: UUID?)] = [:]
        var lastUpdate: Date?
        for entry in entries {
            switch IncidentEntry.Kind(rawValue: entry.kind) {
            case .statusUpdate:
                lastUpdate = max(lastUpdate ?? entry.at, entry.at)
                answers.append((.statusUpdate, entry.at))
            case .statementUsed:
                answers.append((entry.detail == "post" ? .statementPost : .statementReply, entry.at))
            case .playbookStep:
                if let step = entry.detail, checked[step] == nil { checked[step] = (entry.at, entry.actorID) }
            default: break
            }
        }
        // Entries written together (opened, then its lead) share a time: the opening first.
        let rank = { (item: Item) in item.kind == IncidentEntry.Kind.opened.rawValue ? 0 : 1 }
        items = items.enumerated().sorted { a, b in
            (a.element.at, rank(a.element), a.offset) < (b.element.at, rank(b.element), b.offset)
        }.map(\.element)
        return IncidentTimeline(
            items: items, firstResponse: IncidentFirstResponse.time(of: answers, detected: from, resolved: incident.resolvedAt),
            lastStatusUpdate: lastUpdate, checkedSteps: checked)
    }

    func times(of incident: Incident) -> IncidentTimes {
        IncidentTimes(
            firstMention: incident.firstMentionAt, detected: incident.detectedAt, firstResponse: firstResponse, resolved: incident.resolvedAt)
    }

    func clocks(of incident: Incident, now: Date) -> [IncidentClockReading] {
        IncidentClocks.read(times(of: incident), now: now)
    }

    func nextStatusUpdate(of incident: Incident) -> Date? {
        guard incident.incidentState.isActive else { return nil }
        return IncidentClocks.nextStatusUpdate(grade: incident.grade, times: times(of: incident), lastUpdate: lastStatusUpdate)
    }
}

// MARK: - Holding statements

extension IncidentService {
    static let statementMax = 2000

    func statements(of incident: Incident) async throws -> [IncidentStatement] {
        try await IncidentStatement.query(on: db).filter(\.$incident.$id == incident.id!).sort(\.$submittedAt).all()
    }

    /// A statement from a crisis template of the 话术库 (its text unless
    /// one is given) or from text alone; it waits for the fast review.
    func submitStatement(
        _ incident: Incident, templateID rawTemplate: String?, text rawText: String?, by actor: Actor, now: Date = Date()
    )
        async throws -> IncidentStatement
    {
        var errors = ValidationErrors()
        var template: ConversationService.CrisisTemplate?
        if let rawTemplate = rawTemplate?.trimmingCharacters(in: .whitespaces), !rawTemplate.isEmpty {
            let id = UUID(uuidString: rawTemplate)
            template = try await ConversationService.crisisTemplates(in: incident.$workspace.id, on: db).first { $0.id == id }
            if template == nil { errors.add("template_id", .notAReplyTemplate) }
        }
        var text = (rawText ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty, let template { text = template.body }
        if text.isEmpty, errors.isEmpty {
            errors.add("text", rawText == nil ? .required : .notEmpty)
        } else if text.count > Self.statementMax {
            errors.add("text", .lengthBetween(min: 1, max: Self.statementMax))
        }
        try errors.throwIfAny()
        try Self.requireActive(incident)
        let statement = IncidentStatement()
        statement.id = TimeOrderedID.make(at: now)
        statement.$workspace.id = incident.$workspace.id
        statement.$incident.id = incident.id!
        statement.templateID = template?.id
        statement.text = text
        statement.state = IncidentStatement.State.pending.rawValue
        statement.submittedBy = actor.userID
        statement.submittedAt = now
        let category = template?.category
        let body = text
        try await db.writeTransaction { tx in
            try await statement.create(on: tx)
            try await Self.record(
                incident, .statementSubmitted, by: actor.userID, detail: category, body: body, refs: [statement.id!.uuidString], at: now, on: tx)
        }
        return statement
    }

    /// The fast review: one approval, by the incident's lead or
    /// communications person or a workspace admin. The text is scanned by
    /// the workspace's moderation engine as posts are on submission; a
    /// `block` term refuses the approval, naming it.
    func approveStatement(
        _ incident: Incident, statement rawID: String?, access: WorkspaceAccess, engine: ModerationEngine, by actor: Actor, now: Date = Date()
    ) async throws -> IncidentStatement {
        let statement = try await access.find(IncidentStatement.self, rawID, on: db, what: "Holding statement")
        guard statement.$incident.id == incident.id else { throw Problem.notFound("Holding statement") }
        let role = try await role(of: actor.userID, in: incident)
        guard access.role == .admin || role?.approvesStatements == true else {
            throw Problem.forbidden("A holding statement is approved by the incident's lead or communications person, or a workspace admin.")
        }
        guard statement.state == IncidentStatement.State.pending.rawValue else { return statement }
        if let blocked = engine.scan(statement.text, scope: .content).first(where: { $0.severity == .block }) {
            throw ValidationErrors("text", .statementBlocked(term: blocked.text))
        }
        try Self.requireActive(incident)
        return try await db.writeTransaction { tx in
            // Conditional: two approvals at once record one.
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            let rows = try await sql.raw(
                """
                UPDATE incident_statements SET state = \(bind: IncidentStatement.State.approved.rawValue), approved_by = \(bind: actor.userID),
                approved_at = \(bind: now) WHERE id = \(bind: statement.id!) AND state = \(bind: IncidentStatement.State.pending.rawValue) RETURNING id
                """
            ).all()
            statement.state = IncidentStatement.State.approved.rawValue
            guard !rows.isEmpty else { return statement }
            statement.approvedBy = actor.userID
            statement.approvedAt = now
            try await Self.record(
                incident, .statementApproved, by: actor.userID, body: statement.text, refs: [statement.id!.uuidString], at: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.statement_approved", targetType: "incident",
                targetID: incident.id, after: ["statement": statement.id!.uuidString], now: now)
            return statement
        }
    }
}

// MARK: - Publishing hold

extension IncidentService {
    /// Holds publishing for the workspace (`account` nil) or one account,
    /// on the incident's timeline and in the audit log.
    func startHold(
        _ incident: Incident?, account rawAccount: String?, access: WorkspaceAccess, by actor: Actor, now: Date = Date()
    ) async throws
        -> PublishingHolds.Started
    {
        var accountID: UUID?
        if let raw = rawAccount?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw != "all" {
            guard let id = UUID(uuidString: raw), try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first() != nil else {
                throw ValidationErrors("account_id", .accountId)
            }
            accountID = id
        }
        if let incident { try Self.requireActive(incident) }
        let (started, created) = try await PublishingService.startHold(
            workspaceID: access.workspaceID, accountID: accountID, incidentID: incident?.id, by: actor.userID, on: db, now: now)
        guard created else { return started }
        try await AuditLog.record(
            on: db, actor: actor, workspaceID: access.workspaceID, action: "publishing.hold_started", targetType: "publishing_hold",
            targetID: started.hold.id,
            after: ["account": accountID?.uuidString ?? "all", "incident": incident?.id?.uuidString ?? "", "in_flight": String(started.inFlight)],
            now: now)
        // On the incident it was started for; one started from the holds page
        // is on every active incident's timeline.
        var targets: [Incident] = []
        if let incident { targets = [incident] } else { targets = try await activeIncidents(access) }
        for incident in targets {
            try await Self.record(
                incident, .holdStarted, by: actor.userID, detail: accountID?.uuidString ?? "all", body: String(started.held),
                refs: [started.hold.id!.uuidString], at: now, on: db)
        }
        return started
    }

    func activeIncidents(_ access: WorkspaceAccess) async throws -> [Incident] {
        try await access.query(Incident.self, on: db).filter(\.$state ~~ IncidentState.allCases.filter(\.isActive).map(\.rawValue)).all()
    }

    /// Releases a hold of the workspace; its posts go back to the queue
    /// (overdue ones at once). Recorded on every active incident's timeline.
    func releaseHold(_ rawID: String?, access: WorkspaceAccess, by actor: Actor, now: Date = Date()) async throws -> Int {
        let hold = try await access.find(PublishingHold.self, rawID, on: db, what: "Publishing hold")
        guard let queued = try await PublishingService.releaseHold(hold, by: actor.userID, on: db, now: now) else { return 0 }
        try await AuditLog.record(
            on: db, actor: actor, workspaceID: access.workspaceID, action: "publishing.hold_released", targetType: "publishing_hold",
            targetID: hold.id, after: ["account": hold.accountID?.uuidString ?? "all", "queued": String(queued)], now: now)
        for incident in try await activeIncidents(access) where hold.incidentID == nil || incident.id == hold.incidentID {
            try await Self.record(
                incident, .holdReleased, by: actor.userID, detail: hold.accountID?.uuidString ?? "all", body: String(queued),
                refs: [hold.id!.uuidString], at: now, on: db)
        }
        return queued
    }
}

// MARK: - Review

extension IncidentService {
    static let reviewMax = 50_000

    func review(of incident: Incident) async throws -> IncidentReview? {
        try await IncidentReview.query(on: db).filter(\.$incident.$id == incident.id!).first()
    }

    /// The review's first draft, from the timeline: what happened when,
    /// each clock met or missed with its times, and the headings the team
    /// fills in (what worked, what did not, actions with owners).
    static func draft(_ incident: Incident, timeline: IncidentTimeline, names: [UUID: String], locale: UILocale, zone: TimeZone, now: Date) -> String
    {
        let t = { (key: String, args: [String]) in I18n.text(key, locale, args) }
        let time = { (date: Date) in Layout.timeText(date, zone: zone, locale: locale) }
        var lines: [String] = []
        lines.append("# " + t("incidents.review.heading", [incident.title]))
        lines.append("")
        lines.append(t("incidents.review.summary", [t("incidents.severity.\(incident.severity)", []), time(incident.openedAt)]))
        lines.append("")
        lines.append("## " + t("incidents.review.clocks", []))
        for reading in timeline.clocks(of: incident, now: now) {
            let stopped = reading.stopped.map(time) ?? "—"
            lines.append(
                "- "
                    + t(
                        "incidents.review.clock_line",
                        [
                            t("incidents.clock.\(reading.clock.rawValue)", []), t("incidents.clock_state.\(reading.state.rawValue)", []),
                            time(reading.started),
                            time(reading.due), stopped,
                        ]))
        }
        lines.append("")
        lines.append("## " + t("incidents.review.what_happened", []))
        for item in timeline.items {
            let who = item.actorID.flatMap { names[$0] }.map { " (\($0))" } ?? ""
            let body = item.body.map { "：" + String($0.prefix(200)).replacingOccurrences(of: "\n", with: " ") } ?? ""
            lines.append("- \(time(item.at)) " + IncidentsPage.entryLabel(item, locale: locale) + who + body)
        }
        lines.append("")
        lines.append("## " + t("incidents.review.worked", []))
        lines.append("- ")
        lines.append("")
        lines.append("## " + t("incidents.review.not_worked", []))
        lines.append("- ")
        lines.append("")
        lines.append("## " + t("incidents.review.actions", []))
        lines.append("- " + t("incidents.review.action_example", []))
        return lines.joined(separator: "\n")
    }

    /// Writes the review (the draft the first time when no body is given).
    func saveReview(
        _ incident: Incident, title rawTitle: String?, body rawBody: String?, draft: String, access: WorkspaceAccess, by actor: Actor,
        now: Date = Date()
    ) async throws -> IncidentReview {
        var errors = ValidationErrors()
        let title = (rawTitle ?? incident.title).trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty || title.count > Self.titleRange.upperBound {
            errors.add("title", .lengthBetween(min: 1, max: Self.titleRange.upperBound))
        }
        let body = rawBody.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? draft
        if body.isEmpty || body.count > Self.reviewMax { errors.add("body", .lengthBetween(min: 1, max: Self.reviewMax)) }
        try errors.throwIfAny()
        let existing = try await review(of: incident)
        let review = existing ?? IncidentReview()
        if existing == nil {
            review.id = TimeOrderedID.make(at: now)
            review.$workspace.id = incident.$workspace.id
            review.$incident.id = incident.id!
            review.createdAt = now
        }
        review.title = title
        review.body = body
        review.updatedBy = actor.userID
        review.updatedAt = now
        try await db.writeTransaction { tx in
            try await review.save(on: tx)
            // Found next year with the campaigns' post-mortems (issue 22).
            try await KnowledgeBase.index(
                KnowledgeBase.Entry(
                    kind: .incidentReview, sourceID: incident.id!, title: title, body: body, tags: [], platforms: [],
                    year: Calendar(identifier: .gregorian).component(.year, from: incident.openedAt)), workspaceID: incident.$workspace.id, now: now,
                on: tx)
            if existing == nil {
                try await Self.record(incident, .reviewWritten, by: actor.userID, refs: [review.id!.uuidString], at: now, on: tx)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "incident.review_saved", targetType: "incident", targetID: incident.id,
                after: ["review": review.id!.uuidString], now: now)
        }
        return review
    }

    /// Reviews whose title or text contains `text` (a LIKE search; issue
    /// 22 brings full-text search), newest first.
    func searchReviews(_ text: String?, in access: WorkspaceAccess, limit: Int = 50) async throws -> [IncidentReview] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var statement: SQLQueryString = "SELECT id FROM incident_reviews WHERE workspace_id = \(bind: access.workspaceID)"
        if let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            let pattern = LikePattern.contains(text)
            statement.appendInterpolation(
                " AND (LOWER(title) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(body) LIKE \(bind: pattern) ESCAPE '\\')" as SQLQueryString)
        }
        statement.appendInterpolation(unsafeRaw: " ORDER BY updated_at DESC LIMIT \(max(1, limit))")
        let ids = try await sql.raw(statement).all().map { try SQLRows.uuid($0, "id", asText: SQLRows.uuidsAsText(sql)) }
        guard !ids.isEmpty else { return [] }
        return try await access.query(IncidentReview.self, on: db).filter(\.$id ~~ ids).sort(\.$updatedAt, .descending).all()
    }
}

// MARK: - Reminders

/// Every minute: for each active incident, the clock reminders owed
/// (before each clock's due time and when due) and the status update
/// owed by the severity's cadence, each sent once to the incident's
/// people through `Notifier.announce` (and so the outbound channels). A
/// reminder's row is written before it is announced, under a unique key,
/// so two workers never send the same one.
enum IncidentReminders {
    static let kind = JobKind<NoPayload>("incidents.reminders")
    static let period: TimeInterval = 60

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await send(on: app.db, now: Date())
    }

    /// The reminders sent, as their keys (`first_response.before`, `status.<epoch>`).
    @discardableResult
    static func send(on db: any Database, now: Date) async throws -> [String] {
        let active = try await Incident.query(on: db).filter(\.$state ~~ IncidentState.allCases.filter(\.isActive).map(\.rawValue)).limit(500).all()
        var sentNow: [String] = []
        for incident in active {
            let timeline = try await IncidentTimeline.read(incident, on: db, now: now)
            let sent = Set(try await sentKeys(incident, on: db))
            var owed: [(key: String, notice: String, args: [String])] = []
            for reminder in IncidentClocks.reminders(timeline.times(of: incident), now: now, sent: sent) {
                owed.append(("clock.\(reminder.key)", "incidents.notice.\(reminder.key)", [incident.title]))
            }
            if let next = timeline.nextStatusUpdate(of: incident), now >= next {
                let key = "status.\(Int(next.timeIntervalSince1970))"
                if !sent.contains(key) { owed.append((key, "incidents.notice.status_update", [incident.title])) }
            }
            guard !owed.isEmpty else { continue }
            var people = try await IncidentMember.query(on: db).filter(\.$incident.$id == incident.id!).all().map(\.userID)
            if people.isEmpty, let opener = incident.openedBy { people = [opener] }
            for reminder in owed where try await claim(incident, key: reminder.key, on: db, now: now) {
                try await Notifier.announce(
                    OutboundEvent(
                        kind: .incident, workspaceID: incident.$workspace.id, grade: incident.grade, monitorID: nil, key: reminder.notice,
                        args: reminder.args, link: "/incidents/\(incident.id!.uuidString)",
                        dedupeKey: "incident:\(incident.id!.uuidString):\(reminder.key)"),
                    to: people, on: db, now: now)
                try await IncidentService.record(incident, .reminderSent, by: nil, detail: reminder.key, at: now, on: db)
                sentNow.append(reminder.key)
            }
        }
        return sentNow
    }

    static func sentKeys(_ incident: Incident, on db: any Database) async throws -> [String] {
        guard let sql = db as? any SQLDatabase else { return [] }
        return try await sql.raw("SELECT key FROM incident_reminders WHERE incident_id = \(bind: incident.id!)").all()
            .map { try $0.decode(column: "key", as: String.self) }
            .map { $0.hasPrefix("clock.") ? String($0.dropFirst(6)) : $0 }
    }

    /// True when this call wrote the reminder's row (so sends it).
    private static func claim(_ incident: Incident, key: String, on db: any Database, now: Date) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let rows = try await sql.raw(
            """
            INSERT INTO incident_reminders (incident_id, key, sent_at) VALUES (\(bind: incident.id!), \(bind: key), \(bind: now))
            ON CONFLICT (incident_id, key) DO NOTHING RETURNING key
            """
        ).all()
        return !rows.isEmpty
    }
}
