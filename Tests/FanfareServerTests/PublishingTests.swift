import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// A workspace with an author, a reviewer and a lawyer, two Sandbox
/// accounts, and helpers to walk a post through review.
struct Newsroom {
    let t: TestApp
    let ws: Workspace
    let admin: String
    let reviewer: String
    let legal: String
    let accounts: [String]

    static func make(_ t: TestApp) async throws -> Newsroom {
        let (_, admin, ws) = try await t.makeWorkspaceAdmin("author@example.com", workspace: "Brand")
        let reviewerUser = try await t.makeUser("reviewer@example.com")
        try await t.addMember(reviewerUser, to: ws, as: .reviewer)
        let legalUser = try await t.makeUser("legal@example.com")
        try await t.addMember(legalUser, to: ws, as: .legal)
        var accounts: [String] = []
        for handle in ["brand_a", "brand_b"] {
            let reply = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: admin, json: ["platform": "sandbox", "handle": handle])
            accounts.append(try #require(reply.json["id"] as? String))
        }
        return Newsroom(
            t: t, ws: ws, admin: admin, reviewer: try await t.makeToken(reviewerUser), legal: try await t.makeToken(legalUser), accounts: accounts)
    }

    var posts: String { "/api/v1/workspaces/\(ws.slug)/posts" }

    func create(_ body: String, accounts: [String]? = nil, extra: [String: Any] = [:]) async throws -> String {
        var json: [String: Any] = ["body": body, "account_ids": accounts ?? self.accounts, "tags": ["新品"]]
        json.merge(extra) { $1 }
        let reply = try await t.api(.POST, posts, token: admin, json: json)
        #expect(reply.status == .created, "\(reply.body)")
        return try #require(reply.json["id"] as? String)
    }

    /// Submitted, approved by the reviewer, then by legal.
    func approve(_ id: String) async throws {
        let submitted = try await t.api(.POST, "\(posts)/\(id)/submit", token: admin)
        #expect((submitted.json["problems"] as? [String])?.isEmpty == true, "\(submitted.body)")
        #expect(try await t.api(.POST, "\(posts)/\(id)/review", token: reviewer, json: ["decision": "approve"]).status == .ok)
        let legal = try await t.api(.POST, "\(posts)/\(id)/review", token: legal, json: ["decision": "approve", "comment": "ok"])
        #expect(legal.json["status"] as? String == "approved", "\(legal.body)")
    }

    /// Runs every job that is due now, as a worker would.
    func drain(max: Int = 100) async throws {
        let worker = JobWorker(app: t.app)
        var runs = 0
        while try await worker.runOne(), runs < max { runs += 1 }
    }

    func post(_ id: String) async throws -> Reply { try await t.api(.GET, "\(posts)/\(id)", token: admin) }
}

@Suite struct PublishingTests {
    @Test(arguments: TestDatabase.available)
    func anApprovedPostIsPublishedToEveryAccountOnceWithItsLink(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let id = try await room.create("春季新品今天上市，欢迎来店里看看！")
            try await room.approve(id)
            let scheduled = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
            #expect(scheduled.json["status"] as? String == "scheduled")
            try await room.drain()
            try await room.drain()  // a second pass finds nothing more to send
            let post = try await room.post(id)
            #expect(post.json["status"] as? String == "published")
            let variants = try #require(post.json["variants"] as? [[String: Any]])
            #expect(variants.count == 2)
            for variant in variants {
                #expect(variant["state"] as? String == "published")
                let url = try #require(variant["url"] as? String)
                // The Sandbox's post pages are this server's own.
                #expect(url.hasPrefix(t.app.settings.linkBase + "/sandbox/@brand_"), "\(url)")
                #expect(variant["attempts"] as? Int == 1)
            }
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 2, "one post per account on the platform")
            let history = try #require(post.json["review"] as? [String: Any])["history"] as? [[String: Any]]
            #expect(history?.compactMap { $0["decision"] as? String } == ["submitted", "auto_passed", "approved", "approved"])
            // The first snapshot is planned per variant; each snapshot plans
            // the next milestone (3, 7, 30 days) when it runs.
            let planned = try await Job.query(on: t.db).filter(\.$kind == MetricsSnapshotter.kind.name).all()
            #expect(planned.count == 2 && planned.allSatisfy { $0.uniqueKey?.hasSuffix(":latest") == true })
            for job in planned {
                job.runAt = Date().addingTimeInterval(-1)
                try await job.save(on: t.db)
            }
            try await room.drain()
            let next = try await Job.query(on: t.db).filter(\.$kind == MetricsSnapshotter.kind.name).filter(\.$state == "queued").all()
            #expect(next.count == 2 && next.allSatisfy { $0.uniqueKey?.hasSuffix(":3d") == true })
            #expect(try await MetricSnapshot.query(on: t.db).filter(\.$label == "latest").count() == 2)
            let refreshed = try await t.api(.POST, "\(room.posts)/\(id)/metrics/refresh", token: room.admin)
            let metrics = (refreshed.json["variants"] as? [[String: Any]])?.first?["metrics"] as? [[String: Any]]
            #expect(metrics?.first?["label"] as? String == "latest")
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoWorkersDrainingDuplicatedJobsInBatchesPublishEachVariantOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            var ids: [String] = []
            for index in 0..<4 {
                let id = try await room.create("批量发布第\(index)条")
                try await room.approve(id)
                ids.append(id)
            }
            // A stale job for the first post: it was rescheduled since.
            _ = try await t.api(.POST, "\(room.posts)/\(ids[0])/publish-now", token: room.admin)
            for id in ids { _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin) }
            // Every job twice (a sweep and the schedule both queued it).
            for job in try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).all() {
                try await JobQueue(db: t.db).enqueue(PublishRunner.kind, payload: try PublishRunner.kind.payload(of: job))
            }
            let first = JobWorker(app: t.app, batchSize: 5)
            let second = JobWorker(app: t.app, batchSize: 7)
            async let a: Void = { while try await first.runBatch() > 0 {} }()
            async let b: Void = { while try await second.runBatch() > 0 {} }()
            _ = try await (a, b)
            let variants = try await PostVariant.query(on: t.db).all()
            #expect(variants.count == 8)
            #expect(variants.allSatisfy { $0.state == "published" && $0.attempts == 1 })
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 8, "one platform post per variant")
            #expect(try await PublishAttempt.query(on: t.db).count() == 8)
            for id in ids { #expect(try await room.post(id).json["status"] as? String == "published") }
            // A duplicate that met its variant held by the other worker waits
            // (queued, not failed); run later, it finds it out and does nothing.
            let waiting = try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).filter(\.$state != "succeeded").all()
            #expect(waiting.allSatisfy { $0.state == "queued" })
            for job in waiting {
                job.runAt = Date().addingTimeInterval(-1)
                try await job.save(on: t.db)
            }
            while try await first.runBatch() > 0 {}
            #expect(try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).filter(\.$state != "succeeded").count() == 0)
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 8)
        }
    }

    @Test(arguments: TestDatabase.available)
    func reviewFollowsTheChainAndAnEditSendsAnApprovedPostBack(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let id = try await room.create("第一版文案")
            // Nothing can be scheduled before it is approved.
            #expect(try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin).status == .conflict)
            _ = try await t.api(.POST, "\(room.posts)/\(id)/submit", token: room.admin)
            // Legal cannot jump the editorial step; the author cannot approve.
            #expect(try await t.api(.POST, "\(room.posts)/\(id)/review", token: room.legal, json: ["decision": "approve"]).status == .forbidden)
            #expect(try await t.api(.POST, "\(room.posts)/\(id)/review", token: room.admin, json: ["decision": "approve"]).status == .conflict)
            let noReason = try await t.api(.POST, "\(room.posts)/\(id)/review", token: room.reviewer, json: ["decision": "reject"])
            #expect(noReason.status == .unprocessableEntity && noReason.problemFields == ["comment"])
            let rejected = try await t.api(
                .POST, "\(room.posts)/\(id)/review", token: room.reviewer, json: ["decision": "reject", "comment": "语气太硬"])
            #expect(rejected.json["status"] as? String == "rejected")
            // The author hears about it, the reviewer heard about the submission.
            let notes = try await UserNotification.query(on: t.db).all().map { Notifier.message(of: $0, locale: .en) }
            #expect(notes.contains { $0.contains("waits for your review") })
            #expect(notes.contains { $0.contains("was rejected: 语气太硬") })
            try await room.approve(id)
            let edited = try await t.api(.PUT, "\(room.posts)/\(id)", token: room.admin, json: ["body": "第二版文案", "account_ids": room.accounts])
            #expect(edited.json["status"] as? String == "draft", "an edit after approval sends it back")
            #expect((edited.json["version"] as? Int ?? 0) > 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func editingOrUnschedulingCancelsQueuedPublishing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let id = try await room.create("定时发布的内容")
            try await room.approve(id)
            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3_600))
            #expect(try await t.api(.POST, "\(room.posts)/\(id)/schedule", token: room.admin, json: ["scheduled_at": at]).status == .ok)
            #expect(try await t.api(.POST, "\(room.posts)/\(id)/unschedule", token: room.admin).json["status"] as? String == "approved")
            // The queued jobs are still in the table but their version is
            // stale: run them now and nothing is published.
            for job in try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).all() {
                job.runAt = Date().addingTimeInterval(-1)
                try await job.save(on: t.db)
            }
            try await room.drain()
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 0)
            let past = try await t.api(.POST, "\(room.posts)/\(id)/schedule", token: room.admin, json: ["scheduled_at": "2020-01-01T00:00:00Z"])
            #expect(past.status == .unprocessableEntity && past.problemFields == ["scheduled_at"])
            let garbage = try await t.api(.POST, "\(room.posts)/\(id)/schedule", token: room.admin, json: ["scheduled_at": "tomorrow"])
            #expect(garbage.status == .unprocessableEntity && garbage.problemFields == ["scheduled_at"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aTimeoutAfterSendingIsReconciledAndNotSentTwice(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let id = try await room.create("会超时的内容 [sandbox:timeout]", accounts: [room.accounts[0]])
            try await room.approve(id)
            _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
            try await room.drain()
            var variant = try #require((try await room.post(id)).json["variants"] as? [[String: Any]]).first
            #expect(variant?["state"] as? String == "unconfirmed")
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 1, "the platform did publish it")
            // The recheck is due 30 s later; run it now.
            let job = try #require(try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).filter(\.$state == "queued").first())
            job.runAt = Date().addingTimeInterval(-1)
            try await job.save(on: t.db)
            try await room.drain()
            variant = try #require((try await room.post(id)).json["variants"] as? [[String: Any]]).first
            #expect(variant?["state"] as? String == "published")
            #expect(variant?["url"] as? String != nil)
            let outcomes = (variant?["attempt_history"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String }
            #expect(outcomes == ["unconfirmed", "reconciled"])
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 1, "reconciled, not re-sent")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aWorkerKilledMidPublishLeavesAVariantThatIsReconciledOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let id = try await room.create("被中断的发布", accounts: [room.accounts[0]])
            try await room.approve(id)
            _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
            // A worker claimed the job and the variant, reached the platform,
            // and died before writing the outcome.
            let variant = try #require(try await PostVariant.query(on: t.db).first())
            let job = try #require(try await Job.query(on: t.db).filter(\.$kind == PublishRunner.kind.name).first())
            let sandbox = try AccountService(db: t.db, app: t.app).connector(
                for: try #require(try await SocialAccount.find(variant.$account.id, on: t.db)))
            _ = try await sandbox.publish(PublishRequest(idempotencyKey: variant.idempotencyKey, variant: Variant(text: variant.text)))
            variant.state = "publishing"
            variant.attempts = 1
            variant.claimExpiresAt = Date().addingTimeInterval(-1)
            try await variant.save(on: t.db)
            job.state = "running"
            job.attempts = 1
            job.leaseExpiresAt = Date().addingTimeInterval(-1)
            try await job.save(on: t.db)
            // The lease ran out: another worker takes the job over.
            try await room.drain()
            let after = try #require(try await PostVariant.find(variant.id, on: t.db))
            #expect(after.state == "published")
            #expect(try await PublishAttempt.query(on: t.db).all().map(\.outcome) == ["reconciled"])
            #expect(try await SandboxPostRecord.query(on: t.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func failuresSayWhatToDo(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let refused = try await room.create("平台会拒绝 [sandbox:reject]", accounts: [room.accounts[0]])
            let expired = try await room.create("授权过期 [sandbox:expired]", accounts: [room.accounts[1]])
            for id in [refused, expired] {
                try await room.approve(id)
                _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
            }
            try await room.drain()
            let first = try #require((try await room.post(refused)).json["variants"] as? [[String: Any]]).first
            #expect((try await room.post(refused)).json["status"] as? String == "failed")
            #expect(first?["error_code"] as? String == "rejected")
            #expect((first?["last_error"] as? String)?.contains("The platform refused") == true)
            let second = try #require((try await room.post(expired)).json["variants"] as? [[String: Any]]).first
            #expect(second?["error_code"] as? String == "expired_credentials")
            #expect((second?["last_error"] as? String)?.contains("reconnect the account") == true)
            let account = try #require(try await SocialAccount.find(UUID(uuidString: room.accounts[1]), on: t.db))
            #expect(account.status == "needs_reconnect")
            #expect(
                try await UserNotification.query(on: t.db).all().map { Notifier.message(of: $0, locale: .en) }.filter {
                    $0.contains("could not be published")
                }.count == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theAutomaticCheckKeepsAPostThatBreaksARuleAsADraft(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let long = String(repeating: "很长的文字", count: 500)
            let id = try await room.create("x", extra: ["variants": [room.accounts[0]: ["text": long]]])
            let submitted = try await t.api(.POST, "\(room.posts)/\(id)/submit", token: room.admin)
            #expect(submitted.json["post"].flatMap { ($0 as? [String: Any])?["status"] as? String } == "draft")
            let problems = try #require(submitted.json["problems"] as? [String])
            #expect(problems.count == 1 && problems[0].contains("@brand_a"))
            let bad = try await t.api(.POST, room.posts, token: room.admin, json: ["body": "", "account_ids": ["nope"], "pillar": "gold"])
            #expect(Set(bad.problemFields) == ["body", "account_ids", "pillar"])
            #expect(try await Post.query(on: t.db).count() == 1, "nothing half-written")
        }
    }
}

@Suite struct PostImportTests {
    @Test(arguments: TestDatabase.available)
    func aCSVImportsEveryRowOrNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let url = "\(room.posts)/import"
            let good = """
                title,text,accounts,scheduled_at,pillar,tags
                春季新品,"春季新品上市，欢迎光临",brand_a;@brand_b,2099-03-01 09:30,core,新品;春季
                ,"Second post, with a comma",brand_b,,basic,
                """
            let imported = try await t.api(.POST, url, token: room.admin, json: ["csv": good])
            #expect(imported.status == .created, "\(imported.body)")
            #expect(imported.json["imported"] as? Int == 2)
            let first = try #require(try await Post.query(on: t.db).filter(\.$title == "春季新品").first())
            #expect(first.status == "draft" && first.scheduledAt != nil && first.tags == ["新品", "春季"])
            #expect(try await PostVariant.query(on: t.db).filter(\.$post.$id == first.id!).count() == 2)
            let bad = """
                title,text,accounts,scheduled_at
                ok,"fine",brand_a,
                oops,"",nobody,someday
                """
            let refused = try await t.api(.POST, url, token: room.admin, json: ["csv": bad])
            #expect(refused.status == .unprocessableEntity)
            let errors = try #require(refused.json["errors"] as? [[String: Any]])
            #expect(errors.allSatisfy { $0["line"] as? Int == 3 }, "\(refused.body)")
            #expect(Set(errors.compactMap { $0["field"] as? String }).isSuperset(of: ["text", "scheduled_at"]))
            #expect(try await Post.query(on: t.db).count() == 2, "nothing of the bad file was imported")
            let unknownAccount = try await t.api(.POST, url, token: room.admin, json: ["csv": "text,accounts\nhello,ghost\n"])
            #expect((unknownAccount.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "accounts")
            #expect(try await t.api(.POST, url, token: room.admin, json: [:]).problemFields == ["csv"])
        }
    }
}

@Suite struct BestTimeTests {
    @Test(arguments: TestDatabase.available)
    func theWorkspacesOwnHistoryGivesTheBestHourOnceThereAreEnoughPosts(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            var ids: [String] = []
            for n in 1...3 {
                let id = try await room.create("第 \(n) 条", accounts: [room.accounts[0]])
                try await room.approve(id)
                _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
                ids.append(id)
            }
            try await room.drain()
            let api = "/api/v1/workspaces/\(room.ws.slug)/best-times"
            // Published but not measured yet: nothing to suggest.
            #expect((try await t.api(.GET, api, token: room.admin).json["suggestions"] as? [Any])?.isEmpty == true)
            for (index, variant) in try await PostVariant.query(on: t.db).all().enumerated() {
                let snapshot = MetricSnapshot()
                snapshot.id = UUID()
                snapshot.$workspace.id = room.ws.id!
                snapshot.$variant.id = variant.id!
                snapshot.label = "7d"
                snapshot.impressions = 1_000
                snapshot.likes = 40 + index
                snapshot.comments = 5
                snapshot.shares = 5
                snapshot.takenAt = Date()
                try await snapshot.create(on: t.db)
            }
            let map = try await t.api(.GET, api, token: room.admin)
            let best = try #require((map.json["suggestions"] as? [[String: Any]])?.first)
            let zone = room.ws.zone
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            #expect(best["hour"] as? Int == calendar.component(.hour, from: Date()))
            #expect(best["samples"] as? Int == 3)
            #expect(abs((best["rate"] as? Double ?? 0) - 0.051) < 0.001)
            // Offered when scheduling, and drawn on the calendar.
            let id = try await room.create("下一条", accounts: [room.accounts[0]])
            try await room.approve(id)
            let browser = Browser(t)
            _ = try await browser.signIn("author@example.com")
            #expect(try await browser.get("/w/\(room.ws.slug)/posts/\(id)").body.contains("id=\"schedule-best-time\""))
            #expect(try await browser.get("/w/\(room.ws.slug)/calendar").body.contains("<table class=\"chart-table heatmap\">"))
        }
    }
}
