import Foundation

/// A compiled lexicon: terms and allow-list phrases in one automaton over
/// folded text. Immutable and thread-safe; build a new engine to change
/// the lexicon and swap it in (see `ModerationEngineCache` on the server).
///
/// A term is not reported when
/// - an allow-list phrase found in the same text covers it (第一 inside
///   第一次), or
/// - it starts or ends with a Latin letter or digit and the character
///   right next to it in the original text is one too (`ban` in `urban`):
///   English terms stand as whole words, while Chinese terms match
///   anywhere. Inserted spaces or symbols (`b.a.n`) do not hide a word.
public final class ModerationEngine: Sendable {
    private let automaton: Automaton
    /// Per pattern of the automaton: the term it reports, or nil for an
    /// allow-list phrase.
    private let entries: [LexiconTerm?]
    private let startsWord: [Bool]
    private let endsWord: [Bool]
    /// A pattern that ends with a Latin letter may be followed by digits
    /// (`spam123`); one that ends with a digit may not (`iphone 15` is not
    /// in `iphone150`).
    private let endsWithLetter: [Bool]
    /// Whether some term has a Latin letter (else `LeetView` is skipped).
    private let readsLeet: Bool
    /// How far around a word with symbols its view is scanned, in bytes:
    /// room for the longest term with a character inserted between each
    /// of its letters.
    private let viewMargin: Int
    public let termCount: Int
    public let allowCount: Int

    /// `terms` are layered: a later term with the same folded form replaces
    /// an earlier one (a workspace's entry overrides the base lexicon's).
    /// A term that an allow-list phrase equals is never reported. Terms
    /// and phrases that fold to nothing are left out; validate them with
    /// `LexiconTerm.problems` first to tell the user.
    public init(terms: [LexiconTerm], allow: [String] = []) {
        var byKey: [String: Int] = [:]
        var patterns: [[Unicode.Scalar]] = []
        var entries: [LexiconTerm?] = []
        entries.reserveCapacity(allow.count + terms.count)
        // Rows read from a database carry a copy of their category each;
        // one shared string per category is all an engine needs.
        var categories: [String: String] = [:]
        for phrase in allow {
            let folded = TextFolding.fold(phrase)
            guard !folded.isEmpty, byKey[folded] == nil else { continue }
            byKey[folded] = patterns.count
            patterns.append(Array(folded.unicodeScalars))
            entries.append(nil)
        }
        let allowCount = patterns.count
        for term in terms {
            let folded = TextFolding.fold(term.term)
            guard !folded.isEmpty else { continue }
            var term = term
            if let shared = categories[term.category] { term.category = shared } else { categories[term.category] = term.category }
            if let index = byKey[folded] {
                if entries[index] != nil { entries[index] = term }
                continue
            }
            byKey[folded] = patterns.count
            patterns.append(Array(folded.unicodeScalars))
            entries.append(term)
        }
        // A one-word English term is also a stem (`scam` → `scams`,
        // `scammed`, `scamming`), added after every listed term so that a
        // form listed in its own right (or allowed) keeps its own entry.
        for index in allowCount..<entries.count {
            guard let term = entries[index] else { continue }
            for form in EnglishInflections.forms(of: term.term.trimmingCharacters(in: .whitespaces)) {
                let folded = TextFolding.fold(form)
                guard byKey[folded] == nil else { continue }
                byKey[folded] = patterns.count
                patterns.append(Array(folded.unicodeScalars))
                entries.append(term)
            }
        }
        automaton = Automaton(patterns: patterns)
        self.entries = entries
        startsWord = patterns.map { Self.isWordCharacter($0.first) }
        endsWord = patterns.map { Self.isWordCharacter($0.last) }
        endsWithLetter = patterns.map { $0.last.map { $0.isASCII && $0.properties.isAlphabetic } ?? false }
        // A view only replaces symbols with Latin letters, and its matches
        // must cover one: without a Latin letter in any term there is
        // nothing it could add.
        readsLeet = zip(patterns, entries).contains { pattern, entry in
            entry != nil && pattern.contains { $0.isASCII && $0.properties.isAlphabetic }
        }
        viewMargin = 16 * (patterns.map(\.count).max() ?? 0)
        termCount = patterns.count - allowCount
        self.allowCount = allowCount
        var bytes = automaton.memoryBytes + MemoryEstimate.object(fields: 72)
        bytes += MemoryEstimate.array(count: entries.capacity, stride: MemoryLayout<LexiconTerm?>.stride)
        bytes += 2 * MemoryEstimate.array(count: patterns.count, stride: 1)
        for case let term? in entries { bytes += MemoryEstimate.string(term.term) }
        for category in categories.values { bytes += MemoryEstimate.string(category) }
        memoryBytes = bytes
    }

    public static let empty = ModerationEngine(terms: [])

    public var stateCount: Int { automaton.stateCount }
    /// An estimate of the heap this engine holds: the automaton, its
    /// folding table, and the terms with their strings. What the engine
    /// cache charges it (`SharedEngines`).
    public let memoryBytes: Int

    /// The terms found in `text`, ordered by where they start.
    public func scan(_ text: String, scope: ModerationScope = .all, policy: MatchPolicy = .leftmostLongest) -> [ModerationMatch] {
        var copy = text
        return copy.withUTF8 { scan(utf8: $0, scope: scope, policy: policy) }
    }

    /// The same over UTF-8 bytes, which must be valid UTF-8.
    public func scan(
        utf8 bytes: UnsafeBufferPointer<UInt8>, scope: ModerationScope = .all, policy: MatchPolicy = .leftmostLongest
    )
        -> [ModerationMatch]
    {
        var hits = filteredHits(in: bytes, scope: scope)
        // Digits and symbols read as letters inside Latin words (`sp4m`):
        // a match found only that way counts when it covers a symbol that
        // was read; the views keep the text's byte offsets.
        var fromViews: [Automaton.Hit] = []
        for view in readsLeet ? LeetView.views(of: bytes) : [] {
            view.bytes.withUnsafeBufferPointer { copy in
                // Only around the replaced symbols: a match from the view
                // must cover one, and a line rarely has more than one word
                // with them.
                let window = Self.window(around: view.replaced, margin: viewMargin, in: copy)
                for hit in filteredHits(in: copy, scope: scope, window: window)
                where view.replaced.contains(where: { hit.byteStart <= $0.lowerBound && $0.lowerBound < hit.byteEnd })
                    && !(hits + fromViews).contains(where: { Self.sameSpan($0, hit) })
                {
                    fromViews.append(hit)
                }
            }
        }
        if fromViews.isEmpty {
            hits = Self.select(hits, policy: policy)
        } else {
            hits = Self.selectByBytes(hits + fromViews, policy: policy)
        }
        if hits.isEmpty { return [] }
        return Self.offsets(of: hits, in: bytes).map { hit, start, end in
            let term = entries[Int(hit.pattern)]!
            let slice = UnsafeBufferPointer(rebasing: bytes[hit.byteStart..<hit.byteEnd])
            return ModerationMatch(
                term: term.term, category: term.category, severity: term.severity, start: start.scalars, end: end.scalars,
                utf16Start: start.utf16, utf16End: end.utf16, text: String(decoding: slice, as: UTF8.self))
        }
    }

    /// Every term's hit that the scope, the whole-word rule and the
    /// allow-list leave, in no particular order.
    /// The automaton reads `window` (all of `bytes` by default); the
    /// whole-word rule looks at the characters around a hit in `bytes`.
    private func filteredHits(in bytes: UnsafeBufferPointer<UInt8>, scope: ModerationScope, window: Range<Int>? = nil) -> [Automaton.Hit] {
        var hits: [Automaton.Hit] = []
        if let window, window != 0..<bytes.count {
            automaton.hits(in: UnsafeBufferPointer(rebasing: bytes[window]), into: &hits)
            for index in hits.indices {
                hits[index].byteStart += window.lowerBound
                hits[index].byteEnd += window.lowerBound
            }
        } else {
            automaton.hits(in: bytes, into: &hits)
        }
        if hits.isEmpty { return [] }
        // Filtered in place: most texts with a hit have one or two, and a
        // scan per line must not pay for extra arrays.
        var allowed: [Automaton.Hit] = []
        if allowCount > 0 {
            for hit in hits where entries[Int(hit.pattern)] == nil { allowed.append(hit) }
        }
        var terms = hits
        hits = []
        terms.removeAll { hit in
            guard let entry = entries[Int(hit.pattern)], entry.scope.covers(scope) else { return true }
            if startsWord[Int(hit.pattern)], Self.wordCharacter(before: hit.byteStart, in: bytes) { return true }
            if endsWord[Int(hit.pattern)], Self.wordCharacter(at: hit.byteEnd, in: bytes),
                !(endsWithLetter[Int(hit.pattern)] && Self.onlyDigitsToWordEnd(from: hit.byteEnd, in: bytes))
            {
                return true
            }
            return allowed.contains { $0.unitStart <= hit.unitStart && hit.unitEnd <= $0.unitEnd }
        }
        return terms
    }

    /// From `margin` bytes before the first replaced byte to `margin`
    /// after the last, moved outwards to whole characters.
    private static func window(around replaced: [Range<Int>], margin: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard let first = replaced.first?.lowerBound, let last = replaced.last?.upperBound else { return 0..<bytes.count }
        var start = max(0, first - margin)
        var end = min(bytes.count, last + margin)
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return start..<end
    }

    private static func sameSpan(_ a: Automaton.Hit, _ b: Automaton.Hit) -> Bool {
        a.pattern == b.pattern && a.byteStart == b.byteStart && a.byteEnd == b.byteEnd
    }

    /// Ordered by where they start in the folded text; leftmost-longest
    /// keeps the longest at each start and what does not overlap it.
    private static func select(_ hits: [Automaton.Hit], policy: MatchPolicy) -> [Automaton.Hit] {
        hits.count < 2 ? hits : select(hits, policy: policy, start: \.unitStart, end: \.unitEnd)
    }

    /// The same by byte offsets, for hits of several views of one text
    /// (their folded positions differ, their bytes do not).
    private static func selectByBytes(_ hits: [Automaton.Hit], policy: MatchPolicy) -> [Automaton.Hit] {
        select(hits, policy: policy, start: \.byteStart, end: \.byteEnd)
    }

    private static func select(
        _ hits: [Automaton.Hit], policy: MatchPolicy, start: KeyPath<Automaton.Hit, Int>, end: KeyPath<Automaton.Hit, Int>
    ) -> [Automaton.Hit] {
        var terms = hits
        terms.sort { ($0[keyPath: start], $1[keyPath: end]) < ($1[keyPath: start], $0[keyPath: end]) }
        guard policy == .leftmostLongest else { return terms }
        var chosen: [Automaton.Hit] = []
        var reached = 0
        for hit in terms where hit[keyPath: start] >= reached {
            chosen.append(hit)
            reached = hit[keyPath: end]
        }
        return chosen
    }

    /// Whether what follows `offset` up to the end of the word is one or
    /// more digits (`spam` in `spam123`, not in `spam12a`).
    private static func onlyDigitsToWordEnd(from offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = offset
        var digits = 0
        while index < bytes.count {
            // A decoder of its own each time: one keeps what it read ahead.
            var decoder = UTF8()
            var iterator = UnsafeBufferPointer(rebasing: bytes[index...]).makeIterator()
            guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return false }
            let folded = TextFolding.fold(scalar).first
            if let folded, ("0"..."9").contains(folded) {
                digits += 1
            } else if isWordCharacter(folded) {
                return false
            } else {
                break
            }
            index += UTF8.width(scalar)
        }
        return digits > 0
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
    }

    /// Whether the original character ending at `offset` folds to a Latin
    /// letter or digit.
    private static func wordCharacter(before offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset > 0 else { return false }
        var start = offset - 1
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return wordCharacter(at: start, in: bytes)
    }

    private static func wordCharacter(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset < bytes.count else { return false }
        var iterator = UnsafeBufferPointer(rebasing: bytes[offset...]).makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return false }
        return isWordCharacter(TextFolding.fold(scalar).first)
    }

    struct Offset {
        var scalars: Int
        var utf16: Int
    }

    /// Scalar and UTF-16 offsets of each hit's ends, in one pass over the
    /// bytes up to the last one.
    private static func offsets(of hits: [Automaton.Hit], in bytes: UnsafeBufferPointer<UInt8>) -> [(Automaton.Hit, Offset, Offset)] {
        var wanted: [Int] = []
        wanted.reserveCapacity(hits.count * 2)
        for hit in hits {
            wanted.append(hit.byteStart)
            wanted.append(hit.byteEnd)
        }
        wanted.sort()
        var found = [Offset](repeating: Offset(scalars: 0, utf16: 0), count: wanted.count)
        var scalars = 0
        var utf16 = 0
        var index = 0
        var next = 0
        while next < wanted.count {
            while next < wanted.count, wanted[next] <= index {
                found[next] = Offset(scalars: scalars, utf16: utf16)
                next += 1
            }
            guard index < bytes.count else { break }
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            scalars += 1
            utf16 += length == 4 ? 2 : 1
            index += length
        }
        func offset(_ byte: Int) -> Offset {
            var low = 0
            var high = wanted.count - 1
            while low < high {
                let middle = (low + high) / 2
                if wanted[middle] < byte { low = middle + 1 } else { high = middle }
            }
            return found[low]
        }
        return hits.map { ($0, offset($0.byteStart), offset($0.byteEnd)) }
    }
}
