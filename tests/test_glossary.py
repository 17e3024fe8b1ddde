"""Tests for index/glossary.py (loader, validation, lookup, fingerprint, CC-CEDICT)
and index/glossary_suggest.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from index.errors import GlossaryError
from index.glossary import (
    CEDICT_ATTRIBUTION,
    GLOSSARY_FORMAT_DOC,
    CedictTable,
    Entry,
    Glossary,
    clean_cedict_sense,
)
from index.glossary_suggest import Suggestion, format_suggestions, suggest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "glossary_small.tsv"
CEDICT_SAMPLE = FIXTURES / "glossary_cedict_sample.u8"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def small(*user: Path, lenient: bool = False, cedict: bool = False) -> Glossary:
    return Glossary.load(
        user, lenient=lenient, cedict=cedict, shipped=[SMALL], cedict_path=CEDICT_SAMPLE
    )


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


GOOD = "数字经济\tdigital economy\tpolicy"


# --- parsing -----------------------------------------------------------------


def test_parses_fixture() -> None:
    g = small()
    assert len(g) == 18
    e = g.zh_entry("平台经济")
    assert e == Entry(
        "平台经济",
        ("platform economy", "platform economies"),
        "policy",
        "curated",
        "the standard example",
    )
    assert e.preferred == "platform economy"
    assert g.zh_entry("规范").en[:3] == ("regulated", "standardized", "standardised")
    assert g.counts_by_source() == {"curated": 18, "user": 0, "cc-cedict": 0}
    assert all(isinstance(x, Entry) for x in g.entries())
    assert g.warnings == [] and g.info == []


def test_comments_blank_lines_bom_and_crlf(tmp_path: Path) -> None:
    p = tmp_path / "u.tsv"
    p.write_bytes(
        "\ufeff# comment\r\n\r\n   \r\n营商环境\tbusiness environment\tpolicy\r\n".encode("utf-8")
    )
    g = small(p)
    assert g.zh_entry("营商环境").en == ("business environment",)
    assert g.zh_entry("营商环境").source == "user"


def test_format_doc_and_attribution_exist() -> None:
    assert "TAB" in GLOSSARY_FORMAT_DOC and "category" in GLOSSARY_FORMAT_DOC
    assert "CC BY-SA 4.0" in CEDICT_ATTRIBUTION or "ShareAlike 4.0" in CEDICT_ATTRIBUTION
    assert "MDBG" in CEDICT_ATTRIBUTION


# --- validation: every error names file and line -----------------------------

BAD_LINES = [
    ("平台经济 platform economy policy", "TAB-separated"),
    ("平台经济\tplatform economy", "3 or 4 TAB-separated fields"),
    ("平台经济\tplatform economy\tpolicy\tnote\textra", "stray TAB"),
    ("\tplatform economy\tpolicy", "empty Chinese term"),
    ("平台 经济\tplatform economy\tpolicy", "break segmentation"),
    ("平台、经济\tplatform economy\tpolicy", "break segmentation"),
    ("平台·经济\tplatform economy\tpolicy", "break segmentation"),
    ("互联网+政务\tInternet Plus government\tpolicy", "break segmentation"),
    ("平臺經濟\tplatform economy\tpolicy", "simplified"),
    ("abc\tabc\tpolicy", "no Chinese character"),
    ("中" * 25 + "\tlong\tpolicy", "too long"),
    ("平台经济\tplatform economy || platform\tpolicy", "empty English rendering #2"),
    ("平台经济\t\tpolicy", "no English rendering"),
    ("平台经济\t2024\tpolicy", "contains no letter"),
    ("平台经济\t" + "x" * 121 + "\tpolicy", "too long"),
    ("平台经济\tthe\tpolicy", "only stop words"),
    ("平台经济\tplatform economy | Platform Economy\tpolicy", "listed twice"),
    ("平台经济\tplatform economy\tpolitics", "unknown category"),
    ("平台经济\tplatform economy\t", "no category"),
]


@pytest.mark.parametrize("line,reason", BAD_LINES)
def test_each_bad_line_raises_with_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    p = write(tmp_path, "user.tsv", "# header", GOOD, line)
    with pytest.raises(GlossaryError) as ei:
        small(p)
    err = ei.value
    assert err.line == 3
    assert err.path == str(p)
    assert f"{p}:3:" in str(err)
    assert reason in err.message


def test_invalid_utf8_names_line(tmp_path: Path) -> None:
    p = tmp_path / "u.tsv"
    p.write_bytes(GOOD.encode() + b"\n\xff\xfe\tx\tpolicy\n")
    with pytest.raises(GlossaryError, match="UTF-8") as ei:
        small(p)
    assert ei.value.line == 2


def test_missing_file() -> None:
    with pytest.raises(GlossaryError, match="not found"):
        small(Path("/nonexistent/glossary.tsv"))


def test_segmentation_rejection_message_explains_why(tmp_path: Path) -> None:
    p = write(tmp_path, "u.tsv", "平台 经济\tplatform economy\tpolicy")
    with pytest.raises(GlossaryError) as ei:
        small(p)
    assert "a space" in ei.value.message and "segmentation" in ei.value.message


# --- lenient mode, duplicates, overrides -------------------------------------


def test_lenient_user_file_collects_warnings(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "u.tsv",
        GOOD,
        "坏 行\tbad\tpolicy",
        "新质生产力\tnew quality productive forces\tpolicy",
        "共同富裕\tcommon prosperity\tnonsense",
    )
    g = small(p, lenient=True)
    assert g.zh_entry("新质生产力") is not None
    assert g.zh_entry("共同富裕") is None
    assert len(g.warnings) == 2
    assert g.warnings[0].startswith(f"{p}:2:") and "skipped" in g.warnings[0]
    assert g.warnings[1].startswith(f"{p}:4:")


def test_shipped_file_problems_raise_even_when_lenient(tmp_path: Path) -> None:
    bad = write(tmp_path, "glossary_bad.tsv", GOOD, "坏 行\tbad\tpolicy")
    with pytest.raises(GlossaryError) as ei:
        Glossary.load(lenient=True, cedict=False, shipped=[bad])
    assert ei.value.line == 2


def test_duplicate_in_shipped_file_is_an_error(tmp_path: Path) -> None:
    bad = write(tmp_path, "glossary_dup.tsv", GOOD, "数字经济\tdigital economies\tpolicy")
    with pytest.raises(
        GlossaryError, match="duplicate entry for 数字经济 \\(first on line 1\\)"
    ) as ei:
        Glossary.load(cedict=False, shipped=[bad])
    assert ei.value.line == 2


def test_duplicate_in_user_file_is_a_warning_later_wins(tmp_path: Path) -> None:
    p = write(
        tmp_path, "u.tsv", "共同富裕\tcommon wealth\tpolicy", "共同富裕\tcommon prosperity\tpolicy"
    )
    g = small(p)  # not lenient: still only a warning
    assert g.zh_entry("共同富裕").preferred == "common prosperity"
    assert any("duplicate" in w and ":2:" in w for w in g.warnings)


def test_user_file_overrides_shipped_entry(tmp_path: Path) -> None:
    p = write(tmp_path, "u.tsv", "平台经济\tplatform-based economy | platform economy\tpolicy")
    g = small(p)
    e = g.zh_entry("平台经济")
    assert e.source == "user" and e.preferred == "platform-based economy"
    assert "platform economies" not in e.en  # replaced, not merged
    assert any("overrides" in m and "平台经济" in m for m in g.info)
    assert g.counts_by_source()["user"] == 1 and len(g) == 18


def test_two_shipped_files_merge_renderings(tmp_path: Path) -> None:
    other = write(tmp_path, "glossary_titles.tsv", "平台经济\tplatform-based economy\tpolicy")
    g = Glossary.load(cedict=False, shipped=[SMALL, other])
    assert g.zh_entry("平台经济").en == (
        "platform economy",
        "platform economies",
        "platform-based economy",
    )
    assert any("merged" in m for m in g.info)


def test_shipped_files_default_glob() -> None:
    names = [p.name for p in Glossary.shipped_files()]
    assert "glossary.tsv" in names
    assert all(n.startswith("glossary") and n.endswith(".tsv") for n in names)


# --- segmentation words and fingerprint --------------------------------------


def test_segmentation_words() -> None:
    g = small()
    words = g.segmentation_words()
    assert "平台经济" in words and "国务院办公厅" in words
    assert "互联网" in words and "互联网+" not in words  # trailing '+' dropped
    assert "函" not in words  # single characters left out
    assert "加快推进" not in words and "发展" not in words  # general vocabulary left out
    assert words == sorted(words)
    from index.segmenter import fingerprint_of

    assert g.fingerprint() == fingerprint_of(words)


def test_fingerprint_matches_segmenter_configure() -> None:
    from index import segmenter

    g = small()
    old = segmenter.extra_words()
    try:
        assert segmenter.configure(g.segmentation_words()) == g.fingerprint()
    finally:
        segmenter.configure(old)


def test_fingerprint_changes_only_with_segmentation_words(tmp_path: Path) -> None:
    base = small().fingerprint()
    renderings_only = write(tmp_path, "a.tsv", "平台经济\tplatform-based economy\tpolicy")
    assert small(renderings_only).fingerprint() == base
    general_word = write(tmp_path, "b.tsv", "持续\tsustained\tgeneral")
    assert small(general_word).fingerprint() == base
    new_term = write(tmp_path, "c.tsv", "新质生产力\tnew quality productive forces\tpolicy")
    assert small(new_term).fingerprint() != base


def test_fingerprint_ignores_cedict() -> None:
    g = small(cedict=True)
    before = (g.segmentation_words(), g.fingerprint())
    assert g.lookup("船舶")[0].source == "cc-cedict"
    assert g.cedict_loaded
    assert (g.segmentation_words(), g.fingerprint()) == before
    assert "船舶" not in g.segmentation_words()


# --- lookup ----------------------------------------------------------------------


def test_lookup_chinese_and_traditional() -> None:
    g = small()
    assert [e.zh for e in g.lookup("平台经济")] == ["平台经济"]
    assert [e.zh for e in g.lookup("國務院辦公廳")] == ["国务院办公厅"]
    assert g.zh_entry("平臺經濟").zh == "平台经济"
    assert g.lookup("互联网+")[0].preferred == "Internet Plus"
    assert g.lookup("不存在的词") == []


def test_lookup_english_inflection_and_spelling() -> None:
    g = small()
    assert [e.zh for e in g.lookup("Platform Economies")] == ["平台经济"]
    assert [e.zh for e in g.lookup("the platform economy")] == ["平台经济"]
    for form in ("standardised", "standardized", "Standardize", "regulated"):
        assert [e.zh for e in g.lookup(form)] == ["规范"], form
    assert [e.zh for e in g.lookup("guiding opinions")] == ["指导意见"]
    # several entries share "Plan": all are returned, preferred-rendering matches first
    assert [e.zh for e in g.lookup("plans")] == ["方案", "规划", "计划"]
    assert [e.zh for e in g.lookup("programme")] == ["方案", "计划"]
    assert g.en_entries("platform economi")[0].zh == "平台经济"
    assert "platform economi" in g.english_phrase_keys()


def test_cedict_is_lazy_and_ranked_after_curated() -> None:
    g = small(cedict=True)
    assert not g.cedict_loaded
    g.lookup("平台经济")  # a curated hit does not need CC-CEDICT
    g.lookup("platform economy")
    assert not g.cedict_loaded
    hits = g.lookup("船舶")
    assert g.cedict_loaded
    assert [(e.zh, e.source) for e in hits] == [("船舶", "cc-cedict")]
    assert hits[0].en == ("shipping", "boats", "vessels")  # at most 3 senses
    # curated wins where both have the term
    assert g.lookup("发展")[0].source == "curated"
    # English reverse lookup reaches CC-CEDICT only when curated has nothing
    assert [e.zh for e in g.lookup("steamship")] == ["轮船"]
    assert g.counts_by_source()["cc-cedict"] > 0


def test_cedict_disabled() -> None:
    g = small(cedict=False)
    assert g.lookup("船舶") == [] and g.cedict() is None and not g.cedict_loaded


def test_cedict_cleaning() -> None:
    assert clean_cedict_sense("(literary) port") == "port"
    assert clean_cedict_sense("to develop") == "develop"
    assert clean_cedict_sense("CL:點|点[dian3]") == ""
    assert clean_cedict_sense("see 見面|见面[jian4 mian4]") == ""
    assert clean_cedict_sense("variant of 現|现[xian4]") == ""
    assert clean_cedict_sense("to relieve (sb of their duties)") == "relieve"
    assert (
        clean_cedict_sense("a very long explanation of something that is not a rendering at all")
        == ""
    )
    t = CedictTable(CEDICT_SAMPLE)
    assert t.senses["意见"] == ("idea", "opinion")  # the classifier sense is gone
    assert "见" not in t.senses  # only cross-references: nothing left
    assert t.senses["港口"][0] == "port"  # common-word entry before the place name
    assert all(len(v) <= 3 for v in t.senses.values())


# --- the shipped glossary -----------------------------------------------------------

KEY_TERMS = {
    "doctype": "意见 实施意见 指导意见 若干意见 通知 办法 条例 规定 决定 方案 规划 纲要 批复 函 实施细则 "
    "暂行办法 管理办法 行动计划 工作方案 通告 公告 决议",
    "issuer": "国务院 国务院办公厅 发展改革委 国家发展改革委 工业和信息化部 工信部 省人民政府办公厅 "
    "山东省人民政府 河南省人民代表大会常务委员会 财政部 教育部 商务部",
    "region": "山东 山东省 鲁 豫 粤 北京市 上海 内蒙古自治区 香港 济南 青岛市",
    "policy": "平台经济 高质量发展 营商环境 放管服 双循环 新质生产力 共同富裕 乡村振兴 碳达峰 碳中和 互联网+ "
    "数字经济 数字政府 数据要素 统一大市场 专精特新 十四五 人工智能",
    "legal": "法律 行政法规 个人信息保护 数据安全 劳动合同 用人单位 劳动者",
    "general": "关于 加快 推动 促进 健康 发展 持续 实施 加强 进一步 管理 建设 改革",
}


def test_shipped_glossary_loads_with_key_terms() -> None:
    t0 = time.perf_counter()
    g = Glossary.load(cedict=False)
    elapsed = time.perf_counter() - t0
    print(f"\nshipped glossary: {len(g)} entries loaded in {elapsed * 1000:.0f} ms")
    assert len(g) >= 1000
    assert g.warnings == []
    own = Glossary.load(
        cedict=False, shipped=[Path(__file__).resolve().parents[1] / "index/data/glossary.tsv"]
    )
    assert len(own) >= 1000
    for category, terms in KEY_TERMS.items():
        for zh in terms.split():
            e = own.zh_entry(zh)
            assert e is not None, zh
            assert e.category == category, (zh, e.category)
    # all 34 provincial-level divisions, short and full forms
    provinces = (
        "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
        "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
    )
    for name in provinces.split():
        assert own.zh_entry(name) is not None and own.zh_entry(name).category == "region", name
    # English phrases users type map to the Chinese terms documents use
    for en, zh in [
        ("platform economy", "平台经济"),
        ("platform economies", "平台经济"),
        ("artificial intelligence", "人工智能"),
        ("digital economy", "数字经济"),
        ("guiding opinions", "指导意见"),
        ("implementation opinions", "实施意见"),
        ("standardised", "规范"),
        ("smart cities", "智慧城市"),
        ("intelligent connected vehicles", "智能网联汽车"),
        ("General Office of the State Council", "国务院办公厅"),
    ]:
        assert zh in [e.zh for e in own.lookup(en)], en
    assert "Implementation Opinions" in own.zh_entry("实施意见").en


def test_shipped_glossary_load_leaves_cedict_unloaded() -> None:
    t0 = time.perf_counter()
    g = Glossary.load()
    g.segmentation_words()
    g.lookup("平台经济")
    elapsed = time.perf_counter() - t0
    assert not g.cedict_loaded  # start-up never pays for CC-CEDICT
    print(f"\nshipped glossary with lookups: {elapsed:.2f} s")  # a figure, not asserted


@pytest.mark.integration
@pytest.mark.slow
def test_real_cedict_fallback_bounded() -> None:
    t0 = time.perf_counter()
    table = CedictTable()
    elapsed = time.perf_counter() - t0
    print(f"\nCC-CEDICT: {len(table.senses)} headwords loaded in {elapsed:.2f} s")
    assert len(table.senses) > 100_000
    assert all(len(v) <= 3 for v in table.senses.values())
    assert table.entry("发展").source == "cc-cedict"
    assert not any(s.startswith("CL:") for v in table.senses.values() for s in v)
    g = Glossary.load()
    e = g.lookup("轮船")
    assert e and e[0].source == "cc-cedict" and len(e[0].en) <= 3


# --- suggestions ------------------------------------------------------------------


@pytest.fixture
def plain_segmenter():
    """Suggestions segment with the process's segmenter: start from plain jieba words, not
    whatever glossary an earlier test (a web app, an engine) configured."""
    from index import segmenter

    segmenter.configure([])
    yield
    segmenter.configure([])


def _docs(tmp_path: Path) -> Path:
    rows = [
        (
            "Smart City Construction Notice",
            "关于推进智慧城市建设的通知。各地要加快智慧城市建设，完善城市管理。",
        ),
        ("Smart Port Action Plan", "智慧港口建设行动方案。推动港口智慧化改造，建设智慧港口。"),
        ("Smart Farming Measures", "发展智慧农业的若干措施。推广智慧农业技术，支持农民合作社。"),
        (
            "Food Safety Inspection Notice",
            "关于开展食品安全检查的通知。严格食品安全监管，保障群众健康。",
        ),
        ("Water Pollution Control Plan", "水污染防治工作方案。加强水污染治理，改善水环境质量。"),
    ]
    p = tmp_path / "titles.jsonl"
    with p.open("w", encoding="utf-8") as fh:
        for i, (title, content) in enumerate(rows):
            rec = {
                "id": str(i),
                "level": "central",
                "release_time": "2024-01-01",
                "release_department_en": "",
                "title_en": title,
                "content_zh": content,
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return p


def test_suggest_finds_uncovered_words_and_candidates(tmp_path: Path, plain_segmenter) -> None:
    items = suggest(_docs(tmp_path), small(), limit=50)
    by_key = {s.key: s for s in items}
    assert all(isinstance(s, Suggestion) for s in items)
    smart = by_key["smart"]
    assert smart.count == 3 and smart.english == "smart"
    assert smart.candidates[0][0].startswith("智慧")
    assert [c for c, _ in smart.candidates] == [
        c for c, _ in sorted(smart.candidates, key=lambda x: -x[1])
    ]
    # covered words are not suggested: Plan (方案) is in the fixture glossary
    assert "plan" not in by_key
    # the most frequent first
    assert items[0].key == "smart"
    food = by_key["food"]
    assert any("食品" in c for c, _ in food.candidates)
    lines = format_suggestions(items[:1])
    assert lines[0].startswith("smart (3 titles): 智慧")


def test_suggest_bad_input(tmp_path: Path) -> None:
    from index.errors import InputError

    p = tmp_path / "bad.jsonl"
    p.write_text('{"title_en": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InputError, match=":2:"):
        suggest(p, small())
    with pytest.raises(InputError, match="not found"):
        suggest(tmp_path / "missing.jsonl", small())


@pytest.mark.integration
def test_suggest_on_real_en_titles(plain_segmenter) -> None:
    path = SHARED / "data/en_titles/dev.jsonl"
    if not path.exists():
        pytest.skip("../shared data not available")
    items = suggest(path, small(), limit=200)
    by_key = {s.key: s for s in items}
    # the small glossary lacks "smart"/"intelligent": the documents say 智慧/智能
    assert any(c.startswith(("智慧", "智能")) for c, _ in by_key["smart"].candidates[:5])
    assert any(c.startswith("智能") for c, _ in by_key["intellig"].candidates[:5])
    # with the shipped glossary almost every title word is covered
    full = suggest(path, Glossary.load(cedict=False), limit=200)
    assert len(full) < len(items) / 5


def test_no_shipped_term_changes_category_between_files() -> None:
    """A term in two shipped files keeps the first file's category: a ``general`` line
    added to glossary.tsv for a term glossary_titles.tsv files as ``policy`` would drop
    it from the segmentation words, and every index would have to be rebuilt."""
    g = Glossary.load(cedict=False)
    assert not [m for m in g.info if "ignored" in m]
