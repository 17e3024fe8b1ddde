"""Whether English policy words reach their Chinese term through the glossary:
``python benchmarks/glossary_coverage.py [FILE] [--misses]``.

Place in the flow: a benchmark over ``search.expand`` (the expansion the search box
and the title lookup use), no index needed. Each row of ``data/glossary_coverage.tsv``
is an English term as news writes it and the Chinese term titles use; a row is
covered when an expansion of the English is the Chinese term or holds it. A miss is
not always wrong: a term read word by word (real estate market: 房地产 + 市场)
searches as well; a miss read as another sense (charging: 收费, not 充电) is a
glossary entry to add. Prints covered / all, and the misses with what was read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench_index import ROOT  # puts the checkout on sys.path

from index.glossary import Glossary
from search.expand import expand

DEFAULT_FILE = ROOT / "benchmarks" / "data" / "glossary_coverage.tsv"


def read_rows(path: Path) -> list[tuple[str, str]]:
    """(English, Chinese) rows of a coverage file; '#' lines are comments."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) != 2:
                raise SystemExit(f"{path}, line {n}: expected English<TAB>Chinese")
            rows.append((parts[0].strip(), parts[1].strip()))
    return rows


def readings(en: str, glossary: Glossary) -> list[str]:
    """The Chinese the expansion gives an English term, best first."""
    return [e.target for e in expand(en, glossary) if e.target_lang == "zh"]


def covered(zh: str, read: list[str]) -> bool:
    return any(zh in r for r in read)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--misses", action="store_true", help="list the rows not covered")
    args = ap.parse_args()
    glossary = Glossary.load()
    rows = read_rows(args.file)
    misses = [(en, zh, read) for en, zh in rows if not covered(zh, read := readings(en, glossary))]
    print(
        f"{args.file.name}: {len(rows) - len(misses)} of {len(rows)} English terms reach their Chinese"
    )
    for en, zh, read in misses if args.misses else ():
        print(f"   {en} -> {zh}: read as {', '.join(read[:6]) or 'nothing'}")


if __name__ == "__main__":
    main()
