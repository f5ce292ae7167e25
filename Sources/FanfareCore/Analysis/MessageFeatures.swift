import Foundation

/// The features the sentiment and intent models read from a message:
/// Chinese characters and their bigrams, words and word bigrams, emoji and
/// emoticons, `!` and `?`, and a `NEG_` twin of the three words or characters after a
/// negation (不好 is not 好). The training script
/// (`scripts/analysis/features.py`) extracts exactly the same; a fixture
/// test holds the two together.
public enum MessageFeatures {
    /// Bumped whenever the tokens change: a model file carries the version
    /// it was trained on and is refused by a build that reads another.
    public static let version: UInt32 = 2

    /// Features are hashed into this many buckets (a power of two).
    public static let bucketCount = 65_536

    static let hanNegators: Set<Unicode.Scalar> = ["不", "没", "无", "别", "未", "非", "勿", "甭"]
    static let wordNegators: Set<String> = [
        "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "cannot",
        "don't", "can't", "won't", "isn't", "aren't", "wasn't", "weren't", "didn't", "doesn't",
        "haven't", "hasn't", "hadn't", "couldn't", "wouldn't", "shouldn't", "ain't",
        "dont", "cant", "wont", "isnt", "arent", "wasnt", "werent", "didnt", "doesnt",
        "havent", "hasnt", "hadnt", "couldnt", "wouldnt", "shouldnt",
    ]
    static let negationWindow = 3

    enum Kind {
        case han, word, emoji, mark, space, hard
    }

    static func kind(_ scalar: Unicode.Scalar) -> Kind {
        let value = scalar.value
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF: return .han
        case 0x61...0x7A, 0x30...0x39, 0x27: return .word
        case 0xDF...0x24F where value != 0xF7: return .word
        case 0x1F000...0x1FBFF, 0x2600...0x27BF, 0x2190...0x21FF, 0x2300...0x23FF, 0x25A0...0x25FF, 0x2B00...0x2BFF,
            0x2934, 0x2935, 0x3030, 0x303D, 0xA9, 0xAE:
            return .emoji
        case 0x21, 0x3F: return .mark
        case 0x20, 0x09, 0x0A, 0x0D, 0x3000: return .space
        default: return .hard
        }
    }

    /// Code points that only shape an emoji (presentation selectors, the
    /// joiner, the keycap, skin tones, flag tags): read as if absent, so
    /// 👍🏽 is 👍.
    static func shapesAnEmoji(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0xFE0E, 0xFE0F, 0x200D, 0x20E3, 0x1F3FB...0x1F3FF, 0xE0020...0xE007F: return true
        default: return false
        }
    }

    /// Phones type ’ for the apostrophe; "don’t" must be the negator "don't".
    static func plainApostrophe(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x2018, 0x2019, 0x02BC: return "'"
        default: return scalar
        }
    }

    static let emoticonEyes: Set<Unicode.Scalar> = [":", ";", "="]
    static let emoticonMouths: Set<Unicode.Scalar> = [")", "(", "/", "\\", "|", "]", "["]

    /// The emoticon (":-)))" read as ":)") starting at `start`, and where it
    /// ends. Not one when a letter or Han follows ("注意：(1)" is a list) or
    /// when a slash is followed by another (a URL's "://").
    static func emoticon(in scalars: [Unicode.Scalar], at start: Int) -> (token: String, end: Int)? {
        guard emoticonEyes.contains(scalars[start]) else { return nil }
        var index = start + 1
        if index < scalars.count, scalars[index] == "-" { index += 1 }
        guard index < scalars.count, emoticonMouths.contains(scalars[index]) else { return nil }
        let mouth = scalars[index]
        if mouth == "/" || mouth == "\\", index + 1 < scalars.count, scalars[index + 1] == "/" { return nil }
        index += 1
        while index < scalars.count, scalars[index] == mouth { index += 1 }
        if index < scalars.count, [.han, .word].contains(kind(scalars[index])) { return nil }
        var token = String.UnicodeScalarView()
        token.append(scalars[start])
        token.append(mouth)
        return (String(token), index)
    }

    /// The tokens in the order they are read (a token may repeat).
    public static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        visit(text) { tokens.append($0) }
        return tokens
    }

    /// The buckets a message lights up: its features' FNV-1a hashes.
    public static func buckets(_ text: String) -> Set<Int> {
        var buckets = Set<Int>()
        visit(text) { buckets.insert(bucket(of: $0)) }
        return buckets
    }

    public static func bucket(of token: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in token.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash) & (bucketCount - 1)
    }

    private static func visit(_ text: String, _ emit: (String) -> Void) {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        var previousHan: Unicode.Scalar?
        var word = String.UnicodeScalarView()
        var previousWord: String?
        var negation = 0

        func unigram(_ token: String, negator: Bool) {
            emit(token)
            if negation > 0 {
                emit("NEG_" + token)
                negation -= 1
            }
            if negator { negation = negationWindow }
        }
        func flushWord() {
            guard !word.isEmpty else { return }
            var scalars = Substring(String(word)).unicodeScalars[...]
            while scalars.first == "'" { scalars = scalars.dropFirst() }
            while scalars.last == "'" { scalars = scalars.dropLast() }
            word = String.UnicodeScalarView()
            guard !scalars.isEmpty else { return }
            let token = String(String.UnicodeScalarView(scalars))
            unigram(token, negator: wordNegators.contains(token))
            if let previousWord { emit(previousWord + " " + token) }
            previousWord = token
        }

        let scalars = folded.unicodeScalars.lazy.filter { !shapesAnEmoji($0) }.map(plainApostrophe)
        let text = Array(scalars)
        var index = 0
        while index < text.count {
            let scalar = text[index]
            let kind = kind(scalar)
            index += 1
            if kind == .word {
                word.append(scalar)
                previousHan = nil
                continue
            }
            flushWord()
            switch kind {
            case .han:
                let character = String(scalar)
                if let previousHan { emit(String(previousHan) + character) }
                unigram(character, negator: hanNegators.contains(scalar))
                previousHan = scalar
                previousWord = nil
            case .emoji, .mark:
                emit(String(scalar))
                negation = 0
                previousHan = nil
            case .space:
                previousHan = nil
            case .hard:
                previousHan = nil
                negation = 0
                if let face = emoticon(in: text, at: index - 1) {
                    emit(face.token)
                    index = face.end
                } else {
                    previousWord = nil
                }
            case .word:
                break
            }
        }
        flushWord()
    }
}
