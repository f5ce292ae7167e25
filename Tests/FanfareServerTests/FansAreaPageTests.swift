import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The segments, rewards (积分商城) and activities pages' models and views,
/// without a database: rules, kinds, statuses and privileges in the
/// reader's language, typed names and titles kept out of translation,
/// empty states that say what to do next.
@Suite struct FansAreaPageTests {
    static let id = UUID(uuidString: "01a246c8-0c6a-7037-9178-bfef97933f1b")!
    static let fan = UUID(uuidString: "01a1b695-fc6a-722b-9d37-6740c0c46cad")!
    static let at = Date(timeIntervalSince1970: 1_800_000_000)
    static let admin = FanViewer(personalData: true, manage: true, export: true)
    static let reader = FanViewer(personalData: false, manage: false)

    func context(_ locale: UILocale, _ path: String) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
    }

    // MARK: Segments

    static let rule = SegmentRule.all([
        .condition(.init("activity_tier", .eq, .string("core"))), .condition(.init("region", .eq, .string("上海"))),
        .any([.condition(.init("privileges", .contains, .string("meetup"))), .not(.condition(.init("points", .lt, .number(100))))]),
    ])

    @Test func aRuleReadsAsASentenceWithTypedValuesKeptApart() {
        let zh = SegmentWords.describe(Self.rule, .zhHans)
        #expect(zh.description == "活跃层级 等于 核心粉丝 且 地区 等于 上海 且 （权益 包含 粉丝见面会 或 排除（积分 小于 100））")
        #expect(zh.typed == ["上海"])
        let en = SegmentWords.describe(Self.rule, .en)
        #expect(
            en.description == "Activity tier equals Core and Region equals 上海 and (Privileges includes Meet-ups or not (Points is less than 100))")
        let list = SegmentWords.describe(.condition(.init("tags", .containsAny, .list([.string("vip"), .string("老客")]))), .zhHans)
        #expect(list.description == "标签 包含任一 vip、老客" && list.typed == ["vip", "老客"])
        #expect(SegmentWords.describe(.all([]), .zhHans).description == "全部粉丝")
    }

    @Test func theSegmentsListShowsRulesInWordsAndTheBuilderNamesEveryField() {
        let listed = [SegmentListPage.Listed(id: Self.id, name: "上海核心粉丝", rule: Self.rule, fans: 12)]
        let zh = SegmentListPage.model(.init(), listed, viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.example.description == "活跃层级 等于 核心粉丝 且 地区 等于 上海")
        #expect(zh.fields.first { $0.code == "activity_tier" }?.values.map(\.label.description) == ["沉默粉丝", "潜在粉丝", "活跃粉丝", "核心粉丝"])
        #expect(zh.fields.first { $0.code == "gender" }?.values.map(\.label.description) == ["女", "男", "其他", "未知"])
        let html = SegmentListPage.view(zh, context(.zhHans, "/w/demo/segments")).rendered
        #expect(html.contains("<td translate=\"no\"><a href=\"/w/demo/segments/01a246c8-0c6a-7037-9178-bfef97933f1b\">上海核心粉丝</a></td>"))
        #expect(html.contains("<textarea id=\"rule\" name=\"rule\" rows=\"5\" class=\"code\" translate=\"no\""))
        #expect(html.contains("不低于") && !html.contains("<code translate=\"no\">gte</code>"), "operators in words, not codes")
        // The builder: the example's rows, each value a choice or a box that fits its field.
        #expect(html.contains("<select name=\"g0.r0.field\" class=\"row-field\""))
        #expect(html.contains("<option value=\"core\" selected>核心粉丝</option>"))
        #expect(html.contains("name=\"g0.r1.value\" class=\"row-value\" value=\"上海\""))
        #expect(html.contains("全部条件（且）") && html.contains("添加一组"))
        let empty = SegmentListPage.view(
            SegmentListPage.model(.init(), [], viewer: Self.reader, slug: "demo", locale: .en), context(.en, "/w/demo/segments"))
        #expect(empty.rendered.contains("A member who manages fans can save them.") && !empty.rendered.contains("segment-form"))
    }

    @Test func aSegmentsMembersAreMaskedAndPaged() {
        let found = SegmentPage.Found(
            id: Self.id, name: "活跃及以上", rule: .condition(.init("activity_tier", .gte, .string("active"))), ruleJSON: "{}", fans: 51,
            members: [.init(id: Self.fan, name: "小雨", erased: false, tier: "core", region: "上海", points: 20)], nextCursor: "n")
        let masked = SegmentPage.model(.init(cursor: "c"), found, viewer: Self.reader, slug: "demo", locale: .zhHans)
        #expect(masked.rows[0].name == .typed("小***") && masked.rule.description == "活跃层级 不低于 活跃粉丝" && masked.exportHref == nil)
        #expect(masked.nextHref == "/w/demo/segments/01a246c8-0c6a-7037-9178-bfef97933f1b?cursor=n" && masked.firstHref != nil)
        let html = SegmentPage.view(masked, context(.zhHans, "/w/demo/segments")).rendered
        #expect(html.contains("匹配 51 位粉丝") && html.contains("<td translate=\"no\">上海</td>") && html.contains("<h1 translate=\"no\">活跃及以上</h1>"))
        let none = SegmentPage.Found(id: Self.id, name: "x", rule: .all([]), ruleJSON: "{}", fans: 0, members: [], nextCursor: nil)
        #expect(
            SegmentPage.view(SegmentPage.model(.init(), none, viewer: Self.admin, slug: "demo", locale: .zhHans), context(.zhHans, "/")).rendered
                .contains("目前没有粉丝符合这条规则"))
    }

    // MARK: Rewards

    static let reward = RewardListPage.Listed(id: id, name: "品牌贴纸", cost: 20, stock: 0, perFanLimit: 2, levelRequired: 2, redeemed: 12, active: true)
    static let redemption = RedemptionTable.Found(
        id: id, at: at, fanID: fan, fanName: "小雨", fanErased: false, reward: "品牌贴纸", points: 20, status: "pending", note: "到店自提")

    @Test func theMallNamesStockLevelsAndStatusesAndKeepsRewardNamesAsTyped() {
        let found = RewardListPage.Found(rewards: [Self.reward], pending: [Self.redemption])
        let zh = RewardListPage.model(.init(), found, viewer: Self.admin, slug: "demo", locale: .zhHans)
        #expect(zh.rows[0].stock == "已兑完" && zh.rows[0].stockTone == .danger && zh.rows[0].level.description == "2 级 · 常客")
        #expect(zh.rows[0].perFan == "每人 2 次" && zh.rows[0].offered == "是")
        #expect(zh.pending[0].status == "待发放" && zh.pending[0].tone == .warning && zh.pending[0].closable)
        let html = RewardListPage.view(zh, context(.zhHans, "/w/demo/rewards")).rendered
        #expect(html.contains("<td translate=\"no\"><a href=\"/w/demo/rewards/01a246c8-0c6a-7037-9178-bfef97933f1b\">品牌贴纸</a></td>"))
        #expect(html.contains("<td translate=\"no\">到店自提</td>") && html.contains("/redemptions/01a246c8-0c6a-7037-9178-bfef97933f1b/fulfil"))
        let viewer = RewardListPage.model(.init(), found, viewer: Self.reader, slug: "demo", locale: .en)
        #expect(viewer.pending[0].fan == .typed("小***") && !viewer.pending[0].closable)
        let empty = RewardListPage.view(
            RewardListPage.model(.init(), .init(), viewer: Self.admin, slug: "demo", locale: .zhHans), context(.zhHans, "/"))
        #expect(empty.rendered.contains("在下方添加第一个奖品") && empty.rendered.contains("没有待发放的兑换") && empty.rendered.contains("id=\"reward-form\""))
    }

    @Test func aRewardsPageShowsItsRedemptionsAndKeepsARefusedFormAsTyped() {
        var errors = FormErrors()
        errors.byField["cost"] = .typeWholeNumber
        var values = RewardListPage.Values()
        values.name = "帆布袋"
        values.cost = "很多"
        let found = RewardPage.Found(reward: Self.reward, details: "限量", redemptions: [Self.redemption])
        let model = RewardPage.model(.init(values: values, errors: errors), found, viewer: Self.admin, slug: "demo", locale: .en)
        #expect(model.redemptions[0].status == "Pending")
        let html = RewardPage.view(model, context(.en, "/w/demo/rewards")).rendered
        #expect(html.contains("value=\"很多\"") && html.contains("value=\"帆布袋\"") && html.contains("<p translate=\"no\">限量</p>"))
        #expect(html.contains("data-code=\"pending\">Pending</span>") && html.contains("id=\"reward-stock\">Sold out<"))
    }

    // MARK: Activities

    @Test func theActivitiesListNamesKindsStatusesAndPrivilegesWithTheirLevel() {
        let found = ActivityListPage.Found(
            activities: [.init(id: Self.id, title: "每日签到", kind: "check_in", status: "open", entries: 4, endsAt: Self.at)],
            segments: [(Self.fan, "上海核心粉丝")])
        let zh = ActivityListPage.model(.init(), found, access: (true, "demo"), locale: .zhHans)
        #expect(zh.rows[0].kind == "签到" && zh.rows[0].status == "进行中" && zh.rows[0].tone == .success)
        #expect(zh.privilegeOptions.map(\.label.description).contains("抽奖资格（2 级 常客 及以上）"))
        #expect(zh.intro.typed == ["签到", "check in", "报名", "sign up"])
        let html = ActivityListPage.view(zh, context(.zhHans, "/w/demo/activities")).rendered
        #expect(html.contains("<td translate=\"no\"><a href=\"/w/demo/activities/") && html.contains("translate=\"no\">上海核心粉丝</option>"))
        #expect(html.contains("发<span translate=\"no\">签到</span>或<span translate=\"no\">check in</span>即签到"))
        let en = ActivityListPage.model(.init(), found, access: (false, "demo"), locale: .en)
        #expect(en.rows[0].status == "Open" && !ActivityListPage.view(en, context(.en, "/")).rendered.contains("activity-form"))
        let empty = ActivityListPage.view(ActivityListPage.model(.init(), .init(), access: (true, "demo"), locale: .zhHans), context(.zhHans, "/"))
        #expect(empty.rendered.contains("在下方创建第一个"))
    }

    static func poll(status: String = "open") -> ActivityPage.Found {
        var found = ActivityPage.Found(
            id: id, title: "下一款颜色", kind: "poll", status: status, endsAt: at,
            settings: .poll(PollSettings(question: "下一季想要什么颜色？", options: ["深蓝", "墨绿"])),
            privilege: "meetup")
        found.entries = [.init(id: fan, fanID: fan, fanName: "小雨", options: [0], text: nil, at: at)]
        found.fans = [(fan, "小雨")]
        return found
    }

    @Test func anActivitysPageTalliesKeepsOptionsAsTypedAndNamesTheReservation() {
        let zh = ActivityPage.model(.init(), Self.poll(), access: (true, false, "demo"), locale: .zhHans)
        #expect(zh.tally == [.init(option: "深蓝", votes: "1"), .init(option: "墨绿", votes: "0")])
        #expect(zh.reservedFor?.description == "仅限权益：粉丝见面会（4 级 超级粉丝 及以上）")
        #expect(zh.entries[0].fan == "小***" && zh.entries[0].said == "深蓝" && zh.moves.map(\.label) == ["截止"])
        let html = ActivityPage.view(zh, context(.zhHans, "/w/demo/activities")).rendered
        #expect(html.contains("<h2 translate=\"no\">下一季想要什么颜色？</h2>") && html.contains("<td translate=\"no\">深蓝</td>"))
        #expect(html.contains("data-privilege=\"meetup\"") && html.contains("<option value=\"0\" selected translate=\"no\">深蓝</option>"))
        let draft = ActivityPage.model(
            .init(),
            {
                var f = Self.poll(status: "draft"); f.entries = []; return f
            }(), access: (false, true, "demo"), locale: .zhHans)
        #expect(draft.enter == nil && draft.moves.isEmpty)
        #expect(ActivityPage.view(draft, context(.zhHans, "/")).rendered.contains("活动开始后，粉丝的消息会自动计入"))
    }

    static func verification(_ json: String) throws -> Lottery.VerificationResult {
        try JSONDecoder().decode(Lottery.VerificationResult.self, from: Data(json.utf8))
    }

    @Test func aDrawnLotterysVerdictIsWrittenInTheReadersLanguage() throws {
        let seed = String(repeating: "ab", count: 32)
        let check = try Self.verification(#"{"outcome": "ok", "message": "Verified", "recomputed": ["e1"]}"#)
        var found = ActivityPage.Found(
            id: Self.id, title: "评论抽奖", kind: "lottery", status: "drawn", endsAt: Self.at,
            settings: .lottery(LotterySettings(prize: "新品", winners: 1, entriesCloseAt: Self.at)), seedCommitment: "c0ffee", seed: seed,
            result: ActivityResult(algorithm: Lottery.algorithm, entrants: ["e1", "e2"], entrantListHash: "h", winners: ["e1"]))
        found.verification = check
        let zh = ActivityPage.model(.init(), found, access: (true, true, "demo"), locale: .zhHans)
        #expect(zh.proof?.verdict == "种子与公布的哈希值一致，1 位中奖者由种子和 2 位参与者推出。" && zh.proof?.seed == seed)
        let html = ActivityPage.view(zh, context(.zhHans, "/")).rendered
        #expect(html.contains("<code id=\"seed\" translate=\"no\">\(seed)</code>") && html.contains("data-outcome=\"ok\"") && html.contains("验证通过"))
        let wrong = try Self.verification(#"{"outcome": "winners_mismatch", "message": "", "recomputed": ["e2"]}"#)
        #expect(
            ActivityPage.verdict(wrong, entrants: ["e1", "e2"], claimed: ["e1"], .en)
                == "from winner 1 on, the published winners differ from the re-run.")
        found.status = "open"
        #expect(ActivityPage.model(.init(), found, access: (true, true, "demo"), locale: .zhHans).proof?.seed == nil)
    }
}
