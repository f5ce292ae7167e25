import FanfareCore
import Fluent
import Foundation
import Testing

@testable import FanfareServer

/// The segment builder on the page (issue 19 scope 7): rows and groups
/// posted as plain form fields, counted without and with JavaScript, saved
/// and opened again for editing.
@Suite struct SegmentBuilderPageTests {
    /// 小雨 in 上海 with 6 points, 阿杰 in 北京 with 2, 小林 without a region with 4.
    func room(_ t: TestApp) async throws -> (InboxRoom, Browser) {
        let room = try await InboxRoom.make(t)
        for n in 1...3 { try await room.fan("小雨", "第\(n)条") }
        try await room.fan("阿杰", "hello")
        for n in 1...2 { try await room.fan("小林", "hi \(n)") }
        try await room.engage()
        try await room.profile("小雨", ["region": "上海"])
        try await room.profile("阿杰", ["region": "北京"])
        let browser = Browser(t)
        #expect(try await browser.signIn("inbox@example.com").status == .seeOther)
        return (room, browser)
    }

    /// (region = 上海 AND points ≥ 1) OR (points between 3 and 5): 小雨 and 小林.
    static let twoGroups: [(String, String)] = [
        ("name", "上海或中等积分"), ("join", "any"),
        ("g0.join", "all"), ("g0.r0.field", "region"), ("g0.r0.op", "eq"), ("g0.r0.value", "上海"),
        ("g0.r1.field", "points"), ("g0.r1.op", "gte"), ("g0.r1.value", "1"),
        ("g1.join", "all"), ("g1.r0.field", "points"), ("g1.r0.op", "between"), ("g1.r0.value", "3"), ("g1.r0.upper", "5"),
    ]

    @Test(arguments: TestDatabase.available)
    func aTwoGroupRuleIsCountedAndSavedFromThePlainForm(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (room, browser) = try await room(t)
            let page = "/w/\(room.ws.slug)/segments"
            let list = try await browser.get(page)
            #expect(list.status == .ok)
            #expect(list.body.contains("name=\"g0.r0.field\"") && list.body.contains("/static/segments.js"))

            let counted = try await browser.post(page, Self.twoGroups + [("action", "count")])
            #expect(counted.status == .ok, "\(counted.body)")
            #expect(counted.body.contains("2 fans match"), "the count")
            #expect(counted.body.contains("value=\"上海\""), "what was typed stays")

            let saved = try await browser.post(page, Self.twoGroups + [("action", "save")])
            #expect(saved.status == .seeOther, "\(saved.body)")
            let segment = try #require(try await Segment.query(on: t.db).filter(\.$name == "上海或中等积分").first())
            #expect(
                segment.rule
                    == .any([
                        .all([
                            .condition(SegmentCondition("region", .eq, .string("上海"))), .condition(SegmentCondition("points", .gte, .number(1))),
                        ]),
                        .all([.condition(SegmentCondition("points", .between, .list([.number(3), .number(5)])))]),
                    ]))
            let shown = try await browser.get(try #require(saved.headers.first(name: .location)))
            #expect(shown.body.contains("2 fans match") && shown.body.contains("id=\"edit-segment\""))

            // Opened for editing, the builder shows both groups; changed and saved, the same segment follows.
            let id = segment.id!.uuidString.lowercased()
            let editing = try await browser.get("\(page)?edit=\(id)")
            #expect(editing.body.contains("name=\"g1.r0.upper\" class=\"row-upper\" value=\"5\""), "the second group's bound")
            #expect(editing.body.contains("action=\"\(page)/\(id)\""))
            var changed = Self.twoGroups
            changed[changed.firstIndex { $0.0 == "g1.r0.upper" }!] = ("g1.r0.upper", "4")
            let updated = try await browser.post("\(page)/\(id)", changed + [("action", "save")])
            #expect(updated.status == .seeOther, "\(updated.body)")
            #expect(try await Segment.query(on: t.db).count() == 1)
            #expect(try await Segment.find(segment.id, on: t.db)?.ruleJSON.contains("[3,4]") == true)
            let again = try await browser.get(try #require(updated.headers.first(name: .location)))
            #expect(again.body.contains("2 fans match"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func anIncompleteRowIsNamedAndTheShapeButtonsWorkWithoutJavaScript(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (room, browser) = try await room(t)
            browser.acceptLanguage = "zh-Hans"
            try await User.query(on: t.db).filter(\.$email == "inbox@example.com").set(\.$locale, to: "zh-Hans").update()
            let page = "/w/\(room.ws.slug)/segments"
            _ = try await browser.get(page)
            let broken: [(String, String)] = [
                ("name", "坏规则"), ("join", "all"), ("g0.join", "all"), ("g0.r0.field", "points"), ("g0.r0.op", "gte"), ("g0.r0.value", "很多"),
                ("g0.r1.field", "region"), ("g0.r1.op", "eq"), ("g0.r1.value", ""),
            ]
            let refused = try await browser.post(page, broken + [("action", "save")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("第 1 组第 1 个条件 · 值：须为数字"), "\(refused.body)")
            #expect(refused.body.contains("第 1 组第 2 个条件 · 值：必填"))
            #expect(try await Segment.query(on: t.db).count() == 0)

            let added = try await browser.post(page, broken + [("action", "add_row.0")])
            #expect(added.status == .ok && added.body.contains("name=\"g0.r2.field\""))
            let grouped = try await browser.post(page, broken + [("action", "add_group")])
            #expect(grouped.body.contains("name=\"g1.r0.field\"") && grouped.body.contains("第 2 组"))
            let removed = try await browser.post(page, broken + [("action", "remove_row.0.0")])
            #expect(!removed.body.contains("name=\"g0.r1.field\"") && removed.body.contains("name=\"g0.r0.field\""))
        }
    }

    @Test(arguments: TestDatabase.available)
    func theLiveCountAnswersJSONAndNamesTheIncompleteRow(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (room, browser) = try await room(t)
            let count = "/w/\(room.ws.slug)/segments/count"
            _ = try await browser.get("/w/\(room.ws.slug)/segments")
            let counted = try await browser.post(count, Self.twoGroups)
            #expect(counted.status == .ok)
            #expect(counted.json["fans"] as? Int == 2 && counted.json["text"] as? String == "2 fans match")
            let incomplete = try await browser.post(count, [("g0.r0.field", "points"), ("g0.r0.op", "between"), ("g0.r0.value", "3")])
            #expect(incomplete.status == .unprocessableEntity)
            #expect(incomplete.headers.contentType?.subType == "problem+json")
            #expect(incomplete.problemFields == ["group[0].row[0].upper"])
            #expect((incomplete.json["title"] as? String)?.contains("Group 1, condition 1 · upper bound") == true, "\(incomplete.body)")
            // Without the page's token it is refused like any other form.
            #expect(try await browser.post(count, Self.twoGroups, csrf: false).status == .forbidden)
        }
    }
}
