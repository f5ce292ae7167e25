import Foundation

/// How serious a term is. A draft with a `block` term cannot pass the
/// review chain's automatic step; `review` and `warn` are shown to the
/// reviewers and the author but let it through.
public enum ModerationSeverity: String, Sendable, Codable, CaseIterable, Comparable {
    case warn
    case review
    case block

    private var rank: Int {
        switch self {
        case .warn: 0
        case .review: 1
        case .block: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// Which text a term is checked in. Advertising-Law terms are the brand's
/// liability in its own posts, not a fan's in a comment; fraud lures are
/// what fans post, not what a brand writes.
public enum ModerationScope: String, Sendable, Codable, CaseIterable {
    case all
    /// Our own drafts and replies.
    case content
    /// Fans' comments, mentions and messages.
    case incoming

    func covers(_ text: ModerationScope) -> Bool { self == .all || text == .all || self == text }
}

/// One entry of a lexicon: a term with its category, severity and scope.
public struct LexiconTerm: Sendable, Equatable, Hashable, Codable {
    public var term: String
    /// Lower-case letters, digits and `_`, e.g. `advertising_law`.
    public var category: String
    public var severity: ModerationSeverity
    public var scope: ModerationScope

    public init(term: String, category: String, severity: ModerationSeverity, scope: ModerationScope = .all) {
        self.term = term
        self.category = category
        self.severity = severity
        self.scope = scope
    }

    /// The categories of the base lexicon; a workspace may add its own
    /// (e.g. `competitor`).
    public static let baseCategories = [
        "advertising_law", "medical_claim", "financial_promise", "education_promise", "fraud_lure", "gambling", "abuse",
        "violence", "privacy", "competitor", "risk",
    ]

    /// The key two spellings of one term share: its folded form.
    public var key: String { TextFolding.fold(term) }

    /// Every problem with this entry, each naming its field. A term must
    /// keep at least one letter or character once folded: "!!!" or an
    /// emoji alone would match nothing.
    /// `key`: the folded form when the caller has it already.
    public func problems(field: String = "", key known: String? = nil) -> ValidationErrors {
        var errors = ValidationErrors()
        let trimmed = term.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            errors.add(field + "term", .notEmpty)
        } else if trimmed.unicodeScalars.count > 100 {
            errors.add(field + "term", .lengthAtMost(max: 100))
        } else if (known ?? key).isEmpty {
            errors.add(field + "term", .termNothingLeft)
        }
        if !Self.isCategory(category) {
            errors.add(field + "category", .categoryIdentifier)
        }
        return errors
    }

    /// `^[a-z][a-z0-9_]{0,39}$`, checked byte by byte: a regular
    /// expression per line made a 99,000-line import's check take seconds.
    public static func isCategory(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...40).contains(bytes.count), let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }
}

/// Where a match lies in the original text, in both units callers need:
/// Unicode scalars for the API and the command line, UTF-16 code units for
/// the browser (JavaScript string indices).
public struct ModerationMatch: Sendable, Equatable, Codable {
    public var term: String
    public var category: String
    public var severity: ModerationSeverity
    /// Unicode scalar offsets into the original text, end exclusive.
    public var start: Int
    public var end: Int
    /// UTF-16 offsets into the original text, end exclusive.
    public var utf16Start: Int
    public var utf16End: Int
    /// The original slice that matched, with whatever was inserted in it.
    public var text: String

    public init(
        term: String, category: String, severity: ModerationSeverity, start: Int, end: Int, utf16Start: Int, utf16End: Int, text: String
    ) {
        self.term = term
        self.category = category
        self.severity = severity
        self.start = start
        self.end = end
        self.utf16Start = utf16Start
        self.utf16End = utf16End
        self.text = text
    }
}

/// Which matches a scan reports.
public enum MatchPolicy: String, Sendable, Codable, CaseIterable {
    /// Every match, overlapping ones included: 最佳 and 佳品 in 最佳品.
    case all
    /// From left to right, the longest match at the leftmost start, then
    /// the next one after it: what a highlighter shows.
    case leftmostLongest = "leftmost_longest"
}
