import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The overview's and the rows page's model and view, without a database:
/// tiles in the reader's language with their change and links, anomalies
/// marked, what to do when nothing is stored, wrong filters named.
@Suite struct DashboardPageTests {
    static let account = DashboardQueries.Account(
        id: UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!, platform: "weibo", handle: "品牌", connected: true)
    static let request = DashboardRequest(
        preset: "custom", period: DashboardPeriod(from: "2026-01-05", to: "2026-01-11"), comparisonKind: .previous,
        filter: DashboardFilter(pillar: "core"), accountIDs: nil)

    static func result(storesNothing: Bool = false) -> AnalyticsOverview.Result {
        let days = request.period.allDays
        let flow = days.enumerated().map { index, day in FollowerFlowDay(day: day, followers: 1_000 + Double(index) * 10, new: 12, lost: 2) }
        let earlier = request.comparison.allDays.map { FollowerFlowDay(day: $0, followers: 900, new: 5, lost: 5) }
        let post = AnalyticsOverview.PostPeriod(
            variantID: UUID(), postID: UUID(uuidString: "00000000-0000-0000-0000-0000000000B1")!, accountID: account.id, platform: "weibo",
            title: "春季<上新>", pillar: "core", format: "image_text", campaign: "spring", engagements: 1_234, impressions: nil, rate: 0.0123,
            basis: .followers)
        return AnalyticsOverview.Result(
            period: request.period, comparison: request.comparison, request: request, accounts: [account],
            kpis: [
                .init(key: "followers", unit: "count", value: 12_000, previous: 10_000, daily: flow.map { $0.followers }),
                .init(key: "followers_net", unit: "count", value: 70, previous: 0, daily: flow.map { $0.net }),
                .init(key: "engagement_rate", unit: "ratio", value: 0.0123, previous: 0.02, daily: [0.01, 0.02]),
                .init(key: "purchase_amount", unit: "fen", value: 12_345, previous: nil, daily: []),
                .init(key: "sentiment_negative", unit: "ratio", value: 0.3, previous: 0.2, daily: []),
            ],
            basis: .followers, followerDays: flow, comparisonFollowerDays: earlier, postDays: [], comparisonPostDays: [], posts: [post],
            accountFollowers: [account.id: (12_345, 70)], sentiment: nil, comparisonSentiment: nil,
            quality: [.init(accountID: account.id, platform: "weibo", handle: "品牌", missingDays: 2, jumps: [], duplicatesReplaced: 1)],
            storesNothing: storesNothing)
    }

    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/analytics")
    }

    @Test func tilesSayTheValueTheChangeAndLinkToTheirRows() {
        let model = DashboardPage.model(Self.result(), campaigns: ["spring"], base: "/w/demo", canExport: true, locale: .zhHans, zone: .gmt)
        #expect(model.tiles.map(\.key) == ["followers", "followers_net", "engagement_rate", "purchase_amount", "sentiment_negative"])
        let followers = model.tiles[0]
        #expect(followers.label == "粉丝数" && followers.value == "1.2万" && followers.exact == "12,000")
        #expect(followers.change == "▲ 20.0%" && followers.tone == "good" && followers.previous == "对比期：1万")
        #expect(followers.href == "/w/demo/analytics/rows?metric=followers&from=2026-01-05&to=2026-01-11&pillar=core")
        #expect(model.tiles[1].change == "▲ 从 0 起", "a rise from 0 has no percentage")
        #expect(model.tiles[2].value == "1.23%" && model.tiles[2].change == "▼ 38.5%" && model.tiles[2].note == "按粉丝数")
        #expect(model.tiles[3].value == "¥123.45" && model.tiles[3].change == "—")
        #expect(model.tiles[4].tone == "bad", "more negative messages is bad news")
        #expect(model.periodText.contains("对比"))
        #expect(model.quality.map { $0.handle + $0.text } == ["@品牌（微博）：2 天没有快照；1 天被重复读取（保留后一次）"])
        #expect(
            model.exports.first?.href
                == "/w/demo/analytics/export.csv?metric=followers_flow&granularity=day&from=2026-01-05&to=2026-01-11&pillar=core")
        #expect(DashboardPage.model(Self.result(), campaigns: [], base: "/w/demo", canExport: false, locale: .en, zone: .gmt).exports.isEmpty)
    }

    @Test func chartPointsOpenTheirDaysRowsAndTheComparisonIsMovedOntoThePeriod() throws {
        let model = DashboardPage.model(Self.result(), campaigns: [], base: "/w/demo", canExport: true, locale: .en, zone: .gmt)
        #expect(model.followerSeries.count == 2 && model.followerSeries[1].comparison && model.followerSeries[1].shift == 7 * 86_400)
        #expect(model.followerSeries[0].points.first?.href == "/w/demo/analytics/rows?metric=followers&from=2026-01-05&to=2026-01-05&pillar=core")
        #expect(model.growth.map(\.name) == ["New", "Lost"] && model.growth[1].values.allSatisfy { $0 == -2 }, "lost stacks below 0")
        #expect(model.top.first?.href == "/w/demo/posts/00000000-0000-0000-0000-0000000000B1" && model.top.first?.engagements == "1,234")
        #expect(model.tables.map(\.id) == ["accounts", "pillar", "format", "campaign", "platform"], "one table per account, not two")
        let accounts = try #require(model.tables.first)
        #expect(accounts.columns == ["Account", "Platform", "Followers", "Net growth", "Posts", "Engagements", "Engagement rate"])
        #expect(
            accounts.rows.count == 1 && accounts.rows[0].count == 7 && accounts.rows[0][2] == Formats.count(12_345, .en)
                && accounts.rows[0][3] == "+70")
    }

    @Test func theViewEscapesTypedTextAndDrawsChartsWithTheirTables() {
        let model = DashboardPage.model(Self.result(), campaigns: ["spring"], base: "/w/demo", canExport: true, locale: .zhHans, zone: .gmt)
        let html = DashboardPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("春季&lt;上新&gt;") && !html.contains("春季<上新>"))
        #expect(html.contains("id=\"kpi-followers\"") && html.contains("id=\"chart-followers\"") && html.contains("id=\"chart-growth\""))
        #expect(html.contains("<details") && html.contains("数据概览"))
        #expect(html.contains("option value=\"core\" selected"))
    }

    @Test func nothingStoredSaysToConnectAnAccount() {
        var result = Self.result(storesNothing: true)
        result.accounts = []
        let model = DashboardPage.model(result, campaigns: [], base: "/w/demo", canExport: true, locale: .en, zone: .gmt)
        #expect(model.empty?.href == "/w/demo/accounts" && model.empty?.action == "Connect an account" && model.tiles.isEmpty)
        let html = DashboardPage.view(model, context(.en)).rendered
        #expect(html.contains("id=\"analytics-empty\"") && !html.contains("id=\"chart-followers\""))
        result.accounts = [Self.account]
        #expect(
            DashboardPage.model(result, campaigns: [], base: "/w/demo", canExport: true, locale: .en, zone: .gmt).empty?.action == "See the accounts")
    }

    @Test func wrongFiltersAreNamedInTheForm() {
        var errors = ValidationErrors()
        let request = DashboardRequest.parse(
            { ["compare": "yesterday", "pillar": "fun", "from": "2026-13-01"][$0] }, today: "2026-03-10", accounts: [], campaigns: [], errors: &errors
        )
        #expect(errors.issues.map(\.field) == ["from", "compare", "pillar"])
        let model = DashboardPage.invalid(request, errors: FormErrors(errors), accounts: [], campaigns: [], base: "/w/demo", locale: .en, zone: .gmt)
        let html = DashboardPage.view(model, context(.en)).rendered
        #expect(html.contains("has-error") && !html.contains("id=\"analytics-kpis\""))
        var fine = ValidationErrors()
        let week = DashboardRequest.parse({ ["period": "7"][$0] }, today: "2026-03-10", accounts: [], campaigns: [], errors: &fine)
        #expect(fine.issues.isEmpty && week.period == DashboardPeriod(from: "2026-03-04", to: "2026-03-10") && week.queryItems.map(\.0) == ["period"])
    }

    @Test func rowsNameUniqueAndTotalAndExportExactValues() {
        let found = DashboardRows.Found(
            metric: .signUps, columns: ["time", "type", "event_id", "fan", "amount"],
            rows: [[.time(Date(timeIntervalSince1970: 1_767_600_000)), .code("event.sign_up"), .typed("=cmd"), .text("—"), .fen(12_345)]],
            total: 250, uniqueFans: 180)
        let model = DashboardRowsPage.model(found, request: Self.request, page: 2, base: "/w/demo", canExport: true, locale: .zhHans, zone: .gmt)
        #expect(model.countLine == "共 250 个事件（总数），来自 180 位粉丝（去重）")
        #expect(model.columns == ["时间", "类型", "事件编号", "粉丝", "金额"])
        #expect(model.rows[0][1].text == "注册" && model.rows[0][4].text == "¥123.45")
        #expect(model.previousHref == "/w/demo/analytics/rows?metric=sign_ups&from=2026-01-05&to=2026-01-11&pillar=core")
        #expect(model.nextHref == "/w/demo/analytics/rows?metric=sign_ups&from=2026-01-05&to=2026-01-11&pillar=core&page=3", "250 rows: 3 pages")
        let csv = DashboardRowsPage.csv(found, locale: .zhHans, zone: .gmt)
        #expect(csv == "\u{FEFF}time,type,event_id,fan,amount\r\n2026-01-05T08:00:00Z,sign_up,'=cmd,—,12345\r\n")
    }
}
