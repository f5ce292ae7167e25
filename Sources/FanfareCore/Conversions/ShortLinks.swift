import Foundation

/// Short codes of tracked links: random, from an alphabet without the
/// characters people confuse when they read a code aloud or copy it by
/// hand (0/o, 1/l/i), lower case only so a code survives being typed.
public enum ShortCode {
    public static let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
    public static let length = 8

    /// 31^8 ≈ 8.5e11 codes: a collision is retried by the caller on the unique key.
    public static func make(length: Int = ShortCode.length, random: inout some RandomNumberGenerator) -> String {
        String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
    }

    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(random: &generator)
    }

    /// Whether `text` could be a code (any length from 7 to 16 of the alphabet).
    public static func isWellFormed(_ text: Substring) -> Bool {
        (7...16).contains(text.count) && text.allSatisfy { alphabet.contains($0) }
    }
}

/// A link's UTM parameters.
public struct UTM: Sendable, Equatable, Codable {
    public var source: String?
    public var medium: String?
    public var campaign: String?
    public var content: String?
    public var term: String?

    public init(source: String? = nil, medium: String? = nil, campaign: String? = nil, content: String? = nil, term: String? = nil) {
        self.source = source
        self.medium = medium
        self.campaign = campaign
        self.content = content
        self.term = term
    }

    public var items: [(String, String)] {
        [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign), ("utm_content", content), ("utm_term", term)]
            .compactMap { name, value in value.flatMap { $0.isEmpty ? nil : (name, $0) } }
    }
}

/// Checking and building a tracked link's destination.
public enum LinkDestination {
    public static let maxLength = 2_000
    public static let maxUTMLength = 100

    /// `raw` as an absolute http(s) URL with a host, or the problem with it.
    public enum Check: Sendable, Equatable {
        case success(URL)
        case failure(CodedMessage)
    }

    public static func validate(_ raw: String?) -> Check {
        guard let raw = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return .failure(.required) }
        guard raw.count <= maxLength else { return .failure(.lengthAtMost(max: maxLength)) }
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil, let url = components.url
        else { return .failure(.linkDestination) }
        return .success(url)
    }

    /// The destination with the UTM parameters set (replacing any of the
    /// same name already there) and then `extra` (the click id).
    public static func withParameters(_ destination: String, utm: UTM, extra: [(String, String)] = []) -> String {
        guard var components = URLComponents(string: destination) else { return destination }
        let added = utm.items + extra
        let replaced = Set(added.map(\.0))
        // The destination's own parameters stay exactly as written (a `+`
        // stays a `+`); only those of the same names are replaced.
        var parts = (components.percentEncodedQuery ?? "").split(separator: "&").map(String.init).filter { part in
            let name = String(part.split(separator: "=", maxSplits: 1).first ?? "")
            return !replaced.contains(name.removingPercentEncoding ?? name)
        }
        parts += added.map { "\(encode($0.0))=\(encode($0.1))" }
        components.percentEncodedQuery = parts.isEmpty ? nil : parts.joined(separator: "&")
        return components.string ?? destination
    }

    /// `destination` (already carrying its UTM parameters) with one more
    /// parameter whose value needs no escaping (the click id, a lower-case
    /// UUID). The redirect's path: plain string work instead of
    /// `URLComponents` (8 % of a redirect). A destination that already has a
    /// parameter of that name goes the long way, which replaces it.
    public static func appending(_ name: String, _ value: String, to destination: String) -> String {
        var base = Substring(destination)
        var fragment: Substring = ""
        if let hash = base.firstIndex(of: "#") {
            fragment = base[hash...]
            base = base[..<hash]
        }
        let query = base.firstIndex(of: "?").map { base[base.index(after: $0)...] }
        if let query, query.split(separator: "&").contains(where: { $0 == name || $0.hasPrefix(name + "=") }) {
            return withParameters(destination, utm: UTM(), extra: [(name, value)])
        }
        let separator = query == nil ? "?" : (query!.isEmpty || query!.hasSuffix("&") ? "" : "&")
        return String(base) + separator + name + "=" + value + String(fragment)
    }

    private static let queryValueAllowed: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#?/")
        return allowed
    }()

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryValueAllowed) ?? text
    }
}

/// Which user agents are robots rather than people: crawlers, link
/// previewers of chat apps and social sites (which fetch a link the moment
/// it is pasted), monitors and command-line clients. A click from one is
/// recorded and flagged `bot`, and counted in neither total nor unique.
public enum BotFilter {
    /// Lower-case substrings of the User-Agent header; documented in docs/analytics.md.
    public static let patterns = [
        "bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "embedly", "whatsapp", "telegram", "discord",
        "skypeuripreview", "vkshare", "pinterest", "bingpreview", "yahoo! slurp", "baiduspider", "sogou", "yisouspider", "360spider",
        "bytespider", "petalbot", "slack", "linkexpanding", "twitterbot", "linkedinbot", "applebot", "yandex",
        "headless", "phantomjs", "curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "java/", "okhttp", "libwww",
        "httpclient", "monitor", "uptime", "pingdom", "lighthouse", "scrapy", "feedfetcher", "apache-httpclient", "axios/", "node-fetch",
    ]

    private static let patternBytes: [[UInt8]] = patterns.map { Array($0.utf8) }

    /// Compared as ASCII bytes, lower-cased once: Foundation's
    /// `String.contains` went through `NSString.range(of:)` and cost 16 % of
    /// a redirect's CPU. Every pattern is ASCII, so lower-casing only A–Z
    /// finds exactly what `lowercased().contains` found.
    public static func isBot(_ userAgent: String?) -> Bool {
        guard let userAgent, !userAgent.isEmpty else { return true }
        let lower = userAgent.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        return patternBytes.contains { contains(lower, $0) }
    }

    static func contains(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        guard let first = pattern.first, pattern.count <= text.count else { return false }
        var start = 0
        let last = text.count - pattern.count
        while start <= last {
            if text[start] == first {
                var matched = 1
                while matched < pattern.count, text[start + matched] == pattern[matched] { matched += 1 }
                if matched == pattern.count { return true }
            }
            start += 1
        }
        return false
    }
}
