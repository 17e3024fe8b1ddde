"""The indexing progress bar, as a person sees it: `duizhao index --progress`, in a
pseudo-terminal and not, on the fixture corpus and on several files at once.

The README's main command (`scripts/demo`) runs `duizhao index --sample --progress`;
a bar without a known total once made it crash (tqdm refuses bool()).
"""

from __future__ import annotations

import gzip
import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import REACT_WITHIN

from tests.conftest import DOCS
from web.cli import main
from web.progress import IndexProgress, measure

ROOT = Path(__file__).resolve().parents[1]


def _drain(leader: int) -> list[bytes]:
    """What is left to read from a pseudo-terminal whose child has exited."""
    out = []
    while select.select([leader], [], [], 0.5)[0]:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: nothing more
            break
        if not data:
            break
        out.append(data)
    return out


def test_progress_flag_without_terminal(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    idx = tmp_path / "ix"
    assert main(["--index", str(idx), "index", str(DOCS), "--procs", "1", "--progress"]) == 0
    cap = capsys.readouterr()
    assert "9 added" in cap.out
    assert "100%" in cap.err and "indexing docs.jsonl" in cap.err
    assert "writing the index to disk" in cap.err
    # The label says so when writing outlasts its estimate (a loaded machine).
    assert re.search(r"writing the index( \(longer than estimated\))?: 100%", cap.err)


def test_measure_plain_gzip_folder_and_missing(tmp_path: Path) -> None:
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b'{"id": "x"}\n\n{"id": "y"}')  # last line without newline
    gz = tmp_path / "b.jsonl.gz"
    gz.write_bytes(gzip.compress(b'{"id": "z"}\n' * 5))
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "one.txt").write_text("第一条 内容", encoding="utf-8")
    (folder / "two.md").write_text("# t\n\ntext", encoding="utf-8")
    (folder / "skip.bin").write_bytes(b"\0" * 10)
    srcs = measure([plain, gz, folder, tmp_path / "missing.jsonl"])
    assert (srcs[0].nbytes, srcs[0].records) == (plain.stat().st_size, 3)
    assert (srcs[1].nbytes, srcs[1].records) == (60, 5)
    assert srcs[2].records == 2
    assert (
        srcs[2].nbytes == (folder / "one.txt").stat().st_size + (folder / "two.md").stat().st_size
    )
    assert (srcs[3].nbytes, srcs[3].records) == (None, None)


def test_bar_reaches_each_files_end_and_counts_when_unsized(tmp_path: Path) -> None:
    a = tmp_path / "a.jsonl"
    a.write_text("1\n2\n3\n4\n", encoding="utf-8")
    b = tmp_path / "b.jsonl"
    b.write_text("5\n6\n", encoding="utf-8")

    def read(paths: list[Path]):
        for p in paths:
            # One record fewer than lines: the bar must still end exactly at the file's end.
            yield from p.read_text(encoding="utf-8").split()[:-1]

    out = io.StringIO()
    prog = IndexProgress([a, b], file=out)
    seen = []
    for item in prog.items(read):
        seen.append((item, prog.bar.n))
    assert [s[0] for s in seen] == ["1", "2", "3", "5"]
    # Each record advances by its file's average bytes per line (8 bytes / 4 lines).
    assert [s[1] for s in seen] == [0, 2, 4, 8]
    assert prog.bar is None  # closed at the end of the input
    assert "writing the index to disk (estimated" in out.getvalue()
    assert prog.writing is not None  # the countdown runs until the index is written
    prog.close()
    prog.close()  # idempotent
    assert prog.writing is None
    assert "writing the index: 100%" in out.getvalue()

    out = io.StringIO()
    prog = IndexProgress([a, tmp_path / "missing.jsonl"], file=out)
    assert prog.bar.total is None
    items = list(prog.items(lambda ps: iter(["r"] if ps[0] == a else [])))
    assert items == ["r"]
    prog.close()  # idempotent
    assert "1 records" in out.getvalue()


def test_index_in_a_pseudo_terminal_draws_the_bar(tmp_path: Path) -> None:
    """A terminal on stderr shows the bar without --progress; the run ends with code 0."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", COLUMNS="100")
    env.pop("DUIZHAO_INDEX", None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "--index", str(tmp_path / "ix"), "index", str(DOCS)],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=env,
    )
    os.close(follower)
    chunks = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                # Exited while select waited: what it wrote last may still be unread.
                chunks += _drain(leader)
                break
        code = proc.wait(timeout=REACT_WITHIN)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert code == 0, text
    assert "\r" in text and "100%" in text and "indexing docs.jsonl" in text
    assert "9 added" in text
