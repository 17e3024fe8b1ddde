"""Query intent, ranking profiles and title-first ranking (fixture index)."""

from __future__ import annotations

import pytest

from index.plan import Alt, Clause, Plan
from index.title_rank import level_rank
from search.engine import SearchRequest
from search.eval_suite import fold_of, half_of
from search.intent import as_question, classify, compact
from search.profiles import PROFILES, exact_lengths, is_exact, profile_for


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("国办发〔2019〕38号", "docnum"),
        ("Guo Fa [2017] No. 35", "docnum"),
        ("国务院办公厅关于促进平台经济规范健康发展的指导意见", "title"),
        ("《中华人民共和国数据安全法》", "title"),
        ("国务院 关于印发 新一代人工智能发展规划的通知", "title"),
        ("國務院辦公廳關於促進平台經濟規範健康發展的指導意見", "title"),
        ("个人信息保护法", "law_name"),
        ("民法典", "law_name"),
        ("《數據安全法》", "law_name"),
        ("宪法修正案（2018年）", "title"),
        ("刑法修正案", "law_name"),
        ("平台经济", "zh_keywords"),
        ("碳达峰 新能源汽车", "zh_keywords"),
        # Words typed apart, the last a two-character word that ends like a document:
        # keywords (before: titles with stray spaces, 执法 read as a law's name).
        ("创新 中小企业 资金 执法", "zh_keywords"),
        ("个人所得税 专项附加扣除 办法", "zh_keywords"),
        ("奖励 废止 依法", "zh_keywords"),
        ("外资 准入 负面清单", "zh_keywords"),  # 清单 ends titles too
        ("营商环境 相关规定", "zh_keywords"),  # a request, though 规定 ends titles
        ("国务院 办公厅 关于 促进 平台经济 规范 健康 发展 的 指导意见", "title"),  # word by word
        ("国务院办公厅关于促进平台经济规范健康发展的指导 意见", "title"),
        ("数据 安全法", "law_name"),
        ("中华人民共和国 宪法", "title"),
        ("夫妻一方经营个体工商户所欠债务，谁偿还？", "question"),
        ("劳动合同解除后经济补偿金怎么算", "question"),
        ("Notice on Strengthening the Management of Mobile Intelligent Terminals", "en_title"),
        ("platform economy", "en_keywords"),
        (
            "preparatory meeting for the national new energy vehicle big data alliance",
            "en_title",
        ),  # a long title typed in lower case
        ("data flows between china and the eu", "words"),  # seven words: as before
        # A question asking about a few words is searched as those words.
        ("how do I register a company?", "en_keywords"),
        (
            "what are the rules for cross-border data transfer and personal data export in free trade zones",
            "question",
        ),
        ('how do I register a "limited company"?', "words"),  # quotes: as typed
        ("国务院办公厅关于促进平台经济规范健康发展的指导意见。", "title"),  # copied with its 。
        ("个人信息保护法，", "law_name"),
        ('"个人信息保护法"', "law_name"),  # one quoted name or title is read as one
        ('"中华人民共和国数据安全法"', "title"),
        ('"平台经济"', "zh_keywords"),  # still a phrase search (the text keeps its quotes)
        ('"平台经济" 数据', "words"),
        ('"个人信息" "保护法"', "words"),
        ("个人信息保护法 全文", "law_name"),  # what is asked for after a name
        ("国务院办公厅关于促进平台经济规范健康发展的指导意见原文", "title"),
        ("营商环境 OR 放管服", "words"),
        ("-废止 平台经济", "zh_keywords"),  # an exclusion narrows, as a filter does
        # Filters typed among the words narrow; the words are read as if typed alone.
        ("人工智能 region:上海", "zh_keywords"),
        ("数据安全法 level:法律", "law_name"),
        ("year:2019 国务院办公厅关于促进平台经济规范健康发展的指导意见", "title"),
        ("data security level:law", "en_keywords"),
        ("平台经济 -废止 region:河南", "zh_keywords"),
        ("平台经济 OR 数字经济 region:河南", "words"),  # another operator: as before
        ("-废止", "words"),
        ("region:上海", "words"),  # nothing but a filter
        ("foo:bar 平台经济", "words"),  # not a field of the query language
        ("怎么申请低保 region:上海", "zh_keywords"),
        ("", "words"),
        ("\x00\u202e", "words"),
    ],
)
def test_classify(query: str, kind: str) -> None:
    assert classify(query).kind == kind


def test_filters_typed_among_the_words_are_kept_for_the_search() -> None:
    """The words around a filter are classified alone; the filter goes with the text
    a cleaned intent is searched by (``Intent.searched``), and explain says so."""
    law = classify("《数据安全法》 level:法律")
    assert (law.kind, law.text, law.filters) == ("law_name", "数据安全法", "level:法律")
    assert law.searched == "数据安全法 level:法律" and "narrowed: level:法律" in law.note
    two = classify('data security region:"Shandong" year:2021')
    assert two.kind == "en_keywords" and two.filters == 'region:"Shandong" year:2021'
    assert classify("平台经济").filters == "" and classify("平台经济").searched == "平台经济"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("how do I register a company?", "register company"),
        ("How to apply for minimum living allowance", "minimum living allowance"),
        ("what are the rules for cross-border data transfer", "rules cross-border data transfer"),
        (
            "what does the Data Security Law say about important data?",
            "Data Security Law important data",
        ),
    ],
)
def test_an_english_question_about_a_few_words_is_searched_as_them(query: str, words: str) -> None:
    """Question words (search/data/en_question_words.txt) and stop words dropped; the
    rest, hyphens kept, is the text searched and is said in the intent's note."""
    intent = classify(query)
    assert (intent.kind, intent.text) == ("en_keywords", words)
    assert words in intent.note


def clause(w: str) -> Clause:
    """A required clause of one typed word."""
    return Clause((Alt((w,), 1.0, "user"),), "must", display=w)


def test_an_explainer_word_after_a_topic_is_optional_and_preferred() -> None:
    """碳达峰 解读: the topic is required; 解读 is not (few documents are explained), is
    not asked of titles, and titles holding any explainer word (一图读懂) come first."""
    from index.title_rank import preferred_alternatives, title_alternatives
    from search.planning import _explainers_preferred, explainer_words

    assert {"解读", "一图读懂"} <= explainer_words()

    topic, explain = clause("碳达峰"), clause("解读")
    got = _explainers_preferred([topic, explain])
    assert got[0] == topic
    assert (got[1].occur, got[1].title_optional, got[1].title_preferred) == (
        "should",
        True,
        True,
    )
    plan = Plan(clauses=got, title_first=True)
    assert [[a.words for a, _f, _w in alts][0] for alts in title_alternatives(plan)] == [
        ("碳达峰",)
    ]
    preferred = {a.words for a, _f in preferred_alternatives(plan)}
    assert {("解读",), ("一图", "读懂"), ("答记者问",)} <= preferred
    assert _explainers_preferred([explain]) == [explain]  # alone: the word itself


def test_a_province_among_keywords_also_names_its_region() -> None:
    """上海 住房, 广东省 住房, Shanghai (上海 through the glossary): the place clause gains
    a region alternative below its word; alone, or a city (深圳, not a region), no."""
    from index.title_rank import REGION_FIELD
    from search.planning import _places_as_regions

    def regions(clauses: list[Clause]) -> list[tuple[str, ...]]:
        return [
            a.words for c in _places_as_regions(clauses) for a in c.alts if REGION_FIELD in a.fields
        ]

    assert regions([clause("上海"), clause("住房")]) == [("上海",)]
    assert regions([clause("广东省"), clause("住房")]) == [("广东",)]
    english = Clause((Alt(("shanghai",)), Alt(("上海",), 0.7, "curated")), "must")
    got = _places_as_regions([english, clause("住房")])[0].alts[-1]
    assert (got.words, got.weight, got.fields) == (("上海",), 0.595, (REGION_FIELD,))
    assert regions([clause("上海")]) == []  # nothing else to search for
    assert regions([clause("深圳"), clause("住房")]) == []
    assert regions([clause("城市"), clause("住房")]) == []


def test_request_words_are_optional_with_a_topic() -> None:
    """政策, 文件 next to a topic: matched where they occur, not required, not asked of
    titles; alone, or outside keyword queries, they stay required."""
    from index.title_rank import title_alternatives
    from search.planning import _request_words_optional, request_words

    assert {"政策", "文件"} <= request_words()

    topic, policy = clause("平台经济"), clause("政策")
    got = _request_words_optional([topic, policy])
    assert got[0] == topic
    assert got[1].occur == "should" and got[1].title_optional
    assert _request_words_optional([policy]) == [policy]  # nothing else to require
    assert _request_words_optional([policy, clause("文件")])[0].occur == "must"
    plan = Plan(clauses=got, title_first=True)
    assert [[a.words for a, _f, _w in alts][0] for alts in title_alternatives(plan)] == [
        ("平台经济",)
    ]
    assert PROFILES["zh_keywords"].optional_request_words
    assert PROFILES["en_keywords"].optional_request_words  # platform economy policy
    assert not PROFILES["words"].optional_request_words
    english = _request_words_optional([clause("platform economy"), clause("Policies")])
    assert english[1].occur == "should" and english[1].title_optional
    assert {"policy", "documents", "china", "china's", "中国", "我国"} <= request_words()
    # A request the segmenter cuts (相关规定: 相关 / 规定) is one request, though 规定
    # alone asks for a kind of document.
    cut = [
        Clause((Alt((w,), 1.0, "user"),), "must", display=w, start=k)
        for w, k in (("营商环境", 0), ("相关", 5), ("规定", 7))
    ]
    assert [c.occur for c in _request_words_optional(cut)] == ["must", "should", "should"]
    apart = [
        Clause((Alt((w,), 1.0, "user"),), "must", display=w, start=k)
        for w, k in (("营商环境", 0), ("规定", 5))
    ]
    assert [c.occur for c in _request_words_optional(apart)] == ["must", "must"]


def test_title_phrase_is_the_query_in_its_own_order() -> None:
    """The whole query as one phrase per title field: each clause's strongest
    alternative there, clauses in the order the user typed them."""
    from index.plan import Alt, Clause
    from index.title_rank import title_phrases

    fields = ("title", "body", "title_en", "title_draft")
    energy = Clause(
        (Alt(("能源",), fields=fields), Alt(("energi",), 0.7, "curated", ("title_en",))),
        start=0,
    )
    growth = Clause(
        (
            Alt(("发展",), fields=fields),
            Alt(("growth",), 0.5, "curated", ("title_en",)),
            Alt(("develop",), 0.7, "curated", ("title_en",)),
        ),
        start=2,
    )
    plan = Plan(clauses=[growth, energy], title_first=True, title_expansions=True)
    assert title_phrases(plan) == []  # only when the plan asks for it (keywords)
    plan.title_together = True
    got = dict(title_phrases(plan))
    assert got["title"] == ("能源", "发展")  # the query's order, not the clauses'
    assert got["title_en"] == ("能源", "发展")  # the user's own words weigh most
    plan.title_expansions = False
    assert dict(title_phrases(plan))["title_en"] == ("能源", "发展")
    # A field some clause cannot match has no phrase.
    only_zh = Clause((Alt(("规划",), fields=("title", "body")),), start=4)
    together = {"title_first": True, "title_together": True}
    assert set(dict(title_phrases(Plan([energy, only_zh], **together)))) == {"title"}
    # One clause, a clause without a place, an optional request word.
    assert title_phrases(Plan([energy], **together)) == []
    joined = Clause((Alt(("能源发展",), fields=fields),), "should")
    assert title_phrases(Plan([energy, growth, joined], **together)) == []
    asks = Clause((Alt(("政策",), fields=fields),), "should", title_optional=True, start=4)
    assert title_phrases(Plan([energy, growth, asks], **together))[0] == (
        "title",
        ("能源", "发展"),
    )


def test_words_typed_apart_also_ask_for_the_word_they_make() -> None:
    from index import segmenter
    from search.planning import _joined_words, _Matching
    from search.query import Unit

    segmenter.configure(["新能源汽车"])
    try:
        how = _Matching("must", ("title", "body"), True, None)
        units = [Unit("新能源", ("新能源",), chunk=0), Unit("汽车", ("汽车",), chunk=1)]
        (joined,) = _joined_words(units, how)
        assert joined.occur == "should" and not joined.title_optional
        assert joined.alts[0].words == ("新能源汽车",)
        # Its parts side by side count too, in titles only (高技能 / 人才 for 技能人才).
        (parts,) = [a for a in joined.alts if a.phrase]
        assert parts.words == ("新能源", "汽车") and parts.fields == ("title",)
        # Not a word of the index; one typed word's parts; a request word; an OR group.
        assert _joined_words([Unit("汽车", ("汽车",)), Unit("新能源", ("新能源",))], how) == []
        one = [Unit("新能源", ("新能源",), chunk=0), Unit("汽车", ("汽车",), chunk=0)]
        assert _joined_words(one, how) == []
        assert _joined_words([units[0], Unit("政策", ("政策",), chunk=1)], how) == []
        assert _joined_words([units[0], Unit("汽车", ("汽车",), or_group=0)], how) == []
    finally:
        segmenter.configure([])
    assert PROFILES["zh_keywords"].join_typed_apart
    assert not PROFILES["title"].join_typed_apart


def test_issuer_omitted() -> None:
    from search.intent import issuer_omitted

    q = "关于促进平台经济规范健康发展的指导意见"
    assert issuer_omitted("国务院办公厅" + q, q)
    assert issuer_omitted("中共中央办公厅国务院办公厅" + q, q)
    assert not issuer_omitted(q, q)  # identical: exact already, not this rule
    assert not issuer_omitted("国务院办公厅关于印发" + q + "的通知", q)  # not its end
    assert not issuer_omitted("国务院关于转发《" + q, q)  # another document about it
    assert not issuer_omitted("某" * 41 + q, q)  # too long for an issuer
    assert not issuer_omitted("国务院数据安全法", "数据安全法")  # only titles from 关于 on


def test_pasted_marks_are_not_searched() -> None:
    """A trailing 。 or enclosing quotes are cleaned off titles and names; a quoted
    keyword stays a phrase."""
    assert classify("中华人民共和国数据安全法。").text == "中华人民共和国数据安全法"
    assert classify('"个人信息保护法"').text == "个人信息保护法"
    assert classify('"平台经济"').text == '"平台经济"'
    assert classify("个人信息保护法 全文").text == "个人信息保护法"
    quoted = classify('"Notice on Strengthening the Management of Mobile Intelligent Terminals"')
    assert quoted.kind == "en_title" and quoted.text.startswith("Notice on")
    assert classify('Notice on "Smart Cities" Pilot Work for Shandong').text.count('"') == 2
    assert classify("国务院关于若干政策").kind == "zh_keywords"  # no title ends in 若干


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("中华人民共和国计量法（2018年修正）", "中华人民共和国计量法"),
        ("计量法(2018修正)", "计量法"),
        ("刑法【2020年12月26日修正本】", "刑法"),
        ("上海市消防条例（第三次修订）", "上海市消防条例"),
        # The date a government site prints after a title.
        (
            "国务院办公厅关于促进平台经济规范健康发展的指导意见 2019年8月1日",
            "国务院办公厅关于促进平台经济规范健康发展的指导意见",
        ),
        ("中华人民共和国数据安全法（2021-06-10）", "中华人民共和国数据安全法"),
        ("中华人民共和国数据安全法 2021.6.10", "中华人民共和国数据安全法"),
        # A browser tab's title: the page's, then the site's name.
        (
            "国务院办公厅关于促进平台经济规范健康发展的指导意见_中国政府网",
            "国务院办公厅关于促进平台经济规范健康发展的指导意见",
        ),
        ("上海市数据条例 - 上海市人民政府", "上海市数据条例"),
        ("中华人民共和国数据安全法｜北大法宝", "中华人民共和国数据安全法"),  # not an OR
    ],
)
def test_version_marks_are_not_searched(query: str, text: str) -> None:
    """A version mark copied from a law database is cleaned off the title; the title
    as typed stays an exact reading, since some stored titles keep theirs."""
    intent = classify(query)
    assert intent.title_like and intent.text == text
    assert is_exact(intent, text)
    if "修" in query:  # a stored title may keep its version mark; none keeps a site's name
        assert is_exact(intent, query)


@pytest.mark.parametrize(
    "query",
    ["数据安全法 English", "数据安全法 English version", "数据安全法英文版", "数据安全法 英文"],
)
def test_asking_for_the_english_version_is_a_request(query: str) -> None:
    """The name is searched; the results show every English title there is (before,
    "数据安全法 English" was words, and the 反间谍法 came first)."""
    intent = classify(query)
    assert intent.kind == "law_name" and intent.text == "数据安全法"


def test_version_marks_that_are_titles_stay() -> None:
    # A bracket without 修正/修订 is part of the title; so is a mark after a text
    # that does not end like a title.
    assert classify("中华人民共和国宪法修正案（2018年）").text.endswith("(2018年)")
    assert classify("国家通信保障应急预案(2011年12月10日修订)").text.endswith("修订)")
    # A bar between keywords is still an OR; a dash inside a title's years no site's name.
    assert classify("平台经济 | 数字经济").kind == "words"
    assert classify("新能源汽车产业发展规划（2021—2035年）").text.endswith("2035年)")
    # A date after words that are no title stays a word of the query.
    assert classify("平台经济 2019年8月1日").kind != "title"
    assert "2019" in classify("平台经济 2019年8月1日").text


@pytest.mark.parametrize("date", [" (June 10, 2021)", ", 10 June 2021", " (2021-06-10)"])
def test_an_english_title_without_the_date_after_it(date: str) -> None:
    title = "Notice on Strengthening the Management of Mobile Intelligent Terminals"
    intent = classify(title + date)
    assert intent.kind == "en_title" and intent.text == title
    assert classify('"Smart Shandong" Pilot Work Opinions' + date).text.endswith("Opinions")
    # Too little left to be a title: the date stays.
    assert classify("Data Security Law" + date).text.endswith(date.strip(" ,"))


@pytest.mark.parametrize(
    ("query", "kind", "text"),
    [
        (
            "Shandong released the Implementation Opinions on Speeding Up Platform Economy "
            "Development (关于加快推动平台经济规范健康持续发展的实施意见) last autumn.",
            "title",
            "关于加快推动平台经济规范健康持续发展的实施意见",
        ),
        ("the Data Security Law (数据安全法) took effect in 2021", "law_name", "数据安全法"),
        (
            '"Guiding Opinions on the Platform Economy" 《国务院办公厅关于促进平台经济规范健康发展的指导意见》',
            "title",
            "国务院办公厅关于促进平台经济规范健康发展的指导意见",
        ),
    ],
)
def test_a_chinese_name_cited_beside_english_is_read(query: str, kind: str, text: str) -> None:
    """News names a document in English, then in Chinese in brackets: the Chinese
    names it more exactly, and is read as if typed alone."""
    intent = classify(query)
    assert (intent.kind, intent.text) == (kind, text)
    assert intent.note == "the Chinese name in it: " + text


@pytest.mark.parametrize(
    "query", ["platform economy 平台经济", "平台经济 antitrust rules", "GDP 增长 2023"]
)
def test_chinese_keywords_beside_english_are_no_title(query: str) -> None:
    assert classify(query).kind not in ("title", "law_name")


@pytest.mark.parametrize(
    ("query", "text", "paired"),
    [
        ("platform economy 平台经济", "平台经济", "platform economy"),
        ("平台经济 antitrust rules", "平台经济", "antitrust rules"),
        ("carbon peaking 碳达峰 新能源", "碳达峰 新能源", "carbon peaking"),
    ],
)
def test_chinese_keywords_beside_english_are_paired(query: str, text: str, paired: str) -> None:
    """Read as the Chinese keywords, the English kept for the engine to compare."""
    intent = classify(query)
    assert (intent.kind, intent.text, intent.paired) == ("zh_keywords", text, paired)
    assert intent.note == "with its English: " + paired


@pytest.mark.parametrize(
    "query",
    [
        '"platform economy" 平台经济',  # a phrase search
        "rules on the regulated and sound development of the platform economy 平台经济",  # long
        "AI 人工智能 伦理",  # mostly Chinese: keywords as typed
    ],
)
def test_other_mixed_queries_are_not_paired(query: str) -> None:
    assert not classify(query).paired


def test_classify_never_raises_on_odd_input() -> None:
    for q in (None, 5, "《》", "？", "a" * 5000, "法" * 600, "\ud800"):
        assert classify(q).kind in PROFILES  # type: ignore[arg-type]


def test_title_variants_cover_prefix_and_wrapper() -> None:
    t = classify("《中华人民共和国数据安全法》")
    assert t.text == "中华人民共和国数据安全法"
    assert "数据安全法" in t.titles
    n = classify("个人信息保护法")
    assert "中华人民共和国个人信息保护法" in n.titles
    w = classify("国务院关于印发新一代人工智能发展规划的通知")
    assert "新一代人工智能发展规划" in w.titles
    assert is_exact(n, "中华人民共和国 个人信息保护法")
    assert not is_exact(n, "个人信息保护法实施条例")
    assert exact_lengths(n) and all(x > 0 for x in exact_lengths(n))


def test_pasted_title_with_full_width_brackets_is_exact() -> None:
    # The query is NFKC-normalized ((2018年)); the stored title keeps （2018年）.
    t = classify("宪法修正案（2018年）")
    assert is_exact(t, "中华人民共和国宪法修正案（2018年）")
    assert not is_exact(t, "中华人民共和国宪法修正案（2004年）")
    assert compact("（十一）") == compact("(十一)")


def test_a_number_typed_alone_reads_as_a_title() -> None:
    from search.intent import number_as_title

    for q in (
        "四川省人民政府令第277号",
        "《四川省人民政府令第277号》",
        "四川省人民政府令第277号。",
        "四川省人民政府令第277号 全文",
    ):
        t = number_as_title(q)
        assert t is not None and t.kind == "title", q
        assert "四川省人民政府令第277号" in t.titles, q
    assert number_as_title("数据 国办发〔2019〕38号") is None  # a number among words
    assert number_as_title("关于促进平台经济规范健康发展的指导意见") is None


def test_titles_compare_alike_whatever_their_dashes_and_unseen_characters() -> None:
    # A site's private-use icon glyph after a title (…的通知\ue003), and a period typed
    # with a hyphen where the title has an em dash, leave the title the same one.
    stored = "海南省人民政府办公厅关于印发海南省会展业发展规划（2015—2020年）的通知\ue003"
    t = classify("海南省人民政府办公厅关于印发海南省会展业发展规划（2015-2020年）的通知")
    assert is_exact(t, stored)
    assert compact("2015–2020年") == compact("2015—2020年") == compact("2015-2020年")
    assert not is_exact(t, stored.replace("会展业", "旅游业"))


def test_the_notice_issuing_a_named_plan_is_its_exact_title() -> None:
    # The plan is indexed as the notice that issues it; its explainer is not the plan.
    t = classify("长三角科技创新共同体联合攻关计划实施办法（试行）")
    notice = (
        "上海市科学技术委员会等关于印发《长三角科技创新共同体联合攻关计划实施办法（试行）》的通知"
    )
    assert is_exact(t, notice)
    assert not is_exact(t, "《长三角科技创新共同体联合攻关计划实施办法（试行）》政策解读")
    assert not is_exact(t, "关于印发长三角科技创新共同体联合攻关计划实施办法（试行）细则的通知")
    # Issued without 关于 (市政府印发…的通知), and the plan cited with or without its 关于.
    opinions = "促进上海旅游高品质发展加快建成世界著名旅游城市的若干意见"
    issued = f"上海市人民政府印发《关于{opinions}》的通知"
    assert is_exact(classify(opinions), issued)
    assert is_exact(classify("关于" + opinions), issued)
    assert not is_exact(classify(opinions), f"市政府新闻发布会介绍《关于{opinions}》及筹备进展情况")
    # Forwarding is not issuing: the forwarded document is a record of its own.
    national = "国务院办公厅关于加快推进“三证合一”登记制度改革意见"
    assert not is_exact(classify(national), f"广东省人民政府办公厅转发{national}的通知")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("怎么申请低保", "低保"),
        ("个税怎么申报", "个税"),
        ("拖欠工资怎么办？", "拖欠工资"),
        ("驾照怎么考", "驾照 考"),
        ("低保 怎么申请", "低保"),
        ("怎麼申請低保", "低保"),  # traditional: searched simplified
        ("公积金怎么提取", "公积金"),  # what a person does to be served: data/zh_question_words.txt
        ("工伤怎么认定", "工伤 认定"),  # 认定 names a procedure titles hold
    ],
)
def test_short_chinese_question_is_searched_as_its_words(query: str, words: str) -> None:
    # As an English question of a few words is: title first, the question kept.
    intent = classify(query)
    assert (intent.kind, intent.text, intent.asked) == ("zh_keywords", words, query)
    assert "question words dropped" in intent.note


@pytest.mark.parametrize(
    "query",
    [
        "夫妻一方经营个体工商户所欠债务，谁偿还？",  # more than a few words
        "劳动合同解除后用人单位应当如何支付经济补偿金",
        "怎么申请“低保”",  # quotation marks: as typed
        "2023年怎么申请低保",  # digits: as typed
        "怎么办？",  # nothing but the question
    ],
)
def test_other_chinese_questions_stay_questions(query: str) -> None:
    assert classify(query).kind == "question"
    assert as_question(classify("怎么申请低保")).kind == "question"


def test_profiles() -> None:
    assert profile_for(classify("平台经济")).title_first
    assert profile_for(classify("个人信息保护法")).title_first
    long_question = classify("夫妻一方经营个体工商户所欠债务，谁偿还？")
    assert not profile_for(long_question).title_first
    assert profile_for(long_question).long_question
    # A short one is searched as its words first (the engine asks it as a question
    # when no title holds them): the question profile once read as one again.
    short = classify("借钱不还怎么办？")
    assert short.kind == "zh_keywords" and short.asked == "借钱不还怎么办？"
    assert profile_for(as_question(short)).long_question
    assert not profile_for(
        classify("国务院办公厅关于促进平台经济规范健康发展的指导意见")
    ).long_question
    assert profile_for(
        classify("Opinions of the State Council on the Platform Economy")
    ).title_lookup_front


def test_level_rank_order() -> None:
    law = level_rank("法律", "全国", "全国人民代表大会常务委员会")
    reg = level_rank("行政法规", "全国", "国务院")
    council = level_rank("规范性文件", "全国", "国务院办公厅")
    dept = level_rank("规范性文件", "全国", "人力资源社会保障部")
    local = level_rank("规范性文件", "河南", "河南省人民政府办公厅")
    assert law > reg > council > dept > local


def test_halves_are_fixed_and_balanced() -> None:
    assert half_of("title_law", "abc") == half_of("title_law", "abc")
    halves = [half_of("s", str(i)) for i in range(1000)]
    assert 400 < halves.count("tune") < 600
    assert compact(" 數據 安全法 ") == "数据安全法"


def test_folds_are_fixed_balanced_and_cut_across_the_halves() -> None:
    """The folds of the question audit (benchmarks/question_folds.py) split each half,
    not follow it: both folds hold about half of the tune items and of the report items."""
    assert fold_of("stard", "q1") == fold_of("stard", "q1")
    keys = [str(i) for i in range(2000)]
    for half in ("tune", "report"):
        inside = [k for k in keys if half_of("stard", k) == half]
        folds = [fold_of("stard", k) for k in inside]
        assert set(folds) == {"A", "B"}
        assert 0.4 * len(inside) < folds.count("A") < 0.6 * len(inside)


def test_title_first_on_fixture(engine) -> None:
    r = engine.search(SearchRequest(q="平台经济"))
    assert r.intent is not None and r.intent.kind == "zh_keywords"
    ids = [h.doc.id for h in r.hits]
    # Both titles hold the term: the State Council office's opinion before the province's.
    assert ids[:2] == ["pt-platform", "pt-henan"]
    assert r.to_dict()["intent"]["kind"] == "zh_keywords"


def test_law_name_first_on_fixture(engine) -> None:
    r = engine.search(SearchRequest(q="个人信息保护法", explain=True))
    assert r.hits[0].doc.id == "law-pipl"
    assert any(line.startswith("intent: law_name") for line in r.explain_lines())


def test_exact_title_first_and_combined(engine) -> None:
    plain = engine.search(SearchRequest(q="平台经济 规范"))
    r = engine.search(SearchRequest(q="《国务院办公厅关于促进平台经济规范健康发展的指导意见》"))
    assert r.hits[0].doc.id == "pt-platform"
    assert not r.notices
    # Combine, don't switch: what plain matching finds is still found.
    assert {h.doc.id for h in plain.hits} <= {h.doc.id for h in r.hits} | {"pt-platform"}


def test_missing_title_gets_a_notice(engine) -> None:
    r = engine.search(SearchRequest(q="国务院办公厅关于促进平台经济发展壮大的若干意见"))
    assert r.intent is not None and r.intent.kind == "title"
    assert any("No indexed document has exactly this title" in n for n in r.notices)
    assert "notices" in r.to_dict()


# --- the suite's judging and table (pure) ------------------------------------------------


def _hit(doc_id: str, title: str, docnum: str = "", title_en: str = ""):
    from types import SimpleNamespace

    from index.document import Document, EnglishTitle

    doc = Document(id=doc_id, title=title, docnum=docnum or None)
    if title_en:
        doc.titles_en.append(EnglishTitle(title_en, "test", attested=True))
    return SimpleNamespace(doc=doc)


def test_judge_titles_topics_and_docnums() -> None:
    from search.eval_suite import Item, judge

    item = Item("title_policy", "a", "某某办法", {"id": "a", "title": "某某办法"})
    assert judge(item, [_hit("a", "某某办法")]) == {"first": 1.0, "top10": 1.0}
    # A reprint with the very same title counts; another title does not.
    assert judge(item, [_hit("b", "某某 办法"), _hit("a", "某某办法")])["first"] == 1.0
    assert judge(item, [_hit("c", "其他办法"), _hit("a", "某某办法")]) == {
        "first": 0.0,
        "top10": 1.0,
    }
    topic = {"term": "平台经济", "en": "platform economy", "available": 2}
    zh = Item("topic_zh", "平台经济", "平台经济", topic)
    got = judge(zh, [_hit("x", "关于平台经济的意见"), _hit("y", "市场监管条例")])
    assert got == {"first": 1.0, "title_share": 0.5}
    en = Item("topic_en", "平台经济", "platform economy", topic)
    hits = [_hit("e", "", title_en="Opinions on the Platform Economies"), _hit("x", "平台经济")]
    assert judge(en, hits) == {"first": 1.0, "title_share": 1.0}
    dn = Item(
        "docnum",
        "d",
        "国办发[2019]38号",
        {"key": "国办发〔2019〕38号", "pinyin": "", "style": "[]"},
    )
    assert judge(dn, [_hit("d", "t", docnum="国办发（2019）38号")])["first"] == 1.0


def test_suite_table_keeps_halves_apart() -> None:
    from search.eval_suite import SetResult, format_suite

    res = SetResult("title_law", ("first", "top10"))
    res.add("report", {"first": 1.0, "top10": 1.0})
    res.add("tune", {"first": 0.0, "top10": 1.0})
    text = format_suite({"title_law": res})
    report, tune = text.split("== tune")
    assert "== report ==" in report and "first 1.000" in report
    assert "used for tuning — not a result" in tune and "first 0.000" in tune


def test_a_fresh_draw_is_stable_and_shares_no_item_with_earlier_draws() -> None:
    from search.eval_suite import _sample

    pool = [(f"d{i:03}", i) for i in range(500)]
    first = _sample(pool, 200, "title_law")
    second = _sample(pool, 200, "title_law", draw=1)
    third = _sample(pool, 200, "title_law", draw=2)
    keys = [{k for k, _ in s} for s in (first, second, third)]
    assert [len(k) for k in keys] == [200, 200, 100]
    assert not keys[0] & keys[1] and not keys[1] & keys[2] and not keys[0] & keys[2]
    # The suite's own draw is what it always was: draw 0 ignores later draws.
    assert first == _sample(list(reversed(pool)), 200, "title_law", draw=0)
    assert second == _sample(pool, 200, "title_law", draw=1)
    assert _sample(pool, 200, "title_law", draw=3) == []


@pytest.mark.parametrize("query", ["数据安全法 English version", "数据安全法 English"])
def test_a_request_for_a_version_is_cleaned_not_cited(query: str) -> None:
    """English that only asks for a version of the law is a request, not English
    the Chinese name is cited beside: the law's name, cleaned of it."""
    intent = classify(query)
    assert (intent.kind, intent.text, intent.note) == (
        "law_name",
        "数据安全法",
        "cleaned: 数据安全法",
    )


@pytest.mark.parametrize("site", [" | english.gov.cn", " | MIIT | english.gov.cn", "｜Xinhua"])
def test_an_english_title_without_the_site_after_it(site: str) -> None:
    """A browser tab's title: the page's, then the site's; the bar is no OR there."""
    title = "Notice on Strengthening the Management of Mobile Intelligent Terminals"
    intent = classify(title + site)
    assert (intent.kind, intent.text) == ("en_title", title)


@pytest.mark.parametrize("query", ["data security | cybersecurity", "Data Security Law | PIPL"])
def test_a_bar_between_words_that_are_no_title_stays_an_or(query: str) -> None:
    assert classify(query).text == query


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("how long is maternity leave", "maternity leave"),  # before: "long maternity leave"
        ("How much is the minimum wage?", "minimum wage"),
        ("how many days of annual leave", "days annual leave"),
        ("how to apply for a long-term visa", "long-term visa"),  # not "how long"
    ],
)
def test_how_long_and_how_much_ask_and_name_nothing(query: str, words: str) -> None:
    intent = classify(query)
    assert (intent.kind, intent.text) == ("en_keywords", words)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("is it legal to fly a drone", "fly drone"),  # before: legal read as 依法
        ("Is it illegal to keep a dog?", "keep dog"),
        ("is gambling illegal", "gambling illegal"),  # "illegal" names the question here
        ("what happens if I drive drunk", "drive drunk"),
        # Seven words with "happens" and "if": searched as a long question before.
        (
            "what happens if my employer does not pay social insurance",
            "employer not pay social insurance",
        ),
    ],
)
def test_is_it_legal_and_what_happens_if_ask_and_name_nothing(query: str, words: str) -> None:
    intent = classify(query)
    assert (intent.kind, intent.text) == ("en_keywords", words)


@pytest.mark.parametrize(
    "title",
    [
        # a quoted slogan holding 谁
        "上海市交通委员会关于印发《上海市交通委员会系统2020年“谁执法谁普法”普法责任清单》的通知",
        # a question word in the subject, after the issuer's 关于
        "最高人民法院关于对为索取法律不予保护的债务非法拘禁他人行为如何定罪问题的解释",
        "国务院批转特区办公室关于当前海南岛情况和需要帮助解决问题的汇报的通知",
    ],
)
def test_an_issued_title_holding_a_question_word_is_a_title(title: str) -> None:
    intent = classify(title)
    assert intent.kind == "title"
    assert compact(title) in intent.titles


@pytest.mark.parametrize(
    "query",
    [
        "用人单位需要遵守哪些关于加班的规定",  # asks before its 关于
        "关于加班费的规定有哪些",  # ends in the question word
        "关于“谁执法谁普法”的通知是什么？",  # a question mark
        "劳动者超时加班发生工伤，用工单位是否承担连带赔偿责任",
    ],
)
def test_a_question_citing_a_kind_of_document_stays_a_question(query: str) -> None:
    intent = classify(query)
    # a question, or a short one searched as its words (asked again when they fail)
    assert intent.kind == "question" or intent.asked == query


def test_a_title_typed_with_its_date_keeps_it_as_typed() -> None:
    dated = classify("上海市市管干部提任前公示（2018年6月11日）")
    assert dated.kind == "title"
    assert dated.text == "上海市市管干部提任前公示"
    assert dated.typed == "上海市市管干部提任前公示(2018年6月11日)"
    # The site's name is no part of any title: nothing to search as typed.
    assert classify("国务院关于促进平台经济的指导意见_中国政府网").typed == ""
    assert classify("国务院关于促进平台经济的指导意见").typed == ""


def test_a_topic_counts_the_titles_its_top_10_can_hold_copies_once() -> None:
    """A record a site lists twice is one result, so the title hits a topic's top 10
    can hold count it once; which terms are drawn still counts every record."""
    from types import SimpleNamespace

    from index.document import Document
    from search.eval_suite import topic_sets

    def doc(i: int, copy: str = "") -> Document:
        return Document(
            id=f"d{i}{copy}", title=f"关于平台经济的第{i}号通知", issue_date="2020-01-01"
        )

    docs = [doc(i) for i in range(3)] + [doc(i, "c") for i in range(3)]
    entry = SimpleNamespace(
        zh="平台经济", category="policy", source="curated", preferred="platform economy"
    )
    glossary = SimpleNamespace(entries=lambda: [entry])
    items = topic_sets(docs, glossary)
    assert {i.set for i in items} == {"topic_zh", "topic_en"}  # six records: drawn
    assert all(i.answer["available"] == 3 for i in items)  # three documents
    assert docs[0].copy_key == docs[3].copy_key != docs[1].copy_key
