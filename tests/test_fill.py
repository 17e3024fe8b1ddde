"""search.fill: which titles fill a page of few all-word keyword answers."""

from __future__ import annotations

from index.document import Document
from index.plan import Alt, Clause, Plan, RawHit
from search import fill

DF = {"平台经济": 2, "监管": 424, "数字": 74, "经济": 1127, "数字经济": 17, "税收": 71}


def df(word: str) -> int:
    return DF.get(word, 0)


def clause(*readings: tuple[str, ...], occur: str = "must", origin: str = "user") -> Clause:
    return Clause(tuple(Alt(r, 1.0, origin) for r in readings), occur)  # type: ignore[arg-type]


def hit(title: str, doc_id: str = "") -> RawHit:
    return RawHit(doc_id or title, 1.0, 0, Document(id=doc_id or title or "x", title=title))


def test_the_rarer_word_is_the_one_fewer_titles_hold() -> None:
    a, b = clause(("平台经济",)), clause(("监管",))
    assert fill.rarest_clause([b, a], df) is a


def test_a_word_counts_by_itself_not_by_its_phrase_bound() -> None:
    # 数字 经济 as a phrase is bounded by 数字's 74 titles, more than 税收's 71; the
    # word 数字经济 itself is in 17.
    digital = clause(("数字经济",), ("数字", "经济"))
    tax = clause(("税收",), ("tax",), origin="curated")
    assert fill.rarest_clause([digital, tax], df) is digital
    phrase_only = clause(("数字", "经济"))
    assert fill.rarest_clause([phrase_only, tax], df) is tax


def test_no_rarer_word_without_chinese_readings_or_titles() -> None:
    english_only = clause(("tax",))
    assert fill.rarest_clause([english_only, clause(("监管",))], df) is None
    assert fill.rarest_clause([clause(("告知同意",)), clause(("监管",))], df) is None
    assert fill.rarest_clause([], df) is None


def test_two_words_search_the_rarer_alone_with_exclusions_and_filters() -> None:
    plan = Plan(
        clauses=[clause(("平台经济",)), clause(("监管",)), clause(("电力",), occur="must_not")],
        filters={"region": ("广东",)},
        title_first=True,
        title_partial=True,
    )
    assert fill.words_to_fill(False, plan) and not fill.by_part(plan)
    assert not fill.words_to_fill(True, plan)  # a question is not keywords
    one = fill.rarer_word_plan(plan, df)
    assert one is not None
    assert [c.alts[0].words for c in one.clauses] == [("平台经济",), ("电力",)]
    assert [c.occur for c in one.clauses] == ["must", "must_not"]
    assert one.filters == plan.filters and one.title_first and not one.title_partial
    assert plan.clauses[1].alts[0].words == ("监管",)  # the first plan is left as it was


def test_one_word_is_not_filled_and_three_rank_by_part() -> None:
    assert not fill.words_to_fill(False, Plan(clauses=[clause(("监管",))]))
    three = Plan(clauses=[clause(("绿色",)), clause(("金融",)), clause(("体制改革",))])
    assert fill.by_part(three)


def test_titles_holding_the_one_word_lead_and_english_only_titles_are_passed_over() -> None:
    plan = Plan(clauses=[clause(("平台经济",))])
    hits = [hit("", "en-only"), hit("关于促进平台经济规范健康发展的指导意见"), hit("电力监管条例")]
    hits.append(hit("平台经济 专项"))  # after a title without the word: not read
    assert [h.doc_id for h in fill.titles_holding(hits, plan)] == [hits[1].doc_id]


def test_titles_holding_part_of_three_words() -> None:
    plan = Plan(clauses=[clause(("绿色",)), clause(("金融",)), clause(("体制改革",))])
    hits = [hit("关于构建绿色金融体系的指导意见"), hit("绿色建筑条例"), hit("绿色金融条例")]
    assert [h.document.title for h in fill.titles_holding(hits, plan)] == [hits[0].document.title]
