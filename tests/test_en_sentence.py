"""A document's name read out of the English news sentence around it (search/en_sentence.py),
in the search box's intent and the title lookup's cleaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.en_sentence import document_name, sentence_words
from search.intent import _EN_TITLE_WORDS, classify, english_name
from search.title_lexicon import TitleDataError

KINDS = _EN_TITLE_WORDS
NAME = "Notice on Strengthening the Management of Mobile Intelligent Terminals"


@pytest.mark.parametrize(
    "sentence",
    [
        f"The government issued the {NAME} on Tuesday.",
        f"according to the {NAME}",
        f"According to the {NAME}, phones must be registered.",
        f"Under the {NAME} (June 10, 2021)",
        f"{NAME} was released by the ministry last week",
        f"The ministry unveiled a new {NAME} to curb misuse",
    ],
)
def test_the_name_is_read_out_of_the_sentence(sentence: str) -> None:
    assert english_name(sentence) == NAME
    intent = classify(sentence)
    assert intent.kind == "en_title" and intent.text == NAME
    assert intent.note == "cleaned: " + NAME


def test_the_sentences_places_and_issuers_are_kept_before_the_name() -> None:
    s = "Shandong issued the Implementation Opinions on Accelerating the Push for Internet Platform Economies on Monday"
    assert document_name(s, KINDS) == (
        "Shandong Implementation Opinions on Accelerating the Push for Internet Platform Economies"
    )
    s = "China's State Council on Monday released the Guiding Opinions on Promoting the Platform Economy, officials said."
    assert (
        document_name(s, KINDS)
        == "China's State Council Guiding Opinions on Promoting the Platform Economy"
    )


@pytest.mark.parametrize(
    "text",
    [
        NAME,  # a title as typed
        "Measures for the Administration of e-Commerce Platforms",  # a capital inside a word
        "Implementation Opinions on Accelerating the Push for Internet Platform economies",  # one stray word
        "Notice Of The General Office Of The State Council On Issuing The Work Plan",  # every word capitalised
        "how to apply for minimum living allowance",  # no name in it
        "The minister said the Three Words Were Important on Monday",  # a long run, no kind of document
        "平台经济 Notice on the Platform Economy issued today",  # Chinese in it
        "Notice on A, B and C of the Platform Economy",  # a comma ends a run, no sentence around it
        "Implementation Plan for Promoting Common Prosperity through the Digital Economy",
        'Guidelines for Cooperation between the Foundation and the Fund on "Smart Cities"',
        "Opinions on Speeding up the Implementation of Free Trade Zone Strategy",
        "Interim Measures for the List Management of Talents who enjoy Preferential Tax Policies",
        "Notice of the State Council on Printing and issuing of the Overall Plan for the Zone",
    ],
)
def test_text_without_a_sentence_around_a_name_is_unchanged(text: str) -> None:
    assert document_name(text, KINDS) is text


def test_a_passage_is_not_searched_for_a_name() -> None:
    passage = f"The government issued the {NAME} on Tuesday. " + "More words follow here. " * 40
    assert document_name(passage, KINDS) is passage


def test_a_malformed_word_table_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "words.txt"
    bad.write_text("tuesday\tday\n", encoding="utf-8")
    with pytest.raises(TitleDataError, match="words.txt line 1: unknown role 'day'"):
        sentence_words.__wrapped__(bad)
    bad.write_text("tuesday date\n", encoding="utf-8")
    with pytest.raises(TitleDataError, match="expected 2 fields"):
        sentence_words.__wrapped__(bad)
    bad.write_text("tuesday\tdate\nTuesday\tdate\n", encoding="utf-8")
    with pytest.raises(TitleDataError, match="line 2: 'Tuesday' date is not a new word"):
        sentence_words.__wrapped__(bad)
    words = sentence_words()
    assert words["tuesday"] == {"date"} and words["the"] == {"lead", "small", "det"}
