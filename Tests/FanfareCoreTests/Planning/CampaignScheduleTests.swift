import FanfareCore
import Testing

/// Backward scheduling, the four dependency kinds, float and the critical
/// path, and cycles refused by name (docs/campaigns.md), without a database.
@Suite struct CampaignScheduleTests {
    func task(_ key: String, _ days: Int, before: Bool = true) -> CampaignPlan.Task {
        CampaignPlan.Task(key: key, name: "task \(key)", durationDays: days, beforeLaunch: before)
    }

    func dep(_ from: String, _ to: String, _ kind: DependencyKind = .finishToStart, lag: Int = 0) -> CampaignPlan.Dependency {
        CampaignPlan.Dependency(predecessor: from, successor: to, kind: kind, lagDays: lag)
    }

    @Test func beforeLaunchWorkEndsTheBufferAheadOfTheLaunch() throws {
        // A (5 days) then B (3 days), a week of buffer: B's last day is day −8.
        let plan = CampaignPlan(tasks: [task("a", 5), task("b", 3)], dependencies: [dep("a", "b")], bufferDays: 7)
        let schedule = try CampaignSchedule.make(plan)
        #expect(schedule.slot("b") == .init(key: "b", start: -10, finish: -7, totalFloat: 0, critical: true))
        #expect(schedule.slot("a") == .init(key: "a", start: -15, finish: -10, totalFloat: 0, critical: true))
        #expect(schedule.start == -15)
        #expect(schedule.end == 0)
        #expect(schedule.criticalPath == ["a", "b"])
    }

    @Test func aShortBranchIsScheduledLateAndHasFloat() throws {
        // C needs one day after A; B needs three. C goes as late as it can
        // (backward scheduling) and may slip two days.
        let plan = CampaignPlan(tasks: [task("a", 5), task("b", 3), task("c", 1)], dependencies: [dep("a", "b"), dep("a", "c")], bufferDays: 7)
        let schedule = try CampaignSchedule.make(plan)
        #expect(schedule.slot("c")?.start == -8)
        #expect(schedule.slot("c")?.totalFloat == 2)
        #expect(schedule.slot("c")?.critical == false)
        #expect(schedule.criticalPath == ["a", "b"])
    }

    @Test func workAfterTheLaunchRunsForwardsFromIt() throws {
        let plan = CampaignPlan(
            tasks: [task("x", 3, before: false), task("y", 5, before: false), task("z", 2, before: false)],
            dependencies: [dep("x", "y"), dep("x", "z")], bufferDays: 7)
        let schedule = try CampaignSchedule.make(plan)
        #expect(schedule.slot("x")?.start == 0)
        #expect(schedule.slot("y")?.start == 3)
        #expect(schedule.slot("z")?.start == 3)
        #expect(schedule.slot("z")?.totalFloat == 3)
        #expect(schedule.end == 8)
        #expect(schedule.start == 0)
        #expect(schedule.criticalPath == ["x", "y"])
    }

    @Test func eachDependencyKindBindsItsOwnEnds() throws {
        let tasks = [task("p", 4, before: false), task("s", 2, before: false)]
        func slot(_ kind: DependencyKind, lag: Int) throws -> CampaignSchedule.Slot? {
            try CampaignSchedule.make(
                CampaignPlan(
                    tasks: tasks + [task("q", 10, before: false)], dependencies: [dep("q", "p"), dep("p", "s", kind, lag: lag)], bufferDays: 0)
            )
            .slot("s")
        }
        // p runs on days 10..<14.
        #expect(try slot(.finishToStart, lag: 1)?.start == 15)
        #expect(try slot(.finishToStart, lag: -2)?.start == 12)
        #expect(try slot(.startToStart, lag: 2)?.start == 12)
        #expect(try slot(.finishToFinish, lag: 0)?.finish == 14)
        #expect(try slot(.startToFinish, lag: 3)?.finish == 13)
    }

    @Test func aLoopIsRefusedNamingItsTasksInOrder() {
        let plan = CampaignPlan(
            tasks: [task("a", 1), task("b", 1), task("c", 1), task("d", 1)],
            dependencies: [dep("d", "a"), dep("a", "b"), dep("b", "c"), dep("c", "a")],
            bufferDays: 7)
        #expect(throws: CampaignScheduleError.self) { try CampaignSchedule.make(plan) }
        do {
            _ = try CampaignSchedule.make(plan)
        } catch {
            guard case .cycle(let names) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(names.count == 4)
            #expect(names.first == names.last)
            #expect(Set(names) == ["task a", "task b", "task c"])
            // Each named task waits for the one before it.
            let waits: Set<[String]> = [["task a", "task b"], ["task b", "task c"], ["task c", "task a"]]
            for index in 0..<3 { #expect(waits.contains([names[index], names[index + 1]])) }
        }
    }

    @Test func beforeLaunchWorkWaitingForLaterWorkIsALoopThroughTheLaunch() {
        let plan = CampaignPlan(
            tasks: [task("late", 2, before: false), task("early", 2)], dependencies: [dep("late", "early")], bufferDays: 7, launchName: "上线")
        #expect(throws: CampaignScheduleError.cycle(["task late", "task early", "上线", "task late"])) { try CampaignSchedule.make(plan) }
    }

    @Test func badPlansAreRefused() {
        #expect(throws: CampaignScheduleError.unknownTask("zz")) {
            try CampaignSchedule.make(CampaignPlan(tasks: [task("a", 1)], dependencies: [dep("a", "zz")], bufferDays: 7))
        }
        #expect(throws: CampaignScheduleError.selfDependency("task a")) {
            try CampaignSchedule.make(CampaignPlan(tasks: [task("a", 1)], dependencies: [dep("a", "a")], bufferDays: 7))
        }
        #expect(throws: CampaignScheduleError.durationOutOfRange("task a")) {
            try CampaignSchedule.make(CampaignPlan(tasks: [task("a", 400)], dependencies: [], bufferDays: 7))
        }
    }

    @Test(arguments: CampaignTemplate.allCases) func templatesScheduleWithTheirBuffer(_ template: CampaignTemplate) throws {
        let schedule = try CampaignSchedule.make(template.plan(bufferDays: 9))
        let before = Set(template.phases.filter(\.beforeLaunch).map(\.key))
        let lastBefore = template.tasks.filter { before.contains($0.phase) }.compactMap { schedule.slot($0.key)?.finish }.max()
        if template != .custom { #expect(lastBefore == -9) }
        for task in template.tasks where !before.contains(task.phase) { #expect((schedule.slot(task.key)?.start ?? -1) >= 0) }
        // Template keys are unique and every dependency names one of them.
        let keys = template.tasks.map(\.key)
        #expect(Set(keys).count == keys.count)
        for task in template.tasks { for after in task.after { #expect(keys.contains(after)) } }
        #expect(Set(template.tasks.map(\.phase)).isSubset(of: Set(template.phases.map(\.key))))
    }

    @Test func theWarmUpTemplateRunsThreeFiveAndSevenDays() throws {
        let schedule = try CampaignSchedule.make(CampaignTemplate.warmUpBurstSustain.plan(bufferDays: 7))
        #expect(schedule.slot("teasers").map { ($0.start, $0.finish) } ?? (0, 0) == (0, 3))
        #expect(schedule.slot("launch_posts").map { ($0.start, $0.finish) } ?? (0, 0) == (3, 8))
        #expect(schedule.slot("user_content").map { ($0.start, $0.finish) } ?? (0, 0) == (8, 15))
    }

    /// A generated plan of the benchmark's size: every dependency holds in
    /// the schedule, and every critical task has no float.
    @Test func aLargePlanHoldsEveryDependency() throws {
        let plan = CampaignScheduleFixture.plan(tasks: 2_000, dependencies: 5_000, seed: 7)
        let schedule = try CampaignSchedule.make(plan)
        let slots = Dictionary(uniqueKeysWithValues: schedule.slots.map { ($0.key, $0) })
        for dependency in plan.dependencies {
            let from = try #require(slots[dependency.predecessor])
            let to = try #require(slots[dependency.successor])
            let holds =
                switch dependency.kind {
                case .finishToStart: to.start >= from.finish + dependency.lagDays
                case .startToStart: to.start >= from.start + dependency.lagDays
                case .finishToFinish: to.finish >= from.finish + dependency.lagDays
                case .startToFinish: to.finish >= from.start + dependency.lagDays
                }
            #expect(holds)
        }
        for (task, slot) in zip(plan.tasks, schedule.slots) where task.beforeLaunch { #expect(slot.finish <= -plan.bufferDays) }
        for (task, slot) in zip(plan.tasks, schedule.slots) where !task.beforeLaunch { #expect(slot.start >= 0) }
        #expect(!schedule.criticalPath.isEmpty)
        #expect(schedule.slots.allSatisfy { $0.critical == ($0.totalFloat == 0) })
    }
}
