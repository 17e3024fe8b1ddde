"""Query intent on the real corpus: every example of issue 11's "Why", and the
relevance suite's report-half floors. Needs DUIZHAO_EVAL_INDEX (a full sample index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import shared_data_dir
from index.docnumber import parse_docnum

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def corpus_engine(eval_index: Path):
    from conftest import stale_index

    from index.errors import IndexOutdated
    from index.glossary import glossary_from_args
    from search.engine import Engine

    class _Args:
        pass

    try:
        engine = Engine(eval_index, glossary=glossary_from_args(_Args()))
    except IndexOutdated as e:
        stale_index(eval_index, e.message)
    engine.backend.time_limit = 30.0  # quality, not speed: a loaded CI machine is slow
    yield engine
    engine.backend.close()


def _search(engine, q: str, **kw):
    from search.engine import SearchRequest

    return engine.search(SearchRequest(q=q, **kw))


@pytest.mark.parametrize(
    "title",
    ["国务院办公厅关于促进平台经济规范健康发展的指导意见", "中华人民共和国数据安全法"],
)
def test_pasted_titles_come_first(corpus_engine, title: str) -> None:
    r = _search(corpus_engine, title)
    assert r.hits[0].doc.title == title
    assert not any("exactly this title" in n for n in r.notices)


@pytest.mark.parametrize(
    ("query", "title"),
    [
        (
            "国务院办公厅关于促进平台经济规范健康发展的指导意见。",
            "国务院办公厅关于促进平台经济规范健康发展的指导意见",
        ),
        ('"个人信息保护法"', "中华人民共和国个人信息保护法"),
        ('"中华人民共和国数据安全法"', "中华人民共和国数据安全法"),
        ("数据安全法。", "中华人民共和国数据安全法"),
        (
            "中华人民共和国各级人民代表大会常务委员会监督法 全文",
            "中华人民共和国各级人民代表大会常务委员会监督法",
        ),
        ("个人信息保护法原文", "中华人民共和国个人信息保护法"),
        ("数据安全法 English", "中华人民共和国数据安全法"),  # before: 反间谍法 first
        ("个人信息保护法英文版", "中华人民共和国个人信息保护法"),
        # Copied from a law database with its version mark (before: 宪法修正案（2018年） first).
        ("中华人民共和国计量法（2018年修正）", "中华人民共和国计量法"),
        ("计量法(2018修正)", "中华人民共和国计量法"),
        # A 文号 in traditional characters (before: nothing found).
        ("國函（2007）75號", "国务院关于同意设立武汉东湖新技术开发区海关的批复"),
        # Cited from 关于 on, as news cites titles (before: the State Council's
        # 印发…实施方案 came first).
        (
            "关于深化收费公路制度改革取消高速公路省界收费站的通知",
            "四川省人民政府办公厅关于深化收费公路制度改革取消高速公路省界收费站的通知",
        ),
        (
            "关于同意建立云南省服务业发展联席会议制度的函",
            "云南省人民政府办公厅关于同意建立云南省服务业发展联席会议制度的函",
        ),
    ],
)
def test_titles_pasted_with_marks_come_first(corpus_engine, query: str, title: str) -> None:
    """Copied out of a sentence (its 。) or quoted as a phrase, a title or law name
    is still read as one (before: the 。 put the policy title out of the top 10, and a
    quoted short name ranked citations of the law first)."""
    r = _search(corpus_engine, query)
    assert r.hits[0].doc.title == title


def test_pasted_amendment_title_comes_first(corpus_engine) -> None:
    # 宪法修正案 straddles the indexed words 中华人民共和国宪法 / 修正案, and the
    # stored title keeps its full-width brackets.
    r = _search(corpus_engine, "宪法修正案（2018年）")
    assert r.hits[0].doc.title == "中华人民共和国宪法修正案（2018年）"
    assert not any("exactly this title" in n for n in r.notices)
    names = _search(corpus_engine, "宪法修正案")
    assert all("宪法修正案" in h.doc.title for h in names.hits[:5])


@pytest.mark.parametrize("query", ["中华人民共和国刑法修正案", "刑法修正案"])
def test_the_first_amendment_before_its_numbered_successors(corpus_engine, query: str) -> None:
    """The 1999 amendment is titled exactly as typed; its eleven numbered successors
    share its words, are one token longer and newer (draw 6: the first was 12th)."""
    r = _search(corpus_engine, query)
    assert r.hits[0].doc.title == "中华人民共和国刑法修正案"
    assert all(h.doc.title.startswith("中华人民共和国刑法修正案（") for h in r.hits[1:5])


def test_a_plan_named_alone_finds_the_notice_issuing_it(corpus_engine) -> None:
    """Pasted without its 关于印发…的通知, a plan's name finds the notice issuing it
    before the plan's explainer (draw 6: the 政策解读 was first)."""
    r = _search(corpus_engine, "长三角科技创新共同体联合攻关计划实施办法（试行）")
    assert r.hits[0].doc.title.endswith(
        "关于印发《长三角科技创新共同体联合攻关计划实施办法（试行）》的通知"
    )
    assert not any("exactly this title" in n for n in r.notices)


def test_a_decree_titled_by_its_number_is_found_by_it(corpus_engine) -> None:
    """Sichuan lists a decree under its number as its title, with no 文号 field (draw
    8: nothing was found)."""
    r = _search(corpus_engine, "四川省人民政府令第277号")
    assert r.hits and r.hits[0].doc.title == "四川省人民政府令第277号"


def test_a_title_wrapped_inside_a_number_comes_first(corpus_engine) -> None:
    r = _search(corpus_engine, "国务院办公厅关于201\n3年部分节假日安排的通知")
    assert r.hits[0].doc.title == "国务院办公厅关于2013年部分节假日安排的通知"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("个人信息保护法", "中华人民共和国个人信息保护法"),
        ("数据安全法", "中华人民共和国数据安全法"),
        ("《個人信息保護法》", "中华人民共和国个人信息保护法"),
    ],
)
def test_law_short_names_beat_citations(corpus_engine, name: str, title: str) -> None:
    r = _search(corpus_engine, name)
    assert r.intent is not None and r.intent.kind == "law_name"
    assert r.hits[0].doc.title == title


@pytest.mark.parametrize(
    "term", ["平台经济", "碳达峰", "新能源汽车", "人工智能", "数字经济", "营商环境"]
)
def test_topic_keywords_rank_titles_first(corpus_engine, term: str) -> None:
    # How many titles hold the term: a phrase search of the Chinese title field alone.
    in_titles = _search(corpus_engine, f'"{term}"', fields=("title",)).total
    assert in_titles >= 2
    r = _search(corpus_engine, term)
    titled = [term in h.doc.title for h in r.hits]
    # Every title that holds the term comes before any document that only mentions it.
    available = min(10, in_titles)
    assert all(titled[:available]), titled


@pytest.mark.parametrize("query", ["平台经济 政策", "平台经济相关政策", "平台经济 文件"])
def test_topic_with_a_request_word_ranks_titles_first(corpus_engine, query: str) -> None:
    """平台经济 政策 asks for documents about 平台经济 (before: five documents that
    happen to hold both words, none with the topic in its title)."""
    topic = _search(corpus_engine, "平台经济")
    r = _search(corpus_engine, query)
    assert r.intent is not None and r.intent.kind == "zh_keywords"
    assert r.total >= topic.total
    assert [h.doc.id for h in r.hits[:2]] == [h.doc.id for h in topic.hits[:2]]
    assert all("平台经济" in h.doc.title for h in r.hits[:2])


@pytest.mark.parametrize(
    ("query", "term"), [("新能源 汽车", "新能源汽车"), ("平台 经济", "平台经济")]
)
def test_topic_typed_as_its_words_ranks_its_titles_first(
    corpus_engine, query: str, term: str
) -> None:
    """新能源 汽车 asks for 新能源汽车: titles holding it come before titles holding the
    words apart (before: 平台 经济 put 上海市经济和信息化委员会 …平台… notices third)."""
    in_titles = _search(corpus_engine, f'"{term}"', fields=("title",)).total
    r = _search(corpus_engine, query)
    assert r.total >= _search(corpus_engine, term).total  # nothing matched is lost
    titled = [term in h.doc.title for h in r.hits]
    assert all(titled[: min(10, in_titles)]), titled


@pytest.mark.parametrize("term", ["农村发展", "制度建设", "无害化处理"])
def test_topic_the_segmenter_cuts_ranks_titles_holding_it_whole_first(
    corpus_engine, term: str
) -> None:
    """A topic the glossary lacks is two words to the segmenter (能源 / 发展): titles
    holding them side by side, in that order, come before titles holding them apart
    (before: 农村发展 put …促进农村一二三产业融合发展 first, 制度建设 …失信约束制度构建诚信建设…)."""
    plan = _search(corpus_engine, term, explain=True).plan
    assert plan is not None and sum(c.occur == "must" for c in plan.clauses) >= 2
    in_titles = sum(term in h.doc.title for h in _search(corpus_engine, term, per_page=50).hits)
    r = _search(corpus_engine, term)
    titled = [term in h.doc.title for h in r.hits]
    assert titled[0], r.hits[0].doc.title
    assert sum(titled) >= min(7, in_titles), titled


def test_platform_economy_opinion_first(corpus_engine) -> None:
    r = _search(corpus_engine, "平台经济")
    dn = parse_docnum(r.hits[0].doc.docnum or "")
    assert dn is not None and dn.key == "国办发〔2019〕38号"


def test_topic_in_english_still_finds_titles(corpus_engine) -> None:
    r = _search(corpus_engine, "carbon peaking")
    assert "碳达峰" in r.hits[0].doc.title


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("off-campus tutoring", "校外培训"),
        ("prepaid cards", "预付卡"),
        ("private pension", "个人养老金"),
        ("disorderly expansion of capital", "资本无序扩张"),
        ("EV", "新能源汽车"),  # CC-CEDICT read EVs as 伊芙 (Eve)
        ("Shenzhen SEZ", "经济特区"),
    ],
)
def test_words_of_the_english_press(corpus_engine, english: str, chinese: str) -> None:
    """Words the English press uses for Chinese policies (before: "tutoring" read
    导师, "capital" 资金, "prepaid cards" 储值卡 (one result), "private" 列兵 "private
    soldier"; no first result held the term)."""
    r = _search(corpus_engine, english)
    assert chinese in r.hits[0].doc.title or chinese in r.hits[0].doc.body


def test_a_short_form_finds_what_documents_write(corpus_engine) -> None:
    """双碳 found one document (an English-titled record); documents write
    碳达峰碳中和."""
    r = _search(corpus_engine, "双碳")
    assert r.total >= 10
    assert "碳达峰碳中和" in r.hits[0].doc.title


def test_the_news_headline_of_a_platform_economy_opinion(corpus_engine) -> None:
    """The use case's own example: an English report names a province's opinions on
    "Internet Platform Economies". The lookup read "Internet Platform" (互联网平台) and
    left "Economies" (经济): no 平台经济 reading, and Henan's opinions on it were not
    first. (The report's own document, Shandong's, is not in the sample corpus.)"""
    from search.titles import lookup_title

    q = "Implementation Opinions on Accelerating the Push for Internet Platform Economies"
    res = lookup_title(corpus_engine, q)
    assert res.candidates[0].doc.title == "河南省人民政府办公厅关于加快平台经济健康发展的实施意见"
    assert any("平台经济" in t["zh"] for t in res.parsed["key_terms"])


def test_english_title_uses_the_title_lookup(corpus_engine) -> None:
    from search.titles import lookup_title

    q = "Guiding Opinions of the General Office of the State Council on Promoting the Regulated and Sound Development of the Platform Economy"
    r = _search(corpus_engine, q)
    assert r.intent is not None and r.intent.kind == "en_title"
    best = lookup_title(corpus_engine, q, 1).best
    assert best is not None and r.hits[0].doc.id == best.doc.id
    assert "平台经济" in r.hits[0].doc.title


@pytest.mark.parametrize(
    "title",
    [
        # Case headlines: read as a question (如何…) and as plain words (a comma).
        "五种遗嘱形式已不足 打印遗嘱如何写才有效",
        "购房后无法正常用电，买受人有权要求开发商赔偿损失",
    ],
)
def test_a_title_pasted_whole_comes_first_whatever_it_reads_as(corpus_engine, title) -> None:
    """Before: 民法典 and 司法拍卖 rules first, the case itself 2nd and 4th."""
    r = _search(corpus_engine, title)
    assert r.intent is not None and not r.intent.title_like
    assert r.hits[0].doc.title == title


def test_the_title_as_typed_comes_before_its_other_writing(corpus_engine) -> None:
    """Two records of one title, （…） and (...): the one written as pasted is first."""
    title = "海南省人民政府关于同意海口市土地利用总体规划（2006-2020年）局部调整的批复"
    r = _search(corpus_engine, title)
    assert r.hits[0].doc.title == title
    assert r.hits[1].doc.title.replace("(", "（").replace(")", "）") == title


def test_an_english_title_of_common_words_and_one_rare_subject(corpus_engine) -> None:
    """ "Opinions on Further Strengthening ..." matches hundreds of short titles
    (关于进一步加强…的意见) better than the longer ones that hold its subject,
    知识产权保护: they were not even in the lookup's pool (before: 关于进一步加强
    值班工作的意见 first, no intellectual-property title in the top 40)."""
    from search.titles import lookup_title

    q = "Opinions on Further Strengthening the Protection of Intellectual Property Rights"
    res = lookup_title(corpus_engine, q)
    top = [c.doc.title or "" for c in res.candidates[:2]]
    assert all("知识产权" in t and "意见" in t for t in top), top
    r = _search(corpus_engine, q)
    assert "知识产权保护" in r.hits[0].doc.title and "意见" in r.hits[0].doc.title


def test_english_title_inside_a_news_sentence(corpus_engine) -> None:
    """Copied with the sentence that names it, the title is read out of it: the
    sentence's own words (issued, reported, 2019) put other documents first."""
    from search.titles import lookup_title

    name = (
        "Guiding Opinions on Promoting the Regulated and Sound Development of the Platform Economy"
    )
    q = f"The State Council issued the {name} in 2019, Xinhua reported."
    r = _search(corpus_engine, q)
    assert r.intent is not None and r.intent.text.startswith(f"State Council {name}")
    assert not {"issued", "Xinhua", "reported"} & set(r.intent.text.split())
    assert r.hits[0].doc.title == "国务院办公厅关于促进平台经济规范健康发展的指导意见"
    best = lookup_title(corpus_engine, q, 1).best
    assert best is not None and best.doc.id == r.hits[0].doc.id


def test_a_chinese_title_cited_beside_english(corpus_engine) -> None:
    """An English sentence citing the Chinese title in brackets: the Chinese title is
    searched; indexed, it comes first, and missing, the notice names the closest."""
    cited = "国务院办公厅关于促进平台经济规范健康发展的指导意见"
    r = _search(corpus_engine, f"In 2019 the cabinet published guidance ({cited}) on platforms.")
    assert r.intent is not None and r.intent.kind == "title"
    assert r.hits[0].doc.title == cited
    missing = "关于加快推动平台经济规范健康持续发展的实施意见"  # Shandong's: not in the sample
    r = _search(
        corpus_engine, f"Shandong released its Implementation Opinions ({missing}) last year."
    )
    assert r.intent is not None and r.intent.text == missing
    notice = next(n for n in r.notices if "exactly this title" in n)
    assert "平台经济" in notice and "平台经济" in r.hits[0].doc.title


def test_a_topic_typed_in_both_languages(corpus_engine) -> None:
    """platform economy 平台经济 ranked by any word put a market-supervision regulation
    first; read as the Chinese keywords (the English is their rendering), the
    platform-economy guidance is first. English that says something else is
    searched with the Chinese, every word as a keyword."""
    both = _search(corpus_engine, "platform economy 平台经济")
    alone = _search(corpus_engine, "平台经济")
    assert both.intent is not None and both.intent.kind == "zh_keywords"
    assert [h.doc.id for h in both.hits[:3]] == [h.doc.id for h in alone.hits[:3]]
    assert "平台经济" in both.hits[0].doc.title
    other = _search(corpus_engine, "平台经济 antitrust rules")
    assert other.intent is not None and other.intent.kind == "zh_keywords"
    assert other.intent.text == "平台经济 antitrust rules"  # every word searched


def test_a_place_and_a_topic_in_two_languages(corpus_engine) -> None:
    """Shanghai 人工智能 ranked by any word put a Jinan text first; as keywords in both
    languages (Shanghai: 上海 and the region's documents), Shanghai's AI titles."""
    r = _search(corpus_engine, "Shanghai 人工智能")
    assert r.intent is not None and r.intent.note == "keywords in both languages"
    assert all("上海" in h.doc.title and "人工智能" in h.doc.title for h in r.hits[:3])


def test_a_topic_typed_in_pinyin_ranks_its_titles_first(corpus_engine) -> None:
    """pingtai jingji spells the glossary's 平台经济: its titles first, as for 平台经济
    (a pinyin reading did not count in titles, and two regulations mentioning the
    platform economy in an article came first)."""
    r = _search(corpus_engine, "pingtai jingji")
    alone = _search(corpus_engine, "平台经济")
    assert "平台经济" in r.hits[0].doc.title
    assert [h.doc.id for h in r.hits[:2]] == [h.doc.id for h in alone.hits[:2]]


@pytest.mark.parametrize("query", ["民法典 第1165条", "民法典第1165条"])
def test_a_law_and_an_article_put_the_law_first(corpus_engine, query: str) -> None:
    """No title holds an article number: the tier asked titles for every word and
    found none, and an interpretation citing the article came before the Civil Code."""
    r = _search(corpus_engine, query)
    assert r.hits[0].doc.title == "中华人民共和国民法典"
    assert r.hits[0].passage is not None and r.hits[0].passage.label == "第一千一百六十五条"


@pytest.mark.parametrize(
    ("query", "title"),
    [
        (
            "国务院办公厅关于促进平台经济规范健康发展的指导意见 2019年8月1日",
            "国务院办公厅关于促进平台经济规范健康发展的指导意见",
        ),
        ("中华人民共和国数据安全法（2021-06-10）", "中华人民共和国数据安全法"),
    ],
)
def test_a_title_pasted_with_its_date_comes_first(corpus_engine, query: str, title: str) -> None:
    """A title copied with the date a government site prints after it was read as
    words: 体育法 first, the opinion not in the top 10."""
    r = _search(corpus_engine, query)
    assert r.intent is not None and r.intent.kind == "title"
    assert r.hits[0].doc.title == title


def test_a_title_issued_by_a_notice_is_the_closest(corpus_engine) -> None:
    """新能源汽车产业发展规划 is issued by 国务院办公厅关于印发新能源汽车产业发展规划
    （2021—2035年）的通知: the lookup compares the title with what a 印发 notice issues
    (before: the notice was a 通知 about 印发…, third behind two provinces' 意见, and the
    box said that no indexed document had the title)."""
    from search.titles import lookup_title

    res = lookup_title(corpus_engine, "新能源汽车产业发展规划")
    assert res.candidates[0].doc.title == (
        "国务院办公厅关于印发新能源汽车产业发展规划（2021—2035年）的通知"
    )
    assert res.exact  # the 规划 is in the index, as the notice issuing it
    r = _search(corpus_engine, "新能源汽车产业发展规划")
    assert r.hits[0].doc.id == res.candidates[0].doc.id
    assert not any("exactly this title" in n for n in r.notices)


def test_a_missing_title_is_ranked_by_its_subject(corpus_engine) -> None:
    """网络安全审查办法 is not in the sample corpus: ranked by any word, documents that
    are only some other 办法 came first (保税区海关监管办法), and the notice named three
    such 办法 as the closest."""
    subject = _search(corpus_engine, "网络安全审查")
    r = _search(corpus_engine, "网络安全审查办法")
    assert subject.hits and r.hits[0].doc.id == subject.hits[0].doc.id
    notice = next(n for n in r.notices if "exactly this title" in n)
    assert "Closest" not in notice


def test_missing_title_notice_in_api_shape(corpus_engine) -> None:
    r = _search(corpus_engine, "国务院办公厅关于促进平台经济发展壮大的若干意见")
    d = r.to_dict()
    assert d["intent"]["kind"] == "title"
    assert any("No indexed document has exactly this title" in n for n in d["notices"])
    # Combine, don't switch: the closest real document is still in the results.
    assert any("平台经济" in h["title"] for h in d["hits"][:5])


def test_questions_keep_their_ranking(corpus_engine) -> None:
    r = _search(corpus_engine, "夫妻一方经营个体工商户所欠债务，谁偿还？")
    assert r.intent is not None and r.intent.kind == "question"
    assert r.plan is not None and r.plan.authority_prior and not r.plan.title_first


def test_a_short_question_nothing_answers_word_for_word(corpus_engine) -> None:
    """借钱不还怎么办 required 借钱, which no law writes: 0 results. Asked again as a
    question, its everyday words reach legal ones (借款, 借贷)."""
    r = _search(corpus_engine, "借钱不还怎么办")
    assert r.intent is not None and r.intent.kind == "question"
    assert r.total > 10
    assert "借贷" in r.hits[0].doc.title or "借款" in r.hits[0].doc.title


def test_a_short_question_few_documents_answer_word_for_word(corpus_engine) -> None:
    """公司拖欠工资怎么办: two documents hold 公司 and 拖欠工资 (a guide, a work report);
    the laws on unpaid wages say 拖欠劳动者的工资. Asked again as a question, with
    拖欠工资 also as its parts, a law on wages comes first, not the Company Law."""
    from search.engine import FEW_WORDS_NOTICE

    r = _search(corpus_engine, "公司拖欠工资怎么办")
    assert r.intent is not None and r.intent.kind == "question"
    assert r.mode == "any" and FEW_WORDS_NOTICE in r.notices
    assert r.total > 10
    assert "工资" in r.hits[0].doc.title or "劳动" in r.hits[0].doc.title
    assert not any(h.doc.title == "中华人民共和国公司法" for h in r.hits[:3])


def test_a_short_question_about_titled_documents_is_searched_as_its_words(
    corpus_engine,
) -> None:
    """个税怎么申报: asked as a question it put the Enterprise Bankruptcy Law first (申报
    债权 in its articles). It asks about 个税 (申报 is what a person does), which titles
    hold, so it is searched as that word, title first, as an English question of a few
    words is: the Individual Income Tax Law."""
    r = _search(corpus_engine, "个税怎么申报")
    assert r.intent is not None and r.intent.kind == "zh_keywords"
    assert (r.intent.text, r.intent.asked) == ("个税", "个税怎么申报")
    assert r.hits[0].doc.title == "中华人民共和国个人所得税法"


def test_a_short_question_no_title_holds_is_ranked_as_a_question(corpus_engine) -> None:
    """继承从什么时候开始: no title holds 继承 and 开始, so no document is about them;
    it is ranked as the question it is (article text, the authority prior)."""
    r = _search(corpus_engine, "继承从什么时候开始？")
    assert r.intent is not None and r.intent.kind == "question"
    assert r.plan is not None and r.plan.authority_prior and not r.plan.title_first
    assert r.total > 0


def test_question_in_everyday_words_reaches_articles_in_legal_words(corpus_engine) -> None:
    """房东 (landlord) is 出租人 in the law: the question's articles say so."""
    r = _search(corpus_engine, "房东一直不退还押金，我该怎么办？", passages=True, explain=True)
    assert r.intent is not None and r.intent.kind == "question"
    assert any("出租人" in ln and "layperson" in ln for ln in r.explain_lines())
    texts = [h.doc.body[h.passage.start : h.passage.end] for h in r.hits if h.passage]
    assert any("出租人" in t for t in texts[:10])


# Floors a little under the measured report-half figures (README, "Relevance by query
# intent"): a regression fails CI, noise on a loaded machine does not.
FLOORS = {
    "title_law": {"first": 0.95},
    "title_policy": {"first": 0.95},
    "law_short": {"first": 0.90},
    "topic_zh": {"first": 0.95, "title_share": 0.97},  # measured 1.000 (eleventh round)
    "topic_en": {"first": 0.95, "title_share": 0.97},  # measured 1.000 (eleventh round)
    "docnum": {"first": 0.97},
    # Measured 0.838 / 1.000 in the box and the lookup (twenty-third round: the pool of
    # documents known by their text; 0.757 / 0.865 before).
    "en_title": {"first": 0.78, "top10": 0.94},
    "en_title_lookup": {"first": 0.78, "top10": 0.94},
    # Measured 0.647 / 0.318 / 0.774 with search/question.py's fourth round, 0.622 /
    # 0.310 / 0.747 with the third: the floors sit between, so losing the document
    # ranking, the headings or the larger pool fails. All three are still under the
    # issue's 0.66 / 0.38 / 0.80 (README).
    "stard": {"art_R@100": 0.635, "art_nDCG@10": 0.313, "doc_R@10": 0.76},
}


def test_suite_report_floors(corpus_engine) -> None:
    from search.eval_suite import run_suite

    if not (shared_data_dir() / "laws.jsonl.gz").exists():
        pytest.skip("../shared/data is not available")
    results = run_suite(corpus_engine, shared_data_dir(), halves=("report",), sets=tuple(FLOORS))
    for name, floors in FLOORS.items():
        res = results[name]
        assert res.count("report") >= 30, name
        for metric, floor in floors.items():
            value = res.mean("report", metric)
            assert value is not None and value >= floor, (name, metric, value)


def test_several_keywords_report_floors(corpus_engine) -> None:
    """``benchmarks/anyword_probe.py``'s report half (measured 0.925 / 0.979 where no
    document holds every word, title share 0.831 where few do; `main` 0.254 / 0.471 and
    0.032): losing the titles that hold part of the words, or the few-answers fill, fails."""
    import sys
    from statistics import mean

    if not (shared_data_dir() / "laws.jsonl.gz").exists():
        pytest.skip("../shared/data is not available")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import anyword_probe

    from search import eval_suite as es

    titles = [es.compact(d.title) for d in es._corpus(shared_data_dir()) if d.title]
    scores = [
        anyword_probe.ask(corpus_engine, q, titles) for q in anyword_probe.kept_queries("report")
    ]
    none = [s for s in scores if s["mode"] == "none"]
    few = [s for s in scores if s["mode"] == "few"]
    assert len(none) >= 30 and len(few) >= 20
    assert mean(s["first"] for s in none) >= 0.85
    assert mean(s["title_share"] for s in none) >= 0.95
    assert mean(s["title_share"] for s in few) >= 0.75


@pytest.mark.parametrize(
    ("british", "us"),
    [
        ("national defence", "national defense"),
        ("standardisation", "standardization"),
        ("labour protection", "labor protection"),
        ("pilot programme", "pilot program"),
    ],
)
def test_british_queries_find_what_american_ones_find(corpus_engine, british: str, us: str) -> None:
    """Before: "national defence" found 5 documents against 38 (none about 国防 first);
    "standardisation" shared 0 of its top 10 with "standardization"."""
    a = _search(corpus_engine, us, per_page=10)
    b = _search(corpus_engine, british, per_page=10)
    assert b.total == a.total
    assert [h.doc.id for h in b.hits] == [h.doc.id for h in a.hits]


def test_british_english_title_finds_the_law(corpus_engine) -> None:
    """An English title spelled the British way (before: not in the lookup's top 10)."""
    from search.titles import lookup_title

    for title, zh in (
        ("Law of the People's Republic of China on National Defence", "中华人民共和国国防法"),
        ("Notarisation Law of the People's Republic of China", "中华人民共和国公证法"),
    ):
        res = lookup_title(corpus_engine, title, 10, use_title_en=False)
        assert res.candidates and res.candidates[0].doc.title == zh


@pytest.mark.parametrize(
    ("acronym", "title"),
    [
        ("PIPL", "中华人民共和国个人信息保护法"),
        ("DSL", "中华人民共和国数据安全法"),
        ("CSL", "中华人民共和国网络安全法"),  # before: nothing found
        ("AUCL", "中华人民共和国反不正当竞争法"),  # before: nothing found
        ("FIL", "中华人民共和国外商投资法"),  # before: nothing found
        ("VAT", "中华人民共和国增值税法"),  # before: nothing found
    ],
)
def test_law_acronyms_of_the_english_press(corpus_engine, acronym: str, title: str) -> None:
    assert _search(corpus_engine, acronym).hits[0].doc.title == title


@pytest.mark.parametrize(
    ("query", "term"),
    [("urbanization", "城镇化"), ("urbanisation", "城镇化"), ("marketization", "市场化")],
)
def test_ization_topics_are_not_their_root(corpus_engine, query: str, term: str) -> None:
    """Porter took urbanization to "urban": the Urban Maintenance and Construction Tax
    Law came first, through its English title, and 城市 was read as a rendering."""
    hits = _search(corpus_engine, query).hits
    assert all(term in h.doc.title for h in hits[:3])


@pytest.mark.parametrize(
    ("query", "term"),
    # before: 价值/加进/税收 and 家庭/登记/注册, word by word from CC-CEDICT
    [("value-added tax", "增值税"), ("household registration", "户籍"), ("hukou", "户籍")],
)
def test_glossary_terms_of_the_english_press(corpus_engine, query: str, term: str) -> None:
    r = _search(corpus_engine, query)
    assert term in [x.target for x in r.expansions]
    assert all(term in h.doc.title for h in r.hits[:2])


@pytest.mark.parametrize(
    ("query", "term", "in_title"),
    [
        ("national defense", "国防", "国防"),  # a CC-CEDICT phrase (before: 全国 + 防务, 38 found)
        ("drunk driving", "醉酒驾驶", "道路交通安全法"),  # before: 带动, 推动 ("drive" growth)
        ("facial recognition", "人脸识别", "人脸识别"),  # before: 做脸 ("to have a facial")
    ],
)
def test_english_phrases_read_as_one(corpus_engine, query: str, term: str, in_title: str) -> None:
    r = _search(corpus_engine, query)
    assert term in [x.target for x in r.expansions]
    assert not [x for x in r.expansions if x.source != query and x.origin == "cc-cedict"]
    assert in_title in r.hits[0].doc.title


@pytest.mark.parametrize(
    ("query", "title", "article"),
    [
        ("个人信息保护法第13条", "中华人民共和国个人信息保护法", "第十三条"),
        ("Article 13 PIPL", "中华人民共和国个人信息保护法", "第十三条"),
        ("民法典第1043条", "中华人民共和国民法典", "第一千零四十三条"),
        ("劳动合同法47条", "中华人民共和国劳动合同法", "第四十七条"),
        ("《网络安全法》第21条", "中华人民共和国网络安全法", "第二十一条"),
    ],
)
def test_article_numbers_in_digits(corpus_engine, query: str, title: str, article: str) -> None:
    """Before: 13 matched every 关于…等13名同志任免职的通知 first (2,674 found)."""
    r = _search(corpus_engine, query)
    assert r.hits[0].doc.title == title and r.hits[0].passage.label == article
    assert any("as laws write them" in n for n in r.notices)


def test_the_named_article_is_the_passage_shown(corpus_engine) -> None:
    """Before: the law came first with its article 87 ("…依照本法第四十七条…"), which
    scores higher than article 47 itself; a hit whose title is another law keeps its
    own best passage."""
    r = _search(corpus_engine, "劳动合同法第四十七条")
    assert r.hits[0].doc.title == "中华人民共和国劳动合同法"
    assert r.hits[0].passage.label == "第四十七条"
    rule = next(h for h in r.hits if h.doc.title == "中华人民共和国劳动合同法实施条例")
    assert "第四十七条" in rule.doc.body[rule.passage.start : rule.passage.end]


@pytest.mark.parametrize(
    ("query", "title", "article"),
    [
        ("刑诉法", "中华人民共和国刑事诉讼法", None),
        ("个保法", "中华人民共和国个人信息保护法", None),
        ("民诉法第122条", "中华人民共和国民事诉讼法", "第一百二十二条"),
    ],
)
def test_law_abbreviations(corpus_engine, query: str, title: str, article: str | None) -> None:
    """Before: 刑诉法 found nothing, 个保法 ranked 行政机关公务员处分条例 first (by 个)."""
    r = _search(corpus_engine, query)
    assert r.hits[0].doc.title == title
    assert any("abbreviations were searched by their full names" in n for n in r.notices)
    assert r.request.q == query  # the response echoes what was typed
    if article:
        assert r.hits[0].passage.label == article


def test_a_law_in_parts_is_listed_in_its_own_order(corpus_engine) -> None:
    """The Civil Code is stored as one record per book, all titled alike; a search for
    the code listed them by score (附则 first). Now 总则 ... 附则; a query with another
    word keeps the part whose text matched it first."""
    books = ["总则", "物权编", "合同编", "人格权编", "婚姻家庭编", "继承编", "侵权责任编", "附则"]
    r = _search(corpus_engine, "民法典")
    assert [h.doc.subtitle for h in r.hits[:8]] == books
    assert _search(corpus_engine, "民法典 侵权").hits[0].doc.subtitle == "侵权责任编"


def test_title_lookup_reads_law_abbreviations(corpus_engine) -> None:
    """Before: 个保法 drafted "Gebao Law" and named no document."""
    from search.titles import lookup_title

    res = lookup_title(corpus_engine, "个保法")
    assert res.query == "个保法"
    assert res.candidates[0].doc.title == "中华人民共和国个人信息保护法"
    assert "Personal Information Protection" in res.draft.text
    assert any("abbreviations" in n for n in res.notices)


def test_titles_holding_most_keywords_come_first(corpus_engine) -> None:
    """No document holds 外商投资 商业 清理 普查; before, the first hits were titles
    holding one of the words, ranked by their text (全国污染源普查条例). Now the title
    that holds three of the four comes first."""
    r = _search(corpus_engine, "外商投资 商业 清理 普查")
    assert r.mode == "any"
    held = [sum(w in h.doc.title for w in ("外商投资", "商业", "清理", "普查")) for h in r.hits]
    assert held[0] == 3
    assert held[:3] == sorted(held[:3], reverse=True)


def test_few_keyword_answers_are_followed_by_titles_holding_some(corpus_engine) -> None:
    """Two work reports hold 绿色 金融 体制改革; before, they were all a reader saw.
    They still come first, then titles holding 绿色金融, with a notice; two typed
    words that a law and its term make are left as they were."""
    r = _search(corpus_engine, "绿色 金融 体制改革")
    assert any(n.startswith("Few documents contain all the words") for n in r.notices)
    assert all("工作报告" in h.doc.title for h in r.hits[:2])
    assert any("绿色金融" in h.doc.title for h in r.hits[2:10])
    pages = [_search(corpus_engine, "绿色 金融 体制改革", per_page=5, page=p) for p in (1, 2)]
    assert [h.doc.id for p in pages for h in p.hits] == [h.doc.id for h in r.hits[:10]]
    one = _search(corpus_engine, "个人信息保护法 告知同意")  # no title holds two of the words
    assert one.mode == "all" and one.hits[0].doc.title == "中华人民共和国个人信息保护法"
    assert one.total == 1


@pytest.mark.parametrize(
    ("q", "word"),
    [("平台经济 监管", "平台经济"), ("数字经济 税收", "数字经济"), ("碳达峰 交通", "碳达峰")],
)
def test_two_keywords_with_few_answers_are_followed_by_the_rarer_words_titles(
    corpus_engine, q: str, word: str
) -> None:
    """Six documents mention both 平台经济 and 监管, none of them in its title, and the
    State Council's 平台经济 guidance (a title-only record) was not among them. The
    documents holding both words still come first; then titles holding the rarer
    word, never the commoner one (电力监管条例, 税收 rules)."""
    before = _search(corpus_engine, q, per_page=50)
    r = _search(corpus_engine, q)
    assert any(n.startswith("Few documents contain all the words") for n in r.notices)
    both = [h for h in r.hits if word not in h.doc.title]
    assert both and r.hits[: len(both)] == both  # the all-word documents lead
    filled = r.hits[len(both) :]
    assert filled and all(word in h.doc.title for h in filled)
    assert {h.doc.id for h in both} <= {h.doc.id for h in before.hits}
    pages = [_search(corpus_engine, q, per_page=4, page=p) for p in (1, 2)]
    assert [h.doc.id for p in pages for h in p.hits] == [h.doc.id for h in r.hits[:8]]


def test_two_keywords_fill_in_english_and_the_guidance_is_found(corpus_engine) -> None:
    r = _search(corpus_engine, "平台经济 监管")
    assert "国务院办公厅关于促进平台经济规范健康发展的指导意见" in [h.doc.title for h in r.hits]
    en = _search(corpus_engine, "new energy vehicles subsidies")
    assert en.total > 1

    def holds(doc) -> bool:  # in its Chinese title, or in its English one only
        english = " ".join(t.text.lower() for t in doc.titles_en)
        return "新能源汽车" in doc.title or (not doc.title and "new energy vehicle" in english)

    assert all(holds(h.doc) for h in en.hits[1:])
    assert any(not h.doc.title for h in en.hits[1:])  # known by an English title only


def test_two_keywords_no_document_holds_together_lead_with_the_rarer_words_titles(
    corpus_engine,
) -> None:
    """国务院办公厅 数字政府: no document holds both, and the any-word ranking put a
    regulation first that names the General Office in one article. The titles
    holding the rarer word (数字政府) now lead; the any-word search's documents
    follow, none lost, and paging reads one list."""
    r = _search(corpus_engine, "国务院办公厅 数字政府", per_page=20)
    assert r.mode == "any" and r.total > 100
    lead = [h for h in r.hits if "数字政府" in h.doc.title]
    assert lead and r.hits[: len(lead)] == lead
    assert r.hits[0].doc.title == "国务院关于加强数字政府建设的指导意见"
    assert len(lead) < len(r.hits)  # the any-word documents follow
    pages = [_search(corpus_engine, "国务院办公厅 数字政府", per_page=5, page=p) for p in (1, 2)]
    assert [h.doc.id for p in pages for h in p.hits] == [h.doc.id for h in r.hits[:10]]


@pytest.mark.parametrize("q", ["碳达峰 2021", "2021年 碳达峰", "carbon peaking 2021"])
def test_a_year_among_keywords_is_the_year_of_issue(corpus_engine, q: str) -> None:
    """Documents rarely write their own year: 碳达峰 2021 found one work report (it
    writes 2021); the 2021 action plan on 碳达峰 now follows it, and every document
    added is of 2021 with 碳达峰 in its title."""
    r = _search(corpus_engine, q)
    assert r.hits[0].doc.title == "2021年中华人民共和国国务院政府工作报告"
    assert "国务院关于印发2030年前碳达峰行动方案的通知" in [h.doc.title for h in r.hits]
    for h in r.hits[1:]:
        assert "碳达峰" in h.doc.title and h.doc.year == 2021


def test_a_year_with_keywords_no_document_holds(corpus_engine) -> None:
    """2022年 平台经济: no document writes both, and the any-word fallback listed
    2022 annual reports by the word 2022; the year's 平台经济 titles now answer."""
    r = _search(corpus_engine, "2022年 平台经济")
    assert r.hits and all("平台经济" in h.doc.title for h in r.hits)


def test_one_long_keyword_with_few_answers(corpus_engine) -> None:
    """新能源汽车充电基础设施 (three words to the segmenter) is in one work report; the
    corpus's charging documents say 电动汽车. They now follow it, and nothing else does."""
    r = _search(corpus_engine, "新能源汽车充电基础设施")
    assert r.hits[0].doc.title == "2019年中华人民共和国国务院政府工作报告"
    assert r.hits[1:] and all("充电基础设施" in h.doc.title for h in r.hits[1:])
    assert r.total == len(r.hits) and r.total_exact


def test_issuer_short_names(corpus_engine) -> None:
    """国办 is what Chinese text calls the State Council's General Office (国办发, 国办函);
    before, "国办 平台经济" found no document with both words and fell back to any word,
    with an airport regulation first."""
    r = _search(corpus_engine, "国办 平台经济")
    assert "国务院办公厅" in [x.target for x in r.expansions]
    assert r.hits[0].doc.title == "国务院办公厅关于促进平台经济规范健康发展的指导意见"


def test_english_questions_about_a_few_words(corpus_engine) -> None:
    """Asked as questions (any word), these put 规章制定程序条例 (rules -> 规章) and
    上海市社会救助条例 first; searched as their words, the documents about them lead."""
    r = _search(corpus_engine, "how to apply for minimum living allowance?")
    assert r.intent.kind == "en_keywords"
    assert all("最低生活保障" in h.doc.title for h in r.hits[:5])
    r = _search(corpus_engine, "what are the rules for cross-border data transfer")
    assert r.hits[0].doc.title in ("深圳经济特区数据条例", "网络数据安全管理条例")
    r = _search(corpus_engine, "what is the penalty for drunk driving")
    assert r.hits[0].doc.title == "中华人民共和国道路交通安全法"


@pytest.mark.parametrize(
    ("q", "term"),
    [
        ("platform economy policy", "平台经济"),
        ("carbon peaking policies", "碳达峰"),
        ("China platform economy", "平台经济"),
        ("中国 平台经济", "平台经济"),
        ("我国 碳达峰", "碳达峰"),
        ("营商环境 相关规定", "营商环境"),
        ("数据安全 法律法规", "数据安全"),
    ],
)
def test_an_english_topic_with_policy_after_it(corpus_engine, q: str, term: str) -> None:
    """policy, like 政策, asks for documents about the topic, and China names the
    country every document is from: neither is required. Before, documents that
    write 政策 (or 中国) near a passing 平台经济 (a county's autonomy regulation, the
    Work Safety Law, work reports) came first and the State Council's guidance sixth."""
    r = _search(corpus_engine, q)
    assert term in r.hits[0].doc.title and not r.notices


@pytest.mark.parametrize(
    ("q", "term", "kinds"),
    [
        ("platform economy regulations", "平台经济", ()),
        ("digital economy regulations", "数字经济", ("条例",)),
        ("business environment regulations", "营商环境", ("条例",)),
        ("new energy vehicle regulations", "新能源汽车", ()),
        ("rural revitalization guidelines", "乡村振兴", ()),
        # The glossary reads "safety regulations" as 安全监管 too: the kind is still
        # the word after the topic (before, 监管 was required and food safety
        # supervision notices came first).
        ("food safety regulations", "食品安全", ("条例",)),
        ("work safety regulations", "安全生产", ("条例",)),
    ],
)
def test_an_english_topic_with_a_kind_after_it(
    corpus_engine, q: str, term: str, kinds: tuple[str, ...]
) -> None:
    """regulations, guidelines after an English topic ask for a kind of document, not
    for the word in the text: titles on the topic come first, those of the kind before
    the rest. Required, regulations (条例, 法规, 监管) put documents that write 监管 near
    a passing 平台经济 first (广东省市场监管条例) and left out the State Council's
    guidance, a title-only record."""
    r = _search(corpus_engine, q)
    assert term in r.hits[0].doc.title
    assert all(k in r.hits[0].doc.title for k in kinds)
    if term == "平台经济":
        assert r.hits[0].doc.title == "国务院办公厅关于促进平台经济规范健康发展的指导意见"


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("数据安全法 level:法律", "中华人民共和国数据安全法"),
        ("个人信息保护法 status:现行有效", "中华人民共和国个人信息保护法"),
        ("平台经济 year:2019", "国务院办公厅关于促进平台经济规范健康发展的指导意见"),
        ("人工智能 year:2017", "国务院关于印发新一代人工智能发展规划的通知"),
        ("平台经济 -废止", "国务院办公厅关于促进平台经济规范健康发展的指导意见"),
    ],
)
def test_a_filter_typed_among_the_words_keeps_their_ranking(
    corpus_engine, q: str, first: str
) -> None:
    """A filter or an exclusion in the box made the query plain words: 数据安全法
    level:法律 put 反间谍法 first, 个人信息保护法 status:现行有效 a payment regulation,
    平台经济 -废止 regulations that mention it once. The words are now read as typed
    alone, and the filter still narrows."""
    r = _search(corpus_engine, q)
    assert r.hits[0].doc.title == first
    assert "narrowed: " in r.intent.note


def test_a_region_filter_among_keywords(corpus_engine) -> None:
    """人工智能 region:上海 put 上海市中小学校外实践教育促进规定 first; now Shanghai's titles on
    人工智能 lead, and every hit is Shanghai's."""
    r = _search(corpus_engine, "人工智能 region:上海")
    assert all("人工智能" in h.doc.title for h in r.hits[:5])
    assert {h.doc.region for h in r.hits} == {"上海"}


def test_an_english_title_whose_lookup_knows_only_the_kind(corpus_engine) -> None:
    """cross-border data transfer rules reads as an English title, and the title lookup
    found only documents of the kind ("rules": 飞行基本规则, court rules), none sharing a
    word of the subject; they were put in front of the box's own results. Now the box's
    results lead: data regulations first."""
    r = _search(corpus_engine, "cross-border data transfer rules")
    assert r.intent.kind == "en_title"
    assert "数据" in r.hits[0].doc.title
    assert not any("飞行" in h.doc.title for h in r.hits[:5])


def test_the_everyday_short_form_of_ride_hailing(corpus_engine) -> None:
    """网约车 is what people type; titles write 网络预约出租汽车. Before, city taxi
    regulations mentioning 网约车 in passing came first and Shanghai's 网络预约出租汽车
    rules were not found."""
    r = _search(corpus_engine, "网约车")
    assert "网络预约出租汽车" in r.hits[0].doc.title


@pytest.mark.parametrize(
    ("query", "full"),
    [
        ("个税", "个人所得税"),
        ("经济适用房", "经济适用住房"),
        ("失业金", "失业保险金"),
        ("公租房", "公共租赁住房"),
        ("廉租房", "廉租住房"),
    ],
)
def test_everyday_short_forms_find_what_titles_write(corpus_engine, query: str, full: str) -> None:
    """Before: 个税 found two work reports, 经济适用房 a migrant workers' regulation first,
    失业金 five documents, none holding 失业保险金 in its title; 公租房 put a household
    services regulation first, 廉租房 found eight documents."""
    r = _search(corpus_engine, query)
    assert r.hits and full in r.hits[0].doc.title


def test_a_short_question_about_dibao_finds_the_dibao_regulations(corpus_engine) -> None:
    """低保 is what people say; laws write 最低生活保障. Before, 怎么申请低保 matched no
    document on both words and put the Administrative Reconsideration Law (申请 in every
    line) first."""
    r = _search(corpus_engine, "怎么申请低保")
    assert r.hits and "最低生活保障" in r.hits[0].doc.title


@pytest.mark.parametrize(
    ("short", "full", "national"),
    [("低保", "最低生活保障", "城市居民最低生活保障条例"), ("医保", "医疗保障", None)],
)
def test_a_short_form_ranks_the_titles_of_its_full_form_with_its_own(
    corpus_engine, short: str, full: str, national: str | None
) -> None:
    """低保 typed alone put Shanghai's notices on 低保 families' subsidies first: titles
    writing the typed word outranked the full form's (0.595). The full form is the
    word as titles write it, so both rank together, higher levels first."""
    r = _search(corpus_engine, short)
    assert full in r.hits[0].doc.title
    assert r.hits[0].doc.region == "全国"
    if national:
        assert r.hits[0].doc.title == national


def test_a_law_with_an_explainer_word_finds_the_law_not_unrelated_explainers(
    corpus_engine,
) -> None:
    """个人信息保护法 解读: no document holds both, and ranked by any word Shanghai's
    unrelated 政策解读 came second to fifth. 解读 is optional now: the law, then the
    documents that cite it."""
    r = _search(corpus_engine, "个人信息保护法 解读")
    assert r.hits[0].doc.title == "中华人民共和国个人信息保护法"
    assert not any("解读" in h.doc.title for h in r.hits[:5])


@pytest.mark.parametrize("query", ["上海 公租房", "Shanghai public rental housing"])
def test_a_place_reaches_its_documents_that_do_not_name_it(corpus_engine, query: str) -> None:
    """Shanghai's documents on 公共租赁住房 are titled 市政府…本市…, and as title-only
    records no text says 上海: the place required them out, and Shanghai laws that
    mention the housing in an article came first. Now the region's documents hold the
    place; titles that name it would still come first."""
    r = _search(corpus_engine, query)
    top = r.hits[:5]
    assert all(h.doc.region == "上海" and "公共租赁住房" in h.doc.title for h in top)


def test_a_topic_with_an_explainer_word_puts_its_explainers_first(corpus_engine) -> None:
    """碳达峰 解读: the explainers of carbon-peaking plans (一图读懂《…碳达峰实施方案》)
    first, then the other carbon-peaking titles; no document off the topic."""
    r = _search(corpus_engine, "碳达峰 解读")
    assert "一图读懂" in r.hits[0].doc.title and "碳达峰" in r.hits[0].doc.title
    assert all("碳达峰" in h.doc.title for h in r.hits[:10])


@pytest.mark.parametrize("year", [2010, 2019, 2023])
def test_a_work_report_typed_short_comes_first(corpus_engine, year: int) -> None:
    """2019年政府工作报告 names the State Council's report, stored as
    2019年中华人民共和国国务院政府工作报告: a title typed short is not asked to be a
    phrase of the stored one (the keyword tier's side-by-side order put Yunnan's
    …印发2019年政府工作报告重点工作任务分解的通知 first)."""
    r = _search(corpus_engine, f"{year}年政府工作报告")
    assert r.hits[0].doc.title == f"{year}年中华人民共和国国务院政府工作报告"


@pytest.mark.parametrize("query", ["国办发 2019 38号", "国办发201938号", "2019年国办发38号文"])
def test_a_docnum_typed_without_brackets(corpus_engine, query: str) -> None:
    """Brackets lost in copying, or the year said first: the number, not words (before:
    国办发 2019 38号 found 1,636 documents, 2019年国办发38号文 7,110, the opinion in
    neither's top 3)."""
    r = _search(corpus_engine, query)
    assert r.intent is not None and r.intent.kind == "docnum"
    assert r.hits[0].doc.docnum == "国办发〔2019〕38号"
    assert r.total <= 3


def test_a_docnum_without_its_year(corpus_engine) -> None:
    """国办发38号, as speech and news say it, was searched as words (2,716 found with
    some of them, none numbered 38); now every year's 国办发〔…〕38号, newest first."""
    r = _search(corpus_engine, "国办发38号")
    assert r.intent is not None and r.intent.kind == "docnum"
    nums = [h.doc.docnum for h in r.hits]
    assert nums[0] == "国办发〔2019〕38号"
    assert all(n.startswith("国办发〔") and n.endswith("〕38号") for n in nums)
    years = [int(n[4:8]) for n in nums]
    assert years == sorted(years, reverse=True)
    assert any("gives no year" in n for n in r.notices)


@pytest.mark.parametrize(
    ("q", "word"),
    [
        ("what happens if I drive drunk", "道路交通安全"),  # was 鼓励创业带动就业 (drive: 带动)
        ("can my employer hold back my wages", "工资"),  # was a 工会法 implementation
    ],
)
def test_english_everyday_questions_of_the_twenty_first_round(
    corpus_engine, q: str, word: str
) -> None:
    r = _search(corpus_engine, q)
    assert r.hits and word in r.hits[0].doc.title
