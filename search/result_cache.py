"""A bounded per-process cache of complete search results, keyed by request and index generation.

Place in the flow: faces -> engine (search/engine.py) -> **result cache** -> (on a
miss) the whole search. Mature engines keep one (Elasticsearch's shard request
cache, Solr's queryResultCache): the same query, filters, page and options on the
same index commit give the same answer, and real traffic repeats itself (a
results page, its next page, a shared link, a popular word).

What it keeps: the engine's :class:`~search.engine.SearchResponse` for a request
(every field of :class:`~search.planning.SearchRequest`, each value with its type,
so ``page=True`` is not ``page=1``) together with the index generation it was
computed on, read before and after the search (a commit in between: not kept).
A new commit changes the generation, so older entries are never answered again
(they age out of the LRU). Never kept: a search cut short by the time limit (its
answer depends on the machine's load, not the request) and errors (raised, not
returned). Bounded by entries and by an estimate of the bytes the entries hold
alive (the hits' whole documents included, each document object once however
many entries hold it), least recently used out first. Each process has its own (gunicorn workers share
nothing mutable). Callers get a copy of the containers they might change (the
API blanks date-sorted scores, a cursor page replaces the hits), so no caller
sees another's edits.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, fields, replace
from typing import Any

from search.planning import SearchRequest

# search.engine.SearchResponse (the engine imports this module, so not imported here).
SearchResponse = Any

# Bytes counted for an entry besides its strings: the response, hit and
# fragment objects, dict and list headers (a rough, generous allowance).
ENTRY_OVERHEAD = 4096
HIT_OVERHEAD = 1024


@dataclass
class CacheStats:
    """Counters of one cache (per process)."""

    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0
    max_entries: int = 0
    max_bytes: int = 0
    documents: int = 0  # distinct document objects the entries hold


def _frozen(v: Any) -> Hashable:
    """A hashable, type-exact form of a request value (dicts keep their order)."""
    if isinstance(v, dict):
        return ("d", tuple((k, _frozen(x)) for k, x in v.items()))
    if isinstance(v, list | tuple):
        return (type(v).__name__, tuple(_frozen(x) for x in v))
    return (type(v).__name__, v)


def request_key(req: SearchRequest) -> Hashable | None:
    """Every field of the request, type-exact; None when a value cannot be a key."""
    key = tuple(_frozen(getattr(req, f.name)) for f in fields(req))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _str_bytes(s: Any) -> int:
    return sys.getsizeof(s) if isinstance(s, str) else 0


def _fragments_bytes(frags: Any) -> int:
    # map() over C functions: this runs for every search the cache does not hold.
    return sum(map(sys.getsizeof, [t for t, _m in frags])) + 64 * len(frags)


def document_bytes(doc: Any) -> int:
    """What one hit's document keeps alive: its strings (the whole text) and passages."""
    n = HIT_OVERHEAD + 128 * len(doc.passages) + sum(map(_str_bytes, vars(doc).values()))
    return n + sum(_str_bytes(t.text) + 64 for t in doc.titles_en)


def own_bytes(resp: SearchResponse) -> int:
    """What an entry keeps alive besides its hits' documents: highlighted fragments,
    facets, labels, notices, plus a fixed allowance per object."""
    n = ENTRY_OVERHEAD
    for h in resp.hits:
        n += HIT_OVERHEAD + _fragments_bytes(h.title) + _fragments_bytes(h.title_en)
        n += _fragments_bytes(h.snippet) + 64 * len(h.matched)
    for counts in resp.facets.values():
        n += sum(map(sys.getsizeof, counts)) + 64 * len(counts)
    for labels in resp.facet_labels.values():
        n += sum(map(sys.getsizeof, labels)) + sum(map(sys.getsizeof, labels.values()))
        n += 64 * len(labels)
    return n + sum(map(sys.getsizeof, resp.notices)) + 256 * len(resp.expansions)


def _documents(resp: SearchResponse) -> dict[int, Any]:
    """The entry's document objects, each once (by identity)."""
    return {id(h.doc): h.doc for h in resp.hits}


def estimate_bytes(resp: SearchResponse) -> int:
    """What an entry alone keeps alive, roughly (its documents included)."""
    return own_bytes(resp) + sum(document_bytes(d) for d in _documents(resp).values())


def copy_response(resp: SearchResponse, req: SearchRequest, took_ms: float) -> SearchResponse:
    """A copy whose containers a caller may change without touching the cached one
    (documents, plans and fragments are shared: nothing changes them)."""
    return replace(
        resp,
        request=req,
        hits=[replace(h) for h in resp.hits],
        notices=list(resp.notices),
        expansions=list(resp.expansions),
        facets={k: dict(v) for k, v in resp.facets.items()},
        facet_labels={k: dict(v) for k, v in resp.facet_labels.items()},
        took_ms=took_ms,
    )


class ResultCache:
    """LRU of complete search responses, bounded by entries and estimated bytes.

    A document found by many searches (the hits of a backend's document cache are the
    same objects) is counted once while any entry holds it: the bound is on what the
    cache keeps alive, not on a sum that counts a popular law a hundred times."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max(0, int(max_entries))
        self.max_bytes = max(0, int(max_bytes))
        # key -> (response, its own bytes, its documents' ids)
        self._items: OrderedDict[Hashable, tuple[SearchResponse, int, tuple[int, ...]]] = (
            OrderedDict()
        )
        # id(document) -> [entries holding it, its bytes, the document (keeps the id valid)]
        self._docs: dict[int, list[Any]] = {}
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def get(self, key: Hashable) -> SearchResponse | None:
        """The kept response for ``key`` (now the most recently used), or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self._misses += 1
                return None
            self._items.move_to_end(key)
            self._hits += 1
            return item[0]

    def put(self, key: Hashable, resp: SearchResponse) -> bool:
        """Keep a complete response; False when it is partial or alone over the bound."""
        if resp.partial or not self.enabled:
            return False
        own = own_bytes(resp)
        docs = _documents(resp)
        # A document another entry holds was sized then (most hits come back often).
        # (Read without the lock: a size read as another thread drops it is recomputed.)
        sizes = {}
        for i, d in docs.items():
            held = self._docs.get(i)
            sizes[i] = held[1] if held is not None else document_bytes(d)
        if own + sum(sizes.values()) > self.max_bytes:
            return False
        with self._lock:
            self._drop(key)
            for i, d in docs.items():
                held = self._docs.get(i)
                if held is None:
                    self._docs[i] = [1, sizes[i], d]
                    self._bytes += sizes[i]
                else:
                    held[0] += 1
            self._items[key] = (resp, own, tuple(docs))
            self._bytes += own
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._items)))
        return True

    def _drop(self, key: Hashable) -> None:
        """Forget ``key`` (if kept) and the documents no other entry holds. Lock held."""
        item = self._items.pop(key, None)
        if item is None:
            return
        self._bytes -= item[1]
        for i in item[2]:
            held = self._docs[i]
            held[0] -= 1
            if not held[0]:
                del self._docs[i]
                self._bytes -= held[1]

    def kept(self) -> list[SearchResponse]:
        """The responses kept, least recently used first."""
        with self._lock:
            return [item[0] for item in self._items.values()]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._docs.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                entries=len(self._items),
                bytes=self._bytes,
                max_entries=self.max_entries,
                max_bytes=self.max_bytes,
                documents=len(self._docs),
            )
