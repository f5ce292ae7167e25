import FanfareCore
import Foundation

/// One row of an interval plot: an estimate with its interval.
struct IntervalRow: Sendable, Equatable {
    var label: String
    var expected: Double
    var lower: Double
    var upper: Double
    /// Whether the whole interval is on the good side (green), the bad
    /// side (red), or straddles no change (neutral).
    var tone: ChartTone?
}

extension Chart {
    /// Estimates with their intervals on one horizontal scale, the line of
    /// no change marked: how much better or worse each variant is, and how
    /// sure (an experiment's read-out). The table gives the same numbers.
    static func intervals(_ spec: ChartSpec, rows: [IntervalRow], columns: [String]) -> HTML {
        let shown = rows.filter { $0.expected.isFinite && $0.lower.isFinite && $0.upper.isFinite }
        guard !shown.isEmpty else { return empty(spec, kind: "interval") }
        let locale = spec.locale
        let low = Swift.min(0, shown.map(\.lower).min() ?? 0)
        let high = Swift.max(0, shown.map(\.upper).max() ?? 0)
        let ticks = ChartScale.niceTicks(min: low, max: high, target: 5, integral: spec.format.integral)
        let labelWidth = 120.0
        let left = labelWidth + 12
        let right = width - 16
        let rowHeight = 36.0
        let top = 12.0
        let bottom = top + rowHeight * Double(shown.count)
        let drawingHeight = bottom + 28
        let x = ChartScale.Linear(domain: (ticks.first ?? 0, ticks.last ?? 1), range: (left, right))
        var marks = ""
        for tick in ticks {
            let position = ChartScale.coordinate(x(tick))
            marks +=
                "<line class=\"grid\(tick == 0 ? " zero" : "")\" x1=\"\(position)\" x2=\"\(position)\" y1=\"\(ChartScale.coordinate(top))\" y2=\"\(ChartScale.coordinate(bottom))\"/>"
            marks += label(spec.format.axis(tick, locale), x: x(tick), y: bottom + 18).rendered
        }
        for (index, row) in shown.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            let classes = row.tone.map { "interval \($0.rawValue)" } ?? "interval"
            let tooltip =
                "\(row.label): \(spec.format.exact(row.expected, locale)) (\(spec.format.exact(row.lower, locale)) … \(spec.format.exact(row.upper, locale)))"
            marks += label(row.label, x: labelWidth, y: y + 4, anchor: "end", classes: "tick", width: labelWidth, verbatim: true).rendered
            marks += "<g class=\"\(HTML.escape(classes))\"><title>\(HTML.escape(tooltip))</title>"
            marks +=
                "<line class=\"whisker\" x1=\"\(ChartScale.coordinate(x(row.lower)))\" x2=\"\(ChartScale.coordinate(x(row.upper)))\" y1=\"\(ChartScale.coordinate(y))\" y2=\"\(ChartScale.coordinate(y))\"/>"
            marks += "<circle class=\"dot\" cx=\"\(ChartScale.coordinate(x(row.expected)))\" cy=\"\(ChartScale.coordinate(y))\" r=\"5\"/></g>"
        }
        let table = Chart.table(
            caption: spec.title, columns: columns,
            rows: shown.map { row in
                (
                    row.label,
                    [row.expected, row.lower, row.upper].map { ChartTableCell(text: spec.format.exact($0, locale)) }
                )
            }, verbatimHeaders: true)
        return figure(spec, kind: "interval", height: drawingHeight, marks: HTML(raw: marks), table: table)
    }

    /// A normal posterior of the effect (mean, standard deviation): its
    /// curve, the part above no change shaded (the chance to win).
    static func posterior(_ spec: ChartSpec, mean: Double, stddev: Double, inverse: Bool, columns: [String], chance: String) -> HTML {
        guard mean.isFinite, stddev.isFinite, stddev > 0 else { return empty(spec, kind: "posterior") }
        let locale = spec.locale
        let low = Swift.min(mean - 4 * stddev, 0)
        let high = Swift.max(mean + 4 * stddev, 0)
        let ticks = ChartScale.niceTicks(min: low, max: high, target: 5)
        let left = 16.0
        let right = width - 16
        let top = 16.0
        let bottom = height - 40
        let x = ChartScale.Linear(domain: (ticks.first ?? low, ticks.last ?? high), range: (left, right))
        let peak = 1 / (stddev * (2 * Double.pi).squareRoot())
        let y = ChartScale.Linear(domain: (0, peak), range: (bottom, top))
        func density(_ v: Double) -> Double { exp(-0.5 * pow((v - mean) / stddev, 2)) * peak }
        let steps = 96
        let from = ticks.first ?? low
        let to = ticks.last ?? high
        let points = (0...steps).map { i -> (Double, Double) in
            let v = from + (to - from) * Double(i) / Double(steps)
            return (v, density(v))
        }
        var curve = ""
        for (i, point) in points.enumerated() {
            curve += (i == 0 ? "M" : "L") + ChartScale.coordinate(x(point.0)) + " " + ChartScale.coordinate(y(point.1))
        }
        // The winning side: above zero, or below it for a metric where lower is better.
        let winning = points.filter { inverse ? $0.0 <= 0 : $0.0 >= 0 }
        var area = ""
        if let first = winning.first, let last = winning.last {
            area = "M" + ChartScale.coordinate(x(first.0)) + " " + ChartScale.coordinate(bottom)
            for point in winning { area += "L" + ChartScale.coordinate(x(point.0)) + " " + ChartScale.coordinate(y(point.1)) }
            area += "L" + ChartScale.coordinate(x(last.0)) + " " + ChartScale.coordinate(bottom) + "Z"
        }
        var marks = "<path class=\"posterior-win\" d=\"\(area)\"/><path class=\"line\" d=\"\(curve)\"/>"
        marks +=
            "<line class=\"grid\" x1=\"\(ChartScale.coordinate(left))\" x2=\"\(ChartScale.coordinate(right))\" y1=\"\(ChartScale.coordinate(bottom))\" y2=\"\(ChartScale.coordinate(bottom))\"/>"
        let zero = ChartScale.coordinate(x(0))
        marks +=
            "<line class=\"grid zero\" x1=\"\(zero)\" x2=\"\(zero)\" y1=\"\(ChartScale.coordinate(top))\" y2=\"\(ChartScale.coordinate(bottom))\"/>"
        for tick in ticks { marks += label(spec.format.axis(tick, locale), x: x(tick), y: bottom + 18).rendered }
        marks += label(chance, x: right, y: top + 4, anchor: "end", classes: "value").rendered
        let table = Chart.table(
            caption: spec.title, columns: columns,
            rows: [
                (spec.title, [mean, mean - 1.959964 * stddev, mean + 1.959964 * stddev].map { ChartTableCell(text: spec.format.exact($0, locale)) })
            ],
            verbatimHeaders: true)
        return figure(spec, kind: "posterior", marks: HTML(raw: marks), table: table)
    }
}
