import Foundation

/// The Sandbox platform's simulated audience. Everything it does follows
/// from a seed, a post and the clock: the same post gets the same likes,
/// comments and shares at the same moments on every node and in every run,
/// so demos and tests are repeatable and several processes agree without
/// sharing memory.
public struct SandboxAudience: Sendable, Equatable {
    public var seed: UInt64
    /// How many fans the account can reach.
    public var size: Int
    /// New followers per hour, on average.
    public var followsPerHour: Double

    public init(seed: UInt64, size: Int = 2_000, followsPerHour: Double = 1.5) {
        self.seed = seed
        self.size = max(1, size)
        self.followsPerHour = followsPerHour
    }

    /// How long after publishing the audience keeps reacting.
    public static let horizon: TimeInterval = 30 * 86_400

    /// Every interaction a post will ever get, oldest first.
    public func interactions(for post: PublishedPost) -> [Interaction] {
        var rng = SplitMix(seed: seed ^ Self.hash(post.remoteID))
        let reach = Double(size) * rng.uniform(0.05, 0.30)
        let likes = Int(reach * rng.uniform(0.05, 0.15))
        let comments = max(1, Int(Double(likes) * rng.uniform(0.05, 0.20)))
        let shares = Int(Double(likes) * rng.uniform(0.02, 0.08))
        var result: [Interaction] = []
        for (kind, count) in [(InteractionKind.like, likes), (.comment, comments), (.share, shares)] {
            for n in 0..<count {
                let fan = fanIndex(&rng)
                // Most reactions come in the first hours, a tail over weeks.
                let delay = min(Self.horizon, -log(max(1e-9, 1 - rng.uniform(0, 1))) * 6 * 3_600 + 30)
                result.append(
                    Interaction(
                        remoteID: "sbx_\(kind.rawValue)_\(post.remoteID)_\(n)", kind: kind, postRemoteID: post.remoteID,
                        authorID: "fan\(fan)", authorName: Self.name(fan), text: kind == .comment ? Self.comment(&rng) : nil,
                        at: post.publishedAt.addingTimeInterval(delay)))
            }
        }
        return result.sorted { ($0.at, $0.remoteID) < ($1.at, $1.remoteID) }
    }

    /// New followers between two instants, one hour at a time.
    public func follows(account: String, from: Date, to: Date) -> [Interaction] {
        var result: [Interaction] = []
        eachFollow(account: account, from: from, to: to) { hour, n, at, rng in
            let fan = fanIndex(&rng)
            result.append(
                Interaction(
                    remoteID: "sbx_follow_\(account)_\(hour)_\(n)", kind: .follow, postRemoteID: nil,
                    authorID: "fan\(fan)", authorName: Self.name(fan), text: nil, at: at))
        }
        return result.sorted { ($0.at, $0.remoteID) < ($1.at, $1.remoteID) }
    }

    /// How many `follows` there are between two instants, without making them.
    public func followCount(account: String, from: Date, to: Date) -> Int {
        var count = 0
        eachFollow(account: account, from: from, to: to) { _, _, _, _ in count += 1 }
        return count
    }

    /// Follows between two instants, hour by hour: each hour's count and
    /// times come from the account and the hour alone, so any window agrees
    /// with any other on the follows they share.
    private func eachFollow(account: String, from: Date, to: Date, _ body: (Int, Int, Date, inout SplitMix) -> Void) {
        guard to > from else { return }
        let firstHour = Int((from.timeIntervalSince1970 / 3_600).rounded(.down))
        let lastHour = Int((to.timeIntervalSince1970 / 3_600).rounded(.down))
        for hour in firstHour...lastHour {
            var rng = SplitMix(seed: seed ^ Self.hash("\(account)#\(hour)"))
            let count = Int(followsPerHour * rng.uniform(0, 2) + 0.5)
            for n in 0..<count {
                let at = Date(timeIntervalSince1970: Double(hour) * 3_600 + rng.uniform(0, 3_600))
                guard at >= from, at < to else { continue }
                body(hour, n, at, &rng)
            }
        }
    }

    /// A few fans do most of the talking, as on real accounts.
    private func fanIndex(_ rng: inout SplitMix) -> Int {
        min(size - 1, Int(Double(size) * pow(rng.uniform(0, 1), 3)))
    }

    static func name(_ fan: Int) -> String {
        let given = ["小雨", "阿杰", "Mia", "老王", "Leo", "晴天", "Kiki", "大橙子", "Sam", "木木"]
        return "\(given[fan % given.count])\(fan)"
    }

    /// Comments in the mix an account really gets: praise, questions,
    /// complaints, purchase intent, spam, in Chinese, English and both.
    static let comments = [
        "太好看了，已经下单！", "请问什么时候补货？", "质量很一般，有点失望", "这个颜色好喜欢 😍", "发货太慢了，等了一周还没到",
        "How much is shipping to Shanghai?", "Love this! 🔥", "Customer service never answered my email.", "怎么报名活动？",
        "价格可以再便宜点吗", "已关注，求抽中 🙏", "这个和上一代有什么区别？", "Great quality, buying another one.",
        "包装破损了，怎么退换？", "加微信 xxx 领福利", "nice", "客服态度很好，点赞 👍", "想买，有优惠码吗？",
        "this is so overpriced lol", "第一次用就坏了，差评", "期待新品！", "Does it come in black?",
    ]

    static func comment(_ rng: inout SplitMix) -> String {
        comments[Int(rng.next() % UInt64(comments.count))]
    }

    /// FNV-1a: stable across runs and platforms (Swift's `hashValue` is not).
    public static func hash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// A small, stable pseudo-random generator (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
}
