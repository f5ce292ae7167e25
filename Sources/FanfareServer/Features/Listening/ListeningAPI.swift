import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/listening/…`: monitors, mentions, alerts and
/// the grading rule. Reading needs `inbox.view`; monitors and the rule
/// `inbox.rules_manage`; acknowledging, snoozing and closing alerts
/// `inbox.escalate`.
struct ListeningAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let listening = ws.grouped("listening")
        listening.get("monitors", use: listMonitors)
        listening.post("monitors", use: createMonitor)
        listening.post("monitors", "check", use: check)
        listening.get("monitors", ":monitor_id", use: getMonitor)
        listening.put("monitors", ":monitor_id", use: updateMonitor)
        listening.delete("monitors", ":monitor_id", use: deleteMonitor)
        listening.get("mentions", use: mentions)
        listening.get("alerts", use: alerts)
        listening.get("alerts", ":alert_id", use: getAlert)
        listening.post("alerts", ":alert_id", "actions", use: changeAlert)
        listening.get("feeds", use: feeds)
        listening.post("feeds", use: createFeed)
        listening.delete("feeds", ":feed_id", use: deleteFeed)
        listening.get("searches", use: searches)
        listening.post("searches", use: createSearch)
        listening.delete("searches", ":search_id", use: deleteSearch)
        listening.on(.POST, "imports", maxBody: MentionImport.maxBody, use: importMentions)
        listening.get("grading", use: grading)
        listening.put("grading", use: setGrading)
    }

    @Sendable func listMonitors(req: Request) async throws -> Page<MonitorDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        return Page(items: try await MonitorService(db: req.db).list(in: access).map(MonitorDTO.init), nextCursor: nil)
    }

    @Sendable func getMonitor(req: Request) async throws -> MonitorDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        return MonitorDTO(try await access.find(ListeningMonitor.self, req.parameters.get("monitor_id"), on: req.db, what: "Monitor"))
    }

    @Sendable func createMonitor(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let monitor = try await MonitorService(db: req.db).create(try req.decodeInput(MonitorService.Input.self), in: access, actor: req.actor)
        return try await MonitorDTO(monitor).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateMonitor(req: Request) async throws -> MonitorDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(MonitorService.Input.self)
        return MonitorDTO(try await MonitorService(db: req.db).update(req.parameters.get("monitor_id"), input, in: access, actor: req.actor))
    }

    @Sendable func deleteMonitor(req: Request) async throws -> HTTPStatus {
        let access = try req.workspaceAccess
        try await MonitorService(db: req.db).delete(req.parameters.get("monitor_id"), in: access, actor: req.actor)
        return .noContent
    }

    struct CheckInput: Content {
        var query: String?
        var exclusions: [String]?
        var text: String?
    }

    struct CheckResult: Content {
        var matches: Bool
    }

    /// The form's live check: would this query hear this text?
    @Sendable func check(req: Request) async throws -> CheckResult {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let input = try req.decodeInput(CheckInput.self)
        var errors = ValidationErrors()
        let query = errors.collect { () throws(ValidationErrors) in try MonitorQuery(input.query ?? "", field: "query") }
        let exclusions = errors.collect { () throws(ValidationErrors) in try MonitorDefinition.exclusions(input.exclusions ?? []) } ?? []
        let text = input.text ?? ""
        if text.isEmpty || text.count > 5_000 { errors.add("text", .lengthBetween(min: 1, max: 5_000)) }
        try errors.throwIfAny()
        return CheckResult(matches: MonitorService.wouldMatch(text, query: query!, exclusions: exclusions))
    }

    @Sendable func mentions(req: Request) async throws -> Page<MentionDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        var errors = ValidationErrors()
        var query = MentionQuery()
        if let raw = req.query[String.self, at: "monitor_id"], !raw.isEmpty {
            if let id = UUID(uuidString: raw), try await access.query(ListeningMonitor.self, on: req.db).filter(\.$id == id).first() != nil {
                query.monitorID = id
            } else {
                errors.add(
                    "monitor_id", .oneOf(choices: try await MonitorService(db: req.db).list(in: access).map { $0.id!.uuidString.lowercased() }))
            }
        }
        if let raw = req.query[String.self, at: "source"], !raw.isEmpty {
            query.source = ListeningSource(rawValue: raw)
            if query.source == nil { errors.add("source", .oneOf(choices: ListeningSource.allCases.map(\.rawValue))) }
        }
        if let raw = req.query[String.self, at: "sentiment"], !raw.isEmpty {
            query.sentiment = MessageSentiment(rawValue: raw)
            if query.sentiment == nil { errors.add("sentiment", .oneOf(choices: MessageSentiment.allCases.map(\.rawValue))) }
        }
        for field in ["from", "to"] {
            guard let raw = req.query[String.self, at: field], !raw.isEmpty else { continue }
            guard let date = APITime.parse(raw) else {
                errors.add(field, .dateTime)
                continue
            }
            if field == "from" { query.from = date } else { query.to = date }
        }
        let page = try req.pageRequest()
        try errors.throwIfAny()
        query.limit = page.limit + 1
        query.before = page.after
        let found = try await query.run(access.workspaceID, on: req.db)
        let (items, next) = page.page(found) { $0.id }
        return Page(items: items, nextCursor: next)
    }

    @Sendable func alerts(req: Request) async throws -> Page<AlertDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let page = try req.pageRequest()
        var query = access.query(ListeningAlert.self, on: req.db).sort(\.$id, .descending).limit(page.limit + 1)
        if let after = page.after { query = query.filter(\.$id < after) }
        if let raw = req.query[String.self, at: "state"], !raw.isEmpty {
            guard ListeningAlert.State(rawValue: raw) != nil else {
                throw ValidationErrors("state", .oneOf(choices: ListeningAlert.State.allCases.map(\.rawValue)))
            }
            query = query.filter(\.$state == raw)
        }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return Page(items: items.map(AlertDTO.init), nextCursor: next)
    }

    @Sendable func getAlert(req: Request) async throws -> AlertDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        return AlertDTO(try await access.find(ListeningAlert.self, req.parameters.get("alert_id"), on: req.db, what: "Alert"))
    }

    @Sendable func changeAlert(req: Request) async throws -> AlertDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(AlertService.Input.self)
        return AlertDTO(try await AlertService(db: req.db).change(req.parameters.get("alert_id"), input, in: access, actor: req.actor))
    }

    @Sendable func feeds(req: Request) async throws -> Page<FeedDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        return Page(items: try await access.query(ListeningFeed.self, on: req.db).sort(\.$name).all().map(FeedDTO.init), nextCursor: nil)
    }

    @Sendable func createFeed(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let feed = try await FeedService.create(
            try req.decodeInput(FeedService.Input.self), in: access, actor: req.actor, policy: req.application.settings.outboundPolicy, on: req.db)
        return try await FeedDTO(feed).encodeResponse(status: .created, for: req)
    }

    @Sendable func deleteFeed(req: Request) async throws -> HTTPStatus {
        try await FeedService.delete(req.parameters.get("feed_id"), in: try req.workspaceAccess, actor: req.actor, on: req.db)
        return .noContent
    }

    @Sendable func searches(req: Request) async throws -> Page<SearchSourceDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let found = try await access.query(ListeningSearch.self, on: req.db).sort(\.$platform).sort(\.$query).all()
        return Page(items: found.map(SearchSourceDTO.init), nextCursor: nil)
    }

    @Sendable func createSearch(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let search = try await SearchSourceService.create(
            try req.decodeInput(SearchSourceService.Input.self), in: access, actor: req.actor, policy: req.application.settings.outboundPolicy,
            on: req.db)
        return try await SearchSourceDTO(search).encodeResponse(status: .created, for: req)
    }

    @Sendable func deleteSearch(req: Request) async throws -> HTTPStatus {
        try await SearchSourceService.delete(req.parameters.get("search_id"), in: try req.workspaceAccess, actor: req.actor, on: req.db)
        return .noContent
    }

    /// 201 with how many rows were read and heard, or 422 naming each
    /// problem's line and column, nothing written.
    @Sendable func importMentions(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let input = try req.decodeInput(MentionImport.Input.self)
        let imported = try await MentionImport.run(input, in: access, app: req.application, db: req.db)
        return try await imported.encodeResponse(status: .created, for: req)
    }

    @Sendable func grading(req: Request) async throws -> AlertGradingRule {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        return try await ListeningSettings.grading(access.workspaceID, on: req.db)
    }

    @Sendable func setGrading(req: Request) async throws -> AlertGradingRule {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let rule = try req.decodeInput(AlertGradingRule.self)
        try await ListeningSettings.setGrading(rule, in: access, actor: req.actor, on: req.db)
        return try await ListeningSettings.grading(access.workspaceID, on: req.db)
    }
}

extension AlertGradingRule: Content {}
