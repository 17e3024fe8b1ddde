"""Query intent: what kind of thing the user typed, decided per query.

Place in the flow: ``search.engine`` asks :func:`classify` before parsing; the
intent picks a ranking profile (``search.profiles``) and is shown in
``--explain``, the JSON response (``intent``) and a quiet line in the UI.

Kinds (first that applies):

* ``docnum`` -- the query holds a 文号 (国办发〔2019〕38号, "Guo Fa [2017] No. 35");
* ``question`` -- a natural-language question (question words or marks); an English
  one that asks about at most six words (how to apply for minimum living allowance)
  is ``en_keywords`` of those words (``data/en_question_words.txt``), and a Chinese
  one of a few words (怎么申请低保) ``zh_keywords`` of them (``data/zh_question_words.txt``),
  with the question kept in ``Intent.asked``: the engine asks it as a question when
  no title holds those words;
* ``title`` -- an exact or near-exact Chinese title (also one cited in brackets beside
  English, as news names a document): ends in a document type
  (通知, 意见, 办法, 条例, 法 ...) and is long enough to be a title, with or without
  《》, 中华人民共和国, 关于印发…的通知 wrappers, traditional characters, stray spaces;
* ``law_name`` -- a short law or regulation name (个人信息保护法, 民法典, 数据安全法);
* ``zh_keywords`` -- 1-4 Chinese words (平台经济, 碳达峰 新能源), also with a few English
  words beside them (platform economy 平台经济, Shanghai 人工智能);
* ``en_title`` -- an English document title (Notice on ..., ... Law of the PRC), also
  read out of the news sentence around it (``search.en_sentence``);
* ``en_keywords`` -- a few English words;
* ``words`` -- anything else (mixed, operators, long text): searched as words.

Filters and exclusions typed among the words (数据安全法 level:法律, 平台经济 -废止)
narrow the search and are no words: the rest is classified alone, and kept with
the filters (``Intent.filters``) when it is a title, a name, keywords or a question.

Classification never raises: whatever it cannot read is ``words``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path

from index.doctypes import NAME_ENDINGS, TITLE_ENDINGS
from index.normalize import TITLE_MARKS as _BOOK
from index.normalize import compact_title as compact
from index.normalize import normalize_query, to_simplified
from index.scripts import HAN_CHARS, han_count
from search.en_sentence import document_name
from search.query import FILTER_FIELDS, MAX_QUERY_CHARS

LAW_PREFIX = "中华人民共和国"
MAX_KEYWORD_WORDS = 4
MAX_KEYWORD_CHARS = 16  # Chinese keywords longer than this together are a title or words
KEYWORD_PIECE_CHARS = 6  # pieces typed apart no longer than this can be keywords, not a title
MIN_TITLE_CHARS = 8  # a Chinese title shorter than this is a name or keywords
LONG_TITLE_CHARS = 10  # unbroken Chinese this long, not a question: a title whatever its ending
_SENTENCE_MARKS = "，。；！,;!"
# What a title copied out of a sentence carries after it (…的指导意见。): not part of it.
_TRAILING_MARKS = _SENTENCE_MARKS + "：、.:．"

# Trailing notes of titles: （试行）, (2019年修订), （草案）.
_TRAILER = re.compile(r"[（(][^（）()]{0,16}[)）]$")
# A version mark copied with a law's title from a law database: （2018年修正）,
# (2019修订), 【2021年10月23日修正本】. Stored titles sometimes keep one (…应急预案
# （2011年10月16日修订）), so the title as typed stays an exact reading too.
_VERSION_TRAILER = re.compile(
    r"\s*[（(【\[]\s*(?:\d{4}\s*年?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?)?\s*"
    r"(?:第?[一二三四五六七八九十\d]{1,3}次)?\s*(?:修正|修订|修改)(?:本|文本|版)?\s*[)）】\]]$"
)
# The date a government site prints after a title (…的指导意见 2019年8月1日, …（2019-08-01）):
# copied with it, it is no word of the title.
_DATE_TRAILER = re.compile(
    r"[\s（(【\[]*(?:19|20)\d{2}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|"
    r"[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2})\s*[)）】\]]?$"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_EN_DATE_TRAILER = re.compile(
    rf"[\s,(（\[]*(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|"
    r"\d{4}-\d{1,2}-\d{1,2})\s*[)）\]]?\s*$",
    re.IGNORECASE,
)
# The site's name after an English page's title, as a browser tab shows it ("… | english.gov.cn");
# the bar is an OR of the query language only between words that are no title.
_EN_SITE_TRAILER = re.compile(r"(?:\s+[|｜]|｜)\s*[^|｜]{2,80}$")
MAX_EN_KEYWORD_WORDS = 6  # English keywords (or a question's words once its own are dropped)
MIN_EN_TITLE_WORDS = 4  # what must be left of an English title once a date is cleaned off
# A browser tab's title: the page's title, then the site's name (…的通知_中国政府网,
# …的通知 - 上海市人民政府, …｜北大法宝). A dash needs spaces around it: 2021—2035年 is
# part of a title.
_SITE_TRAILER = re.compile(r"(?:\s*[_|｜]\s*|\s+[-—–]+\s+)[^\s_|｜—–-]{2,20}$")
ISSUER_CHARS = 40  # the longest issuer (or joint issuers) a title may start with
_WRAPPER = re.compile(
    rf"^(?P<issuer>.{{0,{ISSUER_CHARS}}}?)关于(?:印发|转发|发布|公布)(?P<inner>.+?)的(?:通知|公告|决定)$"
)
# A notice issuing a document, with or without 关于 (市政府印发…的通知): how a plan or
# measures are published. Forwarding (转发) is not issuing: the forwarded document
# is a record of its own.
_ISSUING = re.compile(
    rf"^(?P<issuer>.{{0,{ISSUER_CHARS}}}?)(?:关于)?(?:印发|发布|公布)(?P<inner>.+?)的(?:通知|公告|决定)$"
)
# A span quoted or cited inside a text: a name or a slogan, whatever words it holds.
_QUOTED_SPAN = re.compile(r'“[^“”]*”|《[^《》]*》|"[^"]*"|「[^「」]*」')
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{HAN_CHARS}，、（）()])\s+(?=[{HAN_CHARS}，、（）()])")
_OPERATORS = re.compile(r"(^|\s)-\S|\bOR\b|\||[A-Za-z]+:|文号:|层级:|地区:|年份:")
_QUESTION_MARKS = ("?", "？")
_QUESTION_WORDS = (
    "吗",
    "呢",
    "谁",
    "啥",
    "咋",
    "什么",
    "怎么",
    "怎样",
    "如何",
    "哪些",
    "哪个",
    "哪里",
    "是否",
    "能否",
    "可否",
    "为什么",
    "多少",
    "是不是",
    "有没有",
    "可以",
    "应当",
    "需要",
)
_EN_TITLE_WORDS = frozenset(
    [
        "notice",
        "notices",
        "circular",
        "opinions",
        "opinion",
        "guiding",
        "guidelines",
        "guideline",
        "measures",
        "regulations",
        "regulation",
        "provisions",
        "rules",
        "law",
        "decision",
        "decisions",
        "plan",
        "program",
        "programme",
        "scheme",
        "outline",
        "interpretation",
        "reply",
        "announcement",
        "methods",
        "implementation",
        "implementing",
        "procedures",
        "catalogue",
        "list",
        "standards",
        "resolution",
        "report",
    ]
)
# Without capitals, a long run of English words joined by these reads as a title.
_EN_LINKING_WORDS = frozenset(["of", "on", "for", "and", "the", "in", "to"])
MIN_LOWER_TITLE_WORDS = 8
_EN_QUESTION = re.compile(
    r"^(how|what|when|where|why|who|which|can|could|should|is|are|do|does)\b", re.I
)


LABELS = {
    "docnum": "a document number 文号",
    "question": "a question",
    "title": "a document title 标题",
    "law_name": "a law or regulation name",
    "zh_keywords": "keywords 关键词",
    "en_title": "an English document title",
    "en_keywords": "English keywords",
    "words": "words",
}


@dataclass(frozen=True)
class Intent:
    """The kind of query, the text to search for it, and what the title tiers compare."""

    kind: str
    text: str  # the query to search (cleaned for titles and names)
    titles: tuple[str, ...] = ()  # compact titles that count as an exact match
    note: str = ""  # what was cleaned, for explain
    filters: str = ""  # filters, exclusions typed among the words (region:上海 -废止)
    # A Chinese question searched as its few words (怎么申请低保: 低保): the question
    # as typed, which the engine asks as a question when no title holds those words
    # or, after the keywords' fill, when they find less than a page.
    asked: str = ""
    # English typed beside Chinese keywords (platform economy 平台经济): the engine
    # searches the Chinese keywords alone when one side renders the other, else
    # every word of both languages as keywords (search.engine, _paired).
    paired: str = ""
    # A pasted title whose date or version mark was cleaned off (…公示（2018年6月11日）):
    # the title as typed, mark kept. Titles that differ only by such a mark can outnumber
    # a page; the engine searches this reading when no hit is the title as typed.
    typed: str = ""

    @property
    def searched(self) -> str:
        """``text`` with the filters and exclusions typed in the query: what a cleaned
        intent parses."""
        return f"{self.text} {self.filters}" if self.filters else self.text

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "label": self.label, "text": self.text, "note": self.note}

    @property
    def label(self) -> str:
        """A few words for the UI's quiet "read as" line."""
        return LABELS.get(self.kind, self.kind)

    @property
    def title_like(self) -> bool:
        return self.kind in ("title", "law_name")


# Quotation marks a title is pasted in (from news text, or typed around it): the
# title lookup and an English title in the search box read what is inside. Only a pair that encloses the whole text is taken off.
_ENCLOSING = {
    '"': '"',
    "'": "'",
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u300a": "\u300b",
    "\u300c": "\u300d",
    "\u300e": "\u300f",
    "\u3008": "\u3009",
    "\u00ab": "\u00bb",
}


def unquoted(t: str) -> str:
    """``t`` without the quotation marks that enclose all of it (nested pairs too)."""
    while len(t) > 2 and _ENCLOSING.get(t[0]) == t[-1] and _encloses(t):
        t = t[1:-1].strip()
    return t


def _encloses(t: str) -> bool:
    """Whether the quotation mark opening ``t`` is closed only by its last character:
    not '"A" and "B"'; yes '"Guidelines on "Smart Cities""'. A straight quote
    opens after a space and closes before one; inside a word it is an apostrophe
    (People's), as a right single quotation mark is (People’s)."""
    o, c = t[0], t[-1]
    depth = 0
    for i, ch in enumerate(t):
        if ch != o and ch != c:
            continue
        before = t[i - 1] if i else " "
        after = t[i + 1] if i + 1 < len(t) else " "
        if ch in "'\u2019" and before.isalnum() and after.isalnum():
            continue  # an apostrophe
        last = i == len(t) - 1
        opens = ch == o and (o != c or (not last and (before.isspace() or before in "([{")))
        depth += 1 if opens else -1
        if depth == 0 and not last:
            return False
    return depth == 0


def issuer_omitted(title: str, query: str) -> bool:
    """Whether a compact ``title`` is the compact ``query`` with its issuer in front:
    news cites a title from 关于 on (《关于加快推动平台经济规范健康持续发展的实施意见》),
    the document's title starts with who issued it (山东省人民政府办公厅关于…)."""
    if not query.startswith("关于") or not title.endswith(query):
        return False
    issuer = title[: len(title) - len(query)]
    return 0 < len(issuer) <= ISSUER_CHARS and "关于" not in issuer and "《" not in issuer


def _strip_trailer(t: str) -> str:
    while True:
        m = _TRAILER.search(t)
        if not m or m.start() == 0:
            return t
        t = t[: m.start()]


def _ends_like_title(t: str, endings: tuple[str, ...]) -> bool:
    return _strip_trailer(t).endswith(endings)


def _is_question(text: str) -> bool:
    if any(m in text for m in _QUESTION_MARKS):
        return True
    # A quoted slogan or a cited title asks nothing (…“谁执法谁普法”普法责任清单》的通知).
    bare = _QUOTED_SPAN.sub("", text)
    return any(w in bare for w in _QUESTION_WORDS) and not _issued_title(bare)


def _issued_title(t: str) -> bool:
    """An issuer's title -- who issued it, 关于, what about, a kind of document --
    whose subject holds a question word (…关于办理…刑事案件如何适用法律问题的解释,
    …需要帮助解决问题的汇报的通知). A question that cites a kind of document asks before
    its 关于 (用人单位需要遵守哪些关于加班的规定)."""
    head, about, _ = t.partition("关于")
    if not about or len(head) > ISSUER_CHARS or any(w in head for w in _QUESTION_WORDS):
        return False
    return _ends_like_title(compact(t), TITLE_ENDINGS + NAME_ENDINGS)


def title_variants(t: str) -> tuple[str, ...]:
    """Compact titles that count as exact: as typed, with/without 中华人民共和国,
    and the inner title of a 关于印发…的通知 wrapper."""
    out = [t]
    if t.startswith(LAW_PREFIX):
        out.append(t[len(LAW_PREFIX) :])
    elif _ends_like_title(t, NAME_ENDINGS) and "关于" not in t:
        out.append(LAW_PREFIX + t)
    m = _WRAPPER.match(t)
    if m:
        out.append(m.group("inner"))
    return tuple(dict.fromkeys(out))


def issued_document(t: str) -> str:
    """The document a compact notice title issues (X of …印发X的通知), or ""."""
    m = _ISSUING.match(t)
    return m.group("inner") if m else ""


def english_name(text: str) -> str:
    """An English title without the date or the site's name printed after it, and
    without the news sentence around it (``search.en_sentence``); ``text`` itself
    when none of them is there."""
    if not isinstance(text, str):
        return text
    return document_name(without_english_site(without_english_date(text)), _EN_TITLE_WORDS)


def without_english_site(text: str) -> str:
    """An English title without the site's name a browser tab prints after it ("… |
    english.gov.cn"); ``text`` itself when none ends it or too little would be left."""
    if han_count(text):
        return text
    rest = text
    for _ in range(3):  # "… | Ministry | english.gov.cn": a site and its section
        m = _EN_SITE_TRAILER.search(rest)
        if m is None or len(_LATIN_WORD.findall(rest[: m.start()])) < MIN_EN_TITLE_WORDS:
            break
        rest = rest[: m.start()].rstrip()
    return rest  # ``text`` itself when nothing was cut


def classify(query: object) -> Intent:
    """The intent of a query as typed. Never raises: unreadable input is ``words``."""
    try:
        cleaned = english_name(query)  # type: ignore[arg-type]
        if cleaned is not query:
            intent = _classify(cleaned)
            if intent.kind == "en_title":
                return Intent("en_title", intent.text, intent.titles, "cleaned: " + intent.text)
        return _classify(query)
    except Exception:  # intent is advice; the query is still searched
        return Intent("words", query if isinstance(query, str) else "")


def number_as_title(query: str) -> Intent | None:
    """A query that is one document number and nothing else (book marks, an end mark
    and a request word aside), read as a title: a decree's number is its title
    (《四川省人民政府令第277号》). None for anything else. Never raises."""
    from index.docnumber import parse_docnum
    from search.planning import request_words

    try:
        t = normalize_query(query).translate(_BOOK).strip().rstrip(_TRAILING_MARKS).strip()
        for w in request_words():
            if t.lower().endswith(w) and parse_docnum(t[: -len(w)].strip()) is not None:
                t = t[: -len(w)].strip()
                break
        if " " in t or parse_docnum(t) is None:  # 数据 国办发…: words and a number
            return None
        return Intent("title", t, title_variants(compact(t)))
    except Exception:  # intent is advice
        return None


def _classify(query: object) -> Intent:
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
        # Over-long input is refused by the query parser; classifying it costs time.
        return Intent("words", query if isinstance(query, str) else "")
    norm = normalize_query(query)
    from index.docnumber import find_docnums

    found = find_docnums(norm) if len(norm) <= 2000 else []
    if found:
        rest = norm
        for _dn, (start, end) in reversed(found):
            rest = rest[:start] + rest[end:]
        if han_count(rest) >= MIN_TITLE_CHARS:
            # A title that cites its own number (…的决定（沪府令第30号）) is a title.
            intent = _classify_chinese(query, norm)
            if intent.kind == "title":
                return intent
        return Intent("docnum", query)
    from index.docnumber import parse_typed, parse_yearless

    if parse_yearless(norm) is not None:  # 国办发38号: every year's
        return Intent("docnum", query)
    if parse_typed(norm) is not None:  # 粤府 2016 140号, 2016年粤府140号
        return Intent("docnum", query)
    site = _SITE_TRAILER.search(norm)
    if site and han_count(norm[: site.start()]) >= MIN_TITLE_CHARS:
        # …的通知｜北大法宝: the bar before a site's name is no OR of the query language.
        intent = _classify_chinese(query, norm[: site.start()])
        if intent.title_like and not _OPERATORS.search(intent.text):
            return intent
    if _OPERATORS.search(norm):
        return _narrowed(query, norm)
    han = han_count(norm)
    latin_words = _LATIN_WORD.findall(norm)
    mostly_chinese = han >= 2 * sum(len(w) for w in latin_words)
    mixed = latin_words and not mostly_chinese
    if mixed and not _only_requests(latin_words):  # 数据安全法 English: a request, below
        named = _chinese_name_among_english(norm) or _keywords_beside_english(norm, latin_words)
        if named is not None:
            return named
    if '"' in norm:
        return _classify_quoted(query, norm, latin_words, han)
    if han >= 2 and (mostly_chinese or _only_requests(latin_words)):
        return _classify_chinese(query, norm)
    if latin_words and han == 0:
        return _classify_english(query, latin_words)
    return Intent("words", query)


def _classify_quoted(query: str, norm: str, latin_words: list[str], han: int) -> Intent:
    """Quotes are a phrase search -- except inside an English title ("Smart Shandong"),
    and around all of a Chinese title or law name, which is read as one."""
    intent: Intent | None
    if latin_words and not han:
        inner = unquoted(query.strip())
        intent = _classify_english(query, latin_words)
        if intent.kind == "en_title" and inner != query.strip():
            # Pasted in quotation marks: the title is what is inside (a phrase
            # of its every word would be refused past 32 words).
            intent = Intent("en_title", inner, note="cleaned: " + inner)
    else:
        intent = _quoted_chinese(query, norm)
    if intent is not None and intent.kind in ("en_title", "title", "law_name", "zh_keywords"):
        return intent
    return Intent("words", query)


# What narrows a search without being a word to rank by: a filter (a field the query
# language knows, then its value) or an exclusion (-废止, -"试点"), typed among the words.
_NARROWING = re.compile(
    r'(?<!\S)(?:(?P<field>[A-Za-z]+|文号|层级|地区|年份):|-)(?:"[^"]*"|[^\s"]+)'
)
# What the words around them may be read as; anything else stays plain words.
FILTERED_KINDS = ("title", "law_name", "zh_keywords", "en_keywords", "question")


def _narrowed(query: str, norm: str) -> Intent:
    """A query with operators: plain words, unless its only operators narrow it --
    filters and exclusions (人工智能 region:上海, 平台经济 -废止, year:2021 数据安全法):
    they are no words to rank by, so the words around them are read as if typed alone
    (before, 人工智能 region:上海 was ranked by plain matching and put a school
    regulation first)."""
    found = [m for m in _NARROWING.finditer(norm) if _narrows(m)]
    if not found:
        return Intent("words", query)
    rest = _NARROWING.sub(lambda m: " " if _narrows(m) else m.group(0), norm)
    rest = " ".join(rest.split())
    if not rest or _OPERATORS.search(rest):
        return Intent("words", query)
    intent = _classify(rest)
    if intent.kind not in FILTERED_KINDS:
        return Intent("words", query)
    filters = " ".join(m.group(0).strip() for m in found)
    return replace(
        intent, filters=filters, note="; ".join(filter(None, (intent.note, "narrowed: " + filters)))
    )


def _narrows(m: re.Match[str]) -> bool:
    """An exclusion, or a filter of a field the query language knows (foo:bar is words)."""
    name = m.group("field")
    return name is None or name in FILTER_FIELDS or name.lower() in FILTER_FIELDS


def without_english_date(text: str) -> str:
    """An English title without the date a page prints after it ("… (June 10, 2021)",
    ", 10 June 2021", "(2021-06-10)"); ``text`` itself when no date ends it or too
    little would be left. Its words are no words of the title."""
    m = _EN_DATE_TRAILER.search(text) if isinstance(text, str) else None
    if m is None or han_count(text):
        return text
    rest = text[: m.start()].rstrip(" ,;:-")
    return rest if len(_LATIN_WORD.findall(rest)) >= MIN_EN_TITLE_WORDS else text


def _only_requests(latin_words: list[str]) -> bool:
    """Whether the English words beside Chinese ones only ask for a version of it
    (数据安全法 English version): search/data/request_words.txt."""
    from search.planning import request_words

    words = request_words()
    return bool(latin_words) and " ".join(latin_words).lower() in words


# A Chinese title or law name cited beside its English (news names a document in English,
# then in Chinese in brackets): the run of text between the English words that holds it.
_NOT_LATIN = re.compile(r"[^A-Za-z]+")
_AROUND_CHINESE = " \t\"'“”‘’()（）《》「」,.;:，。；：、"
MIN_CITED_NAME_CHARS = 4  # a Chinese law name beside English words (数据安全法 is 5)


def _chinese_name_among_english(norm: str) -> Intent | None:
    """The Chinese title or law name an English text cites ("… Development"
    (关于加快推动平台经济规范健康持续发展的实施意见) towards the end of October), read
    as if typed alone: it names the document more exactly than its English; None
    when no run between the English words is one."""
    runs = (r.strip(_AROUND_CHINESE) for r in _NOT_LATIN.findall(norm))
    for run in sorted(
        (r for r in runs if han_count(r) >= MIN_CITED_NAME_CHARS), key=len, reverse=True
    ):
        intent = _classify_chinese(run, run)
        if intent.title_like:
            return replace(intent, note="the Chinese name in it: " + intent.text)
    return None


def _keywords_beside_english(norm: str, latin_words: list[str]) -> Intent | None:
    """Chinese keywords typed with their English (platform economy 平台经济): the Chinese
    keywords, title first, with the English kept in ``Intent.paired`` (the engine
    searches every word of both when the English says something else: 平台经济
    antitrust); None for anything else (quotes, more than a few English words)."""
    if '"' in norm or len(latin_words) > MAX_EN_KEYWORD_WORDS:
        return None
    chinese = " ".join(_LATIN_WORD.sub(" ", norm).split())
    intent = _classify_chinese(chinese, chinese) if han_count(chinese) >= 2 else None
    if intent is None or intent.kind != "zh_keywords":
        return None
    english = " ".join(latin_words)
    return Intent("zh_keywords", chinese, note=f"with its English: {english}", paired=english)


def _quoted_chinese(query: str, norm: str) -> Intent | None:
    """The intent of a query that is one quoted Chinese phrase ("个人信息保护法"),
    None for anything else (several phrases, words outside the quotes, spaces)."""
    inner = norm.strip()
    if len(inner) < 3 or inner[0] != '"' or inner[-1] != '"' or '"' in inner[1:-1]:
        return None
    if any(ch.isspace() for ch in inner):  # words in a phrase, not a pasted title
        return None
    if han_count(inner) < 2 or _LATIN_WORD.search(inner):
        return None
    return _classify_chinese(query, inner)


def _without_request_word(t: str) -> str:
    """A title or name without the request word typed after it (…的指导意见 全文,
    个人信息保护法原文): no title ends in one (search/data/request_words.txt)."""
    from search.planning import request_words

    for w in request_words():
        rest = t[: -len(w)].rstrip() if t.lower().endswith(w) else ""
        if rest and _ends_like_title(compact(rest), TITLE_ENDINGS + NAME_ENDINGS):
            return rest
    return t


def _without_trailers(t: str, trailers: tuple[re.Pattern[str], ...] | None = None) -> str:
    """A title or name without the site's name, the date or the version mark copied
    after it (…的通知_中国政府网, …的指导意见 2019年8月1日, …计量法（2018年修正）): the
    document is searched by its title; these are no words of it. ``trailers``: only
    these kinds."""
    for trailer in trailers or (_SITE_TRAILER, _DATE_TRAILER, _VERSION_TRAILER):
        m = trailer.search(t)
        if not m or m.start() == 0:
            continue
        rest = t[: m.start()].rstrip()
        titled = _ends_like_title(compact(rest), TITLE_ENDINGS + NAME_ENDINGS)
        # A news-style title ends in anything: after a date, long unbroken Chinese.
        unbroken = trailer is not _VERSION_TRAILER and len(rest) >= LONG_TITLE_CHARS
        unbroken = unbroken and " " not in rest
        if titled or unbroken:
            t = rest
    return t


def _exact_readings(t: str, typed: str) -> tuple[str, ...]:
    """The exact readings of compact title ``t``, and of the title as typed when a
    version mark was cleaned off it (a stored title may keep its mark)."""
    if typed == t:
        return title_variants(t)
    return tuple(dict.fromkeys(title_variants(t) + title_variants(compact(typed))))


def _typed_as_keywords(pieces: list[str]) -> bool:
    """Words typed apart that are keywords, not a title with stray spaces: two to four
    short pieces, up to keywords' length, three or more of them (外资 准入 负面清单: 清单
    ends titles too) or the last a two-character word that ends like a document
    (公积金 提取 办法, 创新 中小企业 资金 执法: 执法 and 依法 are no law's name), or a
    request (营商环境 相关规定: 规定 ends titles too). A title
    pasted with stray spaces leaves a long piece (中华人民共和国 宪法, …的指导 意见) or a
    stray character (个人信息保护 法)."""
    if not 2 <= len(pieces) <= MAX_KEYWORD_WORDS:
        return False
    if any(len(p) > KEYWORD_PIECE_CHARS for p in pieces):
        return False
    if len("".join(pieces)) > MAX_KEYWORD_CHARS:
        return False
    return len(pieces) >= 3 or len(pieces[-1]) == 2 or _is_request(pieces[-1])


def _is_request(piece: str) -> bool:
    """A piece that asks for documents (相关规定 after a topic), not a title's ending."""
    from search.planning import request_words

    return piece.lower() in request_words()


def _classify_chinese(query: str, norm: str) -> Intent:
    simp = to_simplified(norm)
    if _is_question(simp):
        return _chinese_question(query, simp)
    cleaned = norm.translate(_BOOK).strip()  # the parser converts (and says so)
    pieces = _without_request_word(cleaned).split()
    cleaned = _SPACE_BETWEEN_HAN.sub("", cleaned).rstrip(_TRAILING_MARKS).rstrip()
    cleaned = _without_request_word(cleaned)
    typed = cleaned
    cleaned = _without_trailers(cleaned)
    t = compact(cleaned)
    spaced = len(cleaned.split())
    note = "cleaned: " + cleaned if cleaned != query.strip() else ""
    named = not _typed_as_keywords(pieces)
    marked = _without_trailers(typed, (_SITE_TRAILER,))  # a site's name is never a title's
    marked = marked if compact(marked) != t else ""
    if named and len(t) >= MIN_TITLE_CHARS and _ends_like_title(t, TITLE_ENDINGS) and spaced <= 2:
        return Intent("title", cleaned, _exact_readings(t, typed), note, typed=marked)
    if named and _ends_like_title(t, NAME_ENDINGS) and spaced == 1 and len(t) <= 24:
        return Intent("law_name", cleaned, _exact_readings(t, typed), note, typed=marked)
    if spaced <= MAX_KEYWORD_WORDS and len(t) <= MAX_KEYWORD_CHARS:
        return Intent("zh_keywords", query)
    if len(t) >= LONG_TITLE_CHARS and spaced == 1 and not any(p in t for p in _SENTENCE_MARKS):
        # Long unbroken Chinese that is not a question reads as a pasted title
        # (news-style titles end in anything); title-first only re-orders.
        return Intent("title", cleaned, title_variants(t), note)
    return Intent("words", query)


# A Chinese question whose own words leave this little is about those words (怎么申请
# 低保, 公积金怎么提取, 拖欠工资怎么办): searched as keywords, title first, as an English
# question of a few words is. Longer ones (the STARD questions) stay questions.
MAX_QUESTION_KEYWORD_CHARS = 10
MAX_QUESTION_KEYWORD_PIECES = 3
ZH_QUESTION_WORDS_FILE = Path(__file__).resolve().parent / "data" / "zh_question_words.txt"


@functools.lru_cache(maxsize=1)
def zh_question_words() -> frozenset[str]:
    """Words a short Chinese question asks with (``data/zh_question_words.txt``)."""
    from search.planning import word_list

    return word_list(ZH_QUESTION_WORDS_FILE)


def _chinese_question(query: str, simp: str) -> Intent:
    """A question, or -- when its words other than question and function words are
    few -- keywords of those words (runs of the words kept, in their order), with the
    question kept in ``asked``."""
    pieces = _question_pieces(simp)
    text = " ".join(pieces)
    short = 0 < len(pieces) <= MAX_QUESTION_KEYWORD_PIECES
    if not short or len(text.replace(" ", "")) > MAX_QUESTION_KEYWORD_CHARS:
        return Intent("question", query)
    return Intent("zh_keywords", text, note="question words dropped: " + text, asked=query)


def as_question(intent: Intent) -> Intent:
    """A question searched as its few words (``Intent.asked``), read as the question again."""
    return replace(intent, kind="question", text=intent.asked, note="", asked="")


def _question_pieces(simp: str) -> list[str]:
    """The runs of words a question holds besides its question and function words
    (个税怎么申报 -> 个税, 申报; 驾照怎么考 -> 驾照, 考). Empty when anything but Chinese is in it (English, digits, marks
    other than the question's own and spaces: searched as typed)."""
    from index import segmenter
    from search.query import ZH_STOP_WORDS

    if not _ONLY_HAN_AND_QUESTION_MARKS.fullmatch(simp):
        return []
    drop = ZH_STOP_WORDS | frozenset(_QUESTION_WORDS) | zh_question_words()
    runs: list[str] = []
    end = -1
    for word, start, stop in segmenter.tokenize(simp):
        if word in drop or word in _QUESTION_MARKS or not word.strip():
            end = -1
            continue
        if start == end:
            runs[-1] += word
        else:
            runs.append(word)
        end = stop
    return runs


_ONLY_HAN_AND_QUESTION_MARKS = re.compile(f"[{HAN_CHARS}?？\\s]+")
_PLAIN_EN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
QUESTION_WORDS_FILE = Path(__file__).resolve().parent / "data" / "en_question_words.txt"


@functools.lru_cache(maxsize=1)
def en_question_words() -> frozenset[str]:
    """Words that make an English question one (``data/en_question_words.txt``)."""
    from search.planning import word_list

    return word_list(QUESTION_WORDS_FILE)


def _english_question(query: str) -> Intent:
    """An English question that asks about a few words (how to apply for minimum
    living allowance) is searched as those keywords, title first, with the keyword
    fallbacks; a longer one stays a question (ranked by any word)."""
    from index.analysis import ENGLISH_STOP_WORDS

    skip = ENGLISH_STOP_WORDS | en_question_words()
    # The typed words, hyphens kept (cross-border), end marks off (license?).
    typed = _without_asking_pairs([t.strip("?!.,;:") for t in query.split()], skip)
    kept = [t for t in typed if len(t) > 1 and t.lower() not in skip]
    plain = all(_PLAIN_EN_WORD.fullmatch(t) for t in kept)
    if not kept or len(kept) > MAX_EN_KEYWORD_WORDS or not plain:
        return Intent("question", query)  # quotes, operators, Chinese: as typed
    text = " ".join(kept)
    return Intent("en_keywords", text, note="question words dropped: " + text)


def _without_asking_pairs(typed: list[str], asking: frozenset[str]) -> list[str]:
    """The typed words without the two-word phrases of ``asking`` (how long, how much)."""
    out: list[str] = []
    skip_next = False
    for i, t in enumerate(typed):
        if skip_next:
            skip_next = False
            continue
        if i + 1 < len(typed) and f"{t} {typed[i + 1]}".lower() in asking:
            skip_next = True
            continue
        out.append(t)
    return out


def _classify_english(query: str, words: list[str]) -> Intent:
    lower = [w.lower() for w in words]
    if _EN_QUESTION.match(query.strip()) or query.strip().endswith("?"):
        return _english_question(query)
    if len(words) >= 4 and any(w in _EN_TITLE_WORDS for w in lower):
        return Intent("en_title", query)
    long_words = [w for w in words if len(w) >= 4]
    if len(words) >= 6 and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words):
        return Intent("en_title", query)  # Title Case: a headline's document name
    if len(words) <= MAX_EN_KEYWORD_WORDS:
        return Intent("en_keywords", query)
    if len(words) >= MIN_LOWER_TITLE_WORDS and any(w in _EN_LINKING_WORDS for w in lower):
        return Intent("en_title", query)  # a long title typed or pasted in lower case
    return Intent("words", query)
