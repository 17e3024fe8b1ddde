"""Highlighting: the direct token loop and the per-text term index give exactly what
the analyzer and the plain walk over every token give (issue 13: the web process's
CPU per request; the answers must not change)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index import segmenter
from index.analysis import analyzer, tokens_with_offsets
from index.readers import read_paths
from search.snippets import _merge, highlight, match_spans, snippet

DOCS = Path(__file__).parent / "fixtures" / "docs.jsonl"
ODD = [
    "",
    "   ",
    "The Platforms' economies, and 2021 data-security rules! 個人信息保護法 第一条",
    "ＤＡＴＡ　ｓｅｃｕｒｉｔｙ：数据安全法（草案）第三十二条",
    "İstanbul ΣΟΦΟΣ naïve café 5G网络 COVID-19 e-commerce",
    "关于印发《国务院办公厅关于加快推进政务服务标准化规范化便利化的指导意见》的通知",
    "\u200b\u202e平台\x00经济\r\n\n第一条\u3000内容",
]


def _texts() -> list[str]:
    texts = list(ODD)
    for doc in read_paths([DOCS]):
        texts += [doc.title, *(t.text for t in doc.titles_en)]
        body = doc.body
        texts += [body[k : k + 900] for k in range(0, len(body), 900)]
    return texts


def _reference_tokens(text: str, mode: str) -> list[tuple[str, int, int, int]]:
    """What the Whoosh analyzer chain yields (stop words kept)."""
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer()(text, positions=True, chars=True, removestops=False, mode=mode)
    ]


def _reference_spans(text: str, words: set[str], phrases: list[tuple[str, ...]]) -> list:
    """Match spans the plain way: walk every token; phrases by consecutive positions."""
    if not words and not phrases:
        return []
    toks = _reference_tokens(text, "index")
    spans = [(s, e) for term, _p, s, e in toks if term in words]
    at: dict[int, dict[str, tuple[int, int]]] = {}
    for term, p, s, e in toks:
        at.setdefault(p, {}).setdefault(term, (s, e))
    for phrase in phrases:
        n = len(phrase)
        for p, here in at.items():
            if (
                n >= 2
                and phrase[0] in here
                and all(phrase[j] in at.get(p + j, {}) for j in range(1, n))
            ):
                spans.append((here[phrase[0]][0], at[p + n - 1][phrase[-1]][1]))
    return _merge(spans)  # joining overlaps is not what this reference checks


@pytest.mark.parametrize("extra_words", [(), ("个人信息保护", "数据安全")])
def test_direct_tokens_are_the_analyzers(extra_words: tuple[str, ...]) -> None:
    """The same text twice (the per-word cache warm the second time), both modes, and
    again after the segmenter's words change (sub-words depend on them)."""
    segmenter.configure(extra_words)
    try:
        for text in _texts():
            for mode in ("index", "query"):
                want = _reference_tokens(text, mode)
                assert tokens_with_offsets(text, mode, cache=False) == want, text[:40]
                assert tokens_with_offsets(text, mode, cache=False) == want, text[:40]
                assert tokens_with_offsets(text, mode) == want, text[:40]
    finally:
        segmenter.configure([])


def test_highlights_and_snippets_match_the_plain_token_walk() -> None:
    rng = random.Random(13)
    cases = 0
    for text in _texts():
        terms = [t for t, _p, _s, _e in _reference_tokens(text, "index")]
        words = set(rng.sample(terms, min(3, len(terms)))) | {"数据", "data", "不在文中"}
        i = rng.randrange(len(terms)) if terms else 0
        phrases = [tuple(terms[i : i + 2]), tuple(terms[i : i + 3]), ("发展", "改革"), ("x",)]
        for w, ph in ((words, []), (words, phrases), (set(), phrases), (set(), [])):
            want = _reference_spans(text, w, ph)
            assert match_spans(text, w, ph) == want, (text[:40], w, ph)
            assert match_spans(text, w, ph) == want  # from the kept term index
            if text:
                # Fragments cover the text (snippet: its window) with the same marks.
                assert "".join(t for t, _m in highlight(text, w, ph)) == text
                marked = [t for t, m in highlight(text, w, ph) if m]
                assert marked == [text[s:e] for s, e in want]
                shown = [t.replace("\n", " ") for t in marked]  # a snippet is one line
                for t, m in snippet(text, w, ph):
                    assert not m or any(t in full for full in shown), t
            cases += 1
    assert cases > 100
    # Something was found: the comparison is not between two empty lists.
    assert any(match_spans(t, {"数据"}) for t in _texts())
