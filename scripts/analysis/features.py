"""Feature extraction for Fanfare's comment/message analysis models.

This is the reference implementation: `FanfareCore/Analysis` (Swift) must
produce exactly the same tokens and buckets. Pure standard library.

    tokens(text)  -> list[str]   tokens in text order (may repeat)
    token_set(text) -> set[str]  the feature set (binary presence)
    fnv1a32(s)    -> int         FNV-1a 32-bit over the UTF-8 bytes of s
    buckets(text) -> list[int]   sorted unique buckets, fnv1a32(token) & (BUCKETS - 1)

Algorithm (see docs/analysis-model.md for the prose version):

1. t = NFKC(text).lower()   (Python str.lower: full Unicode lowercase mapping)
2. Typographic apostrophes U+2018, U+2019 and U+02BC become U+0027, so
   "don\u2019t" (what phones type) is the negator "don't".
3. Code points that only shape an emoji are deleted from t: U+FE0E, U+FE0F,
   U+200D, U+20E3, the skin tones U+1F3FB-1F3FF and the tags U+E0020-E007F
   (they are neither tokens nor separators; "好\u200d用" is read as "好用",
   "👍🏽" as "👍").
4. Walk the code points of t, classifying each one:
     HAN    U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+20000-2FFFF
     WORD   a-z, 0-9, U+00DF-024F except U+00F7, U+0027
     EMOJI  U+1F000-1FBFF, U+2600-27BF, U+2190-21FF, U+2300-23FF,
            U+25A0-25FF, U+2B00-2BFF, U+2934-2935, U+3030, U+303D,
            U+00A9, U+00AE
     MARK   '!' and '?'
     SPACE  U+0020, U+0009, U+000A, U+000D, U+3000   (soft separators)
     HARD   everything else                          (hard separators)
   An emoticon is read before the classes: ':', ';' or '=', an optional
   '-', then one of ')', '(', '/', '\\', '|', ']', '[' repeated any number of
   times, not directly followed by a HAN or WORD code point ("注意：(1)"
   is a list); a '/' or '\\' directly followed by '/' is not one (URLs).
   It counts as one EMOJI whose token drops the nose and the repeats
   (":-)))" -> ":)").
5. Tokens:
     HAN char c       -> "c"; if the previous code point was HAN too -> "pc" (bigram)
     WORD run w       -> apostrophes stripped at both ends; if empty: nothing.
                         Else "w"; and "prev w" if the previous WORD unigram
                         exists with no HAN char and no HARD separator since
                         (SPACE, MARK and EMOJI do not prevent the bigram).
     EMOJI e          -> "e"
     MARK             -> "!" or "?"
6. Negation: each HAN/WORD unigram u, when the window counter is > 0, also
   yields "NEG_" + u and decrements the counter; then, if u is a negator, the
   counter is set to 3 (so a negator inside a window is itself negated and
   restarts the window). HARD separators, MARKs and EMOJIs set the counter
   to 0. SPACE does not. Bigrams are never negated.
"""

from __future__ import annotations

import unicodedata

BUCKETS = 1 << 16
NEG_WINDOW = 3

HAN_NEGATORS = frozenset({"不", "没", "无", "别", "未", "非", "勿", "甭"})
WORD_NEGATORS = frozenset({
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "cannot",
    "don't", "can't", "won't", "isn't", "aren't", "wasn't", "weren't", "didn't", "doesn't",
    "haven't", "hasn't", "hadn't", "couldn't", "wouldn't", "shouldn't", "ain't",
    "dont", "cant", "wont", "isnt", "arent", "wasnt", "werent", "didnt", "doesnt",
    "havent", "hasnt", "hadnt", "couldnt", "wouldnt", "shouldnt",
})
NEGATORS = HAN_NEGATORS | WORD_NEGATORS

APOSTROPHES = {0x2018: "'", 0x2019: "'", 0x02BC: "'"}
SPACES = frozenset({0x20, 0x09, 0x0A, 0x0D, 0x3000})
EMOTICON_EYES = frozenset(":;=")
EMOTICON_MOUTHS = frozenset(")(/\\|][")

HAN, WORD, EMOJI, MARK, SPACE, HARD = range(6)


def char_class(cp: int) -> int:
    if (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF
            or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FFFF):
        return HAN
    if (0x61 <= cp <= 0x7A or 0x30 <= cp <= 0x39
            or (0xDF <= cp <= 0x24F and cp != 0xF7) or cp == 0x27):
        return WORD
    if (0x1F000 <= cp <= 0x1FBFF or 0x2600 <= cp <= 0x27BF or 0x2190 <= cp <= 0x21FF
            or 0x2300 <= cp <= 0x23FF or 0x25A0 <= cp <= 0x25FF or 0x2B00 <= cp <= 0x2BFF
            or cp in (0x2934, 0x2935, 0x3030, 0x303D, 0xA9, 0xAE)):
        return EMOJI
    if cp == 0x21 or cp == 0x3F:
        return MARK
    if cp in SPACES:
        return SPACE
    return HARD


def ignored(cp: int) -> bool:
    return (cp in (0xFE0E, 0xFE0F, 0x200D, 0x20E3) or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().translate(APOSTROPHES)


def emoticon(cps: list[int], i: int) -> tuple[str, int] | None:
    """The emoticon starting at i and the index after it, or None."""
    n = len(cps)
    if chr(cps[i]) not in EMOTICON_EYES:
        return None
    j = i + 1
    if j < n and cps[j] == 0x2D:
        j += 1
    if j >= n or chr(cps[j]) not in EMOTICON_MOUTHS:
        return None
    mouth = cps[j]
    if mouth in (0x2F, 0x5C) and j + 1 < n and cps[j + 1] == 0x2F:
        return None
    k = j + 1
    while k < n and cps[k] == mouth:
        k += 1
    if k < n and char_class(cps[k]) in (HAN, WORD):
        return None  # "原因：(1)" is a list, not a frown
    return chr(cps[i]) + chr(mouth), k


def tokens(text: str) -> list[str]:
    t = normalize(text)
    cps = [ord(ch) for ch in t if not ignored(ord(ch))]
    n = len(cps)
    out: list[str] = []
    neg = 0                      # remaining negation window
    prev_han: str | None = None  # HAN char immediately before, for HAN bigrams
    prev_word: str | None = None  # last WORD unigram still eligible for a word bigram

    def unigram(u: str) -> None:
        nonlocal neg
        out.append(u)
        if neg > 0:
            out.append("NEG_" + u)
            neg -= 1
        if u in NEGATORS:
            neg = NEG_WINDOW

    i = 0
    while i < n:
        cp = cps[i]
        cls = char_class(cp)
        if cls == HAN:
            c = chr(cp)
            unigram(c)
            if prev_han is not None:
                out.append(prev_han + c)
            prev_han = c
            prev_word = None
            i += 1
            continue
        prev_han = None
        face = emoticon(cps, i) if cls == HARD else None
        if face is not None:
            out.append(face[0])
            neg = 0
            i = face[1]
            continue
        if cls == WORD:
            j = i + 1
            while j < n and char_class(cps[j]) == WORD:
                j += 1
            w = "".join(map(chr, cps[i:j])).strip("'")
            if w:
                unigram(w)
                if prev_word is not None:
                    out.append(prev_word + " " + w)
                prev_word = w
            i = j
            continue
        if cls == EMOJI or cls == MARK:
            out.append(chr(cp))
            neg = 0
        elif cls == HARD:
            neg = 0
            prev_word = None
        # SPACE: nothing
        i += 1
    return out


def token_set(text: str) -> set[str]:
    return set(tokens(text))


def fnv1a32(s: str) -> int:
    h = 2166136261
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def bucket_of(token: str) -> int:
    return fnv1a32(token) & (BUCKETS - 1)


def bucket_set(text: str) -> set[int]:
    return {bucket_of(tok) for tok in token_set(text)}


def buckets(text: str) -> list[int]:
    return sorted(bucket_set(text))


if __name__ == "__main__":
    import sys
    for arg in sys.argv[1:] or [sys.stdin.read()]:
        print(sorted(token_set(arg)))
        print(buckets(arg))
