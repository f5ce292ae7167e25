import Foundation

/// Who handles a conversation by hand: service agents or the expert team.
public enum InboxQueue: String, CaseIterable, Codable, Sendable { case agents, experts }

/// Local hours [from, to); may wrap past midnight (22→6); from == to means all day.
public struct HourWindow: Codable, Equatable, Sendable {
    public var from: Int
    public var to: Int

    public init(from: Int, to: Int) {
        self.from = from
        self.to = to
    }

    /// Whether a local hour (0...23) falls in the window.
    public func contains(hour: Int) -> Bool {
        if from == to { return true }
        if from < to { return hour >= from && hour < to }
        return hour >= from || hour < to
    }
}

/// When a rule applies. Every non-empty condition must hold; within one, any value will do.
public struct InboxRuleConditions: Codable, Equatable, Sendable {
    /// Any of; matched on `TextFolding.fold` of both sides (case, width, traditional→simplified), as a substring.
    public var keywords: [String]
    /// `MessageIntent` raw values.
    public var intents: [String]
    /// `MessageSentiment` raw values: pos, neu, neg.
    public var sentiments: [String]
    public var accountIDs: [UUID]
    /// `ActivityTier` raw values.
    public var tiers: [String]
    /// comment, mention, direct_message.
    public var kinds: [String]
    public var hours: HourWindow?
    /// The fan is in any of these segments (ids of the workspace's saved segments).
    public var segmentIDs: [UUID]

    public init(
        keywords: [String] = [], intents: [String] = [], sentiments: [String] = [], accountIDs: [UUID] = [], tiers: [String] = [],
        kinds: [String] = [], hours: HourWindow? = nil, segmentIDs: [UUID] = []
    ) {
        self.keywords = keywords
        self.intents = intents
        self.sentiments = sentiments
        self.accountIDs = accountIDs
        self.tiers = tiers
        self.kinds = kinds
        self.hours = hours
        self.segmentIDs = segmentIDs
    }

    enum CodingKeys: String, CodingKey {
        case keywords, intents, sentiments, accountIDs = "account_ids", tiers, kinds, hours, segmentIDs = "segment_ids"
    }

    // Written by hand so that a client may send only the conditions it uses.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keywords = try container.decodeIfPresent([String].self, forKey: .keywords) ?? []
        intents = try container.decodeIfPresent([String].self, forKey: .intents) ?? []
        sentiments = try container.decodeIfPresent([String].self, forKey: .sentiments) ?? []
        accountIDs = try container.decodeIfPresent([UUID].self, forKey: .accountIDs) ?? []
        tiers = try container.decodeIfPresent([String].self, forKey: .tiers) ?? []
        kinds = try container.decodeIfPresent([String].self, forKey: .kinds) ?? []
        hours = try container.decodeIfPresent(HourWindow.self, forKey: .hours)
        segmentIDs = try container.decodeIfPresent([UUID].self, forKey: .segmentIDs) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keywords, forKey: .keywords)
        try container.encode(intents, forKey: .intents)
        try container.encode(sentiments, forKey: .sentiments)
        try container.encode(accountIDs, forKey: .accountIDs)
        try container.encode(tiers, forKey: .tiers)
        try container.encode(kinds, forKey: .kinds)
        try container.encodeIfPresent(hours, forKey: .hours)
        try container.encode(segmentIDs, forKey: .segmentIDs)
    }

    /// The keywords as they are compared: folded like the text. A keyword
    /// that folds to nothing ("!!!") would match every text; it is dropped.
    var foldedKeywords: [[UInt8]] { keywords.map { Array(TextFolding.fold($0).utf8) }.filter { !$0.isEmpty } }

    /// Whether a message meets every condition, its time read in `calendar`'s zone.
    func matches(_ facts: MessageFacts, foldedText: String, calendar: Calendar) -> Bool {
        matches(facts, foldedText: Array(foldedText.utf8), foldedKeywords: foldedKeywords, calendar: calendar)
    }

    /// The same with the keywords folded once for many messages. Folded
    /// text is compared as UTF-8 bytes: both sides are folded the same way,
    /// and a byte search costs a fraction of Foundation's `contains`.
    func matches(_ facts: MessageFacts, foldedText: [UInt8], foldedKeywords: [[UInt8]], calendar: Calendar) -> Bool {
        if !keywords.isEmpty {
            guard foldedKeywords.contains(where: { InboxRuleConditions.bytes(foldedText, contain: $0) }) else { return false }
        }
        if !intents.isEmpty, !intents.contains(facts.intent) { return false }
        if !sentiments.isEmpty, !sentiments.contains(facts.sentiment) { return false }
        if !accountIDs.isEmpty, !accountIDs.contains(facts.accountID) { return false }
        if !tiers.isEmpty, !tiers.contains(facts.tier.rawValue) { return false }
        if !kinds.isEmpty, !kinds.contains(facts.kind) { return false }
        if let hours, !hours.contains(hour: calendar.component(.hour, from: facts.at)) { return false }
        if !segmentIDs.isEmpty, !segmentIDs.contains(where: facts.segments.contains) { return false }
        return true
    }
}

extension InboxRuleConditions {
    static func bytes(_ text: [UInt8], contain needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= text.count else { return needle.isEmpty }
        let first = needle[0]
        var start = 0
        let last = text.count - needle.count
        while start <= last {
            if text[start] == first {
                var offset = 1
                while offset < needle.count && text[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}

/// What a rule does to a conversation it matches.
public struct InboxRuleActions: Codable, Equatable, Sendable {
    public var replyTemplateID: UUID?
    public var tags: [String]
    public var queue: InboxQueue?
    /// Send to the expert team.
    public var escalate: Bool

    public init(replyTemplateID: UUID? = nil, tags: [String] = [], queue: InboxQueue? = nil, escalate: Bool = false) {
        self.replyTemplateID = replyTemplateID
        self.tags = tags
        self.queue = queue
        self.escalate = escalate
    }

    enum CodingKeys: String, CodingKey {
        case replyTemplateID = "reply_template_id", tags, queue, escalate
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        replyTemplateID = try container.decodeIfPresent(UUID.self, forKey: .replyTemplateID)
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
        queue = try container.decodeIfPresent(InboxQueue.self, forKey: .queue)
        escalate = try container.decodeIfPresent(Bool.self, forKey: .escalate) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(replyTemplateID, forKey: .replyTemplateID)
        try container.encode(tags, forKey: .tags)
        try container.encodeIfPresent(queue, forKey: .queue)
        try container.encode(escalate, forKey: .escalate)
    }

    var isEmpty: Bool { replyTemplateID == nil && tags.isEmpty && queue == nil && !escalate }
}

/// One routing rule of a workspace's inbox.
public struct InboxRule: Equatable, Sendable {
    public var id: UUID
    public var name: String
    public var enabled: Bool
    public var conditions: InboxRuleConditions
    public var actions: InboxRuleActions
    /// Off by default: nothing negative or complaining is answered automatically unless a rule says so.
    public var answersNegative: Bool

    public init(
        id: UUID, name: String, enabled: Bool = true, conditions: InboxRuleConditions, actions: InboxRuleActions, answersNegative: Bool = false
    ) {
        self.id = id
        self.name = name
        self.enabled = enabled
        self.conditions = conditions
        self.actions = actions
        self.answersNegative = answersNegative
    }
}

/// What routing knows about one incoming message.
public struct MessageFacts: Sendable {
    public var text: String
    public var kind: String
    public var accountID: UUID
    public var intent: String
    public var sentiment: String
    public var tier: ActivityTier
    public var at: Date
    /// The saved segments the fan is in, of those the rules ask about.
    public var segments: Set<UUID>

    public init(
        text: String, kind: String, accountID: UUID, intent: String, sentiment: String, tier: ActivityTier, at: Date, segments: Set<UUID> = []
    ) {
        self.text = text
        self.kind = kind
        self.accountID = accountID
        self.intent = intent
        self.sentiment = sentiment
        self.tier = tier
        self.at = at
        self.segments = segments
    }
}

/// Why a rule's automatic reply was held back.
public enum SuppressedReply: String, Codable, Sendable { case negative, complaint, capReached = "cap_reached" }

/// The outcome of routing one message.
public struct RoutingDecision: Equatable, Sendable {
    public var matchedRuleIDs: [UUID]
    /// The template of the first matching rule (in the given order) that may answer this message; nil if suppressed.
    public var replyTemplateID: UUID?
    /// The rule whose template is used; nil whenever `replyTemplateID` is.
    public var replyRuleID: UUID?
    /// Set when a matching rule wanted to reply but was not allowed.
    public var suppressedReply: SuppressedReply?
    /// Union over matched rules, first-seen order, no duplicates.
    public var tags: [String]
    /// .experts when any matched rule escalates or queues experts; else the first matched rule's queue; else .agents.
    public var queue: InboxQueue

    public init(
        matchedRuleIDs: [UUID] = [], replyTemplateID: UUID? = nil, replyRuleID: UUID? = nil, suppressedReply: SuppressedReply? = nil,
        tags: [String] = [], queue: InboxQueue = .agents
    ) {
        self.matchedRuleIDs = matchedRuleIDs
        self.replyTemplateID = replyTemplateID
        self.replyRuleID = replyRuleID
        self.suppressedReply = suppressedReply
        self.tags = tags
        self.queue = queue
    }
}

/// A workspace's rules made ready for many messages: keywords folded and
/// the calendar built once, not per message.
public struct InboxRuleSet: Sendable {
    public let rules: [InboxRule]
    let keywords: [[[UInt8]]]
    let calendar: Calendar
    public var zone: TimeZone { calendar.timeZone }

    public init(_ rules: [InboxRule], zone: TimeZone) {
        self.rules = rules.filter(\.enabled)
        keywords = self.rules.map(\.conditions.foldedKeywords)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Segments the rules test: only these need evaluating for each fan.
    public var segmentIDs: Set<UUID> { Set(rules.flatMap(\.conditions.segmentIDs)) }

    /// See `InboxRouting.route`.
    public func route(_ facts: MessageFacts, autoRepliesToFanLastHour: Int, cap: Int) -> RoutingDecision {
        let foldedText = Array(TextFolding.fold(facts.text).utf8)
        let matched = zip(rules, keywords).filter { rule, keywords in
            rule.conditions.matches(facts, foldedText: foldedText, foldedKeywords: keywords, calendar: calendar)
        }.map(\.0)
        return InboxRouting.decide(matched, facts: facts, autoRepliesToFanLastHour: autoRepliesToFanLastHour, cap: cap)
    }
}

/// The first tier of the three-tier response (SPEC §5): rules that answer, tag and queue a message.
public enum InboxRouting {
    public static let defaultHourlyCap = 3

    /// Message kinds the inbox holds.
    public static let kinds = ["comment", "mention", "direct_message"]

    /// Rules in order (disabled ones ignored). `autoRepliesToFanLastHour`: automatic replies this fan got in the past hour; when ≥ cap the reply is suppressed with .capReached.
    /// Negative sentiment → .negative, intent complaint → .complaint, unless the replying rule has answersNegative. A conversation with no matching rule goes to .agents.
    ///
    /// A rule with a template that may not answer this message is passed over
    /// for a later one that may (an apology rule placed after a FAQ rule still
    /// answers an angry fan); `suppressedReply` is set only when none may.
    public static func route(_ facts: MessageFacts, rules: [InboxRule], zone: TimeZone, autoRepliesToFanLastHour: Int, cap: Int) -> RoutingDecision {
        InboxRuleSet(rules, zone: zone).route(facts, autoRepliesToFanLastHour: autoRepliesToFanLastHour, cap: cap)
    }

    static func decide(_ matched: [InboxRule], facts: MessageFacts, autoRepliesToFanLastHour: Int, cap: Int) -> RoutingDecision {

        var decision = RoutingDecision(matchedRuleIDs: matched.map(\.id))
        for rule in matched {
            for tag in rule.actions.tags where !decision.tags.contains(tag) {
                decision.tags.append(tag)
            }
        }
        let wantsExperts = matched.contains { $0.actions.escalate || $0.actions.queue == .experts }
        decision.queue = wantsExperts ? .experts : (matched.first { $0.actions.queue != nil }?.actions.queue ?? .agents)

        let replying = matched.filter { $0.actions.replyTemplateID != nil }
        guard !replying.isEmpty else { return decision }
        let upset: SuppressedReply? =
            facts.sentiment == MessageSentiment.neg.rawValue
            ? .negative : facts.intent == MessageIntent.complaint.rawValue ? .complaint : nil
        guard let rule = replying.first(where: { upset == nil || $0.answersNegative }) else {
            decision.suppressedReply = upset
            return decision
        }
        // The cap protects the fan from a bot that keeps talking, whatever the rule allows.
        if autoRepliesToFanLastHour >= cap {
            decision.suppressedReply = .capReached
            return decision
        }
        decision.replyTemplateID = rule.actions.replyTemplateID
        decision.replyRuleID = rule.id
        return decision
    }

    /// Problems as (field, English message) for a rule being saved: name empty or > 100 chars ("name": "must not be empty"), unknown intent/sentiment/tier/kind naming the accepted values ("conditions.intents": "has unknown value 'x'; accepted: question, complaint, …"), hours out of 0...23 ("conditions.hours": "must have from and to between 0 and 23"), keywords empty strings, no action at all ("actions": "must reply, tag, queue or escalate").
    public static func problems(name: String, conditions: InboxRuleConditions, actions: InboxRuleActions) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            problems.append(FieldIssue(field: "name", .notEmpty))
        } else if trimmed.count > 100 {
            problems.append(FieldIssue(field: "name", .lengthAtMost(max: 100)))
        }
        if conditions.keywords.contains(where: { TextFolding.fold($0).isEmpty }) {
            problems.append(FieldIssue(field: "conditions.keywords", .emptyKeywords))
        }
        let vocabularies: [(String, [String], [String])] = [
            ("conditions.intents", conditions.intents, MessageIntent.allCases.map(\.rawValue)),
            ("conditions.sentiments", conditions.sentiments, MessageSentiment.allCases.map(\.rawValue)),
            ("conditions.tiers", conditions.tiers, ActivityTier.allCases.map(\.rawValue)),
            ("conditions.kinds", conditions.kinds, kinds),
        ]
        for (field, values, accepted) in vocabularies {
            var reported: Set<String> = []
            for value in values where !accepted.contains(value) && reported.insert(value).inserted {
                problems.append(FieldIssue(field: field, .unknownValue(value: value, choices: accepted)))
            }
        }
        if let hours = conditions.hours, !(0...23).contains(hours.from) || !(0...23).contains(hours.to) {
            problems.append(FieldIssue(field: "conditions.hours", .hoursRange))
        }
        if actions.tags.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            problems.append(FieldIssue(field: "actions.tags", .emptyTags))
        }
        if actions.isEmpty {
            problems.append(FieldIssue(field: "actions", .ruleNeedsAction))
        }
        return problems
    }
}
