import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Walks every registered route that names a workspace or another
/// person's resource and proves that a member of workspace A gets 404 for
/// everything of workspace B, whichever id it uses, and changes nothing.
@Suite struct TenantIsolationTests {
    @Test(arguments: TestDatabase.available)
    func aMemberOfOneWorkspaceFindsNothingOfAnother(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup
            let (userA, tokenA, wsA) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (userB, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            _ = userA
            let memberB = try await t.addMember(try await t.makeUser("b-member@example.com"), to: wsB, as: .editor)
            let invitationB = try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/invitations", token: tokenB, json: ["role": "viewer"])
            let invitationID = try #require(invitationB.json["id"] as? String)
            let tokenIDB = try await APIToken.query(on: t.db).filter(\.$user.$id == userB.id!).first()!.id!.uuidString
            let accountB = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/accounts", token: tokenB, json: ["platform": "sandbox", "handle": "beta"])
                    .json["id"]
                    as? String)
            let postB = try await t.api(
                .POST, "/api/v1/workspaces/\(wsB.slug)/posts", token: tokenB, json: ["body": "B's post", "account_ids": [accountB]])
            let postID = try #require(postB.json["id"] as? String)
            let variantID = try #require((postB.json["variants"] as? [[String: Any]])?.first?["id"] as? String)
            let linkID = try #require(
                try await t.api(
                    .POST, "/api/v1/workspaces/\(wsB.slug)/links", token: tokenB, json: ["destination": "https://b.example/", "post_id": postID]
                ).json["id"] as? String)
            let trackedID = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/competitors", token: tokenB, json: ["platform": "sandbox", "handle": "rival"])
                    .json["id"] as? String)
            let topicID = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/topics", token: tokenB, json: ["title": "B's idea"]).json["id"] as? String)
            let assetID = try #require(
                try await t.api(
                    .POST, "/api/v1/workspaces/\(wsB.slug)/assets", token: tokenB,
                    json: ["name": "logo", "kind": "image", "location": "s3://b/logo.png"]
                ).json["id"] as? String)
            let entryID = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/lexicon/terms", token: tokenB, json: ["term": "乙方词"]).json["id"] as? String)
            let feedbackID = try #require(
                try await t.api(
                    .POST, "/api/v1/workspaces/\(wsB.slug)/moderation/feedback", token: tokenB, json: ["term": "第一", "phrase": "第一名"]
                ).json["id"] as? String)
            let inboxB = "/api/v1/workspaces/\(wsB.slug)/inbox"
            let templateID = try #require(
                try await t.api(.POST, inboxB + "/templates", token: tokenB, json: ["name": "B", "category": "other", "body": "hi"]).json["id"]
                    as? String)
            let ruleID = try #require(
                try await t.api(.POST, inboxB + "/rules", token: tokenB, json: ["name": "B", "actions": ["tags": ["b"]]]).json["id"] as? String)
            let ticketID = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/feedback", token: tokenB, json: ["body": "B's idea"]).json["id"] as? String)
            let fanID = try await FanDirectory.fan(
                workspaceID: wsB.id!, platform: "sandbox", authorID: "b-fan", name: "B's fan", now: Date(), on: t.db)
            let apiB = "/api/v1/workspaces/\(wsB.slug)"
            let segmentID = try #require(
                try await t.api(
                    .POST, apiB + "/segments", token: tokenB, json: ["name": "B", "rule": ["all": [["field": "points", "op": "gte", "value": 0]]]]
                ).json["id"] as? String)
            let activityID = try #require(
                try await t.api(
                    .POST, apiB + "/activities", token: tokenB,
                    json: [
                        "title": "B's poll", "settings": ["kind": "ugc_challenge", "hashtag": "#B", "featured_picks": 1],
                        "ends_at": ISO8601DateFormatter().string(from: Date().addingTimeInterval(3_600)),
                    ]
                ).json["id"] as? String)
            #expect(try await t.api(.POST, apiB + "/activities/\(activityID)/status", token: tokenB, json: ["status": "open"]).status == .ok)
            let activityEntryID =
                try #require(
                    try await t.api(
                        .POST, apiB + "/activities/\(activityID)/entries", token: tokenB, json: ["fan_id": fanID.uuidString, "text": "#B mine"]
                    )
                    .json["entry"] as? [String: Any])["id"] as? String
            let otherFanID = try await FanDirectory.fan(
                workspaceID: wsB.id!, platform: "sandbox", authorID: "b-fan-2", name: "B's other fan", now: Date(), on: t.db)
            let mergeID = try #require(
                try await t.api(
                    .POST, apiB + "/fan-merges", token: tokenB, json: ["kept_fan_id": fanID.uuidString, "merged_fan_id": otherFanID.uuidString]
                ).json["id"] as? String)
            _ = try await PointsLedger(db: t.db).post(
                LedgerEntry(sourceKey: "gift:b", delta: 10, kind: .earn), to: fanID, in: wsB.id!, actor: .system)
            let rewardID = try #require(
                try await t.api(.POST, apiB + "/rewards", token: tokenB, json: ["name": "B's pin", "cost": 1]).json["id"] as? String)
            let redemptionID = try #require(
                try await t.api(.POST, apiB + "/rewards/\(rewardID)/redemptions", token: tokenB, json: ["fan_id": fanID.uuidString]).json["id"]
                    as? String)
            let reportID = try #require(
                try await t.api(.POST, apiB + "/reports", token: tokenB, json: ["from": "2026-01-01", "to": "2026-01-07"]).json["id"] as? String)
            let channelID = try #require(
                try await t.api(
                    .POST, apiB + "/notify-channels", token: tokenB,
                    json: ["kind": "wecom_robot", "name": "B", "address": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=b-key"]
                ).json["id"] as? String)
            // Listening: B's monitor and an alert of it.
            let monitorID = try #require(
                try await t.api(.POST, apiB + "/listening/monitors", token: tokenB, json: ["name": "B", "query": "乙方"]).json["id"] as? String)
            let alertB = ListeningAlert()
            alertB.id = UUID()
            alertB.$workspace.id = wsB.id!
            alertB.monitorID = try #require(UUID(uuidString: monitorID))
            alertB.openKey = alertB.monitorID
            (alertB.grade, alertB.state, alertB.openedAt, alertB.lastSpikeAt) = ("blue", "open", Date(), Date())
            (alertB.mentions, alertB.negative, alertB.expected, alertB.usualNegativeShare, alertB.previous) = (10, 0, 0, 0, 0)
            (alertB.byVolume, alertB.byShare, alertB.bySpeed, alertB.escalations) = (true, false, false, 0)
            try await alertB.create(on: t.db)
            let feedB = ListeningFeed()
            feedB.id = UUID()
            feedB.$workspace.id = wsB.id!
            (feedB.name, feedB.url, feedB.intervalMinutes, feedB.nextPollAt, feedB.createdAt) = ("B", "https://b.example/feed", 15, Date(), Date())
            try await feedB.create(on: t.db)
            let searchB = ListeningSearch()
            searchB.id = UUID()
            searchB.$workspace.id = wsB.id!
            (searchB.platform, searchB.query, searchB.instance) = ("mastodon", "#乙方", "https://b.example")
            (searchB.intervalMinutes, searchB.nextPollAt, searchB.createdAt) = (15, Date(), Date())
            try await searchB.create(on: t.db)
            // Incidents (issue 20): an incident, a holding statement, a publishing hold.
            let incidentID = try #require(
                try await t.api(.POST, apiB + "/incidents", token: tokenB, json: ["title": "B's incident", "severity": "blue"]).json["id"] as? String)
            let statementID = try #require(
                try await t.api(.POST, apiB + "/incidents/\(incidentID)/statements", token: tokenB, json: ["text": "B's statement"]).json["id"]
                    as? String)
            let holdID = try #require(
                (try await t.api(.POST, apiB + "/publishing-holds", token: tokenB, json: ["account_id": accountB]).json["hold"] as? [String: Any])?[
                    "id"] as? String)
            // Experiments (issue 21): a draft on B's link.
            let experimentID = try #require(
                try await t.api(
                    .POST, apiB + "/experiments", token: tokenB,
                    json: [
                        "name": "B's test", "hypothesis": "B", "varies": "title", "link_id": linkID,
                        "arms": [["name": "A", "destination": "https://b.example/a"], ["name": "B", "destination": "https://b.example/b"]],
                    ]
                ).json["id"] as? String)
            // Goals (issue 21): a goal and an objective.
            let goalID = try #require(
                try await t.api(
                    .POST, apiB + "/goals", token: tokenB,
                    json: ["title": "B's goal", "metric": "likes", "target": 10, "start_day": "2027-01-01", "deadline": "2027-12-31"]
                ).json["id"] as? String)
            let objectiveID = try #require(
                try await t.api(
                    .POST, apiB + "/goals/objectives", token: tokenB,
                    json: ["title": "B's objective", "start_day": "2027-01-01", "deadline": "2027-12-31"]
                ).json["id"] as? String)
            // Campaigns (issue 22): a campaign from a template with its task,
            // dependency and checklist item.
            let campaignB = try await t.api(
                .POST, apiB + "/campaigns", token: tokenB,
                json: ["name": "B's launch", "template": "prepare_execute_review", "launch_day": "2027-03-01"])
            let campaignID = try #require(campaignB.json["id"] as? String)
            let campaignTaskID = try #require((campaignB.json["tasks"] as? [[String: Any]])?.first?["id"] as? String)
            let dependencyID = try #require((campaignB.json["dependencies"] as? [[String: Any]])?.first?["id"] as? String)
            let checklistItemID = try #require(
                ((campaignB.json["phases"] as? [[String: Any]])?.first?["checklist"] as? [[String: Any]])?.first?["id"] as? String)
            // The knowledge base (issue 22): a closed campaign of B, its post-mortem drafted into B's knowledge base.
            let finishedB = try #require(
                try await t.api(
                    .POST, apiB + "/campaigns", token: tokenB,
                    json: ["name": "Bfinished secretlaunch", "template": "custom", "launch_day": "2026-01-05"]
                ).json["id"] as? String)
            #expect(try await t.api(.POST, apiB + "/campaigns/\(finishedB)/close", token: tokenB).status == .ok)
            #expect((try await t.api(.GET, apiB + "/knowledge?q=secretlaunch", token: tokenB).json["items"] as? [Any])?.count == 1)
            // Risks (issue 22): a risk with a trigger.
            let riskID = try #require(
                try await t.api(
                    .POST, apiB + "/risks", token: tokenB,
                    json: [
                        "title": "B's risk", "category": "content", "probability": 3, "impact_brand": 3, "impact_users": 2, "impact_business": 2,
                        "triggers": [["kind": "alert", "min_grade": "red"]],
                    ]
                ).json["id"] as? String)
            // Budgets (issue 22): a line, a channel and a pending spend of B.
            let budgetLineID = try #require(
                try await t.api(
                    .POST, apiB + "/budget/lines", token: tokenB,
                    json: ["name": "B's line", "category": "fixed", "month": "2027-01", "planned_fen": 100]
                ).json["id"] as? String)
            let budgetChannelID = try #require(
                try await t.api(.POST, apiB + "/budget/channels", token: tokenB, json: ["key": "b-channel", "label": "B"]).json["id"] as? String)
            let spendID = try #require(
                try await t.api(
                    .POST, apiB + "/budget/spend", token: tokenB, json: ["line_id": budgetLineID, "amount_fen": 99_000_000, "spent_on": "2027-01-02"]
                ).json["id"] as? String)
            // The library's hits (issue 21): a post of B marked by B's experiment.
            let hitB = ContentHit()
            hitB.$workspace.id = wsB.id!
            (hitB.postID, hitB.experimentID, hitB.experimentName, hitB.armName) = (
                UUID(uuidString: postID)!, UUID(uuidString: experimentID)!, "B's test", "B"
            )
            (hitB.quasiExperiment, hitB.markedAt) = (false, Date())
            try await hitB.create(on: t.db)
            let valuesOfB: [String: String] = [
                "experiment_id": experimentID, "hit_id": hitB.id!.uuidString,
                "campaign_id": campaignID, "task_id": campaignTaskID, "dependency_id": dependencyID, "item_id": checklistItemID,
                "goal_id": goalID, "objective_id": objectiveID, "risk_id": riskID,
                "line_id": budgetLineID, "channel_id": budgetChannelID, "spend_id": spendID,
                "monitor_id": monitorID, "alert_id": alertB.id!.uuidString, "feed_id": feedB.id!.uuidString, "search_id": searchB.id!.uuidString,
                "notify_channel_id": channelID,
                "incident_id": incidentID, "statement_id": statementID, "hold_id": holdID,
                "report_id": reportID, "reward_id": rewardID, "tracked_account_id": trackedID, "redemption_id": redemptionID, "link_id": linkID,
                "segment_id": segmentID, "activity_id": activityID, "activity_entry_id": try #require(activityEntryID), "merge_id": mergeID,
                "fan_id": fanID.uuidString, "template_id": templateID, "rule_id": ruleID, "ticket_id": ticketID,
                "member_id": memberB.id!.uuidString, "member": memberB.id!.uuidString,
                "invitation_id": invitationID, "invitation": invitationID, "token_id": tokenIDB,
                "account_id": accountB, "account": accountB, "post_id": postID, "post": postID, "variant": variantID,
                "topic_id": topicID, "topic": topicID, "asset_id": assetID,
                "entry_id": entryID, "entry": entryID, "feedback_id": feedbackID, "feedback": feedbackID,
            ]
            // Parameters that are not ids of anything (a week's date).
            let notIDs: Set<String> = ["week_start"]
            let auditBefore = try await AuditEvent.query(on: t.db).filter(\.$workspaceID == wsB.id!).count()

            // act + check: the API
            var walked = 0
            for route in t.app.routes.all where route.path.first?.description == "api" {
                let parameters = route.path.compactMap { component -> String? in
                    if case .parameter(let name) = component { return name }
                    return nil
                }
                guard parameters.contains(where: { $0 == "workspace" || valuesOfB[$0] != nil }) else { continue }
                for workspaceKey in [wsB.slug, wsB.id!.uuidString, wsA.slug] {
                    // A's own workspace with B's ids only matters when there are ids.
                    if workspaceKey == wsA.slug, parameters.filter({ !notIDs.contains($0) }) == ["workspace"] { continue }
                    let path = render(route, workspace: workspaceKey, values: valuesOfB)
                    let body: [String: Any]? = [.POST, .PATCH, .PUT].contains(route.method) ? ["role": "viewer", "name": "Hijacked"] : nil
                    let reply = try await t.api(route.method, path, token: tokenA, json: body)
                    #expect(reply.status == .notFound, "\(route.method) \(path) gave \(reply.status.code)")
                    #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                    walked += 1
                }
            }
            #expect(walked >= 15, "the walk must cover the workspace routes (walked \(walked))")
            // A's import naming B's account finds no such account in A's workspace.
            let crossed = try await t.api(
                .POST, "/api/v1/workspaces/\(wsA.slug)/analytics/imports", token: tokenA,
                json: ["account_id": accountB, "csv": "日期,粉丝数\n2026-11-03,1\n"])
            #expect(crossed.status == .unprocessableEntity && crossed.problemFields == ["account_id"], "\(crossed.body)")
            // The same for a per-post export: B's account (and so its posts) are not A's to match.
            let crossedPosts = try await t.api(
                .POST, "/api/v1/workspaces/\(wsA.slug)/analytics/imports", token: tokenA,
                json: ["account_id": accountB, "kind": "wechat.article_list", "csv": "标题,阅读次数\n周报,1\n"])
            #expect(crossedPosts.status == .unprocessableEntity && crossedPosts.problemFields == ["account_id"], "\(crossedPosts.body)")
            #expect(try await MetricImport.query(on: t.db).count() == 0)

            // A's own knowledge base never shows B's documents.
            let searchedA = try await t.api(.GET, "/api/v1/workspaces/\(wsA.slug)/knowledge?q=secretlaunch", token: tokenA)
            #expect(searchedA.status == .ok && (searchedA.json["items"] as? [Any])?.isEmpty == true, "\(searchedA.body)")
            let recentA = try await t.api(.GET, "/api/v1/workspaces/\(wsA.slug)/knowledge", token: tokenA)
            #expect((recentA.json["items"] as? [Any])?.isEmpty == true, "\(recentA.body)")

            // act + check: the pages
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            for route in t.app.routes.all where route.path.first?.description == "w" {
                let path = render(route, workspace: wsB.slug, values: valuesOfB)
                let reply =
                    route.method == .GET ? try await browser.get(path) : try await browser.post(path, [("role", "viewer"), ("name", "Hijacked")])
                #expect(reply.status == .notFound, "page \(route.method) \(path) gave \(reply.status.code)")
            }

            // Nothing of B changed.
            #expect(try await Workspace.find(wsB.id, on: t.db)?.name == "Beta")
            #expect(try await Membership.find(memberB.id, on: t.db)?.role == "editor")
            #expect(try await Invitation.find(UUID(uuidString: invitationID), on: t.db)?.revokedAt == nil)
            #expect(try await APIToken.find(UUID(uuidString: tokenIDB), on: t.db)?.revokedAt == nil)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$workspaceID == wsB.id!).count() == auditBefore)
            let post = try #require(try await Post.find(UUID(uuidString: postID), on: t.db))
            #expect(post.body == "B's post" && post.status == "draft" && post.version == 1)
            #expect(try await Topic.find(UUID(uuidString: topicID), on: t.db)?.status == "open")
            #expect(try await ShortLink.find(UUID(uuidString: linkID), on: t.db)?.disabledAt == nil)
            #expect(try await TrackedAccount.find(UUID(uuidString: trackedID), on: t.db) != nil)
            #expect(try await NotifyChannelRecord.find(UUID(uuidString: channelID), on: t.db)?.name == "B")
            #expect(try await Incident.find(UUID(uuidString: incidentID), on: t.db)?.state == "open")
            #expect(try await IncidentStatement.find(UUID(uuidString: statementID), on: t.db)?.state == "pending")
            #expect(try await PublishingHold.find(UUID(uuidString: holdID), on: t.db)?.releasedAt == nil)
            #expect(try await Goal.find(UUID(uuidString: goalID), on: t.db)?.title == "B's goal")
            #expect(try await GoalObjective.find(UUID(uuidString: objectiveID), on: t.db)?.title == "B's objective")
            #expect(try await Campaign.find(UUID(uuidString: campaignID), on: t.db)?.name == "B's launch")
            #expect(try await CampaignTask.find(UUID(uuidString: campaignTaskID), on: t.db)?.doneAt == nil)
            #expect(try await CampaignDependency.find(UUID(uuidString: dependencyID), on: t.db) != nil)
            #expect(try await CampaignChecklistItem.find(UUID(uuidString: checklistItemID), on: t.db)?.doneAt == nil)
            let riskB = try #require(try await Risk.find(UUID(uuidString: riskID), on: t.db))
            #expect(riskB.title == "B's risk" && riskB.state == "open" && riskB.incidentID == nil)
            #expect(try await RiskTriggerRow.query(on: t.db).filter(\.$riskID == riskB.id!).count() == 1)
            #expect(try await BudgetLine.find(UUID(uuidString: budgetLineID), on: t.db)?.name == "B's line")
            #expect(try await BudgetChannel.find(UUID(uuidString: budgetChannelID), on: t.db)?.label == "B")
            #expect(try await SpendEntry.find(UUID(uuidString: spendID), on: t.db)?.state == "pending")
        }
    }

    private func render(_ route: Route, workspace: String, values: [String: String]) -> String {
        "/"
            + route.path.map { component -> String in
                switch component {
                case .parameter(let name): return name == "workspace" ? workspace : (values[name] ?? UUID().uuidString)
                default: return component.description
                }
            }.joined(separator: "/")
    }
}
