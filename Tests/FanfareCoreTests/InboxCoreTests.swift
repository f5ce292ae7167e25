import FanfareCore
import Foundation
import Testing

private let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
private let newYork = TimeZone(identifier: "America/New_York") ?? .gmt

/// A local wall-clock time in `zone`, "2025-03-07 17:30".
private func local(_ text: String, _ zone: TimeZone) throws -> Date {
    let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
    try #require(parts.count == 5, "bad test date \(text)")
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let components = DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4])
    return try #require(calendar.date(from: components))
}

/// The local wall-clock reading of an instant, in the same form.
private func wall(_ date: Date, _ zone: TimeZone) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
}

@Suite struct InboxCoreTemplateTests {
    let known = "{fan_name}, {account_name}, {platform}, {agent_name}, {order_id}, {ticket_number}, {activity_name}, {date}"

    @Test func variablesAreListedOnceInOrderOfFirstAppearance() {
        let body = "Hi {order_id} {fan_name}, {{not_a_variable}} {order_id} {foo}"
        #expect(ReplyTemplateText.variables(in: body) == ["order_id", "fan_name", "foo"])
        #expect(ReplyTemplateText.variables(in: "no variables {{here}}").isEmpty)
    }

    @Test func anUnknownVariableIsReportedOnceNamingEveryKnownOne() {
        let problems = templateProblems("{foo} and {foo} for {fan_name} via {bar}")
        #expect(
            problems == [
                "uses the unknown variable {foo}; known variables are \(known)",
                "uses the unknown variable {bar}; known variables are \(known)",
            ])
        #expect(templateProblems("您好 {fan_name}，订单 {order_id} 已处理 {{ok}}").isEmpty)
    }

    @Test func anUnclosedBraceIsReportedWhereItStands() throws {
        // Counted in Characters: the emoji before the brace is one.
        #expect(templateProblems("👍🏽 {fan_name, thanks") == ["has a { at character 3 that is never closed"])
        #expect(templateProblems("ab {fan_name\n}") == ["has a { at character 4 that is never closed"])
        #expect(throws: TemplateRenderError.unclosedBrace(position: 2)) {
            try ReplyTemplateText.render("ab{", values: [:])
        }
        // A brace opened inside another is the forgotten one.
        #expect(templateProblems("{a {fan_name}") == ["has a { at character 1 that is never closed"])
        #expect(TemplateRenderError.unclosedBrace(position: 11).coded.english == "has a { at character 12 that is never closed")
    }

    @Test func anEmptyBodyIsRefused() {
        #expect(templateProblems("") == ["must not be empty"])
        #expect(templateProblems(" \n\t") == ["must not be empty"])
    }

    @Test func renderingFillsEveryVariableAndUnescapesBraces() throws {
        let values = ["fan_name": "小明", "order_id": "A-1001"]
        #expect(try ReplyTemplateText.render("{fan_name}，订单 {order_id} 已发货", values: values) == "小明，订单 A-1001 已发货")
        #expect(try ReplyTemplateText.render("{{fan_name}} is {fan_name}", values: values) == "{fan_name} is 小明")
        #expect(try ReplyTemplateText.render("{{{fan_name}}}", values: values) == "{小明}")
        #expect(try ReplyTemplateText.render("a } b }} c", values: [:]) == "a } b } c")
        #expect(try ReplyTemplateText.render("{fan_name}", values: ["fan_name": "{order_id}"]) == "{order_id}", "values are not templates")
    }

    @Test func renderingThrowsOnTheFirstProblemInTextOrder() {
        #expect(throws: TemplateRenderError.unknownVariable("foo")) {
            try ReplyTemplateText.render("{foo} {order_id}", values: [:])
        }
        #expect(throws: TemplateRenderError.missingValue("order_id")) {
            try ReplyTemplateText.render("{order_id} {foo}", values: [:])
        }
        #expect(throws: TemplateRenderError.missingValue("fan_name")) {
            try ReplyTemplateText.render("Hi {fan_name}", values: ["fan_name": ""])
        }
        #expect(throws: TemplateRenderError.missingValue("fan_name")) {
            try ReplyTemplateText.render("Hi {fan_name}", values: ["fan_name": "  "])
        }
        #expect(TemplateRenderError.missingValue("date").coded.english == "needs a value for {date}")
        #expect(TemplateRenderError.unknownVariable("x").coded.english.hasSuffix(known))
    }

    @Test func prefillLeavesWhatItCannotFillForTheAgent() {
        let body = "Hi {fan_name}, order {order_id} ({foo}) {{ok}} {date"
        let text = ReplyTemplateText.prefill(body, values: ["fan_name": "Li", "order_id": "", "foo": "bar"])
        #expect(text == "Hi Li, order {order_id} ({foo}) {ok} {date")
        #expect(ReplyTemplateText.unfilled(in: text) == ["order_id"])
    }

    @Test func unfilledFindsKnownPlaceholdersInOrderOfAppearance() {
        #expect(ReplyTemplateText.unfilled(in: "on {date}, {fan_name} {date} {foo}") == ["date", "fan_name"])
        #expect(ReplyTemplateText.unfilled(in: "all done, 小明").isEmpty)
        #expect(ReplyTemplateText.unfilled(in: "{ fan_name }").isEmpty)
    }

    @Test func weiboRepliesAreCountedInHalfWidthUnits() throws {
        let weibo = try #require(ReplyLimits.limit(for: "weibo"))
        #expect(weibo.limit == 140 && weibo.counting == .halfWidth(linkCost: 20))
        #expect(replyProblem(String(repeating: "好", count: 140), platform: "weibo") == nil)
        #expect(
            replyProblem(String(repeating: "好", count: 141), platform: "weibo")
                == "is 141 characters as weibo counts them; a reply there may have at most 140")
        // 280 Latin letters are 140 汉字; one more is over.
        #expect(replyProblem(String(repeating: "a", count: 280), platform: "weibo") == nil)
        #expect(replyProblem(String(repeating: "a", count: 281), platform: "weibo") != nil)
        #expect(replyProblem(String(repeating: "a", count: 281), platform: "mastodon") == nil)
    }

    @Test func otherPlatformsUseTheirOwnCounting() throws {
        #expect(ReplyLimits.limit(for: "mastodon")?.limit == 500)
        let link = "https://example.com/" + String(repeating: "x", count: 600)
        #expect(replyProblem(link, platform: "mastodon") == nil, "a link counts 23 on Mastodon")
        #expect(replyProblem(String(repeating: "好", count: 300), platform: "bluesky") == nil)
        #expect(replyProblem(String(repeating: "好", count: 301), platform: "bluesky") != nil)
        let families = String(repeating: "👨‍👩‍👧‍👦", count: 150)
        #expect(replyProblem(families, platform: "bluesky") == "is 3,750 bytes in UTF-8; a reply on bluesky may have at most 3,000")
        #expect(ReplyLimits.limit(for: "sandbox")?.limit == 1_000)
        #expect(ReplyLimits.limit(for: "douyin")?.limit == PlatformRules.standard["douyin"]?.textLimit)
        #expect(ReplyLimits.limit(for: "wechat")?.limit == PlatformRules.standard["wechat"]?.textLimit)
    }

    @Test func unknownPlatformsOnlyHaveTheSanityCap() {
        #expect(ReplyLimits.limit(for: "myspace") == nil)
        #expect(ReplyLimits.limit(for: "webhook") == nil)
        #expect(replyProblem(String(repeating: "a", count: 10_000), platform: "myspace") == nil)
        #expect(
            replyProblem(String(repeating: "a", count: 10_001), platform: "myspace")
                == "is 10,001 characters; a reply may have at most 10,000")
    }
}

@Suite struct InboxCoreActivityTierTests {
    @Test func theStandardThresholdsFollowTheSpec() {
        let standard = ActivityThresholds.standard
        #expect(standard.tier(forInteractions: -3) == .silent)
        #expect(standard.tier(forInteractions: 0) == .silent)
        #expect(standard.tier(forInteractions: 1) == .potential)
        #expect(standard.tier(forInteractions: 10) == .potential)
        #expect(standard.tier(forInteractions: 11) == .active)
        #expect(standard.tier(forInteractions: 50) == .active)
        #expect(standard.tier(forInteractions: 51) == .core)
        #expect(standard.problems.isEmpty)
    }

    @Test func customThresholdsMoveTheBoundaries() {
        let strict = ActivityThresholds(potential: 3, active: 20, core: 100)
        #expect(strict.tier(forInteractions: 2) == .silent)
        #expect(strict.tier(forInteractions: 3) == .potential)
        #expect(strict.tier(forInteractions: 99) == .active)
        #expect(strict.tier(forInteractions: 100) == .core)
    }

    @Test func thresholdsMustBePositiveAndIncreasing() {
        #expect(
            ActivityThresholds(potential: 0, active: 11, core: 51).problems.map { "\($0.field) \($0.message)" } == ["potential must be at least 1"])
        #expect(
            ActivityThresholds(potential: 5, active: 5, core: 51).problems.map { "\($0.field) \($0.message)" } == [
                "active must be greater than potential"
            ])
        #expect(
            ActivityThresholds(potential: 1, active: 60, core: 51).problems.map { "\($0.field) \($0.message)" } == [
                "core must be greater than active"
            ])
        #expect(
            ActivityThresholds(potential: 0, active: 0, core: 0).problems.map { "\($0.field) \($0.message)" } == [
                "potential must be at least 1", "active must be at least 1", "core must be at least 1",
                "active must be greater than potential", "core must be greater than active",
            ])
    }
}

@Suite struct InboxCoreRoutingTests {
    let account = UUID()
    let templateA = UUID()
    let templateB = UUID()

    func facts(
        _ text: String = "你好", kind: String = "comment", intent: String = "question", sentiment: String = "neu",
        tier: ActivityTier = .potential, at: Date = Date(timeIntervalSince1970: 1_741_600_000), account: UUID? = nil
    ) -> MessageFacts {
        MessageFacts(text: text, kind: kind, accountID: account ?? self.account, intent: intent, sentiment: sentiment, tier: tier, at: at)
    }

    func rule(
        _ name: String, _ conditions: InboxRuleConditions, _ actions: InboxRuleActions, enabled: Bool = true,
        answersNegative: Bool = false
    ) -> InboxRule {
        InboxRule(id: UUID(), name: name, enabled: enabled, conditions: conditions, actions: actions, answersNegative: answersNegative)
    }

    func rule(_ name: String, _ actions: InboxRuleActions, enabled: Bool = true, answersNegative: Bool = false) -> InboxRule {
        rule(name, InboxRuleConditions(), actions, enabled: enabled, answersNegative: answersNegative)
    }

    func route(
        _ facts: MessageFacts, _ rules: [InboxRule], replies: Int = 0, cap: Int = InboxRouting.defaultHourlyCap, zone: TimeZone = shanghai
    )
        -> RoutingDecision
    {
        InboxRouting.route(facts, rules: rules, zone: zone, autoRepliesToFanLastHour: replies, cap: cap)
    }

    @Test func keywordsMatchAcrossWidthCaseAndTraditionalChinese() {
        let night = rule("night", InboxRuleConditions(keywords: ["夜间模式"]), InboxRuleActions(tags: ["night"]))
        let vip = rule("vip", InboxRuleConditions(keywords: ["vip", "會員"]), InboxRuleActions(tags: ["vip"]))
        #expect(route(facts("有沒有夜間模式？"), [night, vip]).matchedRuleIDs == [night.id])
        #expect(route(facts("夜 间 模 式"), [night]).matchedRuleIDs == [night.id], "spaces are folded away")
        #expect(route(facts("ＶＩＰ权益"), [night, vip]).matchedRuleIDs == [vip.id])
        #expect(route(facts("会员积分"), [vip]).matchedRuleIDs == [vip.id])
        #expect(route(facts("日间模式"), [night, vip]).matchedRuleIDs.isEmpty)
    }

    @Test func aKeywordOfOnlyPunctuationMatchesNothing() {
        let odd = rule("odd", InboxRuleConditions(keywords: ["!!!"]), InboxRuleActions(tags: ["x"]))
        #expect(route(facts("hello!!!"), [odd]).matchedRuleIDs.isEmpty)
    }

    @Test func everyConditionMustHold() {
        let other = UUID()
        let narrow = rule(
            "narrow",
            InboxRuleConditions(
                intents: ["question"], sentiments: ["neu", "pos"], accountIDs: [account], tiers: ["core"], kinds: ["direct_message"]),
            InboxRuleActions(tags: ["t"]))
        #expect(route(facts(kind: "direct_message", tier: .core), [narrow]).matchedRuleIDs == [narrow.id])
        #expect(route(facts(kind: "comment", tier: .core), [narrow]).matchedRuleIDs.isEmpty)
        #expect(route(facts(kind: "direct_message", tier: .active), [narrow]).matchedRuleIDs.isEmpty)
        #expect(route(facts(kind: "direct_message", intent: "praise", tier: .core), [narrow]).matchedRuleIDs.isEmpty)
        #expect(route(facts(kind: "direct_message", sentiment: "neg", tier: .core), [narrow]).matchedRuleIDs.isEmpty)
        #expect(route(facts(kind: "direct_message", tier: .core, account: other), [narrow]).matchedRuleIDs.isEmpty)
    }

    @Test func theFirstMatchingRuleWithATemplateReplies() {
        let tagOnly = rule("tag", InboxRuleActions(tags: ["seen"]))
        let first = rule("first", InboxRuleActions(replyTemplateID: templateA))
        let second = rule("second", InboxRuleActions(replyTemplateID: templateB))
        let decision = route(facts(), [tagOnly, first, second])
        #expect(decision.matchedRuleIDs == [tagOnly.id, first.id, second.id])
        #expect(decision.replyTemplateID == templateA && decision.replyRuleID == first.id)
        #expect(decision.suppressedReply == nil)
        let reversed = route(facts(), [second, first])
        #expect(reversed.replyTemplateID == templateB && reversed.replyRuleID == second.id)
    }

    @Test func tagsAreUnitedInFirstSeenOrderAndEscalationWins() {
        let a = rule("a", InboxRuleActions(tags: ["refund", "vip"], queue: .agents))
        let b = rule("b", InboxRuleActions(tags: ["vip", "angry"], escalate: true))
        let decision = route(facts(), [a, b])
        #expect(decision.tags == ["refund", "vip", "angry"])
        #expect(decision.queue == .experts)
        #expect(route(facts(), [a]).queue == .agents)
        #expect(route(facts(), [a, rule("x", InboxRuleActions(queue: .experts))]).queue == .experts)
        let none = route(facts(), [])
        #expect(none == RoutingDecision(queue: .agents))
    }

    @Test func disabledRulesAreIgnored() {
        let off = rule("off", InboxRuleActions(replyTemplateID: templateA, escalate: true), enabled: false)
        let on = rule("on", InboxRuleActions(tags: ["t"]))
        let decision = route(facts(), [off, on])
        #expect(decision.matchedRuleIDs == [on.id])
        #expect(decision.replyTemplateID == nil && decision.suppressedReply == nil)
        #expect(decision.queue == .agents)
    }

    @Test func negativeAndComplainingMessagesAreNotAnsweredAutomatically() {
        let faq = rule("faq", InboxRuleActions(replyTemplateID: templateA, tags: ["faq"]))
        let negative = route(facts(sentiment: "neg"), [faq])
        #expect(negative.replyTemplateID == nil && negative.replyRuleID == nil)
        #expect(negative.suppressedReply == .negative)
        #expect(negative.matchedRuleIDs == [faq.id] && negative.tags == ["faq"], "the other actions still apply")
        let complaint = route(facts(intent: "complaint"), [faq])
        #expect(complaint.suppressedReply == .complaint && complaint.replyTemplateID == nil)
        #expect(route(facts(intent: "complaint", sentiment: "neg"), [faq]).suppressedReply == .negative)
    }

    @Test func aRuleThatAnswersNegativeMessagesMayReply() {
        let faq = rule("faq", InboxRuleActions(replyTemplateID: templateA))
        let apology = rule("apology", InboxRuleActions(replyTemplateID: templateB), answersNegative: true)
        let decision = route(facts(intent: "complaint", sentiment: "neg"), [faq, apology])
        #expect(decision.replyTemplateID == templateB && decision.replyRuleID == apology.id)
        #expect(decision.suppressedReply == nil)
        // Calm messages still get the first rule.
        #expect(route(facts(), [faq, apology]).replyTemplateID == templateA)
    }

    @Test func theHourlyCapStopsAtExactlyTheCap() {
        let faq = rule("faq", InboxRuleActions(replyTemplateID: templateA))
        #expect(route(facts(), [faq], replies: 2, cap: 3).replyTemplateID == templateA)
        let capped = route(facts(), [faq], replies: 3, cap: 3)
        #expect(capped.replyTemplateID == nil && capped.suppressedReply == .capReached)
        #expect(route(facts(), [faq], replies: 0, cap: 0).suppressedReply == .capReached)
        let apology = rule("apology", InboxRuleActions(replyTemplateID: templateB), answersNegative: true)
        #expect(route(facts(sentiment: "neg"), [apology], replies: 3, cap: 3).suppressedReply == .capReached, "no rule overrides the cap")
        #expect(route(facts(), [rule("tag", InboxRuleActions(tags: ["t"]))], replies: 9).suppressedReply == nil, "nothing wanted to reply")
    }

    @Test func hourWindowsWrapPastMidnightInTheWorkspaceZone() throws {
        let night = rule("night", InboxRuleConditions(hours: HourWindow(from: 22, to: 6)), InboxRuleActions(tags: ["night"]))
        for (time, expected) in [("23:30", true), ("00:00", true), ("05:59", true), ("06:00", false), ("21:59", false), ("22:00", true)] {
            let at = try local("2025-03-10 \(time)", shanghai)
            #expect((route(facts(at: at), [night]).matchedRuleIDs == [night.id]) == expected, "\(time) Shanghai")
        }
        // 23:30 in Shanghai is 15:30 UTC: outside the window when read in UTC.
        let late = try local("2025-03-10 23:30", shanghai)
        #expect(route(facts(at: late), [night], zone: .gmt).matchedRuleIDs.isEmpty)
        let allDay = rule("all", InboxRuleConditions(hours: HourWindow(from: 8, to: 8)), InboxRuleActions(tags: ["all"]))
        #expect(route(facts(at: late), [allDay]).matchedRuleIDs == [allDay.id])
        let office = HourWindow(from: 9, to: 18)
        #expect(office.contains(hour: 9) && office.contains(hour: 17) && !office.contains(hour: 18) && !office.contains(hour: 8))
    }

    @Test func conditionsDecodeWithMissingKeysAndEncodeSnakeCase() throws {
        let empty = try JSONDecoder().decode(InboxRuleConditions.self, from: Data("{}".utf8))
        #expect(empty == InboxRuleConditions())
        let id = UUID()
        let json = #"{"keywords":["退款"],"account_ids":["\#(id.uuidString)"],"hours":{"from":22,"to":6}}"#
        let partial = try JSONDecoder().decode(InboxRuleConditions.self, from: Data(json.utf8))
        #expect(partial == InboxRuleConditions(keywords: ["退款"], accountIDs: [id], hours: HourWindow(from: 22, to: 6)))
        let encoded = String(decoding: try JSONEncoder().encode(partial), as: UTF8.self)
        #expect(encoded.contains("\"account_ids\"") && !encoded.contains("accountIDs"))
        #expect(try JSONDecoder().decode(InboxRuleConditions.self, from: JSONEncoder().encode(partial)) == partial)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(InboxRuleConditions.self, from: Data(#"{"keywords":"退款"}"#.utf8))
        }
    }

    @Test func actionsDecodeWithMissingKeysAndEncodeSnakeCase() throws {
        let id = UUID()
        let decoded = try JSONDecoder().decode(InboxRuleActions.self, from: Data(#"{"reply_template_id":"\#(id.uuidString)"}"#.utf8))
        #expect(decoded == InboxRuleActions(replyTemplateID: id))
        #expect(try JSONDecoder().decode(InboxRuleActions.self, from: Data("{}".utf8)) == InboxRuleActions())
        let full = InboxRuleActions(replyTemplateID: id, tags: ["a"], queue: .experts, escalate: true)
        let encoded = String(decoding: try JSONEncoder().encode(full), as: UTF8.self)
        #expect(encoded.contains("\"reply_template_id\"") && encoded.contains("\"experts\""))
        #expect(try JSONDecoder().decode(InboxRuleActions.self, from: Data(encoded.utf8)) == full)
    }

    @Test func aGoodRuleHasNoProblems() {
        let problems = InboxRouting.problems(
            name: "退款 FAQ", conditions: InboxRuleConditions(keywords: ["退款"], intents: ["question"], kinds: ["comment"]),
            actions: InboxRuleActions(replyTemplateID: templateA))
        #expect(problems.isEmpty)
    }

    @Test func ruleProblemsNameTheFieldAndWhatIsAccepted() {
        let conditions = InboxRuleConditions(
            keywords: ["退款", " "], intents: ["refund", "question", "refund"], sentiments: ["positive"], tiers: ["vip"], kinds: ["dm"],
            hours: HourWindow(from: 22, to: 24))
        let problems = InboxRouting.problems(name: "  ", conditions: conditions, actions: InboxRuleActions(tags: [""]))
        let pairs = problems.map { "\($0.field): \($0.message)" }
        #expect(
            pairs == [
                "name: must not be empty",
                "conditions.keywords: must not contain empty keywords or keywords of only spaces and punctuation",
                "conditions.intents: has unknown value 'refund'; accepted: question, complaint, praise, purchase, spam, other",
                "conditions.sentiments: has unknown value 'positive'; accepted: pos, neu, neg",
                "conditions.tiers: has unknown value 'vip'; accepted: silent, potential, active, core",
                "conditions.kinds: has unknown value 'dm'; accepted: comment, mention, direct_message",
                "conditions.hours: must have from and to between 0 and 23",
                "actions.tags: must not contain empty tags",
            ])
    }

    @Test func aRuleMustDoSomethingAndHaveAShortName() {
        let none = InboxRouting.problems(name: String(repeating: "名", count: 101), conditions: InboxRuleConditions(), actions: InboxRuleActions())
        #expect(none.map(\.field) == ["name", "actions"])
        #expect(none.last?.coded.english == "must reply, tag, queue or escalate")
        #expect(none.first?.coded.english == "must be at most 100 characters")
        let hundred = InboxRouting.problems(
            name: String(repeating: "名", count: 100), conditions: InboxRuleConditions(), actions: InboxRuleActions(escalate: true))
        #expect(hundred.isEmpty)
    }
}

@Suite struct InboxCoreServiceLevelTests {
    let weekdays = BusinessHours(start: 9 * 60, end: 18 * 60, weekdays: [2, 3, 4, 5, 6])

    @Test func wallTimeDeadlinesAreElapsedTimeEvenAcrossDST() throws {
        let policy = ServiceLevelPolicy.standard
        #expect(policy.firstResponse == 3 * 3_600 && policy.resolution == 24 * 3_600 && policy.warningFraction == 0.8)
        let start = try local("2025-03-08 12:00", newYork)
        let due = policy.deadline(from: start, after: policy.resolution, zone: newYork)
        #expect(due.timeIntervalSince(start) == 24 * 3_600)
        #expect(wall(due, newYork) == "2025-03-09 13:00", "the clocks sprang forward overnight")
        #expect(policy.serviceTime(from: start, to: due, zone: newYork) == 24 * 3_600)
        #expect(policy.serviceTime(from: due, to: start, zone: newYork) == 0)
    }

    @Test func businessHoursSkipTheWeekend() throws {
        let policy = ServiceLevelPolicy(firstResponse: 3 * 3_600, resolution: 24 * 3_600, businessHours: weekdays)
        let friday = try local("2025-03-14 17:30", shanghai)
        let due = policy.deadline(from: friday, after: 3 * 3_600, zone: shanghai)
        #expect(wall(due, shanghai) == "2025-03-17 11:30")
        #expect(policy.serviceTime(from: friday, to: due, zone: shanghai) == 3 * 3_600)
        // Before opening, the clock waits for 9:00.
        let early = try local("2025-03-17 07:00", shanghai)
        #expect(wall(policy.deadline(from: early, after: 3_600, zone: shanghai), shanghai) == "2025-03-17 10:00")
        // Ending exactly at closing stays on that day.
        #expect(wall(policy.deadline(from: early, after: 9 * 3_600, zone: shanghai), shanghai) == "2025-03-17 18:00")
    }

    @Test func businessHoursFollowTheLocalClockThroughDST() throws {
        let policy = ServiceLevelPolicy(firstResponse: 3 * 3_600, resolution: 24 * 3_600, businessHours: weekdays)
        let friday = try local("2025-03-07 17:30", newYork)
        let due = policy.deadline(from: friday, after: 3 * 3_600, zone: newYork)
        #expect(wall(due, newYork) == "2025-03-10 11:30")
        #expect(due.timeIntervalSince(friday) == 65 * 3_600, "Sunday had 23 hours")
        // A whole Sunday of business time is only 23 hours on the day the clocks change.
        let sundays = ServiceLevelPolicy(firstResponse: 3_600, resolution: 3_600, businessHours: BusinessHours(start: 0, end: 1_440, weekdays: [1]))
        let saturday = try local("2025-03-08 12:00", newYork)
        let monday = try local("2025-03-10 12:00", newYork)
        #expect(sundays.serviceTime(from: saturday, to: monday, zone: newYork) == 23 * 3_600)
        // On the short day itself the desk still opens at 9:00 local time.
        let everyDay = ServiceLevelPolicy(
            firstResponse: 3_600, resolution: 3_600, businessHours: BusinessHours(start: 9 * 60, end: 18 * 60, weekdays: Array(1...7)))
        let sundayMorning = try local("2025-03-09 08:00", newYork)
        #expect(wall(everyDay.deadline(from: sundayMorning, after: 3_600, zone: newYork), newYork) == "2025-03-09 10:00")
    }

    @Test func clocksWarnAtEightyPercentAndBreachAtTheDeadline() throws {
        let policy = ServiceLevelPolicy.standard
        let start = try local("2025-03-10 10:00", shanghai)
        func clock(now: String, stopped: String? = nil) throws -> ServiceClock {
            ServiceClock.make(
                start: start, duration: 3 * 3_600, stoppedAt: try stopped.map { try local($0, shanghai) }, now: try local(now, shanghai),
                policy: policy, zone: shanghai)
        }
        let running = try clock(now: "2025-03-10 12:23")
        #expect(running.state == .running)
        #expect(wall(running.due, shanghai) == "2025-03-10 13:00" && wall(running.warnAt, shanghai) == "2025-03-10 12:24")
        #expect(try clock(now: "2025-03-10 12:24").state == .warning)
        #expect(try clock(now: "2025-03-10 13:00").state == .breached)
        #expect(try clock(now: "2025-03-10 20:00", stopped: "2025-03-10 13:00").state == .met)
        #expect(try clock(now: "2025-03-10 20:00", stopped: "2025-03-10 13:01").state == .missed)
        #expect(try clock(now: "2025-03-10 10:30", stopped: "2025-03-10 10:20").state == .met)
    }

    @Test func theBadgeFollowsTheClockThatIsRunning() throws {
        let policy = ServiceLevelPolicy.standard
        let opened = try local("2025-03-10 10:00", shanghai)
        func clocks(first: String?, resolved: String?, now: String) throws -> ConversationClocks {
            ConversationClocks.make(
                openedAt: opened, firstResponseAt: try first.map { try local($0, shanghai) },
                resolvedAt: try resolved.map { try local($0, shanghai) }, now: try local(now, shanghai), policy: policy, zone: shanghai)
        }
        #expect(try clocks(first: nil, resolved: nil, now: "2025-03-10 11:00").badge == .ok)
        #expect(try clocks(first: nil, resolved: nil, now: "2025-03-10 12:30").badge == .warning)
        #expect(try clocks(first: nil, resolved: nil, now: "2025-03-10 13:30").badge == .breached)
        let lateAnswer = try clocks(first: "2025-03-10 14:00", resolved: nil, now: "2025-03-10 15:00")
        #expect(lateAnswer.firstResponse.state == .missed)
        #expect(lateAnswer.resolution.state == .running)
        #expect(lateAnswer.badge == .ok, "once answered, the resolution clock decides")
        #expect(try clocks(first: "2025-03-10 11:00", resolved: nil, now: "2025-03-11 08:00").badge == .warning)
        #expect(try clocks(first: "2025-03-10 11:00", resolved: nil, now: "2025-03-11 10:00").badge == .breached)
        let done = try clocks(first: nil, resolved: "2025-03-10 12:00", now: "2025-03-12 12:00")
        #expect(done.badge == .done)
        #expect(done.firstResponse.state == .met && done.resolution.state == .met)
        #expect(try clocks(first: "2025-03-10 11:00", resolved: "2025-03-11 12:00", now: "2025-03-12 12:00").resolution.state == .missed)
    }

    @Test func policyProblemsNameTheirFields() {
        #expect(ServiceLevelPolicy.standard.problems.isEmpty)
        let bad = ServiceLevelPolicy(
            firstResponse: 30, resolution: 31 * 86_400, warningFraction: 1, businessHours: BusinessHours(start: 600, end: 600, weekdays: [0]))
        #expect(
            bad.problems.map { "\($0.field): \($0.message)" } == [
                "first_response: must be between 1 minute and 30 days",
                "resolution: must be between 1 minute and 30 days",
                "warning_fraction: must be at least 0.5 and less than 1",
                "business_hours: must start before they end, both in minutes from 0 to 1440 after midnight",
                "business_hours.weekdays: must list at least one weekday, each from 1 (Sunday) to 7 (Saturday)",
            ])
        let inverted = ServiceLevelPolicy(firstResponse: 4 * 3_600, resolution: 3_600, warningFraction: 0.5)
        #expect(inverted.problems.map(\.field) == ["resolution"])
        #expect(inverted.problems.first?.coded.english == "must not be shorter than the first response")
        let noDays = ServiceLevelPolicy(firstResponse: 60, resolution: 60, businessHours: BusinessHours(start: 0, end: 1_440, weekdays: []))
        #expect(noDays.problems.map(\.field) == ["business_hours.weekdays"])
        #expect(ServiceLevelPolicy(firstResponse: .nan, resolution: 3_600).problems.map(\.field) == ["first_response"])
    }

    @Test func unusableBusinessHoursFallBackToWallTime() throws {
        let policy = ServiceLevelPolicy(firstResponse: 3_600, resolution: 3_600, businessHours: BusinessHours(start: 0, end: 600, weekdays: []))
        let start = try local("2025-03-10 10:00", shanghai)
        #expect(policy.deadline(from: start, after: 3_600, zone: shanghai) == start.addingTimeInterval(3_600))
    }
}

@Suite struct InboxCoreFeedbackTests {
    @Test func scoresRewardImpactUrgencyAndLowCost() {
        #expect(FeedbackScore(impact: 5, urgency: 5, cost: 1).value == 125)
        #expect(FeedbackScore(impact: 1, urgency: 1, cost: 5).value == 1)
        #expect(FeedbackScore(impact: 3, urgency: 4, cost: 2).value == 48)
        #expect(FeedbackScore(impact: 3, urgency: 3, cost: 1).value > FeedbackScore(impact: 3, urgency: 3, cost: 5).value)
        #expect(FeedbackScore(impact: 9, urgency: 5, cost: -2).value == 125, "bad stored values still sort within range")
        #expect(FeedbackScore(impact: 3, urgency: 3, cost: 3).problems.isEmpty)
        let bad = FeedbackScore(impact: 0, urgency: 3, cost: 6).problems
        #expect(bad.map(\.field) == ["impact", "cost"])
        #expect(bad.allSatisfy { $0.coded.english == "must be a whole number from 1 to 5" })
    }

    @Test func feedbackVocabulariesKeepTheirWireNames() {
        #expect(FeedbackStatus.inProgress.rawValue == "in_progress")
        #expect(FeedbackKind.allCases.count == 5 && FeedbackResolution.allCases.map(\.rawValue) == ["adopted", "declined", "fixed", "duplicate"])
    }

    @Test func gramsAreBigramsOfTheFoldedText() {
        #expect(FeedbackSimilarity.grams("夜间模式") == ["夜间", "间模", "模式"])
        #expect(FeedbackSimilarity.grams("夜間，模式！") == ["夜间", "间模", "模式"], "traditional and punctuation fold away")
        #expect(FeedbackSimilarity.grams("Ａ b") == ["ab"])
        #expect(FeedbackSimilarity.grams("好") == ["好"])
        #expect(FeedbackSimilarity.grams("！？ ").isEmpty)
    }

    @Test func similarityIsTheDiceCoefficient() {
        let a = FeedbackSimilarity.grams("希望增加夜间模式")
        let b = FeedbackSimilarity.grams("建议增加夜间模式吧")
        #expect(abs(FeedbackSimilarity.similarity(a, b) - 10.0 / 15.0) < 1e-9)
        #expect(FeedbackSimilarity.similarity(a, a) == 1)
        #expect(FeedbackSimilarity.similarity(a, FeedbackSimilarity.grams("hello")) == 0)
        #expect(FeedbackSimilarity.similarity([], []) == 0)
    }

    func score(_ a: String, _ b: String) -> Double {
        FeedbackSimilarity.similarity(FeedbackSimilarity.grams(a), FeedbackSimilarity.grams(b))
    }

    @Test(arguments: [
        ("希望增加夜间模式", "建议增加夜间模式吧"),
        ("客服回复太慢了", "客服回复速度太慢"),
        ("能不能支持导出Excel", "希望可以支持导出Excel表格"),
        ("Please add a dark mode", "Add a dark mode, please"),
        ("The app crashes on login", "App crashes when I log in"),
        ("Please add a dark mode", "PLEASE ADD DARK MODE!!"),
    ])
    func rewordedFeedbackMerges(_ pair: (String, String)) {
        #expect(score(pair.0, pair.1) >= FeedbackSimilarity.mergeThreshold, "\(pair.0) / \(pair.1): \(score(pair.0, pair.1))")
    }

    @Test(arguments: [
        ("希望增加夜间模式", "希望增加会员积分"),
        ("客服回复太慢了", "物流太慢了"),
        ("Please add a dark mode", "Please add export to CSV"),
        ("Dark mode please", "Dark mode is broken"),
        ("Add dark mode please", "Export reports to CSV"),
    ])
    func feedbackThatOnlySharesWordsStaysApart(_ pair: (String, String)) {
        #expect(score(pair.0, pair.1) < FeedbackSimilarity.mergeThreshold, "\(pair.0) / \(pair.1): \(score(pair.0, pair.1))")
    }

    @Test func nearDuplicatesAreRankedBestFirstAndLimited() throws {
        let exact = UUID()
        let close = UUID()
        let closeTwin = UUID()
        let unrelated = UUID()
        let candidates: [(id: UUID, text: String)] = [
            (unrelated, "希望增加会员积分"),
            (close, "建议增加夜间模式吧"),
            (exact, "希望增加夜間模式！"),
            (closeTwin, "建议增加夜间模式吧"),
        ]
        let found = FeedbackSimilarity.nearDuplicates(of: "希望增加夜间模式", among: candidates)
        #expect(found.map(\.id) == [exact, close, closeTwin], "ties keep the given order")
        #expect(try #require(found.first).similarity == 1)
        #expect(FeedbackSimilarity.nearDuplicates(of: "希望增加夜间模式", among: candidates, limit: 2).map(\.id) == [exact, close])
        #expect(FeedbackSimilarity.nearDuplicates(of: "希望增加夜间模式", among: candidates, limit: 0).isEmpty)
        #expect(FeedbackSimilarity.nearDuplicates(of: "希望增加夜间模式", among: candidates, threshold: 0.4).count == 4)
        #expect(FeedbackSimilarity.nearDuplicates(of: "完全无关的话题", among: candidates).isEmpty)
    }
}

/// A body's problems in English, as a test states them.
private func templateProblems(_ body: String) -> [String] { ReplyTemplateText.problems(in: body).map(\.english) }

/// A reply's problem in English, as a test states it.
private func replyProblem(_ text: String, platform: String) -> String? { ReplyLimits.problem(with: text, platform: platform)?.english }
