import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The knowledge base (issue 22 scope 2; docs/knowledge.md): campaigns'
/// post-mortems and incident reviews found together in Chinese and
/// English on SQLite and PostgreSQL, filtered by kind, tag, platform and
/// year; bad parameters named; a rewritten document found by its new words
/// only; a deleted campaign's post-mortem gone.
@Suite struct KnowledgeTests {
    static func titles(_ json: [String: Any]) -> [String] {
        (json["items"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
    }

    /// A closed campaign with its post-mortem's lessons and tags; its id.
    static func closedCampaign(
        _ t: TestApp, api: String, token: String, name: String, launch: String, platforms: [String], lessons: String, tags: [String]
    ) async throws -> String {
        let id = try #require(
            try await t.api(
                .POST, api + "/campaigns", token: token, json: ["name": name, "template": "custom", "launch_day": launch, "platforms": platforms]
            ).json["id"] as? String)
        let closed = try await t.api(.POST, api + "/campaigns/\(id)/close", token: token)
        #expect(closed.status == .ok, "\(closed.body)")
        let saved = try await t.api(.PUT, api + "/campaigns/\(id)/post-mortem", token: token, json: ["lessons": lessons, "tags": tags])
        #expect(saved.status == .ok, "\(saved.body)")
        return id
    }

    @Test(arguments: TestDatabase.available)
    func postMortemsAndIncidentReviewsAreFoundTogether(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            let eleven = try await Self.closedCampaign(
                t, api: api, token: token, name: "双十一大促", launch: "2025-11-11", platforms: ["weibo", "douyin"],
                lessons: "达人合作带来一半的新增粉丝；预算超支主要来自信息流投放。Creators brought half of the new fans.", tags: ["达人", "大促"])
            _ = try await Self.closedCampaign(
                t, api: api, token: token, name: "Spring launch", launch: "2026-03-01", platforms: ["mastodon"],
                lessons: "The live stream converted best; book the studio a month ahead.", tags: ["live"])
            let incident = try #require(
                try await t.api(.POST, api + "/incidents", token: token, json: ["title": "发货延迟舆情", "severity": "orange"]).json["id"] as? String)
            let review = try await t.api(
                .PUT, api + "/incidents/\(incident)/review", token: token,
                json: ["title": "发货延迟复盘", "body": "仓库系统升级导致发货延迟；提前在微博发布说明可以减少投诉。Budget for overtime."])
            #expect(review.status == .ok, "\(review.body)")

            // Chinese by two characters, by a longer word inside a longer run, and English by whole words.
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=达人", token: token).json) == ["双十一大促"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=预算超支", token: token).json) == ["双十一大促"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=发货", token: token).json) == ["发货延迟复盘"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=STREAM", token: token).json) == ["Spring launch"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=overtime", token: token).json) == ["发货延迟复盘"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=Creators", token: token).json) == ["双十一大促"])
            // Every word must be found; characters that are not together do not make a word.
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=达人 stream", token: token).json).isEmpty)
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=人预", token: token).json).isEmpty)
            // A lone character is left out and said so; FTS syntax is only text.
            let lone = try await t.api(.GET, api + "/knowledge?q=热", token: token)
            #expect(lone.status == .ok && Self.titles(lone.json).isEmpty && lone.json["dropped_single_characters"] as? Bool == true)
            let syntax = try await t.api(.GET, api + "/knowledge?q=%22live%22%20OR%20*%20NEAR(", token: token)
            #expect(syntax.status == .ok, "\(syntax.body)")
            // The excerpt stands where the word is.
            let hit = try #require((try await t.api(.GET, api + "/knowledge?q=信息流", token: token).json["items"] as? [[String: Any]])?.first)
            #expect((hit["excerpt"] as? String)?.contains("信息流投放") == true && hit["kind"] as? String == "post_mortem")
            #expect(hit["source_id"] as? String == eleven && hit["year"] as? Int == 2025)

            // Filters: kind, tag, platform, year; nothing asked lists the newest.
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?kind=incident_review", token: token).json) == ["发货延迟复盘"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?tag=大促", token: token).json) == ["双十一大促"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?platform=mastodon", token: token).json) == ["Spring launch"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?year=2025", token: token).json) == ["双十一大促"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge", token: token).json).count == 3)

            // Bad parameters, each named.
            #expect(try await t.api(.GET, api + "/knowledge?year=abc", token: token).problemFields == ["year"])
            #expect(try await t.api(.GET, api + "/knowledge?kind=wiki&limit=0", token: token).problemFields.sorted() == ["kind", "limit"])
            #expect(try await t.api(.GET, api + "/knowledge?q=" + String(repeating: "a", count: 201), token: token).problemFields == ["q"])

            // Rewritten, a document is found by its new words only.
            _ = try await t.api(
                .PUT, api + "/campaigns/\(eleven)/post-mortem", token: token, json: ["summary": "重写的总结", "lessons": "直播间转化最好"])
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=达人", token: token).json).isEmpty)
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=直播间", token: token).json) == ["双十一大促"])
            // A deleted campaign takes its post-mortem out of the knowledge base.
            #expect(try await t.api(.DELETE, api + "/campaigns/\(eleven)", token: token).status == .noContent)
            #expect(Self.titles(try await t.api(.GET, api + "/knowledge?q=直播间", token: token).json).isEmpty)
            #expect(try await KnowledgeDocument.query(on: t.db).count() == 2)
            #expect(try await CampaignPostMortem.query(on: t.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func closingDraftsThePostMortemFromTheNumbers(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            let today = MetricDay.of(Date(), in: ws.zone)
            let id = try #require(
                try await t.api(
                    .POST, api + "/campaigns", token: token,
                    json: ["name": "Launch", "template": "prepare_execute_review", "launch_day": MetricDay.adding(-40, to: today)]
                ).json["id"] as? String)
            // Running, it has none and cannot be written.
            #expect(try await t.api(.GET, api + "/campaigns/\(id)/post-mortem", token: token).status == .notFound)
            #expect(try await t.api(.PUT, api + "/campaigns/\(id)/post-mortem", token: token, json: ["lessons": "x"]).status == .conflict)
            let line = try await t.api(
                .POST, api + "/budget/lines", token: token,
                json: ["name": "KOL", "category": "variable", "month": String(today.prefix(7)), "planned_fen": 10_000, "campaign_id": id])
            let lineID = try #require(line.json["id"] as? String)
            _ = try await t.api(.POST, api + "/budget/spend", token: token, json: ["line_id": lineID, "amount_fen": 8_000, "spent_on": today])
            // Two closes at once draft one post-mortem.
            async let one = t.api(.POST, api + "/campaigns/\(id)/close", token: token)
            async let two = t.api(.POST, api + "/campaigns/\(id)/close", token: token)
            #expect([try await one.status, try await two.status] == [.ok, .ok])
            #expect(try await CampaignPostMortem.query(on: t.db).count() == 1)
            let drafted = try await t.api(.GET, api + "/campaigns/\(id)/post-mortem", token: token)
            #expect(drafted.status == .ok, "\(drafted.body)")
            let figures = try #require(drafted.json["figures"] as? [String: Any])
            // Every task of the template was due long ago and none was done: all late.
            #expect(figures["tasks"] as? Int == CampaignTemplate.prepareExecuteReview.tasks.count)
            #expect(figures["tasks_late"] as? Int == CampaignTemplate.prepareExecuteReview.tasks.count)
            #expect(figures["planned_fen"] as? Int == 10_000 && figures["spent_fen"] as? Int == 8_000)
            let summary = try #require(drafted.json["summary"] as? String)
            // Drafted in the closer's language, each section from the numbers.
            #expect(summary.hasPrefix("【") && summary.contains("80%") && summary.components(separatedBy: "【").count == 5, "\(summary)")
            // Bad input named; nothing half-written.
            let bad = try await t.api(
                .PUT, api + "/campaigns/\(id)/post-mortem", token: token,
                json: ["summary": "", "tags": Array(repeating: "t", count: 11)])
            #expect(bad.problemFields.sorted() == ["summary", "tags"], "\(bad.body)")
            let badTag = try await t.api(.PUT, api + "/campaigns/\(id)/post-mortem", token: token, json: ["tags": ["ok", "a,b"]])
            #expect(badTag.problemFields == ["tags[1]"])
            #expect(try await t.api(.GET, api + "/campaigns/\(id)/post-mortem", token: token).json["summary"] as? String == summary)

            // The pages: the campaign links its post-mortem; the page shows the numbers and saves the lessons in Chinese.
            let zhUser = try await t.makeUser("zh-lead@example.com", locale: "zh-Hans")
            _ = try await t.addMember(zhUser, to: ws, as: .manager)
            let browser = Browser(t)
            #expect(try await browser.signIn("zh-lead@example.com").status == .seeOther)
            let show = try await browser.get("/w/\(ws.slug)/campaigns/\(id)")
            #expect(show.body.contains("id=\"post-mortem-link\"") && show.body.contains("查看复盘"))
            let page = try await browser.get("/w/\(ws.slug)/campaigns/\(id)/post-mortem")
            #expect(page.status == .ok && page.body.contains("id=\"post-mortem-figures\"") && page.body.contains("post-mortem-form"))
            let refused = try await browser.post("/w/\(ws.slug)/campaigns/\(id)/post-mortem", [("summary", ""), ("lessons", "x"), ("tags", "")])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("id=\"summary-error\""))
            let saved = try await browser.post(
                "/w/\(ws.slug)/campaigns/\(id)/post-mortem", [("summary", "总结"), ("lessons", "提前两周锁定达人档期"), ("tags", "达人，大促、 直播")])
            #expect(saved.status == .seeOther)
            let stored = try #require(try await CampaignPostMortem.query(on: t.db).first())
            #expect(stored.lessons == "提前两周锁定达人档期" && stored.tagList == ["达人", "大促", "直播"])
            let knowledge = try await browser.get("/w/\(ws.slug)/knowledge?q=档期")
            #expect(knowledge.status == .ok && knowledge.body.contains("class=\"knowledge-hit\"") && knowledge.body.contains("活动复盘"))
            #expect(knowledge.body.contains("<mark>档期</mark>"), "the term is marked where it stands")
            let badYear = try await browser.get("/w/\(ws.slug)/knowledge?year=abc")
            #expect(badYear.status == .ok && badYear.body.contains("year-error"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func anEmptyKnowledgeBaseSaysHowItFills(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/knowledge")
            #expect(page.status == .ok && page.body.contains("id=\"knowledge-empty\""))
        }
    }

    @Test func theExcerptMarksEachTermAndEscapesTheRest() {
        let marked = KnowledgePage.highlighted("<b>预算</b> Budget 预算超支", terms: ["预算", "budget"]).rendered
        #expect(marked == "&lt;b&gt;<mark>预算</mark>&lt;/b&gt; <mark>Budget</mark> <mark>预算</mark>超支", "\(marked)")
        #expect(KnowledgePage.highlighted("a<b", terms: []).rendered == "a&lt;b")
    }
}
