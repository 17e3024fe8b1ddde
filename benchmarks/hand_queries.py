"""Hand-written queries judged by their first hit:
``python benchmarks/hand_queries.py [--index DIR] [--misses] [--block NAME] FILE...``.

Place in the flow: a benchmark over ``search.engine`` (not part of the engine). Each
file in ``data/`` (``zh_short_questions.txt``, ``region_topics.txt``) holds queries
written down, with what the first hit's title should hold, before any was run:
``query<TAB>spec``, where a spec is groups joined by ``&`` that must all be in the
title, each group alternatives separated by ``|`` (``广东&数字经济&条例``,
``医疗保障|医疗保险``). A line ``## name`` starts a block; each file says which of its
blocks were tuned on. Prints, per block, how many first hits are right; ``--misses``
lists the wrong ones (look only at blocks that are tuned on). Nothing is asserted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench_index import add_index_option, checked_index  # puts the checkout on sys.path

from index.glossary import load_glossary
from search.engine import Engine
from search.planning import SearchRequest

DATA = Path(__file__).resolve().parent / "data"


def holds(title: str, spec: str) -> bool:
    """Whether ``title`` holds every ``&`` group of ``spec`` (one of its ``|`` alternatives)."""
    return all(any(a in title for a in group.split("|")) for group in spec.split("&"))


def read_blocks(path: Path) -> dict[str, list[tuple[str, str]]]:
    """The file's (query, spec) rows by block, in file order; a file that cannot be
    read, or a row that is not ``query<TAB>spec``, is a one-line error (SystemExit)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise SystemExit(f"error: cannot read {path}: {e}") from None
    blocks: dict[str, list[tuple[str, str]]] = {}
    name = "(none)"
    for n, line in enumerate(lines, 1):
        if line.startswith("## "):
            name = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            parts = [p.strip() for p in line.split("\t")]
            if len(parts) != 2 or not all(parts):
                raise SystemExit(f"error: {path.name} line {n}: expected query<TAB>spec (one TAB)")
            blocks.setdefault(name, []).append((parts[0], parts[1]))
    return blocks


def judge(engine: Engine, query: str, spec: str) -> tuple[bool, str, str]:
    """(right, first title, intent) of one query in the search box."""
    r = engine.search(SearchRequest(q=query, per_page=10))
    title = r.hits[0].doc.title if r.hits else ""
    kind = r.intent.kind if r.intent is not None else ""
    return bool(r.hits) and holds(title, spec), title, kind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("files", nargs="*", default=["zh_short_questions.txt", "region_topics.txt"])
    ap.add_argument("--block", help="only blocks whose name starts with this")
    ap.add_argument("--misses", action="store_true", help="list the wrong first hits")
    args = ap.parse_args()
    files = [Path(n) if Path(n).is_file() else DATA / n for n in args.files]
    read = [(path, read_blocks(path)) for path in files]  # bad files fail before the index opens
    engine = Engine(checked_index(args.index), glossary=load_glossary())
    engine.search(SearchRequest(q="数字经济"))  # dictionaries load outside the figures
    for path, blocks in read:
        for block, rows in blocks.items():
            if args.block and not block.startswith(args.block):
                continue
            judged = [(q, *judge(engine, q, spec)) for q, spec in rows]
            right = sum(ok for _q, ok, _t, _k in judged)
            print(f"{path.name} [{block}]: first hit right {right} of {len(rows)}")
            for q, ok, title, kind in judged if args.misses else []:
                if not ok:
                    print(f"    {q}  ({kind})  -> {title[:50] or '(no result)'}")


if __name__ == "__main__":
    main()
