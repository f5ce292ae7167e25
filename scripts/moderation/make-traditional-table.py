#!/usr/bin/env python3
"""Generate Sources/FanfareCore/Moderation/TraditionalChinese.swift.

The table is the traditional -> simplified single-character mapping of
OpenCC's TSCharacters.txt (Apache License 2.0, https://github.com/BYVoid/OpenCC),
taken from the `opencc-python-reimplemented` wheel on PyPI, which ships the
file as `opencc/dictionary/TSCharacters.txt`.

Each line of that file is `TRAD<TAB>SIMP1 SIMP2 ...`. We keep the first
candidate, and only entries where both sides are exactly one Unicode scalar
and differ. Chains (a simplified form that is itself a key, e.g. 薴 -> 苧 and
苧 -> 苎) are followed to their end so that folding a character twice gives
the same result as folding it once.

Usage:
    python3 scripts/moderation/make-traditional-table.py            # downloads the wheel with pip
    python3 scripts/moderation/make-traditional-table.py SOURCE     # a .whl, an unpacked wheel directory,
                                                                    # or TSCharacters.txt itself
Options:
    --output PATH   where to write the Swift file
                    (default: Sources/FanfareCore/Moderation/TraditionalChinese.swift in this repository)
    --per-line N    pairs per source line of the Swift literal (default 50)
"""

from __future__ import annotations

import argparse
import glob
import io
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "opencc-python-reimplemented"
MEMBER = "opencc/dictionary/TSCharacters.txt"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "Sources", "FanfareCore", "Moderation", "TraditionalChinese.swift")


def read_source(source: str | None) -> tuple[str, str]:
    """Returns (text of TSCharacters.txt, description of where it came from)."""
    if source is None:
        with tempfile.TemporaryDirectory(prefix="opencc-wheel-") as tmp:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                       "--dest", tmp, PACKAGE]
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0:
                sys.exit(f"pip download failed:\n{result.stdout}")
            wheels = glob.glob(os.path.join(tmp, "*.whl"))
            if len(wheels) != 1:
                sys.exit(f"expected one wheel in {tmp}, found {wheels}")
            return read_wheel(wheels[0])
    if os.path.isdir(source):
        path = os.path.join(source, MEMBER)
        if not os.path.isfile(path):
            sys.exit(f"{source} has no {MEMBER}")
        with open(path, encoding="utf-8") as handle:
            return handle.read(), os.path.basename(os.path.normpath(source))
    if source.endswith(".whl"):
        return read_wheel(source)
    with open(source, encoding="utf-8") as handle:
        return handle.read(), os.path.basename(source)


def read_wheel(path: str) -> tuple[str, str]:
    with zipfile.ZipFile(path) as wheel:
        try:
            data = wheel.read(MEMBER)
        except KeyError:
            sys.exit(f"{path} has no {MEMBER}")
    return data.decode("utf-8"), os.path.basename(path)


def parse(text: str) -> list[tuple[str, str]]:
    """The kept (traditional, simplified) pairs in file order."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, raw in enumerate(io.StringIO(text), start=1):
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[1].strip():
            sys.exit(f"line {number}: expected TRAD<TAB>SIMP..., got {line!r}")
        trad = fields[0]
        simp = fields[1].split(" ")[0]
        if len(trad) != 1 or len(simp) != 1 or trad == simp:
            continue
        if trad in seen:
            sys.exit(f"line {number}: {trad} appears twice")
        seen.add(trad)
        pairs.append((trad, simp))
    return pairs


def close_chains(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Follows chains so no simplified form is itself a key."""
    mapping = dict(pairs)
    closed: list[tuple[str, str]] = []
    notes: list[str] = []
    for trad, simp in pairs:
        path = [trad, simp]
        while path[-1] in mapping:
            following = mapping[path[-1]]
            if following in path:
                sys.exit(f"cycle in the table: {' -> '.join(path + [following])}")
            path.append(following)
        if len(path) > 2:
            notes.append(" -> ".join(path))
        if path[-1] != trad:
            closed.append((trad, path[-1]))
    return closed, notes


def check_scalar(char: str) -> None:
    code = ord(char)
    if char in '\\"' or code < 0x20 or code in (0x7F, 0x2028, 0x2029) or char.isspace():
        sys.exit(f"U+{code:04X} cannot go into the string literal as is")


def render(pairs: list[tuple[str, str]], origin: str, per_line: int) -> str:
    for trad, simp in pairs:
        check_scalar(trad)
        check_scalar(simp)
    lines = ["".join(t + s for t, s in pairs[i:i + per_line]) for i in range(0, len(pairs), per_line)]
    body = "\\\n".join("        " + line for line in lines)
    return f'''// Generated by scripts/moderation/make-traditional-table.py from OpenCC's
// TSCharacters.txt (Apache License 2.0, https://github.com/BYVoid/OpenCC). Do not edit.
// Source: {origin}; attribution in scripts/moderation/OPENCC-NOTICE.txt.
enum TraditionalChinese {{
    /// Pairs of characters: each traditional character followed by its simplified form.
    ///
    /// {len(pairs)} pairs, {2 * len(pairs)} Unicode scalars. Read the string by
    /// `unicodeScalars`, two at a time: every entry is exactly one scalar on each
    /// side (some lie outside the BMP, so do not count UTF-16 units). The string
    /// holds nothing but the pairs: the source line breaks are escaped with `\\`,
    /// so there is no newline, space or other separator to ignore (a reader that
    /// skips whitespace loses nothing).
    ///
    /// Taken from OpenCC's character table: the first candidate of each line, only
    /// where both sides are one scalar and differ. Chains were followed to their end
    /// (e.g. 薴 → 苧 → 苎 gives 薴 → 苎), so no simplified form is itself a key and
    /// folding is idempotent. One-to-many cases keep OpenCC's first choice only
    /// (乾 → 干, 後 → 后, 髮 → 发), which is what a matcher wants, not what a
    /// converter for reading would do.
    static let pairs: String = """
{body}
        """
}}
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", help="a .whl, an unpacked wheel directory or TSCharacters.txt "
                        f"(default: pip download {PACKAGE} into a temporary directory)")
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--per-line", type=int, default=50)
    args = parser.parse_args()

    text, origin = read_source(args.source)
    pairs, notes = close_chains(parse(text))
    if len(pairs) < 1000:
        sys.exit(f"only {len(pairs)} pairs: is this really TSCharacters.txt?")
    swift = render(pairs, origin, max(1, args.per_line))
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(swift)
    print(f"wrote {args.output}: {len(pairs)} pairs from {origin}", file=sys.stderr)
    for note in notes:
        print(f"  chain followed: {note}", file=sys.stderr)


if __name__ == "__main__":
    main()
