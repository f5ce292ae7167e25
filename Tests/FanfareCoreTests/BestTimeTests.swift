import FanfareCore
import Foundation
import Testing

@Suite struct BestTimeTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let newYork = TimeZone(identifier: "America/New_York")!

    func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    /// `count` posts at the same local hour on consecutive weeks.
    func posts(_ iso: String, count: Int, rate: Double) -> [EngagementSample] {
        (0..<count).map { week in
            EngagementSample(
                publishedAt: at(iso).addingTimeInterval(Double(week) * 7 * 86_400), impressions: 1_000, engagements: Int(rate * 1_000))
        }
    }

    @Test func ratesUseImpressionsThenFollowersElseNothing() {
        let t = at("2025-03-10T00:00:00Z")
        #expect(EngagementSample(publishedAt: t, impressions: 200, engagements: 10, followers: 50).rate == 0.05)
        #expect(EngagementSample(publishedAt: t, impressions: nil, engagements: 10, followers: 50).rate == 0.2)
        #expect(EngagementSample(publishedAt: t, impressions: 0, engagements: 10, followers: 50).rate == 0.2)
        #expect(EngagementSample(publishedAt: t, impressions: nil, engagements: 10, followers: nil).rate == nil)
        #expect(EngagementSample(publishedAt: t, impressions: 0, engagements: 10, followers: 0).rate == nil)
        #expect(EngagementSample(publishedAt: t, impressions: 10, engagements: -1).rate == nil)
    }

    @Test func cellsBelowTheMinimumHaveACountButNoRate() {
        // Monday 2025-03-10 20:00 in Shanghai, three times; Tuesday 09:00 twice with a higher rate.
        let samples =
            posts("2025-03-10T12:00:00Z", count: 3, rate: 0.25) + posts("2025-03-11T01:00:00Z", count: 2, rate: 0.5)
            + [EngagementSample(publishedAt: at("2025-03-10T12:30:00Z"), impressions: nil, engagements: 5)]
        let map = BestTimeMap.compute(samples: samples, timeZone: shanghai)
        #expect(map.cells.count == 168)
        #expect(map.cell(weekday: 1, hour: 20)?.samples == 3, "the sample without impressions or followers is skipped")
        #expect(map.rate(weekday: 1, hour: 20) == 0.25)
        #expect(map.cell(weekday: 2, hour: 9)?.samples == 2)
        #expect(map.rate(weekday: 2, hour: 9) == nil)
        #expect(map.suggestions().map { [$0.weekday, $0.hour] } == [[1, 20]])
        #expect(
            BestTimeMap.compute(samples: samples, timeZone: shanghai, minimumSamples: 2).suggestions().map { [$0.weekday, $0.hour] } == [
                [2, 9], [1, 20],
            ])
        #expect(map.rate(weekday: 8, hour: 0) == nil && map.rate(weekday: 1, hour: 24) == nil && map.cell(weekday: 0, hour: 0) == nil)
    }

    @Test func postsAreBucketedInTheWorkspaceTimeZone() {
        // 2025-03-09T23:30Z is Monday 07:30 in Shanghai and Sunday 19:30 in New York (already on summer time).
        let samples = posts("2025-03-09T23:30:00Z", count: 3, rate: 0.1)
        let china = BestTimeMap.compute(samples: samples, timeZone: shanghai)
        let america = BestTimeMap.compute(samples: samples, timeZone: newYork)
        #expect(china.rate(weekday: 1, hour: 7) != nil)
        #expect(america.rate(weekday: 7, hour: 19) != nil)
        #expect(america.rate(weekday: 1, hour: 7) == nil)
        // A post before the change (standard time, UTC−5) lands at the same
        // local hour as one after it (UTC−4) when both are 19:30 local.
        let acrossChange = [
            EngagementSample(publishedAt: at("2025-03-03T00:30:00Z"), impressions: 10, engagements: 1),
            EngagementSample(publishedAt: at("2025-03-09T23:30:00Z"), impressions: 10, engagements: 1),
        ]
        #expect(BestTimeMap.compute(samples: acrossChange, timeZone: newYork, minimumSamples: 2).rate(weekday: 7, hour: 19) == 0.1)
    }

    @Test func tiesGoToMoreSamplesThenToTheEarlierHour() {
        let samples =
            posts("2025-03-12T02:00:00Z", count: 3, rate: 0.1)  // Wednesday 10:00
            + posts("2025-03-10T06:00:00Z", count: 3, rate: 0.1)  // Monday 14:00
            + posts("2025-03-14T02:00:00Z", count: 4, rate: 0.1)  // Friday 10:00, more evidence
            + posts("2025-03-15T02:00:00Z", count: 3, rate: 0.05)  // Saturday 10:00
        let map = BestTimeMap.compute(samples: samples, timeZone: shanghai)
        #expect(map.suggestions().map { [$0.weekday, $0.hour] } == [[5, 10], [1, 14], [3, 10]])
        #expect(map.suggestions(limit: 10).count == 4)
        #expect(map.suggestions(limit: 0) == [])
        #expect(BestTimeMap.compute(samples: [], timeZone: shanghai).suggestions() == [])
    }

    @Test func theNextBestHourWithinAWeek() throws {
        let samples = posts("2025-03-12T02:00:00Z", count: 3, rate: 0.1) + posts("2025-03-10T06:00:00Z", count: 3, rate: 0.1)
        let map = BestTimeMap.compute(samples: samples, timeZone: shanghai)
        // From Tuesday 2025-04-01 09:15 Shanghai: Wednesday 10:00 comes before Monday 14:00.
        #expect(map.suggestion(near: at("2025-04-01T01:15:00Z")) == at("2025-04-02T02:00:00Z"))
        // From Wednesday 10:00 exactly, the same hour next week is the last one in range.
        let fromExactly = try #require(map.suggestion(near: at("2025-04-02T02:00:00Z")))
        #expect(fromExactly == at("2025-04-07T06:00:00Z"), "Monday 14:00 is the soonest of the equal hours")
        #expect(BestTimeMap.compute(samples: [], timeZone: shanghai).suggestion(near: at("2025-04-01T00:00:00Z")) == nil)
    }

    @Test func theNextBestHourFollowsLocalTimeAcrossSummerTime() {
        // Best hour: Monday 09:00 New York (three Mondays on standard time).
        let map = BestTimeMap.compute(samples: posts("2025-02-10T14:00:00Z", count: 3, rate: 0.2), timeZone: newYork)
        #expect(map.rate(weekday: 1, hour: 9) != nil)
        // From Friday 2025-03-07 (UTC−5) the next Monday 09:00 is on summer time (UTC−4).
        #expect(map.suggestion(near: at("2025-03-07T15:00:00Z")) == at("2025-03-10T13:00:00Z"))
    }

    @Test func aStoredMapDecodesOnlyWhole() throws {
        let map = BestTimeMap.compute(samples: posts("2025-03-12T02:00:00Z", count: 3, rate: 0.1), timeZone: shanghai)
        let data = try JSONEncoder().encode(map)
        #expect(try JSONDecoder().decode(BestTimeMap.self, from: data) == map)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["cells"] = (object["cells"] as? [Any]).map { Array($0.prefix(100)) }
        let truncated = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BestTimeMap.self, from: truncated) }
    }
}
