"""Writing Xapian shards: one transaction per shard, in this process or one process per shard.

Place in the flow: ``XapianBackend.add_documents`` (index.xapian_backend) puts
each changed Document into the sink of its shard (``shard_of``); a sink turns it
into Xapian documents (index.xapian_records) and commits every shard at the end.
A failure before the commit leaves every shard at its previous commit.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from index.document import Document
from index.errors import IndexWriteFailed
from index.xapian_lifecycle import METADATA_KEY, XapianLifecycle, bump_generation, open_writable
from index.xapian_records import bterm, xapian_documents


class LocalSink:
    """Writes documents into the shards from this process, one transaction each."""

    def __init__(self, backend: XapianLifecycle, timeout: float, rebuild: bool, meta: dict) -> None:
        self.dbs = backend._writers(timeout)
        self.meta = meta
        self.passages = 0
        self.problems: list[str] = []
        for db in self.dbs:
            db.begin_transaction()
            if rebuild:
                _clear(db)

    def put(
        self, shard: int, doc: Document, replace: bool, content_hash: str | None = None
    ) -> None:
        self.passages += _write(self.dbs[shard], doc, replace, self.problems, content_hash)

    def commit(self) -> tuple[int, list[str]]:
        for k, db in enumerate(self.dbs):
            db.set_metadata(METADATA_KEY, json.dumps({**self.meta, "shard": k}))
            bump_generation(db)
            db.commit_transaction()
        self.close()
        return self.passages, self.problems

    def abort(self) -> None:
        for db in self.dbs:
            with contextlib.suppress(Exception):
                db.cancel_transaction()
        self.close()

    def close(self) -> None:
        for db in self.dbs:
            with contextlib.suppress(Exception):
                db.close()
        self.dbs = []


def _clear(db: Any) -> None:
    for t in list(db.allterms("Q")):
        db.delete_document(t.term)


def _write(
    db: Any, doc: Document, replace: bool, problems: list[str], content_hash: str | None = None
) -> int:
    try:
        xdocs = xapian_documents(doc, content_hash)
    except Exception as e:  # skip this document, keep the run
        problems.append(f"{doc.origin or doc.id}: cannot be indexed ({type(e).__name__})")
        return 0
    if replace:
        db.delete_document(bterm("Q", doc.id))
    for xd in xdocs:
        db.add_document(xd)
    return len(xdocs)


def _shard_worker(path: str, conn: Any, rebuild: bool, meta: str, inherited: list) -> None:
    """One shard's writer process: analyse and write the documents it is sent, commit
    on the final message, and answer (passages, problems) or an error. If the parent
    dies first, the pipe ends (EOF) and nothing is committed."""
    import xapian

    for c in inherited:  # the parent's pipe ends, copied by fork: EOF needs them closed
        c.close()
    _quiet_gc()

    problems: list[str] = []
    passages = 0
    try:
        db = open_writable(xapian, path)
        db.begin_transaction()
        if rebuild:
            _clear(db)
        while True:
            batch = conn.recv()
            if batch is None:
                break
            for doc, replace, content_hash in batch:
                passages += _write(db, doc, replace, problems, content_hash)
        db.set_metadata(METADATA_KEY, meta)
        bump_generation(db)
        db.commit_transaction()
        db.close()
        conn.send(("ok", passages, problems))
    except BaseException as e:  # reported to the parent
        with contextlib.suppress(Exception):
            conn.send(("error", type(e).__name__, str(e)[:300]))
    finally:
        conn.close()


# A writer process's cyclic garbage collector: collect the young generation after this
# many allocations (Python's default: 700). The records it builds are mostly acyclic.
WRITER_GC_THRESHOLD = (50_000, 20, 20)


def _quiet_gc() -> None:
    """In a forked writer process only: everything inherited from the parent (modules,
    the glossary, the segmenter's words) is frozen out of the collector's scans, and
    the young generation is collected less often -- the collections scanned the word
    -> terms table and the inherited heap again and again (a tenth of the records'
    CPU, measured on the whole sample corpus). Nothing written changes."""
    import gc

    gc.freeze()
    gc.set_threshold(*WRITER_GC_THRESHOLD)


class ParallelSink:
    """One writer process per shard (forked: the glossary's words come along)."""

    BATCH = 64

    def __init__(self, backend: XapianLifecycle, timeout: float, rebuild: bool, meta: dict) -> None:
        import multiprocessing

        # Take and release every shard's lock first: a busy index fails here, clearly.
        for db in backend._writers(timeout):
            db.close()
        ctx = multiprocessing.get_context("fork")
        self.procs = []
        self.conns = []
        self.batches: list[list] = []
        for k in range(backend.shards):
            parent, child = ctx.Pipe()
            p = ctx.Process(
                target=_shard_worker,
                args=(
                    str(backend.shard_path(k)),
                    child,
                    rebuild,
                    json.dumps({**meta, "shard": k}),
                    [*self.conns, parent],
                ),
            )
            p.start()
            child.close()
            self.procs.append(p)
            self.conns.append(parent)
            self.batches.append([])

    def put(
        self, shard: int, doc: Document, replace: bool, content_hash: str | None = None
    ) -> None:
        b = self.batches[shard]
        b.append((doc, replace, content_hash))
        if len(b) >= self.BATCH:
            self.conns[shard].send(b)
            self.batches[shard] = []

    def commit(self) -> tuple[int, list[str]]:
        for k, conn in enumerate(self.conns):
            if self.batches[k]:
                conn.send(self.batches[k])
            conn.send(None)
        passages, problems, errors = 0, [], []
        for k, conn in enumerate(self.conns):
            try:
                got = conn.recv()
            except EOFError:
                got = ("error", "the writer process died", "")
            if got[0] == "ok":
                passages += got[1]
                problems.extend(got[2])
            else:
                errors.append(f"shard {k}: {got[1]} {got[2]}")
        self.close()
        if errors:
            raise IndexWriteFailed(
                "writing some shards failed: " + "; ".join(errors),
                "fix the cause and run the same command again (done shards are skipped)",
            )
        return passages, problems

    def abort(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.kill()
        self.close()

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        for p in self.procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
        self.conns, self.procs = [], []
