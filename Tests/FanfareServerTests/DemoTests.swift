import FanfareCore
import Fluent
import Foundation
import SQLKit
import Synchronization
import Testing
import Vapor

@testable import FanfareServer

/// `serve --demo` (issue 17, items 9 and 10): a demo one person can walk,
/// whose history ends when it is made, and a server that answers while it
/// is being made.
@Suite struct DemoTests {
    /// Every role has a person whose sign-in is printed; each can sign in
    /// and open the workspace with that role; a second start finds the
    /// demo made and prints the same passwords.
    @Test(arguments: TestDatabase.available)
    func everyRoleIsPrintedAndSignsIn(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let prepared = try await Demo.ensure(t.app)
            #expect(prepared.made && prepared.warning == nil)
            #expect(prepared.signIns.map(\.person.role).sorted() == Role.allCases.sorted())
            let lines = Demo.signInLines(prepared, base: "http://127.0.0.1:8080", directory: t.dataDirectory.path)
            let workspace = try #require(try await Workspace.query(on: t.db).filter(\.$slug == Demo.workspaceSlug).first())
            for signIn in prepared.signIns {
                let password = try #require(signIn.password, "\(signIn.person.role)")
                #expect(lines.contains { $0.contains(" \(signIn.person.email) ") && $0.contains(" \(password) ") }, "\(signIn.person.role)")
                let browser = Browser(t)
                #expect(try await browser.signIn(signIn.person.email, password: password).status == .seeOther, "\(signIn.person.email)")
                #expect(try await browser.get("/w/demo").status == .ok, "\(signIn.person.email)")
                let user = try #require(try await User.query(on: t.db).filter(\.$email == signIn.person.email).first())
                let membership = try await Membership.query(on: t.db).filter(\.$workspace.$id == workspace.id!).filter(\.$user.$id == user.id!)
                    .first()
                #expect(membership?.role == signIn.person.role.rawValue, "\(signIn.person.email)")
            }
            // The last line is the one scripts read (the browser journeys, the fuzzing).
            let admin = try #require(prepared.signIns.first { $0.person.role == .admin }?.password)
            #expect(lines.last == "Sign in as \(Demo.email) with password \(admin)")
            let file = t.dataDirectory.appendingPathComponent(Demo.signInsFile).path
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)

            let again = try await Demo.ensure(t.app)
            #expect(!again.made && again.warning == nil)
            #expect(again.signIns.map(\.password) == prepared.signIns.map(\.password))
            #expect(try await Workspace.query(on: t.db).count() == 1)
        }
    }

    /// The printed walk works: the editor submits the draft, the reviewer
    /// and the lawyer approve it in turn, the editor publishes it, and its
    /// "view on platform" link opens the post's page, which this server
    /// serves, to members only.
    @Test func theReviewChainIsWalkedAndTheSandboxPageIsServed() async throws {
        try await withTestApp(.sqlite) { t in
            let prepared = try await Demo.ensure(t.app)
            func person(_ role: Role) async throws -> Browser {
                let signIn = try #require(prepared.signIns.first { $0.person.role == role })
                let browser = Browser(t)
                try await browser.signIn(signIn.person.email, password: try #require(signIn.password))
                return browser
            }
            let draft = try #require(try await Post.query(on: t.db).filter(\.$title == "周末问答").first())
            #expect(draft.status == "draft")
            let page = "/w/demo/posts/\(draft.id!.uuidString)"
            let editor = try await person(.editor)
            try await editor.get(page)
            try await editor.post("\(page)/submit", [])
            for role in [Role.reviewer, .legal] {
                let reviewer = try await person(role)
                #expect(try await reviewer.get(page).body.contains("id=\"review-form\""), "\(role)")
                try await reviewer.post("\(page)/review", [("decision", "approve"), ("comment", "")])
            }
            #expect(try await Post.find(draft.id, on: t.db)?.status == "approved")
            try await editor.get(page)
            try await editor.post("\(page)/publish-now", [])
            let worker = JobWorker(app: t.app)
            var runs = 0
            while try await worker.runOne(), runs < 500 { runs += 1 }
            let variants = try await PostVariant.query(on: t.db).filter(\.$post.$id == draft.id!).all()
            #expect(variants.count == 3 && variants.allSatisfy { $0.state == PostVariant.State.published.rawValue })

            // The link on the post's page is this server's page of the post.
            let viewer = try await person(.viewer)
            let detail = try await viewer.get(page)
            let links = detail.body.matches(of: #/class="platform-link" href="([^"]+)"/#).map { String($0.output.1) }
            #expect(links.count == 3)
            let link = try #require(links.first { $0.hasPrefix("/sandbox/@fanfare_weibo/") })
            let sandbox = try await viewer.get(link)
            #expect(sandbox.status == .ok)
            #expect(sandbox.body.contains("id=\"sandbox-post\"") && sandbox.body.contains("你最想让我们出什么颜色？"))
            #expect(sandbox.body.contains("data-metric=\"impressions\""))
            // Someone who is not a member gets nothing; nobody signed in gets the sign-in page.
            let stranger = Browser(t)
            try await t.makeUser("stranger@example.com")
            try await stranger.signIn("stranger@example.com")
            #expect(try await stranger.get(link).status == .notFound)
            #expect(try await Browser(t).get(link).status == .seeOther)
            #expect(try await viewer.get("/sandbox/@fanfare_weibo/sbx_not_a_post").status == .notFound)
        }
    }

    /// The demo's month ends at the moment it is made: the newest messages
    /// are minutes old and wait within their service level, older ones
    /// were answered; the posts published in the last days carry the
    /// Sandbox audience's numbers, the coming week's are scheduled; the
    /// check-ins and "1" the fans wrote are neutral; the tickets' states,
    /// resolutions and supporters fit together.
    @Test func itsHistoryEndsNowAndHangsTogether() async throws {
        try await withTestApp(.sqlite) { t in
            let now = Date()
            _ = try await Demo.ensure(t.app, now: now)
            let messages = try await IncomingMessage.query(on: t.db).all()
            let newest = try #require(messages.map(\.sentAt).max())
            let oldest = try #require(messages.map(\.sentAt).min())
            #expect(newest <= now && newest > now.addingTimeInterval(-15 * 60), "newest message at \(newest), made at \(now)")
            #expect(oldest > now.addingTimeInterval(-31 * 86_400), "oldest message at \(oldest)")

            // Open conversations are today's, within their service levels.
            let open = try await Conversation.query(on: t.db).filter(\.$status != Conversation.Status.resolved.rawValue).all()
            #expect(!open.isEmpty)
            #expect(open.allSatisfy { $0.lastMessageAt > now.addingTimeInterval(-DemoTimeline.inboxWindow) })
            let agent = Browser(t)
            let password = try #require(Demo.readSignIns(in: t.dataDirectory)[Demo.person(.agent).email])
            try await agent.signIn(Demo.person(.agent).email, password: password)
            let inbox = try await agent.get("/w/demo/inbox")
            #expect(inbox.body.contains("data-sla=\"ok\""))
            #expect(!inbox.body.contains("data-sla=\"breached\""), "a fresh demo shows no conversation overdue")

            // Posts: published in the last days, with the audience's numbers; the rest to come.
            let published = try await PostVariant.query(on: t.db).filter(\.$state == PostVariant.State.published.rawValue).all()
            #expect(published.count >= 2)
            for variant in published {
                let at = try #require(variant.publishedAt)
                #expect(at < now && at > now.addingTimeInterval(-5 * 86_400))
                #expect(variant.url?.contains("/sandbox/@") == true)
                let latest = try #require(
                    try await MetricSnapshot.query(on: t.db).filter(\.$variant.$id == variant.id!).filter(\.$label == "latest").first())
                #expect(
                    (latest.impressions ?? 0) > 0 && latest.likes > 0,
                    "\(variant.id!): \(latest.impressions ?? -1) impressions, \(latest.likes) likes")
            }
            let scheduled = try await Post.query(on: t.db).filter(\.$status == "scheduled").all()
            #expect(!scheduled.isEmpty && scheduled.allSatisfy { ($0.scheduledAt ?? .distantPast) > now })

            // The metric store: 120 days of each account's history from the
            // Sandbox, the month's evenings read on the day, the posts' days.
            let sql = t.db as! any SQLDatabase
            let accountDays = try await sql.raw(
                "SELECT account_id, day, followers, source FROM account_metric_days ORDER BY account_id, day"
            ).all()
            let accounts = Set(try accountDays.map { try $0.decode(column: "account_id", as: UUID.self) })
            #expect(accounts.count == 3 && accountDays.count >= 3 * 120, "\(accountDays.count) account days")
            #expect(try accountDays.filter { try $0.decode(column: "source", as: String.self) == "snapshot" }.count >= 3 * 28)
            for account in accounts {
                let values = try accountDays.filter { try $0.decode(column: "account_id", as: UUID.self) == account }
                    .map { try $0.decode(column: "followers", as: Int.self) }
                #expect(values == values.sorted() && (values.last ?? 0) > (values.first ?? 0), "the Sandbox's followers grow")
            }
            // One pace before and after the accounts were connected: the
            // reports the demo makes flag no jump in followers (they used to
            // flag every day of its first three weeks).
            let reports = try await AnalyticsReport.query(on: t.db).all()
            #expect(reports.count >= 2)
            for report in reports {
                let flagged = try report.content().anomalies.filter { $0.series.hasPrefix("followers") }
                #expect(flagged.isEmpty, "\(report.kind) \(report.periodFrom): \(flagged)")
            }
            let postDays = try await sql.raw("SELECT COUNT(*) AS n FROM post_metric_days").first()?.decode(column: "n", as: Int.self) ?? 0
            #expect(postDays >= published.count * 2, "\(postDays) post days")
            #expect(try await Post.query(on: t.db).filter(\.$status == "in_review").count() == 1)

            // What fans answered the check-in and the poll with.
            for text in ["签到", "打卡", "1"] {
                let message = try #require(messages.first { $0.text == text }, "\(text)")
                #expect(message.sentiment == MessageSentiment.neu.rawValue && message.intent != MessageIntent.spam.rawValue, "\(text)")
            }

            // Tickets.
            let tickets = try await FeedbackTicket.query(on: t.db).all()
            #expect(tickets.count == 5)
            for ticket in tickets {
                #expect(ticket.createdAt <= ticket.updatedAt && ticket.updatedAt <= now, "\(ticket.title)")
                if ticket.status == FeedbackStatus.closed.rawValue {
                    #expect(ticket.resolution != nil && ticket.closedAt.map { $0 >= ticket.createdAt && $0 <= now } == true, "\(ticket.title)")
                } else {
                    #expect(ticket.resolution == nil && ticket.closedAt == nil, "\(ticket.title)")
                }
                if let into = ticket.mergedIntoID {
                    let kept = try #require(tickets.first { $0.id == into })
                    #expect(kept.supporters >= 2 && kept.status != FeedbackStatus.closed.rawValue, "\(ticket.title) merged into \(kept.title)")
                }
                if let messageID = ticket.messageID {
                    #expect(messages.contains { $0.id == messageID }, "\(ticket.title)")
                }
            }
            #expect(tickets.contains { $0.mergedIntoID != nil })
            #expect(Set(tickets.map(\.kind)).isSuperset(of: ["suggestion", "bug", "complaint"]))

            // Experiments: one ended with a clear winner sent all traffic, one still running with both arms visited.
            let experiments = try await Experiment.query(on: t.db).sort(\.$createdAt).all()
            #expect(experiments.map(\.state) == ["finished", "running"])
            let manager = Browser(t)
            let managerPassword = try #require(Demo.readSignIns(in: t.dataDirectory)[Demo.person(.manager).email])
            try await manager.signIn(Demo.person(.manager).email, password: managerPassword)
            for experiment in experiments {
                let page = try await manager.get("/w/demo/experiments/\(experiment.id!.uuidString.lowercased())")
                #expect(page.status == .ok && page.body.contains("chart-interval"), "\(experiment.name)")
                let readout = try await ExperimentService(db: t.db).readout(
                    experiment, arms: try await ExperimentService(db: t.db).arms(of: experiment))
                #expect(readout.arms.allSatisfy { $0.visitors > 50 && $0.converted > 0 }, "\(readout.arms)")
                // Which arm a visitor lands in follows the server's own random key, so the
                // split is a fair coin per visitor: the sample-ratio check warns (p < 0.001)
                // in about one demo in a thousand, as it would for a real test. What must
                // hold every time: the page says what the numbers say, and the split is
                // near the weights (the edge is five standard deviations out).
                #expect(page.body.contains("id=\"srm-warning\"") == readout.srmWarning, "\(experiment.name): \(readout.arms)")
                let total = Double(readout.arms.map(\.visitors).reduce(0, +))
                let share = Double(readout.arms.first?.visitors ?? 0) / max(1, total)
                #expect(abs(share - 0.5) < 5 * (0.25 / max(1, total)).squareRoot(), "\(experiment.name): \(readout.arms)")
                if experiment.state == "finished" {
                    // The variant converts at twice the control's rate in the demo's draws; which visitor lands in which
                    // arm follows the server's own key, so the margin varies from one demo directory to the next.
                    let rates = readout.arms.map { Double($0.converted) / Double(max(1, $0.visitors)) }
                    #expect(rates.count == 2 && rates[1] > rates[0] && experiment.winnerArmID != nil, "\(readout)")
                    #expect((readout.comparisons.first?.relative.bayesian.chanceToWin ?? 0) > 0.8, "\(readout)")
                    let link = try #require(try await ShortLink.find(experiment.linkID, on: t.db))
                    #expect(link.destination.hasSuffix("/b"), "the winner's page is the link's destination now")
                }
            }

            // Goals: the seeds' three-phase plan, its first phase two months
            // in and read from the demo's own numbers; the later phases wait.
            let objectives = try await GoalObjective.query(on: t.db).sort(\.$startDay).all()
            #expect(objectives.map(\.phase) == ["foundation", "deep_operation", "monetisation"])
            let goals = try await Goal.query(on: t.db).all()
            #expect(goals.count == 9)
            let reader = try await GoalReader.make(try #require(objectives.first?.$workspace.id), on: t.db)
            let followers = try #require(goals.first { $0.templateKey == "follower_growth" })
            let reading = try await reader.read(try #require(followers.definition))
            #expect(followers.target == DemoGoals.followerTarget)
            #expect((reading.progress.actual ?? 0) > 0 && reading.progress.state != .noData, "\(reading.progress)")
            let comments = try #require(goals.first { $0.templateKey == "comment_rate" })
            let commentState = try await reader.read(try #require(comments.definition)).progress.state
            // The hourly check has judged every tracked goal once already.
            #expect(comments.lastState == commentState.rawValue)
            #expect(goals.filter { $0.objectiveID == objectives[1].id }.allSatisfy { $0.lastState == nil || $0.lastState == "not_started" })

            // Campaigns: 双十一 finished and closed, every task done; 新年礼盒
            // launching in six days with two tasks late inside the buffer
            // (amber, not red); the demo's posts joined their campaign by name.
            let workspaceID = try #require(objectives.first?.$workspace.id)
            let zone = try #require(try await Workspace.find(workspaceID, on: t.db)).zone
            let today = MetricDay.of(Date(), in: zone)
            let finished = try #require(try await Campaign.query(on: t.db).filter(\.$name == "双十一大促").first())
            let finishedRead = try await CampaignReader.read(finished, today: today, on: t.db)
            #expect(finished.state == "closed" && finishedRead.tasks.allSatisfy(\.done))
            let running = try #require(try await Campaign.query(on: t.db).filter(\.$name == "新年限定礼盒上新").first())
            let runningRead = try await CampaignReader.read(running, today: today, on: t.db)
            #expect(runningRead.status == "amber", "\(runningRead.reasons)")
            #expect(Set(runningRead.reasons.map(\.code)) == ["task_overdue"] && runningRead.reasons.count == 2)
            #expect(try await Post.query(on: t.db).filter(\.$campaign == "2026 春季").filter(\.$campaignID == nil).count() == 0)
            // 双十一's post-mortem, drafted at its close and completed with lessons, is in the knowledge base with the
            // incident's review; the gift box carries the content risks and the Xiaohongshu pilot line.
            let postMortem = try #require(try await CampaignPostMortem.query(on: t.db).filter(\.$campaignID == finished.id!).first())
            #expect(postMortem.summary.hasPrefix("【目标达成】") && postMortem.lessons.contains("达人档期") && postMortem.tagList.contains("达人"))
            #expect(postMortem.figureValues.tasks == finishedRead.tasks.count)
            let found = try await KnowledgeBase.search(.init(text: "达人档期"), workspaceID: workspaceID, on: t.db)
            #expect(found.hits.map(\.document.title) == ["双十一大促"])
            #expect(try await KnowledgeDocument.query(on: t.db).filter(\.$kind == "incident_review").count() >= 1)
            #expect(try await RisksSurface.risks(ofCampaign: running.id!, workspaceID: workspaceID, on: t.db).count == 2)
            #expect(try await BudgetsSurface.lines(ofCampaign: running.id!, workspaceID: workspaceID, on: t.db).map(\.name) == ["小红书试点"])
            // Budgets: Douyin under its stop-loss line and flagged by the pass, Weibo above it, the pilot too young to judge.
            let states = Dictionary(uniqueKeysWithValues: try await BudgetChannel.query(on: t.db).all().map { ($0.key, $0.lastState ?? "") })
            #expect(states == ["douyin": "breached", "weibo": "healthy", "xiaohongshu": "learning"], "\(states)")
            #expect(try await SpendEntry.query(on: t.db).filter(\.$state == "pending").count() == 1)
        }
    }

    /// While the demo is prepared, `/healthz` answers and pages say so in
    /// the reader's language (and reload themselves); the API says so in a
    /// problem document; `/readyz` names what is being prepared. After,
    /// everything answers as usual.
    @Test func whilePreparingHealthAnswersAndPagesSaySo() async throws {
        try await withTestApp(.sqlite) { t in
            t.app.startupGate.begin(Demo.preparation)
            #expect(try await t.api(.GET, "/healthz", token: nil).status == .ok)
            let ready = try await t.api(.GET, "/readyz", token: nil)
            #expect(ready.status == .serviceUnavailable && ready.json["preparing"] as? String == "the demo")
            for (language, title) in [("zh-Hans", "演示工作区还在准备中"), ("en", "The demo is still being prepared")] {
                let browser = Browser(t)
                browser.acceptLanguage = language
                for path in ["/sign-in", "/w/demo/inbox", "/"] {
                    let page = try await browser.get(path)
                    #expect(page.status == .serviceUnavailable, "\(language) \(path)")
                    #expect(page.body.contains(title) && page.body.contains("id=\"preparing\""), "\(language) \(path)")
                    #expect(page.headers.first(name: .retryAfter) != nil && page.headers.first(name: "Refresh") != nil)
                }
            }
            let api = try await t.api(.GET, "/api/v1/me", token: nil)
            #expect(api.status == .serviceUnavailable && (api.json["type"] as? String)?.hasSuffix("preparing") == true, "\(api.body)")
            #expect(try await t.api(.GET, "/static/app.css", token: nil).status == .ok)

            t.app.startupGate.finish()
            #expect(try await Browser(t).get("/sign-in").status == .ok)
            #expect(try await t.api(.GET, "/readyz", token: nil).status == .ok)
        }
    }

    /// `serve --demo` starts the preparation and goes on: the gate is
    /// closed as soon as the call returns, `/healthz` answers meanwhile,
    /// and when the demo is ready the gate opens, the worker may start and
    /// every sign-in has been printed.
    @Test func theDemoIsPreparedInTheBackground() async throws {
        try await withTestApp(.sqlite) { t in
            let printed = Printed()
            let (ready, readied) = AsyncStream.makeStream(of: Void.self)
            let task = Demo.prepareInBackground(t.app, say: { printed.add($0) }) { readied.yield() }
            #expect(t.app.startupGate.preparing == Demo.preparation)
            let health = try await t.api(.GET, "/healthz", token: nil)
            #expect(health.status == .ok)
            for await _ in ready { break }
            await task.value
            #expect(t.app.startupGate.preparing == nil)
            let signIn = try await Browser(t).get("/sign-in")
            #expect(signIn.status == .ok)
            let lines = printed.lines
            for person in Demo.people { #expect(lines.contains { $0.contains(" \(person.email) ") }, "\(person.email)") }
            #expect(lines.last?.hasPrefix("Sign in as \(Demo.email) with password ") == true)
        }
    }
}

/// Lines printed from the preparation's task.
private final class Printed: Sendable {
    private let store = Mutex<[String]>([])
    func add(_ line: String) { store.withLock { $0.append(line) } }
    var lines: [String] { store.withLock { $0 } }
}
