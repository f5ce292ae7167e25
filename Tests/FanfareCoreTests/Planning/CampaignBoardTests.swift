import FanfareCore
import Testing

/// The status board's rules (docs/campaigns.md § The status board).
@Suite struct CampaignBoardTests {
    func task(_ key: String, _ start: Int, _ finish: Int, done: Bool = false, before: Bool = true) -> CampaignBoard.TaskState {
        CampaignBoard.TaskState(key: key, start: start, finish: finish, done: done, beforeLaunch: before)
    }

    @Test func onPlanIsGreen() {
        let reading = CampaignBoard.read(
            .init(today: -12, tasks: [task("a", -15, -10), task("b", -10, -7)], goalPace: 1.0, budgetBurn: 0.3, elapsedShare: 0.3))
        #expect(reading == .init(colour: .green, reasons: []))
    }

    @Test func aTaskPastItsLastDayTurnsTheBoardAmber() {
        // b's last day was −8; on −7 it is one day late and the buffer holds.
        let reading = CampaignBoard.read(.init(today: -7, tasks: [task("a", -15, -10, done: true), task("b", -10, -7)]))
        #expect(reading == .init(colour: .amber, reasons: [.taskOverdue(key: "b", days: 1)]))
        // Done on time is not late.
        #expect(CampaignBoard.read(.init(today: -7, tasks: [task("b", -10, -7, done: true)])).colour == .green)
        // The last day itself is not late yet.
        #expect(CampaignBoard.read(.init(today: -8, tasks: [task("b", -10, -7)])).colour == .green)
    }

    @Test func beforeLaunchWorkStillOpenOnLaunchDayIsRed() {
        let reading = CampaignBoard.read(.init(today: 0, tasks: [task("b", -10, -7)]))
        #expect(reading.colour == .red)
        #expect(reading.reasons.contains(.launchAtRisk(key: "b", days: 1)))
        #expect(reading.reasons.contains(.taskOverdue(key: "b", days: 8)))
        // Work after the launch that slips is amber, not red.
        #expect(CampaignBoard.read(.init(today: 6, tasks: [task("x", 0, 5, before: false)])).colour == .amber)
        // A before-launch task planned to finish after the launch (no buffer
        // left in the plan) is red before it is even late.
        #expect(CampaignBoard.read(.init(today: -3, tasks: [task("c", -2, 2)])).reasons == [.launchAtRisk(key: "c", days: 2)])
    }

    @Test func theGoalPathHasAnAmberAndARedLine() {
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], goalPace: 0.95)).colour == .green)
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], goalPace: 0.94)).colour == .amber)
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], goalPace: 0.79)).colour == .red)
    }

    @Test func spendingIsReadAgainstTheCalendar() {
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], budgetBurn: 0.55, elapsedShare: 0.5)).colour == .green)
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], budgetBurn: 0.6, elapsedShare: 0.5)).colour == .amber)
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], budgetBurn: 0.75, elapsedShare: 0.5)).colour == .red)
        #expect(CampaignBoard.read(.init(today: 3, tasks: [], budgetBurn: 1.01, elapsedShare: 1)).reasons == [.overBudget(burn: 1.01)])
    }
}
