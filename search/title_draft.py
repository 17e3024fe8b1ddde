"""Draft English translations of Chinese policy titles.

Place in the flow: ``duizhao title`` and the indexer ask for an English title
when no attested one is known; the answer is always labelled a draft. It is
rule-based, not machine translation: :func:`parse_title` splits a title into
issuers, ``关于``, an optional action (印发《X》 / 转发 …), the subject and the
document type; :func:`draft_title` renders each part the way official
translations (State Council, english.www.gov.cn, Xinhua, NPC) do:

* ``A关于…的指导意见`` -> "Guiding Opinions of A on …"
* ``A关于印发《X》的通知`` -> 'Notice of A on Issuing "X"' (X drafted recursively)
* ``中华人民共和国X法`` -> "X Law of the People's Republic of China"
* ``X条例`` -> "Regulations on X"; ``X规划`` -> "X Plan"; "十四五" -> "14th Five-Year"
* a subject opening with a verb becomes a gerund phrase (促进 -> "Promoting"),
  and ``V + NP + 发展`` becomes "Ving the Development of NP".

Terms come from ``lookup(term)`` -- by default the project glossary
(:class:`index.glossary.Glossary`, curated entries only) -- matched longest
first over the characters of the subject; ``index.segmenter.cut`` groups what
stays untranslated into words. Title-structure words (document types,
verbs in gerund form, adverbs, heads like 发展) are tables of their own, because
their rendering depends on their role, not only on the term: they live in
``search/data/title_words.tsv`` and ``search/data/title_sets.tsv``, read and
checked by :mod:`search.title_lexicon`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import rjieba

from index.errors import InputError
from index.glossary import Glossary
from index.normalize import to_simplified
from index.scripts import HAN_CHARS, HAN_RE
from index.segmenter import cut
from index.structure import CN_DIGITS, cn_to_int
from search.attested import attested
from search.query import MAX_QUERY_CHARS
from search.title_lexicon import cedict_titles, word_sets, words

Lookup = Callable[[str], "str | None"]
MAX_GLOSSARY_MATCH = 16  # characters: the longest glossary term a draft looks for
MAX_TITLE = MAX_QUERY_CHARS  # a title is asked for like a query, with the same limit
DRAFT_LABEL = "draft (machine-generated, not an official translation)"

# --- title-structure tables ---------------------------------------------------
# The word tables live in search/data/title_words.tsv (read and checked by
# search.title_lexicon); these names are views of them for the code below and
# for search.titles / search.mentions.

_WORDS = words()
DOCTYPES: dict[str, str] = _WORDS["doctype"]
ACTIONS: dict[str, str] = _WORDS["action"]
VERBS: dict[str, str] = _WORDS["verb"]
ADVERBS: dict[str, str] = _WORDS["adverb"]
ADJECTIVES: dict[str, str] = _WORDS["adjective"]
HEADS: dict[str, str] = _WORDS["head"]
_VERB_NOUNS: dict[str, str] = _WORDS["verb_noun"]
CONJ: dict[str, str] = _WORDS["conj"]
ISSUERS: dict[str, str] = _WORDS["issuer"]
REGIONS: dict[str, str] = _WORDS["region"]
NAMES: dict[str, str] = _WORDS["name"]
_REGION_UNITS = tuple(_WORDS["region_unit"].items())
_ORG_TAILS = tuple(_WORDS["org_tail"].items())
_CITY_UNITS = tuple(_WORDS["city_unit"].items())
# Title-structure tables as (table, role, key lengths longest first): a draft probes
# only the lengths a table has (most have words of 2-4 characters).
_STRUCTURE = tuple(
    (table, role, tuple(sorted({len(k) for k in table if len(k) <= 6}, reverse=True)))
    for table, role in ((VERBS, "verb"), (ADVERBS, "adv"), (HEADS, "head"), (ADJECTIVES, "adj"))
)


class TermTable(dict):
    """A glossary lookup (zh -> English) that also tells which of its terms start at
    a position of a text: a draft asks that at every character of a title, and
    probing every substring of up to :data:`MAX_GLOSSARY_MATCH` characters was
    most of drafting's time when indexing tens of thousands of titles. Any plain
    :data:`Lookup` still works; this one is faster."""

    def __call__(self, zh: str) -> str | None:
        return self.get(zh)

    def lengths_at(self, text: str, i: int, most: int) -> list[int]:
        """The lengths ``L <= most`` for which ``text[i:i+L]`` is a term, ascending."""
        prefixes = self.__dict__.get("_prefixes")
        if prefixes is None:  # built once, on first use (mentions never need it)
            prefixes = self.__dict__["_prefixes"] = {
                k[:j] for k in self for j in range(1, min(len(k), MAX_GLOSSARY_MATCH) + 1)
            }
        out = []
        for L in range(1, most + 1):
            piece = text[i : i + L]
            if piece not in prefixes:
                break
            if piece in self:
                out.append(L)
        return out


_REGIONS_BY_LEN = sorted(REGIONS, key=len, reverse=True)

_DOCTYPES_BY_LEN = sorted(DOCTYPES, key=len, reverse=True)
_ORDINAL_UNITS: dict[str, str] = _WORDS["ordinal_unit"]
# A unit's adjective form where an issuer's name has one (市 -> Municipal).
_UNIT_ADJECTIVES = dict(_REGION_UNITS)

# Word sets the rules below test, from search/data/title_sets.tsv (read and
# checked by search.title_lexicon).
_SETS = word_sets()
# Types whose English puts the subject after "for" rather than "on" when the
# subject is a verb phrase ("Measures for the Administration of …").
_FOR_TYPES = _SETS["for_type"]
# Types rendered as a noun compound after a nominal subject ("… Development Plan").
_COMPOUND_TYPES = _SETS["compound_type"]
_SMALL_WORDS = _SETS["small_word"]  # lower case inside a title
# A glossary term ending so after a noun phrase is the head of a governed phrase.
_GOVERNED_HEADS = _SETS["governed_head"]

_PRC = "中华人民共和国"
_PRC_EN = "the People's Republic of China"


def _cn_number(s: str) -> int | None:
    """十四 -> 14, 二十 -> 20, 五 -> 5 (small ordinals in titles)."""
    if not s or any(ch not in CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" not in s and len(s) != 1:
        return None  # 二〇 is a year's digits, not a number
    return cn_to_int(s)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- data classes ---------------------------------------------------------------


@dataclass
class TitleStructure:
    """What :func:`parse_title` finds in a Chinese title."""

    title: str  # normalized (simplified, spaces cleaned)
    issuers: list[str] = field(default_factory=list)
    doctype: str | None = None  # 指导意见, 通知, 法 ...
    subject: str = ""  # what the document is about (after 关于, before 的+doctype)
    inner_title: str | None = None  # X of 关于印发《X》的通知 / 转发X的通知
    action: str | None = None  # 印发 / 转发 / ...
    is_law: bool = False  # 中华人民共和国X法
    place: str = ""  # a province, city or county opening a local title (北京市, 济宁市)
    suffix: str = ""  # trailing parenthetical: （2021—2035年）, （试行）
    parts: list[tuple[str, str]] = field(default_factory=list)  # (role, zh) in order


@dataclass
class DraftTitle:
    text: str
    used: list[tuple[str, str, str]] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    confidence: float = 0.0
    label: str = DRAFT_LABEL


# --- parsing ----------------------------------------------------------------------

_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{HAN_CHARS}》」”])\s+(?=[{HAN_CHARS}《「“])")
_TRAILING_PAREN = re.compile(r"[（(]([^（）()]{1,30})[）)]$")


def _normalize(zh: str) -> str:
    zh = unicodedata.normalize("NFC", zh)
    zh = zh.replace("\u3000", " ").replace("\u2002", " ")
    zh = " ".join(zh.split())
    return to_simplified(zh)


def _check(zh: object) -> str:
    if not isinstance(zh, str):
        raise InputError("a title must be text", hint=f"got {type(zh).__name__}")
    text = _normalize(zh)
    if not text:
        raise InputError("empty title", hint="give a Chinese policy title, e.g. 国务院关于…的意见")
    if len(text) > MAX_TITLE:
        raise InputError(
            f"title too long ({len(text)} characters)",
            hint=f"a policy title has at most {MAX_TITLE} characters; pass the title, not the text",
        )
    return text


def _split_issuers(head: str) -> list[str]:
    head = head.strip()
    if not head:
        return []
    parts = [p for p in re.split(r"[\s、，,]+", head) if p]
    out: list[str] = []
    for p in parts:
        # 国家发展改革委等部门 -> 国家发展改革委, 等部门
        m = re.match(r"^(.+?)(等[\d一二三四五六七八九十]*(?:个)?部门)$", p)
        if m:
            out += [m.group(1), m.group(2)]
        else:
            out.append(p)
    return out


def _spans_term(text: str, tail: int, lookup: Lookup) -> bool:
    """True when a glossary term covers the boundary before the last ``tail``
    characters (负面清单 must not lose 清单 to the document type)."""
    for k in range(1, min(8, len(text) - tail) + 1):
        piece = text[-(tail + k) :]
        try:
            # 负面清单 is a term and 负面 alone is not: keep it whole. 管理条例
            # is a term too, but 管理 stands alone, so 条例 is the type.
            if lookup(piece) and not lookup(piece[:-tail]):
                return True
        except Exception:  # a broken lookup only loses this refinement
            return False
    return False


def parse_title(zh: str, lookup: Lookup | None = None) -> TitleStructure:
    """Split a Chinese policy title into its parts (see :class:`TitleStructure`).

    The parts are peeled off in order -- suffix, issuers, document type, law or
    place, action -- each step reading what the one before left. With
    ``lookup``, a document type is not split off a glossary term that ends the
    title (负面清单 stays whole). Raises :class:`InputError` for empty, non-text
    or over-long input.
    """
    text = _check(zh)
    body = _SPACE_BETWEEN_HAN.sub("", text)
    st = TitleStructure(title=body)
    body = _peel_suffix(st, body)
    rest = _peel_issuers(st, text, body)
    rest = _peel_doctype(st, rest, lookup)
    rest = _peel_law_or_place(st, rest, body)
    _peel_action(st, rest)
    _close_parts(st)
    return st


def _peel_suffix(st: TitleStructure, body: str) -> str:
    """A trailing parenthetical (（2021—2035年）, （试行）) becomes the suffix."""
    m = _TRAILING_PAREN.search(body)
    if m and m.start() > 0:
        st.suffix = m.group(1)
        return body[: m.start()]
    return body


def _peel_issuers(st: TitleStructure, text: str, body: str) -> str:
    """The issuers: before an action that opens the title, else before 关于, else a
    national body the title opens with; returns what follows them."""
    idx = body.find("关于")
    act = _ACTION_RE.search(body)
    if act is not None and (idx < 0 or act.start() < idx) and body.endswith(_ACTION_TYPES):
        # 国务院办公厅转发国家计委关于…的通知 / 广东省人民政府办公厅印发《关于…》的通知:
        # the issuers stand before the action; what follows it is the inner title.
        st.issuers = _split_issuers(text_head(text, body, act.start()))
        if st.issuers:
            st.parts.append(("issuers", body[: act.start()]))
        return body[act.start() :]
    if idx >= 0:
        st.issuers = _split_issuers(text_head(text, body, idx))
        st.parts.append(("issuers", body[:idx]))
        st.parts.append(("about", "关于"))
        return body[idx + 2 :]
    # 中共中央 国务院印发《X》 has no 关于; issuers then come from a known list.
    for name in sorted(ISSUERS, key=len, reverse=True):
        if body.startswith(name) and len(body) > len(name) + 2:
            st.issuers = [name]
            st.parts.append(("issuers", name))
            return body[len(name) :]
    return body


def _peel_doctype(st: TitleStructure, rest: str, lookup: Lookup | None) -> str:
    """The document type at the end ("的通知", "指导意见", "法")."""
    for dt in _DOCTYPES_BY_LEN:
        if rest.endswith(dt) and len(rest) > len(dt):
            if lookup is not None and _spans_term(rest, len(dt), lookup):
                continue
            st.doctype = dt
            rest = rest[: -len(dt)]
            break
    if rest.endswith("的") and st.doctype:
        rest = rest[:-1]
    return rest


def _peel_law_or_place(st: TitleStructure, rest: str, body: str) -> str:
    """中华人民共和国X法 is a national law; a local title with no issuers and no 关于
    opens with its place."""
    if not st.issuers and rest.startswith(_PRC) and st.doctype == "法":
        st.is_law = True
        return rest[len(_PRC) :]
    if not st.issuers and st.doctype and "关于" not in body:
        # 北京市数字经济促进条例: the place is the issuer, "of Beijing Municipality".
        place = place_prefix(rest)
        if place is not None and len(rest) - place[0] >= 2:
            st.place = rest[: place[0]]
            st.parts.append(("place", st.place))
            return rest[place[0] :]
    return rest


def _peel_action(st: TitleStructure, rest: str) -> None:
    """What is left is the subject; an action opening it (印发《X》, 转发X) names
    the inner title."""
    for act in ACTIONS:
        if rest.startswith(act) and len(rest) > len(act):
            st.action = act
            inner = rest[len(act) :]
            if inner.startswith("《") and inner.endswith("》"):
                inner = inner[1:-1]
            st.inner_title = inner
            break
    st.subject = rest


def _close_parts(st: TitleStructure) -> None:
    """The parts after the issuers and place, in title order."""
    if st.action:
        st.parts.append(("action", st.action))
        st.parts.append(("inner_title", st.inner_title or ""))
    else:
        st.parts.append(("subject", st.subject))
    if st.doctype:
        st.parts.append(("doctype", st.doctype))
    if st.suffix:
        st.parts.append(("suffix", st.suffix))


def place_prefix(text: str) -> tuple[int, str, str] | None:
    """A province, city or county name opening ``text``, with its unit.

    Returns (length, noun form, adjective form): 山东省 -> "Shandong Province" /
    "Shandong Provincial", 济宁市 -> "Jining Municipality" / "Jining Municipal",
    延边朝鲜族自治州 -> "Yanbian Korean Autonomous Prefecture". A name needs its
    unit (省, 市, 县, 自治州 ...): 北京冬奥会 opens with no place.
    """
    for zh in _REGIONS_BY_LEN:
        if text.startswith(zh):
            rest = text[len(zh) :]
            for unit, adj in _REGION_UNITS:
                if rest.startswith(unit):
                    noun = dict(_CITY_UNITS).get(unit, adj)
                    return len(zh) + len(unit), f"{REGIONS[zh]} {noun}", f"{REGIONS[zh]} {adj}"
            return None
    cedict = cedict_titles()
    if cedict is None:
        return None
    for n in (4, 3, 2):
        name = text[:n]
        cw = cedict.get(name)
        if cw is None or cw.kind != "proper" or not HAN_RE.fullmatch(name[-1]):
            continue
        k, ethnic = n, []
        while True:  # 延边朝鲜族自治州: the groups before an autonomous unit
            m = re.match(rf"[{HAN_CHARS}]{{1,3}}族", text[k:])
            if not m:
                break
            g = m.group(0)
            g_en = NAMES.get(g) or (cedict.get(g).en if cedict.get(g) else "")
            if not g_en:
                break
            ethnic.append(g_en)
            k += len(g)
        for unit, u_en in _CITY_UNITS:
            if text.startswith(unit, k) and (not ethnic or unit.startswith("自治")):
                if unit in ("省",) or (unit.startswith("自治") and not ethnic and len(unit) > 2):
                    continue
                head = " ".join([cw.en, *(_join(ethnic).split(" ") if ethnic else [])])
                adj = _UNIT_ADJECTIVES.get(unit, u_en)
                return k + len(unit), f"{head} {u_en}", f"{head} {adj}"
    return None


_CPC_COMMITTEE = re.compile(r"^中共(.{2,4}?)(省|市|自治区)委(办公厅)?$")
_ACTION_RE = re.compile("|".join(sorted(ACTIONS, key=len, reverse=True)))
_ACTION_TYPES = ("的通知", "通知")


def text_head(text: str, body: str, idx: int) -> str:
    """The issuer part before 关于, with the original spaces kept (中共中央 国务院)."""
    # body is text with spaces between Han removed; find the same prefix in text.
    head_chars = body[:idx]
    out, j = [], 0
    for ch in text:
        if j >= len(head_chars):
            break
        if ch == head_chars[j]:
            out.append(ch)
            j += 1
        elif ch == " ":
            out.append(ch)
    return "".join(out)


# --- rendering ------------------------------------------------------------------------


class _Ctx:
    """Per-draft bookkeeping: which words came from where, and how sure we are.

    ``known`` adds up Han characters weighted by where their rendering came
    from (:data:`ORIGIN_WEIGHTS`); the draft's confidence is ``known / total``.
    """

    def __init__(
        self,
        lookup: Lookup,
        cedict: bool = True,
        use_attested: bool = True,
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.lookup = lookup
        self.use_attested = use_attested
        self.exclude = exclude  # attested titles an evaluation pretends not to know
        self.used: list[tuple[str, str, str]] = []
        self.untranslated: list[str] = []
        self.known = 0.0  # Han characters covered, weighted by origin
        self.total = 0
        self.cedict = cedict_titles() if cedict else None
        self._cut: tuple[str, dict[int, str]] | None = None

    def note(self, zh: str, en: str, origin: str) -> None:
        if (zh, en, origin) not in self.used:
            self.used.append((zh, en, origin))

    def cover(self, zh: str, origin: str) -> None:
        self.known += len(HAN_RE.findall(zh)) * ORIGIN_WEIGHTS.get(origin, 1.0)

    def term(self, zh: str) -> str | None:
        try:
            en = self.lookup(zh)
        except Exception:  # a broken lookup must not break drafting
            return None
        return en.strip() if isinstance(en, str) and en.strip() else None

    def jieba_word(self, text: str, i: int) -> str:
        """The jieba word of ``text`` that starts at ``i`` ('' when one spans it)."""
        if self._cut is None or self._cut[0] != text:
            starts: dict[int, str] = {}
            pos = 0
            for w in cut(text):
                starts[pos] = w
                pos += len(w)
            self._cut = (text, starts)
        return self._cut[1].get(i, "")


# How much a rendering from each origin counts towards a draft's confidence:
# curated glossary terms and title rules are what official titles use; a
# dictionary sense is often a near miss; pinyin is right for names only.
ORIGIN_WEIGHTS = {
    "attested": 1.0,
    "glossary": 1.0,
    "rule": 1.0,
    "cc-cedict": 0.55,
    "cc-cedict name": 0.8,
    "pinyin": 0.35,
}
LOW_CONFIDENCE = 0.5
LENGTH_FREE = 8  # Han characters a title may have before length lowers confidence
LENGTH_PENALTY = 0.04
LOW_CONFIDENCE_LABEL = (
    "draft (machine-generated, low confidence: a long title, or words from a general "
    "dictionary or pinyin; not an official translation)"
)


def _title_case(text: str) -> str:
    words = text.split(" ")
    out = []
    for i, w in enumerate(words):
        if not w:
            continue
        if any(c.isupper() for c in w) or not w[0].isalpha():
            # Keep acronyms and given capitals; but a quoted word may need one.
            if w[0] in "\"'(" and len(w) > 1 and w[1].islower():
                w = w[0] + w[1].upper() + w[2:]
            out.append(w)
        elif i > 0 and w.lower() in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append(w[0].upper() + w[1:])
    return " ".join(out)


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Pre-translation of numbers and fixed expressions inside a subject; each maps
# to a placeholder token the tokenizer treats as a literal.
_FIVE_YEAR = re.compile(
    r"[“\"]?第?([一二三四五六七八九十]{1,3})(?:个)?五(?:年)?[”\"]?(?=规划|计划|时期|期间|$)"
)
_FIVE_YEAR_SHORT = re.compile(r"[“\"]([一二三四五六七八九十]{1,3})五[”\"]")
_YEAR_RANGE = re.compile(r"(\d{4})\s*[—–\-－~至]+\s*(\d{4})\s*年?")
_YEAR_BEFORE = re.compile(r"(\d{4})年前")
_YEAR_CN = re.compile(r"([〇零一二三四五六七八九]{4})年")
_YEAR = re.compile(r"(\d{4})\s*年(?:度)?")
# A day or a month (公示（2018年6月11日）, 2019年4月): as English writes dates.
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:份|\s*(\d{1,2})\s*日)?")
# Written out, not calendar.month_name: that follows the process's locale (LC_TIME).
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# 第七次 / 第十四届 / 第二批 / 第四季度: an ordinal, the unit mostly implied in English.
_ORDINAL_CN = re.compile(r"第([一二三四五六七八九十百]{1,4}|\d{1,3})(次|届|批|季度|期|轮|号)?")
_NUMERIC_START = frozenset('第“”"一二三四五六七八九十百〇零')
# A bare numeral in parentheses or before a measure (修正案（七）, 三年行动).
_NUMBER_CN = re.compile(r"[一二三四五六七八九十]{1,3}(?=[）)]|$|年|个|项|条|大|大类)")


def _cn_year(s: str) -> str:
    return "".join(str(CN_DIGITS[c]) for c in s)


Token = tuple[str, str, str]  # (role, zh, en)
# A tokenizer step looks at ``text`` from position ``i``: when it recognises what
# starts there it appends tokens to ``out`` and returns the position after them,
# else it returns None and the next step is tried.
_Step = Callable[[str, int, "_Ctx", list[Token]], "int | None"]


def _rule(out: list[Token], ctx: _Ctx, token: Token, note: bool = True) -> None:
    """Append a token a title rule rendered (it counts as known; noted when ``note``)."""
    out.append(token)
    ctx.cover(token[1], "rule")
    if note:
        ctx.note(token[1], token[2], "rule")


def _five_year(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """十四五 / 第十四个五年 -> "14th Five-Year"."""
    m = _FIVE_YEAR_SHORT.match(text, i) or _FIVE_YEAR.match(text, i)
    num = _cn_number(m.group(1)) if m else None
    if not m or not num:
        return None
    _rule(out, ctx, ("term", m.group(0), f"{_ordinal(num)} Five-Year"))
    return m.end()


def _year_range(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """2021—2025年 -> "2021-2025"."""
    m = _YEAR_RANGE.match(text, i)
    if not m:
        return None
    _rule(out, ctx, ("lit", m.group(0), f"{m.group(1)}-{m.group(2)}"), note=False)
    return m.end()


def _ordinal_cn(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """第七次 / 第二批 -> "7th" / "2nd Batch"."""
    m = _ORDINAL_CN.match(text, i)
    if not m:
        return None
    num = _cn_number(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
    if not num:
        return None
    unit = _ORDINAL_UNITS.get(m.group(2), "")
    _rule(out, ctx, ("term", m.group(0), f"{_ordinal(num)} {unit}".strip()))
    return m.end()


def _bare_number(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """修正案（七） / 三年行动 -> "7" / "3", unless the glossary has a word there."""
    m = _NUMBER_CN.match(text, i)
    if not m or ctx.term(text[i : i + 2]):
        return None
    num = _cn_number(m.group(0))
    if num is None:
        return None
    _rule(out, ctx, ("lit", m.group(0), str(num)), note=False)
    return m.end()


def _new_era(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """新时代 -> "in the New Era"."""
    if not text.startswith("新时代", i):
        return None
    _rule(out, ctx, ("when", "新时代", "in the New Era"))
    return i + 3


def _year_before(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """2030年前 -> "Before 2030"."""
    m = _YEAR_BEFORE.match(text, i)
    if not m:
        return None
    _rule(out, ctx, ("when", m.group(0), f"Before {m.group(1)}"), note=False)
    return m.end()


def _date(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """2018年6月11日 / 2019年4月 / 6月11日 -> "June 11, 2018" / "April 2019" / "June 11"
    (not "2018 6 Moon 11 Sun"): a year alone is ``_year``'s."""
    m = _DATE.match(text, i)
    if not m or not 1 <= int(m.group(2)) <= 12 or (not m.group(1) and not m.group(3)):
        return None
    year, day = m.group(1), m.group(3)
    if day and not 1 <= int(day) <= 31:
        return None
    en = _MONTHS[int(m.group(2)) - 1] + (f" {int(day)}" if day else "")
    if year:
        en += f", {year}" if day else f" {year}"
    _rule(out, ctx, ("lit", m.group(0), en), note=False)
    return m.end()


def _year(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """2024年度 / 二〇二四年 -> "2024"."""
    m = _YEAR_CN.match(text, i) or _YEAR.match(text, i)
    if not m:
        return None
    year = m.group(1) if m.group(1).isdigit() else _cn_year(m.group(1))
    _rule(out, ctx, ("lit", m.group(0), year), note=False)
    return m.end()


# Numbers and fixed expressions, in the order they are tried.
_NUMERIC_STEPS: tuple[_Step, ...] = (
    _date,
    _five_year,
    _year_range,
    _ordinal_cn,
    _bare_number,
    _new_era,
    _year_before,
    _year,
)


def _numeric(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """The first numeric step that matches, tried only where a number can start
    (the pattern checks cost more than the rest of a position's work)."""
    ch = text[i]
    if not (ch in _NUMERIC_START or ch.isdigit() or ch == "新"):
        return None
    for step in _NUMERIC_STEPS:
        end = step(text, i, ctx, out)
        if end is not None:
            return end
    return None


def _quoted(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """实施《中华人民共和国集会游行示威法》: the quoted title is itself a title --
    its attested English, else its own draft."""
    ch = text[i]
    if ch not in "《〈":
        return None
    j = text.find("》" if ch == "《" else "〉", i + 1)
    inner = text[i + 1 : j] if j > i else ""
    en = _quoted_title(inner, ctx) if inner else None
    if en is None:
        return None
    out += [("quote", ch, '"'), ("term", inner, en), ("quote", text[j], '"')]
    return j + 1


def _quote_mark(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """A quotation mark or title bracket on its own."""
    if text[i] not in '“”"《》「」〈〉':
        return None
    out.append(("quote", text[i], '"'))
    return i + 1


def _non_han(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """A run of Latin letters, digits and punctuation, kept as written; 、 is a comma."""
    if HAN_RE.match(text[i]):
        return None
    j = i
    while j < len(text) and not HAN_RE.match(text[j]) and text[j] not in '“”"《》「」〈〉、':
        j += 1
    if j == i:  # 、
        out.append(("conj", text[i], ","))
        return i + 1
    lit = text[i:j].strip().replace("（", "(").replace("）", ")")
    if lit:
        lit = lit.replace("+", " Plus") if lit == "+" else lit
        out.append(("lit", text[i:j], lit))
    return j


def _glossary_match(text: str, i: int, ctx: _Ctx) -> tuple[int, Token | None]:
    """The longest glossary term starting at ``i`` (up to 16 characters)."""
    most = min(MAX_GLOSSARY_MATCH, len(text) - i)
    lengths_at = getattr(ctx.lookup, "lengths_at", None)
    candidates = reversed(lengths_at(text, i, most)) if lengths_at else range(most, 0, -1)
    for L in candidates:
        piece = text[i : i + L]
        if not (HAN_RE.match(piece[-1]) or piece[-1].isalnum() or piece[-1] == "+"):
            continue
        en = ctx.term(piece)
        if en:
            return L, ("term", piece, en)
    return 0, None


def _structure_match(
    text: str, i: int, best_len: int, best: Token | None
) -> tuple[int, Token | None]:
    """Title-structure words against the glossary match: the glossary wins only
    when strictly longer (促进 is a verb here even if the glossary has it)."""
    room = len(text) - i
    for table, role, lengths in _STRUCTURE:
        for L in lengths:
            if L > room:  # noqa: SIM300 (L is a length, not a constant)
                continue
            piece = text[i : i + L]
            if (
                piece in table
                and best_len <= L
                and (best is None or best[0] == "term" or best_len < L)
            ):
                if best_len < L or best is None or best[0] == "term":
                    best_len, best = L, (role, piece, table[piece])
                break
    return best_len, best


def _curated(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int | None:
    """The longest curated match: glossary terms, title-structure words, a longer
    jieba word CC-CEDICT knows, conjunctions and 的."""
    best_len, best = _glossary_match(text, i, ctx)
    best_len, best = _structure_match(text, i, best_len, best)
    best_origin = ""
    jw = ctx.jieba_word(text, i)
    if (
        ctx.cedict is not None
        and len(jw) > max(best_len, 1)
        and (best is None or best[0] in ("term", "head", "adj"))
        and not ctx.term(jw)
    ):
        # jieba's word is longer than any curated match here (退税 over 税,
        # 保护区 over 保护): CC-CEDICT knows the longer word.
        fb = _dictionary(jw, ctx)
        if fb is not None:
            best_len, best = len(jw), ("term", jw, fb[0])
            best_origin = fb[1]
    ch = text[i]
    if best is None and ch in CONJ:
        best_len, best = 1, ("conj", ch, CONJ[ch])
    if best is None and ch == "的":
        best_len, best = 1, ("de", ch, "")
    if best is None:
        return None
    role, piece, en = best
    out.append(best)
    origin = best_origin or ("glossary" if role == "term" else "rule")
    ctx.cover(piece, origin)
    ctx.note(piece, en, origin)
    return i + best_len


def _uncurated(text: str, i: int, ctx: _Ctx, out: list[Token]) -> int:
    """Nothing curated starts here: CC-CEDICT, then pinyin, for the word here."""
    word = _unknown_word(text, i, ctx)
    for piece, en, origin in _fallback(word, ctx):
        if origin == "untranslated":
            out.append(("unk", piece, ""))
            ctx.untranslated.append(piece)
            continue
        out.append(("term", piece, en))
        ctx.cover(piece, origin)
        ctx.note(piece, en, origin)
    return i + len(word)


# The tokenizer's steps, in the order they are tried at each position; the last
# one always consumes at least one character.
_TOKEN_STEPS: tuple[_Step, ...] = (
    _numeric,
    _quoted,
    _quote_mark,
    _non_han,
    _curated,
    _uncurated,
)


def _tokens(zh: str, ctx: _Ctx) -> list[Token]:
    """Subject -> [(role, zh, en)], longest match first.

    Roles: verb, adv, adj, head, conj, de, term, lit, unk, quote, when.
    """
    out: list[Token] = []
    i = 0
    while i < len(zh):
        for step in _TOKEN_STEPS:
            end = step(zh, i, ctx, out)
            if end is not None:
                i = end
                break
    ctx.total += len(HAN_RE.findall(zh))
    return out


def _quoted_title(inner: str, ctx: _Ctx) -> str | None:
    """The English of a title quoted in a title (attested first), or None when
    the quoted text is not a title (no document type at its end)."""
    if not any(inner.endswith(dt) for dt in DOCTYPES) or len(inner) < 4:
        return None
    if ctx.use_attested:
        a = attested(inner, ctx.exclude)
        if a is not None:
            ctx.total += len(HAN_RE.findall(inner))
            ctx.cover(inner, "attested")
            ctx.note(inner, a.en, "attested")
            return a.en
    try:
        st = parse_title(inner, ctx.lookup)
    except InputError:
        return None
    return _title_case(_render(st, ctx, ctx.lookup))


def _dictionary(word: str, ctx: _Ctx) -> tuple[str, str] | None:
    """(English, origin) of a whole word from the proper-name table or CC-CEDICT."""
    if word in NAMES:
        return NAMES[word], "rule"
    if ctx.cedict is None:
        return None
    cw = ctx.cedict.get(word)
    if cw is None:
        return None
    return cw.en, ("cc-cedict name" if cw.kind == "proper" else "cc-cedict")


def _fallback(word: str, ctx: _Ctx) -> list[tuple[str, str, str]]:
    """Render a word nothing curated covers: [(zh, en, origin)].

    CC-CEDICT for the whole word, else its longest known prefixes; what is left
    is a name (a run of characters no dictionary word covers: 攀西, 杨伯明) and
    goes into pinyin. Only characters with no reading at all stay untranslated.
    """
    if not HAN_RE.search(word):
        return [(word, word, "rule")]
    whole = _dictionary(word, ctx)
    if whole is not None:
        return [(word, whole[0], whole[1])]
    out: list[tuple[str, str, str]] = []
    k = 0
    run = ""  # characters waiting to become one pinyin name
    while k < len(word):
        hit = None
        for L in range(min(6, len(word) - k), 1, -1):
            t = _dictionary(word[k : k + L], ctx)
            if t is not None:
                hit = (word[k : k + L], t[0], t[1])
                break
        if hit is None:
            run += word[k]
            k += 1
            continue
        if run:
            out.append(_name_or_char(run, ctx))
            run = ""
        out.append(hit)
        k += len(hit[0])
    if run:
        out.append(_name_or_char(run, ctx))
    return out


def _name_or_char(run: str, ctx: _Ctx) -> tuple[str, str, str]:
    """Characters no dictionary word covers.

    A lone character with a plain noun sense keeps it (税 -> tax). A run that
    jieba tags as a name (person, place, organization) is read in pinyin --
    people as "Surname Given" (杨伯明 -> "Yang Boming"); any other run whose
    characters all have noun senses keeps those (车船 -> "car boat"), and the
    rest is pinyin too.
    """
    if ctx.cedict is None:
        return (run, "", "untranslated")
    if len(run) == 1:
        cw = ctx.cedict.get(run)
        if cw is not None and cw.kind == "noun":
            return (run, cw.en, "cc-cedict")
    tags = _pos_tags(run)
    if len(run) > 1 and not all(t.startswith(("nr", "ns", "nt", "nz")) for t in tags):
        senses = [ctx.cedict.get(ch) for ch in run]
        if all(cw is not None and cw.kind == "noun" for cw in senses):
            return (run, " ".join(cw.en for cw in senses if cw is not None), "cc-cedict")
    if tags and all(t.startswith("nr") for t in tags) and 2 <= len(run) <= 4:
        surname, given = ctx.cedict.char_name(run[0]), ctx.cedict.name(run[1:])
        if surname and given:
            return (run, f"{surname} {given}", "pinyin")
    name = ctx.cedict.name(run)
    if name:
        return (run, name, "pinyin")
    return (run, "", "untranslated")


def _pos_tags(run: str) -> list[str]:
    """jieba's part-of-speech tags for a short run (default dictionary)."""
    return [t for _, t in rjieba.tag(run)]


def _unknown_word(text: str, i: int, ctx: _Ctx) -> str:

    pos = 0
    for w in cut(text):
        if pos <= i < pos + len(w):
            word = text[i : pos + len(w)]
            break
        pos += len(w)
    else:
        word = text[i]
    # stop before a character where something known starts
    for k in range(1, len(word)):
        rest = word[k:]
        if any(rest.startswith(v) for v in VERBS) or ctx.term(rest[:2]) or ctx.term(rest):
            return word[:k]
    return word


def _render_np(items: list[tuple[str, str, str]], governed: bool) -> str:
    """Render a noun phrase. With ``governed`` (a verb before it), a trailing head
    becomes "the [Adj] Head of NP" (促进平台经济规范健康发展)."""
    if not items:
        return ""
    # A的B -> B of A (only for the last 的)
    de_pos = [k for k, t in enumerate(items) if t[0] == "de"]
    if de_pos:
        k = de_pos[-1]
        left, right = items[:k], items[k + 1 :]
        if left and right:
            return f"{_render_np(right, governed)} of {_render_np(left, False)}".strip()
        items = left or right
        if not items:
            return ""  # a lone 的: nothing on either side
    last = items[-1]
    if (
        governed
        and len(items) >= 2
        and last[0] == "term"
        and any(last[1].endswith(h) for h in _GOVERNED_HEADS)
        and items[-2][0] in ("term", "unk")
    ):
        # 平台经济 + 规范健康发展 (one glossary term): "the Regulated and Healthy
        # Development of the Platform Economy", as a head would be.
        return f"the {last[2]} of {_words(items[:-1])}"
    if governed and len(items) >= 2 and items[-1][0] == "head":
        head = items[-1][2]
        k = len(items) - 1
        adjs: list[str] = []
        while k > 0 and items[k - 1][0] == "adj":
            adjs.insert(0, items[k - 1][2])
            k -= 1
        obj = items[:k]
        pre = (_join(adjs) + " ") if adjs else ""
        if obj:
            return f"the {pre}{head} of {_words(obj)}"
        return f"{pre}{head}"
    return _words(items)


def _words(items: list[tuple[str, str, str]]) -> str:
    out: list[str] = []
    quote_open = False
    for role, zh, en in items:
        if role == "quote":
            if not quote_open:
                out.append('"')
            else:
                out[-1:] = [out[-1] + '"'] if out else ['"']
            quote_open = not quote_open
            continue
        if role == "unk":
            out.append(f"[{zh}]")
            continue
        if role == "de":
            continue
        if role == "conj" and en == ",":
            if out:
                out[-1] = out[-1] + ","
            continue
        if out and out[-1] == '"':
            out[-1] = '"' + en
        else:
            out.append(en)
    text = " ".join(out)
    return text.replace(" ,", ",")


def _adj_run(toks: list[tuple[str, str, str]], k: int) -> bool:
    """True when toks[k:] is adjectives ending in a head noun (规范 健康 发展)."""
    rest = toks[k + 1 :]
    if not rest:
        return False
    for role, z, _ in rest[:-1]:
        if not (role == "adj" or (role == "verb" and z in ADJECTIVES)):
            return False
    last_role, last_z, _ = rest[-1]
    return last_role == "head" or last_z in HEADS


def _final_verb(toks: list[tuple[str, str, str]], law: bool) -> str | None:
    """X促进 / X保护 / X管理 closing a subject of nouns: the verb governs X.

    Outside laws the verb comes first, as official titles put it: 数字经济促进
    -> "Promoting the Digital Economy", 文物保护 -> "the Protection of Cultural
    Relics". Laws keep the compound ("Circular Economy Promotion Law"), so
    they return None here.
    """
    if law or len(toks) < 2:
        return None
    role, z, _ = toks[-1]
    if role not in ("verb", "head") or z not in VERBS and z not in HEADS:
        return None
    np = toks[:-1]
    if any(t[0] in ("verb", "adv") for t in np) or not any(t[0] in ("term", "lit") for t in np):
        return None
    obj = _render_np(np, False)
    if z in HEADS and z not in ("发展",):
        return f"the {HEADS[z]} of {obj}"
    verb = VERBS[z] if z in VERBS else HEADS[z]
    return f"{verb} {'the ' if _needs_the(np) else ''}{obj}"


def _needs_the(np: list[tuple[str, str, str]]) -> bool:
    """'Promoting the Digital Economy': a common-noun object takes 'the'; names,
    plurals and years do not."""
    first, last = np[0], np[-1]
    if first[0] != "term" or last[2][-1:] == "s":
        return False
    return not any(c.isupper() for c in first[2][:1]) or first[2][:1].islower()


# --- the subject as clauses ---------------------------------------------------------
# A subject reads as clauses "[adverb* verb+] noun phrase" (促进 + 平台经济规范健康发展,
# 加快 建设 + 全国统一大市场). The tokens are read in order; the first rule of
# _CLAUSE_RULES whose test holds for a token takes it.

Clause = tuple[list[str], list[Token]]  # (the verbs in English, the noun phrase's tokens)


@dataclass
class _Clauses:
    """What the clause split has read so far, and the role of the token after this one."""

    done: list[Clause] = field(default_factory=list)
    verbs: list[str] = field(default_factory=list)  # of the open clause
    np: list[Token] = field(default_factory=list)  # of the open clause
    adverbs: list[str] = field(default_factory=list)  # waiting for their verb
    nxt: str | None = None

    def close(self) -> None:
        """End the open clause if it has a noun phrase: what comes next starts another."""
        if self.np:
            self.done.append((self.verbs, self.np))
            self.verbs, self.np = [], []

    def finish(self) -> list[Clause]:
        """The clauses, with adverbs no verb followed kept as a verb of their own."""
        if self.adverbs:
            self.verbs.append(" ".join(self.adverbs))
        if self.verbs or self.np:
            self.done.append((self.verbs, self.np))
        return self.done


def _as_adjective(toks: list[Token], k: int, s: _Clauses) -> Token:
    """平台经济 规范 健康 发展: a verb that is also an adjective, inside a noun phrase
    and before adjectives ending in a head, modifies that head (no new clause)."""
    role, z, _ = toks[k]
    if role == "verb" and z in ADJECTIVES and s.np and _adj_run(toks, k):
        return ("adj", z, ADJECTIVES[z])
    return toks[k]


def _is_adverb(s: _Clauses, tok: Token) -> bool:
    """An adverb (or a verb listed as one) before a verb or adverb; 加快 stays a verb."""
    role, z, _ = tok
    return (
        s.nxt in ("verb", "adv")
        and z != "加快"
        and (role == "adv" or (role == "verb" and z in ADVERBS))
    )


def _hold_adverb(s: _Clauses, tok: Token) -> None:
    s.close()
    s.adverbs.append(ADVERBS.get(tok[1], tok[2]))


def _is_verb(s: _Clauses, tok: Token) -> bool:
    """A verb acting as one: not the last word of a noun phrase before the document
    type (数据安全 管理 + 办法 -> "Data Security Management")."""
    return tok[0] == "verb" and not (
        s.np and s.np[-1][0] in ("term", "unk") and s.nxt in (None, "doctype")
    )


def _is_closing_head(s: _Clauses, tok: Token) -> bool:
    """A verb at the end of a noun phrase (or before a conjunction) is a head in
    disguise (审查, 管理)."""
    return _is_verb(s, tok) and tok[1] in HEADS and s.nxt in (None, "conj") and bool(s.np)


def _add_head(s: _Clauses, tok: Token) -> None:
    s.np.append(("head", tok[1], HEADS[tok[1]]))


def _is_second_verb(s: _Clauses, tok: Token) -> bool:
    """A verb right after a verb: 加快建设 -> "Accelerating the Building of"."""
    return _is_verb(s, tok) and bool(s.verbs) and not s.np and not s.adverbs


def _add_verb_noun(s: _Clauses, tok: Token) -> None:
    _, z, en = tok
    s.np.append(("head", z, _VERB_NOUNS.get(z, HEADS.get(z, en))))


def _add_verb(s: _Clauses, tok: Token) -> None:
    """A verb starts a clause (after the one before, if that has its noun phrase)."""
    s.close()
    verb = tok[2]
    if s.adverbs:
        verb = " ".join(s.adverbs) + " " + verb
        s.adverbs = []
    s.verbs.append(verb)


def _is_conj_of_verbs(s: _Clauses, tok: Token) -> bool:
    """促进和规范: verbs are joined with "and" anyway."""
    return tok[0] == "conj" and bool(s.verbs) and not s.np


def _skip(s: _Clauses, tok: Token) -> None:
    pass


def _always(s: _Clauses, tok: Token) -> bool:
    return True


def _add_to_np(s: _Clauses, tok: Token) -> None:
    """Anything else joins the noun phrase; a verb there is a noun (its head or
    noun form)."""
    role, z, en = tok
    if role == "verb":
        tok = ("head", z, HEADS[z]) if z in HEADS else ("term", z, _VERB_NOUNS.get(z, en))
    elif s.adverbs:
        # an adverb before a noun phrase (全面 + 小康) reads as an adjective
        s.np.append(("term", "", " ".join(s.adverbs)))
        s.adverbs = []
    s.np.append(tok)


_ClauseRule = tuple[Callable[[_Clauses, Token], bool], Callable[[_Clauses, Token], None]]
# (test, take) in the order they are tried; the last one takes any token.
_CLAUSE_RULES: tuple[_ClauseRule, ...] = (
    (_is_adverb, _hold_adverb),
    (_is_closing_head, _add_head),
    (_is_second_verb, _add_verb_noun),
    (_is_verb, _add_verb),
    (_is_conj_of_verbs, _skip),
    (_always, _add_to_np),
)


def _split_clauses(toks: list[Token]) -> list[Clause]:
    """A subject's tokens as clauses (see :data:`_CLAUSE_RULES`)."""
    s = _Clauses()
    for k in range(len(toks)):
        s.nxt = toks[k + 1][0] if k + 1 < len(toks) else None
        tok = _as_adjective(toks, k, s)
        for applies, take in _CLAUSE_RULES:
            if applies(s, tok):
                take(s, tok)
                break
    return s.finish()


def _render_clauses(clauses: list[Clause], starts_with_verb: bool) -> str:
    rendered: list[str] = []
    for verbs, np in clauses:
        # "V1 V2 + NP": the second verb's object is a "the Head of" chain
        if verbs and np and np[0][0] == "head" and len(np) > 1:
            phrase = f"the {np[0][2]} of {_render_np(np[1:], True)}"
        else:
            phrase = _render_np(np, bool(verbs))
        rendered.append(f"{' and '.join(verbs)} {phrase}".strip() if verbs else phrase)
    return _join(rendered) if starts_with_verb else " ".join(rendered)


def _render_subject(zh: str, ctx: _Ctx, law: bool = False) -> tuple[str, bool]:
    """Render a subject; returns (english, starts_with_verb)."""
    toks = _tokens(zh, ctx)
    when = [t[2] for t in toks if t[0] == "when"]
    toks = [t for t in toks if t[0] != "when"]
    fronted = _final_verb(toks, law)
    if fronted is not None:
        text = fronted + (" " + " ".join(when) if when else "")
        return " ".join(text.split()), True
    clauses = _split_clauses(toks)
    starts_with_verb = bool(clauses and clauses[0][0])
    text = _render_clauses(clauses, starts_with_verb)
    if when:
        text += " " + " ".join(when)
    return " ".join(text.split()), starts_with_verb


def _render_issuer(name: str, ctx: _Ctx) -> str:
    if name.startswith("等") and name.endswith("部门"):
        ctx.known += len(name)
        return "Other Departments"
    ctx.total += len(name)
    if name in ISSUERS:
        ctx.known += len(name)
        ctx.note(name, ISSUERS[name], "rule")
        return ISSUERS[name]
    en = ctx.term(name)
    if en:
        ctx.known += len(name)
        ctx.note(name, en, "glossary")
        return en if en.lower().startswith("the ") else "the " + en
    # 河南省人民政府办公厅, 郑州市人民政府, 省发展改革委
    for zh_r, en_r in sorted(REGIONS.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(zh_r):
            rest = name[len(zh_r) :]
            unit_en = ""
            for unit, u_en in _REGION_UNITS:
                if rest.startswith(unit):
                    rest, unit_en = rest[len(unit) :], u_en
                    break
            r = f"{en_r} {unit_en}".strip()
            for tail, pattern in _ORG_TAILS:
                if rest == tail:
                    ctx.known += len(name)
                    return "the " + pattern.format(r=r)
            if not rest:
                ctx.known += len(name)
                return r
            sub_en = ctx.term(rest)
            if sub_en:
                ctx.known += len(name)
                return f"the {r} {sub_en}".replace("Provincial Provincial", "Provincial")
    return _render_org(name, ctx)


def _render_org(name: str, ctx: _Ctx) -> str:
    """An issuer no table names: its place (as an adjective) and the rest of its
    name drafted like a subject (上海市绿化和市容管理局 -> "the Shanghai Municipal
    Landscaping and City Appearance Administration Bureau")."""
    m = _CPC_COMMITTEE.match(name)
    if m:  # 中共云南省委(办公厅)
        pp = place_prefix(m.group(1) + m.group(2))
        if pp is not None:
            ctx.cover(name, "rule")
            committee = f"CPC {pp[2]} Committee"
            ctx.note(name, committee, "rule")
            return f"the General Office of the {committee}" if m.group(3) else f"the {committee}"
    ctx.total -= len(name)  # _tokens counts the characters it renders
    pp = place_prefix(name)
    head = ""
    if pp is not None:
        head = pp[2] + " "
        ctx.total += len(name[: pp[0]])
        ctx.cover(name[: pp[0]], "rule")
        name = name[pp[0] :]
    en, _ = _render_subject(name, ctx) if name else ("", False)
    return "the " + _title_case(f"{head}{en}".strip())


def _render(st: TitleStructure, ctx: _Ctx, lookup: Lookup) -> str:
    """The English of a parsed title. The parts are rendered in title order (their
    words noted in that order), then put in English word order: a national law, a
    notice on issuing another title, or type, issuers or place, and subject."""
    doctype_en = _note_doctype(st, ctx)
    issuers_en = [_render_issuer(i, ctx) for i in st.issuers]
    suffix = _render_suffix(st, ctx)
    if st.is_law:
        return _render_law(st, ctx, suffix)
    of = _render_of(st, ctx, issuers_en)
    if st.action:
        return _render_action(st, ctx, lookup, doctype_en, of, suffix)
    return _render_plain(st, ctx, doctype_en, of, bool(issuers_en), suffix)


def _note_doctype(st: TitleStructure, ctx: _Ctx) -> str:
    """The document type's English ('' when the title has none)."""
    doctype_en = DOCTYPES.get(st.doctype or "", "")
    if st.doctype:
        ctx.known += len(st.doctype)
        ctx.total += len(st.doctype)
        ctx.note(st.doctype, doctype_en, "rule")
    return doctype_en


def _render_suffix(st: TitleStructure, ctx: _Ctx) -> str:
    """（2021—2035年） -> " (2021-2035)", （试行） -> " (Trial)"."""
    if not st.suffix:
        return ""
    en = _render_subject(st.suffix, ctx)[0]
    return f" ({_title_case(en)})" if en else ""


def _render_law(st: TitleStructure, ctx: _Ctx, suffix: str) -> str:
    """中华人民共和国X法 -> "X Law of the People's Republic of China" (or "Law of … on
    Ving …" when the subject opens with a verb)."""
    ctx.known += len(_PRC)
    ctx.total += len(_PRC)
    ctx.note(_PRC, _PRC_EN, "rule")
    subj, verb_first = _render_subject(st.subject, ctx, law=True)
    if verb_first:
        return f"Law of {_PRC_EN} on {_title_case(subj)}{suffix}"
    return f"{_title_case(subj)} Law of {_PRC_EN}{suffix}"


def _render_of(st: TitleStructure, ctx: _Ctx, issuers_en: list[str]) -> str:
    """ " of <issuers>" (and Other Departments), else " of <place>", else ''."""
    of = ""
    if st.place:
        pp = place_prefix(st.place)
        if pp is not None:
            of = f" of {pp[1]}"
            ctx.cover(st.place, "rule")
            ctx.total += len(st.place)
            ctx.note(st.place, pp[1], "rule")
    if issuers_en:
        others = [i for i in issuers_en if i != "Other Departments"]
        of = " of " + _join(others)
        if len(others) < len(issuers_en):
            of += " and Other Departments"
    return of


def _render_action(
    st: TitleStructure, ctx: _Ctx, lookup: Lookup, doctype_en: str, of: str, suffix: str
) -> str:
    """A关于印发《X》的通知 -> 'Notice of A on Issuing "X"', X drafted as a title."""
    action = st.action or ""  # the caller checked there is one
    inner = st.inner_title or ""
    quoted = st.subject[len(action) :].startswith("《")
    ctx.known += len(action)
    ctx.total += len(action)
    ctx.note(action, ACTIONS[action], "rule")
    inner_st = (
        parse_title(inner, lookup)
        if HAN_RE.search(inner)
        else TitleStructure(title=inner, subject=inner)
    )
    inner_en = _render(inner_st, ctx, lookup)
    if quoted:
        inner_en = f'"{inner_en}"'
    else:
        inner_en = "the " + inner_en if not inner_en.lower().startswith("the ") else inner_en
    return f"{doctype_en or 'Notice'}{of} on {ACTIONS[action]} {inner_en}{suffix}"


def _render_plain(
    st: TitleStructure, ctx: _Ctx, doctype_en: str, of: str, has_issuers: bool, suffix: str
) -> str:
    """Type, issuers or place, and subject, in the order official titles use."""
    prc_prefix = ""
    subject = st.subject
    if subject.startswith(_PRC):
        prc_prefix = f" of {_PRC_EN}"
        ctx.known += len(_PRC)
        ctx.total += len(_PRC)
        subject = subject[len(_PRC) :]
    subj, verb_first = _render_subject(subject, ctx) if subject else ("", False)
    subj = _title_case(subj)
    if not doctype_en:
        return f"{subj}{prc_prefix}{suffix}".strip()
    if st.place and not verb_first and doctype_en in _COMPOUND_TYPES:
        # 河南省“十四五”数字经济发展规划 -> "Henan Province 14th Five-Year ... Development Plan"
        return f"{of[4:]} {subj} {doctype_en}{prc_prefix}{suffix}"
    if st.place:
        prep = "for" if doctype_en in _FOR_TYPES and verb_first else "on"
        return f"{doctype_en}{of}{prc_prefix} {prep} {subj}{suffix}"
    if "关于" in st.title or has_issuers:
        return f"{doctype_en}{of}{prc_prefix} on {subj}{suffix}"
    if not verb_first and doctype_en in _COMPOUND_TYPES:
        return f"{subj} {doctype_en}{prc_prefix}{suffix}"
    if doctype_en == "Law":
        return f"{subj} Law{prc_prefix}{suffix}"
    prep = "for" if doctype_en in _FOR_TYPES else "on"
    return f"{doctype_en}{prc_prefix} {prep} {subj}{suffix}"


# --- default lookup -------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _default_glossary():  # Glossary, imported lazily

    return Glossary.load(cedict=False)


def default_lookup(term: str) -> str | None:
    """Preferred English of a curated glossary term, or None."""
    e = _default_glossary().zh_entry(term)
    return e.preferred if e is not None else None


# --- public API -------------------------------------------------------------------


def draft_title(
    zh: str,
    lookup: Lookup | None = None,
    *,
    cedict: bool = True,
    use_attested: bool = True,
    exclude: frozenset[str] = frozenset(),
) -> DraftTitle:
    """Draft an English title for a Chinese policy title (labelled as a draft).

    Words come from ``lookup`` (the curated glossary by default), then the
    title rules, then CC-CEDICT (``cedict=False`` turns it off), then pinyin
    for names; a title quoted inside the title uses its attested English
    unless ``use_attested`` is off or it is in ``exclude`` (normalized titles).
    Raises :class:`InputError` for empty, non-text or over-long (over
    :data:`MAX_TITLE` characters) input; text without Chinese gives an empty
    draft with confidence 0.
    """
    text = _check(zh)
    if not HAN_RE.search(text):
        return DraftTitle(text="", untranslated=[text], confidence=0.0)
    ctx = _Ctx(lookup or default_lookup, cedict, use_attested, exclude)
    whole = ctx.term(_SPACE_BETWEEN_HAN.sub("", text))
    if whole and len(text) >= 4:
        # The whole title is a glossary term (政府工作报告, 中国制造2025).
        ctx.note(text, whole, "glossary")
        return DraftTitle(text=_title_case(whole), used=ctx.used, confidence=1.0)
    st = parse_title(text, ctx.lookup)
    en = _render(st, ctx, ctx.lookup)
    en = " ".join(en.split()).replace(" ,", ",")
    en = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", en))
    en = _INNER_THE.sub("the", en)  # "on The Protection of" -> "on the Protection of"
    if not en:  # nothing rendered (a lone 的): an empty draft claims nothing
        return DraftTitle(text="", untranslated=[text], confidence=0.0)
    coverage = min(1.0, ctx.known / ctx.total if ctx.total else 0.0)
    # A long title has more structure to get wrong than a short one, whatever
    # its words: confidence falls with length past a short law's (chosen on the
    # build half of the reference titles, benchmarks/title_draft_eval.py).
    han = len(HAN_RE.findall(text))
    conf = round(coverage / (1 + LENGTH_PENALTY * max(0, han - LENGTH_FREE)), 3)
    return DraftTitle(
        text=en,
        used=ctx.used,
        untranslated=list(dict.fromkeys(ctx.untranslated)),
        confidence=conf,
        label=DRAFT_LABEL if conf >= LOW_CONFIDENCE else LOW_CONFIDENCE_LABEL,
    )


_INNER_THE = re.compile(r"(?<=[a-z,] )The\b")
