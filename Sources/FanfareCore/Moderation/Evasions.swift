/// The English spellings people use to get a listed word past a filter,
/// and the rules that keep innocent words out (docs/moderation-engine.md
/// § Evasions).

/// Inflected forms of a one-word English term: a term is also a word stem.
/// `scam` matches `scams`, `scammed` and `scamming` as whole words, so the
/// whole-word rule keeps its precision (`ban` is still not in `banana`,
/// `urban` or `banner`). Only inflections (plural and third person, past,
/// present participle), never derivations (`-er`, `-ness`): a derived word
/// is a new word with its own meaning (`banner`, `scammer` must be listed
/// to be found).
public enum EnglishInflections {
    /// The forms of `word` other than itself, for a word of at least three
    /// ASCII letters; none for anything else (Chinese, digits, phrases,
    /// short words like `ok`, where every form would be a new word).
    public static func forms(of word: String) -> [String] {
        let letters = Array(word.lowercased().utf8)
        guard letters.count >= 3, letters.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return [] }
        var forms: [String] = []
        func add(_ form: String) {
            if form != word.lowercased(), !forms.contains(form) { forms.append(form) }
        }
        let text = String(decoding: letters, as: UTF8.self)
        let last = letters[letters.count - 1]
        let beforeLast = letters[letters.count - 2]
        let stem = String(decoding: letters.dropLast(), as: UTF8.self)

        // Plural and third person.
        if text.hasSuffix("s") || text.hasSuffix("x") || text.hasSuffix("z") || text.hasSuffix("ch") || text.hasSuffix("sh") {
            add(text + "es")
        } else if last == UInt8(ascii: "y"), !isVowel(beforeLast) {
            add(stem + "ies")
        } else {
            add(text + "s")
        }
        // Past and participles.
        if last == UInt8(ascii: "e") {
            add(text + "d")
            if text.hasSuffix("ie") {
                add(String(decoding: letters.dropLast(2), as: UTF8.self) + "ying")
            } else if isVowel(beforeLast) {
                add(text + "ing")  // see → seeing, toe → toeing
            } else {
                add(stem + "ing")  // hate → hating
            }
        } else if last == UInt8(ascii: "y"), !isVowel(beforeLast) {
            add(stem + "ied")
            add(text + "ing")
        } else {
            add(text + "ed")
            add(text + "ing")
            // One vowel before one final consonant doubles it in short
            // words (scam → scammed, ban → banning); both spellings are
            // kept, since longer words do not (visit → visited).
            if !isVowel(last), ![UInt8(ascii: "w"), UInt8(ascii: "x"), UInt8(ascii: "y")].contains(last), isVowel(beforeLast),
                letters.count >= 3, !isVowel(letters[letters.count - 3])
            {
                let doubled = text + String(UnicodeScalar(last))
                add(doubled + "ed")
                add(doubled + "ing")
            }
        }
        return forms
    }

    private static func isVowel(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "a") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "i") || byte == UInt8(ascii: "o")
            || byte == UInt8(ascii: "u")
    }
}

/// Digits and symbols written for Latin letters (`sp4m`, `$cam`, `sh1t`).
/// Read as letters only inside a Latin word: a run of ASCII letters, digits,
/// these symbols and the joiners people put between letters (`.` `-` `_`
/// `*` `'`), with at least two ASCII letters in it. A number alone (`100`,
/// `2026-12-06`, `¥199`), a model name with one letter (`5G`, `4K`) or a
/// Chinese sentence around digits is never read: numbers carry meaning.
///
/// A view is a copy of the text's bytes, the same length, with each such
/// symbol replaced by its letter, so a match in the view has the same byte
/// offsets in the original. `1` can be `i` or `l`, so a word with it gives
/// two views.
public enum LeetView {
    /// The letter each symbol stands for; `1` is `i` in the first view and
    /// `l` in the second.
    static func letter(for byte: UInt8, second: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0"): return UInt8(ascii: "o")
        case UInt8(ascii: "1"): return second ? UInt8(ascii: "l") : UInt8(ascii: "i")
        case UInt8(ascii: "3"): return UInt8(ascii: "e")
        case UInt8(ascii: "4"), UInt8(ascii: "@"): return UInt8(ascii: "a")
        case UInt8(ascii: "5"), UInt8(ascii: "$"): return UInt8(ascii: "s")
        case UInt8(ascii: "7"), UInt8(ascii: "+"): return UInt8(ascii: "t")
        case UInt8(ascii: "8"): return UInt8(ascii: "b")
        case UInt8(ascii: "9"): return UInt8(ascii: "g")
        case UInt8(ascii: "!"): return UInt8(ascii: "i")
        case UInt8(ascii: "|"): return UInt8(ascii: "l")
        default: return nil
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }

    private static func isJoiner(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "*")
            || byte == UInt8(ascii: "'")
    }

    /// Per byte: 0 other, 1 part of a word (letter, digit, joiner) and 2 a
    /// symbol of the table. One lookup a byte: the first pass runs on every
    /// text scanned.
    private static let wordBytes: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        if letter(for: byte, second: false) != nil { return 2 }
        return isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || isJoiner(byte) ? 1 : 0
    }

    private static func isWordByte(_ byte: UInt8) -> Bool { wordBytes[Int(byte)] != 0 }

    /// The views of `bytes` (none when no word in it has a symbol to read),
    /// each with the byte ranges that were replaced: every symbol read with
    /// `1` as `i`; again with `1` as `l` when a word has a `1`; and, when a
    /// word ends in digits after a symbol (`sp4m123`), once more with those
    /// final digits kept as digits, for a term followed by a number.
    public static func views(of bytes: UnsafeBufferPointer<UInt8>) -> [(bytes: [UInt8], replaced: [Range<Int>])] {
        // Most texts have no symbol from the table in a Latin word: one pass
        // to find out before copying anything.
        let hasSymbol = wordBytes.withUnsafeBufferPointer { table in bytes.contains { table[Int($0)] == 2 } }
        guard hasSymbol else { return [] }
        var index = 0
        var words: [(range: Range<Int>, finalDigits: Int)] = []
        var ambiguous = false
        var numbered = false
        while index < bytes.count {
            guard isWordByte(bytes[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
            // `!` ending a word ends a sentence (`sp4m!`), it is no letter.
            var end = index
            while end > start, bytes[end - 1] == UInt8(ascii: "!") { end -= 1 }
            var letters = 0
            var symbols = 0
            var twoWays = false
            var lastLetter = start - 1
            for position in start..<end {
                let byte = bytes[position]
                if isLetter(byte) {
                    letters += 1
                    lastLetter = position
                } else if letter(for: byte, second: false) != nil {
                    symbols += 1
                    if byte == UInt8(ascii: "1") { twoWays = true }
                }
            }
            guard letters >= 2, symbols > 0 else { continue }
            var finalDigits = end
            while finalDigits > lastLetter + 1, bytes[finalDigits - 1] >= 0x30, bytes[finalDigits - 1] <= 0x39 { finalDigits -= 1 }
            let symbolsBeforeDigits = (start..<finalDigits).contains { !isLetter(bytes[$0]) && letter(for: bytes[$0], second: false) != nil }
            if finalDigits < end, symbolsBeforeDigits { numbered = true }
            words.append((start..<end, finalDigits))
            ambiguous = ambiguous || twoWays
        }
        guard !words.isEmpty else { return [] }
        var kinds: [(second: Bool, keepFinalDigits: Bool)] = [(false, false)]
        if ambiguous { kinds.append((true, false)) }
        if numbered { kinds.append((false, true)) }
        return kinds.map { kind in
            var copy = Array(bytes)
            var replaced: [Range<Int>] = []
            for word in words {
                for position in kind.keepFinalDigits ? word.range.lowerBound..<word.finalDigits : word.range {
                    if !isLetter(copy[position]), let letter = letter(for: copy[position], second: kind.second) {
                        copy[position] = letter
                        replaced.append(position..<(position + 1))
                    }
                }
            }
            return (copy, replaced)
        }
    }
}
