import Foundation

/// WeChat's customer-service message window (客服消息): an Official Account
/// may write to a fan through `message/custom/send` only for a while after
/// the fan wrote, and only a few times. Fanfare refuses a reply the
/// platform would refuse, before calling it, and shows the window on the
/// conversation.
///
/// The window opens at the fan's latest message and closes 48 hours later;
/// each new message of the fan opens a new window with a fresh count (the
/// count does not add up across messages: it is set back to the maximum).
/// WeChat also opens short windows (3 messages within 1 minute) for a menu
/// click, a follow or a QR scan; Fanfare sees only the fans' text
/// messages, so it counts from those and errs on the closed side.
public struct WeChatServiceWindow: Sendable, Equatable {
    /// 48 hours after the fan's message. developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage
    /// ("各场景的客服消息下发规则：用户发送消息 | 5条 | 48小时") and
    /// /doc/offiaccount/Customer_Service/Customer_Service_Messages.html (客服消息下发规则).
    public static let length: TimeInterval = 48 * 3_600
    /// 5 messages per fan message, the same two pages. It was 20 until WeChat's
    /// announcement of 2023-05-30 (new accounts from 2023-06-12, every
    /// account by August 2023, "由 20 条回收至 5 条"); `45047` answers the 6th.
    public static let messagesPerWindow = 5

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Customer-service messages may be sent.
        case open
        /// Open, but every message it allows has been sent.
        case full
        /// More than 48 hours since the fan's latest message.
        case closed
    }

    public var state: State
    /// The fan's latest message (by WeChat's clock).
    public var opensAt: Date
    /// 48 hours later: from this instant on, nothing goes out.
    public var closesAt: Date
    /// Customer-service messages sent (or on their way) since `opensAt`.
    public var sent: Int

    /// Messages that may still go out in this window (0 once full or closed).
    public var remainingMessages: Int { state == .open ? max(0, Self.messagesPerWindow - sent) : 0 }

    /// Time left until the window closes (0 once closed).
    public func remainingTime(at now: Date) -> TimeInterval { max(0, closesAt.timeIntervalSince(now)) }

    /// The window at `now`. `replies` are the instants the customer-service
    /// messages to this fan went out (or were accepted for sending, for
    /// those still queued or whose outcome is unknown); only those at or
    /// after the fan's latest message count.
    public static func at(_ now: Date, lastFanMessage: Date, replies: [Date]) -> WeChatServiceWindow {
        let closes = lastFanMessage.addingTimeInterval(length)
        let sent = replies.filter { $0 >= lastFanMessage && $0 < closes }.count
        let state: State = now >= closes ? .closed : (sent >= messagesPerWindow ? .full : .open)
        return WeChatServiceWindow(state: state, opensAt: lastFanMessage, closesAt: closes, sent: sent)
    }

    /// Why a customer-service message may not be sent now; nil while the window is open.
    public var refusal: CodedMessage? {
        switch state {
        case .open: nil
        case .full: .wechatWindowFull(max: Self.messagesPerWindow)
        case .closed: .wechatWindowClosed(hours: Int(Self.length / 3_600))
        }
    }
}

/// A WeChat template message (模板消息) as the account set it up in the
/// WeChat backend: its id and the keys of its fields (`thing1`, `time2` …,
/// as its content names them without `.DATA`), and the checks on what an
/// agent fills in, per the field's type.
///
/// Category templates (类目模板) name each field by a type and a number; each
/// type has its own limit (`47003 argument invalid` beyond it). Historical
/// templates (`keyword1` …) take at most 20 characters a field. Sources:
/// developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
/// (类目模板消息, the limits per type, the same as for subscription messages)
/// and the community answer on historical templates (20 characters).
public enum WeChatTemplateRules {
    /// A field's type, read from its key's letters (`thing1` → thing).
    public enum FieldKind: String, Sendable, CaseIterable {
        case thing, number, letter, symbol
        case characterString = "character_string"
        case time, date, amount
        case phoneNumber = "phone_number"
        case carNumber = "car_number"
        case name, phrase
        /// A historical template's field (`keyword1`, `first`, `remark`) or a
        /// type WeChat has not documented: held to 20 characters.
        case other

        public static func of(key: String) -> FieldKind {
            let letters = String(key.reversed().drop(while: \.isNumber).reversed())
            return FieldKind(rawValue: letters) ?? .other
        }
    }

    /// Fields a template may have, and templates an account may use at once (25 per account, Template_Message_Interface).
    public static let maxFields = 20
    public static let maxTemplatesPerAccount = 25

    /// The template id as the WeChat backend shows it (43 characters of
    /// letters, digits, `-` and `_`; a little room either side).
    public static func templateIDProblem(_ id: String) -> CodedMessage? {
        let ok = (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return ok ? nil : .wechatTemplateId
    }

    /// A field key: lower-case letters and `_`, then digits (`thing1`,
    /// `character_string12`, `keyword3`).
    public static func keyProblem(_ key: String) -> CodedMessage? {
        guard (1...40).contains(key.count), let first = key.first, first.isASCII, first.isLowercase else { return .wechatTemplateKey }
        let letters = key.reversed().drop(while: \.isNumber)
        return letters.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "_") }) ? nil : .wechatTemplateKey
    }

    /// The template's set-up: a title, its id, its keys (unique, at least one).
    public static func setUpProblems(templateID: String, title: String, keys: [String]) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if let problem = templateIDProblem(templateID) { issues.append(FieldIssue(field: "template_id", problem)) }
        if title.isEmpty || title.count > 40 { issues.append(FieldIssue(field: "title", .lengthBetween(min: 1, max: 40))) }
        if keys.isEmpty || keys.count > maxFields { issues.append(FieldIssue(field: "fields", .wechatTemplateKeyCount(max: maxFields))) }
        var seen = Set<String>()
        for key in keys {
            if let problem = keyProblem(key) {
                issues.append(FieldIssue(field: "fields", problem))
            } else if !seen.insert(key).inserted {
                issues.append(FieldIssue(field: "fields", .wechatTemplateKeyRepeated(key: key)))
            }
        }
        return issues
    }

    /// What is wrong with `value` in the field `key`; nil when WeChat takes it.
    public static func valueProblem(key: String, value: String) -> CodedMessage? {
        if value.isEmpty { return .notEmpty }
        // "不能带有换行等控制字符": no line breaks or other control characters.
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return .controlCharacters }
        let count = value.count
        switch FieldKind.of(key: key) {
        case .thing:
            return count <= 20 ? nil : .lengthAtMost(max: 20)
        case .number:
            return count <= 32 && value.wholeMatch(of: #/[0-9]+(\.[0-9]+)?/#) != nil ? nil : .wechatFieldNumber(max: 32)
        case .letter:
            return count <= 32 && value.allSatisfy({ $0.isASCII && $0.isLetter }) ? nil : .wechatFieldLetters(max: 32)
        case .symbol:
            return count <= 5 && value.allSatisfy(isSymbol) ? nil : .wechatFieldSymbols(max: 5)
        case .characterString:
            let ok = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || isSymbol($0)) }
            return count <= 32 && ok ? nil : .wechatFieldCharacterString(max: 32)
        case .time, .date:
            // A time or date as people write it (15:01, 2019年10月1日 15:01,
            // 2018-01-01, a range joined by ~): WeChat checks the format and
            // names no length; 40 leaves room for a range.
            return count <= 40 ? nil : .lengthAtMost(max: 40)
        case .amount:
            return value.wholeMatch(of: #/[^0-9\s]?[0-9]{1,10}(\.[0-9]+)?元?/#) != nil ? nil : .wechatFieldAmount
        case .phoneNumber:
            return count <= 17 && value.allSatisfy({ $0.isNumber || isSymbol($0) }) ? nil : .wechatFieldPhone(max: 17)
        case .carNumber:
            return count <= 8 && !value.contains(where: \.isWhitespace) ? nil : .wechatFieldCarNumber(max: 8)
        case .name:
            let chinese = value.contains(where: isHan)
            return count <= (chinese ? 10 : 20) ? nil : .wechatFieldName
        case .phrase:
            return count <= 5 && value.allSatisfy(isHan) ? nil : .wechatFieldPhrase(max: 5)
        case .other:
            return count <= 20 ? nil : .lengthAtMost(max: 20)
        }
    }

    /// Every problem with the values an agent filled in for a template with
    /// `keys`: each field required and checked by its type, and no value for
    /// a field the template does not have. Fields are named `data.<key>`.
    public static func dataProblems(keys: [String], data: [String: String]) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        for key in keys {
            let value = (data[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if let problem = valueProblem(key: key, value: value) { issues.append(FieldIssue(field: "data.\(key)", problem)) }
        }
        for key in data.keys.sorted() where !keys.contains(key) {
            issues.append(FieldIssue(field: "data.\(key)", .wechatTemplateUnknownField(fields: keys)))
        }
        return issues
    }

    /// "Symbols" as WeChat means them: common signs other than Chinese, Latin letters and digits.
    static func isSymbol(_ character: Character) -> Bool {
        !character.isLetter && !character.isNumber && !character.isWhitespace
            && !character.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    static func isHan(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { $0.properties.isIdeographic }
    }
}
