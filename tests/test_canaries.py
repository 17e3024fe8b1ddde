"""Glossary edits that change segmentation force a reindex, and after it every
canary query still finds its document (issue 6: full recall across edits).

reliability.md measured the failure this guards against: adding glossary words
to jieba without reindexing turned canary queries from 1 hit to 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index import segmenter
from index.document import Document
from index.errors import IndexOutdated
from index.glossary import Glossary
from index.whoosh_backend import WhooshBackend
from search.engine import Engine, SearchRequest

FIXTURE = Path(__file__).parent / "fixtures" / "glossary_small.tsv"

# Policy compounds jieba's own dictionary does not hold whole (written for this test).
CANARIES = [
    "新质生产力",
    "放管服",
    "双循环",
    "碳达峰",
    "专精特新",
    "数据要素",
    "统一大市场",
    "营商环境",
    "平台经济",
    "数字政府",
    "共同富裕",
    "乡村振兴",
    "链长制",
    "河长制",
    "林长制",
    "一网通办",
    "跨省通办",
    "一件事一次办",
    "证照分离",
    "多规合一",
    "新基建",
    "东数西算",
    "揭榜挂帅",
    "赛马制",
    "双减",
    "双碳",
    "稳链补链",
    "首台套",
    "专班推进",
    "容缺受理",
    "免申即享",
    "一业一证",
    "告知承诺制",
    "区块链赋能",
    "数实融合",
    "算力网络",
    "智慧城市",
    "城市更新",
    "海绵城市",
    "无废城市",
    "标准地",
    "亩均论英雄",
    "放心消费",
    "两新融合",
    "数字孪生",
    "低空经济",
    "银发经济",
    "首发经济",
    "冰雪经济",
    "夜间经济",
]


def build(path: Path, glossary: Glossary) -> WhooshBackend:
    segmenter.configure(glossary.segmentation_words())
    b = WhooshBackend(path, create=True)
    docs = [
        Document(
            id=f"canary-{i}",
            title=f"关于推进{term}工作的通知",
            body=f"各单位：要深入推进{term}，抓好落实。",
        )
        for i, term in enumerate(CANARIES)
    ]
    b.add_documents(docs, rebuild=True)
    return b


def recall(engine: Engine) -> int:
    found = 0
    for i, term in enumerate(CANARIES):
        ids = [
            h.doc.id for h in engine.search(SearchRequest(q=term, per_page=5, expand=False)).hits
        ]
        found += f"canary-{i}" in ids
    return found


@pytest.mark.slow
def test_canaries_keep_full_recall_across_glossary_edits(tmp_path: Path) -> None:
    assert len(CANARIES) >= 50
    before = Glossary.load(shipped=[FIXTURE], cedict=False)
    user = tmp_path / "mine.tsv"
    user.write_text(
        "".join(f"{t}\tcanary term {i}\tpolicy\n" for i, t in enumerate(CANARIES)), encoding="utf-8"
    )
    after = Glossary.load([user], shipped=[FIXTURE], cedict=False)
    assert before.fingerprint() != after.fingerprint()

    idx = tmp_path / "ix"
    build(idx, before).close()
    assert recall(Engine(idx, glossary=before)) == len(CANARIES)

    # The edit changes segmentation: the old index is refused, never silently mixed.
    with pytest.raises(IndexOutdated):
        Engine(idx, glossary=after)
    # (What the guard prevents: searching the old index with the new segmentation.)
    stale = recall(Engine(idx, glossary=after, check_glossary=False))
    assert stale < len(CANARIES)

    build(idx, after).close()  # the reindex the error asks for
    assert recall(Engine(idx, glossary=after)) == len(CANARIES)

    # And back again.
    with pytest.raises(IndexOutdated):
        Engine(idx, glossary=before)
    build(idx, before).close()
    assert recall(Engine(idx, glossary=before)) == len(CANARIES)
    segmenter.configure([])
