import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A tracked account's days from CSV (the benchmark's "CSV otherwise", for
/// platforms Fanfare cannot read): `POST …/competitors/{id}/import` and the
/// form on 竞品对标. Columns and rules in FanfareCore `CompetitorCSV`.
enum CompetitorImport {
    /// The largest file accepted.
    static let maxBody: ByteCount = "4mb"

    struct Input: Content {
        var csv: String?
        var fileBase64: String?
    }

    struct Imported: Content {
        var trackedAccountId: UUID
        var days: Int
        var from: String?
        var to: String?
    }

    /// The file's problems (nothing written), or the days stored with source `import`.
    static func run(_ bytes: [UInt8], into tracked: TrackedAccount, now: Date = Date(), on db: any Database) async throws -> (Imported, [RowError]) {
        let empty = Imported(trackedAccountId: tracked.id!, days: 0)
        let text: String
        switch PlatformExports.decode(bytes) {
        case .success(let decoded): text = decoded
        case .failure(let error): return (empty, [error])
        }
        let zone = try await MetricHistoryService.timeZone(of: tracked.$workspace.id, on: db)
        let parsed = CompetitorCSV.parse(text, today: MetricDay.of(now, in: zone))
        guard parsed.errors.isEmpty else { return (empty, parsed.errors) }
        let days = parsed.days.map {
            PublicAccountDay(
                day: $0.day, followers: $0.followers, posts: nil, postsThatDay: $0.postsThatDay, engagements: $0.engagements, contentTypes: [:])
        }
        try await CompetitorService.store(days, of: tracked, source: "import", now: now, on: db)
        return (Imported(trackedAccountId: tracked.id!, days: days.count, from: days.first?.day, to: days.last?.day), [])
    }

    /// The request's file: `csv` text or `file_base64` bytes, else 422 naming the field.
    static func bytes(_ input: Input) throws -> [UInt8] {
        if let csv = input.csv, !csv.isEmpty { return Array(csv.utf8) }
        if let encoded = input.fileBase64, !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw ValidationErrors("file_base64", .importMetricsFile)
            }
            return Array(data)
        }
        throw ValidationErrors("csv", .importMetricsFile)
    }

    /// The file's problems as a 422 naming the field and, in each message, the line and column.
    static func problem(_ errors: [RowError], field: String) -> Problem {
        Problem(
            .unprocessableEntity, "The file has \(errors.count) problem(s); nothing was imported.",
            errors: errors.map { FieldIssue(field: field, .onLine(line: $0.line, message: .fieldSays(field: $0.field, message: $0.coded))) },
            type: "validation")
    }
}
