import Foundation

/// The value of a segment condition as it came in the JSON.
public indirect enum SegmentValue: Equatable, Sendable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([SegmentValue])

    public init(from decoder: any Decoder) throws {
        let node = try JSONNode(from: decoder)
        guard let value = Self(node) else {
            throw DecodingError.coded(.segmentValue, at: decoder.codingPath)
        }
        self = value
    }

    init?(_ node: JSONNode) {
        switch node {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number)
        case .bool(let flag): self = .bool(flag)
        case .array(let items):
            var values: [SegmentValue] = []
            for item in items {
                guard let value = SegmentValue(item) else { return nil }
                values.append(value)
            }
            self = .list(values)
        case .null, .object: return nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        case .list(let values): try container.encode(values)
        }
    }
}

/// One test of one fan field: {"field": "region", "op": "eq", "value": "上海"}. Field and operator are
/// kept as sent, so that `validate()` can name what is wrong instead of decoding failing.
public struct SegmentCondition: Codable, Equatable, Sendable {
    public var field: String
    public var op: String
    public var value: SegmentValue

    public init(field: String, op: String, value: SegmentValue) {
        self.field = field
        self.op = op
        self.value = value
    }

    public init(_ field: String, _ op: SegmentOperator, _ value: SegmentValue) {
        self.init(field: field, op: op.rawValue, value: value)
    }
}

/// A saved segment's rule (SPEC §2): conditions on fan facts combined by groups.
///
/// JSON: a rule is either a group or a condition.
/// - `{"all": [rule, …]}`: every rule holds; `{"any": [rule, …]}`: at least one does;
///   `{"not": rule}`: the rule does not hold;
/// - `{"field": name, "op": operator, "value": value}`: see `SegmentRule.fields` for the fields,
///   their operators and accepted values.
///
/// Decoding checks the shape only (and names the path of what is wrong); `validate()` checks
/// fields, operators and values. `matches` treats a condition that would not validate as false.
public indirect enum SegmentRule: Equatable, Sendable {
    case all([SegmentRule])
    case any([SegmentRule])
    case not(SegmentRule)
    case condition(SegmentCondition)

    /// Decodes and validates in one step, collecting every problem with its path ("rule.all[2].op").
    public static func parse(_ data: Data) throws(ValidationErrors) -> SegmentRule {
        let node: JSONNode
        do {
            node = try JSONDecoder().decode(JSONNode.self, from: data)
        } catch {
            throw ValidationErrors("rule", .segmentRuleJson)
        }
        var errors = ValidationErrors()
        let rule = build(node, path: "rule", depth: 0, errors: &errors)
        try errors.throwIfAny()
        guard let rule else { throw ValidationErrors("rule", .notARule) }
        for problem in rule.validate() { errors.add(problem.field, problem.coded) }
        try errors.throwIfAny()
        return rule
    }

    /// Whether the fan is in the segment. Call `validate()` first: an invalid condition is false (so under `not`, true).
    public func matches(_ fan: FanFacts) -> Bool {
        switch self {
        case .all(let rules): rules.allSatisfy { $0.matches(fan) }
        case .any(let rules): rules.contains { $0.matches(fan) }
        case .not(let rule): !rule.matches(fan)
        case .condition(let condition): SegmentMatcher.matches(condition, fan)
        }
    }

    /// Conditions in the whole rule.
    /// The fields the rule's conditions name: a server reads only what a rule tests.
    public var fieldNames: Set<String> {
        switch self {
        case .all(let rules), .any(let rules): rules.reduce(into: []) { $0.formUnion($1.fieldNames) }
        case .not(let rule): rule.fieldNames
        case .condition(let condition): [condition.field]
        }
    }

    public var conditionCount: Int {
        switch self {
        case .all(let rules), .any(let rules): rules.reduce(0) { $0 + $1.conditionCount }
        case .not(let rule): rule.conditionCount
        case .condition: 1
        }
    }

    static let groupKeys = ["all", "any", "not"]
    static let conditionKeys = ["field", "op", "value"]
    static let shape = CodedMessage.segmentRuleShape

    /// Reads a node, appending a problem for every part of the wrong shape. Stops below the maximum
    /// depth, so a hostile document cannot make the walk deep.
    static func build(_ node: JSONNode, path: String, depth: Int, errors: inout ValidationErrors) -> SegmentRule? {
        guard case .object(let members) = node else {
            errors.add(path, shape)
            return nil
        }
        let keys = members.map(\.key)
        let accepted = groupKeys + conditionKeys
        for key in keys where !accepted.contains(key) {
            errors.add(path, .segmentUnknownKey(key: key, choices: accepted))
        }
        let groups = keys.filter { groupKeys.contains($0) }
        let isCondition = keys.contains { conditionKeys.contains($0) }
        guard groups.count + (isCondition ? 1 : 0) == 1 else {
            errors.add(
                path,
                groups.isEmpty && !isCondition ? shape : .segmentOneShape(keys: keys.sorted()))
            return nil
        }
        let value = { (key: String) in members.first { $0.key == key }?.value }
        if let group = groups.first {
            let groupPath = "\(path).\(group)"
            guard depth < maxDepth else {
                errors.add(groupPath, .segmentTooDeep(max: maxDepth))
                return nil
            }
            if group == "not" {
                guard let inner = value("not"), case .object = inner else {
                    errors.add(groupPath, .singleRule)
                    return nil
                }
                return build(inner, path: groupPath, depth: depth + 1, errors: &errors).map { .not($0) }
            }
            guard case .array(let items) = value(group) else {
                errors.add(groupPath, .ruleList)
                return nil
            }
            let rules = items.enumerated().map { build($1, path: "\(groupPath)[\($0)]", depth: depth + 1, errors: &errors) }
            let built = rules.compactMap { $0 }
            guard built.count == rules.count else { return nil }
            return group == "all" ? .all(built) : .any(built)
        }
        var field: String?
        var op: String?
        let missing: [String: CodedMessage] = ["field": .conditionFieldRequired, "op": .conditionOpRequired]
        let notText: [String: CodedMessage] = ["field": .conditionFieldString, "op": .conditionOpString]
        for key in ["field", "op"] {
            guard case .string(let text) = value(key) else {
                errors.add("\(path).\(key)", (value(key) == nil ? missing : notText)[key]!)
                continue
            }
            if key == "field" { field = text } else { op = text }
        }
        var conditionValue: SegmentValue?
        if let raw = value("value") {
            conditionValue = SegmentValue(raw)
            if conditionValue == nil { errors.add("\(path).value", .segmentValue) }
        } else {
            errors.add("\(path).value", .required)
        }
        guard let field, let op, let conditionValue else { return nil }
        return .condition(SegmentCondition(field: field, op: op, value: conditionValue))
    }
}

extension SegmentRule: Codable {
    /// Decoding fails with every shape problem, paths starting at "rule" (or at the coding path).
    public init(from decoder: any Decoder) throws {
        let node = try JSONNode(from: decoder)
        let prefix = JSONNode.path(decoder.codingPath) ?? "rule"
        var errors = ValidationErrors()
        guard let rule = Self.build(node, path: prefix, depth: 0, errors: &errors), errors.isEmpty else {
            let message = errors.joined { .atPath(path: $0.field, message: $0.coded) } ?? .notARule
            throw DecodingError.coded(message, at: decoder.codingPath)
        }
        self = rule
    }

    public func encode(to encoder: any Encoder) throws {
        enum Key: String, CodingKey { case all, any, not }
        switch self {
        case .all(let rules):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(rules, forKey: .all)
        case .any(let rules):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(rules, forKey: .any)
        case .not(let rule):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(rule, forKey: .not)
        case .condition(let condition):
            try condition.encode(to: encoder)
        }
    }
}

/// Any JSON value, read before the rule is built so that every shape problem can be named.
enum JSONNode: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    /// Members in the order the decoder gives them.
    case object([(key: String, value: JSONNode)])

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: Key.self) {
            self = .object(try container.allKeys.map { ($0.stringValue, try container.decode(JSONNode.self, forKey: $0)) })
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [JSONNode] = []
            while !container.isAtEnd { items.append(try container.decode(JSONNode.self)) }
            self = .array(items)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// "rule.all[2]" for a coding path; nil for the root.
    static func path(_ codingPath: [any CodingKey]) -> String? {
        guard !codingPath.isEmpty else { return nil }
        var path = ""
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }
}
