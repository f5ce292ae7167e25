import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The content pages as people use them: compose with counters, fix a
/// variant, review, schedule, the calendar and the library. `Browser`
/// fails any page that shows escaped markup.
@Suite struct ContentPagesTests {
    @Test(arguments: TestDatabase.available)
    func aPostGoesFromComposeThroughReviewToTheCalendarInThePages(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let base = "/w/\(room.ws.slug)"
            let weibo = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/accounts", token: room.admin,
                json: ["platform": "sandbox", "handle": "weibo_stand_in", "simulates": "weibo"])
            let weiboID = try #require(weibo.json["id"] as? String)
            #expect(weibo.json["simulates"] as? String == "weibo")
            let author = Browser(t)
            _ = try await author.signIn("author@example.com")
            let compose = try await author.get("\(base)/posts/new")
            #expect(compose.status == .ok && compose.body.contains("id=\"compose-form\"") && compose.body.contains("weibo_stand_in"))
            // The counters' endpoint: Weibo counts the text as too long.
            let long = String(repeating: "春季新品今天上市欢迎光临", count: 15)
            let preview = try await author.postJSON(
                "\(base)/posts/preview", ["body": long, "account_ids": [weiboID, room.accounts[0]]])
            let items = (try JSONSerialization.jsonObject(with: Data(preview.body.utf8))) as? [[String: Any]] ?? []
            let weiboItem = items.first { $0["platform"] as? String == "weibo" }
            #expect((weiboItem?["violations"] as? [[String: Any]])?.contains { $0["rule"] as? String == "text.too_long" } == true, "\(preview.body)")
            #expect(items.first { $0["platform"] as? String == "sandbox" }.flatMap { ($0["violations"] as? [Any])?.isEmpty } == true)
            // Saving with nothing chosen names the fields.
            let empty = try await author.post("\(base)/posts", [("body", "")])
            #expect(empty.status == .unprocessableEntity)
            let saved = try await author.post(
                "\(base)/posts", [("title", "春季新品预告"), ("body", long), ("account_ids[]", weiboID), ("tags", "新品 春季")])
            #expect(saved.status == .seeOther)
            let post = try #require(try await Post.query(on: t.db).first())
            let page = try await author.get("\(base)/posts/\(post.id!.uuidString)")
            #expect(page.body.contains("data-rule=\"text.too_long\""))
            // The offered fix is the adapter's: shortened, the topics kept.
            let offered = try #require(
                page.body.range(of: "name=\"text\" rows=\"5\" data-platform=\"weibo\" translate=\"no\">").map {
                    String(page.body[$0.upperBound...].prefix { $0 != "<" })
                })
            #expect(offered.hasSuffix("#新品# #春季#"), "\(offered)")
            // The author fixes the Weibo variant on the page.
            let variant = try #require(try await PostVariant.query(on: t.db).first())
            _ = try await author.post(
                "\(base)/posts/\(post.id!.uuidString)/variants/\(variant.id!.uuidString)", [("text", "春季新品今天上市！"), ("tags", "")])
            let fixed = try await author.get("\(base)/posts/\(post.id!.uuidString)")
            #expect(!fixed.body.contains("data-rule=\"text.too_long\""))
            _ = try await author.post("\(base)/posts/\(post.id!.uuidString)/submit", [])
            #expect(try await Post.find(post.id, on: t.db)?.status == "in_review")
            // The reviewer sees the decision form and the waiting notice.
            let reviewer = Browser(t)
            _ = try await reviewer.signIn("reviewer@example.com")
            let review = try await reviewer.get("\(base)/posts/\(post.id!.uuidString)")
            #expect(review.body.contains("id=\"review-form\""))
            #expect(review.body.contains("Notifications (1)"))
            let inbox = try await reviewer.get("\(base)/notifications")
            #expect(inbox.body.contains("waits for your review") && inbox.body.contains("href=\"\(base)/posts/\(post.id!.uuidString)\""))
            _ = try await reviewer.post("\(base)/notifications/read", [])
            #expect(!(try await reviewer.get("\(base)/notifications")).body.contains("Notifications (1)"))
            let viaAPI = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/notifications", token: room.reviewer)
            #expect(viaAPI.jsonArray.first?["read_at"] as? String != nil)
            _ = try await reviewer.post("\(base)/posts/\(post.id!.uuidString)/review", [("decision", "approve"), ("comment", "")])
            let lawyer = Browser(t)
            _ = try await lawyer.signIn("legal@example.com")
            try await lawyer.get("\(base)/posts/\(post.id!.uuidString)")
            _ = try await lawyer.post("\(base)/posts/\(post.id!.uuidString)/review", [("decision", "approve"), ("comment", "")])
            #expect(try await Post.find(post.id, on: t.db)?.status == "approved")
            // Scheduled for tomorrow 09:30 in the workspace's time zone.
            let zone = room.ws.zone
            let tomorrow = CalendarDate(Date().addingTimeInterval(86_400), in: zone)
            try await author.get("\(base)/posts/\(post.id!.uuidString)")
            _ = try await author.post("\(base)/posts/\(post.id!.uuidString)/schedule", [("scheduled_at", "\(tomorrow)T09:30")])
            let scheduled = try #require(try await Post.find(post.id, on: t.db))
            #expect(scheduled.status == "scheduled")
            #expect(ScheduleTime.local(scheduled.scheduledAt!, timeZone: zone) == "\(tomorrow)T09:30")
            for view in ["week", "month"] {
                let calendar = try await author.get("\(base)/calendar?view=\(view)&date=\(tomorrow)")
                #expect(calendar.status == .ok && calendar.body.contains("data-post=\"\(post.id!.uuidString)\""), "\(view)")
                #expect(calendar.body.contains("draggable=\"true\""))
            }
            let csv = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/calendar?date=\(tomorrow)&format=csv", token: room.admin)
            #expect(csv.body.hasPrefix("day,time,account") && csv.body.contains("\(tomorrow),09:30,weibo_stand_in"))
            let badView = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/calendar?view=year", token: room.admin)
            #expect(badView.status == .unprocessableEntity && badView.problemFields == ["view"])
            // Reviewers cannot schedule: no form for them.
            let seenByReviewer = try await reviewer.get("\(base)/posts/\(post.id!.uuidString)")
            #expect(!seenByReviewer.body.contains("id=\"schedule-form\""))
        }
    }

    @Test(arguments: TestDatabase.available)
    func theLibraryKeepsTopicsAndTheCopyrightRegisterAndAnUnlicensedAssetCannotBeScheduled(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let base = "/w/\(room.ws.slug)"
            let author = Browser(t)
            _ = try await author.signIn("author@example.com")
            let library = try await author.get("\(base)/library")
            #expect(library.status == .ok && library.body.contains("data-code=\"reserve.low\""))
            _ = try await author.post("\(base)/library/topics", [("title", "双十一预热"), ("notes", ""), ("hot", "1")])
            let badAsset = try await author.post(
                "\(base)/library/assets", [("name", ""), ("kind", "image"), ("location", ""), ("licence", "stolen")])
            #expect(badAsset.status == .unprocessableEntity)
            _ = try await author.post(
                "\(base)/library/assets",
                [("name", "海报"), ("kind", "image"), ("bytes", "2048"), ("location", "s3://brand/poster.jpg"), ("licence", "unknown")])
            let after = try await author.get("\(base)/library")
            #expect(after.body.contains("双十一预热") && after.body.contains("海报"))
            let asset = try #require(try await Asset.query(on: t.db).first())
            let topic = try #require(try await Topic.query(on: t.db).first())
            #expect(topic.hot)
            let id = try await room.create(
                "带图的内容", accounts: [room.accounts[0]], extra: ["asset_ids": [asset.id!.uuidString], "topic_id": topic.id!.uuidString])
            // The automatic check refuses the unknown licence.
            let submitted = try await t.api(.POST, "\(room.posts)/\(id)/submit", token: room.admin)
            #expect((submitted.json["problems"] as? [String])?.contains { $0.hasPrefix("海报") } == true, "\(submitted.body)")
            let listed = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/assets", token: room.admin)
            #expect(listed.items.first?["usable"] as? Bool == false)
        }
    }
}

extension ContentPagesTests {
    /// The work list's filters as the workbench links to them, search,
    /// paging, and bulk actions with an outcome per post.
    @Test(arguments: TestDatabase.available)
    func theListFindsWhatAwaitsMyReviewWhatIsDueTodayAndActsOnSeveralPosts(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let base = "/w/\(room.ws.slug)"
            let editorial = try await room.create("等待编辑审核的内容")
            #expect(try await t.api(.POST, "\(room.posts)/\(editorial)/submit", token: room.admin).status == .ok)
            let legal = try await room.create("等待法务审核的内容")
            _ = try await t.api(.POST, "\(room.posts)/\(legal)/submit", token: room.admin)
            _ = try await t.api(.POST, "\(room.posts)/\(legal)/review", token: room.reviewer, json: ["decision": "approve"])
            let draft = try await room.create("Care guide: keep canvas new")
            let zone = room.ws.zone
            let tomorrow = CalendarDate(Date().addingTimeInterval(86_400), in: zone)
            var scheduled: [String] = []
            for (index, day) in [tomorrow, tomorrow.adding(days: 1)].enumerated() {
                let id = try await room.create("排期内容 \(index)")
                try await room.approve(id)
                let reply = try await t.api(.POST, "\(room.posts)/\(id)/schedule", token: room.admin, json: ["scheduled_at": "\(day) 10:00"])
                #expect(reply.status == .ok, "\(reply.body)")
                scheduled.append(id)
            }

            // Awaiting my review: the current step's approvers only.
            let reviewer = Browser(t)
            _ = try await reviewer.signIn("reviewer@example.com")
            let mine = try await reviewer.get("\(base)/posts?review=mine")
            #expect(mine.status == .ok && mine.body.contains(editorial.uppercased()) && !mine.body.contains(legal.uppercased()))
            #expect(!mine.body.contains(draft.uppercased()) && mine.body.contains("id=\"filter-mine\" aria-current=\"page\""))
            let lawyer = Browser(t)
            _ = try await lawyer.signIn("legal@example.com")
            let legalList = try await lawyer.get("\(base)/posts?review=mine")
            #expect(legalList.body.contains(legal.uppercased()) && !legalList.body.contains(editorial.uppercased()))
            #expect(!legalList.body.contains("bulk-form"), "legal may not edit or schedule: no bulk actions")

            // Due today, in the workspace's time zone: the query at 08:00 on the day.
            let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
            let morning = tomorrow.start(in: zone).addingTimeInterval(8 * 3_600)
            let due = try await PostListPage.query(.init(due: "today"), access: access, actor: "someone", now: morning, on: t.db)
            #expect(due.items.map(\.id.uuidString).map { $0.lowercased() } == [scheduled[0].lowercased()])
            #expect(due.items.first?.accounts.count == 2)
            let failed = try await PostListPage.query(.init(status: "failed"), access: access, actor: "someone", on: t.db)
            #expect(failed.items.isEmpty)

            // Search in title and text; paging keeps the filter.
            let author = Browser(t)
            _ = try await author.signIn("author@example.com")
            let found = try await author.get("\(base)/posts?q=canvas")
            #expect(found.body.contains(draft.uppercased()) && !found.body.contains(editorial.uppercased()))
            let first = try await author.get("\(base)/posts?limit=2")
            #expect(first.body.contains("posts?limit=2&amp;cursor=") && first.body.contains("id=\"posts-next\""))
            let bad = try await author.get("\(base)/posts?review=everyone")
            #expect(bad.status == .unprocessableEntity && bad.body.contains("id=\"filter-errors\""))

            // Bulk: each post gets its own outcome; the role is checked.
            try await author.get("\(base)/posts")
            let bulk = try await author.post(
                "\(base)/posts/bulk",
                [("action", "submit"), ("post_ids[]", draft), ("post_ids[]", editorial), ("return_to", "\(base)/posts?status=draft")])
            #expect(bulk.status == .seeOther && bulk.headers.first(name: .location) == "\(base)/posts?status=draft")
            #expect(try await Post.find(UUID(uuidString: draft), on: t.db)?.status == "in_review")
            #expect(try await Post.find(UUID(uuidString: editorial), on: t.db)?.status == "in_review")
            let after = try await author.get("\(base)/posts?status=draft")
            #expect(after.body.contains("Submitted for review (1): “Care guide: keep canvas new”"), "\(after.body)")
            #expect(after.body.contains("“等待编辑审核的内容” was not changed: only a draft or a rejected post can be submitted for review"))
            let unscheduled = try await author.post("\(base)/posts/bulk", [("action", "unschedule"), ("post_ids[]", scheduled[1])])
            #expect(unscheduled.status == .seeOther)
            #expect(try await Post.find(UUID(uuidString: scheduled[1]), on: t.db)?.status == "approved")
            try await reviewer.get("\(base)/posts")
            let refused = try await reviewer.post("\(base)/posts/bulk", [("action", "delete"), ("post_ids[]", scheduled[0])])
            #expect(refused.status == .forbidden)
            let forged = try await author.post("\(base)/posts/bulk", [("action", "delete"), ("post_ids[]", scheduled[0])], csrf: false)
            #expect(forged.status == .forbidden)
            #expect(try await Post.find(UUID(uuidString: scheduled[0]), on: t.db) != nil)
            _ = try await author.post("\(base)/posts/bulk", [("action", "delete"), ("post_ids[]", scheduled[0]), ("post_ids[]", UUID().uuidString)])
            #expect(try await Post.find(UUID(uuidString: scheduled[0]), on: t.db) == nil)
            let told = try await author.get("\(base)/posts")
            #expect(told.body.contains("Deleted (1): “排期内容 0”") && told.body.contains("was not changed: the post is not in this workspace"))
        }
    }
}

extension Browser {
    /// A JSON request from a page's script: session cookie and CSRF header.
    func postJSON(_ path: String, _ json: [String: Any]) async throws -> Reply {
        var headers = HTTPHeaders()
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let csrf { headers.replaceOrAdd(name: "X-CSRF-Token", value: csrf) }
        headers.contentType = .json
        let response = try await app.testing().sendRequest(
            .POST, path, headers: headers, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        return Reply(status: response.status, headers: response.headers, body: response.body.string)
    }
}
