import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The fans pages' models and views, without a database: every value in
/// the reader's language (tiers, levels, privileges, badges, ledger reasons,
/// tier movements, the report's sentence), names masked for roles that may
/// not read them, what people typed kept out of translation, empty states
/// that say what to do, and search and paging that keep the filter.
@Suite struct FanPageTests {
    static let id = UUID(uuidString: "01a1b695-fc6a-722b-9d37-6740c0c46cad")!
    static let other = UUID(uuidString: "01a1b69f-242a-7202-adc8-4d4f946a95f3")!
    static let at = Date(timeIntervalSince1970: 1_800_000_000)
    static let admin = FanViewer(personalData: true, manage: true)
    static let reader = FanViewer(personalData: false, manage: false)

    func context(_ locale: UILocale, _ path: String = "/w/demo/fans") -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
    }

    static func listed(_ name: String = "小雨", tier: String = "core") -> FanListPage.ListedFan {
        FanListPage.ListedFan(
            id: id, name: name, platforms: ["weibo", "mastodon"], tier: tier, interactions30d: 12_345, points: 263, level: 1, lastInteractionAt: at,
            erased: false)
    }

    // MARK: The list

    @Test func theListNamesTiersAndPlatformsInTheReadersLanguageAndKeepsNamesAsTyped() {
        let found = FanListPage.Found(fans: [Self.listed()])
        let zh = FanListPage.model(.init(), found, viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.rows[0].tier == "核心粉丝" && zh.rows[0].interactions == "1.2万" && zh.rows[0].name == .typed("小雨"))
        #expect(zh.tierOptions.map(\.label) == ["全部层级", "沉默粉丝", "潜在粉丝", "活跃粉丝", "核心粉丝"])
        let en = FanListPage.model(.init(), found, viewer: Self.admin, slug: "demo", locale: .en)
        #expect(en.rows[0].tier == "Core" && en.rows[0].interactions == "12.3K")
        let html = FanListPage.view(zh, context(.zhHans)).rendered
        #expect(html.contains("<span translate=\"no\">小雨</span>"))
        #expect(html.contains("data-platform=\"weibo\">微博</span>"))
        #expect(html.contains("class=\"badge tone-success\" data-code=\"core\">核心粉丝</span>"))
        #expect(html.contains("<div class=\"table-scroll\"><table id=\"fans\">"))
    }

    @Test func namesAreMaskedAndSearchIsOfferedOnlyToThoseWhoMayReadPersonalData() {
        let found = FanListPage.Found(fans: [Self.listed()])
        let masked = FanListPage.model(.init(search: "小雨"), found, viewer: Self.reader, slug: "demo", locale: .zhHans)
        #expect(masked.rows[0].name == .typed("小***") && !masked.searchable)
        let html = FanListPage.view(masked, context(.zhHans)).rendered
        #expect(!html.contains("name=\"q\"") && html.contains("id=\"search-needs-permission\"") && !html.contains("小雨"))
        let open = FanListPage.view(
            FanListPage.model(.init(search: "小雨"), found, viewer: Self.admin, slug: "demo", locale: .zhHans), context(.zhHans))
        #expect(open.rendered.contains("name=\"q\" type=\"search\" value=\"小雨\""))
    }

    @Test func pagingKeepsTheSearchAndFilterAndOffersTheFirstPageAgain() {
        let input = FanListPage.Input(search: "mia", tier: "core", platform: "weibo", cursor: "abc")
        let model = FanListPage.model(input, .init(fans: [Self.listed()], nextCursor: "def"), viewer: Self.admin, slug: "demo", locale: .en)
        #expect(model.nextHref == "/w/demo/fans?q=mia&tier=core&platform=weibo&cursor=def")
        #expect(model.firstHref == "/w/demo/fans?q=mia&tier=core&platform=weibo")
        let first = FanListPage.model(.init(), .init(fans: [Self.listed()]), viewer: Self.admin, slug: "demo", locale: .en)
        #expect(first.nextHref == nil && first.firstHref == nil)
    }

    @Test func anEmptyListSaysWhereFansComeFromOrHowToClearTheFilter() {
        let none = FanListPage.model(.init(), .init(), viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(none.empty == .noneYet(accountsHref: "/w/demo/accounts"))
        let html = FanListPage.view(none, context(.zhHans)).rendered
        #expect(html.contains("先连接一个账号") && html.contains("href=\"/w/demo/accounts\""))
        let filtered = FanListPage.model(.init(tier: "core"), .init(), viewer: Self.admin, slug: "demo", locale: .en)
        #expect(filtered.empty == .noMatch(clearHref: "/w/demo/fans"))
        #expect(FanListPage.view(filtered, context(.en)).rendered.contains("Show every fan"))
    }

    @Test func aMergeSuggestionNamesBothFansAsTypedAndItsReasonInWords() {
        let found = FanListPage.Found(suggestions: [
            .init(keptID: Self.id, keptName: "小雨", mergedID: Self.other, mergedName: "Mia", reason: "same_union_id")
        ])
        let zh = FanListPage.model(.init(), found, viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.suggestions[0].sentence.description == "Mia 与 小雨 疑似同一人（相同的微信统一 ID）。")
        #expect(zh.suggestions[0].sentence.html.rendered.contains("<span translate=\"no\">Mia</span> 与 <span translate=\"no\">小雨</span>"))
    }

    // MARK: One fan

    static func fan() -> FanPage.Found {
        var found = FanPage.Found(id: id, name: "小雨")
        found.identities = [.init(platform: "weibo", authorID: "fan_6ets6f", name: "小雨同学", firstSeenAt: at)]
        found.activityTier = "potential"
        found.valueTier = "silver"
        found.stage = "activate"
        found.points = 263
        found.lifetimePoints = 283
        found.level = 1
        found.badges = ["voice", "vip-club"]
        found.programme.badges.append(BadgeRule(id: "vip-club", name: "老粉俱乐部", condition: .lifetimePoints(atLeast: 100)))
        found.attributes.region = "上海"
        found.attributes.verifiedPhone = "13800138000"
        found.lines = [
            .init(at: at, kind: "earn", action: "comment", sourceKey: "message:1", delta: 2, reason: "comment", balanceAfter: 263),
            .init(at: at, kind: "earn", action: nil, sourceKey: "check_in:x:2026-11-23:streak", delta: 20, reason: "7-day streak", balanceAfter: 261),
            .init(at: at, kind: "spend", action: nil, sourceKey: "redeem:abc", delta: -20, reason: "Redeemed 品牌贴纸", balanceAfter: 241),
            .init(at: at, kind: "refund", action: nil, sourceKey: "redeem:abc:refund", delta: 20, reason: "Cancelled 品牌贴纸", balanceAfter: 261),
            .init(at: at, kind: "adjust", action: nil, sourceKey: "adjust:1", delta: 5, reason: "补偿物流延误", balanceAfter: 266),
            .init(at: at, kind: "spend", action: nil, sourceKey: "entry:1:cost", delta: -3, reason: "entry to 周末问答", balanceAfter: 263),
        ]
        found.moves = [
            .init(at: at, dimension: "activity", from: "silent", to: "potential"), .init(at: at, dimension: "stage", from: nil, to: "activate"),
        ]
        return found
    }

    @Test func theFansValuesReadInTheReadersLanguage() {
        let zh = FanPage.model(.init(), Self.fan(), viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.tier == "潜在粉丝" && zh.valueTier == "银牌" && zh.stage == "激活")
        #expect(zh.level.description == "1 级 · 新人")
        #expect(zh.nextLevel?.description == "再获得 217 积分升至 2 级 · 常客")
        #expect(zh.privileges == ["签到奖励", "积分兑换"])
        #expect(zh.badges == [.ours("社区之声"), .typed("老粉俱乐部")])
        #expect(zh.moves.map { "\($0.dimension): \($0.from) → \($0.to)" } == ["活跃层级: 沉默粉丝 → 潜在粉丝", "生命周期: 首次统计 → 激活"])
        let en = FanPage.model(.init(), Self.fan(), viewer: Self.admin, slug: "demo", locale: .en)
        #expect(en.level.description == "Level 1 · Newcomer" && en.privileges == ["Check-in rewards", "Points redemption"])
        #expect(en.moves[0].from == "Silent" && en.moves[0].to == "Potential")
    }

    @Test func ledgerReasonsAreReadFromWhatWroteThemAndTypedReasonsStayAsTyped() {
        let zh = FanPage.model(.init(), Self.fan(), viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.ledger.map(\.reason.description) == ["评论", "连续签到 7 天奖励", "兑换品牌贴纸", "取消兑换品牌贴纸，退还积分", "补偿物流延误", "参加周末问答"])
        #expect(zh.ledger.map(\.kind) == ["获得", "获得", "消耗", "退回", "调整", "消耗"])
        #expect(zh.ledger[2].reason == Wording(template: "兑换{0}", typed: ["品牌贴纸"]) && zh.ledger[4].reason == .typed("补偿物流延误"))
        let en = FanPage.model(.init(), Self.fan(), viewer: Self.admin, slug: "demo", locale: .en)
        #expect(
            en.ledger.map(\.reason.description) == [
                "Comment", "7-day check-in streak bonus", "Redeemed 品牌贴纸", "Redemption of 品牌贴纸 cancelled, points returned", "补偿物流延误", "Entry to 周末问答",
            ])
        #expect(en.ledger[0].delta == "+2" && en.ledger[2].delta == "-20")
        // A renamed standard level is the team's name, kept as typed.
        var renamed = Self.fan()
        renamed.programme.levels.levels[0].name = "萌新"
        #expect(
            FanPage.model(.init(), renamed, viewer: Self.admin, slug: "demo", locale: .en).level == Wording(template: "Level 1 · {0}", typed: ["萌新"]))
    }

    @Test func personalDataIsMaskedForRolesThatMayNotReadIt() {
        let masked = FanPage.model(.init(), Self.fan(), viewer: FanViewer(personalData: false, manage: true), slug: "demo", locale: .zhHans)
        #expect(masked.name == .typed("小***") && masked.identities[0].handle == "fa***" && masked.identities[0].name == "小***")
        #expect(masked.profile.verifiedPhone == "13***")
        let html = FanPage.view(masked, context(.zhHans)).rendered
        #expect(!html.contains("小雨") && !html.contains("13800138000") && !html.contains("name=\"verified_phone\""))
        #expect(!html.contains("id=\"privacy\""), "export and erasure are for readers of personal data")
        let open = FanPage.view(FanPage.model(.init(), Self.fan(), viewer: Self.admin, slug: "demo", locale: .zhHans), context(.zhHans)).rendered
        #expect(open.contains("<td class=\"identity-id\" translate=\"no\">fan_6ets6f</td>") && open.contains("value=\"13800138000\""))
        #expect(open.contains("<dd id=\"fan-region\" translate=\"no\">上海</dd>") && open.contains("id=\"erase-form\""))
    }

    @Test func aRefusedFormShowsWhatWasTypedAndAnErasedFanIsNamedByFanfare() {
        var errors = FormErrors()
        errors.byField["delta"] = .typeWholeNumber
        let input = FanPage.Input(errors: errors, values: ["delta": "十", "reason": "补偿", "region": "北京"])
        let html = FanPage.view(FanPage.model(input, Self.fan(), viewer: Self.admin, slug: "demo", locale: .zhHans), context(.zhHans)).rendered
        #expect(
            html.contains("value=\"十\"") && html.contains("value=\"补偿\"") && html.contains("id=\"region\" name=\"region\" type=\"text\" value=\"北京\"")
        )
        #expect(html.contains("须为整数"))
        var erased = Self.fan()
        erased.erased = true
        erased.name = "erased-01a1b695"
        erased.identities = []
        let model = FanPage.model(.init(), erased, viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(model.name == .ours("已删除的粉丝 01a1b695") && !model.manage)
        let page = FanPage.view(model, context(.zhHans)).rendered
        #expect(page.contains("平台身份已随个人信息一并删除") && !page.contains("id=\"profile-form\""))
    }

    @Test func withoutRewardsTheRedeemCardSaysWhereToAddOne() {
        let html = FanPage.view(FanPage.model(.init(), Self.fan(), viewer: Self.admin, slug: "demo", locale: .zhHans), context(.zhHans)).rendered
        #expect(html.contains("目前没有上架的奖品") && html.contains("href=\"/w/demo/rewards\"") && !html.contains("id=\"redeem-form\""))
        var found = Self.fan()
        found.rewards = [.init(id: Self.other, name: "品牌贴纸", cost: 20)]
        let offered = FanPage.view(FanPage.model(.init(), found, viewer: Self.admin, slug: "demo", locale: .en), context(.en)).rendered
        #expect(offered.contains("translate=\"no\">品牌贴纸 · 20 points</option>"))
    }

    // MARK: The report

    static func report(issued: Int, created: Double) -> FanReport {
        FanReport(
            days: 30,
            distribution: ["activity": [.init(day: "2026-12-04", tier: "core", fans: 3), .init(day: "2026-12-05", tier: "core", fans: 4)]],
            valueByTier: ActivityTier.allCases.map {
                .init(tier: $0.rawValue, fans: $0 == .core ? 4 : 0, valueYuan: $0 == .core ? created : 0, lifetimePoints: 0)
            },
            incentive: .init(
                pointsIssued: issued, pointValueYuan: 0.01, costYuan: Double(issued) * 0.01, valueCreatedYuan: created, ratio: nil, target: 4,
                meetsTarget: false, explanation: ""))
    }

    @Test func theReportsSentenceIsWrittenInTheReadersLanguage() {
        let now = ISO8601DateFormatter().date(from: "2026-12-06T00:00:00Z")!
        let below = FanReportPage.model(Self.report(issued: 263, created: 0), slug: "demo", locale: .zhHans, now: now)
        #expect(below.incentive == "已发放 263 积分，每积分成本 ¥0.01，共计 ¥2.63，创造价值 ¥0.00，投入产出比 1:0.00，低于 1:4 的目标：同样的积分需要创造 ¥10.52 的价值。")
        #expect(!below.meetsTarget && below.latestDay == "12月5日 周六" && below.distribution.last?.fans == "4")
        let meets = FanReportPage.model(Self.report(issued: 12_000, created: 600), slug: "demo", locale: .en, now: now)
        #expect(
            meets.incentive
                == "12,000 points issued at ¥0.01 a point cost ¥120.00 and created ¥600.00 of value, a ratio of 1:5.00, which meets the 1:4 target.")
        #expect(meets.history.map(\.label) == ["Fri 4 Dec", "Sat 5 Dec"])
        let none = FanReportPage.model(Self.report(issued: 0, created: 0), slug: "demo", locale: .zhHans, now: now)
        #expect(none.incentive.hasPrefix("尚未发放积分"))
        let html = FanReportPage.view(below, context(.zhHans, "/w/demo/fans/report")).rendered
        #expect(html.contains("data-meets=\"false\"") && html.contains("未达标") && html.contains("核心粉丝"))
    }

    // MARK: The programme

    @Test func theProgrammeNamesLevelsPrivilegesActionsAndBadges() {
        let zh = ProgrammePage.model(.standard, viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.levels.map(\.name.description) == ["新人", "常客", "铁粉", "超级粉丝"])
        #expect(zh.levels[3].privileges == ["VIP 活动", "粉丝见面会"] && zh.levels[1].from == "累计获得 500 积分")
        #expect(zh.rules.first == .init(action: "评论", points: "2", cap: "每天最多 20"))
        #expect(zh.badges.map(\.earnedBy).contains("评论 50 次"))
        let html = ProgrammePage.view(zh, context(.zhHans, "/w/demo/fans/programme")).rendered
        #expect(html.contains("<code translate=\"no\">PUT /api/v1/workspaces/demo/fan-programme</code>"))
        let en = ProgrammePage.model(.standard, viewer: Self.reader, slug: "demo", locale: .en)
        #expect(en.levels[0].name == .ours("Newcomer") && en.retention == "erased after 730 days without an interaction")
        #expect(!ProgrammePage.view(en, context(.en)).rendered.contains("fan-programme"))
    }

    // MARK: Shared pieces

    @Test func wordingKeepsTypedPiecesApartAndNumbersFollowTheHouseStyle() {
        let sentence = Wording.sentence("fans.suggestion", .en, [.typed("A {0}"), .typed("B"), .ours("same {x}")])
        #expect(sentence.description == "A {0} looks like B (same {x}).")
        #expect(sentence.html.rendered == "<span translate=\"no\">A {0}</span> looks like <span translate=\"no\">B</span> (same {x}).")
        #expect(Wording.typed("<b>").html.rendered == "<span translate=\"no\">&lt;b&gt;</span>")
        #expect(
            Formats.count(9_999, .zhHans) == "9,999" && Formats.count(12_345, .zhHans) == "1.2万" && Formats.count(123_456_789, .zhHans) == "1.23亿")
        #expect(Formats.count(99_999_999, .zhHans) == "1亿" && Formats.count(12_345, .en) == "12.3K" && Formats.count(123_456_789, .en) == "123.5M")
        #expect(Formats.yuan(1_234.5) == "¥1,234.50" && Formats.yuan(0.004) == "¥0.00")
        let now = ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z")!
        #expect(Formats.day("2026-12-05", .zhHans, now: now) == "12月5日 周六" && Formats.day("2025-12-05", .en, now: now) == "Fri 5 Dec 2025")
    }
}
