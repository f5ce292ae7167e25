import Crypto
import FanfareCore
import Foundation

/// One article of a draft (`draft/add`'s `articles[]`), as sent.
struct WeChatArticle: Encodable, Equatable {
    let title: String
    let content: String
    let contentSourceUrl: String
    let thumbMediaId: String
    let needOpenComment = 0
    let onlyFansCanComment = 0

    /// How a published article is found again. WeChat keeps no idempotency
    /// key, so Fanfare writes a marker into a field it can read back from
    /// `freepublish/batchget`: the 阅读原文 ("Read the original") link,
    /// `content_source_url`, which becomes the account's own link with
    /// `?fanfare=<12 hex digits of SHA-256(idempotency key)>`. It is visible
    /// (a reader who taps 阅读原文 sees it, like a UTM tag) and harmless, and
    /// it leaves the article text alone. The cost: every article gets the
    /// account's 阅读原文 link, and a variant cannot set its own.
    static let parameter = "fanfare"

    static func marker(for idempotencyKey: String) -> String {
        HexText.lower(SHA256.hash(data: Data(idempotencyKey.utf8)).prefix(6))
    }

    static func sourceURL(_ readOriginal: URL, marker: String) -> String {
        guard var components = URLComponents(url: readOriginal, resolvingAgainstBaseURL: false) else {
            return readOriginal.absoluteString + "?\(parameter)=\(marker)"
        }
        var items = (components.queryItems ?? []).filter { $0.name != parameter }
        items.append(URLQueryItem(name: parameter, value: marker))
        components.queryItems = items
        return components.string ?? readOriginal.absoluteString
    }

    static func carries(_ link: String?, marker: String) -> Bool {
        guard let link else { return false }
        return URLComponents(string: link)?.queryItems?.contains { $0.name == parameter && $0.value == marker } ?? false
    }

    /// The article body: the text HTML-escaped, a blank line starting a new
    /// `<p>`, a single line break kept as `<br/>`.
    static func html(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        return normalized.split(separator: #/\n[ \t]*\n+/#).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { "<p>" + escape($0).replacingOccurrences(of: "\n", with: "<br/>") + "</p>" }.joined()
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

struct WeChatDraft: Encodable {
    let articles: [WeChatArticle]
}
