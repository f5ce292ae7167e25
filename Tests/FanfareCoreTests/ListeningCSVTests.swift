import FanfareCore
import Foundation
import Testing

/// A 舆情 export read as mentions: columns by their usual names, each
/// problem with its line and column, times in the workspace's zone.
@Suite struct ListeningCSVTests {
    let zone = TimeZone(identifier: "Asia/Shanghai")!

    @Test func columnsAreFoundByTheirUsualNamesInAnyOrder() {
        let parsed = ListeningCSV.parse("内容,时间,来源,链接\n\"星巴克, 太慢\",2026-12-07 10:00,新浪微博,https://w.example/1\n", zone: zone)
        #expect(parsed.errors.isEmpty)
        let row = parsed.rows.first
        #expect(row?.id == "https://w.example/1" && row?.platform == "weibo" && row?.text == "星巴克, 太慢")
        #expect(row?.published == ISO8601DateFormatter().date(from: "2026-12-07T02:00:00Z"))
    }

    @Test func everyProblemIsNamedAndNothingTaken() {
        let parsed = ListeningCSV.parse("time,text,id\n2026-02-30 10:00,x,1\n2026-12-07T10:00:00Z,,2\n", zone: zone)
        #expect(parsed.rows.isEmpty)
        #expect(parsed.errors.map { "\($0.line):\($0.field)" } == ["2:time", "3:text"])
        let header = ListeningCSV.parse("时间,作者\n2026-12-07,a\n", zone: zone)
        #expect(header.errors.map(\.field) == ["header"])
    }
}
