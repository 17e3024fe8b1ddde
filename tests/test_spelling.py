"""Typos and pinyin (search/spelling.py): "did you mean" for misspelled English words and
pinyin read as Chinese glossary terms, with the issue's floor: at least 90% of 50
misspelled English topic terms and of 50 toneless pinyin terms lead to the intended
Chinese term first. The lists are made here from glossary entries (every k-th policy
term with a multi-word English rendering), deterministically."""

from __future__ import annotations

import pytest

from index.glossary import Glossary
from search.expand import expand
from search.spelling import (
    _LATIN_WORD,
    _edits,
    correct_word,
    did_you_mean,
    pinyin_expansions,
    strip_tones,
)


@pytest.fixture(scope="module")
def g() -> Glossary:
    return Glossary.load(cedict=False)


def sample_entries(g: Glossary, n: int = 50) -> list:
    pool = sorted(
        (
            e
            for e in g.entries()
            if e.category == "policy"
            and len(e.preferred.split()) >= 2
            and max(len(w) for w in e.preferred.split()) >= 6
            and e.preferred.replace(" ", "").isalpha()
        ),
        key=lambda e: e.zh,
    )
    step = max(1, len(pool) // n)
    return pool[::step][:n]


def misspell(text: str, i: int) -> str:
    """One typo in the longest word: a swap, a dropped, a doubled or a wrong letter."""
    words = text.split()
    k = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[k]
    p = 2 + i % (len(w) - 4)
    kind = i % 4
    if kind == 0:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2 :]
    elif kind == 1:
        w = w[:p] + w[p + 1 :]
    elif kind == 2:
        w = w[:p] + w[p] + w[p:]
    else:
        w = w[:p] + ("e" if w[p] != "e" else "a") + w[p + 1 :]
    words[k] = w
    return " ".join(words)


def first_zh(text: str, g: Glossary) -> str | None:
    return next((e.target for e in expand(text, g) if e.target_lang == "zh"), None)


def test_fifty_misspelled_topic_terms(g: Glossary) -> None:
    entries = sample_entries(g)
    assert len(entries) == 50
    hits, misses = 0, []
    for i, e in enumerate(entries):
        typo = misspell(e.preferred, i)
        assert typo != e.preferred
        fixed = did_you_mean(typo, g)
        if fixed is not None and first_zh(fixed, g) == e.zh:
            hits += 1
        else:
            misses.append((typo, fixed, e.zh))
    assert hits >= 45, misses  # >= 90%


@pytest.mark.parametrize("form", ["spaced", "joined", "tones"])
def test_fifty_pinyin_terms(g: Glossary, form: str) -> None:
    from pypinyin import Style, lazy_pinyin

    hits, misses = 0, []
    for e in sample_entries(g):
        style = Style.TONE if form == "tones" else Style.NORMAL
        syl = lazy_pinyin(e.zh, style=style)
        text = "".join(syl) if form == "joined" else " ".join(syl)
        exps = pinyin_expansions(text, g)
        if exps and exps[0].target == e.zh and exps[0].span == (0, len(text)):
            hits += 1
        else:
            misses.append((text, [x.target for x in exps], e.zh))
    assert hits >= 45, misses


def test_known_words_and_english_are_left_alone(g: Glossary) -> None:
    assert did_you_mean("platform economy data security", g) is None
    assert did_you_mean("平台经济 数据安全", g) is None
    assert pinyin_expansions("platform economy", g) == []
    assert pinyin_expansions("fan long data", g) == []  # English words, one syllable each
    # A word the index knows (a name) is not corrected.
    assert did_you_mean("Platfrom economy", g) == "Platform economy"
    assert did_you_mean("Platfrom economy", g, known=lambda w: w == "Platfrom") is None


def test_edit_distance_and_tones() -> None:
    assert _edits("platfrom", "platform") == 1  # an adjacent swap is one edit
    assert _edits("securty", "security") == 1
    assert _edits("abc", "xyz", limit=2) == 3  # capped
    assert strip_tones("píngtái jīngjì lǜsè") == "pingtai jingji lvse"


def test_tones_stripped_word_by_word_as_when_joined() -> None:
    # pinyin_expansions strips each word once and joins the results for a run: the
    # same key only while no word the pattern finds starts with a combining mark.
    letters = [chr(c) for c in range(0x370) if _LATIN_WORD.fullmatch(chr(c))]  # marks too
    assert len(letters) > 400
    for a in letters:
        for b in letters:
            assert strip_tones(a + b) == strip_tones(a) + strip_tones(b), (a, b)
    assert strip_tones("Lü" + "píng") == "lvping"


def test_engine_and_pages_show_both(tmp_path_factory: pytest.TempPathFactory) -> None:
    from conftest_web import configure_segmenter, make_app

    app = make_app(tmp_path_factory.mktemp("spelling"))
    configure_segmenter()
    c = app.test_client()
    body = c.get("/api/v1/search", query_string={"q": "dtaa securty"}).get_json()
    assert body["did_you_mean"] == "data security"
    body = c.get("/api/v1/search", query_string={"q": "shuju anquan"}).get_json()
    assert [(e["target"], e["origin"]) for e in body["expansions"]][:1] == [("数据安全", "pinyin")]
    assert body["total"] > 0 and body["did_you_mean"] is None
    # Removable like every expansion.
    off = c.get("/api/v1/search", query_string={"q": "shuju anquan", "rm": "数据安全"}).get_json()
    assert "数据安全" not in [e["target"] for e in off["expansions"]]
    html = c.get("/search", query_string={"q": "dtaa securty"}).get_data(as_text=True)
    assert "Did you mean" in html and "q=data+security" in html
    html = c.get("/search", query_string={"q": "shuju anquan"}).get_data(as_text=True)
    assert "(shuju anquan, pinyin)" in html
    assert correct_word("securty", Glossary.load(cedict=False)) == "security"


def test_suggest_endpoint(tmp_path_factory: pytest.TempPathFactory) -> None:
    from conftest_web import LAW_ID, configure_segmenter, make_app

    app = make_app(tmp_path_factory.mktemp("suggest"))
    configure_segmenter()
    c = app.test_client()
    body = c.get("/api/v1/suggest", query_string={"q": "数据安全"}).get_json()
    glossary = [(s["text"], s["other"]) for s in body["suggestions"] if s["kind"] == "glossary"]
    assert ("数据安全", "data security") in glossary
    titles = [s["other"] for s in body["suggestions"] if s["kind"] == "title"]
    assert LAW_ID in titles
    body = c.get("/api/v1/suggest", query_string={"q": "pingtai"}).get_json()
    assert "平台经济" in [s["text"] for s in body["suggestions"]]
    body = c.get("/api/v1/suggest", query_string={"q": "platform ec"}).get_json()
    assert body["suggestions"][0] == {
        "text": "platform economy",
        "other": "平台经济",
        "kind": "glossary",
    }
    # Input the search refuses (a lone quote, NOT) still answers with what it can.
    for q in ('"', "NOT", "-", "", "a" * 100):
        r = c.get("/api/v1/suggest", query_string={"q": q})
        assert r.status_code == 200 and isinstance(r.get_json()["suggestions"], list)
    assert c.get("/api/v1/suggest", query_string={"q": "a" * 101}).status_code == 400
