"""Xapian documents of a Duizhao document: terms, values and stored data per record.

Place in the flow: writer side of the Xapian backend -- a Document ->
``index.records.records_for`` (one record per passage; any engine) ->
``xapian_documents`` (this module) -> ``WritableDatabase.add_document``
(index.xapian_writers). The query side (index.xapian_ranking) reads the same
prefixes and value slots, so both are defined here once.

Duizhao's own analysis feeds it (``index.analysis``: the tokens and positions
Whoosh indexes), never Xapian's TermGenerator, so a plan's terms mean the same
on both engines. Per record:

    terms      XT:/XE:/XD:/XB: title, English title, draft title, body (positional;
               the Chinese title on every passage, as Whoosh counts a title match
               for every passage), XN: document-number keys, Q<id> on every record,
               I<id> and H on the head record, F<field>:<value> filter terms
    values     see the S_* slots below; the collapse key carries the document's
               metadata so facets and priors need no document fetch (remotely too)
    data       the document JSON on the head record (readable from remote shards),
               also in the S_DOC value (read in bulk by a match spy)
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from dataclasses import dataclass
from typing import Any

from index import segmenter
from index.document import DATE_YEARS, Document
from index.errors import InputError
from index.schema import FACET_FIELDS
from index.scripts import is_han

MAX_TERM_BYTES = 240  # Xapian refuses terms over 245 bytes

PREFIX = {"title": "XT:", "title_en": "XE:", "title_draft": "XD:", "body": "XB:", "docnum": "XN:"}
FIELD_OF_PREFIX = {p: f for f, p in PREFIX.items()}
HEAD_TERM = "H"

S_DOCID = 0  # document id
S_META = 1  # collapse key: id and metadata (see _meta_key)
S_DATE_DESC = 2  # newest first, undated last, then id
S_DATE_ASC = 3  # oldest first, undated last, then id
S_YEAR = 4  # "yyyy"
S_PIDX = 5  # passage number
S_HASH = 6  # content hash (head record)
S_RANK = 7  # authority, in force, newer first (index.title_rank): title-first tiers
S_TITLE_LEN = 8  # the Chinese title's token count, "%04d": exact titles
# Head records: the document JSON again (as the data), so the documents of a page of
# hits come back from one match by a ValueCountMatchSpy -- remote shards send each
# record's data in a round trip of its own. Indexes written before it read the data.
S_DOC = 9
S_FACET = {name: 10 + i for i, name in enumerate(FACET_FIELDS)}  # head records: spies
META_FIELDS = (*FACET_FIELDS, "year", "date", "title_len")
SEP = "\x1f"


def load_xapian() -> Any:
    try:
        import xapian
    except ImportError as e:
        raise InputError(
            "the Xapian backend needs the Xapian Python bindings",
            "install them: `.venv/bin/pip install -e '.[xapian]'` (scripts/setup does)",
        ) from e
    return xapian


def shard_of(doc_id: str, shards: int) -> int:
    """The shard of a document: a stable hash of its id (crc32), so re-indexing a
    document always lands where it was."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards if shards > 1 else 0


def bterm(prefix: str, value: str) -> str:
    """A boolean term; values too long for a Xapian term are hashed."""
    t = prefix + value
    if len(t.encode("utf-8")) > MAX_TERM_BYTES:
        t = prefix + "#" + hashlib.blake2b(value.encode("utf-8"), digest_size=16).hexdigest()
    return t


def filter_term(field: str, value: str) -> str:
    return bterm(f"F{field}:", str(value))


# --- records -> Xapian documents ------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, int]]:
    """(term, position) exactly as the Whoosh fields index them: the steps of
    ``index.analysis.text_analyzer`` in index mode (fold, segment, sub-words,
    lower-case, English stop words, Latin stems). Equality with the analyzer is
    tested (tests/test_backend_contract.py)."""
    return [(t, p) for terms, p in _word_postings("", text) for t in terms]


_NO_POSITION = None  # a segment that is not a word (space, punctuation): no position
_UNSEEN: Any = object()
# prefix -> {segmented word: its prefixed index terms, or _NO_POSITION}; emptied when
# the segmenter's words change (sub-words depend on them) or when it grows too big.
_WORD_TERMS: dict[str, dict[str, tuple[str, ...] | None]] = {}
_WORD_TERMS_GEN = [-1]
MAX_CACHED_WORDS = 400_000  # per prefix; a corpus's vocabulary is far smaller


def _word_postings(prefix: str, text: str) -> list[tuple[tuple[str, ...], int]]:
    """The index terms of ``text`` grouped by position: (terms, position) per word
    (the word, then its sub-words, all prefixed; stop words leave the terms empty
    but keep the position). Each distinct word is analysed once per process and
    remembered: the per-token steps (word test, lower-case, stop words, stems,
    sub-words, the term length limit) cost more than the segmentation itself."""
    from index.normalize import fold_for_segmentation

    gen = segmenter.generation()
    if _WORD_TERMS_GEN[0] != gen:
        _WORD_TERMS.clear()
        _WORD_TERMS_GEN[0] = gen
    cache = _WORD_TERMS.get(prefix)
    if cache is None or len(cache) > MAX_CACHED_WORDS:
        cache = _WORD_TERMS[prefix] = {}
    out: list[tuple[tuple[str, ...], int]] = []
    pos = 0
    get = cache.get
    for word in segmenter.cut(fold_for_segmentation(text)):
        terms = get(word, _UNSEEN)
        if terms is _UNSEEN:
            terms = cache[word] = _analyse_word(prefix, word)
        if terms is _NO_POSITION:
            continue
        if terms:
            out.append((terms, pos))
        pos += 1
    return out


def _analyse_word(prefix: str, word: str) -> tuple[str, ...] | None:
    """The prefixed index terms of one segmented word (see ``_tokens``)."""
    from index.analysis import _WORDLIKE, ENGLISH_STOP_WORDS

    if not _WORDLIKE.search(word):
        return _NO_POSITION
    raw = [word.lower()]
    if len(word) > 2 and is_han(word[0]):
        raw += [sub.lower() for sub, _s, _e in segmenter.subwords(word)]
    terms = (prefix + _stem(t) for t in raw if t not in ENGLISH_STOP_WORDS)
    return tuple(t for t in terms if len(t.encode("utf-8")) <= MAX_TERM_BYTES or not prefix)


@functools.lru_cache(maxsize=100_000)
def _stem(t: str) -> str:
    # Cached here too: one lookup per token of the whole corpus (no second call).
    from index.analysis import latin_term

    return latin_term(t)


def date_int(d: str | None) -> int:
    if not d:
        return 0
    try:
        v = int(d[:4]) * 10000 + int(d[5:7]) * 100 + int(d[8:10])
    except ValueError:
        return 0
    return v if 0 < v <= DATE_YEARS[1] * 10000 + 1231 else 0


def _meta_key(doc: Document, title_len: int) -> str:
    vals = [str(getattr(doc, n) or "") for n in FACET_FIELDS]
    year = doc.year if doc.year and 0 < doc.year <= DATE_YEARS[1] else ""
    vals += [str(year), str(date_int(doc.date)), str(title_len)]
    return SEP.join([doc.id, *(v.replace(SEP, " ") for v in vals)])


def _rank_key(doc: Document, date: int) -> str:
    """Sorts ascending as title-first tiers order documents: higher level, then in
    force, then newer (the facts of index.title_rank)."""
    return rank_code(doc.level or "", doc.region or "", doc.issuer or "", doc.status or "") + (
        f"{99999999 - date:08d}"
    )


def rank_code(level: str, region: str, issuer: str, status: str) -> str:
    from index.title_rank import STATUS_RANK, level_rank

    return f"{99 - level_rank(level, region, issuer):02d}{9 - STATUS_RANK.get(status, 0)}"


def parse_meta(key: bytes | str) -> tuple[str, dict[str, str]]:
    text = key.decode("utf-8") if isinstance(key, bytes) else key
    parts = text.split(SEP)
    return parts[0], dict(zip(META_FIELDS, parts[1:], strict=False))


@dataclass(frozen=True)
class _Shared:
    """What every record of one document carries, computed once per document."""

    title_terms: list[tuple[str, int]]  # the Chinese title's (term, position)
    filters: list[str]  # F<field>:<value> terms
    values: list[tuple[int, str]]  # (slot, value) pairs


def _shared(doc: Document, head: dict) -> _Shared:
    title_terms = [
        (t, p)
        for terms, p in (
            _word_postings(PREFIX["title"], head["title"]) if head.get("title") else []
        )
        for t in terms
    ]
    date = date_int(doc.date)
    dkey = f"{99999999 - date:08d}" if date else "~"
    akey = f"{date:08d}" if date else "~"
    year = doc.year if doc.year and 0 < doc.year <= DATE_YEARS[1] else None
    values = [
        (S_DOCID, doc.id),
        (S_META, _meta_key(doc, len(title_terms))),
        (S_DATE_DESC, dkey + SEP + doc.id),
        (S_DATE_ASC, akey + SEP + doc.id),
    ]
    if year:
        values.append((S_YEAR, f"{year:04d}"))
    values += [(S_RANK, _rank_key(doc, date)), (S_TITLE_LEN, f"{len(title_terms):04d}")]
    filters = [filter_term(n, getattr(doc, n)) for n in FACET_FIELDS if getattr(doc, n)]
    return _Shared(title_terms, filters, values)


def _add_text(x: Any, rec: dict, title_terms: list[tuple[str, int]]) -> None:
    """The positional terms of one record: its own fields, then the Chinese title."""
    pos = 1  # Xapian positions: one run per record, fields apart by their prefix
    add = x.add_posting
    for field in ("title_en", "title_draft", "body"):
        text = rec.get(field)
        if text:
            for terms, p in _word_postings(PREFIX[field], text):
                for t in terms:
                    add(t, p + pos)
    for t, p in title_terms:  # the Chinese title counts for every passage
        add(t, p + pos)


def _add_head(x: Any, doc: Document, head: dict) -> None:
    """What only the head record holds: lookup terms, hash, facet values, the JSON."""
    x.add_boolean_term(HEAD_TERM)
    x.add_boolean_term(bterm("I", doc.id))
    for k in (head.get("docnum") or "").split(","):
        if k.strip():
            x.add_term(bterm(PREFIX["docnum"], k.strip().lower()))
    x.add_value(S_HASH, head["hash"])
    for n, slot in S_FACET.items():
        v = getattr(doc, n)
        if v:
            x.add_value(slot, str(v))
    x.set_data(head["doc"])
    x.add_value(S_DOC, head["doc"])


def xapian_documents(doc: Document, content_hash: str | None = None) -> list[Any]:
    """The Xapian documents of one Document: its head record, then one per passage
    (``content_hash``: the document's, when the caller has it already)."""
    xapian = load_xapian()
    from index.records import records_for

    recs = list(records_for(doc, content_hash))
    head = recs[0]
    shared = _shared(doc, head)
    out = []
    for rec in recs:
        x = xapian.Document()
        _add_text(x, rec, shared.title_terms)
        x.add_boolean_term(bterm("Q", doc.id))
        for t in shared.filters:
            x.add_boolean_term(t)
        for slot, value in shared.values:
            x.add_value(slot, value)
        x.add_value(S_PIDX, str(rec.get("pidx", 0)))
        if rec is head:
            _add_head(x, doc, head)
        out.append(x)
    return out
