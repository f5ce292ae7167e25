import FanfareCore
import Foundation
import Testing

@Suite struct ContentVocabularyTests {
    @Test func valuesParseLenientlyAndNameWhatIsAccepted() throws {
        #expect(try Pillar(validating: " Value add ") == .valueAdd)
        #expect(try Pillar(validating: "value-add") == .valueAdd)
        #expect(try ContentFormat(validating: "LONG_ARTICLE") == .longArticle)
        #expect(try ContentFormat(validating: "short video") == .shortVideo)
        #expect(try ContentPool(validating: "Reserve") == .reserve)
        #expect(try LicenceKind(validating: "creative-commons") == .creativeCommons)
        #expect(throws: ValidationErrors("pillar", .isValueOneOf(value: "promo", choices: ["basic", "core", "value_add"]))) {
            try Pillar(validating: "promo")
        }
        #expect(
            throws: ValidationErrors("format", .isValueOneOf(value: "", choices: ["image_text", "short_video", "live", "audio", "long_article"]))
        ) {
            try ContentFormat(validating: "")
        }
        #expect(throws: ValidationErrors("items[3].pool", .isValueOneOf(value: "hot", choices: ["hit", "regular", "reserve"]))) {
            try ContentPool(validating: "hot", field: "items[3].pool")
        }
    }

    @Test func theTargetMixAddsUpToAWhole() {
        #expect(abs(Pillar.allCases.map(\.targetShare).reduce(0, +) - 1) < 1e-9)
        #expect(Pillar.basic.targetShare == 0.60 && Pillar.core.targetShare == 0.25 && Pillar.valueAdd.targetShare == 0.15)
    }

    @Test func premiumAndLightFormats() {
        let premium = ContentFormat.allCases.filter { $0.defaultCadenceWeight == .premium }
        #expect(Set(premium) == [.longArticle, .live, .audio])
        #expect(CadenceTargets.standard.weight(of: .imageText) == .light)
        #expect(CadenceTargets.standard.weight(of: .shortVideo) == .light)
    }

    @Test func targetsEncodeTheMixAsAnObject() throws {
        let json = String(decoding: try JSONEncoder().encode(CadenceTargets.standard), as: UTF8.self)
        #expect(json.contains(#""value_add":0.15"#))
        #expect(try JSONDecoder().decode(CadenceTargets.self, from: Data(json.utf8)) == .standard)
    }
}

@Suite struct CadenceCheckTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    /// Wednesday 2025-03-12 12:00 in Shanghai.
    let wednesday = Date(timeIntervalSince1970: 1_741_752_000)

    func day(_ offset: Double, hour: Double = 12) -> Date {
        wednesday.addingTimeInterval(offset * 86_400 + (hour - 12) * 3600)
    }

    func reserve(_ count: Int) -> [CadenceItem] {
        Array(repeating: CadenceItem(pillar: .basic, format: .imageText, pool: .reserve), count: count)
    }

    /// A healthy week: 2 premium, 4 light, mix 6/3/1 over the window... plus
    /// a full reserve.
    func healthyWeek() -> [CadenceItem] {
        var items = reserve(15)
        items += [
            CadenceItem(pillar: .core, format: .longArticle, scheduledAt: day(-2)),
            CadenceItem(pillar: .valueAdd, format: .live, publishedAt: day(-1)),
        ]
        items += (0..<4).map { CadenceItem(pillar: .basic, format: .imageText, scheduledAt: day(Double($0 % 3))) }
        items += (0..<2).map { CadenceItem(pillar: .basic, format: .shortVideo, publishedAt: day(-10 - Double($0))) }
        items += [CadenceItem(pillar: .core, format: .imageText, publishedAt: day(-12))]
        items += [CadenceItem(pillar: .core, format: .imageText, publishedAt: day(-13))]
        return items
    }

    @Test func aHealthyPlanHasNoWarnings() {
        let warnings = CadenceCheck.warnings(items: healthyWeek(), weekOf: wednesday, timeZone: shanghai)
        #expect(warnings == [])
    }

    @Test func theReserveCountsOnlyUnusedReserveItems() throws {
        var items = healthyWeek()
        items.removeFirst()
        items.append(CadenceItem(pillar: .basic, format: .imageText, pool: .reserve, scheduledAt: day(20)))
        items.append(CadenceItem(pillar: .basic, format: .imageText, pool: .regular))
        let warnings = CadenceCheck.warnings(items: items, weekOf: wednesday, timeZone: shanghai)
        let low = try #require(warnings.first)
        #expect(warnings.map(\.code) == ["reserve.low"])
        #expect(low.measured == 14 && low.targetMin == 15)
        #expect(low.message.contains("14") && low.message.contains("at least 15"))
    }

    @Test func weeklyCountsWarnBelowAndAboveTheRange() {
        let empty = CadenceCheck.warnings(items: reserve(15), weekOf: wednesday, timeZone: shanghai)
        #expect(empty.map(\.code) == ["premium.weekly_low", "light.weekly_low"])
        #expect(empty.map(\.measured) == [0, 0])
        #expect(empty[1].targetMin == 3 && empty[1].targetMax == 5)

        var busy = reserve(15)
        busy += (0..<3).map { _ in CadenceItem(pillar: .core, format: .audio, scheduledAt: day(1)) }
        busy += (0..<6).map { _ in CadenceItem(pillar: .basic, format: .shortVideo, scheduledAt: day(2)) }
        let over = CadenceCheck.warnings(items: busy, weekOf: wednesday, timeZone: shanghai)
        #expect(over.map(\.code) == ["premium.weekly_high", "light.weekly_high"])
        #expect(over.map(\.measured) == [3, 6])

        // Unclassified items count toward neither.
        let unclassified = reserve(15) + [CadenceItem(pillar: nil, format: nil, scheduledAt: day(0))]
        #expect(CadenceCheck.warnings(items: unclassified, weekOf: wednesday, timeZone: shanghai).map(\.measured) == [0, 0])
    }

    @Test func theWeekRunsMondayToSundayInTheWorkspaceTimeZone() {
        // Monday 2025-03-10 00:00 in Shanghai is Sunday 16:00 UTC.
        let mondayStart = Date(timeIntervalSince1970: 1_741_536_000)
        let justBefore = mondayStart.addingTimeInterval(-1)
        let sundayLast = mondayStart.addingTimeInterval(7 * 86_400 - 1)
        func premiumCount(_ at: Date, _ zone: TimeZone) -> Double? {
            let items = reserve(15) + [CadenceItem(pillar: .core, format: .longArticle, scheduledAt: at)]
            return CadenceCheck.warnings(items: items, weekOf: wednesday, timeZone: zone).first { $0.code.hasPrefix("premium") }?.measured
        }
        #expect(premiumCount(mondayStart, shanghai) == nil, "one premium piece is on target")
        #expect(premiumCount(sundayLast, shanghai) == nil)
        #expect(premiumCount(justBefore, shanghai) == 0, "Sunday night belongs to the week before")
        #expect(premiumCount(sundayLast.addingTimeInterval(1), shanghai) == 0)
        // In UTC that Sunday 16:00 is still the previous week.
        #expect(premiumCount(mondayStart, TimeZone(identifier: "UTC")!) == 0)
        // A published item counts at its publish time, not its old schedule.
        let moved = reserve(15) + [CadenceItem(pillar: .core, format: .longArticle, scheduledAt: day(-30), publishedAt: day(0))]
        #expect(!CadenceCheck.warnings(items: moved, weekOf: wednesday, timeZone: shanghai).contains { $0.code.hasPrefix("premium") })
    }

    @Test func thePillarMixIsJudgedOnlyWithEnoughItemsAndBeyondTheTolerance() throws {
        func mix(_ basic: Int, _ core: Int, _ valueAdd: Int, daysAgo: Double = 5) -> [CadenceItem] {
            let counts: [(Pillar, Int)] = [(.basic, basic), (.core, core), (.valueAdd, valueAdd)]
            return counts.flatMap { pillar, count in
                (0..<count).map { _ in CadenceItem(pillar: pillar, format: nil, publishedAt: day(-daysAgo)) }
            }
        }
        func mixCodes(_ items: [CadenceItem]) -> [CadenceWarning] {
            CadenceCheck.warnings(items: reserve(15) + items, weekOf: wednesday, timeZone: shanghai).filter { $0.code == "pillar_mix.off" }
        }
        // Nine items all basic: too few to judge.
        #expect(mixCodes(mix(9, 0, 0)) == [])
        // Ten items all basic: every pillar is off.
        let allBasic = mixCodes(mix(10, 0, 0))
        #expect(allBasic.map(\.pillar) == [.basic, .core, .valueAdd])
        let basic = try #require(allBasic.first)
        #expect(basic.measured == 1.0)
        #expect(abs(basic.targetMin! - 0.5) < 1e-9 && abs(basic.targetMax! - 0.7) < 1e-9)
        #expect(basic.message.contains("100 %") && basic.message.contains("60 %"))
        // 7/2/1 of 10: basic 70 % is exactly at the tolerance edge, not beyond.
        #expect(mixCodes(mix(7, 2, 1)) == [])
        // 8/1/1: basic 80 % is off, core 10 % is off by 15 points, value-add 10 % is fine.
        #expect(mixCodes(mix(8, 1, 1)).map(\.pillar) == [.basic, .core])
        // Items older than the 30-day window do not count.
        #expect(mixCodes(mix(10, 0, 0, daysAgo: 40)) == [])
        // Items after the checked week do not count either.
        #expect(mixCodes(mix(10, 0, 0, daysAgo: -9)) == [])
    }

    @Test func targetsAreConfigurable() {
        let strict = CadenceTargets(reserveMinimum: 2, premiumPerWeek: 0...1, lightPerWeek: 0...9, premiumFormats: [.longArticle])
        let items = reserve(2) + [CadenceItem(pillar: .core, format: .live, scheduledAt: day(0))]
        #expect(CadenceCheck.warnings(items: items, weekOf: wednesday, timeZone: shanghai, targets: strict) == [])
    }
}

@Suite struct AssetRightsTests {
    let publish = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func usableAssetsHaveNoProblem() {
        #expect(AssetRights.problem(for: AssetLicence(source: "", licence: .owned), at: publish) == nil)
        #expect(
            AssetRights.problem(
                for: AssetLicence(source: "Stock Co.", licence: .licensed, expiresAt: publish.addingTimeInterval(1), proof: "INV-7"), at: publish)
                == nil)
        #expect(AssetRights.problem(for: AssetLicence(source: "Stock Co.", licence: .licensed, proof: "INV-7"), at: publish) == nil)
        #expect(AssetRights.problem(for: AssetLicence(source: "Wikimedia", licence: .creativeCommons), at: publish) == nil)
        #expect(AssetRights.problem(for: AssetLicence(source: "Archive", licence: .publicDomain), at: publish) == nil)
    }

    @Test func unknownExpiredOrUnprovenAssetsAreRefused() throws {
        let unknown = try #require(AssetRights.problem(for: AssetLicence(source: "web", licence: .unknown), at: publish))
        #expect(unknown.english.contains("unknown"))
        let expired = try #require(
            AssetRights.problem(for: AssetLicence(source: "Stock", licence: .licensed, expiresAt: publish, proof: "INV"), at: publish))
        #expect(expired.english.contains("licence ends"))
        // Even an owned asset with an end date (e.g. a model release) is refused after it.
        #expect(AssetRights.problem(for: AssetLicence(source: "", licence: .owned, expiresAt: publish.addingTimeInterval(-60)), at: publish) != nil)
        let noProof = try #require(AssetRights.problem(for: AssetLicence(source: "Stock", licence: .licensed, proof: "  "), at: publish))
        #expect(noProof.english.contains("proof"))
        #expect(AssetRights.problem(for: AssetLicence(source: " ", licence: .creativeCommons), at: publish)?.english.contains("source") == true)
    }
}

@Suite struct HotTopicTests {
    let raised = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func aHotTopicMustGoOutWithin24Hours() throws {
        #expect(HotTopic.deadline(raisedAt: raised) == raised.addingTimeInterval(86_400))
        #expect(HotTopic.meetsDeadline(raisedAt: raised, publishAt: raised.addingTimeInterval(86_400)))
        #expect(HotTopic.meetsDeadline(raisedAt: raised, publishAt: raised))
        #expect(!HotTopic.meetsDeadline(raisedAt: raised, publishAt: raised.addingTimeInterval(86_401)))
        #expect(HotTopic.problem(raisedAt: raised, publishAt: raised.addingTimeInterval(3600)) == nil)
        let late = try #require(HotTopic.problem(raisedAt: raised, publishAt: raised.addingTimeInterval(86_400 + 90 * 60)))
        #expect(late.english.contains("90 minute(s) late"))
    }
}
