import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// RSS, Atom and RSSHub feeds read into entries (issue 20, scope 2).
@Suite struct FeedReaderTests {
    static let rss = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>某品牌 的微博</title><link>https://weibo.com/123</link>
        <image><title>not the feed title</title></image>
        <item>
          <title><![CDATA[星巴克新品上市]]></title>
          <description><![CDATA[今天<br>去了<a href="https://weibo.com/x">星巴克</a>&nbsp;&nbsp;<img src="a.jpg"><p>味道 &amp; 价格都不错&hellip;</p>]]></description>
          <link>https://weibo.com/123/AbCdE</link>
          <guid isPermaLink="false">weibo-AbCdE</guid>
          <pubDate>Mon, 07 Dec 2026 09:30:00 +0800</pubDate>
          <dc:creator>小雨</dc:creator>
        </item>
        <item>
          <title>No guid here</title>
          <link>https://example.com/news/2</link>
          <pubDate>Sun, 06 Dec 2026 23:00:00 GMT</pubDate>
        </item>
        <item><title>Neither guid nor link</title><description>plain &lt;b&gt;text&lt;/b&gt;</description></item>
        </channel></rss>
        """

    static let atom = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title>Brand news</title>
          <entry>
            <title type="html">Recall &amp;lt;notice&amp;gt;</title>
            <link rel="self" href="https://example.com/self/1"/>
            <link rel="alternate" href="https://example.com/posts/1"/>
            <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
            <updated>2026-12-06T18:30:02Z</updated>
            <author><name>Newsroom</name></author>
            <summary>Short</summary>
            <content type="html">&lt;p&gt;Full &lt;em&gt;story&lt;/em&gt;&lt;/p&gt;</content>
          </entry>
        </feed>
        """

    @Test func rssEntriesWithTheirIdsTextAndDates() throws {
        let feed = try FeedReader.parse(Data(Self.rss.utf8))
        #expect(feed.title == "某品牌 的微博")
        #expect(feed.items.count == 3)
        let first = feed.items[0]
        #expect(first.id == "weibo-AbCdE" && first.link?.absoluteString == "https://weibo.com/123/AbCdE")
        #expect(first.title == "星巴克新品上市")
        #expect(first.text == "今天\n去了星巴克\n味道 & 价格都不错…")
        #expect(first.published == Date(timeIntervalSince1970: 1_796_607_000))
        #expect(first.author == "小雨")
        #expect(feed.items[1].id == "https://example.com/news/2")
        #expect(feed.items[1].published == Date(timeIntervalSince1970: 1_796_598_000))
        #expect(feed.items[2].id.hasPrefix("sha256:") && feed.items[2].text == "plain text")
        let again = try FeedReader.parse(Data(Self.rss.utf8))
        #expect(again.items[2].id == feed.items[2].id, "the same entry hashes to the same id on every poll")
    }

    @Test func atomEntriesTakeTheAlternateLinkAndTheContent() throws {
        let feed = try FeedReader.parse(Data(Self.atom.utf8))
        #expect(feed.title == "Brand news")
        let entry = try #require(feed.items.first)
        #expect(entry.id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a")
        #expect(entry.link?.absoluteString == "https://example.com/posts/1")
        #expect(entry.title == "Recall <notice>")
        #expect(entry.text == "Full story")
        #expect(entry.author == "Newsroom")
        #expect(entry.published == Date(timeIntervalSince1970: 1_796_581_802))
    }

    @Test func brokenOrForeignDocumentsAreRefusedWithAReason() {
        for (body, reason) in [
            ("<rss><channel><item><title>x</item></channel></rss>", "not well-formed"), ("<html><body>hi</body></html>", "neither RSS nor Atom"),
            ("", "empty"),
        ] {
            do {
                _ = try FeedReader.parse(Data(body.utf8))
                Issue.record("accepted \(body)")
            } catch {
                guard case .rejected(let why) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(why.contains(reason), "\(why)")
            }
        }
    }

    @Test func externalEntitiesAreNeverRead() throws {
        let hostile = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
            <rss version="2.0"><channel><title>t</title><item><title>&secret;</title><guid>1</guid></item></channel></rss>
            """
        let feed = try? FeedReader.parse(Data(hostile.utf8))
        let host = (try? String(contentsOfFile: "/etc/hostname", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "\u{0}"
        #expect(!(feed?.items.first?.title.contains(host) ?? false))
    }

    @Test func pollingSendsValidatorsAndReadsA304() async throws {
        try await StubServer.run({ request in
            request.headers["if-none-match"] == "\"v1\""
                ? StubResponse(status: 304)
                : StubResponse(status: 200, headers: ["ETag": "\"v1\"", "Last-Modified": "Mon, 07 Dec 2026 01:00:00 GMT"], body: Data(Self.rss.utf8))
        }) { server in
            let url = server.baseURL.appendingPathComponent("weibo/user/123")
            let first = try await FeedReader.fetch(url, etag: nil, lastModified: nil, transport: StubTransport())
            guard case .feed(let feed, let etag, let modified) = first else {
                Issue.record("\(first)")
                return
            }
            #expect(feed.items.count == 3 && etag == "\"v1\"" && modified == "Mon, 07 Dec 2026 01:00:00 GMT")
            let second = try await FeedReader.fetch(url, etag: etag, lastModified: modified, transport: StubTransport())
            #expect(second == .notModified)
            #expect(server.requests.last?.headers["if-modified-since"] == "Mon, 07 Dec 2026 01:00:00 GMT")
        }
    }

    @Test func feedErrorsAreTyped() async throws {
        try await StubServer.run({ request in
            switch request.path {
            case "/gone": StubResponse(status: 410)
            case "/busy": StubResponse(status: 429, headers: ["Retry-After": "120"])
            default: StubResponse(status: 503)
            }
        }) { server in
            for (path, expected) in [
                ("/gone", ConnectorError.notFound), ("/busy", .rateLimited(retryAfter: 120)),
                ("/down", .temporary(reason: "the feed answered HTTP 503")),
            ] {
                do {
                    _ = try await FeedReader.fetch(
                        server.baseURL.appendingPathComponent(String(path.dropFirst())), etag: nil, lastModified: nil, transport: StubTransport())
                    Issue.record("\(path) accepted")
                } catch { #expect((error as? ConnectorError) == expected, "\(path)") }
            }
        }
    }
}
