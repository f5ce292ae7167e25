import FanfareCore

/// Coded messages (validation problems, refusals) in the reader's language:
/// English from the code's own template, Chinese from `ChineseMessages`,
/// both filled with the same typed arguments. Nothing here reads English
/// back: pages never translate a sentence, they render a code.
extension CodedMessage {
    func text(_ locale: UILocale) -> String {
        switch locale {
        case .en: english
        case .zhHans: rendered(.zhHans) { ChineseMessages.templates[$0] ?? $0.english }
        }
    }
}

extension FieldIssue {
    /// The problem in the reader's language (the field is named elsewhere).
    func text(_ locale: UILocale) -> String { coded.text(locale) }
}

extension ScheduleWarning {
    func text(_ locale: UILocale) -> String { coded.text(locale) }
}

extension SlotWarning {
    func text(_ locale: UILocale) -> String { coded.text(locale) }
}

extension CadenceWarning {
    func text(_ locale: UILocale) -> String { coded.text(locale) }
}

extension RowError {
    func text(_ locale: UILocale) -> String { coded.text(locale) }
}
