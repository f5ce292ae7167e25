import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The Sandbox platform's page of a post ("view on platform"), model and
/// view without a database.
@Suite struct SandboxPostPageTests {
    static let at = Date(timeIntervalSince1970: 1_796_000_000)

    static func found(comments: Int) -> SandboxPostPage.Found {
        SandboxPostPage.Found(
            remoteID: "sbx_1", handle: "fanfare_weibo", displayName: "Fanfare 微博（演示）", simulates: "weibo", title: nil,
            text: "春季新品今天上市！<b>三款配色</b>", tags: ["新品", "春季"], publishedAt: at,
            metrics: PostMetrics(impressions: 12_345, likes: 74, comments: comments, shares: 2, at: at),
            comments: (0..<comments).map { (index: Int) -> SandboxPostPage.Comment in
                SandboxPostPage.Comment(
                    id: "c\(index)", author: "fan\(index)", text: index == 0 ? "<script>alert(1)</script>好看" : "好看",
                    at: at.addingTimeInterval(Double(-index)), replies: index == 0 ? [.init(text: "谢谢喜欢！", at: at)] : [])
            }, workspaceSlug: "demo", postID: UUID(uuidString: "01A1A939-30E0-7245-9073-6C3ACD1843D7")!)
    }

    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/sandbox/@fanfare_weibo/sbx_1")
    }

    @Test func theNumbersAndThePlatformReadInTheReadersLanguage() {
        let zh = SandboxPostPage.model(Self.found(comments: 3), locale: .zhHans)
        #expect(zh.tiles.map(\.metric) == ["impressions", "likes", "comments", "shares"])
        #expect(zh.tiles.first == .init(metric: "impressions", label: "曝光", value: "1.2万"))
        #expect(zh.platformLine.contains("模拟微博") && zh.commentsHeading == "评论（3）")
        #expect(zh.back.href == "/w/demo/posts/01A1A939-30E0-7245-9073-6C3ACD1843D7")
        let en = SandboxPostPage.model(Self.found(comments: 3), locale: .en)
        #expect(en.tiles.first?.value == "12.3K" && en.tiles.first?.label == "Impressions")
        #expect(en.platformLine.contains("simulating Weibo") && en.commentsHeading == "Comments (3)")
        #expect(en.tags == "#新品 #春季" && en.noComments == nil && en.more == nil)
    }

    @Test func withoutCommentsItSaysSoAndBeyondTheLimitItSaysHowManyMore() {
        let none = SandboxPostPage.model(Self.found(comments: 0), locale: .zhHans)
        #expect(none.noComments == "还没有评论。" && none.comments.isEmpty)
        let many = SandboxPostPage.model(Self.found(comments: SandboxPostPage.commentLimit + 5), locale: .en)
        #expect(many.comments.count == SandboxPostPage.commentLimit)
        #expect(many.more == "5 older comments are not shown.")
        var unreachable = Self.found(comments: 1)
        unreachable.metrics = nil
        #expect(SandboxPostPage.model(unreachable, locale: .en).tiles.allSatisfy { $0.value == "—" })
    }

    /// What people and the audience wrote is escaped and not judged as the
    /// page's language.
    @Test func typedTextIsEscapedAndMarkedAsNotTranslated() {
        let html = SandboxPostPage.view(SandboxPostPage.model(Self.found(comments: 2), locale: .en), context(.en)).description
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"))
        #expect(!html.contains("<b>三款配色</b>"))
        #expect(html.contains("<span translate=\"no\">Fanfare 微博（演示）</span>"))
        #expect(html.contains("<strong translate=\"no\">fan1</strong>"))
        #expect(html.contains("<li class=\"reply\"><strong translate=\"no\">@fanfare_weibo</strong> <span translate=\"no\">谢谢喜欢！</span>"))
        #expect(html.contains("<article class=\"card\" translate=\"no\">"))
        #expect(html.contains("data-metric=\"likes\""))
    }
}
