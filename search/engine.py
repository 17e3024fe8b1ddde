"""The search engine facade: a user's query in, ranked documents out.

Place in the flow: faces (CLI, UI, API) -> **engine** -> query parsing ->
cross-language expansion -> plan -> index backend -> snippets.

``Engine`` is what every face holds: it owns the opened index (once per
process), the glossary (segmentation words and expansion), and turns a
``SearchRequest`` into a ``SearchResponse`` that faces render. All errors are
``index.errors`` types.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from index import segmenter
from index.analysis import terms as analyze
from index.backends import open_backend
from index.config import index_path
from index.deadline import Deadline
from index.document import FACET_FIELDS, Document, Passage
from index.errors import QueryError
from index.issuers import IssuerNames
from index.plan import EXPANSION_EN_FIELDS, HAN_FIELDS, TEXT_FIELDS, Alt, Clause, Plan, RawHit
from index.scripts import han_count, has_han, is_han
from search import profiles
from search.filters import FilterResolver
from search.intent import Intent, classify
from search.query import FILTER_FIELDS, ParsedQuery, parse_query, parse_year_range
from search.snippets import Fragments, highlight, snippet

MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 1000  # deepest result reachable by paging
LONG_QUERY_EXPANSIONS = 4
LONG_QUERY_FIELDS = ("body",)
SORTS = ("relevance", "date", "date_asc")
FILTER_NAMES = FACET_FIELDS  # every facet is a filter


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    year: str | None = None  # "2019" or "2019..2023"
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: bool = False
    expand: bool = True
    explain: bool = False
    removed_expansions: tuple[str, ...] = ()  # targets the user switched off
    fields: tuple[str, ...] | None = None  # text fields to match (default: title, title_en, body)
    passages: bool = False  # rank passages (articles) instead of documents


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
        self._filters: FilterResolver | None = None
        self._issuer_names: IssuerNames | None = None
        if check_glossary:
            self.backend.check_glossary(segmenter.fingerprint())

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
    # long: the search flow (intent, parse, expand, plan, title front, backend, hits, notices)
    # over shared locals; not split yet (issue 14).
    def search(self, req: SearchRequest) -> SearchResponse:
        t0 = time.perf_counter()
        self.validate(req)
        intent = classify(req.q)
        profile = profiles.profile_for(intent)
        # Titles and names are searched as cleaned (no 《》, no stray spaces).
        # A 文号 inside a title is part of the title, not a filter.
        text, numbers = (intent.text, []) if intent.title_like else split_docnums(req.q)
        pq = parse_query(text, allow_empty=bool(req.filters or req.year or numbers))
        if numbers:
            pq.filters.setdefault("docnum", []).extend(numbers)
        notices: list[str] = []
        if pq.was_traditional:
            notices.append(f"Traditional characters were converted to simplified: {pq.simplified}")
        expansions = []
        if req.expand and self.glossary is not None and pq.positive_units:
            from search.expand import expand
            from search.senses import usable_senses
            from search.spelling import pinyin_expansions

            expansions = [
                e
                for e in expand(pq.expansion_text, self.glossary)
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
        if pq.long and _is_han(pq.simplified):
            # A long Chinese question is ranked by many words already: a few curated
            # Chinese expansions, no English renderings (they would only reach English
            # documents, and they hurt the STARD ranking), no dictionary senses.
            expansions = [
                e for e in expansions if e.origin != "cc-cedict" and e.target_lang == "zh"
            ][:LONG_QUERY_EXPANSIONS]
        # Filter values in English, pinyin or short forms become the stored values.
        pq.filters, more = self.filter_resolver().apply(pq.filters)
        notices += more
        resolved, more = self.filter_resolver().apply(req.filters)
        notices += [n for n in more if n not in notices]
        planned = replace(req, filters=resolved)
        plan = build_plan(pq, expansions, planned, profile=profile, affordable=self._cheap_phrase)
        if profile.title_first and intent.titles:
            plan.exact_title_lengths = profiles.exact_lengths(intent)
        mode = "any" if pq.long else "all"
        # One budget for the rest: the title lookup, both tries, exclusions, phrases,
        # facets, snippets, the missing-title notice. It starts here: parsing and
        # expansion are bounded by the query limits, and their first call in a
        # process loads dictionaries (seconds, not this query's).
        dl = Deadline(self.backend.time_limit)
        front, shared, front_cut = [], None, False
        if (
            profile.title_lookup_front
            and req.expand  # the lookup carries English into Chinese: an expansion too
            and req.sort == "relevance"
            and not (plan.filters or plan.year_from or plan.year_to or req.passages)
        ):
            # Ranked by any word (a long title) and no more asked of the hits than
            # the lookup's own search gives: its results are the box's (searched once).
            reuse = pq.long and not (req.explain or req.facets)
            need = plan.offset + plan.limit + profiles.EN_TITLE_FRONT if reuse else 0
            lf = profiles.title_lookup_front(self, pq.simplified, req.fields, dl, reuse=need)
            front, shared, front_cut = lf.docs, lf.results, lf.cut_short
            if lf.clauses:  # the lookup's words: every page ranked alike
                plan.clauses = lf.clauses
        want = plan.offset + plan.limit
        if front:
            # The lookup's candidates go first; plain results follow, each document once.
            plan.offset, plan.limit = 0, want + len(front)
        if shared is not None:
            raw = shared
        else:
            raw = self.backend.search(plan, explain=req.explain, deadline=dl)
        if (
            raw.total == 0
            and not dl.expired()  # a search out of time gets no second try: one budget
            and not pq.long
            and sum(c.occur == "must" for c in plan.clauses) > 1
        ):
            # Nothing has every word: rank by any word instead, and say so.
            plan = build_plan(
                pq,
                expansions,
                planned,
                force_any=True,
                profile=profile,
                affordable=self._cheap_phrase,
            )
            if front:
                plan.offset, plan.limit = 0, want + len(front)
            raw = self.backend.search(plan, explain=req.explain, deadline=dl)
            mode = "any"
            if raw.total:
                notices.append(
                    "No document contains all the words; showing documents with some of them."
                )
        if front:
            ids = {d.id for d in front}
            merged = [RawHit(d.id, 0.0, 0, d) for d in front]
            merged += [h for h in raw.hits if h.doc_id not in ids]
            raw.hits = merged[want - req.per_page : want]
            raw.total = max(raw.total, len(merged))
            plan.offset, plan.limit = want - req.per_page, req.per_page
        if intent.title_like and plan.offset == 0 and req.sort == "relevance":
            # A title identical to the query (as typed, with or without 中华人民共和国 or
            # a 关于印发…的通知 wrapper) comes first.
            raw.hits.sort(key=lambda h: not profiles.is_exact(intent, h.document.title))
        if (
            intent.title_like
            and req.page == 1
            and not raw.partial
            and not any(profiles.is_exact(intent, h.document.title) for h in raw.hits[:3])
        ):
            notice = profiles.missing_title_notice(self, intent, dl)
            if notice:
                notices.append(notice)
        words, phrases = highlight_terms(plan)
        hits = []
        for rh in raw.hits:
            doc = rh.document
            passage = doc.passages[rh.passage] if 0 <= rh.passage < len(doc.passages) else None
            text = doc.body[passage.start : passage.end] if passage else doc.body
            if dl.expired():  # out of time: titles and snippets are shown unmarked
                words, phrases = set(), []
            hits.append(
                Hit(
                    doc=doc,
                    score=rh.score,
                    passage=passage,
                    title=highlight(doc.title, words, phrases),
                    title_en=highlight(doc.titles_en[0].text, words, phrases)
                    if doc.titles_en
                    else [],
                    snippet=snippet(text, words, phrases) if text else [],
                    matched=rh.matched,
                )
            )
        partial = raw.partial or dl.cut_short or front_cut
        if partial:
            notices.append(
                "This search took too long and was cut short: results and counts may be "
                "incomplete. Add words or filters to narrow it."
            )
        return SearchResponse(
            did_you_mean=self.did_you_mean(req.q),
            request=req,
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

    def _cheap_phrase(self, words: tuple[str, ...]) -> bool:
        """True when the rarest of ``words`` is in at most COVER_MAX_DF records."""
        df = self.backend.doc_frequency
        return min(sum(df(f, w) for f in HAN_FIELDS) for w in words) <= COVER_MAX_DF

    def filter_resolver(self) -> FilterResolver:
        """Filter values in either language, resolved against this index's values."""
        if self._filters is None:
            self._filters = FilterResolver(self.backend.field_values, self.glossary)
        return self._filters


def _is_han(text: str) -> bool:
    """Mostly Chinese characters (more Han than Latin letters)."""
    han = han_count(text)
    return han > sum(1 for ch in text if ch.isascii() and ch.isalpha())


def fields_for(words: tuple[str, ...]) -> tuple[str, ...]:
    """Chinese words can only occur in the Chinese title and bodies; anything with
    Latin letters or digits may be anywhere (English titles, English bodies, 5G)."""
    if all(has_han(w) for w in words):
        return HAN_FIELDS
    return TEXT_FIELDS


def _restrict(alt: Alt, fields: tuple[str, ...]) -> Alt:
    """Keep only the requested text fields (an alternative left with none keeps the
    request's fields, where it simply matches nothing)."""
    if "docnum" in alt.fields:
        return alt
    kept = tuple(f for f in alt.fields if f in fields)
    return replace(alt, fields=kept or tuple(fields))


# Records: a phrase whose rarest part is commoner costs more to check than the rest
# of a short query (平台 经济: 2,821; 宪法 修正案: 96).
COVER_MAX_DF = 500


def _subword_cover(
    term: str, affordable: Callable[[tuple[str, ...]], bool] | None = None
) -> tuple[str, ...]:
    """The smaller words a long Chinese query word splits into (个人信息保护 ->
    个人信息 保护), as a phrase alternative: the same characters in a document
    may have been cut at other boundaries (个人信息 / 保护法). Dictionary words
    too: the index's sub-words find one inside a longer word, not one that
    straddles two (中华人民共和国宪法 / 修正案 holds no 宪法修正案) -- when
    ``affordable`` says the phrase of its parts is cheap enough to check."""
    if len(term) < 3 or not is_han(term[0]):
        return ()
    subs = sorted(segmenter.subwords(term), key=lambda t: (t[1], -(t[2] - t[1])))
    cover: list[str] = []
    pos = 0
    for w, s, e in subs:
        if s == pos and e > s:
            cover.append(w)
            pos = e
    if pos != len(term) or len(cover) < 2:
        return ()
    if affordable is not None and segmenter.has_word(term) and not affordable(tuple(cover)):
        return ()
    return tuple(cover)


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
    from index.docnumber import find_docnums
    from index.normalize import normalize_query

    norm = normalize_query(q)
    found = find_docnums(norm)
    if not found:
        return q, []
    rest, numbers, pos = [], [], 0
    for _dn, (start, end) in found:
        rest.append(norm[pos:start])
        numbers.append(norm[start:end])
        pos = end
    rest.append(norm[pos:])
    return " ".join(part.strip() for part in rest if part.strip()), numbers


# long: not split yet: issue 14 names it (six jobs over one parsed query); splitting it safely
# needs the relevance suite run before and after.
def build_plan(
    pq: ParsedQuery,
    expansions: list[Any],
    req: SearchRequest,
    *,
    force_any: bool = False,
    profile: profiles.Profile | None = None,
    affordable: Callable[[tuple[str, ...]], bool] | None = None,
) -> Plan:
    """Group the parsed units and their expansions into clauses (ranked as ``profile`` says)."""
    occur = "should" if (pq.long or force_any) else "must"
    # A long question is matched against article text only: titles are repeated on
    # every article record, so in a bag of a dozen words they drown the article that
    # answers it (STARD dev: body only ranked best), and they cost the most postings.
    question = pq.long and _is_han(pq.simplified)  # a Chinese question, not an English title
    if profile is not None and not profile.long_question:
        question = False  # a long title: matched against titles too, no question prior
    han = LONG_QUERY_FIELDS if question else HAN_FIELDS

    def fields_of(words: tuple[str, ...]) -> tuple[str, ...]:
        f = fields_for(words)
        return han if f == HAN_FIELDS else f

    clauses: list[Clause] = []
    positive = [u for u in pq.units if not u.negated]
    used: set[int] = set()
    # Expansions that share a source span form one clause with the user's words.
    by_span: dict[tuple[int, int], list[Any]] = {}
    for e in expansions:
        by_span.setdefault(tuple(e.span), []).append(e)
    for span, exps in sorted(by_span.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        inside = [
            i
            for i, u in enumerate(positive)
            if i not in used
            and not u.phrase
            and u.or_group < 0
            and span[0] <= u.span[0]
            and u.span[1] <= span[1]
        ]
        if not inside:
            continue
        used.update(inside)
        user_words = tuple(t for i in inside for t in positive[i].terms)
        alts = [Alt(user_words, 1.0, "user", fields_of(user_words), display=exps[0].source)]
        cover = (
            _subword_cover(user_words[0], affordable)
            if len(user_words) == 1 and not pq.long
            else ()
        )
        if cover:
            alts.append(Alt(cover, 0.9, "user", HAN_FIELDS, display=exps[0].source))
        seen = {user_words}
        for e in exps:
            words = tuple(analyze(e.target))
            if words and words not in seen:
                seen.add(words)
                fields = EXPANSION_EN_FIELDS if e.target_lang == "en" else han
                alts.append(Alt(words, e.weight, e.origin, fields, display=e.target))
        clauses.append(Clause(tuple(alts), occur, display=exps[0].source))
    groups: dict[int, list[Any]] = {}
    for i, u in enumerate(positive):
        if i in used:
            continue
        if u.or_group >= 0:
            groups.setdefault(u.or_group, []).append(u)
        else:
            alts = [Alt(u.terms, 1.0, "user", fields_of(u.terms), display=u.text)]
            cover = (
                _subword_cover(u.terms[0], affordable) if len(u.terms) == 1 and not pq.long else ()
            )
            if cover:
                alts.append(Alt(cover, 0.9, "user", HAN_FIELDS, display=u.text))
            clauses.append(Clause(tuple(alts), occur, display=u.text))
    for units in groups.values():
        # One alternative per typed chunk: 营商环境 OR 劳动合同 -> "营商 环境" | 劳动合同.
        chunks: dict[object, list[Any]] = {}
        for u in units:
            chunks.setdefault(u.chunk if u.chunk >= 0 else id(u), []).append(u)
        alts = tuple(
            Alt(
                tuple(t for u in us for t in u.terms),
                1.0,
                "user",
                display="".join(u.text for u in us),
            )
            for us in chunks.values()
        )
        clauses.append(Clause(alts, occur, display=" OR ".join(a.display for a in alts)))
    for u in pq.units:
        if u.negated:
            clauses.append(
                Clause(
                    (Alt(u.terms, 1.0, "user", fields_for(u.terms), display=u.text),),
                    "must_not",
                    display=u.text,
                )
            )
    filters = {k: tuple(v) for k, v in pq.filters.items() if k != "docnum"}
    for k, v in req.filters.items():
        filters[FILTER_FIELDS.get(k, k)] = tuple(dict.fromkeys(filters.get(k, ()) + tuple(v)))
    year_from, year_to = pq.year_from, pq.year_to
    if req.year:
        year_from, year_to = parse_year_range(req.year)
    docnum_keys: tuple[str, ...] = ()
    if pq.filters.get("docnum"):
        from index.docnumber import docnum_keys as keys_of

        docnum_keys = tuple(k for v in pq.filters["docnum"] for k in keys_of(v))
        if not docnum_keys:
            raise QueryError("cannot read that document number", "write it like 国办发〔2019〕38号")
        clauses.append(
            Clause(tuple(Alt((k,), 1.0, "user", fields=("docnum",)) for k in docnum_keys), "must")
        )
    if req.fields:
        bad = set(req.fields) - set(TEXT_FIELDS)
        if bad:
            raise QueryError(
                f"unknown field(s) {', '.join(sorted(bad))}", f"fields: {', '.join(TEXT_FIELDS)}"
            )
        clauses = [
            Clause(tuple(_restrict(a, req.fields) for a in c.alts), c.occur, c.display)
            for c in clauses
        ]
    return Plan(
        clauses=clauses,
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        docnum_keys=docnum_keys,
        sort=req.sort,  # type: ignore[arg-type]
        offset=(req.page - 1) * req.per_page,
        limit=req.per_page,
        facets=req.facets,
        match_all_if_empty=bool(filters or year_from or year_to),
        authority_prior=question,
        collapse=not req.passages,
        title_first=bool(profile and profile.title_first),
        title_weight=profile.title_weight if profile is not None else None,
        title_expansions=profile.title_expansions if profile is not None else True,
    )
