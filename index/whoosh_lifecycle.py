"""The Whoosh backend's lifecycle and durability: open, create, commit, lock, recover.

Place in the flow: ``WhooshBackend`` (index.whoosh_backend) inherits these methods.
Every commit goes through index.storage (durable writers: fsynced files, one
checksum manifest per commit) and is verified on open by index.integrity before
anything is unpickled. A crash at any point leaves the previous commit intact; a
disk error raises IndexWriteFailed with the lock released and the partial files
removed; the next writer (or the next open, when the lock is free) cleans up what
a crashed writer left.

Layout of an index folder::

    DIR/duizhao.json      settings the index was built with (schema version,
                          glossary fingerprint); checked on open
    DIR/whoosh/           the Whoosh index (one record per passage), with
                          ``duizhao-manifest-<gen>.json`` per commit
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index import integrity, segmenter
from index.errors import (
    DuizhaoError,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    IndexOutdated,
    IndexWriteFailed,
    InputError,
)
from index.schema import SCHEMA_VERSION, build_schema
from index.storage import (
    DurableMpWriter,
    DurableStorage,
    DurableWriter,
    VerifiedFileIndex,
    fsync_dir,
)

META_FILE = "duizhao.json"
WHOOSH_DIR = "whoosh"
INDEX_NAME = "MAIN"
_TOC_NAME = re.compile(r"^_MAIN_([0-9]+)\.toc$")


def reset_index_folder(path: str | os.PathLike) -> None:
    """Remove a Duizhao index folder's contents (for ``--rebuild`` of an outdated or
    damaged index). Refuses folders that do not look like a Duizhao index."""
    import shutil

    p = Path(path)
    if not p.exists():
        return
    if not ((p / META_FILE).exists() or (p / WHOOSH_DIR).is_dir()):
        raise InputError(
            f"{p} does not look like a Duizhao index; not removing it",
            "choose an empty folder or an existing Duizhao index with --index",
        )
    shutil.rmtree(p / WHOOSH_DIR, ignore_errors=True)
    (p / META_FILE).unlink(missing_ok=True)


class WhooshLifecycle:
    """Opening, creating, locking, committing and recovering a Whoosh index folder.

    A mixin of ``WhooshBackend``, which sets ``path`` (the index folder),
    ``whoosh_path`` (its Whoosh folder), ``_full`` (verify every checksum on open)
    and ``ix`` (the open index, replaced on each new commit).
    """

    path: Path
    whoosh_path: Path
    _full: bool
    ix: Any

    def _storage(self) -> DurableStorage:
        st = DurableStorage(self.whoosh_path)
        # An index from before manifests: readable (restricted unpickling), unverified.
        st.require_manifest = bool(self._meta_or_empty().get("manifests"))
        return st

    def _meta_or_empty(self) -> dict:
        try:
            return self.meta()
        except IndexCorrupt:
            return {}

    def _latest_toc(self) -> int:
        """The latest committed generation, from file names alone (nothing unpickled)."""
        try:
            names = os.listdir(self.whoosh_path)
        except OSError:
            return -1
        return max((int(m.group(1)) for n in names if (m := _TOC_NAME.match(n))), default=-1)

    def exists(self) -> bool:
        return (self.path / META_FILE).exists() and self._latest_toc() >= 0

    def _create(self) -> None:
        if self._latest_toc() > 0 and not (self.path / META_FILE).exists():
            # Never wipe documents because the small settings file went missing.
            raise IndexCorrupt(
                f"the index at {self.path} has lost its settings file {META_FILE}",
                "rebuild it: `duizhao index --rebuild PATH...` into a new folder",
            )
        try:
            self.whoosh_path.mkdir(parents=True, exist_ok=True)
            # A folder killed during its very first creation (no TOC, or no settings
            # file) is simply created again: it held no documents.
            with self._locked(timeout=0.0):
                storage = DurableStorage(self.whoosh_path)
                integrity.recover(self.whoosh_path)
                storage.create_index(build_schema(), indexname=INDEX_NAME)
                self._write_meta(
                    {
                        "schema_version": SCHEMA_VERSION,
                        "glossary": segmenter.fingerprint(),
                        "manifests": 1,
                    }
                )
        except OSError as e:
            raise integrity.write_failure(self.path, e) from e

    def _open(self):
        if not self.exists():
            raise IndexMissing(
                f"no index at {self.path}",
                "build one with `duizhao index PATH...` (or set --index / DUIZHAO_INDEX)",
            )
        meta = self.meta()
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexOutdated(
                f"the index at {self.path} was built by another version of Duizhao",
                "rebuild it: `duizhao index --rebuild PATH...`",
            )
        self._startup_recovery(meta)
        return self._open_ix()

    def _open_ix(self):
        from whoosh.index import EmptyIndexError

        try:
            return VerifiedFileIndex(self._storage(), indexname=INDEX_NAME, full=self._full)
        except IndexCorrupt:
            raise
        except EmptyIndexError as e:
            raise IndexMissing(
                f"no index at {self.path}",
                "build one with `duizhao index PATH...` (or set --index / DUIZHAO_INDEX)",
            ) from e
        except Exception as e:  # whoosh raises many types on damaged files
            raise IndexCorrupt(
                f"the index at {self.path} cannot be opened ({type(e).__name__})",
                "rebuild it: `duizhao index --rebuild PATH...`",
            ) from e

    def _startup_recovery(self, meta: dict) -> None:
        """Clean what crashed writers left (temp TOCs, orphan segments, temp folders),
        adopt an index from before manifests -- only if the writer lock is free now;
        a running writer cleans up itself. Read-only folders are left alone."""
        try:
            with self._locked(timeout=0.0):
                self._recover_locked(meta)
        except (IndexBusy, IndexWriteFailed):
            pass

    def _recover_locked(self, meta: dict | None = None) -> None:
        meta = meta if meta is not None else self.meta()
        try:
            integrity.recover(self.whoosh_path, manifest_required=bool(meta.get("manifests")))
            if not meta.get("manifests") and not integrity.has_manifests(self.whoosh_path):
                integrity.adopt_legacy(self.whoosh_path)
                meta["manifests"] = 1
                self._write_meta(meta)
        except OSError:
            pass  # read-only or full: recovery is best effort, reading still works

    def meta(self) -> dict:
        try:
            return json.loads((self.path / META_FILE).read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise IndexCorrupt(
                f"the index settings file {self.path / META_FILE} is unreadable",
                "rebuild it: `duizhao index --rebuild PATH...`",
            ) from e

    def _write_meta(self, meta: dict) -> None:
        tmp = self.path / (META_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path / META_FILE)
        fsync_dir(self.path)

    @contextlib.contextmanager
    def _writing(self, writer) -> Iterator[None]:
        """Around one write: on any failure undo it (lock released, partial files
        removed; disk errors become IndexWriteFailed); on success see the new commit."""
        try:
            yield
        except BaseException as e:
            self._abort(writer)
            if isinstance(e, OSError):
                raise integrity.write_failure(self.path, e) from e
            raise
        self._reopen()

    @staticmethod
    def _commit(writer, optimize: bool = False, clear: bool = False) -> None:
        if clear:
            # A rebuild drops the old segments in the same commit (CLEAR), instead of
            # keeping them as fully deleted segments that take space until a merge.
            from whoosh.writing import CLEAR

            writer.commit(mergetype=CLEAR)
        elif optimize:
            writer.commit(optimize=True)
        else:
            writer.commit()

    def _abort(self, writer) -> None:
        """Undo a failed or interrupted write: release the lock, remove partial files."""
        if not writer.is_closed:
            with contextlib.suppress(Exception):
                writer.cancel()
        self._close_leaked_files()
        # A failed commit has already released the lock (Whoosh's _cleanup_on_error);
        # take it again briefly to delete the orphan segment files (on a full disk
        # they are what keeps it full).
        with contextlib.suppress(DuizhaoError, OSError), self._locked(timeout=0.0):
            self._recover_locked()

    def _close_leaked_files(self) -> None:
        """Close segment files a failed writer left open. Whoosh's cancel() gives up at
        the first error (a full disk fails every flush), and an unlinked file whose
        descriptor is still open keeps using the space."""
        import gc
        import io

        prefix = str(self.whoosh_path.resolve())
        for obj in gc.get_objects():
            if isinstance(obj, io.BufferedWriter | io.BufferedRandom) and not obj.closed:
                name = getattr(obj, "name", None)
                if isinstance(name, str) and os.path.realpath(name).startswith(prefix):
                    with contextlib.suppress(OSError, ValueError):
                        obj.close()
                    with contextlib.suppress(OSError, ValueError):
                        obj.raw.close()

    @contextlib.contextmanager
    def _locked(self, timeout: float = 0.0) -> Iterator[object]:
        lock = self._acquire(timeout)
        try:
            yield lock
        finally:
            integrity.clear_lock_owner(self.whoosh_path)
            lock.release()

    def _acquire(self, timeout: float):
        """The writer lock (flock on MAIN_WRITELOCK), waiting up to ``timeout`` seconds.

        A lock held by leftover workers of a dead writer is released (they are killed);
        a lock held by a live writer waits, then raises IndexBusy.
        """
        from whoosh.util.filelock import FileLock

        lock = FileLock(str(self.whoosh_path / f"{INDEX_NAME}_WRITELOCK"))
        deadline = time.monotonic() + timeout
        released = False
        while True:
            try:
                got = lock.acquire()
            except OSError as e:
                raise integrity.write_failure(self.path, e) from e
            if got:
                integrity.record_lock_owner(self.whoosh_path)
                return lock
            if not released and integrity.release_stale_lock(self.whoosh_path):
                # The kernel frees the flock as soon as the last holder is gone.
                released = True
                deadline = max(deadline, time.monotonic() + 1.0)
            if time.monotonic() >= deadline:
                holders = integrity.lock_holders(self.whoosh_path / f"{INDEX_NAME}_WRITELOCK")
                raise IndexBusy(
                    f"another process is writing to the index at {self.path}",
                    "wait for it to finish, or pass --wait SECONDS",
                    holders=holders,
                )
            time.sleep(0.05 if released else 0.2)

    def _writer(self, procs: int = 1, timeout: float = 0.0):
        lock = self._acquire(timeout)
        try:
            # Under the lock no other writer is mid-commit: clean what crashed ones left.
            self._recover_locked()
            self.ix = self._open_ix()
            if procs > 1:
                w = DurableMpWriter(
                    self.ix,
                    procs=procs,
                    multisegment=True,
                    batchsize=256,
                    subargs={"limitmb": 256, "compound": False},
                    _lk=False,
                    limitmb=256,
                    compound=False,
                )
            else:
                # Plain (not compound) segment files: a reader opens them without
                # copying anything, so per-thread readers stay cheap and small.
                w = DurableWriter(self.ix, _lk=False, limitmb=256, compound=False)
        except BaseException:
            integrity.clear_lock_owner(self.whoosh_path)
            lock.release()
            raise
        w.writelock = lock
        return w

    def _reopen(self) -> None:
        self.ix = self._open_ix()
