import Foundation
import SQLKit

/// Many rows of one table, each with its own new values, in one statement
/// per few hundred rows: `UPDATE … FROM (VALUES …)`, which SQLite (3.33+)
/// and PostgreSQL both speak. The hot paths (a burst of publishing) use it
/// where one statement per row would cost a round trip each.
struct RowsUpdate {
    struct Column {
        var name: String
        /// The PostgreSQL type the value is cast to: a NULL in a VALUES
        /// list has no type of its own there.
        var postgresType: String
    }

    let table: String
    let columns: [Column]
    var rows: [(id: UUID, values: [any Encodable & Sendable])] = []

    init(table: String, columns: [Column]) {
        self.table = table
        self.columns = columns
    }

    mutating func add(_ id: UUID, _ values: [any Encodable & Sendable]) {
        precondition(values.count == columns.count, "one value per column")
        rows.append((id, values))
    }

    func run(on sql: any SQLDatabase) async throws {
        let postgres = sql.dialect.name == "postgresql"
        func value(_ index: Int, _ type: String) -> String { "v.column\(index)" + (postgres ? "::\(type)" : "") }
        let assignments = columns.enumerated().map { index, column in "\(column.name) = \(value(index + 2, column.postgresType))" }
        let perStatement = max(1, 2_000 / (columns.count + 1))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let values: [any SQLExpression] = rows[start..<min(rows.count, start + perStatement)].map { row in
                SQLGroupExpression([SQLBind(row.id)] + row.values.map { SQLBind($0) })
            }
            try await sql.raw(
                """
                UPDATE \(ident: table) SET \(unsafeRaw: assignments.joined(separator: ", "))
                FROM (VALUES \(SQLList(values))) AS v WHERE \(ident: table).id = \(unsafeRaw: value(1, "uuid"))
                """
            ).run()
        }
    }
}
