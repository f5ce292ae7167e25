import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Budget lines, channels, spend and settings written, changed and
/// removed. Reading needs `analytics.view`; writing and deciding spend
/// `planning.manage` (docs/budgets.md).
struct BudgetService {
    let db: any Database

    /// Lines and channels a workspace may keep; the summary reads them all.
    static let maxLines = 2_000
    static let maxChannels = 200

    // MARK: Money

    /// An amount given as `<field>_fen` (whole fen) or `<field>_yuan` (text
    /// with up to 2 decimals); the issue names the field the caller used.
    static func money(fen: Int64?, yuan: String?, field: String, required: Bool, errors: inout ValidationErrors) -> Int64? {
        if let yuan {
            guard let value = BudgetMoney.fen(fromYuan: yuan) else {
                errors.add("\(field)_yuan", .budgetYuan(value: String(yuan.prefix(40))))
                return nil
            }
            return value
        }
        if let fen {
            guard fen >= 0, fen <= BudgetMoney.maxFen else {
                errors.add("\(field)_fen", .budgetYuan(value: BudgetMoney.yuanText(fen)))
                return nil
            }
            return fen
        }
        if required { errors.add("\(field)_fen", .required) }
        return nil
    }

    static func trimmed(_ raw: String?) -> String? {
        raw.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A channel key as short links' utm_source carries it: trimmed and lower-cased.
    static func channelKey(_ raw: String?, field: String, errors: inout ValidationErrors) -> String? {
        guard let key = trimmed(raw)?.lowercased() else { return nil }
        guard key.count <= 64, !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            errors.add(field, .lengthBetween(min: 1, max: 64))
            return nil
        }
        return key
    }

    // MARK: Lines

    struct LineInput: Content {
        var name: String?
        var category: String?
        var channelKey: String?
        var campaignId: String?
        var campaign: String?
        var month: String?
        var plannedFen: Int64?
        var plannedYuan: String?
    }

    func checkLine(
        _ input: LineInput
    ) throws -> (name: String, category: BudgetCategory, channel: String?, campaignID: UUID?, campaign: String?, month: String, planned: Int64) {
        var errors = ValidationErrors()
        let name = Self.trimmed(input.name) ?? ""
        if name.isEmpty || name.count > 120 { errors.add("name", .lengthBetween(min: 1, max: 120)) }
        let choices = BudgetCategory.allCases.map(\.rawValue)
        var category: BudgetCategory?
        if let raw = input.category {
            category = BudgetCategory(rawValue: raw.trimmingCharacters(in: .whitespaces))
            if category == nil { errors.add("category", .isValueOneOf(value: String(raw.prefix(40)), choices: choices)) }
        } else {
            errors.add("category", .isRequiredOneOf(choices: choices))
        }
        let channel = Self.channelKey(input.channelKey, field: "channel_key", errors: &errors)
        var campaignID: UUID?
        if let raw = Self.trimmed(input.campaignId) {
            campaignID = UUID(uuidString: raw)
            if campaignID == nil { errors.add("campaign_id", .typeId) }
        }
        let campaign = Self.trimmed(input.campaign)
        if let campaign, campaign.count > 120 { errors.add("campaign", .lengthAtMost(max: 120)) }
        let month = Self.trimmed(input.month) ?? ""
        if !BudgetMonth.isValid(month) { errors.add("month", .budgetMonth(value: String(month.prefix(20)))) }
        let planned = Self.money(fen: input.plannedFen, yuan: input.plannedYuan, field: "planned", required: true, errors: &errors)
        try errors.throwIfAny()
        return (name, category!, channel, campaignID, campaign, month, planned!)
    }

    /// The line's campaign must be one of the workspace's; its name is
    /// kept beside the reference (links still name campaigns by text).
    func campaignChecked(
        _ checked: (name: String, category: BudgetCategory, channel: String?, campaignID: UUID?, campaign: String?, month: String, planned: Int64),
        in access: WorkspaceAccess
    ) async throws -> (name: String, category: BudgetCategory, channel: String?, campaignID: UUID?, campaign: String?, month: String, planned: Int64)
    {
        guard let id = checked.campaignID else { return checked }
        guard let name = try await CampaignsSurface.name(of: id, workspaceID: access.workspaceID, on: db) else {
            throw ValidationErrors("campaign_id", .oneOf(choices: try await CampaignsSurface.ids(workspaceID: access.workspaceID, on: db)))
        }
        var kept = checked
        kept.campaign = checked.campaign ?? name
        return kept
    }

    func createLine(_ input: LineInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> BudgetLine {
        try access.require(.planningManage)
        let checked = try await campaignChecked(try checkLine(input), in: access)
        if try await access.query(BudgetLine.self, on: db).count() >= Self.maxLines {
            throw ValidationErrors("name", .itemsAtMost(max: Self.maxLines, count: Self.maxLines + 1))
        }
        return try await db.writeTransaction { tx in
            let line = BudgetLine()
            line.id = TimeOrderedID.make(at: now)
            line.$workspace.id = access.workspaceID
            line.createdBy = actor.userID
            line.createdAt = now
            Self.apply(checked, to: line, now: now)
            try await line.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.line_created", targetType: "budget_line", targetID: line.id,
                after: line.auditFields, now: now)
            return line
        }
    }

    func updateLine(_ rawID: String?, _ input: LineInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> BudgetLine {
        try access.require(.planningManage)
        _ = try await access.find(BudgetLine.self, rawID, on: db, what: "Budget line")
        let checked = try await campaignChecked(try checkLine(input), in: access)
        return try await db.writeTransaction { tx in
            let line = try await access.find(BudgetLine.self, rawID, on: tx, what: "Budget line")
            let before = line.auditFields
            Self.apply(checked, to: line, now: now)
            try await line.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.line_updated", targetType: "budget_line", targetID: line.id,
                before: before, after: line.auditFields, now: now)
            return line
        }
    }

    func deleteLine(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let line = try await access.find(BudgetLine.self, rawID, on: tx, what: "Budget line")
            try await SpendEntry.query(on: tx).filter(\.$lineID == line.id!).delete()
            try await line.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.line_deleted", targetType: "budget_line", targetID: line.id,
                before: line.auditFields, now: now)
        }
    }

    static func apply(
        _ checked: (name: String, category: BudgetCategory, channel: String?, campaignID: UUID?, campaign: String?, month: String, planned: Int64),
        to line: BudgetLine, now: Date
    ) {
        line.name = checked.name
        line.category = checked.category.rawValue
        line.channelKey = checked.channel
        line.campaignID = checked.campaignID
        line.campaign = checked.campaign
        line.month = checked.month
        line.plannedFen = checked.planned
        line.updatedAt = now
    }

    struct SplitInput: Content {
        var month: String?
        var totalFen: Int64?
        var totalYuan: String?
    }

    /// The four category lines from a total (`BudgetSplit.defaultSplit`).
    func applyDefaultSplit(
        _ input: SplitInput, names: [BudgetCategory: String], in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    )
        async throws -> [BudgetLine]
    {
        try access.require(.planningManage)
        var errors = ValidationErrors()
        let month = Self.trimmed(input.month) ?? ""
        if !BudgetMonth.isValid(month) { errors.add("month", .budgetMonth(value: String(month.prefix(20)))) }
        let total = Self.money(fen: input.totalFen, yuan: input.totalYuan, field: "total", required: true, errors: &errors)
        if let total, total == 0 { errors.add(input.totalYuan != nil ? "total_yuan" : "total_fen", .budgetYuan(value: "0")) }
        try errors.throwIfAny()
        let split = BudgetSplit.defaultSplit(total: total!)
        var lines: [BudgetLine] = []
        for category in BudgetCategory.allCases {
            lines.append(
                try await createLine(
                    LineInput(
                        name: names[category] ?? category.rawValue, category: category.rawValue, month: month, plannedFen: split[category] ?? 0),
                    in: access, actor: actor, now: now))
        }
        return lines
    }

    // MARK: Channels

    struct ChannelInput: Content {
        var key: String?
        var label: String?
        var pilot: Bool?
        var stopLossRatio: Double?
        var minSpendFen: Int64?
        var minSpendYuan: String?
        var holdPostsOnBreach: Bool?
        var fallbackDestination: String?
    }

    func checkChannel(_ input: ChannelInput, keyRequired: Bool) throws -> ChannelInput {
        var errors = ValidationErrors()
        var out = input
        out.key = Self.channelKey(input.key, field: "key", errors: &errors)
        if keyRequired, out.key == nil, !errors.issues.contains(where: { $0.field == "key" }) { errors.add("key", .required) }
        out.label = Self.trimmed(input.label)
        if let label = out.label, label.count > 80 { errors.add("label", .lengthAtMost(max: 80)) }
        if let ratio = input.stopLossRatio, !(ratio.isFinite && ratio >= 0.1 && ratio <= 100) { errors.add("stop_loss_ratio", .budgetRatio) }
        if let minimum = Self.money(fen: input.minSpendFen, yuan: input.minSpendYuan, field: "min_spend", required: false, errors: &errors) {
            out.minSpendFen = minimum
        }
        out.minSpendYuan = nil
        if let raw = Self.trimmed(input.fallbackDestination) {
            switch LinkDestination.validate(raw) {
            case .success(let url): out.fallbackDestination = url.absoluteString
            case .failure(let coded): errors.add("fallback_destination", coded)
            }
        } else {
            out.fallbackDestination = nil
        }
        try errors.throwIfAny()
        return out
    }

    func createChannel(_ input: ChannelInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> BudgetChannel {
        try access.require(.planningManage)
        let checked = try checkChannel(input, keyRequired: true)
        let existing = try await access.query(BudgetChannel.self, on: db).all()
        if existing.contains(where: { $0.key == checked.key }) { throw ValidationErrors("key", .budgetChannelTaken) }
        if existing.count >= Self.maxChannels { throw ValidationErrors("key", .itemsAtMost(max: Self.maxChannels, count: existing.count + 1)) }
        let channel = BudgetChannel()
        channel.id = TimeOrderedID.make(at: now)
        channel.$workspace.id = access.workspaceID
        channel.key = checked.key!
        channel.label = checked.label ?? checked.key!
        // A new channel is a pilot unless said otherwise (SPEC §11).
        channel.pilot = checked.pilot ?? true
        channel.stopLossRatio = checked.stopLossRatio ?? StopLossRule.defaultRatio
        channel.minSpendFen = checked.minSpendFen ?? StopLossRule.defaultMinSpendFen
        channel.holdPostsOnBreach = checked.holdPostsOnBreach ?? false
        channel.fallbackDestination = checked.fallbackDestination
        channel.createdAt = now
        channel.updatedAt = now
        do {
            try await db.writeTransaction { tx in
                try await channel.create(on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.channel_created", targetType: "budget_channel",
                    targetID: channel.id, after: channel.auditFields, now: now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two requests for the same key at once: the unique index decides.
            throw ValidationErrors("key", .budgetChannelTaken)
        }
        return channel
    }

    func updateChannel(
        _ rawID: String?, _ input: ChannelInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> BudgetChannel
    {
        try access.require(.planningManage)
        _ = try await access.find(BudgetChannel.self, rawID, on: db, what: "Channel")
        let checked = try checkChannel(input, keyRequired: false)
        return try await db.writeTransaction { tx in
            let channel = try await access.find(BudgetChannel.self, rawID, on: tx, what: "Channel")
            let before = channel.auditFields
            if let label = checked.label { channel.label = label }
            if let pilot = checked.pilot {
                channel.pilot = pilot
                if !pilot, channel.validatedAt == nil { channel.validatedAt = now }
            }
            if let ratio = checked.stopLossRatio { channel.stopLossRatio = ratio }
            if let minimum = checked.minSpendFen { channel.minSpendFen = minimum }
            if let hold = checked.holdPostsOnBreach { channel.holdPostsOnBreach = hold }
            if input.fallbackDestination != nil { channel.fallbackDestination = checked.fallbackDestination }
            channel.updatedAt = now
            try await channel.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.channel_updated", targetType: "budget_channel",
                targetID: channel.id, before: before, after: channel.auditFields, now: now)
            return channel
        }
    }

    func deleteChannel(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        try await db.writeTransaction { tx in
            let channel = try await access.find(BudgetChannel.self, rawID, on: tx, what: "Channel")
            try await channel.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.channel_deleted", targetType: "budget_channel",
                targetID: channel.id, before: channel.auditFields, now: now)
        }
    }

    // MARK: Spend

    struct SpendInput: Content {
        var lineId: String?
        var amountFen: Int64?
        var amountYuan: String?
        var spentOn: String?
        var note: String?
    }

    /// The line named by id or (for CSV files) by name, of this workspace.
    func findLine(_ raw: String?, in access: WorkspaceAccess, byName: Bool = false) async throws -> BudgetLine? {
        guard let raw = Self.trimmed(raw) else { return nil }
        if let id = UUID(uuidString: raw), let found = try await access.query(BudgetLine.self, on: db).filter(\.$id == id).first() { return found }
        guard byName else { return nil }
        return try await access.query(BudgetLine.self, on: db).filter(\.$name == raw).sort(\.$month, .descending).first()
    }

    func createSpend(
        _ input: SpendInput, source: SpendEntry.Source, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> SpendEntry
    {
        try access.require(.planningManage)
        var errors = ValidationErrors()
        let line = try await findLine(input.lineId, in: access)
        if line == nil { errors.add("line_id", Self.trimmed(input.lineId) == nil ? .required : .budgetLineUnknown) }
        let amount = Self.money(fen: input.amountFen, yuan: input.amountYuan, field: "amount", required: true, errors: &errors)
        let day = Self.trimmed(input.spentOn) ?? ""
        if MetricDay.parse(day) == nil { errors.add("spent_on", .dateFormat(value: String(day.prefix(40)))) }
        let note = Self.trimmed(input.note) ?? ""
        if note.count > 500 { errors.add("note", .lengthAtMost(max: 500)) }
        try errors.throwIfAny()
        let threshold = try await BudgetSettings.read(access.workspaceID, on: db).thresholdFen
        return try await db.writeTransaction { tx in
            try await Self.write(
                line: line!, amountFen: amount!, spentOn: day, note: note, source: source, thresholdFen: threshold, access: access, actor: actor,
                now: now, on: tx)
        }
    }

    static func write(
        line: BudgetLine, amountFen: Int64, spentOn: String, note: String, source: SpendEntry.Source, thresholdFen: Int64, access: WorkspaceAccess,
        actor: Actor, now: Date, on tx: any Database
    ) async throws -> SpendEntry {
        let entry = SpendEntry()
        entry.id = TimeOrderedID.make(at: now)
        entry.$workspace.id = access.workspaceID
        entry.lineID = line.id!
        entry.amountFen = amountFen
        entry.spentOn = spentOn
        entry.note = note
        entry.source = source.rawValue
        entry.state = (SpendApproval.needsApproval(amountFen: amountFen, thresholdFen: thresholdFen) ? SpendEntry.State.pending : .approved).rawValue
        entry.createdBy = actor.userID
        entry.createdAt = now
        try await entry.create(on: tx)
        try await AuditLog.record(
            on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.spend_recorded", targetType: "spend_entry", targetID: entry.id,
            after: entry.auditFields, now: now)
        return entry
    }

    /// A whole CSV file: every row is checked first, and nothing is written
    /// unless all of them are good (one transaction).
    func importSpend(_ text: String, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> [SpendEntry] {
        try access.require(.planningManage)
        let parsed = SpendCSV.parse(text)
        var issues = parsed.issues
        var resolved: [(SpendCSV.Row, BudgetLine)] = []
        for row in parsed.rows {
            if let line = try await findLine(row.line, in: access, byName: true) {
                resolved.append((row, line))
            } else {
                issues.append(FieldIssue(field: "line \(row.lineNumber): line", .budgetLineUnknown))
            }
        }
        if parsed.rows.isEmpty, issues.isEmpty {
            issues.append(FieldIssue(field: "csv", .budgetCsvHeader(columns: SpendCSV.required.joined(separator: ", "))))
        }
        guard issues.isEmpty else { throw ValidationErrors(Array(issues.prefix(100))) }
        let threshold = try await BudgetSettings.read(access.workspaceID, on: db).thresholdFen
        let rows = resolved
        return try await db.writeTransaction { tx in
            var entries: [SpendEntry] = []
            for (row, line) in rows {
                entries.append(
                    try await Self.write(
                        line: line, amountFen: row.amountFen, spentOn: row.spentOn, note: row.note, source: .csv, thresholdFen: threshold,
                        access: access, actor: actor, now: now, on: tx))
            }
            return entries
        }
    }

    /// Approves or rejects pending spend; only a pending entry can be
    /// decided, once (compare-and-set, so two deciders cannot both win).
    func decide(
        _ rawID: String?, approve: Bool, note: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> SpendEntry
    {
        try access.require(.planningManage)
        let entry = try await access.find(SpendEntry.self, rawID, on: db, what: "Spend")
        let state = (approve ? SpendEntry.State.approved : .rejected).rawValue
        let trimmedNote = Self.trimmed(note)
        if let trimmedNote, trimmedNote.count > 500 { throw ValidationErrors("note", .lengthAtMost(max: 500)) }
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            let updated = try await sql.raw(
                """
                UPDATE spend_entries SET state = \(bind: state), decided_by = \(bind: actor.userID), decided_at = \(bind: now), \
                decision_note = \(bind: trimmedNote) WHERE id = \(bind: entry.id!) AND state = \(bind: SpendEntry.State.pending.rawValue) RETURNING id
                """
            ).first()
            guard updated != nil else { throw ValidationErrors("state", .budgetSpendDecided) }
            let fresh = try await access.find(SpendEntry.self, rawID, on: tx, what: "Spend")
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: approve ? "budget.spend_approved" : "budget.spend_rejected",
                targetType: "spend_entry", targetID: entry.id, before: entry.auditFields, after: fresh.auditFields, now: now)
            return fresh
        }
    }

    // MARK: Settings

    struct SettingsInput: Content {
        var approvalThresholdFen: Int64?
        var approvalThresholdYuan: String?
        var deviationTolerance: Double?
    }

    func setSettings(_ input: SettingsInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.planningManage)
        var errors = ValidationErrors()
        let threshold = Self.money(
            fen: input.approvalThresholdFen, yuan: input.approvalThresholdYuan, field: "approval_threshold", required: false, errors: &errors)
        if let tolerance = input.deviationTolerance, !(tolerance.isFinite && tolerance >= 0.01 && tolerance <= 0.5) {
            errors.add("deviation_tolerance", .budgetShare(min: "0.01", max: "0.5"))
        }
        try errors.throwIfAny()
        let current = try await BudgetSettings.read(access.workspaceID, on: db)
        try await db.writeTransaction { tx in
            let row = try await BudgetSettings.find(access.workspaceID, on: tx) ?? BudgetSettings()
            let before = ["approval_threshold_fen": String(current.thresholdFen), "deviation_tolerance": String(current.tolerance)]
            row.id = access.workspaceID
            row.approvalThresholdFen = threshold ?? current.thresholdFen
            row.deviationTolerance = input.deviationTolerance ?? current.tolerance
            row.updatedAt = now
            try await row.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "budget.settings_changed", targetType: "workspace",
                targetID: access.workspaceID, before: before,
                after: ["approval_threshold_fen": String(row.approvalThresholdFen), "deviation_tolerance": String(row.deviationTolerance)], now: now)
        }
    }
}
