"""Related documents: the ones whose titles share the document's topic, same issuer first.

Place in the flow: the document page (web/ui.py) -> **related** -> engine search.

Most records are titles with metadata only, so "related" has to come from the
title. A title is mostly its issuer and its type (河南省人民政府办公厅关于…的实施意见):
searching every title word finds the issuer's other documents on any topic. So
the topic words are what remains of the title without the issuer's name, the
document type, the region and title glue (``search/data/related_noise.tsv``);
candidates are found by those words in titles, then ranked by how much of the
topic they share (word overlap, longer words weigh more), with a small bonus for
the same issuer and region.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index import segmenter
from index.document import Document
from index.errors import DuizhaoError
from index.scripts import all_han, has_han
from search.engine import SearchRequest
from search.title_lexicon import TitleDataError, data_rows

NOISE_FILE = Path(__file__).resolve().parent / "data" / "related_noise.tsv"
# Kinds of related_noise.tsv (title glue, document types, verbs of policy titles).
NOISE_KINDS = ("glue", "type", "verb")


def read_noise(path: Path = NOISE_FILE) -> frozenset[str]:
    """The words of titles that say nothing of their topic, from a noise file (format in
    its header comment); a malformed line stops loading with file, line and reason.

    The document types are a list of their own, not ``index.doctypes.DOCTYPES``: that
    holds 14 types this list lacks (暂行办法, 行动计划, 指南 ...), and leaving them out of
    the topic too would change which documents are related.
    """
    words: set[str] = set()
    for where, (_kind, word) in data_rows(path, ("kind", "word"), NOISE_KINDS):
        if not all_han(word):
            raise TitleDataError(f"{where}: {word!r} is not Chinese characters")
        if word in words:
            raise TitleDataError(f"{where}: {word} appears twice")
        words.add(word)
    if not words:
        raise TitleDataError(f"{path.name}: no words", "restore the file from git")
    return frozenset(words)


_NOISE = read_noise()
CANDIDATES = 40  # titles scored per page
MIN_OVERLAP = 0.15  # below this a title shares too little of the topic to be related
SAME_ISSUER = 0.15
SAME_REGION = 0.05


def topic_words(doc: Document) -> set[str]:
    """The words of a title that say what it is about (with their dictionary parts)."""
    title = doc.title
    for name in filter(None, (doc.issuer, doc.region)):
        title = title.replace(name, " ")
    out: set[str] = set()
    for w in segmenter.cut(title):
        if len(w) < 2 or not has_han(w) or w in _NOISE or w == doc.doctype:
            continue
        if doc.issuer and w in doc.issuer:
            continue
        out.add(w)
        # A word like 数据安全法 is often unique to its document: its parts find kin.
        out.update(sub for sub, _s, _e in segmenter.subwords(w) if sub not in _NOISE)
    return out


def _overlap(a: set[str], b: set[str]) -> float:
    """Shared share of the two topics, longer words weighing more (weighted Jaccard)."""
    if not a or not b:
        return 0.0
    union = a | b
    return sum(len(w) for w in a & b) / sum(len(w) for w in union)


def related_documents(engine: Any, doc: Document, limit: int = 5) -> list[tuple[Document, float]]:
    """Up to ``limit`` (document, score) pairs related to ``doc`` by title topic."""

    words = topic_words(doc)
    if not words:
        return []
    query = " OR ".join(sorted(words, key=lambda w: (-len(w), w))[:8])
    try:
        resp = engine.search(
            SearchRequest(q=query, per_page=CANDIDATES, expand=False, fields=("title",))
        )
    except DuizhaoError:
        return []
    scored = []
    seen_titles = {doc.title}
    for h in resp.hits:
        other = h.doc
        if other.id == doc.id or other.title in seen_titles:
            continue  # itself, and reprints of one title (one is enough)
        seen_titles.add(other.title)
        s = _overlap(words, topic_words(other))
        if s < MIN_OVERLAP:
            continue  # the same issuer alone does not make a document related
        s += SAME_ISSUER if doc.issuer and other.issuer == doc.issuer else 0.0
        s += SAME_REGION if doc.region and other.region == doc.region else 0.0
        scored.append((other, s))
    scored.sort(key=lambda t: (-t[1], -(int((t[0].date or "0")[:4])), t[0].id))
    return scored[:limit]
