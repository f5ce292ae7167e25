import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Experiments whose arms are posts alternated by time or account (issue
/// 21): planned with every bad field named (another workspace's post
/// refused), read out from the posts' stored numbers, and always marked a
/// quasi-experiment without a sample-ratio check.
@Suite struct ExperimentPostArmsTests {
    struct Lab {
        var t: TestApp
        var token: String
        var ws: Workspace
        var account: SocialAccount
        var api: String { "/api/v1/workspaces/\(ws.slug)" }

        static func make(_ t: TestApp, email: String = "posts-lab@example.com", name: String = "PostLab") async throws -> Lab {
            let (_, token, ws) = try await t.makeWorkspaceAdmin(email, workspace: name)
            let account = try await MetricImportTests.account(t, ws)
            return Lab(t: t, token: token, ws: ws, account: account)
        }

        /// A published post with one variant and its latest stored totals.
        func post(_ title: String, impressions: Int?, engagements: Int?, linkClicks: Int? = nil) async throws -> String {
            let now = Date()
            let post = Post()
            post.$workspace.id = ws.id!
            post.title = title
            post.body = title + "的正文"
            (post.pillar, post.format, post.pool, post.tagsJSON, post.reviewJSON) = ("", "article", "", "[]", "{}")
            post.status = Post.Status.published.rawValue
            (post.version, post.createdAt, post.updatedAt) = (1, now, now)
            try await post.create(on: t.db)
            let variant = PostVariant()
            variant.$workspace.id = ws.id!
            variant.$post.id = post.id!
            variant.$account.id = account.id!
            (variant.platform, variant.text, variant.tagsJSON) = (account.platform, post.body, "[]")
            (variant.state, variant.attempts, variant.publishedAt, variant.updatedAt) = (VariantProgress.published.rawValue, 1, now, now)
            try await variant.create(on: t.db)
            if impressions != nil || engagements != nil {
                // An older day first: the read-out takes the latest day's totals.
                for (day, share) in [("2026-01-01", 2), ("2026-01-02", 1)] {
                    try await MetricHistoryService.writePost(
                        workspaceID: ws.id!, variantID: variant.id!, accountID: account.id!, day: day,
                        .init(
                            totals: [
                                "impressions": impressions.map { $0 / share }, "engagements": engagements.map { $0 / share },
                                "link_clicks": linkClicks.map { $0 / share },
                            ], completion: nil, platformValues: nil, takenAt: now, source: "snapshot"),
                        on: t.db)
                }
            }
            return post.id!.uuidString.lowercased()
        }

        func create(_ arms: [[String: Any]], _ extra: [String: Any] = [:]) async throws -> Reply {
            var body: [String: Any] = [
                "name": "标题轮换", "hypothesis": "问句标题互动更多", "varies": "title", "assignment": "alternation", "arms": arms,
            ]
            body.merge(extra) { $1 }
            return try await t.api(.POST, api + "/experiments", token: token, json: body)
        }
    }

    @Test(arguments: TestDatabase.available)
    func planningPostArmsNamesEveryBadFieldAndRefusesOtherWorkspacesPosts(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t)
            let other = try await Lab.make(t, email: "other-lab@example.com", name: "Other")
            let mine = try await lab.post("陈述句标题", impressions: 100, engagements: 5)
            let theirs = try await other.post("别人的标题", impressions: 100, engagements: 5)
            let bad = try await lab.create(
                [
                    ["name": "A", "post_ids": [mine]], ["name": "B", "post_ids": [theirs, "not-an-id", mine]],
                    ["name": "C"],
                ], ["metric": "conversion"])
            #expect(bad.status == .unprocessableEntity)
            #expect(
                Set(bad.problemFields) == ["metric", "arms[1].post_ids[0]", "arms[1].post_ids[1]", "arms[1].post_ids[2]", "arms[2].post_ids"],
                "\(bad.body)")
            // Randomising by audience needs an account that sends to groups of fans, named with its own reason.
            let audience = try await lab.create([["name": "A", "post_ids": [mine]], ["name": "B", "post_ids": [mine]]], ["assignment": "audience"])
            let errors = try #require(audience.json["errors"] as? [[String: Any]])
            #expect(errors.contains { $0["field"] as? String == "account_id" && $0["code"] as? String == "experiment_audience" }, "\(audience.body)")
            // A link arm may name at most one post (the one its page promotes).
            let link = try #require(
                try await t.api(
                    .POST, lab.api + "/links", token: lab.token, json: ["destination": "https://shop.example.com/a", "campaign": "spring"]
                )
                .json["id"] as? String)
            let twoPosts = try await lab.create(
                [
                    ["name": "A", "destination": "https://shop.example.com/a", "post_ids": [mine, theirs]],
                    ["name": "B", "destination": "https://shop.example.com/b"],
                ], ["assignment": "link", "link_id": link])
            #expect(Set(twoPosts.problemFields) == ["arms[0].post_ids"], "\(twoPosts.body)")
            let experiments = try await Experiment.query(on: t.db).count()
            let armRows = try await ExperimentArm.query(on: t.db).count()
            #expect(experiments == 0 && armRows == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func postArmsReadOutFromStoredNumbersAsAQuasiExperiment(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t)
            let monday = try await lab.post("周一：陈述句", impressions: 4_000, engagements: 120, linkClicks: 40)
            let wednesday = try await lab.post("周三：陈述句", impressions: 6_000, engagements: 180, linkClicks: 60)
            let tuesday = try await lab.post("周二：问句", impressions: 5_000, engagements: 250, linkClicks: 90)
            let made = try await lab.create([
                ["name": "陈述句", "post_ids": [monday, wednesday]], ["name": "问句", "post_ids": [tuesday]],
            ])
            #expect(made.status == .created, "\(made.body)")
            #expect(made.json["assignment"] as? String == "alternation" && made.json["randomised"] as? Bool == false)
            #expect(made.json["link_id"] == nil && made.json["metric"] as? String == "engagement_rate")
            let id = try #require(made.json["id"] as? String)
            let arms = try #require(made.json["arms"] as? [[String: Any]])
            #expect((arms[0]["post_ids"] as? [String])?.count == 2)
            #expect(try await t.api(.POST, lab.api + "/experiments/\(id)/start", token: lab.token).json["state"] as? String == "running")

            let readout = try await t.api(.GET, lab.api + "/experiments/\(id)/readout", token: lab.token)
            #expect(readout.json["quasi_experiment"] as? Bool == true && readout.json["srm_applies"] as? Bool == false, "\(readout.body)")
            #expect(readout.json["srm_p_value"] == nil && readout.json["srm_warning"] as? Bool == false)
            #expect((readout.json["warning"] as? String)?.contains("Quasi-experiment") == true)
            let rows = try #require(readout.json["arms"] as? [[String: Any]])
            // The latest day's totals, summed over the arm's posts.
            #expect(rows.map { $0["visitors"] as? Int } == [10_000, 5_000] && rows.map { $0["converted"] as? Int } == [300, 250], "\(rows)")
            let comparison = try #require((readout.json["comparisons"] as? [[String: Any]])?.first)
            let bayes = try #require((comparison["relative"] as? [String: Any])?["bayesian"] as? [String: Any])
            let expected = ExperimentStatistics.readout(
                control: .binomial(users: 10_000, conversions: 300), variant: .binomial(users: 5_000, conversions: 250), weights: [1, 1],
                inverse: false)
            guard case .success(let r) = expected.relative.bayesian else {
                Issue.record("no read-out")
                return
            }
            #expect(abs((bayes["chance_to_win"] as? Double ?? 0) - r.chanceToWin) < 1e-12)
            // Planned from the workspace's published posts: 15,000 impressions over three posts, 550 engagements.
            let plan = try await t.api(.GET, lab.api + "/experiments/\(id)/power", token: lab.token)
            #expect(plan.json["basis"] as? String == "posts" && plan.json["history_posts"] as? Int == 3, "\(plan.body)")
            #expect(plan.json["impressions_per_post"] as? Double == 5_000 && plan.json["posts_per_arm"] as? Int == 1)
            #expect(abs((plan.json["baseline"] as? Double ?? 0) - 550.0 / 15_000) < 1e-12)
            let rounds = PowerPlan(baseline: .binomial(rate: 550.0 / 15_000), unitsPerDay: 10_000, weights: [1, 1])
            #expect(plan.json["mde_posts"] as? Double == rounds.minimumDetectableEffect(days: 1))
            #expect(plan.json["posts_for10_percent"] as? Int == rounds.daysNeeded(effect: 0.1))
            #expect((plan.json["posts_for10_percent"] as? Int ?? 0) > 1)

            // The pages say it is a quasi-experiment, in both languages, and name the posts.
            let page = "/w/\(lab.ws.slug)/experiments/\(id)"
            let en = Browser(t)
            #expect(try await en.signIn("posts-lab@example.com").status == .seeOther)
            let english = try await en.get(page)
            #expect(
                english.body.contains("id=\"quasi\"") && english.body.contains("quasi-experiment") && english.body.contains("No sample-ratio check"))
            #expect(english.body.contains("周一：陈述句") && english.body.contains("Impressions") && !english.body.contains("id=\"srm-ok\""))
            let zhUser = try await t.makeUser("zh-posts@example.com", locale: "zh-Hans")
            try await t.addMember(zhUser, to: lab.ws, as: .manager)
            let zh = Browser(t)
            zh.acceptLanguage = "zh-Hans"
            #expect(try await zh.signIn("zh-posts@example.com").status == .seeOther)
            let chinese = try await zh.get(page)
            #expect(chinese.body.contains("准实验") && chinese.body.contains("不做样本比例失衡检验") && chinese.body.contains("曝光"))

            // Ending keeps the read-out as it stood, though the numbers move on.
            let winner = try #require(arms[1]["id"] as? String)
            let ended = try await t.api(
                .POST, lab.api + "/experiments/\(id)/end", token: lab.token, json: ["winner_arm_id": winner, "decision": "问句互动更多"])
            #expect(ended.json["state"] as? String == "finished", "\(ended.body)")
            _ = try await lab.post("周四：问句", impressions: 1, engagements: 1)
            let kept = try await t.api(.GET, lab.api + "/experiments/\(id)/readout", token: lab.token)
            #expect((kept.json["arms"] as? [[String: Any]])?.map { $0["visitors"] as? Int } == [10_000, 5_000])
            #expect(kept.json["quasi_experiment"] as? Bool == true)

            // The winner's post is a hit (爆款) in the library, with what the experiment found.
            let hits = try #require(try await t.api(.GET, lab.api + "/hits", token: lab.token).json["items"] as? [[String: Any]])
            #expect(
                hits.count == 1 && (hits[0]["post_id"] as? String)?.lowercased() == tuesday
                    && (hits[0]["experiment_id"] as? String)?.lowercased() == id.lowercased(), "\(hits)")
            #expect(abs((hits[0]["chance_to_win"] as? Double ?? 0) - r.chanceToWin) < 1e-12 && hits[0]["quasi_experiment"] as? Bool == true)
            #expect(abs((hits[0]["uplift"] as? Double ?? 0) - r.expected) < 1e-12)
            let library = try await zh.get("/w/\(lab.ws.slug)/library/hits")
            #expect(
                library.status == .ok && library.body.contains("爆款") && library.body.contains("周二：问句") && library.body.contains(page.lowercased()))
            #expect(try await zh.get("/w/\(lab.ws.slug)/library").body.contains("id=\"hits-tab\""))
            let marked = try await AuditEvent.query(on: t.db).filter(\.$action == "library.hit_marked").count()
            #expect(marked == 1)
            // The user removes it (audited); the experiment keeps its decision.
            let hitID = try #require(hits[0]["id"] as? String)
            #expect(try await t.api(.DELETE, lab.api + "/hits/\(hitID)", token: lab.token).status == .noContent)
            #expect(try await t.api(.DELETE, lab.api + "/hits/\(hitID)", token: lab.token).status == .notFound)
            #expect(try await ContentHit.query(on: t.db).count() == 0)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "library.hit_removed").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theFormSaysHowArmsAreAssignedAndPlansPostArms(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t)
            let a = try await lab.post("甲标题", impressions: 10, engagements: 1)
            let b = try await lab.post("乙标题", impressions: 10, engagements: 2)
            let zhUser = try await t.makeUser("zh-form@example.com", locale: "zh-Hans")
            try await t.addMember(zhUser, to: lab.ws, as: .manager)
            let browser = Browser(t)
            browser.acceptLanguage = "zh-Hans"
            #expect(try await browser.signIn("zh-form@example.com").status == .seeOther)
            let base = "/w/\(lab.ws.slug)/experiments"
            let form = try await browser.get(base)
            // The workspace has posts but no link: the form is there and says each way of assigning arms.
            #expect(form.body.contains("id=\"assignment-note\"") && form.body.contains("按时间或账号轮换") && form.body.contains("准实验"))
            #expect(form.body.contains("按受众随机分组") && form.body.contains("name=\"arm0_post_ids\""))
            let refused = try await browser.post(
                base,
                [
                    ("name", "轮换"), ("hypothesis", "乙更好"), ("varies", "title"), ("assignment", "alternation"), ("arm0_name", "甲"),
                    ("arm0_post_ids", a), ("arm1_name", "乙"),
                ])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("id=\"arm1_post_ids-error\""), "\(refused.body)")
            let saved = try await browser.post(
                base,
                [
                    ("name", "轮换"), ("hypothesis", "乙更好"), ("varies", "title"), ("assignment", "alternation"), ("metric", "engagement_rate"),
                    ("arm0_name", "甲"), ("arm0_post_ids", a), ("arm1_name", "乙"), ("arm1_post_ids", b),
                ])
            #expect(saved.status == .seeOther)
            let arms = try await ExperimentArm.query(on: t.db).sort(\.$position).all()
            #expect(arms.map { $0.postIDs.map { $0.uuidString.lowercased() } } == [[a], [b]] && arms.allSatisfy { $0.destination.isEmpty })
            #expect(ExperimentsPage.formField("arms[1].post_ids[0]") == "arm1_post_ids")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLinkWinnerNamingAPostMarksItAHitAndOneNamingNoneDoesNot(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t)
            let promoted = try await lab.post("问句落地页的推文", impressions: nil, engagements: nil)
            var ids: [String] = []
            for n in 0..<2 {
                let link = try #require(
                    try await t.api(
                        .POST, lab.api + "/links", token: lab.token, json: ["destination": "https://shop.example.com/a", "campaign": "c\(n)"]
                    ).json["id"] as? String)
                let made = try await lab.create(
                    [
                        ["name": "A", "destination": "https://shop.example.com/a"],
                        ["name": "B", "destination": "https://shop.example.com/b", "post_ids": n == 0 ? [promoted] : []],
                    ], ["assignment": "link", "link_id": link, "name": "链接\(n)"])
                #expect(made.status == .created, "\(made.body)")
                let id = try #require(made.json["id"] as? String)
                let winner = try #require((made.json["arms"] as? [[String: Any]])?[1]["id"] as? String)
                #expect(try await t.api(.POST, lab.api + "/experiments/\(id)/start", token: lab.token).status == .ok)
                #expect(try await t.api(.POST, lab.api + "/experiments/\(id)/end", token: lab.token, json: ["winner_arm_id": winner]).status == .ok)
                ids.append(id)
            }
            let hits = try await ContentHit.query(on: t.db).all()
            #expect(
                hits.map { $0.postID.uuidString.lowercased() } == [promoted]
                    && hits.map { $0.experimentID.uuidString.lowercased() } == [ids[0].lowercased()])
            #expect(hits.first?.quasiExperiment == false)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theListReadsAllArmsInOneQuery(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t)
            let a = try await lab.post("甲", impressions: nil, engagements: nil)
            let b = try await lab.post("乙", impressions: nil, engagements: nil)
            for n in 0..<3 {
                #expect(
                    try await lab.create([["name": "甲", "post_ids": [a]], ["name": "乙", "post_ids": [b]]], ["name": "轮换\(n)"]).status == .created)
            }
            let list = try await t.api(.GET, lab.api + "/experiments", token: lab.token)
            let items = try #require(list.json["items"] as? [[String: Any]])
            #expect(items.count == 3 && items.allSatisfy { ($0["arms"] as? [[String: Any]])?.count == 2 })
            let experiments = try await Experiment.query(on: t.db).all()
            let grouped = try await ExperimentService(db: t.db).arms(of: experiments)
            #expect(grouped.count == 3 && grouped.values.allSatisfy { $0.map(\.position) == [0, 1] })
        }
    }
}
