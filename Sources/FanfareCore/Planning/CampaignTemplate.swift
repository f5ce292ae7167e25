import Foundation

/// The campaign shapes of the seeds (SPEC §10): prepare → execute → review,
/// and warm-up 3 days → burst 5 days → sustain 7 days. Applying one writes
/// ordinary phases, tasks, dependencies and checklists that the team then
/// changes; names are string keys (`campaigns.template.<key>`) written in
/// the creator's language.
public enum CampaignTemplate: String, CaseIterable, Codable, Sendable {
    case prepareExecuteReview = "prepare_execute_review"
    case warmUpBurstSustain = "warm_up_burst_sustain"
    /// One phase before the launch and one after, with no tasks.
    case custom

    public struct Phase: Sendable, Equatable {
        public var key: String
        public var beforeLaunch: Bool
        public var checklist: [String]
    }

    public struct Task: Sendable, Equatable {
        public var key: String
        public var phase: String
        public var durationDays: Int
        /// The template tasks this one waits for (by `kind`).
        public var after: [String]
        public var kind: DependencyKind = .finishToStart
        public var lagDays: Int = 0
    }

    public var phases: [Phase] {
        switch self {
        case .prepareExecuteReview:
            [
                Phase(key: "prepare", beforeLaunch: true, checklist: ["goal_agreed", "budget_approved", "content_reviewed", "risks_listed"]),
                Phase(key: "execute", beforeLaunch: false, checklist: ["daily_board", "replies_within_sla"]),
                Phase(key: "review", beforeLaunch: false, checklist: ["numbers_collected", "lessons_written"]),
            ]
        case .warmUpBurstSustain:
            [
                Phase(key: "prepare", beforeLaunch: true, checklist: ["goal_agreed", "budget_approved", "content_reviewed", "risks_listed"]),
                Phase(key: "warm_up", beforeLaunch: false, checklist: ["teasers_out"]),
                Phase(key: "burst", beforeLaunch: false, checklist: ["daily_board", "replies_within_sla"]),
                Phase(key: "sustain", beforeLaunch: false, checklist: ["ugc_collected"]),
                Phase(key: "review", beforeLaunch: false, checklist: ["numbers_collected", "lessons_written"]),
            ]
        case .custom:
            [Phase(key: "prepare", beforeLaunch: true, checklist: []), Phase(key: "execute", beforeLaunch: false, checklist: [])]
        }
    }

    public var tasks: [Task] {
        switch self {
        case .prepareExecuteReview:
            [
                Task(key: "research", phase: "prepare", durationDays: 5, after: []),
                Task(key: "brief", phase: "prepare", durationDays: 3, after: ["research"]),
                Task(key: "book_channels", phase: "prepare", durationDays: 5, after: ["brief"]),
                Task(key: "produce_content", phase: "prepare", durationDays: 7, after: ["brief"]),
                Task(key: "review_content", phase: "prepare", durationDays: 2, after: ["produce_content"]),
                Task(key: "schedule_posts", phase: "prepare", durationDays: 1, after: ["review_content", "book_channels"]),
                Task(key: "publish_engage", phase: "execute", durationDays: 14, after: []),
                Task(key: "monitor_daily", phase: "execute", durationDays: 14, after: ["publish_engage"], kind: .startToStart),
                Task(key: "collect_numbers", phase: "review", durationDays: 3, after: ["publish_engage"]),
                Task(key: "post_mortem", phase: "review", durationDays: 1, after: ["collect_numbers"]),
            ]
        case .warmUpBurstSustain:
            [
                Task(key: "brief", phase: "prepare", durationDays: 3, after: []),
                Task(key: "book_creators", phase: "prepare", durationDays: 5, after: ["brief"]),
                Task(key: "produce_content", phase: "prepare", durationDays: 7, after: ["brief"]),
                Task(key: "review_content", phase: "prepare", durationDays: 2, after: ["produce_content"]),
                Task(key: "schedule_posts", phase: "prepare", durationDays: 1, after: ["review_content", "book_creators"]),
                Task(key: "teasers", phase: "warm_up", durationDays: 3, after: []),
                Task(key: "launch_posts", phase: "burst", durationDays: 5, after: ["teasers"]),
                Task(key: "creator_posts", phase: "burst", durationDays: 5, after: ["launch_posts"], kind: .startToStart),
                Task(key: "user_content", phase: "sustain", durationDays: 7, after: ["launch_posts"]),
                Task(key: "collect_numbers", phase: "review", durationDays: 2, after: ["user_content"]),
                Task(key: "post_mortem", phase: "review", durationDays: 1, after: ["collect_numbers"]),
            ]
        case .custom:
            []
        }
    }

    /// The template's schedule plan, keyed by task key, for a buffer.
    public func plan(bufferDays: Int) -> CampaignPlan {
        let before = Set(phases.filter(\.beforeLaunch).map(\.key))
        return CampaignPlan(
            tasks: tasks.map { CampaignPlan.Task(key: $0.key, name: $0.key, durationDays: $0.durationDays, beforeLaunch: before.contains($0.phase)) },
            dependencies: tasks.flatMap { task in
                task.after.map { CampaignPlan.Dependency(predecessor: $0, successor: task.key, kind: task.kind, lagDays: task.lagDays) }
            },
            bufferDays: bufferDays)
    }
}
