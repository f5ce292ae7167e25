import ArgumentParser
import FanfareCore
import Fluent
import Vapor

extension FanfareCommand {
    /// `fanfare migrate [--revert]`: runs pending migrations without asking
    /// (deployments script it); `--revert` undoes the last batch.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Brings the database schema up to date (run once per deployment, from one node).")

        @ArgumentParser.Flag(help: "Revert the last batch of migrations instead.")
        var revert = false

        @OptionGroup(title: "Settings")
        var settings: SettingsOptions

        func run() async throws {
            try await FanfareRuntime.withApplication(settings) { app in
                try await Storage.enableWAL(app.db)
                try await Storage.tuneSQLite(app)
                if revert {
                    let batch = try await app.migrator.previewRevertLastBatch().get()
                    try await app.migrator.revertLastBatch().get()
                    print("Reverted \(batch.count) migration(s).")
                    return
                }
                // A new database has no migrations table yet; make it first.
                try await app.migrator.setupIfNeeded().get()
                let pending = try await app.migrator.previewPrepareBatch().get()
                try await app.migrator.prepareBatch().get()
                if let key = app.settings.secretKey { try await KeyFingerprint.recordIfAbsent(key, on: app.db) }
                for (migration, _) in pending { print("applied \(migration.name)") }
                print(pending.isEmpty ? "The database is up to date." : "Applied \(pending.count) migration(s).")
            }
        }
    }

    /// `fanfare user create --email E --password-stdin [--name N] [--admin]`.
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "user", abstract: "Manages users.", subcommands: [Create.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Creates a user. The password is read from standard input, never from the command line.")

            @ArgumentParser.Option(help: "The user's email address (their sign-in name).")
            var email: String

            @ArgumentParser.Option(help: "Display name (default: the part of the email before @).")
            var name: String?

            @ArgumentParser.Option(help: "zh-Hans or en (default: zh-Hans).")
            var locale: String?

            @ArgumentParser.Option(name: .customLong("time-zone"), help: "IANA time zone (default: Asia/Shanghai).")
            var timeZone: String?

            @ArgumentParser.Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
            var passwordStdin = false

            @ArgumentParser.Flag(help: "Make the user an instance administrator.")
            var admin = false

            @OptionGroup(title: "Settings")
            var settings: SettingsOptions

            func validate() throws {
                guard passwordStdin else {
                    throw ValidationError(
                        "--password-stdin is required: pipe the password in, e.g. `printf '%s' \"$PW\" | fanfare user create --email \(email) --password-stdin`"
                    )
                }
            }

            /// The option that gave a field the service refused. The
            /// password has no option (it comes from standard input) and
            /// keeps its plain name.
            static func option(for field: String) -> String {
                switch field {
                case "display_name": "--name"
                case "time_zone": "--time-zone"
                case "password": "password"
                default: "--" + field
                }
            }

            func run() async throws {
                guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                    throw CommandLineProblem("no password on standard input")
                }
                try await FanfareRuntime.withApplication(settings) { app in
                    try await ensureMigrated(app)
                    do {
                        let user = try await PeopleService(db: app.db, passwords: app.password.async).create(
                            .init(
                                email: email, displayName: name ?? String(email.split(separator: "@").first ?? ""), password: password,
                                locale: locale, timeZone: timeZone, isAdmin: admin),
                            actor: .commandLine("user create"))
                        print("Created user \(user.email)\(user.isAdmin ? " (administrator)" : "").")
                    } catch let errors as ValidationErrors {
                        // A value the service refuses is a wrong option value: named, status 2.
                        throw CommandLineProblem(
                            errors.issues.map { "\(Self.option(for: $0.field)): \($0.message)" }.joined(separator: "\n"), usage: true)
                    }
                }
            }
        }
    }

    /// `fanfare token create --email E --name N [--scope read,write]`.
    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "token", abstract: "Manages API tokens.", subcommands: [Create.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Creates an API token and prints it once; only its hash is stored.")

            @ArgumentParser.Option(help: "Whose token it is (their email).")
            var email: String

            @ArgumentParser.Option(help: "What the token is for, e.g. 'CI'.")
            var name: String?

            @ArgumentParser.Option(help: "Comma-separated scopes: read, write (default: both).")
            var scope: String?

            @OptionGroup(title: "Settings")
            var settings: SettingsOptions

            func run() async throws {
                try await FanfareRuntime.withApplication(settings) { app in
                    try await ensureMigrated(app)
                    guard let user = try await User.query(on: app.db).filter(\.$email == email.lowercased()).first() else {
                        throw CommandLineProblem("no user with email \(email); create one with `fanfare user create`")
                    }
                    let scopes = scope.map { $0.split(separator: ",").map { String($0) } }
                    do {
                        let (_, token) = try await TokenService(db: app.db).create(
                            for: user, name: name ?? "", scopes: scopes, actor: .commandLine("token create"))
                        print(token)
                    } catch let errors as ValidationErrors {
                        // A value the service refuses is a wrong option value: named, status 2.
                        throw CommandLineProblem(
                            errors.issues.map { "--\($0.field == "scopes" ? "scope" : $0.field): \($0.message)" }.joined(separator: "\n"),
                            usage: true)
                    }
                }
            }
        }
    }
}

/// What stops a command, printed as it is: exit status 1, or 2 when it
/// is a wrong value on the command line (`usage`).
struct CommandLineProblem: Error, CustomStringConvertible {
    let description: String
    let usage: Bool
    init(_ description: String, usage: Bool = false) {
        self.description = description
        self.usage = usage
    }
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
