import FanfareCore
import Foundation
import Testing

@testable import FanfareConnectors
@testable import fanfare_bench

/// The listening benchmark's floor: the first moment a storm's own
/// messages reach a grade, which no evaluation can beat.
@Suite struct StormFloorTests {
    func message(_ second: Double, negative: Bool) -> SandboxChatter.Message {
        SandboxChatter.Message(at: Date(timeIntervalSince1970: 1_000 + second), fanName: "f", text: "t", negative: negative)
    }

    @Test func theFloorIsTheMessageThatFirstReachesBlue() {
        // Blue by share needs five negative mentions (share ≥ 0.4): the
        // fifth complaint, at 50 s, is the first moment.
        let messages = [0.0, 10, 20, 30, 40, 50, 60].enumerated().map { message($0.element, negative: $0.offset != 1) }
        #expect(ListeningBenchmark.secondsToFirstGrade(messages) == 50)
        // Praise alone reaches blue by volume at its tenth mention.
        let praise = (0..<12).map { message(Double($0) * 5, negative: false) }
        #expect(ListeningBenchmark.secondsToFirstGrade(praise) == 45)
        #expect(ListeningBenchmark.secondsToFirstGrade(Array(praise.prefix(3))) == .infinity)
    }

    /// Every generated storm reaches a grade within its first three
    /// minutes, whatever its seed and start (the benchmark's storms are
    /// storms), and none of them at its very first message.
    @Test func generatedStormsReachAGradeWithinThreeMinutes() {
        for index in 0..<200 {
            let start = Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 37)
            let storm = SandboxChatter(seed: UInt64(index % 20 + 1), brand: "风暴\(index)").storm(start: start)
            let floor = ListeningBenchmark.secondsToFirstGrade(storm)
            #expect(floor > 0 && floor < 180, "storm \(index): \(floor) s")
        }
    }
}
