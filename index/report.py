"""What one indexing run did: the report every backend's ``add_documents`` returns.

Place in the flow: ``index.indexing.index_paths`` (and any backend's
``add_documents``) fills an ``IndexReport``; the CLI prints it, ``--json`` and the
benchmarks read ``to_dict()``. Engine-neutral: no backend module defines it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from index.document import Document
from index.structure import split_passages


@dataclass
class IndexReport:
    """What one indexing run did; ``problems`` are (path, line, reason) strings."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    passages: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # records indexed with a fix (dates)
    seconds: float = 0.0
    chars: int = 0
    layout: str = ""  # how the backend stores the index, when not one plain folder

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def to_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "passages": self.passages,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 2),
            **({"layout": self.layout} if self.layout else {}),
            "problems": self.problems[:200],
            "warnings": self.warnings[:200],
        }


def changed_documents(
    items: Iterable[Document | object],
    existing: dict[str, str],
    report: IndexReport,
    *,
    on_item: Callable[[object], None] | None = None,
    prepare: Callable[[Document, str], Any] | None = None,
) -> Iterator[tuple[Document, str | None, Any]]:
    """The documents of an ``add_documents`` run that must be written, as
    ``(document, old content hash or None, prepare(document, content hash))`` (no
    ``prepare``: the content hash itself); every backend triages the same way. Into ``report``: the readers' problems and warnings, a
    repeated id (the first is kept), a document that cannot be prepared (skipped,
    the run goes on), unchanged documents (same content hash as ``existing``),
    and the added/updated counts and characters of the rest."""
    seen: set[str] = set()
    for item in items:
        if on_item:
            on_item(item)
        if not isinstance(item, Document):
            kept = getattr(item, "kept", False)  # a warning; its record follows
            (report.warnings if kept else report.problems).append(str(item))
            continue
        doc = item
        if doc.id in seen:
            report.problems.append(f"{doc.id}: duplicate id in this run; kept the first")
            continue
        seen.add(doc.id)
        try:  # everything that can fail for one document, before it is written
            doc.passages = split_passages(doc.body)
            h = doc.content_hash()
            prepared = prepare(doc, h) if prepare is not None else h
        except Exception as e:  # skip this document, keep the run
            where = doc.origin or doc.id
            report.problems.append(f"{where}: cannot be indexed ({type(e).__name__})")
            continue
        old = existing.get(doc.id)
        if old == h:
            report.unchanged += 1
            continue
        if old is not None:
            report.updated += 1
        else:
            report.added += 1
        report.chars += len(doc.body) + len(doc.title)
        yield doc, old, prepared
