"""One display name per issuer, the other language beside it (issue 10).

An English issuer name the glossary or the alias table knows is stored in Chinese at
import, so the English-titled records and the Chinese sources count under one issuer;
the facet list, the API's ``facet_labels`` and the document page show
"国务院办公厅 · General Office of the State Council", and the stored value stays the
filter value. Real readers, a real small index, the Flask test client."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest_web import configure_segmenter, glossary

from index.glossary import Glossary
from index.issuers import LABEL_SEPARATOR, IssuerNames, english_key, shipped_issuer_names
from index.readers import read_paths
from search.engine import Engine

GOSC = "国务院办公厅"
GOSC_EN = "General Office of the State Council"


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


# --- the names -----------------------------------------------------------------------


def test_english_key_ignores_the_and_the_country() -> None:
    k = english_key("Ministry of Commerce")
    assert english_key("the Ministry of Commerce of the People's Republic of China") == k
    assert english_key("ministry of commerce of the peoples republic of china") == k
    assert english_key("Ministry of Finance") != k


def test_rules_on_a_glossary_and_alias_table_written_here(tmp_path: Path) -> None:
    gl = tmp_path / "g.tsv"
    gl.write_text(
        "全国人大\tNational People's Congress | NPC\tissuer\n"
        "全国人民代表大会\tNational People's Congress | NPC\tissuer\n"
        "某某部\tMinistry of Something | MOS\tissuer\n"
        "某某厅\tSomething Department\tissuer\n",
        encoding="utf-8",
    )
    aliases = tmp_path / "a.tsv"
    aliases.write_text(
        "issuer\t某某厅\tmoumouting | Something Dept | Something Bureau\n"
        "issuer\t某某部\tMOS\n"
        "region\t全国\tChina\n",
        encoding="utf-8",
    )
    names = IssuerNames(Glossary.load(cedict=False, shipped=[gl]), aliases)
    # Several Chinese names for one English name: the full one.
    assert names.stored("National People's Congress") == "全国人民代表大会"
    assert names.stored("the NPC") == "全国人民代表大会"
    # The alias table names the stored form; pinyin and abbreviations are not labels.
    assert names.stored("Something Bureau") == "某某厅"
    assert names.label("某某厅") == f"某某厅{LABEL_SEPARATOR}Something Department"
    assert names.stored("Ministry of Something of the People's Republic of China") == "某某部"
    # Unknown, Chinese and empty names are kept as written.
    assert names.stored("Jinan Investment Promotion Bureau") == "Jinan Investment Promotion Bureau"
    assert names.stored("某某部") == "某某部"
    assert names.stored("") == ""
    assert names.label("Jinan Investment Promotion Bureau") == "Jinan Investment Promotion Bureau"
    assert names.label("某市人民政府") == "某市人民政府"
    # Joint issuers in English: the Chinese names first when every part is known.
    joint = "Ministry of Something, Something Department"
    assert names.stored(joint) == joint
    assert names.label(joint) == f"某某部、某某厅{LABEL_SEPARATOR}{joint}"
    both = "Something Department and Ministry of Something"
    assert names.label(both) == f"某某厅、某某部{LABEL_SEPARATOR}{both}"
    assert names.label("Something Department and Unknown Office") == (
        "Something Department and Unknown Office"
    )
    assert names.label("Ministry of Something, Unknown Office") == (
        "Ministry of Something, Unknown Office"
    )
    assert names.labels(["某某部", "某市人民政府", "MOS"]) == {
        "某某部": f"某某部{LABEL_SEPARATOR}Ministry of Something",
        "MOS": f"某某部{LABEL_SEPARATOR}MOS",
    }


@pytest.mark.parametrize(
    "english,stored",
    [
        ("State Council of the People's Republic of China", "国务院"),
        (GOSC_EN, GOSC),
        (
            "Ministry of Industry and Information Technology of the People's Republic of China",
            "工业和信息化部",
        ),
        ("Standing Committee of the National People's Congress", "全国人民代表大会常务委员会"),
        ("NPC Standing Committee", "全国人民代表大会常务委员会"),
    ],
)
def test_shipped_tables_store_known_english_names_in_chinese(english: str, stored: str) -> None:
    names = shipped_issuer_names()
    assert names.stored(english) == stored
    assert names.label(stored).startswith(stored + LABEL_SEPARATOR)


def test_import_stores_the_chinese_name(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "en.jsonl",
        [
            {
                "id": "e1",
                "title_en": "Notice A",
                "content_zh": "正文一。",
                "release_department_en": GOSC_EN,
            },
            {
                "id": "e2",
                "title_en": "Notice B",
                "content_zh": "正文二。",
                "release_department_en": "Example County Bureau of Nothing",
            },
        ],
    )
    docs = {d.id: d for d in read_paths([src]) if hasattr(d, "issuer")}
    assert docs["e1"].issuer == GOSC
    assert docs["e2"].issuer == "Example County Bureau of Nothing"


# --- facets, API, UI on a real index -------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    from web.app import create_app

    root = tmp_path_factory.mktemp("issuers")
    en = _write(
        root / "en_titles.jsonl",
        [
            {
                "id": "en-gosc",
                "title_en": "Opinions on the Platform Economy",
                "content_zh": "促进平台经济健康发展。",
                "release_department_en": GOSC_EN,
                "level": "central",
            }
        ],
    )
    zh = _write(
        root / "docs.jsonl",
        [
            {
                "id": "zh-gosc",
                "title": "国务院办公厅关于平台经济的意见",
                "issuer": GOSC,
                "body": "平台经济规范发展。",
            },
            {
                "id": "zh-local",
                "title": "某市平台经济通知",
                "issuer": "某市人民政府",
                "body": "平台经济。",
            },
        ],
    )
    configure_segmenter()
    path = root / "index"
    eng = Engine(path, glossary=glossary(), create=True)
    report = eng.backend.add_documents(d for d in read_paths([en, zh]) if hasattr(d, "issuer"))
    assert not report.problems, report.problems
    eng.backend.close()
    return create_app({"INDEX_DIR": str(path), "GLOSSARY": glossary(), "TESTING": True})


def test_api_one_issuer_value_with_a_label(client) -> None:
    body = client.get("/api/v1/search", query_string={"q": "平台经济", "facets": "true"}).get_json()
    assert body["facets"]["issuer"] == {GOSC: 2, "某市人民政府": 1}
    assert body["facet_labels"]["issuer"] == {GOSC: f"{GOSC}{LABEL_SEPARATOR}{GOSC_EN}"}
    # The stored value is the filter value, and the English name still filters.
    for value in (GOSC, GOSC_EN):
        got = client.get("/api/v1/search", query_string={"q": "平台经济", "issuer": value})
        assert sorted(h["id"] for h in got.get_json()["hits"]) == ["en-gosc", "zh-gosc"]


def test_api_without_facets_has_no_labels(client) -> None:
    body = client.get("/api/v1/search", query_string={"q": "平台经济"}).get_json()
    assert body["facet_labels"] == {}


def test_openapi_documents_facet_labels(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    props = spec["components"]["schemas"]["SearchResponse"]["properties"]
    assert "stored value" in props["facet_labels"]["description"]


def test_ui_facet_shows_the_label_and_links_the_stored_value(client) -> None:
    html = client.get("/search", query_string={"q": "平台经济"}).get_data(as_text=True)
    facet = html[html.index("<h2>发布机关 Issuer</h2>") :]
    facet = facet[: facet.index("</section>")]
    assert f"{GOSC}{LABEL_SEPARATOR}{GOSC_EN}" in facet
    assert f"issuer={quote(GOSC)}" in facet
    assert GOSC_EN not in facet.replace(f"{GOSC}{LABEL_SEPARATOR}{GOSC_EN}", "")  # one entry
    filtered = client.get("/search", query_string={"q": "平台经济", "issuer": GOSC})
    assert f"{GOSC}{LABEL_SEPARATOR}{GOSC_EN}" in filtered.get_data(as_text=True)


@pytest.mark.parametrize("doc_id", ["en-gosc", "zh-gosc"])
def test_document_page_shows_the_issuer_in_both_languages(client, doc_id: str) -> None:
    html = client.get(f"/doc/{doc_id}").get_data(as_text=True)
    assert f"{GOSC}{LABEL_SEPARATOR}{GOSC_EN}" in html
