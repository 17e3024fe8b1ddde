"""Tests for search.title_draft (parser and draft builder, fixture lookup),
search.chrf (checked against sacrebleu) and the draft-title evaluation."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from index.errors import InputError
from index.glossary import Glossary
from search.chrf import chrf, corpus_chrf
from search.title_draft import (
    DRAFT_LABEL,
    LOW_CONFIDENCE_LABEL,
    draft_title,
    parse_title,
    place_prefix,
)

REFS = Path(__file__).resolve().parent / "data" / "title_refs.tsv"

# A small fixture glossary: the renderings official translations use.
FIXTURE = {
    "平台经济": "platform economy",
    "规范": "regulate",
    "数据安全": "data security",
    "营商环境": "business environment",
    "数字经济": "digital economy",
    "发展规划": "development plan",
    "信息化": "informatization",
    "国家发展改革委": "National Development and Reform Commission",
    "中国制造2025": "Made in China 2025",
    "负面清单": "negative list",
    "市场准入": "market access",
}


def lookup(term: str) -> str | None:
    return FIXTURE.get(term)


# --- parse_title -----------------------------------------------------------------


def test_parse_guiding_opinions() -> None:
    st = parse_title("国务院办公厅关于促进平台经济规范健康发展的指导意见")
    assert st.issuers == ["国务院办公厅"]
    assert st.doctype == "指导意见"
    assert st.subject == "促进平台经济规范健康发展"
    assert st.action is None and st.inner_title is None


def test_parse_notice_on_issuing_with_quoted_title() -> None:
    st = parse_title("国务院关于印发《中国制造2025》的通知")
    assert (st.issuers, st.doctype, st.action, st.inner_title) == (
        ["国务院"],
        "通知",
        "印发",
        "中国制造2025",
    )


def test_parse_joint_issuers_and_others() -> None:
    st = parse_title("中共中央 国务院关于加快建设全国统一大市场的意见")
    assert st.issuers == ["中共中央", "国务院"] and st.doctype == "意见"
    st = parse_title("国家发展改革委等部门关于推动平台经济规范健康持续发展的若干意见")
    assert st.issuers == ["国家发展改革委", "等部门"] and st.doctype == "若干意见"


def test_parse_law_and_suffix() -> None:
    st = parse_title("中华人民共和国数据安全法")
    assert st.is_law and st.doctype == "法" and st.subject == "数据安全"
    st = parse_title("新能源汽车产业发展规划（2021—2035年）")
    assert st.suffix == "2021—2035年" and st.doctype == "发展规划"


def test_parse_keeps_glossary_term_whole() -> None:
    assert parse_title("市场准入负面清单", lookup).doctype is None
    assert parse_title("市场准入负面清单").doctype == "清单"


# --- draft_title --------------------------------------------------------------------


def test_draft_guiding_opinions_follows_official_pattern() -> None:
    d = draft_title("国务院办公厅关于促进平台经济规范健康发展的指导意见", lookup)
    assert d.text.startswith(
        "Guiding Opinions of the General Office of the State Council on Promoting"
    )
    assert (
        "Development of Platform Economy" in d.text
        or "Development of the Platform Economy" in d.text
    )
    assert "Regulated and Healthy" in d.text
    assert d.label == DRAFT_LABEL and "not an official translation" in d.label
    assert 0.5 < d.confidence < 1.0 and d.untranslated == []  # every word known; a long title
    assert ("平台经济", "platform economy", "glossary") in d.used


def test_draft_notice_on_issuing_quotes_inner_title() -> None:
    d = draft_title("国务院关于印发《中国制造2025》的通知", lookup)
    assert d.text == 'Notice of the State Council on Issuing "Made in China 2025"'


def test_draft_provincial_plan_with_five_year() -> None:
    d = draft_title("河南省人民政府关于印发河南省“十四五”数字经济和信息化发展规划的通知", lookup)
    assert d.text.startswith("Notice of the Henan Provincial People's Government on Issuing the")
    assert "14th Five-Year Digital Economy and Informatization Development Plan" in d.text


def test_draft_forwarding_and_implementation_opinions() -> None:
    d = draft_title(
        "河南省人民政府办公厅关于转发国家发展改革委关于优化营商环境的实施意见的通知", lookup
    )
    assert (
        "on Forwarding the Implementation Opinions of the National Development and Reform Commission"
        in d.text
    )
    assert (
        "Optimizing the Business Environment" in d.text
        or "Optimizing Business Environment" in d.text
    )
    assert d.text.startswith(
        "Notice of the General Office of the Henan Provincial People's Government"
    )


def test_draft_law_and_regulations() -> None:
    assert draft_title("中华人民共和国数据安全法", lookup).text == (
        "Data Security Law of the People's Republic of China"
    )
    assert (
        draft_title("优化营商环境条例", lookup).text
        == "Regulations on Optimizing Business Environment"
    )


def test_fallback_order_glossary_then_cedict_then_untranslated() -> None:
    # Without CC-CEDICT the words no glossary has stay untranslated, in brackets.
    bare = draft_title("国务院关于促进蘑菇种植的意见", lookup, cedict=False)
    assert bare.text.startswith("Opinions of the State Council on Promoting")
    assert bare.untranslated and all(p in "蘑菇种植" for p in bare.untranslated)
    # With it, every word has a rendering, and the draft says where each came from.
    d = draft_title("国务院关于促进蘑菇种植的意见", lookup)
    assert d.untranslated == [] and "[" not in d.text
    assert "Mushroom" in d.text
    origins = {zh: o for zh, _, o in d.used}
    assert origins["国务院"] == "rule" and origins["意见"] == "rule"
    assert any(o == "cc-cedict" and zh in "蘑菇种植" for zh, o in origins.items())
    # Dictionary senses count for less than curated words.
    assert 0 < d.confidence < 1
    assert bare.confidence < d.confidence


def test_curated_glossary_wins_over_cedict() -> None:
    # 数据安全 is in the fixture glossary: it is used as is, not CC-CEDICT's senses.
    d = draft_title("数据安全管理办法", lookup)
    assert ("数据安全", "data security", "glossary") in d.used
    assert "Data Security" in d.text


# --- title grammar: one test per common pattern ------------------------------------------


def test_pattern_local_promotion_regulations() -> None:
    # X促进条例 with a city as issuer: "Regulations of <place> on Promoting X".
    d = draft_title("北京市数字经济促进条例", lookup)
    assert d.text == "Regulations of Beijing Municipality on Promoting the Digital Economy"
    assert d.untranslated == []


def test_pattern_protection_regulations() -> None:
    d = draft_title("山东省长城保护条例", lookup)
    assert d.text.startswith("Regulations of Shandong Province on the Protection of ")
    assert "Great Wall" in d.text and "[" not in d.text


def test_pattern_administrative_measures() -> None:
    d = draft_title("数据安全管理办法", lookup)
    assert d.text.startswith("Administrative Measures")
    assert "Data Security" in d.text


def test_pattern_implementation_opinions() -> None:
    d = draft_title("河南省人民政府关于促进平台经济规范健康发展的实施意见", lookup)
    assert d.text.startswith(
        "Implementation Opinions of the Henan Provincial People's Government on Promoting"
    )


def test_pattern_notice_on_issuing_plan() -> None:
    d = draft_title("国务院关于印发“十四五”数字经济发展规划的通知", lookup)
    assert d.text.startswith("Notice of the State Council on Issuing the ")
    assert "14th Five-Year" in d.text and d.text.endswith("Development Plan")


def test_pattern_forwarded_notice_keeps_issuers_apart() -> None:
    # A转发B关于…的通知: A issues, B's document is what is forwarded.
    d = draft_title("国务院办公厅转发国家发展改革委关于优化营商环境意见的通知", lookup)
    assert d.text.startswith("Notice of the General Office of the State Council on Forwarding")
    assert "National Development and Reform Commission" in d.text
    assert d.untranslated == []


def test_pattern_decision_plan_action_plan() -> None:
    assert draft_title("国务院关于优化营商环境的决定", lookup).text.startswith(
        "Decision of the State Council on Optimizing"
    )
    assert draft_title("数字经济发展规划", lookup).text == "Digital Economy Development Plan"
    assert draft_title("数字经济行动计划", lookup).text == "Digital Economy Action Plan"
    assert draft_title("数字经济实施方案", lookup).text == "Digital Economy Implementation Plan"


def test_pattern_ordinals_and_years() -> None:
    d = draft_title("关于开展第七次全国人口普查的通知", lookup)
    assert "7th" in d.text and "Census" in d.text
    d = draft_title("关于做好2021年数字经济工作的通知", lookup)
    assert "2021" in d.text
    d = draft_title("中华人民共和国刑法修正案（十一）", lookup)
    assert d.text.endswith("(11)") and "[" not in d.text


def test_place_prefix_provinces_cities_and_autonomous_areas() -> None:
    assert place_prefix("山东省数据条例")[1:] == ("Shandong Province", "Shandong Provincial")
    assert place_prefix("北京市数据条例")[1] == "Beijing Municipality"
    n, noun, _ = place_prefix("延边朝鲜族自治州教育条例")
    assert noun == "Yanbian Korean Autonomous Prefecture" and n == len("延边朝鲜族自治州")
    assert place_prefix("北京冬奥会筹备方案") is None  # a name without its unit is no place


def test_proper_names_in_pinyin_and_quoted_titles_attested() -> None:
    d = draft_title("国务院关于同意设立新余海关的批复", lookup)
    assert "Xinyu" in d.text and d.untranslated == []
    assert any(zh == "新余" and o.startswith("cc-cedict") for zh, _, o in d.used)
    # A quoted national law uses its attested English (and says so).
    d = draft_title("上海市实施《中华人民共和国集会游行示威法》办法", lookup)
    assert "Law of the People's Republic of China on Assemblies" in d.text
    assert any(o == "attested" for _, _, o in d.used)
    off = draft_title("上海市实施《中华人民共和国集会游行示威法》办法", lookup, use_attested=False)
    assert all(o != "attested" for _, _, o in off.used)


def test_low_confidence_drafts_say_so() -> None:
    d = draft_title(
        "四川省人民政府关于对陈家全等12名有突出表现的见义勇为个人和2个群体进行奖励的决定", lookup
    )
    assert d.confidence < 0.5 and d.label == LOW_CONFIDENCE_LABEL
    assert "low confidence" in d.label and "not an official translation" in d.label


def _each_refused(
    p: Path, base: str, bad_lines: list[tuple[str, str]], read: Callable[[Path], object], line: str
) -> None:
    """Each bad line after the good ``base`` stops ``read`` with its reason and ``line``."""
    from search.title_lexicon import TitleDataError

    for bad, reason in bad_lines:
        p.write_text(base + bad + "\n", encoding="utf-8")
        with pytest.raises(TitleDataError) as e:
            read(p)
        assert reason in e.value.message and line in e.value.message


def test_title_words_file_is_checked(tmp_path: Path) -> None:
    from search.title_lexicon import read_words

    p = tmp_path / "w.tsv"
    base = "doctype\t通知\tNotice\nverb\t促进\tPromoting\nregion\t山东\tShandong\n"
    p.write_text(base, encoding="utf-8")
    assert read_words(p)["doctype"] == {"通知": "Notice"}
    bad_lines = [
        ("doctype\t通知", "3 fields"),
        ("nosuch\t通知\tNotice", "unknown table"),
        ("doctype\tNotice\tNotice", "no Chinese"),
        ("doctype\t意见\t意见", "empty or has Chinese"),
        ("doctype\t通知\tCircular", "twice"),
    ]
    _each_refused(p, base, bad_lines, read_words, "line 4")


def test_title_sets_file_is_checked(tmp_path: Path) -> None:
    from search.title_lexicon import SETS, TitleDataError, read_sets

    p = tmp_path / "s.tsv"
    base = (
        "small_word\tof\nfor_type\tMeasures\ncompound_type\tPlan\ngoverned_head\t发展\n"
        "no_place\t乡镇\n"
    )
    p.write_text(base, encoding="utf-8")
    types = frozenset({"Measures", "Plan"})
    assert read_sets(p, types)["governed_head"] == frozenset({"发展"})
    assert read_sets(p, types)["no_place"] == frozenset({"乡镇"})
    bad_lines = [
        ("small_word", "2 fields"),
        ("nosuch\tof", "unknown set"),
        ("governed_head\tdevelopment", "not Chinese"),
        ("no_place\ttownship", "not Chinese"),
        ("small_word\t的", "not English"),
        ("for_type\tMeasure", "no document type"),
        ("small_word\tof", "twice"),
    ]
    _each_refused(p, base, bad_lines, lambda path: read_sets(path, types), "s.tsv line 6")
    p.write_text(base.replace("small_word\tof\n", ""), encoding="utf-8")
    with pytest.raises(TitleDataError, match="set small_word is empty"):
        read_sets(p, types)
    assert set(SETS) == {"small_word", "for_type", "compound_type", "governed_head", "no_place"}


def test_shipped_title_sets_name_shipped_doctypes() -> None:
    # read_sets checks the type sets against the shipped document types on load.
    from search.title_draft import DOCTYPES
    from search.title_lexicon import word_sets

    sets = word_sets()
    assert sets["for_type"] | sets["compound_type"] <= set(DOCTYPES.values())
    assert "of" in sets["small_word"] and "发展" in sets["governed_head"]


def test_shipped_no_place_words_are_glossary_words_and_no_places() -> None:
    # Each word is one the glossary has (a misspelt one would silently match
    # nothing), and none is a province or a city of the shipped tables.
    from search.cities import cities
    from search.title_draft import REGIONS
    from search.title_lexicon import word_sets

    glossary = Glossary.load(cedict=False)
    words = word_sets()["no_place"]
    assert {"乡镇", "国际", "市"} <= words
    assert all(glossary.zh_entry(w) is not None for w in words)
    assert not words & (set(REGIONS) | set(cities().provinces))


def test_en_doctypes_file_is_checked(tmp_path: Path) -> None:
    from search.title_lexicon import TitleDataError, read_en_doctypes

    p = tmp_path / "e.tsv"
    base = "circular\t通知\nthree-year action plan\t三年行动计划 三年行动方案\n"
    p.write_text(base, encoding="utf-8")
    drafted = {"circular": ["通告"], "notice": ["通知"]}
    assert read_en_doctypes(p, drafted) == {
        "circular": ("通知",),
        "three-year action plan": ("三年行动计划", "三年行动方案"),
    }
    bad_lines = [
        ("guidance", "2 fields"),
        ("Guidance\t指导意见", "not lower-case English"),
        ("circular\t通报", "twice"),
        ("guidance\tguiding opinions", "not Chinese words"),
        ("guidance\t指南 指南", "appears twice in"),
        ("notice\t公告 通知", "already names 通知"),
    ]
    _each_refused(p, base, bad_lines, lambda path: read_en_doctypes(path, drafted), "e.tsv line 3")
    p.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(TitleDataError, match="no English document types"):
        read_en_doctypes(p, drafted)


def test_english_doctypes_are_the_drafted_ones_then_the_file() -> None:
    # search.titles matches English document types from one table: the draft's
    # doctype renderings (title_words.tsv) first, in their order, then en_doctypes.tsv.
    from search.title_draft import DOCTYPES
    from search.title_lexicon import read_en_doctypes
    from search.titles import _EN_DOCTYPES

    drafted: dict[str, list[str]] = {}
    for zh, en in DOCTYPES.items():
        drafted.setdefault(en.lower(), []).append(zh)
    more = read_en_doctypes()
    assert list(_EN_DOCTYPES)[: len(drafted)] == list(drafted)
    assert list(_EN_DOCTYPES)[len(drafted) :] == [en for en in more if en not in drafted]
    for en, types in _EN_DOCTYPES.items():
        assert types == drafted.get(en, []) + list(more.get(en, ())), en
    assert _EN_DOCTYPES["circular"] == ["通告", "通知"]
    assert _EN_DOCTYPES["guidance"] == ["指导意见", "指南", "指引"]


@pytest.mark.parametrize("bad", ["", "   ", "国" * 501])
def test_bad_input_raises_input_error(bad: str) -> None:
    with pytest.raises(InputError):
        draft_title(bad, lookup)
    with pytest.raises(InputError):
        parse_title(bad)


# A lone 的 once crashed the drafter (IndexError), found by the random-input test of titles.
@pytest.mark.parametrize("garbage", ["asdf qwer", "!!!???", "12345", "☃☃☃", "的", "的的"])
def test_garbage_gives_empty_draft(garbage: str) -> None:
    d = draft_title(garbage, lookup)
    assert d.text == "" and d.confidence == 0.0


def test_non_string_is_input_error() -> None:
    with pytest.raises(InputError):
        draft_title(None, lookup)  # type: ignore[arg-type]


def test_broken_lookup_does_not_escape() -> None:
    def boom(term: str) -> str | None:
        raise RuntimeError("lookup down")

    d = draft_title("国务院关于促进平台经济发展的意见", boom)
    assert d.text.startswith("Opinions of the State Council on Promoting")
    assert d.confidence < 1


# --- chrF ----------------------------------------------------------------------------

# Expected values computed with sacrebleu 2.6.0 (pip install sacrebleu, dev time
# only): sacrebleu.sentence_chrf(h, [r]).score and sacrebleu.corpus_chrf(hs, [rs]).score.
PAIRS = [
    (
        "Guiding Opinions of the State Council on Promoting the Platform Economy",
        "Guiding Opinions of the General Office of the State Council on Promoting the Regulated "
        "and Healthy Development of the Platform Economy",
        57.46085352818635,
    ),
    ("Data Security Law of the People's Republic of China",) * 2 + (100.0,),
    ("Notice on Issuing the Plan", "Measures for Cybersecurity Review", 7.0636831471273585),
    ("", "Made in China 2025", 0.0),
    ("a b", "ab", 100.0),
]


@pytest.mark.parametrize(("hyp", "ref", "expected"), PAIRS)
def test_chrf_matches_sacrebleu(hyp: str, ref: str, expected: float) -> None:
    assert chrf(hyp, ref) == pytest.approx(expected, abs=1e-9)


def test_corpus_chrf_matches_sacrebleu() -> None:
    hyps = [p[0] for p in PAIRS[:4]]
    refs = [p[1] for p in PAIRS[:4]]
    assert corpus_chrf(hyps, refs) == pytest.approx(56.61900266261208, abs=1e-9)
    with pytest.raises(InputError):
        corpus_chrf(hyps, refs[:2])


def test_chrf_live_against_sacrebleu_if_installed() -> None:
    sacrebleu = pytest.importorskip("sacrebleu")
    for hyp, ref, _ in PAIRS:
        assert chrf(hyp, ref) == pytest.approx(sacrebleu.sentence_chrf(hyp, [ref]).score, abs=1e-9)


# --- reference set and evaluation --------------------------------------------------------


def _refs() -> list[dict[str, str]]:
    with REFS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_reference_set_shape() -> None:
    rows = _refs()
    assert len(rows) >= 70
    assert all(r["zh"] and r["en"] and r["source"] for r in rows)
    assert len({r["zh"] for r in rows}) == len(rows)


def _eval():  # the benchmark module
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import title_draft_eval

    return title_draft_eval


def test_reference_halves_are_fixed_and_disjoint_from_the_old_set() -> None:
    ev = _eval()
    refs = ev.references()
    build = {zh for zh, _, _ in refs["build"]}
    report = {zh for zh, _, _ in refs["report"]}
    assert build and report and not build & report
    old = {r["zh"] for r in _refs()}
    assert not (build | report) & old  # the title glossary was written from the old set
    assert all(ev.split_half(zh) == "report" for zh in report)
    assert all(src for _, _, src in refs["report"])  # a source on every line


@pytest.mark.slow
@pytest.mark.integration
def test_draft_chrf_and_confidence_on_report_half() -> None:
    ev = _eval()
    report = ev.references()["report"]
    assert len(report) >= 15
    shipped = ev.score(report, ev.shipped_lookup())
    bare = ev.score(report, ev.lookup_without_title_glossary())
    # measured (benchmarks/title_draft_eval.py): 81.3 as shipped, 81.2 without the
    # title glossary; Spearman rho 0.62 (117 report-half titles)
    assert shipped["chrf"] >= 78, shipped["chrf"]
    assert bare["chrf"] >= 78, bare["chrf"]
    assert shipped["rho"] >= 0.45, shipped["rho"]


@pytest.mark.slow
@pytest.mark.integration
def test_every_corpus_title_is_drafted_without_untranslated_pieces() -> None:
    ev = _eval()
    try:
        corpus = ev.corpus_titles()
    except FileNotFoundError:
        pytest.skip("../shared data not available")
    lookup = ev.shipped_lookup()
    bad: list[str] = []
    for t in corpus["all"]:
        try:
            d = draft_title(t, lookup)
        except InputError:
            continue  # not a title (empty after cleaning, too long): no draft, no claim
        assert d.label in (DRAFT_LABEL, LOW_CONFIDENCE_LABEL)
        if d.untranslated:
            bad.append(t)
    share = len(bad) / len(corpus["all"])
    assert share <= 0.05, (share, bad[:10])
    laws = corpus["national_laws"]
    law_bad = [t for t in laws if draft_title(t, lookup).untranslated]
    assert len(law_bad) / len(laws) <= 0.02, law_bad[:10]


@pytest.mark.slow
@pytest.mark.integration
def test_national_laws_in_force_mostly_have_an_attested_title() -> None:
    # Issue 12 target: >= 80% of the national laws (level 法律) in force in the corpus
    # have an English name a public source gives (search/data/attested_titles.tsv).
    ev = _eval()
    try:
        corpus = ev.corpus_titles()
    except FileNotFoundError:
        pytest.skip("../shared data not available")
    attested, total = ev.attested_coverage(corpus["laws_records"], "法律")
    assert total >= 100, total  # the sample corpus holds some 300 distinct laws in force
    # measured (benchmarks/title_draft_eval.py): 252 of 308 (81.8%)
    assert attested / total >= 0.80, (attested, total)


@pytest.mark.integration
def test_term_table_drafts_what_a_plain_lookup_drafts() -> None:
    """TermTable skips substrings no glossary term starts with: on real titles its
    drafts equal those of the same table read through a plain ``dict.get``."""
    import gzip

    from search.titles import _lookup_table

    path = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "policy_titles.csv.gz"
    if not path.exists():
        pytest.skip("../shared data not present")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        titles = [r["title"] for r in csv.DictReader(f) if r["title"].strip()][::40]
    table = _lookup_table(None)
    plain = dict(table).get
    assert len(titles) > 500
    assert table.lengths_at("平台经济规范健康发展", 0, 16)  # a term starts here
    for t in titles:
        assert draft_title(t, table) == draft_title(t, plain), t


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("上海市市管干部提任前公示（2018年6月11日）", "(June 11, 2018)"),
        ("上海市人民政府关于2020年12月份重点工作的通知", "December 2020"),
        ("关于2019年4月全市空气质量的通报", "April 2019"),
    ],
)
def test_dates_are_written_as_english_writes_them(zh: str, en: str) -> None:
    text = draft_title(zh).text
    assert en in text
    assert "Moon" not in text and "Sun" not in text and "Fen" not in text
