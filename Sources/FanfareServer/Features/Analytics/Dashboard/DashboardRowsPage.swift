import FanfareCore
import Foundation

/// The rows behind a number (`/w/{ws}/analytics/rows`): a table in the
/// reader's language, the count of rows (and for events, unique fans
/// beside total events), paging, the CSV of all of them.
enum DashboardRowsPage {
    struct Model: Sendable {
        var title: String
        var errors: FormErrors
        var back: String
        var columns: [String]
        var rows: [[Cell]]
        /// "1,234 rows" / "1,234 events (total) from 987 fans (unique)".
        var countLine: String
        var explanation: String
        var previousHref: String?
        var nextHref: String?
        var csvHref: String?

        static func refused(_ errors: FormErrors, back: String) -> Model {
            Model(title: "", errors: errors, back: back, columns: [], rows: [], countLine: "", explanation: "")
        }
    }

    struct Cell: Sendable, Equatable {
        var text: String
        var href: String?
        var typed: Bool = false
        var numeric: Bool = false
    }

    static func t(_ key: String, _ locale: UILocale, _ args: String...) -> String { I18n.text(key, locale, args) }

    static func time(_ date: Date, zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// A stored cell as the reader sees it.
    static func cell(_ cell: DashboardRows.Cell, locale: UILocale, zone: TimeZone) -> Cell {
        switch cell {
        case .text(let text): return Cell(text: text)
        case .typed(let text): return Cell(text: text, typed: true)
        case .number(let value):
            return Cell(text: value.map { Formats.grouped(Int($0.rounded())) } ?? "—", numeric: true)
        case .fen(let value): return Cell(text: value.map { Formats.yuan($0 / 100) } ?? "—", numeric: true)
        case .day(let day): return Cell(text: Formats.day(day, locale))
        case .time(let date): return Cell(text: date.map { time($0, zone: zone) } ?? "—")
        case .platform(let code): return Cell(text: t("platform." + code, locale))
        case .code(let code): return Cell(text: t("analytics.value." + code, locale))
        case .link(let text, let href): return Cell(text: text, href: href, typed: true)
        case .codeLink(let code, let href): return Cell(text: t("analytics.value." + code, locale), href: href)
        }
    }

    /// A stored cell in the CSV: exact and plain (numbers without grouping, days as `YYYY-MM-DD`, times in RFC 3339).
    static func csvCell(_ cell: DashboardRows.Cell, locale: UILocale) -> String {
        switch cell {
        case .text(let text), .typed(let text): return text
        case .number(let value), .fen(let value): return CSVWriter.number(value)
        case .day(let day): return day
        case .time(let date): return date.map { ISO8601DateFormatter().string(from: $0) } ?? ""
        case .platform(let code): return code
        case .code(let code): return code.split(separator: ".", maxSplits: 1).last.map(String.init) ?? code
        case .link(let text, let href): return text.isEmpty ? href : text
        case .codeLink(_, let href): return href
        }
    }

    static func model(
        _ found: DashboardRows.Found, request: DashboardRequest, page: Int, base: String, canExport: Bool, locale: UILocale, zone: TimeZone
    ) -> Model {
        let items = [("metric", found.metric.rawValue)] + request.queryItems
        let pages = max(1, (found.total + DashboardRows.pageSize - 1) / DashboardRows.pageSize)
        let href = { (page: Int) in DashboardPage.link(base, "/rows", items + (page > 1 ? [("page", String(page))] : [])) }
        var countLine = t("analytics.rows_count", locale, Formats.grouped(found.total))
        if let unique = found.uniqueFans {
            countLine = t("analytics.rows_count_events", locale, Formats.grouped(found.total), Formats.grouped(unique))
        }
        return Model(
            title: t(
                "analytics.rows_heading", locale, t("analytics.kpi.\(found.metric.rawValue)", locale),
                DashboardPage.periodText(request.period, locale)),
            errors: FormErrors(), back: DashboardPage.link(base, "", request.queryItems),
            columns: found.columns.map { t("analytics.col.\($0)", locale) },
            rows: found.rows.map { $0.map { cell($0, locale: locale, zone: zone) } }, countLine: countLine,
            explanation: t("analytics.rows_explained.\(found.metric.kind.rawValue)", locale),
            previousHref: page > 1 ? href(page - 1) : nil, nextHref: page < pages ? href(page + 1) : nil,
            csvHref: canExport ? DashboardPage.link(base, "/rows.csv", items) : nil)
    }

    static func csv(_ found: DashboardRows.Found, locale: UILocale, zone: TimeZone) -> String {
        var writer = CSVWriter(header: found.columns)
        for row in found.rows { writer.append(row.map { csvCell($0, locale: locale) }) }
        return ExportName.withBOM(writer)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        if !model.errors.isEmpty {
            // The address was refused: say what in it, and where the rows open from (no form to mark here).
            let problems = model.errors.byField.sorted { $0.key < $1.key }.map { _, problem -> HTML in "<li>\(problem.text(ctx.locale))</li>" }
            return """
                <h1>\(ctx.t("analytics.rows_title"))</h1>
                <div class="flash flash-error" role="alert" id="rows-refused"><p>\(ctx.t("analytics.rows_refused"))</p><ul>\(problems)</ul></div>
                <p><a class="button" href="\(model.back)">\(ctx.t("analytics.back"))</a></p>
                """
        }
        let head = model.columns.map { c -> HTML in "<th>\(c)</th>" }
        let rows = model.rows.map { row -> HTML in
            let cells = row.map { cell -> HTML in
                let text: HTML = cell.href.map { "<a href=\"\($0)\">\(cell.text)</a>" } ?? "\(cell.text)"
                return "<td\(cell.numeric ? HTML(raw: " class=\"num\"") : .empty)\(cell.typed ? HTML(raw: " translate=\"no\"") : .empty)>\(text)</td>"
            }
            return "<tr>\(cells)</tr>"
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("analytics.rows_none"))</p>"
            : "<div class=\"table-scroll\"><table id=\"analytics-rows\"><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table></div>"
        let paging = HTML.join(
            [
                model.previousHref.map { "<a href=\"\($0)\" id=\"rows-previous\">\(ctx.t("analytics.previous_page"))</a>" },
                model.nextHref.map { "<a href=\"\($0)\" id=\"rows-next\">\(ctx.t("list.next"))</a>" },
            ].compactMap { $0 }, separator: " ")
        return """
            <h1>\(model.title)</h1>
            <p><a href="\(model.back)">\(ctx.t("analytics.back"))</a>\
            \(model.csvHref.map { h -> HTML in " <a class=\"button secondary\" id=\"rows-csv\" href=\"\(h)\">\(ctx.t("analytics.export_csv"))</a>" })</p>
            <p id="rows-count">\(model.countLine)</p>
            <p class="hint">\(model.explanation)</p>
            \(table)
            <p>\(paging)</p>
            """
    }
}
