import Crypto
import FanfareCore
import Foundation

/// The text sent to `statuses/share`, and how a post is found again.
///
/// Weibo has no idempotency key, and `statuses/share` requires a link to
/// the app's safe domain (安全域名) in every post. Fanfare puts the marker
/// in that link, as a visible query parameter — `?fanfare=<12 hex digits of
/// SHA-256(idempotency key)>` — instead of in the words: the link counts 10
/// 汉字 whatever its length, so the marker costs no characters, and a
/// reference parameter on the brand's own link is as harmless as a UTM tag.
/// Weibo shortens links to t.cn in the stored text, so `findPost` expands
/// the t.cn links of recent posts (`short_url/expand`) to read it back.
///
/// Limits: only the account's most recent 100 posts are searched (enough,
/// since reconciliation runs minutes after a timeout); a post edited to drop
/// the link, or whose t.cn link Weibo will not expand, is not found.
enum WeiboShareText {
    static let parameter = "fanfare"

    static func marker(for idempotencyKey: String) -> String {
        HexText.lower(SHA256.hash(data: Data(idempotencyKey.utf8)).prefix(6))
    }

    /// The text with the safe-domain link carrying the marker: the first
    /// link to the safe domain gets the parameter, or one is appended.
    static func compose(_ text: String, safeDomain: URL, marker: String) -> String {
        if let link = TextPatterns.links(in: text).first(where: { isOnSafeDomain(String(text[$0]), safeDomain) }) {
            return text.replacingCharacters(in: link, with: marked(String(text[link]), marker))
        }
        let separator = text.isEmpty || text.last!.isWhitespace ? "" : " "
        return text + separator + marked(safeDomain.absoluteString, marker)
    }

    static func isOnSafeDomain(_ link: String, _ safeDomain: URL) -> Bool {
        guard let host = URLComponents(string: link)?.host?.lowercased(), let safe = safeDomain.host?.lowercased() else { return false }
        return host == safe || host.hasSuffix("." + safe)
    }

    static func marked(_ link: String, _ marker: String) -> String {
        guard var components = URLComponents(string: link) else { return link + "?\(parameter)=\(marker)" }
        var items = (components.queryItems ?? []).filter { $0.name != parameter }
        items.append(URLQueryItem(name: parameter, value: marker))
        components.queryItems = items
        return components.string ?? link
    }

    static func carries(_ link: String, marker: String) -> Bool {
        URLComponents(string: link)?.queryItems?.contains { $0.name == parameter && $0.value == marker } ?? false
    }

    /// `#话题#` topics, which `statuses/share` refuses in the text.
    static func topics(in text: String) -> [String] {
        let links = TextPatterns.links(in: text)
        return text.matches(of: #/[#＃]([^#＃\s]{1,40})[#＃]/#).filter { match in !links.contains { $0.overlaps(match.range) } }
            .map { String($0.output.1) }
    }

    /// t.cn links, which Weibo puts in place of every link it stores.
    static func shortLinks(in text: String) -> [String] {
        TextPatterns.links(in: text).map { String(text[$0]) }.filter { URLComponents(string: $0)?.host?.lowercased() == "t.cn" }
    }
}
