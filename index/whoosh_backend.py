"""The embedded index backend: Whoosh on a local folder.

Place in the flow: writer side -- Documents -> passages -> Whoosh records;
query side -- a ``Plan`` (from search/) -> Whoosh queries -> best passage per
document, facet counts, exact document totals. ``WhooshBackend`` implements the
``index.plan.Backend`` protocol and is opened through ``index.backends``; nothing
outside the Whoosh backend's modules imports Whoosh (tests/test_backend_boundary.py).

The backend's modules, one job each:

    index.whoosh_backend    this class: writing, reading, the search paths chosen
    index.records           a Document -> its records (one per passage; any engine)
    index.whoosh_lifecycle  open / create / lock / commit / recover (durability)
    index.whoosh_cache      the per-commit reader cache (columns, arrays, documents)
    index.whoosh_ranking    the vectorized and Whoosh ranking paths, facets
    index.storage, index.integrity   durable writers, checksums, recovery

Layout of an index folder: see index.whoosh_lifecycle.
"""

from __future__ import annotations

import contextlib
import math
import os
import struct
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import query as Q

from index import integrity, segmenter
from index.deadline import Deadline
from index.document import Document
from index.errors import (
    DuizhaoError,
    IndexCorrupt,
    NotFound,
)
from index.plan import TEXT_FIELDS, Alt, Clause, Plan, RawResults
from index.pool import Rerank
from index.ranking import DEFAULT_RANKING, RankingProfile
from index.records import records_for
from index.report import IndexReport, changed_documents
from index.whoosh_cache import ReaderCache
from index.whoosh_lifecycle import (
    INDEX_NAME,
    META_FILE,
    WHOOSH_DIR,
    WhooshLifecycle,
    reset_index_folder,
)
from index.whoosh_pool import pool_results, takes
from index.whoosh_ranking import (
    build_query,
    by_date,
    count_facets,
    excluded_docs,
    fast_by_date,
    fast_top,
    matching_ords,
    raw_results,
    top_docs,
    vectorizable,
    weighting,
)

# The backend's public names, whichever of its modules defines them.
__all__ = [
    "INDEX_NAME",
    "META_FILE",
    "WHOOSH_DIR",
    "IndexReport",
    "WhooshBackend",
    "build_query",
    "records_for",
    "reset_index_folder",
    "weighting",
]


# What reading files that pass their checksums can still raise (a search reads
# columns and postings that the checksum pass does not interpret).
READ_ERRORS = (OSError, EOFError, struct.error)


def _unreadable(path: Path, e: BaseException) -> IndexCorrupt:
    """The error for an index that opens but that a search cannot read."""
    return IndexCorrupt(
        f"searching the index at {path} fails ({type(e).__name__}: {str(e)[:200]})",
        "run `duizhao check`; if it fails, rebuild it: `duizhao index --rebuild PATH...`",
    )


class WhooshBackend(WhooshLifecycle):
    """An index folder. Open once per process; thread-safe for searching.

    ``verify="full"`` (default) checks every file's checksum once per process before
    use (new commits: their new files); ``"size"`` checks sizes and the TOC checksum
    only. Either way a damaged index raises IndexCorrupt, never serves results.
    """

    def __init__(
        self, path: str | os.PathLike, *, create: bool = False, verify: str = "full"
    ) -> None:
        integrity.check_allowed(path)
        self.path = Path(path)
        self.whoosh_path = self.path / WHOOSH_DIR
        self._full = verify == "full"
        self._lock = threading.Lock()
        self._cache: tuple[int, ReaderCache] | None = None
        self._facet_cache: OrderedDict = OrderedDict()
        self._read_checked: tuple | None = None  # (generation, error, report), check_reading
        self.time_limit = 1.0  # seconds per search, see search()
        self._last_partial = threading.local()  # this thread's latest search (HTTP caching)
        self._local = threading.local()
        self._readers: list = []  # every open per-thread reader, closed by close()
        if create and not self.exists():
            self._create()
        self.ix = self._open()

    def check(self) -> dict[str, object]:
        """Recompute every checksum of the latest commit, then read what searches
        read (``duizhao check``)."""
        report = integrity.check_index(self.path)
        report["read_check"] = self.check_reading()
        return report

    def check_reading(self) -> dict[str, object]:
        """Read the index the way searches do, once per commit generation (``duizhao
        check`` and ``/api/v1/health``): the per-document columns of every segment,
        then, for a word of each segment, real searches (vectorized and Whoosh's
        matcher path, by relevance and by date, with facets) and the stored
        documents of their hits. Checksums cannot see a file that is intact but
        that searching cannot read; this can. Raises IndexCorrupt when a search
        would fail."""
        gen = self._latest_toc()
        with self._lock:
            done = self._read_checked
        if done is not None and done[0] == gen:
            if done[1] is not None:
                raise done[1]
            return dict(done[2])
        t0 = time.perf_counter()
        searches = 0
        leaves: list = []
        try:
            with self.searcher() as s:
                if s.reader().doc_count_all():
                    leaves = s.reader().leaf_readers()
                    self._reader_cache(s)  # every column of every segment
                words = [next(iter(leaf.field_terms("body")), None) for leaf, _o in leaves]
            for word in dict.fromkeys(w for w in words if w):
                for fields in (("body",), ("body", "docnum")):  # vectorized, then Whoosh
                    for sort in ("relevance", "date"):
                        alt = Alt((word,), fields=fields)
                        plan = Plan([Clause((alt,))], sort=sort, facets=True)  # type: ignore[arg-type]
                        self.search(plan)
                        searches += 1
            error = None
        except IndexCorrupt as e:
            error = e
        except DuizhaoError:
            raise  # busy, missing: not a property of this commit
        except Exception as e:  # whatever a read raises is a broken index for searching
            error = _unreadable(self.path, e)
        report = {
            "segments": len(leaves) if error is None else 0,
            "searches": searches,
            "seconds": round(time.perf_counter() - t0, 3),
        }
        with self._lock:
            self._read_checked = (gen, error, report)
        if error is not None:
            raise error
        return dict(report)

    def check_glossary(self, fingerprint: str) -> None:
        """Refuse to mix segmentations: the glossary words the index was built with
        must be the ones loaded now."""
        segmenter.check_built_with(self.meta().get("glossary"), fingerprint)

    def close(self) -> None:
        """Close every reader this backend opened (in any thread) and the index."""
        with self._lock:
            readers, self._readers = self._readers, []
        for r in readers:
            with contextlib.suppress(Exception):
                r.close()
        self._local = threading.local()
        self.ix.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            for r in self._readers:
                r.close()

    # --- writing --------------------------------------------------------------
    def existing_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed document."""
        out: dict[str, str] = {}
        with self.ix.searcher() as s:
            for docnum in s.document_numbers(head="1"):
                f = s.stored_fields(docnum)
                out[f["doc_id"]] = f.get("hash", "")
        return out

    def add_documents(
        self,
        docs: Iterable[Document | object],
        *,
        procs: int = 1,
        on_item: Callable[[object], None] | None = None,
        timeout: float = 0.0,
        rebuild: bool = False,
        optimize: bool = False,
    ) -> IndexReport:
        """Add or update documents (same id replaces, unchanged ones are skipped).

        Items that are not Documents (reader problems) are counted as problems.
        One commit at the end, durable when this returns: a crash before it leaves
        the previous commit intact. Disk errors raise IndexWriteFailed with the
        previous commit intact, the lock released and the partial files removed.
        ``optimize`` merges every segment into one in the same commit.
        """
        t0 = time.perf_counter()
        report = IndexReport()
        existing = {} if rebuild else self.existing_hashes()
        writer = self._writer(procs=procs, timeout=timeout)
        with self._writing(writer):
            self._write_items(writer, docs, existing, report, on_item)
            meta = self.meta()
            fingerprint = segmenter.fingerprint()
            self._commit(writer, optimize=optimize, clear=rebuild)
            # The settings file changes only with the segmentation (two fsyncs saved
            # per commit otherwise; each commit's time is in its manifest). Written
            # after the commit: a crash between the two makes the next run ask for a
            # rebuild, never mixes segmentations silently.
            if meta.get("glossary") != fingerprint:
                meta["glossary"] = fingerprint
                meta["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
                self._write_meta(meta)
        report.seconds = time.perf_counter() - t0
        return report

    @staticmethod
    def _write_items(
        writer,
        docs: Iterable[Document | object],
        existing: dict[str, str],
        report: IndexReport,
        on_item: Callable[[object], None] | None,
    ) -> None:
        """Write each new or changed document's records, counting into ``report``:
        problems and warnings of the readers, duplicates, unchanged documents."""

        def records(doc: Document, content_hash: str) -> list[dict]:
            # built in full first: a failure writes nothing
            return list(records_for(doc, content_hash))

        for doc, old, recs in changed_documents(
            docs, existing, report, on_item=on_item, prepare=records
        ):
            if old is not None:
                writer.delete_by_term("doc_id", doc.id)
            for rec in recs:
                writer.add_document(**rec)
                report.passages += 1

    def delete_documents(self, ids: list[str]) -> int:
        writer = self._writer()
        with self._writing(writer):
            n = 0
            for doc_id in ids:
                n += 1 if writer.delete_by_term("doc_id", doc_id) else 0
            self._commit(writer)
        return n

    # --- reading --------------------------------------------------------------
    def doc_frequency(self, field: str, word: str) -> int:
        """How many records hold ``word`` in ``field`` (cached per index generation)."""
        cached = self._cache
        if cached is not None and cached[0] == self._latest_toc():
            # Callers ask for many words in a row: a known count costs one listdir.
            v = cached[1].known_frequency(field, word)
            if v is not None:
                return v
        try:
            with self.searcher() as s:
                return self._reader_cache(s).doc_frequency(s, field, word)
        except READ_ERRORS as e:
            raise _unreadable(self.path, e) from e

    def generation(self) -> int:
        """The latest committed generation, from file names alone (-1: none)."""
        return self._latest_toc()

    def reopen(self) -> None:
        """Open the latest commit now (searches reopen per thread on their own)."""
        with self._lock:
            self._reopen()

    def searcher(self, ranking: RankingProfile = DEFAULT_RANKING):
        """A Whoosh searcher on the latest commit (this backend's own modules only:
        everything else asks through the ``index.plan.Backend`` methods). Readers are opened once per thread and
        commit generation (Whoosh readers keep file positions, so threads must not
        share one); a new commit -- from this process or another -- is picked up on
        the next search, and searches keep answering from the last commit meanwhile."""
        from whoosh.searching import Searcher

        gen = self._latest_toc()
        local = self._local
        cached = getattr(local, "reader", None)
        if cached is None or cached[0] != gen:
            with self._lock:
                if self.ix.latest_generation() != gen:
                    self.ix = self._open_ix()
                ix = self.ix
            reader = ix.reader()
            with self._lock:
                self._readers.append(reader)
                if cached is not None:
                    with contextlib.suppress(ValueError):
                        self._readers.remove(cached[1])
            if cached is not None:
                # An old reader that fails to close is dropped anyway.
                with contextlib.suppress(Exception):
                    cached[1].close()
            local.reader = cached = (gen, reader, ix)
        return Searcher(
            cached[1], weighting=weighting(ranking), fromindex=cached[2], closereader=False
        )

    def doc_count(self) -> int:
        with self.searcher() as s:
            return sum(1 for _ in s.document_numbers(head="1"))

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """Every facet value in the index with its number of documents (most first):
        what filters can match, e.g. for the API document."""
        with self.searcher() as s:
            if s.reader().doc_count_all() == 0:
                return {}
            cache = self._reader_cache(s)
            return count_facets(range(len(cache.doc_ids)), cache, Plan([]), Deadline(math.inf))

    def get_document(self, doc_id: str) -> Document:
        with self.searcher() as s:
            docnum = s.document_number(pid=doc_id)
            if docnum is None:
                raise NotFound(f"no document with id {doc_id!r}", "check the id in search results")
            return Document.from_json(s.stored_fields(docnum)["doc"])

    def field_values(self, name: str) -> dict[str, int]:
        """Every value of a filter field (level, region ...) with its document count,
        most frequent first: what a filter value can be, to resolve and suggest one."""
        with self.searcher() as s:
            cache = self._reader_cache(s)
        with self._lock:
            hit = cache.value_counts.get(name)
            if hit is None:
                c = Counter(v for v in cache.facet_values.get(name, ()) if v not in ("", None))
                hit = cache.value_counts[name] = {str(k): n for k, n in c.most_common()}
            return hit

    def _reader_cache(self, searcher) -> ReaderCache:
        # One generation check per searcher: it lists the index folder, and a
        # title lookup asks for hundreds of document frequencies with one searcher.
        cache = getattr(searcher, "_duizhao_cache", None)
        if cache is not None:
            return cache
        gen = self.ix.latest_generation()
        with self._lock:
            if self._cache is None or self._cache[0] != gen:
                self._cache = (gen, ReaderCache(searcher))
                self._facet_cache.clear()
            cache = self._cache[1]
        searcher._duizhao_cache = cache
        return cache

    # --- searching ------------------------------------------------------------
    def search(
        self, plan: Plan, *, explain: bool = False, deadline: Deadline | None = None
    ) -> RawResults:
        """Run a plan. A time limit is the last guard against costly queries: past it,
        the results so far are returned, marked partial. ``deadline`` is the search's
        one budget (the engine's, shared with its fallback and snippets); without it,
        ``time_limit`` seconds from now."""
        dl = deadline if deadline is not None else Deadline(self.time_limit)
        try:
            res = self._search(plan, explain, dl)
        except READ_ERRORS as e:
            # Files that pass their checksums but cannot be read as a search reads
            # them: a clear 503 with the next step, never a traceback.
            raise _unreadable(self.path, e) from e
        res.partial = self._last_partial.flag = dl.cut_short
        return res

    @property
    def last_search_partial(self) -> bool:
        """Whether this thread's latest search was cut short by the time limit."""
        return bool(getattr(self._last_partial, "flag", False))

    def search_lazy(self, plan: Plan, *, time_limit: float | None = None) -> RawResults:
        """``search`` whose hits are an iterator: each document is read only when the
        iterator reaches it, so an export streams tens of thousands of hits in constant
        memory. Consume it in the calling thread (it reads that thread's reader).
        ``time_limit`` replaces the per-search limit for finding and ordering the hits."""
        dl = Deadline(time_limit or self.time_limit)
        try:
            res = self._search(plan, False, dl, lazy=True)
        except READ_ERRORS as e:
            raise _unreadable(self.path, e) from e
        res.partial = self._last_partial.flag = dl.cut_short
        return res

    def search_pool(
        self, plan: Plan, pool: int, rerank: Rerank, *, deadline: Deadline | None = None
    ) -> RawResults | None:
        """``index.pool.search_pool`` from one scoring pass (index.whoosh_pool); None for
        a plan off the vectorized relevance path (then two plain searches serve it)."""
        if not takes(plan) or build_query(plan) is None:
            return None
        dl = deadline if deadline is not None else Deadline(self.time_limit)
        try:
            with self.searcher(plan.ranking) as s:
                if s.reader().doc_count_all() == 0:
                    return None
                cache = self._prepared(s, plan, dl)
                allowed = cache.allowed(plan)
                if allowed is not None and not allowed[0]:
                    res = RawResults([], 0, True)  # no document passes the filters
                else:
                    res = pool_results(s, allowed, plan, cache, pool, rerank, dl)
        except READ_ERRORS as e:
            raise _unreadable(self.path, e) from e
        res.partial = self._last_partial.flag = dl.cut_short
        return res

    def _prepared(self, s, plan: Plan, dl: Deadline) -> ReaderCache:
        """The commit's reader cache, with the plan's term scorers built."""
        with dl.paused():  # built once per commit, not this search's cost
            cache = self._reader_cache(s)
            for f in {f for c in plan.clauses for a in c.alts for f in a.fields}:
                if f in TEXT_FIELDS:
                    cache.term_scorer(s, f, plan.ranking)
        return cache

    def _search(self, plan: Plan, explain: bool, dl: Deadline, lazy: bool = False) -> RawResults:
        with self.searcher(plan.ranking) as s:
            if s.reader().doc_count_all() == 0:
                return RawResults([], 0, True)  # a new, empty index (Whoosh cannot search it)
            cache = self._prepared(s, plan, dl)
            q = build_query(plan)
            allowed = cache.allowed(plan)
            # The vectorized paths check exclusions only in documents that match.
            excluded = None if vectorizable(plan) else excluded_docs(s, plan, cache, dl)
            if q is None:
                if not plan.match_all_if_empty:
                    return RawResults([], 0, True)
                q = Q.Term("head", "1")
            if allowed is not None and not allowed[0]:
                return RawResults([], 0, True)  # no document passes the filters
            if plan.sort != "relevance" and vectorizable(plan):
                hits, total, ords = fast_by_date(s, allowed, plan, cache, excluded, dl)
                facets = count_facets(ords, cache, plan, dl) if plan.facets else {}
                return raw_results(s, q, hits, plan, cache, total, True, facets, explain, dl, lazy)
            if plan.sort == "relevance" and vectorizable(plan):
                hits, total, ords, tiers = fast_top(s, allowed, plan, cache, excluded, dl)
                facets = count_facets(ords, cache, plan, dl) if plan.facets else {}
                return raw_results(
                    s, q, hits, plan, cache, total, True, facets, explain, dl, lazy, tiers
                )
            if plan.sort == "relevance":
                hits, exhausted = top_docs(s, q, allowed, plan, cache, excluded, dl)
                # Without facets the total is a lower bound (the documents seen while
                # collecting the top hits): an exact count walks every match.
                total, total_exact, facets = len(hits), exhausted, {}
                if plan.facets or plan.exact_total:
                    total, facets = self._count_and_facets(s, q, allowed, plan, cache, excluded, dl)
                    total_exact = True
            else:
                hits, total, facets = by_date(s, q, allowed, plan, cache, excluded, dl)
                total_exact = True
            if not plan.facets:
                facets = {}
            return raw_results(
                s, q, hits, plan, cache, total, total_exact, facets, explain, dl, lazy
            )

    def _count_and_facets(
        self, s, q, allowed, plan: Plan, cache: ReaderCache, excluded: set[int], dl: Deadline
    ):
        key = plan.cache_key()
        with self._lock:
            if key in self._facet_cache:
                self._facet_cache.move_to_end(key)
                return self._facet_cache[key]
        ords = matching_ords(s, q, allowed, cache, excluded, dl)
        out = (len(ords), count_facets(ords.keys(), cache, plan, dl))
        if dl.cut_short:
            return out
        with self._lock:
            self._facet_cache[key] = out
            if len(self._facet_cache) > 512:
                self._facet_cache.popitem(last=False)
        return out
