import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Campaigns through the API and the pages (issue 22 scope 1): templates
/// scheduled backwards with the buffer, the board's colours from late
/// tasks, loops refused by name, RACI, CSV, and the Chinese page with its
/// Gantt.
@Suite struct CampaignsTests {
    static func today(in ws: Workspace) -> String { MetricDay.of(Date(), in: ws.zone) }

    static func tasks(_ json: [String: Any]) -> [[String: Any]] { json["tasks"] as? [[String: Any]] ?? [] }

    static func task(_ json: [String: Any], named name: String) -> [String: Any]? { tasks(json).first { $0["name"] as? String == name } }

    @Test(arguments: TestDatabase.available)
    func aTemplateIsScheduledBackwardsAndTheBoardReadsLateTasks(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/campaigns"
            let today = Self.today(in: ws)
            // Launch in 30 days: nothing is due yet.
            let launch = MetricDay.adding(30, to: today)
            let created = try await t.api(
                .POST, base, token: token,
                json: ["name": "Spring launch", "template": "warm_up_burst_sustain", "launch_day": launch, "buffer_days": 7])
            #expect(created.status == .created, "\(created.body)")
            let json = created.json
            #expect(json["status"] as? String == "green")
            #expect(Self.tasks(json).count == CampaignTemplate.warmUpBurstSustain.tasks.count)
            // The last task before the launch ends 8 days before it (7 days of buffer); the warm-up starts on it.
            let schedule = try #require(Self.task(json, named: "Schedule the posts"))
            #expect(schedule["end_day"] as? String == MetricDay.adding(-8, to: launch))
            #expect(Self.task(json, named: "Teaser posts")?["start_day"] as? String == launch)
            #expect(Self.task(json, named: "Launch posts")?["start_day"] as? String == MetricDay.adding(3, to: launch))
            #expect(Self.task(json, named: "Collect and share fans' posts")?["start_day"] as? String == MetricDay.adding(8, to: launch))
            // The critical chain before the launch: brief → produce → review → schedule.
            let critical = Set(Self.tasks(json).filter { $0["critical"] as? Bool == true }.compactMap { $0["name"] as? String })
            #expect(
                critical.isSuperset(of: ["Creative brief and plan", "Produce the content", "Review and approve the content", "Schedule the posts"]))
            #expect(!critical.contains("Book creators (KOL)"))
            // The creator is Accountable for every task.
            let people = try #require(schedule["people"] as? [[String: Any]])
            #expect(
                people.count == 1 && people.first?["role"] as? String == "accountable" && people.first?["user_id"] as? String == admin.id!.uuidString)

            // Move the launch to 5 days from now: the work before it was due
            // 2 days ago at the latest, so the board is amber, not red (the
            // buffer still holds).
            let id = try #require(json["id"] as? String)
            let moved = try await t.api(
                .PUT, base + "/\(id)", token: token, json: ["name": "Spring launch", "launch_day": MetricDay.adding(5, to: today), "buffer_days": 7])
            #expect(moved.status == .ok, "\(moved.body)")
            #expect(moved.json["status"] as? String == "amber")
            let reasons = try #require(moved.json["reasons"] as? [[String: Any]])
            #expect(reasons.allSatisfy { $0["code"] as? String == "task_overdue" } && !reasons.isEmpty)
            let late = Set(reasons.compactMap { $0["task_id"] as? String })
            // Done, the late tasks no longer count.
            for taskID in late {
                let done = try await t.api(.PUT, base + "/\(id)/tasks/\(taskID)", token: token, json: ["done": true])
                #expect(done.status == .ok, "\(done.body)")
            }
            #expect(try await t.api(.GET, base + "/\(id)", token: token).json["status"] as? String == "green")
            // Launch today with work still open before it: red.
            let open = try #require(Self.task(json, named: "Schedule the posts")?["id"] as? String)
            _ = try await t.api(.PUT, base + "/\(id)/tasks/\(open)", token: token, json: ["done": false])
            let red = try await t.api(.PUT, base + "/\(id)", token: token, json: ["name": "Spring launch", "launch_day": today, "buffer_days": 7])
            #expect(red.json["status"] as? String == "red")
            #expect((red.json["reasons"] as? [[String: Any]])?.contains { $0["code"] as? String == "launch_at_risk" } == true)
            // Closed, the board no longer reads it.
            let closed = try await t.api(.POST, base + "/\(id)/close", token: token)
            #expect(closed.json["state"] as? String == "closed" && closed.json["status"] as? String == "green")
        }
    }

    @Test(arguments: TestDatabase.available)
    func loopsAndBadInputAreRefusedByName(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (_, _, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let stranger = try await t.makeUser("stranger@example.com")
            _ = try await t.addMember(stranger, to: other, as: .editor)
            let base = "/api/v1/workspaces/\(ws.slug)/campaigns"
            let bad = try await t.api(
                .POST, base, token: token, json: ["name": "", "template": "big_bang", "launch_day": "2027-02-30", "buffer_days": 100])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["name", "template", "launch_day", "buffer_days"])
            #expect(try await Campaign.query(on: t.db).count() == 0)

            let created = try await t.api(
                .POST, base, token: token, json: ["name": "Launch", "template": "prepare_execute_review", "launch_day": "2027-03-01"])
            let id = try #require(created.json["id"] as? String)
            let research = try #require(Self.task(created.json, named: "Market and audience research")?["id"] as? String)
            let brief = try #require(Self.task(created.json, named: "Creative brief and plan")?["id"] as? String)
            let publish = try #require(Self.task(created.json, named: "Publish and answer fans")?["id"] as? String)
            let before = (created.json["dependencies"] as? [[String: Any]])?.count ?? 0

            // brief waits for research; research waiting for brief closes a loop.
            let loop = try await t.api(.POST, base + "/\(id)/dependencies", token: token, json: ["predecessor_id": brief, "successor_id": research])
            #expect(loop.status == .unprocessableEntity && loop.problemFields == ["predecessor_id"])
            #expect(
                loop.body.contains("campaign_loop") && loop.body.contains("Market and audience research")
                    && loop.body.contains("Creative brief and plan"))
            // Work before the launch waiting for work after it: a loop through the launch.
            let through = try await t.api(
                .POST, base + "/\(id)/dependencies", token: token, json: ["predecessor_id": publish, "successor_id": research])
            #expect(through.status == .unprocessableEntity && through.body.contains("campaign_loop_through_launch"))
            // Twice, itself, a bad kind or lag: each named.
            let twice = try await t.api(.POST, base + "/\(id)/dependencies", token: token, json: ["predecessor_id": research, "successor_id": brief])
            #expect(twice.status == .unprocessableEntity && twice.body.contains("campaign_dependency_exists"))
            let odd = try await t.api(
                .POST, base + "/\(id)/dependencies", token: token,
                json: ["predecessor_id": research, "successor_id": research, "kind": "xx", "lag_days": 999])
            #expect(Set(odd.problemFields) == ["successor_id", "kind", "lag_days"])
            let after = try await t.api(.GET, base + "/\(id)", token: token)
            #expect((after.json["dependencies"] as? [[String: Any]])?.count == before)

            // A lag moves the successor; removing the dependency frees it.
            let phaseAfter = try #require(
                (created.json["phases"] as? [[String: Any]])?.first { $0["before_launch"] as? Bool == false }?["id"] as? String)
            let extra = try await t.api(
                .POST, base + "/\(id)/tasks", token: token, json: ["name": "Live stream", "phase_id": phaseAfter, "duration_days": 1])
            #expect(extra.status == .created, "\(extra.body)")
            let live = try #require(extra.json["id"] as? String)
            #expect(extra.json["start_day"] as? String == "2027-03-01")
            let link = try await t.api(
                .POST, base + "/\(id)/dependencies", token: token,
                json: ["predecessor_id": publish, "successor_id": live, "kind": "ss", "lag_days": 3])
            #expect(link.status == .created, "\(link.body)")
            let moved = try await t.api(.GET, base + "/\(id)", token: token)
            #expect(Self.task(moved.json, named: "Live stream")?["start_day"] as? String == "2027-03-04")
            #expect(
                try await t.api(.DELETE, base + "/\(id)/dependencies/\(try #require(link.json["id"] as? String))", token: token).status == .noContent)

            // RACI: one Accountable; people from this workspace only.
            let lead = try #require(try await User.query(on: t.db).filter(\.$email == "lead@example.com").first()?.id?.uuidString)
            let second = try await t.makeUser("second@example.com")
            _ = try await t.addMember(second, to: ws, as: .editor)
            let two = try await t.api(
                .PUT, base + "/\(id)/tasks/\(live)", token: token,
                json: ["people": [["user_id": lead, "role": "accountable"], ["user_id": second.id!.uuidString, "role": "accountable"]]])
            #expect(two.status == .unprocessableEntity && two.body.contains("campaign_one_accountable"))
            let outsider = try await t.api(
                .PUT, base + "/\(id)/tasks/\(live)", token: token, json: ["people": [["user_id": stranger.id!.uuidString, "role": "consulted"]]])
            #expect(outsider.status == .unprocessableEntity && outsider.body.contains("workspace_member"))
            let raci = try await t.api(
                .PUT, base + "/\(id)/tasks/\(live)", token: token,
                json: ["people": [["user_id": lead, "role": "responsible"], ["user_id": lead, "role": "informed"]]])
            #expect((raci.json["people"] as? [[String: Any]])?.count == 2)
            let long = try await t.api(.PUT, base + "/\(id)/tasks/\(live)", token: token, json: ["duration_days": 400])
            #expect(long.problemFields == ["duration_days"])

            // CSV: the list and the tasks, cells guarded against formulas.
            let csv = try await t.api(.GET, base + "/\(id)/tasks?format=csv", token: token)
            #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
            #expect(csv.body.hasPrefix("task_id,phase,name,duration_days,start_day,end_day,total_float_days,critical,done,responsible"))
            #expect(csv.body.contains("Live stream"))
            let list = try await t.api(.GET, base + "?format=csv", token: token)
            #expect(list.body.contains("Launch") && list.body.contains("2027-03-01"))
            #expect(try await t.api(.GET, base + "?format=xml", token: token).problemFields == ["format"])

            // Deleting the campaign removes its tasks and dependencies.
            #expect(try await t.api(.DELETE, base + "/\(id)", token: token).status == .noContent)
            #expect(try await CampaignTask.query(on: t.db).count() == 0)
            #expect(try await CampaignDependency.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoDependenciesThatCloseALoopTogetherCannotBothLand(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/campaigns"
            let created = try await t.api(.POST, base, token: token, json: ["name": "Launch", "template": "custom", "launch_day": "2027-03-01"])
            let id = try #require(created.json["id"] as? String)
            let phase = try #require((created.json["phases"] as? [[String: Any]])?.first?["id"] as? String)
            var ids: [String] = []
            for name in ["A", "B"] {
                ids.append(
                    try #require(
                        try await t.api(.POST, base + "/\(id)/tasks", token: token, json: ["name": name, "phase_id": phase, "duration_days": 2]).json[
                            "id"]
                            as? String))
            }
            async let one = t.api(.POST, base + "/\(id)/dependencies", token: token, json: ["predecessor_id": ids[0], "successor_id": ids[1]])
            async let two = t.api(.POST, base + "/\(id)/dependencies", token: token, json: ["predecessor_id": ids[1], "successor_id": ids[0]])
            let statuses = [try await one.status, try await two.status]
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(try await CampaignDependency.query(on: t.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePagesPlanACampaignInChinese(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Brand")
            let zhUser = try await t.makeUser("zh-lead@example.com", locale: "zh-Hans")
            _ = try await t.addMember(zhUser, to: ws, as: .manager)
            let browser = Browser(t)
            #expect(try await browser.signIn("zh-lead@example.com").status == .seeOther)
            let base = "/w/\(ws.slug)"
            let empty = try await browser.get(base + "/campaigns")
            #expect(empty.status == .ok && empty.body.contains("id=\"campaigns-empty\"") && empty.body.contains("\(base)/campaigns/new"))
            _ = try await browser.get(base + "/campaigns/new")
            let refused = try await browser.post(
                base + "/campaigns", [("name", ""), ("template", "warm_up_burst_sustain"), ("launch_day", "明天"), ("buffer_days", "x")])
            #expect(refused.status == .unprocessableEntity)
            #expect(
                refused.body.contains("id=\"name-error\"") && refused.body.contains("id=\"launch_day-error\"")
                    && refused.body.contains("id=\"buffer_days-error\""))
            let launch = MetricDay.adding(20, to: Self.today(in: ws))
            let made = try await browser.post(
                base + "/campaigns", [("name", "双十一大促"), ("template", "warm_up_burst_sustain"), ("launch_day", launch), ("buffer_days", "7")])
            #expect(made.status == .seeOther, "\(made.body)")
            let path = try #require(made.headers.first(name: .location))
            let page = try await browser.get(path)
            #expect(page.status == .ok)
            #expect(page.body.contains("双十一大促") && page.body.contains("预热内容") && page.body.contains("内容审核") && page.body.contains("今日看板"))
            #expect(page.body.contains("class=\"chart chart-gantt\"") && page.body.contains("gantt-bar critical") && page.body.contains("gantt-band"))
            #expect(page.body.contains("gantt-link") && page.body.contains("缓冲期（7 天）"))
            // "AB" (AB 测试) and "OpenAPI" are the shell's, allowed by the language test.
            let shell: Set<String> = ["AB", "OpenAPI"]
            let latin = VisibleText.latinWords(page.body).filter { !shell.contains($0) }
            #expect(latin.isEmpty, "\(latin)")

            // A loop typed on the page is refused next to the field, in Chinese.
            let campaign = try #require(try await Campaign.query(on: t.db).first())
            let tasks = try await CampaignTask.query(on: t.db).filter(\.$campaignID == campaign.id!).all()
            let brief = try #require(tasks.first { $0.name == "创意简报与方案" }?.id?.uuidString.lowercased())
            let produce = try #require(tasks.first { $0.name == "制作内容" }?.id?.uuidString.lowercased())
            let loop = try await browser.post(
                path + "/dependencies", [("predecessor_id", produce), ("successor_id", brief), ("kind", "fs"), ("lag_days", "0")])
            #expect(loop.status == .unprocessableEntity, "\(loop.status)")
            #expect(
                loop.body.contains("id=\"predecessor_id-error\"") && loop.body.contains("会形成循环"),
                "\(loop.body.components(separatedBy: "dependency-form").last?.prefix(1500) ?? "")")
            // A task marked done on the page.
            let done = try await browser.post(path + "/tasks/\(brief)/done", [("done", "true")])
            #expect(done.status == .seeOther)
            #expect(try await CampaignTask.find(UUID(uuidString: brief), on: t.db)?.doneAt != nil)
            // A task added with its people.
            let phase = try #require(
                try await CampaignPhase.query(on: t.db).filter(\.$campaignID == campaign.id!).first()?.id?.uuidString.lowercased())
            let added = try await browser.post(
                path + "/tasks",
                [
                    ("name", "直播彩排"), ("phase_id", phase), ("duration_days", "2"), ("responsible", zhUser.id!.uuidString.lowercased()),
                    ("accountable", ""),
                    ("consulted", ""), ("informed", ""),
                ])
            #expect(added.status == .seeOther)
            let again = try await browser.get(path)
            #expect(again.body.contains("直播彩排") && again.body.contains("负责："))
            let list = try await browser.get(base + "/campaigns")
            #expect(list.body.contains("双十一大促") && list.body.contains("campaign-status"))
            #expect(VisibleText.latinWords(list.body).filter { !shell.contains($0) }.isEmpty, "\(VisibleText.latinWords(list.body))")
        }
    }

    @Test(arguments: TestDatabase.available)
    func postsBelongToACampaignByReference(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            let account = try #require(
                try await t.api(.POST, api + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"]).json["id"] as? String)
            let spring = try #require(
                try await t.api(.POST, api + "/campaigns", token: token, json: ["name": "Spring", "template": "custom", "launch_day": "2027-03-01"])
                    .json["id"]
                    as? String)
            let byID = try await t.api(
                .POST, api + "/posts", token: token, json: ["body": "Hello spring", "account_ids": [account], "campaign_id": spring])
            #expect(byID.status == .created, "\(byID.body)")
            #expect(
                byID.json["campaign_id"] as? String == spring.uppercased()
                    || (byID.json["campaign_id"] as? String)?.lowercased() == spring.lowercased())
            #expect(byID.json["campaign"] as? String == "Spring")
            // Named only (the older field, a CSV import): the campaign of that name, started when missing.
            let byName = try await t.api(
                .POST, api + "/posts", token: token, json: ["body": "Hello autumn", "account_ids": [account], "campaign": "Autumn"])
            #expect(byName.status == .created)
            let autumn = try #require(try await Campaign.query(on: t.db).filter(\.$name == "Autumn").first())
            #expect((byName.json["campaign_id"] as? String)?.lowercased() == autumn.id!.uuidString.lowercased())
            #expect(try await CampaignPhase.query(on: t.db).filter(\.$campaignID == autumn.id!).count() == 2)
            let again = try await t.api(
                .POST, api + "/posts", token: token, json: ["body": "More autumn", "account_ids": [account], "campaign": "Autumn"])
            #expect((again.json["campaign_id"] as? String)?.lowercased() == autumn.id!.uuidString.lowercased())
            #expect(try await Campaign.query(on: t.db).count() == 2)
            // A refused post starts no campaign.
            let refused = try await t.api(.POST, api + "/posts", token: token, json: ["body": "", "account_ids": [account], "campaign": "Winter"])
            #expect(refused.status == .unprocessableEntity)
            #expect(try await Campaign.query(on: t.db).count() == 2)
            let bogus = try await t.api(
                .POST, api + "/posts", token: token, json: ["body": "x", "account_ids": [account], "campaign_id": UUID().uuidString])
            #expect(bogus.problemFields == ["campaign_id"])

            // Renamed, its posts carry the new name; deleted, they belong to none.
            _ = try await t.api(.PUT, api + "/campaigns/\(spring)", token: token, json: ["name": "Spring 2027", "launch_day": "2027-03-01"])
            #expect(try await Post.query(on: t.db).filter(\.$campaignID == UUID(uuidString: spring)!).first()?.campaign == "Spring 2027")
            #expect(try await t.api(.DELETE, api + "/campaigns/\(autumn.id!.uuidString)", token: token).status == .noContent)
            #expect(try await Post.query(on: t.db).filter(\.$campaign == "Autumn").count() == 0)

            // The migration: names typed before campaigns existed become campaigns.
            try await Post.query(on: t.db).set(\.$campaignID, to: nil).set(\.$campaign, to: "Legacy 618").update()
            try await Campaign.query(on: t.db).delete()
            try await AddCampaignReferences.backfill(on: t.db as! any SQLDatabase)
            let legacy = try #require(try await Campaign.query(on: t.db).filter(\.$name == "Legacy 618").first())
            #expect(try await Campaign.query(on: t.db).count() == 1)
            #expect(try await Post.query(on: t.db).filter(\.$campaignID == legacy.id!).count() == 3)
            #expect(legacy.launchDay == MetricDay.of(Date(), in: ws.zone) && legacy.template == "custom")
            let phases = try await CampaignPhase.query(on: t.db).filter(\.$campaignID == legacy.id!).sort(\.$position).all()
            #expect(phases.map(\.name) == ["准备", "执行"] && phases.map(\.beforeLaunch) == [true, false])
            let page = try await t.api(.GET, api + "/campaigns/\(legacy.id!.uuidString)", token: token)
            #expect(page.status == .ok && page.json["template"] as? String == "custom")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theBoardReadsTheCampaignsBudget(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            let today = Self.today(in: ws)
            let id = try #require(
                try await t.api(
                    .POST, api + "/campaigns", token: token,
                    json: ["name": "Launch", "template": "custom", "launch_day": MetricDay.adding(30, to: today)]
                ).json["id"] as? String)
            #expect(try await t.api(.GET, api + "/campaigns/\(id)", token: token).json["status"] as? String == "green")
            let bogus = try await t.api(
                .POST, api + "/budget/lines", token: token,
                json: [
                    "name": "KOL", "category": "variable", "month": String(today.prefix(7)), "planned_fen": 10_000, "campaign_id": UUID().uuidString,
                ])
            #expect(bogus.problemFields == ["campaign_id"])
            let line = try await t.api(
                .POST, api + "/budget/lines", token: token,
                json: ["name": "KOL", "category": "variable", "month": String(today.prefix(7)), "planned_fen": 10_000, "campaign_id": id])
            #expect(line.status == .created, "\(line.body)")
            #expect(line.json["campaign"] as? String == "Launch")
            let lineID = try #require(line.json["id"] as? String)
            let spend = try await t.api(
                .POST, api + "/budget/spend", token: token, json: ["line_id": lineID, "amount_fen": 11_000, "spent_on": today])
            #expect(spend.status == .created, "\(spend.body)")
            let board = try await t.api(.GET, api + "/campaigns/\(id)", token: token)
            #expect(board.json["status"] as? String == "red")
            #expect((board.json["reasons"] as? [[String: Any]])?.contains { $0["code"] as? String == "over_budget" } == true)

            // The campaign's page lists its budget lines (plan, approved spend, use) and the register's risks linked to it.
            let risk = try await t.api(
                .POST, api + "/risks", token: token,
                json: [
                    "title": "Creator misses the date", "category": "operational", "probability": 4, "impact_brand": 3, "impact_users": 2,
                    "impact_business": 5, "campaign_id": id,
                ])
            #expect(risk.status == .created, "\(risk.body)")
            _ = try await t.api(
                .POST, api + "/risks", token: token,
                json: ["title": "Unlinked", "category": "content", "probability": 1, "impact_brand": 1, "impact_users": 1, "impact_business": 1])
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/campaigns/\(id)")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"campaign-budget-table\"") && page.body.contains("data-line=\"\(lineID.lowercased())\""), "\(page.body)")
            #expect(page.body.contains("<td class=\"num\" id=\"campaign-budget-used\">110%</td>"), "\(page.body)")
            #expect(page.body.contains("Creator misses the date") && !page.body.contains("Unlinked"))
            #expect(page.body.contains("data-level=\"high\""), "score 4 × 5 = 20 is high")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aNewCampaignsPageSaysWhereRisksAndBudgetLinesComeFrom(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let id = try #require(
                try await t.api(
                    .POST, "/api/v1/workspaces/\(ws.slug)/campaigns", token: token,
                    json: ["name": "Launch", "template": "custom", "launch_day": MetricDay.adding(30, to: Self.today(in: ws))]
                ).json["id"] as? String)
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/campaigns/\(id)")
            #expect(page.body.contains("No risk of the register is linked to this campaign yet"), "\(page.body)")
            #expect(page.body.contains("No budget line belongs to this campaign yet"))
        }
    }

    @Test func theGanttDrawsTheCriticalPathBufferAndToday() {
        let launch = "2027-03-01"
        let phase = UUID()
        let a = UUID()
        let b = UUID()
        let dto = CampaignDTO(
            id: UUID(), name: "Launch", template: "custom", launchDay: launch, bufferDays: 7, goalId: nil, platforms: [], ownerId: nil,
            state: "planning",
            closedAt: nil, createdAt: Date(), startDay: "2027-02-14", endDay: "2027-03-03", status: "amber",
            reasons: [CampaignDTO.Reason(code: "task_overdue", colour: "amber", taskId: a, days: 2)], today: "2027-02-25",
            phases: [CampaignDTO.Phase(id: phase, name: "准备", beforeLaunch: true, checklist: [])],
            tasks: [
                CampaignDTO.TaskEntry(
                    id: a, phaseId: phase, name: "写方案", durationDays: 5, startDay: "2027-02-14", endDay: "2027-02-18", totalFloatDays: 0,
                    critical: true,
                    done: false, doneAt: nil, people: []),
                CampaignDTO.TaskEntry(
                    id: b, phaseId: phase, name: "发布", durationDays: 3, startDay: "2027-03-01", endDay: "2027-03-03", totalFloatDays: 2,
                    critical: false,
                    done: true, doneAt: Date(), people: []),
            ],
            dependencies: [CampaignDTO.Dependency(id: UUID(), predecessorId: a, successorId: b, kind: "fs", lagDays: 0)], criticalPath: [a])
        let model = CampaignsPage.ShowModel(
            base: "/w/lab", workspaceSlug: "lab", campaign: dto, names: [:], goalTitle: nil, members: [], canPlan: true)
        let html = CampaignsPage.showView(model, ListeningTests.ctx(.zhHans)).description
        // Task names are typed text (kept from translation), so they sit in their own span.
        #expect(html.contains("写方案</span>已逾期 2 天。"))
        #expect(html.contains("class=\"gantt-bar critical\"") && html.contains("class=\"gantt-bar done\""))
        #expect(html.contains("gantt-marker launch") && html.contains("gantt-marker today") && html.contains("缓冲期（7 天）"))
        #expect(html.contains("data-from=\"\(a.uuidString.lowercased())\" data-to=\"\(b.uuidString.lowercased())\""))
        #expect(html.contains("写方案</span>完成后，<span translate=\"no\">发布</span>开始"))
        #expect(html.contains("id=\"board-status\"") && html.contains("有延误"))
        let en = CampaignsPage.showView(model, ListeningTests.ctx(.en)).description
        #expect(en.contains("写方案</span> is 2 days late.") && en.contains("Slipping"))
    }
}
