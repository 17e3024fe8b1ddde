"""Policy documents mentioned in English text (news articles, reports).

Place in the flow: ``duizhao mentions FILE`` -> **mentions** -> ``search.titles``
(one :func:`~search.titles.lookup_title` per mention) -> engine.

What counts as a mention:

* a quoted English title that names a document type ("Implementation Opinions
  on ...", "... Action Plan"), or an unquoted capitalised one;
* a Chinese title in 《》 or in parentheses (关于…的实施意见), which is paired
  with the English title just before it when there is one;
* a document number in Chinese or English form (国办发〔2019〕38号, Guo Fa
  [2017] No. 35).

A province named in the same sentence ("Shandong province, which issued the
...") is context: it becomes the region the lookup expects, so a document of
another province with the same subject is shown as the *closest* document,
never as the one mentioned. Each mention gets a counterpart in the other
language: the text's own when it gives both, else a labelled draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from index.docnumber import find_docnums
from index.errors import InputError
from index.scripts import han_count
from search.title_draft import REGIONS, draft_title
from search.titles import (
    _EN_DOCTYPE_RE,
    EXACT_THRESHOLD,
    Candidate,
    TitleLookup,
    _lookup_table,
    lookup_title,
    parse_english_title,
)

MAX_TEXT_CHARS = 20_000
MAX_MENTIONS = 30

# Quoted passages: curly and straight double quotes.
_QUOTED = re.compile(r"[“\"]([^“”\"\n]{8,300})[”\"]")
_ZH_BOOK = re.compile(r"《([^《》\n]{4,120})》")
_ZH_PAREN = re.compile(r"[（(]([^（）()\n]{6,120})[）)]")
# What a Chinese passage in 《》 or brackets ends with to count as a title (or it holds 关于).
# Not index.doctypes.DOCTYPES: that also holds 决议, 函, 规则, 解释, 答复, 报告, 标准 and
# 工作要点, and taking them in would change which passages count as titles.
_ZH_TITLE_END = re.compile(
    r"(意见|通知|办法|规定|条例|方案|规划|计划|决定|细则|措施|纲要|指南|指引|公告|通告|批复|法)$"
)
# Words an English title leaves in lower case. Not the small_word set of
# search/data/title_sets.tsv: that also holds as, but, or, over and via, and taking them
# in would change which capitalised runs count as titles.
_SMALL = frozenset(
    [
        "of",
        "on",
        "for",
        "the",
        "and",
        "in",
        "to",
        "a",
        "an",
        "with",
        "at",
        "by",
        "from",
        "under",
        "into",
    ]
)
_EN_REGIONS = {v: k for k, v in REGIONS.items()}
_SENTENCE_END = re.compile(r"[.!?。！？]\s|\n")


@dataclass
class Mention:
    text: str  # as it appears in the input
    kind: str  # "en_title" | "zh_title" | "docnum"
    span: tuple[int, int]
    en: str = ""
    zh: str = ""
    region: str | None = None  # province named in the same sentence (context)
    candidates: list[Candidate] = field(default_factory=list)
    confidence: float = 0.0
    exact: bool = False
    counterpart: str = ""
    counterpart_label: str = ""
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "span": list(self.span),
            "en": self.en,
            "zh": self.zh,
            "region_context": self.region,
            "confidence": round(self.confidence, 3),
            "exact_match": self.exact,
            "counterpart": {"text": self.counterpart, "label": self.counterpart_label},
            "message": self.message,
            "candidates": [c.to_dict() for c in self.candidates],
        }


@dataclass
class MentionReport:
    mentions: list[Mention]
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "mentions": [m.to_dict() for m in self.mentions]}


# --- extraction ---------------------------------------------------------------------------


def _looks_like_en_title(s: str) -> bool:
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", s)
    if len(words) < 3 or not _EN_DOCTYPE_RE.search(s):
        return False
    # Titles are capitalised: most content words start upper-case.
    content = [w for w in words if w.lower() not in _SMALL]
    caps = sum(w[0].isupper() for w in content)
    return caps >= max(2, 0.6 * len(content))


def _capitalised_titles(text: str) -> list[tuple[str, int, int]]:
    """Unquoted runs of capitalised words that contain a document type
    ("the Guiding Opinions on Promoting ... Economy")."""
    out = []
    tokens = list(re.finditer(r"[A-Za-z][A-Za-z'’-]*|,", text))
    i = 0
    while i < len(tokens):
        j = i
        # A run: capitalised words, small words and commas between capitalised words.
        while j < len(tokens):
            w = tokens[j].group(0)
            if w[0].isupper() or (w.lower() in _SMALL or w == ",") and j > i:
                if j > i and text[tokens[j - 1].end() : tokens[j].start()].strip(" ") not in ("",):
                    break  # punctuation other than spaces ends the run
                j += 1
            else:
                break
        if j > i:
            while j > i and (
                tokens[j - 1].group(0).lower() in _SMALL or tokens[j - 1].group(0) == ","
            ):
                j -= 1
            start, end = tokens[i].start(), tokens[j - 1].end() if j > i else tokens[i].end()
            run = text[start:end]
            # "The State Council's Guiding Opinions ...": the title starts after
            # the possessive (and never with an article).
            cut = max(run.rfind("'s "), run.rfind("’s "))
            if cut >= 0 and _EN_DOCTYPE_RE.search(run[cut + 3 :]):
                start += cut + 3
            elif run.startswith(("The ", "the ")):
                start += 4
            run = text[start:end]
            if j - i >= 4 and _looks_like_en_title(run) and re.search(r"\b(on|of|for)\b", run):
                out.append((run, start, end))
            i = max(j, i + 1)
        else:
            i += 1
    return out


def _region_context(text: str, start: int) -> str | None:
    """A province named in the sentence that contains ``start`` (closest before it)."""
    s = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        s = m.end()
    sentence = text[s:start]
    best = None
    for m in re.finditer(r"\b(" + "|".join(map(re.escape, _EN_REGIONS)) + r")\b", sentence):
        best = _EN_REGIONS[m.group(1)]
    if best is None:
        for zh in REGIONS:
            if zh in sentence:
                best = zh
    return best


def extract_mentions(text: str) -> list[Mention]:
    """The mentions in ``text`` (no lookup yet), in text order."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for m in _QUOTED.finditer(text):
        s = m.group(1).strip()
        if _looks_like_en_title(s):
            found.append(Mention(s, "en_title", (m.start(), m.end()), en=s))
            taken.append((m.start(), m.end()))
    for rx in (_ZH_BOOK, _ZH_PAREN):
        for m in rx.finditer(text):
            s = m.group(1).strip()
            if han_count(s) < 4 or not free(m.start(), m.end()):
                continue
            if not (_ZH_TITLE_END.search(s) or "关于" in s):
                continue
            # A Chinese title right after an English one is its original.
            prev = next(
                (
                    x
                    for x in reversed(found)
                    if x.kind == "en_title" and 0 <= m.start() - x.span[1] <= 4
                ),
                None,
            )
            if prev is not None and not prev.zh:
                prev.zh = s
                prev.span = (prev.span[0], m.end())
            else:
                found.append(Mention(s, "zh_title", (m.start(), m.end()), zh=s))
            taken.append((m.start(), m.end()))
    for s, a, b in _capitalised_titles(text):
        if free(a, b):
            found.append(Mention(s, "en_title", (a, b), en=s))
            taken.append((a, b))
    for _dn, (a, b) in find_docnums(text):
        if free(a, b):
            found.append(Mention(text[a:b], "docnum", (a, b)))
            taken.append((a, b))
    found.sort(key=lambda x: x.span)
    for m in found:
        m.region = _region_context(text, m.span[0])
    return found[:MAX_MENTIONS]


# --- lookup ---------------------------------------------------------------------------------


def _draft_zh(en: str, glossary: Any) -> str:
    """A rough Chinese gloss of an English title from glossary terms (a draft):
    issuers + 关于 + key terms + 的 + document type."""
    p = parse_english_title(en, glossary)
    issuers = "".join(zh[0] for _, zh in p.issuers)
    region = "".join(p.regions[:1]) if not issuers else ""
    terms = "".join(t.zh[0] for t in p.terms)
    doctype = p.doctypes[0][1][0] if p.doctypes else ""
    if not terms:
        return ""
    return f"{region}{issuers}关于{terms}的{doctype}" if doctype else f"{region}{issuers}{terms}"


def _resolve(engine: Any, m: Mention) -> None:
    results: list[TitleLookup] = []
    if m.zh:
        results.append(lookup_title(engine, m.zh, 5, region=m.region))
    if m.en:
        results.append(lookup_title(engine, m.en, 5))
    if m.kind == "docnum":
        results.append(lookup_title(engine, m.text, 5))
    by_id: dict[str, Candidate] = {}
    for r in results:
        for c in r.candidates:
            old = by_id.get(c.doc.id)
            if old is None or c.confidence > old.confidence:
                by_id[c.doc.id] = c
    m.candidates = sorted(by_id.values(), key=lambda c: (-c.confidence, c.doc.id))[:5]
    if m.region:
        # The English lookup knew nothing of the sentence's province: say so on
        # every candidate from elsewhere.
        for c in m.candidates:
            if (
                c.doc.region != m.region
                and m.region not in c.doc.title
                and not any(x.startswith("region") for x in c.mismatch)
            ):
                where = "national" if c.doc.region == "全国" else (c.doc.region or "unknown")
                c.mismatch.append(f"region: {where}, not {m.region}")
    best = m.candidates[0] if m.candidates else None
    m.confidence = best.confidence if best else 0.0
    # Region context overrides an English-only match: a provincial mention is
    # not found by a document of another province however similar its title.
    region_ok = best is not None and (
        m.region is None or best.doc.region == m.region or m.region in best.doc.title
    )
    m.exact = bool(best and best.confidence >= EXACT_THRESHOLD and not best.mismatch and region_ok)
    # Counterpart in the other language.
    if m.en and m.zh:
        m.counterpart, m.counterpart_label = m.zh, "Chinese title given in the text"
    elif m.zh:
        d = draft_title(m.zh, _lookup_table(engine.glossary))
        m.counterpart, m.counterpart_label = d.text, d.label
    elif m.en:
        gloss = _draft_zh(m.en, engine.glossary) if engine.glossary is not None else ""
        m.counterpart = gloss
        m.counterpart_label = "draft Chinese gloss from glossary terms (not an official title)"
    if m.exact and best is not None:
        m.message = f"Found in the index: {best.doc.display_title} (id {best.doc.id})."
    elif m.candidates:
        where = f" (from {m.region})" if m.region else ""
        m.message = (
            f"The exact document{where} is not in the index; the closest documents are shown."
        )
    else:
        m.message = "No document in the index resembles this mention."


def analyze_mentions(engine: Any, text: str) -> MentionReport:
    """Mentions with their best documents and a message for the whole text.

    Raises :class:`InputError` for non-text, empty or over-long (> 20,000
    characters) input; text without mentions gets an empty list and a message.
    """
    if not isinstance(text, str):
        raise InputError("mentions expects text", hint=f"got {type(text).__name__}")
    if not text.strip():
        raise InputError("the text is empty", hint="give an English news article or report")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"the text is too long ({len(text):,} characters; the limit is {MAX_TEXT_CHARS:,})",
            hint="split the article and pass it in parts",
        )
    mentions = extract_mentions(text)
    for m in mentions:
        _resolve(engine, m)
    if not mentions:
        msg = "No policy-document mention found (quoted or capitalised titles, 《》 titles, 文号)."
    else:
        n_exact = sum(m.exact for m in mentions)
        msg = f"{len(mentions)} mention(s); {n_exact} found exactly in the index."
    return MentionReport(mentions, msg)


def find_mentions(engine: Any, text: str) -> list[Mention]:
    """The policy documents mentioned in English ``text`` (see :func:`analyze_mentions`)."""
    return analyze_mentions(engine, text).mentions
