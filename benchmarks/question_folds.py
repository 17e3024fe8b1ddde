"""A generalization audit of the question ranking (search/question.py), tune half only:
``python benchmarks/question_folds.py --index DIR run CONFIG... --out DIR`` then
``python benchmarks/question_folds.py compare --out DIR [--base tuned]``.

The STARD tune half is split into two fixed folds (``search.eval_suite.fold_of``: a
salted hash of the question id). ``run`` asks every tune-half question under each named
configuration (CONFIGS: one tuned knob of the question path set to a neutral value, or
a simpler variant) and writes each question's article R@100, nDCG@10 and document R@10
to ``OUT/CONFIG.json``. ``compare`` prints, per configuration and fold, the mean of each
metric and its paired difference from ``--base``, with the questions up / down, a
two-sided sign test and a paired bootstrap 95% interval of the mean difference (2,000
resamples, fixed seed): the noise a setting's gain must clear. ``decide`` applies the
seventh round's rule (docs/relevance-rounds.md) to ablations; ``a+b`` runs configurations together.

Configurations patch module constants in this process only (nothing is written to the
index or the code). The report half is never read here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from bench_index import add_index_option, checked_index  # puts the checkout on sys.path

from index.ranking import AUTHORITY_PRIOR

METRICS = ("art_R@100", "art_nDCG@10", "doc_R@10")


def _set(obj: object, name: str, value: object) -> Callable[[], None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    return lambda: setattr(obj, name, old)


def _ranking(prior: dict) -> Callable[[], None]:
    """Questions ranked with another authority prior (one profile object, so the
    backend's per-ranking prior array is built once)."""
    from index.ranking import RankingProfile, _frozen
    from search import question

    ranking = RankingProfile(authority_prior=_frozen({k: _frozen(v) for k, v in prior.items()}))
    refine = question.refine

    def patched(plan, intent):
        plan = refine(plan, intent)
        return replace(plan, ranking=ranking) if question.applies(plan, intent) else plan

    return _set(question, "refine", patched)


def _patch(spec: dict[str, object]) -> Callable[[], None]:
    """Set ``module.NAME`` values; ``question.regroup: None`` = law support off."""
    import search.engine
    import search.question as q

    mods = {"question": q, "engine": search.engine}
    undo = []
    for key, value in spec.items():
        mod, name = key.split(".")
        if key == "question.regroup" and value is None:
            value = lambda hits: list(hits)  # noqa: E731 -- the pool's order as is
        if key == "question.table" and value is None:
            value = dict  # no everyday -> legal words
        undo.append(_set(mods[mod], name, value))
    return lambda: [u() for u in reversed(undo)]


def _others(n: int) -> Callable[[], None]:
    """How many of its law's other articles support an article (``support``'s default
    argument holds GROUP_OTHERS, read when the module was loaded)."""
    from search import question

    return _set(question.support, "__defaults__", (n,))


PRIOR = {k: dict(v) for k, v in AUTHORITY_PRIOR.items()}  # the code's prior, as plain dicts
NATIONAL = {"region": PRIOR["region"]}

# name -> what it changes (each alone, from the tuned code).
CONFIGS: dict[str, Callable[[], Callable[[], None]]] = {
    "tuned": lambda: lambda: None,
    # layperson words -> legal words (third round): off; weight 0.5 / 1.0
    "legal_off": lambda: _patch({"question.table": None}),
    "legal_0.5": lambda: _patch({"question.LEGAL_WEIGHT": 0.5}),
    "legal_1.0": lambda: _patch({"question.LEGAL_WEIGHT": 1.0}),
    # a law's support for its articles (third round), both rankings: off; other sizes
    "support_off": lambda: _patch({"question.regroup": None}),
    "support_0.05": lambda: _patch({"question.GROUP_WEIGHT": 0.05}),
    "support_others_1": lambda: _others(1),
    "support_others_all": lambda: _others(10_000),
    # article pool re-ranked (fourth round: 200 -> 300)
    "pool_200": lambda: _patch({"question.GROUP_POOL": 200}),
    # headings (fourth round): off; 0.25
    "headings_off": lambda: _patch({"question.HEADING_WEIGHT": 0.0}),
    "headings_0.25": lambda: _patch({"question.HEADING_WEIGHT": 0.25}),
    # documents ranked by their articles (fourth round): off entirely (the plain collapsed
    # ranking); the pool's best article alone (no decayed sum); a pool of 100
    "docrank_off": lambda: _patch({"question.DOC_DECAY": 0.0}),
    "doc_best_only": lambda: _patch({"question.DOC_ARTICLES": 1}),
    "doc_pool_100": lambda: _patch({"question.DOC_POOL": 100}),
    # the authority prior (STARD dev, both halves): off; national only; levels only
    "prior_off": lambda: _ranking({}),
    "prior_national": lambda: _ranking(NATIONAL),
    "prior_levels": lambda: _ranking({"level": PRIOR["level"]}),
    # the curated Chinese glossary expansions a question keeps (at most 4): none
    "expansions_off": lambda: _patch({"engine.LONG_QUERY_EXPANSIONS": 0}),
}
# Regularizing variants (chosen on fold A, checked on fold B): one national factor f.
for _f in (1.3, 1.5, 1.7, 2.0):
    CONFIGS[f"prior_national_{_f}"] = lambda f=_f: _ranking({"region": {"全国": f}})
# ... or the whole prior shrunk toward 1 (or sharpened): every factor f -> f**a.
for _a in (0.5, 0.75, 1.25):
    CONFIGS[f"prior_pow_{_a}"] = lambda a=_a: _ranking(
        {k: {n: f**a for n, f in v.items()} for k, v in PRIOR.items()}
    )
# ... or the three levels' factors made one (the national factor kept).
for _f in (1.1, 1.2, 1.3):
    CONFIGS[f"prior_onelevel_{_f}"] = lambda f=_f: _ranking(
        {"level": {k: f for k in PRIOR["level"]}, "region": {"全国": 1.5}}
    )


def known(name: str) -> bool:
    """A configuration, or several joined with '+' (applied together)."""
    return all(part in CONFIGS for part in name.split("+"))


@contextlib.contextmanager
def configured(name: str) -> Iterator[None]:
    undo = [CONFIGS[part]() for part in name.split("+")]
    try:
        yield
    finally:
        for u in reversed(undo):
            u()


def tune_questions() -> tuple[dict[str, str], dict[str, set], dict[str, str]]:
    """The tune half's questions, their qrels, and each question's fold."""
    from index.config import shared_data_dir
    from search.eval_suite import fold_of, half_of
    from search.evaluate import read_qrels, read_queries

    d = shared_data_dir() / "stard"
    queries, qrels = read_queries(d / "dev_queries.tsv"), read_qrels(d / "dev_qrels.tsv")
    asked = {q: t for q, t in queries.items() if q in qrels and half_of("stard", q) == "tune"}
    return asked, {q: qrels[q] for q in asked}, {q: fold_of("stard", q) for q in asked}


def run(index: str, names: list[str], out: Path) -> None:
    from index.config import user_glossary_paths
    from index.glossary import Glossary
    from search.engine import Engine
    from search.evaluate import doc_qrels, ndcg_at, recall_at, run_engine

    asked, judged, folds = tune_questions()
    dq = doc_qrels(judged)
    engine = Engine(index, glossary=Glossary.load(user_glossary_paths(None)))
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        t0 = time.perf_counter()
        with configured(name):
            r = run_engine(engine, asked, expand=True)
        rows = {
            q: {
                "fold": folds[q],
                "art_R@100": recall_at(r.articles.get(q, []), judged[q], 100),
                "art_nDCG@10": ndcg_at(r.articles.get(q, []), judged[q], 10),
                "doc_R@10": recall_at(r.documents.get(q, []), dq[q], 10),
            }
            for q in asked
        }
        (out / f"{name}.json").write_text(json.dumps(rows, sort_keys=True))
        print(f"{name}: {len(rows)} questions, {time.perf_counter() - t0:.0f} s", flush=True)


def sign_p(up: int, down: int) -> float:
    """Two-sided sign test (ties dropped)."""
    n = up + down
    if not n:
        return 1.0
    k = min(up, down)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def bootstrap(diffs: list[float], n: int = 2000, seed: int = 9) -> tuple[float, float]:
    """Paired bootstrap 95% interval of the mean difference."""
    if not diffs:
        return (0.0, 0.0)
    rnd = random.Random(seed)
    means = sorted(sum(rnd.choice(diffs) for _ in diffs) / len(diffs) for _ in range(n))
    return means[int(0.025 * n)], means[int(0.975 * n) - 1]


def compare(out: Path, base: str, names: list[str]) -> None:
    b = json.loads((out / f"{base}.json").read_text())
    names = names or sorted(p.stem for p in out.glob("*.json") if p.stem != base)
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    for fold in ("A", "B", "all"):
        qs = [q for q in b if fold == "all" or b[q]["fold"] == fold]
        line = " / ".join(f"{mean([b[q][m] for q in qs]):.3f}" for m in METRICS)
        print(f"\n== fold {fold} ({len(qs)} questions): {base} {line} ==")
        print(f"{'config':22} " + "  ".join(f"{m:>34}" for m in METRICS))
        for name in names:
            c = json.loads((out / f"{name}.json").read_text())
            parts = []
            for m in METRICS:
                d = [c[q][m] - b[q][m] for q in qs]
                up, down = sum(x > 1e-9 for x in d), sum(x < -1e-9 for x in d)
                lo, hi = bootstrap(d)
                parts.append(
                    f"{mean([c[q][m] for q in qs]):.3f} {mean(d):+.3f} "
                    f"{up:2d}/{down:<2d} p{sign_p(up, down):.2f} [{lo:+.3f},{hi:+.3f}]"
                )
            print(f"{name:22} " + "  ".join(f"{p:>34}" for p in parts))


def decide(out: Path, base: str, names: list[str]) -> None:
    """The pre-registered rule (docs/relevance-rounds.md, "Questions, seventh round") for each ablation
    ``name`` (the component at its neutral value): its contribution (base - name) is
    kept when, on some metric, it is > 0 on fold A and on fold B and the bootstrap
    interval over both folds lies above 0, and no metric loses on both folds with its
    interval below 0; otherwise the component goes to its neutral value."""
    b = json.loads((out / f"{base}.json").read_text())
    for name in names:
        c = json.loads((out / f"{name}.json").read_text())
        helps, hurts = [], []
        for m in METRICS:
            contrib = {q: b[q][m] - c[q][m] for q in b}
            fold = {f: sum(v for q, v in contrib.items() if b[q]["fold"] == f) for f in ("A", "B")}
            lo, hi = bootstrap(list(contrib.values()))
            if fold["A"] > 1e-9 and fold["B"] > 1e-9 and lo > 0:
                helps.append(m)
            if fold["A"] < -1e-9 and fold["B"] < -1e-9 and hi < 0:
                hurts.append(m)
        if not any(abs(b[q][m] - c[q][m]) > 1e-9 for q in b for m in METRICS):
            verdict = "no effect on any question"
        elif helps and not hurts:
            verdict = f"KEEP (helps on both folds beyond noise: {', '.join(helps)})"
        else:
            verdict = "NEUTRAL" + (f" (hurts: {', '.join(hurts)})" if hurts else "")
        print(f"{name:22} {verdict}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--out", type=Path, default=Path("/tmp/question_folds"))
    ap.add_argument("--base", default="tuned")
    ap.add_argument("command", choices=("run", "compare", "decide", "list"))
    ap.add_argument("configs", nargs="*")
    args = ap.parse_args()
    if args.command == "list":
        print("\n".join(CONFIGS))
    elif args.command == "run":
        unknown = [n for n in args.configs if not known(n)]
        if unknown:
            ap.error(f"unknown configurations: {unknown} (see 'list')")
        run(checked_index(args.index), args.configs or ["tuned"], args.out)
    elif args.command == "decide":
        decide(args.out, args.base, args.configs)
    else:
        compare(args.out, args.base, args.configs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
