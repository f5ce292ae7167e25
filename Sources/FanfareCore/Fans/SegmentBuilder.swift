import Foundation

/// A segment rule as the segment page builds it: groups of rows (field,
/// operator, value); the rows of a group joined by AND (`all`) or OR
/// (`any`), and the groups joined the same way. It maps onto `SegmentRule`
/// (one group: `{"all"|"any": [conditions]}`; several:
/// `{"all"|"any": [{"all"|"any": [conditions]}, …]}`), and back for every
/// rule of that shape, so a saved segment opens in the builder.
///
/// Rows hold what the form holds, as text: `rule()` turns each value into
/// the type its field takes and names every problem by its place,
/// `group[0].row[1].value`.
public struct SegmentBuilder: Equatable, Sendable {
    public enum Join: String, CaseIterable, Sendable {
        case all, any
    }

    public struct Row: Equatable, Sendable {
        public var field: String
        public var op: String
        /// A number, a text, or several separated by commas (in, none of,
        /// includes any of …); the lower bound for `between`.
        public var text: String
        /// The upper bound for `between`.
        public var upper: String
        /// Values picked from the field's vocabulary (`SegmentBuilder.choices`).
        public var choices: [String]

        public init(field: String, op: String, text: String = "", upper: String = "", choices: [String] = []) {
            self.field = field
            self.op = op
            self.text = text
            self.upper = upper
            self.choices = choices
        }

        /// A fresh row: the first field, its first operator.
        public static var blank: Row {
            let field = SegmentRule.fields[0]
            return Row(field: field.name, op: field.operators[0].rawValue)
        }
    }

    public struct Group: Equatable, Sendable {
        public var join: Join
        public var rows: [Row]

        public init(join: Join = .all, rows: [Row] = [.blank]) {
            self.join = join
            self.rows = rows
        }
    }

    public var join: Join
    public var groups: [Group]

    public init(join: Join = .all, groups: [Group] = [Group()]) {
        self.join = join
        self.groups = groups
    }

    /// At most this many groups, and rows in a group.
    public static let maxGroups = 10
    public static let maxRows = 20

    /// Platforms a fan can have an identity on, as the builder offers them.
    public static let platforms = ["weibo", "wechat", "douyin", "xiaohongshu", "bilibili", "mastodon", "bluesky"]

    /// The values a field's value is picked from (a select), or nil when it
    /// is typed: the field's own vocabulary, the platforms, yes / no.
    public static func choices(for field: SegmentField) -> [String]? {
        if let values = field.values { return values }
        if field.name == "platform" { return platforms }
        if field.type == .boolean { return ["true", "false"] }
        return nil
    }

    /// Whether the operator takes several values.
    public static func takesList(_ op: SegmentOperator) -> Bool { SegmentMatcher.listOperators.contains(op) }

    // MARK: Builder → rule

    /// The rule, or every problem by its place: `group[0].row[1].field`,
    /// `…op`, `…value`, `…upper`; `group[0]` for an empty group.
    public func rule() throws(ValidationErrors) -> SegmentRule {
        var errors = ValidationErrors()
        if groups.isEmpty { errors.add("group[0]", .groupNeedsRule) }
        if groups.count > Self.maxGroups { errors.add("groups", .itemsAtMost(max: Self.maxGroups, count: groups.count)) }
        var built: [SegmentRule] = []
        for (g, group) in groups.enumerated() {
            if group.rows.isEmpty { errors.add("group[\(g)]", .groupNeedsRule) }
            if group.rows.count > Self.maxRows { errors.add("group[\(g)]", .itemsAtMost(max: Self.maxRows, count: group.rows.count)) }
            var conditions: [SegmentRule] = []
            for (r, row) in group.rows.enumerated() {
                let (condition, problems) = Self.condition(row, path: "group[\(g)].row[\(r)]")
                for problem in problems { errors.add(problem.field, problem.coded) }
                if let condition { conditions.append(.condition(condition)) }
            }
            built.append(group.join == .all ? .all(conditions) : .any(conditions))
        }
        try errors.throwIfAny()
        let rule = built.count == 1 ? built[0] : (join == .all ? .all(built) : .any(built))
        for problem in rule.validate() { errors.add("rule", problem.coded) }
        try errors.throwIfAny()
        return rule
    }

    /// One row as a condition, with its problems named under `path`.
    public static func condition(_ row: Row, path: String) -> (SegmentCondition?, [FieldIssue]) {
        let fieldName = row.field.trimmingCharacters(in: .whitespaces)
        guard !fieldName.isEmpty else { return (nil, [FieldIssue(field: "\(path).field", .required)]) }
        guard let field = SegmentRule.field(named: fieldName) else {
            return (nil, [FieldIssue(field: "\(path).field", .segmentUnknownField(value: fieldName, choices: SegmentRule.fields.map(\.name)))])
        }
        let accepted = field.operators.map(\.rawValue)
        guard !row.op.isEmpty else { return (nil, [FieldIssue(field: "\(path).op", .isRequiredOneOf(choices: accepted))]) }
        guard let op = SegmentOperator(rawValue: row.op), field.operators.contains(op) else {
            let message: CodedMessage =
                SegmentOperator(rawValue: row.op) == nil
                ? .segmentUnknownOperator(value: row.op, field: field.name, choices: accepted)
                : .segmentOperatorNotForField(value: row.op, field: field.name, type: field.type.rawValue, choices: accepted)
            return (nil, [FieldIssue(field: "\(path).op", message)])
        }
        let valuePath = "\(path).value"
        let picked = row.choices.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let value: SegmentValue
        if op == .between {
            let low = row.text.trimmingCharacters(in: .whitespaces)
            let high = row.upper.trimmingCharacters(in: .whitespaces)
            var problems: [FieldIssue] = []
            let lowNumber = number(low)
            let highNumber = number(high)
            if lowNumber == nil { problems.append(FieldIssue(field: valuePath, low.isEmpty ? .required : .typeNumber)) }
            if highNumber == nil { problems.append(FieldIssue(field: "\(path).upper", high.isEmpty ? .required : .typeNumber)) }
            guard let lowNumber, let highNumber else { return (nil, problems) }
            value = .list([.number(lowNumber), .number(highNumber)])
        } else {
            let items: [String] =
                choices(for: field) != nil && !picked.isEmpty
                ? picked : takesList(op) ? split(row.text) : [row.text.trimmingCharacters(in: .whitespaces)].filter { !$0.isEmpty }
            guard !items.isEmpty else { return (nil, [FieldIssue(field: valuePath, takesList(op) ? .valuesRequired : .required)]) }
            if !takesList(op), items.count > 1 {
                let instead = op == .contains ? "contains_any" : field.operators.contains(.in) ? "in" : "several conditions"
                return (nil, [FieldIssue(field: valuePath, .singleForOperator(op: op.rawValue, instead: instead))])
            }
            var values: [SegmentValue] = []
            for item in items {
                switch field.type {
                case .number:
                    guard let number = number(item) else { return (nil, [FieldIssue(field: valuePath, .typeNumber)]) }
                    values.append(.number(number))
                case .boolean:
                    guard item == "true" || item == "false" else { return (nil, [FieldIssue(field: valuePath, .typeBoolean)]) }
                    values.append(.bool(item == "true"))
                default:
                    values.append(.string(item))
                }
            }
            value = takesList(op) ? .list(values) : values[0]
        }
        let condition = SegmentCondition(field: field.name, op: op.rawValue, value: value)
        let problems = SegmentMatcher.problems(condition, path: path).map {
            // `value[2]` of a list is the row's value box; `value[1]` of between its upper bound.
            var name = $0.field
            if op == .between, name == "\(path).value" { name = valuePath }
            if let bracket = name.range(of: ".value[") { name = String(name[..<bracket.lowerBound]) + ".value" }
            return FieldIssue(field: name, $0.coded)
        }
        return (problems.isEmpty ? condition : nil, problems)
    }

    /// Text split at commas (also full-width), 、 and semicolons.
    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { ",，、;；\n".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func number(_ text: String) -> Double? {
        let normalised = text.replacingOccurrences(of: "，", with: "").replacingOccurrences(of: ",", with: "")
        guard let number = Double(normalised), number.isFinite else { return nil }
        return number
    }

    // MARK: Rule → builder

    /// The builder showing `rule`; nil for a rule the builder cannot show
    /// (`not`, groups nested deeper than two levels, an empty group).
    public init?(_ rule: SegmentRule) {
        func group(_ rule: SegmentRule) -> Group? {
            switch rule {
            case .condition(let condition): return Group(join: .all, rows: [Self.row(condition)])
            case .all(let children), .any(let children):
                guard !children.isEmpty else { return nil }
                var rows: [Row] = []
                for child in children {
                    guard case .condition(let condition) = child else { return nil }
                    rows.append(Self.row(condition))
                }
                if case .all = rule { return Group(join: .all, rows: rows) }
                return Group(join: .any, rows: rows)
            case .not: return nil
            }
        }
        if let single = group(rule) {
            self.init(join: .all, groups: [single])
            return
        }
        switch rule {
        case .all(let children), .any(let children):
            var groups: [Group] = []
            for child in children {
                guard let built = group(child) else { return nil }
                groups.append(built)
            }
            if case .all = rule { self.init(join: .all, groups: groups) } else { self.init(join: .any, groups: groups) }
        default: return nil
        }
    }

    /// One condition as the row that would make it.
    public static func row(_ condition: SegmentCondition) -> Row {
        var row = Row(field: condition.field, op: condition.op)
        let field = SegmentRule.field(named: condition.field)
        let picks = field.flatMap { choices(for: $0) } != nil
        func text(_ value: SegmentValue) -> String {
            switch value {
            case .string(let text): text
            case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            case .bool(let flag): flag ? "true" : "false"
            case .list(let items): items.map(text).joined(separator: ", ")
            }
        }
        switch condition.value {
        case .list(let items) where condition.op == SegmentOperator.between.rawValue && items.count == 2:
            row.text = text(items[0])
            row.upper = text(items[1])
        case .list(let items) where picks:
            row.choices = items.map(text)
        case let value where picks:
            row.choices = [text(value)]
        case let value:
            row.text = text(value)
        }
        return row
    }
}
