import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Feedback tickets from the inbox, the API or the public form: numbered
/// per workspace, scored, routed to an owner, merged with near-duplicates,
/// and closed with a notice that reaches every fan behind them.
struct FeedbackService {
    let db: any Database

    struct Input: Content {
        var title: String?
        var body: String?
        var kind: String?
        var messageId: UUID?
        var impact: Int?
        var urgency: Int?
        var cost: Int?
        var ownerId: UUID?
        var `public`: Bool?
        /// new, triaged or in_progress (closing has its own call).
        var status: String?
    }

    // MARK: Creating

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FeedbackTicket {
        try access.require(.inboxReply)
        var message: IncomingMessage?
        if let messageID = input.messageId {
            message = try await access.query(IncomingMessage.self, on: db).filter(\.$id == messageID).first()
            if message == nil { throw ValidationErrors("message_id", .notAMessage) }
        }
        let body = (input.body.nonEmpty ?? message?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let title = (input.title.nonEmpty ?? String(body.prefix(60))).trimmingCharacters(in: .whitespacesAndNewlines)
        let ticket = FeedbackTicket()
        ticket.title = title
        ticket.body = body
        ticket.kind = input.kind ?? FeedbackKind.suggestion.rawValue
        ticket.source = (message == nil ? FeedbackTicket.Source.api : .message).rawValue
        ticket.messageID = message?.id
        ticket.conversationID = message?.conversationID
        ticket.fanName = message?.authorName
        ticket.impact = input.impact ?? 3
        ticket.urgency = input.urgency ?? 3
        ticket.cost = input.cost ?? 3
        ticket.isPublic = input.public ?? false
        try Self.check(ticket)
        if let ownerID = input.ownerId { try await requireOwner(ownerID, in: access) }
        ticket.$owner.id = input.ownerId
        return try await insert(ticket, workspaceID: access.workspaceID, actor: actor, now: now)
    }

    /// A fan's feedback through the public form: no account needed. The
    /// receipt lets them read the ticket's state and closing notice.
    func createFromForm(
        workspace: Workspace, name: String, contact: String, kind: String, text: String, now: Date = Date()
    ) async throws
        -> FeedbackTicket
    {
        let ticket = FeedbackTicket()
        ticket.body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        ticket.title = String(ticket.body.prefix(60))
        ticket.kind = kind
        ticket.source = FeedbackTicket.Source.form.rawValue
        ticket.fanName = Optional(name.trimmingCharacters(in: .whitespaces)).nonEmpty
        ticket.contact = Optional(contact.trimmingCharacters(in: .whitespaces)).nonEmpty
        ticket.impact = 3
        ticket.urgency = 3
        ticket.cost = 3
        ticket.isPublic = false
        var errors = ValidationErrors()
        if (ticket.fanName ?? "").count > 80 { errors.add("name", .lengthAtMost(max: 80)) }
        if (ticket.contact ?? "").count > 200 { errors.add("contact", .lengthAtMost(max: 200)) }
        do { try Self.check(ticket) } catch { errors.issues += error.issues }
        try errors.throwIfAny()
        return try await insert(ticket, workspaceID: workspace.id!, actor: Actor(userID: nil, label: "public form", address: nil), now: now)
    }

    static func check(_ ticket: FeedbackTicket) throws(ValidationErrors) {
        var errors = ValidationErrors()
        if ticket.body.isEmpty || ticket.body.count > 5_000 { errors.add("body", .lengthBetween(min: 1, max: 5_000)) }
        if ticket.title.isEmpty || ticket.title.count > 120 { errors.add("title", .lengthBetween(min: 1, max: 120)) }
        if FeedbackKind(rawValue: ticket.kind) == nil {
            errors.add("kind", .oneOf(choices: FeedbackKind.allCases.map(\.rawValue)))
        }
        for problem in ticket.feedbackScore.problems { errors.add(problem.field, problem.coded) }
        try errors.throwIfAny()
    }

    private func requireOwner(_ userID: UUID, in access: WorkspaceAccess) async throws {
        let member = try await access.query(Membership.self, on: db).filter(\.$user.$id == userID).first()
        guard let member, access.matrix.allows(member.memberRole, .inboxReply) else {
            throw ValidationErrors("owner_id", .inboxMember)
        }
    }

    /// Numbers are per workspace; two tickets created at once may pick the
    /// same number, and the unique key makes the second pick again.
    private func insert(_ ticket: FeedbackTicket, workspaceID: UUID, actor: Actor, now: Date) async throws -> FeedbackTicket {
        ticket.$workspace.id = workspaceID
        ticket.score = ticket.feedbackScore.value
        ticket.status = FeedbackStatus.new.rawValue
        ticket.supporters = 1
        ticket.receipt = Secrets.randomToken(bytes: 18)
        ticket.createdAt = now
        ticket.updatedAt = now
        if ticket.$owner.id == nil { ticket.$owner.id = try await leastBusyOwner(in: workspaceID) }
        for attempt in 0..<8 {
            ticket.id = TimeOrderedID.make(at: now)
            ticket.number = (try await FeedbackTicket.query(on: db).filter(\.$workspace.$id == workspaceID).max(\.$number) ?? 0) + 1
            do {
                try await db.writeTransaction { tx in
                    try await ticket.create(on: tx)
                    try await AuditLog.record(
                        on: tx, actor: actor, workspaceID: workspaceID, action: "feedback.created", targetType: "feedback_ticket",
                        targetID: ticket.id,
                        after: ticket.auditFields, now: now)
                }
                return ticket
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 7 {
                ticket.$id.exists = false
                continue
            }
        }
        throw Problem(.serviceUnavailable, "Too many tickets were created at once; send it again.")
    }

    /// Routing: the member who works the inbox and owns the fewest open
    /// tickets (the earliest to join on a tie).
    private func leastBusyOwner(in workspaceID: UUID) async throws -> UUID? {
        let members = try await Membership.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$createdAt).all()
            .filter { PermissionMatrix.standard.allows($0.memberRole, .inboxReply) }
        guard !members.isEmpty else { return nil }
        let open = try await FeedbackTicket.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$status != FeedbackStatus.closed.rawValue).all(\.$owner.$id)
        let load = open.reduce(into: [UUID: Int]()) { counts, owner in if let owner { counts[owner, default: 0] += 1 } }
        return members.min { (load[$0.$user.id] ?? 0) < (load[$1.$user.id] ?? 0) }?.$user.id
    }

    // MARK: Reading

    func list(status: String?, kind: String?, owner: UUID?, in access: WorkspaceAccess) async throws -> [FeedbackTicket] {
        try access.require(.inboxView)
        var errors = ValidationErrors()
        let query = access.query(FeedbackTicket.self, on: db)
        if let status = status.nonEmpty {
            if status == "open" {
                query.filter(\.$status != FeedbackStatus.closed.rawValue)
            } else if FeedbackStatus(rawValue: status) != nil {
                query.filter(\.$status == status)
            } else {
                errors.add("status", .oneOf(choices: ["open"] + FeedbackStatus.allCases.map(\.rawValue)))
            }
        }
        if let kind = kind.nonEmpty {
            if FeedbackKind(rawValue: kind) == nil {
                errors.add("kind", .oneOf(choices: FeedbackKind.allCases.map(\.rawValue)))
            }
            query.filter(\.$kind == kind)
        }
        if let owner { query.filter(\.$owner.$id == owner) }
        try errors.throwIfAny()
        return try await query.sort(\.$score, .descending).sort(\.$number, .descending).range(..<1_000).all()
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> FeedbackTicket {
        try access.require(.inboxView)
        return try await access.find(FeedbackTicket.self, rawID, on: db, what: "Feedback ticket")
    }

    struct Duplicate: Content {
        var ticket: FeedbackTicketDTO
        var similarity: Double
    }

    /// Open tickets that read like this one: proposals to merge.
    func duplicates(of ticket: FeedbackTicket, in access: WorkspaceAccess) async throws -> [Duplicate] {
        let open = try await access.query(FeedbackTicket.self, on: db).filter(\.$status != FeedbackStatus.closed.rawValue)
            .filter(\.$id != ticket.id!).range(..<2_000).all()
        let byID = Dictionary(uniqueKeysWithValues: open.map { ($0.id!, $0) })
        return FeedbackSimilarity.nearDuplicates(of: ticket.title + " " + ticket.body, among: open.map { ($0.id!, $0.title + " " + $0.body) })
            .compactMap { found in
                byID[found.id].map { Duplicate(ticket: FeedbackTicketDTO($0), similarity: (found.similarity * 100).rounded() / 100) }
            }
    }

    // MARK: Changing

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FeedbackTicket {
        try access.require(.inboxReply)
        let ticket = try await access.find(FeedbackTicket.self, rawID, on: db, what: "Feedback ticket")
        guard ticket.status != FeedbackStatus.closed.rawValue else {
            throw Problem(.conflict, .ticketClosed(number: String(ticket.number)), type: "ticket-closed")
        }
        let before = ticket.auditFields
        if let title = input.title { ticket.title = title.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let body = input.body { ticket.body = body.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let kind = input.kind { ticket.kind = kind }
        if let impact = input.impact { ticket.impact = impact }
        if let urgency = input.urgency { ticket.urgency = urgency }
        if let cost = input.cost { ticket.cost = cost }
        if let isPublic = input.public { ticket.isPublic = isPublic }
        var errors = ValidationErrors()
        if let status = input.status {
            if let value = FeedbackStatus(rawValue: status), value != .closed {
                ticket.status = status
            } else {
                errors.add("status", .ticketStatus)
            }
        }
        do { try Self.check(ticket) } catch { errors.issues += error.issues }
        try errors.throwIfAny()
        if let ownerID = input.ownerId {
            try await requireOwner(ownerID, in: access)
            ticket.$owner.id = ownerID
        }
        ticket.score = ticket.feedbackScore.value
        ticket.updatedAt = now
        try await db.writeTransaction { tx in
            try await ticket.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "feedback.updated", targetType: "feedback_ticket", targetID: ticket.id,
                before: before, after: ticket.auditFields, now: now)
        }
        return ticket
    }

    /// Folds `rawID` into `rawTarget`: its fans count as the target's
    /// supporters and hear when the target closes.
    func merge(_ rawID: String?, into rawTarget: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FeedbackTicket
    {
        try access.require(.inboxReply)
        return try await db.writeTransaction { tx in
            let ticket = try await access.find(FeedbackTicket.self, rawID, on: tx, what: "Feedback ticket")
            guard let rawTarget, let targetID = UUID(uuidString: rawTarget), targetID != ticket.id,
                let target = try await access.query(FeedbackTicket.self, on: tx).filter(\.$id == targetID).first()
            else { throw ValidationErrors("into", .otherTicket) }
            guard ticket.status != FeedbackStatus.closed.rawValue, target.status != FeedbackStatus.closed.rawValue else {
                throw Problem(.conflict, .onlyOpenTicketsMerge, type: "ticket-closed")
            }
            target.supporters += ticket.supporters
            target.updatedAt = now
            try await target.update(on: tx)
            ticket.status = FeedbackStatus.closed.rawValue
            ticket.resolution = FeedbackResolution.duplicate.rawValue
            ticket.mergedIntoID = target.id
            ticket.closedAt = now
            ticket.updatedAt = now
            try await ticket.update(on: tx)
            // Tickets already merged into this one now follow the target.
            try await FeedbackTicket.query(on: tx).filter(\.$mergedIntoID == ticket.id).set(\.$mergedIntoID, to: target.id).update()
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "feedback.merged", targetType: "feedback_ticket", targetID: ticket.id,
                after: ["into": "#\(target.number)"], now: now)
            return target
        }
    }

    struct CloseInput: Content {
        /// adopted, declined or fixed.
        var resolution: String?
        /// The notice the fans receive.
        var note: String?
    }

    /// Closes a ticket; the notice goes, as a reply through the connector,
    /// to every fan behind it who wrote from a platform (the form's senders
    /// read it on their receipt page).
    func close(_ rawID: String?, _ input: CloseInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FeedbackTicket {
        try access.require(.inboxReply)
        let ticket = try await access.find(FeedbackTicket.self, rawID, on: db, what: "Feedback ticket")
        var errors = ValidationErrors()
        let resolution = FeedbackResolution(rawValue: input.resolution ?? "")
        if resolution == nil || resolution == .duplicate { errors.add("resolution", .oneOf(choices: ["adopted", "declined", "fixed"])) }
        let note = (input.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.isEmpty || note.count > 1_000 { errors.add("note", .fanTextLength(max: 1_000)) }
        try errors.throwIfAny()
        guard ticket.status != FeedbackStatus.closed.rawValue else {
            throw Problem(.conflict, .ticketAlreadyClosed(number: String(ticket.number)), type: "ticket-closed")
        }
        let merged = try await access.query(FeedbackTicket.self, on: db).filter(\.$mergedIntoID == ticket.id).all()
        var notices: [(ticket: FeedbackTicket, message: IncomingMessage, conversation: Conversation, account: SocialAccount)] = []
        for each in [ticket] + merged {
            guard let messageID = each.messageID, let message = try await IncomingMessage.find(messageID, on: db),
                let conversationID = message.conversationID, let conversation = try await Conversation.find(conversationID, on: db),
                let account = try await SocialAccount.find(message.$account.id, on: db)
            else { continue }
            if let problem = ReplyLimits.problem(with: note, platform: account.rulesPlatform) { throw ValidationErrors("note", problem) }
            notices.append((each, message, conversation, account))
        }
        let before = ticket.auditFields
        let found = notices
        return try await db.writeTransaction { tx in
            ticket.status = FeedbackStatus.closed.rawValue
            ticket.resolution = resolution!.rawValue
            ticket.closingNote = note
            ticket.closedAt = now
            ticket.updatedAt = now
            try await ticket.update(on: tx)
            var jobs: [JobQueue.NewJob] = []
            for notice in found {
                let reply = InboxReply()
                reply.id = TimeOrderedID.make(at: now)
                reply.$workspace.id = access.workspaceID
                reply.$conversation.id = notice.conversation.id!
                reply.$message.id = notice.message.id!
                reply.text = note
                reply.$author.id = actor.userID
                reply.automatic = false
                reply.status = InboxReply.Status.queued.rawValue
                reply.createdAt = now
                try await reply.create(on: tx)
                jobs.append(try ConversationService.replyJob(for: reply.id!, at: now))
                if notice.ticket.id == ticket.id { ticket.noticeReplyID = reply.id }
                notice.ticket.closingNote = note
                notice.ticket.noticeReplyID = reply.id
                notice.ticket.updatedAt = now
                if notice.ticket.id != ticket.id { try await notice.ticket.update(on: tx) }
                notice.conversation.updatedAt = now
                try await notice.conversation.update(on: tx)
            }
            try await ticket.update(on: tx)
            try await JobQueue(db: tx).enqueueMany(jobs, now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "feedback.closed", targetType: "feedback_ticket", targetID: ticket.id,
                before: before, after: ticket.auditFields.merging(["notices": String(found.count)]) { $1 }, now: now)
            return ticket
        }
    }

    /// Adopted suggestions the workspace chose to show, for its public page.
    static func adopted(in workspaceID: UUID, on db: any Database) async throws -> [FeedbackTicket] {
        try await FeedbackTicket.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$isPublic == true)
            .filter(\.$resolution == FeedbackResolution.adopted.rawValue).sort(\.$closedAt, .descending).range(..<200).all()
    }
}
