"""A small tmpfs a test owns: mounted for it, skipped where it cannot be, unmounted after.

Disk-full and read-only tests need a real file system that fills up; a tmpfs of a few
megabytes does without filling the machine's disk. Mounting needs privileges CI may
not have, so a refused mount skips the test instead of failing it.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` (``mount -o size=``, e.g. ``"2m"``) on the new folder
    ``where`` and yield it; lazily unmounted on every path."""
    where.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
