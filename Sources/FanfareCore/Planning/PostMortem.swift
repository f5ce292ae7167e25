/// The numbers a campaign's post-mortem is drafted from (issue 22 scope 2;
/// docs/campaigns.md § Post-mortem): goal attainment, resource efficiency
/// (tasks on time, money against plan), the key metrics of its posts and
/// what worked best. Kept with the post-mortem as they stood when it was
/// drafted, so the review reads the same next year.
public struct PostMortemFigures: Codable, Sendable, Equatable {
    public var tasks = 0
    public var tasksOnTime = 0
    public var tasksLate = 0
    public var tasksOpen = 0
    public var goalTitle: String?
    /// Actual against the goal's path (1 = on it), when the goal is tracked.
    public var goalPace: Double?
    public var plannedFen: Int64 = 0
    public var spentFen: Int64 = 0
    public var posts = 0
    public var published = 0
    public var impressions = 0
    public var engagements = 0
    public var bestPost: String?
    /// The best post's engagements per impression.
    public var bestPostRate: Double?

    public init() {}

    /// A task done by the end of its last day is on time; one done later,
    /// or still open after it, is late; one still open before it is open.
    public mutating func countTasks(_ tasks: [(lastDay: String, doneDay: String?)], today: String) {
        self.tasks = tasks.count
        (tasksOnTime, tasksLate, tasksOpen) = (0, 0, 0)
        for task in tasks {
            if let done = task.doneDay {
                if done <= task.lastDay { tasksOnTime += 1 } else { tasksLate += 1 }
            } else if today > task.lastDay {
                tasksLate += 1
            } else {
                tasksOpen += 1
            }
        }
    }

    /// The posts' totals, and the best of those seen at least `minimum`
    /// times (a rate over a handful of views says nothing).
    public mutating func countPosts(_ posts: [(title: String, published: Bool, impressions: Int, engagements: Int)], minimum: Int = 100) {
        self.posts = posts.count
        published = posts.filter(\.published).count
        impressions = posts.reduce(0) { $0 + $1.impressions }
        engagements = posts.reduce(0) { $0 + $1.engagements }
        let best = posts.filter { $0.impressions >= minimum }.max {
            Double($0.engagements) / Double($0.impressions) < Double($1.engagements) / Double($1.impressions)
        }
        bestPost = best?.title
        bestPostRate = best.map { Double($0.engagements) / Double($0.impressions) }
    }

    /// Tasks on time among those finished or due (nil when none is).
    public var onTimeShare: Double? {
        let judged = tasksOnTime + tasksLate
        return judged == 0 ? nil : Double(tasksOnTime) / Double(judged)
    }

    /// Spend against plan (nil without a plan).
    public var burn: Double? { plannedFen > 0 ? Double(spentFen) / Double(plannedFen) : nil }

    /// Engagements per impression over all the posts.
    public var engagementRate: Double? { impressions > 0 ? Double(engagements) / Double(impressions) : nil }
}
