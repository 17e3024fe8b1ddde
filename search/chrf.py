"""chrF: character n-gram F-score, the metric of the draft-title evaluation.

Place in the flow: used only by ``benchmarks/title_draft_eval.py`` and its
test, to score :mod:`search.title_draft` drafts against official English
titles. It reproduces sacrebleu's default ``CHRF()`` (char order 6, word order
0, beta 2, whitespace removed, effective-order averaging of precision and
recall) so figures are comparable with published ones, without making
sacrebleu a dependency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from index.errors import InputError

ORDER = 6
BETA = 2.0


def _stats(hyp: str, ref: str) -> list[int]:
    """[hyp count, ref count, matches] for each n-gram order 1..6."""
    hyp, ref = "".join(hyp.split()), "".join(ref.split())
    out: list[int] = []
    for n in range(1, ORDER + 1):
        h = Counter(hyp[i : i + n] for i in range(len(hyp) - n + 1))
        r = Counter(ref[i : i + n] for i in range(len(ref) - n + 1))
        out += [sum(h.values()), sum(r.values()), sum((h & r).values())]
    return out


def _f_score(stats: Sequence[int]) -> float:
    # Average precision and recall over the orders both sides have, then F-beta
    # (sacrebleu >= 2 with eps_smoothing=False, its default).
    factor = BETA**2
    prec_sum = rec_sum = 0.0
    effective = 0
    for i in range(ORDER):
        n_hyp, n_ref, n_match = stats[3 * i : 3 * i + 3]
        if n_hyp > 0 and n_ref > 0:
            prec_sum += n_match / n_hyp
            rec_sum += n_match / n_ref
            effective += 1
    if effective == 0:
        return 0.0
    prec, rec = prec_sum / effective, rec_sum / effective
    if prec + rec == 0:
        return 0.0
    return 100 * (1 + factor) * prec * rec / (factor * prec + rec)


def chrf(hypothesis: str, reference: str) -> float:
    """Sentence chrF (0..100) of one hypothesis against one reference."""
    return _f_score(_stats(hypothesis, reference))


def corpus_chrf(hyps: Sequence[str], refs: Sequence[str]) -> float:
    """Corpus chrF: n-gram statistics summed over all pairs, then one F-score."""
    if len(hyps) != len(refs):
        raise InputError(f"{len(hyps)} hypotheses but {len(refs)} references")
    total = [0] * (3 * ORDER)
    for h, r in zip(hyps, refs):
        total = [a + b for a, b in zip(total, _stats(h, r))]
    return _f_score(total)
