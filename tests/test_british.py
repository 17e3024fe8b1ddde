"""British spellings (index/british.py): folded to American ones by the analyzer (index
and queries) and in English matching (``en_key``), so a query written the way UK and
Hong Kong news write it finds what the American spelling finds (the whole-corpus
checks are in tests/test_intent_corpus.py)."""

from __future__ import annotations

import pytest

from index.analysis import en_key
from index.british import american, ise_words, word_table


@pytest.mark.parametrize(
    ("british", "us"),
    [
        ("labour", "labor"),
        ("defence", "defense"),
        ("centre", "center"),
        ("programme", "program"),
        ("standardisation", "standardization"),
        ("organised", "organized"),
        ("prioritising", "prioritizing"),
        ("notarisation", "notarization"),
        ("analyse", "analyze"),
        ("paediatric", "pediatric"),
    ],
)
def test_british_words_get_their_american_spelling(british: str, us: str) -> None:
    assert american(british) == us
    assert en_key(british) == en_key(us)


@pytest.mark.parametrize(
    "word",
    # -ise in American English too; a vowel before -ise; -wise; short stems (crises);
    # "analyses" is also the plural of analysis; American words stay as they are.
    [
        "advertise",
        "enterprises",
        "exercising",
        "revised",
        "premises",
        "raise",
        "noise",
        "otherwise",
        "crises",
        "analyses",
        "sunrise",
        "labor",
        "defense",
        "organization",
        "law",
    ],
)
def test_words_that_are_no_british_spelling_stay(word: str) -> None:
    assert american(word) == word


def test_spelling_tables_are_well_formed() -> None:
    table = word_table()
    assert len(table) > 100
    for british, us in table.items():
        assert british.isalpha() and us.isalpha() and british.islower() and us.islower()
        assert british != us
        assert us not in table, f"{us} is American, it is no key of the table"
    assert all(w.endswith("ise") for w in ise_words())


def test_index_and_queries_take_the_american_spelling() -> None:
    """The analyzer folds both sides, so a British query finds American text and the
    other way round; -ization words keep "ize" (urbanization is not urban)."""
    from index.analysis import terms as analyze

    assert analyze("Labour Protection Centre") == analyze("labor protection center")
    assert analyze("urbanisation") == analyze("urbanization") == ["urbanize"]
    assert analyze("urbanization") != analyze("urban")
    assert analyze("industrialization") != analyze("industry")
