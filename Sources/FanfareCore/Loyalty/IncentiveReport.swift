import Foundation

/// Incentive cost against value created. The seeds ask that every yuan of
/// incentive (points, valued at what a point costs the brand to honour)
/// bring at least four yuan of value: a ratio of at least 1:4.
public struct IncentiveRatio: Sendable, Equatable, Codable {
    public static let target = 4.0

    public var pointsIssued: Int
    /// What one point costs the brand, in yuan (0.01 when 100 points buy a 1-yuan coupon).
    public var pointValueYuan: Double
    public var valueCreatedYuan: Double

    public init(pointsIssued: Int, pointValueYuan: Double, valueCreatedYuan: Double) {
        self.pointsIssued = pointsIssued
        self.pointValueYuan = pointValueYuan
        self.valueCreatedYuan = valueCreatedYuan
    }

    private enum CodingKeys: String, CodingKey {
        case pointsIssued = "points_issued"
        case pointValueYuan = "point_value_yuan"
        case valueCreatedYuan = "value_created_yuan"
    }

    public var costYuan: Double { Double(pointsIssued) * pointValueYuan }

    /// Value per yuan of cost; nil when nothing was spent.
    public var ratio: Double? { costYuan > 0 ? valueCreatedYuan / costYuan : nil }

    /// The ratio as a report shows it: rounded down to two decimals, so that
    /// a ratio just under the target never reads as 1:4.00; nil when nothing was spent.
    public var shownRatio: Double? { ratio.map { ($0 * 100 + 1e-6).rounded(.down) / 100 } }

    /// The value the same points would need to create to meet the target.
    public var valueNeededYuan: Double { costYuan * Self.target }

    /// Whether the ratio reaches the target; a ratio within a billionth of it
    /// counts (0.12 / 0.03 is not exactly 4 in floating point).
    public var meetsTarget: Bool { ratio.map { $0 >= Self.target - 1e-9 } ?? true }

    /// Problems as (field, English message): points issued 0 or more, point
    /// value above 0, value created 0 or more (all finite).
    public func problems() -> [FieldIssue] {
        var problems: [FieldIssue] = []
        if pointsIssued < 0 { problems.append(FieldIssue(field: "points_issued", .zeroOrMore)) }
        if !pointValueYuan.isFinite || pointValueYuan <= 0 {
            problems.append(FieldIssue(field: "point_value_yuan", .yuanAboveZero))
        }
        if !valueCreatedYuan.isFinite || valueCreatedYuan < 0 {
            problems.append(FieldIssue(field: "value_created_yuan", .yuanZeroOrMore))
        }
        return problems
    }

    /// One sentence for the report, e.g. "12,000 points issued at ¥0.01 a
    /// point cost ¥120.00 and created ¥600.00 of value, a ratio of 1:5.00,
    /// which meets the 1:4 target." The ratio shown is rounded down, so a
    /// ratio just under 4 never reads as 1:4.00.
    public var explanation: String {
        let created = Self.yuan(valueCreatedYuan)
        guard let ratio = shownRatio else {
            return "No points were issued, so there is no incentive cost to set against the \(created) of value created."
        }
        let head =
            "\(Self.grouped(pointsIssued)) points issued at ¥\(Self.plain(pointValueYuan)) a point cost \(Self.yuan(costYuan)) and created \(created) of value, a ratio of 1:\(Self.fixed(ratio, 2))"
        if meetsTarget { return head + ", which meets the 1:4 target." }
        return head + ", below the 1:4 target: the same points would need \(Self.yuan(valueNeededYuan)) of value."
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A point value without trailing zeros beyond two decimals ("0.01", "0.005").
    public static func plain(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return text
    }

    static func yuan(_ value: Double) -> String {
        let text = fixed(value, 2)
        let parts = text.split(separator: ".")
        guard let whole = Int(parts[0]) else { return "¥" + text }
        return "¥" + grouped(whole) + "." + (parts.count > 1 ? parts[1] : "00")
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
