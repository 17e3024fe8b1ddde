"""Whoosh's per-term explanation (index.whoosh_ranking.explain_scores) with words the
index lacks: they score nothing and say so by their absence, not by an error."""

from __future__ import annotations

from pathlib import Path

from whoosh import query as Q

from index.whoosh_backend import WhooshBackend
from index.whoosh_ranking import explain_scores


def test_missing_terms_and_fields_are_left_out(fixture_index: Path) -> None:
    backend = WhooshBackend(fixture_index)
    try:
        with backend.searcher() as s:
            word = next(iter(s.lexicon("title")))
            word = word.decode() if isinstance(word, bytes) else word
            docnum = s.postings("title", word).id()  # a record holding the word
            q = Q.Or(
                [
                    Q.Term("title", word),
                    Q.Term("title", "zzqqxxnotaword"),
                    Q.Term("nosuchfield", word),
                    Q.Phrase("title", [word, "zzqqxxnotaword"]),
                ]
            )
            got = explain_scores(s, q, docnum)
    finally:
        backend.close()
    # Only the indexed word scores; the rest are skipped, not raised.
    assert list(got) == [f"title:{word}"] and got[f"title:{word}"] > 0
