"""Law abbreviations (search/law_abbreviations.py): where they are read, and that the
table names laws the sample corpus holds."""

from __future__ import annotations

import gzip
import json

import pytest

from index.config import shared_data_dir
from search import law_abbreviations as la


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("刑诉法", "刑事诉讼法"),
        ("《个保法》", "《个人信息保护法》"),
        ("民诉法第一百二十二条", "民事诉讼法第一百二十二条"),
        ("民诉法122条", "民事诉讼法122条"),
        ("个保法 告知同意", "个人信息保护法 告知同意"),
        ("环保法规", "环保法规"),  # "environmental regulations": part of a longer word
        ("中国人民银行法", "中国人民银行法"),  # the full name holds 人民银行法
        ("证券投资基金法", "证券投资基金法"),
        ("取消法定", "取消法定"),
        ("", ""),
    ],
)
def test_expand_reads_only_whole_words(typed: str, searched: str) -> None:
    text, named = la.expand(typed)
    assert text == searched
    assert bool(named) == (typed != searched)


def test_expand_reports_each_abbreviation() -> None:
    _text, named = la.expand("刑诉法 民诉法")
    assert named == [("刑诉法", "刑事诉讼法"), ("民诉法", "民事诉讼法")]


def test_every_name_is_a_law_of_the_sample_corpus() -> None:
    """A row whose name no law title holds would send a reader to nothing."""
    path = shared_data_dir() / "laws.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        titles = [json.loads(line)["title"] for line in f]
    missing = [n for n in la.table().values() if not any(n in t for t in titles)]
    assert not missing
    assert all(a not in la.table().values() for a in la.table())  # no identity rows
