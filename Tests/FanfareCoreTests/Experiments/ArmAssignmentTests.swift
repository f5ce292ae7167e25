import FanfareCore
import Foundation
import Testing

@Suite struct ArmAssignmentTests {
    /// SplitMix64: spread test inputs the way a MAC would.
    func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @Test func eachArmGetsItsWeightsShare() {
        for weights in [[0.5, 0.5], [1.0, 3.0], [0.2, 0.3, 0.5], [1, 1, 1, 1, 1]] {
            var counts = [Int](repeating: 0, count: weights.count)
            let n = 200_000
            for i in 0..<n { counts[ArmAssignment.pick(hash: mix(UInt64(i)), weights: weights)] += 1 }
            let total = weights.reduce(0, +)
            for (index, weight) in weights.enumerated() {
                // 200,000 draws: the share is within half a percentage point.
                #expect(abs(Double(counts[index]) / Double(n) - weight / total) < 0.005, "\(weights): arm \(index) got \(counts[index])")
            }
        }
    }

    @Test func theSameVisitorAlwaysLandsInTheSameArmAndTheEdgesAreInside() {
        let weights = [0.3, 0.7]
        for i in 0..<1_000 {
            let hash = mix(UInt64(i))
            #expect(ArmAssignment.pick(hash: hash, weights: weights) == ArmAssignment.pick(hash: hash, weights: weights))
        }
        #expect(ArmAssignment.pick(hash: 0, weights: weights) == 0)
        #expect(ArmAssignment.pick(hash: .max, weights: weights) == 1)
        #expect(ArmAssignment.pick(hash: .max, weights: [1]) == 0)
    }

    @Test func armsAreCheckedNamingEachField() {
        #expect(throws: Never.self) { try ExperimentArms.validate(names: ["对照", "新标题"], weights: [1, 1]) }
        do {
            try ExperimentArms.validate(names: ["对照", " 对照 ", ""], weights: [1, 0, -1])
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map(\.field) == ["arms[1].weight", "arms[2].weight", "arms[1].name", "arms[2].name"])
        }
        do {
            try ExperimentArms.validate(names: ["only"], weights: [1])
            Issue.record("accepted one arm")
        } catch {
            #expect(error.issues.map(\.field) == ["arms"])
        }
    }
}
