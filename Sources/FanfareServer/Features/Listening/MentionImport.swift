import FanfareCore
import Fluent
import Vapor

/// A 舆情 service's export imported as mentions: `POST …/listening/imports`.
/// Rows are matched against the workspace's monitors like any mention;
/// the rows no monitor hears are counted, not stored. Importing the same
/// file again adds nothing (the id column, else the link, is the key).
enum MentionImport {
    static let maxBody: ByteCount = "8mb"

    struct Input: Content {
        var csv: String?
    }

    struct Imported: Content {
        var rows: Int
        var heard: Int
        var monitors: Int
    }

    static func run(_ input: Input, in access: WorkspaceAccess, app: Application, db: any Database, now: Date = Date()) async throws -> Imported {
        try access.require(.inboxRulesManage)
        guard let csv = input.csv, !csv.isEmpty else { throw ValidationErrors("csv", .lengthBetween(min: 1, max: 8_000_000)) }
        let parsed = ListeningCSV.parse(csv, zone: access.workspace.zone)
        guard parsed.errors.isEmpty else {
            throw Problem(
                .unprocessableEntity, "The file has \(parsed.errors.count) problem(s); nothing was imported.",
                errors: parsed.errors.map {
                    FieldIssue(field: "csv", .onLine(line: $0.line, message: .fieldSays(field: $0.field, message: $0.coded)))
                },
                type: "validation")
        }
        guard let compiled = try await MonitorMatcherCache.shared.compiled(for: access.workspaceID, on: db) else {
            return Imported(rows: parsed.rows.count, heard: 0, monitors: 0)
        }
        let analyzer = try await ConversationService.analyzer(for: access.workspace, app: app)
        var mentions: [NewMention] = []
        for row in parsed.rows {
            let heard = compiled.match(row.text, platform: row.platform, source: nil, kind: .import)
            guard !heard.isEmpty else { continue }
            mentions.append(
                NewMention(
                    source: .import, sourceKey: "import", externalID: row.id, platform: row.platform, author: row.author, text: row.text,
                    url: row.url, publishedAt: row.published, analysis: analyzer.analyze(row.text), monitorIDs: heard))
        }
        let heard = mentions
        let monitors = try await db.writeTransaction { tx in
            try await MentionStore.insert(heard, workspaceID: access.workspaceID, now: now, in: tx)
        }
        return Imported(rows: parsed.rows.count, heard: heard.count, monitors: monitors.count)
    }
}
