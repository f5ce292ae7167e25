import FanfareCore
import Fluent
import Vapor

/// The demo's goals: the seeds' three-phase plan (docs/goals.md), written by
/// the operations manager through the template as the 目标 page writes it,
/// starting sixty days ago, so its first phase is two months in and the
/// other two are still to come. Progress is never typed in: the goals read
/// the demo's own metric store and conversions, and the hourly check judges
/// them once here as the worker would, so a goal that is off track has
/// told the team already.
enum DemoGoals {
    /// Days before today the plan started.
    static let startedDaysAgo = 60

    /// The demo brand's three accounts gain a few thousand followers a
    /// month, not the seeds' 50,000: the manager wrote the plan's follower
    /// target for a brand of this size (the template lets every target be
    /// edited). Every other item keeps the seeds' number, so the comment
    /// rate of 10 % shows how an off-track goal looks.
    static let followerTarget = 12_000.0

    static func play(_ timeline: DemoTimeline) async throws {
        let clock = timeline.clock
        let startDay = MetricDay.of(clock.day(startedDaysAgo, 10), in: clock.zone)
        let manager = timeline.members[.manager]!
        let input = ObjectiveService.TemplateInput(
            startDay: startDay, ownerId: manager.id!.uuidString, platform: nil, locale: UILocale.zhHans.rawValue,
            items: ["follower_growth": .init(include: true, target: followerTarget)])
        // Written the afternoon before the plan started.
        _ = try await ObjectiveService(db: timeline.db).applyTemplate(
            input, in: timeline.access(.manager), actor: timeline.actor(.manager), now: clock.day(startedDaysAgo + 1, 16))
        try await GoalCheck.check(on: timeline.db, now: clock.now)
    }
}
