"""Title-only records explained: the page says the record holds the title and metadata
only and links the record's source; validity reads "not recorded" where the data has
none; related documents share the title's topic (not merely its issuer)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest_web import configure_segmenter, glossary

from index.document import Document

PT = "规范性文件"
DOCS = [
    # (id, title, issuer, url)
    ("pt-henan-platform", "河南省人民政府办公厅关于加快平台经济健康发展的实施意见", "河南省人民政府办公厅", "https://www.henan.gov.cn/2022/06-10/2465586.html"),
    ("pt-sc-platform", "国务院办公厅关于促进平台经济规范健康发展的指导意见", "国务院办公厅", "http://www.gov.cn/zhengce/content/2019-08/08/content_5419761.htm"),
    ("pt-henan-roads", "河南省人民政府办公厅关于加强公路通行费收费管理工作的通知", "河南省人民政府办公厅", "https://www.henan.gov.cn/2008/1.html"),
    ("pt-henan-rail", "河南省人民政府办公厅关于加快河南铁路建设的通知", "河南省人民政府办公厅", "https://www.henan.gov.cn/2010/2.html"),
    ("pt-henan-platform-2", "河南省人民政府办公厅关于推动平台经济规范发展的通知", "河南省人民政府办公厅", ""),
    ("pt-js", "javascript 链接的平台经济记录", "某市人民政府", "javascript:alert(1)"),
]  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    from search.engine import Engine
    from web.app import create_app

    path: Path = tmp_path_factory.mktemp("title-only") / "index"
    configure_segmenter()
    engine = Engine(path, glossary=glossary(), create=True)
    docs = [
        Document(id=i, title=t, issuer=iss, url=u, level=PT, region="河南", source="policy_titles")
        for i, t, iss, u in DOCS
    ]
    docs.append(
        Document(
            id="law-full",
            title="某省数据条例",
            level="地方性法规",
            status="现行有效",
            url="https://example.org/law",
            body="第一条 为了规范数据处理活动，制定本条例。",
        )
    )
    report = engine.backend.add_documents(docs)
    assert not report.problems
    engine.backend.close()
    app = create_app({"INDEX_DIR": str(path), "GLOSSARY": glossary(), "TESTING": True})
    configure_segmenter()
    return app.test_client()


def page(client, doc_id: str, **params) -> str:
    r = client.get(f"/doc/{doc_id}", query_string=params)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def related_ids(html: str) -> list[str]:
    part = html.split("Related 相关文件")[1] if "Related 相关文件" in html else ""
    return re.findall(r'href="/doc/([^"?#]+)"', part)


def test_title_only_page_says_so_and_links_the_source(client) -> None:
    html = page(client, "pt-henan-platform", q="平台经济")
    assert "holds the title and metadata only" in html and "本条仅收录标题和元数据" in html
    assert 'href="https://www.henan.gov.cn/2022/06-10/2465586.html"' in html
    assert ">www.henan.gov.cn</a>" in html
    assert "are highlighted" not in html  # there is no text to highlight
    assert re.search(r"<dt>效力 Validity</dt><dd lang=\"en\">not recorded 未记录</dd>", html)
    assert "未知" not in html


def test_title_only_without_a_usable_link(client) -> None:
    html = page(client, "pt-henan-platform-2")
    assert "No link to its text is recorded." in html
    html = page(client, "pt-js")
    assert (
        "No link to its text is recorded." in html
        and "javascript:alert" not in html.split("</h1>")[1].split("Cite")[0]
    )


def test_full_text_record_is_not_called_title_only(client) -> None:
    html = page(client, "law-full", q="数据")
    assert "title and metadata only" not in html
    assert "Original source" in html and "are highlighted" in html
    assert '<dd lang="zh">现行有效</dd>' in html


def test_related_documents_share_the_topic_not_just_the_issuer(client) -> None:
    ids = related_ids(page(client, "pt-henan-platform"))
    assert set(ids[:2]) == {"pt-henan-platform-2", "pt-sc-platform"}  # the same topic
    # Same issuer, other topics (roads, railways) are not related.
    assert "pt-henan-roads" not in ids and "pt-henan-rail" not in ids
    assert "pt-henan-platform" not in ids
    ids = related_ids(page(client, "pt-sc-platform"))
    assert set(ids) >= {"pt-henan-platform", "pt-henan-platform-2"}
    assert "pt-henan-roads" not in ids
