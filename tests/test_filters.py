"""Filters that speak both languages: region, level, doctype and issuer values in English,
pinyin, short forms or another Chinese form resolve to the values the index stores; an
unknown value gets a notice with the nearest values; filter keys are never expanded as
search words. Real engine on the fixture index, through the API, the UI and the query syntax."""

from __future__ import annotations

import pytest

from search.filters import key, load_aliases, region_stem


def api(client, **params) -> dict:
    r = client.get("/api/v1/search", query_string={"q": "数据安全", "per_page": 100, **params})
    assert r.status_code == 200, r.data[:300]
    return r.get_json()


def test_key_and_region_stem() -> None:
    assert key("Shan-dong  Province") == key("shandong province") == "shandongprovince"
    assert key("People’s Court") == key("peoples court")
    assert key("廣東") == key("广东")
    assert [region_stem(x) for x in ("山东省", "广西壮族自治区", "北京市", "全国", "鲁")] == [
        "山东",
        "广西",
        "北京",
        "全国",
        "鲁",
    ]


@pytest.mark.parametrize(
    "name,typed,stored",
    [
        ("region", "Guangdong", "广东省"),
        ("region", "guangdong province", "广东省"),
        ("region", "粤", "广东省"),
        ("region", "广东", "广东省"),
        ("region", "Beijing", "北京市"),
        ("region", "京", "北京市"),
        ("region", "nationwide", "全国"),
        ("level", "law", "法律"),
        ("level", "departmental rules", "部门规章"),
        ("level", "bumen guizhang", "部门规章"),
        ("level", "Local Regulations", "地方性法规"),
        ("issuer", "MIIT", "工业和信息化部"),
        ("issuer", "工信部", "工业和信息化部"),
        ("issuer", "Ministry of Industry and Information Technology", "工业和信息化部"),
        ("issuer", "NPCSC", "全国人民代表大会常务委员会"),
        ("issuer", "全国人大常委会", "全国人民代表大会常务委员会"),
        ("issuer", "State Council", "国务院"),
        ("issuer", "guowuyuan", "国务院"),
        ("status", "repealed", "已废止"),
        ("doctype", "Law", "法"),
    ],
)
def test_other_names_find_the_stored_value(client, name: str, typed: str, stored: str) -> None:
    direct = api(client, **{name: stored})
    assert direct["total"] > 0 and not any("searched as" in n for n in direct["notices"])
    body = api(client, **{name: typed})
    assert body["total"] == direct["total"]
    assert {h["id"] for h in body["hits"]} == {h["id"] for h in direct["hits"]}
    assert all(h[name] == stored for h in body["hits"])
    assert any(f"{typed!r} is searched as {stored}" in n for n in body["notices"]), body["notices"]


def test_the_query_syntax_resolves_too_and_never_expands_filter_keys(client) -> None:
    direct = api(client, region="广东省")
    r = client.get(
        "/api/v1/search", query_string={"q": "数据安全 region:Guangdong", "per_page": 100}
    )
    body = r.get_json()
    assert body["total"] == direct["total"] > 0
    sources = " ".join(e["source"] for e in body["expansions"]).lower()
    assert "region" not in sources and "guangdong" not in sources
    targets = {e["target"] for e in body["expansions"]}
    assert not targets & {"区域", "地区", "广东", "广东省"}
    # Chinese keys and English words in one query: only 数据安全 is expanded.
    body = client.get(
        "/api/v1/search", query_string={"q": 'data security 地区:京 level:"departmental rules"'}
    )
    body = body.get_json()
    assert body["total"] > 0
    assert all(h["region"] == "北京市" and h["level"] == "部门规章" for h in body["hits"])
    assert {e["source"].lower() for e in body["expansions"]} <= {
        "data security",
        "data",
        "security",
    }


@pytest.mark.parametrize(
    "name,typed,nearest",
    [
        ("region", "Guangdongg", "广东省"),
        ("region", "Bejing", "北京市"),
        ("level", "nonsense", None),
        ("level", "lwa", "法律"),
        ("issuer", "State Councill", "国务院"),
    ],
)
def test_unknown_value_gets_a_notice_with_nearest_values(
    client,
    name: str,
    typed: str,
    nearest: str | None,
) -> None:
    body = api(client, **{name: typed})
    assert body["total"] == 0
    notice = next(n for n in body["notices"] if n.startswith(f"No document has {name} {typed!r}"))
    if nearest:
        assert "Nearest values:" in notice and nearest in notice
    else:
        assert "Values with the most documents:" in notice


def test_ui_shows_the_notice(client) -> None:
    html = client.get("/search?q=数据安全&region=Guangdong").get_data(as_text=True)
    assert "is searched as 广东省" in html and "No documents found" not in html
    html = client.get("/search?q=数据安全&level=nonsense").get_data(as_text=True)
    assert "No document has level" in html


def test_alias_file_is_well_formed_and_names_known_fields() -> None:
    from search.engine import FILTER_NAMES

    tables = load_aliases()
    assert set(tables) <= set(FILTER_NAMES)
    seen: dict[tuple[str, str], str] = {}
    for name, rows in tables.items():
        for value, aliases in rows:
            assert aliases and all(a for a in aliases), (name, value)
            for a in aliases:
                # One alias never means two values of one field.
                assert seen.setdefault((name, key(a)), value) == value, (name, a)
