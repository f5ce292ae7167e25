import FanfareCore
import Foundation

/// The library's words beyond single labels: why an asset may not be used
/// (the Core's copyright-register sentences), in the reader's language.
enum LibraryVocabulary {
    /// `AssetRights.problem`'s sentence in the reader's language; dates as
    /// days of the workspace's time zone (`zone`). An unknown sentence goes through the
    /// shared table.
    static func rightsProblem(_ message: String, _ locale: UILocale, in zone: TimeZone) -> String {
        if message.hasPrefix("The asset's licence is unknown") { return I18n.text("library.rights.unknown", locale) }
        if message.hasPrefix("The asset is licensed but no proof") { return I18n.text("library.rights.no_proof", locale) }
        if message.hasPrefix("The asset's source is not recorded") { return I18n.text("library.rights.no_source", locale) }
        if let match = message.wholeMatch(of: /The asset's licence ends on (\S+), not after the publish time (\S+); .+/) {
            func day(_ text: Substring) -> String {
                guard let date = APITime.parse(String(text)) else { return String(text) }
                return CalendarVocabulary.day(CalendarDate(date, in: zone), locale)
            }
            return I18n.text("library.rights.expired", locale, [day(match.output.1), day(match.output.2)])
        }
        return FieldMessages.text(message, locale)
    }
}
