import FanfareCore
import Fluent
import Vapor

/// A post's review as stored: the process carries the chain it follows
/// (fixed when the round started, so a change of the workspace's chain
/// does not move posts already under way) and its whole history.
extension ReviewProcess {
    init(json: String) throws {
        self = try JSONDecoder().decode(ReviewProcess.self, from: Data(json.utf8))
    }

    func json() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    /// The same history under another chain, for a new round.
    func adopting(_ chain: ReviewChain) -> ReviewProcess {
        ReviewProcess(chain: chain, state: state, history: history)
    }
}

extension Actor {
    /// How review history names the actor.
    var reviewID: String { userID?.uuidString ?? label }
}

extension Workspace {
    var reviewChain: ReviewChain {
        reviewChainJSON.flatMap { try? JSONDecoder().decode(ReviewChain.self, from: Data($0.utf8)) } ?? .standard
    }
}

/// Sending a post through the workspace's review chain: the automatic
/// check, then each person's decision, with notifications for whoever is
/// next and for the author.
extension PostService {
    /// What the automatic check found: `problems` stop the post (rules a
    /// variant breaks, assets that may not be used, `block` terms);
    /// `warnings` are `warn` and `review` terms the reviewers should see.
    struct AutomaticFindings {
        var problems: [String] = []
        var warnings: [String] = []
        var matches: [ModerationMatch] = []
    }

    /// `engine` is fetched before the caller's transaction: compiling it
    /// the first time reads the lexicon on another connection, which a
    /// transaction holding SQLite's only writer would wait for forever.
    func automaticFindings(of post: Post, engine: ModerationEngine, on db: any Database) async throws -> AutomaticFindings {
        var findings = AutomaticFindings()
        var problems: [String] = []
        let variants = try await PostVariant.query(on: db).filter(\.$post.$id == post.id!).with(\.$account).all()
        let media = try await PostAsset.query(on: db).filter(\.$post.$id == post.id!).with(\.$asset).sort(\.$position).all()
            .map(\.asset.attachment)
        for variant in variants {
            guard let rules = PlatformRules.standard[variant.platform] else { continue }
            let candidate = Variant(title: variant.title, text: variant.text, tags: variant.tags, media: media)
            for violation in VariantValidator.violations(of: candidate, against: rules) where violation.severity == .error {
                problems.append("@\(variant.account.handle) (\(variant.platform)) \(violation.field): \(violation.message)")
            }
        }
        // The review record keeps its findings as written, in English.
        if let problem = try await AssetRegister.problem(for: post, at: post.scheduledAt ?? Date(), on: db) {
            problems.append(problem.english)
        }
        findings.problems = problems
        // Each distinct text once: most posts send the same wording to
        // several accounts.
        var seen: Set<String> = []
        for variant in variants {
            for (field, text) in [("title", variant.title ?? ""), ("text", variant.text), ("tags", variant.tags.joined(separator: " "))]
            where !text.isEmpty && seen.insert(field + "\u{0}" + text).inserted {
                for match in engine.scan(text, scope: .content) {
                    findings.matches.append(match)
                    let line = "\(field): 「\(match.text)」 matches \(match.term) (\(match.category), \(match.severity.rawValue))"
                    if match.severity == .block { findings.problems.append(line) } else { findings.warnings.append(line) }
                }
            }
        }
        return findings
    }

    func submit(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> (Post, [String]) {
        try access.require(.contentEdit)
        let engine = try await app.moderationEngine(for: access.workspace)
        return try await db.writeTransaction { tx in
            let post = try await access.find(Post.self, rawID, on: tx, what: "Post")
            guard [.draft, .rejected].contains(post.postStatus) else {
                throw Problem(.conflict, "Only a draft or a rejected post can be submitted for review.", type: "post-not-draft")
            }
            // Each round of review follows the chain in force when it starts.
            var record = try ReviewProcess(json: post.reviewJSON).adopting(access.workspace.reviewChain)
            let findings = try await automaticFindings(of: post, engine: engine, on: tx)
            let problems = findings.problems
            try record.submit(automaticProblems: problems, automaticWarnings: findings.warnings, postType: post.format, by: actor.reviewID, at: now)
            for match in findings.matches {
                try await ModerationHit(workspaceID: access.workspaceID, source: .post, sourceID: post.id!, match: match, at: now).create(on: tx)
            }
            post.reviewJSON = try record.json()
            post.status = Self.status(of: record).rawValue
            post.updatedAt = now
            try await post.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.submitted", targetType: "post", targetID: post.id,
                after: ["status": post.status, "problems": String(problems.count)], now: now)
            try await notifyNext(post, record: record, on: tx, now: now)
            return (post, problems)
        }
    }

    func decide(_ rawID: String?, approve: Bool, comment: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Post
    {
        guard access.can(.contentReview) || access.can(.contentLegalReview) else {
            throw Problem.forbidden("Your role (\(access.role.rawValue)) does not review content in this workspace.")
        }
        return try await db.writeTransaction { tx in
            let post = try await access.find(Post.self, rawID, on: tx, what: "Post")
            var record = try ReviewProcess(json: post.reviewJSON)
            do {
                try record.decide(approve: approve, comment: comment, by: actor.reviewID, role: access.role, at: now)
            } catch let errors as ValidationErrors {
                if errors.issues.contains(where: { $0.field == "comment" }) { throw errors }
                if let role = errors.issues.first(where: { $0.field == "role" }) {
                    throw Problem(.forbidden, .yourRole(message: role.coded), type: "forbidden")
                }
                throw Problem(.conflict, errors.joined(\.coded)!, type: "review-not-allowed")
            }
            post.reviewJSON = try record.json()
            post.status = Self.status(of: record).rawValue
            post.updatedAt = now
            try await post.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: approve ? "post.approved" : "post.rejected", targetType: "post",
                targetID: post.id, after: ["status": post.status, "comment": comment ?? ""], now: now)
            if let author = post.authorID {
                let key = approve ? (post.postStatus == .approved ? "notify.approved" : "notify.step_approved") : "notify.rejected"
                try await Notifier.notify(
                    [author], workspaceID: access.workspaceID, key: key, args: [Self.label(post), comment ?? ""],
                    link: "/posts/\(post.id!.uuidString)",
                    on: tx, now: now)
            }
            try await notifyNext(post, record: record, on: tx, now: now)
            return post
        }
    }

    static func status(of process: ReviewProcess) -> Post.Status {
        switch process.state {
        case .draft: .draft
        case .inReview: .inReview
        case .approved: .approved
        case .rejected: .rejected
        }
    }

    static func label(_ post: Post) -> String { post.title ?? String(post.body.prefix(40)) }

    private func notifyNext(_ post: Post, record: ReviewProcess, on db: any Database, now: Date) async throws {
        guard let roles = record.nextApprovers, !roles.isEmpty else { return }
        let people = try await Notifier.members(with: roles, in: post.$workspace.id, on: db)
        try await Notifier.notify(
            people, workspaceID: post.$workspace.id, key: "notify.review_waiting", args: [Self.label(post)], link: "/posts/\(post.id!.uuidString)",
            on: db,
            now: now)
    }
}
