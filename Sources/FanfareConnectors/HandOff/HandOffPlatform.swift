import Foundation

/// Platforms where a person publishes and Fanfare prepares: what to call
/// them, why, and the shapes of their links.
public enum HandOffPlatform: String, Sendable, CaseIterable {
    case xiaohongshu
    case douyin

    public var name: String {
        switch self {
        case .xiaohongshu: "Xiaohongshu"
        case .douyin: "Douyin"
        }
    }

    /// Why a person publishes: shown where the post waits for them.
    public var handOffReason: String {
        switch self {
        case .xiaohongshu:
            "Xiaohongshu has no API for publishing from a server: its official share SDK only opens the app's composer filled in, and a person must tap publish."
        case .douyin:
            "Douyin withdrew direct publishing (the video.create scope) from most apps in 2022; only enterprise website apps with the user's visible consent may still publish, so a person posts from the Douyin app."
        }
    }

    var profileExample: String {
        switch self {
        case .xiaohongshu: "https://www.xiaohongshu.com/user/profile/5f0c3a2b000000000101d7e2"
        case .douyin: "https://www.douyin.com/user/MS4wLjABAAAA…"
        }
    }

    var postExample: String {
        switch self {
        case .xiaohongshu: "https://www.xiaohongshu.com/explore/<note id> or an xhslink.com share link"
        case .douyin: "https://www.douyin.com/video/<video id> or a v.douyin.com share link"
        }
    }

    /// The platform a link belongs to, from its host.
    static func owning(host: String) -> HandOffPlatform? {
        let host = host.lowercased()
        func on(_ domain: String) -> Bool { host == domain || host.hasSuffix("." + domain) }
        if on("xiaohongshu.com") || on("xhslink.com") { return .xiaohongshu }
        if on("douyin.com") || on("iesdouyin.com") { return .douyin }
        return nil
    }
}

/// A link to a published post or a profile, checked and made canonical
/// enough to store.
public struct HandOffLink: Sendable, Equatable, Codable {
    /// The link as an https URL (share text around it removed).
    public var url: String
    /// The post or account id when the link carries one (`explore/<id>`,
    /// `video/<id>`, `user/<id>`); for a short share link, the link's code
    /// prefixed with its host (`xhslink:AbCd`), since only the app resolves it.
    public var remoteID: String

    public init(url: String, remoteID: String) {
        self.url = url
        self.remoteID = remoteID
    }
}

enum HandOffLinks {
    enum Shape { case post, profile }

    /// The first link in pasted text. Shared text from the apps wraps the
    /// link in words ("复制打开抖音，看看… https://v.douyin.com/iRNBho6u/ …"),
    /// and people paste links without the scheme.
    static func firstLink(in pasted: String) -> URLComponents? {
        let pattern =
            #/(?:https?://)?(?:[A-Za-z0-9-]+\.)*(?:xiaohongshu\.com|xhslink\.com|douyin\.com|iesdouyin\.com)(?:/[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)?/#
        if let match = pasted.firstMatch(of: pattern.ignoresCase()) { return components(String(match.output)) }
        if let match = pasted.firstMatch(of: #/https?://[^\s，。、！？"'<>]+/#) { return components(String(match.output)) }
        return nil
    }

    static func components(_ text: String) -> URLComponents? {
        var trimmed = text
        while let last = trimmed.last, ".,;:!?)]'\"".contains(last) { trimmed.removeLast() }
        if !trimmed.lowercased().hasPrefix("http") { trimmed = "https://" + trimmed }
        guard var components = URLComponents(string: trimmed), components.host != nil else { return nil }
        components.scheme = "https"
        return components
    }

    /// Checks `components` is a `shape` link of `platform`; the id it names.
    static func identify(_ components: URLComponents, on platform: HandOffPlatform, shape: Shape) -> String? {
        let host = (components.host ?? "").lowercased()
        let path = components.path.split(separator: "/").map(String.init)
        func on(_ domain: String) -> Bool { host == domain || host.hasSuffix("." + domain) }
        switch (platform, shape) {
        case (.xiaohongshu, _) where on("xhslink.com"):
            return path.isEmpty || !path.allSatisfy(isCode) ? nil : "xhslink:" + path.joined(separator: "/")
        case (.douyin, _) where host == "v.douyin.com":
            return path.count == 1 && isCode(path[0]) ? "v.douyin:" + path[0] : nil
        case (.xiaohongshu, .post) where on("xiaohongshu.com"):
            if path.count == 2, path[0] == "explore", isNoteID(path[1]) { return path[1] }
            if path.count == 3, path[0] == "discovery", path[1] == "item", isNoteID(path[2]) { return path[2] }
            return nil
        case (.xiaohongshu, .profile) where on("xiaohongshu.com"):
            return path.count == 3 && path[0] == "user" && path[1] == "profile" && isNoteID(path[2]) ? path[2] : nil
        case (.douyin, .post) where on("douyin.com") || on("iesdouyin.com"):
            if path.count == 2, ["video", "note"].contains(path[0]), isDigits(path[1]) { return path[1] }
            if path.count == 3, path[0] == "share", ["video", "note"].contains(path[1]), isDigits(path[2]) { return path[2] }
            return nil
        case (.douyin, .profile) where on("douyin.com"):
            return path.count == 2 && path[0] == "user" && isCode(path[1]) ? path[1] : nil
        default:
            return nil
        }
    }

    /// Xiaohongshu note and user ids: 24 hexadecimal digits.
    static func isNoteID(_ text: String) -> Bool {
        text.count == 24 && text.allSatisfy(\.isHexDigit)
    }

    static func isDigits(_ text: String) -> Bool {
        (8...24).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func isCode(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 120 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
