"""English title -> a document known by its text alone: laws with their Chinese title
taken away, asked by their attested English title.
``python benchmarks/textonly_eval.py --index DIR [--half tune|report] [--misses]``.

Place in the flow: a benchmark over ``search.titles`` (not part of the engine). The
en_titles documents have no Chinese title: the lookup finds them by their text and
metadata alone, and their 70 documents are the only such set (half of it reported).
This probe makes more of them from the corpus: every law whose Chinese title has an
attested English title (``search/data/attested_titles.tsv``) is written into a copy
of the index without its title (nor subtitle, kind from the title, or English
titles); the attested English title is then looked up with ``use_title_en=False``,
as ``titles_eval.py`` asks the en_titles set. Right: that law (any of its versions)
first / in the top 10.

The copy is made once (``DIR-textonly`` beside the index, about as large) and reused
while the index's generation is unchanged. Split by document with
``search.eval_suite.half_of("textonly_law", title)`` (a law's versions together): the tune half may be looked at
(``--misses``), the report half is a result and prints no misses.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
from pathlib import Path

from bench_index import add_index_option, checked_index  # puts the checkout on sys.path

from index.config import shared_data_dir
from index.document import Document

SET = "textonly_law"


def law_rows() -> list[tuple[Document, str]]:
    """(law, its attested English title) for every corpus law the table names."""
    from search.attested import attested_table, normalize_key
    from search.eval_suite import _corpus

    table = attested_table()
    out = []
    for d in _corpus(shared_data_dir()):
        if d.source == "laws" and d.title:
            a = table.get(normalize_key(d.title))
            if a is not None:
                out.append((d, a.en))
    return out


def untitled(doc: Document) -> Document:
    """The law as a text-only record: no title, subtitle, kind or English title."""
    return dataclasses.replace(doc, title="", subtitle="", doctype="", titles_en=[])


def textonly_copy(index: Path, rows: list[tuple[Document, str]]) -> Path:
    """A copy of ``index`` whose laws in ``rows`` have no title (made once, then reused
    while the index's generation and the rows are the same)."""
    from index.backends import open_backend

    copy = index.with_name(index.name + "-textonly")
    stamp = copy / "textonly.json"
    backend = open_backend(index)
    try:
        want = {"generation": str(backend.generation()), "ids": sorted(d.id for d, _ in rows)}
    finally:
        backend.close()
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == want:
        return copy
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(index, copy)
    from index import segmenter
    from index.glossary import load_glossary

    segmenter.configure(load_glossary(None).segmentation_words())  # as `duizhao index` does
    backend = open_backend(copy)
    try:
        backend.add_documents([untitled(d) for d, _ in rows])
    finally:
        backend.close()
    stamp.write_text(json.dumps(want), encoding="utf-8")
    return copy


def figures(index: Path, half: str, misses: list[str] | None = None) -> dict[str, float]:
    """First / top 10 of one ``half`` (``misses``, when given, gets a line per miss: the
    tune half's only)."""
    from titles_eval import open_engine

    from index.glossary import Glossary
    from search.eval_suite import half_of
    from search.titles import lookup_title

    every = law_rows()
    versions: dict[str, set[str]] = {}  # a law's versions share its title: any is right
    for d, _ in every:
        versions.setdefault(d.title, set()).add(d.id)
    # One row per law (its versions share one English title), split by its title.
    rows = {d.title: (d, en) for d, en in every if half_of(SET, d.title) == half}
    engine = open_engine(textonly_copy(index, every), Glossary.load())
    first = top10 = 0
    try:
        for title, (_d, en) in sorted(rows.items()):
            found = lookup_title(engine, en, 10, use_title_en=False).candidates
            right = [c.doc.id in versions[title] for c in found]
            first += bool(right) and right[0]
            top10 += any(right)
            if misses is not None and not (right and right[0]):
                rank = right.index(True) + 1 if any(right) else "-"
                misses.append(f"miss (rank {rank}): {en}  [{title}]")
    finally:
        engine.backend.close()
    n = len(rows)
    return {"n": n, "first": first / n if n else 0.0, "top10": top10 / n if n else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_index_option(ap)
    ap.add_argument("--half", choices=("tune", "report"), default="tune")
    ap.add_argument("--misses", action="store_true", help="print the tune half's misses")
    args = ap.parse_args()
    if args.misses and args.half == "report":
        ap.error("the report half prints no misses: it is a result")
    misses: list[str] | None = [] if args.misses else None
    f = figures(Path(checked_index(args.index)), args.half, misses)
    for line in misses or ():
        print("  " + line)
    label = "tune half: TUNED ON" if args.half == "tune" else "report half: a result"
    print(f"text-only laws by attested English title ({label}): {f['n']} laws")
    print(f"  first {f['first']:.3f}  top 10 {f['top10']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
