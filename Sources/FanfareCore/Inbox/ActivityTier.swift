import Foundation

/// A fan's activity tier by interactions in the last 30 days (SPEC §2): silent < 1, potential 1–10, active 11–50, core > 50.
public enum ActivityTier: String, CaseIterable, Codable, Sendable { case silent, potential, active, core }

/// The lowest interaction count of each tier above silent; a workspace may move them.
public struct ActivityThresholds: Codable, Equatable, Sendable {
    /// Lowest count that is potential (1 by default).
    public var potential: Int
    /// Lowest count that is active (11).
    public var active: Int
    /// Lowest count that is core (51).
    public var core: Int

    public static let standard = ActivityThresholds(potential: 1, active: 11, core: 51)

    public init(potential: Int, active: Int, core: Int) {
        self.potential = potential
        self.active = active
        self.core = core
    }

    public func tier(forInteractions count: Int) -> ActivityTier {
        if count >= core { return .core }
        if count >= active { return .active }
        if count >= potential { return .potential }
        return .silent
    }

    /// Problems by threshold ("active": must be greater than potential), empty when valid; all must be ≥ 1 and strictly increasing.
    public var problems: [FieldIssue] {
        var problems: [FieldIssue] = []
        // Zero would make every fan potential at least, leaving the silent tier unreachable.
        for (name, value) in [("potential", potential), ("active", active), ("core", core)] where value < 1 {
            problems.append(FieldIssue(field: name, .tierThresholdAtLeastOne))
        }
        if active <= potential { problems.append(FieldIssue(field: "active", .tierThresholdAbove(lower: "potential"))) }
        if core <= active { problems.append(FieldIssue(field: "core", .tierThresholdAbove(lower: "active"))) }
        return problems
    }
}
