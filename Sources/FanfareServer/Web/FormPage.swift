import Foundation

/// The two forms the data pages (links, competitors, reports, fan
/// analytics) draw, made one way: a filter bar that reads the page again
/// with other choices, and a form under its own heading that changes
/// something. The fields are `Layout`'s and `Forms`' pieces; this helper
/// writes what goes around them, so every such form has the same markup,
/// classes, error summary and CSRF field.
enum FormPage {
    /// A filter bar: GET to `action` (the page itself when nil), the fields
    /// in a row (`filters`, one under another on a phone), one button.
    static func filters(id: String, action: String? = nil, fields: [HTML], submit: String) -> HTML {
        let target: HTML = action.map { " action=\"\($0)\"" } ?? .empty
        return """
            <form method="get"\(target) class="filters" id="\(id)">
            \(HTML.join(fields, separator: "\n"))
            <button type="submit">\(submit)</button>
            </form>
            """
    }

    /// A form that changes something: its heading, the error summary when
    /// the last try was refused, then a POST to `action` with the CSRF
    /// field, the fields one under another (`stack`) and one button.
    static func post(
        _ ctx: PageContext, id: String, heading: String, action: String, errors: FormErrors, fields: [HTML], submit: String
    ) -> HTML {
        """
        <h2>\(heading)</h2>
        \(Layout.errorSummary(ctx, errors))
        <form method="post" action="\(action)" id="\(id)" class="stack">\(ctx.csrfField)
        \(HTML.join(fields, separator: "\n"))
        <button type="submit">\(submit)</button>
        </form>
        """
    }
}
