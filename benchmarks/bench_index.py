"""The index a benchmark reads: one ``--index`` option for every benchmark.

Resolution: ``--index DIR`` (a folder or a ``xapian+tcp://`` URL), else
``$DUIZHAO_EVAL_INDEX`` (the full sample index the evaluation tests read), else
the CLI's index (``$DUIZHAO_INDEX`` or ./instance/index, see index.config). No
machine path is built in: a missing folder stops the benchmark with what to do.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.config import index_path  # noqa: E402 - needs ROOT on sys.path

HELP = "index folder or xapian+tcp:// URL (default: $DUIZHAO_EVAL_INDEX, else $DUIZHAO_INDEX or instance/index)"


def default_index() -> str:
    """``$DUIZHAO_EVAL_INDEX``, else the CLI's index (``$DUIZHAO_INDEX`` or instance/index)."""
    return os.environ.get("DUIZHAO_EVAL_INDEX") or str(index_path(None))


def add_index_option(ap: argparse.ArgumentParser) -> None:
    """Add ``--index`` to a benchmark's argument parser."""
    ap.add_argument("--index", default=default_index(), help=HELP)


def checked_index(index: str) -> str:
    """``index`` if it is a URL or an existing folder; else exit with the next step."""
    if "://" in index or Path(index).is_dir():
        return index
    sys.exit(
        f"no index at {index}: pass --index DIR, set DUIZHAO_EVAL_INDEX, or build one with "
        f"`duizhao --index {index} index --sample`"
    )
