import Fluent
import Foundation

/// What other features may ask of Risks: the demo judges the triggers
/// once, as the five-minute worker would.
extension RiskService {
    @discardableResult
    static func watchTriggers(on db: any Database, now: Date) async throws -> [UUID] {
        try await RiskWatch.watch(on: db, now: now)
    }
}
