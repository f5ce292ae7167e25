import FanfareCore
import Fluent
import Vapor

/// The demo's campaigns, planned by the operations manager through the
/// campaign service as the 营销活动 page plans them: 双十一 (prepare →
/// execute → review) launched five weeks ago, every task done and closed;
/// and 新年礼盒 (warm-up → burst → sustain) launching in six days, its
/// brief, content and creators done but the content review and the
/// scheduling still open past their last day, so its board is amber (the
/// buffer still holds the launch). Nothing is typed into a page.
enum DemoCampaigns {
    static let finishedLaunchDaysAgo = 35
    static let runningLaunchInDays = 6
    static let runningName = "新年限定礼盒上新"

    static func play(_ timeline: DemoTimeline) async throws {
        let clock = timeline.clock
        let access = timeline.access(.manager)
        let actor = timeline.actor(.manager)
        let manager = timeline.members[.manager]!.id!.uuidString
        let service = CampaignService(db: timeline.db)
        let tasks = CampaignTaskService(db: timeline.db)
        let today = MetricDay.of(clock.now, in: clock.zone)

        // 双十一: planned seven weeks ago, every task done, closed when the post-mortem was held.
        let finished = try await service.create(
            .init(
                name: "双十一大促", template: CampaignTemplate.prepareExecuteReview.rawValue,
                launchDay: MetricDay.adding(-finishedLaunchDaysAgo, to: today), bufferDays: 7, goalId: nil, platforms: ["weibo"], ownerId: manager),
            in: access, actor: actor, locale: .zhHans, now: clock.day(finishedLaunchDaysAgo + 15, 10))
        let finishedDTO = try await CampaignReader.read(finished, today: today, on: timeline.db)
        for task in finishedDTO.tasks {
            let doneOn = MetricDay.parse(task.endDay)!.addingTimeInterval(17 * 3_600 - Double(clock.zone.secondsFromGMT()))
            _ = try await tasks.updateTask(
                campaign: finished.id!.uuidString, task: task.id.uuidString, .init(done: true), in: access, actor: actor, now: min(doneOn, clock.now))
        }
        // Closing drafts its post-mortem from the numbers; the team's lessons follow the next morning.
        _ = try await service.close(
            finished.id!.uuidString, in: access, actor: actor, locale: .zhHans, now: clock.day(finishedLaunchDaysAgo - 18, 18))
        _ = try await PostMortemService(db: timeline.db).save(
            finished.id!.uuidString,
            .init(
                summary: nil,
                lessons: "1. 达人合作的内容互动率最高，下次提前两周锁定达人档期。\n2. 预热期内容偏少，爆发期前应至少排期三篇预热内容。\n3. 复盘会应在活动结束后一周内召开，数据趁热整理。",
                tags: ["大促", "达人", "预热"]), in: access, actor: actor, locale: .zhHans, now: clock.day(finishedLaunchDaysAgo - 19, 10))

        // 新年礼盒: launching in six days; two tasks before the launch are late.
        let running = try await service.create(
            .init(
                name: runningName, template: CampaignTemplate.warmUpBurstSustain.rawValue,
                launchDay: MetricDay.adding(runningLaunchInDays, to: today),
                bufferDays: 7, goalId: nil, platforms: ["weibo", "mastodon"], ownerId: manager),
            in: access, actor: actor, locale: .zhHans, now: clock.day(25, 11))
        let runningDTO = try await CampaignReader.read(running, today: today, on: timeline.db)
        let open: Set<String> = ["内容审核", "内容排期"]
        for task in runningDTO.tasks
        where runningDTO.phases.first(where: { $0.id == task.phaseId })?.beforeLaunch == true && !open.contains(task.name) {
            let doneOn = MetricDay.parse(task.endDay)!.addingTimeInterval(18 * 3_600 - Double(clock.zone.secondsFromGMT()))
            _ = try await tasks.updateTask(
                campaign: running.id!.uuidString, task: task.id.uuidString, .init(done: true), in: access, actor: actor, now: min(doneOn, clock.now))
        }
        // Two checklist items of the preparation ticked.
        if let prepare = runningDTO.phases.first(where: \.beforeLaunch) {
            for item in prepare.checklist.prefix(2) {
                try await tasks.checkItem(
                    campaign: running.id!.uuidString, item: item.id.uuidString, done: true, in: access, actor: actor, now: clock.day(10, 15))
            }
        }
    }
}
