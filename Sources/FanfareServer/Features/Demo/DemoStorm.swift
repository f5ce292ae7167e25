import ArgumentParser
import FanfareConnectors
import FanfareCore
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// A storm on the demo brand, on demand: Sandbox fans start complaining
/// about 演示品牌 now, half the peak in the first minute, ebbing over
/// twenty (`SandboxChatter.storm`). The messages sit on the Sandbox
/// platform's side, each listed from its own time, so the inbox fetches
/// them minute by minute and listening hears them the way it would hear a
/// real one.
enum DemoStorm {
    /// The brand the demo's monitor listens for.
    static let brand = "演示品牌"

    static let noDemo = "there is no demo workspace here; start `fanfare serve --demo` on this data directory first"

    struct Started: Sendable, Equatable {
        var account: String
        var messages: Int
        var from: Date
        var to: Date
    }

    /// A storm refused because one is still arriving in the workspace.
    struct Underway: Error, Sendable {
        /// When its last message is due.
        var until: Date
    }

    /// Workspaces whose storm is being started this moment: a second start
    /// waits for nothing and is refused (two clicks at once make one storm).
    private static let starting = NIOLockedValueBox<Set<UUID>>([])

    /// Starts a storm on the demo workspace's first Sandbox account (or the
    /// one named by its handle). One storm at a time per workspace: while
    /// one is still arriving (a message of its accounts is due later than
    /// now) another is refused with `Underway`.
    /// Audited as `demo.storm_started` on the account, with who asked.
    static func start(
        app: Application, peakPerMinute: Int, account handle: String? = nil, actor: Actor, now: Date = Date()
    ) async throws
        -> Started
    {
        guard (1...100).contains(peakPerMinute) else { throw ValidationErrors("peak", .wholeNumberBetween(min: 1, max: 100)) }
        guard let workspace = try await Workspace.query(on: app.db).filter(\.$slug == Demo.workspaceSlug).first() else {
            throw CommandLineProblem(noDemo)
        }
        let workspaceID = workspace.id!
        let sandbox = try await SocialAccount.query(on: app.db).filter(\.$workspace.$id == workspaceID).filter(\.$platform == "sandbox")
            .sort(\.$createdAt).all()
        guard let account = handle.map({ handle in sandbox.first { $0.handle == handle } }) ?? sandbox.first else {
            throw ValidationErrors("account", .sandboxAccountRequired)
        }
        // Another start this moment: its storm lasts twenty minutes from now.
        guard starting.withLockedValue({ $0.insert(workspaceID).inserted }) else { throw Underway(until: now.addingTimeInterval(20 * 60)) }
        defer { _ = starting.withLockedValue { $0.remove(workspaceID) } }
        if let until = try await underway(on: sandbox.map(\.handle), now: now, db: app.db) { throw Underway(until: until) }
        let seed = UInt64(bitPattern: Int64(now.timeIntervalSince1970.rounded(.down)))
        let messages = SandboxChatter(seed: seed, brand: brand).storm(start: now, peakPerMinute: peakPerMinute)
        let written = try await SandboxFans.schedule(messages, to: account, app: app)
        try await AuditLog.record(
            on: app.db, actor: actor, workspaceID: workspaceID, action: "demo.storm_started", targetType: "social_account", targetID: account.id,
            after: ["messages": "\(written)", "peak_per_minute": "\(peakPerMinute)"], now: now)
        return Started(account: account.handle, messages: written, from: messages.first?.at ?? now, to: messages.last?.at ?? now)
    }

    /// When the last message still to arrive on `handles` is due, if any:
    /// fans' messages are only ever told in advance by a storm.
    static func underway(on handles: [String], now: Date, db: any Database) async throws -> Date? {
        guard !handles.isEmpty, let sql = db as? any SQLDatabase else { return nil }
        let row = try await sql.raw(
            """
            SELECT MAX(at) AS last FROM sandbox_fan_messages
            WHERE account IN \(SQLGroupExpression(handles.map { SQLBind($0) })) AND at > \(bind: now)
            """
        ).first()
        return try row?.decode(column: "last", as: Date?.self)
    }
}

/// `fanfare demo storm [--peak N] [--account HANDLE]`.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Things to show in the demo workspace.", subcommands: [Storm.self])

    struct Storm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Starts a storm of complaints about the demo brand on a Sandbox account, from now over twenty minutes.",
            discussion: """
                Sandbox fans write about 演示品牌 — often spelled to slip past filters — starting now, half the peak in the \
                first minute and ebbing over twenty. The inbox fetches them each minute; listening hears them, grades the \
                spike and raises an alert. Run it against the data directory of a `fanfare serve --demo`.
                """)

        @ArgumentParser.Option(help: "Messages in the storm's busiest minutes, 1 to 100.")
        var peak = 12

        @ArgumentParser.Option(help: "The Sandbox account's handle (default: the demo's first Sandbox account).")
        var account: String?

        @OptionGroup(title: "Settings")
        var settings: SettingsOptions

        func run() async throws {
            guard (1...100).contains(peak) else { throw ValidationError("--peak: \(CodedMessage.wholeNumberBetween(min: 1, max: 100).english)") }
            // Before anything is opened: a directory `serve --demo` never
            // prepared may have no tables at all, and is left as it was.
            let prepared = try settings.settings(demo: false).dataDirectory.appendingPathComponent(Demo.preparedFile).path
            guard FileManager.default.fileExists(atPath: prepared) else { throw CommandLineProblem(DemoStorm.noDemo) }
            try await FanfareRuntime.withApplication(settings, inProcessWorker: false) { app in
                let started: DemoStorm.Started
                do {
                    started = try await DemoStorm.start(app: app, peakPerMinute: peak, account: account, actor: .commandLine("demo storm"))
                } catch let errors as ValidationErrors {
                    throw CommandLineProblem(errors.issues.map { "--\($0.field): \($0.message)" }.joined(separator: "; "))
                } catch let underway as DemoStorm.Underway {
                    throw CommandLineProblem(
                        "a storm is still arriving in the demo workspace until \(underway.until.formatted(.iso8601)); start the next one after it")
                }
                print(
                    "Storm started on @\(started.account): \(started.messages) messages about \(DemoStorm.brand) from \(started.from.formatted(.iso8601)) to \(started.to.formatted(.iso8601))."
                )
            }
        }
    }
}
