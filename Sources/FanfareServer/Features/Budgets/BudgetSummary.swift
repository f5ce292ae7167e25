import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One month of a workspace's budget read together: plan against actual
/// per line, the split against its ranges, each channel's and campaign's
/// ROI against its stop-loss line, pilot caps and next month's
/// suggested moves (docs/budgets.md). Months are calendar months in UTC
/// for conversions' times; spend counts by the line it was booked on.
struct BudgetSummary: Content, Equatable {
    struct Line: Content, Equatable {
        var id: UUID
        var name: String
        var category: String
        var channelKey: String?
        var campaignId: UUID?
        var campaign: String?
        var plannedFen: Int64
        var actualFen: Int64
        var pendingFen: Int64
        var deviation: Double?
        var flagged: Bool
    }

    struct Split: Content, Equatable {
        var category: String
        var plannedFen: Int64
        var share: Double?
        var min: Double
        var max: Double
        var inRange: Bool
    }

    struct Channel: Content, Equatable {
        var id: UUID?
        var key: String
        var label: String
        var pilot: Bool
        var validated: Bool
        var plannedFen: Int64
        var spendFen: Int64
        var revenueFen: Int64
        var roi: Double?
        var stopLossRatio: Double
        var minSpendFen: Int64
        /// learning (below the minimum spend), healthy or breached.
        var state: String
        var holdPostsOnBreach: Bool
        var fallbackDestination: String?
        /// Pilots only: the most the channel may plan this month.
        var pilotCapFen: Int64?
        var overPilotCap: Bool
    }

    struct Campaign: Content, Equatable {
        /// The name short links carry (`campaign`); see docs/budgets.md.
        var campaign: String
        var campaignIds: [UUID]
        var spendFen: Int64
        var revenueFen: Int64
        var roi: Double?
        var state: String
    }

    struct Move: Content, Equatable {
        var from: String
        var to: String
        var amountFen: Int64
    }

    var month: String
    var plannedFen: Int64
    var actualFen: Int64
    var pendingFen: Int64
    var deviationTolerance: Double
    var approvalThresholdFen: Int64
    var lines: [Line]
    var split: [Split]
    var channels: [Channel]
    var campaigns: [Campaign]
    var reallocations: [Move]
    var maxMoveShare: Double
    var pilotShare: Double

    /// The calendar month of `now` in UTC, as "2026-12".
    static func month(of now: Date) -> String { String(MetricDay.of(now, in: TimeZone(identifier: "UTC")!).prefix(7)) }

    /// The month's first instant and the next month's, in UTC.
    static func bounds(_ month: String) -> (Date, Date)? {
        guard BudgetMonth.isValid(month), let start = MetricDay.parse(month + "-01") else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let end = calendar.date(byAdding: .month, value: 1, to: start) else { return nil }
        return (start, end)
    }

    static func read(workspaceID: UUID, month: String, on db: any Database) async throws -> BudgetSummary {
        guard let sql = db as? any SQLDatabase, let range = bounds(month) else { throw ValidationErrors("month", .budgetMonth(value: month)) }
        let settings = try await BudgetSettings.read(workspaceID, on: db)
        let lines = try await BudgetLine.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$month == month).sort(\.$category)
            .sort(\.$name).sort(\.$id).all()
        let registered = try await BudgetChannel.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$key).all()

        // Spend per line and state.
        var approved: [UUID: Int64] = [:]
        var pending: [UUID: Int64] = [:]
        if !lines.isEmpty {
            for row in try await sql.raw(
                """
                SELECT s.line_id, s.state, CAST(SUM(s.amount_fen) AS BIGINT) AS fen FROM spend_entries s JOIN budget_lines l ON l.id = s.line_id
                WHERE s.workspace_id = \(bind: workspaceID) AND l.month = \(bind: month) GROUP BY s.line_id, s.state
                """
            ).all() {
                let line = try row.decode(column: "line_id", as: UUID.self)
                let fen = try row.decode(column: "fen", as: Int64?.self) ?? 0
                switch try row.decode(column: "state", as: String.self) {
                case SpendEntry.State.approved.rawValue: approved[line, default: 0] += fen
                case SpendEntry.State.pending.rawValue: pending[line, default: 0] += fen
                default: break
                }
            }
        }
        // Revenue by the converting link's utm_source and campaign.
        var bySource: [String: Int64] = [:]
        var byCampaign: [String: Int64] = [:]
        for row in try await sql.raw(
            """
            SELECT LOWER(l.utm_source) AS source, l.campaign AS campaign, CAST(SUM(e.amount_fen) AS BIGINT) AS fen
            FROM conversion_events e JOIN short_links l ON l.id = e.link_id
            WHERE e.workspace_id = \(bind: workspaceID) AND e.at >= \(bind: range.0) AND e.at < \(bind: range.1) AND e.amount_fen IS NOT NULL
            GROUP BY LOWER(l.utm_source), l.campaign
            """
        ).all() {
            let fen = try row.decode(column: "fen", as: Int64?.self) ?? 0
            if let source = try row.decode(column: "source", as: String?.self) { bySource[source, default: 0] += fen }
            if let campaign = try row.decode(column: "campaign", as: String?.self) { byCampaign[campaign, default: 0] += fen }
        }

        let tolerance = settings.tolerance
        let lineRows = lines.map { line -> Line in
            let figures = PlanActual(plannedFen: line.plannedFen, actualFen: approved[line.id!] ?? 0)
            return Line(
                id: line.id!, name: line.name, category: line.category, channelKey: line.channelKey, campaignId: line.campaignID,
                campaign: line.campaign, plannedFen: line.plannedFen, actualFen: figures.actualFen, pendingFen: pending[line.id!] ?? 0,
                deviation: figures.deviation, flagged: figures.flagged(tolerance: tolerance))
        }
        var planned: [BudgetCategory: Int64] = [:]
        for line in lines { if let category = BudgetCategory(rawValue: line.category) { planned[category, default: 0] += line.plannedFen } }
        let split = BudgetSplit.check(planned: planned).map {
            Split(
                category: $0.category.rawValue, plannedFen: $0.plannedFen, share: $0.share, min: $0.range.lowerBound, max: $0.range.upperBound,
                inRange: $0.inRange)
        }
        let total = lines.reduce(Int64(0)) { $0 + $1.plannedFen }

        // Channels: the registered ones and any key a line names.
        var keys = registered.map(\.key)
        for line in lines { if let key = line.channelKey, !keys.contains(key) { keys.append(key) } }
        let cap = PilotCap.capFen(totalFen: total)
        var months: [ChannelMonth] = []
        var channelRows: [Channel] = []
        for key in keys {
            let channel = registered.first { $0.key == key }
            let mine = lineRows.filter { $0.channelKey == key }
            let plannedFen = mine.reduce(Int64(0)) { $0 + $1.plannedFen }
            let spendFen = mine.reduce(Int64(0)) { $0 + $1.actualFen }
            let pilot = channel?.pilot ?? false
            let figures = ChannelMonth(
                key: key, plannedFen: plannedFen, spendFen: spendFen, revenueFen: bySource[key] ?? 0, rule: channel?.rule ?? StopLossRule(),
                pilot: pilot)
            months.append(figures)
            channelRows.append(
                Channel(
                    id: channel?.id, key: key, label: channel?.label ?? key, pilot: pilot,
                    validated: channel?.validatedAt != nil || PilotCap.validated(figures), plannedFen: plannedFen, spendFen: spendFen,
                    revenueFen: figures.revenueFen, roi: figures.roi, stopLossRatio: figures.rule.ratio, minSpendFen: figures.rule.minSpendFen,
                    state: figures.state.rawValue, holdPostsOnBreach: channel?.holdPostsOnBreach ?? false,
                    fallbackDestination: channel?.fallbackDestination, pilotCapFen: pilot ? cap : nil, overPilotCap: pilot && plannedFen > cap))
        }

        // Campaigns: lines grouped by the campaign's name (or id without one).
        var campaignKeys: [String] = []
        for line in lines {
            guard let key = line.campaign ?? line.campaignID?.uuidString.lowercased() else { continue }
            if !campaignKeys.contains(key) { campaignKeys.append(key) }
        }
        let campaigns = campaignKeys.map { key -> Campaign in
            let mine = lineRows.filter { ($0.campaign ?? $0.campaignId?.uuidString.lowercased()) == key }
            let spend = mine.reduce(Int64(0)) { $0 + $1.actualFen }
            let revenue = byCampaign[key] ?? 0
            var ids: [UUID] = []
            for id in mine.compactMap(\.campaignId) where !ids.contains(id) { ids.append(id) }
            return Campaign(
                campaign: key, campaignIds: ids, spendFen: spend, revenueFen: revenue, roi: BudgetROI.roi(revenueFen: revenue, spendFen: spend),
                state: StopLossRule().evaluate(spendFen: spend, revenueFen: revenue).rawValue)
        }
        let moves = Reallocation.suggest(months, totalFen: total).map { Move(from: $0.from, to: $0.to, amountFen: $0.amountFen) }
        return BudgetSummary(
            month: month, plannedFen: total, actualFen: lineRows.reduce(0) { $0 + $1.actualFen },
            pendingFen: lineRows.reduce(0) { $0 + $1.pendingFen }, deviationTolerance: tolerance, approvalThresholdFen: settings.thresholdFen,
            lines: lineRows, split: split, channels: channelRows, campaigns: campaigns, reallocations: moves,
            maxMoveShare: Reallocation.defaultMaxShare, pilotShare: PilotCap.defaultShare)
    }
}
