import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The charting module (Web/Charts) without a database: its tick
/// arithmetic, where known points land, that every kind is well-formed XML
/// with no NaN or infinity for awkward data, escaping, the data table's
/// numbers, Chinese axes and links.
@Suite struct ChartTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 5 December 2026, 12:00 in Shanghai: "this year" is 2026.
    static let now = Date(timeIntervalSince1970: 1_796_443_200)

    static func spec(_ locale: UILocale = .en, format: ChartValueFormat = .count, id: String = "c") -> ChartSpec {
        ChartSpec(id: id, title: "Title", summary: "Summary", locale: locale, format: format, now: now)
    }

    /// Midnight in Shanghai of a day.
    static func day(_ year: Int, _ month: Int, _ day: Int, hour: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour))!
    }

    static func daily(_ values: [Double], from start: Date = day(2026, 11, 1), href: ((Int) -> String?)? = nil) -> [ChartPoint] {
        values.enumerated().map { index, value in
            ChartPoint(at: start.addingTimeInterval(Double(index) * 86_400), value: value, href: href?(index))
        }
    }

    /// The whole figure parses as XML (the module writes XHTML-compatible
    /// markup: every tag closed, every attribute quoted, only XML's entities).
    static func wellFormed(_ html: HTML) -> Bool {
        let parser = XMLParser(data: Data("<root>\(html.rendered)</root>".utf8))
        return parser.parse()
    }

    static func clean(_ html: HTML) -> Bool {
        let text = html.rendered
        return !text.contains("NaN") && !text.contains("nan") && !text.contains("inf") && !text.contains("Inf")
    }

    /// Every kind of chart, drawn from the same awkward values.
    static func everyKind(_ values: [Double], locale: UILocale = .en) -> [HTML] {
        let spec = spec(locale)
        let labels = values.indices.map { "item \($0)" }
        return [
            Chart.line(spec, series: [LineSeries(name: "followers", points: daily(values))], zone: zone),
            Chart.bars(spec, categories: labels, series: [BarSeries(name: "posts", values: values)]),
            Chart.bars(
                spec, categories: labels, series: [BarSeries(name: "gained", values: values), BarSeries(name: "lost", values: values.map { -$0 })],
                stacked: true),
            Chart.heatMap(
                spec, rows: ["Mon"], columns: labels, cells: [values.map { HeatCell(value: $0, text: "x") }], corner: "Hour"),
            Chart.funnel(spec, steps: labels.enumerated().map { FunnelStep(label: $1, count: ChartValueFormat.whole(values[$0])) }),
            Chart.quadrant(
                spec, points: labels.enumerated().map { QuadrantPoint(label: $1, x: values[$0], y: values[$0] / 1000) },
                axes: QuadrantAxes(xName: "volume", yName: "engagement", quadrants: ["a", "b", "c", "d"])),
            Chart.sparkline(values, label: "followers", locale: locale),
        ]
    }

    // MARK: Ticks

    @Test func valueTicksAreRoundAndHoldZero() {
        #expect(ChartScale.niceTicks(min: 0, max: 87) == [0, 20, 40, 60, 80, 100])
        #expect(ChartScale.niceTicks(min: 3, max: 9, integral: true) == [0, 2, 4, 6, 8, 10])
        // Net growth below zero: the axis reaches under it and keeps 0 as a tick.
        let net = ChartScale.niceTicks(min: -35, max: 120, integral: true)
        #expect(net.first! <= -35 && net.last! >= 120 && net.contains(0))
        #expect(net == [-50, 0, 50, 100, 150])
        // All zeros: a whole unit above, not a zero-width axis.
        #expect(ChartScale.niceTicks(min: 0, max: 0, integral: true) == [0, 1])
        // Counts never step by halves.
        #expect(ChartScale.niceTicks(min: 0, max: 2, integral: true) == [0, 1, 2])
        #expect(ChartScale.niceTicks(min: 0, max: 320_000_000, integral: true) == [0, 100_000_000, 200_000_000, 300_000_000, 400_000_000])
        let rates = ChartScale.niceTicks(min: 0, max: 0.051)
        #expect(rates.count == 4 && abs(rates[1] - 0.02) < 1e-12 && abs(rates[3] - 0.06) < 1e-12)
        #expect(ChartScale.niceTicks(min: .nan, max: .infinity, integral: true) == [0, 1])
    }

    @Test func timeTicksFallOnCalendarBoundariesAndYearsAreNamedAcrossNewYear() {
        let start = Self.day(2026, 12, 28)
        let end = Self.day(2027, 1, 6)
        let axis = ChartScale.timeTicks(from: start, to: end, zone: Self.zone, maxTicks: 6)
        #expect(axis.unit == .day && axis.ticks.count <= 6 && axis.ticks.first == start)
        let zh = ChartTime.axisLabels(axis.ticks, unit: axis.unit, zone: Self.zone, locale: .zhHans, now: Self.now)
        #expect(zh == ["12月28日", "12月30日", "2027年1月1日", "1月3日", "1月5日"])
        let en = ChartTime.axisLabels(axis.ticks, unit: axis.unit, zone: Self.zone, locale: .en, now: Self.now)
        #expect(en == ["28 Dec", "30 Dec", "1 Jan 2027", "3 Jan", "5 Jan"])
        // A year of days ticks by months.
        let year = ChartScale.timeTicks(from: Self.day(2026, 1, 1), to: Self.day(2026, 12, 31), zone: Self.zone, maxTicks: 6)
        #expect(year.unit == .month && year.ticks.count == 6)
        #expect(ChartTime.axisLabels(year.ticks, unit: .month, zone: Self.zone, locale: .zhHans, now: Self.now).first == "1月")
        // A day of hours ticks by hours on round hours.
        let hours = ChartScale.timeTicks(from: Self.day(2026, 12, 5, hour: 1), to: Self.day(2026, 12, 5, hour: 23), zone: Self.zone)
        #expect(hours.unit == .hour && hours.ticks.count <= 6)
        let hourLabels = ChartTime.axisLabels(hours.ticks, unit: .hour, zone: Self.zone, locale: .en, now: Self.now)
        #expect(hourLabels == ["5 Dec 06:00", "12:00", "18:00"], "\(hourLabels)")
    }

    @Test func labelsThatWouldCollideAreThinnedAndLongOnesShortened() {
        let positions = stride(from: 0.0, to: 100, by: 10).map { $0 }
        #expect(ChartScale.thinned(positions: positions, widths: Array(repeating: 8, count: 10), gap: 1) == Array(0..<10))
        #expect(ChartScale.thinned(positions: positions, widths: Array(repeating: 15, count: 10), gap: 2) == [0, 2, 4, 6, 8])
        let fitted = ChartScale.fit("微博官方账号旗舰店", width: 60, fontSize: 12)
        #expect(fitted.shortened && fitted.shown.hasSuffix("…") && ChartScale.textWidth(fitted.shown, fontSize: 12) <= 60)
        #expect(ChartScale.fit("ok", width: 60, fontSize: 12) == ("ok", false))
    }

    // MARK: Drawing

    @Test func knownPointsLandWhereTheScalesPutThem() {
        let html = Chart.line(
            Self.spec(), series: [LineSeries(name: "followers", points: Self.daily([0, 50, 100]))], zone: Self.zone
        ).rendered
        // Labels 0…100 are at most 21.6 wide, so the plot starts at 33.6 (+8 inside);
        // it ends at 480 − 12 − 8; 0 sits on 230 (260 − 30), 100 on 12.
        #expect(html.contains("d=\"M41.6 230 L250.8 121 L460 12\""), "\(html)")
        #expect(html.contains("<circle class=\"dot s0\" cx=\"250.8\" cy=\"121\" r=\"3\">"))
        // Daily points tick by days, not by hours.
        #expect(html.contains(">1 Nov</text>") && html.contains(">3 Nov</text>") && !html.contains("00:00"))
        let bars = Chart.bars(Self.spec(), categories: ["a", "b"], series: [BarSeries(name: "n", values: [10, 5])]).rendered
        // Ticks 0…10 (labels at most 14.4 wide): the plot runs from 26.4 to 468 in two
        // bands of 220.8; a bar is 80 % of its band, less a unit between neighbours.
        #expect(bars.contains("<rect class=\"bar-mark s0\" x=\"49\" y=\"12\" width=\"175.6\" height=\"218\">"), "\(bars)")
        #expect(bars.contains("x=\"269.8\" y=\"121\" width=\"175.6\" height=\"109\""))
    }

    @Test func everyKindIsWellFormedWithoutNaNForAwkwardData() {
        let cases: [(String, [Double])] = [
            ("one point", [42]), ("all zeros", [0, 0, 0]), ("negatives", [-120, 35, -4, 80]), ("huge", [3.2e8, 1.5e9, 7e7]),
            ("infinite and NaN among them", [5, .infinity, .nan, 9]), ("equal", [7, 7, 7]),
        ]
        for (name, values) in cases {
            for locale in UILocale.allCases {
                for (index, html) in Self.everyKind(values, locale: locale).enumerated() {
                    #expect(Self.wellFormed(html), "\(name), kind \(index), \(locale): \(html)")
                    #expect(Self.clean(html), "\(name), kind \(index), \(locale): \(html)")
                }
            }
        }
        // Empty: the sentence instead of a drawing, in the reader's language.
        for html in Self.everyKind([], locale: .zhHans) {
            #expect(Self.wellFormed(html) && Self.clean(html))
            #expect(html.rendered.contains("暂无数据") || html.rendered.contains("这段时间还没有数据。"), "\(html)")
        }
        let emptyLine = Chart.line(Self.spec(), series: [LineSeries(name: "x", points: [])], zone: Self.zone).rendered
        #expect(emptyLine.contains("<p class=\"empty\">No data for this period yet.</p>") && emptyLine.contains("role=\"img\""))
        // The page's own empty sentence wins.
        var custom = Self.spec()
        custom.emptyText = "Nothing yet: publish a post."
        #expect(Chart.funnel(custom, steps: []).rendered.contains("<p class=\"empty\">Nothing yet: publish a post.</p>"))
        #expect(Chart.funnel(custom, steps: []).rendered.contains("<desc id=\"c-desc\">Summary Nothing yet: publish a post.</desc>"))
    }

    @Test func everyDrawingHasItsTitleDescriptionAndViewBox() {
        for html in Self.everyKind([3, 9, 4]).dropLast() {
            let text = html.rendered
            #expect(text.hasPrefix("<figure class=\"chart chart-") && text.contains("id=\"c\""))
            #expect(text.contains("role=\"img\" aria-labelledby=\"c-title c-desc\""))
            #expect(text.contains("<title id=\"c-title\">Title</title><desc id=\"c-desc\">Summary"))
            #expect(text.contains("viewBox=\"0 0 480 ") && text.contains("<details class=\"chart-data\"><summary>Data table</summary>"))
        }
        let spark = Chart.sparkline([1_000, 14_000, 12_000], label: "粉丝", locale: .zhHans).rendered
        #expect(spark.contains("aria-label=\"粉丝：从 1,000 到 1.2万，最低 1,000，最高 1.4万\"") && spark.contains("role=\"img\""), "\(spark)")
    }

    @Test func textIsEscapedEverywhere() {
        let evil = "<script>alert(\"x\")</script>"
        var spec = Self.spec()
        spec.title = evil
        spec.summary = evil
        let charts = [
            Chart.bars(spec, categories: [evil], series: [BarSeries(name: evil, values: [1], hrefs: ["/w/demo/posts?q=\"><script>"])]),
            Chart.line(spec, series: [LineSeries(name: evil, points: Self.daily([1, 2]))], zone: Self.zone),
            Chart.quadrant(
                spec, points: [QuadrantPoint(label: evil, x: 1, y: 2)], axes: QuadrantAxes(xName: evil, yName: evil, quadrants: [evil])),
            Chart.funnel(spec, steps: [FunnelStep(label: evil, count: 3)]),
            Chart.heatMap(spec, rows: [evil], columns: [evil], cells: [[HeatCell(value: 1, text: evil, note: evil)]], corner: evil),
            Chart.sparkline([1, 2], label: evil, locale: .en),
        ]
        for html in charts {
            #expect(!html.rendered.contains("<script"), "\(html)")
            #expect(html.rendered.contains("&lt;script&gt;"))
            #expect(Self.wellFormed(html))
        }
    }

    @Test func theDataTableHoldsTheSameNumbers() {
        let values: [Double] = [12_345, 678, 0, 3_456_789]
        let html = Chart.bars(
            Self.spec(), categories: ["微博", "微信", "抖音", "小红书"],
            series: [BarSeries(name: "reach", values: values), BarSeries(name: "likes", values: [1, 2, 3, 4])], stacked: true
        ).rendered
        let table = String(html[html.range(of: "<table")!.lowerBound...])
        for text in ["12,345", "678", "3,456,789", "12,346", "3,456,793"] { #expect(table.contains(">\(text)<"), "\(text)") }
        #expect(table.contains("<th scope=\"row\">小红书</th>") && table.contains("<th scope=\"col\">Total</th>"))
        // Each drawn bar says its exact value in its tooltip, as the table does.
        for value in values { #expect(html.contains("· reach · \(Formats.grouped(Int(value)))</title>")) }

        let points = Self.daily([5, 7])
        let line = Chart.line(
            Self.spec(format: .percent),
            series: [LineSeries(name: "rate", points: points.map { ChartPoint(at: $0.at, value: $0.value / 100) })], zone: Self.zone
        ).rendered
        #expect(
            line.contains("<tr><th scope=\"row\">Sun 1 Nov</th><td>5.0%</td></tr><tr><th scope=\"row\">Mon 2 Nov</th><td>7.0%</td></tr>"), "\(line)")

        let funnel = Chart.funnel(
            Self.spec(),
            steps: [FunnelStep(label: "follow", count: 1_000), FunnelStep(label: "join", count: 450), FunnelStep(label: "buy", count: 0)]
        ).rendered
        #expect(funnel.contains("<th scope=\"row\">join</th><td>450</td><td>45.0%</td><td>45.0%</td>"))
        #expect(funnel.contains("<th scope=\"row\">buy</th><td>0</td><td>0.0%</td><td>0.0%</td>"))
        let stalled = Chart.funnel(Self.spec(), steps: [FunnelStep(label: "a", count: 0), FunnelStep(label: "b", count: 0)]).rendered
        #expect(stalled.contains("<td>—</td>") && Self.clean(HTML(raw: stalled)))
    }

    @Test func chineseAxesCountIn万And亿AndEnglishInKAndM() {
        let series = [LineSeries(name: "粉丝", points: Self.daily([0, 60_000, 120_000]))]
        let zh = Chart.line(Self.spec(.zhHans), series: series, zone: Self.zone).rendered
        #expect(zh.contains(">5万</text>") && zh.contains(">15万</text>") && zh.contains(">11月1日</text>"), "\(zh)")
        #expect(zh.contains("<th scope=\"row\">11月1日 周日</th><td>0</td>") && zh.contains("<td>120,000</td>"))
        #expect(zh.contains("<summary>数据表</summary>") && zh.contains("<th scope=\"col\">日期</th>"))
        let en = Chart.line(Self.spec(.en), series: series, zone: Self.zone).rendered
        #expect(en.contains(">50K</text>") && en.contains(">150K</text>"))
        let huge = Chart.bars(Self.spec(.zhHans), categories: ["全网"], series: [BarSeries(name: "曝光", values: [320_000_000])]).rendered
        #expect(huge.contains(">1亿</text>") && huge.contains(">4亿</text>"))
        #expect(!zh.contains("Data table") && !huge.contains("Item"))
    }

    @Test func marksAndTableCellsLinkToTheRowsBehindThem() {
        let line = Chart.line(
            Self.spec(), series: [LineSeries(name: "followers", points: Self.daily([3, 4], href: { "/w/demo/fans?day=\($0)" }))],
            zone: Self.zone
        ).rendered
        #expect(line.contains("<a href=\"/w/demo/fans?day=0\"><circle class=\"dot s0\""))
        #expect(line.contains("<td><a href=\"/w/demo/fans?day=1\">4</a></td>"))
        let bars = Chart.bars(Self.spec(), categories: ["a"], series: [BarSeries(name: "n", values: [2], hrefs: ["/w/demo/posts?tag=a&amp=1"])])
        #expect(bars.rendered.contains("<a href=\"/w/demo/posts?tag=a&amp;amp=1\"><rect class=\"bar-mark s0\""))
        let noLinks = Chart.bars(Self.spec(), categories: ["a"], series: [BarSeries(name: "n", values: [2])])
        #expect(!noLinks.rendered.contains("<a "))
    }

    @Test func comparisonPeriodsAreDashedAndFlaggedPointsRinged() {
        let thisWeek = Self.daily([10, 30, 20], from: Self.day(2026, 11, 30))
        var flagged = thisWeek
        flagged[1].flagged = true
        let html = Chart.line(
            Self.spec(),
            series: [
                LineSeries(name: "this week", points: flagged),
                LineSeries(name: "last week", points: Self.daily([8, 9, 10], from: Self.day(2026, 11, 23)), comparison: true, shift: 7 * 86_400),
            ], zone: Self.zone, flagName: "anomaly"
        ).rendered
        #expect(html.contains("<path class=\"line comparison\""))
        #expect(html.contains("<circle class=\"flag\"") && html.contains("<td class=\"flagged\">30 · anomaly</td>"))
        // The comparison lies under the same days, and its tooltip names its own day.
        #expect(html.contains("<tr><th scope=\"row\">Mon 30 Nov</th><td>10</td><td>8</td></tr>"))
        #expect(html.contains("last week · Mon 23 Nov · 8</title>"))
        #expect(html.contains("<span class=\"swatch comparison\" aria-hidden=\"true\"></span>last week"))
    }

    @Test func goodAndBadSayWhichInTheLegend() {
        let html = Chart.bars(
            Self.spec(.zhHans), categories: ["周一"],
            series: [BarSeries(name: "新增粉丝", values: [30], tone: .good), BarSeries(name: "取关", values: [-12], tone: .bad)], stacked: true
        ).rendered
        #expect(html.contains("class=\"bar-mark good\"") && html.contains("class=\"bar-mark bad\""))
        #expect(html.contains("绿色表示向好，红色表示变差。"))
        // Lost followers stack below zero: the axis goes under it.
        #expect(html.contains(">-20</text>") && html.contains("class=\"grid zero\""), "\(html)")
    }

    @Test func theHeatMapColoursByLevelAndTheQuadrantNamesEachThingsQuadrant() {
        let heat = Chart.heatMap(
            Self.spec(format: .percent), rows: ["Mon", "Tue"], columns: ["0", "1"],
            cells: [
                [HeatCell(value: 0.05, text: "5.0"), HeatCell(value: nil, text: "·", note: "2 posts: too few")],
                [HeatCell(value: 0.025, text: "2.5")],
            ],
            corner: "Hour"
        ).rendered
        #expect(
            heat.contains("<rect class=\"cell heat-10\"") && heat.contains("<rect class=\"cell heat-5\"") && heat.contains("class=\"cell no-value\""))
        #expect(heat.contains("<td class=\"no-value\" title=\"2 posts: too few\">·</td>") && heat.contains("<td class=\"heat-10\">5.0</td>"))
        #expect(heat.contains("Mon · 1 · 2 posts: too few</title>"))

        let quadrant = Chart.quadrant(
            Self.spec(.zhHans),
            points: [
                QuadrantPoint(label: "甲", x: 100, y: 0.10), QuadrantPoint(label: "乙", x: 10, y: 0.01), QuadrantPoint(label: "丙", x: 50, y: 0.05),
            ],
            axes: QuadrantAxes(xName: "声量", yName: "互动率", quadrants: ["明星", "潜力", "待提升", "高声量低互动"])
        ).rendered
        #expect(quadrant.contains("<th scope=\"row\" translate=\"no\">甲</th><td>100</td><td>10.0%</td><td>明星</td>"))
        #expect(quadrant.contains("<th scope=\"row\" translate=\"no\">乙</th><td>10</td><td>1.0%</td><td>待提升</td>"))
        #expect(quadrant.contains("以中位数分界：声量 50，互动率 5.0%。"))
    }

    /// The tick labels of a drawing's bottom axis (y beyond the plot), with their x.
    static func bottomLabels(_ html: String) -> [(x: Double, text: String)] {
        let pattern = /<text class="tick" x="([0-9.\-]+)" y="248" text-anchor="middle">(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/
        return html.matches(of: pattern).map { (Double($0.output.1) ?? -1, String($0.output.2)) }
    }

    /// Four weeks of daily bars (the overview's growth chart): every k-th
    /// day's label whole, none cut to "11…", none overlapping, evenly
    /// spaced, all inside the drawing; in both languages.
    @Test(arguments: [UILocale.zhHans, .en])
    func aDailyCategoryAxisIsThinnedNotCut(_ locale: UILocale) {
        let days = (0..<28).map {
            $0 < 22 ? ChartTime.short(year: nil, month: 11, day: 9 + $0, locale) : ChartTime.short(year: nil, month: 12, day: $0 - 21, locale)
        }
        let html = Chart.bars(
            Self.spec(locale), categories: days,
            series: [
                BarSeries(name: "new", values: Array(repeating: 100, count: 28)), BarSeries(name: "lost", values: Array(repeating: -3, count: 28)),
            ],
            stacked: true
        ).rendered
        let labels = Self.bottomLabels(html)
        #expect(labels.count >= 4 && labels.count < 28, "thinned: \(labels.map(\.text))")
        #expect(labels.allSatisfy { !$0.text.contains("…") && days.contains($0.text) }, "whole labels: \(labels.map(\.text))")
        #expect(labels.first?.text == days[0])
        let widths = labels.map { ChartScale.textWidth($0.text, fontSize: Chart.fontSize) }
        for index in labels.indices.dropFirst() {
            let space = labels[index].x - labels[index - 1].x
            #expect(space >= (widths[index] + widths[index - 1]) / 2, "\(labels[index - 1].text) and \(labels[index].text) overlap")
        }
        #expect(labels.indices.allSatisfy { labels[$0].x - widths[$0] / 2 >= 0 && labels[$0].x + widths[$0] / 2 <= Chart.width })
        // Seven days fit whole without thinning.
        #expect(
            Self.bottomLabels(Chart.bars(Self.spec(locale), categories: Array(days.prefix(7)), series: [BarSeries(name: "n", values: [1])]).rendered)
                .count == 7)
    }

    @Test func longLabelsAreShortenedWithTheWholeTextInTheirTitle() {
        let long = "这是一个非常非常长的账号名称用于测试截断效果"
        let html = Chart.bars(
            Self.spec(.zhHans), categories: (0..<8).map { "\(long)\($0)" }, series: [BarSeries(name: "n", values: Array(repeating: 1, count: 8))]
        ).rendered
        #expect(html.contains("<title>\(long)0</title>") && html.contains("…</text>"))
        #expect(html.contains("<th scope=\"row\">\(long)7</th>"))
    }
}
