import Foundation

/// How personal data reads for a member whose role does not need it
/// (`fans.personal_data`): enough to tell two fans apart in a list, not
/// enough to find the person on the platform.
public enum PersonalDataMask {
    /// "小雨同学" → "小***", "Mia Chen" → "M***"; empty stays empty.
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return "\(first)***"
    }

    /// A platform's id of the person: the first two characters kept
    /// ("@mia@example.social" → "@m***"), a shorter id fully hidden.
    public static func handle(_ handle: String) -> String {
        handle.count > 2 ? "\(handle.prefix(2))***" : "***"
    }
}
