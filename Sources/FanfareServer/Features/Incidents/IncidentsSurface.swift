import FanfareCore
import Fluent
import Vapor

/// What other features may ask of Incidents: the approved holding
/// statements of the workspace's active incidents, which the inbox offers
/// in its reply box's template picker (a reply sent with a statement's
/// exact text counts as that statement used: it stops the incident's
/// first-response clock).
extension IncidentService {
    struct ApprovedStatement: Sendable, Equatable {
        var id: UUID
        /// The incident's title with the statement's opening words.
        var name: String
        var text: String
    }

    static func approvedStatements(in workspaceID: UUID, on db: any Database) async throws -> [ApprovedStatement] {
        let active = try await Incident.query(on: db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$state ~~ IncidentState.allCases.filter(\.isActive).map(\.rawValue)).all()
        guard !active.isEmpty else { return [] }
        let titles = Dictionary(active.map { ($0.id!, $0.title) }, uniquingKeysWith: { a, _ in a })
        return try await IncidentStatement.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$incident.$id ~~ Array(titles.keys))
            .filter(\.$state == IncidentStatement.State.approved.rawValue).sort(\.$approvedAt, .descending).all()
            .map { ApprovedStatement(id: $0.id!, name: "\(titles[$0.$incident.id] ?? "") · \($0.text.prefix(20))", text: $0.text) }
    }

    /// The text of an approved statement of an active incident of the workspace, by id.
    static func approvedStatementText(_ raw: String?, in workspaceID: UUID, on db: any Database) async throws -> String? {
        guard let id = raw.flatMap(UUID.init(uuidString:)) else { return nil }
        return try await approvedStatements(in: workspaceID, on: db).first { $0.id == id }?.text
    }
}
