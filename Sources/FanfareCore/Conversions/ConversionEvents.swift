import Foundation

/// What a conversion event says happened.
public enum ConversionType: String, CaseIterable, Codable, Sendable {
    case follow
    case joinCommunity = "join_community"
    case signUp = "sign_up"
    case purchase
    case refund
    case referral

    /// Purchases and refunds carry an amount in fen.
    public var needsAmount: Bool { self == .purchase || self == .refund }
}

/// Who an event is about, as the sender names them.
public enum EventFan: Sendable, Equatable, Hashable {
    /// A platform account (`handle` is the platform's id of the person, as the inbox sees it).
    case platform(String, handle: String)
    case fanID(UUID)
    /// The sender's own id of the person (a shop's customer id).
    case external(String)
}

/// One event of a batch, checked.
public struct ConversionEvent: Sendable, Equatable {
    public var eventID: String
    public var type: ConversionType
    public var at: Date
    public var amountFen: Int64?
    public var currency: String
    public var fan: EventFan?
    public var clickID: UUID?
    public var referred: EventFan?
    /// The properties object as compact JSON, or nil.
    public var properties: String?
}

/// A problem with one event of a batch: its index, the field (dotted
/// inside the event) and what would be accepted.
public struct EventIssue: Sendable, Equatable, Codable {
    public var index: Int
    public var field: String
    public var code: String
    public var message: String

    public init(index: Int, field: String, _ coded: CodedMessage) {
        self.index = index
        self.field = field
        self.code = coded.code.rawValue
        self.message = coded.english
    }
}

/// Reading a batch of events from decoded JSON, event by event, so one bad
/// event is reported by index and field and the others still count.
public enum EventBatchReader {
    public static let defaultMaxEvents = 1_000
    public static let maxIDLength = 128
    public static let maxHandleLength = 200
    public static let maxPropertiesBytes = 1_024
    /// How far back an event may be dated (days) and how far ahead (seconds, for clock skew).
    public static let maxPastDays = 3 * 365
    public static let maxFutureSeconds: TimeInterval = 3_600
    /// The platforms Fanfare knows (`PlatformRules.standard`).
    public static let platforms = PlatformRules.standard.keys.sorted()

    public static func read(_ items: [Any], now: Date) -> (events: [(index: Int, event: ConversionEvent)], issues: [EventIssue]) {
        var events: [(index: Int, event: ConversionEvent)] = []
        var issues: [EventIssue] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch readOne(item, index: index, now: now) {
            case .success(let event): events.append((index, event))
            case .failure(let problems): issues += problems.list
            }
        }
        return (events, issues)
    }

    struct Problems: Error { var list: [EventIssue] }

    static func readOne(_ item: Any, index: Int, now: Date) -> Result<ConversionEvent, Problems> {
        var problems: [EventIssue] = []
        func add(_ field: String, _ coded: CodedMessage) { problems.append(EventIssue(index: index, field: field, coded)) }
        guard let object = item as? [String: Any] else { return .failure(Problems(list: [EventIssue(index: index, field: "", .typeObject)])) }

        var eventID = ""
        if let raw = object["id"] as? String, !raw.isEmpty, raw.count <= maxIDLength, raw.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
            eventID = raw
        } else {
            add("id", object["id"] == nil ? .required : .visibleAsciiBetween(min: 1, max: maxIDLength))
        }
        var type = ConversionType.follow
        if let raw = object["type"] as? String, let known = ConversionType(rawValue: raw) {
            type = known
        } else {
            let choices = ConversionType.allCases.map(\.rawValue)
            add("type", object["type"] == nil ? .isRequiredOneOf(choices: choices) : .isValueOneOf(value: "\(object["type"]!)", choices: choices))
        }
        var at = now
        if let raw = object["at"] as? String, let parsed = APITime.parse(raw) {
            if parsed < now.addingTimeInterval(-Double(maxPastDays) * 86_400) || parsed > now.addingTimeInterval(maxFutureSeconds) {
                add("at", .eventTimeWindow(days: maxPastDays))
            }
            at = parsed
        } else {
            add("at", object["at"] == nil ? .required : .typeTime)
        }
        var amount: Int64?
        if let raw = object["amount_fen"], !(raw is NSNull) {
            if let whole = wholeNumber(raw), whole >= 0 {
                amount = whole
            } else {
                add("amount_fen", .wholeNumberAtLeast(min: 0))
            }
        } else if type.needsAmount {
            add("amount_fen", .required)
        }
        var currency = "CNY"
        if let raw = object["currency"], !(raw is NSNull) {
            if let text = raw as? String, text.count == 3, text.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                currency = text
            } else {
                add("currency", .currencyCode)
            }
        }
        let fan = readFan(object["fan"], field: "fan", add: add)
        var clickID: UUID?
        if let raw = object["click_id"], !(raw is NSNull) {
            if let text = raw as? String, let id = UUID(uuidString: text) { clickID = id } else { add("click_id", .clickId) }
        }
        if object["fan"] == nil, clickID == nil, object["click_id"] == nil {
            add("fan", .isRequiredOneOf(choices: ["fan", "click_id"]))
        }
        var referred: EventFan?
        if type == .referral {
            if object["referred"] == nil { add("referred", .required) } else { referred = readFan(object["referred"], field: "referred", add: add) }
        }
        var properties: String?
        if let raw = object["properties"], !(raw is NSNull) {
            if let dictionary = raw as? [String: Any], let data = try? JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys]) {
                if data.count > maxPropertiesBytes {
                    add("properties", .lengthAtMost(max: maxPropertiesBytes))
                } else {
                    properties = String(decoding: data, as: UTF8.self)
                }
            } else {
                add("properties", .jsonObject)
            }
        }
        guard problems.isEmpty else { return .failure(Problems(list: problems)) }
        return .success(
            ConversionEvent(
                eventID: eventID, type: type, at: at, amountFen: amount, currency: currency, fan: fan, clickID: clickID, referred: referred,
                properties: properties))
    }

    /// A JSON number without a fraction (not a boolean).
    static func wholeNumber(_ raw: Any) -> Int64? {
        if raw is Bool { return nil }
        if let value = raw as? Int64 { return value }
        if let value = raw as? Int { return Int64(value) }
        if let value = raw as? Double, value.rounded() == value, abs(value) < 9e15 { return Int64(value) }
        return nil
    }

    static func readFan(_ raw: Any?, field: String, add: (String, CodedMessage) -> Void) -> EventFan? {
        guard let raw, !(raw is NSNull) else { return nil }
        guard let object = raw as? [String: Any] else {
            add(field, .eventFan)
            return nil
        }
        if let rawID = object["fan_id"] {
            guard let text = rawID as? String, let id = UUID(uuidString: text) else {
                add("\(field).fan_id", .fanId)
                return nil
            }
            return .fanID(id)
        }
        if let rawExternal = object["external_id"] {
            guard let text = rawExternal as? String, !text.isEmpty, text.count <= maxHandleLength else {
                add("\(field).external_id", .lengthBetween(min: 1, max: maxHandleLength))
                return nil
            }
            return .external(text)
        }
        if object["platform"] != nil || object["handle"] != nil {
            var ok = true
            let platform = object["platform"] as? String ?? ""
            if !platforms.contains(platform) {
                add("\(field).platform", .isValueOneOf(value: platform, choices: platforms))
                ok = false
            }
            let handle = (object["handle"] as? String ?? "").trimmingCharacters(in: .whitespaces)
            if handle.isEmpty || handle.count > maxHandleLength {
                add("\(field).handle", .lengthBetween(min: 1, max: maxHandleLength))
                ok = false
            }
            return ok ? .platform(platform, handle: handle) : nil
        }
        add(field, .eventFan)
        return nil
    }
}
