import FanfareCore
import Fluent
import Vapor

/// `fanfare migrate`: runs pending migrations without asking (deployments
/// script it); `--revert` undoes the last batch.
struct FanfareMigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Revert the last batch of migrations instead.")
        var revert: Bool
        init() {}
    }

    var help: String { "Brings the database schema up to date (run once per deployment, from one node)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Storage.enableWAL(app.db)
        try await Storage.tuneSQLite(app)
        if signature.revert {
            let batch = try await app.migrator.previewRevertLastBatch().get()
            try await app.migrator.revertLastBatch().get()
            context.console.print("Reverted \(batch.count) migration(s).")
            return
        }
        // A new database has no migrations table yet; make it first.
        try await app.migrator.setupIfNeeded().get()
        let pending = try await app.migrator.previewPrepareBatch().get()
        try await app.migrator.prepareBatch().get()
        if let key = app.settings.secretKey { try await KeyFingerprint.recordIfAbsent(key, on: app.db) }
        for (migration, _) in pending { context.console.print("applied \(migration.name)") }
        context.console.print(pending.isEmpty ? "The database is up to date." : "Applied \(pending.count) migration(s).")
    }
}

/// `fanfare user create --email E --password-stdin [--name N] [--admin]`.
struct UserCommands: AsyncCommandGroup {
    var help: String { "Manages users." }
    var commands: [String: any AnyAsyncCommand] { ["create": CreateUser()] }

    struct CreateUser: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "email", help: "The user's email address (their sign-in name).")
            var email: String?
            @Option(name: "name", help: "Display name (defaults to the part of the email before @).")
            var name: String?
            @Option(name: "locale", help: "zh-Hans (default) or en.")
            var locale: String?
            @Option(name: "time-zone", help: "IANA time zone, default Asia/Shanghai.")
            var timeZone: String?
            @Flag(name: "password-stdin", help: "Read the password from the first line of standard input.")
            var passwordStdin: Bool
            @Flag(name: "admin", help: "Make the user an instance administrator.")
            var admin: Bool
            init() {}
        }

        var help: String { "Creates a user. The password is read from standard input, never from the command line." }

        func run(using context: CommandContext, signature: Signature) async throws {
            guard let email = signature.email else { throw CommandLineProblem("--email is required") }
            guard signature.passwordStdin else {
                throw CommandLineProblem(
                    "--password-stdin is required: pipe the password in, e.g. `printf '%s' \"$PW\" | fanfare user create --email \(email) --password-stdin`"
                )
            }
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw CommandLineProblem("no password on standard input")
            }
            let app = context.application
            try await ensureMigrated(app)
            do {
                let user = try await PeopleService(db: app.db, passwords: app.password.async).create(
                    .init(
                        email: email, displayName: signature.name ?? String(email.split(separator: "@").first ?? ""), password: password,
                        locale: signature.locale, timeZone: signature.timeZone, isAdmin: signature.admin),
                    actor: .commandLine("user create"))
                context.console.print("Created user \(user.email)\(user.isAdmin ? " (administrator)" : "").")
            } catch let errors as ValidationErrors {
                throw CommandLineProblem(errors.issues.map { "\($0.field): \($0.message)" }.joined(separator: "\n"))
            }
        }
    }
}

/// `fanfare token create --email E --name N [--scope read,write]`.
struct TokenCommands: AsyncCommandGroup {
    var help: String { "Manages API tokens." }
    var commands: [String: any AnyAsyncCommand] { ["create": CreateToken()] }

    struct CreateToken: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "email", help: "Whose token it is.")
            var email: String?
            @Option(name: "name", help: "What the token is for, e.g. 'CI'.")
            var name: String?
            @Option(name: "scope", help: "Comma-separated scopes: read, write (default both).")
            var scope: String?
            init() {}
        }

        var help: String { "Creates an API token and prints it once; only its hash is stored." }

        func run(using context: CommandContext, signature: Signature) async throws {
            guard let email = signature.email else { throw CommandLineProblem("--email is required") }
            let app = context.application
            try await ensureMigrated(app)
            guard let user = try await User.query(on: app.db).filter(\.$email == email.lowercased()).first() else {
                throw CommandLineProblem("no user with email \(email); create one with `fanfare user create`")
            }
            let scopes = signature.scope.map { $0.split(separator: ",").map { String($0) } }
            do {
                let (_, token) = try await TokenService(db: app.db).create(
                    for: user, name: signature.name ?? "", scopes: scopes, actor: .commandLine("token create"))
                context.console.print(token)
            } catch let errors as ValidationErrors {
                throw CommandLineProblem(
                    errors.issues.map { "--\($0.field == "scopes" ? "scope" : $0.field): \($0.message)" }.joined(separator: "\n"))
            }
        }
    }
}

/// A command-line mistake: printed as it is, exit status 1.
struct CommandLineProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Commands that write to the database migrate an embedded database
/// first (a fresh install has none); on PostgreSQL they insist on
/// `fanfare migrate`, which deployments run once.
func ensureMigrated(_ app: Application) async throws {
    if app.settings.usesPostgres {
        try await app.migrator.setupIfNeeded().get()
        let pending = try await app.migrator.previewPrepareBatch().get()
        if !pending.isEmpty { throw CommandLineProblem("the database needs migrations: run `fanfare migrate` first") }
    } else {
        try await Storage.enableWAL(app.db)
        try await Storage.tuneSQLite(app)
        try await app.autoMigrate()
    }
}
