"""The Xapian index backend: local shard folders, or remote shards over TCP.

Place in the flow: the same ``index.plan`` contract as the Whoosh backend --
writer side Documents -> ``records_for`` (one record per passage) -> Xapian
documents; query side a ``Plan`` -> a Xapian query -> best passage per document
(collapse), facets, exact totals. Opened through ``index.backends`` for a folder
whose ``backend`` marker says ``xapian`` or for ``xapian+tcp://host:port,...``.

Duizhao's own analysis feeds it (``index.analysis``: the tokens and positions
Whoosh indexes), never Xapian's TermGenerator, so a plan's terms mean the same
on both engines. Per record:

    terms      XT:/XE:/XD:/XB: title, English title, draft title, body (positional;
               the Chinese title on every passage, as Whoosh counts a title match
               for every passage), XN: document-number keys, Q<id> on every record,
               I<id> and H on the head record, F<field>:<value> filter terms
    values     see the S_* slots below; the collapse key carries the document's
               metadata so facets and priors need no document fetch (remotely too)
    data       the document JSON on the head record (readable from remote shards)

Layout of a folder::

    DIR/backend         "xapian" (index.backends)
    DIR/duizhao.json    settings: schema version, glossary fingerprint, shard count
    DIR/shard-00/ ...   one Xapian (glass) database per shard; documents are routed
                        by a stable hash of their id (``shard_of``)

Each shard commits in one Xapian transaction (atomic and fsynced by Xapian); a
multi-shard run commits shard by shard, so a crash between two shard commits
leaves some shards at the new state -- re-running the same index command
completes it (unchanged documents are skipped by content hash).

Remote shards (``duizhao shard-serve`` runs ``xapian-tcpsrv``) are combined into
one Database: Xapian computes global statistics, so one shard and N shards rank
the same. A shard that is down or does not answer within ``REMOTE_TIMEOUT_MS``
makes the search fail with ``ShardUnavailable`` (HTTP 503, naming the shard) --
never a hang and never silently partial results; the next search reconnects.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from index import segmenter
from index.deadline import Deadline
from index.document import DATE_YEARS, Document
from index.errors import (
    DuizhaoError,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    IndexOutdated,
    IndexWriteFailed,
    InputError,
    NotFound,
)
from index.plan import Alt, Clause, Plan, RawHit, RawResults
from index.ranking import RankingProfile
from index.schema import FACET_FIELDS, SCHEMA_VERSION
from index.scripts import is_han

KIND = "xapian"
URL_SCHEME = "xapian+tcp"
META_FILE = "duizhao.json"
LAYOUT = 2  # this module's record layout; bumped when terms/values change meaning
METADATA_KEY = "duizhao"  # per-shard settings inside the Xapian database (read remotely)
# Per-shard commit counter: remote databases do not expose their revision.
GENERATION_KEY = "duizhao-generation"
# A remote operation (connect, or one request) that takes longer fails the search
# with ShardUnavailable: a slow shard never hangs a request.
REMOTE_TIMEOUT_MS = 5000
REMOTE_CONNECT_TIMEOUT_MS = 2000
# Remote shards: a thread asks them for their latest commit at most this often (each
# ask is a round trip per shard; a request asks several times -- the ETag's
# generation, the search, title and sense checks), so a commit is served within it.
REMOTE_REOPEN_SECONDS = 0.5
MAX_TERM_BYTES = 240  # Xapian refuses terms over 245 bytes
MAX_CACHED_DOCS = 2000  # head documents kept per generation (hits come back often)

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
S_FACET = {name: 10 + i for i, name in enumerate(FACET_FIELDS)}  # head records: spies
META_FIELDS = (*FACET_FIELDS, "year", "date", "title_len")
_SEP = "\x1f"


class ShardUnavailable(DuizhaoError):
    """A remote shard is down or too slow: the search fails rather than hang."""

    status = 503
    code = "shard_unavailable"


def _xapian() -> Any:
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


def _bterm(prefix: str, value: str) -> str:
    """A boolean term; values too long for a Xapian term are hashed."""
    t = prefix + value
    if len(t.encode("utf-8")) > MAX_TERM_BYTES:
        t = prefix + "#" + hashlib.blake2b(value.encode("utf-8"), digest_size=16).hexdigest()
    return t


def filter_term(field: str, value: str) -> str:
    return _bterm(f"F{field}:", str(value))


def field_weight(field: str, plan: Plan) -> float:
    """A field's score scale: the plan's ranking profile's index-time boost (Xapian
    has none, so it scales the query) times its query-time weight."""
    r = plan.ranking
    return r.index_boosts.get(field, 1.0) * r.field_weight(field, plan.title_weight)


def _authority(meta: dict[str, str], ranking: RankingProfile) -> float:
    return ranking.prior(meta["level"], meta["region"])


def _max_authority(ranking: RankingProfile) -> float:
    p = ranking.authority_prior
    return max(p.get("level", {}).values(), default=1.0) * max(
        p.get("region", {}).values(), default=1.0
    )


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
    from index.analysis import _LATIN_ALPHA, porter_stem

    return porter_stem(t) if len(t) > 2 and _LATIN_ALPHA.match(t) else t


def _date_int(d: str | None) -> int:
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
    vals += [str(year), str(_date_int(doc.date)), str(title_len)]
    return _SEP.join([doc.id, *(v.replace(_SEP, " ") for v in vals)])


def _rank_key(doc: Document, date: int) -> str:
    """Sorts ascending as title-first tiers order documents: higher level, then in
    force, then newer (the facts of index.title_rank)."""
    return _rank(doc.level or "", doc.region or "", doc.issuer or "", doc.status or "") + (
        f"{99999999 - date:08d}"
    )


def _rank(level: str, region: str, issuer: str, status: str) -> str:
    from index.title_rank import STATUS_RANK, level_rank

    return f"{99 - level_rank(level, region, issuer):02d}{9 - STATUS_RANK.get(status, 0)}"


def _tier_key(item: Any) -> tuple:
    """Order inside a title tier: level, in force, newer, score, then id."""
    doc_id, m = _parse_meta(item.collapse_key)
    date = int(m.get("date") or 0)
    rank = _rank(m.get("level", ""), m.get("region", ""), m.get("issuer", ""), m.get("status", ""))
    return (rank, -date, -round(item.weight, 5), doc_id)


def _parse_meta(key: bytes | str) -> tuple[str, dict[str, str]]:
    text = key.decode("utf-8") if isinstance(key, bytes) else key
    parts = text.split(_SEP)
    return parts[0], dict(zip(META_FIELDS, parts[1:], strict=False))


# long: one pass building each record's terms, values and stored data from values computed once
# per document (dates, keys, filters).
def xapian_documents(doc: Document) -> list[Any]:
    """The Xapian documents of one Document: its head record, then one per passage."""
    xapian = _xapian()
    from index.records import records_for

    recs = list(records_for(doc))
    head = recs[0]
    title_terms = [
        (t, p)
        for terms, p in (
            _word_postings(PREFIX["title"], head["title"]) if head.get("title") else []
        )
        for t in terms
    ]
    date = _date_int(doc.date)
    dkey = f"{99999999 - date:08d}" if date else "~"
    akey = f"{date:08d}" if date else "~"
    year = doc.year if doc.year and 0 < doc.year <= DATE_YEARS[1] else None
    meta = _meta_key(doc, len(title_terms))
    rank = _rank_key(doc, date)
    filters = [filter_term(n, getattr(doc, n)) for n in FACET_FIELDS if getattr(doc, n)]
    out = []
    for rec in recs:
        x = xapian.Document()
        pos = 1  # Xapian positions: one run per record, fields apart by their prefix
        for field in ("title_en", "title_draft", "body"):
            text = rec.get(field)
            if text:
                add = x.add_posting
                for terms, p in _word_postings(PREFIX[field], text):
                    for t in terms:
                        add(t, p + pos)
        for t, p in title_terms:  # the Chinese title counts for every passage
            x.add_posting(t, p + pos)
        x.add_boolean_term(_bterm("Q", doc.id))
        for t in filters:
            x.add_boolean_term(t)
        x.add_value(S_DOCID, doc.id)
        x.add_value(S_META, meta)
        x.add_value(S_DATE_DESC, dkey + _SEP + doc.id)
        x.add_value(S_DATE_ASC, akey + _SEP + doc.id)
        if year:
            x.add_value(S_YEAR, f"{year:04d}")
        x.add_value(S_PIDX, str(rec.get("pidx", 0)))
        x.add_value(S_RANK, rank)
        x.add_value(S_TITLE_LEN, f"{len(title_terms):04d}")
        if rec is head:
            x.add_boolean_term(HEAD_TERM)
            x.add_boolean_term(_bterm("I", doc.id))
            for k in (head.get("docnum") or "").split(","):
                if k.strip():
                    x.add_term(_bterm(PREFIX["docnum"], k.strip().lower()))
            x.add_value(S_HASH, head["hash"])
            for n, slot in S_FACET.items():
                v = getattr(doc, n)
                if v:
                    x.add_value(slot, str(v))
            x.set_data(head["doc"])
        out.append(x)
    return out


# --- plan -> Xapian query --------------------------------------------------------------


def _alt_query(xapian: Any, alt: Alt, plan: Plan) -> Any:
    parts = []
    for f in alt.fields:
        prefix = PREFIX.get(f)
        if prefix is None:
            continue
        if f == "docnum":
            terms = [_bterm(prefix, w.lower()) for w in alt.words]
        else:
            terms = [prefix + w for w in alt.words]
        if len(terms) > 1:
            q = xapian.Query(xapian.Query.OP_PHRASE, terms, len(terms))
        else:
            q = xapian.Query(terms[0])
        scale = alt.weight * field_weight(f, plan)
        parts.append(xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, scale))
    if not parts:
        return xapian.Query()
    return parts[0] if len(parts) == 1 else xapian.Query(xapian.Query.OP_OR, parts)


def _clause_query(xapian: Any, c: Clause, plan: Plan) -> Any:
    qs = [_alt_query(xapian, a, plan) for a in c.alts]
    return qs[0] if len(qs) == 1 else xapian.Query(xapian.Query.OP_OR, qs)


def build_query(xapian: Any, plan: Plan) -> Any | None:
    """The scoring query of a plan (without exclusions and filters), or None."""
    must = [_clause_query(xapian, c, plan) for c in plan.clauses if c.occur == "must"]
    should = [_clause_query(xapian, c, plan) for c in plan.clauses if c.occur == "should"]
    and_q = xapian.Query(xapian.Query.OP_AND, must) if must else None
    or_q = xapian.Query(xapian.Query.OP_OR, should) if should else None
    if and_q is not None and or_q is not None:
        return xapian.Query(xapian.Query.OP_AND_MAYBE, and_q, or_q)
    return and_q if and_q is not None else or_q


def filter_query(xapian: Any, plan: Plan) -> Any | None:
    """The plan's filters (any value of a field, every field) and year range."""
    parts = []
    for name, values in plan.filters.items():
        if not values:
            continue
        terms = [xapian.Query(filter_term(name, v)) for v in values]
        parts.append(terms[0] if len(terms) == 1 else xapian.Query(xapian.Query.OP_OR, terms))
    if plan.year_from is not None or plan.year_to is not None:
        lo = plan.year_from if plan.year_from is not None else 0
        hi = plan.year_to if plan.year_to is not None else 9999
        parts.append(
            xapian.Query(xapian.Query.OP_VALUE_RANGE, S_YEAR, f"{max(lo, 0):04d}", f"{hi:04d}")
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else xapian.Query(xapian.Query.OP_AND, parts)


def _weighting(xapian: Any, ranking: RankingProfile) -> Any:
    """BM25 with the ranking profile's k1 and b (Xapian 1.4 has one b for all fields)."""
    return xapian.BM25Weight(ranking.k1, 0.0, 1.0, ranking.b, 0.5)


# --- the backend -------------------------------------------------------------------------


class XapianBackend:
    """A Xapian index: a folder of shards, or ``xapian+tcp://host:port,...``.
    Thread-safe for searching (one Database per thread); one writer at a time."""

    def __init__(
        self,
        spec: str | os.PathLike,
        *,
        create: bool = False,
        shards: int | None = None,
        verify: str = "full",  # Xapian checks its own files on open
        timeout_ms: int = REMOTE_TIMEOUT_MS,
    ) -> None:
        self._x = _xapian()
        text = os.fspath(spec)
        self.remote: list[tuple[str, int]] = []
        self.timeout_ms = timeout_ms
        if text.startswith(URL_SCHEME + "://"):
            self.remote = parse_url(text)
            self.path: Any = text
        else:
            from index import integrity

            integrity.check_allowed(text)  # a service opens only its configured folder
            self.path = Path(text)
        self.time_limit = 1.0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._dbs: list = []  # every open Database (any thread), closed by close()
        self._docs: OrderedDict[str, Document] = OrderedDict()
        self._gen_cache: dict[str, Any] = {"gen": None}
        if not self.remote:
            if create and not self.exists():
                self._create(shards or 1)
            if not self.exists():
                raise IndexMissing(
                    f"no index at {self.path}",
                    "build one with `duizhao index --backend xapian PATH...`",
                )
            meta = self.meta()
            if meta.get("schema_version") != SCHEMA_VERSION or meta.get("layout") != LAYOUT:
                raise IndexOutdated(
                    f"the index at {self.path} was built by another version of Duizhao",
                    "rebuild it: `duizhao index --rebuild PATH...`",
                )
            self.shards = int(meta.get("shards", 1))
        else:
            self.shards = len(self.remote)
        self._db()  # open now: a damaged or unreachable index is refused at once

    # --- lifecycle -------------------------------------------------------------------
    def shard_path(self, k: int) -> Path:
        return Path(self.path) / f"shard-{k:02d}"

    def exists(self) -> bool:
        return not self.remote and (Path(self.path) / META_FILE).exists()

    def _create(self, shards: int) -> None:
        from index.config import KIND_FILE

        if shards < 1 or shards > 256:
            raise InputError(f"--shards must be 1 to 256, not {shards}", "use e.g. --shards 2")
        p = Path(self.path)
        try:
            p.mkdir(parents=True, exist_ok=True)
            meta = {
                "engine": KIND,
                "schema_version": SCHEMA_VERSION,
                "layout": LAYOUT,
                "glossary": segmenter.fingerprint(),
                "shards": shards,
            }
            for k in range(shards):
                db = self._x.WritableDatabase(str(self.shard_path(k)), self._x.DB_CREATE_OR_OPEN)
                try:
                    db.set_metadata(METADATA_KEY, json.dumps({**meta, "shard": k}))
                    db.commit()
                finally:
                    db.close()
            _write_atomic(p / KIND_FILE, KIND + "\n")
            _write_atomic(p / META_FILE, json.dumps(meta, indent=1))
        except OSError as e:
            raise IndexWriteFailed(
                f"cannot create the index at {p}: {e.strerror}", "check the folder and free space"
            ) from e

    def meta(self) -> dict:
        """The index settings: the folder's file, or (remote) the first shard's."""
        if self.remote:
            raw = self._db().get_metadata(METADATA_KEY)
            try:
                return json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                return {}
        try:
            return json.loads((Path(self.path) / META_FILE).read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise IndexCorrupt(
                f"the index settings file {Path(self.path) / META_FILE} is unreadable",
                "rebuild it: `duizhao index --rebuild PATH...`",
            ) from e

    def _open_shards(self) -> list:
        x = self._x
        out = []
        try:
            if self.remote:
                for host, port in self.remote:
                    try:
                        out.append(
                            x.remote_open(host, port, self.timeout_ms, REMOTE_CONNECT_TIMEOUT_MS)
                        )
                    except x.NetworkError as e:
                        raise self._unavailable(f"{host}:{port}", e) from e
            else:
                for k in range(self.shards):
                    out.append(x.Database(str(self.shard_path(k))))
        except (x.DatabaseCorruptError, x.DatabaseOpeningError, x.DatabaseError) as e:
            for db in out:
                db.close()
            raise self._corrupt(e) from e
        return out

    def _corrupt(self, e: BaseException) -> IndexCorrupt:
        return IndexCorrupt(
            f"the Xapian index at {self.path} cannot be read ({type(e).__name__}: {str(e)[:200]})",
            "run `duizhao check`; if it fails, rebuild: `duizhao index --rebuild PATH...`",
        )

    def _unavailable(self, where: str, e: BaseException) -> ShardUnavailable:
        return ShardUnavailable(
            f"index shard {where} is unavailable ({type(e).__name__}: {str(e)[:160]})",
            "start it again (`duizhao --index DIR shard-serve --shard K --port P`) and retry",
        )

    def _db(self) -> Any:
        """This thread's combined Database (reopened on the latest commit)."""
        local = self._local
        got = getattr(local, "db", None)
        if got is None:
            parts = self._open_shards()
            db = self._x.Database()
            for s in parts:
                db.add_database(s)
            got = local.db = (db, parts)
            local.reopened, local.generation = time.monotonic(), None
            with self._lock:
                self._dbs.append(got)
            if self.remote:
                self._check_remote_shards(parts)
        return got[0]

    def _check_remote_shards(self, parts: list) -> None:
        seen: dict[int, str] = {}
        for (host, port), db in zip(self.remote, parts, strict=True):
            raw = db.get_metadata(METADATA_KEY)
            try:
                m = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                m = {}
            where = f"{host}:{port}"
            if m.get("schema_version") != SCHEMA_VERSION or m.get("layout") != LAYOUT:
                raise IndexOutdated(
                    f"shard {where} was built by another version of Duizhao (or is not Duizhao's)",
                    "rebuild that index with this version and serve it again",
                )
            k = m.get("shard")
            if k in seen:
                raise InputError(
                    f"{where} and {seen[k]} serve the same shard {k}",
                    "give each shard of the index once in the xapian+tcp:// URL",
                )
            seen[k] = where
            if m.get("shards") not in (None, len(self.remote)):
                raise InputError(
                    f"the index has {m.get('shards')} shards but the URL names {len(self.remote)}",
                    "list every shard's host:port in the xapian+tcp:// URL",
                )

    def _drop_db(self) -> None:
        got = getattr(self._local, "db", None)
        self._local.db = None
        if got is not None:
            with self._lock, contextlib.suppress(ValueError):
                self._dbs.remove(got)
            with contextlib.suppress(Exception):
                got[0].close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Any]:
        """This thread's Database on the latest commit; Xapian errors become Duizhao's
        (a lost shard connection is dropped so the next search reconnects)."""
        x = self._x
        try:
            db = self._db()
            now = time.monotonic()
            if not self.remote or now - self._local.reopened >= REMOTE_REOPEN_SECONDS:
                db.reopen()
                self._local.reopened, self._local.generation = now, None
            yield db
        except x.DatabaseModifiedError as e:
            self._drop_db()
            raise IndexBusy("the index changed twice during this search", "retry the search") from e
        except x.NetworkError as e:
            self._drop_db()
            raise self._unavailable(",".join(f"{h}:{p}" for h, p in self.remote), e) from e
        except (x.DatabaseCorruptError, x.DatabaseError) as e:
            self._drop_db()
            raise self._corrupt(e) from e

    def close(self) -> None:
        with self._lock:
            dbs, self._dbs = self._dbs, []
        for db, _parts in dbs:
            with contextlib.suppress(Exception):
                db.close()
        self._local = threading.local()

    def generation(self) -> int:
        """A number that grows with every commit (the sum of the shards' commit
        counters, kept in their metadata: readable remotely too)."""
        with self._reading():
            known = self._local.generation
            if known is not None:  # remote: unchanged since this thread's last reopen
                return known
            parts = self._local.db[1]
            for p in parts[1:]:
                p.reopen()  # the combined reopen() refreshes the first one only
            gen = sum(int(p.get_metadata(GENERATION_KEY) or b"0") for p in parts)
            if self.remote:
                self._local.generation = gen
            return gen

    def check_glossary(self, fingerprint: str) -> None:
        built = self.meta().get("glossary")
        if built and built != fingerprint:
            raise IndexOutdated(
                "the glossary's segmentation words changed since this index was built",
                "rebuild the index: `duizhao index --rebuild PATH...`",
                built=built,
                current=fingerprint,
            )

    def check(self) -> dict[str, object]:
        """Xapian's own consistency check of every local shard, then real searches."""
        report: dict[str, object] = {"engine": KIND, "shards": self.shards}
        if not self.remote:
            errors = 0
            for k in range(self.shards):
                try:
                    errors += int(self._x.Database.check(str(self.shard_path(k))))
                except self._x.Error as e:
                    raise self._corrupt(e) from e
            if errors:
                raise IndexCorrupt(
                    f"the Xapian index at {self.path} has {errors} damaged entries",
                    "rebuild it: `duizhao index --rebuild PATH...`",
                )
        report["read_check"] = self.check_reading()
        return report

    def check_reading(self) -> dict[str, object]:
        """Read what searches read: a search by relevance and by date with facets for
        a word of the index, and the stored documents of their hits."""
        t0 = time.perf_counter()
        searches = 0
        with self._reading() as db:
            word = None
            for t in db.allterms(PREFIX["body"]):
                word = t.term.decode("utf-8")[len(PREFIX["body"]) :]
                break
        if word:
            for sort in ("relevance", "date"):
                plan = Plan([Clause((Alt((word,), fields=("body",)),))], sort=sort, facets=True)  # type: ignore[arg-type]
                self.search(plan)
                searches += 1
        return {"searches": searches, "seconds": round(time.perf_counter() - t0, 3)}

    # --- writing ---------------------------------------------------------------------
    def existing_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed document."""
        out: dict[str, str] = {}
        if self.remote:
            raise InputError("remote shards are read-only", "index into the shard folders")
        for k in range(self.shards):
            db = self._x.Database(str(self.shard_path(k)))
            try:
                for p in db.postlist(HEAD_TERM):
                    d = db.get_document(p.docid)
                    out[d.get_value(S_DOCID).decode("utf-8")] = d.get_value(S_HASH).decode()
            finally:
                db.close()
        return out

    def _writers(self, timeout: float) -> list:
        x = self._x
        deadline = time.monotonic() + timeout
        out: list = []
        try:
            for k in range(self.shards):
                while True:
                    try:
                        out.append(x.WritableDatabase(str(self.shard_path(k)), x.DB_OPEN))
                        break
                    except x.DatabaseLockError as e:
                        if time.monotonic() >= deadline:
                            raise IndexBusy(
                                f"another process is writing to the index at {self.path}",
                                "wait for it to finish, or pass --wait SECONDS",
                            ) from e
                        time.sleep(0.2)
        except BaseException:
            for db in out:
                db.close()
            raise
        return out

    # long: the write transaction: the per-document checks and the abort on any failure must stay
    # inside one try, with the fingerprint written after the commit.
    def add_documents(
        self,
        docs: Iterable[Document | object],
        *,
        procs: int = 1,
        on_item: Callable[[object], None] | None = None,
        timeout: float = 0.0,
        rebuild: bool = False,
        optimize: bool = False,  # Xapian merges on its own (xapian-compact)
    ) -> Any:
        """Add or update documents (same id replaces, unchanged ones are skipped); one
        Xapian transaction per shard, committed at the end. With ``procs`` > 1 and
        several shards, each shard is analysed and written by its own process."""
        from index.report import IndexReport, changed_documents

        if self.remote:
            raise InputError("remote shards are read-only", "index into the shard folders")
        t0 = time.perf_counter()
        report = IndexReport(layout=f"{KIND}, {self.shards} shards")
        existing = {} if rebuild else self.existing_hashes()
        meta = {**self.meta(), "glossary": segmenter.fingerprint()}
        if procs > 1 and self.shards > 1:
            sink: Any = _ParallelSink(self, timeout, rebuild, meta)
        else:
            sink = _LocalSink(self, timeout, rebuild, meta)
        try:
            for doc, old, _ in changed_documents(docs, existing, report, on_item=on_item):
                sink.put(shard_of(doc.id, self.shards), doc, old is not None)
            passages, problems = sink.commit()
            report.passages += passages
            report.problems.extend(problems)
        except BaseException as e:
            sink.abort()
            if isinstance(e, OSError):
                raise IndexWriteFailed(
                    f"writing the index at {self.path} failed: {e.strerror}",
                    "free disk space and run the same command again",
                ) from e
            raise
        meta = self.meta()
        if meta.get("glossary") != segmenter.fingerprint():
            # After the shards' commits (which carry the new fingerprint): a crash in
            # between makes the next run ask for a rebuild, never mixes segmentations.
            meta["glossary"] = segmenter.fingerprint()
            _write_atomic(Path(self.path) / META_FILE, json.dumps(meta, indent=1))
        self._docs.clear()
        report.seconds = time.perf_counter() - t0
        return report

    def delete_documents(self, ids: list[str]) -> int:
        if self.remote:
            raise InputError("remote shards are read-only", "delete in the shard folders")
        writers = self._writers(0.0)
        n = 0
        try:
            for db in writers:
                db.begin_transaction()
            for doc_id in ids:
                db = writers[shard_of(doc_id, self.shards)]
                term = _bterm("Q", doc_id)
                if db.term_exists(term):
                    db.delete_document(term)
                    n += 1
            for db in writers:
                _bump_generation(db)
                db.commit_transaction()
        finally:
            for db in writers:
                db.close()
        self._docs.clear()
        return n

    # --- reading ---------------------------------------------------------------------
    def doc_count(self) -> int:
        with self._reading() as db:
            return int(db.get_termfreq(HEAD_TERM))

    def doc_frequency(self, *args: Any) -> int:
        """``doc_frequency(field, word)``: how many records hold ``word`` in ``field``
        (titles: documents, as Whoosh holds the title once per document; body:
        passages). Transitional: ``(searcher, field, word)``, the Whoosh-era call of
        search/titles.py, is accepted too until the contract drops searchers."""
        field, word = args[-2], args[-1]
        prefix = PREFIX.get(field)
        if prefix is None:
            return 0
        key = ("df", field, word)
        with self._reading() as db:
            cache = self._generation_cache(db)
            if key in cache:
                return cache[key]
            if field == "body":
                v = int(db.get_termfreq(prefix + word))
            else:
                x = self._x
                enq = x.Enquire(db)
                enq.set_query(x.Query(x.Query.OP_FILTER, x.Query(prefix + word), x.Query("H")))
                enq.set_weighting_scheme(x.BoolWeight())
                v = int(enq.get_mset(0, 0, db.get_doccount()).get_matches_estimated())
            if len(cache) > 100_000:
                cache.clear()
            cache[key] = v
            return v

    def _generation_cache(self, db: Any) -> dict:
        """A dict emptied whenever the index changes (keyed on the total document
        count and last document id: cheap to read, remotely too)."""
        mark = (db.get_doccount(), db.get_lastdocid())
        with self._lock:
            if self._gen_cache.get("gen") != mark:
                self._gen_cache = {"gen": mark}
                self._docs.clear()
            return self._gen_cache

    def field_values(self, name: str) -> dict[str, int]:
        """Every value of a filter field with its document count, most frequent first."""
        if name not in S_FACET and name != "year":
            return {}
        return self.facet_counts().get(name, {})

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """Every facet value in the index with its number of documents (most first)."""
        x = self._x
        with self._reading() as db:
            cache = self._generation_cache(db)
            if "facets" in cache:
                return cache["facets"]
            enq = x.Enquire(db)
            enq.set_query(x.Query(HEAD_TERM))
            spies = {n: x.ValueCountMatchSpy(s) for n, s in S_FACET.items()}
            spies["year"] = x.ValueCountMatchSpy(S_YEAR)
            for spy in spies.values():
                enq.add_matchspy(spy)
            enq.get_mset(0, 0, db.get_doccount())
            out: dict[str, dict[str, int]] = {}
            for name, spy in spies.items():
                c = {}
                for item in spy.values():
                    v = item.term.decode("utf-8")
                    c[str(int(v)) if name == "year" else v] = int(item.termfreq)
                if c:
                    out[name] = dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            cache["facets"] = out
            return out

    def get_document(self, doc_id: str) -> Document:
        with self._reading() as db:
            got = self._head_documents(db, [doc_id])
        if doc_id not in got:
            raise NotFound(f"no document with id {doc_id!r}", "check the id in search results")
        return got[doc_id]

    def _head_documents(self, db: Any, ids: list[str]) -> dict[str, Document]:
        """Documents by id (from the head records' data; cached per generation)."""
        x = self._x
        self._generation_cache(db)
        out: dict[str, Document] = {}
        with self._lock:
            for i in ids:
                d = self._docs.get(i)
                if d is not None:
                    out[i] = d
        missing = [i for i in dict.fromkeys(ids) if i not in out]
        if missing:
            enq = x.Enquire(db)
            enq.set_query(
                x.Query(x.Query.OP_OR, [x.Query(_bterm("I", i)) for i in missing])
                if len(missing) > 1
                else x.Query(_bterm("I", missing[0]))
            )
            enq.set_weighting_scheme(x.BoolWeight())
            mset = enq.get_mset(0, len(missing))
            mset.fetch()
            for item in mset:
                doc = Document.from_json(item.document.get_data().decode("utf-8"))
                out[doc.id] = doc
            with self._lock:
                for i in missing:
                    if i in out:
                        self._docs[i] = out[i]
                while len(self._docs) > MAX_CACHED_DOCS:
                    self._docs.popitem(last=False)
        return out

    # --- searching -------------------------------------------------------------------
    def search(
        self, plan: Plan, *, explain: bool = False, deadline: Deadline | None = None
    ) -> RawResults:
        """Run a plan within ``deadline`` (else ``time_limit`` seconds from now); past
        it, the results so far are returned, marked partial."""
        dl = deadline if deadline is not None else Deadline(self.time_limit)
        with self._reading() as db:
            res = self._search(db, plan, explain, dl)
        res.partial = dl.cut_short
        return res

    def _excluded_ids(self, db: Any, plan: Plan, base: Any, dl: Deadline) -> list[str] | None:
        """Ids of documents an exclusion removes (any passage of theirs matches), among
        the documents that match the rest; None when there is no exclusion."""
        x = self._x
        neg = [c for c in plan.clauses if c.occur == "must_not"]
        if not neg:
            return None
        qs = [_alt_query(x, a, plan) for c in neg for a in c.alts]
        q = qs[0] if len(qs) == 1 else x.Query(x.Query.OP_OR, qs)
        enq = x.Enquire(db)
        enq.set_query(q)
        enq.set_weighting_scheme(x.BoolWeight())
        enq.set_collapse_key(S_DOCID)
        enq.set_time_limit(max(0.001, dl.remaining()))
        n = db.get_doccount()
        ids = [item.collapse_key.decode("utf-8") for item in enq.get_mset(0, n, n)]
        if dl.expired():
            raise _TimeUp
        return ids

    # long: one Xapian Enquire set up and read in steps that share it, the deadline and the
    # window; not split yet (issue 14).
    def _search(self, db: Any, plan: Plan, explain: bool, dl: Deadline) -> RawResults:
        x = self._x
        n = db.get_doccount()
        if n == 0:
            return RawResults([], 0, True)
        q = build_query(x, plan)
        if q is None:
            if not plan.match_all_if_empty:
                return RawResults([], 0, True)
            q = x.Query(x.Query.OP_SCALE_WEIGHT, x.Query(HEAD_TERM), 0.0)
        flt = filter_query(x, plan)
        if flt is not None:
            q = x.Query(x.Query.OP_FILTER, q, flt)
        try:
            excluded = self._excluded_ids(db, plan, q, dl)
        except _TimeUp:
            return RawResults([], 0, False)  # unknown exclusions: show nothing
        if excluded:
            q = x.Query(
                x.Query.OP_AND_NOT,
                q,
                x.Query(x.Query.OP_OR, [x.Query(_bterm("Q", i)) for i in excluded]),
            )
        enq = x.Enquire(db)
        enq.set_query(q)
        enq.set_weighting_scheme(_weighting(x, plan.ranking))
        if plan.collapse:
            enq.set_collapse_key(S_META)
        if plan.sort == "date":
            enq.set_sort_by_value_then_relevance(S_DATE_DESC, False)
        elif plan.sort == "date_asc":
            enq.set_sort_by_value_then_relevance(S_DATE_ASC, False)
        else:
            enq.set_sort_by_relevance_then_value(S_DOCID, False)
        enq.set_docid_order(x.Enquire.ASCENDING)
        enq.set_time_limit(max(0.001, dl.remaining()))
        want = plan.offset + plan.limit
        # Every matching document is read only for facets (counted from collapse keys)
        # and title-first tiers; exact totals and date sorts only make Xapian check
        # every match (checkatleast); the authority prior reads a growing top.
        tiers = plan.title_first and plan.collapse and plan.sort == "relevance"
        if tiers and not plan.facets and not plan.authority_prior:
            return self._title_tiers(db, plan, q, want, n, explain, enq, dl)
        every = (plan.facets and plan.collapse) or tiers
        prior = plan.authority_prior and plan.collapse and plan.sort == "relevance" and not every
        check = n if (plan.exact_total or plan.sort != "relevance" or prior) else want
        if every:
            mset = enq.get_mset(0, n, n)
        elif prior:
            mset, items = self._prior_top(enq, want, n, plan.ranking)
        else:
            mset = enq.get_mset(plan.offset, plan.limit, check)
        if not prior:
            items = list(mset)
        # Past the limit Xapian stopped matching early: the results are marked partial.
        dl.expired()
        if every and plan.collapse:
            total, exact = len(items), True
        else:
            total = int(mset.get_matches_estimated())
            exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound()
            total = max(total, len(items) + (0 if every or prior else plan.offset))
        facets: dict[str, dict[str, int]] = {}
        if plan.facets and plan.collapse:
            facets = _facets(items, plan)
        if every or prior:
            if plan.sort == "relevance" and (plan.authority_prior or plan.title_first):
                scored = self._rerank(db, plan, q, items, want, dl)
            else:
                scored = [(it.weight, it) for it in items]
            window = scored[plan.offset : want]
            _prefetch(window)
        else:
            window = [(it.weight, it) for it in items]
            if window:
                mset.fetch()  # the hits' records in one go (remote: pipelined)
        return RawResults(self._hits(db, window, explain, enq), total, exact, facets)

    # long: title-first tiers as Xapian queries, each step using the options and groups of the one
    # before; not split yet (issue 14).
    def _title_tiers(
        self,
        db: Any,
        plan: Plan,
        q: Any,
        want: int,
        n: int,
        explain: bool,
        enq: Any,
        dl: Deadline,
    ) -> RawResults:
        """Title-first ranking (index.title_rank) as Xapian queries, without reading
        every match: exact titles, then each title-match strength (every clause
        matched in a title field at least that strongly), each tier ordered by the
        S_RANK value (level, in force, newer) then score; then the rest by score.
        Ties inside a tier fall to Xapian's document order (Whoosh: the id)."""
        from index.title_rank import TITLE_FIELD_FACTOR, TITLE_ORIGINS

        x = self._x
        origins = TITLE_ORIGINS if plan.title_expansions else ("user",)
        options: list[list[tuple[float, Any]]] = []
        for c in plan.clauses:
            if c.occur == "must_not":
                continue
            options.append(
                [
                    (
                        round(a.weight * TITLE_FIELD_FACTOR[f], 3),
                        _alt_query(x, Alt(a.words, 1.0, a.origin, (f,)), plan),
                    )
                    for a in c.alts
                    if a.origin in origins
                    for f in a.fields
                    if f in TITLE_FIELD_FACTOR
                ]
            )

        def at_least(level: float) -> Any | None:
            parts = []
            for opts in options:
                qs = [sq for st, sq in opts if st >= level and st > 0]
                if not qs:
                    return None
                parts.append(qs[0] if len(qs) == 1 else x.Query(x.Query.OP_OR, qs))
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else x.Query(x.Query.OP_AND, parts)

        groups: list[Any] = []
        reached = None
        for level in sorted({st for opts in options for st, _q in opts if st > 0}, reverse=True):
            cur = at_least(level)
            if cur is None:
                continue
            groups.append(cur if reached is None else x.Query(x.Query.OP_AND_NOT, cur, reached))
            reached = cur
        if plan.exact_title_lengths and groups:
            lengths = [
                x.Query(x.Query.OP_VALUE_RANGE, S_TITLE_LEN, f"{k:04d}", f"{k:04d}")
                for k in sorted(set(plan.exact_title_lengths))
            ]
            exact = lengths[0] if len(lengths) == 1 else x.Query(x.Query.OP_OR, lengths)
            groups = [x.Query(x.Query.OP_FILTER, g, exact) for g in groups] + [
                x.Query(x.Query.OP_AND_NOT, g, exact) for g in groups
            ]
        total = self._collapsed_count(q, n, dl)
        picked: list[tuple[float, Any]] = []
        for g in groups:
            if len(picked) >= want or dl.expired():
                break
            e = self._tier_enquire(x.Query(x.Query.OP_FILTER, q, g), dl, plan.ranking)
            e.set_sort_by_value_then_relevance(S_RANK, False)
            need = want - len(picked)
            # Read past the cut, then order ties by id as Whoosh does (Xapian's own tie
            # order is its document numbers, which differ between 1 and N shards).
            m = e.get_mset(0, need * 2 + 20)
            ranked = sorted(m, key=_tier_key)
            picked += [(it.weight, it) for it in ranked[:need]]
        if len(picked) < want and not dl.expired():
            rest_q = q if reached is None else x.Query(x.Query.OP_AND_NOT, q, reached)
            e = self._tier_enquire(rest_q, dl, plan.ranking)
            e.set_sort_by_relevance_then_value(S_DOCID, False)
            m = e.get_mset(0, want - len(picked))
            picked += [(it.weight, it) for it in m]
        dl.expired()  # marks a tiering cut short as partial
        window = picked[plan.offset : want]
        _prefetch(window)
        return RawResults(self._hits(db, window, explain, enq), total, True, {})

    def _collapsed_count(self, q: Any, n: int, dl: Deadline) -> int:
        """How many documents match ``q``, counted by Xapian without sending any hit:
        with a collapse key and every match checked, the lower bound is the exact
        number of distinct keys (one shard's documents never collapse with
        another's). Reading an MSet of every match instead cost a remote search
        its whole result list over the wire."""
        x = self._x
        e = x.Enquire(self._db())
        e.set_query(q)
        e.set_weighting_scheme(x.BoolWeight())
        e.set_collapse_key(S_META)
        e.set_time_limit(max(0.001, dl.remaining()))
        return int(e.get_mset(0, 0, n).get_matches_lower_bound())

    def _tier_enquire(self, q: Any, dl: Deadline, ranking: RankingProfile) -> Any:
        x = self._x
        e = x.Enquire(self._db())
        e.set_time_limit(max(0.001, dl.remaining()))
        e.set_query(q)
        e.set_weighting_scheme(_weighting(x, ranking))
        e.set_collapse_key(S_META)
        e.set_docid_order(x.Enquire.ASCENDING)
        return e

    def _prior_top(self, enq: Any, want: int, n: int, ranking: RankingProfile) -> tuple[Any, list]:
        """A top large enough that the authority prior (at most ``_max_authority``
        times a score) cannot lift a document from below it into the first ``want``."""
        m = max(want * 20, 200)
        top = _max_authority(ranking)
        while True:
            mset = enq.get_mset(0, m, n)
            items = list(mset)
            if len(items) < m:
                return mset, items
            adjusted = sorted(
                (it.weight * _authority(_parse_meta(it.collapse_key)[1], ranking) for it in items),
                reverse=True,
            )
            if adjusted[min(want, len(adjusted)) - 1] >= items[-1].weight * top:
                return mset, items
            m *= 4

    def _rerank(self, db: Any, plan: Plan, q: Any, items: list, want: int, dl: Deadline) -> list:
        """Authority prior (score times the document's weight) and title-first tiers
        (index.title_rank: documents whose titles hold the whole query first)."""
        metas = [_parse_meta(it.collapse_key)[1] if plan.collapse else {} for it in items]
        if plan.collapse and plan.authority_prior:
            scored = [
                (it.weight * _authority(m, plan.ranking), it, m)
                for it, m in zip(items, metas, strict=True)
            ]
        else:
            scored = [(it.weight, it, m) for it, m in zip(items, metas, strict=True)]
        if plan.title_first and plan.collapse and not dl.expired():
            return self._title_first(db, plan, q, scored, want)
        scored.sort(key=lambda t: (-round(t[0], 5), t[1].collapse_key))
        return [(sc, it) for sc, it, _m in scored]

    def _title_first(self, db: Any, plan: Plan, q: Any, scored: list, want: int) -> list:
        from index.title_rank import (
            STATUS_RANK,
            TITLE_FIELD_FACTOR,
            TITLE_ORIGINS,
            level_rank,
        )

        x = self._x
        origins = TITLE_ORIGINS if plan.title_expansions else ("user",)
        n = db.get_doccount()
        strength: dict[bytes, float] | None = None
        for c in plan.clauses:
            if c.occur == "must_not":
                continue
            hit: dict[bytes, float] = {}
            for a in c.alts:
                if a.origin not in origins:
                    continue
                for f in a.fields:
                    if f not in TITLE_FIELD_FACTOR:
                        continue
                    sub = _alt_query(x, Alt(a.words, 1.0, a.origin, (f,)), plan)
                    enq = x.Enquire(db)
                    enq.set_query(x.Query(x.Query.OP_FILTER, q, sub))
                    enq.set_weighting_scheme(x.BoolWeight())
                    enq.set_collapse_key(S_META)
                    val = a.weight * TITLE_FIELD_FACTOR[f]
                    for it in enq.get_mset(0, n, n):
                        if hit.get(it.collapse_key, 0.0) < val:
                            hit[it.collapse_key] = val
            strength = (
                hit
                if strength is None
                else {k: min(v, hit[k]) for k, v in strength.items() if k in hit}
            )
        strength = strength or {}
        exact_lengths = set(plan.exact_title_lengths)
        tier, rest = [], []
        for score, it, m in scored:
            s = strength.get(it.collapse_key, 0.0)
            if s > 0:
                level = level_rank(m.get("level", ""), m.get("region", ""), m.get("issuer", ""))
                status = STATUS_RANK.get(m.get("status", ""), 0)
                exact = bool(exact_lengths) and int(m.get("title_len") or 0) in exact_lengths
                date = int(m.get("date") or 0)
                key = (not exact, -round(s, 3), -level, -status, -date, -score, it.collapse_key)
                tier.append((key, it))
            else:
                rest.append((-round(score, 5), it.collapse_key, it))
        tier.sort(key=lambda t: t[0])
        rest.sort(key=lambda t: (t[0], t[1]))
        return [(k[5] * -1.0, it) for k, it in tier] + [(-t[0], t[2]) for t in rest]

    def _hits(self, db: Any, window: list, explain: bool, enq: Any) -> list[RawHit]:
        """RawHits of (score, MSet item) pairs: the records' passage numbers, then
        their documents (one query for all)."""
        if not window:
            return []
        ids: list[str] = []
        pidx: list[int] = []
        for _score, it in window:
            d = it.document
            ids.append(d.get_value(S_DOCID).decode("utf-8"))
            pidx.append(int(d.get_value(S_PIDX) or b"0"))
        docs = self._head_documents(db, ids)
        out = []
        for (score, it), i, p in zip(window, ids, pidx, strict=True):
            doc = docs.get(i)
            if doc is None:
                continue  # deleted between the two reads
            hit = RawHit(i, float(score), p, doc)
            if explain:
                for t in enq.matching_terms(it):
                    term = t.decode("utf-8") if isinstance(t, bytes) else t
                    for prefix, field in FIELD_OF_PREFIX.items():
                        if term.startswith(prefix):
                            hit.matched[f"{field}:{term[len(prefix) :]}"] = round(
                                float(it.weight), 3
                            )
            out.append(hit)
        return out


class _TimeUp(Exception):
    pass


def _prefetch(window: list) -> None:
    """Ask for the records of the hits shown only (remote shards: pipelined, one
    round trip), not for every item read to rank them. MSetItem keeps its MSet
    and position privately; the bindings are pinned (setup.cfg), and without
    them each record is simply read when first used."""
    for _score, it in window:
        try:
            m = it._mset
            m.fetch(m._get_hit_internal(it.rank - it._firstitem))
        except AttributeError:
            return


def _facets(items: list, plan: Plan) -> dict[str, dict[str, int]]:
    """Facet counts of the matching documents, from their collapse keys."""
    counts: dict[str, Counter] = {n: Counter() for n in (*FACET_FIELDS, "year")}
    months: Counter = Counter()
    one_year = plan.year_from is not None and plan.year_from == plan.year_to
    for it in items:
        _id, m = _parse_meta(it.collapse_key)
        for name, c in counts.items():
            v = m.get(name)
            if v:
                c[v] += 1
        if one_year:
            d = int(m.get("date") or 0)
            if d and (d // 100) % 100:
                months[f"{d // 10000}-{(d // 100) % 100:02d}"] += 1
    out = {name: dict(c.most_common()) for name, c in counts.items()}
    if one_year:
        out["month"] = dict(months.most_common())
    return out


class _LocalSink:
    """Writes documents into the shards from this process, one transaction each."""

    def __init__(self, backend: XapianBackend, timeout: float, rebuild: bool, meta: dict) -> None:
        self.dbs = backend._writers(timeout)
        self.meta = meta
        self.passages = 0
        self.problems: list[str] = []
        for db in self.dbs:
            db.begin_transaction()
            if rebuild:
                _clear(db)

    def put(self, shard: int, doc: Document, replace: bool) -> None:
        self.passages += _write(self.dbs[shard], doc, replace, self.problems)

    def commit(self) -> tuple[int, list[str]]:
        for k, db in enumerate(self.dbs):
            db.set_metadata(METADATA_KEY, json.dumps({**self.meta, "shard": k}))
            _bump_generation(db)
            db.commit_transaction()
        self.close()
        return self.passages, self.problems

    def abort(self) -> None:
        for db in self.dbs:
            with contextlib.suppress(Exception):
                db.cancel_transaction()
        self.close()

    def close(self) -> None:
        for db in self.dbs:
            with contextlib.suppress(Exception):
                db.close()
        self.dbs = []


def _bump_generation(db: Any) -> None:
    """Count one more commit of this shard (inside its transaction)."""
    db.set_metadata(GENERATION_KEY, str(int(db.get_metadata(GENERATION_KEY) or b"0") + 1))


def _clear(db: Any) -> None:
    for t in list(db.allterms("Q")):
        db.delete_document(t.term)


def _write(db: Any, doc: Document, replace: bool, problems: list[str]) -> int:
    try:
        xdocs = xapian_documents(doc)
    except Exception as e:  # skip this document, keep the run
        problems.append(f"{doc.origin or doc.id}: cannot be indexed ({type(e).__name__})")
        return 0
    if replace:
        db.delete_document(_bterm("Q", doc.id))
    for xd in xdocs:
        db.add_document(xd)
    return len(xdocs)


def _shard_worker(path: str, conn: Any, rebuild: bool, meta: str, inherited: list) -> None:
    """One shard's writer process: analyse and write the documents it is sent, commit
    on the final message, and answer (passages, problems) or an error. If the parent
    dies first, the pipe ends (EOF) and nothing is committed."""
    import xapian

    for c in inherited:  # the parent's pipe ends, copied by fork: EOF needs them closed
        c.close()

    problems: list[str] = []
    passages = 0
    try:
        db = xapian.WritableDatabase(path, xapian.DB_OPEN)
        db.begin_transaction()
        if rebuild:
            _clear(db)
        while True:
            batch = conn.recv()
            if batch is None:
                break
            for doc, replace in batch:
                passages += _write(db, doc, replace, problems)
        db.set_metadata(METADATA_KEY, meta)
        _bump_generation(db)
        db.commit_transaction()
        db.close()
        conn.send(("ok", passages, problems))
    except BaseException as e:  # reported to the parent
        with contextlib.suppress(Exception):
            conn.send(("error", type(e).__name__, str(e)[:300]))
    finally:
        conn.close()


class _ParallelSink:
    """One writer process per shard (forked: the glossary's words come along)."""

    BATCH = 64

    def __init__(self, backend: XapianBackend, timeout: float, rebuild: bool, meta: dict) -> None:
        import multiprocessing

        # Take and release every shard's lock first: a busy index fails here, clearly.
        for db in backend._writers(timeout):
            db.close()
        ctx = multiprocessing.get_context("fork")
        self.procs = []
        self.conns = []
        self.batches: list[list] = []
        for k in range(backend.shards):
            parent, child = ctx.Pipe()
            p = ctx.Process(
                target=_shard_worker,
                args=(
                    str(backend.shard_path(k)),
                    child,
                    rebuild,
                    json.dumps({**meta, "shard": k}),
                    [*self.conns, parent],
                ),
            )
            p.start()
            child.close()
            self.procs.append(p)
            self.conns.append(parent)
            self.batches.append([])

    def put(self, shard: int, doc: Document, replace: bool) -> None:
        b = self.batches[shard]
        b.append((doc, replace))
        if len(b) >= self.BATCH:
            self.conns[shard].send(b)
            self.batches[shard] = []

    def commit(self) -> tuple[int, list[str]]:
        for k, conn in enumerate(self.conns):
            if self.batches[k]:
                conn.send(self.batches[k])
            conn.send(None)
        passages, problems, errors = 0, [], []
        for k, conn in enumerate(self.conns):
            try:
                got = conn.recv()
            except EOFError:
                got = ("error", "the writer process died", "")
            if got[0] == "ok":
                passages += got[1]
                problems.extend(got[2])
            else:
                errors.append(f"shard {k}: {got[1]} {got[2]}")
        self.close()
        if errors:
            raise IndexWriteFailed(
                "writing some shards failed: " + "; ".join(errors),
                "fix the cause and run the same command again (done shards are skipped)",
            )
        return passages, problems

    def abort(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.kill()
        self.close()

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        for p in self.procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
        self.conns, self.procs = [], []


def parse_url(url: str) -> list[tuple[str, int]]:
    """``xapian+tcp://host:port,host:port`` -> [(host, port), ...]."""
    rest = url[len(URL_SCHEME) + 3 :].strip("/")
    out = []
    for part in rest.split(","):
        host, sep, port = part.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError(
                f"cannot read the shard address {part!r} in {url}",
                "write it like xapian+tcp://host1:7001,host2:7002",
            )
        out.append((host.strip("[]"), int(port)))
    return out


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_xapian(spec: str | os.PathLike, *, create: bool = False, **options: Any) -> XapianBackend:
    """The opener ``index.backends`` registers for ``xapian`` folders and URLs.
    ``shards`` is the count of a new index; an existing one must agree."""
    backend = XapianBackend(spec, create=create, **options)
    want = options.get("shards")
    if want and want != backend.shards:
        backend.close()
        raise InputError(
            f"{spec} already has {backend.shards} shards, not {want}",
            "drop --shards, or index into a new folder",
        )
    return backend
