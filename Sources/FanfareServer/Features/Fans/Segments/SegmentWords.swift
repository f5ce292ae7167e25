import FanfareCore
import Foundation

/// A segment's rule in the reader's language ("活跃层级 等于 核心粉丝 且
/// 地区 等于 上海"), and the fields, operators and values the builder
/// accepts, named. Values the team typed (a region, a tag) stay as typed;
/// Fanfare's vocabularies (tiers, stages, bands, privileges, platforms) are
/// translated.
enum SegmentWords {
    static func field(_ name: String, _ locale: UILocale) -> String {
        SegmentRule.field(named: name) != nil ? I18n.text("segments.field.\(name)", locale) : name
    }

    static func help(_ name: String, _ locale: UILocale) -> String { I18n.text("segments.field_help.\(name)", locale) }

    static func op(_ raw: String, _ locale: UILocale) -> String {
        SegmentOperator(rawValue: raw) != nil ? I18n.text("segments.op.\(raw)", locale) : raw
    }

    static func type(_ type: SegmentFieldType, _ locale: UILocale) -> String { I18n.text("segments.type.\(type.rawValue)", locale) }

    /// One value of a field: a vocabulary's word, or the value as typed.
    static func value(_ field: String, _ raw: String, _ locale: UILocale) -> Wording {
        switch field {
        case "activity_tier": .ours(FanWords.tier(raw, locale))
        case "value_tier": .ours(FanWords.valueTier(raw, locale))
        case "stage": .ours(FanWords.stage(raw, locale))
        case "privileges": LoyaltyPrivilege.known.contains(raw) ? .ours(FanWords.privilege(raw, locale)) : .typed(raw)
        case "platform": PlatformRules.standard[raw] != nil ? .ours(I18n.text("platform.\(raw)", locale)) : .typed(raw)
        case "age_band", "gender", "consumption_level":
            SegmentRule.field(named: field)?.values?.contains(raw) == true ? .ours(I18n.text("segments.value.\(field).\(raw)", locale)) : .typed(raw)
        default: .typed(raw)
        }
    }

    /// The whole rule as one sentence.
    static func describe(_ rule: SegmentRule, _ locale: UILocale) -> Wording {
        var sentence = Sentence()
        describe(rule, into: &sentence, nested: false, locale)
        return sentence.wording
    }

    private static func describe(_ rule: SegmentRule, into sentence: inout Sentence, nested: Bool, _ locale: UILocale) {
        switch rule {
        case .all(let rules), .any(let rules):
            let isAll: Bool
            if case .all = rule { isAll = true } else { isAll = false }
            if rules.isEmpty {
                sentence.ours(I18n.text(isAll ? "segments.rule_everyone" : "segments.rule_nobody", locale))
                return
            }
            let wrap = nested && rules.count > 1
            if wrap { sentence.ours(I18n.text("segments.open", locale)) }
            for (index, child) in rules.enumerated() {
                if index > 0 { sentence.ours(I18n.text(isAll ? "segments.and" : "segments.or", locale)) }
                describe(child, into: &sentence, nested: true, locale)
            }
            if wrap { sentence.ours(I18n.text("segments.close", locale)) }
        case .not(let inner):
            sentence.ours(I18n.text("segments.not", locale))
            sentence.ours(I18n.text("segments.open", locale))
            describe(inner, into: &sentence, nested: false, locale)
            sentence.ours(I18n.text("segments.close", locale))
        case .condition(let condition):
            sentence.ours(field(condition.field, locale) + " " + op(condition.op, locale) + " ")
            values(condition.field, condition.value, into: &sentence, locale)
        }
    }

    private static func values(_ field: String, _ value: SegmentValue, into sentence: inout Sentence, _ locale: UILocale) {
        switch value {
        case .string(let text): sentence.append(Self.value(field, text, locale))
        case .number(let number): sentence.ours(number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number))
        case .bool(let flag): sentence.ours(I18n.text(flag ? "segments.yes" : "segments.no", locale))
        case .list(let items):
            for (index, item) in items.enumerated() {
                if index > 0 { sentence.ours(I18n.text("segments.list_separator", locale)) }
                values(field, item, into: &sentence, locale)
            }
        }
    }

    /// A sentence put together piece by piece.
    private struct Sentence {
        var wording = Wording(template: "", typed: [])

        mutating func ours(_ text: String) { wording.template += text.replacingOccurrences(of: "{", with: "{{") }

        mutating func append(_ piece: Wording) {
            if piece.typed.isEmpty {
                wording.template += piece.template
            } else {
                // A typed piece is the template "{0}": it takes the next number.
                wording.template += "{\(wording.typed.count)}"
                wording.typed += piece.typed
            }
        }
    }

    /// Keys built at run time from the Core's field list.
    static var dynamicKeys: [String] {
        SegmentRule.fields.flatMap { ["segments.field.\($0.name)", "segments.field_help.\($0.name)"] }
            + SegmentOperator.allCases.map { "segments.op.\($0.rawValue)" }
            + SegmentFieldType.allCases.map { "segments.type.\($0.rawValue)" }
            + ["age_band", "gender", "consumption_level"].flatMap { field in
                (SegmentRule.field(named: field)?.values ?? []).map { "segments.value.\(field).\($0)" }
            }
    }
}
