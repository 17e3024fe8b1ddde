"""The search engine facade: a user's query in, ranked documents out.

Place in the flow: faces (CLI, UI, API) -> **engine** -> query parsing ->
cross-language expansion -> plan -> index backend -> snippets.

``Engine`` is what every face holds: it owns the opened index (once per
process), the glossary (segmentation words and expansion), and turns a
``SearchRequest`` into a ``SearchResponse`` that faces render. All errors are
``index.errors`` types.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import segmenter, title_rank
from index.analysis import terms as analyze
from index.backends import open_backend
from index.config import index_path
from index.deadline import Deadline
from index.document import COPY_MARGIN, FACET_FIELDS, Document, Passage, without_copies
from index.errors import DuizhaoError, QueryError
from index.issuers import IssuerNames
from index.plan import HAN_FIELDS, Plan, RawHit, RawResults
from search import fill, law_abbreviations, profiles, question
from search.filters import FilterResolver
from search.intent import (
    Intent,
    as_question,
    classify,
    compact,
    number_as_title,
    title_variants,
)
from search.planning import COVER_MAX_DF, SearchRequest, build_plan, mostly_han
from search.query import ParsedQuery, parse_query
from search.result_cache import ResultCache, copy_response, request_key
from search.snippets import Fragments, highlight, snippet

if TYPE_CHECKING:  # the lookup imports the planning this module uses
    from search.titles import SearchFront

MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 1000  # deepest result reachable by paging
LONG_QUERY_EXPANSIONS = 4
SORTS = ("relevance", "date", "date_asc")
# Intents whose few all-word answers are followed by documents holding some of the words.
KEYWORD_KINDS = ("zh_keywords", "en_keywords")
FILTER_NAMES = FACET_FIELDS  # every facet is a filter
SOME_WORDS_NOTICE = "No document contains all the words; showing documents with some of them."
FEW_WORDS_NOTICE = (
    "Few documents contain all the words; showing documents with some of them, "
    "ranked as answers to the question."
)
FEW_KEYWORDS_NOTICE = (
    "Few documents contain all the words: they come first, then documents with some of them."
)
CUT_SHORT_NOTICE = (
    "This search took too long and was cut short: results and counts may be "
    "incomplete. Add words or filters to narrow it."
)


@dataclass
class Hit:
    doc: Document
    score: float
    passage: Passage | None
    title: Fragments
    title_en: Fragments
    snippet: Fragments
    matched: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = self.doc
        p = self.passage
        return {
            "id": d.id,
            "score": round(self.score, 4) if self.score is not None else None,
            "title": d.title,
            "subtitle": d.subtitle,
            "titles_en": [
                {"text": t.text, "source": t.source, "attested": t.attested} for t in d.titles_en
            ],
            "level": d.level,
            "doctype": d.doctype,
            "issuer": d.issuer,
            "region": d.region,
            "docnum": d.docnum,
            "date": d.date,
            "status": d.status,
            "lang": d.lang,
            "source": d.source,
            "url": d.url,
            "best_passage": (
                {
                    "label": p.label,
                    "number": p.number,
                    "chapter": p.chapter,
                    "start": p.start,
                    "end": p.end,
                }
                if p
                else None
            ),
            "snippet": [{"text": t, "match": m} for t, m in self.snippet],
            "title_highlight": [{"text": t, "match": m} for t, m in self.title],
            **({"explain": self.matched} if self.matched else {}),
        }


@dataclass
class SearchResponse:
    request: SearchRequest
    parsed: ParsedQuery | None
    hits: list[Hit]
    total: int
    total_exact: bool
    facets: dict[str, dict[str, int]]
    expansions: list[Any]
    notices: list[str]
    mode: str
    took_ms: float
    plan: Plan | None = None
    intent: Intent | None = None
    did_you_mean: str | None = None  # the query with misspelled English words corrected
    # field -> stored value -> display name with the other language beside it
    # ("国务院办公厅 · General Office of the State Council"); the stored value stays
    # the filter value. Only values whose label says more than the value.
    facet_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # The time limit cut the search short (the notice says so): a page may hold
    # fewer hits than asked for although more match.
    partial: bool = False

    @property
    def pages(self) -> int:
        reachable = min(self.total, MAX_RESULT_WINDOW)
        return max(1, -(-reachable // self.request.per_page))

    def explain_lines(self) -> list[str]:
        lines = []
        if self.parsed is not None:
            lines.append(f"normalized query: {self.parsed.simplified}")
            lines.append(f"mode: {self.mode}")
        if self.intent is not None:
            note = f" ({self.intent.note})" if self.intent.note else ""
            lines.append(f"intent: {self.intent.kind}{note}")
        if self.plan is not None:
            for c in self.plan.clauses:
                alts = " | ".join(
                    (f'"{" ".join(a.words)}"' if a.phrase else a.words[0])
                    + (f" ^{a.weight:g} ({a.origin})" if a.origin != "user" else "")
                    for a in c.alts
                )
                lines.append(f"  {c.occur:8} {alts}")
            if self.plan.filters or self.plan.year_from or self.plan.year_to:
                lines.append(
                    f"filters: {dict(self.plan.filters)} year {self.plan.year_from}..{self.plan.year_to}"
                )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.request.q,
            "normalized_query": self.parsed.simplified if self.parsed else "",
            "traditional_converted": bool(self.parsed and self.parsed.was_traditional),
            "mode": self.mode,
            **({"intent": self.intent.to_dict()} if self.intent is not None else {}),
            "total": self.total,
            "total_exact": self.total_exact,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "pages": self.pages,
            "sort": self.request.sort,
            "took_ms": round(self.took_ms, 2),
            "expansions": [_expansion_dict(e) for e in self.expansions],
            "notices": self.notices,
            "partial": self.partial,
            "did_you_mean": self.did_you_mean,
            "facets": self.facets,
            "facet_labels": self.facet_labels,
            "hits": [h.to_dict() for h in self.hits],
            **({"explain": self.explain_lines()} if self.request.explain else {}),
        }


def _expansion_dict(e: Any) -> dict[str, Any]:
    return {
        "source": e.source,
        "target": e.target,
        "target_lang": e.target_lang,
        "weight": e.weight,
        "origin": e.origin,
    }


class Engine:
    """One per process: the opened index plus the glossary."""

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        glossary: Any = None,
        create: bool = False,
        check_glossary: bool = True,
    ) -> None:
        self.glossary = glossary
        if glossary is not None:
            segmenter.configure(glossary.segmentation_words())
        self.backend = open_backend(index_path(index_dir), create=create)
        self._init_state()
        if check_glossary:
            self.backend.check_glossary(segmenter.fingerprint())

    @classmethod
    def over(cls, backend: Any, *, glossary: Any = None) -> Engine:
        """An engine over an already opened backend (no glossary check): what the
        backend contract tests use to search one corpus through every backend."""
        if glossary is not None:
            segmenter.configure(glossary.segmentation_words())
        engine = cls.__new__(cls)
        engine.glossary, engine.backend = glossary, backend
        engine._init_state()
        return engine

    def _init_state(self) -> None:
        """Per-process state besides the index and glossary (filters, per-thread flags,
        the result cache), in one place for both constructors."""
        self._filters: FilterResolver | None = None
        self._issuer_names: IssuerNames | None = None
        # This thread's latest search was cut short (HTTP caching: web/rest.py). The
        # backend's own flag is not enough: a search is also cut short by a step
        # after its last index search (snippets, title checks) or by the title lookup.
        self._last_partial = threading.local()
        # Complete results kept per request and index generation (search/result_cache.py);
        # None: every search is made (the web server sets one from its settings).
        self.result_cache: ResultCache | None = None
        self._last_cached = threading.local()

    @property
    def last_search_partial(self) -> bool:
        """Whether this thread's latest :meth:`search` was cut short by the time limit."""
        return bool(getattr(self._last_partial, "flag", False))

    @property
    def last_search_cached(self) -> bool:
        """Whether this thread's latest :meth:`search` was answered from the result cache."""
        return bool(getattr(self._last_cached, "flag", False))

    # --- validation of request values -----------------------------------------------
    @staticmethod
    def validate(req: SearchRequest) -> None:
        if req.sort not in SORTS:
            raise QueryError(f"unknown sort {req.sort!r}", f"use one of: {', '.join(SORTS)}")
        if not isinstance(req.page, int) or req.page < 1:
            raise QueryError("page must be a whole number from 1", "start at page=1")
        if not isinstance(req.per_page, int) or not 1 <= req.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if (req.page - 1) * req.per_page >= MAX_RESULT_WINDOW:
            raise QueryError(
                f"results beyond the first {MAX_RESULT_WINDOW} cannot be paged to",
                "narrow the search with filters or more words",
            )
        for name, values in req.filters.items():
            if name not in FILTER_NAMES:
                raise QueryError(
                    f"unknown filter {name!r}", f"filters: {', '.join(FILTER_NAMES)}, year"
                )
            if len(values) > 20 or any(len(v) > 100 for v in values):
                raise QueryError(f"too many or too long values for filter {name!r}")

    # --- search ---------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResponse:
        """The response to ``req``: from the result cache when this index generation
        already answered the same request completely, else searched (and kept when
        complete and the generation did not change meanwhile)."""
        cache = self.result_cache
        key = request_key(req) if cache is not None and cache.enabled else None
        self._last_cached.flag = False
        if cache is None or key is None:
            return self._search(req)
        t0 = time.perf_counter()
        # The time limit is part of the key: a complete answer does not depend on it,
        # but a server (or test) that changes it expects searches made under it.
        key = (self.backend.generation(), self.backend.time_limit, key)
        kept = cache.get(key)
        if kept is not None:
            self._last_partial.flag = False
            self._last_cached.flag = True
            return copy_response(kept, req, (time.perf_counter() - t0) * 1000)
        resp = self._search(req)
        if self.backend.generation() == key[0] and cache.put(key, resp):
            return copy_response(resp, req, resp.took_ms)
        return resp

    def _search(
        self,
        typed: SearchRequest,
        read_as: Intent | None = None,
        budget: tuple[Deadline, float] | None = None,
    ) -> SearchResponse:
        """The response to ``typed``; ``read_as`` and ``budget`` (the deadline and the
        start time): a question first searched as its words, searched again as a
        question in what is left of its time."""
        t0 = budget[1] if budget else time.perf_counter()
        self.validate(typed)
        req, notices = _without_abbreviations(typed)
        intent = read_as or self._paired(classify(req.q), req.q)
        profile = profiles.profile_for(intent)
        pq = _parse(req, intent)
        notices += _rewrite_notices(pq)
        expansions = self._expansions(req, pq)
        planned = self._resolve_filters(req, pq, notices)
        plan_for = functools.partial(build_plan, pq, expansions, planned, profile=profile)
        plan = plan_for(affordable=self._cheap_phrase)
        plan = question.refine(plan, intent)  # questions only: layperson -> legal words
        if profile.title_first and intent.titles:
            plan.exact_title_lengths = profiles.exact_lengths(intent)
            plan.own_titles = tuple(t for t in intent.titles if t)
        mode = "any" if pq.long else "all"
        # One budget for the rest: the title lookup, both tries, exclusions, phrases,
        # facets, snippets, the missing-title notice. It starts here: parsing and
        # expansion are bounded by the query limits, and their first call in a
        # process loads dictionaries (seconds, not this query's).
        dl = budget[0] if budget else Deadline(self.backend.time_limit)
        lf = self._title_front(req, pq, plan, profile, dl)
        front = lf.docs if lf else []
        want = plan.offset + plan.limit
        shared = lf.results if lf else None
        raw = self._backend_search(req, intent, plan, front, want, dl, shared=shared)
        if intent.asked and not _titled(raw):
            # No title holds the question's words, so no document is about them: it
            # is ranked as the question it is (article text, the authority prior).
            return self._search(typed, as_question(intent), (dl, t0))
        if intent.kind == "docnum" and not raw.total:
            titled = self._numbered_title(typed, (dl, t0))
            if titled is not None:
                return titled
        if _worth_second_try(raw, intent, pq, dl):
            few = raw.total
            first = (plan, raw, mode)
            plan, raw, mode = self._second_try(req, intent, pq, plan_for, first, front, dl)
            if raw.total and mode == "any":
                notices.append(_second_try_notice(intent, few))
        if front:
            _put_in_front(raw, plan, front, want, req.per_page)
        elif intent.typed and plan.offset == 0 and req.sort == "relevance":
            typed_first = self._as_typed(req, intent, raw, (dl, t0))
            if typed_first is not None:
                _put_in_front(raw, plan, [typed_first], want, req.per_page)
        self._title_checks(req, intent, raw, plan, dl, notices)
        cut = dl.cut_short or bool(lf and lf.cut_short)
        return self._response(
            typed, intent, pq, expansions, (plan, raw, mode), notices, dl, cut, t0
        )

    def _response(
        self,
        typed: SearchRequest,
        intent: Intent,
        pq: ParsedQuery,
        expansions: list[Any],
        searched: tuple[Plan, RawResults, str],
        notices: list[str],
        dl: Deadline,
        cut: bool,
        t0: float,
    ) -> SearchResponse:
        """The response from what was searched (``cut``: the budget ran out)."""
        plan, raw, mode = searched
        hits = _hits(raw, plan, dl)
        partial = raw.partial or cut or dl.cut_short
        if partial:
            notices.append(CUT_SHORT_NOTICE)
        self._last_partial.flag = partial
        return SearchResponse(
            did_you_mean=self.did_you_mean(typed.q),
            request=typed,
            parsed=pq,
            hits=hits,
            total=raw.total,
            total_exact=raw.total_exact,
            facets=raw.facets,
            expansions=expansions,
            notices=notices,
            mode=mode,
            took_ms=(time.perf_counter() - t0) * 1000,
            plan=plan,
            intent=intent,
            facet_labels=self.facet_labels(raw.facets),
            partial=partial,
        )

    def _paired(self, intent: Intent, q: str) -> Intent:
        """Chinese keywords typed with English beside them: the Chinese keywords when
        the English renders them (platform economy 平台经济), else keywords in both
        languages, every word searched (Shanghai 人工智能, 平台经济 antitrust)."""
        if not intent.paired:
            return intent
        from search.expand import renders

        if self.glossary is not None and renders(intent.paired, intent.text, self.glossary):
            return intent
        return Intent("zh_keywords", q, note="keywords in both languages")

    def _expansions(self, req: SearchRequest, pq: ParsedQuery) -> list[Any]:
        """The query's cross-language expansions, less those the user switched off."""
        expansions = []
        if req.expand and self.glossary is not None and pq.positive_units:
            from search.expand import expand
            from search.senses import sense_problem, usable_senses
            from search.spelling import pinyin_expansions

            def usable(zh: str) -> bool:
                # A phrase's sense stands for its words when the corpus writes it as
                # one indexed word (国防, 童工); 交通意外 (the corpus says 交通事故)
                # would lose what the words find one by one.
                return len(analyze(zh)) == 1 and sense_problem(self.backend, zh) is None

            expansions = [
                e
                for e in expand(pq.expansion_text, self.glossary, usable=usable)
                if e.target not in req.removed_expansions
            ]
            # Dictionary senses no policy text uses ("push" -> 捘) are dropped.
            expansions = usable_senses(expansions, self.backend)
            expansions += [
                e
                for e in pinyin_expansions(pq.expansion_text, self.glossary)
                if e.target not in req.removed_expansions
            ]
            expansions.sort(key=lambda e: (e.span[0], -e.weight))
        if pq.long and mostly_han(pq.simplified):
            # A long Chinese question is ranked by many words already: a few curated
            # Chinese expansions, no English renderings (they would only reach English
            # documents, and they hurt the STARD ranking), no dictionary senses.
            expansions = [
                e for e in expansions if e.origin != "cc-cedict" and e.target_lang == "zh"
            ][:LONG_QUERY_EXPANSIONS]
        return expansions

    def _resolve_filters(
        self, req: SearchRequest, pq: ParsedQuery, notices: list[str]
    ) -> SearchRequest:
        """Filter values in English, pinyin or short forms become the stored values
        (the query's in ``pq``, the request's in the request returned); notices added.
        A 文号 without its year (国办发38号) matches it in every year, which relevance
        cannot tell apart: such a search sorts newest first."""
        pq.filters, more = self.filter_resolver().apply(pq.filters)
        notices += more
        resolved, more = self.filter_resolver().apply(req.filters)
        notices += [n for n in more if n not in notices]
        sort = req.sort
        for code, n, typed in _yearless_numbers(pq):
            notices.append(
                f"{typed} gives no year: searched as {code}〔any year〕{n}号, newest first"
            )
            sort = "date" if sort == "relevance" else sort
        return replace(req, filters=resolved, sort=sort)

    def _title_front(
        self,
        req: SearchRequest,
        pq: ParsedQuery,
        plan: Plan,
        profile: profiles.Profile,
        dl: Deadline,
    ) -> SearchFront | None:
        """The title lookup's candidates, to go before the plain results (English titles);
        a lookup that gives its words makes them the plan's, so every page ranks alike."""
        if not (
            profile.title_lookup_front
            and req.expand  # the lookup carries English into Chinese: an expansion too
            and req.sort == "relevance"
            and not (plan.filters or plan.year_from or plan.year_to or req.passages)
        ):
            return None
        # Ranked by any word (a long title) and no more asked of the hits than
        # the lookup's own search gives: its results are the box's (searched once).
        reuse = pq.long and not (req.explain or req.facets)
        need = plan.offset + plan.limit + profiles.EN_TITLE_FRONT if reuse else 0
        lf = profiles.title_lookup_front(self, pq.simplified, req.fields, dl, reuse=need)
        if lf.clauses:  # the lookup's words: every page ranked alike
            plan.clauses = lf.clauses
        return lf

    def _backend_search(
        self,
        req: SearchRequest,
        intent: Intent,
        plan: Plan,
        front: list[Document],
        want: int,
        dl: Deadline,
        shared: RawResults | None = None,
    ) -> RawResults:
        """The plain results; ``shared`` (the title lookup's main retrieval, when it
        holds the page) is the box's own results: the same words are not searched twice."""
        if front:
            # The lookup's candidates go first; plain results follow, each document once.
            plan.offset, plan.limit = 0, want + len(front)
        if shared is not None:
            return shared
        if not plan.collapse:  # one hit per article: a document's many hits are the point
            return question.search(self.backend, plan, intent, explain=req.explain, deadline=dl)
        # One hit per document, and per record of a document a site lists twice: the
        # page asks for a few more, so that dropping a copy leaves it full.
        offset, limit = plan.offset, plan.limit
        end = offset + limit
        plan.offset, plan.limit = 0, end + min(COPY_MARGIN, end)
        try:
            raw = question.search(self.backend, plan, intent, explain=req.explain, deadline=dl)
        finally:
            plan.offset, plan.limit = offset, limit
        hits = without_copies(raw.hits, lambda h: h.document)
        if req.sort == "relevance":
            # The title the query names first, also from the few hits past the page:
            # titles of the same words and length can fill the page before it (every
            # page reorders the same hits, so none shows a document twice).
            profiles.identical_titles_first(hits, intent, req.q)
        raw.hits = hits[offset:end]
        return raw

    def _numbered_title(
        self, typed: SearchRequest, budget: tuple[Deadline, float]
    ) -> SearchResponse | None:
        """A number no record carries as its 文号, searched as a title: a decree's
        number is its title (四川省人民政府令第277号). None when no record is titled
        so (no document has the number: none is shown) or no time is left."""
        title = number_as_title(typed.q)
        if title is None or budget[0].expired():
            return None
        titled = self._search(typed, replace(title, note="searched as a title"), budget)
        if titled.hits and profiles.is_exact(title, titled.hits[0].doc.title):
            return titled
        return None

    def _as_typed(
        self,
        req: SearchRequest,
        intent: Intent,
        raw: RawResults,
        budget: tuple[Deadline, float],
    ) -> Document | None:
        """The document titled as typed, date or version mark kept (``Intent.typed``),
        when no hit is: titles that differ only by such a mark (上海市市管干部提任前公示
        （2019年4月16日）, （2018年6月11日） …) can fill the page before it. Searched with
        its mark in what is left of the budget; None when no document has that title."""
        if budget[0].expired():
            return None
        as_typed = compact(intent.typed)
        if any(compact(h.document.title) == as_typed for h in raw.hits):
            return None
        reading = Intent(intent.kind, intent.typed, title_variants(as_typed), "as typed")
        try:
            resp = self._search(replace(req, q=intent.typed, page=1), reading, budget)
        except DuizhaoError:  # the reading is advice; the search already has its answer
            return None
        return next((h.doc for h in resp.hits if compact(h.doc.title) == as_typed), None)

    def _title_checks(
        self,
        req: SearchRequest,
        intent: Intent,
        raw: RawResults,
        plan: Plan,
        dl: Deadline,
        notices: list[str],
    ) -> None:
        """For a pasted title: the identical title first, and a notice when it is missing."""
        if plan.offset == 0 and req.sort == "relevance":
            # A title identical to the query (as typed, with or without 中华人民共和国 or
            # a 关于印发…的通知 wrapper) comes first -- whatever the intent: a case's
            # headline (打印遗嘱如何写才有效) reads as a question, and is still its title.
            profiles.identical_titles_first(raw.hits, intent, req.q)
        if (
            intent.title_like
            and req.page == 1
            and not raw.partial
            and not any(profiles.is_exact(intent, h.document.title) for h in raw.hits[:3])
        ):
            notice = profiles.missing_title_notice(self, intent, dl)
            if notice:
                notices.append(notice)

    def issuer_names(self) -> IssuerNames:
        """Issuer names in both languages, from this engine's glossary and the alias table."""
        if self._issuer_names is None:
            self._issuer_names = IssuerNames(self.glossary)
        return self._issuer_names

    def facet_labels(self, facets: dict[str, dict[str, int]]) -> dict[str, dict[str, str]]:
        """Display names for facet values that have one (issuers, for now)."""
        values = facets.get("issuer")
        return {"issuer": self.issuer_names().labels(values)} if values else {}

    def get_document(self, doc_id: str) -> Document:
        return self.backend.get_document(doc_id)

    def did_you_mean(self, q: str) -> str | None:
        """``q`` with misspelled English words corrected (search/spelling.py), or None.
        A word the index holds (a name, a rare term) is never "corrected"."""
        if self.glossary is None or not any("a" <= ch.lower() <= "z" for ch in q):
            return None
        from search.spelling import did_you_mean

        df = self.backend.doc_frequency

        def known(word: str) -> bool:
            words = analyze(word)
            fields = ("title_en", "title_draft", "body")
            return bool(words) and all(any(df(f, w) for f in fields) for w in words)

        return did_you_mean(q, self.glossary, known)

    def _second_try(
        self,
        req: SearchRequest,
        intent: Intent,
        pq: ParsedQuery,
        plan_for: Callable[..., Plan],
        first: tuple[Plan, RawResults, str],
        front: list[Document],
        dl: Deadline,
    ) -> tuple[Plan, RawResults, str]:
        """(plan, results, mode) of a second search when the first found few or none.
        A short question (借钱不还怎么办: no law says 借钱) is asked as a question, its
        everyday words reaching legal ones (借款) and its long words their parts -- also
        when the first found less than a page (公司拖欠工资怎么办: a guide and a work
        report hold both words; the Labour Law's article on wages says neither 公司 nor
        拖欠工资). Another short query of several words that found nothing is ranked by
        any word. Else ``first``."""
        plan, raw, mode = first
        if intent.asked:
            # A question searched as its few words: with some answers, those first and
            # the titles holding most of its words (as keywords); else asked as a question.
            if raw.total and fill.words_to_fill(pq.long, plan):
                filled = self._all_words_first(req, intent, first, plan_for, dl)
                if filled is not first:
                    return filled
            intent = as_question(intent)
            plan_for = functools.partial(plan_for, profile=profiles.profile_for(intent))
        if intent.kind == "question" and not pq.long:
            pq.long = True  # the plan below ranks it as a question (planning._is_question)
            pq.units = question.with_parts(pq.units)
            plan = question.refine(plan_for(affordable=self._cheap_phrase), intent)
        else:
            # Keywords with a few answers, or with none and a year typed (碳达峰 2022:
            # documents of 2022, not ones that write 2022): the fill.
            to_fill = intent.kind in KEYWORD_KINDS and fill.words_to_fill(pq.long, plan)
            if to_fill and (raw.total or fill.typed_a_year(plan)):
                filled = self._all_words_first(req, intent, first, plan_for, dl)
                if filled is not first:
                    return filled
            if raw.total or not _worth_any_word_try(pq, plan):
                return first
            plan = plan_for(force_any=True, affordable=self._cheap_phrase)
            if to_fill:
                led = self._rarer_titles_lead(req, intent, first[0], plan, front, dl)
                if led is not None:
                    return led
        want = plan.offset + plan.limit
        return plan, self._backend_search(req, intent, plan, front, want, dl), "any"

    def _rarer_titles_lead(
        self,
        req: SearchRequest,
        intent: Intent,
        plan: Plan,
        any_plan: Plan,
        front: list[Document],
        dl: Deadline,
    ) -> tuple[Plan, RawResults, str] | None:
        """Two keywords no document holds together (国务院办公厅 数字政府): the titles
        holding the rarer word lead (``search.fill``: 关于加强数字政府建设的指导意见),
        then every document holding either word in the any-word order, where a
        regulation that names the General Office in one article came first. The
        any-word search loses nothing; None when no title holds the rarer word."""
        wider = fill.fill_search(
            plan, lambda: any_plan, lambda w: self.backend.doc_frequency("title", w)
        )
        if wider is None or wider is any_plan:
            return None  # three words or more: the any-word ranking's partial tier
        want = any_plan.offset + any_plan.limit
        wider.offset, wider.limit = 0, want
        lead = fill.titles_holding(self._backend_search(req, intent, wider, [], want, dl).hits)
        if not lead:
            return None
        any_plan.offset, any_plan.limit = 0, want + len(lead)
        rest = self._backend_search(req, intent, any_plan, front, want + len(lead), dl)
        ids = {h.doc_id for h in lead}
        rest.hits = (lead + [h for h in rest.hits if h.doc_id not in ids])[plan.offset : want]
        any_plan.offset, any_plan.limit = plan.offset, plan.limit
        return any_plan, rest, "any"

    def _all_words_first(
        self,
        req: SearchRequest,
        intent: Intent,
        first: tuple[Plan, RawResults, str],
        plan_for: Callable[..., Plan],
        dl: Deadline,
    ) -> tuple[Plan, RawResults, str]:
        """Keywords that fewer than a page of documents hold together (绿色 金融 体制改革:
        two work reports): those documents first, then the documents whose titles hold
        part of the words (``search.fill``), so 关于构建绿色金融体系的指导意见 is on the
        page; documents holding less are not added (个人信息保护法 告知同意: the law
        alone). Nothing the first search found is lost; ``first`` when no title holds
        enough of the words."""
        plan, raw, _mode = first
        wider = fill.fill_search(
            plan,
            lambda: plan_for(force_any=True, affordable=self._cheap_phrase),
            lambda w: self.backend.doc_frequency("title", w),
        )
        if wider is None:
            return first
        want = plan.offset + plan.limit
        every = raw.hits
        if plan.offset or len(raw.hits) < raw.total:  # a later page: the first ones again
            whole = replace(plan, offset=0, limit=question.FEW_ANSWERS)
            every = self._backend_search(req, intent, whole, [], question.FEW_ANSWERS, dl).hits
        wider.offset, wider.limit = 0, want + len(every)
        more = self._backend_search(req, intent, wider, [], want + len(every), dl)
        ids = {h.doc_id for h in every}
        fetched = [h for h in more.hits if h.doc_id not in ids]
        part = fill.titles_holding(fetched)
        if not part:
            return first
        merged = every + part
        more.hits = merged[plan.offset : want]
        more.total = len(merged)
        more.total_exact = len(part) < len(fetched)  # else more may follow
        wider.offset, wider.limit = plan.offset, plan.limit
        return wider, more, "any"

    def _cheap_phrase(self, words: tuple[str, ...]) -> bool:
        """True when the rarest of ``words`` is in at most COVER_MAX_DF records."""
        df = self.backend.doc_frequency
        return min(sum(df(f, w) for f in HAN_FIELDS) for w in words) <= COVER_MAX_DF

    def filter_resolver(self) -> FilterResolver:
        """Filter values in either language, resolved against this index's values."""
        if self._filters is None:
            self._filters = FilterResolver(self.backend.field_values, self.glossary)
        return self._filters


def _yearless_numbers(pq: ParsedQuery) -> list[tuple[str, int, str]]:
    """(issuer code, number, as typed) of the query's 文号 typed without a year."""
    from index.docnumber import parse_docnum, parse_yearless

    out = []
    for v in pq.filters.get("docnum", []):
        found = parse_yearless(v) if parse_docnum(v) is None else None
        if found is not None:
            out.append((*found, v))
    return out


def _without_abbreviations(req: SearchRequest) -> tuple[SearchRequest, list[str]]:
    """The request with law abbreviations (刑诉法) spelled out, and a notice saying so."""
    full, named = law_abbreviations.expand(req.q) if req.q and len(req.q) <= 2000 else (req.q, [])
    if not named:
        return req, []
    return replace(req, q=full), [law_abbreviations.notice(named)]


def _rewrite_notices(pq: ParsedQuery) -> list[str]:
    """What the parser changed in the query, said to the user."""
    notices = []
    if pq.was_traditional:
        notices.append(f"Traditional characters were converted to simplified: {pq.simplified}")
    if pq.numbered:
        notices.append(f"Article numbers were searched as laws write them: {pq.simplified}")
    return notices


def _parse(req: SearchRequest, intent: Intent) -> ParsedQuery:
    """The query parsed; a 文号 typed as plain text becomes a 文号 filter."""
    # Titles and names are searched as cleaned (no 《》, no stray spaces).
    # A 文号 inside a title is part of the title, not a filter.
    if intent.title_like:
        text, numbers = intent.searched, []
    else:  # an English title is searched as cleaned too (no enclosing quotes), and a
        # question asking about a few words as those words
        cleaned = intent.kind in ("en_title", "en_keywords") or bool(intent.asked)
        text, numbers = split_docnums(intent.searched if cleaned else req.q)
    pq = parse_query(text, allow_empty=bool(req.filters or req.year or numbers))
    if numbers:
        pq.filters.setdefault("docnum", []).extend(numbers)
    return pq


def _titled(raw: RawResults) -> bool:
    """Whether the first hit's title holds every word (the title-first ranking's tier)."""
    return bool(raw.hits) and raw.hits[0].tier in (title_rank.EXACT, title_rank.TITLE)


def _worth_second_try(raw: RawResults, intent: Intent, pq: ParsedQuery, dl: Deadline) -> bool:
    """Time is left, and the first search found nothing -- or, for a short question or
    keywords, fewer than a page of answers (``question.FEW_ANSWERS``)."""
    if dl.expired():  # a search out of time gets no second try: one budget
        return False
    if not raw.total:
        return True
    few = raw.total < question.FEW_ANSWERS and not pq.long
    return few and intent.kind in ("question", *KEYWORD_KINDS)


def _second_try_notice(intent: Intent, few: int) -> str:
    if not few:
        return SOME_WORDS_NOTICE
    keywords = intent.kind in KEYWORD_KINDS and not intent.asked  # else asked as a question
    return FEW_KEYWORDS_NOTICE if keywords else FEW_WORDS_NOTICE


def _worth_any_word_try(pq: ParsedQuery, plan: Plan) -> bool:
    """A short query of several words, every one required."""
    return not pq.long and sum(c.occur == "must" for c in plan.clauses) > 1


def _put_in_front(
    raw: RawResults, plan: Plan, front: list[Document], want: int, per_page: int
) -> None:
    """The title lookup's candidates, then the plain results not among them: the page."""
    ids = {d.id for d in front}
    merged = [RawHit(d.id, 0.0, 0, d) for d in front]
    merged += [h for h in raw.hits if h.doc_id not in ids]
    raw.hits = merged[want - per_page : want]
    raw.total = max(raw.total, len(merged))
    plan.offset, plan.limit = want - per_page, per_page


def _hits(raw: RawResults, plan: Plan, dl: Deadline) -> list[Hit]:
    """The page's hits with their best passage, highlighted title and snippet."""
    words, phrases = highlight_terms(plan)
    articles = asked_articles(words)
    hits = []
    for rh in in_reading_order(raw.hits, words):
        if dl.expired():  # out of time: titles and snippets are shown unmarked
            words, phrases = set(), []
        hits.append(make_hit(rh, words, phrases, articles))
    return hits


def in_reading_order(hits: list[RawHit], words: set[str]) -> list[RawHit]:
    """``hits`` with each run of one law's parts (records with the same title and a
    subtitle: the Civil Code's books) in the law's own order -- 总则 before 附则 --
    when every Chinese query word is in that title, so nothing but the title matched
    and their scores differ only by the parts' lengths. A query with other words
    (民法典 侵权) keeps the order of the parts' text matches."""
    out = list(hits)
    i = 0
    while i < len(out):
        j = i + 1
        while j < len(out) and _same_law_parts(out[i].document, out[j].document):
            j += 1
        title = out[i].document.title
        if j - i > 1 and all(w in title for w in words if mostly_han(w)):
            out[i:j] = sorted(out[i:j], key=lambda h: _first_article(h.document))
        i = j
    return out


def _same_law_parts(a: Document, b: Document) -> bool:
    return bool(a.subtitle and b.subtitle and a.title == b.title)


def _first_article(doc: Document) -> int:
    """The number of a document's first article (a large one when it has none)."""
    from index.structure import cn_to_int
    from search.baseline import is_article_label

    for p in doc.passages:
        if is_article_label(p.label):
            n = cn_to_int(p.label[1:].split("条", 1)[0])
            return n if n is not None else 1 << 30
    return 1 << 30


def asked_articles(words: set[str]) -> frozenset[str]:
    """The article labels a query names (劳动合同法第四十七条 -> 第四十七条)."""
    from search.baseline import is_article_label

    return frozenset(w for w in words if is_article_label(w))


def article_passage(doc: Document, words: set[str], articles: frozenset[str]) -> int | None:
    """The index of the article a query names, when the document is the one it names.

    劳动合同法第四十七条 matches the law's article 87 too ("…依照本法第四十七条…"), which
    can score higher than article 47 itself; the reader asked for article 47. A
    document counts as named when its title holds another query word (or the query
    names only the article)."""
    if not articles:
        return None
    others = [w for w in words if w not in articles and mostly_han(w)]
    if others and not any(w in doc.title for w in others):
        return None
    for i, p in enumerate(doc.passages):
        if p.label in articles:
            return i
    return None


def make_hit(
    rh: RawHit,
    words: set[str],
    phrases: list[tuple[str, ...]],
    articles: frozenset[str] = frozenset(),
) -> Hit:
    """A search hit: its best passage (the article the query names, if it has it),
    highlighted titles and snippet."""
    doc = rh.document
    idx = rh.passage
    if articles and not (0 <= idx < len(doc.passages) and doc.passages[idx].label in articles):
        named = article_passage(doc, words, articles)
        idx = idx if named is None else named
    passage = doc.passages[idx] if 0 <= idx < len(doc.passages) else None
    text = doc.body[passage.start : passage.end] if passage else doc.body
    return Hit(
        doc=doc,
        score=rh.score,
        passage=passage,
        title=highlight(doc.title, words, phrases),
        title_en=highlight(doc.titles_en[0].text, words, phrases) if doc.titles_en else [],
        snippet=snippet(text, words, phrases) if text else [],
        matched=rh.matched,
    )


def highlight_terms(plan: Plan) -> tuple[set[str], list[tuple[str, ...]]]:
    words: set[str] = set()
    phrases: list[tuple[str, ...]] = []
    for c in plan.clauses:
        if c.occur == "must_not":
            continue
        for a in c.alts:
            if "docnum" in a.fields:
                continue
            if a.phrase:
                phrases.append(a.words)
            else:
                words.add(a.words[0])
    return words, phrases


def split_docnums(q: str | None) -> tuple[str, list[str]]:
    """Document numbers typed as plain text (国办发[2019]38号, "Guo Fa [2017] No. 35")
    become a document-number filter; the rest of the query is searched as words."""
    if not q or not isinstance(q, str) or len(q) > 2000 or "docnum:" in q or "文号:" in q:
        return q or "", []
    from index.docnumber import find_docnums, parse_typed, parse_yearless
    from index.normalize import normalize_query

    norm = normalize_query(q)
    found = find_docnums(norm)
    if not found:
        # A number said without its year (国办发38号) is searched in every year; one
        # typed without brackets (粤府 2016 140号, 2016年粤府140号) is that number.
        whole = parse_yearless(norm) is not None or parse_typed(norm) is not None
        return ("", [norm.strip()]) if whole else (q, [])
    rest, numbers, pos = [], [], 0
    for _dn, (start, end) in found:
        rest.append(norm[pos:start])
        numbers.append(norm[start:end])
        pos = end
    rest.append(norm[pos:])
    return " ".join(part.strip() for part in rest if part.strip()), numbers
