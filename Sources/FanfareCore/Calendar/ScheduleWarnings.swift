import Foundation

/// One scheduled post as the calendar checks see it.
public struct ScheduleEntry: Sendable, Equatable, Codable {
    public var id: String
    public var accountID: String
    public var at: Date
    public var text: String
    /// The content item the post is a variant of. The same text going to
    /// several accounts from one content item is the point of cross-posting
    /// and is not flagged; nil means unknown, and is treated as its own item.
    public var contentID: String?

    public init(id: String, accountID: String, at: Date, text: String, contentID: String? = nil) {
        self.id = id
        self.accountID = accountID
        self.at = at
        self.text = text
        self.contentID = contentID
    }

    private enum CodingKeys: String, CodingKey {
        case id, at, text
        case accountID = "accountId"
        case contentID = "contentId"
    }
}

/// A problem with the schedule as a whole, naming the posts involved.
public struct ScheduleWarning: Sendable, Equatable, Codable {
    public enum Level: String, Sendable, Codable {
        case error
        case warning
    }

    /// Stable: `account.too_close`, `text.duplicate_same_account`,
    /// `text.duplicate_across_accounts`.
    public var code: String
    public var level: Level
    /// The entries involved, in schedule order.
    public var entryIDs: [String]
    public var coded: CodedMessage
    /// The warning in English.
    public var message: String { coded.english }

    public init(code: String, level: Level, entryIDs: [String], _ coded: CodedMessage) {
        self.code = code
        self.level = level
        self.entryIDs = entryIDs
        self.coded = coded
    }

    private enum CodingKeys: String, CodingKey {
        case code, level, message, messageCode, messageArguments
        case entryIDs = "entryIds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        level = try container.decode(Level.self, forKey: .level)
        entryIDs = try container.decode([String].self, forKey: .entryIDs)
        coded = try container.decodeCodedMessage(code: .messageCode, arguments: .messageArguments)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(level, forKey: .level)
        try container.encode(entryIDs, forKey: .entryIDs)
        try container.encode(coded, message: .message, code: .messageCode, arguments: .messageArguments)
    }
}

/// Checks over all the scheduled posts of a workspace.
public enum ScheduleWarnings {
    /// Posts to one account closer than this are flagged: followers see a
    /// burst, and platforms fold or throttle rapid posts.
    public static let minimumGap: TimeInterval = 60 * 60

    /// - `account.too_close` (warning): two consecutive posts of one account
    ///   less than 60 minutes apart (exactly 60 minutes is fine). Each
    ///   consecutive pair is reported once.
    /// - `text.duplicate_same_account` (error): the same text twice on one
    ///   account; platforms reject or fold repeated posts.
    /// - `text.duplicate_across_accounts` (warning): the same text on
    ///   several accounts from different content items, which usually means
    ///   a copy-paste slip.
    /// Texts are compared trimmed, with runs of white space made one space,
    /// and case-folded; empty texts (media-only posts) are not compared.
    public static func check(entries: [ScheduleEntry]) -> [ScheduleWarning] {
        let ordered = entries.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        var found: [ScheduleWarning] = []

        var lastByAccount: [String: ScheduleEntry] = [:]
        for entry in ordered {
            if let previous = lastByAccount[entry.accountID], entry.at.timeIntervalSince(previous.at) < minimumGap {
                let minutes = Int(entry.at.timeIntervalSince(previous.at) / 60)
                found.append(
                    ScheduleWarning(
                        code: "account.too_close", level: .warning, entryIDs: [previous.id, entry.id], .scheduleTooClose(minutes: minutes)))
            }
            lastByAccount[entry.accountID] = entry
        }

        var groups: [String: [ScheduleEntry]] = [:]
        var groupOrder: [String] = []
        for entry in ordered {
            let key = normalised(entry.text)
            guard !key.isEmpty else { continue }
            if groups[key] == nil { groupOrder.append(key) }
            groups[key, default: []].append(entry)
        }
        for key in groupOrder {
            let group = groups[key]!
            guard group.count > 1 else { continue }
            var accountOrder: [String] = []
            var byAccount: [String: [ScheduleEntry]] = [:]
            for entry in group {
                if byAccount[entry.accountID] == nil { accountOrder.append(entry.accountID) }
                byAccount[entry.accountID, default: []].append(entry)
            }
            for account in accountOrder where byAccount[account]!.count > 1 {
                let same = byAccount[account]!
                found.append(
                    ScheduleWarning(
                        code: "text.duplicate_same_account", level: .error, entryIDs: same.map(\.id), .duplicateSameAccount(count: same.count)))
            }
            guard accountOrder.count > 1 else { continue }
            // Only a text shared by different content items is a slip.
            let items = Set(group.map { $0.contentID ?? "entry:" + $0.id })
            guard items.count > 1 else { continue }
            // Report only the entries whose account is reached by another
            // item's copy, not a cross-post family that is fine on its own.
            let involved = group.filter { entry in
                group.contains { other in
                    other.accountID != entry.accountID && (other.contentID ?? "entry:" + other.id) != (entry.contentID ?? "entry:" + entry.id)
                }
            }
            guard !involved.isEmpty else { continue }
            found.append(
                ScheduleWarning(
                    code: "text.duplicate_across_accounts", level: .warning, entryIDs: involved.map(\.id),
                    .duplicateAcrossAccounts(count: Set(involved.map(\.accountID)).count)))
        }
        return found
    }

    /// The form in which two texts count as the same.
    public static func normalised(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").lowercased()
    }
}
