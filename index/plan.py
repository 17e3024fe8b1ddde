"""The backend-neutral search plan: what search/ asks of an index backend.

Place in the flow: search/ parses and expands a user query into a ``Plan``;
an index backend executes it and returns ``RawResults``. Nothing in here
knows about an engine: every backend (Whoosh, the embedded default; others
registered with ``index.backends``) implements the ``Backend`` protocol below,
and everything above ``index/`` reaches an index only through it -- opened by
``index.backends.open_backend`` from the ``--index`` value.

Terms in a plan are already analyzed (index terms, as ``index.analysis.terms``
produces them), so every backend sees exactly the tokens the index holds. The
plan carries its ranking numbers (``index.ranking.RankingProfile``), which every
backend honours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from index.deadline import Deadline
from index.document import Document
from index.ranking import DEFAULT_RANKING, RankingProfile
from index.report import IndexReport

TEXT_FIELDS = ("title", "title_en", "title_draft", "body")
HAN_FIELDS = ("title", "body")  # fields where Chinese words can occur
EXPANSION_EN_FIELDS = ("title_en", "body")  # English renderings of a Chinese query


@dataclass(frozen=True)
class Alt:
    """One way a clause can match: a term (one word) or a phrase (several),
    with a weight (1.0 for the user's own words, less for expansions)."""

    words: tuple[str, ...]
    weight: float = 1.0
    origin: str = "user"  # "user" | "curated" | "user-glossary" | "cc-cedict"
    fields: tuple[str, ...] = TEXT_FIELDS
    display: str = ""  # the text the user typed or the rendering, for explain

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Clause:
    alts: tuple[Alt, ...]
    occur: Literal["must", "should", "must_not"] = "must"
    display: str = ""
    # Title-first ranking (index.title_rank) asks titles for every clause but these:
    # a word the user added to ask for documents (政策, 文件), not a topic word.
    title_optional: bool = False
    # A kind of document asked for in English after a topic (platform economy
    # regulations): not required, and inside a title tier the titles that hold it
    # come first (index.title_rank) -- an English kind word is looser than a
    # Chinese one (监管, 条例 or 法规 for "regulations").
    title_preferred: bool = False
    # Where the clause's words begin in the query (title_rank.title_phrases puts the
    # clauses back in the query's order); -1 for clauses made of words from several
    # places (OR groups, words typed apart joined) or by the engine.
    start: int = -1


@dataclass
class Plan:
    clauses: list[Clause]
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> any of values
    year_from: int | None = None
    year_to: int | None = None
    docnum_keys: tuple[str, ...] = ()  # document-number lookup keys (boost / match)
    sort: Literal["relevance", "date", "date_asc"] = "relevance"
    offset: int = 0
    limit: int = 10
    facets: bool = False
    exact_total: bool = False  # count every matching document even without facets
    match_all_if_empty: bool = False  # filter-only queries list documents
    collapse: bool = True  # one hit per document (its best passage); False: rank passages
    authority_prior: bool = False  # weigh national laws above local restatements (questions)
    # Title-first ranking (index.title_rank): titles holding the whole query first.
    title_first: bool = False
    exact_title_lengths: tuple[int, ...] = ()  # title token counts that make a match exact
    # The titles the query names (``normalize.compact_title``): inside the exact tier
    # these come first (刑法修正案 before the eleven 刑法修正案（N）, one token longer).
    own_titles: tuple[str, ...] = ()
    title_together: bool = False  # in the title tier, the query's words side by side first
    title_partial: bool = False  # then titles holding most of the words (title_rank.partial_need)
    title_weight: float | None = None  # query-time Chinese title weight (None: the default)
    title_expansions: bool = True  # glossary renderings count as title matches
    ranking: RankingProfile = DEFAULT_RANKING  # field weights, BM25 parameters, priors
    # Hits may carry light documents (``RawHit.light``): for callers that read only
    # the metadata and the head of the text of many hits (the title lookup's pools).
    # A backend may ignore it.
    light_documents: bool = False

    def cache_key(self) -> tuple:
        return (
            tuple(self.clauses),
            tuple(sorted(self.filters.items())),
            self.year_from,
            self.year_to,
            self.docnum_keys,
            self.sort,
            self.match_all_if_empty,
        )


@dataclass
class RawHit:
    doc_id: str
    score: float
    passage: int  # index into Document.passages (0 = head)
    document: Document
    matched: dict[str, float] = field(default_factory=dict)  # explain: "field:term" -> score
    # ``document`` is light: its text cut to LIGHT_TEXT characters and no passages
    # (only with ``Plan.light_documents``; read the whole one with ``get_document``).
    light: bool = False
    # The title-first tier the hit was ranked in (index.title_rank.TITLE_TIERS:
    # "exact", "title", "partial"); "" when ranked by its text or without title-first.
    tier: str = ""


# How much of the text a light document keeps.
LIGHT_TEXT = 4000


@dataclass
class RawResults:
    hits: list[RawHit]
    total: int  # distinct matching documents (exact with facets/exact_total, else a lower bound)
    total_exact: bool
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    partial: bool = False  # the time limit cut the search short


class Backend(Protocol):
    """What search/ and web/ may ask of an index, whatever the engine.

    Opening: ``index.backends.open_backend(spec, kind=None, create=False,
    **options)`` calls the engine's registered opener, ``opener(spec, create=...,
    **options)``. ``create`` makes an empty index where there is none; opening
    refuses a missing index (IndexMissing), one built by another version
    (IndexOutdated), a damaged one (IndexCorrupt) and a folder a service may not
    open (IndexNotAllowed) -- errors of ``index.errors``, never an engine's own.
    Options every opener accepts: ``verify`` ("full": check every file once per
    process, "size": cheaper, for ``check()`` which recomputes everything).

    Writing is atomic and durable: one commit per call, on disk when the call
    returns; a crash or a disk error leaves the previous commit intact.
    Searching is thread-safe and sees each new commit (this process's or
    another's) on the next search.

    Optional: ``search_pool`` (one scoring pass for a pool of top passages and the
    plain ranking, ``index.pool``); a backend without it gets the same results from
    two ``search`` calls.
    """

    path: Path  # the index folder (for messages and per-index caches)
    time_limit: float  # seconds a search may take without a ``deadline``

    # --- writing --------------------------------------------------------------
    def add_documents(
        self,
        docs: Iterable[Document | object],
        *,
        procs: int = 1,
        on_item: Callable[[object], None] | None = None,
        timeout: float = 0.0,
        rebuild: bool = False,
        optimize: bool = False,
    ) -> IndexReport:
        """Add or replace documents (same id replaces; an unchanged content hash is
        skipped). Items that are not Documents are reader problems, counted in the
        report. ``rebuild`` drops every document not in ``docs``; ``timeout`` waits
        that long for another writer (then IndexBusy)."""
        ...

    def delete_documents(self, ids: list[str]) -> int:
        """Remove these documents; how many were there."""
        ...

    def existing_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed document (incremental indexing)."""
        ...

    # --- searching ------------------------------------------------------------
    def search(
        self, plan: Plan, *, explain: bool = False, deadline: Deadline | None = None
    ) -> RawResults:
        """Run a plan: filters, facets, phrases, best passage per document
        (``plan.collapse``), date sorts, ``explain`` (per-term scores in
        ``RawHit.matched``). Past ``deadline`` (default: ``time_limit`` seconds) the
        results so far come back with ``partial`` set -- fewer documents, never a
        wrong one."""
        ...

    @property
    def last_search_partial(self) -> bool:
        """Whether this thread's latest search was cut short (HTTP caching: a partial
        answer is never cached)."""
        ...

    def search_lazy(self, plan: Plan, *, time_limit: float | None = None) -> RawResults:
        """``search`` whose hits are an iterator read as it is consumed (exports)."""
        ...

    def get_document(self, doc_id: str) -> Document:
        """The stored document (NotFound when there is none)."""
        ...

    # --- corpus statistics ----------------------------------------------------
    def doc_count(self) -> int:
        """Documents in the index."""
        ...

    def doc_frequency(self, field: str, word: str) -> int:
        """Index records holding the analyzed ``word`` in ``field`` (0: none) --
        for pruning common words and spotting unknown ones; cheap to call often."""
        ...

    def field_values(self, name: str) -> dict[str, int]:
        """Every value of a filter field with its document count, most first."""
        ...

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """Every facet's values with their document counts, most first."""
        ...

    # --- generations, verification, lifecycle -----------------------------------
    def generation(self) -> int:
        """The latest committed generation (grows with each commit; -1: none).
        Caches keyed on it are dropped when another commit lands; searches reopen
        on their own."""
        ...

    def reopen(self) -> None:
        """See the latest commit now (searches also do so on their own)."""
        ...

    def check(self) -> dict[str, object]:
        """Verify everything (``duizhao check``); IndexCorrupt when damaged."""
        ...

    def check_reading(self) -> dict[str, object]:
        """Read the index as searches do, once per generation (health checks)."""
        ...

    def check_glossary(self, fingerprint: str) -> None:
        """IndexOutdated when the index was segmented with other glossary words."""
        ...

    def meta(self) -> dict[str, Any]:
        """The settings the index was built with (schema version, glossary ...)."""
        ...

    def close(self) -> None:
        """Release every reader and file this backend opened."""
        ...
