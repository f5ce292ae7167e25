import FanfareCore
import Vapor

/// Form pieces every feature's pages share beyond `Layout`'s fields and
/// selects: text areas, checkboxes, and reading repeated and ticked fields.
enum Forms {
    /// What is in the box is the person's own text: kept out of translation.
    static func textarea(
        _ ctx: PageContext, name: String, label: String, value: String, errors: FormErrors, rows: Int = 4, required: Bool = true,
        hint: String? = nil
    ) -> HTML {
        let error = errors[name].map { $0.text(ctx.locale) }
        let describedBy = error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(HTML.escape(name))-error\"") : .empty
        return """
            <div class="field\(error != nil ? " has-error" : "")">
            <label for="\(name)">\(label)</label>
            <textarea id="\(name)" name="\(name)" rows="\(rows)" translate="no"\(required ? HTML(raw: " required") : .empty)\(describedBy)>\(value)</textarea>
            \(hint.map { h -> HTML in "<small class=\"hint\">\(h)</small>" })
            \(error.map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e)</small>" })
            </div>
            """
    }

    /// Checkboxes sharing `name`, one per option; `checked` holds the values ticked.
    static func checkboxes(
        _ ctx: PageContext, name: String, legend: String, options: [(value: String, label: String)], checked: Set<String>, errors: FormErrors
    ) -> HTML {
        let boxes = options.map { option -> HTML in
            """
            <label class="check"><input type="checkbox" id="\(name)-\(option.value)" name="\(name)" value="\(option.value)"\(checked.contains(option.value) ? HTML(raw: " checked") : .empty)> \(option.label)</label>
            """
        }
        return """
            <fieldset class="field checks\(errors[name] != nil ? " has-error" : "")" id="\(name)"><legend>\(legend)</legend>
            \(HTML.join(boxes, separator: " "))
            \(errors[name].map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e.text(ctx.locale))</small>" })
            </fieldset>
            """
    }

    /// One checkbox with its label; sent as `true` when ticked.
    static func checkbox(_ ctx: PageContext, name: String, label: String, checked: Bool, hint: String? = nil, errors: FormErrors) -> HTML {
        """
        <div class="field check\(errors[name] != nil ? " has-error" : "")">
        <label><input type="checkbox" id="\(name)" name="\(name)" value="true"\(checked ? HTML(raw: " checked") : .empty)> \(label)</label>
        \(hint.map { h -> HTML in "<small class=\"hint\">\(h)</small>" })
        \(errors[name].map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e.text(ctx.locale))</small>" })
        </div>
        """
    }

    /// `<option>`s of a select, `selected` marked.
    static func options(_ options: [(String, String)], _ selected: String) -> HTML {
        HTML.join(
            options.map { value, label -> HTML in
                "<option value=\"\(value)\"\(value == selected ? HTML(raw: " selected") : .empty)>\(label)</option>"
            })
    }

    /// A form's repeated field (`intents=question&intents=praise`) as a list.
    static func values(_ req: Request, _ key: String) -> [String] {
        ((try? req.content.get([String].self, at: key)) ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A ticked checkbox.
    static func isOn(_ req: Request, _ key: String) -> Bool {
        ["true", "on", "1"].contains(req.formValue(key))
    }

    /// "a, b，c、d" as ["a", "b", "c", "d"], by the one rule for typed lists (`ListText`).
    static func list(_ text: String) -> [String] {
        ListText.items(text)
    }
}

extension Forms {
    /// A select whose options may be what people typed or platforms
    /// supplied (names, titles, poll options): an option with a typed piece
    /// is kept out of translation; the page's own options are not.
    static func select(
        _ ctx: PageContext, name: String, label: Wording, options: [(value: String, label: Wording)], selected: String, errors: FormErrors,
        id: String? = nil, hint: String? = nil
    ) -> HTML {
        let opts = options.map { option -> HTML in
            let typed = option.label.typed.isEmpty ? HTML.empty : HTML(raw: " translate=\"no\"")
            return
                "<option value=\"\(option.value)\"\(option.value == selected ? HTML(raw: " selected") : .empty)\(typed)>\(option.label.description)</option>"
        }
        let fieldID = id ?? name
        let error = errors[name].map { $0.text(ctx.locale) }
        return """
            <div class="field\(error != nil ? " has-error" : "")">
            <label for="\(fieldID)">\(label.html)</label>
            <select id="\(fieldID)" name="\(name)"\(error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(HTML.escape(fieldID))-error\"") : .empty)>\(opts)</select>
            \(hint.map { h -> HTML in "<small class=\"hint\">\(h)</small>" })
            \(error.map { e -> HTML in "<small class=\"error\" id=\"\(fieldID)-error\">\(e)</small>" })
            </div>
            """
    }
}
