import Crypto
import FanfareCore
import Foundation
import Synchronization

#if canImport(FoundationXML)
import FoundationXML
#endif

/// One entry of an RSS or Atom feed, as listening hears it.
public struct FeedItem: Sendable, Equatable {
    /// The feed's own id for the entry (RSS `guid`, Atom `id`), else its
    /// link, else a hash of title and date: the key that de-duplicates it.
    public var id: String
    public var link: URL?
    public var title: String
    /// The entry's text with HTML tags removed and entities decoded
    /// (RSSHub routes put a post's HTML, images and all, in `description`).
    public var text: String
    public var published: Date?
    public var author: String?
}

/// A feed as read: its title and entries, newest first as the feed gave them.
public struct Feed: Sendable, Equatable {
    public var title: String
    public var items: [FeedItem]
}

/// What one poll of a feed found.
public enum FeedFetch: Sendable, Equatable {
    /// The feed answered 304 to the validators sent: nothing new.
    case notModified
    /// The feed, with the validators to send next time.
    case feed(Feed, etag: String?, lastModified: String?)
}

/// Reads RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds (issue 20, scope 2:
/// news sites, blogs, and the RSSHub routes many Chinese teams run for
/// Weibo, WeChat and Xiaohongshu). Parsing is Foundation's XMLParser
/// (libxml2); external entities are never resolved.
public enum FeedReader {
    /// At most this many entries are read from one feed.
    public static let maxItems = 500
    /// A feed larger than this is refused rather than read.
    public static let maxBytes = 8 * 1_048_576

    /// Polls `url`, sending the validators of the last poll so an unchanged
    /// feed costs a 304. Goes through `transport`, which for a user-given
    /// address is the guarded outbound client.
    public static func fetch(
        _ url: URL, etag: String?, lastModified: String?, transport: any HTTPTransport, timeout: TimeInterval = 20
    ) async throws(ConnectorError) -> FeedFetch {
        var headers: [(name: String, value: String)] = [
            ("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1")
        ]
        if let etag { headers.append(("If-None-Match", etag)) }
        if let lastModified { headers.append(("If-Modified-Since", lastModified)) }
        let response = try await transport.send(HTTPRequestData(method: "GET", url: url, headers: headers), timeout: timeout)
        switch response.status {
        case 304: return .notModified
        case 200..<300: break
        case 429: throw .rateLimited(retryAfter: Double(response.header("retry-after") ?? "") ?? 300)
        case 404, 410: throw .notFound
        case 500...: throw .temporary(reason: "the feed answered HTTP \(response.status)")
        default: throw .rejected(reason: "the feed answered HTTP \(response.status)")
        }
        guard response.body.count <= maxBytes else { throw .rejected(reason: "the feed is larger than \(maxBytes / 1_048_576) MB") }
        return .feed(try parse(response.body), etag: response.header("etag"), lastModified: response.header("last-modified"))
    }

    /// Reads a feed document; throws `.rejected` naming why when it is not
    /// well-formed XML or not RSS or Atom.
    public static func parse(_ data: Data) throws(ConnectorError) -> Feed {
        let reader = Reader()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = reader
        guard !data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { throw .rejected(reason: "the feed is empty") }
        guard parser.parse(), reader.failedLine == nil else {
            let line = reader.failedLine ?? parser.lineNumber
            throw .rejected(reason: "the feed is not well-formed XML (line \(line))")
        }
        guard reader.kind != nil else { throw .rejected(reason: "the document is neither RSS nor Atom") }
        return Feed(title: reader.feedTitle.trimmingCharacters(in: .whitespacesAndNewlines), items: reader.items)
    }

    // MARK: Text

    /// Text of an HTML fragment: tags dropped (a `<br>` or block end is a
    /// line break), the common entities decoded, runs of blanks folded.
    /// Only for matching and display as text — never rendered as HTML.
    public static func text(ofHTML html: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        for character in html {
            if inTag {
                if character == ">" {
                    inTag = false
                    let name = tag.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/ ")).split(separator: " ").first ?? ""
                    if ["br", "p", "div", "li", "tr", "h1", "h2", "h3", "blockquote"].contains(String(name)) { out.append("\n") }
                    tag = ""
                } else {
                    tag.append(character)
                }
            } else if character == "<" {
                inTag = true
            } else {
                out.append(character)
            }
        }
        let decoded = decodeEntities(out)
        return
            decoded
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{a0}" }).joined(separator: " ") }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "hellip": "…", "mdash": "—", "ndash": "–",
        "ldquo": "“", "rdquo": "”", "lsquo": "‘", "rsquo": "’", "middot": "·", "times": "×", "copy": "©",
    ]

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") else {
                out.append(character)
                index = text.index(after: index)
                continue
            }
            let name = String(text[text.index(after: index)..<semicolon])
            var decoded: String?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else if name.hasPrefix("#") {
                decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                decoded = entities[name]
            }
            if let decoded {
                out += decoded
                index = text.index(after: semicolon)
            } else {
                out.append(character)
                index = text.index(after: index)
            }
        }
        return out
    }

    // MARK: Dates

    /// RFC 822 / 1123 dates as RSS writes them (`Mon, 07 Dec 2026 01:02:03 +0800`,
    /// `GMT`, with or without the weekday or seconds), and RFC 3339 as Atom does.
    public static func date(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let date = APITime.parse(trimmed) { return date }
        return rfc822.withLock { formatters in formatters.lazy.compactMap { $0.date(from: trimmed) }.first }
    }

    /// Made once: a feed of a hundred items would otherwise build up to
    /// five formatters per item. Behind a lock because a formatter is not
    /// Sendable and polls run concurrently.
    private static let rfc822 = Mutex(
        [
            "EEE, dd MMM yyyy HH:mm:ss Z", "EEE, dd MMM yyyy HH:mm:ss zzz", "dd MMM yyyy HH:mm:ss Z", "EEE, dd MMM yyyy HH:mm Z",
            "EEE, d MMM yyyy HH:mm:ss Z",
        ].map { format in
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            return formatter
        })

    // MARK: The parser's delegate

    final class Reader: NSObject, XMLParserDelegate {
        enum Kind { case rss, atom }
        var kind: Kind?
        var feedTitle = ""
        var items: [FeedItem] = []
        var path: [String] = []
        var entry: [String: String]?
        var entryLink: String?
        var buffer = ""
        var failedLine: Int?

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if failedLine == nil { failedLine = parser.lineNumber }
        }

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            let element = name.lowercased()
            if path.isEmpty {
                switch element {
                case "rss", "rdf:rdf": kind = .rss
                case "feed": kind = .atom
                default: break
                }
            }
            path.append(element)
            buffer = ""
            if element == "item" || element == "entry" {
                entry = [:]
                entryLink = nil
            }
            // Atom's link is an attribute: the alternate (or unmarked) one is the entry's page.
            if element == "link", entry != nil, let href = attributes["href"] {
                let rel = attributes["rel"] ?? "alternate"
                if rel == "alternate", entryLink == nil { entryLink = href }
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { buffer += string }

        func parser(_ parser: XMLParser, foundCDATA block: Data) { buffer += String(decoding: block, as: UTF8.self) }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let element = name.lowercased()
            defer {
                path.removeLast()
                buffer = ""
            }
            if element == "item" || element == "entry", let fields = entry {
                entry = nil
                guard items.count < FeedReader.maxItems else { return }
                items.append(Self.item(fields, link: entryLink))
                return
            }
            if var fields = entry {
                // Only an entry's direct children count (not an Atom author's <name> or a media group's <title>).
                let depth = path.count - (path.lastIndex(where: { $0 == "item" || $0 == "entry" }) ?? path.count)
                if depth == 2 || element == "name" || element == "dc:creator" {
                    let key = element == "name" ? "author" : element
                    if fields[key] == nil || (fields[key]?.isEmpty ?? true) { fields[key] = buffer }
                    if element == "link", entryLink == nil, !buffer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        entryLink = buffer.trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                }
                entry = fields
            } else if element == "title", feedTitle.isEmpty, path.count <= 3 {
                feedTitle = buffer
            }
        }

        static func item(_ fields: [String: String], link: String?) -> FeedItem {
            let title = FeedReader.text(ofHTML: fields["title"] ?? "")
            let body = fields["content:encoded"] ?? fields["content"] ?? fields["description"] ?? fields["summary"] ?? ""
            let published = (fields["pubdate"] ?? fields["published"] ?? fields["updated"] ?? fields["dc:date"]).flatMap(FeedReader.date)
            let url = link.flatMap { URL(string: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let guid = (fields["guid"] ?? fields["id"])?.trimmingCharacters(in: .whitespacesAndNewlines)
            let id: String
            if let guid, !guid.isEmpty {
                id = guid
            } else if let url {
                id = url.absoluteString
            } else {
                let digest = SHA256.hash(data: Data((title + "\u{1f}" + (fields["pubdate"] ?? fields["updated"] ?? "") + "\u{1f}" + body).utf8))
                id = "sha256:" + HexText.lower(digest)
            }
            let author = (fields["author"] ?? fields["dc:creator"]).map { FeedReader.text(ofHTML: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            return FeedItem(id: id, link: url, title: title, text: FeedReader.text(ofHTML: body), published: published, author: author)
        }
    }
}
