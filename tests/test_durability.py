"""Durability of the index: fsync order, checksums, recovery, disk errors, lock handling.

Covers index/storage.py and index/integrity.py through WhooshBackend. The SIGKILL
trials are in test_crash.py (slow); the trial code is shared with
benchmarks/crash_bench.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mounts import small_tmpfs
from procs import REACT_WITHIN, owned_process

from index import integrity, segmenter
from index.errors import IndexBusy, IndexCorrupt
from index.integrity import IndexNotAllowed, IndexWriteFailed
from index.whoosh_backend import WhooshBackend

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "crash_bench", ROOT / "benchmarks" / "crash_bench.py"
)
cb = importlib.util.module_from_spec(_spec)
sys.modules["crash_bench"] = cb
_spec.loader.exec_module(cb)


@pytest.fixture(autouse=True)
def _plain_segmenter() -> None:
    segmenter.configure([])


@pytest.fixture
def small_index(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "ix"
    return path, cb.build_base(path, commits=3)


def whoosh_files(ix: Path) -> set[str]:
    return {p.name for p in (ix / "whoosh").iterdir()}


def segment_data_files(ix: Path) -> list[Path]:
    """The files of committed segments (plain segments have several: .trm, .pst, .col ...)."""
    return [
        p
        for p in (ix / "whoosh").iterdir()
        if p.name.startswith("MAIN_")
        and p.suffix not in (".toc", ".json")
        and ".toc." not in p.name
    ]


# --- 1. fsync order ----------------------------------------------------------------


def test_fsync_order_over_100_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file of a commit is fsynced, then the folder, before the TOC rename; the
    folder again after it; all before add_documents returns."""
    b = WhooshBackend(tmp_path / "ix", create=True)
    wdir = str((tmp_path / "ix" / "whoosh").resolve())
    events: list[tuple[str, str]] = []
    real_fsync, real_rename = os.fsync, os.rename

    def spy_fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def spy_rename(a, b_, *args, **kw):
        events.append(("rename", f"{a} -> {b_}"))
        return real_rename(a, b_, *args, **kw)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "rename", spy_rename)
    commits = 0
    synced_earlier: set[str] = set()
    for i in range(100):
        events.clear()
        if i % 10 == 9:
            b.delete_documents([f"d{i - 1}"])
        else:
            b.add_documents([cb.make_doc(f"d{i}", words=3)], optimize=i % 25 == 24)
        events.append(("ack", ""))
        toc_renames = [k for k, (e, a) in enumerate(events) if e == "rename" and ".toc." in a]
        assert len(toc_renames) == 1, events
        r = toc_renames[0]
        tmp, final = events[r][1].split(" -> ")
        gen = int(re.search(r"_MAIN_(\d+)\.toc$", final).group(1))
        manifest = integrity.load_manifest(wdir, gen)
        before = {a for e, a in events[:r] if e == "fsync"}
        after = [a for e, a in events[r + 1 :] if e == "fsync"]
        # The TOC temp file and the manifest are on disk before the commit point ...
        assert os.path.realpath(tmp) in before
        assert any(a.endswith(f"duizhao-manifest-{gen}.json.tmp") for a in before)
        # ... and so is every segment file of the generation (synced now or by an
        # earlier commit, which this spy also saw).
        for name in manifest["files"]:
            assert os.path.join(wdir, name) in before or name in synced_earlier, name
        # The folder was synced after the manifest and before the rename ...
        last_dir_before = max(k for k, (e, a) in enumerate(events[:r]) if a == wdir)
        manifest_sync = max(
            k for k, (e, a) in enumerate(events[:r]) if a.endswith(".json.tmp") and e == "fsync"
        )
        assert last_dir_before > manifest_sync
        # ... and after the rename, before the caller got its answer.
        assert wdir in after
        synced_earlier.update(n for n in manifest["files"])
        commits += 1
    assert commits == 100
    assert len(cb.state(b)) == 80  # 90 added, 10 deleted


def test_fsync_cost_is_measured() -> None:
    cost = cb.fsync_cost(5)
    assert cost["fsyncs_per_commit"] >= 4  # segment, TOC temp, manifest, folder x2
    assert {"with_fsync_ms", "without_fsync_ms"} <= set(cost)  # figures, not asserted


# --- 2. checksums ---------------------------------------------------------------------


def test_100_random_corruptions_all_detected() -> None:
    r = cb.run_corruptions(100)
    assert r["detected"] == 100, r["missed"]
    assert set(r["kinds"]) == {"flip", "truncate", "zero", "delete"}


def test_corrupt_segment_is_a_clear_error_with_rebuild_hint(small_index) -> None:
    ix, _ = small_index
    seg = max(segment_data_files(ix), key=lambda p: p.stat().st_size)
    data = bytearray(seg.read_bytes())
    data[len(data) // 2] ^= 0x40
    seg.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt) as ei:
        WhooshBackend(ix)
    assert seg.name in ei.value.message and "checksum" in ei.value.message
    assert "--rebuild" in ei.value.hint
    assert ei.value.status == 503


def test_size_mode_misses_flips_but_check_finds_them(small_index) -> None:
    ix, st = small_index
    seg = max(segment_data_files(ix), key=lambda p: p.stat().st_size)
    data = bytearray(seg.read_bytes())
    data[100] ^= 1
    seg.write_bytes(bytes(data))
    b = WhooshBackend(ix, verify="size")  # sizes only: opens
    with pytest.raises(IndexCorrupt):
        b.check()


def test_cli_search_on_damaged_index_says_so_without_traceback(small_index) -> None:
    ix, _ = small_index
    toc = next(p for p in (ix / "whoosh").iterdir() if p.name.endswith(".toc"))
    toc.write_bytes(toc.read_bytes()[:-5])
    p = subprocess.run(
        [sys.executable, "-m", "web.cli", "--index", str(ix), "search", "数据"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode != 0
    assert "damaged" in p.stderr + p.stdout and "--rebuild" in p.stderr + p.stdout
    assert "Traceback" not in p.stderr


def _crafted_toc(ix: Path, marker: Path) -> None:
    """Replace the latest TOC's schema with a pickle that runs a command, and (as an
    attacker who can write the folder would) write a matching manifest."""
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    wdir = ix / "whoosh"
    toc = next(p for p in wdir.iterdir() if re.match(r"_MAIN_\d+\.toc$", p.name))
    gen = int(re.search(r"(\d+)", toc.name).group(1))
    from whoosh.filedb.structfile import StructFile

    s = StructFile(open(toc, "rb"))  # noqa: SIM115
    head = [s.read_varint() for _ in range(3)] + [s.read_int(), s.read_int()]
    rel = [s.read_varint() for _ in range(3)]
    s.read_string()
    rest = s.file.read()
    s.close()
    import io

    buf = io.BytesIO()
    out = StructFile(buf)
    for v in head[:3]:
        out.write_varint(v)
    out.write_int(head[3])
    out.write_int(head[4])
    for v in rel:
        out.write_varint(v)
    out.write_string(pickle.dumps(Evil(), 2))
    buf.write(rest)
    toc.write_bytes(buf.getvalue())
    m = integrity.load_manifest(wdir, gen)
    integrity.write_manifest(wdir, gen, list(m["files"]), toc.name, toc.name)


def test_crafted_toc_does_not_run_code(small_index, tmp_path: Path) -> None:
    ix, _ = small_index
    marker = tmp_path / "pwned"
    _crafted_toc(ix, marker)
    with pytest.raises(IndexCorrupt) as ei:
        WhooshBackend(ix)
    assert "not allowed" in ei.value.message
    assert not marker.exists()
    # Same without any manifest (an "old" index): still refused, still no code run.
    for p in (ix / "whoosh").glob("duizhao-manifest-*"):
        p.unlink()
    meta = json.loads((ix / "duizhao.json").read_text())
    meta.pop("manifests")
    (ix / "duizhao.json").write_text(json.dumps(meta))
    with pytest.raises(IndexCorrupt):
        WhooshBackend(ix)
    assert not marker.exists()


def test_restrict_to_pins_the_configured_folder(small_index, tmp_path: Path) -> None:
    ix, _ = small_index
    other = tmp_path / "other"
    shutil.copytree(ix, other)
    integrity.restrict_to(ix)
    try:
        WhooshBackend(ix).close()
        with pytest.raises(IndexNotAllowed):
            WhooshBackend(other)
        with pytest.raises(IndexNotAllowed):
            WhooshBackend(ix / ".." / "other")
    finally:
        integrity.restrict_to()
    WhooshBackend(other).close()


def test_legacy_index_is_adopted(small_index) -> None:
    """An index from before manifests gets one on first open (writable folder)."""
    ix, st = small_index
    for p in (ix / "whoosh").glob("duizhao-manifest-*"):
        p.unlink()
    meta = json.loads((ix / "duizhao.json").read_text())
    meta.pop("manifests")
    (ix / "duizhao.json").write_text(json.dumps(meta))
    b = WhooshBackend(ix)
    assert cb.state(b) == st
    assert json.loads((ix / "duizhao.json").read_text())["manifests"] == 1
    assert list((ix / "whoosh").glob("duizhao-manifest-*.json"))
    b.check()


# --- 3. start-up recovery ------------------------------------------------------------------


def test_leftovers_are_cleaned_on_open(small_index) -> None:
    ix, st = small_index
    w = ix / "whoosh"
    clean = whoosh_files(ix)
    gen = max(int(m.group(1)) for n in clean if (m := re.match(r"_MAIN_(\d+)\.toc$", n)))
    (w / f"_MAIN_{gen + 1}.toc.1234.5").write_bytes(b"half a toc")
    (w / "MAIN_orphan0000000000.seg").write_bytes(b"x" * 100)
    (w / "MAIN_orphan1111111111.pst").write_bytes(b"x" * 100)
    (w / f"duizhao-manifest-{gen + 1}.json").write_bytes(b"{}")
    (w / "MAIN.tmp").mkdir()
    (w / "MAIN.tmp" / "run1").write_bytes(b"x")
    b = WhooshBackend(ix)
    assert whoosh_files(ix) - {"duizhao-writer.json"} == clean - {"duizhao-writer.json"}
    assert cb.state(b) == st


def test_leftovers_stay_while_a_writer_holds_the_lock(small_index) -> None:
    ix, _ = small_index
    orphan = ix / "whoosh" / "MAIN_orphan0000000000.seg"
    orphan.write_bytes(b"x")
    with held_lock(ix):
        WhooshBackend(ix).close()
        assert orphan.exists()  # maybe a live writer's segment: not ours to delete
    WhooshBackend(ix).close()
    assert not orphan.exists()


@pytest.mark.parametrize("stage", ["no_toc", "no_meta", "temp_toc_only"])
def test_index_killed_during_first_creation_is_recreated(tmp_path: Path, stage: str) -> None:
    ix = tmp_path / "ix"
    (ix / "whoosh").mkdir(parents=True)
    if stage == "no_meta":
        WhooshBackend(ix, create=True).close()
        (ix / "duizhao.json").unlink()
    elif stage == "temp_toc_only":
        (ix / "whoosh" / "_MAIN_0.toc.17.5").write_bytes(b"partial")
        (ix / "whoosh" / "MAIN_WRITELOCK").write_bytes(b"")
    b = WhooshBackend(ix, create=True)
    b.add_documents([cb.make_doc("a")])
    assert set(cb.state(b)) == {"a"}
    assert not any(".toc." in n for n in whoosh_files(ix))


def test_lost_settings_file_never_wipes_documents(small_index) -> None:
    ix, _ = small_index
    (ix / "duizhao.json").unlink()
    with pytest.raises(IndexCorrupt):
        WhooshBackend(ix, create=True)
    assert segment_data_files(ix)


@contextlib.contextmanager
def held_lock(ix: Path) -> Iterator[subprocess.Popen]:
    """A separate process holding the writer lock until killed (or the block ends: it is
    owned by ``owned_process``, which kills and reaps it on every path)."""
    code = (
        "import sys,time\n"
        "from whoosh.util.filelock import FileLock\n"
        f"l=FileLock({str(ix / 'whoosh' / 'MAIN_WRITELOCK')!r}); assert l.acquire()\n"
        "print('locked', flush=True); time.sleep(600)\n"
    )
    with owned_process([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as p:
        assert p.stdout.readline().strip() == "locked"
        yield p


def test_lock_held_by_orphaned_workers_is_released(small_index) -> None:
    """The recorded owner is dead but a recorded worker still holds the lock: the next
    writer kills the worker and goes ahead (how fast is the benchmark's business)."""
    ix, st = small_index
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    with held_lock(ix) as holder:
        rec = {
            "pid": int(dead.stdout),
            "start": "1",
            "workers": [[holder.pid, integrity._start_time(holder.pid)]],
            "since": time.time(),
        }
        (ix / "whoosh" / integrity.OWNER_FILE).write_text(json.dumps(rec))
        b = WhooshBackend(ix)
        # An upper bound only: the holder would keep the lock for 600 s unless killed.
        b.add_documents([cb.make_doc("after-orphans")], timeout=60)
        assert holder.wait(timeout=REACT_WITHIN) == -signal.SIGKILL  # killed by the writer, not us
    assert set(cb.state(b)) == set(st) | {"after-orphans"}


def test_live_lock_owner_is_never_killed(small_index) -> None:
    ix, _ = small_index
    with held_lock(ix) as holder:
        rec = {"pid": holder.pid, "start": integrity._start_time(holder.pid), "workers": []}
        (ix / "whoosh" / integrity.OWNER_FILE).write_text(json.dumps(rec))
        b = WhooshBackend(ix)
        with pytest.raises(IndexBusy) as ei:
            b.add_documents([cb.make_doc("x")], timeout=0.5)
        assert holder.pid in ei.value.details["holders"]
        assert holder.poll() is None


# --- 4. disk full and read-only ----------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "small", "2m") as d:
        yield d


def test_disk_full_keeps_previous_index_and_recovers(tmpfs: Path) -> None:
    ix = tmpfs / "ix"
    b = WhooshBackend(ix, create=True)
    b.add_documents([cb.make_doc(f"small-{i}") for i in range(3)])
    before = cb.state(b)
    files_before = whoosh_files(ix)
    filler = tmpfs / "filler"
    free = shutil.disk_usage(tmpfs).free
    filler.write_bytes(b"\0" * max(0, free - 150_000))
    big = [cb.make_doc(f"big-{i}", words=400) for i in range(60)]
    with pytest.raises(IndexWriteFailed) as ei:
        b.add_documents(big)
    assert "full" in ei.value.message and "intact" in ei.value.message
    # Previous commit intact, lock released, partial files removed.
    assert cb.state(WhooshBackend(ix)) == before
    assert cb.lock_is_free(ix)
    assert whoosh_files(ix) - {"duizhao-writer.json"} == files_before - {"duizhao-writer.json"}
    filler.unlink()
    b = WhooshBackend(ix)
    b.add_documents(big)
    assert len(cb.state(b)) == 63
    b.check()


def test_read_only_folder_is_a_clear_error(tmpfs: Path) -> None:
    ix = tmpfs / "ix"
    b = WhooshBackend(ix, create=True)
    b.add_documents([cb.make_doc("a")])
    b.close()
    r = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot remount read-only")
    b = WhooshBackend(ix)  # reading still works
    assert set(cb.state(b)) == {"a"}
    with pytest.raises(IndexWriteFailed) as ei:
        b.add_documents([cb.make_doc("b")])
    assert "not writable" in ei.value.message
    subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], capture_output=True)
    b = WhooshBackend(ix)
    b.add_documents([cb.make_doc("b")])
    assert set(cb.state(b)) == {"a", "b"}


# --- 5. two writers ---------------------------------------------------------------------------


def test_second_writer_waits_then_proceeds(small_index) -> None:
    import threading

    ix, st = small_index
    b = WhooshBackend(ix)
    with held_lock(ix) as holder:
        with pytest.raises(IndexBusy):
            b.add_documents([cb.make_doc("w2")], timeout=0.0)
        errors: list[BaseException] = []

        def second_writer() -> None:
            try:
                b.add_documents([cb.make_doc("w2")], timeout=120)  # an upper bound only
            except BaseException as e:
                errors.append(e)

        t = threading.Thread(target=second_writer)
        t.start()
        try:
            # While the holder lives, the writer cannot finish: still waiting, however
            # long we look (so this wait is not a measurement).
            t.join(0.5)
            assert t.is_alive() and not errors, errors
            assert set(cb.state(WhooshBackend(ix))) == set(st)
            holder.kill()
            holder.wait()
        finally:
            t.join(120)
    assert not t.is_alive() and not errors, errors
    assert set(cb.state(b)) == set(st) | {"w2"}


# --- 7. power loss ------------------------------------------------------------------------------


def test_power_loss_keeps_last_acknowledged_commit_quick() -> None:
    r = cb.run_power_loss(15, seed=11)
    assert sum(r["outcomes"].values()) == 15
    assert set(r["outcomes"]) <= {"acknowledged", "in-flight commit, complete"}


@pytest.mark.slow
def test_power_loss_200_trials() -> None:
    r = cb.run_power_loss(200)
    assert sum(r["outcomes"].values()) == 200
    assert r["outcomes"].get("acknowledged", 0) > 50
    assert set(r["outcomes"]) <= {"acknowledged", "in-flight commit, complete"}


def test_power_loss_model_catches_a_missing_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulation is strict enough to fail when the folder fsync after the TOC
    rename is skipped... or when segment files are not synced: drop the file fsyncs
    and some trial must lose the acknowledged commit."""
    from index import storage

    monkeypatch.setattr(storage, "fsync_file", lambda path: None)
    with pytest.raises((AssertionError, IndexCorrupt)):
        cb.run_power_loss(60, seed=3)
