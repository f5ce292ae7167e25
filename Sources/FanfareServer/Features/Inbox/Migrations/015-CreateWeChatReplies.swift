import Fluent
import SQLKit

/// Answering WeChat fans: the template messages an account set up
/// (`wechat_templates`), a reply that is a template message
/// (`inbox_replies.template_message`), and the fans' messages stored
/// before now renamed the way the connector now names them
/// (`dm:<OpenID>:<MsgId>`), so the reply knows whom to answer and a push
/// WeChat repeats is still recognised as stored.
struct CreateWeChatReplies: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("wechat_templates")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("template_id", .string, .required)
            .field("title", .string, .required)
            .field("fields", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "account_id", "template_id")
            .create()
        try await database.schema("inbox_replies").field("template_message", .string).update()
        try await Self.renameStoredMessages(on: database as! any SQLDatabase)
    }

    /// WeChat direct messages stored under their bare MsgId get the fan's
    /// OpenID in front; those already named so are left alone.
    static func renameStoredMessages(on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE incoming_messages SET remote_id = 'dm:' || author_id || ':' || remote_id
            WHERE kind = 'direct_message' AND remote_id NOT LIKE 'dm:%'
            AND account_id IN (SELECT id FROM social_accounts WHERE platform = 'wechat')
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        // `dm:` is 3 characters; the OpenID and its colon follow.
        try await sql.raw(
            """
            UPDATE incoming_messages SET remote_id = SUBSTR(remote_id, LENGTH(author_id) + 5)
            WHERE kind = 'direct_message' AND remote_id LIKE 'dm:%'
            AND account_id IN (SELECT id FROM social_accounts WHERE platform = 'wechat')
            """
        ).run()
        try await database.schema("inbox_replies").deleteField("template_message").update()
        try await database.schema("wechat_templates").delete()
    }
}
