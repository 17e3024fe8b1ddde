"""Query parsing: the user's text -> a validated, structured query.

Place in the flow: **query** -> expansion (search/expand.py) -> plan -> backend.

The syntax users get (documented in the README, limits enforced here):

* words, Chinese, English or mixed, simplified or traditional -- all must match
  (a long question switches to ranked "any word" matching);
* ``"a phrase"`` -- the words in this order (Chinese phrases too: "碳达峰碳中和");
* ``-word`` / ``-"phrase"`` -- exclude documents that contain it;
* ``a OR b`` -- either one;
* ``field:value`` filters: level, region, issuer, status, lang, doctype, source,
  year (``year:2019`` or ``year:2019..2023``), docnum (文号).

Whoosh's own parser never raises and turns broken input into surprising
queries, so this module is a small hand-written tokenizer with hard limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.analysis import ENGLISH_STOP_WORDS, terms, tokens_with_offsets
from index.errors import QueryError
from index.normalize import is_traditional, normalize_query, to_simplified

MAX_QUERY_CHARS = 500
MAX_TERMS = 64  # analysed terms searched (a long question keeps its first 64 content words)
MAX_INPUT_TERMS = 128  # analysed terms accepted before function words are dropped
MAX_PHRASE_WORDS = 32
MAX_PHRASES = 8
MAX_NEGATIONS = 8
MAX_OR = 16
LONG_QUERY_TERMS = 6  # more content terms than this: ranked "any word" mode

FILTER_FIELDS = {
    "level": "level",
    "region": "region",
    "issuer": "issuer",
    "status": "status",
    "lang": "lang",
    "doctype": "doctype",
    "type": "doctype",
    "source": "source",
    "year": "year",
    "docnum": "docnum",
    "文号": "docnum",
    "层级": "level",
    "地区": "region",
    "年份": "year",
}

# Chinese function words dropped from long questions (never from phrases).
ZH_STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "是",
        "在",
        "对",
        "把",
        "被",
        "将",
        "就",
        "都",
        "而",
        "也",
        "又",
        "还",
        "吗",
        "呢",
        "吧",
        "啊",
        "么",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "哪些",
        "是否",
        "可以",
        "能",
        "能否",
        "会",
        "要",
        "应该",
        "应当",
        "有",
        "没有",
        "这",
        "那",
        "这个",
        "那个",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "他们",
        "自己",
        "一个",
        "一些",
        "因为",
        "所以",
        "如果",
        "但是",
        "但",
        "并",
        "等",
        "之",
        "其",
        "该",
        "此",
        "为",
        "以",
        "于",
        "从",
        "向",
        "给",
        "让",
        "被",
        "由",
        "请问",
        "需要",
        "怎么办",
        "多少",
        "时候",
        "情况",
        "问题",
        "一下",
        "现在",
        "已经",
        # Question words and fillers of natural-language questions (STARD dev set):
        # frequent everywhere, they only add matches without meaning.
        "谁",
        "啥",
        "咋",
        "时",
        "中",
        "不",
        "的话",
        "还是",
        "这种",
        "那种",
        "这样",
        "那样",
        "哪里",
        "哪个",
        "为什么",
        "什么样",
        "是不是",
        "有没有",
        "可否",
        "东西",
        "进行",
        "存在",
        "其他",
        "其它",
    ]
)
# Words that make a query a question: with them, even a few content words are
# ranked by any word (a question rarely repeats the law's wording word for word).
_QUESTION_WORDS_TEXT = "吗 呢 谁 啥 咋 什么 怎么 怎样 如何 哪些 哪个 哪里 是否 能否 可否 为什么 多少 怎么办 是不是 有没有"
QUESTION_WORDS = frozenset(_QUESTION_WORDS_TEXT.split())

_TOKEN_RE = re.compile(
    r'(?P<neg>-)?"(?P<phrase>[^"]*)"?'  # "phrase" (a lone quote runs to the end)
    r"|(?P<field>[A-Za-z]+|文号|层级|地区|年份):(?P<value>\"[^\"]*\"|\S+)"
    r"|(?P<or>\bOR\b|\|)"
    r"|(?P<neg2>-)(?P<negword>[^\s\"]+)"
    r"|(?P<word>[^\s\"]+)"
)
_YEAR_RE = re.compile(r"^(\d{4})?(?:\.\.|-|–|~)?(\d{4})?$")


@dataclass
class Unit:
    """One query element: its analysed terms, the text as typed, and its span."""

    text: str
    terms: tuple[str, ...]
    phrase: bool = False
    negated: bool = False
    or_group: int = -1  # units joined by OR share a group number
    span: tuple[int, int] = (0, 0)
    chunk: int = -1  # units cut from one typed chunk (营商环境 -> 营商, 环境) share it


@dataclass
class ParsedQuery:
    original: str
    normalized: str  # NFKC etc.; spans refer to this text
    simplified: str  # t2s of normalized
    units: list[Unit] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    was_traditional: bool = False
    numbered: bool = False  # an article number in digits was written as the law writes it
    long: bool = False  # ranked "any word" mode
    filter_spans: list[tuple[int, int]] = field(default_factory=list)  # `field:value` tokens

    @property
    def expansion_text(self) -> str:
        """``simplified`` with the ``field:value`` filters blanked (same length, so spans
        still line up): a filter's key and value are never expanded as search words."""
        text = self.simplified
        for a, b in self.filter_spans:
            text = text[:a] + " " * (b - a) + text[b:]
        return text

    @property
    def positive_units(self) -> list[Unit]:
        return [u for u in self.units if not u.negated]

    def term_count(self) -> int:
        return sum(len(u.terms) for u in self.units)


# An article, chapter or section number in digits (第13条, Article 13, Art. 13): laws
# write it in Chinese numerals (第十三条), one indexed word, while 13 alone matches every
# "13名同志" of the corpus.
_PART_IN_DIGITS = re.compile(r"第\s*(\d{1,4})\s*([条章节款项编])")
# Right after a law's name the 第 is often left out (劳动合同法47条, 民法典1165条); elsewhere
# "20条" is a count (稳经济20条), so only a name's ending lets it be read as an article.
_ARTICLE_AFTER_NAME = re.compile(r"(?<=[法例典则])\s*(\d{1,4})\s*条")
_ARTICLE_EN = re.compile(r"\b(?:Article|Art\.)\s*(\d{1,4})\b", re.IGNORECASE)


def article_numbers(text: str) -> str:
    """``text`` with article, chapter and section numbers in the law's own numerals:
    第13条 -> 第十三条, Article 13 -> 第十三条, 第2章 -> 第二章, 劳动合同法47条 ->
    劳动合同法第四十七条 (0 is left alone)."""
    from index.structure import int_to_cn

    def cn(m: re.Match[str], unit: str) -> str:
        n = int(m.group(1))
        return f"第{int_to_cn(n)}{unit}" if n else m.group(0)

    text = _PART_IN_DIGITS.sub(lambda m: cn(m, m.group(2)), text)
    text = _ARTICLE_AFTER_NAME.sub(lambda m: cn(m, "条"), text)
    return _ARTICLE_EN.sub(lambda m: cn(m, "条"), text)


# long: one tokenizer loop over the query syntax; each token kind is a branch that updates the
# same OR-group state and limit counters.
def parse_query(text: str | None, *, allow_empty: bool = False) -> ParsedQuery:
    """Parse and validate a query; raises QueryError with a hint on bad input."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > MAX_QUERY_CHARS * 4:
        raise QueryError(
            f"the query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS})",
            "shorten it to its key words, or search for a title with `duizhao title`",
        )
    norm = normalize_query(text)
    if len(norm) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(norm):,} characters; the limit is {MAX_QUERY_CHARS})",
            "shorten it to its key words, or search for a title with `duizhao title`",
        )
    written = article_numbers(norm)
    simp = to_simplified(written)
    pq = ParsedQuery(text, written, simp, was_traditional=simp != written, numbered=written != norm)
    or_group = 0
    pending_or = False
    phrases = negs = ors = 0
    for m in _TOKEN_RE.finditer(simp):
        if m.group("or"):
            if not pq.units or pending_or:
                continue  # a leading or doubled OR is just ignored
            pending_or = True
            ors += 1
            continue
        if m.group("field"):
            key = FILTER_FIELDS.get(m.group("field").lower()) or FILTER_FIELDS.get(m.group("field"))
            if key is None:
                # Not a known field: treat "foo:bar" as ordinary words.
                _add_words(pq, m.group(0), m.span(), False)
            else:
                _add_filter(pq, key, m.group("value").strip('"'))
                pq.filter_spans.append(m.span())
            pending_or = False
            continue
        if m.group("phrase") is not None:
            words = terms(m.group("phrase"))
            if not words:
                continue
            phrases += 1
            if len(words) > MAX_PHRASE_WORDS:
                raise QueryError(
                    f"a phrase may have at most {MAX_PHRASE_WORDS} words",
                    "quote a shorter, distinctive part of it",
                )
            unit = Unit(
                m.group("phrase"),
                tuple(words),
                phrase=len(words) > 1,
                negated=bool(m.group("neg")),
                span=m.span("phrase"),
            )
        elif m.group("negword"):
            words = terms(m.group("negword"))
            if not words:
                continue
            unit = Unit(
                m.group("negword"),
                tuple(words),
                phrase=len(words) > 1,
                negated=True,
                span=m.span("negword"),
            )
        else:
            word = m.group("word")
            if word in ("AND", "&&", "NOT"):
                continue  # implicit AND; NOT needs a following "-" form
            _add_words(pq, word, m.span(), pending_or)
            pending_or = False
            continue
        if unit.negated:
            negs += 1
        if pending_or and pq.units and not unit.negated:
            prev = pq.units[-1]
            if prev.or_group < 0:
                prev.or_group = or_group
                or_group += 1
            unit.or_group = prev.or_group
        pending_or = False
        pq.units.append(unit)
    if phrases > MAX_PHRASES:
        raise QueryError(f"at most {MAX_PHRASES} quoted phrases per query")
    if negs > MAX_NEGATIONS:
        raise QueryError(f"at most {MAX_NEGATIONS} excluded words per query")
    if ors > MAX_OR:
        raise QueryError(f"at most {MAX_OR} ORs per query")
    if pq.term_count() > MAX_INPUT_TERMS:
        raise QueryError(
            f"the query has too many words ({pq.term_count()}; the limit is {MAX_INPUT_TERMS})",
            "shorten it to its key words",
        )
    _decide_mode(pq)
    if not pq.positive_units and not allow_empty and not pq.filters:
        if not norm:
            raise QueryError(
                "the query is empty", "type a few words, e.g. 平台经济 or data security"
            )
        raise QueryError(
            "the query has no searchable words",
            "use letters, digits or Chinese characters; punctuation alone is not searched",
        )
    return pq


def _add_words(pq: ParsedQuery, chunk: str, span: tuple[int, int], joined_by_or: bool) -> None:
    """A bare chunk: every analysed term becomes its own unit (all must match).
    After OR, the whole chunk is one alternative to the whole previous chunk."""

    chunk_id = max((u.chunk for u in pq.units), default=-1) + 1
    new = []
    for term, _pos, s, e in tokens_with_offsets(chunk):
        if term in ENGLISH_STOP_WORDS:
            continue
        new.append(Unit(chunk[s:e], (term,), span=(span[0] + s, span[0] + e), chunk=chunk_id))
    if new and joined_by_or and pq.units and not pq.units[-1].negated:
        prev = pq.units[-1]
        group = prev.or_group
        if group < 0:
            group = max((u.or_group for u in pq.units), default=-1) + 1
            for u in pq.units:
                if u is prev or (prev.chunk >= 0 and u.chunk == prev.chunk):
                    u.or_group = group
        for u in new:
            u.or_group = group
    pq.units.extend(new)


def _add_filter(pq: ParsedQuery, key: str, value: str) -> None:
    value = value.strip()
    if not value:
        raise QueryError(
            f"the filter {key}: needs a value", f"e.g. {key}:2020" if key == "year" else ""
        )
    if key == "year":
        pq.year_from, pq.year_to = parse_year_range(value)
        return
    pq.filters.setdefault(key, []).append(value)


def parse_year_range(value: str) -> tuple[int | None, int | None]:
    """'2019' -> (2019, 2019); '2019..2023' -> (2019, 2023); '2019..' -> (2019, None)."""
    v = value.strip()
    if re.fullmatch(r"\d{4}", v):
        v = f"{v}..{v}"
    m = _YEAR_RE.match(v)
    if not m or not (m.group(1) or m.group(2)):
        raise QueryError(
            f"cannot read the year range {value!r}", "write a year (2020) or a range (2019..2023)"
        )
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(2)) if m.group(2) else None
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    for y in (lo, hi):
        if y is not None and not 1900 <= y <= 2100:
            raise QueryError(f"year {y} is out of range", "use years between 1900 and 2100")
    return lo, hi


def _decide_mode(pq: ParsedQuery) -> None:
    """Long natural-language questions rank by any word, without function words."""
    bare = [u for u in pq.units if not u.negated and not u.phrase and u.or_group < 0]
    content = [u for u in bare if u.terms[0] not in ZH_STOP_WORDS]
    question = "?" in pq.simplified or any(u.terms[0] in QUESTION_WORDS for u in bare)
    if len(bare) <= LONG_QUERY_TERMS and not (question and len(content) > 2):
        if question and content:
            # A short question: its content words must all match, its function
            # words need not (借钱不还怎么办 -> 借钱).
            drop = {id(u) for u in bare if u.terms[0] in ZH_STOP_WORDS}
            pq.units = [u for u in pq.units if id(u) not in drop]
        return
    pq.long = True
    seen: set[str] = set()
    kept: list[Unit] = []
    for u in pq.units:
        if u.negated or u.phrase or u.or_group >= 0:
            kept.append(u)
            continue
        t = u.terms[0]
        if t in ZH_STOP_WORDS or t in seen or (len(t) == 1 and not t.isascii() and len(bare) > 12):
            continue
        seen.add(t)
        kept.append(u)
    pq.units = kept[:MAX_TERMS]


def looks_traditional(text: str) -> bool:
    return is_traditional(text)
