import FanfareCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import SQLiteKit
import SQLiteNIO

/// Reads the models every request needs (person, workspace, membership,
/// API token) from one hand-written SQL statement. FluentKit's query
/// builder escapes every identifier of a joined select through a generic
/// string search, and joined models are built a second time from the row:
/// together the largest cost of an authenticated request (docs/benchmarks.md).
/// The statement here is text made once; the models are filled through
/// FluentKit's own `output(from:)`, so they are exactly what a Fluent
/// query returns (marked as stored, nothing pending to save).
protocol HandRead: Model {
    /// The stored columns, as the model's properties name them.
    static var columns: [String] { get }
}

extension HandRead {
    /// `alias.column AS alias_column, …` for a select list.
    static func selectList(_ alias: String) -> String {
        columns.map { "\(alias).\($0) AS \(alias)_\($0)" }.joined(separator: ", ")
    }

    /// The model from the columns `selectList(alias)` named; nil when a
    /// left join found no row (its id is null).
    static func read(_ row: any SQLRow, alias: String, on sql: any SQLDatabase) throws -> Self? {
        guard try !row.decodeNil(column: "\(alias)_id") else { return nil }
        let model = Self()
        try model.output(from: AliasedRowOutput(row: row, prefix: "\(alias)_", uuidsAsText: SQLRows.uuidsAsText(sql)))
        return model
    }
}

/// A row's columns under one alias, as FluentKit reads a model's fields.
struct AliasedRowOutput: DatabaseOutput {
    let row: any SQLRow
    let prefix: String
    let uuidsAsText: Bool

    func schema(_ schema: String) -> any DatabaseOutput { self }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: prefix + key.description) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: prefix + key.description) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T {
        let column = prefix + key.description
        if uuidsAsText, T.self == UUID.self { return try SQLRows.uuid(row, column, asText: true) as! T }
        if uuidsAsText, T.self == UUID?.self { return try SQLRows.optionalUUID(row, column, asText: true) as! T }
        return try row.decode(column: column, as: T.self)
    }
    var description: String { "columns \(prefix)* of \(row.allColumns)" }
}

/// Column readers for hand-written statements.
enum SQLRows {
    /// SQLite keeps UUIDs as text (FluentKit writes `uuidString`); reading
    /// them through `HexText` skips Foundation's `sscanf`-based parser.
    static func uuidsAsText(_ sql: any SQLDatabase) -> Bool { sql.dialect.name == "sqlite" }

    static func uuid(_ row: any SQLRow, _ column: String, asText: Bool) throws -> UUID {
        guard asText else { return try row.decode(column: column, as: UUID.self) }
        let text = try row.decode(column: column, as: String.self)
        guard let id = HexText.uuid(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Column \(column) holds \(text), not a UUID."))
        }
        return id
    }

    /// A number column as Double (integers and reals both); nil for NULL.
    static func number(_ row: any SQLRow, _ column: String) -> Double? {
        if let value = try? row.decode(column: column, as: Int.self) { return Double(value) }
        return try? row.decode(column: column, as: Double.self)
    }

    static func optionalUUID(_ row: any SQLRow, _ column: String, asText: Bool) throws -> UUID? {
        try row.decodeNil(column: column) ? nil : try uuid(row, column, asText: asText)
    }
}

/// One row of a hand-written statement, read without SQLKit's per-column
/// `Decodable` machinery where the database allows it.
protocol PlainRow {
    func text(_ column: String) throws -> String
    /// Nil for NULL.
    func optionalText(_ column: String) throws -> String?
    func uuid(_ column: String) throws -> UUID
    /// Nil for NULL (or a value that is not a number).
    func number(_ column: String) -> Double?
}

/// A statement's rows as `PlainRow`s: on SQLite its own values
/// (`SQLiteRow.column(_:)`), collected on the thread that steps the
/// statement, for reads of thousands of rows. SQLKit's path over
/// SQLiteNIO hands every row to the event loop as a task of its own (a
/// future, a lock and a wake-up per row) and then decodes each column
/// through `Decodable`: together most of a year's followers series (36,500
/// rows, 90 ms). On PostgreSQL, and inside a write transaction, SQLKit's
/// rows.
enum PlainRows {
    static func all(_ sql: any SQLDatabase, _ query: SQLQueryString) async throws -> [any PlainRow] {
        if let lite = sql as? any SQLiteDatabase {
            var serializer = SQLSerializer(database: sql)
            query.serialize(to: &serializer)
            // The encoder SQLKit's own SQLite statements bind with, so values
            // (UUIDs as text, dates as seconds) compare as they do there.
            let encoder = SQLiteDataEncoder()
            let binds = try serializer.binds.map { try encoder.encode($0) }
            let text = serializer.sql
            // Logged as SQLKit logs its statements, so LOG_LEVEL=debug shows
            // every statement a request ran.
            sql.logger.debug("Executing query", metadata: ["sql": .string(text), "binds": .string("\(binds)")])
            return try await lite.withConnection { connection in
                let rows = NIOLockedValueBox<[SQLiteRow]>([])
                try await connection.query(text, binds) { row in rows.withLockedValue { $0.append(row) } }
                return rows.withLockedValue { $0 }
            }
        }
        let asText = SQLRows.uuidsAsText(sql)
        return try await sql.raw(query).all().map { KitRow(row: $0, asText: asText) }
    }

    struct Missing: Error, CustomStringConvertible {
        var column: String
        var description: String { "The statement's rows have no readable \(column) column." }
    }

    struct KitRow: PlainRow {
        var row: any SQLRow
        var asText: Bool
        func text(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
        func optionalText(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
        func uuid(_ column: String) throws -> UUID { try SQLRows.uuid(row, column, asText: asText) }
        func number(_ column: String) -> Double? { SQLRows.number(row, column) }
    }
}

extension SQLiteRow: PlainRow {
    func text(_ column: String) throws -> String {
        guard let value = self.column(column)?.string else { throw PlainRows.Missing(column: column) }
        return value
    }

    func optionalText(_ column: String) throws -> String? {
        guard let value = self.column(column) else { throw PlainRows.Missing(column: column) }
        return value.isNull ? nil : value.string
    }

    func uuid(_ column: String) throws -> UUID {
        guard let text = self.column(column)?.string, let id = HexText.uuid(text) else { throw PlainRows.Missing(column: column) }
        return id
    }

    func number(_ column: String) -> Double? { self.column(column)?.double }
}

extension User: HandRead {
    static let columns = ["id", "email", "display_name", "password_hash", "locale", "time_zone", "is_admin", "session_epoch", "created_at"]
}

extension Workspace: HandRead {
    static let columns = ["id", "name", "slug", "time_zone", "created_at", "review_chain", "hot_topic_share", "lexicon_version"]
}

extension Membership: HandRead {
    static let columns = ["id", "workspace_id", "user_id", "role", "created_at"]
}

extension APIToken: HandRead {
    static let columns = ["id", "user_id", "name", "token_hash", "hint", "scopes", "created_at", "last_used_at", "revoked_at"]
}
