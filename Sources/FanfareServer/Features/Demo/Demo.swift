import FanfareCore
import Fluent
import Vapor

/// `fanfare serve --demo`: once, a demo administrator and workspace, made
/// through the same services a person's clicks go through (so they are
/// audited like any other change). Later features add their demo content
/// here through their own code paths.
enum Demo {
    static let email = "demo@fanfare.local"
    static let workspaceSlug = "demo"
    static let passwordFile = "demo-password"

    struct Credentials { var email: String; var password: String }

    static func ensure(_ app: Application) async throws -> Credentials {
        let file = app.settings.dataDirectory.appendingPathComponent(passwordFile)
        let actor = Actor.commandLine("serve --demo")
        var user = try await User.query(on: app.db).filter(\.$email == email).first()
        var password = (try? String(contentsOf: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if user == nil {
            password = Secrets.randomToken(bytes: 12)
            user = try await PeopleService(db: app.db, passwords: app.password.async).create(
                .init(
                    email: email, displayName: "Demo Admin", password: password!, locale: UILocale.zhHans.rawValue, timeZone: "Asia/Shanghai",
                    isAdmin: true),
                actor: actor)
            try FileManager.default.createDirectory(at: app.settings.dataDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file.path, contents: Data((password! + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw CommandLineProblem("could not write \(file.path)") }
        }
        if try await Workspace.query(on: app.db).filter(\.$slug == workspaceSlug).first() == nil {
            let workspace = try await WorkspaceService(db: app.db).create(
                .init(name: "Fanfare 演示品牌 Demo", slug: workspaceSlug, timeZone: "Asia/Shanghai"), by: user!, actor: actor)
            try await seed(workspace, admin: user!, app: app, actor: actor)
        }
        return Credentials(email: email, password: password ?? "(see \(file.path))")
    }

    /// Three Sandbox accounts standing in for Weibo, Mastodon and Bluesky,
    /// a reviewer and a lawyer, and a week of posts that went through
    /// review: some published now (the worker sends them within seconds),
    /// the rest scheduled over the coming days.
    static func seed(_ workspace: Workspace, admin: User, app: Application, actor: Actor, now: Date = Date()) async throws {
        let adminAccess = WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)
        let accounts = AccountService(db: app.db, app: app)
        var accountIDs: [String] = []
        for (handle, name, simulates, seed) in [
            ("fanfare_weibo", "Fanfare 微博（演示）", "weibo", 20_261_123), ("fanfare_mastodon", "Fanfare on Mastodon (demo)", "mastodon", 20_261_124),
            ("fanfare_bsky", "Fanfare on Bluesky (demo)", "bluesky", 20_261_125),
        ] as [(String, String, String, Int64)] {
            let account = try await accounts.connect(
                .init(platform: "sandbox", handle: handle, displayName: name, seed: seed, simulates: simulates), in: adminAccess, actor: actor)
            accountIDs.append(account.id!.uuidString)
        }
        var reviewers: [(Actor, WorkspaceAccess)] = []
        for (email, name, role) in [("reviewer@fanfare.local", "演示审核", Role.reviewer), ("legal@fanfare.local", "演示法务", Role.legal)] {
            let person = try await PeopleService(db: app.db, passwords: app.password.async).create(
                .init(
                    email: email, displayName: name, password: Secrets.randomToken(bytes: 12), locale: UILocale.zhHans.rawValue,
                    timeZone: "Asia/Shanghai", isAdmin: false), actor: actor)
            try await Membership(workspaceID: workspace.id!, userID: person.id!, role: role, now: now).create(on: app.db)
            reviewers.append(
                (
                    Actor(userID: person.id, label: email, address: nil),
                    WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: role, matrix: .standard)
                ))
        }
        // Legal keeps a competitor list and one allowed phrase of its own,
        // over the base lexicon.
        let lexicon = LexiconService(db: app.db, app: app)
        let legalActor = reviewers[1].0
        _ = try await lexicon.addTerm(
            .init(term: "竞品帆布", category: "competitor", severity: "review", scope: "all"), in: adminAccess, actor: legalActor)
        _ = try await lexicon.addAllowed("第一次见", in: adminAccess, actor: legalActor)
        let author = Actor(userID: admin.id, label: admin.email, address: nil)
        let service = PostService(db: app.db, app: app)
        let ideas: [(String, String, Pillar, ContentFormat, [String])] = [
            ("春季新品", "春季新品今天上市！三款配色，门店和网店同步开售。", .core, .imageText, ["新品", "春季"]),
            ("Behind the scenes", "How our designers pick a season's colours, in five photos.", .valueAdd, .imageText, ["design"]),
            ("用户故事", "上海的小林用我们的帆布包通勤三年，它还是原来的样子。", .basic, .shortVideo, ["用户故事"]),
            ("门店活动", "本周六下午两点，南京西路店手作工坊，名额 20 人，评论区报名。", .basic, .imageText, ["活动"]),
            ("Care guide", "Three ways to keep canvas looking new: brush, air, never the dryer.", .valueAdd, .longArticle, ["care"]),
            ("周末问答", "你最想让我们出什么颜色？留言告诉我们，点赞最高的下季上架。", .basic, .imageText, ["互动"]),
        ]
        // The two published now go to different accounts, so the calendar
        // has no two posts to one account within the hour.
        func targets(_ index: Int) -> [String] {
            switch index {
            case 0: [accountIDs[0]]
            case 1: Array(accountIDs[1...])
            default: accountIDs
            }
        }
        for (index, idea) in ideas.enumerated() {
            let post = try await service.create(
                .init(
                    title: idea.0, body: idea.1, pillar: idea.2.rawValue, format: idea.3.rawValue, pool: "regular", topicID: nil, campaign: "2026 春季",
                    tags: idea.4, accountIDs: targets(index), assetIDs: [], variants: [:]), in: adminAccess, actor: author, now: now)
            _ = try await service.submit(post.id!.uuidString, in: adminAccess, actor: author, now: now)
            for (reviewer, access) in reviewers {
                _ = try await service.decide(post.id!.uuidString, approve: true, comment: nil, in: access, actor: reviewer, now: now)
            }
            // The first two go out now; the rest are spread over the week
            // at the hours a brand would post.
            let at: Date? = index < 2 ? nil : now.addingTimeInterval(Double(index - 1) * 86_400 + 3_600)
            _ = try await service.schedule(post.id!.uuidString, at: at, in: adminAccess, actor: author, now: now)
        }
    }
}
