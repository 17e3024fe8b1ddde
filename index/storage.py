"""Durable on-disk storage for the Whoosh index: fsync in commit order, checksummed commits.

Place in the flow: the writer side (``index.whoosh_backend.WhooshBackend``) opens its
Whoosh folder through :class:`DurableStorage` and writes through :class:`DurableWriter`
(or :class:`DurableMpWriter` for ``procs > 1``); the query side reads through
:class:`VerifiedFileIndex`, which checks the commit's manifest (``index.integrity``)
before Whoosh unpickles anything.

Whoosh itself makes no fsync call, so an OS crash or power loss can tear a commit
(see ``../shared/design/reliability.md``). One commit here goes:

1. segment files are written (by this process or by ``procs`` workers);
2. the TOC is written to its temp name ``_MAIN_<gen>.toc.<time>``;
3. every new segment file and the TOC temp file are fsynced;
4. the manifest ``duizhao-manifest-<gen>.json`` (sizes, crc32s, TOC sha256) is written
   to a temp name, fsynced and renamed into place, and the folder is fsynced: from
   here the new files' names and contents are on disk;
5. the TOC temp file is renamed to ``_MAIN_<gen>.toc`` -- **the commit point** -- and the
   folder is fsynced again, so the rename itself survives a power loss before
   ``commit()`` returns (and the caller acknowledges anything);
6. old TOCs, old segments and old manifests are deleted (losing those deletes to a
   crash only leaves orphans, which start-up recovery removes).

A crash before step 5 leaves the previous commit in force; after it, the new one.

Crash hooks for the kill tests: ``DUIZHAO_CRASH_AT=<point>[,<point>...]`` stops the
process at that point (``after_segment``, ``after_toc_temp``, ``after_rename``,
``during_cleanup``; ``workers_started`` once a ``procs > 1`` writer has all its workers):
it SIGKILLs itself, or with ``DUIZHAO_CRASH_FD`` it reports the point and waits for the
test (see :func:`crash_point`). ``DUIZHAO_CRASH_SKIP=N`` lets the first N passes go by.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import re
import signal
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from index import integrity
from index.errors import IndexWriteFailed
from index.fsync import fsync_dir, fsync_file

INDEX_NAME = "MAIN"
CRASH_POINTS = ("after_segment", "after_toc_temp", "after_rename", "during_cleanup")

_crash_passes: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Stop this process here if ``DUIZHAO_CRASH_AT`` names this point (test hook).

    Without ``DUIZHAO_CRASH_FD`` the process SIGKILLs itself. With it (a socket the test
    passed down), it writes the point's name and a newline there and waits: the test
    SIGKILLs it at a moment the test chose (not one the scheduler chose), or sends a
    byte to let it go on. A test that went away (end of file) ends it as if killed here.
    Checked at every commit step; costs one environment lookup when unset.
    """
    wanted = os.environ.get("DUIZHAO_CRASH_AT")
    if not wanted or name not in wanted.split(","):
        return
    n = _crash_passes.get(name, 0)
    _crash_passes[name] = n + 1
    if n < int(os.environ.get("DUIZHAO_CRASH_SKIP", "0") or 0):
        return
    fd = os.environ.get("DUIZHAO_CRASH_FD")
    if fd:
        with contextlib.suppress(OSError, ValueError):
            os.write(int(fd), name.encode() + b"\n")
            if os.read(int(fd), 1):
                return
    os.kill(os.getpid(), signal.SIGKILL)


class DurableStorage(FileStorage):
    """A ``FileStorage`` whose commits survive an OS crash or power loss.

    Files are fsynced at the commit barrier rather than on every close: Whoosh writes
    a segment's parts as separate files and then copies them into one compound file,
    so syncing on close would also sync files that are deleted a moment later. The
    barrier syncs exactly the files the new generation is made of (workers' files too).
    """

    supports_multiproc_writing = True

    def __init__(self, path: str | os.PathLike, readonly: bool = False) -> None:
        super().__init__(str(path), readonly=readonly)
        # Set by DurableWriter for the length of one commit: (generation, files).
        self.pending: tuple[int, list[str]] | None = None
        # False only for an index written before manifests existed (read unverified,
        # still with the restricted unpickler).
        self.require_manifest = True

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        if self.readonly:
            from whoosh.filedb.filestore import ReadOnlyError

            raise ReadOnlyError
        m = _TOC_RE.match(newname)
        if m and self.pending is not None and int(m.group(1)) == self.pending[0]:
            self._commit_rename(oldname, newname)
            return
        super().rename_file(oldname, newname, safe=safe)
        fsync_dir(self.folder)

    def _commit_rename(self, tmpname: str, tocname: str) -> None:
        gen, files = self.pending  # type: ignore[misc]
        # Step 3: the new generation's files and the TOC temp file reach the disk
        # (files kept from earlier generations were synced by their own commit).
        known = integrity.committed_files(self.folder, gen)
        for name in files:
            if known.get(name, {}).get("size") != os.path.getsize(self._fpath(name)):
                fsync_file(self._fpath(name))
        fsync_file(self._fpath(tmpname))
        # Step 4: the manifest, then the folder (names of everything above).
        integrity.write_manifest(self.folder, gen, files, tmpname, tocname)
        fsync_dir(self.folder)
        crash_point("after_toc_temp")
        # Step 5: the commit point.
        os.rename(self._fpath(tmpname), self._fpath(tocname))
        fsync_dir(self.folder)
        crash_point("after_rename")

    def open_index(self, indexname: str = INDEX_NAME, schema=None, indexclass=None):
        # Multiprocessing workers open the index through their storage copy: make
        # them read the TOC through the same verified, restricted path.
        return VerifiedFileIndex(self, schema=schema, indexname=indexname)

    def create_index(self, schema, indexname: str = INDEX_NAME, indexclass=None):
        self.pending = (0, [])
        try:
            TOC.create(self, schema, indexname)
        finally:
            self.pending = None
        return VerifiedFileIndex(self, schema=schema, indexname=indexname)


_TOC_RE = re.compile(r"^_MAIN_([0-9]+)\.toc$")


def segment_files(storage: FileStorage, segments: Iterable) -> list[str]:
    """The file names that make up ``segments`` (usually one ``.seg`` each)."""
    names = storage.list()
    out: list[str] = []
    for seg in segments:
        prefix = seg.segment_id() + "."
        out.extend(n for n in names if n.startswith(prefix))
    return sorted(out)


class VerifiedFileIndex(FileIndex):
    """A Whoosh ``FileIndex`` that checks the manifest of a generation before reading
    its TOC, and reads the TOC with a restricted unpickler (``index.integrity``).

    Every reader and writer goes through ``_read_toc``, so a commit made later by
    another process is verified too before this process uses it.
    """

    def __init__(self, storage, schema=None, indexname: str = INDEX_NAME, full: bool = True):
        # Not FileIndex.__init__: it reads (unpickles) the TOC before any check.
        from whoosh.fields import ensure_schema

        self._full = full
        self.storage = storage
        self._schema = ensure_schema(schema) if schema else None
        self.indexname = indexname
        self._read_toc()

    def _read_toc(self):
        return integrity.read_verified_toc(
            self.storage, self.indexname, schema=self._schema, full=self._full
        )

    def writer(self, procs: int = 1, **kwargs):
        if procs > 1:
            return DurableMpWriter(self, procs=procs, **kwargs)
        return DurableWriter(self, **kwargs)


class DurableWriter(SegmentWriter):
    """A ``SegmentWriter`` that commits in the order described in the module docstring."""

    def _commit_toc(self, segments) -> None:
        storage = self.storage
        files = segment_files(storage, segments)
        crash_point("after_segment")
        storage.pending = (self.generation, files)
        try:
            TOC(self.schema, segments, self.generation).write(storage, self.indexname)
        finally:
            storage.pending = None
        cleanup_after_commit(storage, self.indexname, self.generation, segments)

    def _finish(self) -> None:
        # Forget the owner record before the lock goes, so it never names a process
        # that no longer holds the lock while another one does.
        integrity.clear_lock_owner(self.storage.folder)
        super()._finish()

    def _cleanup_on_error(self) -> None:
        integrity.clear_lock_owner(self.storage.folder)
        super()._cleanup_on_error()


def cleanup_after_commit(storage: FileStorage, indexname: str, gen: int, segments) -> None:
    """Step 6: drop what the previous generations used (never needed for correctness)."""
    first = True

    def _hook() -> None:
        nonlocal first
        if first:
            first = False
            crash_point("during_cleanup")

    clean_files(_CountingStorage(storage, _hook), indexname, gen, segments)
    # Plain (non-compound) segments often leave nothing to delete: the crash point
    # still fires, before the old manifests go.
    _hook()
    integrity.remove_old_manifests(storage.folder, gen)


class _CountingStorage:
    """Wraps a storage so a crash hook runs after the first delete of a cleanup."""

    def __init__(self, storage: FileStorage, hook) -> None:
        self._s = storage
        self._hook = hook

    def __iter__(self):
        return iter(self._s.list())

    def delete_file(self, name: str) -> None:
        self._s.delete_file(name)
        self._hook()


# --- multiprocessing writer: workers must not outlive or out-lock their parent ---------

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process get SIGKILL when its parent dies (Linux).

    reliability.md: workers of ``writer(procs=2)`` orphaned by a killed parent kept the
    index lock forever. Elsewhere the lock-owner record lets the next writer find them.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before prctl took effect.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class WorkerFailed:
    """What a failed worker sends its parent instead of a traceback on stderr: the
    parent raises one clear error for the whole run (IndexWriteFailed)."""

    kind: str
    message: str
    errno: int | None = None

    def error(self) -> Exception:
        if self.errno is not None:
            # The parent turns an OSError into the same message as its own disk errors.
            return OSError(self.errno, os.strerror(self.errno))
        return IndexWriteFailed(
            f"an indexing process failed ({self.kind}: {self.message[:200]}); nothing from "
            "this run was committed and the previous index is intact",
            "run it again; if it fails again, run it with --procs 1",
        )


class DurableSubWriterTask(SubWriterTask):
    """A worker that dies with its parent, drops its inherited copy of the lock, and
    reports a failure to the parent rather than printing a traceback."""

    def __init__(self, *args, lock_fd: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._parent_pid = os.getpid()
        self._lock_fd = lock_fd

    def run(self) -> None:
        die_with_parent(self._parent_pid)
        if self._lock_fd is not None:
            # A forked child shares the parent's flock() on this descriptor; closing
            # (never unlocking) our copy means the kernel frees the lock as soon as
            # the parent's copy goes, whatever happens to this worker.
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
        try:
            super().run()
        except BaseException as e:  # reported to the parent, which says it once
            errno = e.errno if isinstance(e, OSError) and e.errno else None
            failed = WorkerFailed(type(e).__name__, str(e), errno)
            with contextlib.suppress(Exception):
                self.resultqueue.put(failed, timeout=5)
            # SystemExit with a number: multiprocessing exits without printing anything.
            sys.exit(1)


class _WatchedJobs:
    """The parent's side of the job queue: a put never blocks forever on workers that
    have died, and a failed worker stops the run at once."""

    def __init__(self, writer: DurableMpWriter, raw) -> None:
        self._w = writer
        self._raw = raw

    def put(self, item: object) -> None:
        while True:
            self._w.check_workers()
            try:
                self._raw.put(item, timeout=0.2)
                return
            except queue.Full:
                continue


class _WatchedResults:
    """The parent's side of the result queue: a worker's failure is raised, and a
    worker that ended without a result is an error (Whoosh would commit without its
    documents)."""

    # Generous: workers have exited when results are read, so results are in the pipe.
    TIMEOUT = 30.0

    def __init__(self, writer: DurableMpWriter, raw) -> None:
        self._w = writer
        self._raw = raw

    def get(self, block: bool = True, timeout: float | None = None) -> object:
        try:
            item = self._raw.get(timeout=self.TIMEOUT)
        except queue.Empty:
            self._w.check_workers()
            raise IndexWriteFailed(
                "an indexing process ended without its results; nothing from this run was "
                "committed and the previous index is intact",
                "run it again; if it fails again, run it with --procs 1",
            ) from None
        if isinstance(item, WorkerFailed):
            raise item.error()
        return item


class DurableMpWriter(MpWriter, DurableWriter):
    """``MpWriter`` with the durable commit and well-behaved workers: a worker's
    failure fails the whole write with one clear error, never a partial commit."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Workers get the raw queues; the parent's own puts and gets are watched.
        self._raw_jobs, self._raw_results = self.jobqueue, self.resultqueue
        self.jobqueue = _WatchedJobs(self, self._raw_jobs)
        self.resultqueue = _WatchedResults(self, self._raw_results)

    def _new_task(self):
        args = (
            self.storage,
            self.indexname,
            self._raw_jobs,
            self._raw_results,
            self.subargs,
            self.multisegment,
        )
        lock_fd = self.writelock.fd if self.writelock is not None else None
        task = DurableSubWriterTask(*args, lock_fd=lock_fd)
        task.daemon = True
        self.tasks.append(task)
        task.start()
        integrity.record_lock_owner(self.storage.folder, workers=[t.pid for t in self.tasks])
        if len(self.tasks) == self.procs:
            crash_point("workers_started")
        return task

    def check_workers(self) -> None:
        """Raise the error of a worker that failed. Called while the parent waits on
        a queue."""
        for t in self.tasks:
            code = t.exitcode
            if not code:  # running (None) or finished its part (0)
                continue
            # Its report, if it sent one, is on the result queue (nothing else is,
            # before the end of the run).
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    item = self._raw_results.get(timeout=0.1)
                except queue.Empty:
                    continue
                if isinstance(item, WorkerFailed):
                    raise item.error()
            raise IndexWriteFailed(
                f"an indexing process stopped unexpectedly (exit status {code}); nothing "
                "from this run was committed and the previous index is intact",
                "run it again; if it fails again, run it with --procs 1",
            )

    def _finish(self) -> None:
        try:
            super()._finish()
        finally:
            for t in self.tasks:
                # Workers normally exit after commit; a cancelled one may linger.
                if t.is_alive():
                    t.join(0.5)
                if t.is_alive():
                    t.kill()
