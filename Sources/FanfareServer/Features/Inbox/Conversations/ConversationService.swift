import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Filters shared by the inbox page and `GET /inbox/conversations`.
struct ConversationFilter: Sendable {
    var accountID: UUID?
    var platform: String?
    var sentiment: String?
    var intent: String?
    var status: String?
    var queue: String?
    /// A user, `me`, or `none` (unassigned).
    var assignee: String?
    var serviceLevel: String?
    var tag: String?
    /// Words to find in the fans' messages, the team's replies or the
    /// fan's name (`q`): any case, as typed.
    var search: String?

    /// The longest search accepted, in characters.
    static let searchLimit = 100

    init(
        account: String?, platform: String?, sentiment: String?, intent: String?, status: String?, queue: String?, assignee: String?,
        serviceLevel: String?, tag: String?, search: String? = nil
    ) throws(ValidationErrors) {
        var errors = ValidationErrors()
        func pick(_ raw: String?, _ field: String, _ accepted: [String]) -> String? {
            guard let value = raw?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            if !accepted.contains(value) { errors.add(field, .oneOf(choices: accepted)) }
            return value
        }
        if let raw = account?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            accountID = UUID(uuidString: raw)
            if accountID == nil { errors.add("account", .accountId) }
        }
        self.platform = platform.nonEmpty
        self.sentiment = pick(sentiment, "sentiment", MessageSentiment.allCases.map(\.rawValue))
        self.intent = pick(intent, "intent", MessageIntent.allCases.map(\.rawValue))
        self.status = pick(status, "status", Conversation.Status.allCases.map(\.rawValue) + ["unresolved"])
        self.queue = pick(queue, "queue", InboxQueue.allCases.map(\.rawValue))
        if let raw = assignee?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if raw != "me" && raw != "none" && UUID(uuidString: raw) == nil { errors.add("assignee", .assignee) }
            self.assignee = raw
        }
        self.serviceLevel = pick(serviceLevel, "sla", ["ok", "warning", "breached", "done"])
        self.tag = tag.nonEmpty
        if let raw = search?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty {
            if raw.count > Self.searchLimit { errors.add("q", .lengthAtMost(max: Self.searchLimit)) }
            self.search = raw
        }
        try errors.throwIfAny()
    }

    init() {}

    var isEmpty: Bool {
        [accountID?.uuidString, platform, sentiment, intent, status, queue, assignee, serviceLevel, tag, search].allSatisfy { $0 == nil }
    }
}

/// The second and third tiers: agents and experts working conversations.
/// Reading them with their service-level clocks, answering (through the
/// connector, by `ReplySender`), assigning, escalating, tagging and
/// resolving, one at a time or in bulk.
struct ConversationService {
    let db: any Database

    struct Listed {
        var conversation: Conversation
        var account: SocialAccount
        var clocks: ConversationClocks
    }

    /// A service-level filter looks at at most this many conversations,
    /// newest first: the clocks depend on business hours, so they are
    /// worked out here rather than in SQL.
    static let clockScanLimit = 5_000

    func list(
        _ filter: ConversationFilter, page: PageQuery, in access: WorkspaceAccess, user: UUID?, now: Date = Date()
    ) async throws -> (
        [Listed], next: String?
    ) {
        try access.require(.inboxView)
        let query = access.query(Conversation.self, on: db).join(SocialAccount.self, on: \Conversation.$account.$id == \SocialAccount.$id)
        if let id = filter.accountID { query.filter(\.$account.$id == id) }
        if let platform = filter.platform { query.filter(SocialAccount.self, \.$platform == platform) }
        if let sentiment = filter.sentiment { query.filter(\.$lastSentiment == sentiment) }
        if let intent = filter.intent { query.filter(\.$lastIntent == intent) }
        if let status = filter.status {
            if status == "unresolved" { query.filter(\.$status != Conversation.Status.resolved.rawValue) } else { query.filter(\.$status == status) }
        }
        if let queue = filter.queue { query.filter(\.$queue == queue) }
        switch filter.assignee {
        case "me": query.filter(\.$assignee.$id == user)
        case "none": query.filter(\.$assignee.$id == nil)
        case let raw?: query.filter(\.$assignee.$id == UUID(uuidString: raw))
        case nil: break
        }
        if let tag = filter.tag {
            // Tags are a JSON array: match the quoted tag.
            let quoted = Conversation.json([tag]).dropFirst().dropLast()
            query.filter(\.$tagsJSON, .custom("LIKE"), "%\(quoted)%")
        }
        if let search = filter.search {
            // Every message of the conversation and every reply, not only
            // the last: a plain scan of the workspace's messages (LIKE),
            // 0.15–0.2 s for 100,000 of them on SQLite; docs/inbox.md § Search.
            let pattern = LikePattern.contains(search)
            query.filter(
                .sql(
                    embed: """
                        (LOWER(\(ident: "conversations").\(ident: "author_name")) LIKE \(bind: pattern) ESCAPE '\\' \
                        OR \(ident: "conversations").\(ident: "id") IN (SELECT im.conversation_id FROM incoming_messages im \
                        WHERE im.workspace_id = \(bind: access.workspaceID) AND LOWER(im.text) LIKE \(bind: pattern) ESCAPE '\\') \
                        OR \(ident: "conversations").\(ident: "id") IN (SELECT ir.conversation_id FROM inbox_replies ir \
                        WHERE ir.workspace_id = \(bind: access.workspaceID) AND LOWER(ir.text) LIKE \(bind: pattern) ESCAPE '\\'))
                        """))
        }
        if let after = page.after { query.filter(\.$id < after) }
        let settings = try await InboxSettings.of(access.workspaceID, on: db)
        let policy = settings.policy
        let zone = access.workspace.zone
        let limit = filter.serviceLevel == nil ? page.limit + 1 : Self.clockScanLimit
        // A page's conversations come from a handful of accounts: each
        // account's joined columns are filled into a model once, not once
        // per row (the rows of one statement hold the same values for it).
        var accounts: [UUID: SocialAccount] = [:]
        var rows: [Listed] = try await query.sort(\.$id, .descending).range(..<limit).all().map { conversation in
            let accountID = conversation.$account.id
            let account = try accounts[accountID] ?? conversation.joined(SocialAccount.self)
            accounts[accountID] = account
            return Listed(conversation: conversation, account: account, clocks: conversation.clocks(policy: policy, zone: zone, now: now))
        }
        if let wanted = filter.serviceLevel { rows = Array(rows.filter { $0.clocks.badge.rawValue == wanted }.prefix(page.limit + 1)) }
        let (items, next) = page.page(rows) { $0.conversation.id! }
        return (items, next)
    }

    /// For each conversation listed by a search, the newest message or
    /// reply that holds the words (none when only the fan's name matched).
    func matches(of search: String, in conversations: [UUID], access: WorkspaceAccess) async throws -> [UUID: String] {
        guard !conversations.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let pattern = LikePattern.contains(search)
        let rows = try await sql.raw(
            """
            SELECT conversation_id, text, at FROM (\
            SELECT conversation_id, text, sent_at AS at FROM incoming_messages WHERE workspace_id = \(bind: access.workspaceID) \
            AND conversation_id IN (\(binds: conversations)) AND LOWER(text) LIKE \(bind: pattern) ESCAPE '\\' \
            UNION ALL SELECT conversation_id, text, created_at AS at FROM inbox_replies WHERE workspace_id = \(bind: access.workspaceID) \
            AND conversation_id IN (\(binds: conversations)) AND LOWER(text) LIKE \(bind: pattern) ESCAPE '\\') found ORDER BY at DESC
            """
        ).all()
        let text = SQLRows.uuidsAsText(sql)
        var found: [UUID: String] = [:]
        for row in rows {
            let id = try SQLRows.uuid(row, "conversation_id", asText: text)
            if found[id] == nil { found[id] = try row.decode(column: "text", as: String.self) }
        }
        return found
    }

    func find(_ rawID: String?, in access: WorkspaceAccess, now: Date = Date()) async throws -> (Listed, [IncomingMessage], [InboxReply]) {
        try access.require(.inboxView)
        // The conversation and its account in one statement; either missing is the same 404.
        guard let rawID, let id = UUID(uuidString: rawID),
            let conversation = try await access.query(Conversation.self, on: db)
                .join(SocialAccount.self, on: \Conversation.$account.$id == \SocialAccount.$id).filter(\.$id == id).first()
        else { throw Problem.notFound("Conversation") }
        let account = try conversation.joined(SocialAccount.self)
        let settings = try await InboxSettings.of(access.workspaceID, on: db)
        let messages = try await IncomingMessage.query(on: db).filter(\.$conversationID == conversation.id).sort(\.$sentAt).sort(\.$id).all()
        let replies = try await InboxReply.query(on: db).filter(\.$conversation.$id == conversation.id!).sort(\.$createdAt).all()
        return (
            Listed(
                conversation: conversation, account: account,
                clocks: conversation.clocks(policy: settings.policy, zone: access.workspace.zone, now: now)),
            messages, replies
        )
    }

    // MARK: Answering

    struct ReplyInput: Content {
        var text: String?
        var templateId: UUID?
        /// Resolve the conversation with this answer.
        var resolve: Bool?
        /// How many replies the conversation had when the agent started
        /// writing. When there are more by the time this one is sent,
        /// someone else answered meanwhile: refused (422 on `text`) so the
        /// fan is not answered twice; sent again, it goes. Left out, no check.
        var seenReplies: Int?
    }

    func reply(to rawID: String?, _ input: ReplyInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> InboxReply {
        try access.require(.inboxReply)
        let text = (input.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = ValidationErrors()
        if text.isEmpty { errors.add("text", .notEmpty) }
        let unfilled = ReplyTemplateText.unfilled(in: text)
        if !unfilled.isEmpty {
            errors.add("text", .unfilledVariables(variables: unfilled.map { "{\($0)}" }))
        }
        let conversation = try await access.find(Conversation.self, rawID, on: db, what: "Conversation")
        if conversation.queue == InboxQueue.experts.rawValue { try access.require(.inboxExpertAnswer) }
        guard let account = try await SocialAccount.find(conversation.$account.id, on: db) else { throw Problem.notFound("Conversation") }
        if let problem = ReplyLimits.problem(with: text, platform: account.rulesPlatform) { errors.add("text", problem) }
        if let templateID = input.templateId, try await access.query(ReplyTemplate.self, on: db).filter(\.$id == templateID).first() == nil {
            errors.add("template_id", .notAReplyTemplate)
        }
        try errors.throwIfAny()
        guard
            let message = try await IncomingMessage.query(on: db).filter(\.$conversationID == conversation.id).sort(\.$sentAt, .descending)
                .sort(\.$id, .descending).first()
        else { throw Problem(.conflict, "This conversation has no message to answer.", type: "nothing-to-answer") }
        let resolve = input.resolve ?? false
        return try await db.writeTransaction { tx in
            if let seen = input.seenReplies { try await Self.refuseIfAnsweredMeanwhile(conversation.id!, seen: seen, in: tx) }
            // WeChat takes customer-service messages only in the window: refused here, not by the platform.
            try await WeChatWindows.refuseIfClosed(conversation, account: account, now: now, in: tx)
            let reply = InboxReply()
            reply.id = TimeOrderedID.make(at: now)
            reply.$workspace.id = access.workspaceID
            reply.$conversation.id = conversation.id!
            reply.$message.id = message.id!
            reply.text = text
            reply.templateID = input.templateId
            reply.$author.id = actor.userID
            reply.automatic = false
            reply.status = InboxReply.Status.queued.rawValue
            reply.createdAt = now
            try await reply.create(on: tx)
            conversation.firstResponseAt = conversation.firstResponseAt ?? now
            if conversation.$assignee.id == nil { conversation.$assignee.id = actor.userID }
            if resolve {
                Self.markResolved(conversation, now: now)
            } else if conversation.status == Conversation.Status.open.rawValue {
                conversation.status = Conversation.Status.pending.rawValue
            }
            conversation.updatedAt = now
            try await conversation.update(on: tx)
            try await JobQueue(db: tx).enqueueMany([try ReplySender.job(for: reply.id!, at: now)], now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "conversation.replied", targetType: "conversation",
                targetID: conversation.id, after: ["reply": reply.id!.uuidString.lowercased(), "resolved": String(resolve)], now: now)
            return reply
        }
    }

    /// Two agents answering one conversation: the second is told, inside
    /// the transaction that would store the reply (the conversation's row
    /// locked on PostgreSQL; SQLite has one writer), so two replies sent at
    /// the same moment cannot both pass.
    static func refuseIfAnsweredMeanwhile(_ conversationID: UUID, seen: Int, in tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT id FROM conversations WHERE id = \(bind: conversationID) FOR UPDATE").run()
        }
        let rows = try await sql.raw(
            """
            SELECT r.text, r.automatic, u.display_name, (SELECT COUNT(*) FROM inbox_replies c WHERE c.conversation_id = \(bind: conversationID)) AS total \
            FROM inbox_replies r LEFT JOIN users u ON u.id = r.author_id WHERE r.conversation_id = \(bind: conversationID) \
            ORDER BY r.created_at DESC, r.id DESC LIMIT 1
            """
        ).all()
        guard let newest = rows.first, try newest.decode(column: "total", as: Int.self) > seen else { return }
        let answer = String(try newest.decode(column: "text", as: String.self).prefix(80))
        let author = try newest.decode(column: "display_name", as: String?.self)
        if try newest.decode(column: "automatic", as: Bool.self) || author == nil {
            throw ValidationErrors("text", .answeredMeanwhileAutomatically(answer: answer))
        }
        throw ValidationErrors("text", .answeredMeanwhile(by: author ?? "", answer: answer))
    }

    /// A template as it would read in this conversation, with the variables
    /// the conversation knows filled in and the others left for the agent.
    func draft(_ rawID: String?, template rawTemplate: String?, in access: WorkspaceAccess, agent: String?, now: Date = Date()) async throws -> String
    {
        try access.require(.inboxView)
        let conversation = try await access.find(Conversation.self, rawID, on: db, what: "Conversation")
        // An approved holding statement of an active incident, offered in the
        // same picker (issue 20): its text as approved, never filled in.
        if let statement = try await IncidentService.approvedStatementText(rawTemplate, in: access.workspaceID, on: db) { return statement }
        let template = try await access.find(ReplyTemplate.self, rawTemplate, on: db, what: "Reply template")
        guard let account = try await SocialAccount.find(conversation.$account.id, on: db) else { throw Problem.notFound("Conversation") }
        return try ReplyTemplateService.text(
            of: template, toFan: conversation.authorName, account: account, agent: agent, zone: access.workspace.zone, strict: false, now: now)
    }

    // MARK: Working conversations

    /// One change to apply to one or many conversations. Only what is set
    /// changes.
    struct Change: Content {
        /// open, pending or resolved.
        var status: String?
        /// agents or experts.
        var queue: String?
        /// A member's user id.
        var assigneeId: UUID?
        /// True leaves the conversation with nobody.
        var unassign: Bool?
        var addTags: [String]?
        var removeTags: [String]?
    }

    func change(_ rawIDs: [String], _ change: Change, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> [Conversation] {
        try access.require(.inboxReply)
        var errors = ValidationErrors()
        let status = change.status.map { Conversation.Status(rawValue: $0) }
        if status == .some(nil) { errors.add("status", .oneOf(choices: ["open", "pending", "resolved"])) }
        let queue = change.queue.map { InboxQueue(rawValue: $0) }
        if queue == .some(nil) { errors.add("queue", .oneOf(choices: ["agents", "experts"])) }
        for tag in (change.addTags ?? []) where tag.trimmingCharacters(in: .whitespaces).isEmpty || tag.count > 40 {
            errors.add("add_tags", .tagsLength(min: 1, max: 40))
        }
        if rawIDs.isEmpty { errors.add("ids", .conversationsRequired) }
        if rawIDs.count > 500 { errors.add("ids", .conversationsAtMost(max: 500)) }
        try errors.throwIfAny()
        if queue != nil, !access.can(.inboxEscalate), !access.can(.inboxExpertAnswer) { try access.require(.inboxEscalate) }
        if let assignee = change.assigneeId {
            let member = try await access.query(Membership.self, on: db).filter(\.$user.$id == assignee).first()
            guard let member, access.matrix.allows(member.memberRole, .inboxReply) else {
                throw ValidationErrors("assignee_id", .inboxAnswerer)
            }
        }
        return try await db.writeTransaction { tx in
            var changed: [Conversation] = []
            for rawID in rawIDs {
                let conversation = try await access.find(Conversation.self, rawID, on: tx, what: "Conversation \(rawID)")
                let before = ["status": conversation.status, "queue": conversation.queue, "tags": conversation.tagsJSON]
                if let queue = queue ?? nil { conversation.queue = queue.rawValue }
                if let assignee = change.assigneeId { conversation.$assignee.id = assignee }
                if change.unassign == true { conversation.$assignee.id = nil }
                var tags = conversation.tags
                for tag in change.addTags ?? [] where !tags.contains(tag) { tags.append(tag.trimmingCharacters(in: .whitespaces)) }
                tags.removeAll { (change.removeTags ?? []).contains($0) }
                conversation.tags = tags
                if let status = status ?? nil, status.rawValue != conversation.status {
                    switch status {
                    case .resolved: Self.markResolved(conversation, now: now)
                    case .open, .pending:
                        if conversation.status == Conversation.Status.resolved.rawValue {
                            let key = Conversation.openKey(
                                account: conversation.$account.id, author: conversation.authorID, thread: conversation.threadKey)
                            if try await Conversation.query(on: tx).filter(\.$openKey == key).first() != nil {
                                throw Problem(
                                    .conflict, "\(conversation.authorName) has a newer open conversation in this thread; work on that one.",
                                    type: "conversation-superseded")
                            }
                            conversation.openKey = key
                            conversation.resolvedAt = nil
                        }
                        conversation.status = status.rawValue
                    }
                }
                conversation.updatedAt = now
                try await conversation.update(on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "conversation.changed", targetType: "conversation",
                    targetID: conversation.id, before: before,
                    after: ["status": conversation.status, "queue": conversation.queue, "tags": conversation.tagsJSON], now: now)
                changed.append(conversation)
            }
            return changed
        }
    }

    static func markResolved(_ conversation: Conversation, now: Date) {
        conversation.status = Conversation.Status.resolved.rawValue
        conversation.resolvedAt = now
        // Frees the fan and thread: their next message opens a new
        // conversation with fresh clocks.
        conversation.openKey = nil
    }
}

/// The query parameters the inbox filters by, page and API alike.
enum ConversationFilterKeys {
    static let all = ["account", "platform", "sentiment", "intent", "status", "queue", "assignee", "sla", "tag", "q"]
}
