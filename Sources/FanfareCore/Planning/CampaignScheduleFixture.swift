import Foundation

/// Generated campaign plans of a chosen size, the same for a seed: the
/// benchmark's 2,000 tasks and 5,000 dependencies (issue 22) and the test
/// that every dependency holds in their schedule. Kept in Core so the two
/// read one definition.
public enum CampaignScheduleFixture {
    /// Tasks in a random order whose dependencies only point forwards in
    /// it (so there is no loop); the first 40 % are before the launch and
    /// never wait for later work. Kinds and lags vary as a team's would:
    /// mostly finish-to-start, lags from −2 to 3 days.
    public static func plan(tasks: Int, dependencies: Int, seed: UInt64, bufferDays: Int = 7) -> CampaignPlan {
        var random = Mixer(state: seed)
        let before = tasks * 2 / 5
        let planTasks = (0..<tasks).map { index in
            CampaignPlan.Task(key: "t\(index)", name: "Task \(index)", durationDays: Int(random.next() % 10), beforeLaunch: index < before)
        }
        var seen = Set<Int>()
        var planDependencies: [CampaignPlan.Dependency] = []
        planDependencies.reserveCapacity(dependencies)
        while planDependencies.count < min(dependencies, tasks * (tasks - 1) / 2) {
            var from = Int(random.next() % UInt64(tasks))
            var to = Int(random.next() % UInt64(tasks))
            if from == to { continue }
            if from > to { swap(&from, &to) }
            // Most dependencies stay on one side of the launch; one pair in
            // four from before-launch work to later work is kept.
            if to < before || from >= before || random.next() % 4 == 0 {
                guard seen.insert(from * tasks + to).inserted else { continue }
                let roll = random.next() % 10
                let kind: DependencyKind = roll < 7 ? .finishToStart : roll == 7 ? .startToStart : roll == 8 ? .finishToFinish : .startToFinish
                planDependencies.append(
                    CampaignPlan.Dependency(predecessor: "t\(from)", successor: "t\(to)", kind: kind, lagDays: Int(random.next() % 6) - 2))
            }
        }
        return CampaignPlan(tasks: planTasks, dependencies: planDependencies, bufferDays: bufferDays)
    }

    /// SplitMix64: small, fast and the same on every platform, which
    /// Swift's system generator is not.
    struct Mixer {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
