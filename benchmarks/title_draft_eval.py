"""Draft-title evaluation: corpus chrF of search.title_draft drafts against
official English titles (tests/data/title_refs.tsv), plus the five best and
five worst examples.

Place in the flow: a benchmark, not part of the engine; ``tests/test_title_draft.py``
asserts the same figure stays >= 55. Run: ``python benchmarks/title_draft_eval.py``.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.chrf import chrf, corpus_chrf  # noqa: E402
from search.title_draft import draft_title  # noqa: E402

REFS = ROOT / "tests" / "data" / "title_refs.tsv"


def load_refs(path: Path = REFS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def evaluate(refs: list[dict[str, str]]) -> tuple[float, list[tuple[float, str, str, str]]]:
    """Corpus chrF and per-title (chrF, zh, draft, reference), drafts from the project glossary."""
    rows = []
    for r in refs:
        d = draft_title(r["zh"])
        rows.append((chrf(d.text, r["en"]), r["zh"], d.text, r["en"]))
    return corpus_chrf([x[2] for x in rows], [x[3] for x in rows]), rows


def main() -> None:
    refs = load_refs()
    t0 = time.perf_counter()
    score, rows = evaluate(refs)
    elapsed = time.perf_counter() - t0
    print(f"titles: {len(rows)}  corpus chrF: {score:.1f}  ({elapsed:.2f} s incl. glossary load)")
    ranked = sorted(rows, key=lambda x: x[0], reverse=True)
    for name, part in (("best", ranked[:5]), ("worst", ranked[-5:])):
        print(f"\n-- five {name} --")
        for s, zh, hyp, ref in part:
            print(f"{s:5.1f}  {zh}\n       draft: {hyp}\n       ref:   {ref}")


if __name__ == "__main__":
    main()
