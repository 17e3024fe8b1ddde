"""The Whoosh backend's per-generation reader cache: columns and arrays for ranking.

Place in the flow: ``WhooshBackend`` builds one ``ReaderCache`` per index commit
(from a searcher on it); the ranking functions (index.whoosh_ranking, and
index.title_rank) read its arrays -- docnum -> document ordinal, per-document
facet values and dates, the vectorized term scorers -- instead of Whoosh's
per-record stored fields, and it keeps the documents of recent hits.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import replace

from index.document import DATE_YEARS, Document
from index.plan import LIGHT_TEXT, Plan
from index.ranking import DEFAULT_RANKING, RankingProfile
from index.schema import FACET_FIELDS

# Documents of search hits kept per index generation, by the length of their stored
# JSON (~8 M characters): a title lookup reads ~100 candidates per query, and
# decompressing and decoding them cost more than ranking; the same documents (laws,
# State Council opinions) come back for many queries. Hits' documents are shared:
# read only.
MAX_CACHED_DOC_CHARS = 8_000_000
# Passage headings kept per generation (index.pool's pool hits carry them): one
# reference per passage, the distinct headings shared.
MAX_CACHED_HEADINGS = 4_000_000
# Light documents (``Plan.light_documents``: metadata and the head of the text) kept
# besides, by characters: a pass of the suite's English titles reads ~3,000 distinct
# documents for the lookup's pools, too many to keep whole; light, they fit, and
# decoding them again was a third of an English title's time.
MAX_LIGHT_DOC_CHARS = 8_000_000


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

    def __init__(self, reader, name: str) -> None:
        self._starts: list[int] = []
        self._cols: list = []
        for leaf, offset in reader.leaf_readers():
            self._starts.append(offset)
            self._cols.append(leaf.column_reader(name) if leaf.has_column(name) else None)

    def __getitem__(self, docnum: int):
        i = bisect_right(self._starts, docnum) - 1
        col = self._cols[i] if i >= 0 else None
        if col is None:
            return ""
        try:
            return col[docnum - self._starts[i]]
        except IndexError:
            return ""


class ReaderCache:
    """Per-generation arrays for fast collapse and facets: docnum -> document
    ordinal, document ordinal -> facet values; and, filled as searches go, the
    documents of hits, passage numbers and term counts. Built once per index commit."""

    def __init__(self, searcher) -> None:
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
        self._start_fills()
        # Deleted records keep their docnum until a merge; live heads only.
        self.live = None
        if reader.has_deletions():
            self.live = {d for d in range(n) if not reader.is_deleted(d)}

    def _start_fills(self) -> None:
        """The caches that searches fill as they go, empty."""
        self._allowed: OrderedDict = OrderedDict()
        self.value_counts: dict[str, dict[str, int]] = {}  # WhooshBackend.field_values
        self._lock = threading.Lock()
        self._scorers: dict = {}
        self._prior = None
        self._heads_np = None
        self._head_ord_np = None
        self._by_doc = None
        self._doc_ord_np = None
        self._masks: dict = {}
        self._docs: OrderedDict[int, tuple[Document, int]] = OrderedDict()
        self._doc_chars = 0
        self._light: OrderedDict[int, tuple[Document, int]] = OrderedDict()
        self._light_chars = 0
        self._pidx: dict[int, int] = {}
        self._headings: dict[int, tuple[str, tuple[str, ...]]] = {}  # see heading()
        self._heading_count = 0
        self._df: dict[tuple[str, str], int] = {}

    def document(self, searcher, head: int) -> Document:
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

    def heading(self, searcher, head: int, passage: int) -> str:
        """``Document.heading(passage)`` of the document on ``head``: its headings are kept
        (head -> no passage's, each passage's; a few words per passage) once it is read,
        so the stored document is not read again for them."""
        got = self._headings.get(head)
        if got is None:
            got = self._note_headings(head, self.document(searcher, head))
        none, heads = got
        return heads[passage] if 0 <= passage < len(heads) else none

    def _note_headings(self, head: int, doc: Document) -> tuple[str, tuple[str, ...]]:
        got = self._headings.get(head)
        if got is not None:
            return got
        if self._heading_count > MAX_CACHED_HEADINGS:
            self._headings, self._heading_count = {}, 0  # bounded: start again
        shared: dict[str, str] = {}  # one string per distinct heading
        heads = tuple(shared.setdefault(h, h) for h in map(doc.heading, range(len(doc.passages))))
        got = self._headings[head] = (doc.heading(-1), heads)
        self._heading_count += len(heads) + 1
        return got

    def light_document(self, searcher, head: int) -> tuple[Document, bool]:
        """(the document stored on a head record, whether it is light): the whole one
        when it is at hand, else its light copy (``RawHit.light``). Shared, read only."""
        with self._lock:
            hit = self._docs.get(head)
            if hit is not None:
                self._docs.move_to_end(head)
                return hit[0], False
            held = self._light.get(head)
            if held is not None:
                self._light.move_to_end(head)
                return held[0], True
        doc = self.document(searcher, head)
        light = replace(doc, body=doc.body[:LIGHT_TEXT], passages=[])
        size = len(light.title) + len(light.subtitle) + len(light.body) + 200  # + metadata
        with self._lock:
            if head not in self._light:
                self._light[head] = (light, size)
                self._light_chars += size
                while self._light_chars > MAX_LIGHT_DOC_CHARS and len(self._light) > 1:
                    _, (_d, gone) = self._light.popitem(last=False)
                    self._light_chars -= gone
        return doc, False

    def doc_frequency(self, searcher, field: str, word: str) -> int:
        """Records holding ``word`` in ``field`` (cached: Whoosh reads the term
        index on every call)."""
        key = (field, word)
        v = self._df.get(key)
        if v is None:
            if len(self._df) >= 100_000:  # distinct query words: start again, bounded
                self._df.clear()
            v = self._df[key] = searcher.doc_frequency(field, word)
        return v

    def known_frequency(self, field: str, word: str) -> int | None:
        """The cached count of :meth:`doc_frequency`, or None."""
        return self._df.get((field, word))

    def passage_index(self, searcher, docnum: int) -> int:
        """The passage number stored on a passage record (cached)."""
        v = self._pidx.get(docnum)
        if v is None:
            v = self._pidx[docnum] = searcher.stored_fields(docnum).get("pidx", 0)
        return v

    def term_scorer(
        self,
        searcher,
        field: str = "body",
        ranking: RankingProfile = DEFAULT_RANKING,
    ):
        """The vectorized BM25 scorer of one field, with the profile's parameters."""
        key = (field, ranking.k1, ranking.b_of(field))
        with self._lock:
            scorer = self._scorers.get(key)
            if scorer is None:
                from index.fast_scoring import TermScorer

                scorer = self._scorers[key] = TermScorer(searcher, field, k1=key[1], b=key[2])
            return scorer

    def prior_array(self, ranking: RankingProfile = DEFAULT_RANKING):
        """Per-record authority weights (``RankingProfile.prior``)."""
        if self._prior is None or self._prior[0] is not ranking:
            import numpy as np

            lv, rg = self.facet_values["level"], self.facet_values["region"]
            per_doc = np.array(
                [ranking.prior(lv[o], rg[o]) for o in range(len(lv))], dtype=np.float32
            )
            do = self.doc_ord_array()
            prior = np.where(do >= 0, per_doc[np.maximum(do, 0)], 1.0).astype(np.float32)
            self._prior = (ranking, prior)
        return self._prior[1]

    def head_ord_array(self):
        """Per record: its document's ordinal if it is that document's (live) head
        record, else the number of documents (a spare slot)."""
        if self._head_ord_np is None:
            import numpy as np

            out = np.full(len(self.doc_ord), len(self.doc_ids), dtype=np.int64)
            out[self.head_array()] = np.arange(len(self.doc_ids), dtype=np.int64)
            self._head_ord_np = out
        return self._head_ord_np

    def records_by_document(self):
        """(live records grouped by document ordinal, each group ascending; the
        start of each document's group, one more entry at the end)."""
        if self._by_doc is None:
            import numpy as np

            do = self.doc_ord_array()
            live = np.flatnonzero(do >= 0)
            order = live[np.argsort(do[live], kind="stable")]
            counts = np.bincount(do[live], minlength=len(self.doc_ids))
            starts = np.zeros(len(self.doc_ids) + 1, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            self._by_doc = (order, starts)
        return self._by_doc

    def add_per_document(self, acc, per_doc) -> None:
        """``acc`` (per record) += ``per_doc`` (per document ordinal, one spare slot
        at the end that must be 0) of each record's document: a value of the head
        record (a title score) counted for every passage."""
        import numpy as np

        docs = np.flatnonzero(per_doc[:-1] != 0)  # a mask: nonzero on floats is slow
        order, starts = self.records_by_document()
        counts = starts[docs + 1] - starts[docs]
        total = int(counts.sum())
        if total * 4 > len(acc):  # most records: one pass over all of them is cheaper
            acc += per_doc[self.doc_ord_array()]  # doc_ord -1 (deleted) picks the spare 0
            return
        # Each group's positions in ``order``: its start, then consecutive.
        pos = np.repeat(starts[docs] - (np.cumsum(counts) - counts), counts)
        pos += np.arange(total, dtype=np.int64)
        acc[order[pos]] += np.repeat(per_doc[docs], counts)

    def head_array(self):
        if self._heads_np is None:
            import numpy as np

            self._heads_np = np.asarray(self.head_docnum, dtype=np.int64)
        return self._heads_np

    def doc_ord_array(self):
        if self._doc_ord_np is None:
            import numpy as np

            self._doc_ord_np = np.asarray(self.doc_ord, dtype=np.int64)
        return self._doc_ord_np

    def allowed_mask(self, allowed):
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
