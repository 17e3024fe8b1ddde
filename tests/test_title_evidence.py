"""Evidence the English-title lookup weighs (search/titles.py score_english): the
city table (search/cities.py: a city places a document in its province), a
document's own kind (its title's ending, or its text naming itself), and
national titles (of the People's Republic of China)."""

from __future__ import annotations

import pytest

from index.document import Document
from search.cities import CityDataError, cities, parse_cities
from search.titles import parse_english_title, score_english

JINAN_TITLE = (
    "Notice of Jinan Municipal People's Government on Issuing the Implementation Plan "
    "for Building a Smart City"
)


def test_shipped_table_maps_cities_to_provinces() -> None:
    c = cities()
    assert c.provinces["济南"] == ("山东",)
    assert c.provinces["青岛"] == ("山东",)
    assert c.provinces["深圳"] == ("广东",)
    # Every province of the table is a region the corpus knows by its short name.
    assert all(not p.endswith(("省", "市")) for ps in c.provinces.values() for p in ps)
    # One English name, two cities: both are kept.
    assert set(c.in_english("Suzhou")) == {"苏州", "宿州"}
    assert c.in_english("Measures of Taian and Tai’an and QINGDAO") == ["泰安", "青岛"]
    assert c.in_english("Shandong Province") == []


def test_province_of_an_issuer_named_after_a_city() -> None:
    c = cities()
    assert c.province_of_issuer("济南市人民政府") == "山东"
    assert c.province_of_issuer("烟台市人民政府办公室") == "山东"
    assert c.province_of_issuer("朝阳区人民政府") is None  # a district, not 朝阳市
    assert c.province_of_issuer("济南") is None


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("济南\tJinan", "expected zh<TAB>en<TAB>province"),
        ("济南市\tJinan\t山东", "not a city and a province"),
        ("济南\tjinan city\t山东", "not an English city name"),
    ],
)
def test_malformed_lines_say_where_and_what(line: str, fragment: str) -> None:
    with pytest.raises(CityDataError) as err:
        parse_cities(f"# comment\n\n{line}\n", "cities.tsv")
    assert fragment in str(err.value) and "line 3" in str(err.value)


def test_city_in_an_english_title_gives_its_province() -> None:
    p = parse_english_title(JINAN_TITLE, None)
    assert "济南" in p.regions
    assert p.provinces == ["山东"]
    assert parse_english_title("Notice of Shandong Province on Education", None).provinces == [
        "山东"
    ]


def test_region_evidence_for_a_city() -> None:
    p = parse_english_title(JINAN_TITLE, None)

    def region(doc: Document) -> tuple[float, list[str]]:
        c = score_english(p, doc, 1.0, use_title_en=False)
        ev = next(e for e in c.evidence if e.kind == "region")
        return ev.score, c.mismatch

    named = Document(
        id="a", title="济南市人民政府关于印发智慧城市建设实施方案的通知", region="山东"
    )
    province = Document(id="b", title="关于印发智慧城市建设实施方案的通知", region="山东")
    elsewhere = Document(id="c", title="关于印发智慧城市建设实施方案的通知", region="广东")
    assert region(named) == (1.0, [])
    assert region(province) == (0.5, [])  # the province agrees; the city is not confirmed
    score, mismatch = region(elsewhere)
    assert score == 0.0 and any("region: 广东" in m for m in mismatch)


def test_text_only_record_names_its_own_kind() -> None:
    # Records known only by their text (en_titles) often start without a title,
    # but say what they are: 制定本行动计划.
    p = parse_english_title("Action Plan for Intelligent Ship Development (2019-2021)", None)

    def doctype(doc: Document) -> float:
        c = score_english(p, doc, 1.0, use_title_en=False)
        return next(e.score for e in c.evidence if e.kind == "doctype")

    head = "智能船舶融合了现代信息技术。为促进船舶工业高质量发展，"
    assert (
        doctype(Document(id="a", title="", body=head + "现就大力发展智能船舶制定本行动计划。"))
        == 1.0
    )
    assert doctype(Document(id="b", title="", body=head + "制定本计划。")) == 1.0  # its family
    assert doctype(Document(id="c", title="", body=head + "制定本办法。")) == 0.0
    # A titled record is judged by its title alone.
    titled = Document(id="d", title="关于智能船舶的通知", body="制定本行动计划。")
    assert doctype(titled) == 0.0


def test_text_only_record_announcing_its_kind() -> None:
    # Opinions and notices announce themselves: 现就…提出如下意见, 现将有关事项通知如下.
    p = parse_english_title("Opinions on Deepening the Construction of Smart Communities", None)

    def doctype(body: str) -> float:
        c = score_english(p, Document(id="a", title="", body=body), 1.0, use_title_en=False)
        return next(e.score for e in c.evidence if e.kind == "doctype")

    # The announcement stands after the head where a title would be (160 characters).
    head = "智慧社区是充分应用大数据等信息技术手段的社区治理新形态。" * 7
    assert len(head) > 160
    assert doctype(head + "现就推进智慧社区建设提出如下意见：") == 1.0
    assert doctype(head + "现提出以下意见。") == 1.0
    assert doctype(head + "现将有关事项通知如下：") == 0.0  # a notice, not opinions
    notice = parse_english_title("Notice on Smart Community Pilots", None)
    c = score_english(
        notice,
        Document(id="b", title="", body=head + "现将有关事项通知如下："),
        1.0,
        use_title_en=False,
    )
    assert next(e.score for e in c.evidence if e.kind == "doctype") == 1.0


def test_a_law_title_prefers_the_law_over_documents_citing_it() -> None:
    from search.titles import _ends_with_kind

    p = parse_english_title("Anti-Unfair Competition Law of the People's Republic of China", None)
    assert p.national and not p.regions

    def ev(doc: Document) -> tuple[dict[str, float], float, list[str]]:
        c = score_english(p, doc, 1.0, use_title_en=False)
        return {e.kind: e.score for e in c.evidence}, c.confidence, c.mismatch

    law, law_conf, law_mis = ev(
        Document(id="a", title="中华人民共和国反不正当竞争法", region="全国")
    )
    cite, cite_conf, _ = ev(
        Document(
            id="b",
            title="最高人民法院关于适用《中华人民共和国反不正当竞争法》若干问题的解释",
            region="全国",
        )
    )
    local, local_conf, local_mis = ev(
        Document(id="c", title="山东省实施《中华人民共和国反不正当竞争法》办法", region="山东")
    )
    assert law["doctype"] == 1.0 and law["region"] == 1.0 and not law_mis
    assert cite["doctype"] == 0.5  # the law is only cited: the document is an interpretation
    assert local["region"] == 0.0 and any("not national" in m for m in local_mis)
    assert law_conf > cite_conf and law_conf > local_conf
    # The kind a 关于印发…的通知 issues counts as the document's own.
    assert _ends_with_kind("国务院关于印发2030年前碳达峰行动方案的通知", {"行动方案"})
    assert _ends_with_kind("中华人民共和国宪法修正案（2018年）", {"修正案"})
    assert not _ends_with_kind("关于适用《中华人民共和国仲裁法》若干问题的解释", {"法"})
    # 办法 (measures) ends in 法 but is no law; asked for, it is its own kind.
    assert not _ends_with_kind("河南省实施《中华人民共和国乡镇企业法》办法", {"法"})
    assert _ends_with_kind("河南省实施《中华人民共和国乡镇企业法》办法", {"法", "办法"})


def test_text_heads_are_kept_per_generation_and_bounded() -> None:
    from search.titles import HEAD_CHARS, _compact, _TextHeads

    heads = _TextHeads(max_chars=2 * HEAD_CHARS)
    long_text = "為促進 船舶工業發展" * 600  # traditional, spaced, longer than the head
    doc = Document(id="a", title="", body=long_text)
    want = _compact(long_text[:HEAD_CHARS])
    assert heads.get(1, doc) == want and "为促进船舶工业发展" in want
    # Kept: the same document of the same generation is not compacted again.
    assert heads.get(1, Document(id="a", title="", body=long_text)) is heads.get(1, doc)
    # Another text under the same id (a commit in between) is never answered from the cache.
    other = Document(id="a", title="", body="新的文本")
    assert heads.get(1, other) == "新的文本"
    assert heads.get(2, doc) == want  # another generation
    # Bounded by characters: the least recently used heads go first.
    for i in range(5):
        heads.get(3, Document(id=f"d{i}", title="", body=long_text))
    assert heads._chars <= 2 * HEAD_CHARS
    assert (3, "d4") in heads._heads and (3, "d0") not in heads._heads
    assert heads.get(1, Document(id="e", title="", body="")) == ""


def test_scoring_made_once_per_title_gives_the_same_evidence() -> None:
    # What a lookup makes once for all its candidates (and the text-head cache)
    # changes nothing in any candidate's evidence.
    from search.titles import _EnglishScoring

    docs = [
        Document(id="a", title="济南市人民政府关于印发智慧城市建设实施方案的通知", region="山东"),
        Document(id="b", title="", body="为建设智慧城市，制定本方案。" * 400, region="山东"),
        Document(id="c", title="关于印发实施方案的通知", body="智慧城市", region="广东"),
    ]
    for title in (JINAN_TITLE, "Anti-Unfair Competition Law of the People's Republic of China"):
        p = parse_english_title(title, None)
        sc = _EnglishScoring.of(p, generation="test-generation")
        for doc in docs:
            plain = score_english(p, doc, 0.5, use_title_en=False)
            shared = score_english(p, doc, 0.5, use_title_en=False, scoring=sc)
            assert shared == plain


# --- fourth round: places, derivative titles, plan periods, numbered parts --------------


def _evidence(
    title_en: str, doc: Document, glossary: object = None
) -> tuple[dict[str, float], float, list[str]]:
    c = score_english(parse_english_title(title_en, glossary), doc, 1.0, use_title_en=False)
    return {e.kind: e.score for e in c.evidence}, c.confidence, c.mismatch


def test_a_place_the_chinese_title_names_and_the_english_does_not() -> None:
    from search.titles import _title_place

    en = "Plan for the Development of the Digital Economy"
    national, n_conf, n_mis = _evidence(
        en, Document(id="a", title="国务院关于印发数字经济发展规划的通知", region="全国")
    )
    local, l_conf, l_mis = _evidence(
        en, Document(id="b", title="上海市数字经济发展规划", region="上海")
    )
    assert "region" not in national and not n_mis
    assert local["region"] == 0.0 and any("上海" in m for m in l_mis)
    assert n_conf > l_conf
    # When the English names the place, the place is evidence for it, as before.
    named, _, named_mis = _evidence(
        "Shanghai Plan for the Development of the Digital Economy",
        Document(id="b", title="上海市数字经济发展规划", region="上海"),
    )
    assert named["region"] == 1.0 and not named_mis
    # Provinces by name, cities with 市 (a bare city name can be a word), and a local
    # body named without its place.
    assert _title_place("河南省数字经济发展规划") == "河南"
    assert _title_place("济南市数字经济发展规划") == "济南市"
    assert _title_place("关于维护社会大同的意见") is None
    assert _title_place("市政府关于印发科技创新规划的通知") == "市政府"
    assert _title_place("市场监管总局关于印发规划的通知") is None


def test_a_record_known_by_its_text_and_the_place_of_its_first_line() -> None:
    en = "Plan for Scientific and Technological Innovation"
    own = Document(
        id="a", title="", body="山东省科技创新规划\n为深入实施《国家科技创新规划》，制定本规划。"
    )
    cites = Document(
        id="b", title="", body="科技创新规划\n为贯彻《山东省科技创新规划》，制定本规划。"
    )
    ev_own, _, mis = _evidence(en, own)
    ev_cites, _, _ = _evidence(en, cites)
    assert ev_own["region"] == 0.0 and any("山东" in m for m in mis)
    assert "region" not in ev_cites  # the place is only in what it quotes


def test_the_head_of_a_text_without_the_documents_it_cites() -> None:
    from search.titles import _uncited_head, _zh_title_text

    head = "智能航运发展指导意见为深入落实«国务院关于印发新一代人工智能发展规划的通知»精神"
    assert "新一代人工智能" not in _uncited_head(head)
    assert _uncited_head(head).startswith("智能航运发展指导意见")
    # A document issued (印发), not cited, stays: it is the record itself.
    issued = "关于印发《智能制造发展规划》的通知各有关单位：现将《智能制造发展规划》印发给你们"
    assert "智能制造发展规划" in _uncited_head(issued)
    # A titled record is judged by its title.
    assert (
        _zh_title_text(Document(id="t", title="根据《某规划》的通知", body="x"))
        == "根据《某规划》的通知"
    )
    ev, _, _ = _evidence(
        "New Generation of Artificial Intelligence Development Plan",
        Document(id="c", title="", body=head),
        None,
    )
    assert ev["doctype"] == 0.0  # 发展规划 stood only in the cited title


def test_a_title_about_another_document_is_not_of_its_kind() -> None:
    from search.titles import _about_another

    en = "Shanghai 14th Five-Year Plan for the Building of the International Financial Center"
    notice, n_conf, _ = _evidence(
        en,
        Document(
            id="a",
            title="上海市人民政府关于印发《上海国际金融中心建设“十四五”规划》的通知",
            region="上海",
        ),
    )
    graphic, g_conf, _ = _evidence(
        en, Document(id="b", title="一图读懂《上海国际金融中心建设“十四五”规划》", region="上海")
    )
    assert notice["doctype"] == 1.0 and graphic["doctype"] == 0.5
    assert n_conf > g_conf
    assert _about_another("市政府新闻发布会介绍《上海市加快新能源汽车产业发展实施计划》相关情况")
    assert _about_another("《新时期促进集成电路产业和软件产业高质量发展的若干政策》政策问答")
    assert not _about_another("上海市人民政府关于印发《上海国际金融中心建设规划》的通知")
    assert not _about_another("关于做好政策解读工作的通知")  # quotes nothing


def test_the_most_specific_document_type_outranks_the_general_word() -> None:
    p = parse_english_title("New Energy Vehicle Industry Development Plan", None)
    p.doctypes.append(("Plan", ("方案", "规划", "计划")))  # as the glossary adds it

    def doctype(title: str) -> float:
        c = score_english(p, Document(id="x", title=title), 1.0, use_title_en=False)
        return next(e.score for e in c.evidence if e.kind == "doctype")

    assert doctype("国务院办公厅关于印发新能源汽车产业发展规划的通知") == 1.0
    assert doctype("河南省加快新能源汽车产业发展实施方案") == 0.75
    assert doctype("关于新能源汽车的通知") == 0.0


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("13th Five-Year National Informatization Plan", "十三五"),
        ("14th Five Year Market Regulation Modernization Plan", "十四五"),
        ("Shandong's 12th Five-Year Plan for Education", "十二五"),
    ],
)
def test_an_ordinal_five_year_names_the_plan_period(title: str, period: str) -> None:
    from search.titles import _add_plan_periods

    p = parse_english_title(title, None)
    assert any(period in t.zh for t in p.terms)
    # Read once, replacing the bare "Five-Year" (五年) a glossary reads inside it.
    from search.titles import TermGroup

    p.terms = [TermGroup("Five-Year", ("五年",), "general", 1.0, (1, 2))]
    _add_plan_periods(p, title)
    # The period is also written out, as the plans' own titles have it (第十三个五年).
    long = f"第{period[:-1]}个五年"
    assert [t.zh for t in p.terms] == [(period, long)] and p.terms[0].span == (1, 2)
    _add_plan_periods(p, title)
    assert len(p.terms) == 1 and p.terms[0].zh == (period, long)


def test_roman_numbered_parts() -> None:
    from search.titles import _roman, _zh_number

    assert [_roman(r) for r in ("I", "IV", "IX", "XI", "XII", "XX")] == [1, 4, 9, 11, 12, 20]
    assert _roman("IIII") is None and _roman("VX") is None
    assert [_zh_number(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]
    en = "Amendment (VII) to the Criminal Law of the People's Republic of China"
    p = parse_english_title(en, None)
    assert any("（七）" in t.zh for t in p.terms)
    assert any(
        "（十一）" in t.zh for t in parse_english_title("Amendment XI to the Law", None).terms
    )
    seventh, s_conf, _ = _evidence(
        en, Document(id="a", title="中华人民共和国刑法修正案（七）", region="全国")
    )
    second, o_conf, _ = _evidence(
        en, Document(id="b", title="中华人民共和国刑法修正案（二）", region="全国")
    )
    assert seventh["terms"] > second["terms"] and s_conf > o_conf


def _glossary():
    from index.glossary import load_glossary

    return load_glossary()


def test_the_period_both_titles_write_counts_as_a_term() -> None:
    """Before, the 1989 notice on trafficking beat the 2021-2030 action plan: "Combat"
    found 打击 in it, and the plan's period weighed only as the issue year."""
    g = _glossary()
    en = "China's Action Plan to Combat Human Trafficking (2021-2030)"
    docs = {
        "plan": Document(
            id="a",
            title="国务院办公厅关于印发中国反对拐卖人口行动计划（2021—2030年）的通知",
            region="全国",
            issue_date="2021-04-09",
        ),
        "old plan": Document(
            id="b",
            title="国务院办公厅关于印发中国反对拐卖人口行动计划(2013—2020年)的通知",
            region="全国",
            issue_date="2013-03-02",
        ),
        "notice": Document(
            id="c",
            title="国务院关于坚决打击拐卖妇女儿童犯罪活动的通知",
            region="全国",
            issue_date="1989-01-01",
        ),
    }
    got = {k: _evidence(en, d, g) for k, d in docs.items()}
    assert got["plan"][1] > got["notice"][1] and got["plan"][1] > got["old plan"][1]
    assert got["plan"][0]["terms"] > got["old plan"][0]["terms"]
    # A 文号's year is not a period the Chinese title writes: no such term.
    p = parse_english_title("Guobanfa (2021) No. 16 Action Plan on Human Trafficking", g)
    c = score_english(p, docs["plan"], 1.0, use_title_en=False)
    assert "2021" not in next(e.detail for e in c.evidence if e.kind == "terms")


def test_an_explainer_stays_under_the_document_it_explains() -> None:
    """一图读懂《…（2022—2025年）》 held the English title's period and the notice issuing
    the plan (with two others) did not, so the explainer came first."""
    g = _glossary()
    en = "Shanghai Action Plan for Cultivating 'Metaverse' (2022-2025)"
    notice = Document(
        id="a",
        title="上海市人民政府办公厅关于印发促进绿色低碳产业发展、培育“元宇宙”新赛道、"
        "促进智能终端产业高质量发展等行动方案的通知",
        region="上海",
        issue_date="2022-07-08",
    )
    graphic = Document(
        id="b",
        title="一图读懂《上海市培育“元宇宙”新赛道行动方案（2022—2025年）》",
        region="上海",
        issue_date="2022-07-12",
    )
    assert _evidence(en, notice, g)[1] > _evidence(en, graphic, g)[1]
    # The explainer keeps less than its evidence gives, unless the English asks for one.
    from search.titles import _confidence

    def kept(title: str) -> tuple[float, float]:
        c = score_english(parse_english_title(title, g), graphic, 1.0, use_title_en=False)
        return c.confidence, _confidence(c.evidence)

    plain, asked = kept(en), kept("Interpretation of the " + en)
    assert plain[0] < plain[1]
    assert asked[0] == asked[1]


# --- the search of titles led by the rarest key term (titles._rarest_term) ------------------


def test_rarest_term_is_the_one_fewest_titles_hold() -> None:
    from index.plan import Alt
    from search.titles import _rarest_term

    def alts(*readings: tuple[str, ...]) -> tuple[Alt, ...]:
        return tuple(Alt(r, 1.0, "t", fields=("title",)) for r in readings)

    counts = {"进一步": 1887, "加强": 1949, "知识产权": 169, "保护": 1372, "意见": 5316}
    further, ipr = alts(("进一步", "加强")), alts(("知识产权", "保护"))
    assert _rarest_term([further, ipr], lambda w: counts.get(w, 0)) == ipr
    # A term no title holds cannot lead a search of titles.
    assert _rarest_term([alts(("生成式",))], lambda w: 0) is None


def _one_evidence(title: str, doc: Document, kind: str) -> tuple[float, str]:
    from index.glossary import Glossary

    p = parse_english_title(title, Glossary.load())
    c = score_english(p, doc, 1.0, use_title_en=False)
    e = next(e for e in c.evidence if e.kind == kind)
    return e.score, e.detail


def test_an_issuer_written_without_its_place() -> None:
    """Shanghai's titles name 市政府办公厅, not 上海市人民政府办公厅."""
    title = (
        "Implementation Opinions of the General Office of Shanghai Municipal People's "
        "Government on Developing the Financial Leasing Industry"
    )
    zh = "市政府办公厅关于加快本市融资租赁业发展的实施意见"
    shanghai = Document(id="a", title=zh, issuer="市政府办公厅", region="上海")
    elsewhere = Document(id="b", title=zh, issuer="市政府办公厅", region="广东")
    assert _one_evidence(title, shanghai, "issuer")[0] == 1.0
    assert _one_evidence(title, elsewhere, "issuer")[0] == 0.0


def test_industry_written_as_the_suffix_of_the_trade() -> None:
    """The Financial Leasing Industry is 融资租赁业: "Industry" is held by 业."""
    title = "Opinions on Accelerating the Development of the Financial Leasing Industry"
    suffix = Document(id="a", title="关于加快融资租赁业发展的意见")
    word = Document(id="b", title="关于加快融资租赁产业发展的意见")
    neither = Document(id="c", title="关于加快融资租赁发展的意见")
    s_suffix, detail = _one_evidence(title, suffix, "terms")
    assert s_suffix == _one_evidence(title, word, "terms")[0] == 1.0 and "Industry" in detail
    assert _one_evidence(title, neither, "terms")[0] < 1.0
