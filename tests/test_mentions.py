"""Tests for search/mentions.py: extraction of title and 文号 mentions from
English text, their lookup on the fixture index, and the seed articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_titles import HENAN_ZH, PLATFORM_ZH, build_index

from index.errors import IndexOutdated, InputError
from search.mentions import MAX_TEXT_CHARS, analyze_mentions, extract_mentions, find_mentions

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Written for these tests (not copied from the seed articles): the same shape
# as the news sentence that names a provincial document by both titles.
SHANDONG = (
    "Several provinces now back the platform economy. One example is Shandong "
    "province, which issued the \u201cImplementation Opinions on Accelerating the Push for "
    "Internet Platform Economies to Engage in Standardised, Healthy and Sustained "
    "Development\u201d (\u5173\u4e8e\u52a0\u5feb\u63a8\u52a8\u5e73\u53f0\u7ecf\u6d4e"
    "\u89c4\u8303\u5065\u5eb7\u6301\u7eed\u53d1\u5c55\u7684\u5b9e\u65bd\u610f\u89c1) in October. "
    "The Opinions call for more platforms."
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    return build_index(tmp_path_factory.mktemp("mentions") / "index")


def test_extract_pairs_english_and_chinese_title() -> None:
    ms = extract_mentions(SHANDONG)
    assert len(ms) == 1  # "The Opinions" alone is no mention
    m = ms[0]
    assert m.kind == "en_title" and m.en.startswith("Implementation Opinions on Accelerating")
    assert m.zh == "关于加快推动平台经济规范健康持续发展的实施意见"
    assert m.region == "山东"


def test_extract_other_forms() -> None:
    text = (
        "The State Council's Guiding Opinions on Promoting the Regulated and Healthy "
        "Development of the Platform Economy (Guobanfa [2019] No. 38) came first; "
        "Henan followed with 《河南省人民政府办公厅关于加快平台经济健康发展的实施意见》."
    )
    ms = extract_mentions(text)
    kinds = [m.kind for m in ms]
    assert kinds == ["en_title", "docnum", "zh_title"]
    assert ms[0].en.startswith("Guiding Opinions on Promoting")
    assert ms[1].text == "Guobanfa [2019] No. 38"
    assert ms[2].zh == HENAN_ZH and ms[2].region == "河南" or ms[2].region is None


def test_shandong_mention_closest_documents_not_exact(engine) -> None:
    rep = analyze_mentions(engine, SHANDONG)
    (m,) = rep.mentions
    ids = [c.doc.id for c in m.candidates]
    assert set(ids[:2]) == {"gov-platform", "henan-platform"}
    assert not m.exact
    assert "not in the index" in m.message and "山东" in m.message
    assert m.counterpart == m.zh and "given in the text" in m.counterpart_label
    assert 0.0 < m.confidence < 1.0
    # Every candidate is from outside Shandong, and each says so.
    assert all(any(x.startswith("region") for x in c.mismatch) for c in m.candidates)


def test_docnum_and_chinese_mentions_found_exactly(engine) -> None:
    text = f"See Guobanfa [2019] No. 38 and 《{PLATFORM_ZH}》 for the central rules."
    ms = find_mentions(engine, text)
    assert len(ms) == 2
    assert all(m.exact and m.candidates[0].doc.id == "gov-platform" for m in ms)
    zh = next(m for m in ms if m.kind == "zh_title")
    assert zh.counterpart.startswith("Guiding Opinions") and "draft" in zh.counterpart_label


def test_english_mention_gets_chinese_gloss(engine) -> None:
    text = (
        'The "Guiding Opinions of the General Office of the State Council on Promoting the '
        'Regulated and Healthy Development of the Platform Economy" set the tone.'
    )
    (m,) = find_mentions(engine, text)
    assert m.candidates[0].doc.id == "gov-platform"
    assert "平台经济" in m.counterpart and "国务院办公厅" in m.counterpart
    assert "draft" in m.counterpart_label


def test_bad_input(engine) -> None:
    for empty in ["", "  \n "]:
        with pytest.raises(InputError):
            analyze_mentions(engine, empty)
    with pytest.raises(InputError, match="too long"):
        analyze_mentions(engine, "a" * (MAX_TEXT_CHARS + 1))
    with pytest.raises(InputError):
        analyze_mentions(engine, 42)  # type: ignore[arg-type]
    rep = analyze_mentions(engine, "Stocks rose on Friday after the reports. Nothing else.")
    assert rep.mentions == [] and "No policy-document mention" in rep.message


@pytest.mark.integration
@pytest.mark.slow
def test_seed_articles_on_full_index(eval_index: Path) -> None:
    """The seed article's Shandong mention on the real index: the State Council's
    2019 guiding opinions and Henan's 2022 implementation opinions are the closest
    documents, and the Shandong document is reported as not in the index."""
    from conftest import stale_index
    from test_titles import shipped_glossary

    from search.engine import Engine

    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("seed articles not available")
    try:
        engine = Engine(eval_index, glossary=shipped_glossary())
    except IndexOutdated as e:
        stale_index(eval_index, e.message)
    found = []
    for p in seeds:
        found += find_mentions(engine, p.read_text(encoding="utf-8"))
    shandong = [m for m in found if m.region == "山东"]
    assert len(shandong) == 1
    m = shandong[0]
    titles = [c.doc.title for c in m.candidates[:3]]
    assert PLATFORM_ZH in titles and HENAN_ZH in titles
    assert not m.exact and "not in the index" in m.message
