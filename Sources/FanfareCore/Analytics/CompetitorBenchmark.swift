import Foundation

/// The competitor benchmark's figures for one account over a period (issue
/// 18 scope 4): growth rate, posting cadence, engagement per post, top
/// content types, and its place on the 声量 × 互动 quadrant (x = posts in
/// the period, y = engagement per post). The same rules for our accounts
/// and the tracked ones.
public struct CompetitorFigures: Sendable {
    public var followersStart: Int?
    public var followersEnd: Int?
    /// (end − start) ÷ start; nil without two totals or from 0.
    public var growthRate: Double?
    public var posts: Int
    public var postsPerWeek: Double
    public var engagements: Int
    /// Engagements ÷ posts; nil without posts.
    public var engagementPerPost: Double?
    /// Content types by posts, most first (ties by name).
    public var topContentTypes: [(type: String, posts: Int)]

    /// `followers`: (day, total) in the period, any order; `days` the
    /// period's length.
    public init(followers: [(day: String, value: Int)], posts: Int, engagements: Int, contentTypes: [String: Int], days: Int) {
        let sorted = followers.sorted { $0.day < $1.day }
        followersStart = sorted.first?.value
        followersEnd = sorted.last?.value
        if sorted.count >= 2, let start = followersStart, let end = followersEnd, start > 0 {
            growthRate = Double(end - start) / Double(start)
        }
        self.posts = posts
        postsPerWeek = days > 0 ? Double(posts) * 7 / Double(days) : 0
        self.engagements = engagements
        engagementPerPost = posts > 0 ? Double(engagements) / Double(posts) : nil
        topContentTypes = contentTypes.filter { $0.value > 0 }.map { ($0.key, $0.value) }.sorted {
            $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0
        }
    }
}

/// What a tracked account may be: the platform and handle rules.
public enum TrackedAccountRules {
    public static let handleLength = 1...100
    public static let nameLength = 1...100
    /// Platforms whose API lets one account read another's public numbers
    /// (the others are filled by CSV import).
    public static let readable: Set<String> = ["sandbox", "mastodon", "bluesky"]

    /// The handle as stored: without a leading @ and surrounding spaces.
    public static func handle(_ raw: String) -> String {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasPrefix("@") { text.removeFirst() }
        return text
    }

    /// Every wrong field at once, named.
    public static func validate(platform: String, handle: String, displayName: String?, platforms: [String]) -> ValidationErrors {
        var errors = ValidationErrors()
        if !platforms.contains(platform) { errors.add("platform", .unknownValue(value: platform, choices: platforms)) }
        if !handleLength.contains(handle.count) {
            errors.add("handle", .lengthBetween(min: handleLength.lowerBound, max: handleLength.upperBound))
        } else if handle.contains(where: { $0.isWhitespace || $0.isNewline }) || handle.contains("/") {
            errors.add("handle", .singleLine)
        }
        if let displayName, !nameLength.contains(displayName.count) || displayName.contains(where: \.isNewline) {
            errors.add("display_name", .lengthBetween(min: nameLength.lowerBound, max: nameLength.upperBound))
        }
        return errors
    }
}

/// The content type a post of ours counts as beside tracked accounts'
/// (`text`, `image`, `video`, `link`, `audio`), from its content format.
public enum CompetitorContentType {
    public static let all = ["text", "image", "video", "link", "audio"]

    public static func of(format raw: String) -> String {
        switch ContentFormat(rawValue: raw) {
        case .imageText: "image"
        case .shortVideo, .live: "video"
        case .audio: "audio"
        case .longArticle, nil: "text"
        }
    }
}
