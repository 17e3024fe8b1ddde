"""SIGKILL trials against real indexing processes (slow; about half a minute).

Every kill lands where the test decides: the child stops at an injected point
(``index.storage.crash_point``, reached through ``DUIZHAO_CRASH_AT``) and says so on a
socket, and the test kills it there. So each trial's outcome is known in advance and
asserted, whatever the machine's load. Random-moment kill campaigns are in
benchmarks/crash_bench.py, which shares this trial code and prints its figures.

Each trial checks: the index opens and passes a full checksum check, nothing
acknowledged is lost, no half batch is visible, the writer lock is free once the
writer and its workers are gone, and a re-run completes without duplicates.
Every child process is owned by ``crash_bench.Child``, which kills its whole process
group and reaps it on every path.
"""

from __future__ import annotations

import importlib.util
import itertools
import signal
import sys
from pathlib import Path

import pytest

from index import segmenter
from index.storage import CRASH_POINTS

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


def test_kills_at_every_injected_point() -> None:
    """Every injected point x add/update/merge x one- and two-process writer: 24 kills,
    each made by the test at the point, the batch committed exactly when the point is
    past the commit point (the TOC rename)."""
    r = cb.run_kill_trials(0, 3, procs=(1, 2))
    cases = set(itertools.product(CRASH_POINTS, cb.MODES, (1, 2)))
    assert len(r["cases"]) == len(cases) and {tuple(c) for c in r["cases"]} == cases, r
    assert r["trials"] == len(cases), r
    assert r["killed"] == len(cases), r  # each trial was ended by our SIGKILL
    assert r["acked"] == 0, r  # ... before the writer acknowledged anything
    after_commit_point = [p for p in CRASH_POINTS if cb.committed_at(p)]
    assert after_commit_point == ["after_rename", "during_cleanup"]
    assert r["committed_before_kill"] == len(after_commit_point) * 3 * 2, r


def test_killed_two_process_writer_leaves_no_lock_holder(tmp_path: Path) -> None:
    """reliability.md: orphaned workers of writer(procs=2) held the lock forever. The
    writer is killed once both its workers exist (one of them with a job)."""
    from index.whoosh_backend import WhooshBackend

    ix = tmp_path / "ix"
    base = cb.build_base(ix)
    docs = [cb.make_doc(f"mp-{i}", words=200) for i in range(600)]
    bf = cb.write_batch(tmp_path / "batch.jsonl", docs)
    with cb.Child(cb.child_args(ix, bf, procs=2), points=("workers_started",)) as child:
        assert child.wait_point() == "workers_started"
        workers = cb.recorded_workers(ix)
        assert len(workers) == 2, workers
        assert all(cb.alive(*w) for w in workers), "a worker is not running"
        assert child.kill() == -signal.SIGKILL
        cb.wait_gone(workers)  # they die with their parent; nobody here kills them
        assert cb.lock_is_free(ix)
    b = WhooshBackend(ix)  # full verification; start-up recovery drops the orphans
    assert cb.state(b) == base
    b.add_documents(docs[:20], timeout=0.0)  # the lock is free: no waiting
    assert cb.state(b) == cb.expected_after(base, docs[:20])
    b.check()
    b.close()


def test_search_answers_from_last_commit_while_indexing(tmp_path: Path) -> None:
    """A real indexing process runs; searches in this process answer with a whole commit
    at every stage of it: half the batch handed over, the new TOC written but not yet
    renamed (the old commit), renamed (the new one), and after the acknowledgement."""
    from index.whoosh_backend import WhooshBackend

    ix = tmp_path / "ix"
    base = cb.build_base(ix)
    docs = [cb.make_doc(f"bg-{i}", words=60) for i in range(400)]
    after = cb.expected_after(base, docs)
    bf = cb.write_batch(tmp_path / "batch.jsonl", docs)
    out = tmp_path / "child.out"
    stages = {"mid_batch": base, "after_toc_temp": base, "after_rename": after}
    b = WhooshBackend(ix)
    seen = []
    with cb.Child(cb.child_args(ix, bf), points=tuple(stages), stdout=out) as child:
        for _ in stages:
            point = child.wait_point()
            seen.append(point)
            for _ in range(3):  # every search opens the latest commit
                assert cb.state(b) == stages[point], point
            child.go_on()
        assert child.wait_point() == ""  # no further stop: it ran to the end
        assert child.wait() == 0
    assert seen == list(stages)
    assert "ACK" in out.read_text()
    assert cb.state(b) == after
    b.close()
