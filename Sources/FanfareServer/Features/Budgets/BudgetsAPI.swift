import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/budget/…`: lines, channels, the spend ledger
/// (with `Idempotency-Key` on create, CSV import, approvals), the month's
/// summary and CSV exports. Reading needs `analytics.view`; writing
/// `planning.manage` (docs/budgets.md).
struct BudgetsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let budget = ws.grouped("budget")
        budget.get("summary", use: summary)
        budget.get("settings", use: settings)
        budget.put("settings", use: setSettings)
        budget.get("lines", use: lines)
        budget.post("lines", use: createLine)
        budget.post("lines", "default-split", use: defaultSplit)
        budget.get("lines", "export", use: exportLines)
        budget.get("lines", ":line_id", use: line)
        budget.put("lines", ":line_id", use: updateLine)
        budget.delete("lines", ":line_id", use: deleteLine)
        budget.get("channels", use: channels)
        budget.post("channels", use: createChannel)
        budget.put("channels", ":channel_id", use: updateChannel)
        budget.delete("channels", ":channel_id", use: deleteChannel)
        budget.get("spend", use: spend)
        budget.post("spend", use: createSpend)
        budget.on(.POST, "spend", "import", body: .collect(maxSize: "2mb"), use: importSpend)
        budget.get("spend", "export", use: exportSpend)
        budget.post("spend", ":spend_id", "approve", use: approve)
        budget.post("spend", ":spend_id", "reject", use: reject)
    }

    /// `?month=2026-12`, this month (UTC) when absent.
    static func month(_ req: Request) throws -> String {
        guard let raw = req.query[String.self, at: "month"], !raw.isEmpty else { return BudgetSummary.month(of: Date()) }
        guard BudgetMonth.isValid(raw) else { throw ValidationErrors("month", .budgetMonth(value: String(raw.prefix(20)))) }
        return raw
    }

    @Sendable func summary(req: Request) async throws -> BudgetSummary {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return try await BudgetSummary.read(workspaceID: access.workspaceID, month: try Self.month(req), on: req.db)
    }

    struct SettingsDTO: Content {
        var approvalThresholdFen: Int64
        var deviationTolerance: Double
    }

    @Sendable func settings(req: Request) async throws -> SettingsDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let read = try await BudgetSettings.read(access.workspaceID, on: req.db)
        return SettingsDTO(approvalThresholdFen: read.thresholdFen, deviationTolerance: read.tolerance)
    }

    @Sendable func setSettings(req: Request) async throws -> SettingsDTO {
        let access = try req.workspaceAccess
        try await BudgetService(db: req.db).setSettings(try req.decodeInput(BudgetService.SettingsInput.self), in: access, actor: req.actor)
        let read = try await BudgetSettings.read(access.workspaceID, on: req.db)
        return SettingsDTO(approvalThresholdFen: read.thresholdFen, deviationTolerance: read.tolerance)
    }

    // MARK: Lines

    struct LineDTO: Content, Equatable {
        var id: UUID
        var name: String
        var category: String
        var channelKey: String?
        var campaignId: UUID?
        var campaign: String?
        var month: String
        var plannedFen: Int64
        var createdAt: Date
        var updatedAt: Date

        init(_ line: BudgetLine) {
            (id, name, category, channelKey, campaignId, campaign) = (
                line.id!, line.name, line.category, line.channelKey, line.campaignID, line.campaign
            )
            (month, plannedFen, createdAt, updatedAt) = (line.month, line.plannedFen, line.createdAt, line.updatedAt)
        }
    }

    func lineQuery(_ req: Request, _ access: WorkspaceAccess) throws -> QueryBuilder<BudgetLine> {
        var query = access.query(BudgetLine.self, on: req.db)
        if let raw = req.query[String.self, at: "month"], !raw.isEmpty {
            let month = try Self.month(req)
            query = query.filter(\.$month == month)
        }
        return query.sort(\.$month).sort(\.$category).sort(\.$name).sort(\.$id)
    }

    @Sendable func lines(req: Request) async throws -> Page<LineDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return Page(items: try await lineQuery(req, access).all().map(LineDTO.init), nextCursor: nil)
    }

    @Sendable func line(req: Request) async throws -> LineDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return LineDTO(try await access.find(BudgetLine.self, req.parameters.get("line_id"), on: req.db, what: "Budget line"))
    }

    @Sendable func createLine(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let line = try await BudgetService(db: req.db).createLine(try req.decodeInput(BudgetService.LineInput.self), in: access, actor: req.actor)
        return try await LineDTO(line).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateLine(req: Request) async throws -> LineDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(BudgetService.LineInput.self)
        return LineDTO(try await BudgetService(db: req.db).updateLine(req.parameters.get("line_id"), input, in: access, actor: req.actor))
    }

    @Sendable func deleteLine(req: Request) async throws -> HTTPStatus {
        try await BudgetService(db: req.db).deleteLine(req.parameters.get("line_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    @Sendable func defaultSplit(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let names = Dictionary(uniqueKeysWithValues: BudgetCategory.allCases.map { ($0, I18n.text("budgets.category.\($0.rawValue)", req.uiLocale)) })
        let lines = try await BudgetService(db: req.db).applyDefaultSplit(
            try req.decodeInput(BudgetService.SplitInput.self), names: names, in: access, actor: req.actor)
        return try await Page(items: lines.map(LineDTO.init), nextCursor: nil).encodeResponse(status: .created, for: req)
    }

    static func csv(_ text: String, name: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }

    static func linesCSV(_ lines: [BudgetLine]) -> String {
        var csv = CSVWriter(header: ["id", "month", "name", "category", "channel_key", "campaign_id", "campaign", "planned_yuan"])
        for line in lines {
            csv.append([
                line.id!.uuidString.lowercased(), line.month, line.name, line.category, line.channelKey ?? "",
                line.campaignID?.uuidString.lowercased() ?? "",
                line.campaign ?? "", BudgetMoney.yuanText(line.plannedFen),
            ])
        }
        return csv.text
    }

    @Sendable func exportLines(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return Self.csv(Self.linesCSV(try await lineQuery(req, access).all()), name: "budget-lines.csv")
    }

    // MARK: Channels

    struct ChannelDTO: Content, Equatable {
        var id: UUID
        var key: String
        var label: String
        var pilot: Bool
        var validatedAt: Date?
        var stopLossRatio: Double
        var minSpendFen: Int64
        var holdPostsOnBreach: Bool
        var fallbackDestination: String?
        var lastState: String?
        var breachedAt: Date?

        init(_ c: BudgetChannel) {
            (id, key, label, pilot, validatedAt, stopLossRatio) = (c.id!, c.key, c.label, c.pilot, c.validatedAt, c.stopLossRatio)
            (minSpendFen, holdPostsOnBreach, fallbackDestination, lastState, breachedAt) = (
                c.minSpendFen, c.holdPostsOnBreach, c.fallbackDestination, c.lastState, c.breachedAt
            )
        }
    }

    @Sendable func channels(req: Request) async throws -> Page<ChannelDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return Page(items: try await access.query(BudgetChannel.self, on: req.db).sort(\.$key).all().map(ChannelDTO.init), nextCursor: nil)
    }

    @Sendable func createChannel(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let channel = try await BudgetService(db: req.db).createChannel(
            try req.decodeInput(BudgetService.ChannelInput.self), in: access, actor: req.actor)
        return try await ChannelDTO(channel).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateChannel(req: Request) async throws -> ChannelDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(BudgetService.ChannelInput.self)
        return ChannelDTO(try await BudgetService(db: req.db).updateChannel(req.parameters.get("channel_id"), input, in: access, actor: req.actor))
    }

    @Sendable func deleteChannel(req: Request) async throws -> HTTPStatus {
        try await BudgetService(db: req.db).deleteChannel(req.parameters.get("channel_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    // MARK: Spend

    struct SpendDTO: Content, Equatable {
        var id: UUID
        var lineId: UUID
        var amountFen: Int64
        var spentOn: String
        var note: String
        var source: String
        var state: String
        var createdBy: UUID?
        var decidedBy: UUID?
        var decidedAt: Date?
        var decisionNote: String?
        var createdAt: Date

        init(_ e: SpendEntry) {
            (id, lineId, amountFen, spentOn, note, source, state) = (e.id!, e.lineID, e.amountFen, e.spentOn, e.note, e.source, e.state)
            (createdBy, decidedBy, decidedAt, decisionNote, createdAt) = (e.createdBy, e.decidedBy, e.decidedAt, e.decisionNote, e.createdAt)
        }
    }

    func spendQuery(_ req: Request, _ access: WorkspaceAccess) async throws -> [SpendEntry] {
        var query = access.query(SpendEntry.self, on: req.db)
        if let raw = req.query[String.self, at: "state"], !raw.isEmpty {
            guard SpendEntry.State(rawValue: raw) != nil else {
                throw ValidationErrors("state", .isValueOneOf(value: String(raw.prefix(20)), choices: SpendEntry.State.allCases.map(\.rawValue)))
            }
            query = query.filter(\.$state == raw)
        }
        if let raw = req.query[String.self, at: "month"], !raw.isEmpty {
            let month = try Self.month(req)
            query = query.filter(\.$spentOn >= month + "-01").filter(\.$spentOn <= month + "-31")
        }
        return try await query.sort(\.$spentOn, .descending).sort(\.$id, .descending).limit(5_000).all()
    }

    @Sendable func spend(req: Request) async throws -> Page<SpendDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return Page(items: try await spendQuery(req, access).map(SpendDTO.init), nextCursor: nil)
    }

    @Sendable func createSpend(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let entry = try await BudgetService(db: req.db).createSpend(
            try req.decodeInput(BudgetService.SpendInput.self), source: .api, in: access, actor: req.actor)
        return try await SpendDTO(entry).encodeResponse(status: .created, for: req)
    }

    struct ImportInput: Content {
        var csv: String?
    }

    /// The file as `text/csv`, a multipart `file`, or JSON `{"csv": …}`.
    static func csvText(_ req: Request) throws -> String {
        if req.headers.contentType?.subType == "csv" { return req.body.string ?? "" }
        if req.headers.contentType?.type == "multipart" {
            return (try? req.content.get(File.self, at: "file")).map { String(buffer: $0.data) } ?? ""
        }
        return try req.decodeInput(ImportInput.self).csv ?? ""
    }

    @Sendable func importSpend(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let entries = try await BudgetService(db: req.db).importSpend(try Self.csvText(req), in: access, actor: req.actor)
        return try await Page(items: entries.map(SpendDTO.init), nextCursor: nil).encodeResponse(status: .created, for: req)
    }

    @Sendable func exportSpend(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let entries = try await spendQuery(req, access)
        let names = Dictionary(uniqueKeysWithValues: try await access.query(BudgetLine.self, on: req.db).all().map { ($0.id!, $0.name) })
        var csv = CSVWriter(header: ["id", "line_id", "line", "amount_yuan", "spent_on", "note", "source", "state"])
        for entry in entries {
            csv.append([
                entry.id!.uuidString.lowercased(), entry.lineID.uuidString.lowercased(), names[entry.lineID] ?? "",
                BudgetMoney.yuanText(entry.amountFen),
                entry.spentOn, entry.note, entry.source, entry.state,
            ])
        }
        return Self.csv(csv.text, name: "budget-spend.csv")
    }

    struct DecisionInput: Content {
        var note: String?
    }

    /// The optional note of a decision; an empty body is none.
    static func note(_ req: Request) throws -> String? {
        guard req.body.data != nil else { return nil }
        return try req.decodeInput(DecisionInput.self).note
    }

    @Sendable func approve(req: Request) async throws -> SpendDTO {
        let access = try req.workspaceAccess
        let note = try Self.note(req)
        return SpendDTO(
            try await BudgetService(db: req.db).decide(req.parameters.get("spend_id"), approve: true, note: note, in: access, actor: req.actor))
    }

    @Sendable func reject(req: Request) async throws -> SpendDTO {
        let access = try req.workspaceAccess
        let note = try Self.note(req)
        return SpendDTO(
            try await BudgetService(db: req.db).decide(req.parameters.get("spend_id"), approve: false, note: note, in: access, actor: req.actor))
    }
}
