import FanfareCore
import Vapor

/// The segment builder as an HTML form: rows of (field, operator, value)
/// in groups, posted as plain fields (`join`, `g0.join`, `g0.r1.field`,
/// `g0.r1.op`, `g0.r1.value`, `g0.r1.upper`, `g0.r1.choice` repeated) so it
/// works without JavaScript; `segments.js` adds rows and groups in place,
/// fits the operator and value to the field and counts as the rule changes.
/// Without it, the add and remove buttons post the form and the page comes
/// back with the change.
enum SegmentBuilderForm {
    /// A change to the builder's shape asked for by a button.
    enum Change: Equatable {
        case addRow(group: Int)
        case removeRow(group: Int, row: Int)
        case addGroup
        case removeGroup(Int)

        /// `add_row.0`, `remove_row.0.1`, `add_group`, `remove_group.1`.
        init?(_ action: String) {
            let parts = action.split(separator: ".").map(String.init)
            let numbers = parts.dropFirst().compactMap { Int($0) }
            guard numbers.count == parts.count - 1 else { return nil }
            switch (parts.first, numbers.count) {
            case ("add_row", 1): self = .addRow(group: numbers[0])
            case ("remove_row", 2): self = .removeRow(group: numbers[0], row: numbers[1])
            case ("add_group", 0): self = .addGroup
            case ("remove_group", 1): self = .removeGroup(numbers[0])
            default: return nil
            }
        }
    }

    /// Whether the form holds a builder (rather than the JSON box).
    static func isPresent(_ pairs: [(String, String)]) -> Bool { pairs.contains { $0.0.hasPrefix("g0.") || $0.0 == "join" } }

    /// The builder as posted: groups and rows in the order of their
    /// numbers (gaps left by rows removed in the page close up).
    static func read(_ pairs: [(String, String)]) -> SegmentBuilder {
        var join = SegmentBuilder.Join.all
        var groupJoins: [Int: SegmentBuilder.Join] = [:]
        var rows: [Int: [Int: SegmentBuilder.Row]] = [:]
        for (key, value) in pairs {
            if key == "join" {
                join = SegmentBuilder.Join(rawValue: value) ?? .all
                continue
            }
            let parts = key.split(separator: ".").map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix("g"), let g = Int(parts[0].dropFirst()), (0..<100).contains(g) else { continue }
            if parts.count == 2, parts[1] == "join" {
                groupJoins[g] = SegmentBuilder.Join(rawValue: value) ?? .all
                continue
            }
            guard parts.count == 3, parts[1].hasPrefix("r"), let r = Int(parts[1].dropFirst()), (0..<100).contains(r) else { continue }
            var row = rows[g]?[r] ?? SegmentBuilder.Row(field: "", op: "")
            switch parts[2] {
            case "field": row.field = value
            case "op": row.op = value
            case "value": row.text = value
            case "upper": row.upper = value
            case "choice": row.choices.append(value)
            default: continue
            }
            rows[g, default: [:]][r] = row
        }
        let numbers = Set(rows.keys).union(groupJoins.keys).sorted()
        let groups = numbers.map { g in
            SegmentBuilder.Group(join: groupJoins[g] ?? .all, rows: (rows[g] ?? [:]).sorted { $0.key < $1.key }.map(\.value))
        }
        return SegmentBuilder(join: join, groups: groups)
    }

    static func apply(_ change: Change, to builder: inout SegmentBuilder) {
        switch change {
        case .addRow(let g) where builder.groups.indices.contains(g):
            if builder.groups[g].rows.count < SegmentBuilder.maxRows { builder.groups[g].rows.append(.blank) }
        case .removeRow(let g, let r) where builder.groups.indices.contains(g) && builder.groups[g].rows.indices.contains(r):
            builder.groups[g].rows.remove(at: r)
            if builder.groups[g].rows.isEmpty { builder.groups.remove(at: g) }
        case .addGroup:
            if builder.groups.count < SegmentBuilder.maxGroups { builder.groups.append(SegmentBuilder.Group()) }
        case .removeGroup(let g) where builder.groups.indices.contains(g):
            builder.groups.remove(at: g)
        default: break
        }
        if builder.groups.isEmpty { builder.groups = [SegmentBuilder.Group()] }
    }

    // MARK: Problems by place

    /// "第 1 组第 2 条 · 值" / "Group 1, row 2 · value" for `group[0].row[1].value`.
    static func place(_ path: String, _ locale: UILocale) -> String {
        let numbers = path.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let part = path.split(separator: ".").last.map(String.init) ?? ""
        switch numbers.count {
        case 2:
            let what = ["field", "op", "value", "upper"].contains(part) ? I18n.text("segments.part.\(part)", locale) : ""
            return I18n.text("segments.place_row", locale, [String(numbers[0] + 1), String(numbers[1] + 1)]) + (what.isEmpty ? "" : " · " + what)
        case 1: return I18n.text("segments.place_group", locale, [String(numbers[0] + 1)])
        default: return I18n.text("segments.place_rule", locale)
        }
    }

    /// Every problem as one line naming its place, in the reader's language.
    static func lines(_ errors: ValidationErrors, _ locale: UILocale) -> [(field: String, text: String)] {
        errors.issues.map { ($0.field, place($0.field, locale) + I18n.text("segments.place_separator", locale) + $0.coded.text(locale)) }
    }

    // MARK: The form

    /// The fields the builder offers, with their operators and choices, in
    /// the reader's language: drawn into the rows and given to `segments.js`.
    struct FieldChoice: Sendable, Encodable {
        var name: String
        var label: String
        var type: String
        var ops: [Option]
        var choices: [Option]?
        var list: [String]
        var hint: String

        struct Option: Sendable, Encodable {
            var code: String
            var label: String
        }
    }

    static func fields(_ locale: UILocale) -> [FieldChoice] {
        SegmentRule.fields.map { field in
            FieldChoice(
                name: field.name, label: SegmentWords.field(field.name, locale), type: field.type.rawValue,
                ops: field.operators.map { .init(code: $0.rawValue, label: SegmentWords.op($0.rawValue, locale)) },
                choices: SegmentBuilder.choices(for: field).map { $0.map { .init(code: $0, label: choiceLabel(field.name, $0, locale)) } },
                list: field.operators.filter(SegmentBuilder.takesList).map(\.rawValue), hint: valueHint(field, locale))
        }
    }

    static func choiceLabel(_ field: String, _ value: String, _ locale: UILocale) -> String {
        if SegmentRule.field(named: field)?.type == .boolean { return I18n.text(value == "true" ? "segments.yes" : "segments.no", locale) }
        return SegmentWords.value(field, value, locale).description
    }

    static func valueHint(_ field: SegmentField, _ locale: UILocale) -> String {
        switch field.type {
        case .number: I18n.text("segments.value_hint_number", locale)
        default: I18n.text("segments.value_hint_text", locale)
        }
    }

    static func html(_ builder: SegmentBuilder, errors: FormErrors, _ ctx: PageContext) -> HTML {
        let fields = fields(ctx.locale)
        let joins = SegmentBuilder.Join.allCases.map { ($0.rawValue, ctx.t("segments.join.\($0.rawValue)")) }
        let groups = builder.groups.enumerated().map { g, group -> HTML in
            let rows = group.rows.enumerated().map { r, row in rowHTML(row, g: g, r: r, fields: fields, errors: errors, ctx) }
            let groupError = errors["group[\(g)]"].map { e -> HTML in
                "<small class=\"error\">\(place("group[\(g)]", ctx.locale) + ctx.t("segments.place_separator") + e.text(ctx.locale))</small>"
            }
            return """
                <fieldset class="segment-group" data-group="\(g)"><legend>\(ctx.t("segments.group", String(g + 1)))</legend>
                <label class="join">\(ctx.t("segments.rows_joined"))
                <select name="g\(g).join" class="group-join">\(Forms.options(joins, group.join.rawValue))</select></label>
                \(groupError)
                <ol class="segment-rows">\(rows)</ol>
                <p class="group-actions"><button type="submit" name="action" value="add_row.\(g)" class="add-row" formnovalidate>\(ctx.t("segments.add_row"))</button>
                <button type="submit" name="action" value="remove_group.\(g)" class="remove-group link danger" formnovalidate>\(ctx.t("segments.remove_group"))</button></p>
                </fieldset>
                """
        }
        let ruleError = errors["rule"].map { e -> HTML in "<small class=\"error\" id=\"rule-error\">\(e.text(ctx.locale))</small>" }
        return """
            <div class="segment-builder" id="segment-rows" data-group-label="\(ctx.t("segments.group", "{0}"))" data-pick="\(ctx.t("segments.pick"))" \
            data-list-hint="\(ctx.t("segments.value_hint_list"))" data-between-and="\(ctx.t("segments.between_and"))" \
            data-value-label="\(ctx.t("segments.part.value"))" data-upper-label="\(ctx.t("segments.part.upper"))" \
            data-remove-row-label="\(ctx.t("segments.remove_row_named", "{0}", "{1}"))">
            <script type="application/json" id="segment-fields">\(HTML(raw: jsonForScript(fields)))</script>
            <label class="join" id="groups-join">\(ctx.t("segments.groups_joined"))
            <select name="join" id="join">\(Forms.options(joins, builder.join.rawValue))</select></label>
            \(groups)
            \(ruleError)
            <p><button type="submit" name="action" value="add_group" id="add-group" formnovalidate>\(ctx.t("segments.add_group"))</button></p>
            </div>
            """
    }

    private static func rowHTML(
        _ row: SegmentBuilder.Row, g: Int, r: Int, fields: [FieldChoice], errors: FormErrors, _ ctx: PageContext
    ) -> HTML {
        let prefix = "g\(g).r\(r)"
        let path = "group[\(g)].row[\(r)]"
        let field = fields.first { $0.name == row.field } ?? fields[0]
        let fieldOptions = fields.map { ($0.name, $0.label) }
        let opOptions = field.ops.map { ($0.code, $0.label) }
        let op = SegmentOperator(rawValue: row.op)
        let isList = op.map(SegmentBuilder.takesList) ?? false
        let isBetween = op == .between
        let problems = ["field", "op", "value", "upper"].compactMap { part -> HTML? in
            errors["\(path).\(part)"].map {
                "<small class=\"error\" data-part=\"\(part)\">\(place("\(path).\(part)", ctx.locale) + ctx.t("segments.place_separator") + $0.text(ctx.locale))</small>"
            }
        }
        let invalid = { (part: String) -> HTML in errors["\(path).\(part)"] != nil ? HTML(raw: " aria-invalid=\"true\"") : .empty }
        let value: HTML
        if let choices = field.choices {
            let picked = Set(row.choices.isEmpty ? ListText.items(row.text) : row.choices)
            // A saved value outside the list (a platform added later) stays choosable.
            let all = choices.map { ($0.code, $0.label) } + picked.subtracting(choices.map(\.code)).sorted().map { ($0, $0) }
            let options = all.map { code, label -> HTML in
                "<option value=\"\(code)\"\(picked.contains(code) ? HTML(raw: " selected") : .empty)>\(label)</option>"
            }
            value = """
                <select name="\(prefix).choice" class="row-choice" aria-label="\(ctx.t("segments.part.value"))"\(isList ? HTML(raw: " multiple size=\"4\"") : .empty)\(invalid("value"))>\
                \(isList ? HTML.empty : HTML("<option value=\"\">\(ctx.t("segments.pick"))</option>"))\(options)</select>
                """
        } else {
            let type = field.type == "number" && !isList ? "number" : "text"
            value = """
                <input type="\(type)" name="\(prefix).value" class="row-value" value="\(row.text)" aria-label="\(ctx.t("segments.part.value"))"\
                 placeholder="\(isList ? ctx.t("segments.value_hint_list") : field.hint)"\(type == "number" ? HTML(raw: " step=\"any\"") : .empty)\(invalid("value"))>\
                \(isBetween ? HTML("<span class=\"between-and\">\(ctx.t("segments.between_and"))</span><input type=\"number\" step=\"any\" name=\"\(prefix).upper\" class=\"row-upper\" value=\"\(row.upper)\" aria-label=\"\(ctx.t("segments.part.upper"))\"\(invalid("upper"))>") : .empty)
                """
        }
        return """
            <li class="segment-row-edit\(problems.isEmpty ? "" : " has-error")" data-row="\(r)">
            <select name="\(prefix).field" class="row-field" aria-label="\(ctx.t("segments.part.field"))"\(invalid("field"))>\(Forms.options(fieldOptions, field.name))</select>
            <select name="\(prefix).op" class="row-op" aria-label="\(ctx.t("segments.part.op"))"\(invalid("op"))>\(Forms.options(opOptions, row.op))</select>
            <span class="row-value-box">\(value)</span>
            <button type="submit" name="action" value="remove_row.\(g).\(r)" class="remove-row link danger" formnovalidate aria-label="\(ctx.t("segments.remove_row_named", String(g + 1), String(r + 1)))">\(ctx.t("segments.remove_row"))</button>
            \(problems)
            </li>
            """
    }

    /// JSON inside `<script type="application/json">`: `<` escaped so no
    /// text can close the element.
    static func jsonForScript(_ value: some Encodable) -> String {
        let data = (try? JSONEncoder.sortedKeys.encode(value)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}

extension Request {
    /// The urlencoded body as (name, value) pairs in order, repeated names
    /// kept: the segment builder's and the review chain's numbered fields,
    /// which Vapor's decoder would read as nested keys.
    func formPairs() -> [(String, String)] {
        guard let body = body.string else { return [] }
        return body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? { String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }
}
