import FanfareCore
import Foundation

/// The library's words beyond single labels: why an asset may not be used,
/// in the reader's language, with days as the reader writes them.
enum LibraryVocabulary {
    /// `AssetRights.problem` in the reader's language; the licence's end and
    /// the publishing time as days of the workspace's time zone (`zone`).
    static func rightsProblem(_ problem: CodedMessage, _ locale: UILocale, in zone: TimeZone) -> String {
        switch problem.code {
        case .assetLicenceUnknown: return I18n.text("library.rights.unknown", locale)
        case .assetLicenceNoProof: return I18n.text("library.rights.no_proof", locale)
        case .assetNoSource: return I18n.text("library.rights.no_source", locale)
        case .assetLicenceEnds:
            if case .time(let end)? = problem.arguments["end"], case .time(let at)? = problem.arguments["at"] {
                return I18n.text("library.rights.expired", locale, [day(end, locale, zone), day(at, locale, zone)])
            }
        default: break
        }
        return problem.text(locale)
    }

    /// The same, from the English the review history stored.
    static func rightsProblem(english: String, _ locale: UILocale, in zone: TimeZone) -> String {
        if english.hasPrefix("The asset's licence is unknown") { return I18n.text("library.rights.unknown", locale) }
        if english.hasPrefix("The asset is licensed but no proof") { return I18n.text("library.rights.no_proof", locale) }
        if english.hasPrefix("The asset's source is not recorded") { return I18n.text("library.rights.no_source", locale) }
        if let match = english.wholeMatch(of: /The asset's licence ends on (\S+), not after the publish time (\S+); .+/),
            let end = APITime.parse(String(match.output.1)), let at = APITime.parse(String(match.output.2))
        {
            return I18n.text("library.rights.expired", locale, [day(end, locale, zone), day(at, locale, zone)])
        }
        return PostVocabulary.stored(english, locale)
    }

    static func day(_ date: Date, _ locale: UILocale, _ zone: TimeZone) -> String {
        Formats.day(CalendarDate(date, in: zone).description, locale)
    }
}
