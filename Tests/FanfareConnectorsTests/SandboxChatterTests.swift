import FanfareCore
import Foundation
import Testing

@testable import FanfareConnectors

@Suite struct SandboxChatterTests {
    let start = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func aStormStartsAtOnceAndIsRepeatable() {
        let chatter = SandboxChatter(seed: 7, brand: "演示品牌")
        let storm = chatter.storm(start: start, peakPerMinute: 12)
        #expect(storm == chatter.storm(start: start, peakPerMinute: 12))
        #expect(storm.first?.at == start)
        #expect(storm.allSatisfy { $0.at >= start && $0.at < start.addingTimeInterval(20 * 60) })
        // Half the peak in the first minute: enough to be heard at once.
        #expect(storm.filter { $0.at < start.addingTimeInterval(60) }.count >= 6)
        #expect(storm.count > 100)
        let negative = Double(storm.filter(\.negative).count) / Double(storm.count)
        #expect(negative > 0.7)
        #expect(storm != SandboxChatter(seed: 8, brand: "演示品牌").storm(start: start, peakPerMinute: 12))
    }

    /// The storm's evasive spellings are what a monitor must still hear:
    /// every message is matched by a monitor on the brand alone.
    @Test func everyStormMessageIsHeardByAMonitorOnTheBrand() throws {
        for brand in ["演示品牌", "Fanfare"] {
            let storm = SandboxChatter(seed: 3, brand: brand).storm(start: start, peakPerMinute: 20)
            #expect(storm.contains { !$0.text.contains(brand) }, "some spellings should differ from the plain brand")
            let id = UUID()
            let matcher = MonitorMatcher([MonitorDefinition(id: id, query: try MonitorQuery(brand))])
            for message in storm {
                #expect(matcher.match(message.text, platform: "sandbox", source: nil) == [id], "\(message.text)")
            }
        }
    }

    @Test func ordinaryDaysFollowTheClockAndAgreeAcrossRanges() {
        let chatter = SandboxChatter(seed: 11, brand: "演示品牌")
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let week = chatter.ordinary(from: start, to: start.addingTimeInterval(7 * 86_400), perHour: 8, zone: zone)
        // About 8 an hour over the week.
        #expect(week.count > 7 * 24 * 6 && week.count < 7 * 24 * 10)
        // The same windows give the same messages whatever the range asked.
        let day = chatter.ordinary(from: start.addingTimeInterval(86_400), to: start.addingTimeInterval(2 * 86_400), perHour: 8, zone: zone)
        #expect(day == week.filter { $0.at >= start.addingTimeInterval(86_400) && $0.at < start.addingTimeInterval(2 * 86_400) })
        // Evenings are busier than the small hours.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let byHour = Dictionary(grouping: week) { calendar.component(.hour, from: $0.at) }.mapValues(\.count)
        #expect((byHour[20] ?? 0) > 3 * (byHour[4] ?? 0))
        let negative = Double(week.filter(\.negative).count) / Double(week.count)
        #expect(negative > 0.1 && negative < 0.25)
        #expect(chatter.ordinary(from: start, to: start, perHour: 8, zone: zone).isEmpty)
    }

    @Test func fullWidthTurnsOnlyAscii() {
        #expect(SandboxChatter.fullWidth("Fan 1品") == "Ｆａｎ １品")
    }
}
