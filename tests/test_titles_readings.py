"""Tests for how an English title is read (``search.titles``, ``search.senses``):
readings reached through the stem alone, the 实施 kind of "Plan for the
Implementation of", the glossary words added for policy titles, and the second
retrieval within the province the title names."""

from __future__ import annotations

import pytest

from index.glossary import Glossary
from search.titles import parse_english_title


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(cedict=False)


def _readings(title: str, glossary: Glossary) -> dict[str, tuple[str, ...]]:
    return {t.en: t.zh for t in parse_english_title(title, glossary).terms}


def test_news_is_no_plural_of_new() -> None:
    from search.senses import _forms, _surface

    assert _surface("news") == "news" and _forms("news") == {"news"}
    assert _surface("Plans") == "plan" and "city" in _forms("cities")


def test_spelled_readings_outrank_stem_only_ones(glossary: Glossary) -> None:
    # "New" reaches 新闻 only through the stem of "news": 新型 and 新兴 say "new".
    new = _readings("New Investment Policies of Hainan", glossary)["New"]
    assert "新闻" not in new and {"新型", "新兴"} <= set(new)
    # The word itself still reads as itself.
    assert _readings("News Release Measures", glossary)["News"] == ("新闻",)
    # "Packaging" is 包装; 一揽子 ("package") is reached through the stem only.
    assert _readings("Green Packaging Action Plan", glossary)["Packaging"] == ("包装",)
    assert _readings("Package of Policies", glossary)["Package"] == ("一揽子",)


def test_stem_only_readings_stay_when_there_is_no_other(glossary: Glossary) -> None:
    from search.senses import stem_only
    from search.titles import TermGroup, _drop_stem_only

    g = TermGroup("Accounting", ("问责",), "general", 1.0, (0, 10))
    assert stem_only(glossary, "Accounting", "问责")
    _drop_stem_only(g, glossary)
    assert g.zh == ("问责",)


@pytest.mark.parametrize(
    ("title", "kinds"),
    [
        ("Action Plan for the Implementation of Carbon Peak in Shanghai", {"实施方案"}),
        ("Measures for Implementing the Land Administration Law", {"实施办法"}),
        ("Opinions on the Implementation of the Healthy China Initiative", {"实施意见"}),
        ("Regulations on the Implementation of the Tax Law", {"实施条例"}),
    ],
)
def test_kind_for_the_implementation_is_the_shi_shi_kind(
    title: str, kinds: set[str], glossary: Glossary
) -> None:
    doctypes = parse_english_title(title, glossary).doctypes
    named = {z for _, zs in doctypes for z in zs}
    assert kinds <= named
    # The plain kind is kept: "Opinions on the Implementation of X" may be X's 意见.
    assert any(
        en.split()[0].lower() in {"action", "measures", "opinions", "regulations"}
        for en, _ in doctypes
    )


def test_no_shi_shi_kind_without_implementation(glossary: Glossary) -> None:
    named = {
        z
        for _, zs in parse_english_title("Action Plan for Carbon Peak", glossary).doctypes
        for z in zs
    }
    assert not any(z.startswith("实施") for z in named)


@pytest.mark.parametrize(
    ("title", "en", "zh"),
    [
        (
            "Opinions on Speeding up the Implementation of Free Trade Zone Strategy",
            "Free Trade Zone",
            "自由贸易区",
        ),
        ("China (Hainan) Free Trade Zone General Plan", "Free Trade Zone", "自由贸易试验区"),
        ("Salt Industry System Reform Plan", "Salt Industry", "盐业"),
        ("Trust Law of the People's Republic of China", "Trust", "信托"),
        ("Stamp Tax Law of the People's Republic of China", "Stamp Tax", "印花税"),
        ("Anti-money Laundering Law", "Anti-money Laundering", "反洗钱"),
        ("5-year plan for cold-chain logistics", "cold-chain logistics", "冷链物流"),
        ("Work Plan for a Zero-Waste City Pilot Project", "Zero-Waste City", "无废城市"),
        ("Opinions on Relying on the Golden Waterway", "Golden Waterway", "黄金水道"),
        ("Opinions on Revitalizing Existing Assets", "Assets", "资产"),
        ("Opinions on the Employment of Veterans", "Veterans", "退役军人"),
        ("Provisions on Fire Safety Management", "Fire Safety", "消防安全"),
        # the third tuning set's words (attested_policy_titles_c.tsv)
        ("Hydrogen Energy Industry Development Plan", "Hydrogen Energy", "氢能"),
        ("Several Measures for Further Promoting Consumption", "Promoting Consumption", "促进消费"),
        ("Measures to Boost Consumer Confidence", "Consumer Confidence", "消费信心"),
        ("Measures to Unleash Consumer Demand", "Consumer Demand", "消费需求"),
        ("Plan for Economic Recovery and Revitalization", "Revitalization", "重振"),
        (
            "Overseas Higher Education Institutions Running Schools",
            "Higher Education Institutions",
            "高等教育机构",
        ),
        ("Overseas Higher Education Institutions Running Schools", "Overseas", "境外"),
        ("Overseas Higher Education Institutions Running Schools", "Running Schools", "办学"),
        # law subjects
        (
            "People's Assessors Law of the People's Republic of China",
            "People's Assessors",
            "人民陪审员",
        ),
        ("PRC Deed Tax Law", "Deed Tax", "契税"),
        ("Metrology Law of the People's Republic of China", "Metrology", "计量"),
        ("Legal Aid Law of the People's Republic of China", "Legal Aid", "法律援助"),
        ("Law on the Protection of Wildlife", "Wildlife", "野生动物"),
        ("Law on the Territorial Sea and the Contiguous Zone", "Contiguous Zone", "毗连区"),
    ],
)
def test_glossary_words_with_standard_renderings(
    title: str, en: str, zh: str, glossary: Glossary
) -> None:
    assert zh in _readings(title, glossary)[en]


@pytest.fixture(scope="module")
def crowded_engine(tmp_path_factory: pytest.TempPathFactory):
    """Many provinces' 碳达峰 plans and one Shanghai one that the others outscore."""
    from index.document import Document
    from search.engine import Engine

    engine = Engine(
        tmp_path_factory.mktemp("regionpool") / "index",
        glossary=Glossary.load(cedict=False),
        create=True,
    )
    others = [
        Document(
            id=f"p{i}",
            title=f"关于贯彻落实碳达峰行动方案的实施方案（第{i}批）",
            region="全国" if i % 2 else "四川",
        )
        for i in range(40)
    ]
    target = Document(
        id="sh", title="上海市人民政府关于印发《上海市碳达峰实施方案》的通知", region="上海"
    )
    engine.backend.add_documents([*others, target])
    yield engine
    engine.backend.close()


def test_parse_pool_searches_the_named_province(crowded_engine) -> None:
    from search.titles import TITLE_POOL, _english_fields, _english_pool, _parse_pool

    en = "Action Plan for the Implementation of Carbon Peak in Shanghai"
    parse = parse_english_title(en, crowded_engine.glossary)
    assert parse.provinces == ["上海"]
    fields = _english_fields(False)
    pool = _english_pool(crowded_engine, en, parse, fields, True, None)
    pool.hits, pool.seen = [], set()
    found = [d.id for d, _ in _parse_pool(crowded_engine, parse, pool, fields, None)]
    # The 40 others fill the whole-corpus search; the province's own search adds its plan.
    assert len(found) > TITLE_POOL and "sh" in found
    assert len(found) == len(set(found))
    # Without the province the whole-corpus search alone decides.
    parse.provinces = []
    pool = _english_pool(crowded_engine, en, parse, fields, True, None)
    pool.hits, pool.seen = [], set()
    plain = [d.id for d, _ in _parse_pool(crowded_engine, parse, pool, fields, None)]
    assert len(plain) <= TITLE_POOL and "sh" not in plain


@pytest.mark.parametrize(
    ("title", "said"),
    [
        ("5-year plan for cold-chain logistics", "Five-year plan"),
        ("Henan 3-year action plan for the metaverse", "Three-year action plan"),
        ("A 10-year programme", "Ten-year programme"),
    ],
)
def test_year_counts_in_digits_read_as_words(title: str, said: str, glossary: Glossary) -> None:
    p = parse_english_title(title, glossary)
    assert said in p.text
    named = {z for _, zs in p.doctypes for z in zs} | {z for t in p.terms for z in t.zh}
    assert {"五年规划", "三年行动计划"} & named or "Ten" in said


def test_years_and_plan_periods_are_not_counts(glossary: Glossary) -> None:
    p = parse_english_title("Plan for 2021-2025 (14th Five-Year Plan) and 15 years", glossary)
    assert p.years == [2021, 2025] and "15 years" in p.text
    assert any("十四五" in t.zh for t in p.terms)


def test_metrology_is_not_measures(glossary: Glossary) -> None:
    # 计量 is "metrology" only: "Measures" (办法, 措施) and "measurement" stay apart.
    p = parse_english_title("Measures for the Administration of Measurement Funds", glossary)
    assert not any("计量" in t.zh for t in p.terms)
    assert not any("计量" in zs for _, zs in p.doctypes)


# --- the third tuning set's rules (attested_policy_titles_c.tsv) ---------------------------


def test_spelled_reading_is_not_crowded_out_by_stem_only_ones(glossary: Glossary) -> None:
    # 工业化 and 产业化 ("industrialization") reach "Industries" through its stem only;
    # dropping them leaves room for 行业, which the glossary spells "industries".
    zh = _readings("Several Measures on Supporting Industries", glossary)["Industries"]
    assert "行业" in zh and "工业化" not in zh and len(zh) <= 4


def test_plan_period_is_also_written_out(glossary: Glossary) -> None:
    p = parse_english_title(
        "The Outline of the 14th Five-Year Plan for National Economic and Social Development",
        glossary,
    )
    period = next(t for t in p.terms if "十四五" in t.zh)
    assert "第十四个五年" in period.zh


@pytest.mark.parametrize(
    ("readings", "title", "held"),
    [
        (("加快发展",), "河南省人民政府办公厅关于进一步加快新能源汽车产业发展的指导意见", True),
        (("促进消费",), "关于促进文化和旅游消费的意见", True),
        (("加快发展",), "关于加快推进农业机械化和农机装备产业转型升级的指导意见", False),
        (("发展加快",), "关于加快新能源汽车产业发展的意见", False),  # out of order
        (("十四五",), "十四五规划", False),  # three characters: never split
    ],
)
def test_split_readings(readings: tuple[str, ...], title: str, held: bool) -> None:
    from search.titles import _split_in

    assert _split_in(readings, title) is held


def test_another_province_costs_confidence(glossary: Glossary) -> None:
    from index.document import Document
    from search.titles import REGION_CLASH, score_english

    p = parse_english_title("Outline of the 14th Five-Year Plan of Henan Province", glossary)
    body = "山东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要"
    # A national text that names the province past its head (where a title stands).
    naming = body + "\n" + "一" * 200 + "河南"
    shandong = Document(id="sd", title="", body=naming, region="山东")
    national = Document(id="cn", title="", body=naming, region="全国")
    sd = score_english(p, shandong, 1.0)
    cn = score_english(p, national, 1.0)
    # The same evidence; the province the English does not name keeps REGION_CLASH of it.
    assert sd.confidence == pytest.approx(round(cn.confidence * REGION_CLASH, 3), abs=0.002)
    assert any(m.startswith("region: 山东") for m in sd.mismatch)


def test_a_national_text_silent_on_the_one_province_named_costs_confidence(
    glossary: Glossary,
) -> None:
    from index.document import Document
    from search.titles import REGION_CLASH, score_english

    body = "山东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要\n" + "一" * 200
    silent = Document(id="a", title="", body=body, region="全国")
    naming = Document(id="b", title="", body=body + "河南", region="全国")
    p = parse_english_title("Outline of the 14th Five-Year Plan of Henan Province", glossary)
    a, b = score_english(p, silent, 1.0), score_english(p, naming, 1.0)
    assert a.confidence == pytest.approx(round(b.confidence * REGION_CLASH, 3), abs=0.002)
    # Two provinces named (a plan for both can be national): no clash.
    two = parse_english_title("Development Plan of the Chengdu-Chongqing Economic Circle", glossary)
    assert len(two.provinces) == 2
    assert score_english(two, silent, 1.0).confidence == score_english(two, naming, 1.0).confidence


def test_general_kinds_of_compound_ones() -> None:
    from search.titles import general_kinds

    assert general_kinds({"指导意见"}) == {"意见"}
    assert general_kinds({"实施方案"}) == {"方案"}
    assert general_kinds({"意见", "指导意见"}) == set()  # already named
    assert general_kinds({"条例"}) == set() and general_kinds({"法"}) == set()


def test_a_document_of_the_general_kind_gets_part_of_the_kind(glossary: Glossary) -> None:
    from index.document import Document
    from search.titles import GENERAL_KIND_SCORE, score_english

    p = parse_english_title(
        "Guiding Opinions on Accelerating the Development of the Seed Industry", glossary
    )

    def kind(title: str) -> float:
        doc = Document(id=title, title=title, body="", region="全国")
        return next(e.score for e in score_english(p, doc, 1.0).evidence if e.kind == "doctype")

    assert kind("国务院关于加快推进种业发展的指导意见") == 1.0
    # Translators add "Guiding" to a plain 意见: its general kind, not another kind.
    assert kind("国务院关于加快推进种业发展的意见") == GENERAL_KIND_SCORE
    assert kind("国务院关于加快推进种业发展的通知") == 0.0
