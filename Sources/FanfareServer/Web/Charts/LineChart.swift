import FanfareCore
import Foundation

/// A value at a moment, optionally linked to the rows behind it and
/// flagged (an anomaly, say).
struct ChartPoint: Sendable, Equatable {
    var at: Date
    var value: Double
    var href: String? = nil
    var flagged: Bool = false
}

/// One line of a line chart.
struct LineSeries: Sendable {
    var name: String
    var points: [ChartPoint]
    /// A comparison period, drawn dashed and grey over the main one. Its
    /// points are moved by `shift` seconds onto the main period's axis
    /// (last week's Monday over this week's: `shift` = 7 days); `name`
    /// should say which period it is.
    var comparison: Bool = false
    var shift: TimeInterval = 0
    var tone: ChartTone? = nil
}

extension Chart {
    /// A trend over time: one or more series on a time axis in `zone`,
    /// comparison periods dashed, flagged points ringed (`flagName` says
    /// what a ring means; `chart.flagged` when nil).
    static func line(_ spec: ChartSpec, series: [LineSeries], zone: TimeZone, flagName: String? = nil) -> HTML {
        let locale = spec.locale
        let format = spec.format
        // Points as drawn: comparison ones moved onto the main axis, impossible values dropped.
        let drawn = series.map { line in
            line.points.filter { $0.value.isFinite }.map { point in
                ChartPoint(at: point.at.addingTimeInterval(line.shift), value: point.value, href: point.href, flagged: point.flagged)
            }.sorted { $0.at < $1.at }
        }
        let all = drawn.flatMap { $0 }
        guard let first = all.map(\.at).min(), let last = all.map(\.at).max() else { return empty(spec, kind: "line") }
        let ticks = ChartScale.niceTicks(
            min: all.map(\.value).min() ?? 0, max: all.map(\.value).max() ?? 0, target: 5, integral: format.integral)
        let left = axisMargin(ticks, format: format, locale: locale)
        let right = width - 12
        let top = 12.0
        let bottom = height - 30
        let x = ChartScale.Linear(domain: (first.timeIntervalSince1970, last.timeIntervalSince1970), range: (left + 8, right - 8))
        let y = ChartScale.Linear(domain: (ticks.first ?? 0, ticks.last ?? 1), range: (bottom, top))
        let flagWord = flagName ?? I18n.text("chart.flagged", locale)
        let calendar = ChartTime.calendar(zone)
        let hourly = all.contains {
            let parts = ChartTime.parts($0.at, zone: zone, calendar: calendar)
            return parts.hour != 0 || parts.minute != 0
        }
        var when = ChartTime.TableLabels(hourly: hourly, zone: zone, locale: locale, now: spec.now)

        // The time axis: calendar ticks, labelled in the reader's way, thinned until none collide.
        let time = ChartScale.timeTicks(from: first, to: last, zone: zone, maxTicks: 6, daily: !hourly)
        let tickLabels = ChartTime.axisLabels(time.ticks, unit: time.unit, zone: zone, locale: locale, now: spec.now)
        let positions = time.ticks.map { x($0.timeIntervalSince1970) }
        let widths = tickLabels.map { ChartScale.textWidth($0, fontSize: fontSize) }
        let timeAxis = HTML.join(
            ChartScale.thinned(positions: positions, widths: widths, gap: 12).map { index -> HTML in
                // A label at the edge is moved inwards rather than cut off.
                let centre = Swift.min(Swift.max(positions[index], widths[index] / 2 + 2), width - widths[index] / 2 - 2)
                let tick = ChartScale.coordinate(positions[index])
                return """
                    <line class="tick-mark" x1="\(tick)" x2="\(tick)" y1="\(ChartScale.coordinate(bottom))" y2="\(ChartScale.coordinate(bottom + 4))"/>\
                    \(label(tickLabels[index], x: centre, y: height - 12))
                    """
            })

        var lines: [HTML] = []
        var dots: [HTML] = []
        var legendEntries: [(name: String, classes: String)] = []
        var palette = 0
        for (index, line) in series.enumerated() {
            let classes: String
            if line.comparison {
                classes = "comparison"
            } else if let tone = line.tone {
                classes = tone.rawValue
            } else {
                classes = "s\(palette % 6)"
                palette += 1
            }
            legendEntries.append((line.name, classes))
            let points = drawn[index]
            guard !points.isEmpty else { continue }
            let path = ChartScale.path(points.map { (x($0.at.timeIntervalSince1970), y($0.value)) })
            lines.append("<path class=\"line \(classes)\" d=\"\(path)\"/>")
            let dense = points.count > 62
            for point in points where !dense || point.href != nil || point.flagged || points.count == 1 {
                let cx = ChartScale.coordinate(x(point.at.timeIntervalSince1970))
                let cy = ChartScale.coordinate(y(point.value))
                let tooltip =
                    line.name + " · " + when(point.at.addingTimeInterval(-line.shift)) + " · " + format.exact(point.value, locale)
                    + (point.flagged ? " · " + flagWord : "")
                if point.flagged {
                    dots.append(mark("circle", [("cx", cx), ("cy", cy), ("r", "7")], classes: "flag", tooltip: tooltip, href: point.href))
                }
                dots.append(
                    mark("circle", [("cx", cx), ("cy", cy), ("r", dense ? "2" : "3")], classes: "dot \(classes)", tooltip: tooltip, href: point.href))
            }
        }
        if all.contains(where: \.flagged) { legendEntries.append((flagWord, "flag")) }

        // The table: one row per moment of the main axis, one column per series.
        let moments = Array(Set(all.map(\.at))).sorted()
        // Each series' first point at a moment, found by the moment rather than by a walk along the series per row.
        let byMoment = drawn.map { points in Dictionary(points.map { ($0.at, $0) }, uniquingKeysWith: { first, _ in first }) }
        let rows = moments.map { moment -> (header: String, cells: [ChartTableCell]) in
            let cells = byMoment.map { points -> ChartTableCell in
                guard let point = points[moment] else { return ChartTableCell(text: "") }
                let text = format.exact(point.value, locale) + (point.flagged ? " · \(flagWord)" : "")
                return ChartTableCell(text: text, href: point.href, classes: point.flagged ? "flagged" : "")
            }
            return (when(moment), cells)
        }
        let data = table(caption: spec.title, columns: [I18n.text("chart.date", locale)] + series.map(\.name), rows: rows)
        let marks: HTML = """
            <g class="axis">\(valueAxis(ticks, scale: y, left: left, right: right, format: format, locale: locale))\(timeAxis)</g>\
            <g class="series">\(lines)</g><g class="points">\(dots)</g>
            """
        return figure(
            spec, kind: "line", marks: marks,
            legend: legend(legendEntries, locale: locale, toned: series.contains { $0.tone != nil }), table: data)
    }
}
