"""Words whose Porter stems collide keep index terms of their own (index/stems.py,
index/data/stem_exceptions.tsv), in documents, queries and English matching alike."""

from __future__ import annotations

import pytest
from whoosh.lang.porter import stem as porter_stem

from index.analysis import en_key, latin_term
from index.stems import exceptions


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("general", "generation"),
        ("generative", "generation"),
        ("internal", "international"),
        ("securities", "security"),
        ("emergency", "emerging"),
        ("university", "universal"),
        ("minority", "minor"),
        ("news", "new"),
        ("important", "import"),
        ("community", "communication"),
        ("procurement", "procurator"),
        ("publication", "public"),
        ("production", "product"),
    ],
)
def test_words_of_other_meanings_get_other_terms(word: str, other: str) -> None:
    assert porter_stem(word) == porter_stem(other)  # the collision the table undoes
    assert latin_term(word) != latin_term(other)
    assert en_key(f"the {word} office") != en_key(f"the {other} office")


@pytest.mark.parametrize(
    ("word", "family"),
    [
        ("generally", "general"),
        ("generations", "generation"),
        ("generated", "generation"),
        ("securities", "securities"),
        ("universities", "university"),
        ("emergencies", "emergency"),
        ("productivity", "producing"),
        ("publications", "publish"),
        ("Internationally", "international"),
    ],
)
def test_inflected_forms_keep_their_family(word: str, family: str) -> None:
    assert latin_term(word.lower()) == latin_term(family)


def test_every_row_changes_what_porter_would_give() -> None:
    table = exceptions()
    assert len(table) > 40
    for word, term in table.items():
        assert word.isascii() and word.islower() and term.isalpha(), word
        assert porter_stem(word) != term, f"{word}: Porter gives {term} already"


def test_an_edit_to_the_table_makes_older_indexes_outdated(monkeypatch) -> None:
    """The table decides index terms: its rows are part of the analysis fingerprint, so an
    index built before an edit is refused (rebuild) instead of searched with other terms."""
    from index import segmenter, stems

    before = segmenter.fingerprint_of(["平台经济"])
    edited = {**exceptions(), "generative": "gener"}
    monkeypatch.setattr(stems, "exceptions", lambda: edited)
    segmenter._term_tables.cache_clear()
    try:
        assert segmenter.fingerprint_of(["平台经济"]) != before
    finally:
        monkeypatch.undo()
        segmenter._term_tables.cache_clear()
    assert segmenter.fingerprint_of(["平台经济"]) == before
