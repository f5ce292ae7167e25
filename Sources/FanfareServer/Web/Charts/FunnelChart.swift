import FanfareCore
import Foundation

/// A step of a funnel (follow → join community → first purchase …).
struct FunnelStep: Sendable, Equatable {
    var label: String
    var count: Int
    var href: String? = nil
}

extension Chart {
    /// Conversion steps as bars in proportion to the largest step, each
    /// with its count, and between steps the share that went on. A step
    /// after a zero has no rate ("—"), never a division by zero.
    static func funnel(_ spec: ChartSpec, steps: [FunnelStep]) -> HTML {
        guard !steps.isEmpty else { return empty(spec, kind: "funnel") }
        let locale = spec.locale
        let rowHeight = 42.0
        let barHeight = 22.0
        let labelWidth = 130.0
        let countWidth = 64.0
        let barLeft = labelWidth + 8
        let barRight = width - countWidth
        let largest = Double(steps.map(\.count).max() ?? 0)
        func rate(_ part: Int, of whole: Int) -> String {
            whole > 0 ? DecimalText.fixed(Double(part) / Double(whole) * 100, digits: 1) + "%" : "—"
        }
        var marks: [HTML] = []
        for (index, step) in steps.enumerated() {
            let barY = 4 + rowHeight * Double(index)
            let share = largest > 0 ? Double(Swift.max(step.count, 0)) / largest : 0
            let barWidth = Swift.max((barRight - barLeft) * share, 1)
            let fromPrevious = index > 0 ? rate(step.count, of: steps[index - 1].count) : nil
            let tooltip = [step.label, Formats.grouped(step.count), fromPrevious].compactMap { $0 }.joined(separator: " · ")
            marks.append(label(step.label, x: labelWidth, y: barY + barHeight / 2 + 4, anchor: "end", width: labelWidth - 4))
            marks.append(
                mark(
                    "rect",
                    [
                        ("x", ChartScale.coordinate(barLeft)), ("y", ChartScale.coordinate(barY)), ("width", ChartScale.coordinate(barWidth)),
                        ("height", ChartScale.coordinate(barHeight)),
                    ], classes: "bar-mark s0", tooltip: tooltip, href: step.href))
            marks.append(label(Formats.count(step.count, locale), x: barRight + 6, y: barY + barHeight / 2 + 4, anchor: "start", classes: "value"))
            if let fromPrevious {
                marks.append(label("↓ " + fromPrevious, x: barLeft + 4, y: barY - 4, anchor: "start", classes: "conversion"))
            }
        }
        let rows = steps.enumerated().map { index, step -> (header: String, cells: [ChartTableCell]) in
            (
                step.label,
                [
                    ChartTableCell(text: Formats.grouped(step.count), href: step.href),
                    ChartTableCell(text: index > 0 ? rate(step.count, of: steps[index - 1].count) : "—"),
                    ChartTableCell(text: rate(step.count, of: steps[0].count)),
                ]
            )
        }
        let columns = ["chart.funnel.step", "chart.funnel.count", "chart.funnel.from_previous", "chart.funnel.from_first"].map {
            I18n.text($0, locale)
        }
        return figure(
            spec, kind: "funnel", height: rowHeight * Double(steps.count) + 4, marks: "<g class=\"series\">\(marks)</g>",
            table: table(caption: spec.title, columns: columns, rows: rows))
    }
}
