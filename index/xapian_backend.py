"""The Xapian index backend: local shard folders, or remote shards over TCP.

Place in the flow: the same ``index.plan`` contract as the Whoosh backend --
writer side Documents -> ``records_for`` (one record per passage) -> Xapian
documents; query side a ``Plan`` -> a Xapian query -> best passage per document
(collapse), facets, exact totals. Opened through ``index.backends`` for a folder
whose ``backend`` marker says ``xapian`` or for ``xapian+tcp://host:port,...``.

The backend's modules, one job each (imports go down this list only):

    index.xapian_backend    this class: writing, reading, searching (the paths chosen)
    index.xapian_writers    one transaction per shard, in-process or a process per shard
    index.xapian_lifecycle  create / open / reopen / lock / check; local or remote shards
    index.xapian_ranking    a Plan -> Xapian queries: tiers, the prior, facets, totals
    index.xapian_records    a Document -> Xapian documents: terms, values, stored data

Layout of a folder and the durability of commits: see index.xapian_lifecycle;
what each record holds: see index.xapian_records.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from index import segmenter
from index.deadline import Deadline
from index.document import Document
from index.errors import IndexWriteFailed, InputError, NotFound
from index.plan import Alt, Clause, Plan, RawHit, RawResults
from index.pool import PoolHit, Rerank, pool_hit, raw_hit
from index.xapian_lifecycle import (
    KIND,
    LAYOUT,
    META_FILE,
    REMOTE_TIMEOUT_MS,
    URL_SCHEME,
    ShardUnavailable,
    XapianLifecycle,
    bump_generation,
    parse_url,
    write_atomic,
)
from index.xapian_ranking import (
    Counts,
    TimeUp,
    build_query,
    count_matches,
    filter_query,
    main_enquire,
    plan_query,
    ranked,
    scores_with_prior,
    spy_terms,
    title_tiers,
    uses_tiers,
    wants_counts,
)
from index.xapian_records import (
    FIELD_OF_PREFIX,
    HEAD_TERM,
    PREFIX,
    S_DOC,
    S_DOCID,
    S_FACET,
    S_HASH,
    S_PIDX,
    S_YEAR,
    _tokens,
    bterm,
    parse_meta,
    shard_of,
    xapian_documents,
)
from index.xapian_writers import LocalSink, ParallelSink

# The backend's public names, whichever of its modules defines them.
__all__ = [
    "KIND",
    "LAYOUT",
    "META_FILE",
    "REMOTE_TIMEOUT_MS",
    "URL_SCHEME",
    "ShardUnavailable",
    "XapianBackend",
    "_tokens",
    "build_query",
    "filter_query",
    "open_xapian",
    "parse_url",
    "shard_of",
    "xapian_documents",
]

MAX_CACHED_DOCS = 2000  # head documents kept per generation (hits come back often)


class XapianBackend(XapianLifecycle):
    """A Xapian index: a folder of shards, or ``xapian+tcp://host:port,...``.
    Thread-safe for searching (one Database per thread); one writer at a time."""

    def __init__(self, spec: str | os.PathLike, **options: Any) -> None:
        self._docs: OrderedDict[str, Document] = OrderedDict()
        self._gen_cache: dict[str, Any] = {"gen": None}
        super().__init__(spec, **options)

    def check_reading(self) -> dict[str, object]:
        """Read what searches read: a search by relevance and by date with facets for
        a word of the index, and the stored documents of their hits."""
        t0 = time.perf_counter()
        searches = 0
        with self._reading() as db:
            word = None
            for t in db.allterms(PREFIX["body"]):
                word = t.term.decode("utf-8")[len(PREFIX["body"]) :]
                break
        if word:
            for sort in ("relevance", "date"):
                plan = Plan([Clause((Alt((word,), fields=("body",)),))], sort=sort, facets=True)  # type: ignore[arg-type]
                self.search(plan)
                searches += 1
        return {"searches": searches, "seconds": round(time.perf_counter() - t0, 3)}

    # --- writing ---------------------------------------------------------------------
    def existing_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed document."""
        out: dict[str, str] = {}
        if self.remote:
            raise InputError("remote shards are read-only", "index into the shard folders")
        for k in range(self.shards):
            db = self._x.Database(str(self.shard_path(k)))
            try:
                for p in db.postlist(HEAD_TERM):
                    d = db.get_document(p.docid)
                    out[d.get_value(S_DOCID).decode("utf-8")] = d.get_value(S_HASH).decode()
            finally:
                db.close()
        return out

    def add_documents(
        self,
        docs: Iterable[Document | object],
        *,
        procs: int = 1,
        on_item: Callable[[object], None] | None = None,
        timeout: float = 0.0,
        rebuild: bool = False,
        optimize: bool = False,  # Xapian merges on its own (xapian-compact)
    ) -> Any:
        """Add or update documents (same id replaces, unchanged ones are skipped); one
        Xapian transaction per shard, committed at the end. With ``procs`` > 1 and
        several shards, each shard is analysed and written by its own process."""
        from index.report import IndexReport, changed_documents

        if self.remote:
            raise InputError("remote shards are read-only", "index into the shard folders")
        t0 = time.perf_counter()
        report = IndexReport(layout=f"{KIND}, {self.shards} shards")
        existing = {} if rebuild else self.existing_hashes()
        meta = {**self.meta(), "glossary": segmenter.fingerprint()}
        if procs > 1 and self.shards > 1:
            sink: Any = ParallelSink(self, timeout, rebuild, meta)
        else:
            sink = LocalSink(self, timeout, rebuild, meta)
        try:
            for doc, old, h in changed_documents(docs, existing, report, on_item=on_item):
                sink.put(shard_of(doc.id, self.shards), doc, old is not None, h)
            passages, problems = sink.commit()
            report.passages += passages
            report.problems.extend(problems)
        except BaseException as e:
            sink.abort()
            if isinstance(e, OSError):
                raise IndexWriteFailed(
                    f"writing the index at {self.path} failed: {e.strerror}",
                    "free disk space and run the same command again",
                ) from e
            raise
        self._note_fingerprint()
        self._docs.clear()
        report.seconds = time.perf_counter() - t0
        return report

    def _note_fingerprint(self) -> None:
        """The folder's settings name the glossary the shards were just written with.
        Written after the shards' commits (which carry the new fingerprint): a crash
        in between makes the next run ask for a rebuild, never mixes segmentations."""
        meta = self.meta()
        if meta.get("glossary") != segmenter.fingerprint():
            meta["glossary"] = segmenter.fingerprint()
            write_atomic(Path(self.path) / META_FILE, json.dumps(meta, indent=1))

    def delete_documents(self, ids: list[str]) -> int:
        if self.remote:
            raise InputError("remote shards are read-only", "delete in the shard folders")
        writers = self._writers(0.0)
        n = 0
        try:
            for db in writers:
                db.begin_transaction()
            for doc_id in ids:
                db = writers[shard_of(doc_id, self.shards)]
                term = bterm("Q", doc_id)
                if db.term_exists(term):
                    db.delete_document(term)
                    n += 1
            for db in writers:
                bump_generation(db)
                db.commit_transaction()
        finally:
            for db in writers:
                db.close()
        self._docs.clear()
        return n

    # --- reading ---------------------------------------------------------------------
    def doc_count(self) -> int:
        with self._reading() as db:
            return int(db.get_termfreq(HEAD_TERM))

    def doc_frequency(self, *args: Any) -> int:
        """``doc_frequency(field, word)``: how many records hold ``word`` in ``field``
        (titles: documents, as Whoosh holds the title once per document; body:
        passages). Transitional: ``(searcher, field, word)``, the Whoosh-era call of
        search/titles.py, is accepted too until the contract drops searchers."""
        field, word = args[-2], args[-1]
        prefix = PREFIX.get(field)
        if prefix is None:
            return 0
        key = ("df", field, word)
        with self._reading() as db:
            cache = self._generation_cache(db)
            if key in cache:
                return cache[key]
            if field != "title":  # body: passages; the others are on head records only
                v = int(db.get_termfreq(prefix + word))
            else:  # the Chinese title is on every record: count head records
                x = self._x
                enq = x.Enquire(db)
                enq.set_query(x.Query(x.Query.OP_FILTER, x.Query(prefix + word), x.Query("H")))
                enq.set_weighting_scheme(x.BoolWeight())
                v = int(enq.get_mset(0, 0, db.get_doccount()).get_matches_estimated())
            if len(cache) > 100_000:
                cache.clear()
            cache[key] = v
            return v

    def _termfreq(self, db: Any) -> Callable[[str], int]:
        """term -> how many records hold it, kept until the index changes (each
        count is a round trip per remote shard)."""
        cache = self._generation_cache(db)

        def count(term: str) -> int:
            key = ("tf", term)
            got = cache.get(key)
            if got is None:
                got = int(db.get_termfreq(term))
                with self._lock:
                    if len(cache) > 100_000:
                        cache.clear()
                    cache[key] = got
            return got

        return count

    def _generation_cache(self, db: Any) -> dict:
        """A dict emptied whenever the index changes (keyed on the total document
        count and last document id: cheap to read, remotely too)."""
        mark = (db.get_doccount(), db.get_lastdocid())
        with self._lock:
            if self._gen_cache.get("gen") != mark:
                self._gen_cache = {"gen": mark}
                self._docs.clear()
            return self._gen_cache

    def field_values(self, name: str) -> dict[str, int]:
        """Every value of a filter field with its document count, most frequent first."""
        if name not in S_FACET and name != "year":
            return {}
        return self.facet_counts().get(name, {})

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """Every facet value in the index with its number of documents (most first)."""
        x = self._x
        with self._reading() as db:
            cache = self._generation_cache(db)
            if "facets" in cache:
                return cache["facets"]
            enq = x.Enquire(db)
            enq.set_query(x.Query(HEAD_TERM))
            spies = {n: x.ValueCountMatchSpy(s) for n, s in S_FACET.items()}
            spies["year"] = x.ValueCountMatchSpy(S_YEAR)
            for spy in spies.values():
                enq.add_matchspy(spy)
            enq.get_mset(0, 0, db.get_doccount())
            out: dict[str, dict[str, int]] = {}
            for name, spy in spies.items():
                c = {}
                for item in spy.values():
                    v = item.term.decode("utf-8")
                    c[str(int(v)) if name == "year" else v] = int(item.termfreq)
                if c:
                    out[name] = dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            cache["facets"] = out
            return out

    def get_document(self, doc_id: str) -> Document:
        with self._reading() as db:
            got = self._head_documents(db, [doc_id])
        if doc_id not in got:
            raise NotFound(f"no document with id {doc_id!r}", "check the id in search results")
        return got[doc_id][0]

    def _head_documents(self, db: Any, ids: list[str]) -> dict[str, tuple[Document, int]]:
        """id -> (Document, its head record's document number); cached per generation.
        The uncached ones come from one match of their head records: numbers from
        the MSet, the JSON from a ValueCountMatchSpy on ``S_DOC`` (one message per
        shard; reading each record's data would cost a round trip per document on
        remote shards). Head records written before ``S_DOC`` existed are read."""
        x = self._x
        self._generation_cache(db)
        out: dict[str, tuple[Document, int]] = {}
        with self._lock:
            for i in ids:
                d = self._docs.get(i)
                if d is not None:
                    out[i] = d
        missing = [i for i in dict.fromkeys(ids) if i not in out]
        if missing:
            enq = x.Enquire(db)
            enq.set_query(
                x.Query(x.Query.OP_OR, [x.Query(bterm("I", i)) for i in missing])
                if len(missing) > 1
                else x.Query(bterm("I", missing[0]))
            )
            enq.set_weighting_scheme(x.BoolWeight())
            enq.set_collapse_key(S_DOCID)  # one head per document: names it
            spy = x.ValueCountMatchSpy(S_DOC)
            enq.add_matchspy(spy)
            mset = enq.get_mset(0, len(missing), len(missing))
            number = {it.collapse_key.decode("utf-8"): int(it.docid) for it in mset}
            for term in spy_terms(x, spy):
                doc = Document.from_json(term.decode("utf-8"))
                if doc.id in number:
                    out[doc.id] = (doc, number[doc.id])
            for it in mset:  # an index written before S_DOC: the record's data
                i = it.collapse_key.decode("utf-8")
                if i not in out:
                    doc = Document.from_json(it.document.get_data().decode("utf-8"))
                    out[doc.id] = (doc, int(it.docid))
            with self._lock:
                for i in missing:
                    if i in out:
                        self._docs[i] = out[i]
                while len(self._docs) > MAX_CACHED_DOCS:
                    self._docs.popitem(last=False)
        return out

    # --- searching -------------------------------------------------------------------
    def search(
        self, plan: Plan, *, explain: bool = False, deadline: Deadline | None = None
    ) -> RawResults:
        """Run a plan within ``deadline`` (else ``time_limit`` seconds from now); past
        it, the results so far are returned, marked partial."""
        dl = deadline if deadline is not None else Deadline(self.time_limit)
        with self._reading() as db:
            res = self._search(db, plan, explain, dl)
        res.partial = dl.cut_short
        return res

    def search_pool(
        self, plan: Plan, pool: int, rerank: Rerank, *, deadline: Deadline | None = None
    ) -> RawResults | None:
        """``index.pool.search_pool`` for a question's documents (relevance, collapsed,
        with the authority prior, not title-first; any other plan: None, so
        ``index.pool.two_searches`` runs). The article pool is ranked as ``search``
        ranks it; the plain collapsed ranking runs only when ``rerank`` asks for its
        documents (the page is not filled by the pool's). Otherwise the total and
        facets are counted (``count_matches``, kept until the index changes) instead
        of scoring every matching document once more for a one-hit page: a third of
        its CPU, and the total is then exact where the scored search gave Xapian's
        rounded estimate (951 documents as 1,000, not exact)."""
        if not (plan.collapse and scores_with_prior(plan)) or plan.title_first:
            return None
        dl = deadline if deadline is not None else Deadline(self.time_limit)
        arts_plan = replace(plan, collapse=False, offset=0, limit=pool, facets=False)
        with self._reading() as db:  # the pool's total is not read: hits only
            arts = self._search(db, arts_plan, False, dl, hits_only=True)
        plain: list[RawResults] = []

        def documents() -> list[PoolHit]:
            if not plain:
                want = plan.offset + plan.limit
                plain.append(self.search(replace(plan, offset=0, limit=want), deadline=dl))
            return [pool_hit(h) for h in plain[0].hits]

        page = rerank([pool_hit(h) for h in arts.hits], documents)
        if plain:
            raw = plain[0]
        else:
            with self._reading() as db:
                raw = self._plain_counts(db, plan, dl)
        raw.hits = [raw_hit(h, h.document) for h in page if h.document is not None]
        raw.partial = dl.cut_short
        return raw

    def _plain_counts(self, db: Any, plan: Plan, dl: Deadline) -> RawResults:
        """The total and facets of a collapsed plan, no hits: ``_search``'s paths to
        an empty result, else ``_counts``."""
        if db.get_doccount() == 0:
            return RawResults([], 0, True)
        try:
            planned = plan_query(self._x, db, plan, dl, self._termfreq(db))
        except TimeUp:
            return RawResults([], 0, False)
        if planned is None:
            return RawResults([], 0, True)
        got = self._counts(db, plan, planned.query, dl)
        return RawResults([], got.total, True, got.facets)

    def _search(
        self, db: Any, plan: Plan, explain: bool, dl: Deadline, *, hits_only: bool = False
    ) -> RawResults:
        x = self._x
        if db.get_doccount() == 0:
            return RawResults([], 0, True)
        try:
            planned = plan_query(x, db, plan, dl, self._termfreq(db))
        except TimeUp:
            return RawResults([], 0, False)  # unknown exclusions: show nothing
        if planned is None:
            return RawResults([], 0, True)
        q = planned.query
        enq = main_enquire(x, db, q, plan)
        if uses_tiers(plan):  # the tiers' total is always exact, as it was
            got = title_tiers(x, db, plan, planned, dl, self._counts(db, plan, q, dl))
        else:
            counts = self._counts(db, plan, q, dl) if wants_counts(plan) else None
            got = ranked(x, db, plan, q, enq, dl, counts, hits_only=hits_only)
        return RawResults(
            self._hits(db, got.window, explain, enq, got.tiers),
            got.total,
            got.exact,
            got.facets,
        )

    def _counts(self, db: Any, plan: Plan, q: Any, dl: Deadline) -> Counts:
        """Total and facets of every matching document (``count_matches``), kept
        until the index changes, as the Whoosh backend keeps them: paging through
        results or narrowing the ranking does not count them again."""
        key = ("counts", plan.cache_key(), plan.facets and plan.collapse)
        cache = self._generation_cache(db)
        with self._lock:
            got = cache.get(key)
            if got is None and not key[2]:  # counted with facets: the same total
                with_facets = cache.get((*key[:2], True))
                got = with_facets and Counts(with_facets.total, {})
        if got is None:
            got = count_matches(self._x, db, q, plan)
            if not dl.expired():  # a count cut short is not kept
                with self._lock:
                    if len(cache) > 100_000:
                        cache.clear()
                    cache[key] = got
        return got

    def _hits(
        self, db: Any, window: list, explain: bool, enq: Any, tiers: list[str] | None = None
    ) -> list[RawHit]:
        """RawHits of (score, MSet item) pairs, without reading the hits' records:
        the document id is the collapse key's first part (ids hold no control
        character such as its separator: index.document), and the passage number
        follows from document numbers -- a document's records are added one after
        another in passage order, head first (index.xapian_writers), so in a
        database of n shards it is (hit's number - head's number) / n. Remote
        shards send each record read in a round trip of its own (MSet.fetch does
        not batch them in 1.4), so only head documents are read, cached per
        generation. A hit that does not fit (no collapse key, or a number that is
        not one of its document's passages) is read."""
        if not window:
            return []
        ids = [parse_meta(it.collapse_key)[0] if it.collapse_key else None for _s, it in window]
        read = {k: _record_of(it) for k, (_s, it) in enumerate(window) if ids[k] is None}
        for k, (doc_id, _p) in read.items():
            ids[k] = doc_id
        docs = self._head_documents(db, [i for i in ids if i])
        out = []
        for k, ((score, it), i) in enumerate(zip(window, ids, strict=True)):
            got = docs.get(i or "")
            if got is None:
                continue  # deleted between the two reads
            doc, head = got
            p = read[k][1] if k in read else self._passage(it, doc, head)
            tier = tiers[k] if tiers and k < len(tiers) else ""
            hit = RawHit(i or "", float(score), p, doc, tier=tier)
            if explain:
                for t in enq.matching_terms(int(it.docid)):  # an MSetItem or an Item
                    term = t.decode("utf-8") if isinstance(t, bytes) else t
                    for prefix, field in FIELD_OF_PREFIX.items():
                        if term.startswith(prefix):
                            hit.matched[f"{field}:{term[len(prefix) :]}"] = round(
                                float(it.weight), 3
                            )
            out.append(hit)
        return out

    def _passage(self, it: Any, doc: Document, head: int) -> int:
        """The passage number of a hit from its and its head's document numbers;
        read from the record when they do not give one of the document's passages."""
        step, rem = divmod(int(it.docid) - head, self.shards)
        if rem == 0 and step >= 0 and (step == 0 or step < len(doc.passages)):
            return step
        return _record_of(it)[1]


def _record_of(it: Any) -> tuple[str, int]:
    """(document id, passage number) of an MSet item, read from its record."""
    d = it.document
    return d.get_value(S_DOCID).decode("utf-8"), int(d.get_value(S_PIDX) or b"0")


def open_xapian(spec: str | os.PathLike, *, create: bool = False, **options: Any) -> XapianBackend:
    """The opener ``index.backends`` registers for ``xapian`` folders and URLs.
    ``shards`` is the count of a new index; an existing one must agree."""
    backend = XapianBackend(spec, create=create, **options)
    want = options.get("shards")
    if want and want != backend.shards:
        backend.close()
        raise InputError(
            f"{spec} already has {backend.shards} shards, not {want}",
            "drop --shards, or index into a new folder",
        )
    return backend
