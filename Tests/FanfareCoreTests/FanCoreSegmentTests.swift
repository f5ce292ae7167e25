import FanfareCore
import Foundation
import Testing

private func rule(_ json: String) throws -> SegmentRule { try JSONDecoder().decode(SegmentRule.self, from: Data(json.utf8)) }

/// Every problem parse reports, as "path: message".
private func parseProblems(_ json: String) -> [String] {
    do {
        _ = try SegmentRule.parse(Data(json.utf8))
        return []
    } catch {
        return error.issues.map { "\($0.field): \($0.message)" }
    }
}

private func problems(_ rule: SegmentRule) -> [String] { rule.validate().map { "\($0.field): \($0.message)" } }

private func condition(_ field: String, _ op: String, _ value: SegmentValue) -> SegmentRule {
    .condition(SegmentCondition(field: field, op: op, value: value))
}

private func strings(_ values: String...) -> SegmentValue { .list(values.map { .string($0) }) }

private let allFields =
    "activity_tier, value_tier, stage, tags, platform, region, age_band, gender, consumption_level, interests, interactions_30d, points, level, privileges, consent_marketing, last_seen_days"

@Suite struct FanCoreSegmentDecodingTests {
    @Test func nestedGroupsDecodeIntoTheRuleTree() throws {
        let decoded = try rule(
            #"""
            {"all": [
              {"field": "activity_tier", "op": "in", "value": ["core", "active"]},
              {"field": "region", "op": "eq", "value": "上海"},
              {"any": [
                {"field": "tags", "op": "contains", "value": "VIP"},
                {"not": {"field": "consent_marketing", "op": "eq", "value": false}},
                {"field": "points", "op": "between", "value": [100, 500]}
              ]}
            ]}
            """#)
        let expected = SegmentRule.all([
            condition("activity_tier", "in", strings("core", "active")),
            condition("region", "eq", .string("上海")),
            .any([
                condition("tags", "contains", .string("VIP")),
                .not(condition("consent_marketing", "eq", .bool(false))),
                condition("points", "between", .list([.number(100), .number(500)])),
            ]),
        ])
        #expect(decoded == expected)
        #expect(decoded.validate().isEmpty)
        #expect(decoded.conditionCount == 5)
        #expect(try JSONDecoder().decode(SegmentRule.self, from: JSONEncoder().encode(decoded)) == decoded)
    }

    @Test func aSingleConditionIsARule() throws {
        #expect(try rule(#"{"field": "level", "op": "gte", "value": 3}"#) == condition("level", "gte", .number(3)))
    }

    @Test func shapeProblemsNameTheirPath() {
        let cases: [(String, [String])] = [
            (
                "[1, 2]",
                [
                    "rule: must be an object: a group {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}} or a condition {\"field\": ..., \"op\": ..., \"value\": ...}"
                ]
            ),
            (#"{"all": {"field": "level"}}"#, ["rule.all: must be a list of rules"]),
            (#"{"not": [{"field": "level", "op": "eq", "value": 1}]}"#, ["rule.not: must be one rule (an object); put several in all or any"]),
            (#"{"all": [{"field": "level", "op": "eq"}]}"#, ["rule.all[0].value: is required"]),
            (
                #"{"all": [{"field": 3, "value": 1}]}"#,
                ["rule.all[0].field: must be a string: a field name", "rule.all[0].op: is required: an operator"]
            ),
            (
                #"{"any": [{"field": "level", "op": "eq", "value": {"x": 1}}]}"#,
                ["rule.any[0].value: must be a string, a number, true or false, or a list of them"]
            ),
            (
                #"{"any": [{"field": "level", "op": "eq", "value": null}]}"#,
                ["rule.any[0].value: must be a string, a number, true or false, or a list of them"]
            ),
            (#"{"all": [], "any": []}"#, ["rule: must be exactly one of all, any, not, or a condition; has all, any"]),
            (
                #"{"all": [{"field": "level", "op": "eq", "value": 1, "note": "x"}]}"#,
                ["rule.all[0]: has unknown key 'note'; accepted: all, any, not, field, op, value"]
            ),
            ("not json", ["rule: must be valid JSON: an object such as {\"all\": [{\"field\": …, \"op\": …, \"value\": …}]}"]),
        ]
        for (json, expected) in cases {
            #expect(parseProblems(json) == expected, "\(json)")
        }
    }

    @Test func decodingFailsWithTheProblemsAndTheirPaths() {
        struct Segment: Decodable { var rule: SegmentRule }
        do {
            _ = try JSONDecoder().decode(Segment.self, from: Data(#"{"rule": {"any": [{"all": 1}]}}"#.utf8))
            Issue.record("decoded a broken rule")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription == "rule.any[0].all: must be a list of rules")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func groupsNestedDeeperThanFiveLevelsAreRefused() throws {
        var json = #"{"field": "level", "op": "eq", "value": 1}"#
        for _ in 0..<5 { json = #"{"all": [\#(json)]}"# }
        #expect(try SegmentRule.parse(Data(json.utf8)).conditionCount == 1)
        #expect(
            parseProblems(#"{"not": \#(json)}"#) == [
                "rule.not.all[0].all[0].all[0].all[0].all: nests groups deeper than 5 levels; flatten it or split the segment"
            ])
        var built = condition("level", "eq", .number(1))
        for _ in 0..<6 { built = .any([built]) }
        #expect(
            problems(built) == ["rule.any[0].any[0].any[0].any[0].any[0].any: nests groups deeper than 5 levels; flatten it or split the segment"])
    }

    @Test func parseAlsoReportsWhatValidationFinds() {
        #expect(
            parseProblems(#"{"all": [{"field": "mood", "op": "eq", "value": 1}]}"#) == [
                "rule.all[0].field: has unknown field 'mood'; accepted: \(allFields)"
            ])
    }

    @Test func theFieldCatalogueDescribesTypesOperatorsAndValues() throws {
        #expect(SegmentRule.fields.map(\.name).joined(separator: ", ") == allFields)
        let tier = try #require(SegmentRule.field(named: "activity_tier"))
        #expect(tier.type == .ordinal && tier.values == ["silent", "potential", "active", "core"])
        #expect(SegmentRule.field(named: "tags")?.operators == [.contains, .containsAny, .containsAll])
        #expect(SegmentRule.field(named: "age_band")?.unordered == ["unknown"])
        let json = String(decoding: try JSONEncoder().encode(SegmentRule.fields), as: UTF8.self)
        #expect(json.contains(#""type":"enum""#) && json.contains(#""not_in""#) && json.contains(#""unordered":["unknown"]"#))
    }
}

@Suite struct FanCoreSegmentValidationTests {
    @Test func anUnknownFieldListsEveryField() {
        #expect(problems(.all([condition("foo", "eq", .string("x"))])) == ["rule.all[0].field: has unknown field 'foo'; accepted: \(allFields)"])
    }

    @Test func operatorsAreCheckedAgainstTheField() {
        #expect(
            problems(condition("region", "like", .string("上"))) == ["rule.op: has unknown operator 'like'; accepted for region: eq, ne, in, not_in"])
        #expect(
            problems(.any([condition("region", "gt", .string("上海"))])) == [
                "rule.any[0].op: operator 'gt' does not apply to region (text); accepted for region: eq, ne, in, not_in"
            ])
        #expect(
            problems(condition("tags", "eq", .string("VIP"))) == [
                "rule.op: operator 'eq' does not apply to tags (text_list); accepted for tags: contains, contains_any, contains_all"
            ])
    }

    @Test func valuesAreCheckedForShapeTypeAndVocabulary() {
        let cases: [(SegmentRule, String)] = [
            (
                condition("activity_tier", "in", strings("core", "vip")),
                "rule.value[1]: has unknown value 'vip'; accepted: silent, potential, active, core"
            ),
            (condition("activity_tier", "in", .string("core")), "rule.value: must be a list of values for in, e.g. [\"silent\", \"potential\"]"),
            (condition("activity_tier", "eq", strings("core")), "rule.value: must be a single value for eq, not a list; use in for several"),
            (
                condition("tags", "contains", strings("a", "b")),
                "rule.value: must be a single value for contains, not a list; use contains_any or contains_all for several"
            ),
            (condition("stage", "eq", .number(2)), "rule.value: must be a string, one of: reach, activate, retain, convert"),
            (
                condition("age_band", "gte", .string("unknown")),
                "rule.value: 'unknown' has no order and cannot be compared with gte; use eq, ne, in or not_in"
            ),
            (condition("points", "gt", .string("10")), "rule.value: must be a number"),
            (condition("points", "between", .list([.number(10)])), "rule.value: must be two numbers [low, high] for between, e.g. [10, 50]"),
            (condition("points", "between", .list([.number(50), .number(10)])), "rule.value: must have the low bound first: [50, 10] is empty"),
            (condition("points", "gt", .number(.nan)), "rule.value: must be a number"),
            (condition("consent_marketing", "eq", .string("yes")), "rule.value: must be true or false"),
            (condition("region", "eq", .string("  ")), "rule.value: must not be empty"),
            (condition("region", "eq", .string(String(repeating: "a", count: 101))), "rule.value: must be at most 100 characters (has 101)"),
            (condition("tags", "contains_any", .list([])), "rule.value: must list at least one value"),
            (
                condition("tags", "contains_all", .list(Array(repeating: .string("t"), count: 101))),
                "rule.value: must list at most 100 values (has 101)"
            ),
            (condition("interests", "contains_any", .list([.string("a"), .number(1)])), "rule.value[1]: must be a string"),
        ]
        for (rule, expected) in cases {
            #expect(problems(rule) == [expected])
        }
    }

    @Test func emptyGroupsAndTooManyConditionsAreRefused() {
        #expect(problems(.all([.any([])])) == ["rule.all[0].any: must have at least one rule"])
        let many = SegmentRule.any(Array(repeating: condition("level", "eq", .number(1)), count: 101))
        #expect(problems(many) == ["rule: has 101 conditions; at most 100 are accepted"])
        #expect(problems(.any(Array(repeating: condition("level", "eq", .number(1)), count: 100))).isEmpty)
    }

    @Test func everyProblemInARuleIsReportedWithItsOwnPath() {
        let bad = SegmentRule.all([
            condition("level", "gte", .number(2)),
            .not(condition("gender", "eq", .string("x"))),
            .any([condition("points", "nope", .number(1)), condition("foo", "eq", .number(1))]),
        ])
        #expect(bad.validate().map(\.field) == ["rule.all[1].not.value", "rule.all[2].any[0].op", "rule.all[2].any[1].field"])
    }
}

@Suite struct FanCoreSegmentMatchingTests {
    let fan = FanFacts(
        attributes: FanAttributes(
            ageBand: .age25To34, gender: .female, region: "上海", interests: ["护肤", "Travel"], consumptionLevel: .high,
            tags: ["VIP", "新客"], consent: FanConsent(marketing: true)),
        tiers: FanTierSnapshot(activity: .core, value: .silver, stage: .retain), platforms: ["weibo", "douyin"], interactions30d: 64,
        points: 1_200, level: 4, privileges: LevelLadder.standard.privileges(forLifetimePoints: 2_500), lastSeenDays: 2)

    func check(_ field: String, _ op: String, _ value: SegmentValue, _ expected: Bool, fan other: FanFacts? = nil) {
        let tested = condition(field, op, value)
        #expect(tested.validate().isEmpty, "\(field) \(op) \(value)")
        #expect(tested.matches(other ?? fan) == expected, "\(field) \(op) \(value)")
    }

    @Test func coreFansInShanghai() throws {
        let segment = try rule(
            #"{"all": [{"field": "activity_tier", "op": "in", "value": ["core"]}, {"field": "region", "op": "eq", "value": "上海"}]}"#)
        var other = fan
        #expect(segment.matches(fan))
        other.attributes.region = " 上海 "
        #expect(segment.matches(other))
        other.attributes.region = "北京"
        #expect(!segment.matches(other))
        other.attributes.region = nil
        #expect(!segment.matches(other))
        other = fan
        other.tiers.activity = .active
        #expect(!segment.matches(other))
    }

    @Test func ordinalFieldsCompareByTheirOrder() {
        check("activity_tier", "eq", .string("core"), true)
        check("activity_tier", "ne", .string("core"), false)
        check("activity_tier", "in", strings("active", "core"), true)
        check("activity_tier", "not_in", strings("silent", "potential"), true)
        check("activity_tier", "gt", .string("active"), true)
        check("activity_tier", "gte", .string("core"), true)
        check("activity_tier", "lt", .string("core"), false)
        check("activity_tier", "lte", .string("core"), true)
        check("value_tier", "gte", .string("silver"), true)
        check("value_tier", "gt", .string("silver"), false)
        check("stage", "lt", .string("convert"), true)
        check("consumption_level", "gte", .string("high"), true)
        check("age_band", "lt", .string("35_44"), true)
        let unknownAge = FanFacts(attributes: FanAttributes(ageBand: .unknown))
        check("age_band", "lt", .string("55_plus"), false, fan: unknownAge)
        check("age_band", "gte", .string("under_18"), false, fan: unknownAge)
        check("age_band", "eq", .string("unknown"), true, fan: unknownAge)
    }

    @Test func enumAndTextFieldsCompareForEquality() {
        check("gender", "eq", .string("female"), true)
        check("gender", "ne", .string("female"), false)
        check("gender", "in", strings("male", "other"), false)
        check("gender", "not_in", strings("male", "other"), true)
        check("region", "eq", .string("上海"), true)
        check("region", "in", strings("北京", "上海"), true)
        check("region", "ne", .string("北京"), true)
        check("region", "not_in", strings("上海"), false)
        let nowhere = FanFacts()
        check("region", "eq", .string("上海"), false, fan: nowhere)
        check("region", "ne", .string("上海"), true, fan: nowhere)
    }

    @Test func listFieldsMatchIgnoringCaseAndWidth() {
        check("tags", "contains", .string("vip"), true)
        check("tags", "contains", .string("ＶＩＰ"), true)
        check("tags", "contains", .string("老客"), false)
        check("tags", "contains_any", strings("老客", "新客"), true)
        check("tags", "contains_all", strings("VIP", "新客"), true)
        check("tags", "contains_all", strings("VIP", "老客"), false)
        check("interests", "contains", .string("travel"), true)
        check("platform", "contains_any", strings("wechat", "douyin"), true)
        check("platform", "contains_all", strings("wechat", "douyin"), false)
    }

    /// The standard ladder at 2,500 lifetime points: up to early access, not yet the VIP event.
    @Test func privilegesAreWhatTheLevelGrantsAndOnlyKnownOnesAreAccepted() {
        check("privileges", "contains", .string("early_access"), true)
        check("privileges", "contains", .string("lottery_entry"), true)
        check("privileges", "contains", .string("vip_event"), false)
        check("privileges", "contains_any", strings("vip_event", "meetup"), false)
        check("privileges", "contains_all", strings("check_in_rewards", "early_access"), true)
        check(
            "privileges", "contains", .string("vip_event"), true, fan: FanFacts(privileges: LevelLadder.standard.privileges(forLifetimePoints: 8_000))
        )
        #expect(
            problems(condition("privileges", "contains", .string("vip"))) == [
                "rule.value: has unknown value 'vip'; accepted: check_in_rewards, points_redemption, lottery_entry, early_access, vip_event, meetup"
            ])
    }

    @Test func numberFieldsCompareAndBetweenIsInclusive() {
        check("interactions_30d", "eq", .number(64), true)
        check("interactions_30d", "ne", .number(64), false)
        check("interactions_30d", "gt", .number(50), true)
        check("interactions_30d", "gte", .number(64), true)
        check("interactions_30d", "lt", .number(64), false)
        check("interactions_30d", "lte", .number(64), true)
        check("points", "between", .list([.number(1_200), .number(2_000)]), true)
        check("points", "between", .list([.number(0), .number(1_199)]), false)
        check("level", "in", .list([.number(3), .number(4)]), true)
        check("level", "not_in", .list([.number(3), .number(4)]), false)
        check("last_seen_days", "lte", .number(7), true)
        let neverSeen = FanFacts()
        check("last_seen_days", "gt", .number(30), false, fan: neverSeen)
        check("last_seen_days", "lte", .number(30), false, fan: neverSeen)
        check("last_seen_days", "ne", .number(0), true, fan: neverSeen)
    }

    @Test func booleanFieldsMatchTrueOrFalse() {
        check("consent_marketing", "eq", .bool(true), true)
        check("consent_marketing", "ne", .bool(true), false)
        check("consent_marketing", "eq", .bool(true), false, fan: FanFacts())
    }

    @Test func groupsCombineTheirRules() {
        let yes = condition("gender", "eq", .string("female"))
        let no = condition("gender", "eq", .string("male"))
        #expect(SegmentRule.all([yes, yes]).matches(fan) && !SegmentRule.all([yes, no]).matches(fan))
        #expect(SegmentRule.any([no, yes]).matches(fan) && !SegmentRule.any([no, no]).matches(fan))
        #expect(SegmentRule.not(no).matches(fan) && !SegmentRule.not(yes).matches(fan))
    }

    @Test func anInvalidConditionMatchesNoFan() {
        for rule in [
            condition("foo", "eq", .string("x")), condition("gender", "gt", .string("female")), condition("gender", "ne", .string("x")),
            condition("points", "ne", .string("10")), condition("points", "between", .list([.number(9), .number(1)])),
        ] {
            #expect(!rule.matches(fan), "\(rule)")
        }
    }

    @Test func everyCatalogueFieldCanMatchAFan() {
        let matching: [String: (String, SegmentValue)] = [
            "activity_tier": ("eq", .string("core")), "value_tier": ("eq", .string("silver")), "stage": ("eq", .string("retain")),
            "tags": ("contains", .string("VIP")), "platform": ("contains", .string("weibo")), "region": ("eq", .string("上海")),
            "age_band": ("eq", .string("25_34")), "gender": ("eq", .string("female")), "consumption_level": ("eq", .string("high")),
            "interests": ("contains", .string("护肤")), "interactions_30d": ("eq", .number(64)), "points": ("eq", .number(1_200)),
            "level": ("eq", .number(4)), "privileges": ("contains", .string("early_access")), "consent_marketing": ("eq", .bool(true)),
            "last_seen_days": ("eq", .number(2)),
        ]
        #expect(Set(matching.keys) == Set(SegmentRule.fields.map(\.name)))
        for (field, test) in matching {
            check(field, test.0, test.1, true)
        }
    }
}
