import FanfareCore
import Foundation
import Testing

/// Per-post exports (Analytics/PostExports.swift): the kinds recognised
/// from their headers, rows read with their problems named by line and
/// column, each row matched to one published variant (by link or id, else
/// by title and publishing date), and what the import does over stored days.
@Suite struct PostExportsTests {
    let today = "2026-12-06"

    static let posts = [
        PostCandidate(
            id: "v1", title: "双十一｜全场　五折", text: "正文", remoteID: "2247483650_1", url: "https://mp.weixin.qq.com/s/abc", publishedDay: "2026-11-10"),
        PostCandidate(id: "v2", title: nil, text: "冬季新品 上市\n第二行", remoteID: "2247483651_1", url: nil, publishedDay: "2026-11-20"),
        PostCandidate(id: "v3", title: "周报", text: "第一周", remoteID: nil, url: nil, publishedDay: "2026-11-01"),
        PostCandidate(id: "v4", title: "周报", text: "第二周", remoteID: nil, url: nil, publishedDay: "2026-11-08"),
    ]

    @Test func aWeChatArticleListIsRecognisedAndReadRowByRow() throws {
        let file = """
            单篇图文统计
            标题,发表时间,阅读人数,阅读次数,分享次数,收藏,点赞,留言,阅读完成率,链接
            双十一|全场 五折,2026-11-10 20:00,"1,204",1.2万,35,12,88,9,45.5%,https://mp.weixin.qq.com/s/abc
            冬季新品 上市,2026/11/20,300,420,4,--,6,0,,
            合计,,1504,12420,39,12,94,9,,
            """
        #expect(PlatformExports.recognise(file, platform: "wechat")?.id == "wechat.article_list")
        let parsed = PlatformExports.parsePosts(file, candidates: PlatformExports.allKinds(of: "wechat"), today: today)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.kind?.id == "wechat.article_list" && parsed.header?.line == 2 && !parsed.hasDayColumn)
        #expect(parsed.rows.map(\.line) == [3, 4] && parsed.skippedLines == [1, 5])
        let first = try #require(parsed.rows.first)
        #expect(first.published == "2026-11-10" && first.link == "https://mp.weixin.qq.com/s/abc" && first.day == nil)
        #expect(
            first.values == [
                "int_page_read_user": 1_204, "int_page_read_count": 12_000, "share_count": 35, "add_to_fav_count": 12, "like_count": 88,
                "comment_count": 9, "read_complete_rate": 0.455,
            ])
        #expect(parsed.rows[1].values["add_to_fav_count"] == nil && parsed.rows[1].values["comment_count"] == 0)
    }

    @Test func aDailyFileStaysADailyFileAndAPerPostHeaderWinsOverIt() {
        let daily = "日期,阅读人数,阅读次数\n2026-11-03,120,300\n"
        #expect(PlatformExports.recognise(daily, platform: "wechat")?.id == "wechat.articles")
        let perDay = "日期,作品名称,播放量,点赞量\n2026-11-03,开箱,1.5w,320\n2026-11-04,开箱,2w,400\n"
        #expect(PlatformExports.recognise(perDay, platform: "douyin")?.id == "douyin.video_list")
        let parsed = PlatformExports.parsePosts(perDay, candidates: PlatformExports.postKinds, today: today)
        #expect(parsed.hasDayColumn && parsed.rows.map(\.day) == ["2026-11-03", "2026-11-04"])
        #expect(parsed.rows[0].values == ["play_count": 15_000, "digg_count": 320])
        let weibo = "博文内容,发布时间,阅读数,转发数,评论数,赞,mid\n今天上新,2026-11-05 09:30,2.1万,30,40,500,4888123\n"
        #expect(PlatformExports.recognise(weibo, platform: "weibo")?.id == "weibo.post_list")
        let row = PlatformExports.parsePosts(weibo, candidates: PlatformExports.postKinds, today: today).rows.first
        #expect(row?.postID == "4888123" && row?.values == ["reads": 21_000, "reposts": 30, "comments": 40, "attitudes": 500])
    }

    @Test func everyProblemNamesItsLineAndColumn() {
        let file = """
            作品名称,发布时间,日期,播放量,完播率,点赞量
            开箱,2026-11-01,2026-11-03,很多,35%,10
            ,2026-11-01,2026-11-03,100,35%,10
            开箱,11/01/2026,2026-12-09,100,135%,-3
            """
        let parsed = PlatformExports.parsePosts(file, candidates: PlatformExports.postKinds, today: today)
        let found = parsed.errors.map { "\($0.line) \($0.field) \($0.coded.code.rawValue)" }
        #expect(
            found == [
                "2 播放量 import_metrics_number", "3 作品名称 import_posts_identity", "4 发布时间 import_metrics_date", "4 日期 day_not_after",
                "4 完播率 import_metrics_ratio", "4 点赞量 import_metrics_negative",
            ], "\(found)")
        #expect(parsed.errors[0].message == "is \"很多\"; use a number such as 1234, 1,234, 1.2万 or 3亿")
        #expect(parsed.rows.isEmpty)
        let none = PlatformExports.parsePosts("日期,播放量\n2026-11-03,1\n", candidates: PlatformExports.postKinds, today: today)
        #expect(none.errors.map(\.coded.code) == [.importPostsHeader] && none.errors.first?.line == 1)
    }

    @Test func titlesCompareWithoutWidthOrSpacing() {
        #expect(PostMatching.normalise("  双十一｜全场　五折 \n") == "双十一|全场 五折")
        #expect(PostMatching.normalise("ＡＢＣ１２３！") == "ABC123!" && PostMatching.normalise("a\t\tb") == "a b")
        #expect(PostMatching.normalise("Case") != PostMatching.normalise("case"))
    }

    @Test func aRowIsMatchedByItsLinkOrIdFirst() {
        let posts = Self.posts
        #expect(PostMatching.match(ImportedPostRow(line: 2, link: "https://mp.weixin.qq.com/s/abc"), among: posts) == .matched(posts[0]))
        #expect(PostMatching.match(ImportedPostRow(line: 2, postID: "2247483651_1"), among: posts) == .matched(posts[1]))
        // The link wins over a title naming another post.
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "周报", link: " 2247483650_1 "), among: posts) == .matched(posts[0]))
        // A link naming no variant falls back to the title.
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "冬季新品  上市", link: "https://x/y"), among: posts) == .matched(posts[1]))
        #expect(PostMatching.match(ImportedPostRow(line: 2, link: "https://x/y"), among: posts) == .unmatched)
    }

    @Test func aRowIsMatchedByTitleAndPublishingDateElseReported() {
        let posts = Self.posts
        // The first line of a post without a title; full-width forms and spacing do not count.
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "冬季新品 上市"), among: posts) == .matched(posts[1]))
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "双十一|全场 五折", published: "2026-11-11"), among: posts) == .matched(posts[0]))
        // Two posts called 周报: the publishing date decides, within a day.
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "周报"), among: posts) == .ambiguous([posts[2], posts[3]]))
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "周报", published: "2026-11-07"), among: posts) == .matched(posts[3]))
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "周报", published: "2026-11-05"), among: posts) == .unmatched)
        #expect(PostMatching.match(ImportedPostRow(line: 2, title: "别的文章"), among: posts) == .unmatched)
    }

    @Test func thePlanStoresMatchedRowsAndReportsTheRest() throws {
        let kind = try #require(PlatformExports.kind("wechat.article_list"))
        let rows = [
            ImportedPostRow(line: 3, title: "双十一|全场 五折", values: ["int_page_read_count": 1_000, "like_count": 10, "share_count": 5]),
            ImportedPostRow(line: 4, title: "周报", values: ["int_page_read_count": 50]),
            ImportedPostRow(line: 5, title: "不存在", values: ["int_page_read_count": 50]),
            ImportedPostRow(line: 6, link: "https://mp.weixin.qq.com/s/abc", values: ["int_page_read_count": 1_001]),
            ImportedPostRow(line: 7, title: "冬季新品 上市", values: ["int_page_read_count": 70, "comment_count": 2]),
            ImportedPostRow(line: 8, title: "周报", published: "2026-11-01", day: "2026-10-31", values: ["int_page_read_count": 1]),
        ]
        let stored = ["v2": ["2026-11-30": StoredPostDay(day: "2026-11-30", source: "snapshot", columns: ["impressions": 60])]]
        let plan = PostImportPlan.make(rows, kind: kind, platform: "wechat", candidates: Self.posts, asOf: "2026-11-30", stored: stored)
        #expect(
            plan.rows.map(\.problem) == [
                nil, .ambiguous([Self.posts[2], Self.posts[3]]), .unmatched, .twice(3), nil, .beforePublished("2026-11-01"),
            ])
        #expect(plan.rows.map(\.action) == [.add, nil, nil, nil, .unchanged, nil] && plan.liveKept == 1)
        let added = try #require(plan.rows[0].result)
        // Engagements by WeChat's rule: likes + comments + shares + saves.
        #expect(added.columns == ["impressions": 1_000, "likes": 10, "shares": 5, "engagements": 15] && added.source == "import")
        #expect(added.values == rows[0].values && plan.rows[0].day == "2026-11-30")
        #expect(plan.rows[4].result == stored["v2"]?["2026-11-30"])
        #expect(plan.first == "2026-11-30" && plan.last == "2026-11-30" && plan.matched.count == 2 && plan.notWritten.count == 4)
    }

    @Test func anImportedDayIsUpdatedByAnotherFileAndUnchangedBySameOne() throws {
        let kind = try #require(PlatformExports.kind("douyin.video_list"))
        let candidates = [PostCandidate(id: "v", title: nil, text: "开箱", remoteID: "7300", url: nil, publishedDay: "2026-11-01")]
        let row = ImportedPostRow(
            line: 2, postID: "7300", day: "2026-11-03", values: ["play_count": 15_000, "digg_count": 320, "completion_rate": 0.35])
        let first = PostImportPlan.make([row], kind: kind, platform: "douyin", candidates: candidates, asOf: today, stored: [:])
        let stored = try #require(first.rows[0].result)
        #expect(stored.columns == ["plays": 15_000, "likes": 320, "completion": 0.35, "engagements": 320])
        let again = PostImportPlan.make(
            [row], kind: kind, platform: "douyin", candidates: candidates, asOf: today, stored: ["v": ["2026-11-03": stored]])
        #expect(again.rows[0].action == .unchanged && again.count(.unchanged) == 1)
        var more = row
        more.values = ["digg_count": 400]
        let changed = PostImportPlan.make(
            [more], kind: kind, platform: "douyin", candidates: candidates, asOf: today, stored: ["v": ["2026-11-03": stored]])
        // An empty cell keeps what was stored.
        #expect(changed.rows[0].action == .update && changed.rows[0].result?.columns["plays"] == 15_000)
        #expect(changed.rows[0].result?.columns["engagements"] == 400)
    }
}
