"""The embedded index backend: Whoosh on a local folder.

Place in the flow: writer side -- Documents -> passages -> Whoosh records;
query side -- a ``Plan`` (from search/) -> Whoosh queries -> best passage per
document, facet counts, exact document totals. It implements the small
``index.plan.Backend`` contract; nothing outside this module imports Whoosh
query classes, so another backend can take its place.

Layout of an index folder::

    DIR/duizhao.json      settings the index was built with (schema version,
                          glossary fingerprint); checked on open
    DIR/whoosh/           the Whoosh index (one record per passage), written through
                          index.storage (durable commits, one checksum manifest per
                          commit, ``duizhao-manifest-<gen>.json``) and verified on open
                          by index.integrity before anything is unpickled
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import struct
import threading
import time
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as Q
from whoosh import scoring
from whoosh.collectors import TimeLimit, TimeLimitCollector

from index import integrity, segmenter
from index.deadline import Deadline
from index.document import DATE_YEARS, Document
from index.errors import (
    DuizhaoError,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    IndexOutdated,
    IndexWriteFailed,
    InputError,
    NotFound,
)
from index.plan import TEXT_FIELDS, Alt, Clause, Plan, RawHit, RawResults
from index.schema import FACET_FIELDS, SCHEMA_VERSION, build_schema
from index.storage import (
    DurableMpWriter,
    DurableStorage,
    DurableWriter,
    VerifiedFileIndex,
    fsync_dir,
)
from index.structure import split_passages

META_FILE = "duizhao.json"
WHOOSH_DIR = "whoosh"
INDEX_NAME = "MAIN"
_TOC_NAME = re.compile(r"^_MAIN_([0-9]+)\.toc$")
# Documents of search hits kept per index generation, by the length of their stored
# JSON (~8 M characters): a title lookup reads ~100 candidates per query, and
# decompressing and decoding them cost more than ranking; the same documents (laws,
# State Council opinions) come back for many queries. Hits' documents are shared:
# read only.
MAX_CACHED_DOC_CHARS = 8_000_000


# BM25 parameters: k1 1.2 and b 0.75 are the classic defaults; titles are short
# and repeated on every passage, so their length normalisation is damped.
# Query-time field weights multiply a field's BM25 score (on top of the index-time
# field boosts of index.schema). The Chinese title is repeated on every passage
# record, so at full weight a title word (纠纷, 经营) outranks the article that
# answers a question; 0.4 keeps a title match above one body match while letting
# body evidence decide between passages (STARD dev, see search/evaluate.py).
def weighting() -> scoring.WeightingModel:
    cls = getattr(weighting, "_cls", None)
    if cls is None:

        class FieldWeightedBM25F(scoring.BM25F):
            field_weights = {"title": 0.4}

            def scorer(self, searcher, fieldname, text, qf=1):  # noqa: ANN001, ANN202
                sc = super().scorer(searcher, fieldname, text, qf=qf)
                w = self.field_weights.get(fieldname, 1.0)
                if w != 1.0 and isinstance(sc, scoring.BM25FScorer):
                    sc.idf *= w  # BM25 is linear in idf: scales the field's score
                return sc

        cls = weighting._cls = FieldWeightedBM25F  # type: ignore[attr-defined]
    return cls(B=0.75, K1=1.2, title_B=0.3, title_en_B=0.3)


# A static prior for question ranking: a layperson's legal question is answered first
# by national laws and judicial interpretations; local regulations mostly restate
# them. Tuned on the STARD dev questions (README: article R@100 0.568 -> 0.627,
# nDCG@10 0.295 -> 0.345); applied only to long questions.
AUTHORITY_PRIOR: dict[str, dict[str, float]] = {
    "level": {"法律": 1.4, "司法解释": 1.2, "行政法规": 1.1},
    "region": {"全国": 1.5},
}


@dataclass
class IndexReport:
    """What one indexing run did; ``problems`` are (path, line, reason) strings."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    passages: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # records indexed with a fix (dates)
    seconds: float = 0.0
    chars: int = 0

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def to_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "passages": self.passages,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 2),
            "problems": self.problems[:200],
            "warnings": self.warnings[:200],
        }


def _docnum_keys(doc: Document) -> list[str]:
    if not doc.docnum:
        return []
    try:
        from index.docnumber import parse_docnum
    except ImportError:  # pragma: no cover - while the parser module is being written
        return [doc.docnum.replace(" ", "")]
    dn = parse_docnum(doc.docnum)
    if dn is None:
        return [doc.docnum.replace(" ", "")]
    return [dn.key, dn.pinyin_key]


def _date_int(d: str | None) -> int | None:
    if not d:
        return None
    try:
        return int(d[:4]) * 10000 + int(d[5:7]) * 100 + int(d[8:10])
    except ValueError:
        return None


def records_for(doc: Document) -> Iterator[dict]:
    """The Whoosh records of one document: its head record, then one per passage.

    Metadata (level, region, dates ...) is indexed on the head record only:
    filters, facets and date sorting read it per document from column arrays
    (``_ReaderCache``), so passages carry just their text, the Chinese title and
    the document id -- about a fifth fewer postings to write.
    """
    if not doc.passages and doc.body:
        doc.passages = split_passages(doc.body)
    common: dict[str, object] = {"doc_id": doc.id}
    passages = doc.passages
    head_body = doc.body[passages[0].start : passages[0].end] if passages else doc.body
    head = dict(common)
    head.update(pid=doc.id, head="1", pidx=0, hash=doc.content_hash(), doc=doc.to_json())
    # The Chinese title is indexed once, on the head record; at query time its score
    # counts for every passage of the document (WhooshBackend._vector_scores).
    title = doc.title + (" " + doc.subtitle if doc.subtitle else "")
    if title:
        head["title"] = title
    for name in FACET_FIELDS:
        value = getattr(doc, name)
        if value:
            head[name] = value
    if doc.year:
        head["year"] = doc.year
    di = _date_int(doc.date)
    if di:
        head["date"] = di
    # English titles go on the head record only: they match English queries, and
    # the other passages hold Chinese article text that English words never match.
    attested = " \n ".join(t.text for t in doc.titles_en if t.attested)
    drafts = " \n ".join(t.text for t in doc.titles_en if not t.attested)
    if attested:
        head["title_en"] = attested
    if drafts:
        head["title_draft"] = drafts
    if head_body:
        head["body"] = head_body
    keys = _docnum_keys(doc)
    if keys:
        head["docnum"] = ",".join(keys)
    yield head
    for i in range(1, len(passages)):
        p = passages[i]
        rec = dict(common)
        rec.update(pid=f"{doc.id}#{i}", pidx=i, body=doc.body[p.start : p.end])
        yield rec


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


def _unreadable(path: Path, e: BaseException) -> IndexCorrupt:
    """The error for an index that opens but that a search cannot read."""
    return IndexCorrupt(
        f"searching the index at {path} fails ({type(e).__name__}: {str(e)[:200]})",
        "run `duizhao check`; if it fails, rebuild it: `duizhao index --rebuild PATH...`",
    )


class _Column:
    """One column over every segment: docnum -> value, the empty default where a
    record has none.

    A segment none of whose records had the field has no column file at all (an
    import of undated records, then dated ones); Whoosh's multi-segment column
    reader skips such segments and then reads another segment's file at a negative
    offset (OSError) or past its end. So each segment is read on its own, and a
    missing column is the normal case: value unknown. Whoosh's column writers also
    do not pad a segment whose last records lack the field (IndexError past the
    end): those records have no value either.
    """

    def __init__(self, reader, name: str) -> None:  # noqa: ANN001
        self._starts: list[int] = []
        self._cols: list = []
        for leaf, offset in reader.leaf_readers():
            self._starts.append(offset)
            self._cols.append(leaf.column_reader(name) if leaf.has_column(name) else None)

    def __getitem__(self, docnum: int):  # noqa: ANN204
        i = bisect_right(self._starts, docnum) - 1
        col = self._cols[i] if i >= 0 else None
        if col is None:
            return ""
        try:
            return col[docnum - self._starts[i]]
        except IndexError:
            return ""


class _ReaderCache:
    """Per-generation arrays for fast collapse and facets: docnum -> document
    ordinal, document ordinal -> facet values; and, filled as searches go, the
    documents of hits, passage numbers and term counts. Built once per index commit."""

    def __init__(self, searcher) -> None:  # noqa: ANN001
        reader = searcher.reader()
        n = reader.doc_count_all()
        ids = _Column(reader, "doc_id")
        # Ordinals come from live head records only: a document's passages may
        # sit in several segments, and an updated document's old records stay
        # (deleted) until a merge.
        deleted = reader.is_deleted if reader.has_deletions() else None
        ords: dict[str, int] = {}
        self.head_docnum: list[int] = []
        self.doc_ids: list[str] = []
        for docnum in searcher.document_numbers(head="1"):
            if deleted is not None and deleted(docnum):
                continue
            did = ids[docnum]
            ords[did] = len(self.doc_ids)
            self.doc_ids.append(did)
            self.head_docnum.append(docnum)
        self.doc_ord: list[int] = [-1] * n
        for docnum in range(n):
            if deleted is None or not deleted(docnum):
                self.doc_ord[docnum] = ords.get(ids[docnum], -1)
        self.ord_of = ords
        self.facet_values: dict[str, list] = {}
        for name in FACET_FIELDS:
            col = _Column(reader, name)
            self.facet_values[name] = [col[d] for d in self.head_docnum]
        # A record without a year or date may read the numeric column's default
        # (2**32-1), not "no value": only plausible values count, so it is undated in
        # the year facet, the year filter and date sorts (which put undated records last).
        col = _Column(reader, "year")
        self.facet_values["year"] = [
            y if isinstance(y, int) and 0 < y <= DATE_YEARS[1] else ""
            for y in (col[d] for d in self.head_docnum)
        ]
        col = _Column(reader, "date")
        self.dates: list[int] = [
            v if isinstance(v, int) and 0 < v <= DATE_YEARS[1] * 10000 + 1231 else 0
            for v in (col[d] for d in self.head_docnum)
        ]
        self._allowed: OrderedDict = OrderedDict()
        self.value_counts: dict[str, dict[str, int]] = {}  # WhooshBackend.field_values
        self._lock = threading.Lock()
        self._scorers: dict = {}
        self._prior = None
        self._heads_np = None
        self._doc_ord_np = None
        self._masks: dict = {}
        self._docs: OrderedDict[int, tuple[Document, int]] = OrderedDict()
        self._doc_chars = 0
        self._pidx: dict[int, int] = {}
        self._df: dict[tuple[str, str], int] = {}
        # Deleted records keep their docnum until a merge; live heads only.
        self.live = None
        if reader.has_deletions():
            self.live = {d for d in range(n) if not reader.is_deleted(d)}

    def document(self, searcher, head: int) -> Document:  # noqa: ANN001
        """The document stored on a head record (cached; shared, read only)."""
        with self._lock:
            hit = self._docs.get(head)
            if hit is not None:
                self._docs.move_to_end(head)
                return hit[0]
        raw = searcher.stored_fields(head)["doc"]
        doc = Document.from_json(raw)
        with self._lock:
            if head not in self._docs:
                self._docs[head] = (doc, len(raw))
                self._doc_chars += len(raw)
                while self._doc_chars > MAX_CACHED_DOC_CHARS and len(self._docs) > 1:
                    _, (_d, size) = self._docs.popitem(last=False)
                    self._doc_chars -= size
        return doc

    def doc_frequency(self, searcher, field: str, word: str) -> int:  # noqa: ANN001
        """Records holding ``word`` in ``field`` (cached: Whoosh reads the term
        index on every call)."""
        key = (field, word)
        v = self._df.get(key)
        if v is None:
            if len(self._df) >= 100_000:  # distinct query words: start again, bounded
                self._df.clear()
            v = self._df[key] = searcher.doc_frequency(field, word)
        return v

    def passage_index(self, searcher, docnum: int) -> int:  # noqa: ANN001
        """The passage number stored on a passage record (cached)."""
        v = self._pidx.get(docnum)
        if v is None:
            v = self._pidx[docnum] = searcher.stored_fields(docnum).get("pidx", 0)
        return v

    def term_scorer(self, searcher, field: str = "body"):  # noqa: ANN001, ANN201
        """The vectorized BM25 scorer of one field, with Whoosh's parameters for it."""
        with self._lock:
            scorer = self._scorers.get(field)
            if scorer is None:
                from index.fast_scoring import TermScorer

                w = searcher.weighting
                b = getattr(w, "_field_B", {}).get(field, getattr(w, "B", 0.75))
                scorer = self._scorers[field] = TermScorer(
                    searcher, field, k1=getattr(w, "K1", 1.2), b=b
                )
            return scorer

    def prior_array(self):  # noqa: ANN201
        """Per-record authority weights (see AUTHORITY_PRIOR)."""
        if self._prior is None:
            import numpy as np

            lv, rg = self.facet_values["level"], self.facet_values["region"]
            per_doc = np.array(
                [
                    AUTHORITY_PRIOR["level"].get(lv[o], 1.0)
                    * AUTHORITY_PRIOR["region"].get(rg[o], 1.0)
                    for o in range(len(lv))
                ],
                dtype=np.float32,
            )
            do = self.doc_ord_array()
            self._prior = np.where(do >= 0, per_doc[np.maximum(do, 0)], 1.0).astype(np.float32)
        return self._prior

    def spread_heads(self, values):  # noqa: ANN001, ANN201
        """Per-record values of head records, copied to every record of the document."""
        import numpy as np

        do = self.doc_ord_array()
        per_doc = np.append(values[self.head_array()], np.float32(0))
        return per_doc[do]  # doc_ord -1 (deleted) picks the appended 0

    def head_array(self):  # noqa: ANN201
        if self._heads_np is None:
            import numpy as np

            self._heads_np = np.asarray(self.head_docnum, dtype=np.int64)
        return self._heads_np

    def doc_ord_array(self):  # noqa: ANN201
        if self._doc_ord_np is None:
            import numpy as np

            self._doc_ord_np = np.asarray(self.doc_ord, dtype=np.int64)
        return self._doc_ord_np

    def allowed_mask(self, allowed):  # noqa: ANN001, ANN201
        import numpy as np

        key = id(allowed)
        hit = self._masks.get(key)
        if hit is None or hit[0] is not allowed:
            mask = np.zeros(len(self.doc_ord), dtype=bool)
            mask[np.fromiter(allowed[1], dtype=np.int64)] = True
            self._masks = {key: (allowed, mask)}
            return mask
        return hit[1]

    def allowed(self, plan: Plan) -> tuple[set[int], set[int]] | None:
        """(document ordinals, passage docnums) that pass the plan's filters, or None."""
        key = (tuple(sorted(plan.filters.items())), plan.year_from, plan.year_to)
        if not key[0] and plan.year_from is None and plan.year_to is None:
            return None
        hit = self._allowed.get(key)
        if hit is not None:
            self._allowed.move_to_end(key)
            return hit
        ords = set(range(len(self.doc_ids)))
        for name, values in plan.filters.items():
            col = self.facet_values.get(name)
            if col is None or not values:
                continue
            wanted = set(values)
            ords = {o for o in ords if col[o] in wanted}
        if plan.year_from is not None or plan.year_to is not None:
            lo = plan.year_from if plan.year_from is not None else 0
            hi = plan.year_to if plan.year_to is not None else 9999
            years = self.facet_values["year"]
            ords = {o for o in ords if years[o] and lo <= years[o] <= hi}
        docnums = {d for d, o in enumerate(self.doc_ord) if o in ords}
        self._allowed[key] = (ords, docnums)
        if len(self._allowed) > 64:
            self._allowed.popitem(last=False)
        return ords, docnums


class WhooshBackend:
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
        self._cache: tuple[int, _ReaderCache] | None = None
        self._facet_cache: OrderedDict = OrderedDict()
        self._read_checked: tuple | None = None  # (generation, error, report), check_reading
        self.time_limit = 1.0  # seconds per search, see search()
        self._last_partial = threading.local()  # this thread's latest search (HTTP caching)
        self._local = threading.local()
        self._readers: list = []  # every open per-thread reader, closed by close()
        if create and not self.exists():
            self._create()
        self.ix = self._open()

    # --- lifecycle ----------------------------------------------------------
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

    def _open(self):  # noqa: ANN202
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

    def _open_ix(self):  # noqa: ANN202
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
        built = self.meta().get("glossary")
        if built and built != fingerprint:
            raise IndexOutdated(
                "the glossary's segmentation words changed since this index was built",
                "rebuild the index: `duizhao index --rebuild PATH...`",
                built=built,
                current=fingerprint,
            )

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
            seen: set[str] = set()
            for item in docs:
                if on_item:
                    on_item(item)
                if not isinstance(item, Document):
                    kept = getattr(item, "kept", False)  # a warning; its record follows
                    (report.warnings if kept else report.problems).append(str(item))
                    continue
                doc = item
                if doc.id in seen:
                    report.problems.append(f"{doc.id}: duplicate id in this run; kept the first")
                    continue
                seen.add(doc.id)
                try:  # everything that can fail for one document, before it is written
                    doc.passages = split_passages(doc.body)
                    h = doc.content_hash()
                    recs = list(records_for(doc))
                except Exception as e:  # noqa: BLE001 - skip this document, keep the run
                    where = doc.origin or doc.id
                    report.problems.append(f"{where}: cannot be indexed ({type(e).__name__})")
                    continue
                old = existing.get(doc.id)
                if old == h:
                    report.unchanged += 1
                    continue
                if old is not None:
                    writer.delete_by_term("doc_id", doc.id)
                    report.updated += 1
                else:
                    report.added += 1
                for rec in recs:
                    writer.add_document(**rec)
                    report.passages += 1
                report.chars += len(doc.body) + len(doc.title)
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

    def delete_documents(self, ids: list[str]) -> int:
        writer = self._writer()
        with self._writing(writer):
            n = 0
            for doc_id in ids:
                n += 1 if writer.delete_by_term("doc_id", doc_id) else 0
            self._commit(writer)
        return n

    @contextlib.contextmanager
    def _writing(self, writer) -> Iterator[None]:  # noqa: ANN001
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
    def _commit(writer, optimize: bool = False, clear: bool = False) -> None:  # noqa: ANN001
        if clear:
            # A rebuild drops the old segments in the same commit (CLEAR), instead of
            # keeping them as fully deleted segments that take space until a merge.
            from whoosh.writing import CLEAR

            writer.commit(mergetype=CLEAR)
        elif optimize:
            writer.commit(optimize=True)
        else:
            writer.commit()

    def _abort(self, writer) -> None:  # noqa: ANN001
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

    def _acquire(self, timeout: float):  # noqa: ANN202
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

    def _writer(self, procs: int = 1, timeout: float = 0.0):  # noqa: ANN202
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

    # --- reading --------------------------------------------------------------
    def doc_frequency(self, searcher, field: str, word: str) -> int:  # noqa: ANN001
        """How many records hold ``word`` in ``field``, for a searcher from
        :meth:`searcher` (cached per index generation)."""
        return self._reader_cache(searcher).doc_frequency(searcher, field, word)

    def searcher(self):  # noqa: ANN201
        """A searcher on the latest commit. Readers are opened once per thread and
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
        return Searcher(cached[1], weighting=weighting(), fromindex=cached[2], closereader=False)

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
            return self._facets(range(len(cache.doc_ids)), cache, Plan([]), Deadline(math.inf))

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

    def _reader_cache(self, searcher) -> _ReaderCache:  # noqa: ANN001
        # One generation check per searcher: it lists the index folder, and a
        # title lookup asks for hundreds of document frequencies with one searcher.
        cache = getattr(searcher, "_duizhao_cache", None)
        if cache is not None:
            return cache
        gen = self.ix.latest_generation()
        with self._lock:
            if self._cache is None or self._cache[0] != gen:
                self._cache = (gen, _ReaderCache(searcher))
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
        except (OSError, EOFError, struct.error) as e:
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
        except (OSError, EOFError, struct.error) as e:
            raise _unreadable(self.path, e) from e
        res.partial = self._last_partial.flag = dl.cut_short
        return res

    def _search(self, plan: Plan, explain: bool, dl: Deadline, lazy: bool = False) -> RawResults:
        with self.searcher() as s:
            if s.reader().doc_count_all() == 0:
                return RawResults([], 0, True)  # a new, empty index (Whoosh cannot search it)
            with dl.paused():  # built once per commit, not this search's cost
                cache = self._reader_cache(s)
                for f in {f for c in plan.clauses for a in c.alts for f in a.fields}:
                    if f in TEXT_FIELDS:
                        cache.term_scorer(s, f)
            q = build_query(plan)
            allowed = cache.allowed(plan)
            # The vectorized paths check exclusions only in documents that match.
            excluded = None if _vectorizable(plan) else self._excluded_docs(s, plan, cache, dl)
            if q is None:
                if not plan.match_all_if_empty:
                    return RawResults([], 0, True)
                q = Q.Term("head", "1")
            if allowed is not None and not allowed[0]:
                return RawResults([], 0, True)  # no document passes the filters
            if plan.sort != "relevance" and _vectorizable(plan):
                hits, total, ords = self._fast_by_date(s, allowed, plan, cache, excluded, dl)
                facets = self._facets(ords, cache, plan, dl) if plan.facets else {}
                return self._raw_results(
                    s, q, hits, plan, cache, total, True, facets, explain, dl, lazy
                )
            if plan.sort == "relevance" and _vectorizable(plan):
                hits, total, ords = self._fast_top(s, allowed, plan, cache, excluded, dl)
                facets = self._facets(ords, cache, plan, dl) if plan.facets else {}
                return self._raw_results(
                    s, q, hits, plan, cache, total, True, facets, explain, dl, lazy
                )
            if plan.sort == "relevance":
                hits, exhausted = self._top_docs(s, q, allowed, plan, cache, excluded, dl)
                # Without facets the total is a lower bound (the documents seen while
                # collecting the top hits): an exact count walks every match.
                total, total_exact, facets = len(hits), exhausted, {}
                if plan.facets or plan.exact_total:
                    total, facets = self._count_and_facets(s, q, allowed, plan, cache, excluded, dl)
                    total_exact = True
            else:
                hits, total, facets = self._by_date(s, q, allowed, plan, cache, excluded, dl)
                total_exact = True
            if not plan.facets:
                facets = {}
            return self._raw_results(
                s, q, hits, plan, cache, total, total_exact, facets, explain, dl, lazy
            )

    def _raw_results(
        self,
        s,
        q,
        hits,
        plan: Plan,
        cache: _ReaderCache,
        total,
        total_exact,
        facets,
        explain,
        dl: Deadline,
        lazy=False,
    ):  # noqa: ANN001, ANN202
        if lazy:
            window = hits[plan.offset : plan.offset + plan.limit]
            return RawResults(_lazy_hits(s.reader(), window, cache), total, total_exact, facets)
        out = []
        for docnum, score, ordn in hits[plan.offset : plan.offset + plan.limit]:
            head = cache.head_docnum[ordn]
            doc = cache.document(s, head)
            pidx = cache.passage_index(s, docnum) if docnum != head else 0
            hit = RawHit(doc.id, score, pidx, doc)
            if explain and not dl.expired():
                hit.matched = explain_scores(s, q, docnum)
            out.append(hit)
        return RawResults(out, total, total_exact, facets)

    def _vector_scores(self, s, plan: Plan, cache: _ReaderCache, dl: Deadline):  # noqa: ANN001, ANN202
        """(scores, match mask) over every record: clauses of term and phrase
        alternatives, summed like Whoosh's And/Or of BM25F term scores.

        Bounded by ``dl``: term clauses first (vectorized), then phrase clauses,
        whose positions are checked only in documents that can still match every
        required clause (each phrase's candidates, then each checked clause, narrow
        them). A phrase left unchecked when the deadline expires matches nowhere:
        a search cut short shows fewer documents, never a wrong one."""
        import numpy as np

        from index.fast_scoring import TimeUp, phrase_candidates, phrase_matches

        n = len(cache.doc_ord)
        wmodel = s.weighting
        field_weights = getattr(wmodel, "field_weights", {})
        if plan.title_weight is not None:
            field_weights = {**field_weights, "title": plan.title_weight}
        doc_ord = cache.doc_ord_array()
        ndocs = len(cache.doc_ids)
        nothing = (np.zeros(n, dtype=np.float32), np.zeros(n, dtype=bool))
        clauses = [(i, c) for i, c in enumerate(plan.clauses) if c.occur != "must_not"]
        required = any(c.occur == "must" for _i, c in clauses)

        def docs_of(recs) -> np.ndarray:  # noqa: ANN001
            mask = np.zeros(ndocs + 1, dtype=bool)  # the extra slot takes doc_ord -1
            mask[doc_ord[recs]] = True
            mask[ndocs] = False
            return mask

        # Documents that can still match every required clause (from candidates only).
        alive = None
        try:
            for _i, c in clauses:
                if c.occur != "must" or not any(a.phrase for a in c.alts):
                    continue
                possible = np.zeros(ndocs + 1, dtype=bool)
                for a in c.alts:
                    for f in a.fields:
                        sc = cache.term_scorer(s, f)
                        if a.phrase:
                            recs = phrase_candidates(s, sc, a.words, None, dl)
                        else:
                            recs = sc.postings(s, a.words[0], dl)[0]
                        possible |= docs_of(recs)
                alive = possible if alive is None else alive & possible
        except TimeUp:
            return nothing
        accs: dict[int, np.ndarray] = {}
        must = None
        anymatch = np.zeros(n, dtype=bool)
        found: dict[tuple, np.ndarray] = {}  # (field, words) -> records, once per search
        so_far = np.zeros(n, dtype=np.float32)  # scores of the clauses done: phrases best first
        # Term-only clauses first: cheap, and they narrow where phrases are checked.
        for i, c in sorted(clauses, key=lambda ic: any(a.phrase for a in ic[1].alts)):
            restrict = alive[doc_ord] if required and alive is not None else None
            acc = np.zeros(n, dtype=np.float32)
            tacc = None  # title scores, on head records
            complete = True
            for a in c.alts:
                for f in a.fields:
                    target = acc
                    if f == "title":
                        if tacc is None:
                            tacc = np.zeros(n, dtype=np.float32)
                        target = tacc
                    sc = cache.term_scorer(s, f)
                    fw = field_weights.get(f, 1.0)
                    try:
                        if a.phrase:
                            key = (f, a.words)
                            if key not in found:
                                found[key] = phrase_matches(
                                    s, sc, a.words, dl, restrict, best_first=True, priority=so_far
                                )[0]
                            recs = found[key]
                            if len(recs):
                                target[recs] += sc.phrase_scores(s, a.words, recs, a.weight, fw)
                        else:
                            sc.add_into(target, s, a.words[0], a.weight, fw, dl)
                    except TimeUp:
                        complete = False
            if tacc is not None:
                # A title match counts for every passage of its document.
                acc += cache.spread_heads(tacc)
            matched = acc > 0
            if c.occur == "must":
                if not complete:
                    return nothing  # a required word never read: nothing is known to match
                must = matched if must is None else (must & matched)
                alive = docs_of(np.flatnonzero(must))
            else:
                anymatch |= matched
            accs[i] = acc
            so_far += acc
        total = np.zeros(n, dtype=np.float32)
        for i in sorted(accs):  # in the plan's order, as before (same float sums)
            total += accs[i]
        return total, (must if must is not None else anymatch)

    def _fast_by_date(  # noqa: ANN202
        self, s, allowed, plan: Plan, cache: _ReaderCache, excluded: set[int] | None, dl: Deadline
    ):  # noqa: ANN001
        """Every matching document ordered by date (undated last, then by id); each
        document's best-scoring passage is its hit."""
        import numpy as np

        scores, keep = self._vector_scores(s, plan, cache, dl)
        doc_ord = cache.doc_ord_array()
        keep &= (scores > 0) & (doc_ord >= 0)
        if allowed is not None:
            keep &= cache.allowed_mask(allowed)
        if excluded is None:
            # Newest (or oldest) first: the documents shown are checked first.
            dates = np.append(np.asarray(cache.dates, dtype=np.float64), 0.0)[doc_ord]
            first = dates if plan.sort == "date" else 1e9 - dates
            excluded = self._excluded_docs(s, plan, cache, dl, keep, np.where(dates > 0, first, -1))
        if excluded:
            keep &= ~np.isin(doc_ord, np.fromiter(excluded, dtype=np.int64))
        nz = np.flatnonzero(keep)
        nz = nz[np.argsort(-scores[nz], kind="stable")]
        best: dict[int, int] = {}
        for d in nz.tolist():
            best.setdefault(int(doc_ord[d]), d)
        dates, ids = cache.dates, cache.doc_ids
        newest = plan.sort == "date"
        order = sorted(
            best, key=lambda o: (dates[o] == 0, -dates[o] if newest else dates[o], ids[o])
        )
        want = plan.offset + plan.limit
        hits = [(best[o], None, o) for o in order[:want]]
        return hits, len(best), list(best)

    def _fast_top(  # noqa: ANN202
        self, s, allowed, plan: Plan, cache: _ReaderCache, excluded: set[int] | None, dl: Deadline
    ):  # noqa: ANN001
        """Vectorized ranking: top passages collapsed to documents, exact totals for free."""
        import numpy as np

        scores, keep = self._vector_scores(s, plan, cache, dl)
        if plan.authority_prior:
            scores *= cache.prior_array()
        doc_ord = cache.doc_ord_array()
        keep &= scores > 0
        keep &= doc_ord >= 0
        if allowed is not None:
            keep &= cache.allowed_mask(allowed)
        if excluded is None:
            excluded = self._excluded_docs(s, plan, cache, dl, keep, scores)  # best first
        if excluded:
            keep &= ~np.isin(doc_ord, np.fromiter(excluded, dtype=np.int64))
        if plan.title_first and plan.collapse:
            from index.title_rank import rank_title_first

            return rank_title_first(s, plan, cache, scores, keep)
        nz = np.flatnonzero(keep)
        ords_all = np.unique(doc_ord[nz])
        want = plan.offset + plan.limit
        m = min(len(nz), max(want * 20, 200))
        while True:
            top = nz[np.argpartition(-scores[nz], m - 1)[:m]] if m < len(nz) else nz
            top = top[np.argsort(-scores[top], kind="stable")]
            seen: dict[int, tuple[int, float, int]] = {}
            for d in top.tolist():
                o = int(doc_ord[d])
                key = o if plan.collapse else -1 - d
                if key not in seen:
                    seen[key] = (d, float(scores[d]), o)
                    if len(seen) >= want and not plan.collapse:
                        break
            if len(seen) >= want or m >= len(nz):
                break
            m = min(len(nz), m * 8)
        ranked = sorted(seen.values(), key=lambda t: (-round(t[1], 5), cache.doc_ids[t[2]], t[0]))
        return ranked, len(ords_all) if plan.collapse else len(nz), ords_all.tolist()

    def _excluded_docs(  # noqa: ANN001
        self, s, plan: Plan, cache: _ReaderCache, dl: Deadline, keep=None, priority=None
    ) -> set[int]:
        """Ordinals of the documents an exclusion (``-word``, ``-"phrase"``) removes;
        with ``keep`` (a record mask) only documents holding a kept record are checked,
        those ranked highest by ``priority`` (a value per record) first. Phrase
        candidates left unchecked by the deadline are excluded too: a search cut
        short may miss documents, never show one the user excluded."""
        import numpy as np

        from index.fast_scoring import TimeUp, phrase_matches

        neg = [c for c in plan.clauses if c.occur == "must_not"]
        if not neg:
            return set()
        doc_ord = cache.doc_ord_array()
        ndocs = len(cache.doc_ids)
        wanted = np.ones(ndocs + 1, dtype=bool)  # the extra slot takes doc_ord -1
        if keep is not None:
            wanted[:] = False
            wanted[doc_ord[np.flatnonzero(keep)]] = True
        wanted[ndocs] = False
        out = np.zeros(ndocs + 1, dtype=bool)
        for c in neg:
            for a in c.alts:
                for f in a.fields:
                    sc = cache.term_scorer(s, f)
                    try:
                        if a.phrase:
                            todo = (wanted & ~out)[doc_ord]
                            recs, left = phrase_matches(
                                s, sc, a.words, dl, todo, group=doc_ord, priority=priority
                            )
                            recs = np.concatenate([recs, left])
                        else:
                            recs = sc.postings(s, a.words[0], dl)[0]
                    except TimeUp:
                        return set(range(ndocs))  # unknown: show nothing rather than too much
                    out[doc_ord[recs]] = True
        out[ndocs] = False
        return set(np.flatnonzero(out & wanted).tolist())

    def _top_docs(  # noqa: ANN202
        self, s, q, allowed, plan: Plan, cache: _ReaderCache, excluded: set[int], dl: Deadline
    ):  # noqa: ANN001
        """Top passages by score, collapsed to their documents (or not)."""
        want = plan.offset + plan.limit
        limit = max(want * 4, 50)
        flt = allowed[1] if allowed is not None else None
        while True:
            collector = TimeLimitCollector(
                s.collector(limit=limit, filter=flt),
                timelimit=max(0.01, dl.remaining()),
                use_alarm=False,
            )
            try:
                s.search_with_collector(q, collector)
            except TimeLimit:
                dl.cut_short = True
            res = collector.results()
            seen: dict[int, tuple[int, float, int]] = {}
            order: list[int] = []
            for docnum, score in res.items():
                ordn = cache.doc_ord[docnum]
                if ordn < 0 or ordn in excluded:
                    continue
                key = ordn if plan.collapse else -1 - docnum
                if key in seen:
                    continue
                seen[key] = (docnum, score, ordn)
                order.append(key)
            exhausted = res.scored_length() < limit
            if dl.cut_short:
                exhausted = True
            if len(order) >= want or exhausted:
                ranked = [seen[o] for o in order]
                # Stable tie-break: equal scores fall back to document id.
                ranked.sort(key=lambda t: (-round(t[1], 6), cache.doc_ids[t[2]], t[0]))
                return ranked, exhausted
            limit *= 4

    def _matching_ords(
        self, s, q, allowed, cache: _ReaderCache, excluded: set[int], dl: Deadline
    ) -> dict[int, int]:  # noqa: ANN001
        """Every matching document: ordinal -> its first matching passage docnum."""
        first: dict[int, int] = {}
        doc_ord = cache.doc_ord
        live = cache.live
        flt = allowed[1] if allowed is not None else None
        for i, d in enumerate(s.docs_for_query(q)):
            if (flt is not None and d not in flt) or (live is not None and d not in live):
                continue
            if i & 4095 == 4095 and dl.expired():
                break  # counts and facets become a lower bound
            o = doc_ord[d]
            if o >= 0 and o not in first:
                first[o] = d
        for o in excluded:
            first.pop(o, None)
        return first

    def _by_date(  # noqa: ANN202
        self, s, q, allowed, plan: Plan, cache: _ReaderCache, excluded: set[int], dl: Deadline
    ):  # noqa: ANN001
        first = self._matching_ords(s, q, allowed, cache, excluded, dl)
        dates = cache.dates
        ids = cache.doc_ids
        newest = plan.sort == "date"
        # Undated documents go last either way; ties fall back to document id.
        order = sorted(
            first,
            key=lambda o: (dates[o] == 0, -dates[o] if newest else dates[o], ids[o]),
        )
        want = plan.offset + plan.limit
        hits = [(first[o], None, o) for o in order[:want]]
        # Facets only when asked for: counting them costs as much as the sort.
        return hits, len(first), self._facets(first.keys(), cache, plan, dl) if plan.facets else {}

    def _count_and_facets(  # noqa: ANN202
        self, s, q, allowed, plan: Plan, cache: _ReaderCache, excluded: set[int], dl: Deadline
    ):  # noqa: ANN001
        key = plan.cache_key()
        with self._lock:
            if key in self._facet_cache:
                self._facet_cache.move_to_end(key)
                return self._facet_cache[key]
        ords = self._matching_ords(s, q, allowed, cache, excluded, dl)
        out = (len(ords), self._facets(ords.keys(), cache, plan, dl))
        if dl.cut_short:
            return out
        with self._lock:
            self._facet_cache[key] = out
            if len(self._facet_cache) > 512:
                self._facet_cache.popitem(last=False)
        return out

    @staticmethod
    def _facets(  # noqa: ANN001
        ords, cache: _ReaderCache, plan: Plan, dl: Deadline
    ) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name, values in cache.facet_values.items():
            if dl.expired():
                break  # the facets counted so far (the search says it was cut short)
            c = Counter(values[o] for o in ords)
            for empty in ("", None, 0):
                c.pop(empty, None)
            facets[name] = {str(k): v for k, v in c.most_common()}
        if plan.year_from is not None and plan.year_from == plan.year_to:
            # One year chosen: its months ("2021-06"), for a timeline by month.
            dates = cache.dates
            months = Counter(dates[o] // 100 for o in ords)
            months.pop(0, None)
            facets["month"] = {
                f"{m // 100}-{m % 100:02d}": n for m, n in months.most_common() if m % 100
            }
        return facets


def _lazy_hits(reader, window, cache: _ReaderCache) -> Iterator[RawHit]:  # noqa: ANN001
    """The hits of ``window`` ((docnum, score, ordinal) triples), read one at a time."""
    for docnum, score, ordn in window:
        head = cache.head_docnum[ordn]
        doc = Document.from_json(reader.stored_fields(head)["doc"])
        pidx = reader.stored_fields(docnum).get("pidx", 0) if docnum != head else 0
        yield RawHit(doc.id, score, pidx, doc)


# --- plan -> Whoosh queries ----------------------------------------------------


def _vectorizable(plan: Plan) -> bool:
    """Plans of term and phrase alternatives over the text fields (all but
    document-number lookups) are ranked by the vectorized path."""
    clauses = [c for c in plan.clauses if c.occur != "must_not"]
    return bool(clauses) and all(
        f in TEXT_FIELDS for c in clauses for a in c.alts for f in a.fields
    )


def _alt_query(alt: Alt) -> Q.Query:
    parts = []
    for f in alt.fields:
        if alt.phrase:
            parts.append(Q.Phrase(f, list(alt.words), boost=alt.weight))
        else:
            parts.append(Q.Term(f, alt.words[0], boost=alt.weight))
    return parts[0] if len(parts) == 1 else Q.Or(parts)


def _clause_query(c: Clause) -> Q.Query:
    qs = [_alt_query(a) for a in c.alts]
    return qs[0] if len(qs) == 1 else Q.Or(qs)


def build_query(plan: Plan) -> Q.Query | None:
    must = [_clause_query(c) for c in plan.clauses if c.occur == "must"]
    should = [_clause_query(c) for c in plan.clauses if c.occur == "should"]
    if must and should:
        return Q.AndMaybe(Q.And(must) if len(must) > 1 else must[0], Q.Or(should))
    if must:
        return Q.And(must) if len(must) > 1 else must[0]
    if should:
        return Q.Or(should)
    return None


def explain_scores(s, q: Q.Query, docnum: int) -> dict[str, float]:  # noqa: ANN001
    """Per-term BM25F contributions for one record (for --explain)."""
    out: dict[str, float] = {}
    w = s.weighting
    for leaf in q.leaves():
        if isinstance(leaf, Q.Term):
            fieldname, text = leaf.fieldname, leaf.text
            try:
                m = s.postings(fieldname, text)
            except Exception:  # term not in the index
                continue
            if m.is_active():
                m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                sc = w.scorer(s, fieldname, text).score(m) * leaf.boost
                out[f"{fieldname}:{text}"] = round(sc, 3)
        elif isinstance(leaf, Q.Phrase):
            sc = _phrase_score_at(s, leaf.fieldname, tuple(leaf.words), docnum)
            if sc:
                out[f'{leaf.fieldname}:"{" ".join(leaf.words)}"'] = round(sc * leaf.boost, 3)
    return out


def _phrase_score_at(s, fieldname: str, words: tuple[str, ...], docnum: int) -> float:  # noqa: ANN001
    """Whoosh's score of a phrase at one record, or 0 (checked at that record only:
    Whoosh's phrase matcher would walk on to the next match, at unbounded cost)."""
    from index.fast_scoring import phrase_at

    order = list(dict.fromkeys(words))
    try:
        matchers = {w: s.postings(fieldname, w) for w in order}
    except Exception:  # a word not in the index
        return 0.0
    offsets = {w: [j for j, x in enumerate(words) if x == w] for w in order}
    if not phrase_at(matchers, order, offsets, docnum):
        return 0.0
    total = 0.0
    for w in words:
        m = s.postings(fieldname, w)
        m.skip_to(docnum)
        total += s.weighting.scorer(s, fieldname, w).score(m)
    return total
