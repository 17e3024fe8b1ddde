"""Several keywords that no title holds together, asked in the search box:
``python benchmarks/anyword_probe.py [--index DIR] [--half tune|report] [--misses]``.

Place in the flow: a benchmark over ``search.engine`` (not part of the engine). The
suite's topic sets ask for one topic; people also type a topic and an aspect
(新能源汽车 充电 补贴 农村) that no document holds all of, or holds only scattered
through its text. This probe draws such queries from the corpus's titles: two (or
three) content words of one title, plus one content word of another title, such that
no title holds every word. Content words: topic words of the curated glossary
(policy and legal terms: what people type; not general words, issuers, places or document
kinds) of two to five Han characters, in at least ``MIN_TITLES`` and at most
``MAX_TITLE_SHARE`` of the titles, not a title function word
(``data/title_function_words.txt``), naming no issuer or place part (人民政府, 省,
市 ...). The draw is mechanical: some queries are no one's (the other title's word
is unrelated by construction).

A hit is right when its title holds as many of the query's words as any title of
the corpus holds (``best``; at least the two or three words drawn together):
``first`` and ``title_share`` (right hits in the top 10 out of min(10, titles holding
that many)). Items are reported by how the engine answered (``answered``): ``none``
when no document holds every word, ``few`` when fewer than a page do, ``all``
otherwise. Where some document holds every word, the titles that hold most of them
may not be among the results at all, so ``first`` and ``title_share`` are lower bounds
of what a reader would call right there.

The draw is shuffled with a fixed seed; the first ``HALF_SIZE`` queries of each form
are the tune half, the next ``HALF_SIZE`` the report half. It is drawn once and kept
in ``data/anyword_probe_queries.tsv`` (``--draw`` prints a fresh one): glossary and
analysis changes move word boundaries, which would otherwise reshuffle the halves.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path
from statistics import mean

from bench_index import add_index_option, checked_index  # puts the checkout on sys.path
from topic_probe import _HAN, ISSUER_PARTS, function_words, kept_terms

from index import segmenter
from index.config import shared_data_dir
from index.glossary import load_glossary
from search import eval_suite as es
from search.engine import Engine
from search.planning import SearchRequest

SEED = "anywordprobe:a"
MIN_TITLES = 5
MAX_TITLE_SHARE = 0.02  # 发展, 管理: in every other title, no topic of their own
HALF_SIZE = 60
TOPICAL = ("policy", "legal")  # glossary categories of topic words (not general words, places)
FORMS = (2, 3)  # words drawn from one title; one more word comes from another title
QUERIES_FILE = Path(__file__).resolve().parent / "data" / "anyword_probe_queries.tsv"


def content_words(title: str, keep: set[str]) -> list[str]:
    """A title's content words (module doc), once each, in title order."""
    out: list[str] = []
    for w, _s, _e in segmenter.tokenize(title):
        if w in keep and w not in out:
            out.append(w)
    return out


def _vocabulary(titles: list[str]) -> set[str]:
    topical = {
        e.zh for e in load_glossary().entries() if e.source == "curated" and e.category in TOPICAL
    }
    skip = function_words()
    counts: Counter[str] = Counter()
    for t in titles:
        counts.update({w for w, _s, _e in segmenter.tokenize(t)})
    top = MAX_TITLE_SHARE * len(titles)
    return {
        w
        for w, c in counts.items()
        if MIN_TITLES <= c <= top
        and 2 <= len(w) <= 5
        and _HAN.match(w)
        and w in topical
        and w not in skip
        and not any(p in w for p in ISSUER_PARTS)
    }


def draw(titles: list[str]) -> list[tuple[int, str]]:
    """(form, query) pairs, per form shuffled with the fixed seed (tune half first)."""
    keep = _vocabulary(titles)
    rng = random.Random(SEED)
    order = sorted(set(titles))
    rng.shuffle(order)
    words_of = {t: content_words(t, keep) for t in order}
    out: list[tuple[int, str]] = []
    for form in FORMS:
        got: list[str] = []
        for t in order:
            if len(got) == 2 * HALF_SIZE:
                break
            own = words_of[t]
            if len(own) < form + 1:
                continue
            picked = rng.sample(own, form)
            other = words_of[rng.choice(order)]
            extra = [w for w in other if w not in own]
            if not extra:
                continue
            words = [*picked, rng.choice(extra)]
            if any(all(w in x for w in words) for x in order):
                continue  # some title holds every word: a topic set's query, not this one
            got.append(" ".join(words))
        out.extend((form, q) for q in got)
    return out


def kept_queries(half: str) -> list[str]:
    """The kept draw's queries of one half (``data/anyword_probe_queries.tsv``)."""
    return kept_terms(half, QUERIES_FILE)


def best_count(words: list[str], titles: list[str]) -> tuple[int, int]:
    """(most query words one title holds, how many titles hold that many)."""
    held = Counter(sum(w in t for w in words) for t in titles)
    best = max(held)
    return best, held[best]


def ask(engine: Engine, query: str, titles: list[str]) -> dict[str, object]:
    """``first`` and ``title_share`` of one query, and the mode the engine answered in."""
    words = query.split()
    best, holding = best_count(words, titles)
    resp = engine.search(SearchRequest(q=query, per_page=10))
    ok = [sum(w in es.compact(h.doc.title) for w in words) >= best for h in resp.hits[:10]]
    share = min(1.0, sum(ok) / min(10, holding))
    return {"first": float(bool(ok and ok[0])), "title_share": share, "mode": answered(resp)}


def answered(resp: object) -> str:
    """``none`` when no document holds every word, ``few`` when fewer than a page do
    (the engine puts them first, then documents holding some), ``all`` otherwise."""
    if getattr(resp, "mode", "all") == "all":
        return "all"
    notices = getattr(resp, "notices", [])
    return "few" if any(n.startswith("Few documents") for n in notices) else "none"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--half", choices=("tune", "report"), default="tune")
    ap.add_argument("--misses", action="store_true", help="print the queries below 1.0")
    ap.add_argument("--draw", action="store_true", help="print a fresh draw and stop")
    args = ap.parse_args()
    titles = [es.compact(d.title) for d in es._corpus(shared_data_dir()) if d.title]
    if args.draw:
        pairs = draw(titles)
        for form in FORMS:
            mine = [q for f, q in pairs if f == form]
            for half, start in (("tune", 0), ("report", HALF_SIZE)):
                for q in mine[start : start + HALF_SIZE]:
                    print(f"{half}\t{q}")
        return
    engine = Engine(checked_index(args.index), glossary=load_glossary())
    scores = {q: ask(engine, q, titles) for q in kept_queries(args.half)}
    label = "tuned on" if args.half == "tune" else "report"
    print(f"half: {args.half} ({label}), {len(scores)} queries")
    for mode in ("none", "few", "all"):
        group = [s for s in scores.values() if s["mode"] == mode]
        if group:
            first = mean(float(s["first"]) for s in group)
            share = mean(float(s["title_share"]) for s in group)
            print(f"  {mode:4} n={len(group):3}  first {first:.3f}  title_share {share:.3f}")
    if args.misses:
        for q, s in scores.items():
            if s["first"] < 1 or float(s["title_share"]) < 1:
                print(
                    f"  miss ({s['mode']}): {q}  first {s['first']:.0f}  "
                    f"share {float(s['title_share']):.2f}"
                )
    engine.backend.close()


if __name__ == "__main__":
    main()
