import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Goals' pages (issue 21 scope 7): the list, a goal's page, the forms and
/// the overview's card; views without a database, pages through the app.
@Suite struct GoalsPagesTests {
    static func goal(
        _ title: String, metric: String = "followers_net", unit: String = "count", kind: String = "cumulative", state: GoalState = .onTrack,
        target: Double = 150_000, actual: Double? = 60_000, fraction: Double? = 0.4, shortfall: Double? = 0.1
    ) -> GoalDTO {
        let tracked = !metric.hasPrefix("untracked:")
        let progress = GoalProgress(
            asOf: "2026-02-15", state: state, target: target, baseline: nil, actual: actual, fraction: fraction, expected: 70_000,
            projected: 135_000, method: .runRate, shortfall: shortfall)
        return GoalDTO(
            id: UUID(), objectiveId: nil, title: title, metric: metric, kind: kind, unit: unit, tracked: tracked, target: target,
            targetMode: "absolute", direction: "at_least", startDay: "2026-01-01", deadline: "2026-03-31", ownerId: nil, platform: nil,
            accountIds: [], monthWeights: nil, templateKey: nil,
            progress: tracked
                ? ProgressDTO(progress, tolerance: 0.2)
                : ProgressDTO(
                    GoalProgress(
                        asOf: "2026-02-15", state: .untracked, target: nil, baseline: nil, actual: nil, fraction: nil, expected: nil, projected: nil,
                        method: .trend, shortfall: nil), tolerance: 0.2),
            path: nil, actualLine: nil, quarters: nil, months: nil, createdAt: Date(), updatedAt: Date())
    }

    @Test func theListShowsBarsStatesAndNumbersInBothLanguages() {
        let owner = UUID()
        var growth = Self.goal("粉丝增长")
        growth.ownerId = owner
        let pillars = Self.goal("建立内容板块", metric: "untracked:content_pillars", kind: "level", state: .untracked, target: 3)
        let rate = Self.goal(
            "评论率", metric: "comments/impressions", unit: "ratio", kind: "level", state: .offTrack, target: 0.1, actual: 0.042, fraction: 0.42,
            shortfall: 0.35)
        let objective = ObjectiveDTO(
            id: UUID(), title: "第一阶段", phase: "foundation", startDay: "2026-01-01", deadline: "2026-03-31", ownerId: owner, fraction: 0.41,
            state: "off_track", keyResults: [growth, rate, pillars], createdAt: Date(), updatedAt: Date())
        let model = GoalsPage.ListModel(
            base: "/w/lab", objectives: [objective], goals: [], owners: [owner: "王经理"], tolerance: 0.2, canEdit: true)
        let zh = GoalsPage.listView(model, ListeningTests.ctx(.zhHans)).description
        #expect(zh.contains("进展正常") && zh.contains("偏离目标") && zh.contains("未跟踪") && zh.contains("评论率（评论数 / 曝光量）"))
        // Counts by 万, rates as percents; the untracked goal has no bar.
        #expect(zh.contains("6万") && zh.contains("15万") && zh.contains("4.2%") && zh.contains("10%"))
        #expect(zh.components(separatedBy: "role=\"progressbar\"").count - 1 == 3, "two key results and the objective")
        #expect(zh.contains("aria-valuenow=\"40\"") && zh.contains("王经理") && zh.contains("id=\"tolerance-form\""))
        #expect(zh.contains("关键结果 3 / 6"))
        let en = GoalsPage.listView(model, ListeningTests.ctx(.en)).description
        #expect(en.contains("On track") && en.contains("Off track") && en.contains("Not tracked") && en.contains("60K"))
        // Empty: says what to do next; a reader who may not plan is told whom to ask.
        let empty = GoalsPage.ListModel(base: "/w/lab", objectives: [], goals: [], owners: [:], tolerance: 0.2, canEdit: true)
        let none = GoalsPage.listView(empty, ListeningTests.ctx(.zhHans)).description
        #expect(none.contains("id=\"goals-empty\"") && none.contains("/w/lab/goals/template") && none.contains("从三阶段规划开始"))
        var reader = empty
        reader.canEdit = false
        let read = GoalsPage.listView(reader, ListeningTests.ctx(.zhHans)).description
        #expect(read.contains("请管理员或经理来制定目标") && !read.contains("/goals/new") && !read.contains("tolerance-form"))
    }

    @Test func theGoalPageDrawsTheActualAgainstThePathAndExplainsTheRule() {
        var goal = Self.goal("粉丝增长", state: .offTrack, shortfall: 0.3)
        goal.path = [PointDTO(day: "2026-01-01", value: 1_667), PointDTO(day: "2026-03-31", value: 150_000)]
        goal.actualLine = [
            PointDTO(day: "2026-01-01", value: 1_000), PointDTO(day: "2026-01-31", value: 30_000), PointDTO(day: "2026-02-15", value: 60_000),
        ]
        goal.quarters = [PeriodTargetDTO(period: "2026-Q1", from: "2026-01-01", to: "2026-03-31", target: 150_000, toDate: 150_000)]
        goal.months = [
            PeriodTargetDTO(period: "2026-01", from: "2026-01-01", to: "2026-01-31", target: 51_667, toDate: 51_667),
            PeriodTargetDTO(period: "2026-02", from: "2026-02-01", to: "2026-02-28", target: 46_667, toDate: 98_333),
            PeriodTargetDTO(period: "2026-03", from: "2026-03-01", to: "2026-03-31", target: 51_667, toDate: 150_000),
        ]
        let model = GoalsPage.ShowModel(base: "/w/lab", goal: goal, owner: "王经理", objective: nil, accounts: ["品牌号"], canEdit: true)
        let zh = GoalsPage.showView(model, ListeningTests.ctx(.zhHans)).description
        #expect(zh.contains("id=\"goal-chart\"") && zh.contains("目标路径") && zh.contains("2026年第1季度") && zh.contains("2026年2月"))
        #expect(zh.contains("比目标差 30%") && zh.contains("超过了 20% 的容差"))
        // What February itself added (60,000 − 30,000) and the total by then.
        let february = String(zh[zh.range(of: "data-period=\"2026-02\"")!.lowerBound...].prefix(400))
        #expect(february.contains("3万") && february.contains("6万"), "\(february)")
        #expect(zh.contains("id=\"delete-goal\"") && zh.contains("品牌号"))
        let en = GoalsPage.showView(model, ListeningTests.ctx(.en)).description
        #expect(en.contains("Q1 2026") && en.contains("Feb 2026") && en.contains("30% short of the target"))
        // An untracked goal: no chart, no numbers, said why.
        let untracked = Self.goal("投入产出比", metric: "untracked:roi", kind: "level", state: .untracked, target: 3)
        let page = GoalsPage.showView(
            GoalsPage.ShowModel(base: "/w/lab", goal: untracked, owner: nil, objective: nil, accounts: [], canEdit: false),
            ListeningTests.ctx(.zhHans)
        ).description
        #expect(page.contains("id=\"goal-untracked\"") && !page.contains("id=\"goal-chart\"") && !page.contains("delete-goal"))
        #expect(GoalsPage.templateField("items.roi.target") == "target_roi" && GoalsPage.templateField("start_day") == "start_day")
        #expect(GoalsPages.number("150,000") == 150_000 && GoalsPages.number("abc") == nil && GoalsPages.number("") == nil)
    }

    @Test func everyMetricOfTheChooserIsAGoalMetricWithWordsInBothLanguages() {
        for code in GoalsPage.metricChoices {
            #expect(GoalMetric(code: code) != nil, "\(code)")
            let zh = I18n.text(GoalsPage.metricKey(code), .zhHans)
            #expect(zh != GoalsPage.metricKey(code) && zh.range(of: "[A-Za-z]", options: .regularExpression) == nil, "\(code): \(zh)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theFormsWriteGoalsTheTemplateAndTheOverviewShowsThem(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let zhUser = try await t.makeUser("zh-lead@example.com", locale: "zh-Hans")
            _ = try await t.addMember(zhUser, to: ws, as: .manager)
            let viewer = try await t.makeUser("viewer@example.com")
            _ = try await t.addMember(viewer, to: ws, as: .viewer)
            let browser = Browser(t)
            #expect(try await browser.signIn("zh-lead@example.com").status == .seeOther)
            let base = "/w/\(ws.slug)"
            let empty = try await browser.get(base + "/goals")
            #expect(empty.status == .ok && empty.body.contains("id=\"goals-empty\""))
            let overviewEmpty = try await browser.get(base)
            #expect(overviewEmpty.body.contains("id=\"overview-goals-empty\"") && overviewEmpty.body.contains("\(base)/goals/template"))

            // The template: a target that is not a number is named by its field; nothing is written.
            let form = try await browser.get(base + "/goals/template")
            #expect(form.status == .ok && form.body.contains("id=\"template-form\"") && form.body.contains("粉丝月均增长 5 万"))
            var fields: [(String, String)] = [("start_day", "2026-01-01")]
            for item in ThreePhasePlan.items {
                if item.key != "roi" { fields.append(("include_\(item.key)", "true")) }
                fields.append(("target_\(item.key)", item.key == "comment_rate" ? "abc" : Goal.text(item.target)))
            }
            let refused = try await browser.post(base + "/goals/template", fields)
            #expect(refused.status == .unprocessableEntity && refused.body.contains("id=\"target_comment_rate-error\""))
            // Unticked stays unticked when the form comes back.
            #expect(!refused.body.contains("id=\"include_roi\" name=\"include_roi\" value=\"true\" checked"))
            #expect(try await Goal.query(on: t.db).count() == 0)
            // A share above 1 is refused by the goal rules, next to the item.
            let ratio = fields.map { $0.0 == "target_comment_rate" ? ($0.0, "10") : $0 }
            let tooBig = try await browser.post(base + "/goals/template", ratio)
            #expect(tooBig.status == .unprocessableEntity && tooBig.body.contains("id=\"target_comment_rate-error\""))
            let good = fields.map { $0.0 == "target_comment_rate" ? ($0.0, "0.12") : $0 }
            let applied = try await browser.post(base + "/goals/template", good)
            #expect(applied.status == .seeOther, "\(applied.body)")
            let written = try await Goal.query(on: t.db).all()
            #expect(written.count == ThreePhasePlan.items.count - 1 && !written.contains { $0.templateKey == "roi" })
            #expect(written.first { $0.templateKey == "comment_rate" }?.target == 0.12)
            #expect(try await GoalObjective.query(on: t.db).all().map(\.title).contains("第一阶段（第 1–3 个月）：用户基础建设"))
            let list = try await browser.get(base + "/goals")
            #expect(list.body.contains("粉丝月均增长 5 万") && list.body.contains("未跟踪") && list.body.contains("class=\"card objective\""))
            let overview = try await browser.get(base)
            #expect(overview.body.contains("id=\"overview-goals-list\"") && overview.body.contains("第一阶段"))
            #expect(overview.body.components(separatedBy: "class=\"goal-item\"").count - 1 == 3)

            // A goal: every wrong field named next to it.
            _ = try await browser.get(base + "/goals/new")
            let bad = try await browser.post(
                base + "/goals",
                [("title", ""), ("metric", "followers"), ("target", "many"), ("start_day", "2026-05-01"), ("deadline", "2026-04-01")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("id=\"title-error\"") && bad.body.contains("id=\"target-error\"") && bad.body.contains("须为数字"))
            let objectiveID = try #require(try await GoalObjective.query(on: t.db).first()?.id)
            let fourth = try await browser.post(
                base + "/goals",
                [
                    ("title", "第四个"), ("metric", "likes"), ("target", "100"), ("start_day", "2026-01-01"), ("deadline", "2026-03-31"),
                    ("objective_id", objectiveID.uuidString.lowercased()),
                ])
            // The first phase holds two tracked and one untracked result: a fourth fits, so this one is written.
            #expect(fourth.status == .seeOther)
            let saved = try await browser.post(
                base + "/goals",
                [
                    ("title", "曝光一百万"), ("metric", "impressions"), ("target", "1,000,000"), ("target_mode", "absolute"), ("direction", "at_least"),
                    ("start_day", "2026-01-01"), ("deadline", "2026-12-31"), ("owner_id", zhUser.id!.uuidString.lowercased()),
                ])
            #expect(saved.status == .seeOther)
            let page = try #require(saved.headers.first(name: .location))
            let shown = try await browser.get(page)
            #expect(
                shown.status == .ok && shown.body.contains("id=\"goal-facts\"") && shown.body.contains("id=\"quarters\"")
                    && shown.body.contains("100万"))
            let goalID = String(page.split(separator: "/").last!)
            // The off-track notification's link, as a workspace page.
            #expect(try await browser.get(base + "/goals/\(goalID)").status == .ok)
            let edit = try await browser.get(page + "/edit")
            #expect(edit.body.contains("value=\"1000000\""))
            let changed = try await browser.post(
                page,
                [("title", "曝光两百万"), ("metric", "impressions"), ("target", "2000000"), ("start_day", "2026-01-01"), ("deadline", "2026-12-31")])
            #expect(changed.status == .seeOther)
            #expect(try await Goal.find(UUID(uuidString: goalID), on: t.db)?.target == 2_000_000)
            // Month weights: a word among them, or too few for the year's twelve months, named next to the field; nothing changes.
            let goalFields: [(String, String)] = [
                ("title", "曝光两百万"), ("metric", "impressions"), ("target", "2000000"), ("start_day", "2026-01-01"), ("deadline", "2026-12-31"),
            ]
            let notNumbers = try await browser.post(page, goalFields + [("month_weights", "1, 2, 很多")])
            #expect(
                notNumbers.status == .unprocessableEntity && notNumbers.body.contains("id=\"month_weights-error\"")
                    && notNumbers.body.contains("须为数字"))
            let tooFew = try await browser.post(page, goalFields + [("month_weights", "1，2，3")])
            #expect(tooFew.status == .unprocessableEntity && tooFew.body.contains("id=\"month_weights-error\""))
            #expect(try await Goal.find(UUID(uuidString: goalID), on: t.db)?.monthWeights == nil)
            let weighted = try await browser.post(page, goalFields + [("month_weights", "1,1,1,1,1,1,1,1,1,1,2、3")])
            #expect(weighted.status == .seeOther)
            #expect(try await Goal.find(UUID(uuidString: goalID), on: t.db)?.monthWeights == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3])
            #expect(try await browser.get(page + "/edit").body.contains("value=\"1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3\""))

            // The tolerance: out of range is refused next to the field.
            let tolerance = try await browser.post(base + "/goals/settings", [("off_track_tolerance", "2")])
            #expect(tolerance.status == .unprocessableEntity && tolerance.body.contains("id=\"off_track_tolerance-error\""))
            #expect(try await browser.post(base + "/goals/settings", [("off_track_tolerance", "0.3")]).status == .seeOther)
            #expect(try await GoalSettingsStore.tolerance(ws.id!, on: t.db) == 0.3)

            // An objective of its own, refused without a title, then written and removed with its results.
            _ = try await browser.get(base + "/goals/objectives/new")
            let noTitle = try await browser.post(
                base + "/goals/objectives", [("title", ""), ("start_day", "2026-01-01"), ("deadline", "2026-06-30")])
            #expect(noTitle.status == .unprocessableEntity && noTitle.body.contains("id=\"title-error\""))
            #expect(
                try await browser.post(base + "/goals/objectives", [("title", "上半年"), ("start_day", "2026-01-01"), ("deadline", "2026-06-30")]).status
                    == .seeOther)
            let own = try #require(try await GoalObjective.query(on: t.db).filter(\.$title == "上半年").first())
            #expect(try await browser.post(base + "/goals/objectives/\(own.id!.uuidString.lowercased())/delete", []).status == .seeOther)
            #expect(try await GoalObjective.find(own.id, on: t.db) == nil)
            #expect(try await browser.post(page + "/delete", []).status == .seeOther)
            #expect(try await Goal.find(UUID(uuidString: goalID), on: t.db) == nil)

            // A viewer reads the goals but may not plan them.
            let reader = Browser(t)
            #expect(try await reader.signIn("viewer@example.com").status == .seeOther)
            let read = try await reader.get(base + "/goals")
            #expect(read.status == .ok && !read.body.contains("id=\"new-goal\""))
            #expect(try await reader.get(base + "/goals/new").status == .forbidden)
            #expect(try await reader.get(base + "/goals/template").status == .forbidden)
            let count = try await Goal.query(on: t.db).count()
            let attempt = try await reader.post(
                base + "/goals", [("title", "x"), ("metric", "likes"), ("target", "1"), ("start_day", "2026-01-01"), ("deadline", "2026-02-01")])
            #expect(attempt.status == .forbidden)
            #expect(try await Goal.query(on: t.db).count() == count)
        }
    }
}
