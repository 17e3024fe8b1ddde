"""The backend-neutral search plan: what search/ asks of an index backend.

Place in the flow: search/ parses and expands a user query into a ``Plan``;
an index backend (``index.whoosh_backend`` today, a sharded distributed
engine later) executes it and returns ``RawResults``. Nothing in here knows
about Whoosh, so a second backend implements the same small contract:

    add_documents(docs) / delete_documents(ids) / get_document(id)
    search(plan) -> RawResults     (filters, facets, best passage per document)

Terms in a plan are already analyzed (index terms, as ``index.analysis.terms``
produces them), so every backend sees exactly the tokens the index holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from index.document import Document

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
    title_weight: float | None = None  # query-time Chinese title weight (None: the default)
    title_expansions: bool = True  # glossary renderings count as title matches

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


@dataclass
class RawResults:
    hits: list[RawHit]
    total: int  # distinct matching documents (exact with facets/exact_total, else a lower bound)
    total_exact: bool
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    partial: bool = False  # the time limit cut the search short


class Backend(Protocol):
    def add_documents(self, docs, **kwargs) -> object: ...  # noqa: ANN001
    def delete_documents(self, ids: list[str]) -> int: ...
    def get_document(self, doc_id: str) -> Document: ...
    def search(self, plan: Plan) -> RawResults: ...
    def doc_count(self) -> int: ...
    def field_values(self, name: str) -> dict[str, int]: ...
