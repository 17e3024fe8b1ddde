"""How many CC-CEDICT fallback senses policy text uses (search/senses.py).

Place in the flow: a measurement over ``search.expand`` + ``search.senses``.
Run: ``python benchmarks/cedict_senses.py [--index DIR]`` (default: $DUIZHAO_EVAL_INDEX).

Words: every distinct English word of the 70 English titles of
``en_titles/dev.jsonl`` and of the curated glossary's English renderings (the words
people type about policy). Each is expanded alone; every CC-CEDICT (fallback) sense
offered is classified: kept, dropped as a single character, or dropped because no
indexed document (title or text) contains it. Prints the counts and shares.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_index import add_index_option, checked_index  # noqa: E402

from index.config import shared_data_dir  # noqa: E402


def words() -> list[str]:
    from index.glossary import Glossary

    out: set[str] = set()
    with open(shared_data_dir() / "en_titles" / "dev.jsonl", encoding="utf-8") as f:
        for line in f:
            out.update(re.findall(r"[A-Za-z]{3,}", json.loads(line)["title_en"]))
    for e in Glossary.load([], cedict=False).entries():
        for r in e.en:
            out.update(re.findall(r"[A-Za-z]{3,}", r))
    return sorted({w.lower() for w in out})


def main(argv: list[str] | None = None) -> int:
    from index.glossary import Glossary
    from search.engine import Engine
    from search.expand import expand
    from search.senses import sense_problem

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    args = ap.parse_args(argv)
    glossary = Glossary.load([])
    engine = Engine(checked_index(args.index), glossary=glossary)
    ws = words()
    verdicts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for w in ws:
        for e in expand(w, glossary):
            if e.origin != "cc-cedict":
                continue
            why = sense_problem(engine.backend, e.target)
            kind = (
                "kept"
                if why is None
                else ("single character" if "single" in why else "in no document")
            )
            verdicts[kind] += 1
            examples.setdefault(kind, []).append(f"{w} -> {e.target}")
    total = sum(verdicts.values())
    print(f"{len(ws)} English words; {total} CC-CEDICT senses offered")
    for kind in ("kept", "single character", "in no document"):
        n = verdicts[kind]
        print(
            f"  {kind:17} {n:5}  {n / max(total, 1):6.1%}   e.g. {', '.join(examples.get(kind, [])[:5])}"
        )
    engine.backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
