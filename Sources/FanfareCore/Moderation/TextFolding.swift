import Foundation

/// How one character of text is seen by the moderation engine: folded to
/// the form every spelling of it shares, or skipped because people insert
/// it to break a word apart.
///
/// The same folding is applied to lexicon terms and to the text scanned,
/// so a term matches however either side was written:
/// - compatibility forms (NFKD): full-width ＡＢＣ, circled ①, ligatures,
///   mathematical letters, Kangxi radicals and CJK compatibility ideographs;
/// - accents are dropped (é → e) and case is folded (A → a, ß → ss);
/// - traditional Chinese becomes simplified (萬 → 万, OpenCC's table);
/// - Cyrillic and Greek letters that look like Latin ones become Latin
///   (а → a, Ρ → p). Digits are *not* folded to letters (0 ≠ o, 1 ≠ l):
///   numbers carry meaning (prices, order numbers). Digits written for
///   letters inside an English word (`sp4m`) are read by `LeetView`, in a
///   second look at the text, not here;
/// - skipped: spaces, punctuation, symbols (emoji among them), combining
///   marks, control and format characters (zero-width space and joiner,
///   bidi marks), private-use characters and every default-ignorable code
///   point (variation selectors, fillers).
public enum TextFolding {
    /// The folded form of one scalar: empty when it is skipped, usually one
    /// scalar, sometimes several (ﬁ → f i, ⑽ → 1 0).
    public static func fold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.value < 0x20000 {
            return table.scalars(scalar.value)
        }
        return computeFold(scalar)
    }

    /// Folds a whole string, for showing what a term becomes.
    public static func fold(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { result.append(contentsOf: fold(scalar)) }
        return String(result)
    }

    /// True for the characters people insert to break a word apart.
    public static func isSkipped(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isDefaultIgnorableCodePoint { return true }
        switch properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
            .control, .format, .surrogate, .privateUse,
            .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// The fold of every scalar of planes 0 and 1, computed once per
    /// process (about 60 ms): the scan never calls Foundation.
    static let table = FoldTable()

    static func computeFold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        // Decomposed before the skip test: circled ⓕ is a symbol, but it
        // is drawn as the letter f and folds to it.
        if let mapped = upperLookAlikes[scalar.value] { return [mapped] }
        var result: [Unicode.Scalar] = []
        for part in String(Character(scalar)).decomposedStringWithCompatibilityMapping.unicodeScalars where !isSkipped(part) {
            if let mapped = upperLookAlikes[part.value] {
                result.append(mapped)
                continue
            }
            for lower in caseFold(part) where !isSkipped(lower) {
                let simplified = traditional[lower.value] ?? lower
                result.append(lowerLookAlikes[simplified.value] ?? simplified)
            }
        }
        return result
    }

    private static func caseFold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        switch scalar.value {
        case 0xDF, 0x1E9E: return ["s", "s"]  // ß, ẞ
        case 0x17F: return ["s"]  // long s
        case 0x3C2: return ["\u{3C3}"]  // final sigma
        default:
            let lower = scalar.properties.lowercaseMapping.unicodeScalars
            return lower.count == 1 && lower.first == scalar ? [scalar] : Array(lower)
        }
    }

    /// Capital Cyrillic and Greek letters drawn like Latin capitals. Mapped
    /// before case folding: Н looks like H, but its lower case н does not
    /// look like h.
    static let upperLookAlikes: [UInt32: Unicode.Scalar] = [
        // Cyrillic А В Е К М Н О Р С Т Х У Ѕ І Ј
        0x410: "a", 0x412: "b", 0x415: "e", 0x41A: "k", 0x41C: "m", 0x41D: "h", 0x41E: "o", 0x420: "p",
        0x421: "c", 0x422: "t", 0x425: "x", 0x423: "y", 0x405: "s", 0x406: "i", 0x408: "j",
        // Greek Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ
        0x391: "a", 0x392: "b", 0x395: "e", 0x396: "z", 0x397: "h", 0x399: "i", 0x39A: "k", 0x39C: "m",
        0x39D: "n", 0x39F: "o", 0x3A1: "p", 0x3A4: "t", 0x3A5: "y", 0x3A7: "x",
    ]

    /// Small Cyrillic, Greek and IPA letters drawn like small Latin letters.
    static let lowerLookAlikes: [UInt32: Unicode.Scalar] = [
        // Cyrillic а е о р с у х ѕ і ј ԁ ԛ ԝ һ
        0x430: "a", 0x435: "e", 0x43E: "o", 0x440: "p", 0x441: "c", 0x443: "y", 0x445: "x", 0x455: "s",
        0x456: "i", 0x458: "j", 0x501: "d", 0x51B: "q", 0x51D: "w", 0x4BB: "h",
        // Greek ο α ν ρ ι κ υ χ
        0x3BF: "o", 0x3B1: "a", 0x3BD: "v", 0x3C1: "p", 0x3B9: "i", 0x3BA: "k", 0x3C5: "u", 0x3C7: "x",
        // dotless ı, script ɡ, small capital letters used as look-alikes
        0x131: "i", 0x261: "g",
    ]

    /// Traditional → simplified, one character to one character.
    static let traditional: [UInt32: Unicode.Scalar] = {
        var map: [UInt32: Unicode.Scalar] = [:]
        var pending: Unicode.Scalar?
        for scalar in TraditionalChinese.pairs.unicodeScalars where !scalar.properties.isWhitespace {
            if let from = pending {
                map[from.value] = scalar
                pending = nil
            } else {
                pending = scalar
            }
        }
        return map
    }()
}

/// The fold of planes 0 and 1 packed into flat arrays: one `UInt32` per
/// scalar. A value below `multiFlag` is the single folded scalar, `skip`
/// means skipped, and `multiFlag | index` points into `multi`.
struct FoldTable: Sendable {
    static let skip: UInt32 = 0xFFFF_FFFF
    static let multiFlag: UInt32 = 0x8000_0000

    let values: [UInt32]
    let multi: [[Unicode.Scalar]]
    /// `values` with every single folded scalar replaced by 0: the start
    /// of an automaton's own table, which then only needs the scalars of
    /// its alphabet filled in.
    let template: [UInt32]
    /// For each folded scalar, the scalars that fold to it alone.
    let sources: [UInt32: [UInt32]]

    init() {
        var values = [UInt32](repeating: Self.skip, count: 0x20000)
        var multi: [[Unicode.Scalar]] = []
        for value in UInt32(0)..<0x20000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let properties = scalar.properties
            // Unassigned code points stay themselves: they are not invisible
            // breakers, and Foundation's tables know nothing about them.
            if properties.generalCategory == .unassigned, !properties.isDefaultIgnorableCodePoint {
                values[Int(value)] = value
                continue
            }
            let folded = TextFolding.computeFold(scalar)
            switch folded.count {
            case 0: values[Int(value)] = Self.skip
            case 1: values[Int(value)] = folded[0].value
            default:
                values[Int(value)] = Self.multiFlag | UInt32(multi.count)
                multi.append(folded)
            }
        }
        self.values = values
        self.multi = multi
        var template = values
        var sources: [UInt32: [UInt32]] = [:]
        for (value, entry) in values.enumerated() where entry != Self.skip && entry & Self.multiFlag == 0 {
            template[value] = 0
            sources[entry, default: []].append(UInt32(value))
        }
        self.template = template
        self.sources = sources
    }

    func scalars(_ value: UInt32) -> [Unicode.Scalar] {
        let entry = values[Int(value)]
        if entry == Self.skip { return [] }
        if entry & Self.multiFlag != 0 { return multi[Int(entry & ~Self.multiFlag)] }
        return [Unicode.Scalar(entry)!]
    }
}
