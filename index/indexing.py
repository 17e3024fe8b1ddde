"""Indexing files into an index: the library's one entry point, ``index_paths``.

Place in the flow: readers (``index.readers``: files -> Documents) -> an optional
enrichment per document (the CLI adds draft English titles) -> a backend's
``add_documents`` (opened or created through ``index.backends``) -> an
``IndexReport``. ``duizhao index`` and ``benchmarks/index_bench.py`` call it; a
new engine plugs in through ``kind`` and ``backend_options``.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from index import segmenter
from index.backends import open_backend, reset_index
from index.config import index_path
from index.document import Document
from index.errors import IndexCorrupt, IndexOutdated, InputError
from index.readers import Problem, check_paths, read_paths
from index.report import IndexReport

Reader = Callable[[list[Path]], Iterator[object]]


def index_paths(
    index: str | os.PathLike | None,
    paths: Sequence[str | os.PathLike],
    *,
    kind: str | None = None,
    glossary: Any = None,
    enrich: Callable[[Document], object] | None = None,
    rebuild: bool = False,
    procs: int = 1,
    wait: float = 0.0,
    follow_symlinks: bool = False,
    limit: int | None = None,
    track: Callable[[list[Path], Reader], Iterator[object]] | None = None,
    **backend_options: Any,
) -> IndexReport:
    """Index the documents in ``paths`` (files or folders) into ``index``.

    ``kind`` picks the engine of a new index (an existing one keeps its own);
    ``backend_options`` go to its opener. ``glossary`` supplies segmentation
    words; ``enrich`` prepares each document (a failure skips that document
    only). ``rebuild`` drops everything not in ``paths``, and starts afresh an
    index from another version or a damaged one. ``limit`` stops after that many
    records (benchmarks). ``track(paths, read)`` returns the records to index --
    e.g. through a progress bar; default ``read(paths)``.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError(
            "nothing to index", "give files or folders (`duizhao index FILE...`) or --sample"
        )
    # Before the writer lock is taken: a FIFO or a device would hold it forever.
    check_paths(paths)
    if glossary is not None:
        segmenter.configure(glossary.segmentation_words())
    # A URL (remote shards) stays a string: a Path would fold its "//".
    spec = os.fspath(index) if index and "://" in os.fspath(index) else index_path(index)
    backend = _open_for_writing(spec, kind, rebuild, backend_options)
    try:
        read: Reader = functools.partial(read_paths, follow_symlinks=follow_symlinks)
        items = track(paths, read) if track is not None else read(paths)
        if limit is not None:
            items = itertools.islice(items, limit)
        return backend.add_documents(
            _enriched(items, enrich), procs=procs, timeout=wait, rebuild=rebuild
        )
    finally:
        backend.close()


def _open_for_writing(
    path: str | os.PathLike, kind: str | None, rebuild: bool, options: dict
) -> Any:
    """The backend to write into: created when new, emptied first by ``rebuild``
    when it cannot be opened (another version, damaged); refused when the analysis
    rules or the glossary's words changed since it was built, unless rebuilding."""
    try:
        backend = open_backend(path, kind=kind, create=True, **options)
    except (IndexOutdated, IndexCorrupt):
        if not rebuild:
            raise
        reset_index(path, kind=kind)
        backend = open_backend(path, kind=kind, create=True, **options)
    if not rebuild and backend.doc_count():
        try:
            segmenter.check_built_with(
                backend.meta().get("glossary"),
                hint=(
                    "re-run with --rebuild (scripts/demo --rebuild) to re-index everything"
                    " with this version's analysis rules and glossary words"
                ),
            )
        except IndexOutdated as e:
            # The person indexing can fix this with a flag: an input error, not a 503.
            backend.close()
            raise InputError(e.message, e.hint) from None
    return backend


def _enriched(
    items: Iterator[object], enrich: Callable[[Document], object] | None
) -> Iterator[object]:
    for it in items:
        if enrich is not None and isinstance(it, Document):
            try:
                enrich(it)
            except Exception as e:  # one odd record never stops a run
                it = Problem(it.origin or it.id, 0, f"cannot be prepared ({type(e).__name__})")
        yield it
