import FanfareCore
import Foundation
import Testing

/// Monitor queries, the matcher over many monitors, alert grading and
/// incident clocks (issue 20; docs/listening.md).
@Suite struct MonitorQueryTests {
    func heard(_ query: String, _ keys: [String]) throws -> Bool {
        try MonitorQuery(query).matches(keys: Set(keys.map(TextFolding.fold)))
    }

    @Test func phrasesSideBySideAreAllNeeded() throws {
        #expect(try heard("星巴克 咖啡", ["星巴克", "咖啡"]))
        #expect(try !heard("星巴克 咖啡", ["星巴克"]))
        #expect(try heard("星巴克 AND 咖啡", ["星巴克", "咖啡"]))
    }

    @Test func andBindsTighterThanOr() throws {
        // a OR (b AND c)
        #expect(try heard("a OR b c", ["a"]))
        #expect(try !heard("a OR b c", ["b"]))
        #expect(try heard("a OR b c", ["b", "c"]))
        #expect(try heard("(a OR b) c", ["b", "c"]))
        #expect(try !heard("(a OR b) c", ["a"]))
    }

    @Test func notAndMinusExclude() throws {
        #expect(try heard("星巴克 NOT 招聘", ["星巴克"]))
        #expect(try !heard("星巴克 NOT 招聘", ["星巴克", "招聘"]))
        #expect(try !heard("星巴克 -招聘", ["星巴克", "招聘"]))
        #expect(try !heard("星巴克 -(招聘 OR 兼职)", ["星巴克", "兼职"]))
        // A minus inside a word is part of it.
        let query = try MonitorQuery("iPhone-15")
        #expect(query.phrases == ["iPhone-15"])
    }

    @Test func quotesFullWidthAndOperatorsInAnyCase() throws {
        let query = try MonitorQuery("“新品 上市” or 「限定」 ｜ （Starbucks and not 招聘）")
        #expect(query.phrases == ["新品 上市", "限定", "Starbucks", "招聘"])
        #expect(query.matches(keys: [TextFolding.fold("新品上市")]))
        #expect(query.matches(keys: [TextFolding.fold("starbucks")]))
        #expect(!query.matches(keys: [TextFolding.fold("starbucks"), TextFolding.fold("招聘")]))
    }

    @Test func samePhraseTwiceIsOnePhrase() throws {
        let query = try MonitorQuery("星巴克 OR \"星 巴 克\" OR 星巴剋")
        #expect(query.phrases == ["星巴克"])
    }

    @Test(arguments: [
        ("", "not_empty"),
        ("\"unclosed", "monitor_query_quote"),
        ("(a OR b", "monitor_query_parenthesis"),
        ("a OR b)", "monitor_query_parenthesis"),
        ("a OR", "monitor_query_expected"),
        ("AND a", "monitor_query_expected"),
        ("a () b", "monitor_query_expected"),
        ("NOT 招聘", "monitor_query_negative_only"),
        ("a OR NOT b", "monitor_query_negative_only"),
        ("\"...\" a", "monitor_query_phrase_empty"),
    ])
    func refusedWithItsCode(query: String, code: String) {
        #expect(throws: ValidationErrors.self) { try MonitorQuery(query) }
        do {
            _ = try MonitorQuery(query, field: "query")
        } catch {
            #expect(error.issues.first?.field == "query")
            #expect(error.issues.first?.coded.code.rawValue == code)
        }
    }

    @Test func limitsAreNamed() {
        let many = (1...51).map { "w\($0)" }.joined(separator: " OR ")
        do {
            _ = try MonitorQuery(many)
            Issue.record("51 phrases accepted")
        } catch { #expect(error.issues.first?.coded.code == .itemsAtMost) }
        let deep = String(repeating: "(", count: 17) + "a" + String(repeating: ")", count: 17)
        do {
            _ = try MonitorQuery(deep)
            Issue.record("17 levels accepted")
        } catch { #expect(error.issues.first?.coded.code == .monitorQueryDepth) }
        do {
            _ = try MonitorQuery(String(repeating: "字", count: 1_001))
            Issue.record("1,001 characters accepted")
        } catch { #expect(error.issues.first?.coded.code == .lengthAtMost) }
    }

    @Test func positionsCountCharacters() {
        do {
            _ = try MonitorQuery("星巴克 OR (咖啡")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.first?.coded == .monitorQueryParenthesis(position: 8))
        }
    }
}

@Suite struct MonitorMatcherTests {
    let brand = UUID()
    let competitor = UUID()
    let risk = UUID()

    func matcher() throws -> MonitorMatcher {
        MonitorMatcher([
            MonitorDefinition(id: brand, query: try MonitorQuery("星巴克 OR Starbucks"), exclusions: ["招聘"]),
            MonitorDefinition(id: competitor, query: try MonitorQuery("瑞幸 咖啡"), platforms: ["weibo"]),
            MonitorDefinition(id: risk, query: try MonitorQuery("(星巴克 OR Starbucks) (退款 OR 投诉 OR 食品安全)")),
        ])
    }

    @Test func evasiveSpellingsOfTheBrandAreHeard() throws {
        let matcher = try matcher()
        for text in ["今天去了星 巴 克", "ＳＴＡＲＢＵＣＫＳ new cup", "星巴剋的拿铁", "s.t.a.r.b.u.c.k.s!!", "我在星*巴*克"] {
            #expect(matcher.match(text, platform: "weibo", source: nil) == [brand], "\(text)")
        }
    }

    @Test func wordsStandAloneAndExclusionsRuleOut() throws {
        let matcher = try matcher()
        #expect(matcher.match("starbucksy is not a brand", platform: "weibo", source: nil).isEmpty)
        #expect(matcher.match("星巴克招聘店员", platform: "weibo", source: nil).isEmpty)
        #expect(Set(matcher.match("星巴克 退款太慢了", platform: "weibo", source: nil)) == [brand, risk])
    }

    @Test func scopeByPlatformAndSource() throws {
        let matcher = try matcher()
        #expect(matcher.match("瑞幸的咖啡", platform: "weibo", source: nil) == [competitor])
        #expect(matcher.match("瑞幸的咖啡", platform: "douyin", source: nil).isEmpty)
        let feed = UUID()
        let scoped = MonitorMatcher([MonitorDefinition(id: brand, query: try MonitorQuery("星巴克"), sources: [feed])])
        #expect(scoped.match("星巴克", platform: "rss", source: feed) == [brand])
        #expect(scoped.match("星巴克", platform: "rss", source: UUID()).isEmpty)
        #expect(scoped.match("星巴克", platform: "rss", source: nil).isEmpty)
    }

    @Test func manyMonitorsShareOneScan() throws {
        let ids = (0..<1_000).map { _ in UUID() }
        let monitors = try ids.enumerated().map { index, id in
            MonitorDefinition(id: id, query: try MonitorQuery("品牌\(index) OR brand\(index)x"))
        }
        let matcher = MonitorMatcher(monitors)
        #expect(matcher.count == 1_000)
        #expect(matcher.match("今天买了品牌417的东西，还有 BRAND9X", platform: "weibo", source: nil) == [ids[9], ids[417]])
        #expect(matcher.match("nothing here", platform: "weibo", source: nil).isEmpty)
    }

    @Test func exclusionListsAreChecked() {
        do {
            _ = try MonitorDefinition.exclusions(["ok", "!!!"])
            Issue.record("an exclusion of symbols only should be refused")
        } catch {
            #expect(error.issues.map(\.field) == ["exclusions[1]"])
            #expect(error.issues.map(\.coded) == [.monitorExclusionEmpty(phrase: "!!!")])
        }
        #expect((try? MonitorDefinition.exclusions([" 招聘 ", "", "兼职"])) == ["招聘", "兼职"])
        #expect(throws: ValidationErrors.self) { try MonitorDefinition.exclusions((0...50).map { "w\($0)" }) }
    }
}

@Suite struct AlertGradingTests {
    let rule = AlertGradingRule()

    func window(_ mentions: Int, negative: Int = 0, expected: Double = 5, usual: Double = 0.1, previous: Int? = nil) -> ListeningWindow {
        ListeningWindow(mentions: mentions, negative: negative, expected: expected, usualNegativeShare: usual, previous: previous ?? mentions)
    }

    @Test func ordinaryVolumeRaisesNothing() {
        #expect(rule.grade(window(8)) == nil)
        // Twice the usual but too few mentions to matter.
        #expect(rule.grade(window(9, expected: 2)) == nil)
        // A quiet Friday evening (the benchmark's calm week): ten where four
        // and a half are usual happens in one window of sixty by chance.
        #expect(rule.grade(window(10, expected: 4.5)) == nil)
        #expect(rule.grade(window(12)) == nil)
        // A new monitor expects nothing: ten at once is news.
        #expect(rule.grade(window(10, expected: 0))?.grade == .blue)
    }

    @Test func poissonTailMatchesKnownValues() {
        // scipy.stats.poisson.sf(k - 1, mean)
        #expect(abs(AlertGradingRule.poissonTail(atLeast: 10, mean: 4.5) - 0.017_093) < 1e-5)
        #expect(abs(AlertGradingRule.poissonTail(atLeast: 14, mean: 5) - 0.000_698) < 1e-5)
        #expect(AlertGradingRule.poissonTail(atLeast: 0, mean: 3) == 1)
        #expect(AlertGradingRule.poissonTail(atLeast: 1, mean: 0) == 0)
        // Above 500 the normal approximation: the median is about the mean.
        #expect(abs(AlertGradingRule.poissonTail(atLeast: 1_000, mean: 1_000) - 0.5) < 0.02)
        #expect(AlertGradingRule.poissonTail(atLeast: 1_200, mean: 1_000) < 1e-8)
    }

    @Test func volumeGradesByRatioAndCount() {
        #expect(rule.grade(window(14))?.grade == .blue)
        #expect(rule.grade(window(40, expected: 10))?.grade == .yellow)
        #expect(rule.grade(window(120, expected: 20))?.grade == .orange)
        #expect(rule.grade(window(400, expected: 30))?.grade == .red)
        // Many mentions, but the brand usually hears this many: nothing.
        #expect(rule.grade(window(400, expected: 300)) == nil)
    }

    @Test func negativeShareGradesEvenAtUsualVolume() {
        let reading = rule.grade(window(40, negative: 22, expected: 40, usual: 0.1))
        #expect(reading?.grade == .yellow)
        #expect(reading?.byShare == true && reading?.byVolume == false)
        // A brand whose mentions are usually this negative: the rise is what counts.
        #expect(rule.grade(window(40, negative: 22, expected: 40, usual: 0.5)) == nil)
    }

    @Test func speedRaisesOneGrade() {
        let reading = rule.grade(window(40, expected: 10, previous: 10))
        #expect(reading?.grade == .orange)
        #expect(reading?.raisedBySpeed == true)
        #expect(rule.grade(window(400, expected: 30, previous: 10))?.grade == .red)
    }

    @Test func badRulesAreRefusedFieldByField() {
        var bad = AlertGradingRule()
        bad.yellow.mentions = 5
        bad.red.negativeShare = 1.5
        bad.windowMinutes = 2
        do {
            _ = try bad.validated()
            Issue.record("accepted")
        } catch {
            #expect(Set(error.issues.map(\.field)) == ["yellow", "red.negative_share", "window_minutes"])
        }
        #expect((try? AlertGradingRule().validated()) == AlertGradingRule())
    }

    @Test func oneStoryRaisesOneAlert() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let yellow = rule.grade(window(40, expected: 10))
        let orange = rule.grade(window(120, expected: 20))
        #expect(AlertDecision.decide(reading: yellow, open: nil, now: now) == .raise(.yellow))
        let open = (grade: AlertGrade.yellow, lastSpike: now.addingTimeInterval(-600), snoozedUntil: Date?.none)
        #expect(AlertDecision.decide(reading: yellow, open: open, now: now) == .absorb)
        #expect(AlertDecision.decide(reading: orange, open: open, now: now) == .escalate(from: .yellow, to: .orange))
        #expect(
            AlertDecision.decide(reading: orange, open: (.yellow, now.addingTimeInterval(-600), now.addingTimeInterval(60)), now: now) == .snoozed)
        // Quiet for two hours: the next spike is a new story.
        #expect(AlertDecision.decide(reading: yellow, open: (.red, now.addingTimeInterval(-7_201), nil), now: now) == .raise(.yellow))
        #expect(AlertDecision.decide(reading: nil, open: open, now: now) == .none)
    }
}

@Suite struct IncidentClockTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func state(_ readings: [IncidentClockReading], _ clock: IncidentClock) -> IncidentClockReading.State? {
        readings.first { $0.clock == clock }?.state
    }

    @Test func clocksMetAndMissed() {
        let times = IncidentTimes(firstMention: at(0), detected: at(20), firstResponse: at(20 + 90), resolved: at(20 + 25 * 60))
        let readings = IncidentClocks.read(times, now: at(3_000))
        #expect(state(readings, .detection) == .met)
        #expect(state(readings, .firstResponse) == .met)
        #expect(state(readings, .resolution) == .missed)
        #expect(state(readings, .escalation) == .notNeeded)
        #expect(abs((readings.first { $0.clock == .detection }?.seconds ?? 0) - 20 * 60) < 0.01)
    }

    @Test func runningClocksCountDownAndEscalate() {
        let times = IncidentTimes(firstMention: at(0), detected: at(45))
        let early = IncidentClocks.read(times, now: at(60))
        #expect(state(early, .detection) == .missed)
        #expect(state(early, .firstResponse) == .running)
        #expect(abs((early.first { $0.clock == .firstResponse }?.seconds ?? 0) - 105 * 60) < 0.01)
        let late = IncidentClocks.read(times, now: at(45 + 48 * 60))
        #expect(state(late, .escalation) == .escalated)
        #expect(state(late, .resolution) == .missed)
    }

    @Test func remindersGoOutOnceBeforeAndAtDue() {
        let times = IncidentTimes(firstMention: nil, detected: at(0))
        #expect(IncidentClocks.reminders(times, now: at(60), sent: []).isEmpty)
        let before = IncidentClocks.reminders(times, now: at(91), sent: [])
        #expect(before.map(\.key) == ["first_response.before"])
        let due = IncidentClocks.reminders(times, now: at(121), sent: ["first_response.before"])
        #expect(due.map(\.key) == ["first_response.due"])
        #expect(IncidentClocks.reminders(times, now: at(122), sent: ["first_response.before", "first_response.due"]).isEmpty)
        let answered = IncidentTimes(firstMention: nil, detected: at(0), firstResponse: at(30))
        #expect(IncidentClocks.reminders(answered, now: at(121), sent: []).isEmpty)
        let escalation = IncidentClocks.reminders(answered, now: at(48 * 60), sent: ["resolution.before", "resolution.due", "escalation.before"])
        #expect(escalation.map(\.key) == ["escalation.due"])
    }

    @Test func statusUpdatesFollowTheGrade() {
        let times = IncidentTimes(firstMention: nil, detected: at(0))
        #expect(IncidentClocks.nextStatusUpdate(grade: .red, times: times, lastUpdate: nil) == at(60))
        #expect(IncidentClocks.nextStatusUpdate(grade: .blue, times: times, lastUpdate: at(30)) == at(30 + 480))
        #expect(
            IncidentClocks.nextStatusUpdate(grade: .red, times: IncidentTimes(firstMention: nil, detected: at(0), resolved: at(5)), lastUpdate: nil)
                == nil)
    }
}
