"""Policy titles across languages: English renderings, Chinese originals, 文号 lookup.

Place in the flow: a search-side service beside ``search.engine``. Faces call
:func:`lookup_title` (``duizhao title``) and ``search.mentions`` calls it for
every title found in English news text; the indexer calls
:func:`add_draft_title` on every document so that Chinese-only documents get
their attested English title (``search/data/attested_titles.tsv``, with its
source) or else a searchable, clearly labelled draft.

What goes in and what comes out of :func:`lookup_title`:

* a Chinese title -> the English renderings Duizhao knows (attested ones, with
  their source, from indexed documents with that title), else a draft from
  ``search.title_draft`` labelled as a draft; plus the matching documents;
* an English title -> ranked Chinese originals in the index. Retrieval is the
  engine's plan (cross-language glossary expansion, ranked "any word" mode);
  the top candidates are re-ranked by a small scorer comparing the parsed
  structure of the English title (document type, issuer, region, year, key
  terms, 文号) with each candidate's Chinese title and metadata. The
  confidence is the weighted share of that evidence the candidate matches, so
  it means the same thing for every query;
* a document number in any bracket style or in English ("Guobanfa (2019)
  No. 38") -> the documents carrying it, exact key first.

Nothing is called official here: attested renderings carry the source that
gave them, drafts carry :data:`search.title_draft.DRAFT_LABEL`-style labels.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from index.deadline import Deadline
from index.docnumber import (
    DocNumber,
    find_docnums,
    parse_docnum,
    parse_typed,
    parse_yearless,
    yearless_keys,
)
from index.doctypes import NAME_ENDINGS
from index.document import COPY_MARGIN, Document, EnglishTitle, without_copies
from index.errors import DuizhaoError, InputError, NotFound, QueryError
from index.normalize import to_simplified
from index.plan import LIGHT_TEXT, TEXT_FIELDS, Alt, Clause, Plan, RawHit, RawResults
from index.scripts import HAN_CHARS, han_count, has_han
from index.title_rank import NATIONAL_REGION
from search import law_abbreviations
from search.attested import attested
from search.cities import cities
from search.intent import english_name, unquoted
from search.planning import SearchRequest, build_plan
from search.senses import stem_only, title_senses
from search.title_draft import (
    MAX_TITLE,
    REGIONS,
    DraftTitle,
    TermTable,
    TitleStructure,
    draft_title,
    parse_title,
)
from search.title_lexicon import english_doctypes, word_sets

POOL = 50  # candidates retrieved before re-ranking
TITLE_POOL = 25
MAX_DF = 6000  # index records; alternatives made only of commoner words are not searched
# In one province's pool the words common everywhere (教育, 发展) are what tells its
# documents apart, and the vectorized ranking of a few thousand more postings costs
# about what pruning them does: nothing is pruned there.
REGION_MAX_DF = None
# The text pool is for records known only by their text: the common words of their
# subject (教育, 发展) are most of what they share with the title; unpruned too.
BODY_MAX_DF = None
DRAFT_SOURCE = "draft (Duizhao, machine-generated)"
EXACT_THRESHOLD = 0.8  # confidence from which a candidate may be called the document

_LATIN = re.compile(r"[A-Za-z]")
# What title similarity compares: Han, Latin letters and digits (punctuation and spaces dropped).
_NOT_BIGRAM_CHAR = re.compile(f"[^{HAN_CHARS}A-Za-z0-9]")
_YEAR = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)")
_SPACES = re.compile(r"\s+")
_SPACED_HYPHEN = re.compile(r"(?<=[A-Za-z])\s+[-\u2013]\s+(?=[A-Za-z])")
# Dashes that news text and word processors put where a title has a hyphen
# ("2021–2023", "AI–enabled"): the analyzer keeps "2021-2023" one word, and
# splits at the others.
_DASH_IN_WORD = re.compile(r"(?<=[A-Za-z0-9])[\u2010-\u2014\u2212](?=[A-Za-z0-9])")

# --- fast draft titles at index time ------------------------------------------------


def _lookup_table(glossary: Any) -> TermTable:
    """zh -> preferred English of the curated/user entries, cached on the glossary.

    A plain dict lookup is what makes drafting fast: ``Glossary.zh_entry`` converts
    every miss to simplified Chinese again, and a draft probes hundreds of
    substrings that are mostly misses (titles are simplified already);
    ``TermTable.lengths_at`` skips the substrings no term starts with.
    """
    if glossary is None:
        from search.title_draft import _default_glossary

        glossary = _default_glossary()
    derived = getattr(glossary, "derived", None)
    table = derived.get("titles.lookup") if derived is not None else None
    if table is None:
        table = TermTable((e.zh, e.preferred) for e in glossary.entries() if e.preferred)
        if derived is not None:
            derived["titles.lookup"] = table
    return table


def add_draft_title(doc: Document, glossary: Any) -> None:
    """Give a Chinese-titled document its English title: the attested one when
    ``search/data/attested_titles.tsv`` knows its title (with the source), else
    a labelled draft, unless it already has one.

    Never raises for a bad title (an index run must not stop on one odd record):
    titles the drafter refuses are simply left without an English title.
    """
    if not doc.title or not has_han(doc.title):
        return
    if not any(t.attested for t in doc.titles_en):
        a = attested(doc.title)
        if a is not None:
            doc.titles_en.insert(0, EnglishTitle(a.en, a.citation, attested=True))
            return
    if doc.titles_en:
        return
    try:
        draft = draft_title(doc.title, _lookup_table(glossary))
    except InputError:
        return
    if draft.text:
        doc.titles_en.append(EnglishTitle(draft.text, DRAFT_SOURCE, attested=False))


# --- result types -----------------------------------------------------------------------


@dataclass
class Evidence:
    """One piece of evidence for a candidate: what the query says, whether the
    candidate agrees (1.0 yes, 0.0 no, a share for key terms), and its weight."""

    kind: str  # title | issuer | doctype | region | year | docnum | terms | retrieval
    score: float
    weight: float
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "matched": round(self.score, 3),
            "weight": self.weight,
            "detail": self.detail,
        }


@dataclass
class Candidate:
    doc: Document
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    retrieval_score: float = 0.0
    mismatch: list[str] = field(default_factory=list)  # issuer/region/doctype conflicts

    def to_dict(self) -> dict[str, Any]:
        d = self.doc
        return {
            "id": d.id,
            "title": d.title,
            "titles_en": [
                {"text": t.text, "source": t.source, "attested": t.attested} for t in d.titles_en
            ],
            "issuer": d.issuer,
            "region": d.region,
            "docnum": d.docnum,
            "date": d.date,
            "level": d.level,
            "source": d.source,
            "confidence": round(self.confidence, 3),
            "evidence": [e.to_dict() for e in self.evidence],
            "mismatch": self.mismatch,
        }


@dataclass
class Rendering:
    """A title in the other language: attested (a source gave it) or a draft."""

    text: str
    lang: str  # "en" | "zh"
    source: str
    attested: bool
    doc_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "source": self.source,
            "attested": self.attested,
            "doc_id": self.doc_id,
        }


@dataclass
class TitleLookup:
    query: str
    kind: str  # "zh_title" | "en_title" | "docnum" | "none"
    candidates: list[Candidate] = field(default_factory=list)
    renderings: list[Rendering] = field(default_factory=list)
    draft: DraftTitle | None = None
    parsed: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    notices: list[str] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def confidence(self) -> float:
        """Confidence of the answer: the best candidate's, else the draft's, else 0."""
        if self.candidates:
            return self.candidates[0].confidence
        if self.draft is not None:
            return self.draft.confidence
        return 0.0

    @property
    def exact(self) -> bool:
        """True when the best candidate is confidently *the* document asked for."""
        b = self.best
        return bool(b and b.confidence >= EXACT_THRESHOLD and not b.mismatch)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "kind": self.kind,
            "confidence": round(self.confidence, 3),
            "exact_match": self.exact,
            "message": self.message,
            "notices": self.notices,
            "parsed": self.parsed,
            "renderings": [r.to_dict() for r in self.renderings],
            "draft": (
                {
                    "text": self.draft.text,
                    "label": self.draft.label,
                    "confidence": self.draft.confidence,
                    "glossary_used": [
                        {"zh": zh, "en": en, "origin": o} for zh, en, o in self.draft.used
                    ],
                    "untranslated": self.draft.untranslated,
                }
                if self.draft is not None
                else None
            ),
            "candidates": [c.to_dict() for c in self.candidates],
        }


# --- input classification -----------------------------------------------------------------


def _clean(text: object) -> str:
    if not isinstance(text, str):
        raise InputError("a title must be text", hint=f"got {type(text).__name__}")
    t = unquoted(_SPACES.sub(" ", text.replace("\u3000", " ")).strip())
    t = unquoted(english_name(t))
    if not t:
        raise InputError(
            "empty title",
            hint='give a title, e.g. 国务院办公厅关于促进平台经济规范健康发展的指导意见 or "Guo Fa [2017] No. 35"',
        )
    if len(t) > MAX_TITLE:
        raise InputError(
            f"title too long ({len(t)} characters; the limit is {MAX_TITLE})",
            hint="pass one title or document number; for a whole article use `duizhao mentions`",
        )
    return t


def classify(text: str) -> str:
    """'docnum', 'zh_title', 'en_title' or 'none' (nothing to look up)."""
    if parse_typed(text) is not None or parse_yearless(text) is not None:
        return "docnum"
    han = han_count(text)
    latin = len(_LATIN.findall(text))
    if han >= 2 and han >= latin / 4:
        return "zh_title"
    words = re.findall(r"[A-Za-z]{2,}", text)
    if len(words) >= 2 or (words and len(words[0]) >= 4):
        return "en_title"
    return "none"


# --- retrieval ----------------------------------------------------------------------------


def _with_fields(plan: Plan, fields: tuple[str, ...]) -> Plan:
    """The same plan with every text alternative restricted to ``fields``:
    an alternative left with no field, and a clause left with no alternative,
    are dropped (the engine gives Chinese words and English words different
    fields, so an intersection, not a replacement)."""
    clauses = []
    for c in plan.clauses:
        alts = []
        for a in c.alts:
            if "docnum" in a.fields:
                alts.append(a)
                continue
            kept = tuple(f for f in a.fields if f in fields)
            if kept:
                alts.append(Alt(a.words, a.weight, a.origin, fields=kept, display=a.display))
        if alts:
            clauses.append(Clause(tuple(alts), c.occur, c.display))
    plan.clauses = clauses
    return plan


def retrieve(
    engine: Any,
    text: str,
    *,
    limit: int = POOL,
    expand: bool = True,
    fields: tuple[str, ...] = TEXT_FIELDS,
    filters: dict[str, tuple[str, ...]] | None = None,
    deadline: Deadline | None = None,
    max_df: int | None = MAX_DF,
) -> list[tuple[Document, float]]:
    """Candidate documents for a title: the engine's plan in ranked "any word"
    mode (with cross-language expansion), optionally restricted to some fields.
    With ``deadline`` (a search's one budget) the search spends from it, and
    nothing is searched once it has run out. Alternatives made only of words in
    more than ``max_df`` records are dropped (None: none are)."""
    raw = retrieve_raw(
        engine,
        text,
        limit=limit,
        expand=expand,
        fields=fields,
        filters=filters,
        deadline=deadline,
        max_df=max_df,
    )
    return [(h.document, h.score) for h in raw.hits] if raw is not None else []


def retrieve_raw(
    engine: Any,
    text: str,
    *,
    limit: int = POOL,
    expand: bool = True,
    fields: tuple[str, ...] = TEXT_FIELDS,
    filters: dict[str, tuple[str, ...]] | None = None,
    deadline: Deadline | None = None,
    max_df: int | None = MAX_DF,
    light: bool = False,
) -> RawResults | None:
    """:func:`retrieve`'s index search as the backend answers it (hits, total,
    partial), or None when nothing was searched (no words, or no time left).
    ``light``: hits may carry light documents (``RawHit.light``)."""
    if deadline is not None and deadline.expired():
        return None
    plan = _retrieval_plan(engine, text, limit, expand, fields, filters, max_df)
    if plan is not None:
        plan.light_documents = light
    return _search_plan(engine, plan, deadline) if plan is not None else None


def _search_plan(engine: Any, plan: Plan, deadline: Deadline | None) -> RawResults | None:
    """One retrieval: spends from ``deadline`` (None: nothing searched once it has
    run out), or else has the backend's own time limit."""
    if deadline is not None:
        if deadline.expired():
            return None
        return engine.backend.search(plan, deadline=deadline)
    raw = engine.backend.search(plan)
    if getattr(raw, "partial", False):
        # The backend's per-search time limit cut a cold first search short
        # (a fresh CLI process reads the postings from disk); warm, it completes.
        raw = engine.backend.search(plan)
    return raw


def _retrieval_plan(
    engine: Any,
    text: str,
    limit: int,
    expand: bool,
    fields: tuple[str, ...],
    filters: dict[str, tuple[str, ...]] | None,
    max_df: int | None,
) -> Plan | None:
    """The engine's plan for ``text`` in ranked "any word" mode (None: no words)."""
    base = _base_plan(engine, text, expand)
    if base is None:
        return None
    # A copy: the pools of one lookup (and lookups of the same title) share the base.
    plan = replace(base, clauses=list(base.clauses), limit=min(limit, 100))
    plan.filters = dict(filters or {})  # a title's words are never filters (a colon in a title)
    if fields != TEXT_FIELDS:
        plan = _with_fields(plan, fields)
    if max_df is not None:
        plan = _prune_common(engine, plan, max_df)
    return _one_clause(plan)


# Parsed and expanded titles (the plan before fields, filters and pruning): the same
# for every pool of a lookup and every lookup of the same title with the same glossary
# and index generation.
_BASE_PLANS: dict[tuple[str, bool], tuple[Any, Plan | None]] = {}
_BASE_PLANS_MAX = 512


def _base_plan(engine: Any, text: str, expand: bool) -> Plan | None:
    """``text`` parsed, expanded and planned in ranked "any word" mode (None: no
    words); kept per glossary object. Read only: callers copy it."""
    key = (text, expand)
    # The dictionary senses kept depend on the index's titles: its generation too.
    owner = (engine.glossary, engine.backend.generation())
    held = _BASE_PLANS.get(key)
    if held is not None and held[0][0] is owner[0] and held[0][1] == owner[1]:
        return held[1]
    plan = _build_base_plan(engine, text, expand)
    if len(_BASE_PLANS) >= _BASE_PLANS_MAX:
        _BASE_PLANS.clear()
    _BASE_PLANS[key] = (owner, plan)
    return plan


def _build_base_plan(engine: Any, text: str, expand: bool) -> Plan | None:
    from search.query import parse_query

    try:
        pq = parse_query(text)
    except QueryError:
        return None
    if not pq.positive_units:
        return None
    exps: list[Any] = []
    if expand and engine.glossary is not None:
        from search.expand import expand as do_expand

        exps = do_expand(pq.simplified, engine.glossary)
        exps = title_senses(pq.simplified, exps, engine.glossary, _title_df(engine))
    # Ranked "any word" mode, but not the engine's long-question mode: that one
    # matches Chinese words against article text only, and a title lookup is
    # first of all a match against titles.
    pq.long = False
    return build_plan(pq, exps, SearchRequest(q=text), force_any=True)


def _with_title_words(plan: Plan, words: tuple[str, ...]) -> Plan:
    """``plan`` with each of ``words`` as one more alternative, matched in titles."""
    from index.analysis import terms as analyze

    alts = []
    for w in words:
        toks = tuple(analyze(w))
        if toks:
            alts.append(Alt(toks, 1.0, "title-kind", fields=("title",), display=w))
    if alts:
        plan.clauses = [*plan.clauses, Clause(tuple(alts), "should", " ".join(words))]
    return _one_clause(plan)


def _one_clause(plan: Plan) -> Plan:
    """A plan of "any word" clauses as one clause holding all their alternatives.

    The score is the same sum (a clause scores the sum of its alternatives, a plan
    the sum of its clauses) and so is what matches (any alternative), but the
    backend ranks every record once per clause: one clause instead of a dozen
    is most of a retrieval's fixed cost.
    """
    if len(plan.clauses) < 2 or any(c.occur != "should" for c in plan.clauses):
        return plan
    alts = tuple(a for c in plan.clauses for a in c.alts)
    plan.clauses = [Clause(alts, "should", " ".join(c.display for c in plan.clauses))]
    return plan


# Record counts per (field, word), per index generation: pruning asks for the same
# few hundred words again and again, and each backend call checks the generation.
_DF_MEMO: dict[int, tuple[Any, dict[tuple[str, str], int]]] = {}
_DF_MEMO_MAX = 50_000


def _df_of(engine: Any) -> Callable[[str, str], int]:
    """The backend's record count per (field, word), memoized for the current
    index generation (read once per call of this function)."""
    backend = engine.backend
    gen = backend.generation()
    held = _DF_MEMO.get(id(backend))
    if held is None or held[0][0]() is not backend or held[0][1] != gen:
        if len(_DF_MEMO) > 8:
            _DF_MEMO.clear()
        # A weak reference: the memo keeps no closed index alive, and a new backend
        # that happens to get the same id is not taken for the old one.
        held = _DF_MEMO[id(backend)] = ((weakref.ref(backend), gen), {})
    memo = held[1]

    def df(field: str, word: str) -> int:
        key = (field, word)
        v = memo.get(key)
        if v is None:
            if len(memo) >= _DF_MEMO_MAX:
                memo.clear()  # bounded whatever words are asked for
            v = memo[key] = backend.doc_frequency(field, word)
        return v

    return df


def _title_df(engine: Any) -> Callable[[str], int]:
    """Records whose title holds a word (memoized like :func:`_df_of`)."""
    df = _df_of(engine)
    return lambda word: df("title", word)


def _prune_common(engine: Any, plan: Plan, max_df: int = MAX_DF) -> Plan:
    """Drop alternatives made only of very common words (通知, 管理, "notice").

    In ranked "any word" mode they add almost nothing to the ranking (low IDF)
    but make Whoosh walk tens of thousands of postings: an English title
    expanded to 20 Chinese words took seconds. The re-ranker still checks the
    document type and the other common words on each candidate.
    """
    df = _df_of(engine)

    def cost(a: Alt) -> int:
        return min(sum(df(f, w) for f in a.fields) for w in a.words)

    clauses: list[Clause] = []
    dropped: list[tuple[int, Clause]] = []
    for c in plan.clauses:
        if c.occur != "should":
            clauses.append(c)
            continue
        costs = [(cost(a), a) for a in c.alts]
        keep = tuple(a for k, a in costs if k <= max_df)
        if keep:
            clauses.append(Clause(keep, c.occur, c.display))
        else:
            dropped.append((min(k for k, _ in costs), c))
    if not any(c.occur != "must_not" for c in clauses) and dropped:
        clauses.append(min(dropped, key=lambda kc: kc[0])[1])  # keep the rarest
    plan.clauses = clauses
    return plan


def docnum_candidates(
    engine: Any, dn: DocNumber, limit: int = 10, deadline: Deadline | None = None
) -> list[Candidate]:
    """Documents carrying a document number: exact key first, then documents
    whose number only agrees in pinyin (豫/渝 both read "yu")."""
    keys = [dn.pinyin_key] if dn.is_pinyin else [dn.key, dn.pinyin_key]
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, key in enumerate(keys):
        plan = Plan(
            clauses=[Clause((Alt((key.lower(),), 1.0, "user", fields=("docnum",)),), "must")],
            limit=limit,
        )
        if deadline is not None and deadline.expired():
            break
        kw = {"deadline": deadline} if deadline is not None else {}
        for h in engine.backend.search(plan, **kw).hits:
            if h.doc_id in seen:
                continue
            seen.add(h.doc_id)
            exact = rank == 0 and not dn.is_pinyin
            # An English form cannot tell 豫 from 渝: every document with the
            # pinyin key matches it equally, so confidence falls with their number.
            conf = 1.0 if exact else (0.9 if dn.is_pinyin else 0.5)
            ev = Evidence(
                "docnum",
                1.0 if rank == 0 else 0.5,
                1.0,
                f"{'same number' if rank == 0 else 'same number read in pinyin'}: {h.document.docnum}",
            )
            out.append(Candidate(h.document, conf, [ev], h.score))
    if dn.is_pinyin and len(out) > 1:
        for c in out:
            c.confidence = round(0.9 / len(out) ** 0.5, 3)
    return out[:limit]


# --- the structure of an English title ------------------------------------------------------

# English document types -> Chinese ones (search.title_lexicon.english_doctypes: the
# draft's doctype renderings, then search/data/en_doctypes.tsv); longest English
# first when matching.
_EN_DOCTYPES: dict[str, list[str]] = english_doctypes()
_EN_DOCTYPE_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(_EN_DOCTYPES, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
# Every Chinese kind the English document types name (意见, 指导意见, 方案 ...).
_ZH_KINDS = frozenset(z for zs in _EN_DOCTYPES.values() for z in zs)


def general_kinds(kinds: set[str]) -> set[str]:
    """The general kinds that end the compound ones of ``kinds`` and are not among
    them: 意见 for 指导意见, 方案 for 实施方案, 规划 for 发展规划 (known kinds of two
    characters or more, so 法 does not make every law a kind of 办法)."""
    return {
        k
        for k in _ZH_KINDS
        if len(k) >= 2 and k not in kinds and any(z != k and z.endswith(k) for z in kinds)
    }


# "Plan for the Implementation of X" is X's 实施方案, as "Implementation Plan" is: the
# Chinese puts 实施 before the kind, the English often after it ("Opinions on the
# Implementation of ...": 实施意见; "Measures for Implementing ...": 实施办法).
_IMPLEMENTATION_KIND = re.compile(
    r"\b(plan|opinions|measures|rules|regulations|provisions|programme|program|scheme)"
    r"\s+(?:for|on|of)\s+(?:the\s+)?implement(?:ation|ing)\b",
    re.IGNORECASE,
)
# A count of years in digits, as news headlines write it ("5-year plan", "3-year action
# plan"), is the word the glossary and the document types know ("Five-Year Plan": 五年规划).
_YEAR_COUNT = re.compile(r"\b([2-9]|10)(?=[-\s]years?\b)", re.IGNORECASE)
_COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
_COUNT_WORDS.update({7: "seven", 8: "eight", 9: "nine", 10: "ten"})
_EN_REGIONS = {v.lower(): k for k, v in REGIONS.items()}
_EN_REGION_RE = re.compile(
    r"\b("
    + "|".join(re.escape(v) for v in sorted(REGIONS.values(), key=len, reverse=True))
    + r")\b"
)
_NATIONAL = frozenset({"中华人民共和国", "中国", "全国", "国家"})
# Glossary region words that name no place (乡镇, 国际, 市): never the title's region.
_NO_PLACE = word_sets()["no_place"]
_REGION_SUFFIX = re.compile(r"(省|市|自治区)$")
# "14th Five-Year ..." names the plan period 十四五 wherever "Plan" stands ("13th
# Five-Year National Informatization Plan"); the glossary knows only "13th
# Five-Year Plan", and "Five-Year" alone is 五年.
_FIVE_YEAR = re.compile(r"\b(1[1-5])(?:st|nd|rd|th)\s+Five[-\s]?Year\b", re.IGNORECASE)
_HYPHENS = re.compile(r"[-\s]+")
_PLAN_PERIODS = {11: "十一五", 12: "十二五", 13: "十三五", 14: "十四五", 15: "十五五"}
# A numbered part in Roman numerals -- "Amendment (VII) to the Criminal Law",
# "Amendment XI" -- is the Chinese numeral in brackets: 刑法修正案（七）.
_ROMAN_PART = re.compile(r"\(([IVX]{1,5})\)|\bAmendment\s+([IVX]{1,5})\b")
_ROMAN = {"I": 1, "V": 5, "X": 10}
_ZH_DIGITS = "零一二三四五六七八九"


def _roman(s: str) -> int | None:
    """A Roman numeral's value (1-39), or None when it is not one."""
    total = 0
    for i, ch in enumerate(s):
        v = _ROMAN[ch]
        total += -v if i + 1 < len(s) and _ROMAN[s[i + 1]] > v else v
    return total if 0 < total < 40 and _roman_form(total) == s else None


def _roman_form(n: int) -> str:
    tens, ones = divmod(n, 10)
    return "X" * tens + ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][ones]


def _zh_number(n: int) -> str:
    """1-39 in Chinese numerals (十一, 二十三)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _ZH_DIGITS[tens] + "十"
    return head + (_ZH_DIGITS[ones] if ones else "")


_PRC = re.compile(r"\bPeople['\u2019]s Republic of China\b|\bPRC\b", re.IGNORECASE)


@dataclass
class TermGroup:
    """One English phrase of the query and the Chinese renderings that stand for it."""

    en: str
    zh: tuple[str, ...]
    category: str
    weight: float
    span: tuple[int, int] = (0, 0)  # where the phrase stands in the English title


@dataclass
class EnglishTitleParse:
    text: str
    doctypes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (en, zh...)
    issuers: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # zh names (山东, 济南)
    provinces: list[str] = field(default_factory=list)  # their provinces (山东)
    national: bool = False  # "of the People's Republic of China" and no region
    years: list[int] = field(default_factory=list)
    docnums: list[DocNumber] = field(default_factory=list)
    terms: list[TermGroup] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doctypes": [{"en": en, "zh": list(zh)} for en, zh in self.doctypes],
            "issuers": [{"en": en, "zh": list(zh)} for en, zh in self.issuers],
            "regions": self.regions,
            "provinces": self.provinces,
            "national": self.national,
            "years": self.years,
            "docnums": [dn.key for dn in self.docnums],
            "key_terms": [
                {"en": t.en, "zh": list(t.zh), "category": t.category} for t in self.terms
            ],
        }


def parse_english_title(
    text: str, glossary: Any, title_df: Callable[[str], int] | None = None
) -> EnglishTitleParse:
    """Document types, issuers, regions, years, 文号 and glossary key terms of an
    English title (terms carry their Chinese renderings for matching). With
    ``title_df`` (records per title word) a word the curated glossary lacks has
    the dictionary senses that titles use (:func:`search.senses.title_senses`)."""
    text = _YEAR_COUNT.sub(lambda m: _COUNT_WORDS[int(m.group(1))].title(), text)
    p = EnglishTitleParse(text)
    for m in _EN_DOCTYPE_RE.finditer(text):
        en = m.group(1)
        zhs = tuple(_EN_DOCTYPES[en.lower()])
        if all(en.lower() != d.lower() for d, _ in p.doctypes):
            p.doctypes.append((en, zhs))
    _add_implementation_kinds(p, text)
    for m in _EN_REGION_RE.finditer(text):
        zh = _EN_REGIONS[m.group(1).lower()]
        if zh not in p.regions:
            p.regions.append(zh)
    p.years = sorted({int(y) for y in _YEAR.findall(text)})
    try:
        p.docnums = [dn for dn, _ in find_docnums(text)]
    except InputError:
        p.docnums = []
    if glossary is not None:
        _add_glossary_parts(p, text, glossary, title_df)
    _add_plan_periods(p, text)
    _add_numbered_parts(p, text)
    # A Roman-numbered part is no city (Amendment XI is not Xi'an).
    for zh in cities().in_english(_ROMAN_PART.sub(" ", text)):
        if zh not in p.regions:
            p.regions.append(zh)
    # The corpus stores a document's province as its region: a city stands for
    # its province there (Jinan -> 山东).
    for r in p.regions:
        provs = (r,) if r in REGIONS else cities().provinces.get(r, ())
        p.provinces.extend(x for x in provs if x not in p.provinces)
    p.national = not p.regions and bool(_PRC.search(text))
    return p


PARSE_READINGS = 4  # Chinese readings kept per English word or phrase of a title


def _title_readings(text: str, glossary: Any, title_df: Callable[[str], int] | None) -> list[Any]:
    """The glossary's and CC-CEDICT's readings of an English title's words. More per
    word than are kept: those reached through the word's stem alone are dropped first
    (``_drop_stem_only``), so they no longer crowd out a spelled one (Industries: 工业,
    产业 and 行业, not 工业化 and 产业化 in 行业's place). CC-CEDICT phrases are chosen by
    title evidence (``title_senses``), not read before their words."""
    from search.expand import expand

    exps = expand(
        text, glossary, max_per_term=PARSE_READINGS + 2, max_total=48, cedict_phrases=False
    )
    return exps if title_df is None else title_senses(text, exps, glossary, title_df)


def _add_glossary_parts(
    p: EnglishTitleParse, text: str, glossary: Any, title_df: Callable[[str], int] | None
) -> None:
    """Issuers, regions, document types and key terms the glossary finds in ``text``."""
    groups: dict[tuple[tuple[int, ...], bool], TermGroup] = {}
    for e in _title_readings(text, glossary, title_df):
        if e.target_lang != "zh":
            continue
        key = (tuple(e.span), e.origin == "cc-cedict")
        g = groups.get(key)
        if g is None:
            weight = {"policy": 2.0, "legal": 2.0}.get(e.category, 1.0)
            g = groups[key] = TermGroup(e.source, (), e.category, weight, tuple(e.span))
        if e.target not in g.zh:
            g.zh = (*g.zh, e.target)
    for (_, dictionary), g in groups.items():
        if not dictionary:
            _drop_stem_only(g, glossary)
        g.zh = g.zh[:PARSE_READINGS]
    for (span, dictionary), g in list(groups.items()):
        curated = groups.get((span, False))
        if dictionary and curated is not None and curated.category not in _PART_KINDS:
            # Dictionary senses of a word the glossary took through its stem only
            # (Accounting: 问责): one more reading of the same subject term.
            curated.zh = (*curated.zh, *(z for z in g.zh if z not in curated.zh))
            del groups[(span, True)]
    numbered = [m.span() for m in _ROMAN_PART.finditer(text) if _roman(m.group(1) or m.group(2))]
    for (_, dictionary), g in groups.items():
        if dictionary:
            # Always a subject term, even beside a stem-only region reading
            # (Nationality: 国籍, beside 国家).
            p.terms.append(g)
        elif g.category == "doctype":
            if all(g.en.lower() != d.lower() for d, _ in p.doctypes):
                p.doctypes.append((g.en, g.zh))
        elif g.category == "issuer":
            p.issuers.append((g.en, g.zh))
        elif g.category == "region":
            if any(a < g.span[1] and g.span[0] < b for a, b in numbered):
                continue  # a Roman-numbered part is no place (Amendment XI: not Xi'an)
            places = _places(g.zh)
            for base in places:
                if base not in p.regions:
                    p.regions.append(base)
            if not places and not any(z in _NATIONAL for z in g.zh):
                # A region word that names no place (Township: 乡镇, International:
                # 国际) is no region of the title, but it still says what it is about.
                words = tuple(z for z in g.zh if len(z) > 1)
                if words:
                    p.terms.append(replace(g, zh=words, category="general"))
        else:
            p.terms.append(g)


def _add_implementation_kinds(p: EnglishTitleParse, text: str) -> None:
    """The 实施 kind of "<kind> for/on the Implementation of" (实施方案, 实施意见 ...)."""
    for m in _IMPLEMENTATION_KIND.finditer(text):
        zhs = tuple(
            dict.fromkeys(
                z if z.startswith("实施") else "实施" + z for z in _EN_DOCTYPES[m.group(1).lower()]
            )
        )
        if zhs and all(m.group(0).lower() != d.lower() for d, _ in p.doctypes):
            p.doctypes.append((m.group(0), zhs))


def _drop_stem_only(g: TermGroup, glossary: Any) -> None:
    """A word's curated readings spelled as the word outrank those the glossary
    reached through its stem alone: "New" reads 新型 and 新兴 ("new"), not 新闻
    ("news"); "Packaging" 包装, not 一揽子 ("package"). The stem-only readings stay
    when the word has no other (Accounting: 问责, through "accountability")."""
    stemmed = [z for z in g.zh if stem_only(glossary, g.en, z)]
    if stemmed and len(stemmed) < len(g.zh):
        g.zh = tuple(z for z in g.zh if z not in stemmed)


def _add_plan_periods(p: EnglishTitleParse, text: str) -> None:
    """The plan period (十四五) of every "14th Five-Year" the terms lack; it
    replaces the bare "Five-Year" (五年) read inside it."""
    for m in _FIVE_YEAR.finditer(text):
        zh = _PLAN_PERIODS[int(m.group(1))]
        if any(zh in t.zh for t in p.terms):
            continue
        said = _HYPHENS.sub(" ", m.group(0).lower())
        inside = [
            t for t in p.terms if t.zh == ("五年",) and _HYPHENS.sub(" ", t.en.lower()) in said
        ]
        span = inside[0].span if inside else (-1, -1)  # (-1, -1): holds no other term
        p.terms = [t for t in p.terms if t not in inside]
        p.terms.append(TermGroup(m.group(0), (zh,), "policy", 2.0, span))
    # The period written out, as the titles of the plans themselves have it
    # (国民经济和社会发展第十四个五年规划纲要): 十四五 also reads 第十四个五年.
    for t in p.terms:
        longer = [f"第{_zh_number(n)}个五年" for n, zh in _PLAN_PERIODS.items() if zh in t.zh]
        t.zh = (*t.zh, *(z for z in longer if z not in t.zh))


def _add_numbered_parts(p: EnglishTitleParse, text: str) -> None:
    """A numbered part in Roman numerals as a key term: its Chinese numeral in
    brackets, which sets one amendment (or batch) apart from its siblings."""
    for m in _ROMAN_PART.finditer(text):
        n = _roman(m.group(1) or m.group(2))
        if n is None:
            continue
        zh = _zh_number(n)
        p.terms.append(TermGroup(m.group(0), (f"（{zh}）", f"({zh})"), "general", 2.0, (-1, -1)))


def _places(zhs: tuple[str, ...]) -> list[str]:
    """The places among a region word's Chinese renderings, as the corpus names a
    region (上海市 -> 上海): not the People's Republic (no province) and not the
    region words that name no place (``no_place`` of title_sets.tsv: 乡镇, 国际, 市)."""
    out: list[str] = []
    for z in zhs:
        if z in _NO_PLACE:
            continue
        base = _REGION_SUFFIX.sub("", z)
        if base and base not in _NATIONAL and base not in out:
            out.append(base)
    return out


# Glossary categories that are parts of a title's structure, not its subject.
_PART_KINDS = frozenset({"doctype", "issuer", "region"})


# --- scoring ---------------------------------------------------------------------------------

# Weights of the evidence kinds; the confidence is the weighted share matched
# among the kinds the query actually has.
W_TERMS = 0.45
W_DOCTYPE = 0.15
W_ISSUER = 0.15
W_REGION = 0.1
W_YEAR = 0.05
W_DOCNUM = 0.3
W_EN_TITLE = 0.3
W_RETRIEVAL = 0.1
W_FIT = 0.1  # a tie-breaker between titles holding the same terms
REGION_CLASH = 0.8  # confidence kept by a candidate of another place than the one named
PLACE_TEXT_CHARS = 300  # how much of a national text's start may name the title's place
ABOUT_ANOTHER_KEEP = 0.85  # confidence kept by an explainer of a document (一图读懂《…》)
_EXPLAINER_EN = re.compile(
    r"interpret|explain|q\s*&\s*a|questions?\s+and\s+answers|press\s+conference|briefing|"
    r"infographic|graphic",
    re.IGNORECASE,
)
SPLIT_GAP = 8  # characters a title may put between the two halves of a reading


@functools.lru_cache(maxsize=4096)
def _compact(s: str) -> str:
    """Simplified, without spaces (cached: candidates' titles and text heads are
    compared again for every query that finds them)."""
    return to_simplified(_SPACES.sub("", s))


def _zh_title_text(doc: Document) -> str:
    """The candidate's Chinese title, or -- for documents known only by an English
    title -- the head of its Chinese text, where the title usually stands."""
    if doc.title:
        return _compact(doc.title + doc.subtitle)
    return _uncited_head(doc.body[:160])


# A document quoted as the basis of another (为贯彻落实《…》, 根据«…»): the head
# of a text that cites it is not that document.
_CITED = re.compile(
    r"(?:落实|贯彻|根据|依据|按照|实施|依照|遵照|对照|参照)[^《«]{0,4}(?:《[^《》]*》|«[^«»]*»)"
)


@functools.lru_cache(maxsize=20_000)
def _uncited_head(head: str) -> str:
    """The head of a text, compacted, without the documents it cites as its basis."""
    return _compact(_CITED.sub("", head))


@functools.lru_cache(maxsize=20_000)
def _en_words(s: str) -> frozenset[str]:
    """The stemmed words of an English text (cached: a lookup compares the query
    with the English titles and issuers of ~100 candidates, and stemming is most
    of the scoring's cost; the same documents come back for many queries)."""
    from index.analysis import en_key

    return frozenset(en_key(s).split())


# The compacted heads of candidates' texts (what a term missing from a title is
# looked for in), per index generation. The pools of the suite's 72 English titles
# read ~2,500 distinct documents a pass: their heads crowded the titles out of the
# ``_compact`` cache, and compacting 4,000 characters again (a regex and OpenCC)
# was about half of scoring. Within one generation a document's text is fixed, so
# its id is the key; bounded by characters (~2 bytes each), least recently used first.
MAX_HEAD_CHARS = 8_000_000
HEAD_CHARS = LIGHT_TEXT  # how much of a text the terms are looked for in (all a light one has)


class _TextHeads:
    """Compacted text heads by (index generation, document id), shared by threads."""

    def __init__(self, max_chars: int = MAX_HEAD_CHARS) -> None:
        self.max_chars = max_chars
        self._heads: OrderedDict[tuple[Any, str], tuple[int, str]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, generation: Any, doc: Document) -> str:
        key = (generation, doc.id)
        with self._lock:
            held = self._heads.get(key)
            if held is not None and held[0] == len(doc.body):  # the same text
                self._heads.move_to_end(key)
                return held[1]
        head = _compact(doc.body[:HEAD_CHARS]) if doc.body else ""
        with self._lock:
            old = self._heads.pop(key, None)
            if old is not None:
                self._chars -= len(old[1])
            self._heads[key] = (len(doc.body), head)
            self._chars += len(head)
            while self._chars > self.max_chars and len(self._heads) > 1:
                _, (_n, gone) = self._heads.popitem(last=False)
                self._chars -= len(gone)
        return head


_HEADS = _TextHeads()


@dataclass
class _EnglishScoring:
    """What scoring reads of one English title, made once for all its candidates."""

    covers: list[tuple[int, ...]]  # per term: the terms whose span holds its own
    doctypes: set[str]  # the Chinese document types the title names
    specific: set[str]  # those of its most specific English (empty: all are)
    general: set[str]  # the general kinds of its compound ones (意见 for 指导意见)
    docnum_keys: set[str]
    generation: Any = None  # the index generation of the candidates (None: no cache)
    readings: tuple[str, ...] = ()  # every Chinese reading of the title, longest first
    # The years the title writes (a plan's period, 2021-2030), looked for in the Chinese
    # title as one more term: a period both titles write is as telling as a subject
    # word (the 2021-2030 action plan against trafficking, not the 1989 notice on
    # it). Not when the title has a 文号, whose year its Chinese title does not write.
    years: tuple[str, ...] = ()
    asks_for_explainer: bool = False  # the title names an interpretation, Q&A, briefing ...

    @classmethod
    def of(cls, parse: EnglishTitleParse, generation: Any = None) -> _EnglishScoring:
        spans = [t.span for t in parse.terms]
        covers = [
            tuple(
                j
                for j, u in enumerate(spans)
                if u != t and u[0] <= t[0] and t[1] <= u[1]  # a longer reading of t's words
            )
            for t in spans
        ]
        # "Plan" inside "Development Plan" is the same word read twice: the longer
        # names the kind (发展规划); 方案 matches only the general word.
        ens = [en.lower() for en, _ in parse.doctypes]
        inner = {e for e in ens if any(o != e and o.endswith(" " + e) for o in ens)}
        specific = (
            {z for en, zs in parse.doctypes if en.lower() not in inner for z in zs}
            if inner
            else set()
        )
        want = {z for _, zs in parse.doctypes for z in zs}
        return cls(
            covers,
            want,
            specific,
            general_kinds(want),
            {k for dn in parse.docnums for k in (dn.key, dn.pinyin_key)},
            generation,
            _readings(parse),
            () if parse.docnums else tuple(str(y) for y in parse.years),
            _EXPLAINER_EN.search(parse.text) is not None,
        )


# What a Chinese title says that its English rendering need not: the People's
# Republic (often left out: "Anti-Secession Law"), the words around the subject
# (关于, 的, 印发), and all that is not a Han character (years, brackets).
_UNSAID = re.compile(f"中华人民共和国|关于|印发|转发|[的和与及]|[^{HAN_CHARS}]")


def _readings(parse: EnglishTitleParse) -> tuple[str, ...]:
    """Every Chinese reading of an English title's parts (terms, kinds, issuers,
    places), longest first; none when it has no key term (a title's fit to the
    kind alone would only favour short titles)."""
    if not parse.terms:
        return ()
    zs = {z for t in parse.terms for z in t.zh}
    zs.update(z for _, g in (*parse.doctypes, *parse.issuers) for z in g)
    zs.update(parse.regions)
    return tuple(sorted((z for z in zs if z), key=len, reverse=True))


def title_fit(title_zh: str, readings: tuple[str, ...]) -> float | None:
    """The share of a (compacted) Chinese title that the English title's readings
    account for, the words any title has left out; None for a title of none of
    its own or no readings. Of two titles holding the same terms, the one with less besides them
    is the likelier rendering (环境保护法, not 海洋环境保护法, for "Environmental
    Protection Law"; 国籍法, not 反分裂国家法, for "Nationality Law")."""
    core = _UNSAID.sub("", title_zh)
    if not core or not readings:
        return None
    said = bytearray(len(core))
    for z in readings:
        i = core.find(z)
        while i >= 0:
            said[i : i + len(z)] = b"\x01" * len(z)
            i = core.find(z, i + 1)
    return sum(said) / len(core)


def score_english(
    parse: EnglishTitleParse,
    doc: Document,
    retrieval: float,
    *,
    use_title_en: bool = True,
    scoring: _EnglishScoring | None = None,
) -> Candidate:
    """Compare an English title's structure with one candidate document: one
    independent piece of evidence per part the title names. ``scoring`` is what
    the title's lookup made once for all candidates (else made here)."""
    sc = scoring if scoring is not None else _EnglishScoring.of(parse)
    title_zh = _zh_title_text(doc)
    # The start of the text, compacted: made only when a check looks past the title.
    if sc.generation is not None:
        body_zh = _once(lambda: _HEADS.get(sc.generation, doc))
    else:
        body_zh = _once(lambda: _compact(doc.body[:HEAD_CHARS]) if doc.body else "")
    ev: list[Evidence] = []
    mismatch: list[str] = []
    if parse.terms:
        ev.append(_terms_evidence(parse, title_zh, body_zh, sc.covers, sc.years, not doc.title))
    if parse.doctypes:
        ev.append(_kind_evidence(parse, doc, title_zh, body_zh, sc))
    if parse.issuers:
        ev.append(_issuer_evidence(parse, doc, title_zh, mismatch))
    if parse.regions or parse.national:
        ev.append(_region_evidence(parse, doc, title_zh, mismatch))
    elif place := _title_place(title_zh) if doc.title else _first_line_place(doc):
        # The Chinese title names a place the English one does not: a news title
        # of a local document names its province or city (Shanghai's plan is not
        # the national one of the same name).
        mismatch.append(f"region: the title names {place}, the English no place")
        ev.append(Evidence("region", 0.0, W_REGION, f"{place}, not named"))
    if parse.years:
        y = doc.year
        ok = y is not None and any(abs(y - py) <= 1 for py in parse.years)
        ev.append(
            Evidence("year", 1.0 if ok else 0.0, W_YEAR, f"{parse.years} vs {y or 'unknown'}")
        )
    if parse.docnums:
        dn = parse_docnum(doc.docnum) if doc.docnum else None
        ok = dn is not None and (dn.key in sc.docnum_keys or dn.pinyin_key in sc.docnum_keys)
        ev.append(Evidence("docnum", 1.0 if ok else 0.0, W_DOCNUM, doc.docnum or "none"))
    fit = title_fit(title_zh, sc.readings) if doc.title else None
    if fit is not None:
        ev.append(Evidence("fit", fit, W_FIT, "share of the title the English accounts for"))
    if use_title_en and doc.titles_en:
        ev.append(_english_title_evidence(parse, doc))
    ev.append(Evidence("retrieval", retrieval, W_RETRIEVAL, "search score relative to the best"))
    conf = _kept_confidence(parse, doc, ev, sc.asks_for_explainer)
    return Candidate(doc, conf, ev, retrieval, mismatch)


def _kept_confidence(
    parse: EnglishTitleParse, doc: Document, ev: list[Evidence], explainer_asked: bool
) -> float:
    """The evidence's confidence, less for a candidate that cannot be the document
    however well its words match."""
    conf = _confidence(ev)
    if parse.regions and _of_another_place(parse, doc, ev):
        # A document of another place than the one the title names is not its
        # document (Shandong's 十四五 outline is not Henan's; a record without a
        # Chinese title escapes the title-fit evidence that weighs on the right one).
        conf = round(conf * REGION_CLASH, 3)
    if not explainer_asked and doc.title and _about_another(doc.title):
        # An explainer of a document (一图读懂《X》, a press conference on X) is not X,
        # unless the English asks for one: it holds X's words and often its period
        # without X's place, which the English may leave out too, so it beat X.
        conf = round(conf * ABOUT_ANOTHER_KEEP, 3)
    return conf


def _of_another_place(parse: EnglishTitleParse, doc: Document, ev: list[Evidence]) -> bool:
    """Whether the candidate is of another place than the one the title names: a
    province the title does not name, or a national document when the title names
    one province only and neither the candidate's title nor the start of its text
    names its place (Shanghai's implementation plan is not the national work plan; a
    title naming two places, Chengdu-Chongqing, can be a national plan for both)."""
    region = next((e for e in ev if e.kind == "region"), None)
    if region is None or region.score != 0.0:
        return False
    if doc.region and doc.region != NATIONAL_REGION:
        return True
    if doc.region != NATIONAL_REGION or len(parse.provinces) != 1 or not doc.body:
        return False
    start = doc.body[:PLACE_TEXT_CHARS]
    return not any(r in start for r in (*parse.regions, *parse.provinces))


def _once(make: Callable[[], str]) -> Callable[[], str]:
    """``make``, called at most once (cheaper than a functools.cache per candidate)."""
    made: list[str] = []

    def get() -> str:
        if not made:
            made.append(make())
        return made[0]

    return get


def _any_in(parts: tuple[str, ...], text: str) -> bool:
    """Whether any of ``parts`` is in ``text`` (a loop: cheaper than any() of a generator)."""
    for z in parts:  # noqa: SIM110 (a generator frame per call costs more)
        if z in text:
            return True
    return False


def _terms_evidence(
    parse: EnglishTitleParse,
    title_zh: str,
    body_zh: Callable[[], str],
    covers: list[tuple[int, ...]],
    years: tuple[str, ...] = (),
    untitled: bool = False,
) -> Evidence:
    """How much of the title's subject terms the Chinese title (or, weaker, the text)
    holds; ``years`` the title writes count as one more term, held when the Chinese
    title writes them all. ``untitled``: ``title_zh`` is the head of a text."""
    got = total = 0.0
    hits = []
    if years:
        total += 1.0
        if all(y in title_zh for y in years):
            got += 1.0
            hits.append("-".join(years))
    in_title = [
        _any_in(t.zh, title_zh) or _as_industry_suffix(parse.terms, i, title_zh)
        for i, t in enumerate(parse.terms)
    ]
    for i, t in enumerate(parse.terms):
        total += t.weight
        # A longer reading of the same words that the title holds (Trade Union: 工会)
        # answers for the words inside it (Trade: 贸易) too (looked for only when
        # the term itself is not in the title).
        if in_title[i] or any(in_title[j] for j in covers[i]):
            got += t.weight
            hits.append(t.en)
            continue
        if _split_in(t.zh, title_zh):
            got += t.weight
            hits.append(f"{t.en} (split)")
            continue
        if _any_in(t.zh, body_zh()):
            got += 0.5 * t.weight  # in the text, not the title: weaker
            hits.append(f"{t.en} (text)")
            continue
        if untitled and _any_in(tuple(_subject_of_name(z) for z in t.zh), title_zh):
            # A law known by its text says 本法, and its subject where it starts
            # (为了加强安全生产工作，…制定本法), never its own name (安全生产法).
            got += t.weight
            hits.append(f"{t.en} (subject)")
    n = len(parse.terms) + bool(years)
    return Evidence("terms", got / total, W_TERMS, f"{len(hits)}/{n}: {', '.join(hits)}")


# English words for a trade that Chinese titles may write as the suffix 业 of the trade's
# name: the Financial Leasing Industry is 融资租赁业, not 融资租赁产业.
_INDUSTRY_WORDS = frozenset({"industry", "industries", "sector", "sectors"})


def _as_industry_suffix(terms: list[TermGroup], i: int, title_zh: str) -> bool:
    """Whether term ``i`` is "Industry" after another term, and the title writes that
    term with 业 after it (融资租赁业)."""
    if terms[i].en.lower() not in _INDUSTRY_WORDS:
        return False
    start = terms[i].span[0]
    before = [t for t in terms if t is not terms[i] and 0 <= t.span[1] <= start]
    return any(z + "业" in title_zh for t in before for z in t.zh)


def _split_in(parts: tuple[str, ...], title: str) -> bool:
    """Whether a title holds a reading of four to eight characters split in two
    words with what they govern between them, as Chinese titles write a verb
    phrase around its object: 加快发展 in 加快新能源汽车产业发展, 促进消费 in
    促进文化消费 (each half two characters or more, in order, at most
    ``SPLIT_GAP`` apart)."""
    for z in parts:
        n = len(z)
        if not 4 <= n <= 8:
            continue
        for k in range(2, n - 1):
            a, b = z[:k], z[k:]
            i = title.find(a)
            while i >= 0:
                j = title.find(b, i + k)
                if 0 <= j - (i + k) <= SPLIT_GAP:
                    return True
                i = title.find(a, i + 1)
    return False


# What a candidate of only the general kind of a compound one gets (a 意见 for "Guiding
# Opinions"): translators add and drop "Guiding", "Several" and "Implementation" (若干意见
# is often just "Opinions"), so such a candidate is not of another kind; but it says
# less than the kind named, as a kind only cited in the title does.
GENERAL_KIND_SCORE = 0.5


def _kind_evidence(
    parse: EnglishTitleParse,
    doc: Document,
    title_zh: str,
    body_zh: Callable[[], str],
    sc: _EnglishScoring,
) -> Evidence:
    """``_doctype_evidence`` of the kinds the title names; when it finds none, a
    ``GENERAL_KIND_SCORE`` share of that of their general kinds (``general_kinds``)."""
    ev = _doctype_evidence(parse, doc, title_zh, body_zh, sc.doctypes, sc.specific)
    if ev.score or not sc.general:
        return ev
    wider = _doctype_evidence(parse, doc, title_zh, body_zh, sc.general)
    if not wider.score:
        return ev
    return Evidence(
        "doctype",
        GENERAL_KIND_SCORE * wider.score,
        W_DOCTYPE,
        "/".join(en for en, _ in parse.doctypes)
        + f" (its general kind: {'/'.join(sorted(sc.general))})",
    )


def _doctype_evidence(
    parse: EnglishTitleParse,
    doc: Document,
    title_zh: str,
    body_zh: Callable[[], str],
    want: set[str],
    specific: set[str] | None = None,
) -> Evidence:
    """Whether the candidate is of the kind the title names (law, measures, plan ...:
    ``want``, their Chinese). ``specific``: the kinds the title's most specific
    English names (Development Plan: 发展规划, not the 方案 of "Plan" inside it)."""
    if doc.title:
        # The candidate's own kind ends its title (or the title it issues);
        # a kind only named inside it is a citation: 关于适用《…法》的解释 is no law,
        # and neither is the infographic of a plan (一图读懂《…规划》).
        own = not _about_another(doc.title) and (
            _ends_with_kind(doc.title, want) or doc.doctype in want
        )
        dscore = 1.0 if own else 0.5 if any(z in title_zh for z in want) else 0.0
        if (
            own
            and specific
            and not (_ends_with_kind(doc.title, specific) or doc.doctype in specific)
        ):
            dscore = 0.75  # only the general kind inside what the title names
    else:
        dscore = 1.0 if any(z in title_zh for z in want) or doc.doctype in want else 0.0
    ok = dscore > 0
    detail = "" if dscore == 1.0 else " only cited in the title" if ok else " not in the title"
    if not ok and not doc.title and doc.body:
        # No Chinese title, only text: a document names its own kind in it
        # (制定本行动计划, 本办法所称) -- the type itself or its family (本计划) --
        # or announces it (现就…提出如下意见, 提出以下措施, 现将有关事项通知如下).
        body = body_zh()
        ok = any(_names_own_kind(body, z) for z in want)
        dscore = 1.0 if ok else 0.0
        detail = " (the text names itself so)" if ok else detail
    return Evidence(
        "doctype",
        dscore,
        W_DOCTYPE,
        "/".join(en for en, _ in parse.doctypes) + detail,
    )


def _names_own_kind(text: str, kind: str) -> bool:
    """Whether a text names itself of ``kind`` (Chinese): 本办法, 本计划 for 行动计划,
    提出如下意见, 以下措施, 通知如下."""
    return any(
        form in text
        for form in (f"本{kind}", f"本{kind[-2:]}", f"如下{kind}", f"以下{kind}", f"{kind}如下")
    )


def _issuer_evidence(
    parse: EnglishTitleParse, doc: Document, title_zh: str, mismatch: list[str]
) -> Evidence:
    """Whether an issuer the title names issued the candidate (a clash goes to ``mismatch``)."""
    doc_issuer_words = _en_words(doc.issuer) if _LATIN.search(doc.issuer or "") else set()
    ok = False
    for en, zhs in parse.issuers:
        named = any(z in title_zh or (doc.issuer and z in doc.issuer) for z in zhs)
        if named or _placeless_issuer_of(doc, parse.regions, zhs):
            ok = True
        elif doc_issuer_words and _en_words(en) <= doc_issuer_words:
            ok = True  # English issuer metadata (en_titles records)
    st_issuers = _title_issuers(doc)
    if not ok and st_issuers:
        mismatch.append(f"issuer: {'、'.join(st_issuers)}")
    return Evidence(
        "issuer",
        1.0 if ok else 0.0,
        W_ISSUER,
        "; ".join(en for en, _ in parse.issuers),
    )


def _placeless_issuer_of(doc: Document, regions: list[str], zhs: tuple[str, ...]) -> bool:
    """Whether a document of a named place has the issuer without the place's name, as
    Shanghai's titles write it (市政府办公厅 for 上海市人民政府办公厅)."""
    issuer = doc.issuer or ""
    if not issuer.startswith(("市", "省")) or doc.region not in regions:
        return False
    mine = issuer.replace("人民政府", "政府")
    for z in zhs:
        for r in regions:
            if z.startswith(r) and z[len(r) :].replace("人民政府", "政府") == mine:
                return True
    return False


def _region_evidence(
    parse: EnglishTitleParse, doc: Document, title_zh: str, mismatch: list[str]
) -> Evidence:
    """Whether the candidate is from the place the title names, or national when the
    title names the People's Republic (a clash goes to ``mismatch``)."""
    if not parse.regions:
        # A title of the People's Republic of China names a national document.
        national = doc.region in (NATIONAL_REGION, "")
        if not national:
            mismatch.append(f"region: {doc.region}, not national")
        return Evidence("region", 1.0 if national else 0.0, W_REGION, "national")
    named = doc.region in parse.regions or any(r in title_zh for r in parse.regions)
    # A city the title does not name, in the city's province: half the evidence.
    in_province = not named and bool(doc.region) and doc.region in parse.provinces
    region_score = 1.0 if named else 0.5 if in_province else 0.0
    if not region_score and doc.region and doc.region not in (NATIONAL_REGION, ""):
        mismatch.append(f"region: {doc.region}, not {'/'.join(parse.regions)}")
    elif not region_score and doc.region == NATIONAL_REGION:
        mismatch.append(f"region: national, not {'/'.join(parse.regions)}")
    return Evidence("region", region_score, W_REGION, "/".join(parse.regions))


def _english_title_evidence(parse: EnglishTitleParse, doc: Document) -> Evidence:
    """Word overlap with the candidate's English titles (a draft counts for less)."""
    q = _en_words(parse.text)
    best = 0.0
    for t in doc.titles_en:
        w = _en_words(t.text)
        if q and w:
            dice = 2 * len(q & w) / (len(q) + len(w))
            best = max(best, dice if t.attested else 0.6 * dice)
    return Evidence("english_title", best, W_EN_TITLE, "word overlap with its English title")


_TRAILING_NOTE = re.compile(r"[（(][^（）()]{0,16}[)）]$")
# A title about another document (its infographic, press conference, Q&A): the
# kind it quotes is not its own.
_QUOTED = re.compile(r"《[^《》]*》")
# A local body named without its place (Shanghai's 市政府, 市科委, 区政府 ...).
_LOCAL_ISSUER = re.compile(
    r"^(?:市|区|县)(?!场)(?:人民)?(?:政府|[^关于《]{0,12}?(?:委员会|委|局|厅|办))"
)


def _first_line_place(doc: Document) -> str | None:
    """The place the first line of a text names (where the title of a record known
    only by its text stands), outside what it quotes."""
    line = _QUOTED.sub("", doc.body[:160].split("\n", 1)[0][:40])
    m = _place_re().search(_compact(line)) if line else None
    return m.group(0) if m else None


def _about_another(title: str) -> bool:
    """Whether a title is about a document it quotes (一图读懂《…规划》), not that document."""
    return "《" in title and _explainer_re().search(_QUOTED.sub("", title)) is not None


@functools.lru_cache(maxsize=1)
def _explainer_re() -> re.Pattern[str]:
    """The explainer words (search/data/explainer_words.txt), longest first."""
    from search.planning import explainer_words

    return re.compile("|".join(map(re.escape, sorted(explainer_words(), key=len, reverse=True))))


@functools.lru_cache(maxsize=1)
def _place_re() -> re.Pattern[str]:
    """Provinces by name, cities with 市 (a bare city name can be a word: 大同, 长治)."""
    names = [*REGIONS, *(f"{c}市" for c in cities().provinces)]
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


@functools.lru_cache(maxsize=20_000)
def _title_place(title: str) -> str | None:
    """The first place a (compacted) Chinese title names, or a local body it names
    without its place (市政府); None for a title of no place."""
    m = _place_re().search(title)
    if m:
        return m.group(0)
    m = _LOCAL_ISSUER.match(title)
    return m.group(0) if m else None


def _ends_with_kind(title: str, kinds: set[str]) -> bool:
    """True when the title -- or the title a 关于印发…的通知 issues -- ends in one of
    ``kinds`` (trailing notes such as （2018年修正） and 《》 aside)."""
    heads = [title]
    inner = _parsed_title(title).inner_title
    if inner:
        heads.append(inner)
    for h in heads:
        h = _TRAILING_NOTE.sub("", _compact(h)).rstrip('》」”"')
        for k in kinds:
            if h.endswith(k) and not (k == "法" and h.endswith(_NOT_LAWS)):
                return True
    return False


# Words ending in 法 that are no law: 办法 are measures (实施《…法》办法 is no law).
_NOT_LAWS = ("办法", "方法", "做法")


def _confidence(ev: list[Evidence]) -> float:
    total = sum(e.weight for e in ev)
    if not total:
        return 0.0
    return round(sum(e.score * e.weight for e in ev) / total, 3)


def _title_issuers(doc: Document) -> list[str]:
    return list(_parsed_title(doc.title).issuers) if doc.title else []


def _bigrams(s: str) -> set[str]:
    s = _NOT_BIGRAM_CHAR.sub("", s)
    return {s[i : i + 2] for i in range(len(s) - 1)} or ({s} if s else set())


def _dice(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@functools.lru_cache(maxsize=20_000)
def _parsed_title(title: str) -> TitleStructure:
    """A candidate's title parsed (cached: the same candidates come back for many
    queries, and parsing is most of what comparing with them costs; read only)."""
    try:
        return parse_title(title)
    except InputError:
        return TitleStructure(title=title)


def _region_of_issuers(issuers: list[str]) -> str | None:
    """The province of the first issuer named after a province or a city."""
    for i in issuers:
        for zh in sorted(REGIONS, key=len, reverse=True):
            if i.startswith(zh):
                return zh
        prov = cities().province_of_issuer(i)
        if prov is not None:
            return prov
    return None


def score_chinese(
    st: TitleStructure, doc: Document, retrieval: float, *, region: str | None = None
) -> Candidate:
    """Compare a Chinese title (parsed) with one candidate's title and metadata."""
    cand_title = _zh_title_text(doc)
    ev: list[Evidence] = []
    mismatch: list[str] = []
    if doc.title and _compact(doc.title) == _compact(st.title):
        ev.append(Evidence("title", 1.0, 1.0, "same title"))
        return Candidate(doc, 1.0, ev, retrieval)
    cst = _parsed_title(cand_title) if doc.title else TitleStructure(title=cand_title)
    if cst.inner_title and not st.inner_title:
        # A 关于印发…的通知 of the document the title names: compare with what it
        # issues (新能源汽车产业发展规划 is the 规划 that 国务院办公厅关于印发新能源汽车
        # 产业发展规划（2021—2035年）的通知 issues, not a 通知 about 印发…).
        cst = _parsed_title(cst.inner_title)
    q_subject = st.inner_title or st.subject or st.title
    c_subject = cst.inner_title or cst.subject or cand_title
    sim = _dice(q_subject, c_subject)
    ev.append(Evidence("terms", sim, 0.6, "subject similarity (character pairs)"))
    if st.doctype:
        if cst.doctype == st.doctype:
            s = 1.0
        elif cst.doctype and (cst.doctype[-2:] == st.doctype[-2:]):
            s = 0.5  # 意见 vs 实施意见: same family
        else:
            s = 0.0
        ev.append(Evidence("doctype", s, 0.15, f"{st.doctype} vs {cst.doctype or 'none'}"))
        if s == 0.0 and cst.doctype:
            mismatch.append(f"doctype: {cst.doctype}, not {st.doctype}")
    want_region = region or _region_of_issuers(st.issuers)
    if st.issuers:
        ok = any(i in cand_title or i == doc.issuer for i in st.issuers)
        ev.append(Evidence("issuer", 1.0 if ok else 0.0, 0.15, "、".join(st.issuers)))
        if not ok and cst.issuers:
            mismatch.append(f"issuer: {'、'.join(cst.issuers)}")
    if want_region:
        c_region = doc.region or _region_of_issuers(cst.issuers) or ""
        ok = c_region == want_region or want_region in cand_title
        ev.append(Evidence("region", 1.0 if ok else 0.0, 0.15, want_region))
        if not ok:
            mismatch.append(f"region: {c_region or 'unknown'}, not {want_region}")
    ev.append(Evidence("retrieval", retrieval, W_RETRIEVAL, "search score relative to the best"))
    return Candidate(doc, _confidence(ev), ev, retrieval, mismatch)


# --- the lookups --------------------------------------------------------------------------


def _rank(cands: list[Candidate], limit: int) -> list[Candidate]:
    cands.sort(key=lambda c: (-c.confidence, -c.retrieval_score, c.doc.id))
    return cands[:limit]


def _lookup_docnum(
    engine: Any, text: str, limit: int, deadline: Deadline | None = None
) -> TitleLookup:
    dn = parse_typed(text)
    if dn is None:
        return _lookup_yearless(engine, text, limit, deadline)
    res = TitleLookup(text, "docnum", parsed={"docnum": dn.key, "pinyin_key": dn.pinyin_key})
    res.candidates = docnum_candidates(engine, dn, limit, deadline)
    if not res.candidates:
        res.message = f"No indexed document has the number {dn.key}."
    elif dn.is_pinyin and len(res.candidates) > 1:
        res.notices.append(
            "An English (pinyin) number cannot tell apart issuer codes that read the same "
            "(豫 and 渝 are both 'yu'); check the issuer."
        )
    for c in res.candidates:
        _add_renderings(res, c.doc)
    return res


def _lookup_yearless(
    engine: Any, text: str, limit: int, deadline: Deadline | None = None
) -> TitleLookup:
    """A 文号 typed without its year (国办发38号): that number in every year, newest
    first, each as likely as the others."""
    found = parse_yearless(text)
    assert found is not None
    code, number = found
    res = TitleLookup(text, "docnum", parsed={"docnum": f"{code}〔?〕{number}号"})
    alts = tuple(Alt((k.lower(),), 1.0, "user", fields=("docnum",)) for k in yearless_keys(*found))
    plan = Plan(clauses=[Clause(alts, "must")], limit=limit, sort="date")
    kw = {"deadline": deadline} if deadline is not None else {}
    hits = engine.backend.search(plan, **kw).hits
    for h in hits:
        ev = Evidence("docnum", 1.0, 1.0, f"same issuer code and number: {h.document.docnum}")
        res.candidates.append(
            Candidate(h.document, round(0.9 / len(hits) ** 0.5, 3), [ev], h.score)
        )
        _add_renderings(res, h.document)
    if not res.candidates:
        res.message = f"No indexed document has the number {code}〔any year〕{number}号."
    else:
        res.notices.append(f"{text.strip()} gives no year: every year's, newest first.")
    return res


def _add_renderings(res: TitleLookup, doc: Document) -> None:
    if res.kind == "en_title":
        if doc.title:
            r = Rendering(doc.title, "zh", f"indexed document ({doc.source})", True, doc.id)
            if all(x.text != r.text for x in res.renderings):
                res.renderings.append(r)
        return
    for t in doc.titles_en:
        if t.attested and all(x.text != t.text for x in res.renderings):
            res.renderings.append(Rendering(t.text, "en", t.source, True, doc.id))


def _lookup_chinese(
    engine: Any,
    text: str,
    limit: int,
    region: str | None,
    expand: bool,
    deadline: Deadline | None = None,
) -> TitleLookup:
    res = TitleLookup(text, "zh_title")
    st = parse_title(text)
    res.parsed = {
        "issuers": st.issuers,
        "doctype": st.doctype,
        "subject": st.subject,
        "inner_title": st.inner_title,
        "suffix": st.suffix,
    }
    # Titles against titles: with the body searched too, long laws whose many
    # articles share a few common words outrank a title-only record that has
    # the rare subject term. The text pool catches documents whose Chinese
    # title stands only at the head of their text.
    hits = retrieve(engine, st.title, expand=False, fields=("title",), deadline=deadline)
    seen = {d.id for d, _ in hits}
    body = retrieve(
        engine, st.title, expand=False, fields=("body",), limit=POOL // 5, deadline=deadline
    )
    for d, sc in body:
        if d.id not in seen:
            hits.append((d, sc))
            seen.add(d.id)
    top = max((s for _, s in hits), default=0.0) or 1.0
    cands = [score_chinese(st, d, s / top, region=region) for d, s in hits]
    res.candidates = _rank(_about_the_subject(st, cands), limit)
    a = attested(text)
    if a is not None:  # known from a source even when no indexed document has the title
        res.renderings.append(Rendering(a.en, "en", a.citation, True))
    for c in res.candidates:
        if c.confidence >= 1.0:
            _add_renderings(res, c.doc)
    res.draft = draft_title(text, _lookup_table(engine.glossary))
    if res.renderings:
        res.message = "English renderings given by sources (attested) are listed first."
    else:
        res.message = (
            "No attested English title is known for this title; the draft below is "
            "machine-generated, not an official translation."
        )
    if not res.exact:
        res.notices.append("The exact document is not in the index; closest documents shown.")
    return res


def _about_the_subject(st: Any, cands: list[Candidate]) -> list[Candidate]:
    """The candidates whose title shares a word of the title's subject (or is the
    title): a document that is only of the same kind (another 办法 for
    网络安全审查办法) is not close to it, and naming it as close misleads."""
    if not st.subject:
        return cands
    return [
        c
        for c in cands
        if c.confidence >= 1.0 or any(e.kind == "terms" and e.score > 0 for e in c.evidence)
    ]


@dataclass
class _Pool:
    """An English title's candidates: each document once, in the order found,
    with its retrieval score; ``main`` is the first retrieval as the backend
    answered it (the search box can show it as its own results)."""

    hits: list[tuple[Document, float]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    plan: Plan | None = None  # the main retrieval's
    main: RawResults | None = None
    light: set[str] = field(default_factory=set)  # ids whose document in ``hits`` is light

    def add(self, found: list[tuple[Document, float]]) -> None:
        for d, sc in found:
            if d.id not in self.seen:
                self.hits.append((d, sc))
                self.seen.add(d.id)

    def add_raw(self, raw: RawResults | None) -> None:
        """A retrieval's hits (light documents noted)."""
        if raw is None:
            return
        for h in raw.hits:
            if h.document.id not in self.seen and h.light:
                self.light.add(h.document.id)
        self.add([(h.document, h.score) for h in raw.hits])


# English document types whose Chinese is one word with its subject: "Insurance Law"
# is 保险法, a single indexed word, which neither 保险 nor 法 matches.
_JOINED_KINDS = {"law": ("法",), "code": ("法典", "法")}
_BEFORE_KIND = re.compile(r"\s*(?:Law|Code)\b")
_LAW_ON = re.compile(r"\b(?:Law|Code)\b.*?\bon\s+(?:the\s+)?", re.IGNORECASE)


LAW_NAME_RENDERINGS = 3  # renderings of a law's head term tried in its names
MAX_LAW_NAMES = 8  # names searched in titles for one English law title


def law_names(parse: EnglishTitleParse) -> tuple[str, ...]:
    """The Chinese names a law's English title stands for, from its key terms:
    the terms right before "Law" in their order (Enterprise Bankruptcy Law ->
    企业破产法), or those after "Law ... on" in reverse (Law on the Protection
    of Military Installations -> 军事设施保护法). Only their first renderings."""
    kinds = tuple(
        dict.fromkeys(z for en, _ in parse.doctypes for z in _JOINED_KINDS.get(en.lower(), ()))
    )
    terms = sorted((t for t in parse.terms if t.zh), key=lambda t: t.span)
    if not kinds or not terms:
        return ()
    stems: list[str] = []
    before = [t for t in terms if _BEFORE_KIND.match(parse.text, t.span[1])]
    for t in before:
        run = [t]  # the terms that run up to it, joined by spaces only
        for u in reversed([x for x in terms if x.span[1] <= run[0].span[0]]):
            if parse.text[u.span[1] : run[0].span[0]].strip():
                break
            run.insert(0, u)
        # The head term in each of its renderings (Tax: 税收, 税 -> 资源税收法,
        # 资源税法); the terms before it in their first.
        lead = "".join(x.zh[0] for x in run[:-1])
        for z in t.zh[:LAW_NAME_RENDERINGS]:
            stems.append(lead + z)
            stems.append(z)
    m = _LAW_ON.search(parse.text)
    after = [t for t in terms if m is not None and t.span[0] >= m.end()]
    if after and len(after) <= 3:
        head = after[0]  # the last word of the Chinese name
        rest = "".join(t.zh[0] for t in reversed(after[1:]))
        stems.extend(rest + z for z in head.zh[:LAW_NAME_RENDERINGS])
    names = dict.fromkeys(st + k for st in stems for k in kinds)
    return tuple(list(names)[:MAX_LAW_NAMES])


def _english_fields(use_title_en: bool) -> tuple[str, ...]:
    """The fields an English title is searched in (without its own English titles
    when ``use_title_en`` is False)."""
    if use_title_en:
        return TEXT_FIELDS
    return tuple(f for f in TEXT_FIELDS if f not in ("title_en", "title_draft"))


def _main_plan(
    engine: Any, text: str, parse: EnglishTitleParse, fields: tuple[str, ...], expand: bool
) -> Plan | None:
    """The plan of an English title's main retrieval: its words and their
    expansions (the commonest left out), and the names of a law it stands for."""
    plan = _retrieval_plan(engine, text, POOL, expand, fields, None, MAX_DF)
    words = law_names(parse) if expand else ()
    if plan is not None and words and "title" in fields:
        plan = _with_title_words(plan, words)
    return plan


BODY_PASSAGES = 150  # passages read to rank documents by their text
BODY_DOCUMENTS = POOL // 2  # documents they give the pool
PASSAGE_DECAY = 0.5  # the weight of a document's next passage: 1, 0.5, 0.25 ...
PASSAGES_COUNTED = 5
BODY_RENDERINGS = 2  # renderings of a key term searched in the text
BODY_SCORE_SHARE = 0.5  # their first's retrieval score, as a share of the pools' best


def _subject_of_name(zh: str) -> str:
    """A law's name as its own text writes its subject (专利法 -> 专利: the law says 本法,
    and the documents that cite it say 专利法)."""
    for ending in sorted(NAME_ENDINGS, key=len, reverse=True):
        if zh.endswith(ending) and len(zh) - len(ending) >= 2:
            return zh[: -len(ending)]
    return zh


def _body_documents(
    engine: Any, parse: EnglishTitleParse, top_score: float, deadline: Deadline | None
) -> RawResults | None:
    """The documents known by their text alone (no Chinese title) whose text holds the
    title's key terms most -- their first renderings, not its kind, issuer or country,
    which every law's text names -- by the decayed sum of their best passages' scores
    (one hit each: its best passage)."""
    words = dict.fromkeys(_subject_of_name(z) for t in parse.terms for z in t.zh[:BODY_RENDERINGS])
    if not words:
        return None
    plan = _retrieval_plan(engine, " ".join(words), POOL, False, ("body",), None, BODY_MAX_DF)
    if plan is None:
        return None
    plan.collapse, plan.limit, plan.light_documents = False, BODY_PASSAGES, True
    raw = _search_plan(engine, plan, deadline)
    if raw is None:
        return None
    best: dict[str, Any] = {}
    scores: dict[str, list[float]] = {}
    for h in raw.hits:
        if h.document.title:  # a titled document is found by its title (the other pools)
            continue
        best.setdefault(h.doc_id, h)
        scores.setdefault(h.doc_id, []).append(h.score)
    total = {
        d: sum(
            x * PASSAGE_DECAY**i for i, x in enumerate(sorted(v, reverse=True)[:PASSAGES_COUNTED])
        )
        for d, v in scores.items()
    }
    top = sorted(total, key=lambda d: -total[d])[:BODY_DOCUMENTS]
    # Their passages answered other words than the pools' (the key terms alone), so
    # no score of theirs compares: scaled, the first scores ``top_score``.
    most = max(total.values(), default=0.0) or 1.0
    raw.hits = [replace(best[d], score=top_score * total[d] / most) for d in top]
    return raw


def _add_text_pools(
    pool: _Pool,
    engine: Any,
    text: str,
    parse: EnglishTitleParse,
    expand: bool,
    deadline: Deadline | None,
) -> None:
    """Two pools from the text alone: title matches (boosted, and 46k title-only
    records) crowd out documents whose Chinese title is known only from the head of
    their text (English-titled records); and by document, as a long text about the
    title's subject (a law's every article on prices) has many passages that match,
    none of them better than one passing mention elsewhere."""
    pool.add_raw(
        retrieve_raw(
            engine,
            text,
            expand=expand,
            fields=("body",),
            limit=POOL // 2,
            deadline=deadline,
            max_df=BODY_MAX_DF,
            light=True,
        )
    )
    if expand:  # its words are the key terms' renderings: the glossary's expansions
        ref = max((sc for _d, sc in pool.hits), default=0.0)
        pool.add_raw(_body_documents(engine, parse, ref * BODY_SCORE_SHARE, deadline))


def _english_pool(
    engine: Any,
    text: str,
    parse: EnglishTitleParse,
    fields: tuple[str, ...],
    expand: bool,
    deadline: Deadline | None,
) -> _Pool:
    """The candidates of an English title, from up to three retrievals and its 文号."""
    pool = _Pool()
    pool.plan = _main_plan(engine, text, parse, fields, expand)
    if pool.plan is not None:
        # Scoring reads the candidates' metadata and the head of their text: light
        # documents (the ones shown are read whole, :func:`_whole_candidates`).
        pool.plan.light_documents = True
        pool.main = _search_plan(engine, pool.plan, deadline)
    pool.add_raw(pool.main)
    if pool.plan is not None and "title" in fields:
        tplan = _with_fields(replace(pool.plan, clauses=list(pool.plan.clauses)), ("title",))
        tplan.limit = TITLE_POOL
        if tplan.clauses:
            pool.add_raw(_search_plan(engine, tplan, deadline))
    _add_text_pools(pool, engine, text, parse, expand, deadline)
    if parse.provinces:
        # A province (or one of its cities) in the title: the province's own
        # documents form a third pool (its name is too common a word to rank
        # them by itself).
        pool.add_raw(
            retrieve_raw(
                engine,
                text,
                expand=expand,
                fields=fields,
                limit=POOL // 2,
                filters={"region": tuple(parse.provinces)},
                max_df=REGION_MAX_DF,
                deadline=deadline,
                light=True,
            )
        )
    for dn in parse.docnums:  # a number in the title: its documents join the pool
        pool.add([(c.doc, 0.0) for c in docnum_candidates(engine, dn, 5, deadline)])
    return pool


def _thin(cands: list[Candidate]) -> bool:
    """Whether the pool holds nothing the lookup would call the document: then a
    second retrieval from the parsed title is worth its cost."""
    return not cands or cands[0].confidence < EXACT_THRESHOLD


# The share of the best score that a document found only by the second retrieval
# is credited with: its scores come from another query, so they rank only among
# themselves, and the first retrieval's documents keep their own.
EXTRA_RETRIEVAL = 0.5


def _parse_pool(
    engine: Any,
    parse: EnglishTitleParse,
    pool: _Pool,
    fields: tuple[str, ...],
    deadline: Deadline | None,
) -> list[tuple[Document, float]]:
    """Titles searched for the parsed title's own readings -- each key term's
    renderings (the plan period of "14th Five-Year", the dictionary senses titles
    use) and the document types -- which the engine's expansion of the English
    words does not all have: the documents the pool lacks, with their scores."""
    if pool.plan is None or "title" not in fields:
        return []
    groups = [t.zh for t in parse.terms] + [zs for _, zs in parse.doctypes]
    per_group = _reading_alts(groups)
    alts = [a for g in per_group for a in g]
    if len(alts) < 2:
        return []
    plan = replace(pool.plan, clauses=[Clause(tuple(alts), "should", "parsed title")])
    plan.limit = TITLE_POOL
    plan.light_documents = True
    raw = _search_plan(engine, plan, deadline)
    rare = _rarest_term(per_group[: len(parse.terms)], _title_df(engine)) or ()
    others = tuple(a for a in alts if a not in rare)
    if rare and others:
        # Titles that hold the title's rarest key term, ranked by the other readings:
        # the OR of every reading favours short titles of commoner words (关于进一步
        # 加强…的意见 over a longer 强化知识产权保护…意见 for "Opinions on Further
        # Strengthening the Protection of Intellectual Property Rights").
        clauses = [Clause(rare, "must", "rarest term"), Clause(others, "should", "parsed title")]
        raw = _merged(raw, _search_plan(engine, replace(plan, clauses=clauses), deadline))
    if parse.provinces:
        # A province in the title: its own titles holding the readings, which the
        # whole corpus's (every province's 碳达峰实施方案) can crowd out of the pool.
        rplan = replace(plan, filters={**plan.filters, "region": tuple(parse.provinces)})
        raw = _merged(raw, _search_plan(engine, rplan, deadline))
    if raw is None or not raw.hits:
        return []
    # Its scores, put on the first retrievals' scale at EXTRA_RETRIEVAL of their
    # best: the pool then ranks as one (the candidates score as if found at once).
    top = max((s for _, s in pool.hits), default=0.0) or 1.0
    top_x = max(h.score for h in raw.hits) or 1.0
    n = len(pool.hits)
    for h in raw.hits:
        if h.document.id not in pool.seen and h.light:
            pool.light.add(h.document.id)
    pool.add([(h.document, EXTRA_RETRIEVAL * top * h.score / top_x) for h in raw.hits])
    return pool.hits[n:]


def _reading_alts(groups: list[tuple[str, ...]]) -> list[tuple[Alt, ...]]:
    """Each group's readings as title alternatives (a reading another group already
    has is not repeated)."""
    from index.analysis import terms as analyze

    seen: set[tuple[str, ...]] = set()
    out: list[tuple[Alt, ...]] = []
    for zs in groups:
        alts: list[Alt] = []
        for z in zs:
            toks = tuple(analyze(z))
            if toks and toks not in seen:
                seen.add(toks)
                alts.append(Alt(toks, 1.0, "title-parse", fields=("title",), display=z))
        out.append(tuple(alts))
    return out


def _rarest_term(
    groups: list[tuple[Alt, ...]], title_df: Callable[[str], int]
) -> tuple[Alt, ...] | None:
    """The key term whose readings the fewest titles hold (a reading counts as its
    rarest word, an upper bound of the phrase's count), or None when no title
    holds any of them."""
    best: tuple[int, tuple[Alt, ...]] | None = None
    for alts in groups:
        counts = [min(title_df(w) for w in a.words) for a in alts]
        n = max(counts, default=0)  # the group matches where any reading does
        if n > 0 and (best is None or n < best[0]):
            best = (n, alts)
    return best[1] if best is not None else None


def _merged(raw: Any, more: Any) -> Any:
    """One retrieval's hits with another's added (see :func:`_merge_hits`)."""
    if more is None or not more.hits:
        return raw
    if raw is None or not raw.hits:
        return more
    return replace(raw, hits=_merge_hits(raw.hits, more.hits))


def _merge_hits(a: list[Any], b: list[Any]) -> list[Any]:
    """Two retrievals' hits as one list, each document once (its first hit), the
    second list's scores put on the first's scale (both are searches of the same
    readings, one of them within a region)."""
    top_a = max((h.score for h in a), default=0.0) or 1.0
    top_b = max((h.score for h in b), default=0.0) or 1.0
    seen = {h.doc_id for h in a}
    return [*a, *(replace(h, score=h.score * top_a / top_b) for h in b if h.doc_id not in seen)]


def _score_extra(
    parse: EnglishTitleParse,
    pool: _Pool,
    extra: list[tuple[Document, float]],
    use_title_en: bool,
    generation: Any,
) -> list[Candidate]:
    """The second retrieval's documents scored as :func:`_rank_english` scores the pool."""
    top = max((s for _, s in pool.hits), default=0.0) or 1.0
    sc = _EnglishScoring.of(parse, generation)
    return [
        score_english(parse, d, s / top, use_title_en=use_title_en, scoring=sc) for d, s in extra
    ]


def _rank_english(
    parse: EnglishTitleParse,
    pool: _Pool,
    limit: int,
    use_title_en: bool,
    generation: Any = None,
) -> list[Candidate]:
    """The pool scored against the title's structure, best first (``generation``:
    the index generation the pool was read from, for the text-head cache)."""
    top = max((s for _, s in pool.hits), default=0.0) or 1.0
    sc = _EnglishScoring.of(parse, generation)
    cands = [
        score_english(parse, d, s / top, use_title_en=use_title_en, scoring=sc)
        for d, s in pool.hits
    ]
    return _rank(cands, limit)


def _whole_document(engine: Any, light: Document) -> Document:
    """The whole document of a light one (the light one if it was deleted meanwhile)."""
    try:
        return engine.backend.get_document(light.id)
    except NotFound:
        return light


def _whole_candidates(engine: Any, cands: list[Candidate], pool: _Pool) -> None:
    """The candidates kept, with their whole documents (the pools' may be light)."""
    for c in cands:
        if c.doc.id in pool.light:
            c.doc = _whole_document(engine, c.doc)


class _WholeOnRead(RawHit):
    """A light hit of the lookup's main retrieval offered to the search box: its
    whole document is read when first asked for (only the page's hits are)."""

    def __init__(
        self, hit: RawHit, engine: Any
    ) -> None:  # not the dataclass init: no fields of its own
        self.doc_id, self.score, self.passage, self.matched = (
            hit.doc_id,
            hit.score,
            hit.passage,
            hit.matched,
        )
        self.light = False
        self._doc = hit.document
        self._engine: Any = engine

    @property  # type: ignore[override]
    def document(self) -> Document:
        if self._engine is not None:
            self._doc, self._engine = _whole_document(self._engine, self._doc), None
        return self._doc


def _whole_results(engine: Any, raw: RawResults, cands: list[Candidate]) -> RawResults:
    """``raw`` with whole documents: the candidates' own, else read when shown."""
    whole = {c.doc.id: c.doc for c in cands}
    hits: list[RawHit] = []
    for h in raw.hits:
        if not h.light:
            hits.append(h)
        elif h.doc_id in whole:
            hits.append(replace(h, document=whole[h.doc_id], light=False))
        else:
            hits.append(_WholeOnRead(h, engine))
    return replace(raw, hits=hits)


def _english_outcome(res: TitleLookup) -> None:
    """The Chinese titles of the candidates that match every piece of evidence,
    and a message saying how close the answer is."""
    for c in res.candidates[:3]:
        if c.confidence >= EXACT_THRESHOLD and not c.mismatch:
            _add_renderings(res, c.doc)
    if not res.candidates:
        res.message = "No document in the index matches this English title."
    elif not res.exact:
        res.message = "No candidate matches all the evidence; the closest documents are shown."


# Parsed English titles, like the plans of _BASE_PLANS: the senses kept depend on
# the index's titles, so per glossary object and index generation. Read only.
_EN_PARSES: dict[str, tuple[Any, EnglishTitleParse]] = {}
_EN_PARSES_MAX = 512


def _english_parse(engine: Any, text: str, generation: Any) -> EnglishTitleParse:
    """:func:`parse_english_title` of ``text`` with the engine's glossary and titles
    (kept per glossary and generation; callers do not change it)."""
    owner = (engine.glossary, generation)
    held = _EN_PARSES.get(text)
    if held is not None and held[0][0] is owner[0] and held[0][1] == owner[1]:
        return held[1]
    parse = parse_english_title(text, engine.glossary, _title_df(engine))
    if len(_EN_PARSES) >= _EN_PARSES_MAX:
        _EN_PARSES.clear()
    _EN_PARSES[text] = (owner, parse)
    return parse


def _lookup_english(
    engine: Any,
    text: str,
    limit: int,
    expand: bool,
    use_title_en: bool,
    deadline: Deadline | None = None,
) -> tuple[TitleLookup, _Pool]:
    """An English title's Chinese originals, and the pool they were chosen from."""
    res = TitleLookup(text, "en_title")
    # "Five - Year", "New - Generation": spaced hyphens (common in scraped
    # translations) hide hyphenated glossary phrases.
    text = _SPACED_HYPHEN.sub("-", _DASH_IN_WORD.sub("-", text))
    # Before the pool is read: a commit during the lookup then keys its documents
    # under a generation no later lookup asks for.
    generation = engine.backend.generation()
    parse = _english_parse(engine, text, generation)
    res.parsed = parse.to_dict()
    fields = _english_fields(use_title_en)
    pool = _english_pool(engine, text, parse, fields, expand, deadline)
    res.candidates = _rank_english(parse, pool, limit, use_title_en, generation)
    if expand and _thin(res.candidates) and not _cut(deadline):
        extra = _parse_pool(engine, parse, pool, fields, deadline)
        if extra:
            res.candidates = _rank(
                [*res.candidates, *_score_extra(parse, pool, extra, use_title_en, generation)],
                limit,
            )
    _whole_candidates(engine, res.candidates, pool)
    _english_outcome(res)
    return res, pool


# --- in front of the search box's results ----------------------------------------------------

# The share of a search's time left that the title lookup in front of the search
# box may spend: the rest is kept for the box's own search, so a long English title
# still gets a result list (and an honest "cut short" notice) when the lookup is slow.
LOOKUP_SHARE = 0.5


@dataclass
class SearchFront:
    """What the title lookup gives the search box for an English title."""

    docs: list[Document]  # the lookup's candidates, best first
    # The lookup's main retrieval, when the box may show it as its own results
    # (the same words, expansions and fields, complete, holding the page asked for).
    results: RawResults | None = None
    cut_short: bool = False  # the lookup ran out of its share of the time
    # The main retrieval's clauses, for the box's own search when it searches: every
    # page of the title is then ranked alike, whether it was searched or reused.
    clauses: list[Clause] | None = None


def search_front(
    engine: Any,
    text: str,
    limit: int,
    fields: tuple[str, ...] | None,
    deadline: Deadline | None = None,
    *,
    reuse: int = 0,
) -> SearchFront:
    """The title lookup's candidates for an English title typed in the search box
    (never raises). With ``deadline`` (the search's budget) the lookup spends at
    most :data:`LOOKUP_SHARE` of the time left. ``reuse`` (hits the box's page
    needs, 0: none) offers the lookup's main retrieval as the box's own results,
    so the same words are not searched twice; ``fields`` are the box's."""
    use_en = fields is None or "title_en" in fields
    part = deadline.part(LOOKUP_SHARE) if deadline is not None else None
    try:
        text = _clean(text)
        if classify(text) != "en_title":
            res = lookup_title(engine, text, limit, use_title_en=use_en, deadline=part)
            return SearchFront([c.doc for c in res.candidates], None, _cut(part))
        res, pool = _lookup_english(engine, text, limit, True, use_en, part)
    except DuizhaoError:
        return SearchFront([], None, _cut(part))
    # Candidates none of which shares a term of the subject are only of the kind
    # asked for: the box's own results rank better than they would.
    on_subject = any(_on_subject(c) for c in res.candidates)
    front = SearchFront([c.doc for c in res.candidates] if on_subject else [], None, _cut(part))
    main = pool.main
    same_fields = fields is None or set(fields) == set(_english_fields(use_en))
    if reuse and same_fields and pool.plan is not None:
        front.clauses = list(pool.plan.clauses)
    # Only behind candidates: the box pages the retrieval's hits after them.
    usable = bool(front.docs) and main is not None and same_fields
    usable = usable and not (front.cut_short or main.partial)
    if reuse and usable and (len(main.hits) >= reuse or main.total <= len(main.hits)):
        front.results = _whole_results(engine, main, res.candidates)
    return front


def _on_subject(c: Candidate) -> bool:
    """Whether a candidate shares a term of the title's subject (or the lookup had no
    terms to compare): 飞行基本规则 does not, for cross-border data transfer rules --
    it is only of the kind asked for ("rules")."""
    terms = [e for e in c.evidence if e.kind == "terms"]
    return not terms or any(e.score > 0 for e in terms)


def _cut(part: Deadline | None) -> bool:
    return part is not None and part.cut_short


def lookup_title(
    engine: Any,
    text: str,
    limit: int = 10,
    *,
    region: str | None = None,
    expand: bool = True,
    use_title_en: bool = True,
    deadline: Deadline | None = None,
) -> TitleLookup:
    """Look up a title or document number in either language (see module doc).

    ``region`` (a Chinese province name, 山东) is context from the surrounding
    text; ``use_title_en=False`` neither searches nor scores English titles
    (evaluations use it so a document is not found by its own English title).
    ``deadline`` is the budget of the search that asks (the search box's): every
    index search of the lookup spends from it, and none starts once it has run
    out, so the lookup's cost is bounded -- the candidates are then those found
    in time, and ``deadline.cut_short`` says so. Without it each index search
    has the backend's own time limit.
    Raises :class:`InputError` for empty or over-long input; garbage gets an
    answer with no candidates and a message.
    """
    text = _clean(text)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise InputError("limit must be between 1 and 100")
    res = _lookup(
        engine, text, min(100, limit + COPY_MARGIN), region, expand, use_title_en, deadline
    )
    # A record a site lists twice is one candidate; the list stays ``limit`` long.
    res.candidates = without_copies(res.candidates, lambda c: c.doc)[:limit]
    return res


def _lookup(
    engine: Any,
    text: str,
    limit: int,
    region: str | None,
    expand: bool,
    use_title_en: bool,
    deadline: Deadline | None,
) -> TitleLookup:
    """:func:`lookup_title` of a cleaned ``text``, by what it is."""
    kind = classify(text)
    if kind == "docnum":
        return _lookup_docnum(engine, text, limit, deadline)
    if kind == "zh_title":
        full, named = law_abbreviations.expand(text)
        res = _lookup_chinese(engine, full, limit, region, expand, deadline)
        if named:  # 个保法: the law's name was looked up
            res.query = text
            res.notices.insert(0, law_abbreviations.notice(named))
        return res
    if kind == "en_title":
        return _lookup_english(engine, text, limit, expand, use_title_en, deadline)[0]
    return TitleLookup(
        text,
        "none",
        message="This is neither a policy title nor a document number; nothing to look up.",
    )
