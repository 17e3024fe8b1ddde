"""Fixture corpus and app builder for the web tests (UI, API, browser, schemathesis).

Not a conftest plugin: test modules import it (``from conftest_web import ...``)
and wrap it in their own fixtures. The documents are written here for the
tests (nothing is copied from ../shared): a law with chapters and articles, a
hostile document carrying ``<script>`` and ``"onmouseover=`` in every field,
a traditional-character document, an English-titled one and a batch of
notices for facets and paging.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

from index import segmenter
from index.document import Document, EnglishTitle
from index.report import IndexReport

XSS_TITLE = '关于<script>window.__xss=1</script>平台经济"onmouseover=window.__xss=2 x="的通知'
XSS_BODY = (
    "第一条 为了促进平台经济健康发展，<script>window.__xss=3</script>制定本通知。\n"
    '第二条 平台企业应当"onmouseover=window.__xss=4 x=" 加强数据安全管理。'
    '<img src=x onerror="window.__xss=5">\n'
    "第三条 本通知自发布之日起施行。"
)
XSS_ID = "xss-1"
LAW_ID = "law-dsl"

LAW_BODY = """第一章 总则
第一条 为了规范数据处理活动，保障数据安全，促进数据开发利用，保护个人、组织的合法权益，维护国家主权、安全和发展利益，制定本法。
第二条 在中华人民共和国境内开展数据处理活动及其安全监管，适用本法。
第三条 本法所称数据，是指任何以电子或者其他方式对信息的记录。
第二章 数据安全与发展
第四条 国家统筹发展和安全，坚持以数据开发利用和产业发展促进数据安全，以数据安全保障数据开发利用和产业发展。
第五条 国家实施大数据战略，推进数据基础设施建设，鼓励和支持数据在各行业、各领域的创新应用。
第三章 数据安全制度
第六条 国家建立数据分类分级保护制度，对数据实行分类分级保护。
第七条 国家建立集中统一、高效权威的数据安全风险评估、报告、信息共享、监测预警机制。
第四章 附则
第八条 本法自发布之日起施行。
"""


# Seconds per search for tests of behaviour: far above any search on the fixtures, so a
# loaded CI machine never cuts one short (the time limit's own tests set theirs).
FUNCTIONAL_TIME_LIMIT = 60.0


def fixture_documents() -> list[Document]:
    docs = [
        Document(
            id=LAW_ID,
            title="中华人民共和国数据安全法",
            titles_en=[
                EnglishTitle("Data Security Law of the People's Republic of China", "npc.gov.cn")
            ],
            level="法律",
            doctype="法",
            issuer="全国人民代表大会常务委员会",
            region="全国",
            issue_date="2021-06-10",
            effective_date="2021-09-01",
            status="现行有效",
            url="https://example.org/law/dsl",
            source="laws",
            body=LAW_BODY,
        ),
        Document(
            id=XSS_ID,
            title=XSS_TITLE,
            titles_en=[
                EnglishTitle(
                    'Notice on the <b>Platform Economy</b> "onmouseover=window.__xss=6 x="',
                    "draft <script>window.__xss=7</script>",
                    attested=False,
                )
            ],
            level="规范性文件",
            issuer='<i>国务院办公厅</i>"onmouseover=window.__xss=8 x="',
            region="全国",
            docnum="国办发〔2019〕38号",
            issue_date="2019-08-08",
            status="现行有效",
            url="javascript:window.__xss=9",
            source="policy_titles",
            body=XSS_BODY,
        ),
        Document(
            id="trad-1",
            title="勞動合同管理辦法",
            level="地方政府规章",
            issuer="某市人民政府",
            region="广东省",
            issue_date="2015-03-01",
            status="现行有效",
            source="user",
            body="第一條 為規範勞動合同管理，制定本辦法。\n第二條 用人單位解除勞動合同，應當依法支付經濟補償。",
        ),
        Document(
            id="en-1",
            title="关于促进平台经济规范健康发展的指导意见",
            titles_en=[
                EnglishTitle(
                    "Guiding Opinions on Promoting the Standardized and Healthy Development of the Platform Economy",
                    "english.www.gov.cn",
                )
            ],
            level="规范性文件",
            issuer="国务院办公厅",
            region="全国",
            docnum="国办发〔2019〕39号",
            issue_date="2019-08-01",
            source="en_titles",
        ),
        Document(
            id="report-1",
            title="2023年政府工作报告",
            level="工作报告",
            issuer="国务院",
            region="全国",
            issue_date="2023-03-05",
            source="work_reports",
            body="过去一年，我们加强个人信息保护，推进数据安全治理，平台经济健康发展。\n今年要稳就业、保民生。",
        ),
    ]
    levels = ["部门规章", "规范性文件", "地方性法规"]
    regions = ["北京市", "上海市", "广东省", "全国"]
    for i in range(30):
        docs.append(
            Document(
                id=f"notice-{i:02d}",
                title=f"关于加强数据安全管理工作的通知（第{i + 1}号）",
                level=levels[i % 3],
                issuer=["工业和信息化部", "国家互联网信息办公室", "北京市人民政府"][i % 3],
                region=regions[i % 4],
                issue_date=f"{2015 + i % 9}-0{1 + i % 9}-1{i % 10}",
                status="现行有效" if i % 5 else "已废止",
                source="policy_titles",
                body=f"各有关单位：为加强数据安全管理，现就第{i + 1}项工作通知如下。一、落实个人信息保护责任。",
            )
        )
    return docs


_LOCK = threading.Lock()
_BUILT: dict[str, Any] = {}


def glossary() -> Any:
    """The shipped glossary without CC-CEDICT (fast, deterministic)."""
    from index.glossary import Glossary

    with _LOCK:
        if "glossary" not in _BUILT:
            _BUILT["glossary"] = Glossary.load(cedict=False)
        return _BUILT["glossary"]


def configure_segmenter() -> None:
    """The index below is segmented with the glossary's words; other test modules
    reset the process-wide segmenter, so every web test sets it back (no-op if same)."""
    segmenter.configure(glossary().segmentation_words())


def build_index(root: Path) -> Path:
    """Write the fixture index under ``root`` once per session; return its folder."""
    from search.engine import Engine

    with _LOCK:
        path = _BUILT.get("index")
        if path is not None:
            return path
    path = root / "web-index"
    configure_segmenter()
    engine = Engine(path, glossary=glossary(), create=True)
    report = engine.backend.add_documents(fixture_documents())
    assert not report.problems, report.problems
    engine.backend.close()
    with _LOCK:
        _BUILT["index"] = path
    return path


def copy_index(root: Path) -> Path:
    """A private copy of the fixture index, ``root / "index"``, that a test may add to."""
    index = root / "index"
    shutil.copytree(build_index(root), index)
    return index


def add_documents(index: Path, docs: list[Document]) -> IndexReport:
    """Add ``docs`` to the index at ``index`` through a writer of its own, closed after."""
    from search.engine import Engine

    configure_segmenter()
    writer = Engine(index, glossary=glossary())
    try:
        return writer.backend.add_documents(docs)
    finally:
        writer.backend.close()


def make_app(root: Path, **config: Any) -> Any:
    from web.app import create_app

    path = build_index(root)
    configure_segmenter()
    # A generous time limit unless a test sets one: pages must not lose hits on a loaded
    # machine (the server's own default is checked in test_web_security).
    config.setdefault("SEARCH_TIME_LIMIT", FUNCTIONAL_TIME_LIMIT)
    return create_app({"INDEX_DIR": str(path), "GLOSSARY": glossary(), "TESTING": True, **config})
