"""The ranking profile: the numbers every backend ranks a plan with.

Place in the flow: search/ builds a ``Plan`` (index.plan) that carries a
``RankingProfile``; each backend reads it -- the Whoosh backend builds its BM25F
weighting and its vectorized scorer from it, a second engine maps the same
numbers onto its own BM25 -- so the ranking is defined once, here, and no
backend hides a weight of its own.

Scoring is BM25F per field, summed over a clause's alternatives:

* ``index_boosts``: a field's weight at indexing time (Whoosh stores it in the
  schema; an engine without index-time boosts multiplies the field's score);
* ``field_weights``: a query-time multiplier of a field's BM25 score (on top of
  the index-time boost); ``Plan.title_weight`` overrides the Chinese title's;
* ``k1``, ``b`` and ``field_b``: BM25's term-frequency saturation and length
  normalisation (per field where it differs);
* ``authority_prior``: a document's score is multiplied by the factor of its
  level and of its region, when the plan asks for the prior (questions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


# Index-time field weights: Chinese title 3.0 (times the query-time 0.4 below),
# English titles 2.5 (attested and drafts alike), body 1.0.
INDEX_BOOSTS: Mapping[str, float] = _frozen(
    {"title": 3.0, "title_en": 2.5, "title_draft": 2.5, "body": 1.0}
)

# Query-time field weights. The Chinese title is repeated on every passage record,
# so at full weight a title word (纠纷, 经营) outranks the article that answers a
# question; 0.4 keeps a title match above one body match while letting body
# evidence decide between passages (STARD dev, see search/evaluate.py).
FIELD_WEIGHTS: Mapping[str, float] = _frozen({"title": 0.4})

# BM25 parameters: k1 1.2 and b 0.75 are the classic defaults; titles are short
# and repeated on every passage, so their length normalisation is damped.
K1 = 1.2
B = 0.75
FIELD_B: Mapping[str, float] = _frozen({"title": 0.3, "title_en": 0.3})

# A static prior for question ranking: a layperson's legal question is answered first
# by national laws and judicial interpretations; local regulations mostly restate
# them. Tuned on the STARD dev questions (README: article R@100 0.568 -> 0.627,
# nDCG@10 0.295 -> 0.345); applied only to long questions.
AUTHORITY_PRIOR: Mapping[str, Mapping[str, float]] = _frozen(
    {
        "level": _frozen({"法律": 1.4, "司法解释": 1.2, "行政法规": 1.1}),
        "region": _frozen({"全国": 1.5}),
    }
)


@dataclass(frozen=True)
class RankingProfile:
    """The scoring numbers of one search (see the module docstring)."""

    index_boosts: Mapping[str, float] = field(default_factory=lambda: INDEX_BOOSTS)
    field_weights: Mapping[str, float] = field(default_factory=lambda: FIELD_WEIGHTS)
    k1: float = K1
    b: float = B
    field_b: Mapping[str, float] = field(default_factory=lambda: FIELD_B)
    authority_prior: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: AUTHORITY_PRIOR
    )

    def field_weight(self, name: str, title_weight: float | None = None) -> float:
        """The query-time weight of field ``name`` (``title_weight``: the plan's
        override of the Chinese title's)."""
        if name == "title" and title_weight is not None:
            return title_weight
        return self.field_weights.get(name, 1.0)

    def b_of(self, name: str) -> float:
        """BM25's length normalisation for field ``name``."""
        return self.field_b.get(name, self.b)

    def prior(self, level: str, region: str) -> float:
        """The authority factor of a document of this level and region (1.0: none)."""
        p = self.authority_prior
        return p.get("level", {}).get(level, 1.0) * p.get("region", {}).get(region, 1.0)


DEFAULT_RANKING = RankingProfile()
