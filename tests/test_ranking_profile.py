"""The ranking profile (``index.ranking``) is defined once and honoured by the
Whoosh backend on both of its paths (vectorized and Whoosh's matcher)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import segmenter
from index.analysis import terms
from index.backends import open_backend
from index.plan import Alt, Backend, Clause, Plan
from index.ranking import DEFAULT_RANKING, INDEX_BOOSTS, RankingProfile
from index.schema import build_schema


@pytest.fixture
def backend(fixture_index: Path) -> Iterator[Backend]:
    segmenter.configure([])
    b = open_backend(fixture_index)
    b.time_limit = 60.0  # generous: a loaded machine must not cut these searches short
    yield b
    b.close()


def scores(
    backend: Backend, words: tuple[str, ...], fields: tuple[str, ...], **plan: Any
) -> dict[str, float]:
    clauses = [Clause((Alt((w,), fields=fields),), "should") for w in words]
    res = backend.search(Plan(clauses, limit=50, **plan))
    assert not res.partial
    return {h.doc_id: h.score for h in res.hits}


def test_index_time_boosts_come_from_the_profile() -> None:
    schema = build_schema()
    for name, boost in INDEX_BOOSTS.items():
        assert schema[name].format.field_boost == boost


@pytest.mark.parametrize("extra", [(), ("docnum",)], ids=["vectorized", "whoosh"])
def test_a_field_weight_scales_that_field_on_both_paths(
    backend: Backend, extra: tuple[str, ...]
) -> None:
    words = tuple(terms("个人信息 关于 数据"))
    fields = ("title", *extra)
    base = scores(backend, words, fields)
    assert len(base) >= 3, "the fixture has titles with these words"
    doubled = RankingProfile(field_weights={"title": 2 * DEFAULT_RANKING.field_weight("title")})
    twice = scores(backend, words, fields, ranking=doubled)
    assert twice.keys() == base.keys()
    for doc_id, s in base.items():
        assert twice[doc_id] == pytest.approx(2 * s, rel=1e-4)


def test_bm25_parameters_reach_both_paths_alike(backend: Backend) -> None:
    words = tuple(terms("个人信息 保护"))
    profile = RankingProfile(k1=2.0, b=0.5)
    fast = scores(backend, words, ("body",), ranking=profile)
    slow = scores(backend, words, ("body", "docnum"), ranking=profile)
    default = scores(backend, words, ("body",))
    assert fast.keys() == slow.keys() == default.keys()
    for doc_id, s in fast.items():
        assert slow[doc_id] == pytest.approx(s, rel=1e-4)
    assert any(fast[d] != pytest.approx(default[d], rel=1e-3) for d in fast)


def test_the_authority_prior_is_the_profiles(backend: Backend) -> None:
    words = tuple(terms("个人信息"))
    plain = scores(backend, words, ("body",))
    laws = RankingProfile(authority_prior={"level": {"法律": 10.0}})
    weighted = scores(backend, words, ("body",), ranking=laws, authority_prior=True)
    doc_level = {d: backend.get_document(d).level for d in plain}
    assert "法律" in doc_level.values() and set(doc_level.values()) != {"法律"}
    for doc_id, s in plain.items():
        factor = 10.0 if doc_level[doc_id] == "法律" else 1.0
        assert weighted[doc_id] == pytest.approx(factor * s, rel=1e-4)
