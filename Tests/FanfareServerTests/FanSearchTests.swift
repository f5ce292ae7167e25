import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// Searching and paging the fans list, on the database: part of a name in
/// any case, the pattern's own % and _ taken literally, the filter kept in
/// the next page's link.
@Suite struct FanSearchTests {
    @Test(arguments: TestDatabase.available)
    func fansAreFoundByPartOfTheirNameAndPagedWithTheSearchKept(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for name in ["小雨", "Mia Chen", "100%_fan", "阿杰"] { try await room.fan(name, "hello from \(name)") }
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let base = "/w/\(room.ws.slug)/fans"
            func names(_ query: String) async throws -> [String] {
                let page = try await browser.get(base + query)
                #expect(page.status == .ok, "\(query): \(page.body.prefix(300))")
                return page.body.matches(of: /<tr class="fan-row"[^>]*><td><a [^>]*><span translate="no">([^<]*)<\/span>/).map { String($0.1) }
            }
            #expect(try await names("?q=mia") == ["Mia Chen"], "any case")
            #expect(try await names("?q=%E9%9B%A8") == ["小雨"], "part of a Chinese name")
            #expect(try await names("?q=%25_") == ["100%_fan"], "% and _ are literal")
            #expect(try await names("?q=fan_").count == 4, "platform ids are searched too (the Sandbox's are fan_…)")
            #expect(try await names("?q=nobody").isEmpty)
            let none = try await browser.get(base + "?q=nobody")
            #expect(none.body.contains("id=\"fans-empty\""))
            // Paging keeps the search: three of the four on the first page, the fourth on the next.
            let first = try await browser.get(base + "?q=fan_&limit=3")
            let next = try #require(
                first.body.firstMatch(of: /href="([^"]*cursor=[^"]*)" rel="next"/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") })
            #expect(next.hasPrefix(base + "?q=fan_&cursor="), "\(next)")
            let second = try await names(String(next.dropFirst(base.count)) + "&limit=3")
            let firstNames = try await names("?q=fan_&limit=3")
            #expect(firstNames.count == 3 && second.count == 1 && !firstNames.contains(second[0]))
        }
    }
}
