import FanfareCore
import Vapor

/// The review chain's section of `/w/{ws}/settings`: the steps in order,
/// each with its name, key, approver roles, required approvals and the
/// post formats that skip it; move up and down, add and remove; the
/// independent-approvers switch. A plain form: the arrows, "add" and
/// "remove" post it and the page comes back changed, unsaved, until
/// "Save review chain". Fields: `s0.name`, `s0.key`, `s0.automatic`,
/// `s0.role` and `s0.skip` (repeated), `s0.approvals`, `independent`.
enum ReviewChainEditor {
    enum Change: Equatable {
        case up(Int), down(Int), remove(Int), add, addAutomatic

        init?(_ action: String) {
            let parts = action.split(separator: ".")
            let index = parts.count == 2 ? Int(parts[1]) : nil
            switch (parts.first, index) {
            case ("up", let i?): self = .up(i)
            case ("down", let i?): self = .down(i)
            case ("remove", let i?): self = .remove(i)
            case ("add", nil): self = .add
            case ("add_automatic", nil): self = .addAutomatic
            default: return nil
            }
        }
    }

    struct Model: Sendable {
        var action: String
        var steps: [ReviewChainService.StepInput]
        var independent: Bool
        var errors: FormErrors
        /// Every problem as a line naming its step and field.
        var problems: [String]
    }

    /// The form as the saved chain shows it, names of Fanfare's own steps in the reader's language.
    static func input(_ chain: ReviewChain, _ locale: UILocale) -> ReviewChainService.Input {
        ReviewChainService.Input(
            steps: chain.steps.map {
                .init(
                    key: $0.key, name: PostVocabulary.stepName(key: $0.key, name: $0.name, locale).text,
                    approvers: $0.approvers.sorted().map(\.rawValue),
                    automatic: $0.automatic, requiredApprovals: $0.requiredApprovals, skipFor: $0.skipFor.sorted())
            }, independentApprovers: chain.independentApprovers)
    }

    /// The steps as posted, in their numbers' order.
    static func read(_ pairs: [(String, String)]) -> (ReviewChainService.Input, approvalsTyped: [Int: String]) {
        var steps: [Int: ReviewChainService.StepInput] = [:]
        var typed: [Int: String] = [:]
        var independent = false
        for (key, value) in pairs {
            if key == "independent" {
                independent = ["true", "on", "1"].contains(value)
                continue
            }
            let parts = key.split(separator: ".").map(String.init)
            guard parts.count == 2, parts[0].hasPrefix("s"), let i = Int(parts[0].dropFirst()), (0..<50).contains(i) else { continue }
            var step = steps[i] ?? .init(key: "", name: "", approvers: [], automatic: false, requiredApprovals: 1, skipFor: [])
            switch parts[1] {
            case "name": step.name = value
            case "key": step.key = value
            case "automatic": step.automatic = value == "true"
            case "role": step.approvers = (step.approvers ?? []) + [value]
            case "skip": step.skipFor = (step.skipFor ?? []) + [value]
            case "approvals":
                typed[i] = value
                step.requiredApprovals = Int(value.trimmingCharacters(in: .whitespaces)) ?? 0
            default: continue
            }
            steps[i] = step
        }
        let ordered = steps.keys.sorted()
        let input = ReviewChainService.Input(steps: ordered.map { steps[$0]! }, independentApprovers: independent)
        return (input, Dictionary(uniqueKeysWithValues: ordered.enumerated().compactMap { n, i in typed[i].map { (n, $0) } }))
    }

    static func apply(_ change: Change, to steps: inout [ReviewChainService.StepInput]) {
        switch change {
        case .up(let i) where i > 0 && i < steps.count: steps.swapAt(i, i - 1)
        case .down(let i) where i >= 0 && i + 1 < steps.count: steps.swapAt(i, i + 1)
        case .remove(let i) where steps.indices.contains(i): steps.remove(at: i)
        case .add where steps.count < ReviewChain.maxSteps:
            steps.append(.init(key: "", name: "", approvers: [], automatic: false, requiredApprovals: 1, skipFor: []))
        case .addAutomatic where !steps.contains(where: { $0.automatic == true }):
            steps.insert(.init(key: "automatic", name: "", approvers: [], automatic: true, requiredApprovals: 1, skipFor: []), at: 0)
        default: break
        }
    }

    /// "第 2 步「法务审核」· 审核角色" for `steps[1].approvers`.
    static func place(_ path: String, steps: [ReviewChainService.StepInput], _ locale: UILocale) -> String {
        guard let match = path.wholeMatch(of: /steps\[(\d+)\](?:\.(\w+))?/), let index = Int(match.output.1) else {
            return I18n.text("chain.steps", locale)
        }
        let name = steps.indices.contains(index) ? (steps[index].name ?? "").trimmingCharacters(in: .whitespaces) : ""
        var text = I18n.text(name.isEmpty ? "chain.place_step" : "chain.place_step_named", locale, [String(index + 1), name])
        if let part = match.output.2 {
            let known = ["name", "key", "approvers", "requiredApprovals", "skipFor", "automatic"]
            text += " · " + (known.contains(String(part)) ? I18n.text("chain.part.\(part)", locale) : String(part))
        }
        return text
    }

    static func lines(_ errors: ValidationErrors, steps: [ReviewChainService.StepInput], _ locale: UILocale) -> [String] {
        errors.issues.map { place($0.field, steps: steps, locale) + I18n.text("chain.place_separator", locale) + $0.coded.text(locale) }
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let roles = Role.allCases.map { ($0.rawValue, ctx.t("role." + $0.rawValue)) }
        let formats = ContentFormat.allCases.map { ($0.rawValue, ctx.t("format." + $0.rawValue)) }
        let count = model.steps.count
        let steps = model.steps.enumerated().map { i, step -> HTML in
            let p = "s\(i)"
            let path = "steps[\(i)]"
            let automatic = step.automatic == true
            func error(_ part: String) -> HTML? {
                model.errors["\(path).\(part)"].map { e -> HTML in
                    "<small class=\"error\" id=\"\(p)-\(part)-error\">\(place("\(path).\(part)", steps: model.steps, ctx.locale) + ctx.t("chain.place_separator") + e.text(ctx.locale))</small>"
                }
            }
            func boxes(_ name: String, _ options: [(String, String)], _ checked: [String]) -> HTML {
                HTML.join(
                    options.map { value, label -> HTML in
                        "<label class=\"check\"><input type=\"checkbox\" name=\"\(p).\(name)\" value=\"\(value)\"\(checked.contains(value) ? HTML(raw: " checked") : .empty)> \(label)</label>"
                    }, separator: " ")
            }
            let moves: HTML = """
                <p class="step-actions">\
                \(i > 0 ? HTML("<button type=\"submit\" name=\"action\" value=\"up.\(i)\" formnovalidate aria-label=\"\(ctx.t("chain.move_up_named", String(i + 1)))\">↑ \(ctx.t("chain.move_up"))</button> ") : .empty)\
                \(i + 1 < count ? HTML("<button type=\"submit\" name=\"action\" value=\"down.\(i)\" formnovalidate aria-label=\"\(ctx.t("chain.move_down_named", String(i + 1)))\">↓ \(ctx.t("chain.move_down"))</button> ") : .empty)\
                <button type="submit" name="action" value="remove.\(i)" class="link danger" formnovalidate>\(ctx.t("chain.remove"))</button></p>
                """
            let human: HTML =
                automatic
                ? "<p class=\"hint\">\(ctx.t("chain.automatic_hint"))</p>"
                : """
                <fieldset class="field checks"><legend>\(ctx.t("chain.part.approvers"))</legend>\(boxes("role", roles, step.approvers ?? []))\(error("approvers"))</fieldset>
                <div class="field"><label for="\(p)-approvals">\(ctx.t("chain.part.requiredApprovals"))</label>\
                <input type="number" id="\(p)-approvals" name="\(p).approvals" min="1" max="\(ReviewChain.maxApprovals)" step="1" \
                value="\(step.requiredApprovals.map { String($0) } ?? "1")"\(model.errors["\(path).requiredApprovals"] != nil ? HTML(raw: " aria-invalid=\"true\"") : .empty)>\
                <small class="hint">\(ctx.t("chain.approvals_hint"))</small>\(error("requiredApprovals"))</div>
                <fieldset class="field checks"><legend>\(ctx.t("chain.part.skipFor"))</legend>\(boxes("skip", formats, step.skipFor ?? []))\
                <small class="hint">\(ctx.t("chain.skip_hint"))</small>\(error("skipFor"))</fieldset>
                """
            return """
                <li class="chain-step card" data-step="\(i)">
                <h3>\(ctx.t("chain.place_step", String(i + 1)))\(automatic ? HTML(" · \(ctx.t("review.automatic"))") : .empty)</h3>
                \(automatic ? HTML("<input type=\"hidden\" name=\"\(p).automatic\" value=\"true\">") : .empty)
                <div class="chain-names">
                <div class="field"><label for="\(p)-name">\(ctx.t("chain.part.name"))</label>\
                <input type="text" id="\(p)-name" name="\(p).name" value="\(step.name ?? "")" maxlength="60" translate="no"\(model.errors["\(path).name"] != nil ? HTML(raw: " aria-invalid=\"true\"") : .empty)>\(error("name"))</div>
                <div class="field"><label for="\(p)-key">\(ctx.t("chain.part.key"))</label>\
                <input type="text" id="\(p)-key" name="\(p).key" value="\(step.key ?? "")" maxlength="40" translate="no" spellcheck="false">\
                <small class="hint">\(ctx.t("chain.key_hint"))</small>\(error("key"))</div>
                </div>
                \(error("automatic"))
                \(human)
                \(moves)
                </li>
                """
        }
        let stepsError = model.errors["steps"].map { e -> HTML in "<p class=\"error\">\(e.text(ctx.locale))</p>" }
        let problems: HTML =
            model.problems.isEmpty
            ? .empty
            : "<ul class=\"error\" id=\"chain-problems\" role=\"alert\">\(model.problems.map { line -> HTML in "<li>\(line)</li>" })</ul>"
        let hasAutomatic = model.steps.contains { $0.automatic == true }
        return """
            <section class="card" id="review-chain"><h2>\(ctx.t("chain.title"))</h2>
            <p class="hint">\(ctx.t("chain.intro"))</p>
            \(problems)
            <form method="post" action="\(model.action)" id="review-chain-form">\(ctx.csrfField)
            <ol class="chain-steps">\(steps)</ol>
            \(stepsError)
            <p><button type="submit" name="action" value="add" id="add-step" formnovalidate>\(ctx.t("chain.add"))</button>\
            \(hasAutomatic ? HTML.empty : HTML(" <button type=\"submit\" name=\"action\" value=\"add_automatic\" formnovalidate>\(ctx.t("chain.add_automatic"))</button>"))</p>
            <div class="field check"><label><input type="checkbox" name="independent" value="true" id="independent"\(model.independent ? HTML(raw: " checked") : .empty)> \(ctx.t("chain.independent"))</label>
            <small class="hint">\(ctx.t("chain.independent_hint"))</small></div>
            <p><button type="submit" name="action" value="save" class="primary" id="save-chain">\(ctx.t("chain.save"))</button></p>
            </form></section>
            """
    }
}
