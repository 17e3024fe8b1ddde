"""The ``duizhao`` command line: thin wrappers over library functions.

Place in the flow: a face, like the HTML UI and the REST API. Each command
parses its arguments, calls one library function (index/, search/), and
prints. Library errors (``index.errors.DuizhaoError``) are translated here,
once, into a message with the next step and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.document import FACET_FIELDS
from index.errors import DuizhaoError, InputError
from web.cli_common import glossary_for, open_engine
from web.cli_lookup import add_parsers
from web.cli_shards import add_index_options, backend_options
from web.cli_shards import add_parsers as add_shard_parsers
from web.settings import SETTINGS

EXIT_USAGE = 2
EXIT_ERROR = 1

BOLD = ("\033[1m", "\033[0m")


def _stdout_supports_color() -> bool:
    return sys.stdout.isatty() and os.environ.get("NO_COLOR") is None


# --- commands --------------------------------------------------------------------


def cmd_index(args: argparse.Namespace) -> int:
    from index.config import index_path, sample_corpus_paths
    from index.indexing import index_paths

    paths: list[Path] = [Path(p) for p in args.paths]
    if args.sample:
        paths = sample_corpus_paths() + paths
    glossary = glossary_for(args)
    progress = None

    def track(paths: list[Path], read: Callable) -> Any:
        nonlocal progress
        from web.progress import IndexProgress

        progress = IndexProgress(paths, procs=args.procs)
        return progress.items(read)

    show = (not args.quiet and sys.stderr.isatty()) or args.progress
    try:
        report = index_paths(
            args.index,
            paths,
            kind=args.backend,
            glossary=glossary,
            enrich=_title_enricher(glossary),
            rebuild=args.rebuild,
            procs=args.procs,
            wait=args.wait,
            follow_symlinks=args.follow_symlinks,
            track=track if show else None,
            **backend_options(args),
        )
    finally:
        # `is not None`: a tqdm bar without a total refuses bool() (TypeError).
        if progress is not None:
            progress.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(
            f"indexed into {index_path(args.index)}"
            f"{f' ({report.layout})' if report.layout else ''}: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.skipped} skipped "
            f"({report.passages} passages, {report.seconds:.1f} s)"
        )
        for label, lines in (("skipped", report.problems), ("warning", report.warnings)):
            for p in lines[:20]:
                print(f"  {label}: {p}", file=sys.stderr)
            if len(lines) > 20:
                print(
                    f"  ... and {len(lines) - 20} more (use --json for the list)",
                    file=sys.stderr,
                )
    return 0


def _title_enricher(glossary: Any) -> Callable:
    """Attach a labelled draft English title to documents that have none."""
    # Imported here, not at the top: search.titles (title drafts and their
    # tables) adds ~350 ms to every `duizhao` start-up, and only indexing needs
    # it. It is part of the package, so a failure to import it is a real error.
    from search.titles import add_draft_title

    return lambda doc: add_draft_title(doc, glossary)


def _filters_from_args(args: argparse.Namespace) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in FACET_FIELDS:
        values = getattr(args, name, None)
        if values:
            out[name] = list(values)
    return out


def cmd_search(args: argparse.Namespace) -> int:
    from search.engine import SearchRequest

    engine = open_engine(args)
    req = SearchRequest(
        q=args.query,
        filters=_filters_from_args(args),
        year=args.year,
        sort=args.sort,
        page=args.page,
        per_page=args.limit,
        facets=args.facets or args.json,
        expand=not args.no_expand,
        explain=args.explain,
    )
    res = engine.search(req)
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        return 0
    mark = BOLD if _stdout_supports_color() else ("[", "]")
    for n in res.notices:
        print(f"note: {n}")
    if res.expansions:
        print(
            "expanded: "
            + "; ".join(
                f"{e.source} -> {e.target} ({e.origin}, {e.weight:g})" for e in res.expansions
            )
        )
    exact = "" if res.total_exact else "at least "
    print(f"{exact}{res.total} documents ({res.mode} words, {res.took_ms:.0f} ms)")
    for i, h in enumerate(res.hits, (req.page - 1) * req.per_page + 1):
        _print_hit(i, h, mark, args.explain)
    if args.facets:
        for name, counts in res.facets.items():
            if counts:
                top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:8])
                print(f"\n{name}: {top}")
    if args.explain:
        print("\nexplain:")
        for line in res.explain_lines():
            print("  " + line)
    return 0


def _print_hit(i: int, h: Any, mark: tuple[str, str], explain: bool) -> None:
    """One search result as `duizhao search` prints it: title, English title, metadata, snippet."""
    from search.snippets import plain

    d = h.doc
    title = plain(h.title, mark) if h.title else d.display_title
    print(f"\n{i:>3}. {title}")
    en = d.titles_en[0] if d.titles_en else None
    if en is not None:
        label = "" if en.attested else " [draft]"
        print(f"     {en.text}{label}")
    meta = [
        d.level,
        d.issuer,
        d.region,
        d.docnum,
        d.date or "",
        d.status if d.status != "未知" else "",
    ]
    print("     " + " · ".join(m for m in meta if m) + f"   id={d.id}")
    if h.passage is not None and h.snippet:
        where = h.passage.label if h.passage.label and not h.passage.label.startswith("¶") else ""
        print(f"     {where + ': ' if where else ''}{plain(h.snippet, mark)}")
    if explain and h.matched:
        parts = ", ".join(f"{k}={v:g}" for k, v in sorted(h.matched.items(), key=lambda kv: -kv[1]))
        print(f"     score {h.score:.3f} = {parts}")


def cmd_show(args: argparse.Namespace) -> int:
    from search.engine import Engine

    engine = Engine(args.index, check_glossary=False)
    doc = engine.get_document(args.id)
    if args.json:
        print(json.dumps(doc.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(doc.display_title)
    for t in doc.titles_en:
        print(f"  {t.text}  [{'source: ' + t.source if t.attested else 'draft, not official'}]")
    rows = [
        ("id", doc.id),
        ("level", doc.level),
        ("type", doc.doctype),
        ("issuer", doc.issuer),
        ("region", doc.region),
        ("document number", doc.docnum),
        ("issued", doc.issue_date),
        ("published", doc.publish_date),
        ("effective", doc.effective_date),
        ("status", doc.status),
        ("url", doc.url),
        ("source", doc.source),
    ]
    for k, v in rows:
        if v:
            print(f"  {k:16} {v}")
    for h in doc.history:
        print(f"  {'history':16} {h}")
    if args.article:
        from index.structure import article_label

        want = article_label(args.article)
        match = [p for p in doc.passages if p.label == want]
        if not match:
            raise InputError(
                f"{doc.id} has no {want}", "run `duizhao show ID` to list its articles"
            )
        print()
        print(doc.body[match[0].start : match[0].end].strip())
        return 0
    arts = [p for p in doc.passages if p.number is not None]
    if arts:
        print(f"\n{len(arts)} articles")
        chapter = None
        for p in arts:
            if p.chapter != chapter:
                chapter = p.chapter
                if chapter:
                    print(f"  {chapter}")
            first = doc.body[p.start : p.end].strip().split("\n")[0]
            print(f"    {first[:70]}{'…' if len(first) > 70 else ''}")
    elif doc.body:
        print()
        print(doc.body if args.full else doc.body[:2000] + ("\n…" if len(doc.body) > 2000 else ""))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from web.serve import serve

    serve(
        host=args.host,
        port=args.port,
        index_dir=args.index,
        threads=args.threads,
        workers=args.workers,
        config={"BASE_URL": args.base_url} if args.base_url else None,
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from index.backends import open_backend
    from index.config import index_path

    # Checksums, then the reads a search makes (columns of every segment, real searches).
    backend = open_backend(index_path(args.index), verify="size")  # check() recomputes all
    try:
        report = backend.check()
    finally:
        backend.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    else:
        print(f"index OK: {report}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if getattr(args, "suite", False):
        from search.eval_suite import run_cli as run_suite_cli

        return run_suite_cli(args)
    from search.evaluate import run_cli

    return run_cli(args)


# --- argument parsing ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="duizhao",
        description="Bilingual search over Chinese policy documents.",
    )
    p.add_argument(
        "--index", metavar="DIR", help="index folder (default: $DUIZHAO_INDEX or ./instance/index)"
    )
    p.add_argument(
        "--glossary", metavar="FILE", action="append", help="your own glossary file (repeatable)"
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="skip bad lines of your glossary files with a warning",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # The order here is the order of `duizhao --help`.
    _add_index_parser(sub)
    add_shard_parsers(sub)
    _add_search_parser(sub)
    _add_show_serve_check_parsers(sub)
    _add_eval_parser(sub)
    # Lookup commands (title, mentions, glossary, suggest) live in their own module.
    add_parsers(sub)
    return p


def _add_index_parser(sub: Any) -> None:
    s = sub.add_parser("index", help="index files or folders (re-running updates in place)")
    s.add_argument("paths", nargs="*", metavar="PATH")
    s.add_argument(
        "--sample", action="store_true", help="index the sample corpus in ../shared/data"
    )
    s.add_argument("--rebuild", action="store_true", help="drop everything and index from scratch")
    s.add_argument(
        "--procs", type=int, default=min(2, os.cpu_count() or 1), help="indexing processes"
    )
    s.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="wait for a busy index"
    )
    s.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="in folders, also follow symbolic links that lead outside the folder",
    )
    s.add_argument("--json", action="store_true")
    s.add_argument("--quiet", action="store_true")
    s.add_argument(
        "--progress", action="store_true", help="show the progress bar even when not a terminal"
    )
    s.set_defaults(func=cmd_index)
    add_index_options(s)


def _add_search_parser(sub: Any) -> None:
    s = sub.add_parser("search", help="search the index")
    s.add_argument("query")
    for name in FACET_FIELDS:
        s.add_argument(f"--{name}", action="append", metavar="VALUE")
    s.add_argument("--year", metavar="Y|Y1..Y2")
    s.add_argument("--sort", choices=("relevance", "date", "date_asc"), default="relevance")
    s.add_argument("--page", type=int, default=1)
    s.add_argument("--limit", type=int, default=10, metavar="N", help="results per page (max 100)")
    s.add_argument("--facets", action="store_true", help="print facet counts")
    s.add_argument("--json", action="store_true")
    s.add_argument("--explain", action="store_true", help="show the parsed query and score parts")
    s.add_argument("--no-expand", action="store_true", help="no cross-language expansion")
    s.set_defaults(func=cmd_search)


def _add_show_serve_check_parsers(sub: Any) -> None:
    s = sub.add_parser("show", help="print a document with its metadata and articles")
    s.add_argument("id")
    s.add_argument("--article", metavar="第N条", help="print one article")
    s.add_argument("--full", action="store_true", help="print the whole body")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("serve", help="serve the web UI and REST API (waitress)")
    for st in SETTINGS:  # the options come from the settings table (web/settings.py)
        if st.option:
            env = f" (${st.env})" if st.env else ""
            s.add_argument(st.option, type=st.kind, default=st.default, help=st.help + env)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser(
        "check", help="verify every checksum of the latest commit and that searches can read it"
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)


def _add_eval_parser(sub: Any) -> None:
    s = sub.add_parser("eval", help="ranking quality on STARD-format queries and qrels")
    s.add_argument("--queries", metavar="TSV")
    s.add_argument("--qrels", metavar="TSV")
    s.add_argument(
        "--known-items", metavar="JSONL", help="English-title known-item file (en_titles format)"
    )
    s.add_argument("--no-baseline", action="store_true")
    s.add_argument(
        "--suite", action="store_true", help="the relevance suite: one set per kind of query"
    )
    s.add_argument("--half", choices=("tune", "report"), help="with --suite: one half only")
    s.add_argument("--sets", metavar="A,B", help="with --suite: only these sets")
    s.add_argument(
        "--draw",
        type=int,
        default=0,
        metavar="N",
        help="with --suite: a fresh draw of the sets drawn from the corpus (0: the suite's own)",
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)


def _clean_arg(value: str) -> str:
    """Arguments that were not valid UTF-8 arrive with surrogate escapes; make them
    printable (U+FFFD) so errors and --json output never fail to encode."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = [_clean_arg(a) for a in (sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    if hasattr(args, "limit") and not 1 <= args.limit <= 100:
        parser.error("--limit must be between 1 and 100")
    try:
        return args.func(args) or 0
    except DuizhaoError as e:
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        return EXIT_USAGE if e.status == 400 else EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; the index keeps its last completed commit", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
