import FanfareCore
import Foundation

/// One bar of a Gantt chart: a task's first day and the day after its
/// last, counted from the chart's day 0, and how it is drawn.
struct GanttBar: Sendable, Equatable {
    var id: String
    var label: String
    var start: Int
    var finish: Int
    var critical: Bool
    var done: Bool
    /// The bar's words in its tooltip and table row (days, float).
    var note: String
    var href: String? = nil
}

/// A drawn arrow from one bar's end (or start) to another's start (or end).
struct GanttLink: Sendable, Equatable {
    var from: String
    var to: String
    /// Which ends the arrow joins: the dependency kind's ends.
    var fromEnd: Bool
    var toEnd: Bool
}

/// A vertical marker: today, the launch day, the buffer's band.
struct GanttMarker: Sendable, Equatable {
    var day: Int
    var label: String
    var classes: String
}

extension Chart {
    static let ganttRowHeight = 18.0

    /// Task bars on a day axis: critical ones in the critical colour, done
    /// ones faded; dependencies drawn as elbow arrows; markers (the launch,
    /// today) as labelled lines; an optional band (the buffer before the
    /// launch). Day labels are thinned to fit; `dayLabel` writes one.
    static func gantt(
        _ spec: ChartSpec, bars: [GanttBar], links: [GanttLink], markers: [GanttMarker], band: (from: Int, to: Int, label: String)?,
        firstDay: Int, lastDay: Int, dayLabel: (Int) -> String, columns: [String]
    ) -> HTML {
        guard !bars.isEmpty else { return empty(spec, kind: "gantt") }
        let left = min(150, (bars.map { ChartScale.textWidth($0.label, fontSize: fontSize) }.max() ?? 0) + 10)
        let top = 30.0
        let plotWidth = width - left - 6
        let span = Double(max(1, lastDay - firstDay))
        func x(_ day: Int) -> Double { left + plotWidth * Double(day - firstDay) / span }
        let drawnHeight = top + ganttRowHeight * Double(bars.count) + 6
        var marks: [HTML] = []

        // The day axis: a tick per day when there is room, else thinned.
        let days = Array(firstDay...lastDay)
        let positions = days.map(x)
        let labels = days.map(dayLabel)
        let shown = ChartScale.thinned(positions: positions, widths: labels.map { ChartScale.textWidth($0, fontSize: fontSize) }, gap: 8)
        for index in shown {
            marks.append(label(labels[index], x: positions[index], y: 12))
            marks.append(
                "<line class=\"grid\" x1=\"\(ChartScale.coordinate(positions[index]))\" x2=\"\(ChartScale.coordinate(positions[index]))\" y1=\"16\" y2=\"\(ChartScale.coordinate(drawnHeight - 4))\"/>"
            )
        }
        if let band, band.to > band.from {
            marks.append(
                mark(
                    "rect",
                    [
                        ("x", ChartScale.coordinate(x(band.from))), ("y", ChartScale.coordinate(top - 4)),
                        ("width", ChartScale.coordinate(x(band.to) - x(band.from))), ("height", ChartScale.coordinate(drawnHeight - top)),
                    ], classes: "gantt-band", tooltip: band.label, href: nil))
        }
        let rowOf = Dictionary(bars.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for (row, bar) in bars.enumerated() {
            let y = top + ganttRowHeight * Double(row)
            marks.append(label(bar.label, x: left - 6, y: y + ganttRowHeight / 2 + 4, anchor: "end", width: left - 8, verbatim: true))
            let classes = ["gantt-bar", bar.critical ? "critical" : "", bar.done ? "done" : "", bar.finish == bar.start ? "milestone" : ""]
                .filter { !$0.isEmpty }.joined(separator: " ")
            let barWidth = max(3, x(bar.finish) - x(bar.start))
            marks.append(
                mark(
                    "rect",
                    [
                        ("x", ChartScale.coordinate(x(bar.start))), ("y", ChartScale.coordinate(y + 3)), ("width", ChartScale.coordinate(barWidth)),
                        ("height", ChartScale.coordinate(ganttRowHeight - 6)), ("rx", "2"), ("data-task", bar.id),
                    ], classes: classes, tooltip: "\(bar.label) · \(bar.note)", href: bar.href))
        }
        for link in links {
            guard let fromRow = rowOf[link.from], let toRow = rowOf[link.to] else { continue }
            let from = bars[fromRow]
            let to = bars[toRow]
            let startX = x(link.fromEnd ? from.finish : from.start)
            let endX = x(link.toEnd ? to.finish : to.start)
            let startY = top + ganttRowHeight * (Double(fromRow) + 0.5)
            let endY = top + ganttRowHeight * (Double(toRow) + 0.5)
            // Out of the bar's end, down to the successor's row, into its edge.
            let elbow = startX + 4
            let path =
                "M\(ChartScale.coordinate(startX)) \(ChartScale.coordinate(startY)) H\(ChartScale.coordinate(elbow)) "
                + "V\(ChartScale.coordinate(endY)) H\(ChartScale.coordinate(endX))"
            let critical = from.critical && to.critical ? " critical" : ""
            marks.append("<path class=\"gantt-link\(critical)\" d=\"\(path)\" data-from=\"\(from.id)\" data-to=\"\(to.id)\"/>")
        }
        for marker in markers where marker.day >= firstDay && marker.day <= lastDay {
            let position = ChartScale.coordinate(x(marker.day))
            marks.append(
                "<line class=\"gantt-marker \(marker.classes)\" x1=\"\(position)\" x2=\"\(position)\" y1=\"18\" y2=\"\(ChartScale.coordinate(drawnHeight))\"><title>\(marker.label)</title></line>"
            )
            marks.append(label(marker.label, x: x(marker.day), y: 26, classes: "tick gantt-marker-label \(marker.classes)"))
        }
        let table = Chart.table(
            caption: spec.title, columns: columns,
            rows: bars.map { bar in
                (
                    header: bar.label,
                    cells: [
                        ChartTableCell(text: dayLabel(bar.start)), ChartTableCell(text: dayLabel(max(bar.start, bar.finish - 1))),
                        ChartTableCell(text: bar.note, classes: bar.critical ? "critical" : ""),
                    ]
                )
            }, verbatimHeaders: true)
        return figure(spec, kind: "gantt", height: drawnHeight, marks: HTML.join(marks), table: table)
    }
}
