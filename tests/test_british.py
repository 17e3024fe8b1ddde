"""British spellings (index/british.py): folded to American ones in English matching
(``en_key``) and searched beside the word as typed, so a query written the way UK and
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


def test_expansion_searches_the_american_spelling_in_the_users_fields() -> None:
    from index.glossary import Glossary
    from search.expand import expand

    exps = expand("labour protection", Glossary.load(cedict=False))
    spelled = [e for e in exps if e.origin == "spelling"]
    assert [(e.source, e.target, e.target_lang) for e in spelled] == [("labour", "labor", "en")]
    assert not [
        e for e in expand("labor protection", Glossary.load(cedict=False)) if e.origin == "spelling"
    ]
