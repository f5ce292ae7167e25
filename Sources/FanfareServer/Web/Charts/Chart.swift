import FanfareCore
import Foundation

/// Server-drawn charts: plain values in, an HTML `<figure>` out holding an
/// `<svg role="img">` (with `<title>` and `<desc>`), a legend and the same
/// numbers as a `<table>` in a `<details>` (for screen readers, printing
/// and copying). Pages pass every word already in the reader's language;
/// the few words the module adds come from `ChartStrings`. Colours are CSS
/// classes (`app.css`, "Charts"), since the pages' policy allows no inline
/// style; marks link to the rows behind them when given an `href`, and the
/// table links the same rows, because a screen reader does not enter an
/// `role="img"` drawing. See docs/charts.md.
enum Chart {
    /// The drawing's coordinate system; the SVG scales to its container
    /// through its viewBox, so one size serves a 375 px phone and a desk.
    static let width = 480.0
    static let height = 260.0
    static let fontSize = 12.0
}

/// How a chart's values read: on the axis short (1.2万 / 12.3K), in the
/// table exact (12,345), in the reader's conventions.
enum ChartValueFormat: Sendable, Equatable {
    /// Whole numbers (followers, posts, clicks).
    case count
    /// A ratio, 0.123 read as 12.3%.
    case percent
    /// Money in fen, read as ¥1,234.56 (¥12.3万 on the axis).
    case yuan
    /// A return ratio such as ROI, 3.25 read as 3.25 (yuan back per yuan).
    case ratio

    /// Whether axis steps must be whole units (no half a fan).
    var integral: Bool { self != .percent && self != .ratio }

    func axis(_ value: Double, _ locale: UILocale) -> String {
        switch self {
        case .count: return Formats.count(Self.whole(value), locale)
        case .percent: return Self.trimmed(value * 100) + "%"
        case .yuan:
            let yuan = value / 100
            return abs(yuan) < 10_000 ? Formats.yuan(yuan).replacingOccurrences(of: ".00", with: "") : "¥" + Formats.count(Self.whole(yuan), locale)
        case .ratio: return Self.trimmed(value)
        }
    }

    func exact(_ value: Double, _ locale: UILocale) -> String {
        switch self {
        case .count: return Formats.grouped(Self.whole(value))
        case .percent: return DecimalText.fixed(value.isFinite ? value * 100 : 0, digits: 1) + "%"
        case .yuan: return Formats.yuan(value.isFinite ? value / 100 : 0)
        case .ratio: return DecimalText.fixed(value.isFinite ? value : 0, digits: 2)
        }
    }

    /// A value as an Int, clamped: a Double beyond Int's range would trap.
    static func whole(_ value: Double) -> Int {
        guard value.isFinite else { return 0 }
        return Int(Swift.max(Swift.min(value.rounded(), 9e18), -9e18))
    }

    static func trimmed(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        var text = DecimalText.fixed(value, digits: 1)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text == "-0" ? "0" : text
    }
}

/// What every chart is told: where it sits on the page and its words.
struct ChartSpec: Sendable {
    /// The figure's id, unique on the page; the title and description ids derive from it.
    var id: String
    /// The chart's title, also the data table's caption.
    var title: String
    /// What it shows, in a sentence: the period and the comparison period
    /// named (UI.md). Read out by screen readers as the drawing's description.
    var summary: String
    var locale: UILocale
    var format: ChartValueFormat = .count
    /// The sentence shown when there is nothing to draw; `chart.empty` when nil.
    var emptyText: String? = nil
    /// Dates on a time axis carry their year when it is not this moment's year.
    var now: Date = Date()
}

/// Whether a series going up is good news (green) or bad (red), for the
/// metrics where the colour should say so rather than the palette.
enum ChartTone: String, Sendable, Equatable {
    case good, bad
}

/// A cell of a chart's data table.
struct ChartTableCell: Sendable {
    var text: String
    var href: String? = nil
    var classes: String = ""
    var title: String? = nil
}

extension Chart {
    /// The figure around a drawing: the SVG with its title and description,
    /// the legend, then the data table.
    static func figure(
        _ spec: ChartSpec, kind: String, height: Double = Chart.height, width: Double = Chart.width, marks: HTML, legend: HTML = .empty,
        table: HTML
    ) -> HTML {
        """
        <figure class="chart chart-\(kind)" id="\(spec.id)">\
        <svg xmlns="http://www.w3.org/2000/svg" class="chart-drawing" viewBox="0 0 \(ChartScale.coordinate(width)) \(ChartScale.coordinate(height))" \
        role="img" aria-labelledby="\(spec.id)-title \(spec.id)-desc"><title id="\(spec.id)-title">\(spec.title)</title>\
        <desc id="\(spec.id)-desc">\(spec.summary)</desc>\(marks)</svg>\(legend)\
        <details class="chart-data"><summary>\(I18n.text("chart.table", spec.locale))</summary>\(table)</details></figure>
        """
    }

    /// A chart with nothing to draw: the sentence saying so, in the page's
    /// text (it wraps, which text in a drawing cannot), and a flat baseline
    /// drawing whose title and description name the chart and repeat the
    /// sentence for screen readers.
    static func empty(_ spec: ChartSpec, kind: String) -> HTML {
        let sentence = spec.emptyText ?? I18n.text("chart.empty", spec.locale)
        return """
            <figure class="chart chart-\(kind) chart-empty" id="\(spec.id)">\
            <svg xmlns="http://www.w3.org/2000/svg" class="chart-drawing" viewBox="0 0 \(ChartScale.coordinate(width)) 8" role="img" \
            aria-labelledby="\(spec.id)-title \(spec.id)-desc"><title id="\(spec.id)-title">\(spec.title)</title>\
            <desc id="\(spec.id)-desc">\(spec.summary) \(sentence)</desc>\
            <line class="grid zero" x1="0" x2="\(ChartScale.coordinate(width))" y1="4" y2="4"/></svg>\
            <p class="empty">\(sentence)</p></figure>
            """
    }

    /// The data table: a caption, the column headers, one row per row
    /// header; cells link where the marks do.
    /// `verbatimHeaders`: the row headers are names (accounts, brands), kept out of translation.
    /// Written into one string (a line chart's table has a row per day and
    /// a cell per series), each text escaped as it goes in.
    static func table(
        caption: String, columns: [String], rows: [(header: String, cells: [ChartTableCell])], classes: String = "", verbatimHeaders: Bool = false
    ) -> HTML {
        var out = "<div class=\"table-scroll\"><table class=\""
        out.reserveCapacity(256 + rows.count * (48 + 40 * columns.count))
        out += HTML.escape(("chart-table " + classes).trimmingCharacters(in: .whitespaces))
        out += "\"><caption>"
        out += HTML.escape(caption)
        out += "</caption><thead><tr>"
        for column in columns {
            out += "<th scope=\"col\">"
            out += HTML.escape(column)
            out += "</th>"
        }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += verbatimHeaders ? "<tr><th scope=\"row\" translate=\"no\">" : "<tr><th scope=\"row\">"
            out += HTML.escape(row.header)
            out += "</th>"
            for cell in row.cells {
                out += "<td"
                if !cell.classes.isEmpty {
                    out += " class=\""
                    out += HTML.escape(cell.classes)
                    out += "\""
                }
                if let title = cell.title {
                    out += " title=\""
                    out += HTML.escape(title)
                    out += "\""
                }
                out += ">"
                if let href = cell.href {
                    out += "<a href=\""
                    out += HTML.escape(href)
                    out += "\">"
                    out += HTML.escape(cell.text)
                    out += "</a>"
                } else {
                    out += HTML.escape(cell.text)
                }
                out += "</td>"
            }
            out += "</tr>"
        }
        out += "</tbody></table></div>"
        return HTML(raw: out)
    }

    /// A legend entry per series, its swatch in the series' class, and the
    /// sentence saying which colour is good when any series carries a tone.
    static func legend(_ entries: [(name: String, classes: String)], locale: UILocale, toned: Bool = false) -> HTML {
        guard entries.count > 1 || toned else { return .empty }
        let items = entries.map { entry -> HTML in
            "<li><span class=\"swatch \(entry.classes)\" aria-hidden=\"true\"></span>\(entry.name)</li>"
        }
        let tone: HTML = toned ? "<li class=\"tone-note\">\(I18n.text("chart.tone_note", locale))</li>" : .empty
        return "<ul class=\"chart-legend\">\(items)\(tone)</ul>"
    }

    /// A mark (a dot, a bar, a cell) with its tooltip, inside a link when it has one.
    /// Written into one string: a chart draws one per point or bar.
    static func mark(_ element: String, _ attributes: [(String, String)], classes: String, tooltip: String, href: String?) -> HTML {
        var out = ""
        out.reserveCapacity(96 + tooltip.utf8.count + (href?.utf8.count ?? 0))
        if let href {
            out += "<a href=\""
            out += HTML.escape(href)
            out += "\">"
        }
        let name = HTML.escape(element)
        out += "<"
        out += name
        out += " class=\""
        out += HTML.escape(classes)
        out += "\""
        for (attribute, value) in attributes {
            out += " "
            out += HTML.escape(attribute)
            out += "=\""
            out += HTML.escape(value)
            out += "\""
        }
        out += "><title>"
        out += HTML.escape(tooltip)
        out += "</title></"
        out += name
        out += ">"
        if href != nil { out += "</a>" }
        return HTML(raw: out)
    }

    /// A piece of text in the drawing; shortened to `width` with the whole text as its tooltip.
    static func label(
        _ text: String, x: Double, y: Double, anchor: String = "middle", classes: String = "tick", width: Double? = nil, verbatim: Bool = false
    ) -> HTML {
        let position: HTML =
            "x=\"\(ChartScale.coordinate(x))\" y=\"\(ChartScale.coordinate(y))\" text-anchor=\"\(anchor)\"\(verbatim ? HTML(raw: " translate=\"no\"") : .empty)"
        guard let width else { return "<text class=\"\(classes)\" \(position)>\(text)</text>" }
        let fitted = ChartScale.fit(text, width: width, fontSize: fontSize)
        guard fitted.shortened else { return "<text class=\"\(classes)\" \(position)>\(text)</text>" }
        return "<text class=\"\(classes)\" \(position)><title>\(text)</title>\(fitted.shown)</text>"
    }

    /// Horizontal grid lines and labels for a value axis drawn up the left
    /// of a plot; the zero line is marked so negatives read as negatives.
    static func valueAxis(
        _ ticks: [Double], scale: ChartScale.Linear, left: Double, right: Double, format: ChartValueFormat, locale: UILocale
    )
        -> HTML
    {
        HTML.join(
            ticks.map { tick -> HTML in
                let y = ChartScale.coordinate(scale(tick))
                return """
                    <line class="grid\(tick == 0 ? " zero" : "")" x1="\(ChartScale.coordinate(left))" x2="\(ChartScale.coordinate(right))" y1="\(y)" y2="\(y)"/>\
                    \(label(format.axis(tick, locale), x: left - 6, y: scale(tick) + 4, anchor: "end"))
                    """
            })
    }

    /// The left margin that fits the widest value-axis label.
    static func axisMargin(_ ticks: [Double], format: ChartValueFormat, locale: UILocale) -> Double {
        (ticks.map { ChartScale.textWidth(format.axis($0, locale), fontSize: fontSize) }.max() ?? 0) + 12
    }

    /// The widest a category label may be before it is shortened: names
    /// longer than this (an account's, a pillar's) are cut with "…" and
    /// their whole text kept as the tooltip; dates and short words never are.
    static let categoryLabelMaximum = 96.0

    /// Category labels along the bottom: thinned to every k-th so that the
    /// labels kept never overlap at their full width (a daily axis of four
    /// weeks shows every fourth day, whole, rather than every day cut to
    /// "11…"); only labels wider than `categoryLabelMaximum` are shortened.
    /// A label at either end is moved inwards rather than cut off.
    static func categoryAxis(_ labels: [String], centres: [Double], band: Double, y: Double, verbatim: Bool = false) -> HTML {
        let gap = 6.0
        let widths = labels.map { Swift.min(ChartScale.textWidth($0, fontSize: fontSize), categoryLabelMaximum) }
        let kept = ChartScale.thinned(positions: centres, widths: widths, gap: gap)
        let step = kept.count > 1 ? centres[kept[1]] - centres[kept[0]] : Chart.width
        let room = Swift.min(Swift.max(step - gap, fontSize * 2), categoryLabelMaximum)
        return HTML.join(
            kept.map { index in
                let shown = Swift.min(widths[index], room)
                let centre = Swift.min(Swift.max(centres[index], shown / 2 + 2), Chart.width - shown / 2 - 2)
                return label(labels[index], x: centre, y: y, width: room, verbatim: verbatim)
            })
    }
}
