"""Where things live: the index folder and the user's glossary file.

Resolution order for the index: an explicit path (``--index DIR``), then the
``DUIZHAO_INDEX`` environment variable, then ``./instance/index`` (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INDEX = Path("instance") / "index"


def index_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return _path_or_url(explicit)
    env = os.environ.get("DUIZHAO_INDEX")
    if env:
        return _path_or_url(env)
    return DEFAULT_INDEX


def user_glossary_paths(explicit: list[str] | None = None) -> list[Path]:
    """User glossary files: explicit ones, else ``DUIZHAO_GLOSSARY`` (os.pathsep-separated)."""
    if explicit:
        return [Path(p) for p in explicit]
    env = os.environ.get("DUIZHAO_GLOSSARY")
    return [Path(p) for p in env.split(os.pathsep) if p] if env else []


def shared_data_dir() -> Path:
    """The sample data folder: ``DUIZHAO_SHARED`` or ``../shared/data`` beside the checkout."""
    env = os.environ.get("DUIZHAO_SHARED")
    if env:
        return Path(env) / "data"
    here = Path(__file__).resolve().parents[1]
    return here.parent / "shared" / "data"


def sample_corpus_paths() -> list[Path]:
    d = shared_data_dir()
    return [
        d / "laws.jsonl.gz",
        d / "policy_titles.csv.gz",
        d / "work_reports.jsonl.gz",
        d / "en_titles" / "dev.jsonl",
    ]


def _path_or_url(value: str | os.PathLike) -> Path:
    """A folder as a Path; a URL (``xapian+tcp://h:p,...``) kept as text, since a
    Path would fold its ``//``. Callers pass either to ``index.backends``."""
    text = os.fspath(value)
    return text if "://" in text else Path(text)  # type: ignore[return-value]


KIND_FILE = "backend"  # an index folder's marker naming its engine (absent: Whoosh)
