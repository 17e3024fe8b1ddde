"""The STARD paper's baseline: plain jieba tokens + BM25 over law articles.

Place in the flow: a yardstick beside the engine, used only by
``search.evaluate`` (``duizhao eval``). It reads the same law corpus the
sample index holds (``laws.jsonl.gz``), cuts it into the same passages
(``index.structure.split_passages``), keeps the articles (第N条) and
preambles, and ranks them for a question with textbook BM25 (k1 1.3, b 0.75)
over jieba tokens minus a Chinese stop-word list.

Deliberately *not* the project's pipeline: the tokenizer is a fresh
``rjieba.Jieba()`` (jieba's algorithm and dictionary, HMM on as jieba's
default, no glossary words, no t2s folding, no sub-words), so the comparison
measures what the engine adds over the method the benchmark's authors used.

The index is a plain-Python inverted index (term -> list of (article, tf));
per-term BM25 weights are computed once per term and cached, so scoring a few
hundred questions takes seconds.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.document import Document, Passage
from index.readers import read_paths
from index.scripts import HAN_CHARS
from index.structure import article_label, split_passages

K1 = 1.3
B = 0.75
PREAMBLE = "序言"

# A token counts when it has a letter, digit or Han character (punctuation and
# spaces are not words).
_WORDLIKE = re.compile(rf"[0-9A-Za-z{HAN_CHARS}]")
_NUM = r"[零〇一二三四五六七八九十百千两\d]+"
_ARTICLE_LABEL = re.compile(rf"第{_NUM}条(?:之[一二三四五六七八九十]+)?")
_ARTICLE_HEAD = re.compile(rf"\s*(第{_NUM}条)(之[一二三四五六七八九十]+)?")

# A general-purpose Chinese stop-word list of the usual kind (function words,
# pronouns, question words, conjunctions, auxiliaries), as BM25 baselines use.
# Written for this module; legal content words (规定, 应当 excepted) are kept.
_STOP_TEXT = """
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 么 哪 啦 罢了
    是 在 有 和 与 及 以及 或 或者 而 而且 并 并且 且 也 又 还 都 就 才 只 仅 即
    把 被 让 给 对 对于 关于 向 从 自 自从 由 于 以 为 为了 因 因为 由于 所以 因此 因而
    如果 假如 若 要是 即使 虽然 虽 但 但是 可是 然而 不过 否则 只要 只有 除非 无论 不论
    这 那 这个 那个 这些 那些 这样 那样 这里 那里 这么 那么 此 其 其他 其它 该 本 各 每 某
    我 你 他 她 它 我们 你们 他们 她们 它们 自己 大家 人家 别人 咱们
    什么 怎么 怎样 怎么样 如何 为何 为什么 哪些 哪个 哪里 多少 几 谁 是否 是不是 能否
    吗 么 一 一个 一些 一下 一种 一样 一直 已 已经 曾 曾经 正在 将 将要 会 能 能够 可 可以 可能
    要 想 需要 应该 必须 得 不 没 没有 无 非 别 很 太 更 最 较 比较 非常 十分 特别
    之 之后 之前 之间 以后 以前 以上 以下 以内 以外 上 下 中 内 外 里 后 前 时 时候
    等 等等 等于 们 个 些 种 样 次 位 点 这时 同时 另外 此外 然后 接着 于是
    啥 咋 怎 嗯 哎 唉 喂 请问 请 问 呗 哈
"""
CHINESE_STOP_WORDS = frozenset(_STOP_TEXT.split())


def is_article_label(label: str) -> bool:
    """True for 第N条 labels (the articles STARD's qrels point to)."""
    return bool(_ARTICLE_LABEL.fullmatch(label))


def normalize_article(label: str) -> str:
    """'第56条' -> '第五十六条'; an inserted article keeps its suffix: '第287条之二' ->
    '第二百八十七条之二' (STARD's qrels name a few of those)."""
    m = _ARTICLE_HEAD.fullmatch(label.strip())
    if not m:
        return article_label(label)
    return article_label(m.group(1)) + (m.group(2) or "")


def passage_article(body: str, passage: Passage) -> str:
    """The normalized article label of a passage, read from its text so that an
    inserted article (第N条之二, labelled 第N条 by the splitter) keeps its suffix."""
    if passage.label == PREAMBLE or not passage.label.startswith("第"):
        return passage.label
    m = _ARTICLE_HEAD.match(body, passage.start, min(len(body), passage.start + 40))
    return normalize_article(m.group(0)) if m else normalize_article(passage.label)


@dataclass
class Article:
    doc_id: str
    label: str  # normalized 第N条, or 序言


@dataclass
class BM25Baseline:
    """An in-memory BM25 index over articles; build with :func:`build_baseline`."""

    articles: list[Article] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    k1: float = K1
    b: float = B
    _jieba: object = None
    _weights: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    _last: tuple[str, dict[int, float]] | None = None
    _avg: float | None = None

    def tokens(self, text: str) -> list[str]:
        return tokenize(text, self._jieba)

    def add(self, doc_id: str, label: str, text: str) -> None:
        idx = len(self.articles)
        self.articles.append(Article(doc_id, label))
        toks = self.tokens(text)
        self.lengths.append(len(toks))
        self._avg = None
        self._weights.clear()
        self._last = None
        for term, tf in Counter(toks).items():
            self.postings.setdefault(term, []).append((idx, tf))

    def _term_weights(self, term: str) -> list[tuple[int, float]]:
        """(article, BM25 weight of ``term`` in it), computed once per term."""
        w = self._weights.get(term)
        if w is None:
            plist = self.postings.get(term, [])
            n = len(self.articles)
            df = len(plist)
            # Lucene's non-negative IDF (the form rank_bm25 / pyserini use).
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            if self._avg is None:
                self._avg = (sum(self.lengths) / n) if n else 1.0
            avg = self._avg
            k1, b, lengths = self.k1, self.b, self.lengths
            w = [
                (i, idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[i] / avg)))
                for i, tf in plist
            ]
            self._weights[term] = w
        return w

    def score(self, question: str) -> dict[int, float]:
        """Article index -> BM25 score for a question (query term counts multiply)."""
        if self._last is not None and self._last[0] == question:
            return self._last[1]  # rank_articles then rank_documents: score once
        scores: dict[int, float] = {}
        get = scores.get
        for term, qtf in Counter(self.tokens(question)).items():
            for i, w in self._term_weights(term):
                scores[i] = get(i, 0.0) + qtf * w
        self._last = (question, scores)
        return scores

    def rank_articles(self, question: str, k: int = 100) -> list[tuple[str, str]]:
        """The top ``k`` (doc_id, article label) pairs; ties broken by corpus order."""
        scores = self.score(question)
        top = heapq.nsmallest(k, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(self.articles[i].doc_id, self.articles[i].label) for i, _ in top]

    def rank_documents(self, question: str, k: int = 100) -> list[str]:
        """The top ``k`` documents, each scored by its best article (max)."""
        best: dict[str, tuple[float, int]] = {}
        arts = self.articles
        for i, s in self.score(question).items():
            d = arts[i].doc_id
            cur = best.get(d)
            if cur is None or s > cur[0] or (s == cur[0] and i < cur[1]):
                best[d] = (s, i)
        top = heapq.nsmallest(k, best.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
        return [d for d, _ in top]


def tokenize(text: str, jieba: object) -> list[str]:
    """jieba tokens (HMM on), lower-cased, minus punctuation and stop words."""
    wordlike = _WORDLIKE.search
    stop = CHINESE_STOP_WORDS
    return [
        t
        for t in (w.strip().lower() for w in jieba.cut(text, True))  # type: ignore[attr-defined]
        if t and wordlike(t) and t not in stop
    ]


def law_articles(docs: Iterable[object]) -> Iterable[tuple[str, str, str]]:
    """(doc_id, label, text) for every article and preamble of the law documents
    (a repeated document id keeps its first record, as the indexer does)."""
    seen: set[str] = set()
    for doc in docs:
        if not isinstance(doc, Document) or doc.source != "laws" or not doc.body:
            continue
        if doc.id in seen:
            continue
        seen.add(doc.id)
        for p in split_passages(doc.body):
            if p.label != PREAMBLE and not is_article_label(p.label):
                continue
            yield doc.id, passage_article(doc.body, p), doc.body[p.start : p.end]


def build_baseline(laws_path: str | Path) -> BM25Baseline:
    """Read ``laws.jsonl.gz`` and index its articles with a fresh jieba."""
    import rjieba

    bl = BM25Baseline(_jieba=rjieba.Jieba())
    for doc_id, label, text in law_articles(read_paths([Path(laws_path)])):
        bl.add(doc_id, label, text)
    return bl
