"""Term-at-a-time BM25 for long questions, on cached posting arrays.

Place in the flow: the Whoosh backend's search path for plans made of terms
and phrases (nearly all of them). Whoosh evaluates a query as a tree of
matchers in pure Python -- hundreds of milliseconds for a dozen common words
over ~190k passage records; here each term's postings are read once per index
generation into numpy arrays and scores are accumulated with vectorized BM25
-- the same formula, parameters, field weights and stored weights as Whoosh's
BM25F, so rankings agree with the Whoosh path up to float rounding. Phrases
are still matched by Whoosh (positions), and added in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

MAX_CACHED_POSTINGS = 12_000_000  # ~96 MB of int32 ids + float32 weights


class TermScorer:
    """BM25 over one field for one index generation (shared by all threads)."""

    def __init__(self, searcher, field: str, k1: float, b: float) -> None:  # noqa: ANN001
        reader = searcher.reader()
        self.field = field
        self.k1 = k1
        self.b = b
        self.n = reader.doc_count_all()
        lengths = np.zeros(self.n, dtype=np.float32)
        for leaf, offset in reader.leaf_readers():
            dfl = leaf.doc_field_length
            for d in range(leaf.doc_count_all()):
                lengths[offset + d] = dfl(d, field, 0)
        self.lengths = lengths
        self.avg = searcher.avg_field_length(field) or 1.0  # as Whoosh's BM25F has it
        self.norm = (k1 * ((1 - b) + b * lengths / self.avg)).astype(np.float32)
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()

    def postings(self, searcher, term: str) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        with self._lock:
            hit = self._cache.get(term)
            if hit is not None:
                self._cache.move_to_end(term)
                return hit
        ids: list[int] = []
        weights: list[float] = []
        for leaf, offset in searcher.reader().leaf_readers():
            if (self.field, term) not in leaf:
                continue
            m = leaf.postings(self.field, term)
            # Read whole blocks: Whoosh's per-posting calls cost more than BM25 itself.
            read_ids, read_weights = (
                getattr(m, "_read_ids", None),
                getattr(m, "_read_weights", None),
            )
            while m.is_active():
                if read_ids is not None and read_weights is not None:
                    read_ids()
                    read_weights()
                    ids.extend(d + offset for d in m._ids)  # noqa: SLF001
                    weights.extend(m._weights)  # noqa: SLF001
                    m._next_block()  # noqa: SLF001
                else:  # pragma: no cover - another codec
                    ids.append(m.id() + offset)
                    weights.append(m.weight())
                    m.next()
        out = (np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32))
        with self._lock:
            self._cache[term] = out
            self._cached += len(ids)
            while self._cached > MAX_CACHED_POSTINGS and len(self._cache) > 1:
                _, (old, _w) = self._cache.popitem(last=False)
                self._cached -= len(old)
        return out

    def add_into(
        self, acc: np.ndarray, searcher, term: str, weight: float, idf_scale: float = 1.0
    ) -> None:  # noqa: ANN001
        """acc += weight * BM25(term) for every record holding the term in this field."""
        ids, tf = self.postings(searcher, term)
        if len(ids):
            idf = searcher.idf(self.field, term) * idf_scale
            acc[ids] += (weight * idf) * (tf * (self.k1 + 1)) / (tf + self.norm[ids])
