import Foundation

extension SegmentRule {
    /// Problems by path, empty when the rule may be saved. Paths start at "rule"
    /// and follow the JSON ("rule.all[2].value[0]"); messages name what would be accepted:
    /// - unknown field, operator or value, or an operator the field does not take;
    /// - a value of the wrong shape or type for the operator (a list for in, two numbers for between);
    /// - an empty group; groups nested deeper than `maxDepth`; more than `maxConditions` conditions.
    public func validate() -> [FieldIssue] {
        var problems: [FieldIssue] = []
        walk(path: "rule", depth: 0, problems: &problems)
        let count = conditionCount
        if count > Self.maxConditions {
            problems.append(FieldIssue(field: "rule", .segmentTooManyConditions(count: count, max: Self.maxConditions)))
        }
        return problems
    }

    private func walk(path: String, depth: Int, problems: inout [FieldIssue]) {
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
            problems.append(FieldIssue(field: groupPath, .segmentTooDeep(max: Self.maxDepth)))
            return
        }
        if case .not(let rule) = self {
            rule.walk(path: groupPath, depth: depth + 1, problems: &problems)
            return
        }
        if group.rules.isEmpty { problems.append(FieldIssue(field: groupPath, .groupNeedsRule)) }
        for (index, rule) in group.rules.enumerated() {
            rule.walk(path: "\(groupPath)[\(index)]", depth: depth + 1, problems: &problems)
        }
    }
}

/// Checks and evaluates one condition.
enum SegmentMatcher {
    static let comparisons: Set<SegmentOperator> = [.gt, .gte, .lt, .lte]
    static let listOperators: Set<SegmentOperator> = [.in, .notIn, .containsAny, .containsAll]

    static func problems(_ condition: SegmentCondition, path: String) -> [FieldIssue] {
        guard let field = SegmentRule.field(named: condition.field) else {
            return [FieldIssue(field: "\(path).field", .segmentUnknownField(value: condition.field, choices: SegmentRule.fields.map(\.name)))]
        }
        guard let op = SegmentOperator(rawValue: condition.op), field.operators.contains(op) else {
            let accepted = field.operators.map(\.rawValue)
            let message: CodedMessage =
                SegmentOperator(rawValue: condition.op) == nil
                ? .segmentUnknownOperator(value: condition.op, field: field.name, choices: accepted)
                : .segmentOperatorNotForField(value: condition.op, field: field.name, type: field.type.rawValue, choices: accepted)
            return [FieldIssue(field: "\(path).op", message)]
        }
        return valueProblems(condition.value, field: field, op: op, path: "\(path).value")
    }

    private static func valueProblems(
        _ value: SegmentValue, field: SegmentField, op: SegmentOperator, path: String
    )
        -> [FieldIssue]
    {
        if op == .between {
            guard case .list(let bounds) = value, bounds.count == 2, case .number(let low) = bounds[0], case .number(let high) = bounds[1],
                low.isFinite, high.isFinite
            else { return [FieldIssue(field: path, .betweenBounds)] }
            return low <= high ? [] : [FieldIssue(field: path, .betweenOrder(low: number(low), high: number(high)))]
        }
        if listOperators.contains(op) {
            guard case .list(let items) = value else { return [FieldIssue(field: path, .listForOperator(op: op.rawValue, example: example(field)))] }
            if items.isEmpty { return [FieldIssue(field: path, .valuesRequired)] }
            if items.count > SegmentRule.maxListValues {
                return [FieldIssue(field: path, .valuesAtMost(max: SegmentRule.maxListValues, count: items.count))]
            }
            return items.enumerated().flatMap { scalarProblems($1, field: field, op: op, path: "\(path)[\($0)]") }
        }
        if case .list = value {
            let instead = op == .contains ? "contains_any or contains_all" : field.operators.contains(.in) ? "in" : "several conditions"
            return [FieldIssue(field: path, .singleForOperator(op: op.rawValue, instead: instead))]
        }
        return scalarProblems(value, field: field, op: op, path: path)
    }

    private static func scalarProblems(
        _ value: SegmentValue, field: SegmentField, op: SegmentOperator, path: String
    )
        -> [FieldIssue]
    {
        switch field.type {
        case .ordinal, .enumeration:
            let accepted = field.values ?? []
            guard case .string(let text) = value else { return [FieldIssue(field: path, .stringOneOf(choices: accepted))] }
            guard field.values?.contains(text) == true else { return [FieldIssue(field: path, .unknownValue(value: text, choices: accepted))] }
            if comparisons.contains(op) && field.rank(of: text) == nil {
                return [FieldIssue(field: path, .unorderedComparison(value: text, op: op.rawValue))]
            }
            return []
        case .text, .textList:
            guard case .string(let text) = value else { return [FieldIssue(field: path, .typeString)] }
            if FanAttributes.isBlank(text) { return [FieldIssue(field: path, .notEmpty)] }
            if text.count > SegmentRule.maxTextLength {
                return [FieldIssue(field: path, .lengthAtMostHas(max: SegmentRule.maxTextLength, count: text.count))]
            }
            // A list with a vocabulary (privileges) takes only its words.
            if let values = field.values, !values.contains(text) {
                return [FieldIssue(field: path, .unknownValue(value: text, choices: values))]
            }
            return []
        case .number:
            guard case .number(let number) = value, number.isFinite else { return [FieldIssue(field: path, .typeNumber)] }
            return []
        case .boolean:
            guard case .bool = value else { return [FieldIssue(field: path, .typeBoolean)] }
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
