import FanfareCore
import Foundation

/// A thing placed by two measures (an account by 声量 and 互动).
struct QuadrantPoint: Sendable, Equatable {
    var label: String
    var x: Double
    var y: Double
    var href: String? = nil
}

/// The two measures of a quadrant chart and where they are split.
struct QuadrantAxes: Sendable {
    var xName: String
    var yName: String
    var xFormat: ChartValueFormat = .count
    var yFormat: ChartValueFormat = .percent
    /// Where each axis is split; the median of the points when nil.
    var xSplit: Double? = nil
    var ySplit: Double? = nil
    /// The quadrants' names: high x & high y, low x & high y, low x & low y, high x & low y.
    var quadrants: [String]
}

extension Chart {
    /// A scatter of things by two measures, split into four named quadrants
    /// at the medians or at given values; the table names each thing's quadrant.
    static func quadrant(_ spec: ChartSpec, points: [QuadrantPoint], axes: QuadrantAxes) -> HTML {
        let shown = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !shown.isEmpty else { return empty(spec, kind: "quadrant") }
        let locale = spec.locale
        let xSplit = axes.xSplit ?? ChartScale.median(shown.map(\.x))
        let ySplit = axes.ySplit ?? ChartScale.median(shown.map(\.y))
        let xTicks = ChartScale.niceTicks(
            min: Swift.min(shown.map(\.x).min() ?? 0, xSplit), max: Swift.max(shown.map(\.x).max() ?? 0, xSplit), target: 5,
            integral: axes.xFormat.integral)
        let yTicks = ChartScale.niceTicks(
            min: Swift.min(shown.map(\.y).min() ?? 0, ySplit), max: Swift.max(shown.map(\.y).max() ?? 0, ySplit), target: 5,
            integral: axes.yFormat.integral)
        let left = axisMargin(yTicks, format: axes.yFormat, locale: locale)
        let right = width - 12
        let top = 24.0
        let bottom = height - 40
        let x = ChartScale.Linear(domain: (xTicks.first ?? 0, xTicks.last ?? 1), range: (left, right))
        let y = ChartScale.Linear(domain: (yTicks.first ?? 0, yTicks.last ?? 1), range: (bottom, top))
        func quadrantName(_ point: QuadrantPoint) -> String {
            let index = point.y >= ySplit ? (point.x >= xSplit ? 0 : 1) : (point.x >= xSplit ? 3 : 2)
            return index < axes.quadrants.count ? axes.quadrants[index] : ""
        }

        let xPositions = xTicks.map { x($0) }
        let xLabels = xTicks.map { axes.xFormat.axis($0, locale) }
        let xAxis = HTML.join(
            ChartScale.thinned(positions: xPositions, widths: xLabels.map { ChartScale.textWidth($0, fontSize: fontSize) }, gap: 8).map {
                label(xLabels[$0], x: xPositions[$0], y: bottom + 16)
            })
        let splitX = ChartScale.coordinate(x(xSplit))
        let splitY = ChartScale.coordinate(y(ySplit))
        let corners: [(x: Double, y: Double, anchor: String)] = [
            (right - 4, top + 14, "end"), (left + 4, top + 14, "start"), (left + 4, bottom - 6, "start"), (right - 4, bottom - 6, "end"),
        ]
        let quadrantLabels = HTML.join(
            zip(axes.quadrants.prefix(4), corners).map { name, corner in
                label(name, x: corner.x, y: corner.y, anchor: corner.anchor, classes: "quadrant-label", width: (right - left) / 2 - 8)
            })
        let named = shown.count <= 15
        let dots = HTML.join(
            shown.map { point -> HTML in
                let cx = x(point.x)
                let cy = y(point.y)
                let tooltip =
                    "\(point.label) · \(axes.xName) \(axes.xFormat.exact(point.x, locale)) · \(axes.yName) \(axes.yFormat.exact(point.y, locale))"
                let dot = mark(
                    "circle", [("cx", ChartScale.coordinate(cx)), ("cy", ChartScale.coordinate(cy)), ("r", "4")], classes: "dot s0", tooltip: tooltip,
                    href: point.href)
                // Few enough points to name each beside its dot, on the side with room.
                guard named else { return dot }
                let toLeft = cx > (left + right) / 2
                return
                    "\(dot)\(label(point.label, x: cx + (toLeft ? -7 : 7), y: cy + 4, anchor: toLeft ? "end" : "start", classes: "point-label", width: 90, verbatim: true))"
            })
        let split = I18n.text(
            axes.xSplit == nil && axes.ySplit == nil ? "chart.quadrant.split_median" : "chart.quadrant.split_given", locale,
            ["\(axes.xName) \(axes.xFormat.exact(xSplit, locale))", "\(axes.yName) \(axes.yFormat.exact(ySplit, locale))"])
        var described = spec
        described.summary = spec.summary + " " + split
        let marks: HTML = """
            <g class="axis">\(valueAxis(yTicks, scale: y, left: left, right: right, format: axes.yFormat, locale: locale))\(xAxis)\
            \(label(axes.yName, x: left, y: 12, anchor: "start", classes: "axis-name"))\
            \(label(axes.xName, x: right, y: height - 6, anchor: "end", classes: "axis-name"))\
            <line class="split" x1="\(splitX)" x2="\(splitX)" y1="\(ChartScale.coordinate(top))" y2="\(ChartScale.coordinate(bottom))"/>\
            <line class="split" x1="\(ChartScale.coordinate(left))" x2="\(ChartScale.coordinate(right))" y1="\(splitY)" y2="\(splitY)"/>\
            \(quadrantLabels)</g><g class="points">\(dots)</g>
            """
        let rows = shown.map { point -> (header: String, cells: [ChartTableCell]) in
            (
                point.label,
                [
                    ChartTableCell(text: axes.xFormat.exact(point.x, locale), href: point.href),
                    ChartTableCell(text: axes.yFormat.exact(point.y, locale)), ChartTableCell(text: quadrantName(point)),
                ]
            )
        }
        let columns = [I18n.text("chart.category", locale), axes.xName, axes.yName, I18n.text("chart.quadrant.quadrant", locale)]
        return figure(
            described, kind: "quadrant", marks: marks, legend: "<p class=\"chart-note\">\(split)</p>",
            table: table(caption: spec.title, columns: columns, rows: rows, verbatimHeaders: true))
    }
}
