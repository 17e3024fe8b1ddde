"""Cross-language query expansion: carry a query's words over to the other language.

Place in the flow: query parsing -> **expansion** -> plan -> index backend.
``search.engine`` calls :func:`expand` on the parsed (normalized, simplified)
query text; every :class:`Expansion` is an alternative for the user's words at
``span``, weighted below them, and shown to the user (``--explain``, JSON).

* English side: the query's English words are stemmed one by one (the key of
  :func:`index.analysis.en_key`) and matched longest-first against the
  glossary's English renderings, so "platform economies guiding opinions"
  finds "platform economi" -> 平台经济 and "guid opinion" -> 指导意见; inflection
  and listed spelling variants need no special case.
* Chinese side: the query is segmented (rjieba) and runs of consecutive
  segments are matched longest-first against the glossary's Chinese terms, so a
  term is found whether or not the segmenter already keeps it whole
  (碳+中+和 -> 碳中和); unmatched long segments are searched inside. Each term
  gives its preferred English rendering and at most one variant (and, for
  issuers and regions, the other Chinese names of the same body: 工信部 ->
  工业和信息化部).
* CC-CEDICT fills in content words the curated glossary lacks, at a much
  lower weight and with at most two senses; function words never use it.

The lookup structures are built once per :class:`~index.glossary.Glossary`
and cached on the instance; a query then costs a few hundred microseconds
(measured in tests/test_expand.py).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index import segmenter
from index.analysis import ENGLISH_STOP_WORDS, en_key
from index.glossary import Entry, Glossary
from index.normalize import to_simplified
from index.scripts import HAN_CHARS, all_han, has_han

# Weights: the user's own words weigh 1.0.
WEIGHT = {"curated": 0.7, "user": 0.7, "cc-cedict": 0.3}
# Later targets of the same source weigh less than the first one.
SECONDARY = 0.85
FULL_FORM = 1.0  # a short form's full form (data/zh_short_forms.tsv): the word itself
CEDICT_MAX_SENSES = 2

# Chinese function words and title glue: never expanded (their English would
# only add noise), and never sent to CC-CEDICT.
_ZH_FUNCTION_WORDS_TEXT = (
    "关于 有关 的 和 与 及 以及 或 或者 等 对 对于 为 在 中 了 是 由 从 向 将 把 被 并 "
    "并且 而 其 之 该 此 各 每 以 以上 以下 进行 若干 一些 部分 如何 什么 怎么 怎样 哪些 "
    "可以 能否 是否 应当 应该 需要 我 我们 你 他 她 它 他们 没有 不 也 都 就 还 又 "
    "吗 呢 吧 啊 后 前 时 年 月 日 号 第 怎么办 怎么样 为什么 多少"
)
ZH_FUNCTION_WORDS = frozenset(_ZH_FUNCTION_WORDS_TEXT.split())
# English words too common or too vague to look up in CC-CEDICT (the curated
# glossary may still map some of them).
_EN_NO_CEDICT_TEXT = (
    "about after again against all also any because been before being between both can "
    "could did does doing during each few further here how into just more most much must "
    "new not now only other our out over own same should some such than then there these "
    "they those through under until very what when where while who why will would you your "
    "year years first second third annual edition version draft"
)
EN_NO_CEDICT = frozenset(_EN_NO_CEDICT_TEXT.split())
# Categories whose Chinese synonyms (same preferred English) are real aliases
# of one name: 工信部 = 工业和信息化部. For other categories a shared preferred
# rendering ("Plan": 方案/规划/计划) is no synonymy we want in a Chinese query.
ALIAS_CATEGORIES = frozenset({"issuer", "region"})

_EN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
# Between two English words these characters end a phrase; spaces, hyphens,
# apostrophes, slashes and stop words do not.
_EN_BREAK = re.compile(f"[{HAN_CHARS}" + r",;:.!?()\[\]{}\"\u201c\u201d\u3001\u3002\uff0c\uff1b]")


@dataclass(frozen=True)
class Expansion:
    source: str  # the user's words as they appear in the query
    span: tuple[int, int]  # character span of ``source`` in the query text
    target: str  # the rendering to add
    target_lang: str  # "zh" or "en"
    weight: float  # < 1.0; the user's own words weigh 1.0
    origin: str  # "curated" | "user" | "cc-cedict"
    category: str


@functools.lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    """en_key of one word ('' for a stop word)."""
    return en_key(word)


class _Index:
    """Matching tables derived from one Glossary; built once, then read-only."""

    def __init__(self, glossary: Glossary) -> None:
        self.en: dict[tuple[str, ...], list[Entry]] = {}
        for key in glossary.english_phrase_keys():
            words = tuple(key.split())
            if words:
                self.en[words] = glossary.en_entries(key)
        self.en_max = max((len(k) for k in self.en), default=1)
        self.zh: dict[str, Entry] = {e.zh: e for e in glossary.entries()}
        self.zh_max = max((len(z) for z in self.zh), default=1)
        self.aliases: dict[str, list[str]] = {}
        by_pref: dict[str, list[str]] = {}
        for e in glossary.entries():
            if e.category in ALIAS_CATEGORIES:
                by_pref.setdefault(en_key(e.preferred), []).append(e.zh)
        for zhs in by_pref.values():
            if len(zhs) > 1:
                for z in zhs:
                    self.aliases[z] = [o for o in zhs if o != z]
        self.full_forms: dict[str, str] = {}  # short form -> the full form documents write
        for short, full in short_forms():
            if short in self.zh:
                self.aliases.setdefault(short, []).insert(0, full)
                self.full_forms[short] = full
            if full in self.zh:
                self.aliases.setdefault(full, []).append(short)
        # First distinct-key variant per entry, computed once.
        self.variants: dict[str, list[str]] = {}
        for e in glossary.entries():
            keys = {en_key(e.preferred)}
            out = []
            for r in e.en[1:]:
                k = en_key(r)
                if k and k not in keys:
                    keys.add(k)
                    out.append(r)
            self.variants[e.zh] = out


SHORT_FORMS_FILE = Path(__file__).resolve().parent / "data" / "zh_short_forms.tsv"


@functools.lru_cache(maxsize=1)
def short_forms() -> tuple[tuple[str, str], ...]:
    """(short, full) Chinese forms of one policy term (``data/zh_short_forms.tsv``):
    双碳 is what people type, 碳达峰碳中和 what documents write."""
    rows = []
    for line in SHORT_FORMS_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].strip().split("\t")
        if len(parts) == 2 and all(parts):
            rows.append((parts[0].strip(), parts[1].strip()))
    return tuple(rows)


_BUILD_LOCK = threading.Lock()


def _index(glossary: Glossary) -> _Index:
    cache = glossary.derived  # tables cached on the Glossary instance
    idx = cache.get("expand")
    if idx is None:
        with _BUILD_LOCK:
            idx = cache.get("expand")
            if idx is None:
                idx = _Index(glossary)
                cache["expand"] = idx
    return idx  # type: ignore[return-value]


def prepare(glossary: Glossary) -> None:
    """Build the expansion tables now (they are built on first use otherwise)."""
    _index(glossary)


# --- English -> Chinese --------------------------------------------------------


def _english_runs(text: str) -> list[list[tuple[str, int, int]]]:
    """Runs of content words (key, start, end); stop words are skipped but do
    not break a run, Chinese characters and punctuation do."""
    runs: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    last_end = 0
    for m in _EN_WORD.finditer(text):
        if cur and _EN_BREAK.search(text, last_end, m.start()):
            runs.append(cur)
            cur = []
        last_end = m.end()
        word = m.group(0)
        if has_han(word):
            continue
        key = _word_key(word)
        if not key:
            continue
        cur.append((key, m.start(), m.end()))
    if cur:
        runs.append(cur)
    return runs


def _expand_english(
    text: str,
    glossary: Glossary,
    idx: _Index,
    max_per_term: int,
    out: list,
    usable: Callable[[str], bool] | None = None,
    phrases: bool = True,
) -> None:
    """Left to right over each run of English words: a curated phrase (longest first),
    else (with ``phrases``) a CC-CEDICT phrase, else a curated word, else the word's
    CC-CEDICT senses. A curated phrase that starts inside the one taken and ends
    after it is read too (``_overlapping_at``)."""
    for run in _english_runs(text):
        i = 0
        while i < len(run):
            n = _curated_at(text, run, i, idx, max_per_term, out, min_words=2)
            if n:
                _overlapping_at(text, run, i, n, idx, max_per_term, out)
            n = (
                n
                or (_cedict_phrase_at(text, run, i, glossary, out, usable) if phrases else 0)
                or _curated_at(text, run, i, idx, max_per_term, out, min_words=1)
            )
            if not n:
                _cedict_word_at(text, run[i], glossary, out)
            i += n or 1


def _curated_at(
    text: str, run: list, i: int, idx: _Index, max_per_term: int, out: list, min_words: int
) -> int:
    """The longest curated phrase (at least ``min_words`` words) at ``run[i]``: its
    expansions added, its length returned (0: none)."""
    for n in range(min(idx.en_max, len(run) - i), min_words - 1, -1):
        entries = idx.en.get(tuple(k for k, _, _ in run[i : i + n]))
        if not entries:
            continue
        start, end = run[i][1], run[i + n - 1][2]
        source = text[start:end]
        entries = [e for e in entries if e.zh not in ZH_FUNCTION_WORDS]
        # Terms spelled as typed first: the key is a stem, and a stem joins words
        # apart ("integrity" and "integration" are both "integr": 诚信 before 一体化).
        entries.sort(key=lambda e: not spelled_as(e, source))
        shown = entries[:max_per_term]
        for rank, e in enumerate(shown):
            w = WEIGHT.get(e.source, 0.7) * (SECONDARY if rank else 1.0)
            out.append(
                Expansion(source, (start, end), e.zh, "zh", round(w, 3), e.source, e.category)
            )
            full = idx.full_forms.get(e.zh)
            if full and not rank and all(o.zh != full for o in shown):
                # ride-hailing: 网约车, and 网络预约出租汽车 as titles write it
                w = round(w * SECONDARY, 3)
                out.append(Expansion(source, (start, end), full, "zh", w, e.source, e.category))
        return n
    return 0


def _overlapping_at(
    text: str, run: list, i: int, n: int, idx: _Index, max_per_term: int, out: list
) -> None:
    """A curated phrase starting inside ``run[i : i + n]`` (the phrase just read) and
    ending after it, read as well: English stacks nouns, and the longest phrase from
    the left can take the first word of the one that names the subject ("Internet
    Platform Economies": 互联网平台, and 平台经济 too)."""
    for j in range(i + 1, i + n):
        sub = run[j:]
        if len(sub) > i + n - j and _curated_at(
            text, sub, 0, idx, max_per_term, out, i + n - j + 1
        ):
            return


def spelled_as(e: Entry, typed: str) -> bool:
    """Whether one of the entry's English renderings is ``typed`` itself (case and a
    plural s aside), not only a word sharing its stem."""
    t = " ".join(typed.lower().split())
    return any(r.lower() in (t, t + "s") or r.lower() + "s" == t for r in e.en)


def _cedict_phrase_at(
    text: str,
    run: list,
    i: int,
    glossary: Glossary,
    out: list,
    usable: Callable[[str], bool] | None = None,
) -> int:
    """A CC-CEDICT sense spelled as the 3 or 2 words at ``run[i]`` (national defense:
    国防; trade union: 工会), before their words' own senses (defense: 防务). The words
    must stand next to each other, no stop word between, and the sense be ``usable``."""
    if not glossary.cedict_enabled:
        return 0
    for n in (3, 2):
        if i + n > len(run):
            continue
        words = run[i : i + n]
        start, end = words[0][1], words[-1][2]
        if len(text[start:end].split()) != n or not all(k.isalpha() for k, _, _ in words):
            continue  # a stop word or a number inside: no dictionary phrase
        entries = glossary.cedict_en_entries(" ".join(k for k, _, _ in words), CEDICT_MAX_SENSES)
        entries = [e for e in entries if usable is None or usable(e.zh)]
        for rank, e in enumerate(entries):
            w = WEIGHT["cc-cedict"] * (SECONDARY if rank else 1.0)
            out.append(
                Expansion(
                    text[start:end], (start, end), e.zh, "zh", round(w, 3), "cc-cedict", e.category
                )
            )
        if entries:
            return n
    return 0


def _cedict_word_at(text: str, word_at: tuple, glossary: Glossary, out: list) -> None:
    """The CC-CEDICT senses of one content word no curated term covers."""
    key, start, end = word_at
    word = text[start:end]
    if (
        glossary.cedict_enabled
        and len(word) >= 3
        and word.isalpha()
        and word.lower() not in EN_NO_CEDICT
        and word.lower() not in ENGLISH_STOP_WORDS
    ):
        for rank, e in enumerate(glossary.cedict_en_entries(key, limit=CEDICT_MAX_SENSES)):
            w = WEIGHT["cc-cedict"] * (SECONDARY if rank else 1.0)
            out.append(
                Expansion(word, (start, end), e.zh, "zh", round(w, 3), "cc-cedict", e.category)
            )


# --- Chinese -> English --------------------------------------------------------


def _zh_targets(e: Entry, idx: _Index, max_per_term: int) -> list[tuple[str, str, float]]:
    base = WEIGHT.get(e.source, 0.7)
    targets: list[tuple[str, str, float]] = [(e.preferred, "en", base)]
    for z in idx.aliases.get(e.zh, [])[:1]:
        # The full form of a short one (低保: 最低生活保障) is the typed word as titles
        # write it: it weighs as the word, so those titles rank with its own.
        full = idx.full_forms.get(e.zh) == z
        targets.append((z, "zh", FULL_FORM if full else base * SECONDARY))
    for r in idx.variants.get(e.zh, [])[:1]:
        targets.append((r, "en", base * SECONDARY * SECONDARY))
    return targets[:max_per_term]


def _match_inside(seg: str, idx: _Index) -> list[tuple[int, int, Entry]]:
    """Forward maximum matching of glossary terms (2+ characters) inside one long segment."""
    found = []
    i = 0
    while i < len(seg) - 1:
        for n in range(min(idx.zh_max, len(seg) - i), 1, -1):
            e = idx.zh.get(seg[i : i + n])
            if e is not None and not (i == 0 and n == len(seg)):
                found.append((i, i + n, e))
                i += n
                break
        else:
            i += 1
    return found


# long: one longest-match scan over the tokens; its cases (a glossary term joined across
# segments, glossary terms inside a long word, the CC-CEDICT fallback) move the same cursor.
def _expand_chinese(
    text: str, glossary: Glossary, idx: _Index, max_per_term: int, out: list
) -> None:
    if not has_han(text):
        return
    simp = to_simplified(text)  # keeps the length, so spans stay valid
    toks = [t for t in segmenter.tokenize(simp)]
    n = len(toks)
    i = 0
    while i < n:
        word, start, _ = toks[i]
        if not has_han(word):
            i += 1
            continue
        best = None
        # Join consecutive segments (no space between them) into the longest term.
        j = i
        joined = ""
        while j < n:
            w, _, e_end = toks[j]
            if w.isspace() or (not has_han(w) and w != "+" and not w.isalnum()):
                break
            joined += w
            if len(joined) > idx.zh_max:
                break
            ent = idx.zh.get(joined)
            if ent is not None and (len(joined) >= 2 or j == i):
                best = (j, e_end, ent)
            j += 1
        if best is not None:
            j, end, ent = best
            if ent.zh not in ZH_FUNCTION_WORDS:
                for target, lang, w in _zh_targets(ent, idx, max_per_term):
                    out.append(
                        Expansion(
                            text[start:end],
                            (start, end),
                            target,
                            lang,
                            round(w, 3),
                            ent.source,
                            ent.category,
                        )
                    )
            i = j + 1
            continue
        if len(word) >= 3:
            inner = _match_inside(word, idx)
            for s, e_, ent in inner:
                if ent.zh in ZH_FUNCTION_WORDS:
                    continue
                for target, lang, w in _zh_targets(ent, idx, max_per_term):
                    out.append(
                        Expansion(
                            text[start + s : start + e_],
                            (start + s, start + e_),
                            target,
                            lang,
                            round(w, 3),
                            ent.source,
                            ent.category,
                        )
                    )
            if inner:
                i += 1
                continue
        if (
            glossary.cedict_enabled
            and len(word) >= 2
            and all_han(word)
            and word not in ZH_FUNCTION_WORDS
        ):
            c = glossary.cedict_entry(word)
            if c is not None:
                for rank, sense in enumerate(c.en[: min(CEDICT_MAX_SENSES, max_per_term)]):
                    w = WEIGHT["cc-cedict"] * (SECONDARY if rank else 1.0)
                    out.append(
                        Expansion(
                            text[start : start + len(word)],
                            (start, start + len(word)),
                            sense,
                            "en",
                            round(w, 3),
                            "cc-cedict",
                            c.category,
                        )
                    )
        i += 1


# --- public --------------------------------------------------------------------

_CATEGORY_RANK = {"policy": 0, "legal": 0, "issuer": 1, "region": 1, "doctype": 1, "general": 2}


def expand(
    text: str,
    glossary: Glossary,
    *,
    max_per_term: int = 3,
    max_total: int = 16,
    usable: Callable[[str], bool] | None = None,
    cedict_phrases: bool = True,
) -> list[Expansion]:
    """Expansions of ``text`` (normalized query text) in both directions.

    ``usable`` (a Chinese word -> whether the corpus writes it) decides whether a
    CC-CEDICT phrase sense stands for its English words; without it, any does.
    ``cedict_phrases=False`` reads English words one by one, as a caller that
    chooses phrase senses itself wants (the title lookup).

    At most ``max_per_term`` targets per matched source and ``max_total`` in
    all; when there are more, curated before CC-CEDICT, longer sources and
    policy terms before general words, higher weights first. Returned in query
    order. Spans index into ``text``.
    """
    if not text or max_total <= 0 or max_per_term <= 0:
        return []
    idx = _index(glossary)
    out: list[Expansion] = []
    _expand_english(text, glossary, idx, max_per_term, out, usable, cedict_phrases)
    _expand_chinese(text, glossary, idx, max_per_term, out)
    # One target per source span (the two sides can reach the same target).
    seen: set[tuple[tuple[int, int], str]] = set()
    uniq = []
    for e in out:
        k = (e.span, e.target.lower())
        if k not in seen:
            seen.add(k)
            uniq.append(e)
    if len(uniq) > max_total:
        ranked = sorted(
            uniq,
            key=lambda e: (
                e.origin == "cc-cedict",
                -e.weight,
                _CATEGORY_RANK.get(e.category, 2),
                -(e.span[1] - e.span[0]),
                e.span[0],
            ),
        )
        keep = set(map(id, ranked[:max_total]))
        uniq = [e for e in uniq if id(e) in keep]
    uniq.sort(key=lambda e: (e.span[0], -e.weight))
    return uniq


def renders(english: str, chinese: str, glossary: Glossary) -> bool:
    """Whether English words typed beside Chinese ones say the same thing: every
    Chinese word is (inside) a rendering of the English, or every English word is
    a word of the Chinese words' renderings (platform economy / 平台经济: yes;
    antitrust / 平台经济: no)."""
    zh_words = chinese.split()
    to_zh = {e.target for e in expand(english, glossary) if e.target_lang == "zh"}
    if zh_words and all(any(w in t or t in w for t in to_zh) for w in zh_words):
        return True
    typed = set(en_key(english).split())
    to_en = {
        k
        for e in expand(chinese, glossary)
        if e.target_lang == "en"
        for k in en_key(e.target).split()
    }
    return bool(typed) and typed <= to_en


def explain_expansions(exps: list[Expansion]) -> list[str]:
    """Human-readable lines: '"platform economies" -> 平台经济 (curated, weight 0.7)'."""
    return [f'"{e.source}" -> {e.target} ({e.origin}, weight {e.weight:g})' for e in exps]
