"""English words that once expanded to Chinese no policy text means (issue 10):
"Engage" -> 聘任 and "personal" -> 人员 (curated renderings whose stems collided:
engagement, persons), "Push" -> 捘/拨 (CC-CEDICT). Shipped glossary with CC-CEDICT,
the way the engine loads it."""

from __future__ import annotations

import pytest

from index.glossary import Glossary
from search.expand import expand


@pytest.fixture(scope="module")
def g() -> Glossary:
    return Glossary.load()


def targets(g: Glossary, q: str) -> list[str]:
    return [e.target for e in expand(q, g)]


@pytest.mark.parametrize(
    "q,wrong",
    [
        ("Engage", {"聘任", "婚约"}),
        ("engage", {"聘任", "婚约"}),
        ("personal", {"人员", "人格"}),
        ("Personal", {"人员", "人格"}),
        ("Push", {"捘", "拨"}),
        ("push", {"捘", "拨"}),
    ],
)
def test_misfiring_expansions_are_gone(g: Glossary, q: str, wrong: set[str]) -> None:
    got = targets(g, q)
    assert got, f"{q!r} should still expand"
    assert not wrong & set(got), (q, got)


@pytest.mark.parametrize(
    "q,meant",
    [
        ("personal information", "个人信息"),
        ("personal", "个人"),
        ("engage in", "从事"),
        ("push", "推动"),
        ("hiring", "聘任"),
        ("personnel", "人员"),
    ],
)
def test_what_policy_text_means(g: Glossary, q: str, meant: str) -> None:
    got = expand(q, g)
    assert got and got[0].target == meant, [(e.target, e.origin) for e in got]
    assert got[0].origin == "curated"


def test_the_fixed_entries_do_not_change_segmentation(g: Glossary) -> None:
    # Query-side vocabulary only: "general" terms are not segmentation words, so the
    # glossary fingerprint stored in an index (index/glossary.py) is not affected.
    words = set(g.segmentation_words())
    for zh in ("个人", "从事", "人员", "聘任", "推动"):
        assert g.zh_entry(zh) is not None and g.zh_entry(zh).category == "general"
        assert zh not in words
