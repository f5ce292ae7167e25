import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Incidents (issue 20 scope 4): opening, people, the timeline recording
/// itself, clocks and reminders at injected times, the publishing hold
/// against the runner, holding statements through moderation and the fast
/// review, the review draft, isolation, and the pages.
@Suite struct IncidentsTests {
    static func access(_ ws: Workspace, _ role: Role = .admin) -> WorkspaceAccess {
        WorkspaceAccess(workspace: ws, workspaceID: ws.id!, role: role, matrix: .standard)
    }

    static func actor(_ user: User) -> Actor { Actor(userID: user.id, label: user.email, address: nil) }

    @Test(arguments: TestDatabase.available)
    func anIncidentOpenedByHandRecordsItsPeopleAndMovesByItsStateMachine(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (lead, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let agent = try await t.makeUser("agent@example.com")
            try await t.addMember(agent, to: ws, as: .agent)
            let stranger = try await t.makeUser("stranger@example.com")
            let base = "/api/v1/workspaces/\(ws.slug)/incidents"

            let bad = try await t.api(.POST, base, token: token, json: ["title": "  ", "severity": "purple"])
            #expect(bad.status == .unprocessableEntity && Set(bad.problemFields) == ["title", "severity"], "\(bad.body)")
            let missing = try await t.api(.POST, base, token: token, json: [:])
            #expect(Set(missing.problemFields) == ["title", "severity"])
            let made = try await t.api(.POST, base, token: token, json: ["title": "发货延迟投诉", "severity": "orange"])
            #expect(made.status == .created, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            #expect(made.json["state"] as? String == "open" && made.json["severity"] as? String == "orange")

            // The opener leads; roles replace each other; a non-member is refused by field.
            let roles = "\(base)/\(id)/roles"
            #expect(try await t.api(.POST, roles, token: token, json: ["user_id": agent.id!.uuidString, "role": "legal"]).status == .ok)
            let changed = try await t.api(.POST, roles, token: token, json: ["user_id": agent.id!.uuidString, "role": "communications"])
            #expect(Set(changed.jsonArray.compactMap { $0["role"] as? String }) == ["lead", "communications"] && changed.jsonArray.count == 2)
            let outsider = try await t.api(.POST, roles, token: token, json: ["user_id": stranger.id!.uuidString, "role": "observer"])
            #expect(outsider.status == .unprocessableEntity && outsider.problemFields == ["user_id"])
            let badRole = try await t.api(.POST, roles, token: token, json: ["user_id": agent.id!.uuidString, "role": "boss"])
            #expect(badRole.problemFields == ["role"])

            // State machine: acknowledged, then not back to open.
            #expect(try await t.api(.PATCH, "\(base)/\(id)", token: token, json: ["state": "acknowledged"]).status == .ok)
            #expect(try await t.api(.PATCH, "\(base)/\(id)", token: token, json: ["state": "open"]).status == .conflict)
            #expect(try await t.api(.PATCH, "\(base)/\(id)", token: token, json: ["state": "solved"]).problemFields == ["state"])
            #expect(try await t.api(.PATCH, "\(base)/\(id)", token: token, json: ["severity": "red"]).status == .ok)

            // People's entries.
            let entries = "\(base)/\(id)/entries"
            #expect(try await t.api(.POST, entries, token: token, json: ["kind": "note", "text": "仓库确认延迟原因"]).status == .created)
            #expect(try await t.api(.POST, entries, token: token, json: ["kind": "note", "text": ""]).problemFields == ["text"])
            #expect(try await t.api(.POST, entries, token: token, json: ["kind": "shout"]).problemFields == ["kind"])
            let update = try await t.api(.POST, entries, token: token, json: ["kind": "status_update", "audience": "boss", "text": ""])
            #expect(Set(update.problemFields) == ["audience", "text"])
            #expect(
                try await t.api(.POST, entries, token: token, json: ["kind": "status_update", "audience": "management", "text": "已定位原因"]).status
                    == .created)
            #expect(try await t.api(.POST, entries, token: token, json: ["kind": "playbook_step", "step": "nope"]).problemFields == ["step"])
            // identify.legal is on the red checklist (the severity is red now).
            #expect(try await t.api(.POST, entries, token: token, json: ["kind": "playbook_step", "step": "identify.legal"]).status == .created)
            #expect(try await t.api(.POST, entries, token: token, json: ["kind": "playbook_step", "step": "identify.legal"]).status == .created)
            let mentions = try await t.api(
                .POST, entries, token: token,
                json: ["kind": "mentions_attached", "mention_ids": [UUID().uuidString, UUID().uuidString], "excerpt": "太慢了"])
            // Ids that are no mention of this workspace are refused (ListeningDemoTests attaches real ones).
            #expect(mentions.status == .unprocessableEntity && mentions.problemFields == ["mention_ids"], "\(mentions.body)")
            #expect(
                try await t.api(.POST, entries, token: token, json: ["kind": "mentions_attached", "mention_ids": ["x"]]).problemFields == [
                    "mention_ids"
                ])

            let detail = try await t.api(.GET, "\(base)/\(id)", token: token)
            let kinds = (detail.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(
                kinds == [
                    "opened", "role_assigned", "role_assigned", "role_assigned", "acknowledged", "severity_changed", "note", "status_update",
                    "playbook_step",
                ], "\(kinds)")
            let steps = detail.json["playbook"] as? [[String: Any]] ?? []
            #expect(steps.first { $0["id"] as? String == "identify.legal" }?["checked_by"] as? String == lead.id!.uuidString)
            #expect((detail.json["clocks"] as? [[String: Any]])?.count == 4)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$action ~~ ["incident.opened", "incident.state_changed"]).count()
            #expect(audit == 2)

            // A viewer reads and may not act.
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.GET, base, token: viewerToken).status == .forbidden)
            _ = agent
        }
    }

    @Test(arguments: TestDatabase.available)
    func anotherWorkspacesIncidentIsNotFound(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "A")
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "B")
            let made = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/incidents", token: token, json: ["title": "A's", "severity": "blue"])
            let id = try #require(made.json["id"] as? String)
            let there = "/api/v1/workspaces/\(other.slug)/incidents/\(id)"
            #expect(try await t.api(.GET, there, token: otherToken).status == .notFound)
            #expect(try await t.api(.PATCH, there, token: otherToken, json: ["state": "nonsense"]).status == .notFound)
            #expect(try await t.api(.GET, there + "/review", token: otherToken).status == .notFound)
            #expect(try await t.api(.GET, "/api/v1/workspaces/\(other.slug)/incidents", token: otherToken).items.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func clocksReadMetAndMissedAndEachReminderGoesOutOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (user, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let t0 = Date(timeIntervalSince1970: 1_900_000_000)
            let service = IncidentService(db: t.db)
            let alert = IncidentOpening.AlertReference(
                id: UUID(), grade: .yellow, monitorName: "品牌", firstMentionAt: t0.addingTimeInterval(-40 * 60), mentionCount: 42, raisedAt: t0)
            let incident = try await service.open(IncidentOpening(title: "退款争议", alert: alert), by: Self.actor(user), in: Self.access(ws), now: t0)
            #expect(incident.severity == "yellow" && incident.detectedAt == t0)

            var timeline = try await IncidentTimeline.read(incident, on: t.db, now: t0)
            var clocks = Dictionary(uniqueKeysWithValues: timeline.clocks(of: incident, now: t0.addingTimeInterval(60)).map { ($0.clock, $0.state) })
            // 40 minutes from the first mention to the alert: detection missed.
            #expect(clocks[.detection] == .missed && clocks[.firstResponse] == .running)

            // 1 h 40: the reminder before the first response is due (30 min ahead), once.
            let early = try await IncidentReminders.send(on: t.db, now: t0.addingTimeInterval(100 * 60))
            #expect(early == ["clock.first_response.before"])
            #expect(try await IncidentReminders.send(on: t.db, now: t0.addingTimeInterval(101 * 60)).isEmpty)
            // 2 h 01, two workers at once: the due reminder goes out once.
            async let a = IncidentReminders.send(on: t.db, now: t0.addingTimeInterval(121 * 60))
            async let b = IncidentReminders.send(on: t.db, now: t0.addingTimeInterval(121 * 60))
            let both = try await a + b
            #expect(both == ["clock.first_response.due"], "\(both)")
            let notices = try await UserNotification.query(on: t.db).filter(\.$user.$id == user.id!).count()
            #expect(notices == 2)
            // Yellow: a status update every 4 hours, counted from detection.
            #expect(
                try await IncidentReminders.send(on: t.db, now: t0.addingTimeInterval(4 * 3600 + 60)) == [
                    "status.\(Int(t0.timeIntervalSince1970) + 4 * 3600)"
                ])
            _ = try await service.statusUpdate(
                incident, audience: "tactical", text: "处理中", by: Self.actor(user), now: t0.addingTimeInterval(4 * 3600 + 120))
            timeline = try await IncidentTimeline.read(incident, on: t.db, now: t0.addingTimeInterval(4 * 3600 + 180))
            #expect(timeline.nextStatusUpdate(of: incident) == t0.addingTimeInterval(8 * 3600 + 120))

            // Resolved within 24 h: resolution met, first response missed, escalation not needed.
            try await service.move(incident, to: "resolved", access: Self.access(ws), by: Self.actor(user), now: t0.addingTimeInterval(5 * 3600))
            timeline = try await IncidentTimeline.read(incident, on: t.db, now: t0.addingTimeInterval(6 * 3600))
            clocks = Dictionary(
                uniqueKeysWithValues: timeline.clocks(of: incident, now: t0.addingTimeInterval(6 * 3600)).map { ($0.clock, $0.state) })
            #expect(clocks[.resolution] == .met && clocks[.firstResponse] == .missed && clocks[.escalation] == .notNeeded)
            #expect(try await IncidentReminders.send(on: t.db, now: t0.addingTimeInterval(30 * 3600)).isEmpty, "nothing once resolved")

            // The review's draft carries the clock results with their times.
            let draft = IncidentService.draft(incident, timeline: timeline, names: [:], locale: .en, zone: .gmt, now: t0.addingTimeInterval(6 * 3600))
            #expect(draft.contains("First response: Missed") && draft.contains("Resolution: Met") && draft.contains("Detection: Missed"), "\(draft)")
            #expect(draft.contains("## Actions (with owners)"))
            let zh = IncidentService.draft(
                incident, timeline: timeline, names: [:], locale: .zhHans, zone: .gmt, now: t0.addingTimeInterval(6 * 3600))
            #expect(zh.contains("首次回应：超时") && zh.contains("解决：达标"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPostPublishedWhileActiveIsOnTheTimelineAndStopsTheFirstResponse(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let admin = try #require(try await User.query(on: t.db).filter(\.$email == "author@example.com").first())
            let opened = try await IncidentService(db: t.db).open(
                IncidentOpening(title: "口径", severity: "blue"), by: Self.actor(admin), in: Self.access(room.ws), now: Date().addingTimeInterval(-60))
            let id = try await room.create("我们已注意到大家的反馈，正在核实。")
            try await room.approve(id)
            #expect(try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin).status == .ok)
            try await room.drain()
            let timeline = try await IncidentTimeline.read(opened, on: t.db)
            #expect(timeline.items.filter { $0.kind == "post_published" }.count == 2)
            #expect(timeline.firstResponse != nil)
            #expect(timeline.clocks(of: opened, now: Date()).first { $0.clock == .firstResponse }?.state == .met)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReplyWithAnApprovedStatementPickedInTheInboxIsTheFirstResponseAndAnOrdinaryReplyIsNot(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let api = "/api/v1/workspaces/\(room.ws.slug)"
            let made = try await t.api(.POST, "\(api)/incidents", token: room.admin, json: ["title": "发货延迟", "severity": "orange"])
            let id = try #require(made.json["id"] as? String)
            let statement = try await t.api(.POST, "\(api)/incidents/\(id)/statements", token: room.admin, json: ["text": "我们已查明原因，正在加急发货。"])
            let statementID = try #require(statement.json["id"] as? String)
            #expect(try await t.api(.POST, "\(api)/incidents/\(id)/statements/\(statementID)/approve", token: room.admin).status == .ok)
            try await room.fan("小雨", "我的订单怎么还没发？")
            let conversation = try #require(try await room.conversation(of: "小雨")["id"] as? String)

            // An ordinary answer is on the timeline and leaves the clock running.
            #expect(
                try await t.api(.POST, "\(room.base)/conversations/\(conversation)/replies", token: room.admin, json: ["text": "稍等，马上帮您查"])
                    .status == .accepted)
            try await room.work()
            let incident = try #require(try await Incident.find(UUID(uuidString: id), on: t.db))
            var timeline = try await IncidentTimeline.read(incident, on: t.db)
            #expect(timeline.items.contains { $0.kind == "reply_published" && $0.detail == nil } && timeline.firstResponse == nil)

            // The statement picked in the reply box's template picker, sent as it is.
            let access = Self.access(room.ws)
            let drafted = try await ConversationService(db: t.db).draft(conversation, template: statementID, in: access, agent: "客服")
            #expect(drafted == "我们已查明原因，正在加急发货。")
            #expect(
                try await t.api(.POST, "\(room.base)/conversations/\(conversation)/replies", token: room.admin, json: ["text": drafted]).status
                    == .accepted)
            try await room.work()
            timeline = try await IncidentTimeline.read(incident, on: t.db)
            #expect(timeline.items.contains { $0.kind == "reply_published" && $0.detail == "statement" })
            #expect(timeline.firstResponse != nil)
            #expect(timeline.clocks(of: incident, now: Date()).first { $0.clock == .firstResponse }?.state == .met)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aHoldKeepsDuePostsBackAndItsReleaseQueuesThemAgain(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let holds = "/api/v1/workspaces/\(room.ws.slug)/publishing-holds"
            let id = try await room.create("周末活动预告")
            try await room.approve(id)
            let started = try await t.api(.POST, holds, token: room.admin, json: ["account_id": "all"])
            #expect(started.status == .created, "\(started.body)")
            let holdID = try #require((started.json["hold"] as? [String: Any])?["id"] as? String)
            // Switching it on again changes nothing.
            #expect(try await t.api(.POST, holds, token: room.admin, json: [:]).status == .created)
            #expect(try await t.api(.GET, holds, token: room.admin).jsonArray.count == 1)
            #expect(try await t.api(.POST, holds, token: room.admin, json: ["account_id": UUID().uuidString]).problemFields == ["account_id"])

            #expect(try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin).status == .ok)
            try await room.drain()
            var post = try await room.post(id)
            #expect((post.json["variants"] as? [[String: Any]])?.allSatisfy { $0["state"] as? String == "queued" } == true, "\(post.body)")
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 0)
            // The post page shows its variants as held.
            let browser = Browser(t)
            #expect(try await browser.signIn("author@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(room.ws.slug)/posts/\(id)")
            #expect(page.body.contains("Held (publishing paused)"), "\(page.body)")
            // The sweep's extra jobs are kept back too.
            try await PublishSweep.sweep(on: t.db, now: Date().addingTimeInterval(600))
            try await room.drain()
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 0)

            let released = try await t.api(.POST, "\(holds)/\(holdID)/release", token: room.admin)
            #expect(released.json["queued"] as? Int == 2, "\(released.body)")
            #expect(try await t.api(.POST, "\(holds)/\(holdID)/release", token: room.admin).json["queued"] as? Int == 0)
            try await room.drain()
            post = try await room.post(id)
            #expect(post.json["status"] as? String == "published", "\(post.body)")
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 2)
            let events = try await AuditEvent.query(on: t.db).filter(\.$action ~~ ["publishing.hold_started", "publishing.hold_released"]).count()
            #expect(events == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aHoldCommittedWhileTheRunnerClaimsEitherStopsThePostOrCountsItInFlight(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let admin = try #require(try await User.query(on: t.db).filter(\.$email == "author@example.com").first())
            for round in 0..<4 {
                let id = try await room.create("第 \(round) 条", accounts: [room.accounts[0]])
                try await room.approve(id)
                #expect(try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin).status == .ok)
                let jobs = try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).filter(\.$state == "queued").all()
                async let ran = PublishRunner.runBatch(jobs, t.app)
                async let held = PublishingService.startHold(
                    workspaceID: room.ws.id!, accountID: nil, incidentID: nil, by: admin.id, on: t.db, now: Date())
                _ = try await ran
                let started = try await held.started
                let variant = try #require(try await PostVariant.query(on: t.db).filter(\.$post.$id == UUID(uuidString: id)!).first())
                // Either the claim came first (the hold counted it in flight
                // and it went out) or the hold did (it is still queued).
                if variant.state == VariantProgress.queued.rawValue {
                    #expect(started.inFlight == 0)
                } else {
                    #expect(variant.state == VariantProgress.published.rawValue && started.inFlight == 1, "\(variant.state) \(started.inFlight)")
                }
                // After the hold is committed, no claim succeeds.
                let again = try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).filter(\.$state == "queued").all()
                _ = try await PublishRunner.runBatch(again, t.app)
                let after = try #require(try await PostVariant.find(variant.id, on: t.db))
                #expect(after.state == variant.state)
                _ = try await PublishingService.releaseHold(started.hold, by: admin.id, on: t.db)
                try await room.drain()
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aHoldingStatementBlockedByModerationCannotBeApprovedAndTheFastReviewApproves(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let agent = try await t.makeUser("agent@example.com")
            try await t.addMember(agent, to: ws, as: .agent)
            let agentToken = try await t.makeToken(agent)
            let api = "/api/v1/workspaces/\(ws.slug)"
            let template = try await t.api(
                .POST, "\(api)/inbox/templates", token: token, json: ["name": "致歉", "category": "crisis.apology", "body": "非常抱歉给您带来不便，我们正在处理。"])
            #expect(template.status == .created, "\(template.body)")
            let templateID = try #require(template.json["id"] as? String)
            let made = try await t.api(.POST, "\(api)/incidents", token: token, json: ["title": "投诉", "severity": "yellow"])
            let id = try #require(made.json["id"] as? String)
            let statements = "\(api)/incidents/\(id)/statements"

            let fromTemplate = try await t.api(.POST, statements, token: agentToken, json: ["template_id": templateID])
            #expect(fromTemplate.status == .created && fromTemplate.json["text"] as? String == "非常抱歉给您带来不便，我们正在处理。")
            #expect(try await t.api(.POST, statements, token: token, json: ["template_id": UUID().uuidString]).problemFields == ["template_id"])
            #expect(try await t.api(.POST, statements, token: token, json: [:]).problemFields == ["text"])
            let blocked = try await t.api(.POST, statements, token: token, json: ["text": "我们承诺全网最低价补偿"])
            let blockedID = try #require(blocked.json["id"] as? String)
            let refused = try await t.api(.POST, "\(statements)/\(blockedID)/approve", token: token)
            #expect(refused.status == .unprocessableEntity && refused.problemFields == ["text"], "\(refused.body)")
            #expect(((refused.json["errors"] as? [[String: Any]])?.first?["code"] as? String) == "statement_blocked")

            // An agent with no role in the incident may not approve; as its
            // communications person they may.
            let statementID = try #require(fromTemplate.json["id"] as? String)
            #expect(try await t.api(.POST, "\(statements)/\(statementID)/approve", token: agentToken).status == .forbidden)
            _ = try await t.api(
                .POST, "\(api)/incidents/\(id)/roles", token: token, json: ["user_id": agent.id!.uuidString, "role": "communications"])
            let approved = try await t.api(.POST, "\(statements)/\(statementID)/approve", token: agentToken)
            #expect(approved.status == .ok && approved.json["state"] as? String == "approved", "\(approved.body)")
            #expect(try await t.api(.POST, "\(statements)/\(statementID)/approve", token: token).json["state"] as? String == "approved")
            // The inbox's template picker offers it (only the approved one).
            let offered = try await IncidentService.approvedStatements(in: ws.id!, on: t.db)
            #expect(offered.map(\.id.uuidString) == [statementID] && offered.first?.text == "非常抱歉给您带来不便，我们正在处理。")
            let picker = try await ConversationPage.templates(ws.id!, on: t.db)
            #expect(picker.filter { $0.category == "incident_statement" }.map(\.id.uuidString) == [statementID])
            let kinds = (try await t.api(.GET, "\(api)/incidents/\(id)", token: token).json["timeline"] as? [[String: Any]] ?? []).compactMap {
                $0["kind"] as? String
            }
            #expect(kinds.filter { $0 == "statement_approved" }.count == 1 && kinds.filter { $0 == "statement_submitted" }.count == 2)

            // The review: a draft until saved, then kept and found.
            let draft = try await t.api(.GET, "\(api)/incidents/\(id)/review", token: token)
            #expect(draft.json["saved"] as? Bool == false && (draft.json["body"] as? String ?? "").contains("First response"))
            let saved = try await t.api(.PUT, "\(api)/incidents/\(id)/review", token: token, json: ["title": "投诉复盘", "body": "仓库系统升级导致延迟"])
            #expect(saved.json["saved"] as? Bool == true)
            #expect(try await t.api(.PUT, "\(api)/incidents/\(id)/review", token: token, json: ["body": ""]).problemFields == ["body"])
            #expect(try await t.api(.GET, "\(api)/incident-reviews?q=仓库", token: token).jsonArray.count == 1)
            #expect(try await t.api(.GET, "\(api)/incident-reviews?q=100%25", token: token).jsonArray.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePagesShowTheListTheIncidentAndTheHoldSwitch(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let empty = try await browser.get("/w/\(ws.slug)/incidents")
            #expect(empty.status == .ok && empty.body.contains("id=\"incidents-empty\""))
            _ = try await browser.get("/w/\(ws.slug)/incidents/new")
            let refused = try await browser.post("/w/\(ws.slug)/incidents", [("title", ""), ("severity", "red")])
            #expect(refused.status == .unprocessableEntity)
            let made = try await browser.post("/w/\(ws.slug)/incidents", [("title", "门店排队"), ("severity", "red")])
            #expect(made.status == .seeOther)
            let location = try #require(made.headers.first(name: .location))
            let page = try await browser.get(location)
            #expect(
                page.status == .ok && page.body.contains("id=\"incident-clocks\"") && page.body.contains("data-step=\"identify.legal\""),
                "\(page.body)")
            #expect(page.body.contains("id=\"incident-hold-form\""))
            _ = try await browser.post(location + "/notes", [("note_text", "门店已增派人手")])
            _ = try await browser.get(location)
            let bad = try await browser.post(location + "/notes", [("note_text", " ")])
            #expect(bad.status == .unprocessableEntity)
            _ = try await browser.get(location)
            #expect(try await browser.post(location + "/hold", [("account_id", "all")]).status == .seeOther)
            let held = try await browser.get("/w/\(ws.slug)/publishing-holds")
            #expect(held.body.contains("id=\"holds-list\"") && !held.body.contains("id=\"holds-none\""))
            // An approved statement's text starts a new post.
            let compose = try await browser.get("/w/\(ws.slug)/posts/new?body=%E6%88%91%E4%BB%AC%E6%AD%A3%E5%9C%A8%E5%A4%84%E7%90%86")
            #expect(compose.status == .ok && compose.body.contains("我们正在处理"))
            let review = try await browser.get(location + "/review")
            #expect(review.status == .ok && review.body.contains("id=\"incident-review-form\""))
        }
    }

    @Test func theListViewSaysWhatToDoWhenEmptyAndEscapesTitles() {
        let ctx = PageContext(locale: .en, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/x/incidents")
        let model = IncidentsPage.ListModel(
            rows: [], filtered: false, stateFilter: "", severityFilter: "", newHref: "/w/x/incidents/new", reviewsHref: "/r", holdsHref: "/h",
            canOpen: true, nextHref: nil)
        let html = IncidentsPage.listView(model, ctx).description
        #expect(html.contains("open an incident from the alert") && html.contains("id=\"incident-new\""))
        let zh = IncidentsPage.listView(
            model, PageContext(locale: .zhHans, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/x/incidents")
        ).description
        #expect(zh.contains("还没有危机事件") && zh.contains("开启危机事件"))
        var withRow = model
        withRow.rows = [
            IncidentsPage.ListRow(
                href: "/w/x/incidents/1", title: "<script>", severity: "red", severityLabel: "Red", stateLabel: "Open", opened: "01/01/2026, 10:00",
                fromAlert: true)
        ]
        let rows = IncidentsPage.listView(withRow, ctx).description
        #expect(rows.contains("&lt;script&gt;") && !rows.contains("<script>") && rows.contains("grade-red"))
    }
}
