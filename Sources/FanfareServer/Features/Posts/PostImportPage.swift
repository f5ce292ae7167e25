import FanfareCore
import Vapor

/// Importing drafts from CSV as model → view (nothing to read first):
/// the columns are shown as the literal names to type, every row's
/// problem in the reader's language, and what was pasted is kept.
enum PostImportPage {
    /// The columns of the CSV, in order; the first two are required.
    static let columns = ["title", "text", "accounts", "scheduled_at", "pillar", "format", "pool", "topic", "tags", "campaign"]

    struct Model: Sendable {
        struct Problem: Sendable, Equatable {
            var line: Int
            var column: String
            var message: String
        }
        var action: String
        var csv: String
        var problems: [Problem]
        var failed: Bool { !problems.isEmpty }
    }

    /// `base` is the workspace's path (`/w/{ws}`).
    static func model(csv: String, report: PostImportService.Report?, base: String, locale: UILocale) -> Model {
        Model(
            action: "\(base)/posts/import", csv: csv,
            problems: (report?.errors ?? []).map { Model.Problem(line: $0.line, column: $0.field, message: $0.text(locale)) })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let code = { (name: String) -> HTML in "<code translate=\"no\">\(name)</code>" }
        let problems: HTML =
            model.failed
            ? """
            <section class="card" id="import-errors"><h2>\(ctx.t("import.nothing_imported"))</h2>
            <div class="table-scroll"><table><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("import.field"))</th><th>\(ctx.t("import.problem"))</th></tr></thead>
            <tbody>\(model.problems.map { p -> HTML in "<tr><td>\(p.line)</td><td>\(code(p.column))</td><td>\(p.message)</td></tr>" })</tbody></table></div></section>
            """
            : .empty
        return """
            <h1>\(ctx.t("import.title"))</h1>
            <p>\(HTML.sentence(ctx.t("import.intro"), [code("text"), code("accounts"), code(";")]))</p>
            <pre class="paste" translate="no">\(Self.columns.joined(separator: ","))</pre>
            \(problems)
            <form method="post" action="\(model.action)" enctype="multipart/form-data" id="import-form" class="stack">\(ctx.csrfField)
            <label for="file">\(ctx.t("import.file"))</label><input type="file" id="file" name="file" accept=".csv,text/csv">
            <label for="csv">\(ctx.t("import.paste"))</label><textarea id="csv" name="csv" rows="10" translate="no">\(model.csv)</textarea>
            <button type="submit" class="primary">\(ctx.t("import.run"))</button></form>
            """
    }
}
