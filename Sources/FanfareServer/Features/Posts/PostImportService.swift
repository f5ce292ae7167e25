import FanfareCore
import Fluent
import Vapor

/// Bulk creation of draft posts from CSV, one row per post. Every row is
/// checked (Core's parser, then the same checks as a post written by hand)
/// and the posts are created in one transaction: one bad row and nothing
/// is imported, with every problem listed by line.
struct PostImportService {
    let db: any Database
    let app: Application

    struct Report: Content {
        var imported: Int
        var postIds: [UUID]
        var errors: [RowError]
    }

    private struct Rejected: Error { var errors: [RowError] }

    func run(csv: String, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Report {
        try access.require(.contentEdit)
        let parsed = PostImport.rows(from: csv, timeZone: access.workspace.zone, now: now)
        guard parsed.errors.isEmpty else { return Report(imported: 0, postIds: [], errors: parsed.errors) }
        let accounts = try await access.query(SocialAccount.self, on: db).all()
        let topics = try await access.query(Topic.self, on: db).all()
        do {
            let ids = try await db.writeTransaction { tx in
                var errors: [RowError] = []
                var ids: [UUID] = []
                let service = PostService(db: tx, app: app)
                for row in parsed.rows {
                    var accountIDs: [String] = []
                    for reference in row.accounts {
                        let key = reference.trimmingCharacters(in: CharacterSet(charactersIn: "@ ")).lowercased()
                        if let account = accounts.first(where: { $0.handle.lowercased() == key || $0.id!.uuidString.lowercased() == key }) {
                            accountIDs.append(account.id!.uuidString)
                        } else {
                            errors.append(RowError(line: row.line, field: "accounts", .importUnknownAccount(value: reference)))
                        }
                    }
                    var topicID: String?
                    if let title = row.topic {
                        if let topic = topics.first(where: { $0.title == title }) {
                            topicID = topic.id!.uuidString
                        } else {
                            errors.append(RowError(line: row.line, field: "topic", .importUnknownTopic(value: title)))
                        }
                    }
                    guard errors.allSatisfy({ $0.line != row.line }) else { continue }
                    do {
                        let post = try await service.create(
                            .init(
                                title: row.title, body: row.text, pillar: row.pillar?.rawValue, format: row.format?.rawValue,
                                pool: row.pool?.rawValue,
                                topicID: topicID, campaign: row.campaign, tags: row.tags, accountIDs: accountIDs, assetIDs: [], variants: [:]),
                            in: access, actor: actor, now: now)
                        if let at = row.scheduledAt {
                            // The planned time; it is scheduled once approved.
                            post.scheduledAt = at
                            try await post.save(on: tx)
                        }
                        ids.append(post.id!)
                    } catch let problems as ValidationErrors {
                        errors += problems.issues.map { RowError(line: row.line, field: $0.field, $0.coded) }
                    }
                }
                if !errors.isEmpty { throw Rejected(errors: errors) }
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.imported", targetType: "workspace",
                    targetID: access.workspaceID, after: ["rows": String(ids.count)], now: now)
                return ids
            }
            return Report(imported: ids.count, postIds: ids, errors: [])
        } catch let rejected as Rejected {
            return Report(imported: 0, postIds: [], errors: rejected.errors)
        }
    }
}
