import Foundation

/// What Sandbox fans say about a brand when nothing happens and when a
/// story turns against it: the demo's storm (`fanfare demo storm`) and the
/// listening benchmark's storms and calm weeks. Everything follows from a
/// seed and the clock, like `SandboxAudience`, so a run can be repeated.
public struct SandboxChatter: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var at: Date
        public var fanName: String
        public var text: String
        /// Whether the text was written as a complaint (what an analyser
        /// should find; the benchmark compares).
        public var negative: Bool
    }

    public var seed: UInt64
    /// The brand as a monitor names it, e.g. `演示品牌` or `Fanfare`.
    public var brand: String

    public init(seed: UInt64, brand: String) {
        self.seed = seed
        self.brand = brand
    }

    // MARK: Storms

    /// How a storm's minutes go, as a share of its peak: a repost goes
    /// viral at once (half the peak in the first minute), peaks within a
    /// few minutes, and ebbs over the next quarter of an hour.
    static let stormShape: [Double] = [0.5, 0.8, 1, 1, 0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.18, 0.15, 0.12, 0.1, 0.08]

    /// A storm starting at `start`: `peakPerMinute` messages in its busiest
    /// minutes, most of them complaints naming the brand, many of them
    /// spelled to slip past a plain filter (symbols between the
    /// characters, full-width letters, spaces). The first message is at
    /// `start` exactly.
    public func storm(start: Date, peakPerMinute: Int = 12) -> [Message] {
        var rng = SplitMix(seed: seed ^ SandboxAudience.hash("storm#\(Int(start.timeIntervalSince1970))"))
        var result: [Message] = []
        for (minute, share) in Self.stormShape.enumerated() {
            let count = max(minute == 0 ? 1 : 0, Int((Double(max(1, peakPerMinute)) * share).rounded()))
            for n in 0..<count {
                let offset = minute == 0 && n == 0 ? 0 : Double(minute) * 60 + rng.uniform(0, 60)
                let negative = rng.uniform(0, 1) < 0.85
                let template = negative ? Self.complaints : Self.questions
                let text = template[Int(rng.next() % UInt64(template.count))].replacingOccurrences(
                    of: "{b}", with: spelled(&rng))
                result.append(Message(at: start.addingTimeInterval(offset), fanName: Self.passerby(&rng), text: text, negative: negative))
            }
        }
        return result.sorted { $0.at < $1.at }
    }

    // MARK: Ordinary days

    /// Ordinary mentions between `from` and `to`, 15 minutes at a time:
    /// `perHour` on average, quiet at night and busiest in the evening,
    /// a little busier at the weekend (in `zone`), with the usual share of
    /// complaints (about one in six). Each window's messages come from the
    /// window alone, so any two ranges agree on the windows they share.
    public func ordinary(from: Date, to: Date, perHour: Double, zone: TimeZone) -> [Message] {
        guard to > from else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let step = 900.0
        var window = (from.timeIntervalSince1970 / step).rounded(.down) * step
        var result: [Message] = []
        while window < to.timeIntervalSince1970 {
            let start = Date(timeIntervalSince1970: window)
            let parts = calendar.dateComponents([.hour, .weekday], from: start)
            let weekend = parts.weekday == 1 || parts.weekday == 7
            let expected = perHour / 4 * Self.hourShape[parts.hour ?? 12] * (weekend ? 1.2 : 1)
            var rng = SplitMix(seed: seed ^ SandboxAudience.hash("ordinary#\(Int(window))"))
            for _ in 0..<Self.poisson(expected, &rng) {
                // Every draw is made before the range is looked at, so a
                // message left out does not change the ones after it.
                let at = start.addingTimeInterval(rng.uniform(0, step))
                let negative = rng.uniform(0, 1) < 1.0 / 6
                let template = negative ? Self.complaints : Self.everyday
                let text = template[Int(rng.next() % UInt64(template.count))].replacingOccurrences(of: "{b}", with: brand)
                let name = Self.passerby(&rng)
                guard at >= from, at < to else { continue }
                result.append(Message(at: at, fanName: name, text: text, negative: negative))
            }
            window += step
        }
        return result.sorted { $0.at < $1.at }
    }

    /// Relative activity by hour of the day (mean 1): asleep at 4 a.m.,
    /// lunch and the evening busiest.
    static let hourShape: [Double] = {
        let raw: [Double] = [
            0.5, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 1.0, 1.1, 1.1, 1.2, 1.4, 1.3, 1.1, 1.1, 1.1, 1.2, 1.4, 1.6, 1.8, 1.8, 1.5, 0.9,
        ]
        let mean = raw.reduce(0, +) / Double(raw.count)
        return raw.map { $0 / mean }
    }()

    /// Knuth's method: fine for the small means of a 15-minute window.
    static func poisson(_ mean: Double, _ rng: inout SplitMix) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-mean)
        var product = rng.uniform(0, 1)
        var count = 0
        while product > limit {
            count += 1
            product *= rng.uniform(0, 1)
        }
        return count
    }

    /// The brand as fans type it when they do not want to be found: as is,
    /// with symbols or spaces between its characters, or in full-width.
    func spelled(_ rng: inout SplitMix) -> String {
        let characters = brand.map(String.init)
        switch rng.next() % 5 {
        case 0: return characters.joined(separator: ["*", ".", "-", "~"][Int(rng.next() % 4)])
        case 1: return characters.joined(separator: " ")
        case 2: return Self.fullWidth(brand)
        default: return brand
        }
    }

    /// ASCII letters and digits as their full-width forms (Ａ, ０); others as they are.
    static func fullWidth(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    scalar.value >= 0x21 && scalar.value <= 0x7E ? Unicode.Scalar(scalar.value + 0xFEE0)! : scalar
                }))
    }

    static func passerby(_ rng: inout SplitMix) -> String {
        let names = ["路人", "吃瓜", "小号", "匿名", "网友", "Anon", "热心市民", "围观"]
        return "\(names[Int(rng.next() % UInt64(names.count))])\(rng.next() % 10_000)"
    }

    static let complaints = [
        "{b}的东西质量太差了，用两天就坏，要求退款！", "{b}客服一直不回消息，准备投诉到12315", "大家避雷{b}，发货拖了两周还没到",
        "{b}是不是要跑路了？订单全部取消", "又被{b}坑了，包装破损还不给换", "Never buying from {b} again, total scam",
        "{b} charged me twice and support ignores me", "{b}虚假宣传，和详情页完全不一样，差评", "{b}的售后太差了，已经找律师",
        "听说{b}出事了，产品有安全问题？太吓人了",
    ]

    static let questions = ["{b}到底怎么回事？", "有人知道{b}的官方回应吗", "What is going on with {b}?"]

    static let everyday = [
        "刚收到{b}的新品，包装很用心", "{b}这次的活动有人参加吗", "求推荐{b}哪款适合送人", "{b}的客服回复挺快的",
        "Just got my order from {b}, looks great", "{b}什么时候上新？", "用了一个月{b}，还不错",
    ]
}
