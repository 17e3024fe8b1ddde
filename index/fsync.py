"""fsync helpers: make the names in a folder and the bytes of a file durable.

Place in the flow: a leaf (standard library only) under index/storage.py, which
fsyncs in commit order, and index/integrity.py, which fsyncs the folder after
writing a manifest or removing stale files. Both need them; neither should
import the other for them.
"""

from __future__ import annotations

import os


def fsync_dir(path: str | os.PathLike) -> None:
    """fsync a directory so the names created, renamed or deleted in it are on disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: str | os.PathLike) -> None:
    # O_RDONLY is enough for fsync on Linux and flushes pages written by any process
    # (a multiprocessing worker's segment files included).
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
