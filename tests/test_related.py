"""The words a related-documents search leaves out of a title's topic (search/related.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.doctypes import DOCTYPES, TITLE_ENDINGS
from index.document import Document
from search.related import NOISE_FILE, NOISE_KINDS, read_noise, topic_words
from search.title_lexicon import TitleDataError, data_rows


def test_noise_file_is_checked(tmp_path: Path) -> None:
    p = tmp_path / "n.tsv"
    base = "glue\t关于\ntype\t通知\nverb\t促进\n"
    p.write_text(base, encoding="utf-8")
    assert read_noise(p) == frozenset({"关于", "通知", "促进"})
    for bad, reason in [
        ("glue", "2 fields"),
        ("noun\t经济", "unknown kind"),
        ("glue\tthe", "not Chinese"),
        ("verb\t通知", "twice"),
    ]:
        p.write_text(base + bad + "\n", encoding="utf-8")
        with pytest.raises(TitleDataError) as e:
            read_noise(p)
        assert reason in e.value.message and "n.tsv line 4" in e.value.message
    p.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(TitleDataError, match="no words"):
        read_noise(p)


def test_shipped_noise_types_are_document_types() -> None:
    rows = [(kind, word) for _where, (kind, word) in data_rows(NOISE_FILE, ("kind", "word"))]
    assert {kind for kind, _ in rows} == set(NOISE_KINDS)
    types = {word for kind, word in rows if kind == "type"}
    assert types <= set(TITLE_ENDINGS)
    assert not {word for kind, word in rows if kind == "glue"} & set(TITLE_ENDINGS)
    # Not derived from index.doctypes (read_noise says why): some types are not noise.
    assert set(DOCTYPES) - read_noise()


def test_topic_leaves_out_glue_types_and_verbs() -> None:
    doc = Document(
        id="t1",
        title="国务院办公厅关于促进平台经济规范健康发展的指导意见",
        issuer="国务院办公厅",
        doctype="指导意见",
    )
    words = topic_words(doc)
    assert "平台" in words or "平台经济" in words
    assert not words & read_noise()
