import FanfareCore
import Foundation

extension Chart {
    /// A tiny line for a KPI tile: no axes, no table (the tile's number and
    /// its link to the full chart carry the detail); its accessible name
    /// says what it is and reads the first, last, lowest and highest values.
    /// The shape fills the height (a tile shows the trend, not the scale).
    static func sparkline(
        _ values: [Double], label name: String, locale: UILocale, format: ChartValueFormat = .count, tone: ChartTone? = nil
    ) -> HTML {
        let shown = values.filter(\.isFinite)
        let boxWidth = 100.0
        let boxHeight = 24.0
        guard let first = shown.first, let last = shown.last, let low = shown.min(), let high = shown.max() else {
            let text = I18n.text("chart.sparkline_empty", locale, [name])
            return """
                <svg xmlns="http://www.w3.org/2000/svg" class="sparkline sparkline-empty" viewBox="0 0 100 24" role="img" aria-label="\(text)">\
                <title>\(text)</title><line class="baseline" x1="0" x2="100" y1="23" y2="23"/></svg>
                """
        }
        let text = I18n.text(
            "chart.sparkline", locale,
            [name, format.axis(first, locale), format.axis(last, locale), format.axis(low, locale), format.axis(high, locale)])
        let x = ChartScale.Linear(domain: (0, Double(Swift.max(shown.count - 1, 0))), range: (2, boxWidth - 2))
        let y = ChartScale.Linear(domain: (low, high), range: (boxHeight - 2, 2))
        let path = ChartScale.path(shown.enumerated().map { index, value in (x(Double(index)), y(value)) })
        let classes = tone?.rawValue ?? "s0"
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 100 24" role="img" aria-label="\(text)"><title>\(text)</title>\
            <path class="line \(classes)" d="\(path)"/>\
            <circle class="dot \(classes)" cx="\(ChartScale.coordinate(x(Double(shown.count - 1))))" cy="\(ChartScale.coordinate(y(last)))" r="2"/></svg>
            """
    }
}
