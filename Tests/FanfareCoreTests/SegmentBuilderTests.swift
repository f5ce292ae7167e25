import FanfareCore
import Foundation
import Testing

@Suite struct SegmentBuilderTests {
    typealias Row = SegmentBuilder.Row
    typealias Group = SegmentBuilder.Group

    func fan(tier: ActivityTier, region: String?, points: Int, platforms: [String] = []) -> FanFacts {
        var attributes = FanAttributes()
        attributes.region = region
        return FanFacts(
            attributes: attributes, tiers: FanTierSnapshot(activity: tier, value: .none, stage: .reach), platforms: platforms, points: points)
    }

    /// (core AND 上海) OR (points between 100 and 500): two groups joined by OR.
    @Test func twoGroupsMakeAnAnyOfAlls() throws {
        let builder = SegmentBuilder(
            join: .any,
            groups: [
                Group(join: .all, rows: [Row(field: "activity_tier", op: "eq", choices: ["core"]), Row(field: "region", op: "eq", text: "上海")]),
                Group(join: .all, rows: [Row(field: "points", op: "between", text: "100", upper: "500")]),
            ])
        let rule = try builder.rule()
        #expect(
            rule
                == .any([
                    .all([
                        .condition(SegmentCondition("activity_tier", .eq, .string("core"))),
                        .condition(SegmentCondition("region", .eq, .string("上海"))),
                    ]),
                    .all([.condition(SegmentCondition("points", .between, .list([.number(100), .number(500)])))]),
                ]))
        #expect(rule.matches(fan(tier: .core, region: "上海", points: 0)))
        #expect(rule.matches(fan(tier: .silent, region: nil, points: 300)))
        #expect(!rule.matches(fan(tier: .core, region: "北京", points: 20)))
        // And it opens in the builder again, as built.
        #expect(SegmentBuilder(rule) == builder)
    }

    @Test func oneGroupWithOrAndListsSplitAtCommas() throws {
        let builder = SegmentBuilder(
            groups: [
                Group(
                    join: .any,
                    rows: [
                        Row(field: "region", op: "in", text: "上海，北京、 杭州"), Row(field: "platform", op: "contains_any", choices: ["weibo", "douyin"]),
                    ])
            ])
        let rule = try builder.rule()
        #expect(
            rule
                == .any([
                    .condition(SegmentCondition("region", .in, .list([.string("上海"), .string("北京"), .string("杭州")]))),
                    .condition(SegmentCondition("platform", .containsAny, .list([.string("weibo"), .string("douyin")]))),
                ]))
        #expect(rule.matches(fan(tier: .silent, region: nil, points: 0, platforms: ["douyin"])))
        let reopened = try #require(SegmentBuilder(rule))
        #expect(reopened.groups[0].rows[0].text == "上海, 北京, 杭州")
        #expect(try reopened.rule() == rule)
    }

    @Test func problemsAreNamedByGroupRowAndField() {
        let builder = SegmentBuilder(
            join: .all,
            groups: [
                Group(rows: [Row(field: "points", op: "gte", text: "many"), Row(field: "region", op: "gt", text: "上海")]),
                Group(rows: [Row(field: "", op: "eq"), Row(field: "activity_tier", op: "eq"), Row(field: "level", op: "between", text: "3")]),
                Group(rows: []),
            ])
        do {
            _ = try builder.rule()
            Issue.record("accepted")
        } catch {
            #expect(
                error.issues.map(\.field) == [
                    "group[0].row[0].value", "group[0].row[1].op", "group[1].row[0].field", "group[1].row[1].value", "group[1].row[2].upper",
                    "group[2]",
                ])
            #expect(error.issues[1].message.contains("eq, ne, in, not_in"))
        }
        #expect(throws: ValidationErrors("group[0].row[0].value", .betweenOrder(low: "9", high: "2"))) {
            try SegmentBuilder(groups: [Group(rows: [Row(field: "points", op: "between", text: "9", upper: "2")])]).rule()
        }
    }

    @Test func rulesTheBuilderCannotShowStayJSON() throws {
        let negated = SegmentRule.not(.condition(SegmentCondition("points", .gt, .number(1))))
        #expect(SegmentBuilder(negated) == nil)
        let deep = SegmentRule.all([.any([.all([.condition(SegmentCondition("points", .gt, .number(1)))])])])
        #expect(SegmentBuilder(deep) == nil)
        // A bare condition and a mix of conditions and groups do open.
        let single = try #require(SegmentBuilder(.condition(SegmentCondition("consent_marketing", .eq, .bool(true)))))
        #expect(single.groups == [Group(join: .all, rows: [Row(field: "consent_marketing", op: "eq", choices: ["true"])])])
        #expect(try single.rule() == .all([.condition(SegmentCondition("consent_marketing", .eq, .bool(true)))]))
        let mixed = try #require(
            SegmentBuilder(
                .any([.condition(SegmentCondition("points", .gt, .number(1))), .all([.condition(SegmentCondition("level", .gte, .number(2)))])])))
        #expect(mixed.join == .any && mixed.groups.count == 2)
    }

    @Test func choicesComeFromTheCore() throws {
        #expect(SegmentBuilder.choices(for: try #require(SegmentRule.field(named: "activity_tier"))) == ["silent", "potential", "active", "core"])
        #expect(SegmentBuilder.choices(for: try #require(SegmentRule.field(named: "platform")))?.contains("weibo") == true)
        #expect(SegmentBuilder.choices(for: try #require(SegmentRule.field(named: "consent_marketing"))) == ["true", "false"])
        #expect(SegmentBuilder.choices(for: try #require(SegmentRule.field(named: "region"))) == nil)
    }
}
