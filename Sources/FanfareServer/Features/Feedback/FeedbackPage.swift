import FanfareCore
import Fluent
import Foundation

/// The feedback tickets' list and a ticket's page as query → model → view.
/// Titles, texts, notes and names are what fans and the team wrote and are
/// kept out of translation; kinds, statuses and resolutions are named in
/// the reader's language and coloured by what they ask of the reader.
enum FeedbackPage {
    struct Member: Sendable, Equatable {
        var id: UUID
        var name: String
        /// The member works the inbox, so may own a ticket.
        var replies: Bool
    }

    struct Label: Sendable, Equatable {
        var code: String
        var text: String
        var tone: Badge.Tone
    }

    static func text(_ key: String, _ locale: UILocale) -> String? {
        let text = I18n.text(key, locale)
        return text == key ? nil : text
    }

    static func status(_ code: String, _ locale: UILocale) -> Label {
        Label(
            code: code, text: text("feedback.status." + code, locale) ?? code,
            tone: Badge.tone(code, ["new": .info, "triaged": .neutral, "in_progress": .warning, "closed": .success], or: .neutral))
    }

    static func kind(_ code: String, _ locale: UILocale) -> Label {
        Label(
            code: code, text: text("feedback.kind." + code, locale) ?? code,
            tone: Badge.tone(code, ["complaint": .warning, "bug": .danger, "praise": .success], or: .neutral))
    }

    static func resolution(_ code: String, _ locale: UILocale) -> Label {
        Label(
            code: code, text: text("feedback.resolution." + code, locale) ?? code,
            tone: Badge.tone(code, ["adopted": .success, "fixed": .success, "declined": .neutral, "duplicate": .neutral], or: .neutral))
    }

    static func badge(_ label: Label, classes: String, id: String? = nil) -> HTML {
        Badge.html(label.text, tone: label.tone, classes: classes, id: id, data: [("code", label.code)])
    }

    static func age(_ date: Date, now: Date, _ locale: UILocale) -> String {
        let hours = max(0, Int(now.timeIntervalSince(date) / 3_600))
        return hours < 48 ? I18n.text("feedback.age_hours", locale, [String(hours)]) : I18n.text("feedback.age_days", locale, [String(hours / 24)])
    }

    static func scoreText(_ ticket: FeedbackTicketDTO, _ locale: UILocale) -> String {
        I18n.text("feedback.score_parts", locale, [String(ticket.impact), String(ticket.urgency), String(ticket.cost)])
    }

    static func members(_ access: WorkspaceAccess, on db: any Database) async throws -> [Member] {
        try await access.members(on: db).sorted { $0.joinedAt < $1.joinedAt }.map { member in
            Member(id: member.userID, name: member.displayName, replies: access.matrix.allows(member.memberRole, .inboxReply))
        }
    }

    // MARK: List

    enum List {
        struct Input: Sendable {
            var status: String?
            var kind: String?
            /// The new-ticket form as typed.
            var values: [String: String] = [:]
            var errors = FormErrors()

            var statusFilter: String { status.flatMap { FeedbackPages.statusFilters.contains($0) ? $0 : nil } ?? "open" }
            var kindFilter: String { kind.flatMap { FeedbackKind(rawValue: $0) == nil ? nil : $0 } ?? "" }
        }

        struct Found: Sendable {
            var tickets: [FeedbackTicketDTO] = []
            var members: [Member] = []
            var now = Date()
        }

        struct Row: Sendable {
            var number: Int
            var href: String
            var title: String
            var kind: Label
            var score: Int
            var scoreParts: String
            var supporters: Int
            var owner: String?
            var status: Label
            var age: String
        }

        enum Empty: Sendable, Equatable {
            /// No ticket at all yet.
            case noTickets
            /// The filters hide every ticket.
            case noMatch
        }

        struct Model: Sendable {
            var base: String
            var inboxHref: String
            var rows: [Row]
            var empty: Empty?
            var statusFilter: String
            var kindFilter: String
            var statusOptions: [(String, String)]
            var kindOptions: [(String, String)]
            var canCreate: Bool
            var values: [String: String]
            var errors: FormErrors
            var kinds: [(value: String, label: String)]
        }

        static func query(_ input: Input, access: WorkspaceAccess, on db: any Database) async throws -> Found {
            let status = input.statusFilter
            let kind = input.kindFilter
            let tickets = try await FeedbackService(db: db).list(
                status: status == "all" ? nil : status, kind: kind.isEmpty ? nil : kind, owner: nil, in: access)
            return Found(tickets: tickets.map(FeedbackTicketDTO.init), members: try await FeedbackPage.members(access, on: db))
        }

        static func model(_ input: Input, _ found: Found, workspace: String, canCreate: Bool, locale: UILocale) -> Model {
            let base = workspace + "/feedback"
            let names = Dictionary(found.members.map { ($0.id, $0.name) }) { first, _ in first }
            let rows = found.tickets.map { ticket in
                Row(
                    number: ticket.number, href: "\(base)/\(ticket.id.uuidString.lowercased())", title: ticket.title,
                    kind: FeedbackPage.kind(ticket.kind, locale), score: ticket.score, scoreParts: FeedbackPage.scoreText(ticket, locale),
                    supporters: ticket.supporters, owner: ticket.ownerId.flatMap { names[$0] }, status: FeedbackPage.status(ticket.status, locale),
                    age: FeedbackPage.age(ticket.createdAt, now: found.now, locale))
            }
            let filtered = input.statusFilter != "open" || !input.kindFilter.isEmpty
            let kinds = FeedbackKind.allCases.map { ($0.rawValue, FeedbackPage.kind($0.rawValue, locale).text) }
            return Model(
                base: base, inboxHref: workspace + "/inbox", rows: rows, empty: rows.isEmpty ? (filtered ? .noMatch : .noTickets) : nil,
                statusFilter: input.statusFilter, kindFilter: input.kindFilter,
                statusOptions: FeedbackPages.statusFilters.map { ($0, I18n.text("feedback.filter." + $0, locale)) },
                kindOptions: [("", I18n.text("feedback.filter_all_kinds", locale))] + kinds.map { ($0.0, $0.1) }, canCreate: canCreate,
                values: input.values, errors: input.errors, kinds: kinds)
        }

        static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
            let rows = model.rows.map { row -> HTML in
                """
                <tr id="ticket-\(row.number)" data-status="\(row.status.code)"><td><a href="\(row.href)">#\(row.number)</a></td>
                <td><a href="\(row.href)" translate="no">\(row.title)</a></td><td>\(FeedbackPage.badge(row.kind, classes: "kind"))</td>
                <td><strong class="score">\(row.score)</strong> <small class="muted">\(row.scoreParts)</small></td>
                <td>\(row.supporters)</td><td>\(row.owner.map { HTML.typed($0) } ?? "—")</td>
                <td>\(FeedbackPage.badge(row.status, classes: "status"))</td><td>\(row.age)</td></tr>
                """
            }
            let list: HTML
            switch model.empty {
            case .noTickets?:
                list = """
                    <div class="empty-state" id="no-tickets"><p>\(ctx.t("feedback.empty"))</p>\
                    <p><a href="\(model.inboxHref)">\(ctx.t("feedback.empty_inbox"))</a>\(model.canCreate ? HTML(" · <a href=\"#ticket-form\">\(ctx.t("feedback.new_ticket"))</a>") : .empty)</p></div>
                    """
            case .noMatch?:
                list = """
                    <div class="empty-state" id="no-tickets"><p>\(ctx.t("feedback.none"))</p><p><a href="\(model.base)?status=all">\(ctx.t("feedback.show_all"))</a></p></div>
                    """
            case nil:
                list = """
                    <div class="table-scroll"><table id="feedback-tickets"><thead><tr><th>\(ctx.t("feedback.number"))</th><th>\(ctx.t("feedback.title_field"))</th><th>\(ctx.t("feedback.kind"))</th><th>\(ctx.t("feedback.score"))</th><th>\(ctx.t("feedback.supporters"))</th><th>\(ctx.t("feedback.owner"))</th><th>\(ctx.t("feedback.status"))</th><th>\(ctx.t("feedback.age"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
                    """
            }
            let form: HTML =
                model.canCreate
                ? """
                <section class="card"><h2>\(ctx.t("feedback.new_ticket"))</h2>
                <form method="post" action="\(model.base)" id="ticket-form" class="stack">\(ctx.csrfField)
                \(Layout.field(ctx, name: "title", label: ctx.t("feedback.title_field"), value: model.values["title"] ?? "", errors: model.errors, required: false, hint: ctx.t("feedback.title_hint")))
                \(Forms.textarea(ctx, name: "body", label: ctx.t("feedback.body"), value: model.values["body"] ?? "", errors: model.errors, rows: 4))
                \(Layout.select(ctx, name: "kind", label: ctx.t("feedback.kind"), options: model.kinds, selected: model.values["kind"] ?? "suggestion", errors: model.errors))
                <button type="submit" class="primary" id="create-ticket">\(ctx.t("feedback.create"))</button></form></section>
                """
                : .empty
            return """
                <h1>\(ctx.t("inbox.tab_feedback"))</h1>
                \(tabs)
                \(Layout.errorSummary(ctx, model.errors))
                <p>\(ctx.t("feedback.intro"))</p>
                <form method="get" action="\(model.base)" class="filters" id="ticket-filters">
                <label>\(ctx.t("feedback.status")) <select id="status" name="status">\(Forms.options(model.statusOptions, model.statusFilter))</select></label>
                <label>\(ctx.t("feedback.kind")) <select id="kind-filter" name="kind">\(Forms.options(model.kindOptions, model.kindFilter))</select></label>
                <button type="submit">\(ctx.t("inbox.show"))</button></form>
                \(list)
                \(form)
                """
        }
    }

    // MARK: One ticket

    enum Ticket {
        struct Input: Sendable {
            var id: String?
            /// The edit form as typed; nil shows the ticket's own values.
            var values: [String: String]?
            /// The closing form as typed.
            var closing: [String: String] = [:]
            var errors = FormErrors()
        }

        struct Notice: Sendable, Equatable {
            var status: String
            var sentAt: Date?
        }

        struct Found: Sendable {
            var ticket: FeedbackTicketDTO
            /// How a form sender may be reached (only the team sees it).
            var contact: String?
            var members: [Member] = []
            var duplicates: [FeedbackService.Duplicate] = []
            var mergedInto: FeedbackTicketDTO?
            /// The notice reply to the fan, once the ticket is closed.
            var notice: Notice?
        }

        struct Duplicate: Sendable {
            var number: Int
            var id: String
            var href: String
            var title: String
            var similarity: String
            var supporters: Int
            var status: Label
            var merge: String
        }

        enum Source: Sendable, Equatable {
            case message(fan: String, conversationHref: String?)
            case form(fan: String, contact: String?)
            case member
        }

        struct Closed: Sendable {
            var resolution: Label
            var closedAt: Date?
            var note: String?
            var mergedInto: (number: Int, title: String, href: String)?
            /// The notice's state code (`none`, `receipt` or a reply's status) and its words.
            var notice: (state: String, text: String, sentAt: Date?)?
        }

        struct Model: Sendable {
            var base: String
            var path: String
            var number: Int
            var title: String
            var body: String
            var kind: Label
            var status: Label
            var score: Int
            var scoreParts: String
            var supporters: Int
            var owner: String?
            var source: Source
            var isPublic: Bool
            var createdAt: Date
            var closed: Closed?
            var canWork: Bool
            var values: [String: String]
            var closing: [String: String]
            var errors: FormErrors
            var owners: [(value: String, label: String)]
            var kinds: [(value: String, label: String)]
            var statuses: [(value: String, label: String)]
            var resolutions: [(value: String, label: String)]
            var duplicates: [Duplicate]
            var duplicatesHint: String
        }

        static func query(_ input: Input, access: WorkspaceAccess, canWork: Bool, on db: any Database) async throws -> Found {
            let service = FeedbackService(db: db)
            let ticket = try await service.find(input.id, in: access)
            var found = Found(ticket: FeedbackTicketDTO(ticket), contact: ticket.contact, members: try await FeedbackPage.members(access, on: db))
            if ticket.status == FeedbackStatus.closed.rawValue {
                if let targetID = ticket.mergedIntoID {
                    found.mergedInto = try await access.query(FeedbackTicket.self, on: db).filter(\.$id == targetID).first().map(
                        FeedbackTicketDTO.init)
                }
                if let replyID = ticket.noticeReplyID {
                    let reply = try await access.query(InboxReply.self, on: db).filter(\.$id == replyID).first()
                    found.notice = Notice(status: reply?.status ?? InboxReply.Status.unknown.rawValue, sentAt: reply?.sentAt)
                }
            } else if canWork {
                found.duplicates = try await service.duplicates(of: ticket, in: access)
            }
            return found
        }

        static func model(_ input: Input, _ found: Found, workspace: String, canWork: Bool, locale: UILocale) -> Model {
            let base = workspace + "/feedback"
            let t = found.ticket
            let path = "\(base)/\(t.id.uuidString.lowercased())"
            func text(_ key: String, _ args: [String] = []) -> String { I18n.text(key, locale, args) }
            let source: Source =
                switch FeedbackTicket.Source(rawValue: t.source) {
                case .message:
                    .message(fan: t.fanName ?? "—", conversationHref: t.conversationId.map { "\(workspace)/inbox/\($0.uuidString.lowercased())" })
                case .form: .form(fan: t.fanName ?? "—", contact: found.contact)
                default: .member
                }
            var closed: Closed?
            if t.status == FeedbackStatus.closed.rawValue {
                var notice: (state: String, text: String, sentAt: Date?)?
                if let reply = found.notice {
                    notice = (reply.status, text("feedback.notice." + reply.status), reply.sentAt)
                } else if t.source == FeedbackTicket.Source.message.rawValue, t.resolution != FeedbackResolution.duplicate.rawValue {
                    notice = ("none", text("feedback.notice_none"), nil)
                } else if t.source == FeedbackTicket.Source.form.rawValue {
                    notice = ("receipt", text("feedback.notice_receipt"), nil)
                }
                closed = Closed(
                    resolution: FeedbackPage.resolution(t.resolution ?? "declined", locale), closedAt: t.closedAt, note: t.closingNote,
                    mergedInto: found.mergedInto.map { ($0.number, $0.title, "\(base)/\($0.id.uuidString.lowercased())") }, notice: notice)
            }
            let values =
                input.values ?? [
                    "title": t.title, "body": t.body, "kind": t.kind, "impact": String(t.impact), "urgency": String(t.urgency),
                    "cost": String(t.cost),
                    "owner_id": t.ownerId?.uuidString.lowercased() ?? "", "status": t.status, "public": t.public ? "true" : "",
                ]
            var owners = found.members.filter(\.replies).map { (value: $0.id.uuidString.lowercased(), label: $0.name) }
            if t.ownerId == nil { owners.insert((value: "", label: text("feedback.no_owner")), at: 0) }
            let duplicates = found.duplicates.map { duplicate in
                Duplicate(
                    number: duplicate.ticket.number, id: duplicate.ticket.id.uuidString.lowercased(),
                    href: "\(base)/\(duplicate.ticket.id.uuidString.lowercased())", title: duplicate.ticket.title,
                    similarity: text("feedback.similarity", [String(Int((duplicate.similarity * 100).rounded()))]),
                    supporters: duplicate.ticket.supporters, status: FeedbackPage.status(duplicate.ticket.status, locale),
                    merge: text("feedback.merge_into", [String(t.number), String(duplicate.ticket.number)]))
            }
            return Model(
                base: base, path: path, number: t.number, title: t.title, body: t.body, kind: FeedbackPage.kind(t.kind, locale),
                status: FeedbackPage.status(t.status, locale), score: t.score, scoreParts: FeedbackPage.scoreText(t, locale),
                supporters: t.supporters,
                owner: t.ownerId.flatMap { id in found.members.first { $0.id == id }?.name }, source: source, isPublic: t.public,
                createdAt: t.createdAt,
                closed: closed, canWork: canWork, values: values, closing: input.closing, errors: input.errors, owners: owners,
                kinds: FeedbackKind.allCases.map { ($0.rawValue, FeedbackPage.kind($0.rawValue, locale).text) },
                statuses: FeedbackPages.openStatuses.map { ($0.rawValue, FeedbackPage.status($0.rawValue, locale).text) },
                resolutions: FeedbackPages.closingResolutions.map { ($0.rawValue, FeedbackPage.resolution($0.rawValue, locale).text) },
                duplicates: duplicates, duplicatesHint: text("feedback.duplicates_hint", [String(t.number)]))
        }

        static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
            let source: HTML
            switch model.source {
            case .message(let fan, let href):
                let link: HTML = href.map { " <a href=\"\($0)\" id=\"ticket-conversation\">\(ctx.t("feedback.open_conversation"))</a>" } ?? .empty
                source = "\(HTML.sentence(ctx.t("feedback.source_message"), [HTML.typed(fan)]))\(link)"
            case .form(let fan, let contact):
                source = "\(HTML.sentence(ctx.t("feedback.source_form"), [HTML.typed(fan)]))\(contact.map { HTML(" · \(HTML.typed($0))") } ?? .empty)"
            case .member:
                source = "\(ctx.t("feedback.source_api"))"
            }
            var sections: [HTML] = []
            if let closed = model.closed {
                sections.append(closedView(closed, ctx))
            } else if model.canWork {
                sections.append(editForm(model, ctx))
                sections.append(duplicatesView(model, ctx))
                sections.append(closeForm(model, ctx))
            }
            return """
                <h1><span class="muted">#\(model.number)</span> <span translate="no">\(model.title)</span></h1>
                \(tabs)
                \(Layout.errorSummary(ctx, model.errors))
                <section class="card" id="ticket-summary" data-status="\(model.status.code)">
                <p class="template-body" id="ticket-body" translate="no">\(model.body)</p>
                <dl class="facts">
                <dt>\(ctx.t("feedback.kind"))</dt><dd>\(FeedbackPage.badge(model.kind, classes: "kind"))</dd>
                <dt>\(ctx.t("feedback.status"))</dt><dd id="ticket-status">\(FeedbackPage.badge(model.status, classes: "status"))</dd>
                <dt>\(ctx.t("feedback.score"))</dt><dd><strong id="ticket-score">\(model.score)</strong> <small class="muted">\(model.scoreParts)</small></dd>
                <dt>\(ctx.t("feedback.supporters"))</dt><dd id="ticket-supporters">\(model.supporters)</dd>
                <dt>\(ctx.t("feedback.owner"))</dt><dd>\(model.owner.map { HTML.typed($0) } ?? "—")</dd>
                <dt>\(ctx.t("feedback.source"))</dt><dd id="ticket-source">\(source)</dd>
                <dt>\(ctx.t("feedback.public"))</dt><dd>\(ctx.t(model.isPublic ? "feedback.yes" : "feedback.no"))</dd>
                <dt>\(ctx.t("feedback.created_at"))</dt><dd>\(Layout.time(model.createdAt, ctx))</dd>
                </dl></section>
                \(HTML.join(sections))
                <p><a href="\(model.base)">\(ctx.t("feedback.back"))</a></p>
                """
        }

        static func editForm(_ model: Model, _ ctx: PageContext) -> HTML {
            let scale = (1...5).map { (String($0), String($0)) }
            let values = model.values
            let errors = model.errors
            let owners = model.owners.map { owner -> HTML in
                "<option value=\"\(owner.value)\"\(owner.value == (values["owner_id"] ?? "") ? HTML(raw: " selected") : .empty)\(owner.value.isEmpty ? .empty : HTML(raw: " translate=\"no\""))>\(owner.label)</option>"
            }
            return """
                <section class="card"><h2>\(ctx.t("feedback.edit"))</h2>
                <form method="post" action="\(model.path)" id="edit-ticket-form" class="stack">\(ctx.csrfField)
                \(Layout.field(ctx, name: "title", label: ctx.t("feedback.title_field"), value: values["title"] ?? "", errors: errors))
                \(Forms.textarea(ctx, name: "body", label: ctx.t("feedback.body"), value: values["body"] ?? "", errors: errors, rows: 4))
                \(Layout.select(ctx, name: "kind", label: ctx.t("feedback.kind"), options: model.kinds, selected: values["kind"] ?? "", errors: errors))
                <p class="hint">\(ctx.t("feedback.score_hint"))</p>
                <div class="inline wrap">
                \(Layout.select(ctx, name: "impact", label: ctx.t("feedback.impact"), options: scale, selected: values["impact"] ?? "3", errors: errors))
                \(Layout.select(ctx, name: "urgency", label: ctx.t("feedback.urgency"), options: scale, selected: values["urgency"] ?? "3", errors: errors))
                \(Layout.select(ctx, name: "cost", label: ctx.t("feedback.cost"), options: scale, selected: values["cost"] ?? "3", errors: errors))
                </div>
                <div class="field\(errors["owner_id"] != nil ? " has-error" : "")"><label for="owner_id">\(ctx.t("feedback.owner"))</label>
                <select id="owner_id" name="owner_id">\(HTML.join(owners))</select>
                \(errors["owner_id"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
                \(Layout.select(ctx, name: "status", label: ctx.t("feedback.status"), options: model.statuses, selected: values["status"] ?? "new", errors: errors))
                \(Forms.checkbox(ctx, name: "public", label: ctx.t("feedback.public_label"), checked: values["public"] == "true", hint: ctx.t("feedback.public_hint"), errors: errors))
                <button type="submit" class="primary" id="save-ticket">\(ctx.t("inbox.save"))</button></form></section>
                """
        }

        static func duplicatesView(_ model: Model, _ ctx: PageContext) -> HTML {
            guard !model.duplicates.isEmpty else {
                return
                    "<section class=\"card\" id=\"duplicates\"><h2>\(ctx.t("feedback.duplicates"))</h2><p class=\"empty\">\(ctx.t("feedback.no_duplicates"))</p></section>"
            }
            let items = model.duplicates.map { duplicate -> HTML in
                """
                <li class="duplicate" data-ticket="\(duplicate.number)"><a href="\(duplicate.href)">#\(duplicate.number) <span translate="no">\(duplicate.title)</span></a>
                <small class="muted">\(duplicate.similarity) · \(ctx.t("feedback.supporters")) \(duplicate.supporters) · \(duplicate.status.text)</small>
                <form method="post" action="\(model.path)/merge" class="inline">\(ctx.csrfField)<input type="hidden" name="into" value="\(duplicate.id)">
                <button type="submit" class="merge-ticket" id="merge-into-\(duplicate.number)">\(duplicate.merge)</button></form></li>
                """
            }
            return """
                <section class="card" id="duplicates"><h2>\(ctx.t("feedback.duplicates"))</h2>
                <p class="hint">\(model.duplicatesHint)</p>
                <ul id="duplicate-proposals">\(HTML.join(items))</ul></section>
                """
        }

        static func closeForm(_ model: Model, _ ctx: PageContext) -> HTML {
            """
            <section class="card"><h2>\(ctx.t("feedback.close"))</h2>
            <form method="post" action="\(model.path)/close" id="close-ticket-form" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "resolution", label: ctx.t("feedback.resolution"), options: model.resolutions, selected: model.closing["resolution"] ?? "adopted", errors: model.errors))
            \(Forms.textarea(ctx, name: "note", label: ctx.t("feedback.note"), value: model.closing["note"] ?? "", errors: model.errors, rows: 3, hint: ctx.t("feedback.note_hint")))
            <button type="submit" class="primary" id="close-ticket">\(ctx.t("feedback.close"))</button></form></section>
            """
        }

        static func closedView(_ closed: Closed, _ ctx: PageContext) -> HTML {
            let merged: HTML =
                closed.mergedInto.map {
                    "<p id=\"merged-into\">\(ctx.t("feedback.merged_into")) <a href=\"\($0.href)\">#\($0.number) <span translate=\"no\">\($0.title)</span></a></p>"
                } ?? .empty
            let notice: HTML =
                closed.notice.map { notice -> HTML in
                    let when: HTML = notice.sentAt.map { " · \(Layout.time($0, ctx))" } ?? .empty
                    return notice.state == "receipt"
                        ? "<p id=\"notice-state\" data-state=\"receipt\">\(notice.text)</p>"
                        : "<p id=\"notice-state\" data-state=\"\(notice.state)\">\(ctx.t("feedback.notice_reply")): \(notice.text)\(when)</p>"
                } ?? .empty
            return """
                <section class="card" id="ticket-closed"><h2>\(ctx.t("feedback.closed"))</h2>
                <dl class="facts">
                <dt>\(ctx.t("feedback.resolution"))</dt><dd id="ticket-resolution">\(FeedbackPage.badge(closed.resolution, classes: "resolution"))</dd>
                <dt>\(ctx.t("feedback.closed_at"))</dt><dd>\(Layout.time(closed.closedAt, ctx))</dd>
                <dt>\(ctx.t("feedback.note"))</dt><dd id="ticket-note" translate="no">\(closed.note ?? "—")</dd>
                </dl>
                \(merged)
                \(notice)
                </section>
                """
        }
    }
}
