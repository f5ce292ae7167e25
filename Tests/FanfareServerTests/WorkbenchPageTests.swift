import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// 工作台: each count is a person's own work and opens the list behind it.
@Suite struct WorkbenchPageTests {
    static let found = WorkbenchPage.Found(
        workspaceName: "春风茶饮", role: .reviewer, timeZone: "Asia/Shanghai", members: 6, openInvitations: 2, mayManageMembers: false,
        mayWrite: false, posts: .init(awaitingMyReview: 3, dueToday: 0, failed: 1), inbox: .init(assignedToMe: 4, aboutToBreach: 2, breached: 0))

    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo")
    }

    @Test func eachCountOpensItsFilteredList() {
        let model = WorkbenchPage.model(Self.found, base: "/w/demo", locale: .zhHans)
        let byID = Dictionary(uniqueKeysWithValues: model.tiles.map { ($0.id, $0) })
        #expect(byID["work-review"]?.count == 3 && byID["work-review"]?.href == "/w/demo/posts?review=mine")
        #expect(byID["work-review"]?.label == "待我审核的内容")
        #expect(byID["work-today"]?.href == "/w/demo/posts?due=today" && byID["work-today"]?.tone == "calm", "a zero is not coloured")
        #expect(byID["work-failed"]?.href == "/w/demo/posts?status=failed" && byID["work-failed"]?.tone == "urgent")
        #expect(byID["work-assigned"]?.href == "/w/demo/inbox?assignee=me" && byID["work-assigned"]?.count == 4)
        #expect(byID["work-breach-soon"]?.href == "/w/demo/inbox?sla=warning" && byID["work-breach-soon"]?.count == 2)
        #expect(byID["work-breached"]?.href == "/w/demo/inbox?sla=breached")
        #expect(!model.allClear)
        // A viewer of content only sees no inbox counts; invitations are for those who manage members.
        var contentOnly = Self.found
        contentOnly.inbox = nil
        #expect(WorkbenchPage.model(contentOnly, base: "/w/demo", locale: .en).tiles.map(\.id) == ["work-review", "work-today", "work-failed"])
        #expect(!model.facts.contains { $0.label == "未接受的邀请" })
    }

    @Test func whenNothingWaitsThePageSaysWhatToDoNext() {
        var quiet = Self.found
        quiet.posts = .init()
        quiet.inbox = .init()
        quiet.mayWrite = true
        let model = WorkbenchPage.model(quiet, base: "/w/demo", locale: .en)
        #expect(model.allClear)
        #expect(model.nextSteps.map(\.href) == ["/w/demo/posts/new", "/w/demo/inbox", "/w/demo/calendar"])
        let html = WorkbenchPage.view(model, context(.en)).rendered
        #expect(html.contains("id=\"workbench-clear\"") && html.contains("Write a post"))
        let busy = WorkbenchPage.view(WorkbenchPage.model(Self.found, base: "/w/demo", locale: .zhHans), context(.zhHans)).rendered
        #expect(!busy.contains("workbench-clear"))
        #expect(busy.contains("<h1 translate=\"no\">春风茶饮</h1>"))
        #expect(busy.contains("<dd id=\"your-role\">审核员</dd>"))
    }

    /// The counts come from the database: a post waiting at editorial review
    /// counts for the reviewer, not for its author or for legal, and moves
    /// to legal's count when approved.
    @Test(arguments: TestDatabase.available)
    func theCountsFollowTheReviewChain(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let id = try await room.create("春季新品今天上市")
            let submitted = try await t.api(.POST, "\(room.posts)/\(id)/submit", token: room.admin)
            #expect(submitted.status.code < 300, "\(submitted.body)")
            let base = "/w/\(room.ws.slug)"
            func count(_ email: String, _ tile: String) async throws -> Int? {
                let browser = Browser(t)
                _ = try await browser.signIn(email)
                let page = try await browser.get(base)
                guard let range = page.body.range(of: "id=\"\(tile)\"") else { return nil }
                let after = page.body[range.upperBound...]
                guard let open = after.range(of: "<strong class=\"count\">") else { return nil }
                return Int(after[open.upperBound...].prefix { $0.isNumber })
            }
            #expect(try await count("reviewer@example.com", "work-review") == 1)
            #expect(try await count("author@example.com", "work-review") == 0, "the author cannot approve their own post")
            #expect(try await count("legal@example.com", "work-review") == 0)
            let approved = try await t.api(
                .POST, "\(room.posts)/\(id)/review", token: room.reviewer, json: ["decision": "approve"])
            #expect(approved.status.code < 300, "\(approved.body)")
            #expect(try await count("legal@example.com", "work-review") == 1)
            #expect(try await count("reviewer@example.com", "work-review") == 0)
        }
    }
}
