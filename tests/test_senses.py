"""CC-CEDICT senses that policy text does not use are not searched: single characters
and senses no indexed document contains (search/senses.py), on a real small index."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import segmenter
from index.document import Document
from index.glossary import Glossary
from search.engine import Engine, SearchRequest

SMALL = Path(__file__).parent / "fixtures" / "glossary_small.tsv"
CEDICT = (
    "# CC-CEDICT-format lines written for this test\n"
    "推動 推动 [tui1 dong4] /to push (for)/to promote/\n"
    "捘 捘 [zun4] /to push/\n"
    "巧克力 巧克力 [qiao3 ke4 li4] /chocolate/\n"
    "朱古力 朱古力 [zhu1 gu3 li4] /chocolate/\n"
    "工廠 工厂 [gong1 chang3] /factory/\n"
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("senses")
    (root / "cedict.u8").write_text(CEDICT, encoding="utf-8")
    g = Glossary.load(cedict=True, shipped=[SMALL], cedict_path=root / "cedict.u8")
    eng = Engine(root / "index", glossary=g, create=True)
    docs = [
        Document(id="d1", title="关于推动工厂安全生产的通知", body="各工厂要推动安全生产。"),
        Document(id="d2", title="关于加强消防工作的意见", body="加强消防安全。"),
    ]
    assert not eng.backend.add_documents(docs).problems
    yield eng
    eng.backend.close()
    segmenter.configure([])


def expansions(engine: Engine, q: str) -> list[tuple[str, str]]:
    resp = engine.search(SearchRequest(q=q))
    return [(e.source, e.target) for e in resp.expansions if e.origin == "cc-cedict"]


def test_single_characters_and_unused_senses_are_dropped(engine: Engine) -> None:
    assert expansions(engine, "push") == [("push", "推动")]  # not 捘
    assert expansions(engine, "chocolate") == []  # 巧克力, 朱古力: in no document
    assert expansions(engine, "factory") == [("factory", "工厂")]


def test_a_kept_sense_still_finds_the_chinese_document(engine: Engine) -> None:
    resp = engine.search(SearchRequest(q="push factory"))
    assert [h.doc.id for h in resp.hits] == ["d1"]
