import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The fan analytics page's and the step list's model and view, without a
/// database: steps link to their fans with the same period and filters,
/// the CSV only for those who may export, KPIs in the reader's language,
/// empty states that say what to do next.
@Suite struct FanAnalyticsPageTests {
    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/fan-analytics")
    }

    static let account = UUID(uuidString: "6F9619FF-8B86-D011-B42D-00CF4FC964FF")!
    static let query = FanPeriodQuery(from: "2026-10-01", to: "2026-11-29", platform: "weibo", accountID: account)

    static var found: FanAnalyticsPage.Found {
        var found = FanAnalyticsPage.Found()
        found.anyFacts = true
        found.funnel = FanFunnel(counts: [40, 27, 14, 7, 3])
        found.repurchase = RepurchaseSummary(buyers: 14, repeatBuyers: 7, netSpendFen: 400_000, buyersNetSpendFen: 420_000)
        let monday = LocalDays.number("2026-09-28")!
        found.cohorts = Cohorts.rows(
            [Cohorts.Counted(monday: monday, size: 20, active: [10, 4, 2])], fromDay: LocalDays.number("2026-10-01")!,
            toDay: LocalDays.number("2026-11-29")!, asOf: LocalDays.number("2026-10-20")!)
        found.active = ActiveFans.days([monday: [3, 5, 8]], fromDay: LocalDays.number("2026-10-01")!, toDay: LocalDays.number("2026-10-10")!)
        found.accounts = [(account, "weibo", "shop")]
        return found
    }

    @Test func stepsLinkToTheirFansWithThePeriodAndFilters() {
        let model = FanAnalyticsPage.model(
            Self.query, Self.found, errors: FormErrors(), slug: "demo", zone: .gmt, canExport: true, locale: .en)
        let filter = "from=2026-10-01&to=2026-11-29&platform=weibo&account=6f9619ff-8b86-d011-b42d-00cf4fc964ff"
        #expect(model.steps.map(\.href).first == "/w/demo/fan-analytics/funnel/follow?\(filter)")
        #expect(model.steps[2].csvHref == "/w/demo/fan-analytics/funnel/first_purchase/export?\(filter)")
        #expect(model.steps.map(\.stepRate) == ["—", "67.5%", "51.9%", "50.0%", "42.9%"])
        #expect(model.tiles.map(\.value) == ["40", "50.0%", "¥300.00", "¥4,000.00", "37.5%"])
        let viewer = FanAnalyticsPage.model(Self.query, Self.found, errors: FormErrors(), slug: "demo", zone: .gmt, canExport: false, locale: .en)
        #expect(viewer.steps.allSatisfy { $0.csvHref == nil })
    }

    @Test func thePageReadsInChineseAndDrawsItsCharts() {
        let model = FanAnalyticsPage.model(
            Self.query, Self.found, errors: FormErrors(), slug: "demo", zone: .gmt, canExport: true, locale: .zhHans)
        let html = FanAnalyticsPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("<h1>粉丝分析</h1>") && html.contains("复购率") && html.contains("首次购买"))
        #expect(html.contains("id=\"fan-funnel\"") && html.contains("id=\"fan-cohorts\"") && html.contains("id=\"fan-active\""))
        #expect(html.contains("尚未到期"))  // day 30 of the cohort has not come by 20 October
        #expect(html.contains("50.0% (10/20)") && html.contains("9月28日起 · 20人"))
        #expect(FanAnalyticsPage.weekLabel("2026-09-28", .en) == "28 Sep" || FanAnalyticsPage.weekLabel("2026-09-28", .en) == "28 Sep 2026")
        #expect(!html.contains("fananalytics."))
        #expect(model.platformOptions.map(\.label) == ["全部平台", "微博"])
    }

    @Test func aSegmentIsOfferedCarriedInLinksAndNamedWhereItDoesNotApply() {
        let segment = UUID(uuidString: "00000000-0000-0000-0000-0000000000AB")!
        var found = Self.found
        found.segments = [(segment, "上海 <VIP>")]
        var query = Self.query
        query.segmentID = segment
        let model = FanAnalyticsPage.model(query, found, errors: FormErrors(), slug: "demo", zone: .gmt, canExport: true, locale: .zhHans)
        #expect(model.segmentOptions.map(\.label) == ["全部粉丝", "上海 <VIP>"] && model.segmentName == "上海 <VIP>")
        #expect(model.steps[0].href.hasSuffix("&segment=00000000-0000-0000-0000-0000000000ab"))
        let html = FanAnalyticsPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("name=\"segment\"") && html.contains("id=\"fan-active-all-fans\"") && html.contains("上海 &lt;VIP&gt;"))
        #expect(!html.contains("<VIP>") && !html.contains("fananalytics."))
        // Without segments (none saved, or the reader may not read them) there is no choice.
        let plain = FanAnalyticsPage.model(Self.query, Self.found, errors: FormErrors(), slug: "demo", zone: .gmt, canExport: true, locale: .en)
        #expect(plain.segmentOptions.isEmpty && !FanAnalyticsPage.view(plain, context(.en)).rendered.contains("name=\"segment\""))
    }

    @Test func emptyStatesSayWhatToDoNext() {
        let none = FanAnalyticsPage.model(
            Self.query, FanAnalyticsPage.Found(), errors: FormErrors(), slug: "demo", zone: .gmt, canExport: true, locale: .zhHans)
        let html = FanAnalyticsPage.view(none, context(.zhHans)).rendered
        #expect(html.contains("id=\"fan-analytics-empty\"") && html.contains("href=\"/w/demo/accounts\"") && html.contains("事件接口"))
        // Facts, but none in the period: each chart says so.
        var quiet = FanAnalyticsPage.Found()
        quiet.anyFacts = true
        let period = FanAnalyticsPage.view(
            FanAnalyticsPage.model(Self.query, quiet, errors: FormErrors(), slug: "demo", zone: .gmt, canExport: true, locale: .en), context(.en)
        ).rendered
        #expect(period.contains("Nobody followed in this period") && period.contains("No fan was active in this period"))
    }

    @Test func theStepListMasksNamesAndPagesOn() {
        let fans = (0..<51).map {
            FanActivityQueries.StepFan(
                id: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", $0))!, name: "小雨\($0)", spendFen: 12_345, valueTier: "gold",
                erased: $0 == 1)
        }
        let masked = FanStepPage.model(
            step: .repurchase, query: Self.query, fans: fans, viewer: FanViewer(personalData: false, manage: false), slug: "demo", canExport: false,
            locale: .zhHans)
        #expect(masked.rows.count == 50 && masked.rows[0].name.description != "小雨0" && masked.csvHref == nil)
        #expect(masked.rows[1].name.description == "已删除的粉丝" && masked.rows[0].spend == "¥123.45")
        #expect(masked.nextHref?.hasSuffix("&after=00000000-0000-0000-0000-000000000049") == true)
        let html = FanStepPage.view(masked, context(.zhHans)).rendered
        #expect(html.contains("粉丝：复购") && html.contains("/w/demo/fans/00000000-0000-0000-0000-000000000000"))
        let empty = FanStepPage.view(
            FanStepPage.model(
                step: .referral, query: Self.query, fans: [], viewer: FanViewer(personalData: true, manage: true), slug: "demo", canExport: true,
                locale: .en), context(.en)
        ).rendered
        #expect(empty.contains("No fan reached this step"))
        let csv = FanStepPage.csv(step: .referral, query: Self.query, fans: [fans[0]], viewer: FanViewer(personalData: true, manage: true))
        #expect(
            csv
                == "\u{FEFF}fan_id,display_name,step,from,to,net_spend_yuan,value_tier\r\n00000000-0000-0000-0000-000000000000,小雨0,referral,2026-10-01,2026-11-29,123.45,gold\r\n"
        )
    }
}
