import Foundation

/// The features the sentiment and intent models read from a message:
/// Chinese characters and their bigrams, words and word bigrams, emoji,
/// `!` and `?`, and a `NEG_` twin of the three words or characters after a
/// negation (不好 is not 好). The training script
/// (`scripts/analysis/features.py`) extracts exactly the same; a fixture
/// test holds the two together.
public enum MessageFeatures {
    /// Features are hashed into this many buckets (a power of two).
    public static let bucketCount = 65_536

    static let hanNegators: Set<Unicode.Scalar> = ["不", "没", "无", "别", "未", "非"]
    static let wordNegators: Set<String> = [
        "not", "no", "never", "don't", "dont", "can't", "cannot", "won't", "isn't", "didn't", "doesn't", "nothing", "nobody", "neither",
        "nor", "without",
    ]
    static let negationWindow = 3

    enum Kind {
        case han, word, emoji, mark, space, hard
    }

    static func kind(_ scalar: Unicode.Scalar) -> Kind {
        let value = scalar.value
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF: return .han
        case 0x61...0x7A, 0x30...0x39, 0x27, 0x2019: return .word
        case 0xDF...0x24F where value != 0xF7: return .word
        case 0x1F000...0x1FAFF, 0x2600...0x27BF: return .emoji
        case 0x21, 0x3F: return .mark
        case 0x20, 0x09, 0x0A, 0x0D, 0x3000: return .space
        default: return .hard
        }
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
            while let first = scalars.first, first == "'" || first == "\u{2019}" { scalars = scalars.dropFirst() }
            while let last = scalars.last, last == "'" || last == "\u{2019}" { scalars = scalars.dropLast() }
            word = String.UnicodeScalarView()
            guard !scalars.isEmpty else { return }
            let token = String(String.UnicodeScalarView(scalars))
            unigram(token, negator: wordNegators.contains(token))
            if let previousWord { emit(previousWord + " " + token) }
            previousWord = token
        }

        // Variation selector 16 and the zero-width joiner only shape emoji:
        // they are read as if absent.
        for scalar in folded.unicodeScalars where scalar != "\u{FE0F}" && scalar != "\u{200D}" {
            let kind = kind(scalar)
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
            case .emoji:
                emit(String(scalar))
                negation = 0
                previousHan = nil
            case .mark:
                emit(String(scalar))
                negation = 0
                previousHan = nil
            case .space:
                previousHan = nil
            case .hard:
                negation = 0
                previousWord = nil
                previousHan = nil
            case .word:
                break
            }
        }
        flushWord()
    }
}
