#!/usr/bin/env python3
"""Compare the moderation engine's scan speed with well-known Aho-Corasick libraries.

Usage:
    python3 scripts/moderation/compare-ahocorasick.py --lexicon LEX.txt --corpus CORPUS.txt [--ours OURS.json]

LEX.txt holds one term a line (UTF-8), read as our engine reads a TXT
lexicon: each line is trimmed, empty lines and lines starting with `#` are
skipped, and a repeated term is counted once. CORPUS.txt is UTF-8 text. For each library that can be
imported the script builds an automaton of the terms, scans the corpus in
chunks of about --chunk-mb megabytes split at newlines (no term holds a
newline, so no match is lost at a chunk edge), counts every match, and prints
one JSON object a line on stdout:

    {"library":"ahocorasick_rs","api":"AhoCorasick","version":"1.0.3","terms":400,"corpus_bytes":10485760,
     "build_s":0.0021,"scan_s":0.21,"scan_mb_per_s":48.2,"matches":123,"overlapping":true,"normalisation":false,"runs":3}

- `build_s` and `scan_s` are the best (smallest) of --runs runs; `scan_mb_per_s`
  is the corpus's UTF-8 bytes divided by `scan_s`, in MB of 10^6 bytes.
- `overlapping` says whether every match was counted (`true`) or only
  non-overlapping ones (`false`); both libraries here support overlapping
  matches with their standard match kind, which is what is used.
- `normalisation` is always `false`: these libraries match the exact code
  points, while our engine also folds case, width and traditional characters
  and skips spaces, punctuation and symbols inside the text. Their match
  counts are therefore a lower bound of ours on the same files, and their
  work per byte is smaller.
- With --ours FILE (a JSON object our benchmark wrote, with a number field
  `scan_mb_per_s`, at the top or under `figures`; a file of JSON lines is read up to the first object that
  has one) each line also gets `ratio_ours_to_theirs` = ours / theirs: above
  1 means our engine scans faster.

Libraries (install whichever are missing):
    pip install ahocorasick-rs      # imported as ahocorasick_rs (Rust aho-corasick crate)
    pip install pyahocorasick       # imported as ahocorasick (C)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from typing import Callable

MB = 1_000_000


def read_terms(path: str) -> list[str]:
    terms: list[str] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            term = line.strip()
            if not term or term.startswith("#") or term in seen:
                continue
            seen.add(term)
            terms.append(term)
    return terms


def read_chunks(path: str, chunk_bytes: int) -> tuple[list[str], list[bytes], int]:
    """The corpus as text chunks and the same chunks as UTF-8 bytes, split at newlines."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        sys.exit(f"{path}: not UTF-8 (byte {error.start}: {error.reason})")
    byte_chunks: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + chunk_bytes, len(data))
        if end < len(data):
            newline = data.rfind(b"\n", start, end)
            if newline == -1:  # one very long line: take it whole
                newline = data.find(b"\n", end)
                end = len(data) if newline == -1 else newline + 1
            else:
                end = newline + 1
        byte_chunks.append(data[start:end])
        start = end
    return [chunk.decode("utf-8") for chunk in byte_chunks], byte_chunks, len(data)


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    return best, result


def version_of(distribution: str, module: object) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return str(getattr(module, "__version__", "unknown"))


def bench_ahocorasick_rs(module, terms, text_chunks, byte_chunks, runs):
    version = version_of("ahocorasick-rs", module)
    results = []

    def measure(api: str, build: Callable[[], object], chunks: list) -> dict:
        build_s, automaton = best_of(runs, build)
        overlapping = True
        try:
            automaton.find_matches_as_indexes(chunks[0][:0], overlapping=True)
        except ValueError:
            overlapping = False

        def scan() -> int:
            return sum(len(automaton.find_matches_as_indexes(chunk, overlapping=overlapping)) for chunk in chunks)

        scan_s, matches = best_of(runs, scan)
        return {"library": "ahocorasick_rs", "api": api, "version": version, "build_s": build_s, "scan_s": scan_s,
                "matches": matches, "overlapping": overlapping}

    results.append(measure("AhoCorasick", lambda: module.AhoCorasick(terms), text_chunks))
    if hasattr(module, "BytesAhoCorasick"):
        # Our engine scans UTF-8 bytes too; this variant skips the str <-> UTF-8 conversion.
        encoded = [term.encode("utf-8") for term in terms]
        results.append(measure("BytesAhoCorasick", lambda: module.BytesAhoCorasick(encoded), byte_chunks))
    return results


def bench_pyahocorasick(module, terms, text_chunks, byte_chunks, runs):
    version = version_of("pyahocorasick", module)
    if not getattr(module, "unicode", True):
        # A build without unicode support takes bytes.
        patterns, chunks = [term.encode("utf-8") for term in terms], byte_chunks
    else:
        patterns, chunks = terms, text_chunks

    def build():
        automaton = module.Automaton()
        for index, term in enumerate(patterns):
            automaton.add_word(term, index)
        automaton.make_automaton()
        return automaton

    build_s, automaton = best_of(runs, build)

    def scan() -> int:
        count = 0
        for chunk in chunks:
            for _ in automaton.iter(chunk):  # every match, overlapping ones included
                count += 1
        return count

    scan_s, matches = best_of(runs, scan)
    return [{"library": "pyahocorasick", "api": "Automaton.iter", "version": version, "build_s": build_s,
             "scan_s": scan_s, "matches": matches, "overlapping": True}]


LIBRARIES = [
    # (import name, pip name, benchmark)
    ("ahocorasick_rs", "ahocorasick-rs", bench_ahocorasick_rs),
    ("ahocorasick", "pyahocorasick", bench_pyahocorasick),
]


def read_ours(path: str) -> float:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    candidates: list[object] = []
    try:
        candidates.append(json.loads(text))
    except json.JSONDecodeError:
        for line in text.splitlines():
            line = line.strip()
            if line:
                try:
                    candidates.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    for candidate in candidates:
        # fanfare-bench reports keep their measurements under "figures".
        if isinstance(candidate, dict) and isinstance(candidate.get("figures"), dict):
            candidate = candidate["figures"]
        if isinstance(candidate, dict) and isinstance(candidate.get("scan_mb_per_s"), (int, float)):
            value = float(candidate["scan_mb_per_s"])
            if value > 0:
                return value
    sys.exit(f"{path}: no JSON object with a positive number field scan_mb_per_s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Compare our moderation engine with Aho-Corasick libraries on the same lexicon and corpus.",
        epilog="Prints one JSON object per library on stdout; messages go to stderr.")
    parser.add_argument("--lexicon", required=True, help="UTF-8 file, one term a line")
    parser.add_argument("--corpus", required=True, help="UTF-8 text to scan")
    parser.add_argument("--ours", help="JSON written by our benchmark, with a field scan_mb_per_s")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is kept (default 3)")
    parser.add_argument("--chunk-mb", type=float, default=1.0, help="chunk size in MB, split at newlines (default 1)")
    args = parser.parse_args()

    ours = read_ours(args.ours) if args.ours else None
    terms = read_terms(args.lexicon)
    if not terms:
        sys.exit(f"{args.lexicon}: no terms")
    text_chunks, byte_chunks, corpus_bytes = read_chunks(args.corpus, max(1, int(args.chunk_mb * MB)))
    if corpus_bytes == 0:
        sys.exit(f"{args.corpus}: empty")
    runs = max(1, args.runs)

    available = 0
    match_counts: dict[str, int] = {}
    for import_name, pip_name, bench in LIBRARIES:
        try:
            module = __import__(import_name)
        except ImportError:
            print(f"{import_name} is not installed; to include it: {sys.executable} -m pip install {pip_name}",
                  file=sys.stderr)
            continue
        available += 1
        for result in bench(module, terms, text_chunks, byte_chunks, runs):
            line = {
                "library": result["library"],
                "api": result["api"],
                "version": result["version"],
                "terms": len(terms),
                "corpus_bytes": corpus_bytes,
                "build_s": round(result["build_s"], 6),
                "scan_s": round(result["scan_s"], 6),
                "scan_mb_per_s": round(corpus_bytes / MB / result["scan_s"], 3) if result["scan_s"] > 0 else None,
                "matches": result["matches"],
                "overlapping": result["overlapping"],
                "normalisation": False,
                "runs": runs,
            }
            if ours is not None and line["scan_mb_per_s"]:
                line["ratio_ours_to_theirs"] = round(ours / line["scan_mb_per_s"], 3)
            print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)
            if result["overlapping"]:
                match_counts[f'{result["library"]} {result["api"]}'] = result["matches"]
    if available == 0:
        print("No Aho-Corasick library is installed. Install them with:\n"
              f"    {sys.executable} -m pip install ahocorasick-rs pyahocorasick", file=sys.stderr)
        return 2
    if len(set(match_counts.values())) > 1:
        print(f"note: the overlapping match counts differ: {match_counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
