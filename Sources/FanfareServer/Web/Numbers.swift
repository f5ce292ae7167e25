import FanfareCore
import Foundation

/// Counts as people read them (UI.md): Chinese pages group by 万 and 亿
/// (12,345 → 1.2万), English pages by K and M (12.3K); below ten thousand
/// the number is written in full with a thousands separator. The exact
/// value goes in a title or an export.
enum Numbers {
    static func compact(_ value: Int, _ locale: UILocale) -> String {
        let magnitude = abs(value)
        let sign = value < 0 ? "-" : ""
        func short(_ scaled: Double, _ unit: String, decimals: Int) -> String {
            var text = String(format: "%.\(decimals)f", scaled)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return sign + text + unit
        }
        switch locale {
        case .zhHans:
            if magnitude >= 100_000_000 { return short(Double(magnitude) / 100_000_000, "亿", decimals: 2) }
            if magnitude >= 10_000 { return short(Double(magnitude) / 10_000, "万", decimals: 1) }
        case .en:
            if magnitude >= 1_000_000 { return short(Double(magnitude) / 1_000_000, "M", decimals: 1) }
            if magnitude >= 10_000 { return short(Double(magnitude) / 1_000, "K", decimals: 1) }
        }
        return full(value)
    }

    /// 12,345 in either language.
    static func full(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}
