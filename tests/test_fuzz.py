"""Property tests (hypothesis) for the layers that take arbitrary text.

* the analyzer: token offsets always lie inside the original text, and
  positions never go backwards (index mode adds sub-words at their word's
  position, so equal positions are allowed there);
* the document-number parser: never raises anything but InputError, and a
  parsed number's key parses back to the same key;
* query normalization: NFC and NFD spellings normalize alike, and no control,
  bidi or other format (Cf) character survives;
* the query layer: ``parse_query`` and ``Engine.search`` raise nothing but
  QueryError.

Each test runs ~50 examples in the fast set; the ``slow`` variants run
10,000 examples in all (3,000 + 3,000 + 1,000 + 1,500 + 1,500).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import segmenter
from index.analysis import tokens_with_offsets
from index.docnumber import PINYIN, DocNumber, docnum_keys, find_docnums, parse_docnum
from index.errors import InputError, QueryError
from index.normalize import normalize_query
from search.engine import SearchRequest
from search.query import parse_query

HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


def runs(fast: int, slow: int) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        "n", [pytest.param(fast, id="fast"), pytest.param(slow, id="slow", marks=pytest.mark.slow)]
    )


# Text that exercises the analyzer and parsers: CJK (simplified and traditional),
# Latin with accents, full-width forms, digits, brackets of 文号, query syntax,
# combining marks, controls, bidi and zero-width characters, emoji.
ALPHABET = (
    "数据安全平台经济个人信息保护劳动合同國務院辦公廳发布通知办法条例第条号年"
    "abcdeXYZ0123456789éüñ ÀΩЖ"
    "ＡＢＣ１２３（）〔〕［］【】《》，。、；：！？"
    '"-:*?()[]{}^~|&+/\\ \t\n'
    "\u0301\u0308\u200b\u200d\u202e\u2066\ufeff\x00\x1b\x7f\u3000"
    "😀👨\u200d👩\U0002000b"
)
texts = st.one_of(
    st.text(alphabet=ALPHABET, max_size=80),
    st.text(max_size=60),  # any code point hypothesis draws (no lone surrogates)
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
)
prefix_chars = sorted(ch for ch in PINYIN if "\u4e00" <= ch <= "\u9fff")


# --- analyzer --------------------------------------------------------------------------------


@runs(50, 3000)
def test_analyzer_offsets_inside_text_positions_in_order(n: int) -> None:
    segmenter.configure([])

    @settings(max_examples=n, deadline=None, suppress_health_check=HEALTH)
    @given(text=texts, mode=st.sampled_from(["query", "index"]))
    def check(text: str, mode: str) -> None:
        toks = tokens_with_offsets(text, mode=mode)
        last = -1
        for term, pos, s, e in toks:
            assert term
            assert 0 <= s < e <= len(text), (term, s, e, len(text))
            assert pos >= last, (term, pos, last)
            if mode == "query":
                assert pos > last or pos == 0 and last == -1
            last = pos

    check()


# --- document numbers ------------------------------------------------------------------------


@runs(50, 3000)
def test_docnum_parser_raises_only_input_error_and_round_trips(n: int) -> None:
    numbers = st.builds(
        lambda p, y, num, br: f"{p}{br[0]}{y}{br[1]}{num}号",
        st.text(alphabet=prefix_chars, min_size=1, max_size=5),
        st.integers(1949, 2030),
        st.integers(1, 999),
        st.sampled_from(["〔〕", "[]", "（）", "()", "【】", "﹝﹞", "〔 〕"]),
    )

    @settings(max_examples=n, deadline=None, suppress_health_check=HEALTH)
    @given(text=st.one_of(texts, numbers, st.builds(lambda a, b: a + b, texts, numbers)))
    def check(text: str) -> None:
        dn = parse_docnum(text)
        if dn is not None:
            assert isinstance(dn, DocNumber)
            again = parse_docnum(dn.key)
            assert again is not None and again.key == dn.key, (text, dn.key)
            assert docnum_keys(text) in ([dn.key], [dn.pinyin_key])
        try:
            found = find_docnums(text)
        except InputError:
            return
        for d, (s, e) in found:
            assert 0 <= s < e <= len(text)
            back = parse_docnum(d.key)
            assert back is not None and back.key == d.key, (text, d.key)

    check()


def test_docnum_parser_on_non_text_raises_input_error() -> None:
    assert parse_docnum(None) is None  # type: ignore[arg-type]
    with pytest.raises(InputError):
        find_docnums(123)  # type: ignore[arg-type]


# --- normalization ---------------------------------------------------------------------------

_INVISIBLE = {chr(c) for c in [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]} | set(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


@runs(50, 1000)
def test_normalize_query_nfc_nfd_alike_and_no_invisible_characters(n: int) -> None:
    @settings(max_examples=n, deadline=None, suppress_health_check=HEALTH)
    @given(text=texts)
    def check(text: str) -> None:
        a = normalize_query(unicodedata.normalize("NFC", text))
        b = normalize_query(unicodedata.normalize("NFD", text))
        assert a == b
        assert not (set(a) & _INVISIBLE), [hex(ord(c)) for c in set(a) & _INVISIBLE]
        assert not [c for c in a if unicodedata.category(c) == "Cf"]
        assert a == a.strip() and "  " not in a

    check()


# --- query layer -----------------------------------------------------------------------------

query_texts = st.one_of(
    texts,
    st.lists(
        st.sampled_from(
            ["数据", "安全", "OR", "AND", "NOT", "-", '"', "(", ")", "year:", "year:2019..",
             "level:法律", "docnum:", "国办发〔2019〕38号", "*", "a*", "^2", "é", "foo:bar",
             "[a TO 龥]", "-\"平台 经济\"", "|", "的", "吗", "?", "data", "security"]
        ),
        max_size=20,
    ).map(" ".join),
)  # fmt: skip


@runs(50, 1500)
def test_parse_query_raises_only_query_error(n: int) -> None:
    segmenter.configure([])

    @settings(max_examples=n, deadline=None, suppress_health_check=HEALTH)
    @given(text=query_texts, allow_empty=st.booleans())
    def check(text: str, allow_empty: bool) -> None:
        try:
            pq = parse_query(text, allow_empty=allow_empty)
        except QueryError as e:
            assert e.message
            return
        for u in pq.units:
            assert u.terms
            assert 0 <= u.span[0] <= u.span[1] <= len(pq.normalized)

    check()


@runs(50, 1500)
def test_engine_search_raises_only_query_error(engine, n: int) -> None:
    engine.backend.time_limit = 0.5

    @settings(max_examples=n, deadline=None, suppress_health_check=HEALTH)
    @given(
        text=query_texts,
        sort=st.sampled_from(["relevance", "date", "date_asc"]),
        page=st.integers(1, 3),
        facets=st.booleans(),
        year=st.sampled_from([None, "2019", "2019..2023", "..2020"]),
    )
    def check(text: str, sort: str, page: int, facets: bool, year: str | None) -> None:
        segmenter.configure([])
        try:
            r = engine.search(SearchRequest(q=text, sort=sort, page=page, facets=facets, year=year))
        except QueryError as e:
            assert e.message
            return
        assert r.total >= len(r.hits)

    check()
