"""Question ranking (search/question.py): layperson words -> legal words, questions only."""

from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import replace
from pathlib import Path

import pytest

from index import segmenter
from index.analysis import terms
from index.document import Document, Passage
from index.plan import Alt, Clause, Plan, RawHit, RawResults
from search import question
from search.engine import SearchRequest
from search.intent import Intent, classify

QUESTION = Intent("question", "偷东西会怎么样？")


def _plan(*words: str, prior: bool = True, negated: str = "") -> Plan:
    clauses = [Clause((Alt((w,), 1.0, "user", ("body",), display=w),), "should") for w in words]
    if negated:
        clauses.append(Clause((Alt((negated,), 1.0, "user", ("body",)),), "must_not"))
    return Plan(clauses=clauses, authority_prior=prior)


def test_every_table_entry_is_one_index_term_on_each_side() -> None:
    """One term per side: a clause is one typed word, and no phrase is checked."""
    segmenter.configure([])
    rows = question.read_table()
    assert len(rows) >= 50
    for everyday, legal in rows.items():
        assert len(terms(everyday)) == 1, everyday
        for w in legal:
            assert len(terms(w)) == 1, (everyday, w)
            assert w != everyday


def test_a_short_questions_long_words_also_stand_as_their_parts() -> None:
    from search.query import Unit

    segmenter.configure([])
    units = [
        Unit("公司", ("公司",)),
        Unit("拖欠工资", ("拖欠工资",), chunk=1),
        Unit("个人信息", ("个人信息",), phrase=True),
        Unit("违法", ("违法",), negated=True),
    ]
    out = question.with_parts(units)
    assert [u.terms for u in out] == [
        ("公司",),
        ("拖欠工资",),
        ("拖欠",),
        ("工资",),
        ("个人信息",),
        ("违法",),
    ]
    assert out[2].chunk == out[3].chunk == 1  # the parts stay in the word's chunk
    typed = question.with_parts([Unit("拖欠", ("拖欠",)), Unit("拖欠工资", ("拖欠工资",))])
    assert [u.terms for u in typed] == [("拖欠",), ("拖欠工资",), ("工资",)]


def test_table_rows_are_read_and_malformed_ones_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.tsv"
    good.write_text("# comment\n偷\t盗窃\n\n老公\t配偶, 夫妻  # trailing comment\n偷\t窃取\n")
    assert question.read_table(good) == {"偷": ("盗窃", "窃取"), "老公": ("配偶", "夫妻")}
    bad = tmp_path / "bad.tsv"
    bad.write_text("偷 盗窃\n")
    with pytest.raises(question.TableError, match="bad.tsv:1"):
        question.read_table(bad)


def test_question_gets_legal_words_beside_everyday_ones() -> None:
    segmenter.configure([])
    plan = question.refine(_plan("偷", "判刑"), QUESTION)
    alts = plan.clauses[0].alts
    assert alts[0] == Alt(("偷",), 1.0, "user", ("body",), display="偷")  # kept, first
    legal = [a for a in alts if a.origin == "layperson"]
    assert ("盗窃",) in [a.words for a in legal]
    assert all(a.weight == question.LEGAL_WEIGHT < 1.0 for a in legal)
    assert all(a.fields == ("body",) for a in legal)  # the typed word's fields


def test_legal_word_already_typed_is_not_added_again() -> None:
    segmenter.configure([])
    plan = question.refine(_plan("偷", "盗窃"), QUESTION)
    words = [a.words for c in plan.clauses for a in c.alts]
    assert words.count(("盗窃",)) == 1


def test_other_intents_and_exclusions_are_left_alone() -> None:
    segmenter.configure([])
    plain = _plan("偷", "判刑", negated="老公")
    for intent in (Intent("words", "偷 判刑"), Intent("zh_keywords", "偷"), None):
        assert question.refine(plain, intent) is plain
    not_ranked_as_question = _plan("偷", "判刑", prior=False)
    assert question.refine(not_ranked_as_question, QUESTION) is not_ranked_as_question
    refined = question.refine(plain, QUESTION)
    assert refined.clauses[-1] == plain.clauses[-1]  # -老公 stays one exclusion


def test_question_finds_the_article_in_legal_words(tmp_path: Path) -> None:
    """End to end: 偷 in a question reaches an article that only says 盗窃, and a
    keyword search for 偷 does not (the table is for questions only)."""
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    segmenter.configure([])
    b = WhooshBackend(tmp_path / "ix", create=True)
    b.add_documents(
        [
            Document(
                id="crim",
                title="刑法摘录",
                level="法律",
                body="第一条 盗窃公私财物，数额较大的，处三年以下有期徒刑。\n"
                "第二条 故意伤害他人身体的，处三年以下有期徒刑。\n",
            ),
            Document(
                id="other",
                title="其他规定",
                body="第一条 邻居之间应当和睦相处，别人的东西不要乱动。\n",
            ),
        ]
    )
    b.close()
    e = Engine(tmp_path / "ix")
    try:
        q = "偷了别人的东西，会被警察抓起来判刑吗？"
        assert classify(q).kind == "question"
        res = e.search(SearchRequest(q=q, passages=True, explain=True))
        assert any("盗窃" in ln and "layperson" in ln for ln in res.explain_lines())
        assert [h.doc.id for h in res.hits][:1] == ["crim"]
        assert (
            res.hits[0].passage is not None
            and "盗窃"
            in res.hits[0].passage.label
            + (res.hits[0].doc.body[res.hits[0].passage.start : res.hits[0].passage.end])
        )
        kw = e.search(SearchRequest(q="偷"))
        assert "crim" not in [h.doc.id for h in kw.hits]
    finally:
        e.backend.close()


def test_support_is_the_best_other_articles_of_the_same_document() -> None:
    assert question.support([5, 4, 3, 2, 1], 3) == [9, 10, 11, 12, 12]
    assert question.support([5.0], 3) == [0.0]  # a lone article has no support
    assert question.support([5, 5, 1], 1) == [5, 5, 5]  # ties: the other 5 counts


def _hit(doc: str, score: float, passage: int = 1) -> RawHit:
    return RawHit(doc, score, passage, Document(id=doc, title=doc))


def test_regroup_lifts_an_article_whose_law_has_other_matching_articles() -> None:
    hits = [_hit("lone", 10.0), _hit("law", 9.0, 1), _hit("law", 8.0, 2), _hit("law", 7.0, 3)]
    out = question.regroup(hits)
    assert [(h.doc_id, h.passage) for h in out][:2] == [("law", 1), ("lone", 1)]
    assert out[0].score == pytest.approx(9.0 + question.GROUP_WEIGHT * (8.0 + 7.0))
    assert out[1].score == 10.0  # a lone article keeps its score
    assert sorted((h.doc_id, h.passage) for h in out) == sorted((h.doc_id, h.passage) for h in hits)


class _Backend:
    """Returns ``n`` passages of two documents, best first, and records the plans."""

    def __init__(self, n: int) -> None:
        self.n, self.plans = n, []

    def search(self, plan: Plan, *, explain: bool = False, deadline=None) -> RawResults:
        self.plans.append(plan)
        hits = [_hit("a" if i % 3 else "b", 100.0 - i, i + 1) for i in range(self.n)]
        return RawResults(hits[plan.offset : plan.offset + plan.limit], self.n, True)


def test_article_search_reranks_a_fixed_pool_so_pages_stay_consistent() -> None:
    n = question.GROUP_POOL + 50  # through the pool's end and beyond it
    be = _Backend(n + 50)
    plan = replace(_plan("偷", "判刑"), collapse=False, limit=10)
    pages = []
    for page in range(n // 10):
        pages += question.search(be, replace(plan, offset=page * 10), QUESTION).hits
    keys = [(h.doc_id, h.passage) for h in pages]
    assert len(set(keys)) == len(keys) == n  # no article twice, none lost
    assert all(p.offset == 0 and p.limit >= question.GROUP_POOL for p in be.plans)
    assert keys[question.GROUP_POOL :] == [
        ("a" if i % 3 else "b", i + 1) for i in range(question.GROUP_POOL, n)
    ]  # beyond the pool: the backend's order


def test_other_intents_and_orders_are_searched_as_planned() -> None:
    for plan, intent in (
        (replace(_plan("偷"), collapse=True), Intent("words", "偷")),
        (replace(_plan("偷"), collapse=False), Intent("words", "偷")),
        (replace(_plan("偷", prior=False), collapse=True), QUESTION),  # not ranked as one
        (replace(_plan("偷"), collapse=False, sort="date"), QUESTION),
    ):
        be = _Backend(30)
        out = question.search(be, plan, intent)
        assert be.plans == [plan]
        assert [h.score for h in out.hits] == [100.0 - i for i in range(len(out.hits))]


def test_law_score_is_the_best_article_plus_decayed_next_best() -> None:
    d = question.DOC_DECAY
    assert question.law_score([2.0, 10.0, 5.0, 1.0]) == pytest.approx(10.0 + d * 5.0 + d * d * 2.0)
    assert question.law_score([7.0]) == 7.0  # a lone article: its own score
    assert 0 < d < 1 and question.DOC_ARTICLES >= 2


def test_rank_documents_lifts_a_law_with_several_matching_articles() -> None:
    hits = [_hit("lone", 10.0), _hit("law", 9.0, 4), _hit("law", 8.0, 2), _hit("other", 3.0)]
    out = question.rank_documents(hits)
    assert [h.doc_id for h in out] == ["law", "lone", "other"]  # each document once
    assert out[0].passage == 4  # shown by its best article
    assert out[0].score == pytest.approx(question.law_score([9.0, 8.0]))
    assert out[1].score == 10.0


class _Articles:
    """Articles of 40 documents, 5 each (d0 best), best first; collapsed to each
    document's best article (and d40, outside the article pool) when asked."""

    def __init__(self, extra: list[RawHit]) -> None:
        self.plans: list[Plan] = []
        arts = [_hit(f"d{i % 40}", 1000.0 - i, i // 40 + 1) for i in range(200)] + extra
        self.arts = sorted(arts, key=lambda h: -h.score)

    def search(self, plan: Plan, *, explain: bool = False, deadline=None) -> RawResults:
        self.plans.append(plan)
        hits = self.arts
        if plan.collapse:
            best = {h.doc_id: h for h in reversed(self.arts)}  # each document's best
            hits = sorted(best.values(), key=lambda h: -h.score) + [_hit("d40", 0.5)]
        return RawResults(hits[plan.offset : plan.offset + plan.limit], len(hits), True)


def test_question_documents_are_ranked_by_their_articles_and_pages_stay_consistent() -> None:
    # d35 has one great article; d7 two more strong ones (below its best, d1's best is higher)
    be = _Articles([_hit("d35", 2000.0, 9), _hit("d7", 992.5, 30), _hit("d7", 992.4, 31)])
    plan = replace(_plan("偷", "判刑"), limit=5)
    pages = [question.search(be, replace(plan, offset=o), QUESTION) for o in range(0, 45, 5)]
    ids = [h.doc_id for p in pages for h in p.hits]
    assert len(ids) == len(set(ids)) == 41  # every document once, none lost
    assert ids[0] == "d35"
    assert ids.index("d7") < ids.index("d1")  # several strong articles beat a better first one
    assert ids[-1] == "d40"  # outside the article pool: the collapsed order follows
    arts = [p for p in be.plans if not p.collapse]
    assert arts and all(p.offset == 0 and p.limit == question.DOC_POOL for p in arts)
    assert pages[0].total == 41  # the plain search's count


class _Stats:
    """Corpus statistics for the heading bonus: 1,000 documents; 相邻 is rarer than 关系."""

    path = Path("/nonexistent/stats-index")

    def __init__(self) -> None:
        self.counted = 0

    def generation(self) -> int:
        return 1

    def doc_count(self) -> int:
        self.counted += 1
        return 1000

    def doc_frequency(self, field: str, word: str) -> int:
        return {"相邻": 10, "关系": 500}.get(word, 0)


def _article(doc: str, score: float, chapter: str, subtitle: str = "") -> RawHit:
    d = Document(id=doc, title=doc, subtitle=subtitle)
    d.passages = [Passage("", None, "", 0, 0), Passage("第一条", 1, chapter, 0, 0)]
    return RawHit(doc, score, 1, d)


def test_a_question_word_in_the_heading_lifts_the_articles_under_it() -> None:
    segmenter.configure([])
    plan = _plan("邻居", "关系")
    plan = replace(
        plan,
        clauses=[
            replace(
                plan.clauses[0], alts=plan.clauses[0].alts + (Alt(("相邻",), 0.8, "x", ("body",)),)
            ),
            plan.clauses[1],
        ],
    )
    hits = [
        _article("other", 10.0, "第二章 一般规定"),
        _article("neighbours", 9.0, "第七章 相邻关系", "物权编"),
        _article("common", 9.8, "第三章 关系"),
    ]
    be = _Stats()
    out = question.with_headings(hits, plan, be)
    assert [h.doc_id for h in out] == ["neighbours", "common", "other"]
    idf = {
        w: math.log(1 + (1000 - df + 0.5) / (df + 0.5)) for w, df in (("相邻", 10), ("关系", 500))
    }
    bonus = 0.8 * idf["相邻"] + idf["关系"]  # the legal word at its weight, and the typed word
    assert out[0].score == pytest.approx(9.0 + question.HEADING_WEIGHT * bonus)
    assert out[2].score == 10.0  # no question word in its heading
    question.with_headings(hits, plan, be)
    assert be.counted == 1  # the document count is read once per index generation
    plain = [_article("a", 3.0, "第一章 总则"), _article("b", 2.0, "")]
    assert question.with_headings(plain, plan, be) == plain  # no heading word: as they were


# --- one search for the pool and the plain ranking (index.pool) --------------------
WORDS = [
    "盗窃",
    "财物",
    "邻居",
    "房屋",
    "合同",
    "赔偿",
    "责任",
    "工资",
    "劳动",
    "解除",
    "离婚",
    "财产",
    "子女",
    "抚养",
    "损害",
    "侵权",
]


def _law(i: int) -> Document:
    """A law of two chapters, six articles drawn from WORDS (some with a subtitle; some
    chapters say 相邻, a legal word of 邻居 that no article says)."""
    lines = []
    for a in range(6):
        if a % 3 == 0:
            topic = "相邻关系" if (i + a) % 4 == 0 else f"{WORDS[(i + a) % len(WORDS)]}规定"
            lines.append(f"## 第{'一二'[a // 3]}章 {topic}")
        words = [WORDS[(i * 7 + a * 5 + k * 3) % len(WORDS)] for k in range(2 + (i + a) % 4)]
        lines.append(f"第{'一二三四五六'[a]}条 " + "，".join(words) + "，依照本法处理。")
    return Document(
        id=f"law{i:02d}",
        title=f"第{i}号规定",
        level="法律" if i % 3 else "地方性法规",
        subtitle="侵权责任编" if i % 5 == 0 else "",
        body="\n\n".join(lines),
    )


# Two questions whose pools hold several laws' articles (the fixture's _law texts).
POOL_QUESTIONS = [
    "邻居盗窃了我家的财物，要承担赔偿责任吗？",
    "离婚以后子女的抚养和财产怎么处理呢？",
]


def _count_searches(e, monkeypatch) -> list[Plan]:
    """The plans of every plain backend search the engine makes from now on."""
    plans: list[Plan] = []
    search = e.backend.search

    def counted(plan: Plan, **kw):
        plans.append(plan)
        return search(plan, **kw)

    monkeypatch.setattr(e.backend, "search", counted)
    return plans


def _summary(res) -> tuple:
    hits = [(h.doc.id, h.passage.label if h.passage else None, round(h.score, 6)) for h in res.hits]
    return hits, res.total, res.total_exact, res.facets, res.notices, [h.snippet for h in res.hits]


def test_one_pass_pool_answers_as_two_plain_searches(tmp_path: Path, monkeypatch) -> None:
    """The Whoosh backend's one-pass ``search_pool`` gives exactly what two plain
    searches give (index.pool.two_searches: the form every other backend gets), for
    documents and articles, pages 1 and 2, with facets."""
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    # Pools smaller than the matches: pages reach past them into the plain ranking.
    monkeypatch.setattr(question, "DOC_POOL", 6)
    monkeypatch.setattr(question, "GROUP_POOL", 15)
    segmenter.configure([])
    b = WhooshBackend(tmp_path / "ix", create=True)
    b.add_documents([_law(i) for i in range(40)])
    b.close()
    requests = [
        SearchRequest(q=q, page=page, per_page=5, passages=passages, facets=facets)
        for q in POOL_QUESTIONS
        for page in (1, 2)
        for passages in (False, True)
        for facets in (False, True)
    ]
    e = Engine(tmp_path / "ix")
    try:
        assert all(classify(q).kind == "question" for q in POOL_QUESTIONS)
        plain_searches = _count_searches(e, monkeypatch)
        one_pass = [_summary(e.search(r)) for r in requests]
        assert plain_searches == []  # every question was served by one pass
        monkeypatch.setattr(e.backend, "search_pool", lambda *a, **kw: None)
        two = [_summary(e.search(r)) for r in requests]
        assert len(plain_searches) >= len(requests)  # ... and now by plain searches
    finally:
        e.backend.close()
    assert one_pass == two
    assert all(s[0] for s in one_pass)  # the questions match something
    firsts = {s[0][0][0] for s in one_pass}
    assert len(firsts) > 1  # pages and modes differ: the comparison is not trivial


def test_xapian_pool_answers_as_two_plain_searches(tmp_path: Path, monkeypatch) -> None:
    """The Xapian backend's ``search_pool`` (a question's documents without the second
    scored search when the pool fills the page) gives the hits and facets two plain
    searches give, for pages 1 and 2, with and without facets, its pool's second read
    by a weight cutoff included; its totals, where counted, are exact, where the scored
    search may give Xapian's estimate."""
    # index.xapian_backend imports without the bindings (it loads them on use): ask
    # for the bindings themselves, as the Python-version runs of .ci/run lack them.
    if importlib.util.find_spec("xapian") is None:
        if os.environ.get("DUIZHAO_REQUIRE_XAPIAN") == "1":
            pytest.fail("DUIZHAO_REQUIRE_XAPIAN=1 but the xapian bindings are missing")
        pytest.skip("the xapian bindings are not installed (pip install -e '.[xapian]')")
    import index.xapian_ranking as ranking
    from index.xapian_backend import XapianBackend
    from search.engine import Engine

    monkeypatch.setattr(question, "DOC_POOL", 6)
    cutoff_reads: list[float] = []
    prior_top = ranking._prior_top

    def spied(x, enq, *args, **kw):
        real = enq.set_cutoff

        def set_cutoff(percent: int, weight: float = 0.0) -> None:
            if weight:
                cutoff_reads.append(weight)
            real(percent, weight)

        enq.set_cutoff = set_cutoff
        return prior_top(x, enq, *args, **kw)

    monkeypatch.setattr(ranking, "_prior_top", spied)
    segmenter.configure([])
    b = XapianBackend(tmp_path / "xx", create=True, shards=2)
    # Enough articles that the prior's first top (200 records) is not always deep enough.
    b.add_documents([_law(i) for i in range(200)])
    b.close()
    requests = [
        SearchRequest(q=q, page=page, per_page=per_page, facets=facets)
        for q in POOL_QUESTIONS
        for page in (1, 2)
        for per_page in (1, 5)
        for facets in (False, True)
    ]
    e = Engine(tmp_path / "xx")
    try:
        assert all(classify(q).kind == "question" for q in POOL_QUESTIONS)
        searches = _count_searches(e, monkeypatch)
        native = [_summary(e.search(r)) for r in requests]
        native_searches = len(searches)
        monkeypatch.setattr(e.backend, "search_pool", lambda *a, **kw: None)
        two = [_summary(e.search(r)) for r in requests]
    finally:
        e.backend.close()
    assert native_searches < len(searches) - native_searches  # some second searches saved
    assert [(s[0], s[3], s[5]) for s in native] == [(s[0], s[3], s[5]) for s in two]
    assert all(s[0] for s in native)  # the questions match something
    assert cutoff_reads  # the prior's second read (a weight cutoff) was among them
    for n, t in zip(native, two, strict=True):
        # Counted when the pool filled the page: exact, where the scored search estimated.
        assert n[1:3] == t[1:3] or (n[2] and not t[2])
