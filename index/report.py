"""What one indexing run did: the report every backend's ``add_documents`` returns.

Place in the flow: ``index.indexing.index_paths`` (and any backend's
``add_documents``) fills an ``IndexReport``; the CLI prints it, ``--json`` and the
benchmarks read ``to_dict()``. Engine-neutral: no backend module defines it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
