import FanfareCore
import Foundation

/// The fans area's values in the reader's language: tiers, stages, value
/// tiers, tier movements, privileges, level and badge names, actions and
/// the reasons of ledger lines. What the team named itself (a level or
/// badge renamed in the programme, a reason typed for an adjustment) is
/// kept as typed; Fanfare's own defaults and codes are translated.
enum FanWords {
    static func tier(_ raw: String, _ locale: UILocale) -> String { known("fans.tier.", raw, ActivityTier.allCases.map(\.rawValue), locale) }
    static func valueTier(_ raw: String, _ locale: UILocale) -> String { known("fans.value.", raw, ValueTier.allCases.map(\.rawValue), locale) }
    static func stage(_ raw: String, _ locale: UILocale) -> String { known("fans.stage.", raw, LifecycleStage.allCases.map(\.rawValue), locale) }
    static func privilege(_ raw: String, _ locale: UILocale) -> String { known("fans.privilege.", raw, LoyaltyPrivilege.known, locale) }
    static func action(_ raw: String, _ locale: UILocale) -> String { known("fans.action.", raw, LoyaltyAction.allCases.map(\.rawValue), locale) }

    /// How a tier colours its badge: core and active fans are good news, silent ones need reaching.
    static func tierTone(_ raw: String) -> Badge.Tone {
        switch ActivityTier(rawValue: raw) {
        case .core: .success
        case .active: .info
        case .potential: .neutral
        case .silent: .warning
        case nil: .neutral
        }
    }

    /// One side of a tier movement, in the words of its dimension.
    static func tierValue(dimension: String, _ raw: String, _ locale: UILocale) -> String {
        switch TierChange.Dimension(rawValue: dimension) {
        case .activity: tier(raw, locale)
        case .value: valueTier(raw, locale)
        case .stage: stage(raw, locale)
        case nil: raw
        }
    }

    static func dimension(_ raw: String, _ locale: UILocale) -> String {
        known("fans.dimension.", raw, TierChange.Dimension.allCases.map(\.rawValue), locale)
    }

    /// A level's name: the standard ladder's names are Fanfare's and are
    /// translated; a name the team chose is theirs.
    static func levelName(_ level: LoyaltyLevel, _ locale: UILocale) -> Wording {
        if let standard = LevelLadder.standard.levels.first(where: { $0.number == level.number }), standard.name == level.name {
            return .ours(I18n.text("fans.level_name.\(level.number)", locale))
        }
        return .typed(level.name)
    }

    /// "等级 2 常客" / "Level 2 Regular"; a level the ladder does not have is its number.
    static func level(_ number: Int, in ladder: LevelLadder, _ locale: UILocale) -> Wording {
        guard let level = ladder.levels.first(where: { $0.number == number }) else {
            return .ours(I18n.text("fans.level_number", locale, [String(number)]))
        }
        return .sentence("fans.level_named", locale, [.ours(String(number)), levelName(level, locale)])
    }

    /// A badge's name, translated when it is one of Fanfare's standard badges as shipped.
    static func badgeName(_ id: String, in rules: [BadgeRule], _ locale: UILocale) -> Wording {
        guard let rule = rules.first(where: { $0.id == id }) else { return .typed(id) }
        if FanProgramme.standardBadges.contains(where: { $0.id == rule.id && $0.name == rule.name }) {
            return .ours(I18n.text("fans.badge.\(rule.id)", locale))
        }
        return .typed(rule.name)
    }

    /// Why a ledger line exists, read from what wrote it: an action's
    /// points, a streak bonus, a quiz's correct answers, an activity's entry
    /// cost, a redemption and its refund; an adjustment's reason is the
    /// person's own words. Lines written before this reading existed show
    /// their stored reason as typed.
    static func ledgerReason(kind: String, action: String?, sourceKey: String, reason: String, _ locale: UILocale) -> Wording {
        if kind == LedgerKind.adjust.rawValue { return .typed(reason) }
        if let action, LoyaltyAction(rawValue: action) != nil, reason == action { return .ours(self.action(action, locale)) }
        if sourceKey.hasSuffix(":streak"), let days = reason.wholeMatch(of: /(\d+)-day streak/)?.1 {
            return .ours(I18n.text("fans.reason_text.streak", locale, [String(days)]))
        }
        if sourceKey.hasSuffix(":correct"), let correct = reason.wholeMatch(of: /(\d+) correct answer\(s\)/)?.1 {
            return .ours(I18n.text("fans.reason_text.correct", locale, [String(correct)]))
        }
        if sourceKey.hasSuffix(":cost"), reason.hasPrefix("entry to ") {
            return .sentence("fans.reason_text.entry_cost", locale, [.typed(String(reason.dropFirst("entry to ".count)))])
        }
        if sourceKey.hasPrefix("redeem:") {
            if sourceKey.hasSuffix(":refund"), reason.hasPrefix("Cancelled ") {
                return .sentence("fans.reason_text.refund", locale, [.typed(String(reason.dropFirst("Cancelled ".count)))])
            }
            if reason.hasPrefix("Redeemed ") {
                return .sentence("fans.reason_text.redeemed", locale, [.typed(String(reason.dropFirst("Redeemed ".count)))])
            }
        }
        return .typed(reason)
    }

    /// A fan's name as this reader may read it; an erased fan is named by Fanfare, not by the label left in place of their name.
    static func name(_ name: String, id: UUID, erased: Bool, viewer: FanViewer, _ locale: UILocale) -> Wording {
        erased ? .ours(I18n.text("fans.erased_name", locale, [String(id.uuidString.prefix(8)).lowercased()])) : .typed(viewer.name(name))
    }

    /// A merge's or a suggestion's reason.
    static func mergeReason(_ raw: String, _ locale: UILocale) -> String {
        known("fans.reason.", raw, FanMerges.Reason.allCases.map(\.rawValue), locale)
    }

    /// Keys built at run time from the vocabularies above.
    static var dynamicKeys: [String] {
        ActivityTier.allCases.map { "fans.tier.\($0.rawValue)" }
            + LoyaltyPrivilege.known.map { "fans.privilege.\($0)" }
            + LoyaltyAction.allCases.map { "fans.action.\($0.rawValue)" }
            + LevelLadder.standard.levels.map { "fans.level_name.\($0.number)" }
            + FanProgramme.standardBadges.map { "fans.badge.\($0.id)" }
    }

    private static func known(_ prefix: String, _ raw: String, _ vocabulary: [String], _ locale: UILocale) -> String {
        vocabulary.contains(raw) ? I18n.text(prefix + raw, locale) : raw
    }
}
