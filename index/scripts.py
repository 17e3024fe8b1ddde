"""Character classes of the scripts in our text: the one definition of "a Han character".

Place in the flow: a leaf module (standard library only) that every layer may
import -- the analyzer, the readers, the glossary, query planning, title drafts
and the web pages all ask the same question, "is this Chinese?", and must agree.

Han here is CJK Extension A (U+3400-4DBF), the Unified Ideographs block
(U+4E00-9FFF) and the Compatibility Ideographs block (U+F900-FAFF). The
Yijing hexagram symbols between Extension A and the main block (U+4DC0-4DFF)
are not Han, and the supplementary-plane extensions (U+20000 and above) are
left out on purpose: no document in the corpora uses them and jieba's
dictionary has none.
"""

from __future__ import annotations

import re

# The ranges as the body of a regular-expression character class, for patterns
# that mix Han with other characters ("[" + HAN_CHARS + "《》]").
HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{HAN_CHARS}]")
# A run of Han characters only (a Chinese word, a name).
HAN_RUN_RE = re.compile(f"[{HAN_CHARS}]+")


def is_han(ch: str) -> bool:
    """Whether the single character ``ch`` is a Han character."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def has_han(text: str) -> bool:
    """Whether ``text`` contains at least one Han character."""
    return HAN_RE.search(text) is not None


def all_han(text: str) -> bool:
    """Whether ``text`` is non-empty and made of Han characters only."""
    return HAN_RUN_RE.fullmatch(text) is not None


def han_count(text: str) -> int:
    """How many Han characters ``text`` holds."""
    return len(HAN_RE.findall(text))


def han_ratio(text: str) -> float:
    """The share of Han characters among all characters of ``text`` (0.0 when empty)."""
    return han_count(text) / len(text) if text else 0.0
