import Foundation

/// Which arm of a randomised experiment a visitor sees.
///
/// The visitor's 64-bit hash (of the experiment and the visitor's own
/// random identifier) is read as a point in [0, 1) and the arms' weights
/// cut that interval in order: the same visitor always lands in the same
/// arm (sticky), and over many visitors each arm gets its weight's share.
/// The hash, not a random draw, so any node answers the same way without
/// remembering anyone.
public enum ArmAssignment {
    /// The arm for `hash` among `weights` (each > 0; they need not sum to 1).
    public static func pick(hash: UInt64, weights: [Double]) -> Int {
        precondition(!weights.isEmpty, "an experiment has arms")
        let total = weights.reduce(0, +)
        // The top 53 bits: exactly representable, uniform in [0, 1).
        let point = Double(hash >> 11) / Double(UInt64(1) << 53) * total
        var edge = 0.0
        for (index, weight) in weights.enumerated() {
            edge += weight
            if point < edge { return index }
        }
        return weights.count - 1
    }
}

/// What an experiment's arms and weights must be before it may start.
public enum ExperimentArms {
    /// Control plus one to four variants.
    public static let count = 2...5

    /// Weights as typed; every problem named by field (`arms`, `arms[2].weight`).
    public static func validate(names: [String], weights: [Double]) throws(ValidationErrors) {
        var errors = ValidationErrors()
        if !count.contains(names.count) {
            errors.add("arms", .experimentArmCount(min: count.lowerBound, max: count.upperBound))
        }
        for (index, weight) in weights.enumerated() where !(weight > 0 && weight <= 100) {
            errors.add("arms[\(index)].weight", .decimalBetween(min: "0.01", max: "100"))
        }
        var seen = Set<String>()
        for (index, name) in names.enumerated() {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 80 {
                errors.add("arms[\(index)].name", .lengthBetween(min: 1, max: 80))
            } else if !seen.insert(trimmed.lowercased()).inserted {
                errors.add("arms[\(index)].name", .experimentArmNameTaken)
            }
        }
        try errors.throwIfAny()
    }
}
