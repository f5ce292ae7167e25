import FanfareCore
import Foundation

/// The calendar's words: days as people write them (12月5日 周六 / Sat 5
/// Dec) and the Core's schedule warnings told in the reader's language,
/// naming the posts they are about. The post page uses the same sentences
/// for the warnings that involve its post.
enum CalendarVocabulary {
    /// One post a warning names.
    struct Named: Sendable, Equatable {
        var postID: String
        var title: String
        var platform: String
        var handle: String
        var at: Date
    }

    /// A warning as the reader reads it: a sentence in their language whose
    /// `{0}`… are typed pieces (handles), and the posts it is about.
    struct Warning: Sendable, Equatable {
        var code: String
        /// `error` or `warning`.
        var level: String
        var sentence: String
        var typed: [String] = []
        var posts: [Named] = []
    }

    /// `12月5日 周六` or `Sat 5 Dec`; with the year when it is not `thisYear`.
    static func day(_ date: CalendarDate, _ locale: UILocale, thisYear: Int? = nil) -> String {
        let weekday = I18n.text("weekday.\(isoWeekday(date))", locale)
        let withYear = thisYear.map { $0 != date.year } ?? false
        switch locale {
        case .zhHans:
            return (withYear ? "\(date.year)年" : "") + "\(date.month)月\(date.day)日 \(weekday)"
        case .en:
            let month = I18n.text("month.\(date.month)", locale)
            return "\(weekday) \(date.day) \(month)" + (withYear ? " \(date.year)" : "")
        }
    }

    /// `12月5日` or `5 Dec`, for ranges.
    static func shortDay(_ date: CalendarDate, _ locale: UILocale) -> String {
        switch locale {
        case .zhHans: "\(date.month)月\(date.day)日"
        case .en: "\(date.day) \(I18n.text("month.\(date.month)", locale))"
        }
    }

    /// 1 = Monday … 7 = Sunday.
    static func isoWeekday(_ date: CalendarDate) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let instant = date.start(in: .gmt)
        let sundayFirst = calendar.component(.weekday, from: instant)
        return sundayFirst == 1 ? 7 : sundayFirst - 1
    }

    /// A schedule warning with the posts behind its entries (`named` by
    /// variant id).
    static func warning(_ warning: ScheduleWarning, named: [String: Named], _ locale: UILocale) -> Warning {
        let posts = warning.entryIDs.compactMap { named[$0] }
        let sentence: String
        switch warning.code {
        case "account.too_close":
            let minutes = posts.count == 2 ? Int(abs(posts[1].at.timeIntervalSince(posts[0].at)) / 60) : 0
            sentence = I18n.text("calendar.warning.too_close", locale, [String(minutes), String(Int(ScheduleWarnings.minimumGap / 60))])
        case "text.duplicate_same_account":
            sentence = I18n.text("calendar.warning.duplicate_same_account", locale, [String(warning.entryIDs.count)])
        case "text.duplicate_across_accounts":
            sentence = I18n.text("calendar.warning.duplicate_across_accounts", locale, [String(Set(posts.map(\.handle)).count)])
        default:
            sentence = PostVocabulary.namingPlatforms(warning.text(locale), locale)
        }
        return Warning(code: warning.code, level: warning.level.rawValue, sentence: sentence, posts: posts)
    }

    /// A day's slot warning for one account (`handle`, typed).
    static func slotWarning(_ warning: SlotWarning, handle: String?, _ locale: UILocale) -> Warning {
        let keys = ["slots.over_capacity": "calendar.warning.over_capacity", "slots.reserve_used": "calendar.warning.reserve_used"]
        guard let key = keys[warning.code] else {
            return Warning(code: warning.code, level: "warning", sentence: warning.text(locale))
        }
        // `{0}` stays for the handle, which the page keeps out of translation.
        let sentence = I18n.text(key, locale, ["{0}", day(warning.day, locale), String(warning.booked), String(warning.limit)])
        return Warning(code: warning.code, level: "warning", sentence: sentence, typed: ["@" + (handle ?? "?")])
    }
}
