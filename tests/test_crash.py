"""SIGKILL trials against real indexing processes (slow; about a minute and a half).

Trial code is shared with benchmarks/crash_bench.py, which runs bigger numbers. Each
trial checks: the index opens and passes a full checksum check, nothing acknowledged
is lost, no half batch is visible, the writer lock is free within a second, and a
re-run completes without duplicates.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import segmenter

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "crash_bench", ROOT / "benchmarks" / "crash_bench.py"
)
cb = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("crash_bench", cb)
_spec.loader.exec_module(cb)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _plain_segmenter() -> None:
    segmenter.configure([])


def test_random_and_injected_kills() -> None:
    """120 kills aimed at random moments of a commit (add, update, merge; 6 of them with
    a two-process writer) plus 10 at each injected point."""
    r = cb.run_kill_trials(120, 10, procs2=6)
    assert r["trials"] == 160
    for point in ("random", "after_segment", "after_toc_temp", "after_rename", "during_cleanup"):
        assert r["by_point"][point] >= 10, r
    # Injected points always kill; random moments may land just after the commit (a
    # commit takes tens of milliseconds): at least 50 of them must hit it.
    assert r["killed"] >= 40 + 50, r
    assert r["max_lock_s"] < 1.0


def test_killed_two_process_writer_leaves_no_lock_holder(tmp_path: Path) -> None:
    """reliability.md: orphaned workers of writer(procs=2) held the lock forever."""
    ix = tmp_path / "ix"
    cb.build_base(ix)
    docs = [cb.make_doc(f"mp-{i}", words=200) for i in range(600)]
    bf = tmp_path / "batch.jsonl"
    bf.write_text("\n".join(json.dumps(cb.doc_dict(d), ensure_ascii=False) for d in docs), "utf-8")
    for _ in range(3):
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "crash_bench.py"),
                "--child",
                str(ix),
                str(bf),
                "0",
                "2",
            ],
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Kill while workers are indexing (well before the commit).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _children(proc.pid):
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert workers, "the writer started no worker processes"
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert cb.lock_free_within(ix, 1.0) < 1.0
        time.sleep(0.2)
        assert not [w for w in workers if _running(w)], "workers outlived their parent"


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_search_answers_from_last_commit_while_indexing(tmp_path: Path) -> None:
    """A real indexing process runs; searches in this process keep answering, always
    with a whole commit (before: the base documents; after: all of them)."""
    from index.whoosh_backend import WhooshBackend

    ix = tmp_path / "ix"
    base = cb.build_base(ix)
    docs = [cb.make_doc(f"bg-{i}", words=60) for i in range(400)]
    bf = tmp_path / "batch.jsonl"
    bf.write_text("\n".join(json.dumps(cb.doc_dict(d), ensure_ascii=False) for d in docs), "utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "crash_bench.py"),
            "--child",
            str(ix),
            str(bf),
            "0",
            "1",
        ],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    b = WhooshBackend(ix)
    sizes = []
    while proc.poll() is None:
        n = len(cb.state(b))  # reads the latest commit each time
        sizes.append(n)
        time.sleep(0.02)
    out = proc.stdout.read()
    proc.stdout.close()
    assert "ACK" in out
    sizes.append(len(cb.state(b)))
    assert set(sizes) <= {len(base), len(base) + 400}, sorted(set(sizes))
    assert sizes.count(len(base)) > 3  # searched while the run was going
    assert sizes[-1] == len(base) + 400
