/// What a post's stored day added.
///
/// The store keeps each post's cumulative totals per day, as platforms
/// report them; charts and rankings want what each day added. A day's gain
/// is its total minus the total of the post's previous stored day (0 before
/// its first), a missing value counting as 0 (documented in
/// docs/analytics.md). Reading gains back from totals needs every post's
/// previous day: a year's engagements series of the benchmark's workspace
/// read 750,000 rows and took 9 s. So gains are kept when a day is written:
/// on the post's day itself and, summed, per account and day. Writing a day
/// changes two gains only: its own, and that of the post's next stored day
/// (a day written between two others, or again). `PostGainChange` says by
/// how much, per metric.
public enum PostGainChange {
    /// The post's stored days around the one written, for one metric.
    public struct Around: Sendable, Equatable {
        /// Whether the day was stored already, and its value then.
        public var existed: Bool
        public var old: Int?
        /// The value of the post's last stored day before it (nil: none, or not reported).
        public var previous: Int?
        /// The value of the post's first stored day after it, and whether there is one.
        public var hasNext: Bool
        public var next: Int?

        public init(existed: Bool, old: Int?, previous: Int?, hasNext: Bool, next: Int?) {
            self.existed = existed
            self.old = old
            self.previous = previous
            self.hasNext = hasNext
            self.next = next
        }
    }

    public struct Result: Sendable, Equatable {
        /// The gain stored on the day written.
        public var dayGain: Int
        /// The gain stored on the next day, when there is one.
        public var nextGain: Int?
        /// What the account's sum for the day changes by (nil: nothing
        /// reported on either side, so the sum keeps "not reported"); the
        /// next day's sum changes by its negation.
        public var delta: Int?
    }

    /// Writing `new` for one metric of a post's day.
    public static func writing(_ new: Int?, around: Around) -> Result {
        let before = around.existed ? around.old : around.previous
        let delta: Int? = new == nil && before == nil ? nil : (new ?? 0) - (before ?? 0)
        return Result(
            dayGain: (new ?? 0) - (around.previous ?? 0), nextGain: around.hasNext ? (around.next ?? 0) - (new ?? 0) : nil, delta: delta)
    }

    /// What the day's count of posts reporting impressions changes by.
    public static func reportingChange(new: Int?, existed: Bool, old: Int?) -> Int {
        (new == nil ? 0 : 1) - (existed && old != nil ? 1 : 0)
    }

    /// Gains of a post's whole history of totals, oldest first: what
    /// writing the days one by one in any order leaves (the rebuild's rule).
    public static func gains(_ totals: [Int?]) -> [Int] {
        var previous: Int?
        return totals.map { value in
            defer { previous = value }
            return (value ?? 0) - (previous ?? 0)
        }
    }
}
