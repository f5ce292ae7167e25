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
            // A Sandbox account whose audience starts reacting as soon as
            // posts go out; a fixed seed keeps every demo alike.
            let access = WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)
            _ = try await AccountService(db: app.db, app: app).connect(
                .init(platform: "sandbox", handle: "fanfare_demo", displayName: "Fanfare 官方号", seed: 20_261_123), in: access, actor: actor)
        }
        return Credentials(email: email, password: password ?? "(see \(file.path))")
    }
}
