"""search.fill: which titles fill a page of few all-word keyword answers."""

from __future__ import annotations

from index.document import Document
from index.plan import Alt, Clause, Plan, RawHit
from search import fill
from search.planning import typed_words

DF = {"平台经济": 2, "监管": 424, "数字": 74, "经济": 1127, "数字经济": 17, "税收": 71}
DF |= {"共享": 36, "单车": 0, "数据": 92, "出境": 14, "管理": 900}


def df(word: str) -> int:
    return DF.get(word, 0)


def clause(
    *readings: tuple[str, ...], start: int = -1, occur: str = "must", origin: str = "user"
) -> Clause:
    display = "".join(readings[0]) if readings else ""
    alts = tuple(Alt(r, 1.0, origin) for r in readings)
    return Clause(alts, occur, display=display, start=start)  # type: ignore[arg-type]


def typed(query: str, occur: str = "must") -> list[Clause]:
    """One clause per space-separated word, or per '/'-separated part of one word."""
    out, pos = [], 0
    for word in query.split(" "):
        for part in word.split("/"):
            out.append(clause((part,), start=pos, occur=occur))
            pos += len(part)
        pos += 1
    return out


def hit(title: str, doc_id: str = "") -> RawHit:
    return RawHit(doc_id or title, 1.0, 0, Document(id=doc_id or title or "x", title=title))


def never() -> Plan:
    raise AssertionError("the any-word plan is not asked for")


def words_of(p: Plan) -> list[tuple[str, ...]]:
    return [c.alts[0].words for c in p.clauses]


def test_typed_words_group_the_parts_of_one_word() -> None:
    groups = typed_words(typed("共享/单车 管理"))
    assert [[c.display for c in g] for g in groups] == [["共享", "单车"], ["管理"]]
    assert len(typed_words([clause(("平台经济",)), *typed("监管")])) == 2


def test_the_rarer_of_two_words_is_searched_alone() -> None:
    plan = Plan(clauses=typed("监管 平台经济"), title_first=True, title_partial=True)
    filler = fill.fill_search(plan, never, df)
    assert filler is not None and words_of(filler) == [("平台经济",)]
    assert filler.title_first and not filler.title_partial
    assert words_of(plan) == [("监管",), ("平台经济",)]  # the first plan is left as it was


def test_a_word_counts_by_itself_not_by_its_phrase_bound() -> None:
    # 数字 经济 as a phrase is bounded by 数字's 74 titles, more than 税收's 71; the
    # word 数字经济 itself is in 17.
    digital = clause(("数字经济",), ("数字", "经济"), start=0)
    tax = clause(("税收",), ("tax",), start=5)
    assert fill.clause_title_df(digital, df) == 17
    filler = fill.fill_search(Plan(clauses=[digital, tax]), never, df)
    assert filler is not None and words_of(filler) == [("数字经济",)]
    assert fill.clause_title_df(clause(("数字", "经济")), df) == 74


def test_exclusions_and_filters_stay_with_the_rarer_word() -> None:
    plan = Plan(
        clauses=[*typed("平台经济 监管"), clause(("电力",), occur="must_not")],
        filters={"region": ("广东",)},
    )
    filler = fill.fill_search(plan, never, df)
    assert filler is not None and words_of(filler) == [("平台经济",), ("电力",)]
    assert [c.occur for c in filler.clauses] == ["must", "must_not"]
    assert filler.filters == plan.filters


def test_a_word_cut_in_parts_is_held_only_whole() -> None:
    # 共享单车 管理: 单车 is in no title, so 共享单车 is in none: nothing fills the page
    # (before, titles holding 共享 and 管理 -- data-sharing rules -- did).
    assert fill.fill_search(Plan(clauses=typed("共享/单车 管理")), never, df) is None
    filler = fill.fill_search(Plan(clauses=typed("数据/出境 平台经济")), never, df)
    assert filler is not None and words_of(filler) == [("平台经济",)]
    filler = fill.fill_search(Plan(clauses=typed("监管 数据/出境")), never, df)
    assert filler is not None and words_of(filler) == [("数据",), ("出境",)]


def test_one_word_cut_in_two_is_not_filled() -> None:
    assert fill.fill_search(Plan(clauses=typed("数据/出境")), never, df) is None
    assert not fill.words_to_fill(False, Plan(clauses=typed("监管")))
    assert not fill.words_to_fill(True, Plan(clauses=typed("平台经济 监管")))  # a question


def test_no_rarer_word_without_chinese_readings_or_titles() -> None:
    english = Plan(clauses=[clause(("tax",), start=0), clause(("监管",), start=4)])
    assert fill.fill_search(english, never, df) is None
    assert fill.fill_search(Plan(clauses=typed("告知同意 监管")), never, df) is None


def test_three_words_rank_by_part() -> None:
    three = Plan(clauses=typed("绿色 金融 体制改革"))
    wide = Plan(clauses=typed("绿色 金融 体制改革", occur="should"))
    filler = fill.fill_search(three, lambda: wide, df)
    assert filler is wide
    one_word = Plan(clauses=typed("新能源汽车/充电/基础设施"))
    filler = fill.fill_search(one_word, lambda: wide, df)
    assert filler is not None


def test_the_fill_is_the_leading_hits_of_a_title_tier() -> None:
    tiers = ["title", "exact", "partial", "", "title"]
    hits = [hit(f"t{k}", f"d{k}") for k in range(len(tiers))]
    for h, t in zip(hits, tiers, strict=True):
        h.tier = t
    assert [h.doc_id for h in fill.titles_holding(hits)] == ["d0", "d1", "d2"]
    assert fill.titles_holding(hits[3:]) == []


def test_a_year_typed_among_keywords_searches_that_years_titles() -> None:
    for query in ("碳达峰 2021", "2021/年 碳达峰"):
        plan = Plan(clauses=typed(query))
        assert fill.typed_a_year(plan)
        filler = fill.fill_search(plan, never, df)
        assert filler is not None and words_of(filler) == [("碳达峰",)]
        assert (filler.year_from, filler.year_to) == (2021, 2021)


def test_no_year_search_without_one_year_and_other_words() -> None:
    assert not fill.typed_a_year(Plan(clauses=typed("2021/年")))
    assert not fill.typed_a_year(Plan(clauses=typed("2020 2021 碳达峰")))
    assert not fill.typed_a_year(Plan(clauses=typed("1840 碳达峰")))  # not a document year
    ranged = Plan(clauses=typed("碳达峰 2021"), year_from=2019, year_to=2023)
    assert not fill.typed_a_year(ranged)  # the user's own range stands
