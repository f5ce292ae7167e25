import Foundation

/// Budgets and ROI (issue 22 scope 3, SPEC §11, seeds S0 §5.3, S3 §5.3,
/// S4 五). Money is whole fen (`Int64`) everywhere; shares and ratios are
/// `Double`. docs/budgets.md explains every rule here.

/// The four categories of a budget line.
public enum BudgetCategory: String, Sendable, Codable, CaseIterable {
    case fixed, variable, flexible, reserve

    /// The seeds' share of the spending budget (fixed + variable +
    /// flexible). The seeds' three spending ranges overlap to 95–115 %, so
    /// one plan can meet all of them; the emergency reserve is held on top
    /// of the spending budget and measured against it too (10–15 % of it),
    /// because 15 + 60 + 20 + 10 already passes 100 % of one total.
    public var defaultRange: ClosedRange<Double> {
        switch self {
        case .fixed: 0.15...0.20
        case .variable: 0.60...0.70
        case .flexible: 0.20...0.25
        case .reserve: 0.10...0.15
        }
    }

    /// The point the default split takes in each range (they sum to 100 %
    /// of the spending budget, the reserve 10 % on top).
    public var defaultPoint: Double {
        switch self {
        case .fixed: 0.15
        case .variable: 0.60
        case .flexible: 0.25
        case .reserve: 0.10
        }
    }
}

/// Parsing and writing money typed in yuan.
public enum BudgetMoney {
    /// The most a single amount may be: ¥100 亿 (keeps sums far inside Int64).
    public static let maxFen: Int64 = 1_000_000_000_000

    /// "1234.56", "1,234.5", "¥1234" → fen; nil for anything else (a
    /// negative amount, three decimals, words, more than `maxFen`).
    public static func fen(fromYuan raw: String) -> Int64? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        for prefix in ["¥", "￥"] where text.hasPrefix(prefix) { text.removeFirst() }
        text = text.replacingOccurrences(of: ",", with: "")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.count <= 12,
            whole.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 2, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        while fraction.count < 2 { fraction += "0" }
        guard let yuan = Int64(whole), let cents = Int64(fraction) else { return nil }
        let fen = yuan * 100 + cents
        return fen <= maxFen ? fen : nil
    }

    /// Fen as yuan for forms and CSV: 123456 → "1234.56".
    public static func yuanText(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return sign + String(magnitude / 100) + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}

/// The default split and the check of a budget's split against the ranges.
public enum BudgetSplit {
    public static let defaultRanges: [BudgetCategory: ClosedRange<Double>] = Dictionary(
        uniqueKeysWithValues: BudgetCategory.allCases.map { ($0, $0.defaultRange) })

    /// `total` (the whole budget, reserve included) in four lines: the
    /// spending budget is total ÷ 1.1 (so the reserve is 10 % of it), split
    /// 15 / 60 / 25; the fen lost to rounding go to the variable line, so
    /// the four always add up to `total`.
    public static func defaultSplit(total: Int64) -> [BudgetCategory: Int64] {
        guard total > 0 else { return [:] }
        let spending = total * 10 / 11
        let fixed = spending * 15 / 100
        let flexible = spending * 25 / 100
        let reserve = total - spending
        return [.fixed: fixed, .flexible: flexible, .reserve: reserve, .variable: total - fixed - flexible - reserve]
    }

    public struct Share: Sendable, Equatable {
        public var category: BudgetCategory
        public var plannedFen: Int64
        /// Of the spending budget (fixed + variable + flexible); nil when it is 0.
        public var share: Double?
        public var range: ClosedRange<Double>
        public var inRange: Bool { share.map { range.contains(($0 * 10_000).rounded() / 10_000) } ?? false }
    }

    /// Each category's share of the spending budget against its range.
    public static func check(planned: [BudgetCategory: Int64], ranges: [BudgetCategory: ClosedRange<Double>] = defaultRanges) -> [Share] {
        let spending = [BudgetCategory.fixed, .variable, .flexible].reduce(Int64(0)) { $0 + (planned[$1] ?? 0) }
        return BudgetCategory.allCases.map { category in
            let fen = planned[category] ?? 0
            return Share(
                category: category, plannedFen: fen, share: spending > 0 ? Double(fen) / Double(spending) : nil,
                range: ranges[category] ?? category.defaultRange)
        }
    }
}

/// Plan against actual for one line.
public struct PlanActual: Sendable, Equatable {
    /// The seeds' target: actual within 5 % of plan.
    public static let defaultTolerance = 0.05

    public var plannedFen: Int64
    public var actualFen: Int64

    public init(plannedFen: Int64, actualFen: Int64) {
        self.plannedFen = plannedFen
        self.actualFen = actualFen
    }

    /// (actual − plan) ÷ plan; nil when nothing was planned.
    public var deviation: Double? {
        plannedFen > 0 ? Double(actualFen - plannedFen) / Double(plannedFen) : nil
    }

    /// Above the tolerance either way (spending 10 % less than planned is a
    /// plan that was wrong too); spending on an unplanned line always is.
    public func flagged(tolerance: Double = defaultTolerance) -> Bool {
        guard let deviation else { return actualFen > 0 }
        return abs(deviation) > tolerance + 1e-12
    }
}

/// Return on spend and the stop-loss rule.
public enum BudgetROI {
    /// Revenue ÷ spend; nil when nothing was spent.
    public static func roi(revenueFen: Int64, spendFen: Int64) -> Double? {
        spendFen > 0 ? Double(revenueFen) / Double(spendFen) : nil
    }
}

public struct StopLossRule: Sendable, Equatable {
    /// The seeds' line: 3 yuan back for every yuan spent.
    public static let defaultRatio = 3.0
    /// ¥5,000: below it a channel's ROI is too young to judge (a few
    /// orders swing it), and it is a tenth of a typical monthly channel
    /// line in the seeds' budgets.
    public static let defaultMinSpendFen: Int64 = 500_000

    public var ratio: Double
    public var minSpendFen: Int64

    public init(ratio: Double = defaultRatio, minSpendFen: Int64 = defaultMinSpendFen) {
        self.ratio = ratio
        self.minSpendFen = minSpendFen
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Spend still below the minimum: not judged yet.
        case learning
        /// ROI at or above the line.
        case healthy
        /// ROI below the line after the minimum spend.
        case breached
    }

    /// Judged once spend reaches `minSpendFen` (the minimum itself counts).
    public func evaluate(spendFen: Int64, revenueFen: Int64) -> State {
        guard spendFen >= minSpendFen, spendFen > 0 else { return .learning }
        let roi = Double(revenueFen) / Double(spendFen)
        return roi + 1e-12 < ratio ? .breached : .healthy
    }
}

/// One channel's month for the reallocation and the pilot cap.
public struct ChannelMonth: Sendable, Equatable {
    public var key: String
    public var plannedFen: Int64
    public var spendFen: Int64
    public var revenueFen: Int64
    public var rule: StopLossRule
    public var pilot: Bool

    public init(key: String, plannedFen: Int64, spendFen: Int64, revenueFen: Int64, rule: StopLossRule = StopLossRule(), pilot: Bool = false) {
        (self.key, self.plannedFen, self.spendFen, self.revenueFen, self.rule, self.pilot) = (key, plannedFen, spendFen, revenueFen, rule, pilot)
    }

    public var roi: Double? { BudgetROI.roi(revenueFen: revenueFen, spendFen: spendFen) }
    public var state: StopLossRule.State { rule.evaluate(spendFen: spendFen, revenueFen: revenueFen) }
}

/// A new channel is a pilot: its plan is held to a share of the whole
/// budget until it is validated (its ROI at or above its line after the
/// minimum spend).
public enum PilotCap {
    /// The seeds' 10 %.
    public static let defaultShare = 0.10

    public static func capFen(totalFen: Int64, share: Double = defaultShare) -> Int64 {
        Int64((Double(max(totalFen, 0)) * share).rounded(.down))
    }

    public static func validated(_ channel: ChannelMonth) -> Bool { channel.state == .healthy }
}

/// Next month's moves from channels under their stop-loss line toward the
/// channels that return the most.
public enum Reallocation {
    /// At most a fifth of a channel's plan moves in one month, so one bad
    /// month cannot empty a channel that may recover.
    public static let defaultMaxShare = 0.20

    public struct Move: Sendable, Equatable {
        public var from: String
        public var to: String
        public var amountFen: Int64

        public init(from: String, to: String, amountFen: Int64) {
            (self.from, self.to, self.amountFen) = (from, to, amountFen)
        }
    }

    /// The rule: every breached channel gives up `maxShare` of its plan
    /// (rounded down to the yuan); the amount goes to the healthy channels
    /// in order of ROI, highest first (ties by key), each pilot only up to
    /// the pilot cap of `totalFen` less its own plan; what no receiver can
    /// take stays where it is. Learning channels neither give nor take.
    public static func suggest(
        _ channels: [ChannelMonth], totalFen: Int64, maxShare: Double = defaultMaxShare, pilotShare: Double = PilotCap.defaultShare
    ) -> [Move] {
        let donors = channels.filter { $0.state == .breached && $0.plannedFen > 0 }
            .sorted { ($0.roi ?? 0, $0.key) < ($1.roi ?? 0, $1.key) }
        let receivers = channels.filter { $0.state == .healthy }
            .sorted { ($0.roi ?? 0) != ($1.roi ?? 0) ? ($0.roi ?? 0) > ($1.roi ?? 0) : $0.key < $1.key }
        guard !donors.isEmpty, !receivers.isEmpty else { return [] }
        let cap = PilotCap.capFen(totalFen: totalFen, share: pilotShare)
        var room: [String: Int64] = [:]
        for receiver in receivers where receiver.pilot { room[receiver.key] = max(cap - receiver.plannedFen, 0) }
        var moves: [Move] = []
        for donor in donors {
            var left = Int64((Double(donor.plannedFen) * maxShare).rounded(.down)) / 100 * 100
            for receiver in receivers where left > 0 {
                var amount = left
                if let free = room[receiver.key] {
                    amount = min(amount, free)
                    room[receiver.key] = free - amount
                }
                guard amount > 0 else { continue }
                moves.append(Move(from: donor.key, to: receiver.key, amountFen: amount))
                left -= amount
            }
        }
        return moves
    }
}

/// Spend above the workspace's threshold waits for approval.
public enum SpendApproval {
    /// ¥10,000 unless the workspace says otherwise.
    public static let defaultThresholdFen: Int64 = 1_000_000

    public static func needsApproval(amountFen: Int64, thresholdFen: Int64) -> Bool { amountFen > thresholdFen }
}

/// Months as "2026-12".
public enum BudgetMonth {
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1])
        else { return false }
        return (2000...2100).contains(year) && (1...12).contains(month)
    }
}

/// A spend ledger CSV: a header naming `line`, `amount_yuan` and
/// `spent_on` (and optionally `note`, in any order), then one row per
/// spend. Every bad cell is reported by its line number and column; the
/// good rows come back too (the server still checks their lines exist),
/// and the caller writes nothing unless there are no issues at all.
public enum SpendCSV {
    public static let columns = ["line", "amount_yuan", "spent_on", "note"]
    public static let required = ["line", "amount_yuan", "spent_on"]
    /// Rows in one import; larger ledgers go in several files.
    public static let maxRows = 5_000
    /// The Chinese headers a file exported for a Chinese team may carry.
    public static let aliases = ["预算科目": "line", "金额": "amount_yuan", "金额（元）": "amount_yuan", "日期": "spent_on", "备注": "note"]

    public struct Row: Sendable, Equatable {
        public var lineNumber: Int
        /// The budget line as written (its id or its name); the server resolves it.
        public var line: String
        public var amountFen: Int64
        public var spentOn: String
        public var note: String

        public init(lineNumber: Int, line: String, amountFen: Int64, spentOn: String, note: String) {
            (self.lineNumber, self.line, self.amountFen, self.spentOn, self.note) = (lineNumber, line, amountFen, spentOn, note)
        }
    }

    public static func parse(_ text: String) -> (rows: [Row], issues: [FieldIssue]) {
        let records: [CSVRecord]
        do { records = try CSVReader.records(text) } catch { return ([], error.issues) }
        guard let header = records.first else { return ([], [FieldIssue(field: "csv", .budgetCsvHeader(columns: required.joined(separator: ", ")))]) }
        let names = header.fields.map { raw -> String in
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            return aliases[name] ?? name
        }
        guard required.allSatisfy(names.contains) else {
            return ([], [FieldIssue(field: "csv", .budgetCsvHeader(columns: required.joined(separator: ", ")))])
        }
        func cell(_ record: CSVRecord, _ name: String) -> String {
            guard let index = names.firstIndex(of: name), index < record.fields.count else { return "" }
            return record.fields[index].trimmingCharacters(in: .whitespaces)
        }
        var rows: [Row] = []
        var issues: [FieldIssue] = []
        let body = records.dropFirst().filter { !$0.fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        if body.count > maxRows { return ([], [FieldIssue(field: "csv", .itemsAtMost(max: maxRows, count: body.count))]) }
        for record in body {
            let prefix = "line \(record.line): "
            let before = issues.count
            let line = cell(record, "line")
            if line.isEmpty { issues.append(FieldIssue(field: prefix + "line", .required)) }
            let amountText = cell(record, "amount_yuan")
            let amount = BudgetMoney.fen(fromYuan: amountText)
            if amount == nil { issues.append(FieldIssue(field: prefix + "amount_yuan", .budgetYuan(value: String(amountText.prefix(40))))) }
            let day = cell(record, "spent_on")
            if MetricDay.parse(day) == nil { issues.append(FieldIssue(field: prefix + "spent_on", .dateFormat(value: String(day.prefix(40))))) }
            let note = cell(record, "note")
            if note.count > 500 { issues.append(FieldIssue(field: prefix + "note", .lengthAtMost(max: 500))) }
            if let amount, issues.count == before {
                rows.append(Row(lineNumber: record.line, line: line, amountFen: amount, spentOn: day, note: note))
            }
        }
        return (rows, issues)
    }
}
