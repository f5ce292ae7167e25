import Foundation

/// One published post and how it did.
public struct EngagementSample: Sendable, Equatable, Codable {
    public var publishedAt: Date
    public var impressions: Int?
    public var engagements: Int
    public var followers: Int?

    public init(publishedAt: Date, impressions: Int?, engagements: Int, followers: Int? = nil) {
        self.publishedAt = publishedAt
        self.impressions = impressions
        self.engagements = engagements
        self.followers = followers
    }

    /// Engagements per impression; per follower when the platform reports
    /// no impressions (or zero, which means it did not measure them); nil
    /// when neither is known, since a count alone says nothing about when
    /// the audience is there.
    public var rate: Double? {
        guard engagements >= 0 else { return nil }
        if let impressions, impressions > 0 { return Double(engagements) / Double(impressions) }
        if let followers, followers > 0 { return Double(engagements) / Double(followers) }
        return nil
    }
}

/// One hour of the week.
public struct BestTimeCell: Sendable, Equatable, Codable {
    /// 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// 0 … 23, local time.
    public var hour: Int
    /// Posts with a usable rate in this hour.
    public var samples: Int
    /// Mean engagement rate, or nil below the minimum number of samples.
    public var rate: Double?

    public init(weekday: Int, hour: Int, samples: Int, rate: Double?) {
        self.weekday = weekday
        self.hour = hour
        self.samples = samples
        self.rate = rate
    }
}

/// The best-time heat map (SPEC §4, §7), learned from the workspace's own
/// posts: mean engagement rate per weekday and hour in the workspace time
/// zone.
public struct BestTimeMap: Sendable, Equatable, Codable {
    public let timeZone: TimeZone
    public let minimumSamples: Int
    /// 168 cells, Monday 00:00 first, hour by hour.
    public let cells: [BestTimeCell]

    /// Samples without a rate are skipped. A cell with fewer than
    /// `minimumSamples` rated posts shows its count but no rate: one lucky
    /// post must not make 3 a.m. on Tuesdays the best time to post.
    public static func compute(samples: [EngagementSample], timeZone: TimeZone, minimumSamples: Int = 3) -> BestTimeMap {
        let calendar = Calendar.mondayFirst(timeZone)
        var sums = [Double](repeating: 0, count: 168)
        var counts = [Int](repeating: 0, count: 168)
        for sample in samples {
            guard let rate = sample.rate else { continue }
            let (weekday, hour) = slot(of: sample.publishedAt, calendar)
            sums[index(weekday, hour)] += rate
            counts[index(weekday, hour)] += 1
        }
        let guardCount = max(1, minimumSamples)
        let cells = (0..<168).map { position in
            BestTimeCell(
                weekday: position / 24 + 1, hour: position % 24, samples: counts[position],
                rate: counts[position] >= guardCount ? sums[position] / Double(counts[position]) : nil)
        }
        return BestTimeMap(timeZone: timeZone, minimumSamples: guardCount, cells: cells)
    }

    private init(timeZone: TimeZone, minimumSamples: Int, cells: [BestTimeCell]) {
        self.timeZone = timeZone
        self.minimumSamples = minimumSamples
        self.cells = cells
    }

    private enum CodingKeys: String, CodingKey { case timeZone, minimumSamples, cells }

    /// A stored map must still have one cell per hour of the week, in order,
    /// because lookups index into it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let cells = try container.decode([BestTimeCell].self, forKey: .cells)
        guard cells.count == 168, cells.enumerated().allSatisfy({ Self.index($1.weekday, $1.hour) == $0 }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .cells, in: container, debugDescription: "cells must hold 168 hours, Monday 00:00 first")
        }
        self.init(
            timeZone: try container.decode(TimeZone.self, forKey: .timeZone),
            minimumSamples: try container.decode(Int.self, forKey: .minimumSamples), cells: cells)
    }

    public func cell(weekday: Int, hour: Int) -> BestTimeCell? {
        guard (1...7).contains(weekday), (0...23).contains(hour) else { return nil }
        return cells[Self.index(weekday, hour)]
    }

    public func rate(weekday: Int, hour: Int) -> Double? {
        cell(weekday: weekday, hour: hour)?.rate
    }

    /// The best hours that have enough samples, best first. Ties go to the
    /// hour with more samples (better evidence), then to the earlier hour
    /// of the week, so the order never depends on chance.
    public func suggestions(limit: Int = 3) -> [BestTimeCell] {
        let ranked = cells.filter { $0.rate != nil }.sorted { lhs, rhs in
            Self.better(lhs, rhs) || (!Self.better(rhs, lhs) && (lhs.weekday, lhs.hour) < (rhs.weekday, rhs.hour))
        }
        return Array(ranked.prefix(max(0, limit)))
    }

    /// The start of the best-rated hour after `date` and no more than seven
    /// days later, in this map's time zone; nil when no hour has enough
    /// samples. Among equally good hours the soonest wins.
    public func suggestion(near date: Date) -> Date? {
        let calendar = Calendar.mondayFirst(timeZone)
        guard let hour = calendar.dateInterval(of: .hour, for: date) else { return nil }
        let limit = date.addingTimeInterval(7 * 86_400)
        // Stepping in absolute hours visits each local hour once, also on the
        // days summer time starts (an hour is skipped) or ends (repeated).
        var candidate = hour.start == date ? date.addingTimeInterval(3600) : hour.end
        var best: (Date, BestTimeCell)?
        while candidate <= limit {
            let (weekday, hour) = Self.slot(of: candidate, calendar)
            let cell = cells[Self.index(weekday, hour)]
            if cell.rate != nil, best.map({ Self.better(cell, $0.1) }) ?? true {
                best = (candidate, cell)
            }
            candidate.addTimeInterval(3600)
        }
        return best?.0
    }

    /// Strictly better: higher rate, then more samples. Equal cells are not
    /// better, so the first one met is kept. Rates within a rounding error
    /// count as equal: three posts at 10 % must tie with four at 10 %.
    private static func better(_ lhs: BestTimeCell, _ rhs: BestTimeCell) -> Bool {
        let left = lhs.rate ?? -1
        let right = rhs.rate ?? -1
        if abs(left - right) > 1e-12 { return left > right }
        return lhs.samples > rhs.samples
    }

    private static func slot(of date: Date, _ calendar: Calendar) -> (weekday: Int, hour: Int) {
        let parts = calendar.dateComponents([.weekday, .hour], from: date)
        return ((parts.weekday! + 5) % 7 + 1, parts.hour!)
    }

    private static func index(_ weekday: Int, _ hour: Int) -> Int {
        (weekday - 1) * 24 + hour
    }
}
