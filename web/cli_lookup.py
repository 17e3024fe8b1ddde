"""The lookup commands of ``duizhao``: title, mentions, glossary, suggest.

Place in the flow: a face. ``web.cli.build_parser`` calls :func:`add_parsers`;
each command is a thin wrapper over one library function
(:func:`search.titles.lookup_title`, :func:`search.mentions.analyze_mentions`,
:func:`glossary_report`, :func:`index.glossary_suggest.suggest`) and prints
its result as text or JSON. Errors are ``index.errors`` types; ``web.cli.main``
prints them with their hint.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import InputError
from web.cli_common import glossary_for, open_engine

MAX_MENTIONS_INPUT_BYTES = 200_000  # read at most this much; the library checks characters


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


def _label(attested: bool, source: str) -> str:
    return f"source: {source}" if attested else "draft, not official"


# --- title ------------------------------------------------------------------------------


def _print_candidates(cands: list, indent: str = "  ") -> None:
    for i, c in enumerate(cands, 1):
        d = c.doc
        print(f"{indent}{i:>2}. [{c.confidence:.2f}] {d.display_title}")
        en = d.titles_en[0] if d.titles_en else None
        if en is not None and d.title:
            print(f"{indent}      {en.text}  [{_label(en.attested, en.source)}]")
        meta = [d.issuer, d.region, d.docnum, d.date or ""]
        print(f"{indent}      " + " · ".join(m for m in meta if m) + f"   id={d.id}")
        ev = [
            f"{e.kind} {'✓' if e.score >= 0.99 else ('✗' if e.score <= 0.01 else f'{e.score:.2f}')}"
            for e in c.evidence
            if e.kind != "retrieval"
        ]
        if ev:
            print(f"{indent}      evidence: " + ", ".join(ev))
        if c.mismatch:
            print(f"{indent}      differs: " + "; ".join(c.mismatch))


def cmd_title(args: argparse.Namespace) -> int:
    from search.titles import lookup_title

    res = lookup_title(open_engine(args), args.text, args.limit)
    if args.json:
        _print_json(res.to_dict())
        return 0
    print(f"{res.kind.replace('_', ' ')}: {res.query}   (confidence {res.confidence:.2f})")
    for n in res.notices:
        print(f"note: {n}")
    if res.renderings:
        print("\nknown renderings:")
        for r in res.renderings:
            print(f"  {r.text}  [{_label(r.attested, r.source)}]")
    if res.draft is not None and res.draft.text:
        print(f"\ndraft: {res.draft.text}")
        print(f"  [{res.draft.label}; confidence {res.draft.confidence:.2f}]")
        by_origin: dict[str, list[str]] = {}
        for zh, en, o in res.draft.used:
            if o != "rule":  # title rules (document types, issuers) go without saying
                by_origin.setdefault(o, []).append(f"{zh}={en}")
        for origin, words in by_origin.items():
            print(f"  words from {origin}: {', '.join(words)}")
        if res.draft.untranslated:
            print(f"  not translated: {', '.join(res.draft.untranslated)}")
    if res.message:
        print(f"\n{res.message}")
    if res.candidates:
        print("\ndocuments in the index:")
        _print_candidates(res.candidates)
    return 0


# --- mentions --------------------------------------------------------------------------------


def _read_input(path: str) -> str:
    if path == "-":
        data = sys.stdin.buffer.read(MAX_MENTIONS_INPUT_BYTES + 1)
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{path}: no such file", "give a text file, or - for standard input")
        with open(p, "rb") as f:
            data = f.read(MAX_MENTIONS_INPUT_BYTES + 1)
    if len(data) > MAX_MENTIONS_INPUT_BYTES:
        raise InputError(
            f"{path}: too long for mention scanning",
            "the limit is 20,000 characters; split the article",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", "save the article as UTF-8") from None


def cmd_mentions(args: argparse.Namespace) -> int:
    from search.mentions import analyze_mentions

    text = _read_input(args.file)
    report = analyze_mentions(open_engine(args), text)
    if args.json:
        _print_json(report.to_dict())
        return 0
    print(report.message)
    for i, m in enumerate(report.mentions, 1):
        print(f"\n{i}. {m.kind.replace('_', ' ')}: {m.text}")
        if m.zh and m.en:
            print(f"   Chinese in the text: {m.zh}")
        if m.region:
            print(f"   region named nearby: {m.region}")
        if m.counterpart and not (m.zh and m.en):
            print(f"   counterpart: {m.counterpart}  [{m.counterpart_label}]")
        print(f"   {m.message} (confidence {m.confidence:.2f})")
        _print_candidates(m.candidates, indent="   ")
    return 0


# --- glossary --------------------------------------------------------------------------------


@dataclass
class SideCount:
    text: str
    lang: str
    documents: int  # indexed documents containing it (phrase search)


@dataclass
class GlossaryReport:
    term: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "entries": self.entries}


def _count_docs(engine: Any, text: str) -> int:
    from index.errors import QueryError
    from search.engine import SearchRequest

    q = text if (" " not in text and not text.isascii()) else f'"{text}"'
    try:
        res = engine.search(SearchRequest(q=q, per_page=1, expand=False, facets=True))
    except QueryError:
        return 0
    return res.total


def glossary_report(engine: Any, term: str, *, counts: bool = True) -> GlossaryReport:
    """Glossary entries for a Chinese term or English rendering, with how many
    indexed documents use each side (phrase searches, no expansion)."""
    term = " ".join(str(term).split())
    if not term:
        raise InputError("empty term", "give a Chinese term or an English rendering")
    if len(term) > 200:
        raise InputError("term too long", "a glossary term has at most 120 characters")
    glossary = engine.glossary
    if glossary is None:
        raise InputError("no glossary loaded", "run without --no-glossary")
    rep = GlossaryReport(term)
    for e in glossary.lookup(term):
        sides = [SideCount(e.zh, "zh", _count_docs(engine, e.zh) if counts else -1)]
        for i, r in enumerate(e.en):
            sides.append(SideCount(r, "en", _count_docs(engine, r) if counts and i < 6 else -1))
        rep.entries.append(
            {
                "zh": e.zh,
                "preferred": e.preferred,
                "variants": list(e.en[1:]),
                "category": e.category,
                "source": e.source,
                "note": e.note,
                "documents": [
                    {"text": s.text, "lang": s.lang, "documents": s.documents} for s in sides
                ],
            }
        )
    return rep


def cmd_glossary(args: argparse.Namespace) -> int:
    rep = glossary_report(open_engine(args), args.term)
    if args.json:
        _print_json(rep.to_dict())
        return 0
    if not rep.entries:
        print(f"no glossary entry for {rep.term!r}")
        return 0
    for e in rep.entries:
        print(f"{e['zh']}  ->  {e['preferred']}   ({e['category']}, {e['source']})")
        if e["variants"]:
            print(f"  variants: {' | '.join(e['variants'])}")
        if e["note"]:
            print(f"  note: {e['note']}")
        for s in e["documents"]:
            if s["documents"] >= 0:
                print(f"  {s['documents']:>6} documents use {s['text']!r}")
    return 0


# --- suggest ----------------------------------------------------------------------------------


def cmd_suggest(args: argparse.Namespace) -> int:
    from index import segmenter
    from index.config import shared_data_dir
    from index.glossary_suggest import format_suggestions, suggest

    path = Path(args.file) if args.file else shared_data_dir() / "en_titles" / "dev.jsonl"
    glossary = glossary_for(args)
    if glossary is None:
        raise InputError("no glossary loaded", "suggestions compare titles with the glossary")
    segmenter.configure(glossary.segmentation_words())
    items = suggest(path, glossary, limit=args.limit)
    if args.json:
        _print_json(
            [{"english": s.english, "count": s.count, "candidates": s.candidates} for s in items]
        )
        return 0
    if not items:
        print("every English title word has a glossary entry")
    for line in format_suggestions(items):
        print(line)
    return 0


# --- registration -----------------------------------------------------------------------------


def add_parsers(sub: Any) -> None:
    """Register title, mentions, glossary and suggest on ``duizhao``'s subparsers."""
    s = sub.add_parser(
        "title",
        help="English renderings of a Chinese title, or the Chinese original of an English one",
    )
    s.add_argument("text", metavar="TEXT", help="a title (either language) or a document number")
    s.add_argument("--limit", type=int, default=10, metavar="N", help="documents to list (max 100)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_title)

    s = sub.add_parser("mentions", help="policy documents mentioned in English text")
    s.add_argument("file", metavar="FILE", help="a UTF-8 text file, or - for standard input")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_mentions)

    s = sub.add_parser("glossary", help="glossary entries for a term, with document counts")
    s.add_argument("term", metavar="TERM")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_glossary)

    s = sub.add_parser("suggest", help="English title words that lack a glossary entry")
    s.add_argument("file", nargs="?", metavar="FILE", help="en_titles JSONL (default: the dev set)")
    s.add_argument("--limit", type=int, default=30, metavar="N")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_suggest)
