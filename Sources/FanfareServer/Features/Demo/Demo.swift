import FanfareCore
import Fluent
import Vapor

/// `fanfare serve --demo`: once, a demo workspace and a person for every
/// role, made through the same services a person's clicks go through (so
/// they are audited like any other change), with a month of history that
/// ends at the moment the demo is made (`DemoTimeline`). Every sign-in is
/// printed, so one person can take a post through its whole review chain.
enum Demo {
    static let email = "demo@fanfare.local"
    static let workspaceSlug = "demo"
    /// The administrator's password (the file earlier versions wrote too).
    static let passwordFile = "demo-password"
    /// Every demo person's sign-in: `role<TAB>email<TAB>password` a line.
    static let signInsFile = "demo-sign-ins"
    /// Written when the demo's history is complete.
    static let preparedFile = "demo-prepared"
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// One of the demo's people, one for each role.
    struct Person: Sendable {
        var role: Role
        var email: String
        var name: String
        /// What they do in the demo, for the printed sign-ins.
        var does: String
    }

    static let people: [Person] = [
        Person(role: .admin, email: email, name: "Demo Admin", does: "everything, members and workspace settings included"),
        Person(role: .manager, email: "manager@fanfare.local", name: "演示经理", does: "runs the team: editorial review, scheduling, inbox, fans"),
        Person(role: .editor, email: "editor@fanfare.local", name: "演示编辑", does: "writes posts, submits them for review, schedules approved ones"),
        Person(role: .reviewer, email: "reviewer@fanfare.local", name: "演示审核", does: "editorial review: approves or rejects submitted posts"),
        Person(role: .legal, email: "legal@fanfare.local", name: "演示法务", does: "legal review (the chain's last step), the lexicon, the audit log"),
        Person(role: .agent, email: "agent@fanfare.local", name: "演示客服", does: "answers the inbox, escalates, makes and closes feedback tickets"),
        Person(role: .expert, email: "expert@fanfare.local", name: "演示专家", does: "answers conversations escalated to experts"),
        Person(role: .analyst, email: "analyst@fanfare.local", name: "演示分析", does: "reads everything, exports reports"),
        Person(role: .viewer, email: "viewer@fanfare.local", name: "演示访客", does: "reads"),
    ]

    static func person(_ role: Role) -> Person { people.first { $0.role == role }! }

    struct SignIn: Sendable {
        var person: Person
        /// Nil for a person made by an earlier version, which did not keep it.
        var password: String?
    }

    struct Prepared: Sendable {
        var signIns: [SignIn]
        /// Whether this start made the demo (rather than finding it made).
        var made: Bool
        /// Set when the demo was found incomplete (a server stopped while
        /// preparing it): what to do about it.
        var warning: String?
    }

    /// Makes the demo when it is not there yet, and adds any demo person an
    /// earlier version did not make. `now` is the moment the demo is made:
    /// every time in its history is relative to it.
    static func ensure(_ app: Application, now: Date = Date()) async throws -> Prepared {
        let directory = app.settings.dataDirectory
        let actor = Actor.commandLine("serve --demo")
        let admin = try await User.query(on: app.db).filter(\.$email == email).first()
        var workspace = try await Workspace.query(on: app.db).filter(\.$slug == workspaceSlug).first()
        let making = workspace == nil
        let clock = DemoClock(now: now, zone: zone)
        // A fresh demo's people joined a month ago; one added to an old demo joins now.
        let joined = making && admin == nil ? clock.day(30, 9) : now

        var passwords = readSignIns(in: directory)
        var missing: [Person] = []
        for person in people {
            guard try await User.query(on: app.db).filter(\.$email == person.email).first() == nil else { continue }
            passwords[person.email] = Secrets.randomToken(bytes: 12)
            missing.append(person)
        }
        // Written before anyone is made with them, so a password in use is
        // never one nobody knows.
        if !missing.isEmpty { try writeSignIns(passwords, in: directory) }

        let service = PeopleService(db: app.db, passwords: app.password.async)
        func make(_ person: Person, at: Date) async throws -> User {
            try await service.create(
                .init(
                    email: person.email, displayName: person.name, password: passwords[person.email]!, locale: UILocale.zhHans.rawValue,
                    timeZone: zone.identifier, isAdmin: person.role == .admin), actor: actor, now: at)
        }
        let owner: User
        if let admin { owner = admin } else { owner = try await make(person(.admin), at: joined) }
        if workspace == nil {
            workspace = try await WorkspaceService(db: app.db).create(
                .init(name: "Fanfare 演示品牌 Demo", slug: workspaceSlug, timeZone: zone.identifier), by: owner, actor: actor,
                now: joined.addingTimeInterval(60))
        }
        let access = WorkspaceAccess(workspace: workspace!, workspaceID: workspace!.id!, role: .admin, matrix: .standard)
        var members: [Role: User] = [.admin: owner]
        for (index, person) in people.dropFirst().enumerated() {
            let at = joined.addingTimeInterval(Double(120 + index * 60))
            var user = try await User.query(on: app.db).filter(\.$email == person.email).first()
            if user == nil { user = try await make(person, at: at) }
            members[person.role] = user
            if try await access.query(Membership.self, on: app.db).filter(\.$user.$id == user!.id!).first() == nil {
                // Invited by the admin and accepted, as a colleague joins.
                let workspaces = WorkspaceService(db: app.db)
                let (_, token) = try await workspaces.invite(
                    access, role: person.role.rawValue, email: person.email, inviter: owner,
                    actor: Actor(userID: owner.id, label: owner.email, address: nil),
                    now: at)
                _ = try await workspaces.accept(
                    token: token, user: user!, actor: Actor(userID: user!.id, label: user!.email, address: nil), now: at.addingTimeInterval(30))
            }
        }
        var warning: String?
        let prepared = directory.appendingPathComponent(preparedFile)
        if making {
            try await DemoTimeline(app: app, workspace: workspace!, members: members, clock: clock).play()
            _ = FileManager.default.createFile(atPath: prepared.path, contents: Data((now.formatted(.iso8601) + "\n").utf8))
        } else if !FileManager.default.fileExists(atPath: prepared.path),
            FileManager.default.fileExists(atPath: directory.appendingPathComponent(signInsFile).path)
        {
            warning =
                "the demo in \(directory.path) was left incomplete (a server stopped while preparing it); start on an empty data directory for a complete demo"
        }
        return Prepared(signIns: people.map { SignIn(person: $0, password: passwords[$0.email]) }, made: making, warning: warning)
    }

    /// The passwords kept in the data directory, by email.
    static func readSignIns(in directory: URL) -> [String: String] {
        var passwords: [String: String] = [:]
        if let admin = try? String(contentsOf: directory.appendingPathComponent(passwordFile), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !admin.isEmpty
        {
            passwords[email] = admin
        }
        let lines = (try? String(contentsOf: directory.appendingPathComponent(signInsFile), encoding: .utf8)) ?? ""
        for line in lines.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            if fields.count == 3 { passwords[fields[1]] = fields[2] }
        }
        return passwords
    }

    /// Both files, readable by their owner only.
    static func writeSignIns(_ passwords: [String: String], in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lines = people.compactMap { person in passwords[person.email].map { "\(person.role.rawValue)\t\(person.email)\t\($0)\n" } }.joined()
        for (name, text) in [(signInsFile, lines), (passwordFile, passwords[email].map { $0 + "\n" } ?? "")] where !text.isEmpty {
            let path = directory.appendingPathComponent(name).path
            // Replaced whole: a file left by another user keeps no old mode.
            try? FileManager.default.removeItem(atPath: path)
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CommandLineProblem("could not write \(path)")
            }
        }
    }
}

/// The demo's calendar: times relative to the moment the demo is made, in
/// the workspace's time zone.
struct DemoClock: Sendable {
    let now: Date
    let zone: TimeZone

    /// `now` is taken to the whole second before it, so every time of the
    /// demo is a whole second: it survives a trip through the database
    /// (seconds since 1970, a Double) exactly, and compares with the times
    /// derived from it as it did before the trip.
    init(now: Date, zone: TimeZone) {
        self.now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        self.zone = zone
    }

    /// `hour:minute` on the day `daysAgo` days before today (a negative
    /// number: days ahead).
    func day(_ daysAgo: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.date(byAdding: .day, value: -daysAgo, to: calendar.startOfDay(for: now))!
        return start.addingTimeInterval(Double(hour * 3_600 + minute * 60))
    }

    func ago(minutes: Double) -> Date { now.addingTimeInterval(-minutes * 60) }
}
