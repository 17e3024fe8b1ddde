"""Document structure: chapters, articles (第N条) and passages.

Place in the flow: readers -> Document -> **structure** -> writer.

Laws and regulations are split at article starts (``第N条`` at a paragraph
start); chapter headings (``## 第一章 总则`` in the law corpus, or plain
``第一章 总则`` lines) label the articles below them. Text without articles
(reports, notices, user files) is cut into paragraph chunks of bounded size,
so a hit deep in a long document still gets its own passage and snippet.
"""

from __future__ import annotations

import re

from index.doctypes import DOCTYPES
from index.document import Passage

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_NUM = r"[零〇一二三四五六七八九十百千两\d]+"
ARTICLE_RE = re.compile(rf"(?m)^[ \t]*(第({_NUM})条)(?:之[一二三四五六七八九十]+)?")
HEADING_RE = re.compile(rf"^(?:#+\s*)?(第{_NUM}[编章节]\s*.*|附\s*则)$")
MAX_CHUNK = 800  # characters per passage for unstructured text
MIN_CHUNK = 120


def cn_to_int(s: str) -> int | None:
    """'一百二十三' -> 123, '十' -> 10, '2' -> 2; None when not a number."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, section, num = 0, 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            num = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            section += (num or 1) * unit
            num = 0
        else:
            return None
    return total + section + num


def int_to_cn(n: int) -> str:
    """123 -> '一百二十三' (the form articles are written in)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out += digits[q] + unit
        elif out and n:
            out += "零" if not out.endswith("零") else ""
    if n:
        out += digits[n]
    if out.startswith("一十"):
        out = out[1:]
    return out


def article_label(s: str) -> str:
    """Normalize an article reference: '第56条' / '第五十六条' / '56' -> '第五十六条'."""
    m = re.fullmatch(rf"\s*第?({_NUM})条?\s*", s)
    if not m:
        return s.strip()
    n = cn_to_int(m.group(1))
    return f"第{int_to_cn(n)}条" if n is not None else s.strip()


def split_passages(body: str) -> list[Passage]:
    """Passages covering the body: preamble + articles, or paragraph chunks."""
    if not body:
        return []
    starts = [m for m in ARTICLE_RE.finditer(body)]
    if len(starts) < 2:
        return _chunks(body)
    passages: list[Passage] = []
    headings = _headings(body)
    first = starts[0].start()
    # A line of bare heading marks ("##", an empty heading in the laws data) is no text.
    preamble = [ln for ln in body[:first].split("\n") if ln.strip().strip("#").strip()]
    if any(not HEADING_RE.match(ln.strip()) for ln in preamble):
        passages.append(Passage("序言", None, "", 0, first))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        chapter = ""
        for pos, text in headings:
            if pos < m.start():
                chapter = text
            else:
                break
        # A heading right before the next article belongs to the next one.
        seg_end = end
        for pos, _ in headings:
            if m.start() < pos < end:
                seg_end = pos
                break
        passages.append(Passage(m.group(1), cn_to_int(m.group(2)), chapter, m.start(), seg_end))
    return passages


def _headings(body: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped and len(stripped) < 60 and HEADING_RE.match(stripped):
            out.append((pos, re.sub(r"^#+\s*", "", stripped)))
        pos += len(line) + 1
    return out


def _chunks(body: str) -> list[Passage]:
    """Greedy paragraph packing into chunks of at most MAX_CHUNK characters."""
    passages: list[Passage] = []
    start = 0
    n = len(body)
    while start < n:
        end = min(n, start + MAX_CHUNK)
        if end < n:
            cut = body.rfind("\n", start + MIN_CHUNK, end)
            if cut == -1:
                cut = max(body.rfind("。", start + MIN_CHUNK, end), -1)
                cut = cut + 1 if cut != -1 else end
            end = cut
        if body[start:end].strip():
            passages.append(Passage(f"¶{len(passages) + 1}", None, "", start, end))
        start = end
        while start < n and body[start] == "\n":
            start += 1
    return passages


def doctype_of(title: str) -> str:
    """The document type from the end of a Chinese title (…的指导意见 -> 指导意见)."""
    t = re.sub(r"[（(][^）)]*[）)]$", "", title.strip()).rstrip('》”" ')
    # 关于印发X的通知: the document is a notice.
    for dt in DOCTYPES:
        if t.endswith(dt):
            return dt
    return ""
