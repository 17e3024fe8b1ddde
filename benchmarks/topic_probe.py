"""Chinese topic keywords the glossary does not know, asked in the search box:
``python benchmarks/topic_probe.py [--index DIR] [--half tune|report] [--misses]``.

Place in the flow: a benchmark over ``search.engine`` (not part of the engine). The
suite's topic sets (``search.eval_suite.topic_sets``) draw their terms from the
curated glossary, and every glossary term is one word to the segmenter. People also
type topics the glossary lacks, which the segmenter cuts in two or more words
(能源发展 -> 能源 / 发展, 制度建设, 农村发展). This probe draws such terms from the
corpus's titles: two neighbouring title words (each of two characters or more), or
one word of three to five characters, found in at least ``MIN_TITLES`` of a fixed
sample of titles, all Han, not a glossary term, and naming no issuer or place
(人民政府, 省, 市 ...). Some are not topics anyone types (注销上海); they are kept, as
the draw is mechanical.

A hit is right when its title holds the term (as ``judge`` does for ``topic_zh``):
``first`` and ``title_share`` (title hits in the top 10 out of min(10, titles
holding the term)). The draw is shuffled with a fixed seed: its first ``HALF_SIZE``
terms are the tune half (looked at when the title tier learned to put titles that
hold the whole query as one phrase first, ``index.title_rank.title_phrases``), the
next ``HALF_SIZE`` the report half.

The draw of 2026-12-03 is kept in ``data/topic_probe_terms.tsv`` and the probe reads
it: the draw leaves glossary terms out, so every glossary word added later would
reshuffle it, and terms looked at while tuning would land in the report half.
``--draw`` prints a fresh draw in the file's format (for a new probe, not this one).
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from pathlib import Path
from statistics import mean

from bench_index import add_index_option, checked_index  # puts the checkout on sys.path

from index import segmenter
from index.config import shared_data_dir
from index.glossary import load_glossary
from search import eval_suite as es
from search.engine import Engine
from search.planning import SearchRequest

SEED = "topicprobe:a"
TITLE_SAMPLE = 20000  # titles read for the draw (a fixed sample of the corpus's)
MIN_TITLES = 4  # in the sample
HALF_SIZE = 80
FUNCTION_WORDS_FILE = Path(__file__).resolve().parent / "data" / "title_function_words.txt"
TERMS_FILE = Path(__file__).resolve().parent / "data" / "topic_probe_terms.tsv"
ISSUER_PARTS = ("人民政府", "办公厅", "国务院", "委员会", "管理局", "厅", "省", "市", "县", "区")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def function_words() -> frozenset[str]:
    """Title words that are no topic (``data/title_function_words.txt``)."""
    lines = FUNCTION_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines for w in line.split("#", 1)[0].split())


def _title_terms(title: str, skip: frozenset[str]) -> set[str]:
    words = [w for w, _s, _e in segmenter.tokenize(title)]
    out = set()
    for a, b in zip(words, words[1:], strict=False):
        if len(a) >= 2 and len(b) >= 2 and _HAN.match(a + b) and not {a, b} & skip:
            out.add(a + b)
    out.update(w for w in words if 3 <= len(w) <= 5 and _HAN.match(w) and w not in skip)
    return out


def draw(titles: list[str], glossary_words: set[str]) -> list[str]:
    """The probe's terms, shuffled with the fixed seed (tune half first)."""
    counts: Counter[str] = Counter()
    skip = function_words()
    for t in random.Random(7).sample(titles, min(TITLE_SAMPLE, len(titles))):
        counts.update(_title_terms(t, skip))
    pool = sorted(
        k
        for k, c in counts.items()
        if c >= MIN_TITLES and k not in glossary_words and not any(p in k for p in ISSUER_PARTS)
    )
    random.Random(SEED).shuffle(pool)
    return pool


def kept_terms(half: str, path: Path = TERMS_FILE) -> list[str]:
    """The kept draw's terms of one half (``data/topic_probe_terms.tsv``, or another
    probe's kept draw in the same half<TAB>term format), in order."""
    rows = path.read_text(encoding="utf-8").splitlines()
    pairs = [r.split("\t") for r in rows if r.strip() and not r.startswith("#")]
    return [term for h, term in pairs if h == half]


def ask(engine: Engine, term: str, titles: list[str]) -> dict[str, float]:
    """``first`` and ``title_share`` of one term in the search box."""
    available = min(10, sum(1 for t in titles if term in t))
    hits = engine.search(SearchRequest(q=term, per_page=10)).hits
    ok = [term in es.compact(h.doc.title) for h in hits[:10]]
    share = min(1.0, sum(ok) / available) if available else 1.0
    return {"first": float(bool(ok and ok[0])), "title_share": share}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--half", choices=("tune", "report"), default="tune")
    ap.add_argument("--misses", action="store_true", help="print the terms below 1.0")
    ap.add_argument("--draw", action="store_true", help="print a fresh draw and stop")
    args = ap.parse_args()
    glossary = load_glossary()
    titles = [es.compact(d.title) for d in es._corpus(shared_data_dir()) if d.title]
    if args.draw:
        fresh = draw(titles, {e.zh for e in glossary.entries()})
        for half, start in (("tune", 0), ("report", HALF_SIZE)):
            for t in fresh[start : start + HALF_SIZE]:
                print(f"{half}\t{t}")
        return
    index = checked_index(args.index)
    terms = kept_terms(args.half)
    engine = Engine(index, glossary=glossary)
    scores = {t: ask(engine, t, titles) for t in terms}
    label = "tuned on" if args.half == "tune" else "report"
    print(f"half: {args.half} ({label}), {len(scores)} terms")
    for metric in ("first", "title_share"):
        print(f"  {metric:12} {mean(s[metric] for s in scores.values()):.3f}")
    if args.misses:
        for t, s in scores.items():
            if s["first"] < 1 or s["title_share"] < 1:
                print(f"  miss: {t}  first {s['first']:.0f}  share {s['title_share']:.2f}")
    engine.backend.close()


if __name__ == "__main__":
    main()
