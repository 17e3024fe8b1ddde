"""The indexing progress bar: which file is being read and how long is left.

Place in the flow: part of the command-line face (``duizhao index``). Indexing
cost follows the amount of text, not the number of records (a law is thousands
of characters, a policy-title record one short line), so the bar counts input
bytes: each file's uncompressed size and line count are measured up front in
one quick pass (capped, so a huge or hostile file only loses the estimate), and
each record read advances the bar by its file's average bytes per record. At the
end of each file the bar is set to that file's exact end, so estimates never
drift across files.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from index.readers import TEXT_SUFFIXES

# Measuring stops (and the bar shows counts without a time estimate) past these:
# the pre-pass must stay a small fraction of the indexing it describes.
# Writing time after the last record, as a share of the indexing time before it. With
# several processes the parent hands records on faster than the workers analyse them,
# and each worker then sorts and writes its whole segment: measured on the whole sample
# corpus, 2 processes, a loaded 2-core machine: 325 s of records, then about 390 s, and
# in a second run 617 s, then 431 s; one process (laws and work reports): 680 s of
# records, then 413 s.
WRITE_RATIO_PROCS = 1.0
WRITE_RATIO = 0.6
MEASURE_MAX_BYTES = 4 * 1024**3
MEASURE_MAX_SECONDS = 10.0
_CHUNK = 1 << 20
# Data files a folder walk reads as records (index/readers.py, read_folder).
_DATA_SUFFIXES = (".jsonl", ".gz", ".csv")


@dataclass
class Source:
    """One path given to ``duizhao index`` with its measured size."""

    path: Path
    nbytes: int | None  # uncompressed bytes; None when not measured
    records: int | None  # estimated records (lines, or files in a folder)


def _measure_file(path: Path, deadline: float) -> tuple[int, int] | None:
    """(uncompressed bytes, non-empty lines) of one file, or None past the caps."""
    try:
        with open(path, "rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
        nbytes = lines = 0
        last = b"\n"
        with gzip.open(path, "rb") if gz else open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                nbytes += len(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
                if nbytes > MEASURE_MAX_BYTES or time.monotonic() > deadline:
                    return None
        return nbytes, max(1, lines + (last != b"\n"))
    except (OSError, EOFError, gzip.BadGzipFile):
        return None  # the reader reports the problem itself


def _measure_folder(folder: Path, deadline: float) -> tuple[int, int] | None:
    nbytes = records = 0
    try:
        for p in folder.rglob("*"):
            if time.monotonic() > deadline:
                return None
            if not p.is_file() or p.name.startswith("."):
                continue
            suffix = p.suffix.lower()
            if suffix in TEXT_SUFFIXES:
                nbytes += p.stat().st_size
                records += 1
            elif suffix in _DATA_SUFFIXES:
                m = _measure_file(p, deadline)
                if m is None:
                    return None
                nbytes += m[0]
                records += m[1]
    except OSError:
        return None
    return nbytes, max(1, records)


def measure(paths: Iterable[Path]) -> list[Source]:
    """Size every path (file or folder) within the time cap."""
    deadline = time.monotonic() + MEASURE_MAX_SECONDS
    out = []
    for p in paths:
        m = None
        if p.is_dir():
            m = _measure_folder(p, deadline)
        elif p.is_file():
            m = _measure_file(p, deadline)
        out.append(Source(p, *(m if m else (None, None))))
    return out


def _width(file: IO[str]) -> int:
    """The terminal's column count, 0 when it is not a terminal or reports none."""
    try:
        return os.get_terminal_size(file.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return 0


class IndexProgress:
    """A tqdm bar over the records of several paths, in input bytes when measured,
    then an estimated countdown while the index is written."""

    def __init__(
        self, paths: Iterable[Path], file: IO[str] | None = None, *, procs: int = 1
    ) -> None:
        from tqdm import tqdm

        self.file = file if file is not None else sys.stderr
        self.procs = procs
        self.started = time.monotonic()
        self.writing: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        print("measuring the input files ...", file=self.file, flush=True)
        self.sources = measure(paths)
        sized = all(s.nbytes is not None for s in self.sources)
        total = sum(s.nbytes or 0 for s in self.sources) if sized else None
        self.sized = sized
        first = self.sources[0].path.name if self.sources else ""
        self.bar: Any = tqdm(
            total=total,
            desc=f"indexing {first}",
            unit="B" if sized else " records",
            unit_scale=sized,
            unit_divisor=1024,
            file=self.file,
            mininterval=0.5,
            # A terminal that reports no size (a fresh pseudo-terminal, `script` in CI)
            # gets an empty bar from tqdm (0 columns, 0 rows); a fixed size is drawn.
            **({"dynamic_ncols": True} if _width(self.file) else {"ncols": 100, "nrows": 24}),
        )

    def items(self, read: Callable[[list[Path]], Iterator[object]]) -> Iterator[object]:
        """Every item of ``read`` over each path in turn, advancing the bar as the
        consumer takes the next one (so the bar follows the indexing, not the reading)."""
        start = 0
        for src in self.sources:
            self.bar.set_description_str(f"indexing {src.path.name}", refresh=False)
            per = (src.nbytes / src.records) if self.sized and src.records else None
            for i, item in enumerate(read([src.path]), 1):
                yield item
                if per is None:
                    self.bar.update(1)
                else:
                    # Never run past this file's end when the line count undercounts.
                    target = min(start + round(i * per), start + (src.nbytes or 0))
                    self.bar.update(target - self.bar.n)
            if self.sized:
                start += src.nbytes or 0
                self.bar.update(start - self.bar.n)
        self.bar.close()
        self.bar = None
        self._start_writing(time.monotonic() - self.started)

    def _start_writing(self, indexing_seconds: float) -> None:
        """After the last record: the indexing processes still analyse what they hold
        and write their segments, which no counter shows. A countdown from an estimate
        (a measured share of the time so far) says how long is left."""
        from tqdm import tqdm

        ratio = WRITE_RATIO_PROCS if self.procs > 1 else WRITE_RATIO
        estimate = max(1, round(indexing_seconds * ratio))
        print(f"writing the index to disk (estimated {estimate} s) ...", file=self.file, flush=True)
        self.writing = tqdm(
            total=estimate,
            desc="writing the index",
            unit="s",
            file=self.file,
            mininterval=0.5,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} elapsed, about {remaining} left",
            **({"dynamic_ncols": True} if _width(self.file) else {"ncols": 100, "nrows": 24}),
        )

        def tick() -> None:
            t0 = time.monotonic()
            while not self._stop.wait(1.0):
                done = min(estimate - 1, int(time.monotonic() - t0))
                if done == estimate - 1:
                    self.writing.set_description_str(
                        "writing the index (longer than estimated)", refresh=False
                    )
                self.writing.update(done - self.writing.n)

        self._ticker = threading.Thread(target=tick, name="index-write-countdown", daemon=True)
        self._ticker.start()

    def close(self) -> None:
        """Close the bars (idempotent); the countdown ends when the index is written."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        if self.writing is not None:
            self.writing.update(self.writing.total - self.writing.n)
            self.writing.close()
            self.writing = None
