"""Term-at-a-time BM25 for long questions, on cached posting arrays.

Place in the flow: the Whoosh backend's search path for plans made of terms
and phrases (nearly all of them). Whoosh evaluates a query as a tree of
matchers in pure Python -- hundreds of milliseconds for a dozen common words
over ~190k passage records; here each term's postings are read once per index
generation into numpy arrays and scores are accumulated with vectorized BM25
-- the same formula, parameters, field weights and stored weights as Whoosh's
BM25F, so rankings agree with the Whoosh path up to float rounding.

Phrases (``phrase_matches``) are matched here too, at a bounded cost: the
records holding every word often enough are found on the cached arrays
(rarest word first), and only those are checked for positions, a few at a
time between deadline checks. Whoosh's own phrase matcher walks every
candidate with no way to stop; 4 phrases of 32 x 的 took 97 s (issue 9).
A phrase scores what Whoosh gives it: the sum of its words' BM25 scores.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict

import numpy as np
from whoosh.util.numeric import byte_to_length

from index.deadline import Deadline

MAX_CACHED_POSTINGS = 12_000_000  # ~96 MB of int32 ids + float32 weights
MAX_PARTIAL = 64  # interrupted posting reads kept for the next search
BLOCKS_PER_CHECK = 64  # posting blocks (of up to 128) read between deadline checks
RECORDS_PER_CHECK = 16  # phrase candidates checked for positions between deadline checks
FIRST_PASS = 2048  # with best_first: the candidates checked before the others
MAX_CACHED_PHRASE_RECORDS = 4_000_000  # ~16 MB of phrase matches kept per field
_EMPTY = np.zeros(0, dtype=np.int32)


# A field's length as Whoosh stores it: one byte per record, a logarithmic code.
_BYTE_LENGTHS = np.array([0, *(byte_to_length(b) for b in range(1, 256))], dtype=np.float32)


def field_lengths(reader, field: str) -> np.ndarray:
    """Per record, the field's length as ``doc_field_length`` reads it (0 for none),
    each segment's length column read at once: one by one, 190k records took ~0.6 s
    a field at a process's first search."""
    out = np.zeros(reader.doc_count_all(), dtype=np.float32)
    for leaf, offset in reader.leaf_readers():
        n = leaf.doc_count_all()
        codes = _length_codes(leaf, field, n)
        if codes is not None:
            out[offset : offset + n] = _BYTE_LENGTHS[codes]
        else:  # a reader without the whoosh3 length column: one record at a time
            dfl = leaf.doc_field_length
            out[offset : offset + n] = [dfl(d, field, 0) or 0 for d in range(n)]
    return out


def _length_codes(leaf, field: str, n: int) -> np.ndarray | None:
    """A segment's length bytes for ``field`` (records past the stored ones are 0),
    or None when the segment is not read through whoosh3's per-document reader."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        col = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except (AttributeError, ImportError):
        return None
    codes = np.zeros(n, dtype=np.uint8)
    if col is None:
        return codes
    if getattr(col, "_fixedlen", None) != 1:
        return None
    stored = min(col._count, n)
    if stored:
        codes[:stored] = np.frombuffer(col._dbfile.get(col._basepos, stored), dtype=np.uint8)
    return codes


class TermScorer:
    """BM25 over one field for one index generation (shared by all threads)."""

    def __init__(self, searcher, field: str, k1: float, b: float) -> None:
        reader = searcher.reader()
        self.field = field
        self.k1 = k1
        self.b = b
        self.n = reader.doc_count_all()
        lengths = field_lengths(reader, field)
        self.lengths = lengths
        self.avg = searcher.avg_field_length(field) or 1.0  # as Whoosh's BM25F has it
        self.norm = (k1 * ((1 - b) + b * lengths / self.avg)).astype(np.float32)
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        # term -> (segment number, last record read there, ids, weights) of reads the
        # deadline interrupted: the next search goes on from there.
        self._partial: dict[str, tuple[int, int, list[int], list[float]]] = {}
        # Per index generation, like the postings: a term's idf (Whoosh asks the
        # term index for its document frequency on every call, ~0.5 ms) and the
        # records where a phrase was found -- complete checks only, so a cached
        # answer is exactly what checking again would give. An English title's
        # lookup and its search ask for the same expanded phrases several times.
        self._idf: dict[str, float] = {}
        self._phrases: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._phrase_records = 0
        self._lock = threading.Lock()

    def idf(self, searcher, term: str) -> float:
        """Whoosh's idf of the term in this field (cached for the generation)."""
        v = self._idf.get(term)
        if v is None:
            v = self._idf[term] = searcher.idf(self.field, term)
        return v

    def doc_frequency(self, searcher, term: str) -> int:
        """How many records hold the term in this field (from the cached postings
        when they are read, else from the term index)."""
        hit = self._cache.get(term)
        if hit is not None:
            return len(hit[0])
        return searcher.doc_frequency(self.field, term)

    def cached_phrase(self, words: tuple[str, ...]) -> np.ndarray | None:
        """The records where the phrase stands, if a complete check found them."""
        with self._lock:
            hit = self._phrases.get(words)
            if hit is not None:
                self._phrases.move_to_end(words)
            return hit

    def cache_phrase(self, words: tuple[str, ...], recs: np.ndarray) -> None:
        with self._lock:
            old = self._phrases.pop(words, None)
            self._phrase_records += len(recs) + 1 - (len(old) + 1 if old is not None else 0)
            self._phrases[words] = recs
            while self._phrase_records > MAX_CACHED_PHRASE_RECORDS and len(self._phrases) > 1:
                _, gone = self._phrases.popitem(last=False)
                self._phrase_records -= len(gone) + 1

    def postings(
        self, searcher, term: str, deadline: Deadline | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(record ids ascending, weights) of a term. Raises TimeUp if ``deadline``
        expires while reading them; what was read is kept, and the next search
        that needs the term goes on from there (so a very common word is read
        in a few searches' time, never abandoned and started over)."""
        with self._lock:
            hit = self._cache.get(term)
            if hit is not None:
                self._cache.move_to_end(term)
                return hit
            start_leaf, last, ids, weights = self._partial.pop(term, (0, -1, [], []))
        blocks = 0
        for leaf_no, (leaf, offset) in enumerate(searcher.reader().leaf_readers()):
            if leaf_no < start_leaf or (self.field, term) not in leaf:
                continue
            m = leaf.postings(self.field, term)
            if leaf_no == start_leaf and last >= 0:
                # Whole blocks were read up to ``last``: skip them by their headers.
                m._skip_to_block(lambda m=m, last=last: m._maxid <= last)
            last = -1
            # Read whole blocks: Whoosh's per-posting calls cost more than BM25 itself.
            read_ids, read_weights = (
                getattr(m, "_read_ids", None),
                getattr(m, "_read_weights", None),
            )
            while m.is_active():
                blocks += 1
                if deadline is not None and blocks % BLOCKS_PER_CHECK == 0 and deadline.expired():
                    with self._lock:
                        self._partial[term] = (leaf_no, last, ids, weights)
                        while len(self._partial) > MAX_PARTIAL:
                            self._partial.pop(next(iter(self._partial)))
                    raise TimeUp(term)
                if read_ids is not None and read_weights is not None:
                    read_ids()
                    read_weights()
                    ids.extend(d + offset for d in m._ids)
                    weights.extend(m._weights)
                    last = m._maxid
                    m._next_block()
                else:  # pragma: no cover - another codec
                    ids.append(m.id() + offset)
                    weights.append(m.weight())
                    m.next()
        out = (np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32))
        with self._lock:
            self._cache[term] = out
            self._cached += len(ids)
            while self._cached > MAX_CACHED_POSTINGS and len(self._cache) > 1:
                _, (old, _w) = self._cache.popitem(last=False)
                self._cached -= len(old)
        return out

    def add_into(
        self,
        acc: np.ndarray,
        searcher,
        term: str,
        weight: float,
        idf_scale: float = 1.0,
        deadline: Deadline | None = None,
        at: np.ndarray | None = None,
    ) -> None:
        """acc += weight * BM25(term) for every record holding the term in this field;
        with ``at`` (a slot of ``acc`` per record, each slot one record's or
        discarded) at ``acc[at[record]]`` instead."""
        ids, tf = self.postings(searcher, term, deadline)
        if len(ids):
            idf = self.idf(searcher, term) * idf_scale
            where = ids if at is None else at[ids]
            acc[where] += (weight * idf) * (tf * (self.k1 + 1)) / (tf + self.norm[ids])

    def phrase_scores(
        self,
        searcher,
        words: tuple[str, ...],
        recs: np.ndarray,
        weight: float,
        idf_scale: float = 1.0,
    ) -> np.ndarray:
        """Whoosh's score of a phrase at matching records: weight x the sum of its
        words' BM25 scores there (a repeated word counts each time)."""
        out = np.zeros(len(recs), dtype=np.float32)
        for term in words:
            ids, tf = self.postings(searcher, term)
            t = tf[np.searchsorted(ids, recs)]
            idf = self.idf(searcher, term) * idf_scale
            out += (weight * idf) * (t * (self.k1 + 1)) / (t + self.norm[recs])
        return out


class TimeUp(Exception):
    """The deadline expired before a term's postings were read (nothing was cached)."""


def phrase_candidates(
    searcher,
    scorer: TermScorer,
    words: tuple[str, ...],
    restrict: np.ndarray | None = None,
    deadline: Deadline | None = None,
) -> np.ndarray:
    """Records (ascending) that hold every word of the phrase at least as often as
    the phrase has it -- a superset of the phrase's matches, found on the cached
    arrays, rarest word first; ``restrict`` (a boolean mask over records) keeps
    only records that can still matter. Raises TimeUp."""
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    fmt = searcher.schema[scorer.field].format
    boost = float(getattr(fmt, "field_boost", 1.0) or 1.0)
    lists = []
    for w, k in counts.items():
        ids, weights = scorer.postings(searcher, w, deadline)
        if k > 1:  # a posting's weight is its position count times the field boost
            ids = ids[weights >= k * boost * 0.999]
        if not len(ids):
            return _EMPTY
        lists.append(ids)
    lists.sort(key=len)
    cand = lists[0]
    if restrict is not None:
        cand = cand[restrict[cand]]
    for ids in lists[1:]:
        if not len(cand):
            break
        cand = cand[np.isin(cand, ids, assume_unique=True)]
    return cand


def phrase_matches(
    searcher,
    scorer: TermScorer,
    words: tuple[str, ...],
    deadline: Deadline,
    restrict: np.ndarray | None = None,
    group: np.ndarray | None = None,
    best_first: bool = False,
    priority: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(records where the words stand next to each other in this order, candidates
    left unchecked when the deadline expired), both ascending. With ``group`` (an id
    per record, e.g. its document), one match per group is enough: the group's other
    records are not checked. The candidates ranked highest -- by the phrase's own
    score with ``best_first``, plus ``priority`` (a value per record) if given --
    are checked first (one pass over them, then one over the rest), so a search
    cut short still has its best matches right. Raises TimeUp when even the
    candidates could not be read."""
    known = scorer.cached_phrase(words)
    if known is not None:  # every match, from a complete check in this generation
        return (known[restrict[known]] if restrict is not None else known), _EMPTY
    cand = phrase_candidates(searcher, scorer, words, restrict, deadline)
    if not len(cand):
        if restrict is None:
            scorer.cache_phrase(words, _EMPTY)
        return _EMPTY, _EMPTY
    passes = [cand]
    if (best_first or priority is not None) and len(cand) > FIRST_PASS:
        prio = np.zeros(len(cand), dtype=np.float64)
        if best_first:
            prio += scorer.phrase_scores(searcher, words, cand, 1.0)
        if priority is not None:
            prio += priority[cand]
        top = np.sort(cand[np.argpartition(-prio, FIRST_PASS)[:FIRST_PASS]])
        passes = [top, cand[~np.isin(cand, top, assume_unique=True)]]
    # Check the word with the fewest positions first: most candidates fail on it.
    order = sorted(dict.fromkeys(words), key=lambda w: len(scorer.postings(searcher, w)[0]))
    offsets = {w: [j for j, x in enumerate(words) if x == w] for w in order}
    done_groups: set[int] = set()
    matched: list[int] = []
    for k, part in enumerate(passes):
        left = _check_pass(searcher, scorer.field, order, offsets, part, deadline, group,
                           done_groups, matched)  # fmt: skip
        if left is not None:
            rest = np.sort(np.concatenate([left, *passes[k + 1 :]]))
            return np.sort(np.asarray(matched, dtype=np.int32)), rest
    found = np.sort(np.asarray(matched, dtype=np.int32))
    if restrict is None and group is None:  # every candidate checked: the whole answer
        scorer.cache_phrase(words, found)
    return found, _EMPTY


def _check_pass(
    searcher,
    field: str,
    order: list[str],
    offsets: dict[str, list[int]],
    cand: np.ndarray,
    deadline: Deadline,
    group: np.ndarray | None,
    done_groups: set[int],
    matched: list[int],
) -> np.ndarray | None:
    """Check ascending candidates for the phrase, segment by segment, appending
    matches to ``matched``; the candidates not reached when the deadline expired,
    or None when all were checked."""
    leaves = searcher.reader().leaf_readers()
    ends = [off for _leaf, off in leaves[1:]] + [np.iinfo(np.int64).max]
    recs = cand.tolist()
    groups = group[cand].tolist() if group is not None else None
    i = 0
    for (leaf, off), end in zip(leaves, ends, strict=True):
        matchers = None
        while i < len(recs) and recs[i] < end:
            if i % RECORDS_PER_CHECK == 0 and deadline.expired():
                return cand[i:]
            if groups is not None and groups[i] in done_groups:
                i += 1
                continue
            if matchers is None:
                matchers = {w: leaf.postings(field, w) for w in order}
            if phrase_at(matchers, order, offsets, recs[i] - off):
                matched.append(recs[i])
                if groups is not None:
                    done_groups.add(groups[i])
            i += 1
    return None


def phrase_at(matchers: dict, order: list[str], offsets: dict[str, list[int]], d: int) -> bool:
    """Whether the phrase occurs in record ``d`` of the matchers' segment: a start
    position p with word j at p + j for every j (the matchers only move forward)."""
    starts: set[int] | None = None
    for w in order:
        positions = _positions_at(matchers[w], d)
        if positions is None:
            return False
        for j in offsets[w]:
            shifted = {p - j for p in positions}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return False
    return bool(starts)


def _positions_at(m, d: int) -> list[int] | None:
    """The term's positions in record ``d``, or None; moves the matcher forward.
    Whoosh's block matcher is addressed by block (skipped by header) and found by
    bisection inside it: its ``skip_to`` steps posting by posting, which cost more
    than the phrase check itself."""
    if not m.is_active():
        return None
    if not hasattr(m, "_skip_to_block"):  # pragma: no cover - another codec
        m.skip_to(d)
        return m.value_as("positions") if m.is_active() and m.id() == d else None
    if d > m._maxid:
        m._skip_to_block(lambda: d > m._maxid)
        if not m.is_active():
            return None
    if m._ids is None:
        m._read_ids()
    ids = m._ids
    i = bisect_left(ids, d)
    if i == len(ids) or ids[i] != d:
        return None
    if m._values is None:
        m._read_values()
    return m.format.decoder("positions")(m._values[i])
