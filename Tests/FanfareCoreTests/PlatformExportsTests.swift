import FanfareCore
import Foundation
import Testing

/// Reading the data exports of Weibo, WeChat Official Accounts and Douyin
/// (Analytics/PlatformExports.swift): header detection among notes,
/// aliases, dates, numbers, encodings, and every problem with its line and
/// column; and what an import does over stored days.
@Suite struct PlatformExportsTests {
    let today = "2026-12-06"

    @Test func aWeChatUserGrowthExportIsFoundBelowItsNotesAndReadDayByDay() {
        let file = """
            \u{FEFF}用户增长数据
            导出时间：2026-12-05
            ,
            时间,新关注人数,取消关注人数,净增关注人数,累积关注人数
            2026-11-03,"1,204",35,1169,1.2万
            2026/11/4,980,40,940,12940
            20261105,15,120,-105,12835

            合计,2199,195,2004,
            """
        let parsed = PlatformExports.parse(file, platform: "wechat", today: today)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.kind?.id == "wechat.users" && parsed.header?.line == 4)
        #expect(parsed.days.map(\.day) == ["2026-11-03", "2026-11-04", "2026-11-05"])
        #expect(parsed.days.map(\.followers) == [12_000, 12_940, 12_835])
        #expect(parsed.days[0].values == ["new_user": 1_204, "cancel_user": 35, "net_user": 1_169])
        #expect(parsed.days[2].values["net_user"] == -105 && parsed.days[0].line == 5)
        #expect(parsed.skippedLines == [1, 2, 3, 8, 9])
    }

    @Test func headersMatchWithoutCaseSpacesUnitsOrTheApiSpelling() {
        let english = "Date,New Followers,Unfollows,Total followers\n2026-11-03,10,2,500\n"
        #expect(PlatformExports.parse(english, platform: "wechat", today: today).days.first?.followers == 500)
        let units = "日期,阅读人数(人),阅读次数（次）,分享次数,收藏次数,未知列\n2026年11月3日,120,300,8,5,x\n"
        let parsed = PlatformExports.parse(units, platform: "wechat", today: today)
        #expect(parsed.kind?.id == "wechat.articles" && parsed.header?.ignored == ["未知列"], "\(parsed)")
        #expect(parsed.days.first?.values == ["int_page_read_user": 120, "int_page_read_count": 300, "share_count": 8, "add_to_fav_count": 5])
        let api = "p_date,new_play,new_like,new_comment,new_share,completion_rate\n2026-11-03,1.5w,320,12,4,35.2%\n"
        let douyin = PlatformExports.parse(api, platform: "douyin", today: today)
        #expect(douyin.kind?.id == "douyin.works" && douyin.days.first?.values["new_play"] == 15_000)
        #expect(douyin.days.first?.values["completion_rate"] == 0.352)
        let fans = PlatformExports.parse("日期,粉丝总量,新增粉丝,取关粉丝,净增粉丝\n2026-11-03,8000,30,5,25\n", platform: "douyin", today: today)
        #expect(fans.kind?.id == "douyin.fans" && fans.days.first?.followers == 8_000)
        let weibo = PlatformExports.parse("日期,粉丝数,阅读数,转发数,评论数,赞\n2026-11-03,3.4亿,2.1万,30,40,500\n", platform: "weibo", today: today)
        #expect(weibo.kind?.id == "weibo.overview" && weibo.days.first?.followers == 340_000_000)
        #expect(weibo.days.first?.values == ["reads": 21_000, "reposts": 30, "comments": 40, "attitudes": 500])
    }

    @Test func datesAndNumbersAreReadAsExportsWriteThem() {
        #expect(PlatformExports.day("2026-11-03") == "2026-11-03" && PlatformExports.day("2026/11/3") == "2026-11-03")
        #expect(PlatformExports.day("20261103") == "2026-11-03" && PlatformExports.day("2026年11月3日") == "2026-11-03")
        #expect(PlatformExports.day("2026/11/3 0:00") == "2026-11-03" && PlatformExports.day("2026.11.3") == "2026-11-03")
        #expect(PlatformExports.day("2026-02-30") == nil && PlatformExports.day("11/03/2026") == nil && PlatformExports.day("46329") == nil)
        #expect(PlatformExports.number("1,234", unit: .count) == 1_234 && PlatformExports.number("1.2万", unit: .count) == 12_000)
        #expect(PlatformExports.number("+12", unit: .signedCount) == 12 && PlatformExports.number("2k", unit: .count) == 2_000)
        #expect(PlatformExports.number("12%", unit: .count) == nil && PlatformExports.number("abc", unit: .count) == nil)
        #expect(PlatformExports.number("35.2%", unit: .ratio) == 0.352 && PlatformExports.number("0.5", unit: .ratio) == 0.5)
        #expect(PlatformExports.number("35", unit: .ratio) == 0.35 && PlatformExports.number("150%", unit: .ratio) == nil)
        #expect(PlatformExports.isBlank("--") && PlatformExports.isBlank(" ") && !PlatformExports.isBlank("0"))
    }

    @Test func everyProblemNamesItsLineItsColumnAndWhatWouldBeAccepted() {
        let file = """
            日期,新关注人数,累积关注人数,净增关注人数
            2026-11-03,12,100,12
            yesterday,5,105,5
            2026-11-03,5,105,5
            2026-11-05,lots,-3,x
            2027-01-01,1,1,1
            """
        let parsed = PlatformExports.parse(file, platform: "wechat", today: today)
        let found = parsed.errors.map { "\($0.line)|\($0.field)|\($0.coded.code.rawValue)" }
        #expect(
            found == [
                "3|日期|import_metrics_date", "4|日期|import_metrics_day_twice", "5|新关注人数|import_metrics_number",
                "5|累积关注人数|import_metrics_negative", "5|净增关注人数|import_metrics_number", "6|日期|day_not_after",
            ], "\(found)")
        #expect(parsed.errors[0].message.contains("2026-11-03, 2026/11/3, 20261103"))
        #expect(parsed.errors[1].message.contains("line 2"))
        #expect(parsed.days.map(\.day) == ["2026-11-03"])
        let noHeader = PlatformExports.parse("a,b\n1,2\n", platform: "weibo", today: today)
        #expect(noHeader.errors.map(\.field) == ["header"] && noHeader.errors[0].message.contains("粉丝数"))
        let onlyHeader = PlatformExports.parse("日期,粉丝数\n", platform: "weibo", today: today)
        #expect(onlyHeader.errors.map(\.coded.code) == [.importNoRows])
        let quote = PlatformExports.parse("日期,粉丝数\n2026-11-03,\"12\n", platform: "weibo", today: today)
        #expect(quote.errors.map(\.line) == [2] && quote.errors.map(\.coded.code) == [.importUnclosedQuote])
    }

    @Test func filesAreReadAsUtf8Gb18030OrRefusedWhenAWorkbook() throws {
        // 日期,粉丝数 in GB18030 (as Excel on a Chinese system saves CSV).
        let gb: [UInt8] = [0xC8, 0xD5, 0xC6, 0xDA, 0x2C, 0xB7, 0xDB, 0xCB, 0xBF, 0xCA, 0xFD, 0x0A] + Array("2026-11-03,12\n".utf8)
        let text = try PlatformExports.decode(gb).get()
        #expect(PlatformExports.parse(text, platform: "weibo", today: today).days.first?.followers == 12)
        #expect(try PlatformExports.decode([0xEF, 0xBB, 0xBF] + Array("日期".utf8)).get() == "日期")
        let workbook = PlatformExports.decode([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00])
        #expect((try? workbook.get()) == nil)
        if case .failure(let error) = workbook { #expect(error.field == "file" && error.message.contains("save it as CSV")) }
    }

    @Test func anImportAddsUpdatesKeepsSnapshotsAndChangesNothingTheSecondTime() {
        let rows = [
            ImportedAccountDay(line: 2, day: "2026-11-01", followers: 100, values: ["new_user": 5]),
            ImportedAccountDay(line: 3, day: "2026-11-02", followers: 110, values: ["new_user": 12]),
            ImportedAccountDay(line: 4, day: "2026-11-03", followers: 120, values: ["new_user": 10]),
            ImportedAccountDay(line: 5, day: "2026-08-01", followers: 50),
        ]
        let stored: [String: StoredAccountDay] = [
            "2026-11-02": StoredAccountDay(day: "2026-11-02", source: "backfill", followers: 109, values: ["other": 1]),
            "2026-11-03": StoredAccountDay(day: "2026-11-03", source: "snapshot", followers: 118, following: 3, values: ["total": 118]),
        ]
        let plan = MetricImportPlan.make(rows, stored: stored, platform: "wechat", today: today)
        #expect(plan.days.map(\.day) == ["2026-08-01", "2026-11-01", "2026-11-02", "2026-11-03"])
        #expect(plan.days.map(\.action) == [.add, .add, .update, .update])
        #expect(plan.days[2].result == StoredAccountDay(day: "2026-11-02", source: "import", followers: 110, values: ["other": 1, "new_user": 12]))
        // The day read on the day keeps its followers and stays a snapshot.
        #expect(plan.days[3].result.followers == 118 && plan.days[3].result.source == "snapshot" && plan.days[3].snapshotKept)
        #expect(plan.days[3].result.values == ["total": 118, "new_user": 10] && plan.days[3].result.following == 3)
        // WeChat exports 90 days: 2026-08-01 is older.
        #expect(plan.olderThanExportWindow == 1 && plan.exportWindowDays == 90)
        // The same file over what it wrote: nothing changes.
        let after = Dictionary(uniqueKeysWithValues: plan.days.map { ($0.day, $0.result) })
        let again = MetricImportPlan.make(rows, stored: after, platform: "wechat", today: today)
        #expect(again.days.allSatisfy { $0.action == .unchanged }, "\(again.days.map(\.action))")
        #expect(again.days.map(\.result) == plan.days.map(\.result))
    }

    @Test func competitorDaysAddUpTheirEngagements() {
        let read = CompetitorCSV.parse("Date,Followers,Posts,Likes,Comments\n2026-11-01,1.2万,3,40,2\n2026-11-02,,0,,\n", today: today)
        #expect(read.errors.isEmpty && read.days.map(\.engagements) == [42, 0] && read.days.first?.followers == 12_000)
        #expect(read.days.first?.postsThatDay == 3)
        let typed = CompetitorCSV.parse("日期,互动数,点赞数\n2026-11-01,99,40\n", today: today)
        #expect(typed.days.first?.engagements == 99)
    }
}
