"""Issue 9.2: one time budget per search, honoured everywhere work grows.

No test here measures time: the clock is a counter the test moves (or a deadline
that has already expired), and the tests assert what the search did with it --
stopped checking phrases, excluded what it could not check, skipped the "any word"
fallback, left snippets unmarked -- and that it says it was cut short.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import fast_scoring, segmenter
from index.deadline import MIN_HITS_WHEN_CUT_SHORT, Deadline
from index.plan import HAN_FIELDS, Alt, Clause, Plan
from index.readers import read_paths
from index.whoosh_backend import WhooshBackend
from index.whoosh_ranking import excluded_docs
from search.engine import Engine, SearchRequest

CUT_SHORT = "cut short"
N = 300  # records; a third hold the phrase 数据安全 (more than two posting blocks of 128)


class FakeClock:
    """Time that moves only when the test says so (or by ``step`` at every reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 0.0
        self.step = step
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.step
        return self.now


class Countdown(Deadline):
    """Time runs out at the ``checks + 1``-th question "is the time up?"."""

    def __init__(self, checks: int) -> None:
        super().__init__(3600.0)
        self.left = checks

    def expired(self) -> bool:
        if not self.cut_short:
            self.cut_short = self.left <= 0
            self.left -= 1
        return self.cut_short


@pytest.fixture(scope="module")
def phrase_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Many records holding both 数据 and 安全, some of them as the phrase 数据安全
    (as two words: 数据 ... 安全 apart, or 安全 before 数据)."""
    path = tmp_path_factory.mktemp("phrase-index")
    src = path.parent / "phrase-docs.jsonl"
    lines = []
    for i in range(N):
        kind = i % 3
        if kind == 0:
            body = f"第一条 加强数据 安全管理，第{i}号。"  # the phrase
        elif kind == 1:
            body = f"第一条 数据共享与网络安全，第{i}号。"  # both words, apart
        else:
            body = f"第一条 安全生产和数据统计，第{i}号。"  # both, the other order
        if i < N // 2:
            body += "另行规定其他事项。" * 3  # longer: the first half scores lower
        lines.append(
            {
                "id": f"d{i:03d}",
                "title": f"关于第{i}号事项的通知",
                "body": body,
                "issue_date": f"20{10 + i % 10}-01-01",
                "level": ["部门规章", "地方性法规"][i % 2],
            }
        )
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    segmenter.configure([])
    b = WhooshBackend(path, create=True)
    report = b.add_documents(read_paths([src]))
    assert not report.problems
    b.close()
    return path


@pytest.fixture
def backend(phrase_index: Path):
    segmenter.configure([])
    b = WhooshBackend(phrase_index)
    yield b
    b.close()


def phrase_plan(words: tuple[str, ...], *extra: Clause, **kw: object) -> Plan:
    return Plan([Clause((Alt(words, fields=HAN_FIELDS),)), *extra], **kw)  # type: ignore[arg-type]


def whoosh_phrase(b: WhooshBackend, field: str, words: tuple[str, ...]) -> dict[int, float]:
    from whoosh import query as Q

    with b.searcher() as s:
        return dict(s.search(Q.Phrase(field, list(words)), limit=None).items())


# --- phrases: same answers as Whoosh, at a bounded cost ---------------------------------


@pytest.mark.parametrize(
    "words",
    [
        ("数据", "安全"),
        ("安全", "数据"),
        ("数据", "共享"),
        ("第一", "条"),
        ("加强", "数据", "安全"),
    ],
)
def test_phrase_matches_agree_with_whoosh(backend: WhooshBackend, words: tuple[str, ...]) -> None:
    with backend.searcher() as s:
        cache = backend._reader_cache(s)
        sc = cache.term_scorer(s, "body")
        recs, left = fast_scoring.phrase_matches(s, sc, words, Deadline(60))
        scores = sc.phrase_scores(s, words, recs, 1.0)
    expected = whoosh_phrase(backend, "body", words)
    assert len(left) == 0
    assert sorted(recs.tolist()) == sorted(expected)
    for r, score in zip(recs.tolist(), scores.tolist(), strict=True):
        assert score == pytest.approx(expected[r], rel=1e-4)


def test_repeated_word_needs_as_many_positions(backend: WhooshBackend) -> None:
    # 数据 x 3 in a row occurs nowhere; records with fewer than three 数据 are not
    # even candidates (their posting weights say so), so none is checked.
    with backend.searcher() as s:
        sc = backend._reader_cache(s).term_scorer(s, "body")
        assert len(fast_scoring.phrase_candidates(s, sc, ("数据",) * 3)) == 0
        assert len(fast_scoring.phrase_candidates(s, sc, ("数据", "安全"))) == N


def test_phrase_checking_stops_when_the_deadline_expires(
    backend: WhooshBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[int] = []
    real = fast_scoring.phrase_at
    monkeypatch.setattr(fast_scoring, "phrase_at", lambda *a: checked.append(a[-1]) or real(*a))
    clock = FakeClock(step=1.0)  # every reading of the clock is one "second"
    dl = Deadline(3.5, clock=clock)  # three checks answer "in time"
    with backend.searcher() as s:
        sc = backend._reader_cache(s).term_scorer(s, "body")
        recs, left = fast_scoring.phrase_matches(s, sc, ("数据", "安全"), dl)
    assert dl.cut_short
    assert len(checked) <= 3 * fast_scoring.RECORDS_PER_CHECK < N
    assert len(left) == N - len(checked)  # the rest is reported as not checked
    full = whoosh_phrase(backend, "body", ("数据", "安全"))
    assert set(recs.tolist()) <= set(full)  # what was found is right, just fewer


def test_best_first_checks_the_highest_scoring_candidates_first(
    backend: WhooshBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[int] = []
    real = fast_scoring.phrase_at
    monkeypatch.setattr(fast_scoring, "phrase_at", lambda *a: checked.append(a[-1]) or real(*a))
    monkeypatch.setattr(fast_scoring, "FIRST_PASS", fast_scoring.RECORDS_PER_CHECK)
    dl = Deadline(1.5, clock=FakeClock(step=1.0))  # time for the first pass only
    with backend.searcher() as s:
        sc = backend._reader_cache(s).term_scorer(s, "body")
        recs, left = fast_scoring.phrase_matches(s, sc, ("数据", "安全"), dl, best_first=True)
        cand = fast_scoring.phrase_candidates(s, sc, ("数据", "安全"))
        scores = dict(zip(cand.tolist(), sc.phrase_scores(s, ("数据", "安全"), cand, 1.0)))
    assert dl.cut_short and len(checked) == fast_scoring.FIRST_PASS
    assert len(left) == N - len(checked)  # one record per segment here: ids are records
    worst_checked = min(scores[r] for r in checked)
    assert all(scores[r] <= worst_checked + 1e-6 for r in left.tolist())
    assert set(recs.tolist()) <= set(checked)
    assert min(checked) >= N // 2  # not simply the first records: the shorter, better ones


def test_an_expired_deadline_checks_no_phrase_and_marks_the_results(
    backend: WhooshBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast_scoring, "phrase_at", lambda *a: pytest.fail("checked a phrase"))
    res = backend.search(phrase_plan(("数据", "安全"), facets=True), deadline=Deadline(0))
    assert res.partial
    assert res.hits == []  # a required phrase never checked matches nowhere


def test_without_time_pressure_the_phrase_search_is_complete(backend: WhooshBackend) -> None:
    res = backend.search(phrase_plan(("数据", "安全"), facets=True, limit=100))
    assert not res.partial
    assert res.total == N // 3 == len(res.hits)
    assert all("加强数据 安全" in h.document.body for h in res.hits)
    assert res.facets["level"] == {"部门规章": N // 6, "地方性法规": N // 6}


def test_an_interrupted_posting_read_resumes_where_it_stopped(
    backend: WhooshBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast_scoring, "BLOCKS_PER_CHECK", 2)  # one block per try
    with backend.searcher() as s:
        whole_ids, whole_weights = fast_scoring.TermScorer(s, "body", 1.2, 0.75).postings(s, "数据")
        assert len(whole_ids) == N  # three blocks
        sc = fast_scoring.TermScorer(s, "body", 1.2, 0.75)
        tries = 0
        while True:
            tries += 1
            try:
                ids, weights = sc.postings(s, "数据", Deadline(0))  # no time at all
                break
            except fast_scoring.TimeUp:
                assert tries < 10, "no progress"
    assert tries == 3  # each try read one more block: none was read twice
    assert ids.tolist() == whole_ids.tolist()
    assert weights.tolist() == whole_weights.tolist()


# --- exclusions -----------------------------------------------------------------------


def test_exclusions_left_unchecked_exclude_rather_than_show(backend: WhooshBackend) -> None:
    neg = Clause((Alt(("数据", "安全"), fields=HAN_FIELDS),), "must_not")
    plan = Plan([Clause((Alt(("数据",), fields=HAN_FIELDS),)), neg], limit=100)
    full = backend.search(plan)
    assert not full.partial and full.total == 2 * N // 3
    assert not any("加强数据 安全" in h.document.body for h in full.hits)
    with backend.searcher() as s:
        cache = backend._reader_cache(s)
        exact = excluded_docs(s, plan, cache, Deadline(60))
        hurried = excluded_docs(s, plan, cache, Deadline(0))
    assert len(exact) == N // 3
    assert exact <= hurried  # never shows an excluded document
    cut = backend.search(plan, deadline=Deadline(0))
    assert cut.partial
    assert not any("加强数据 安全" in h.document.body for h in cut.hits)


def test_exclusions_are_checked_in_ranking_order(
    backend: WhooshBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Time for the first pass of exclusion checks only: the 64 best-scoring records
    # (the 50 short ones with the phrase among them) get them, so the first results
    # are right; the other candidates stay excluded.
    monkeypatch.setattr(fast_scoring, "FIRST_PASS", 4 * fast_scoring.RECORDS_PER_CHECK)
    neg = Clause((Alt(("数据", "安全"), fields=HAN_FIELDS),), "must_not")
    plan = Plan([Clause((Alt(("数据",), fields=HAN_FIELDS),)), neg], limit=50)
    res = backend.search(plan, deadline=Countdown(4))
    assert res.partial
    assert 0 < len(res.hits) <= fast_scoring.FIRST_PASS
    assert not any("加强数据 安全" in h.document.body for h in res.hits)
    assert all(h.doc_id >= f"d{N // 2}" for h in res.hits)  # the shorter, better half


# --- facets ---------------------------------------------------------------------------


def test_facets_stop_counting_when_out_of_time(backend: WhooshBackend) -> None:
    plan = Plan([Clause((Alt(("数据",), fields=HAN_FIELDS),))], facets=True)
    assert backend.search(plan).facets["level"]
    cut = backend.search(plan, deadline=Deadline(0))
    assert cut.partial and cut.facets == {}
    assert cut.total == N  # the words themselves were read (no phrase to check)


# --- the engine: one budget for both tries and the snippets ---------------------------


@pytest.fixture
def engine(phrase_index: Path):
    segmenter.configure([])
    e = Engine(phrase_index)
    yield e
    e.backend.close()


def engine_with_clock(engine: Engine, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> list:
    """Every Deadline the engine makes reads ``clock``; returns the backend calls."""
    import search.engine as eng

    monkeypatch.setattr(eng, "Deadline", lambda seconds: Deadline(seconds, clock=clock))
    calls: list = []
    real = engine.backend.search

    def search(plan: Plan, **kw: object):
        calls.append(kw.get("deadline"))
        res = real(plan, **kw)  # type: ignore[arg-type]
        clock.now += 10  # the search used up the budget
        return res

    monkeypatch.setattr(engine.backend, "search", search)
    return calls


def test_the_any_word_fallback_gets_no_fresh_budget(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert engine.search(SearchRequest(q="加强 统计")).mode == "any"  # nothing has both
    calls = engine_with_clock(engine, monkeypatch, FakeClock())
    res = engine.search(SearchRequest(q="加强 统计"))
    assert len(calls) == 1  # out of time: no second try
    assert any(CUT_SHORT in n for n in res.notices)
    assert res.mode == "all" and res.hits == []


def test_both_tries_share_one_deadline(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = engine_with_clock(engine, monkeypatch, FakeClock())
    engine.backend.time_limit = 100.0  # room for the second try
    res = engine.search(SearchRequest(q="加强 统计"))
    assert len(calls) == 2 and calls[0] is calls[1]
    assert res.mode == "any" and res.hits


def test_snippets_are_left_unmarked_when_out_of_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = engine.search(SearchRequest(q="数据"))
    assert any(m for h in marked.hits for _t, m in h.snippet)
    engine_with_clock(engine, monkeypatch, FakeClock())
    res = engine.search(SearchRequest(q="数据"))
    assert res.hits  # the results found are shown ...
    assert not any(m for h in res.hits for _t, m in h.snippet + h.title)  # ... unmarked
    assert any(CUT_SHORT in n for n in res.notices)


def test_a_page_out_of_time_reads_no_more_documents_and_says_so(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time runs out as the page's first stored document is read: the page
    answers with the bounded minimum of hits, unmarked, and says it was cut short."""
    from index.whoosh_cache import ReaderCache

    req = SearchRequest(q="数据", per_page=50)
    full = engine.search(req)
    assert len(full.hits) == 50 and not full.partial  # in time: the whole page
    assert not any(CUT_SHORT in n for n in full.notices)
    clock = FakeClock()
    monkeypatch.setattr("search.engine.Deadline", lambda s: Deadline(s, clock=clock))
    reads: list[int] = []
    real = ReaderCache.document

    def document(self: ReaderCache, searcher: object, head: int):
        reads.append(head)
        clock.now += 10  # reading the page spends the whole budget
        return real(self, searcher, head)

    monkeypatch.setattr(ReaderCache, "document", document)
    res = engine.search(req)
    assert len(reads) == MIN_HITS_WHEN_CUT_SHORT  # the other 40 documents are not read
    assert [h.doc.id for h in res.hits] == [h.doc.id for h in full.hits][:MIN_HITS_WHEN_CUT_SHORT]
    assert res.total == full.total  # the count is still known
    assert res.partial and any(CUT_SHORT in n for n in res.notices)
    assert not any(m for h in res.hits for _t, m in h.snippet + h.title)  # no highlight work


def test_engine_search_with_no_time_at_all_returns_and_says_so(engine: Engine) -> None:
    engine.backend.time_limit = 0.0
    res = engine.search(SearchRequest(q='"数据 安全" -"安全 生产"', facets=True))
    assert any(CUT_SHORT in n for n in res.notices)
    assert res.hits == []


def test_one_time_loads_do_not_count_against_a_search() -> None:
    clock = FakeClock()
    dl = Deadline(1.0, clock=clock)
    with dl.paused():  # a new commit's caches being built
        clock.now += 5.0
    assert not dl.expired() and dl.remaining() == pytest.approx(1.0)
    clock.now += 1.0
    assert dl.expired() and dl.cut_short


def test_a_complete_phrase_check_is_reused_and_an_interrupted_one_is_not(
    backend: WhooshBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = ("数据", "安全")
    expected = sorted(whoosh_phrase(backend, "body", words))
    with backend.searcher() as s:
        sc = backend._reader_cache(s).term_scorer(s, "body")
        cut, left = fast_scoring.phrase_matches(s, sc, words, Deadline(0))
        assert len(left)  # interrupted: not kept
        assert sc.cached_phrase(words) is None
        recs, left = fast_scoring.phrase_matches(s, sc, words, Deadline(3600))
        assert recs.tolist() == expected and len(left) == 0
        # Asked again in this index generation: answered without checking positions,
        # and a restricted question gets the restricted part of the same answer.
        monkeypatch.setattr(fast_scoring, "phrase_at", lambda *a: pytest.fail("checked again"))
        again, left = fast_scoring.phrase_matches(s, sc, words, Deadline(0))
        assert again.tolist() == expected and len(left) == 0
        half = np.zeros(sc.n, dtype=bool)
        half[: sc.n // 2] = True
        part, _ = fast_scoring.phrase_matches(s, sc, words, Deadline(3600), restrict=half)
        assert part.tolist() == [r for r in expected if r < sc.n // 2]
