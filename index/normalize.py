"""Text normalization: the first step of analysis, shared by documents and queries.

Two kinds of normalization live here, and the difference matters:

* ``clean_text`` runs once on document text at import time and on every query
  at the boundary: Unicode NFC, control/bidi/zero-width characters removed,
  odd spaces (U+2002, U+3000, NBSP ...) made plain. Its output is what we
  store and display, so offsets computed later point into it.
* ``fold_for_segmentation`` runs inside the analyzer and must keep the text's
  length exactly (one output character per input character), because token
  offsets are taken on the folded text and used on the stored one. It maps
  full-width ASCII to half-width and traditional characters to simplified
  (OpenCC t2s, before jieba: jieba cuts traditional text into single
  characters).

``normalize_query`` is the stricter boundary form for user queries (NFKC, so
``ＤＡＴＡ`` finds ``data``); queries have no offsets to keep.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

from index.scripts import has_han

# Controls (except tab/newline), bidi overrides/isolates/marks, zero-width characters,
# BOM, the Unicode noncharacters that some scrapes carry, and U+FFFD (what undecodable
# input became).
_STRIP_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ufffd"
    "\ud800-\udfff]"
)
# Spaces other than the plain one: NBSP, en/em spaces (U+2002 appears in real
# titles), thin spaces, ideographic space.
_SPACE_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# A line break between two digits of Chinese text copied out of a PDF (…关于201⏎3年…):
# the line wrapped inside a number, which a space would cut in two.
_WRAPPED_NUMBER_RE = re.compile(r"(?<=\d)[ \t]*[\r\n]+[ \t]*(?=\d)")
_MULTISPACE_RE = re.compile(r"[ \t]+")
_MANY_NEWLINES_RE = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Normalize stored text: NFC, strip invisible/control characters, plain spaces.

    Newlines are kept (they carry paragraph and article structure); runs of
    spaces collapse to one and lines are right-trimmed.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _STRIP_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACE_RE.sub(" ", text)
    text = _MULTISPACE_RE.sub(" ", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _MANY_NEWLINES_RE.sub("\n\n", text)
    return text.strip()


def clean_line(text: str) -> str:
    """``clean_text`` for one-line values (titles, issuers): newlines become spaces."""
    return clean_text(text.replace("\n", " ")).replace("\n", " ")


# Invisible characters that only queries drop (documents keep them, so stored
# offsets do not move): variation selectors, Hangul fillers; every format (Cf)
# character -- soft hyphen, U+061C, U+180E, tag characters -- goes too, below.
_QUERY_INVISIBLE_RE = re.compile(
    "[\ufe00-\ufe0f\U000e0100-\U000e01ef\u115f\u1160\u3164\uffa0\u034f]"
)


def normalize_query(text: str) -> str:
    """Normalize a user query: NFKC (full-width forms, compatibility characters),
    invisible characters stripped (controls, bidi and other format characters,
    variation selectors), whitespace collapsed; in Chinese text, a line break
    inside a number joined."""
    text = _STRIP_RE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _QUERY_INVISIBLE_RE.sub("", text)
    if not text.isascii():
        # A soft hyphen or a tag character inside 数据 would cut it into 数 / 据.
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _SPACE_RE.sub(" ", text)
    if has_han(text):
        text = _WRAPPED_NUMBER_RE.sub("", text)
    return " ".join(text.split())


# --- length-preserving folding used by the analyzer -------------------------

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, ideographic space -> space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


class _T2S:
    """Lazily built OpenCC converter. OpenCC objects cannot be pickled, and
    Whoosh pickles analyzers, so nothing holds one except this module."""

    _lock = threading.Lock()
    _converter = None

    @classmethod
    def get(cls):  # opencc has no type hints
        if cls._converter is None:
            with cls._lock:
                if cls._converter is None:
                    import opencc

                    cls._converter = opencc.OpenCC("t2s")
        return cls._converter


@functools.lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    out = _T2S.get().convert(ch)
    return out if len(out) == 1 else ch


def to_simplified(text: str) -> str:
    """OpenCC t2s, guaranteed to keep ``len(text)``.

    t2s keeps the length of every word in its dictionary, but we do not rely on
    that: any line whose length changes is converted character by character.
    """
    if not text or not has_han(text):
        return text
    out = _T2S.get().convert(text)
    if len(out) == len(text):
        return out
    lines = text.split("\n")
    fixed = []
    for line in lines:
        conv = _T2S.get().convert(line)
        if len(conv) != len(line):
            conv = "".join(_t2s_char(ch) for ch in line)
        fixed.append(conv)
    return "\n".join(fixed)


def fold_for_segmentation(text: str) -> str:
    """Length-preserving fold: full-width ASCII to ASCII, traditional to simplified."""
    return to_simplified(text.translate(_FULLWIDTH))


# Marks a typed title may carry that its stored title does not (《》, quotes).
TITLE_MARKS = str.maketrans("", "", "《》〈〉「」『』“”\"'")
# What a compared title drops: spaces, and characters nobody sees or types -- controls,
# format characters and a site's private-use icon glyphs (…的通知\ue003).
_UNSEEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060-\u2064\ufeff\ue000-\uf8ff]+")
# Dashes of a period (2015—2020年, 2015–2020年, 2015-2020年): one title however typed.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def compact_title(text: str) -> str:
    """Simplified Chinese without spaces or book-title marks, full-width ASCII made
    half-width (a query is NFKC-normalized, a stored title keeps its （2018年）), every
    dash a hyphen, nothing unseen: titles are compared in this form."""
    folded = fold_for_segmentation(text).translate(TITLE_MARKS).translate(_DASHES)
    return _UNSEEN.sub("", folded)


def is_traditional(text: str) -> bool:
    """True when t2s would change the text (it contains traditional-only characters)."""
    return has_han(text) and to_simplified(text) != text
