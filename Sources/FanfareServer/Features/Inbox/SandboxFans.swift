import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Speaking as a fan of a Sandbox account: what the demo uses to start
/// conversations, and what lets a person try the inbox without a real
/// platform. The message is stored on the Sandbox platform's side and
/// fetched through the connector like any other, at once (as a platform's
/// push would bring it), so it takes the whole path a real message takes.
enum SandboxFans {
    struct Message {
        var fanName: String
        var kind: InteractionKind
        var text: String
    }

    static func write(_ message: Message, to account: SocialAccount, app: Application, now: Date = Date()) async throws {
        var errors = ValidationErrors()
        guard account.platform == "sandbox" else { throw ValidationErrors("account", .sandboxAccountRequired) }
        let text = message.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.count > 2_000 { errors.add("text", .lengthBetween(min: 1, max: 2_000)) }
        let name = message.fanName.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 40 { errors.add("fan_name", .lengthBetween(min: 1, max: 40)) }
        if ![InteractionKind.comment, .directMessage].contains(message.kind) { errors.add("kind", .either(choices: ["comment", "direct_message"])) }
        try errors.throwIfAny()
        guard let sql = app.db as? any SQLDatabase else { return }
        // A comment goes under the account's latest post, as fans' do.
        var post: String?
        if message.kind == .comment {
            post = try await sql.raw(
                "SELECT remote_id FROM sandbox_posts WHERE account = \(bind: account.handle) AND deleted = \(bind: false) ORDER BY published_at DESC LIMIT 1"
            ).first()?.decode(column: "remote_id", as: String.self)
            if post == nil { throw ValidationErrors("kind", .commentNeedsPost) }
        }
        let authorID = "fan_" + String(SandboxAudience.hash(name.lowercased()) % 1_000_000_000, radix: 36)
        try await sql.raw(
            """
            INSERT INTO sandbox_fan_messages (remote_id, account, kind, post_remote_id, author_id, author_name, text, at)
            VALUES (\(bind: "sbx_fan_\(TimeOrderedID.make(at: now).uuidString.lowercased())"), \(bind: account.handle), \(bind: message.kind.rawValue),
            \(bind: post), \(bind: authorID), \(bind: name), \(bind: text), \(bind: now))
            """
        ).run()
        // Fetched a moment after it was written, as a platform lists a
        // message once it is stored: the Sandbox lists what was written by
        // the moment it is asked (`at <= now`), and a time read back from
        // the database (seconds since 1970) can differ from `now` in its
        // last bits.
        try await MessageIntake.poll(account, app: app, now: now.addingTimeInterval(0.001))
    }

    /// Fans' messages that the Sandbox lists as each one's time comes
    /// (`at` may be ahead): a storm told in advance reaches the inbox as
    /// the intake fetches it, minute by minute, the way a real one would.
    /// Comments go under the account's latest post; without a post they
    /// are direct messages. Written in one statement, so a storm is there
    /// whole or not at all.
    static func schedule(_ messages: [SandboxChatter.Message], to account: SocialAccount, app: Application) async throws -> Int {
        guard account.platform == "sandbox" else { throw ValidationErrors("account", .sandboxAccountRequired) }
        guard !messages.isEmpty, let sql = app.db as? any SQLDatabase else { return 0 }
        let post = try await sql.raw(
            "SELECT remote_id FROM sandbox_posts WHERE account = \(bind: account.handle) AND deleted = \(bind: false) ORDER BY published_at DESC LIMIT 1"
        ).first()?.decode(column: "remote_id", as: String.self)
        let kind = post == nil ? InteractionKind.directMessage : .comment
        var rows: [SQLQueryString] = []
        for message in messages {
            let authorID = "fan_" + String(SandboxAudience.hash(message.fanName.lowercased()) % 1_000_000_000, radix: 36)
            rows.append(
                "(\(bind: "sbx_fan_\(TimeOrderedID.make(at: message.at).uuidString.lowercased())"), \(bind: account.handle), \(bind: kind.rawValue), \(bind: post), \(bind: authorID), \(bind: message.fanName), \(bind: message.text), \(bind: message.at))"
            )
        }
        var statement: SQLQueryString =
            "INSERT INTO sandbox_fan_messages (remote_id, account, kind, post_remote_id, author_id, author_name, text, at) VALUES "
        for (index, row) in rows.enumerated() {
            if index > 0 { statement.appendLiteral(", ") }
            statement.appendInterpolation(row)
        }
        try await sql.raw(statement).run()
        return messages.count
    }
}
