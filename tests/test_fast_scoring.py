"""The vectorized BM25 of index/fast_scoring.py against Whoosh's own BM25F scores.

The fixture corpus is small and made up, but has what the comparison needs: a
field with its own length normalisation (title, B 0.3) beside a default one
(body, B 0.75), documents of very different lengths, repeated words, and two
segments, so record ids are offset across leaf readers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Phrase, Term

from index.deadline import Deadline
from index.fast_scoring import TermScorer, phrase_matches

K1, B, TITLE_B = 1.2, 0.75, 0.3
WORDS = [
    "data",
    "security",
    "law",
    "market",
    "order",
    "price",
    "energy",
    "water",
    "land",
    "tax",
    "trade",
]
TERMS = ("data", "security", "tax", "water", "absent")


def _corpus() -> list[dict[str, str]]:
    rng = random.Random(14)
    docs = []
    for n in range(40):
        body = [rng.choice(WORDS) for _ in range(rng.randint(1, 60))]
        if n % 5 == 0:
            body += ["data", "security"] * rng.randint(1, 4)  # the phrase, repeated
        title = [rng.choice(WORDS) for _ in range(rng.randint(1, 5))]
        docs.append({"id": f"d{n}", "title": " ".join(title), "body": " ".join(body)})
    return docs


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    folder: Path = tmp_path_factory.mktemp("bm25")
    schema = Schema(id=ID(stored=True, unique=True), title=TEXT(), body=TEXT())
    ix = whoosh_index.create_in(str(folder), schema)
    docs = _corpus()
    for part in (docs[:25], docs[25:]):  # two commits: two segments
        w = ix.writer()
        for d in part:
            w.add_document(**d)
        w.commit(merge=False)
    weighting = scoring.BM25F(B=B, K1=K1, title_B=TITLE_B)
    s = ix.searcher(weighting=weighting)
    assert len(list(s.reader().leaf_readers())) == 2
    try:
        yield s
    finally:
        s.close()
        ix.close()


def _whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def _vector_scores(searcher, field: str, b: float, term: str, weight: float = 1.0) -> np.ndarray:
    scorer = TermScorer(searcher, field, k1=K1, b=b)
    acc = np.zeros(scorer.n, dtype=np.float64)
    scorer.add_into(acc, searcher, term, weight)
    return acc


@pytest.mark.parametrize("field,b", [("body", B), ("title", TITLE_B)])
@pytest.mark.parametrize("term", TERMS)
def test_term_scores_equal_whooshs(searcher, field: str, b: float, term: str) -> None:
    expected = _whoosh_scores(searcher, Term(field, term))
    acc = _vector_scores(searcher, field, b, term)
    assert set(np.flatnonzero(acc)) == set(expected)
    for docnum, score in expected.items():
        assert acc[docnum] == pytest.approx(score, rel=1e-5)
    if term != "absent":
        assert expected, f"the fixture should hold {term!r} in {field}"


def test_weight_scales_like_a_boost(searcher) -> None:
    expected = _whoosh_scores(searcher, Term("title", "data", boost=0.4))
    acc = _vector_scores(searcher, "title", TITLE_B, "data", weight=0.4)
    assert expected
    for docnum, score in expected.items():
        assert acc[docnum] == pytest.approx(score, rel=1e-5)


def test_add_into_at_puts_each_records_score_in_its_slot(searcher) -> None:
    scorer = TermScorer(searcher, "body", k1=K1, b=B)
    plain = np.zeros(scorer.n, dtype=np.float32)
    scorer.add_into(plain, searcher, "data", 0.7)
    # Even records get a slot each (in reverse), odd ones share a discarded last slot.
    spare = scorer.n
    at = np.array([scorer.n - 1 - r if r % 2 == 0 else spare for r in range(scorer.n)])
    slots = np.zeros(scorer.n + 1, dtype=np.float32)
    scorer.add_into(slots, searcher, "data", 0.7, at=at)
    even = np.arange(0, scorer.n, 2)
    assert plain[even].any()
    assert np.array_equal(slots[at[even]], plain[even])
    assert not slots[: scorer.n][np.isin(np.arange(scorer.n), at[even], invert=True)].any()


def test_phrase_records_and_scores_equal_whooshs(searcher) -> None:
    words = ("data", "security")
    expected = _whoosh_scores(searcher, Phrase("body", list(words)))
    scorer = TermScorer(searcher, "body", k1=K1, b=B)
    recs, unchecked = phrase_matches(searcher, scorer, words, Deadline(60.0))
    assert not len(unchecked)
    assert sorted(int(r) for r in recs) == sorted(expected)
    scores = scorer.phrase_scores(searcher, words, recs, 1.0)
    assert len(expected) >= 8
    for r, score in zip(recs, scores, strict=True):
        assert float(score) == pytest.approx(expected[int(r)], rel=1e-5)


@pytest.mark.parametrize("field", ["title", "body", "absent"])
def test_field_lengths_read_at_once_are_whooshs_own(searcher, field: str) -> None:
    """A segment's length column read at once gives every record the length Whoosh's
    doc_field_length gives it (0 where it has none), across both segments."""
    from index.fast_scoring import _length_codes, field_lengths

    reader = searcher.reader()
    for leaf, _offset in reader.leaf_readers():  # the column read at once, not the fallback
        assert _length_codes(leaf, field, leaf.doc_count_all()) is not None
    one_by_one = [
        leaf.doc_field_length(d, field, 0) or 0
        for leaf, _offset in reader.leaf_readers()
        for d in range(leaf.doc_count_all())
    ]
    got = field_lengths(reader, field)
    assert got.tolist() == one_by_one
    assert len(reader.leaf_readers()) == 2
    if field != "absent":
        assert got.max() > 0
