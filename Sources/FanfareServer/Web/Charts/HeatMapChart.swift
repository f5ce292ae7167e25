import FanfareCore
import Foundation

/// One cell of a heat map: its value (nil when there is none to show,
/// e.g. too few posts to tell), the text the data table shows for it, a
/// note for its tooltip and the table cell's title, and an optional link.
struct HeatCell: Sendable, Equatable {
    var value: Double?
    var text: String
    var note: String = ""
    var href: String? = nil
}

extension Chart {
    /// A grid (weekday × hour, say) coloured on an eleven-step scale from
    /// the lowest value (or 0) to the highest; a cell without a value is
    /// drawn hatched-grey. `corner` heads the table's row labels. The table
    /// cells carry the same `heat-N` classes, so the table reads as a heat
    /// map too when a reader opens it.
    static func heatMap(_ spec: ChartSpec, rows: [String], columns: [String], cells: [[HeatCell]], corner: String) -> HTML {
        let values = cells.flatMap { $0.compactMap(\.value) }.filter(\.isFinite)
        guard !rows.isEmpty, !columns.isEmpty, let highest = values.max() else { return empty(spec, kind: "heatmap") }
        let locale = spec.locale
        let low = Swift.min(0, values.min() ?? 0)
        let high = highest
        func level(_ value: Double?) -> Int? {
            guard let value, value.isFinite else { return nil }
            guard high > low else { return value > 0 ? 10 : 0 }
            return Int(((value - low) / (high - low) * 10).rounded())
        }
        func cell(_ row: Int, _ column: Int) -> HeatCell? {
            row < cells.count && column < cells[row].count ? cells[row][column] : nil
        }

        let left = (rows.map { ChartScale.textWidth($0, fontSize: fontSize) }.max() ?? 0) + 10
        let top = 22.0
        let cellWidth = (width - left - 4) / Double(columns.count)
        let cellHeight = Swift.min(Swift.max(cellWidth, 14), 28)
        let drawnHeight = top + cellHeight * Double(rows.count) + 4
        let centres = columns.indices.map { left + cellWidth * (Double($0) + 0.5) }
        let widths = columns.map { ChartScale.textWidth($0, fontSize: fontSize) }
        // A wide gap: on a phone the labels are drawn larger (app.css) than measured here.
        let header = HTML.join(
            ChartScale.thinned(positions: centres, widths: widths, gap: 8).map { label(columns[$0], x: centres[$0], y: 14) })
        var marks: [HTML] = []
        for (r, rowName) in rows.enumerated() {
            let rowY = top + cellHeight * Double(r)
            marks.append(label(rowName, x: left - 6, y: rowY + cellHeight / 2 + 4, anchor: "end", width: left - 8))
            for (c, columnName) in columns.enumerated() {
                let content = cell(r, c)
                let classes = level(content?.value).map { "cell heat-\($0)" } ?? "cell no-value"
                let note = content.map { $0.note.isEmpty ? $0.text : $0.note } ?? ""
                let tooltip = [rowName, columnName, note].filter { !$0.isEmpty }.joined(separator: " · ")
                marks.append(
                    mark(
                        "rect",
                        [
                            ("x", ChartScale.coordinate(left + cellWidth * Double(c) + 0.5)), ("y", ChartScale.coordinate(rowY + 0.5)),
                            ("width", ChartScale.coordinate(cellWidth - 1)), ("height", ChartScale.coordinate(cellHeight - 1)),
                        ], classes: classes, tooltip: tooltip, href: content?.href))
            }
        }
        let tableRows = rows.enumerated().map { r, rowName -> (header: String, cells: [ChartTableCell]) in
            let rowCells = columns.indices.map { c -> ChartTableCell in
                let content = cell(r, c)
                return ChartTableCell(
                    text: content?.text ?? "", href: content?.href, classes: level(content?.value).map { "heat-\($0)" } ?? "no-value",
                    title: content?.note.isEmpty == false ? content?.note : nil)
            }
            return (rowName, rowCells)
        }
        let steps = HTML.join((0...10).map { step -> HTML in "<span class=\"swatch heat-\(step)\"></span>" })
        let scale: HTML = """
            <p class="chart-scale"><span>\(spec.format.axis(low, locale))</span>\
            <span class="steps" aria-hidden="true">\(steps)</span><span>\(spec.format.exact(high, locale))</span></p>
            """
        return figure(
            spec, kind: "heatmap", height: drawnHeight, marks: "<g class=\"axis\">\(header)</g><g class=\"cells\">\(marks)</g>", legend: scale,
            table: table(caption: spec.title, columns: [corner] + columns, rows: tableRows, classes: "heatmap"))
    }
}
