"""From a parsed query to a search plan: clauses, filters and ranking options.

Place in the flow: ``search.engine`` (and the title lookup, ``search.titles``)
parse a query, expand it, and hand the parts to ``build_plan``, which groups
the user's words and their expansions into ``index.plan.Clause``s for the
backend. This module sits below both callers so that neither imports the other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from index import segmenter
from index.analysis import terms as analyze
from index.docnumber import docnum_keys as keys_of
from index.doctypes import TITLE_ENDINGS
from index.errors import QueryError
from index.plan import EXPANSION_EN_FIELDS, HAN_FIELDS, TEXT_FIELDS, Alt, Clause, Plan
from index.scripts import han_count, has_han, is_han
from search.query import FILTER_FIELDS, ParsedQuery, Unit, parse_year_range

LONG_QUERY_FIELDS = ("body",)  # what a long Chinese question is matched against


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


class PlanProfile(Protocol):
    """What a plan reads of a ranking profile (``search.profiles.Profile``)."""

    @property
    def long_question(self) -> bool: ...
    @property
    def title_first(self) -> bool: ...
    @property
    def title_weight(self) -> float | None: ...
    @property
    def title_expansions(self) -> bool: ...
    @property
    def optional_request_words(self) -> bool: ...
    @property
    def join_typed_apart(self) -> bool: ...
    @property
    def preferred_kind_words(self) -> bool: ...
    @property
    def title_together(self) -> bool: ...
    @property
    def title_partial(self) -> bool: ...
    @property
    def place_regions(self) -> bool: ...


def mostly_han(text: str) -> bool:
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
TITLE_COVER_FIELDS = ("title",)
COVER_WEIGHT = 0.9  # the phrase of a word's parts, against the word itself


def subword_cover(term: str) -> tuple[str, ...]:
    """The smaller words a long Chinese query word splits into (个人信息保护 ->
    个人信息 保护), as a phrase alternative: the same characters in a document
    may have been cut at other boundaries (个人信息 / 保护法). Dictionary words
    too: the index's sub-words find one inside a longer word, not one that
    straddles two (中华人民共和国宪法 / 修正案 holds no 宪法修正案); where the phrase
    costs too much to check in the text, in titles only (``_costly_cover``)."""
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
    return tuple(cover)


def _costly_cover(
    term: str, cover: tuple[str, ...], affordable: Callable[[tuple[str, ...]], bool] | None
) -> bool:
    """A dictionary word's cover whose phrase check over titles and text costs more
    than the rest of a short query (jieba-made words are rare: always checked)."""
    return affordable is not None and segmenter.has_word(term) and not affordable(cover)


@dataclass(frozen=True)
class _Matching:
    """How one plan matches the user's words: the same for each of its clauses."""

    occur: str  # "must" (every word) or "should" (ranked by any word)
    han: tuple[str, ...]  # the fields a Chinese word is matched in
    cover: bool  # a long Chinese word also matches as a phrase of its sub-words
    affordable: Callable[[tuple[str, ...]], bool] | None

    def fields(self, words: tuple[str, ...]) -> tuple[str, ...]:
        f = fields_for(words)
        return self.han if f == HAN_FIELDS else f

    def user_alts(self, words: tuple[str, ...], display: str) -> list[Alt]:
        """The user's words as typed, then (for one long word) its sub-word cover."""
        alt = Alt(words, 1.0, "user", self.fields(words), display=display)
        return [alt, *self.cover_alts(alt, set())]

    def cover_alts(self, alt: Alt, seen: set, titles: bool = False) -> list[Alt]:
        """``alt``'s one long Chinese word (the user's, or a glossary rendering: 数据开放
        in 公共数据 / 开放) also as the phrase of its sub-words, unless ``seen``; with
        ``titles``, matched in titles only."""
        words = alt.words
        cover = subword_cover(words[0]) if len(words) == 1 and self.cover else ()
        if not cover or cover in seen:
            return []
        seen.add(cover)
        # Too costly in the text: titles only (a title straddling the word,
        # 特色 / 产业园区 for 特色产业, is what title-first ranking needs).
        costly = titles or _costly_cover(words[0], cover, self.affordable)
        fields = TITLE_COVER_FIELDS if costly else HAN_FIELDS
        return [
            replace(alt, words=cover, weight=round(alt.weight * COVER_WEIGHT, 3), fields=fields)
        ]


def build_plan(
    pq: ParsedQuery,
    expansions: list[Any],
    req: SearchRequest,
    *,
    force_any: bool = False,
    profile: PlanProfile | None = None,
    affordable: Callable[[tuple[str, ...]], bool] | None = None,
) -> Plan:
    """Group the parsed units and their expansions into clauses (ranked as ``profile`` says)."""
    question = _is_question(pq, profile)
    how = _Matching(
        occur="should" if (pq.long or force_any) else "must",
        han=LONG_QUERY_FIELDS if question else HAN_FIELDS,
        cover=not pq.long,
        affordable=affordable,
    )
    positive = [u for u in pq.units if not u.negated]
    clauses, used = _expansion_clauses(positive, expansions, how)
    clauses += _unit_clauses([u for i, u in enumerate(positive) if i not in used], how)
    if profile is not None and profile.optional_request_words:
        clauses = _explainers_preferred(_request_words_optional(clauses))
    if profile is not None and profile.preferred_kind_words:
        clauses = _kinds_preferred(clauses)
    if profile is not None and profile.place_regions:
        clauses = _places_as_regions(clauses)
    if profile is not None and profile.join_typed_apart:
        clauses += _joined_words(positive, how)
    if force_any:
        clauses = _kinds_light(clauses)
    clauses = _article_parts_untitled(clauses, pq)
    clauses += _negated_clauses(pq.units)
    filters = _filters(pq, req)
    year_from, year_to = parse_year_range(req.year) if req.year else (pq.year_from, pq.year_to)
    docnum_keys = _docnum_keys(pq)
    if docnum_keys:
        clauses.append(
            Clause(tuple(Alt((k,), 1.0, "user", fields=("docnum",)) for k in docnum_keys), "must")
        )
    if req.fields:
        clauses = _only_fields(clauses, req.fields)
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
        title_together=bool(profile and profile.title_together),
        title_partial=bool(profile and profile.title_partial),
        title_weight=profile.title_weight if profile is not None else None,
        title_expansions=profile.title_expansions if profile is not None else True,
    )


def _is_question(pq: ParsedQuery, profile: PlanProfile | None) -> bool:
    """A long Chinese question: matched against article text only, with the authority prior.

    Titles are repeated on every article record, so in a bag of a dozen words they
    drown the article that answers it (STARD dev: body only ranked best), and they
    cost the most postings.
    """
    if profile is not None and not profile.long_question:
        return False  # a long title: matched against titles too, no question prior
    return pq.long and mostly_han(pq.simplified)  # a Chinese question, not an English title


def _expansion_clauses(
    positive: list[Unit], expansions: list[Any], how: _Matching
) -> tuple[list[Clause], set[int]]:
    """One clause per expanded span: the user's words inside it and their expansions.
    Also the indexes (in ``positive``) of the units these clauses took.

    Spans can overlap (search.expand reads "Platform Economies" inside "Internet
    Platform Economies" after "Internet Platform"): the later span's clause takes the
    words left to it, and a span inside those words alone ("Economies": 经济) adds
    its expansions to that clause instead of being dropped."""
    clauses: list[Clause] = []
    seen_of: list[set] = []
    used: set[int] = set()
    overlap_owner: dict[int, int] = {}  # unit -> clause of a span that overlapped another
    by_span: dict[tuple[int, int], list[Any]] = {}
    for e in expansions:
        by_span.setdefault(tuple(e.span), []).append(e)
    for span, exps in sorted(by_span.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        within = [
            i
            for i, u in enumerate(positive)
            if not u.phrase and u.or_group < 0 and span[0] <= u.span[0] and u.span[1] <= span[1]
        ]
        inside = [i for i in within if i not in used]
        if not inside:
            owners = {overlap_owner.get(i) for i in within}
            if len(owners) == 1 and (k := owners.pop()) is not None:
                more = _expansion_alts(exps, how, seen_of[k])
                clauses[k] = replace(clauses[k], alts=clauses[k].alts + tuple(more))
            continue
        used.update(inside)
        user_words = tuple(t for i in inside for t in positive[i].terms)
        alts = how.user_alts(user_words, exps[0].source)
        seen = {user_words}
        alts += _expansion_alts(exps, how, seen)
        display, start = exps[0].source, span[0]
        if len(inside) < len(within):
            overlap_owner.update(dict.fromkeys(inside, len(clauses)))
            # The words this clause took, as typed: what the span's source was
            # for a span that overlapped none ("regulations" of "safety
            # regulations" after "food safety" is a kind word, not a phrase).
            display = " ".join(positive[i].text for i in inside)
            start = positive[inside[0]].span[0]
        clauses.append(Clause(tuple(alts), how.occur, display=display, start=start))
        seen_of.append(seen)
    return clauses, used


def _expansion_alts(exps: list[Any], how: _Matching, seen: set) -> list[Alt]:
    """The alternatives of one span's expansions not already ``seen`` (updated)."""
    alts: list[Alt] = []
    for e in exps:
        words = tuple(analyze(e.target))
        if words and words not in seen:
            seen.add(words)
            fields = EXPANSION_EN_FIELDS if e.target_lang == "en" else how.han
            alt = Alt(words, e.weight, e.origin, fields, display=e.target)
            alts.append(alt)
            if e.target_lang == "zh":
                # In titles only: what title-first ranking needs, for the cost of
                # a phrase check kept per index generation.
                alts += how.cover_alts(alt, seen, titles=True)
    return alts


REQUEST_WORDS_FILE = Path(__file__).resolve().parent / "data" / "request_words.txt"


def word_list(path: Path) -> frozenset[str]:
    """The words of a word table (one word or phrase a line, ``#`` comments), lower case."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.lower() for line in lines if (w := line.split("#", 1)[0].strip()))


EXPLAINER_WORDS_FILE = Path(__file__).resolve().parent / "data" / "explainer_words.txt"


@functools.lru_cache(maxsize=1)
def explainer_words() -> frozenset[str]:
    """Words a title uses for an explainer of another document (data/explainer_words.txt)."""
    return word_list(EXPLAINER_WORDS_FILE)


@functools.lru_cache(maxsize=1)
def request_words() -> frozenset[str]:
    """Words that ask for documents about a topic (search/data/request_words.txt)."""
    return word_list(REQUEST_WORDS_FILE)


def typed_words(clauses: list[Clause]) -> list[list[Clause]]:
    """``clauses`` grouped by the word the user typed them in: clauses that follow
    each other in the query with nothing between them are one typed word (共享单车 ->
    共享, 单车). A clause of no one place (``start`` -1) is a word of its own."""
    groups: list[list[Clause]] = [[c] for c in clauses if c.start < 0]
    end = None
    for c in sorted((c for c in clauses if c.start >= 0), key=lambda c: c.start):
        if c.start == end:
            groups[-1].append(c)
        else:
            groups.append([c])
        end = c.start + len(c.display)
    return groups


def _request_words_optional(clauses: list[Clause]) -> list[Clause]:
    """The clauses of request words (政策, 文件) made optional -- matched where they
    occur, not required, nor asked of titles -- when a topic word is left to require.
    A request typed as one word that the segmenter cuts (相关规定: 相关 / 规定) is one
    request, though 规定 alone asks for a kind of document."""
    words = request_words()
    asked = {id(c) for w in typed_words(clauses) if _typed(w).lower() in words for c in w}
    optional = [
        c.occur == "must" and (id(c) in asked or c.display.lower() in words) for c in clauses
    ]
    if not any(c.occur == "must" and not o for c, o in zip(clauses, optional, strict=True)):
        return clauses
    return [
        replace(c, occur="should", title_optional=True) if o else c
        for c, o in zip(clauses, optional, strict=True)
    ]


def _explainers_preferred(clauses: list[Clause]) -> list[Clause]:
    """An explainer word typed after a topic (个人信息保护法 解读) made optional, not
    asked of titles, and preferred in them with every explainer word (碳达峰 解读: the
    一图读懂 of the carbon-peaking plans), when a topic clause is left to require.
    Required, it found no document on both words, and the search by any word put
    Shanghai's unrelated 政策解读 before the documents that cite the law."""
    words = explainer_words()
    asked = [c.occur == "must" and c.display in words for c in clauses]
    if not any(asked) or all(a or c.occur != "must" for c, a in zip(clauses, asked, strict=True)):
        return clauses
    return [_explainer_clause(c) if a else c for c, a in zip(clauses, asked, strict=True)]


def _explainer_clause(c: Clause) -> Clause:
    """``c`` optional and preferred in titles, with every explainer word as a title
    alternative (the typed word keeps its own alternatives)."""
    from index.analysis import terms as analyze

    have = {a.words for a in c.alts}
    more = []
    for w in sorted(explainer_words()):
        toks = tuple(analyze(w))
        if toks and toks not in have:
            have.add(toks)
            more.append(Alt(toks, 1.0, "user", fields=("title",), display=w))
    return replace(
        c, alts=c.alts + tuple(more), occur="should", title_optional=True, title_preferred=True
    )


@functools.lru_cache(maxsize=1)
def english_kind_words() -> frozenset[str]:
    """English words for a kind of document (regulations, guidelines, action plan),
    lower case: the English document types of the title lookup (search.title_lexicon)."""
    from search.title_lexicon import english_doctypes

    return frozenset(english_doctypes())


def _kinds_preferred(clauses: list[Clause]) -> list[Clause]:
    """English kind words (platform economy regulations) made optional, not asked of
    titles, and preferred in them (``Clause.title_preferred``), when a topic clause is
    left to require. Required, the kind put documents that write 监管 near a passing
    平台经济 first and left out the State Council's guidance on it, a title-only record."""
    kinds = english_kind_words()
    kind = [
        c.occur == "must" and not has_han(c.display) and c.display.lower() in kinds for c in clauses
    ]
    if not any(c.occur == "must" and not k for c, k in zip(clauses, kind, strict=True)):
        return clauses
    return [
        replace(c, occur="should", title_optional=True, title_preferred=True) if k else c
        for c, k in zip(clauses, kind, strict=True)
    ]


# A document of the region holds the place less strongly than a title that names it:
# inside the title tier, 河南省优化营商环境条例 before 开封市优化营商环境条例, and the
# province's own documents that do not name it (上海 市政府…) after those that do.
PLACE_REGION_SHARE = 0.85
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$")


def _places_as_regions(clauses: list[Clause]) -> list[Clause]:
    """A required clause that names a province (上海, 广东省, or Shanghai through the
    glossary) also matches the province's documents, as their titles would hold it
    (``index.title_rank.REGION_FIELD``), when another required clause names the
    topic: Shanghai's documents on 公共租赁住房 are titled 市政府关于…, 本市…, and a
    title-only record has no text that says 上海."""
    from index.title_rank import REGION_FIELD
    from search.title_draft import REGIONS

    regions = [_region_named(c, REGIONS) for c in clauses]
    topics = [c.occur == "must" and r is None for c, r in zip(clauses, regions, strict=True)]
    if not any(topics):
        return clauses
    out = []
    for c, r in zip(clauses, regions, strict=True):
        if r is not None:
            name, a = r
            weight = round(a.weight * PLACE_REGION_SHARE, 3)
            place = Alt((name,), weight, a.origin, fields=(REGION_FIELD,), display=name)
            c = replace(c, alts=(*c.alts, place))
        out.append(c)
    return out


def _region_named(c: Clause, regions: dict[str, str]) -> tuple[str, Alt] | None:
    """(the province, its alternative) a required clause names, or None."""
    if c.occur != "must":
        return None
    for a in c.alts:
        if a.origin in ("user", "curated") and len(a.words) == 1:
            word = a.words[0]
            name = word if word in regions else _PROVINCE_SUFFIX.sub("", word)
            if name in regions:
                return name, a
    return None


def _typed(word: list[Clause]) -> str:
    return "".join(c.display for c in word)


# An article, chapter or section as laws write it (第一千一百六十五条, 第三章): the query
# (parse_query) has put numbers in digits in this form already.
_ARTICLE_PART = re.compile(r"第[零〇一二三四五六七八九十百千万两]+[条章节款项编]")


def _article_parts_untitled(clauses: list[Clause], pq: ParsedQuery) -> list[Clause]:
    """The clauses of an article number (民法典 第一千一百六十五条: 第一千 / 一百六十五 /
    条) not asked of titles: they find the passage, while the title-first tier asks
    titles for the law. Without it no title held every word, and an interpretation
    citing the article outranked the Civil Code itself."""
    spans = [m.span() for m in _ARTICLE_PART.finditer(pq.normalized)]
    if not spans:
        return clauses
    part = [c.start >= 0 and any(a <= c.start < b for a, b in spans) for c in clauses]
    scoring = [c.occur != "must_not" and not c.title_optional for c in clauses]
    if not any(s and not p for s, p in zip(scoring, part, strict=True)):
        return clauses  # the article alone: nothing else to ask of titles
    return [replace(c, title_optional=True) if p else c for c, p in zip(clauses, part, strict=True)]


# A document type's weight when a query is ranked by any of its words: a title that
# is not in the index (网络安全审查办法) is then ranked by its subject, not by 办法.
KIND_WEIGHT_ANY = 0.1


def _kinds_light(clauses: list[Clause]) -> list[Clause]:
    """The clauses of document-type words (办法, 管理规定, 实施意见) weighed
    ``KIND_WEIGHT_ANY`` and not asked of titles, when another clause is left to
    rank by: a query ranked by any word (nothing has every word) otherwise lists
    whatever documents are 办法 first."""
    kind = [
        c.occur == "should" and c.display in TITLE_ENDINGS and not c.title_optional for c in clauses
    ]
    if all(kind) or not any(kind):
        return clauses
    return [
        replace(
            c,
            alts=tuple(replace(a, weight=round(a.weight * KIND_WEIGHT_ANY, 3)) for a in c.alts),
            title_optional=True,
        )
        if k
        else c
        for c, k in zip(clauses, kind, strict=True)
    ]


MAX_JOINED_UNITS = 3  # words typed apart that may make one word (新能源 汽车 -> 新能源汽车)


def _joined_words(units: list[Unit], how: _Matching) -> list[Clause]:
    """Chinese words typed apart that the index keeps as one word (新能源 汽车:
    新能源汽车), as optional clauses. Title-first ranking asks titles for them too, so
    titles holding the compound come before titles holding its parts apart; every
    document the parts match still matches."""
    out: list[Clause] = []
    asks = request_words()
    for i in range(len(units) - 1):
        for j in range(i + 2, min(i + MAX_JOINED_UNITS, len(units)) + 1):
            run = units[i:j]
            if any(
                len(u.terms) != 1 or u.or_group >= 0 or not has_han(u.text) or u.text in asks
                for u in run
            ):
                break  # request words (政策) ask for documents: never part of a topic word
            if len({u.chunk for u in run if u.chunk >= 0}) < sum(u.chunk >= 0 for u in run):
                break  # parts of one typed word: the analyzer already cut it so
            joined = "".join(u.terms[0] for u in run)
            if analyze(joined) == [joined]:
                alt = Alt((joined,), 1.0, "user", how.fields((joined,)), display=joined)
                # Its parts side by side too, in titles: 高技能人才 holds 技能人才 cut
                # as 高技能 / 人才, not the word.
                alts = (alt, *how.cover_alts(alt, set(), titles=True))
                out.append(Clause(alts, "should", display=joined))
    return out


def _unit_clauses(units: list[Unit], how: _Matching) -> list[Clause]:
    """A clause per unexpanded unit, in order, then one per OR group."""
    clauses: list[Clause] = []
    groups: dict[int, list[Unit]] = {}
    for u in units:
        if u.or_group >= 0:
            groups.setdefault(u.or_group, []).append(u)
        else:
            alts = tuple(how.user_alts(u.terms, u.text))
            clauses.append(Clause(alts, how.occur, display=u.text, start=u.span[0]))
    return clauses + [_or_clause(group, how.occur) for group in groups.values()]


def _or_clause(units: list[Unit], occur: str) -> Clause:
    """One alternative per typed chunk: 营商环境 OR 劳动合同 -> "营商 环境" | 劳动合同."""
    chunks: dict[object, list[Unit]] = {}
    for u in units:
        chunks.setdefault(u.chunk if u.chunk >= 0 else id(u), []).append(u)
    alts = tuple(
        Alt(tuple(t for u in us for t in u.terms), 1.0, "user", display="".join(u.text for u in us))
        for us in chunks.values()
    )
    return Clause(alts, occur, display=" OR ".join(a.display for a in alts))


def _negated_clauses(units: list[Unit]) -> list[Clause]:
    return [
        Clause(
            (Alt(u.terms, 1.0, "user", fields_for(u.terms), display=u.text),),
            "must_not",
            display=u.text,
        )
        for u in units
        if u.negated
    ]


def _filters(pq: ParsedQuery, req: SearchRequest) -> dict[str, tuple[str, ...]]:
    """The query's ``field:value`` filters and the request's, merged (文号 apart)."""
    filters = {k: tuple(v) for k, v in pq.filters.items() if k != "docnum"}
    for k, v in req.filters.items():
        filters[FILTER_FIELDS.get(k, k)] = tuple(dict.fromkeys(filters.get(k, ()) + tuple(v)))
    return filters


def _docnum_keys(pq: ParsedQuery) -> tuple[str, ...]:
    """The index keys of the query's document numbers (none without a 文号 filter)."""
    if not pq.filters.get("docnum"):
        return ()
    keys = tuple(k for v in pq.filters["docnum"] for k in keys_of(v))
    if not keys:
        raise QueryError("cannot read that document number", "write it like 国办发〔2019〕38号")
    return keys


def _only_fields(clauses: list[Clause], fields: tuple[str, ...]) -> list[Clause]:
    """Every clause restricted to the requested text fields (unknown ones are an error)."""
    bad = set(fields) - set(TEXT_FIELDS)
    if bad:
        raise QueryError(
            f"unknown field(s) {', '.join(sorted(bad))}", f"fields: {', '.join(TEXT_FIELDS)}"
        )
    return [replace(c, alts=tuple(_restrict(a, fields) for a in c.alts)) for c in clauses]
