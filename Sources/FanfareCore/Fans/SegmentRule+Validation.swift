import Foundation

extension SegmentRule {
    /// Problems as (path, English message), empty when the rule may be saved. Paths start at "rule"
    /// and follow the JSON ("rule.all[2].value[0]"); messages name what would be accepted:
    /// - unknown field, operator or value, or an operator the field does not take;
    /// - a value of the wrong shape or type for the operator (a list for in, two numbers for between);
    /// - an empty group; groups nested deeper than `maxDepth`; more than `maxConditions` conditions.
    public func validate() -> [(field: String, message: String)] {
        var problems: [(field: String, message: String)] = []
        walk(path: "rule", depth: 0, problems: &problems)
        let count = conditionCount
        if count > Self.maxConditions {
            problems.append(("rule", "has \(count) conditions; at most \(Self.maxConditions) are accepted"))
        }
        return problems
    }

    private func walk(path: String, depth: Int, problems: inout [(field: String, message: String)]) {
        let group: (name: String, rules: [SegmentRule])
        switch self {
        case .condition(let condition):
            problems += SegmentMatcher.problems(condition, path: path)
            return
        case .all(let rules): group = ("all", rules)
        case .any(let rules): group = ("any", rules)
        case .not(let rule): group = ("not", [rule])
        }
        let groupPath = "\(path).\(group.name)"
        guard depth < Self.maxDepth else {
            problems.append((groupPath, "nests groups deeper than \(Self.maxDepth) levels; flatten it or split the segment"))
            return
        }
        if case .not(let rule) = self {
            rule.walk(path: groupPath, depth: depth + 1, problems: &problems)
            return
        }
        if group.rules.isEmpty { problems.append((groupPath, "must have at least one rule")) }
        for (index, rule) in group.rules.enumerated() {
            rule.walk(path: "\(groupPath)[\(index)]", depth: depth + 1, problems: &problems)
        }
    }
}

/// Checks and evaluates one condition.
enum SegmentMatcher {
    static let comparisons: Set<SegmentOperator> = [.gt, .gte, .lt, .lte]
    static let listOperators: Set<SegmentOperator> = [.in, .notIn, .containsAny, .containsAll]

    static func problems(_ condition: SegmentCondition, path: String) -> [(field: String, message: String)] {
        guard let field = SegmentRule.field(named: condition.field) else {
            let accepted = SegmentRule.fields.map(\.name).joined(separator: ", ")
            return [("\(path).field", "has unknown field '\(condition.field)'; accepted: \(accepted)")]
        }
        guard let op = SegmentOperator(rawValue: condition.op), field.operators.contains(op) else {
            let accepted = "accepted for \(field.name): " + field.operators.map(\.rawValue).joined(separator: ", ")
            let message =
                SegmentOperator(rawValue: condition.op) == nil
                ? "has unknown operator '\(condition.op)'; \(accepted)"
                : "operator '\(condition.op)' does not apply to \(field.name) (\(field.type.rawValue)); \(accepted)"
            return [("\(path).op", message)]
        }
        return valueProblems(condition.value, field: field, op: op, path: "\(path).value")
    }

    private static func valueProblems(
        _ value: SegmentValue, field: SegmentField, op: SegmentOperator, path: String
    )
        -> [(field: String, message: String)]
    {
        if op == .between {
            guard case .list(let bounds) = value, bounds.count == 2, case .number(let low) = bounds[0], case .number(let high) = bounds[1],
                low.isFinite, high.isFinite
            else { return [(path, "must be two numbers [low, high] for between, e.g. [10, 50]")] }
            return low <= high ? [] : [(path, "must have the low bound first: [\(number(low)), \(number(high))] is empty")]
        }
        if listOperators.contains(op) {
            guard case .list(let items) = value else { return [(path, "must be a list of values for \(op.rawValue), e.g. [\(example(field))]")] }
            if items.isEmpty { return [(path, "must list at least one value")] }
            if items.count > SegmentRule.maxListValues {
                return [(path, "must list at most \(SegmentRule.maxListValues) values (has \(items.count))")]
            }
            return items.enumerated().flatMap { scalarProblems($1, field: field, op: op, path: "\(path)[\($0)]") }
        }
        if case .list = value {
            let instead = op == .contains ? "contains_any or contains_all" : field.operators.contains(.in) ? "in" : "several conditions"
            return [(path, "must be a single value for \(op.rawValue), not a list; use \(instead) for several")]
        }
        return scalarProblems(value, field: field, op: op, path: path)
    }

    private static func scalarProblems(
        _ value: SegmentValue, field: SegmentField, op: SegmentOperator, path: String
    )
        -> [(field: String, message: String)]
    {
        switch field.type {
        case .ordinal, .enumeration:
            let accepted = (field.values ?? []).joined(separator: ", ")
            guard case .string(let text) = value else { return [(path, "must be a string, one of: \(accepted)")] }
            guard field.values?.contains(text) == true else { return [(path, "has unknown value '\(text)'; accepted: \(accepted)")] }
            if comparisons.contains(op) && field.rank(of: text) == nil {
                return [(path, "'\(text)' has no order and cannot be compared with \(op.rawValue); use eq, ne, in or not_in")]
            }
            return []
        case .text, .textList:
            guard case .string(let text) = value else { return [(path, "must be a string")] }
            if FanAttributes.isBlank(text) { return [(path, "must not be empty")] }
            if text.count > SegmentRule.maxTextLength {
                return [(path, "must be at most \(SegmentRule.maxTextLength) characters (has \(text.count))")]
            }
            // A list with a vocabulary (privileges) takes only its words.
            if let values = field.values, !values.contains(text) {
                return [(path, "has unknown value '\(text)'; accepted: \(values.joined(separator: ", "))")]
            }
            return []
        case .number:
            guard case .number(let number) = value, number.isFinite else { return [(path, "must be a number")] }
            return []
        case .boolean:
            guard case .bool = value else { return [(path, "must be true or false")] }
            return []
        }
    }

    private static func example(_ field: SegmentField) -> String {
        switch field.type {
        case .ordinal, .enumeration: (field.values ?? []).prefix(2).map { "\"\($0)\"" }.joined(separator: ", ")
        case .text, .textList: field.values.map { $0.prefix(2).map { "\"\($0)\"" }.joined(separator: ", ") } ?? "\"上海\", \"北京\""
        case .number: "1, 2"
        case .boolean: "true"
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Whether the fan meets the condition; false for a condition that does not validate.
    static func matches(_ condition: SegmentCondition, _ fan: FanFacts) -> Bool {
        guard problems(condition, path: "").isEmpty, let field = SegmentRule.field(named: condition.field),
            let op = SegmentOperator(rawValue: condition.op), let reading = fan.reading(field.name)
        else { return false }
        switch reading {
        case .text(let text):
            let operands = strings(condition.value)
            let exact = field.type != .text
            let equal = { (value: String) in text.map { exact ? $0 == value : FanText.key($0) == FanText.key(value) } ?? false }
            switch op {
            case .eq, .in: return operands.contains(where: equal)
            case .ne, .notIn: return !operands.contains(where: equal)
            default:
                guard let text, let have = field.rank(of: text), let operand = operands.first, let want = field.rank(of: operand) else {
                    return false
                }
                return compare(Double(have), op, Double(want))
            }
        case .texts(let list):
            let have = Set(list.map(FanText.key))
            let wanted = strings(condition.value).map(FanText.key)
            return op == .containsAll ? wanted.allSatisfy(have.contains) : wanted.contains(where: have.contains)
        case .number(let number):
            let operands = numbers(condition.value)
            let equal = { (value: Double) in number == value }
            switch op {
            case .eq, .in: return operands.contains(where: equal)
            case .ne, .notIn: return !operands.contains(where: equal)
            case .between:
                guard let number, operands.count == 2 else { return false }
                return operands[0] <= number && number <= operands[1]
            default:
                guard let number, let operand = operands.first else { return false }
                return compare(number, op, operand)
            }
        case .boolean(let flag):
            guard case .bool(let wanted) = condition.value else { return false }
            return op == .eq ? flag == wanted : flag != wanted
        }
    }

    private static func compare(_ have: Double, _ op: SegmentOperator, _ want: Double) -> Bool {
        switch op {
        case .gt: have > want
        case .gte: have >= want
        case .lt: have < want
        case .lte: have <= want
        default: false
        }
    }

    private static func strings(_ value: SegmentValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .list(let items): items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        default: []
        }
    }

    private static func numbers(_ value: SegmentValue) -> [Double] {
        switch value {
        case .number(let number): [number]
        case .list(let items): items.compactMap { if case .number(let number) = $0 { number } else { nil } }
        default: []
        }
    }
}
