"""Normalization, segmentation and the analyzer pipeline."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from index import segmenter
from index.analysis import en_key, terms, text_analyzer, tokens_with_offsets
from index.normalize import clean_text, fold_for_segmentation, normalize_query, to_simplified
from index.schema import build_schema


def test_clean_text_strips_invisible_and_odd_spaces() -> None:
    raw = "关于\u2002加快\u200b推动\u202e平台\x00经济\r\n\n\n\n第一条\u3000内容  "
    assert clean_text(raw) == "关于 加快推动平台经济\n\n第一条 内容"


def test_query_normalization_nfkc_and_nfc() -> None:
    assert normalize_query("ＤＡＴＡ　ｓｅｃｕｒｉｔｙ") == "DATA security"
    nfd = "cafe\u0301"
    assert normalize_query(nfd) == normalize_query("café")


def test_a_line_break_inside_a_number_of_chinese_text_is_joined() -> None:
    # A title copied out of a PDF wraps anywhere, also inside 2013; a space would
    # leave the words 201 and 3, which no title holds.
    assert normalize_query("国务院办公厅关于201\n3年部分节假日安排的通知") == (
        "国务院办公厅关于2013年部分节假日安排的通知"
    )
    assert normalize_query("数据201\r\n 3年") == "数据2013年"
    assert normalize_query("数据 201 3") == "数据 201 3"  # typed spaces stay
    assert normalize_query("2015\n2016") == "2015 2016"  # no Chinese: a list


def test_fold_keeps_length_and_converts_traditional() -> None:
    text = "國務院關於個人信息保護的通知，ＡＢＣ"
    folded = fold_for_segmentation(text)
    assert len(folded) == len(text)
    assert folded.startswith("国务院关于个人信息保护")
    assert folded.endswith("ABC")


def test_t2s_never_changes_length_even_for_phrase_conversions() -> None:
    # OpenCC converts some phrases with a different length; we guard against it.
    for s in ("烏茲別克斯坦", "網際網路", "計畫", "乾隆皇帝"):
        assert len(to_simplified(s)) == len(s)


def test_positions_are_word_ordinals_and_offsets_point_into_original() -> None:
    segmenter.configure([])
    text = "個人信息保護法，Platform Economies！"
    toks = tokens_with_offsets(text)
    assert [t[1] for t in toks] == list(range(len(toks)))
    for term, _pos, start, end in toks:
        original = text[start:end]
        assert to_simplified(original).lower().startswith(term[:2]) or term.isascii()
    assert (toks[2][0], toks[2][1]) == ("platform", 2)
    assert toks[3][0] == "economi"


def test_index_mode_adds_subwords_at_the_same_position() -> None:
    segmenter.configure([])
    an = text_analyzer()
    toks = [(t.text, t.pos) for t in an("中华人民共和国", positions=True, mode="index")]
    positions = {p for _t, p in toks}
    assert positions == {0}
    assert {"中华人民共和国", "人民", "共和国"} <= {t for t, _p in toks}
    # Queries use whole words only.
    assert terms("中华人民共和国") == ["中华人民共和国"]


def test_stop_words_only_for_english() -> None:
    assert terms("the Law of the People") == ["law", "peopl"]
    assert "的" in terms("国务院的通知")


def test_en_key_handles_inflection_and_case() -> None:
    assert en_key("Platform Economies") == en_key("platform economy") == "platform economi"
    assert en_key("the Guiding Opinions") == "guid opinion"


def test_glossary_words_change_segmentation_and_fingerprint() -> None:
    segmenter.configure([])
    before = segmenter.fingerprint()
    assert terms("新质生产力") != ["新质生产力"]
    try:
        fp = segmenter.configure(["新质生产力"])
        assert fp != before
        assert terms("发展新质生产力") == ["发展", "新质生产力"]
    finally:
        segmenter.configure([])
    assert segmenter.fingerprint() == before


def test_schema_pickle_round_trip() -> None:
    schema = build_schema()
    back = pickle.loads(pickle.dumps(schema))
    assert back.names() == schema.names()
    an = back["body"].analyzer
    assert [t.text for t in an("国务院关于平台经济的意见", mode="query")][:1] == ["国务院"]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("國务院关於个人信息保護法ＡＢabc 12，。\n\u2002平台經濟")),
        max_size=60,
    )
)
def test_offsets_always_inside_the_original_text(text: str) -> None:
    for term, _pos, start, end in tokens_with_offsets(text, mode="index"):
        assert 0 <= start < end <= len(text)
        assert term
