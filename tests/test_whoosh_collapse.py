"""The Whoosh backend's per-document steps: a title score counted for every passage
(``ReaderCache.add_per_document``), each document's best record
(``first_per_document``) and the tie-broken page (``tie_broken`` with ``first``).

Each is checked against the plain computation it replaces, on made-up arrays and
on the fixture index with an updated document (so it holds deleted records).
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from index.document import Document
from index.readers import read_paths
from index.whoosh_backend import WhooshBackend
from index.whoosh_ranking import collapse, first_per_document, tie_broken
from tests.conftest import DOCS


def test_first_per_document_keeps_each_documents_first_record_in_order() -> None:
    rng = np.random.default_rng(3)
    doc_ord = rng.integers(0, 40, size=500)
    recs = rng.permutation(500)  # "best first"
    got = first_per_document(recs, doc_ord).tolist()
    scored = ((int(d), 0.0, int(doc_ord[d])) for d in recs)
    assert got == [d for d, _s, _o in collapse(scored, True).values()]
    assert len(got) == len(set(doc_ord.tolist()))


def test_first_per_document_of_nothing_is_nothing() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert first_per_document(empty, np.arange(5)).tolist() == []


def _seen(scores: list[float], ords: list[int]) -> dict[int, tuple[int, float, int]]:
    """Hits best first, as fast_top collects them (record d of document ords[d])."""
    order = sorted(range(len(scores)), key=lambda d: -scores[d])
    return {ords[d]: (d, scores[d], ords[d]) for d in order}


def test_tie_broken_first_is_the_start_of_the_full_order() -> None:
    rng = random.Random(5)
    for _ in range(50):
        n = rng.randint(1, 60)
        # Few distinct values: many ties, some equal only to 5 places.
        scores = [rng.choice((1.0, 2.0, 2.0000001, 3.5, 3.500004)) for _ in range(n)]
        ords = rng.sample(range(100), n)
        cache = SimpleNamespace(doc_ids=[f"doc{rng.randint(0, 9999):04d}" for _ in range(100)])
        seen = _seen(scores, ords)
        full = tie_broken(seen, cache, 5)
        for first in (1, 3, 10, n, n + 5):
            assert tie_broken(seen, cache, 5, first=first) == full[:first]


def test_tie_broken_first_reaches_past_the_cut_for_a_tie() -> None:
    # Two documents tie (to 5 places) for the last place; the lower id wins it
    # although its record comes later in score order.
    seen = _seen([3.0, 2.0000001, 2.0], [0, 1, 2])
    cache = SimpleNamespace(doc_ids=["a", "z", "b"])
    assert [o for _d, _s, o in tie_broken(seen, cache, 5, first=2)] == [0, 2]


@pytest.fixture
def updated_backend(writable_index: Path):
    """The fixture index with one multi-passage document written again: its old
    records stay, deleted, in the first segment."""
    backend = WhooshBackend(writable_index)
    docs = [d for d in read_paths([DOCS]) if isinstance(d, Document)]
    law = max(docs, key=lambda d: len(d.body))
    law.title += "（修订）"
    backend.add_documents([law])
    try:
        yield backend
    finally:
        backend.close()


def test_per_document_values_reach_every_live_record(updated_backend) -> None:
    with updated_backend.searcher() as s:
        cache = updated_backend._reader_cache(s)
        doc_ord = cache.doc_ord_array()
        ndocs = len(cache.doc_ids)
        assert (doc_ord < 0).any(), "the fixture should hold deleted records"

        heads = cache.head_ord_array()
        assert heads.tolist() == [
            cache.head_docnum.index(r) if r in cache.head_docnum else ndocs
            for r in range(len(doc_ord))
        ]
        order, starts = cache.records_by_document()
        for o in range(ndocs):
            assert (
                order[starts[o] : starts[o + 1]].tolist() == np.flatnonzero(doc_ord == o).tolist()
            )

        rng = np.random.default_rng(7)
        base = rng.random(len(doc_ord)).astype(np.float32)
        for share in (0.1, 1.0):  # a few documents (by group), most (one pass)
            per_doc = np.zeros(ndocs + 1, dtype=np.float32)
            picked = rng.random(ndocs) < share
            per_doc[:ndocs][picked] = rng.random(int(picked.sum())).astype(np.float32)
            acc = base.copy()
            cache.add_per_document(acc, per_doc)
            want = base + np.where(doc_ord >= 0, per_doc[np.maximum(doc_ord, 0)], 0)
            assert np.array_equal(acc, want)
