"""Crash, power-loss, corruption and fsync-cost trials for the index (issue 6).

Place in the flow: exercises ``index.whoosh_backend.WhooshBackend`` through
``index.storage`` / ``index.integrity`` the way a real indexing run does. The tests
(tests/test_crash.py, tests/test_durability.py) import the trial functions from here
with small counts; run this file for the big numbers::

    python benchmarks/crash_bench.py [--kills 200] [--points 40] [--power 1000]
                                     [--corrupt 500] [--commits 100]   (0 skips a part)

Kill trials SIGKILL a real indexing child process (``--child``), with a one- or
two-process writer, for add, update and merge runs, either at an injected point (the
child stops there through ``DUIZHAO_CRASH_AT``/``DUIZHAO_CRASH_FD`` and is killed
there: what the tests use) or at a random moment of its commit (the scheduler decides
where it lands: figures here only). Each trial checks: the index opens and passes a
full checksum check, nothing acknowledged is lost, no half batch is visible, the
writer lock is free once the writer and its workers are gone, and a re-run completes
without duplicates. The random-moment figures (how many kills landed inside a commit,
seconds until the lock was free) are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index.document import Document  # noqa: E402

MODES = ("add", "update", "merge")
WORDS = [
    "数据",
    "安全",
    "平台",
    "经济",
    "个人信息",
    "保护",
    "政府",
    "采购",
    "生态",
    "环境",
    "财政",
    "预算",
    "监管",
    "市场",
]


# --- tiny corpora ------------------------------------------------------------------


def make_doc(doc_id: str, version: int = 0, words: int = 12) -> Document:
    rnd = random.Random(f"{doc_id}/{version}")
    body = "\n\n".join(
        f"第{n}条 " + "".join(rnd.choice(WORDS) for _ in range(words)) + f"，版本{version}。"
        for n in range(1, 4)
    )
    return Document(id=doc_id, title=f"测试规定{doc_id}", body=body)


def doc_dict(d: Document) -> dict:
    return {"id": d.id, "title": d.title, "body": d.body}


def batch_for(mode: str, trial: int) -> tuple[list[Document], bool]:
    """(documents, optimize) for one run: ``add`` adds 4 new documents, ``update``
    changes 3 base documents and adds one, ``merge`` adds 2 and merges all segments."""
    if mode == "add":
        return [make_doc(f"new-{trial}-{i}") for i in range(4)], False
    if mode == "update":
        return [make_doc(f"base-{i}", version=trial + 1) for i in range(3)] + [
            make_doc(f"new-{trial}-0")
        ], False
    return [make_doc(f"new-{trial}-{i}") for i in range(2)], True


def state(backend) -> dict[str, str]:
    """doc_id -> content hash, and a check that no document appears twice."""
    seen: dict[str, str] = {}
    with backend.ix.searcher() as s:
        for docnum in s.document_numbers(head="1"):
            f = s.stored_fields(docnum)
            if f["doc_id"] in seen:
                raise AssertionError(f"duplicate document {f['doc_id']}")
            seen[f["doc_id"]] = f.get("hash", "")
    return seen


def expected_after(before: dict[str, str], docs: list[Document]) -> dict[str, str]:
    out = dict(before)
    for d in docs:
        out[d.id] = d.content_hash()
    return out


def build_base(path: Path, commits: int = 4) -> dict[str, str]:
    """A small index made by several commits (so it has several segments to merge)."""
    from index import segmenter
    from index.whoosh_backend import WhooshBackend

    segmenter.configure([])
    b = WhooshBackend(path, create=True)
    for c in range(commits):
        b.add_documents([make_doc(f"base-{c * 2 + i}") for i in range(2)])
    st = state(b)
    b.close()
    return st


# --- the child: a real indexing process -----------------------------------------------


def child_main(index_dir: str, batch_file: str, optimize: bool, procs: int) -> None:
    from index import segmenter
    from index.storage import crash_point
    from index.whoosh_backend import WhooshBackend

    segmenter.configure([])
    segmenter.initialize()
    docs = [
        Document(**json.loads(line)) for line in Path(batch_file).read_text("utf-8").splitlines()
    ]
    b = WhooshBackend(index_dir, verify="size")

    def announce(item: object) -> None:
        if item is docs[len(docs) // 2]:
            # Half the batch is handed over, nothing committed: a point a test can stop at.
            crash_point("mid_batch")
        if item is docs[-1]:
            # The last document is handed over: the commit follows.
            print("COMMIT", flush=True)

    b.add_documents(docs, optimize=optimize, procs=procs, on_item=announce)
    print("ACK", flush=True)


def child_args(index_dir: Path, batch_file: Path, optimize: bool = False, procs: int = 1) -> list:
    """The command line of an indexing child (``child_main``)."""
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(index_dir),
        str(batch_file),
        str(int(optimize)),
        str(procs),
    ]


def write_batch(path: Path, docs: list[Document]) -> Path:
    path.write_text("\n".join(json.dumps(doc_dict(d), ensure_ascii=False) for d in docs), "utf-8")
    return path


class Child:
    """A child process that this one owns, with the crash-hook socket when ``points``
    are given (``index.storage.crash_point``: the child stops at each of them, says
    which, and waits for us to kill it or let it go on).

    A context manager: on leaving it, on every path (pass, failure, timeout), the
    child's whole process group (its workers too) is SIGKILLed and the child reaped,
    so nothing outlives the trial or test that started it. ``timeout`` bounds every
    wait: a generous upper bound against a hang, never a measurement.
    """

    def __init__(
        self,
        args: list,
        *,
        points: tuple[str, ...] = (),
        stdout: Path | None = None,
        pipe_stdout: bool = False,
        timeout: float = 120.0,
    ) -> None:
        import socket

        self.timeout = timeout
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
        for k in ("DUIZHAO_CRASH_AT", "DUIZHAO_CRASH_FD", "DUIZHAO_CRASH_SKIP"):
            env.pop(k, None)
        self.sock = None
        theirs = None
        if points:
            self.sock, theirs = socket.socketpair()
            self.sock.settimeout(timeout)
            env["DUIZHAO_CRASH_AT"] = ",".join(points)
            env["DUIZHAO_CRASH_FD"] = str(theirs.fileno())
        self._out = open(stdout, "wb") if stdout else None  # noqa: SIM115 - closed in close()
        self._buf = b""
        try:
            self.proc = subprocess.Popen(
                args,
                env=env,
                pass_fds=(theirs.fileno(),) if theirs else (),
                start_new_session=True,  # its own group: the cleanup reaches its workers
                stdout=subprocess.PIPE if pipe_stdout else (self._out or subprocess.DEVNULL),
                stderr=subprocess.DEVNULL,
                text=pipe_stdout,
            )
        except BaseException:
            self._close_files()
            raise
        finally:
            if theirs is not None:
                theirs.close()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_point(self) -> str:
        """The next hook point the child stopped at ("" if it ended without one)."""
        assert self.sock is not None, "started without crash points"
        while b"\n" not in self._buf:
            chunk = self.sock.recv(256)  # raises TimeoutError after ``timeout``
            if not chunk:
                return ""
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode()

    def go_on(self) -> None:
        """Let the child continue from the point it stopped at."""
        assert self.sock is not None
        self.sock.sendall(b"g")

    def kill(self) -> int:
        """SIGKILL the child only (never its workers: they must die on their own) and
        reap it; returns its exit status (``-SIGKILL``)."""
        self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(timeout=self.timeout)

    def wait(self) -> int:
        return self.proc.wait(timeout=self.timeout)

    def close(self) -> None:
        try:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            self.proc.wait()
        finally:
            self._close_files()

    def _close_files(self) -> None:
        for f in (self.sock, self._out, getattr(getattr(self, "proc", None), "stdout", None)):
            if f is not None:
                f.close()


def recorded_workers(index_dir: Path) -> list[tuple[int, str]]:
    """(pid, start time) of the workers the lock-owner record names."""
    from index import integrity

    rec = integrity.lock_owner(index_dir / "whoosh") or {}
    return [(int(pid), str(start)) for pid, start in rec.get("workers", [])]


def alive(pid: int, start: str | None = None) -> bool:
    """Is ``pid`` (started at ``start``, if given: not a reused pid) running? A zombie
    is not: it has already closed its files, so it holds no lock."""
    from index import integrity

    try:
        st = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return st != "Z" and (start is None or integrity._start_time(pid) == start)


def wait_gone(workers: list[tuple[int, str]], timeout: float = 60.0) -> None:
    """Wait until none of ``workers`` runs; ``timeout`` is an upper bound against a hang."""
    deadline = time.monotonic() + timeout
    while [w for w in workers if alive(*w)]:
        if time.monotonic() > deadline:
            raise AssertionError(f"workers outlived their parent: {workers}")
        time.sleep(0.02)


def lock_is_free(index_dir: Path) -> bool:
    """Could the writer lock be taken right now (one try, no waiting)?"""
    from whoosh.util.filelock import FileLock

    lock = FileLock(str(index_dir / "whoosh" / "MAIN_WRITELOCK"))
    if lock.acquire():
        lock.release()
        return True
    return False


def lock_free_within(index_dir: Path, seconds: float = 1.0) -> float:
    """Seconds until the writer lock could be taken; raises if not within ``seconds``
    (a figure for the benchmark; tests use :func:`lock_is_free`)."""
    t0 = time.monotonic()
    while not lock_is_free(index_dir):
        if time.monotonic() - t0 > seconds:
            raise AssertionError(f"writer lock still held after {seconds}s")
        time.sleep(0.01)
    return time.monotonic() - t0


def committed_at(point: str) -> bool:
    """Is the batch committed when the writer stops at ``point``? (The TOC rename, the
    commit point, comes between ``after_toc_temp`` and ``after_rename``.)"""
    from index.storage import CRASH_POINTS

    return CRASH_POINTS.index(point) >= CRASH_POINTS.index("after_rename")


def kill_trial(
    base: Path,
    base_state: dict[str, str],
    work: Path,
    mode: str,
    trial: int,
    *,
    point: str | None = None,
    procs: int = 1,
    rng: random.Random | None = None,
) -> dict[str, object]:
    """One SIGKILL trial; raises AssertionError on any broken guarantee.

    With ``point`` the child stops at that injected point and this process kills it
    there, so what happens is decided here: the kill always lands, and the batch is
    committed exactly when the point is past the commit point. Without it (the
    benchmark's random moments) the kill comes a random delay after the child says its
    commit begins, and the scheduler decides where it lands.
    """
    from index.whoosh_backend import WhooshBackend

    ix = work / f"t{trial}"
    shutil.copytree(base, ix)
    docs, optimize = batch_for(mode, trial)
    bf = write_batch(work / f"t{trial}.jsonl", docs)
    out_file = work / f"t{trial}.out"
    args = child_args(ix, bf, optimize, procs)
    where = f"trial {trial} ({mode}, procs={procs}, {point or 'random'})"
    if point:
        with Child(args, points=(point,), stdout=out_file) as child:
            reached = child.wait_point()
            if reached != point:
                raise AssertionError(f"{where}: the writer ended without reaching {point}")
            workers = recorded_workers(ix)
            status = child.kill()
            # Its workers die with it (they are not killed here) ...
            wait_gone(workers)
            # ... and then nothing holds the writer lock: free at the first try.
            if not lock_is_free(ix):
                raise AssertionError(f"{where}: the writer lock is held after the kill")
        out = out_file.read_text()
        t_lock = 0.0
    else:
        rng = rng or random.Random(trial)
        with Child(args, pipe_stdout=True) as child:
            assert child.proc.stdout is not None
            line = child.proc.stdout.readline()
            if line.startswith("COMMIT"):
                # A random moment inside the commit (commits here take ~10-100 ms).
                time.sleep(rng.uniform(0.0, 0.08 if procs == 1 else 0.4))
            status = child.kill()
            out, _ = child.proc.communicate(timeout=child.timeout)
            t_lock = lock_free_within(ix, 1.0)
    acked = "ACK" in out
    killed = status == -signal.SIGKILL
    after = expected_after(base_state, docs)
    b = WhooshBackend(ix)  # full verification on open
    got = state(b)
    if acked and got != after:
        raise AssertionError(f"{where}: acknowledged batch lost")
    if got not in (base_state, after):
        raise AssertionError(f"{where}: half a batch is visible")
    committed = got == after and got != base_state
    if point and (not killed or acked or committed != committed_at(point)):
        raise AssertionError(
            f"{where}: killed={killed} acked={acked} committed={committed}, "
            f"expected a kill before the acknowledgement, committed={committed_at(point)}"
        )
    b.check()
    # The re-run completes the work without duplicates.
    b.add_documents(docs, optimize=optimize)
    got2 = state(b)
    if got2 != after:
        raise AssertionError(f"{where}: re-run gave another state")
    b.close()
    shutil.rmtree(ix, ignore_errors=True)
    return {"killed": killed, "acked": acked, "committed": committed, "lock_s": t_lock}


def run_kill_trials(
    n_random: int,
    n_per_point: int,
    *,
    workers: int = 2,
    seed: int = 6,
    procs2: int = 0,
    procs: tuple[int, ...] = (1, 2),
) -> dict[str, object]:
    """Random-moment kills (``n_random`` spread over add/update/merge, ``procs2`` of
    them with a 2-process writer) plus, for each injected point and each writer in
    ``procs``, ``n_per_point`` kills spread over add/update/merge. Returns counts;
    raises AssertionError on the first failure."""
    from concurrent.futures import ThreadPoolExecutor

    from index.storage import CRASH_POINTS

    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="duizhao-crash-"))
    try:
        base = work / "base"
        base_state = build_base(base)
        jobs: list[tuple[str, str | None, int]] = []
        for i in range(n_random):
            jobs.append((MODES[i % 3], None, 2 if i < procs2 else 1))
        for point in CRASH_POINTS:
            for p in procs:
                for i in range(n_per_point):
                    jobs.append((MODES[i % 3], point, p))
        results: list[dict[str, object]] = []

        def one(k: int) -> dict[str, object]:
            mode, point, n_procs = jobs[k]
            r = kill_trial(
                base, base_state, work, mode, k, point=point, procs=n_procs,
                rng=random.Random(rng.random() + k),
            )  # fmt: skip
            r.update(mode=mode, point=point or "random", procs=n_procs)
            return r

        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as ex:
            results = list(ex.map(one, range(len(jobs))))
        by_point: dict[str, int] = {}
        for r in results:
            by_point[str(r["point"])] = by_point.get(str(r["point"]), 0) + 1
        rand = [r for r in results if r["point"] == "random"]
        return {
            "trials": len(results),
            "killed": sum(1 for r in results if r["killed"]),
            "committed_before_kill": sum(1 for r in results if r["committed"]),
            "acked": sum(1 for r in results if r["acked"]),
            "by_point": by_point,
            "cases": sorted({(str(r["point"]), str(r["mode"]), int(r["procs"])) for r in results}),
            "random_killed": sum(1 for r in rand if r["killed"]),
            "random_committed_before_kill": sum(1 for r in rand if r["committed"]),
            "max_lock_s": round(max(float(r["lock_s"]) for r in results), 3),
            "seconds": round(time.perf_counter() - t0, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- simulated power loss -------------------------------------------------------------


class PowerCut(BaseException):
    """The machine stopped (raised at the chosen event; BaseException so nothing
    in the code under test swallows it)."""


class PowerLossRecorder:
    """Records what an OS crash could keep: file contents as of their last fsync, and
    each folder's names as of its last fsync. The image built at the cut is one
    possible disk after the power loss: unsynced names may or may not survive (per
    file, so a rename is either done or not), and unsynced data is dropped, zeroed,
    truncated or kept.

    Events are fsync, rename, replace, unlink and remove calls; the cut happens just
    before the chosen one. Files are tracked by an id rather than their inode number,
    because a deleted file's inode number is soon reused.
    """

    def __init__(self, root: Path, rng: random.Random, cut_at: int | None) -> None:
        self.root = root
        self.dirs = [root, root / "whoosh"]
        self.rng = rng
        self.cut_at = cut_at
        self.events = 0
        self._fid: dict[int, int] = {}  # live inode -> file id
        self._next = 0
        self.synced: dict[int, bytes] = {}  # file id -> content at its last fsync
        self.names: dict[Path, dict[str, int]] = {}  # folder -> durable name -> file id
        self.image_dir: Path | None = None
        self.damage: dict[str, int] = {}
        for d in self.dirs:
            self.names[d] = self._listing(d)
            for n, fid in self.names[d].items():
                self.synced[fid] = (d / n).read_bytes()
        self._saved: dict[str, object] = {}

    def _file_id(self, ino: int) -> int:
        if ino not in self._fid:
            self._next += 1
            self._fid[ino] = self._next
        return self._fid[ino]

    def _listing(self, d: Path) -> dict[str, int]:
        out = {}
        for n in os.listdir(d):
            st = os.lstat(d / n)
            if stat.S_ISREG(st.st_mode):
                out[n] = self._file_id(st.st_ino)
        return out

    def _forget(self, path: object) -> int | None:
        try:
            return os.lstat(path).st_ino  # type: ignore[arg-type]
        except (OSError, TypeError):
            return None

    def __enter__(self) -> PowerLossRecorder:
        real = {k: getattr(os, k) for k in ("fsync", "rename", "replace", "unlink", "remove")}
        self._saved = real

        def fsync(fd: int) -> None:
            # The model decides what survives, so the real (slow) fsync is skipped.
            self._tick()
            if self.image_dir is None:
                self._record(fd)

        def wrap(name: str):
            def f(*a, **k):
                self._tick()
                # The file unlinked (or replaced by a rename) frees its inode number.
                victim = a[1] if name in ("rename", "replace") else a[0]
                ino = None if k.get("dir_fd") is not None else self._forget(victim)
                r = real[name](*a, **k)
                if ino is not None:
                    self._fid.pop(ino, None)
                return r

            return f

        os.fsync = fsync  # type: ignore[assignment]
        for k in ("rename", "replace", "unlink", "remove"):
            setattr(os, k, wrap(k))
        return self

    def __exit__(self, *exc: object) -> None:
        for k, v in self._saved.items():
            setattr(os, k, v)

    def _record(self, fd: int) -> None:
        st = os.fstat(fd)
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        if stat.S_ISDIR(st.st_mode):
            if path in self.names:
                self.names[path] = self._listing(path)
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                self.synced[self._file_id(st.st_ino)] = f.read()

    def _tick(self) -> None:
        if self.image_dir is not None:
            return
        self.events += 1
        if self.cut_at is not None and self.events == self.cut_at:
            self.image_dir = Path(tempfile.mkdtemp(prefix="duizhao-powerloss-"))
            self._build_image(self.image_dir)
            raise PowerCut

    def _build_image(self, dest: Path) -> None:
        rng = self.rng
        for d in self.dirs:
            out = dest / d.relative_to(self.root)
            out.mkdir(parents=True, exist_ok=True)
            durable = self.names[d]
            current = self._listing(d) if d.exists() else {}
            for fid in set(durable.values()) | set(current.values()):
                dn = sorted(n for n, i in durable.items() if i == fid)
                cn = sorted(n for n, i in current.items() if i == fid)
                names = cn if dn == cn or rng.random() < 0.5 else dn
                if not names:
                    continue
                synced = self.synced.get(fid, b"")
                cur = (d / cn[0]).read_bytes() if cn else synced
                data = cur
                if cur != synced:
                    how = rng.choice(("drop", "zero", "truncate", "keep"))
                    self.damage[how] = self.damage.get(how, 0) + 1
                    if how == "drop":
                        data = synced
                    elif how == "zero":
                        data = synced + b"\0" * max(0, len(cur) - len(synced))
                    elif how == "truncate":
                        data = cur[: rng.randrange(0, len(cur) + 1)]
                for n in names:
                    (out / n).write_bytes(data)


def power_loss_trial(base: Path, base_state: dict[str, str], work: Path, trial: int, rng, cut_at):
    """Run add / update / delete / merge commits with the recorder, cut the power at
    event ``cut_at``, and check the image holds the last acknowledged commit (or the
    one in flight, complete). Returns (events seen, image state kind)."""
    from index.whoosh_backend import WhooshBackend

    ix = work / f"p{trial}"
    shutil.copytree(base, ix)
    b = WhooshBackend(ix, verify="size")
    acked = dict(base_state)
    steps: list[tuple[str, list[Document], bool]] = [
        ("add", [make_doc(f"pa-{trial}-{i}") for i in range(3)], False),
        ("update", [make_doc("base-1", version=trial + 7)], False),
        ("delete", [make_doc("base-2")], False),
        ("merge", [make_doc(f"pm-{trial}")], True),
    ]
    inflight = acked
    rec = PowerLossRecorder(ix, rng, cut_at)
    try:
        with rec:
            for kind, docs, optimize in steps:
                if kind == "delete":
                    inflight = {k: v for k, v in acked.items() if k != docs[0].id}
                    b.delete_documents([docs[0].id])
                else:
                    inflight = expected_after(acked, docs)
                    b.add_documents(docs, optimize=optimize)
                acked = inflight
    except PowerCut:
        pass
    b.close()
    if rec.image_dir is None:
        shutil.rmtree(ix, ignore_errors=True)
        return rec.events, "no cut"
    img = rec.image_dir
    try:
        b2 = WhooshBackend(img)
        got = state(b2)
        if got == acked:
            kind = "acknowledged"
        elif got == inflight:
            kind = "in-flight commit, complete"
        else:
            raise AssertionError(
                f"power-loss trial {trial} (cut at event {cut_at}): the image holds neither "
                "the acknowledged commit nor the one in flight"
            )
        b2.check()
        b2.add_documents([make_doc(f"after-{trial}")])
        if state(b2) != expected_after(got, [make_doc(f"after-{trial}")]):
            raise AssertionError(f"power-loss trial {trial}: writing after recovery failed")
        b2.close()
        return rec.events, kind
    finally:
        shutil.rmtree(img, ignore_errors=True)
        shutil.rmtree(ix, ignore_errors=True)


def run_power_loss(n: int, seed: int = 7) -> dict[str, object]:
    from index import segmenter

    segmenter.configure([])
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="duizhao-power-"))
    try:
        base = work / "base"
        base_state = build_base(base, commits=2)
        total, _ = power_loss_trial(base, base_state, work, -1, rng, None)
        kinds: dict[str, int] = {}
        t0 = time.perf_counter()
        for t in range(n):
            _, kind = power_loss_trial(base, base_state, work, t, rng, rng.randint(1, total))
            kinds[kind] = kinds.get(kind, 0) + 1
        return {
            "trials": n,
            "events_per_run": total,
            "outcomes": kinds,
            "seconds": round(time.perf_counter() - t0, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- random corruption -------------------------------------------------------------------


def corrupt_file(path: Path, rng: random.Random) -> str:
    """Damage one file so that its bytes really change; returns how."""
    data = bytearray(path.read_bytes())
    how = rng.choice(("flip", "truncate", "zero", "delete"))
    if how == "flip" and data:
        i = rng.randrange(len(data))
        data[i] ^= rng.randrange(1, 256)
    elif how == "truncate" and data:
        data = data[: rng.randrange(len(data))]
    elif how == "zero" and any(data):
        while True:
            i = rng.randrange(len(data))
            j = min(len(data), i + rng.randint(1, 64))
            if any(data[i:j]):
                data[i:j] = bytes(j - i)
                break
    else:
        path.unlink()
        return "delete"
    path.write_bytes(bytes(data))
    return how


def run_corruptions(n: int, seed: int = 8) -> dict[str, object]:
    """Damage one random index file n times; count how each was reported."""
    from index import segmenter
    from index.errors import IndexCorrupt, IndexMissing
    from index.whoosh_backend import WhooshBackend

    segmenter.configure([])
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="duizhao-corrupt-"))
    try:
        base = work / "base"
        build_base(base, commits=3)
        detected = 0
        missed: list[str] = []
        hows: dict[str, int] = {}
        for t in range(n):
            ix = work / f"c{t}"
            shutil.copytree(base, ix)
            files = sorted(
                p
                for p in (ix / "whoosh").iterdir()
                if p.is_file() and p.name not in ("MAIN_WRITELOCK", "duizhao-writer.json")
            )
            victim = rng.choice(files)
            how = corrupt_file(victim, rng)
            hows[how] = hows.get(how, 0) + 1
            try:
                b = WhooshBackend(ix)
                state(b)
                missed.append(f"{victim.name} {how}")
            except (IndexCorrupt, IndexMissing):
                detected += 1
            shutil.rmtree(ix, ignore_errors=True)
        return {"trials": n, "detected": detected, "missed": missed, "kinds": hows}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- fsync cost ------------------------------------------------------------------------


def fsync_cost(commits: int = 100) -> dict[str, float]:
    """Median commit time of a one-document add with and without the fsyncs."""
    import statistics

    from index import segmenter
    from index.whoosh_backend import WhooshBackend

    segmenter.configure([])
    segmenter.initialize()
    work = Path(tempfile.mkdtemp(prefix="duizhao-fsync-"))
    real = os.fsync
    n_sync = 0

    def counting(fd: int) -> None:
        nonlocal n_sync
        n_sync += 1
        real(fd)

    try:
        out: dict[str, float] = {}
        for label, fn in (("with_fsync", counting), ("without_fsync", lambda fd: None)):
            b = WhooshBackend(work / label, create=True)
            times = []
            os.fsync = fn  # type: ignore[assignment]
            try:
                for i in range(commits):
                    t0 = time.perf_counter()
                    b.add_documents([make_doc(f"{label}-{i}", words=4)])
                    times.append(time.perf_counter() - t0)
            finally:
                os.fsync = real
            out[label + "_ms"] = round(statistics.median(times) * 1000, 2)
            b.close()
        out["added_ms_per_commit"] = round(out["with_fsync_ms"] - out["without_fsync_ms"], 2)
        out["fsyncs_per_commit"] = round(n_sync / commits, 2)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3], sys.argv[4] == "1", int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kills", type=int, default=150, help="random-moment kills during commit")
    ap.add_argument(
        "--points", type=int, default=12, help="kills per injected point and writer (1, 2 procs)"
    )
    ap.add_argument("--procs2", type=int, default=15, help="random kills of a 2-process writer")
    ap.add_argument("--power", type=int, default=1000, help="simulated power losses")
    ap.add_argument("--corrupt", type=int, default=500, help="random corruptions")
    ap.add_argument("--commits", type=int, default=100, help="commits for the fsync cost")
    a = ap.parse_args()
    # A count of 0 skips that part.
    if a.commits:
        print("fsync cost:", json.dumps(fsync_cost(a.commits)))
    if a.corrupt:
        print("corruptions:", json.dumps(run_corruptions(a.corrupt), ensure_ascii=False))
    if a.power:
        print("power losses:", json.dumps(run_power_loss(a.power)))
    if a.kills or a.points:
        print("kills:", json.dumps(run_kill_trials(a.kills, a.points, procs2=a.procs2)))


if __name__ == "__main__":
    main()
