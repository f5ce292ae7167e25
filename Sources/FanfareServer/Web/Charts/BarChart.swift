import FanfareCore
import Foundation

/// One series of a bar chart: a value per category, in the categories'
/// order (a missing value counts as 0), each optionally linked.
struct BarSeries: Sendable {
    var name: String
    var values: [Double]
    var hrefs: [String?] = []
    var tone: ChartTone? = nil

    func value(_ index: Int) -> Double {
        index < values.count && values[index].isFinite ? values[index] : 0
    }

    func href(_ index: Int) -> String? {
        index < hrefs.count ? hrefs[index] : nil
    }
}

extension Chart {
    /// A comparison across categories: bars side by side per category
    /// (`stacked: false`) or one bar per category made of the series
    /// (`stacked: true`; negatives stack downwards from 0, as lost followers
    /// below gained ones). `categoryName` heads the table's first column;
    /// `verbatimCategories`: the categories are names people typed (budget
    /// lines, channels), kept out of translation.
    static func bars(
        _ spec: ChartSpec, categories: [String], series: [BarSeries], stacked: Bool = false, categoryName: String? = nil,
        verbatimCategories: Bool = false
    ) -> HTML {
        let kind = stacked ? "stacked" : "bar"
        guard !categories.isEmpty, !series.isEmpty else { return empty(spec, kind: kind) }
        let locale = spec.locale
        let format = spec.format
        let indices = categories.indices
        var low = 0.0
        var high = 0.0
        for index in indices {
            if stacked {
                high = Swift.max(high, series.map { Swift.max($0.value(index), 0) }.reduce(0, +))
                low = Swift.min(low, series.map { Swift.min($0.value(index), 0) }.reduce(0, +))
            } else {
                for line in series {
                    high = Swift.max(high, line.value(index))
                    low = Swift.min(low, line.value(index))
                }
            }
        }
        let ticks = ChartScale.niceTicks(min: low, max: high, target: 5, integral: format.integral)
        let left = axisMargin(ticks, format: format, locale: locale)
        let right = width - 12
        let top = 12.0
        let bottom = height - 30
        let y = ChartScale.Linear(domain: (ticks.first ?? 0, ticks.last ?? 1), range: (bottom, top))
        let band = (right - left) / Double(categories.count)
        let centres = indices.map { left + band * (Double($0) + 0.5) }
        let classes = series.enumerated().map { index, line in line.tone?.rawValue ?? "s\(index % 6)" }

        var bars: [HTML] = []
        for index in indices {
            var above = 0.0
            var below = 0.0
            for (offset, line) in series.enumerated() {
                let value = line.value(index)
                let from: Double
                let to: Double
                let barX: Double
                let barWidth: Double
                if stacked {
                    barWidth = band * 0.6
                    barX = centres[index] - barWidth / 2
                    from = value >= 0 ? above : below
                    to = from + value
                    if value >= 0 { above = to } else { below = to }
                } else {
                    barWidth = band * 0.8 / Double(series.count)
                    barX = centres[index] - band * 0.4 + barWidth * Double(offset)
                    from = 0
                    to = value
                }
                let y0 = y(from)
                let y1 = y(to)
                let tooltip = "\(categories[index]) · \(line.name) · \(format.exact(value, locale))"
                bars.append(
                    mark(
                        "rect",
                        [
                            ("x", ChartScale.coordinate(barX + 0.5)), ("y", ChartScale.coordinate(Swift.min(y0, y1))),
                            ("width", ChartScale.coordinate(Swift.max(barWidth - 1, 1))), ("height", ChartScale.coordinate(abs(y1 - y0))),
                        ], classes: "bar-mark \(classes[offset])", tooltip: tooltip, href: line.href(index)))
            }
        }
        let rows = indices.map { index -> (header: String, cells: [ChartTableCell]) in
            var cells = series.map { ChartTableCell(text: format.exact($0.value(index), locale), href: $0.href(index)) }
            if stacked, series.count > 1 {
                cells.append(ChartTableCell(text: format.exact(series.map { $0.value(index) }.reduce(0, +), locale)))
            }
            return (categories[index], cells)
        }
        let columns =
            [categoryName ?? I18n.text("chart.category", locale)] + series.map(\.name)
            + (stacked && series.count > 1 ? [I18n.text("chart.total", locale)] : [])
        let marks: HTML = """
            <g class="axis">\(valueAxis(ticks, scale: y, left: left, right: right, format: format, locale: locale))\
            \(categoryAxis(categories, centres: centres, band: band, y: height - 12, verbatim: verbatimCategories))</g><g class="series">\(bars)</g>
            """
        return figure(
            spec, kind: kind, marks: marks,
            legend: legend(zip(series, classes).map { ($0.name, $1) }, locale: locale, toned: series.contains { $0.tone != nil }),
            table: table(caption: spec.title, columns: columns, rows: rows, verbatimHeaders: verbatimCategories))
    }
}
