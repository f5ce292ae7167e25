import FanfareCore
import Foundation
import Testing

/// The redirect's fast paths must answer exactly what the plain
/// implementations answered.
@Suite struct ShortLinksTests {
    private let agents = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.44",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
        "curl/8.4.0", "WGET/1.21", "TelegramBot (like TwitterBot)", "Mozilla/5.0 (Macintosh) HeadlessChrome/120", "python-requests/2.31",
        "Ünïcödé Browser 中文 浏览器", "B", "bo", "bot", "xxBOTxx", "Slack-ImgProxy", "Mozilla/5.0 Yahoo! Slurp",
    ]

    @Test func botFilterAnswersWhatLowercasedContainsAnswered() {
        for agent in agents {
            let plain = BotFilter.patterns.contains { agent.lowercased().contains($0) }
            #expect(BotFilter.isBot(agent) == plain, Comment(rawValue: agent))
        }
        #expect(BotFilter.isBot(nil))
        #expect(BotFilter.isBot(""))
        #expect(BotFilter.isBot("Googlebot"))
        #expect(!BotFilter.isBot(agents[0]))
    }

    @Test func appendingMatchesWithParameters() {
        let id = "0192a6b4-58c1-7b3e-9e1f-2c3d4e5f6a7b"
        let destinations = [
            "https://shop.example/item", "https://shop.example/item?", "https://shop.example/item?a=1", "https://shop.example/item?a=1&",
            "https://shop.example/item#top", "https://shop.example/item?a=1#top", "https://shop.example/item?utm_source=weibo&q=a+b",
            "https://shop.example/?fnf_click=old&a=1", "https://shop.example/?a=1&fnf_click", "https://shop.example/?fnf_clicker=1",
        ]
        for destination in destinations {
            let fast = LinkDestination.appending("fnf_click", id, to: destination)
            let plain = LinkDestination.withParameters(destination, utm: UTM(), extra: [("fnf_click", id)])
            #expect(URLComponents(string: fast)?.queryItems?.filter { $0.name == "fnf_click" }.map(\.value) == [id], Comment(rawValue: destination))
            #expect(URLComponents(string: fast)?.queryItems == URLComponents(string: plain)?.queryItems, Comment(rawValue: destination))
            #expect(URLComponents(string: fast)?.fragment == URLComponents(string: plain)?.fragment, Comment(rawValue: destination))
        }
        #expect(
            LinkDestination.appending("fnf_click", id, to: "https://shop.example/item?a=1#top") == "https://shop.example/item?a=1&fnf_click=\(id)#top"
        )
    }
}
