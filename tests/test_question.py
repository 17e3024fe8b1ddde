"""Question ranking (search/question.py): layperson words -> legal words, questions only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from index import segmenter
from index.analysis import terms
from index.document import Document
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
    be = _Backend(300)
    plan = replace(_plan("偷", "判刑"), collapse=False, limit=10)
    pages = []
    for page in range(25):  # 250 articles: through the pool's end and beyond it
        pages += question.search(be, replace(plan, offset=page * 10), QUESTION).hits
    keys = [(h.doc_id, h.passage) for h in pages]
    assert len(set(keys)) == len(keys) == 250  # no article twice, none lost
    assert all(p.offset == 0 and p.limit >= question.GROUP_POOL for p in be.plans)
    assert keys[question.GROUP_POOL :] == [
        ("a" if i % 3 else "b", i + 1) for i in range(question.GROUP_POOL, 250)
    ]  # beyond the pool: the backend's order


def test_documents_and_other_intents_are_searched_as_planned() -> None:
    for plan, intent in (
        (replace(_plan("偷"), collapse=True), QUESTION),  # documents: unchanged
        (replace(_plan("偷"), collapse=False), Intent("words", "偷")),
        (replace(_plan("偷"), collapse=False, sort="date"), QUESTION),
    ):
        be = _Backend(30)
        out = question.search(be, plan, intent)
        assert be.plans == [plan]
        assert [h.score for h in out.hits] == [100.0 - i for i in range(len(out.hits))]
