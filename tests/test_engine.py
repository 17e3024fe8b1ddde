"""The engine end to end on a real on-disk fixture index (no glossary)."""

from __future__ import annotations

import pytest

from index.errors import NotFound, QueryError
from search.engine import SearchRequest


def ids(res) -> list[str]:
    return [h.doc.id for h in res.hits]


def test_chinese_words_find_simplified_and_traditional_documents(engine) -> None:
    res = engine.search(SearchRequest(q="个人信息保护", per_page=20))
    found = ids(res)
    assert "law-pipl" in found
    assert "tw-report" in found  # traditional text, simplified query


def test_traditional_query_finds_simplified_text_and_says_so(engine) -> None:
    res = engine.search(SearchRequest(q="個人信息保護法"))
    assert ids(res)[0] == "law-pipl"
    assert any("converted" in n for n in res.notices)
    assert res.parsed.was_traditional


def test_chinese_phrase_query(engine) -> None:
    res = engine.search(SearchRequest(q='"个人信息保护法"'))
    assert ids(res) == ["law-pipl"]
    res = engine.search(SearchRequest(q='"碳达峰碳中和"'))
    assert ids(res) == ["pt-carbon"]
    # Word order matters in a phrase.
    assert engine.search(SearchRequest(q='"保护法个人信息"')).total == 0


def test_highlight_offsets_point_into_traditional_original(engine) -> None:
    res = engine.search(SearchRequest(q="数据安全 个人信息", per_page=20))
    hit = next(h for h in res.hits if h.doc.id == "tw-report")
    marked = [t for t, m in hit.snippet if m]
    assert "個人信息" in marked  # the stored traditional text, not the folded form
    assert all(t in hit.doc.body for t in marked)


def test_english_stemming_and_stop_words(engine) -> None:
    res = engine.search(SearchRequest(q="platform economy"))
    assert ids(res) == ["en-data", "pt-platform"] or ids(res) == ["pt-platform", "en-data"]
    res = engine.search(SearchRequest(q="the data securities"))
    assert "en-data" in ids(res)


def test_best_article_is_reported(engine) -> None:
    res = engine.search(SearchRequest(q="个人 同意"))
    hit = res.hits[0]
    assert hit.doc.id == "law-pipl"
    assert hit.passage is not None and hit.passage.label in ("第十三条", "第十四条")
    assert hit.passage.chapter.startswith("第二章")


def test_all_words_must_match_then_falls_back_to_any(engine) -> None:
    res = engine.search(SearchRequest(q="劳动合同 营商环境"))
    assert res.mode == "any"
    assert {"pt-labour", "pt-business"} <= set(ids(res))
    assert res.notices


def test_exclusion_and_or(engine) -> None:
    res = engine.search(SearchRequest(q="数据 -个人信息", per_page=20))
    assert "law-dsl" in ids(res) and "law-pipl" not in ids(res)
    res = engine.search(SearchRequest(q="营商环境 OR 劳动合同", per_page=20))
    assert {"pt-labour", "pt-business"} <= set(ids(res))
    assert res.mode == "all"


def test_filters_year_and_facets_count_documents(engine) -> None:
    res = engine.search(SearchRequest(q="平台经济", facets=True, per_page=20))
    assert res.facets["region"] == {"全国": 2, "河南": 1} or res.facets["region"].get("河南") == 1
    # Facets count documents, not passages.
    assert sum(res.facets["level"].values()) == res.total
    res = engine.search(SearchRequest(q="平台经济", filters={"region": ["河南"]}))
    assert ids(res) == ["pt-henan"]
    res = engine.search(SearchRequest(q="平台经济", year="2020..2023"))
    assert ids(res) == ["pt-henan"]
    res = engine.search(SearchRequest(q="平台经济 region:全国 year:2019"))
    assert ids(res) == ["pt-platform"]


def test_filter_only_query_lists_documents(engine) -> None:
    res = engine.search(SearchRequest(q="", filters={"level": ["法律"]}, sort="date"))
    assert ids(res) == ["law-pipl", "law-dsl"]  # newest first


def test_sort_by_date(engine) -> None:
    res = engine.search(SearchRequest(q="平台经济", sort="date", per_page=20))
    dates = [h.doc.date for h in res.hits if h.doc.date]
    assert dates == sorted(dates, reverse=True)
    res = engine.search(SearchRequest(q="平台经济", sort="date_asc", per_page=20))
    dates = [h.doc.date for h in res.hits if h.doc.date]
    assert dates == sorted(dates)


def test_document_number_any_bracket_style(engine) -> None:
    for q in (
        "docnum:国办发〔2019〕38号",
        "docnum:国办发[2019]38号",
        "docnum:国办发(2019)38号",
        '文号:"Guobanfa (2019) No. 38"',
    ):
        assert ids(engine.search(SearchRequest(q=q))) == ["pt-platform"], q
    assert ids(engine.search(SearchRequest(q="docnum:豫政办〔2022〕53号"))) == ["pt-henan"]


def test_ranking_is_stable_and_paged(engine) -> None:
    a = ids(engine.search(SearchRequest(q="数据", per_page=2, page=1)))
    b = ids(engine.search(SearchRequest(q="数据", per_page=2, page=2)))
    full = ids(engine.search(SearchRequest(q="数据", per_page=10)))
    assert a + b == full[:4]
    assert ids(engine.search(SearchRequest(q="数据", per_page=10))) == full


def test_passage_mode_ranks_articles(engine) -> None:
    res = engine.search(SearchRequest(q="解除劳动合同", passages=True, per_page=10))
    labels = [(h.doc.id, h.passage.label) for h in res.hits]
    assert ("pt-labour", "第二条") in labels and ("pt-labour", "第三条") in labels


def test_subwords_found_inside_longer_words(engine) -> None:
    # jieba keeps 解除劳动合同 whole in some contexts; 劳动合同 must still match.
    res = engine.search(SearchRequest(q="劳动合同", passages=True, per_page=10))
    assert {h.passage.label for h in res.hits if h.doc.id == "pt-labour"} >= {"第二条", "第三条"}


@pytest.mark.parametrize(
    "q, fragment",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("。，、！", "no searchable words"),
        ("数" * 501, "too long"),
        ('"' + "数据 " * 40 + '"', "phrase"),
        ("year:abc 数据", "year"),
        ("year:1800 数据", "year"),
    ],
)
def test_bad_queries_get_clear_errors(engine, q: str, fragment: str) -> None:
    with pytest.raises(QueryError) as e:
        engine.search(SearchRequest(q=q))
    assert fragment in e.value.message


def test_quoted_english_title_is_searched_as_the_title(engine) -> None:
    """An English title pasted in quotation marks is the title, not a phrase of its
    every word (which the query language refuses past 32 words)."""
    title = "Notice on the " + " and ".join(["Data Security Management"] * 12) + " Work"
    res = engine.search(SearchRequest(q=f'"{title}"'))
    assert res.intent is not None and res.intent.kind == "en_title"
    with pytest.raises(QueryError, match="phrase"):  # the same words typed as a phrase
        engine.search(SearchRequest(q='"' + "data " * 40 + '"'))


@pytest.mark.parametrize(
    "req",
    [
        SearchRequest(q="数据", page=0),
        SearchRequest(q="数据", per_page=101),
        SearchRequest(q="数据", sort="random"),
        SearchRequest(q="数据", filters={"colour": ["red"]}),
        SearchRequest(q="数据", page=10_000),
        SearchRequest(q="数据", fields=("secret",)),
    ],
)
def test_bad_parameters_get_clear_errors(engine, req: SearchRequest) -> None:
    with pytest.raises(QueryError):
        engine.search(req)


def test_broken_syntax_is_searched_not_crashed(engine) -> None:
    for q in ('"数据', "数据 OR", "OR OR 数据", "NOT AND 数据", "title:( 数据", "数据 -", "数据 ("):
        res = engine.search(SearchRequest(q=q))
        assert "law-dsl" in ids(res), q
    for q in ("-", "OR", '"', "()"):
        with pytest.raises(QueryError):
            engine.search(SearchRequest(q=q))


def test_full_width_query_is_normalized(engine) -> None:
    assert ids(engine.search(SearchRequest(q="ＤＡＴＡ security"))) == ids(
        engine.search(SearchRequest(q="data security"))
    )


def test_get_document_and_unknown_id(engine) -> None:
    doc = engine.get_document("law-pipl")
    assert doc.title == "中华人民共和国个人信息保护法"
    assert [p.label for p in doc.passages if p.number] == [
        "第一条",
        "第二条",
        "第十三条",
        "第十四条",
    ]
    with pytest.raises(NotFound):
        engine.get_document("no-such-doc")


def test_explain_shows_plan_and_score_parts(engine) -> None:
    res = engine.search(SearchRequest(q="数据安全法", explain=True))
    assert res.hits[0].matched
    assert any(k.startswith("title:") for k in res.hits[0].matched)
    lines = res.explain_lines()
    assert any("must" in ln for ln in lines)
    d = res.to_dict()
    assert d["explain"] and d["hits"][0]["explain"]


def test_second_commit_of_records_without_facet_values(writable_index) -> None:
    """Regression: Whoosh does not pad a segment's columns when its last records lack
    a field; reading facet values of such a segment raised IndexError."""
    from index.document import Document
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    b = WhooshBackend(writable_index)
    b.add_documents([Document(id="bare-1", title="没有元数据的数据文件", body="数据内容。")])
    res = Engine(writable_index).search(SearchRequest(q="数据", facets=True, per_page=50))
    assert "bare-1" in ids(res)
    assert res.total == sum(res.facets["lang"].values())


def test_delete_documents(writable_index) -> None:
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    b = WhooshBackend(writable_index)
    assert b.delete_documents(["law-dsl", "no-such"]) == 1
    e = Engine(writable_index)
    assert "law-dsl" not in ids(e.search(SearchRequest(q="数据", per_page=50)))
    with pytest.raises(NotFound):
        e.get_document("law-dsl")


def test_updated_document_shows_its_new_version(writable_index) -> None:
    """Regression: ordinals were taken from the first record of a doc id, which after
    an update was the deleted old head, so hits showed the old document."""
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    b = WhooshBackend(writable_index)
    doc = b.get_document("law-dsl")
    doc.title = "中华人民共和国数据安全法（修订）"
    doc.passages = []
    report = b.add_documents([doc])
    assert report.updated == 1
    e = Engine(writable_index)
    res = e.search(SearchRequest(q="数据安全法", per_page=50))
    hits = [h for h in res.hits if h.doc.id == "law-dsl"]
    assert len(hits) == 1 and hits[0].doc.title.endswith("（修订）")
    assert e.get_document("law-dsl").title.endswith("（修订）")
    res = e.search(SearchRequest(q="", filters={"level": ["法律"]}, sort="date"))
    assert [h.doc.id for h in res.hits].count("law-dsl") == 1


def test_document_numbers_typed_as_plain_text(engine) -> None:
    for q in (
        "国办发[2019]38号",
        "国办发（2019）38号",
        "Guobanfa (2019) No. 38",
        "Guo Ban Fa [2019] No.38",
    ):
        assert ids(engine.search(SearchRequest(q=q))) == ["pt-platform"], q
    res = engine.search(SearchRequest(q="平台经济 豫政办〔2022〕53号"))
    assert ids(res) == ["pt-henan"]


def test_time_limit_returns_partial_results_with_a_notice(engine, monkeypatch) -> None:
    from whoosh.collectors import TimeLimit
    from whoosh.searching import Searcher

    real = Searcher.search_with_collector

    def slow(self, q, collector, context=None):
        real(self, q, collector, context)
        raise TimeLimit()

    monkeypatch.setattr(Searcher, "search_with_collector", slow)
    # The guard protects Whoosh's matcher path (the vectorized path has no slow parts).
    monkeypatch.setattr("index.whoosh_backend.vectorizable", lambda plan: False)
    res = engine.search(SearchRequest(q="数据"))
    assert res.hits  # what was collected is still shown
    assert any("cut short" in n for n in res.notices)


def test_rebuild_replaces_everything_and_frees_the_space(writable_index) -> None:
    from index.readers import read_paths
    from index.whoosh_backend import WhooshBackend
    from tests.conftest import DOCS

    def size() -> int:
        return sum(p.stat().st_size for p in (writable_index / "whoosh").iterdir())

    b = WhooshBackend(writable_index)
    before = size()
    for _ in range(3):
        report = b.add_documents(read_paths([DOCS]), rebuild=True)
        assert report.added == 9
    assert b.doc_count() == 9
    assert size() < before * 1.5  # old segments are dropped, not kept as deleted
    b.close()


def test_dictionary_word_straddling_two_indexed_words_is_matched_as_a_phrase() -> None:
    # 宪法修正案 is one dictionary word (the glossary adds it), but jieba cuts the
    # title as 中华人民共和国宪法 / 修正案, so no indexed token holds it: the query
    # must also try the phrase of its parts.
    from index import analysis, segmenter
    from search.engine import build_plan
    from search.query import parse_query

    before = segmenter.extra_words()
    segmenter.configure([*before, "宪法修正案"])
    try:
        title_terms = analysis.terms("中华人民共和国宪法修正案（2018年）")
        assert "宪法修正案" not in title_terms and "修正案" in title_terms
        plan = build_plan(parse_query("宪法修正案 2018"), [], SearchRequest(q="宪法修正案 2018"))
        alts = [a for c in plan.clauses for a in c.alts]
        assert any(a.phrase and a.words == ("宪法", "修正案") for a in alts), alts
        assert next(a for a in alts if a.phrase).fields == ("title", "body")
        # A phrase of common parts is too dear to check in the text for a dictionary
        # word: titles only (a title straddling it is what title-first ranking needs).
        dear = build_plan(
            parse_query("宪法修正案 2018"),
            [],
            SearchRequest(q="宪法修正案 2018"),
            affordable=lambda words: False,
        )
        (phrase,) = [a for c in dear.clauses for a in c.alts if a.phrase]
        assert phrase.words == ("宪法", "修正案") and phrase.fields == ("title",)
        # A glossary rendering of an English query too, in titles only, below it.
        from search.expand import Expansion

        q = "constitutional amendment"
        exp = Expansion(q, (0, len(q)), "宪法修正案", "zh", 0.7, "curated", "legal")
        en = build_plan(parse_query(q), [exp], SearchRequest(q=q))
        (cover,) = [a for c in en.clauses for a in c.alts if a.words == ("宪法", "修正案")]
        assert cover.fields == ("title",) and cover.origin == "curated"
        assert cover.weight == pytest.approx(0.63)
        # A long Chinese question keeps its tuned plan: no phrase alternatives added.
        q = "宪法修正案规定了哪些国家机构的职权，公民对此可以提出什么样的意见和建议"
        long_plan = build_plan(parse_query(q), [], SearchRequest(q=q))
        assert not any(a.phrase for c in long_plan.clauses for a in c.alts)
    finally:
        segmenter.configure(before)


def test_a_kind_word_weighs_little_when_any_word_will_do() -> None:
    """Ranked by any word (nothing has them all), a title that is not in the index is
    ranked by its subject: its document type (办法) weighs a tenth and is not asked
    of titles; with every word required it is untouched."""
    from search.engine import build_plan
    from search.planning import KIND_WEIGHT_ANY
    from search.query import parse_query

    q = "网络安全审查办法"
    every = build_plan(parse_query(q), [], SearchRequest(q=q))
    kind = [c for c in every.clauses if c.display == "办法"]
    assert kind and kind[0].alts[0].weight == 1.0 and not kind[0].title_optional
    anyw = build_plan(parse_query(q), [], SearchRequest(q=q), force_any=True)
    light = [c for c in anyw.clauses if c.display == "办法"][0]
    assert light.title_optional and light.alts[0].weight == KIND_WEIGHT_ANY
    subject = [c for c in anyw.clauses if c.display != "办法"]
    assert subject and all(a.weight >= 0.9 for c in subject for a in c.alts if a.origin == "user")
    # A query of kind words alone keeps them.
    only = build_plan(parse_query("通知 办法"), [], SearchRequest(q="通知 办法"), force_any=True)
    assert all(a.weight == 1.0 for c in only.clauses for a in c.alts if a.origin == "user")


def test_an_english_kind_after_a_topic_is_preferred_not_required() -> None:
    """platform economy regulations: with English keywords' profile the kind word is
    optional, not asked of titles, and preferred in them; the topic stays required.
    A kind alone, or without the profile, is left as it was."""
    from search.engine import build_plan
    from search.expand import Expansion
    from search.profiles import PROFILES
    from search.query import parse_query

    q = "platform economy regulations"
    exps = [
        Expansion("platform economy", (0, 16), "平台经济", "zh", 0.7, "curated", "policy"),
        Expansion("regulations", (17, 28), "条例", "zh", 0.7, "curated", "legal"),
    ]
    keywords = build_plan(parse_query(q), exps, SearchRequest(q=q), profile=PROFILES["en_keywords"])
    by_word = {c.display: c for c in keywords.clauses}
    kind, topic = by_word["regulations"], by_word["platform economy"]
    assert (kind.occur, kind.title_optional, kind.title_preferred) == ("should", True, True)
    assert (topic.occur, topic.title_optional, topic.title_preferred) == ("must", False, False)
    plain = build_plan(parse_query(q), exps, SearchRequest(q=q), profile=PROFILES["words"])
    assert not any(c.title_preferred for c in plain.clauses)
    assert all(c.occur == "must" for c in plain.clauses)
    alone = build_plan(
        parse_query("regulations"),
        exps[1:2],
        SearchRequest(q="regulations"),
        profile=PROFILES["en_keywords"],
    )
    assert [(c.occur, c.title_preferred) for c in alone.clauses] == [("must", False)]


def test_article_numbers_are_not_asked_of_titles() -> None:
    """民法典 第1165条: the article's words find the passage; titles are asked for the
    law alone (an article number alone is still asked of titles: nothing else is)."""
    from search.engine import build_plan
    from search.query import parse_query

    q = "民法典 第1165条"
    plan = build_plan(parse_query(q), [], SearchRequest(q=q))
    law = [c for c in plan.clauses if c.display == "民法典"]
    rest = [c for c in plan.clauses if c.display != "民法典"]
    assert law and not law[0].title_optional
    assert rest and all(c.title_optional and c.occur == "must" for c in rest)
    alone = build_plan(parse_query("第1165条"), [], SearchRequest(q="第1165条"))
    assert not any(c.title_optional for c in alone.clauses)
    plain = build_plan(parse_query("民法典 侵权"), [], SearchRequest(q="民法典 侵权"))
    assert not any(c.title_optional for c in plain.clauses)


def test_index_generation_checked_once_per_searcher(engine, monkeypatch) -> None:
    # The check lists the index folder; a title lookup asks a searcher for hundreds
    # of document frequencies.
    backend = engine.backend
    engine.search(SearchRequest(q="数据"))  # this thread's reader is open
    calls: list[int] = []
    real = backend.ix.latest_generation
    monkeypatch.setattr(backend.ix, "latest_generation", lambda: calls.append(1) or real())
    with backend.searcher() as s:
        first = backend._reader_cache(s)
        assert all(backend._reader_cache(s) is first for _ in range(5))
    assert len(calls) == 1
    with backend.searcher() as s:  # a new searcher checks again
        assert backend._reader_cache(s) is first  # same generation
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("个人信息保护法第13条", "个人信息保护法第十三条"),
        ("第 1260 条", "第一千二百六十条"),
        ("民法典第1043条之一", "民法典第一千零四十三条之一"),
        ("Article 13 PIPL", "第十三条 PIPL"),
        ("art. 110", "第一百一十条"),
        ("第2章", "第二章"),
        ("国办发第13号", "国办发第13号"),  # a number, not a part of a law
        ("劳动合同法47条", "劳动合同法第四十七条"),  # 第 left out after a law's name
        ("民法典 1165 条", "民法典第一千一百六十五条"),
        ("稳经济20条", "稳经济20条"),  # a count of measures, not an article
        ("第0条", "第0条"),
    ],
)
def test_article_numbers_are_written_as_laws_write_them(typed: str, written: str) -> None:
    from search.query import article_numbers, parse_query

    assert article_numbers(typed) == written
    assert parse_query(typed).numbered == (typed != written)


def test_a_title_typed_with_its_date_finds_that_date_among_many(writable_index) -> None:
    """Titles that differ only by a date in brackets outnumber a page; the one typed
    comes first, the others follow (nothing plain matching finds is hidden)."""
    from index.document import Document
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    dates = [(2019, m, d) for m in (1, 2, 3, 4) for d in (5, 15, 25)] + [(2018, 6, 11)]
    WhooshBackend(writable_index).add_documents(
        [
            Document(
                id=f"gs-{y}{m:02d}{d:02d}",
                title=f"本市市管干部提任前公示（{y}年{m}月{d}日）",
                issue_date=f"{y}-{m:02d}-{d:02d}",
            )
            for y, m, d in dates
        ]
    )
    engine = Engine(writable_index)
    res = engine.search(SearchRequest(q="本市市管干部提任前公示（2018年6月11日）", per_page=5))
    assert ids(res)[0] == "gs-20180611"
    assert len(ids(res)) == 5 and res.total >= len(dates)
    # Without the date, the newest come first, as before.
    plain = engine.search(SearchRequest(q="本市市管干部提任前公示", per_page=5))
    assert "gs-20180611" not in ids(plain)


def test_the_named_title_comes_first_from_past_the_page(writable_index) -> None:
    """A plan named alone: its notice (关于印发《X》的通知, older) ranks 12th among
    newer explainers of X in the title tier; the engine finds it past the page and puts
    it first, and page 2 does not show it again."""
    from index.document import Document
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    plan = "长三角科技创新共同体联合攻关计划实施办法（试行）"
    docs = [
        Document(
            id=f"ex-{i:02d}",
            title=f"《{plan}》政策解读之{'一二三四五六七八九十'[i % 10]}{i}",
            issue_date=f"2023-05-{i + 1:02d}",
        )
        for i in range(11)
    ]
    docs.append(
        Document(
            id="notice",
            title=f"上海市科学技术委员会等关于印发《{plan}》的通知",
            issue_date="2023-04-06",
        )
    )
    WhooshBackend(writable_index).add_documents(docs)
    engine = Engine(writable_index)
    first = engine.search(SearchRequest(q=plan, per_page=10))
    assert ids(first)[0] == "notice"
    second = engine.search(SearchRequest(q=plan, per_page=10, page=2))
    assert "notice" not in ids(second)
    assert not set(ids(first)) & set(ids(second))
    assert {d.id for d in docs} <= set(ids(first)) | set(ids(second))


def test_a_decree_titled_by_its_number_is_found_by_it(writable_index) -> None:
    """A decree's record has its number as its title and no 文号 field: typed alone,
    the number finds it as a title; a number no record has still finds nothing; a
    number among words is still a 文号 filter."""
    from index.document import Document
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine, split_docnums

    assert split_docnums("数据 国办发〔2019〕38号") == ("数据", ["国办发〔2019〕38号"])
    WhooshBackend(writable_index).add_documents(
        [
            Document(id="decree", title="四川省人民政府令第277号", body="第一条 为了规范管理。"),
            Document(id="other", title="四川省人民政府令第278号"),
        ]
    )
    engine = Engine(writable_index)
    res = engine.search(SearchRequest(q="四川省人民政府令第277号"))
    assert ids(res)[:1] == ["decree"]
    assert res.intent.kind == "title"
    assert ids(engine.search(SearchRequest(q="《四川省人民政府令第277号》 全文")))[:1] == ["decree"]
    assert not engine.search(SearchRequest(q="四川省人民政府令第999号")).hits
    assert not engine.search(SearchRequest(q="国办发〔2019〕99999号")).hits


def test_a_number_field_with_words_before_it_is_found_by_the_number(writable_index) -> None:
    from index.document import Document
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    WhooshBackend(writable_index).add_documents(
        [
            Document(
                id="cut-1",
                title="广东省生态环境分区管控方案",
                docnum="控方案的通知粤府〔2020〕71号",
            )
        ]
    )
    for q in ("粤府〔2020〕71号", "粤府[2020]71号", "Yuefu (2020) No. 71"):
        assert ids(Engine(writable_index).search(SearchRequest(q=q)))[:1] == ["cut-1"], q


def test_a_record_listed_twice_is_one_result_and_the_page_stays_full(writable_index) -> None:
    """A site lists one document under two addresses (two ids): the same title, 文号,
    date and source make one result; the page is still filled, and page 2 goes on
    where page 1 stopped."""
    from index.document import Document
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    def doc(i: int, copy: str = "") -> Document:
        return Document(
            id=f"bz-{i}{copy}",
            title=f"关于保障性住房房源管理的第{i}号规定",
            docnum=f"沪府规〔2019〕{i}号",
            issue_date="2019-09-02",
            source="policy_titles",
        )

    docs = [doc(i) for i in range(1, 9)] + [doc(i, "-copy") for i in range(1, 9)]
    WhooshBackend(writable_index).add_documents(docs)
    engine = Engine(writable_index)
    first = ids(engine.search(SearchRequest(q="保障性住房房源管理", per_page=5)))
    second = ids(engine.search(SearchRequest(q="保障性住房房源管理", per_page=5, page=2)))
    shown = first + second
    assert len(first) == 5 and len(second) == 3
    numbers = [i.removeprefix("bz-").removesuffix("-copy") for i in shown]
    assert sorted(numbers) == [str(i) for i in range(1, 9)]  # each document once
    # The same title from another source is another record, not a copy.
    other = Document(id="bz-other", title="关于保障性住房房源管理的第1号规定", source="user")
    WhooshBackend(writable_index).add_documents([other])
    again = ids(Engine(writable_index).search(SearchRequest(q="保障性住房房源管理", per_page=20)))
    assert "bz-other" in again  # another source's record is not a copy
