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
