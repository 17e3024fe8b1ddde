"""News mentions in the browser's server and the API: /mentions (form, GET and POST) and
/api/v1/mentions give the same answers as `duizhao mentions` (search.mentions)."""

from __future__ import annotations

import pytest
from conftest_web import LAW_ID

from search.mentions import MAX_TEXT_CHARS, analyze_mentions

TEXT = (
    "The General Office of the State Council issued the \u201cGuiding Opinions on Promoting "
    "the Standardized and Healthy Development of the Platform Economy\u201d (Guobanfa [2019] "
    "No. 39). Data handlers must also follow the Data Security Law of the People's Republic "
    "of China. Shandong province issued 《山东省关于加快平台经济发展的实施意见》 later."
)


def test_api_post_matches_the_library(app, client) -> None:
    r = client.post("/api/v1/mentions", json={"text": TEXT})
    assert r.status_code == 200, r.data[:300]
    body = r.get_json()
    expected = analyze_mentions(app.extensions["duizhao"].get_engine(), TEXT).to_dict()
    assert {k: v for k, v in body.items() if k != "warnings"} == expected
    assert body["warnings"] == []
    found = {c["id"] for m in body["mentions"] for c in m["candidates"][:1] if m["exact_match"]}
    assert {"en-1", LAW_ID} <= found
    # The Shandong document is not in the fixture index: said so, closest shown.
    sd = next(m for m in body["mentions"] if m["zh"].startswith("山东省"))
    assert not sd["exact_match"]
    assert "not in the index" in sd["message"] or "No document" in sd["message"]


def test_api_post_plain_text_full_size_chinese(client) -> None:
    r = client.post("/api/v1/mentions", data=TEXT.encode("utf-8"), content_type="text/plain")
    assert r.status_code == 200 and len(r.get_json()["mentions"]) >= 3
    # The documented limit fits the body limit in UTF-8: 20,000 Chinese characters.
    article = ("《中华人民共和国数据安全法》规定了数据处理。" * 1000)[:MAX_TEXT_CHARS]
    r = client.post("/api/v1/mentions", data=article.encode("utf-8"), content_type="text/plain")
    assert r.status_code == 200, r.data[:200]
    assert r.get_json()["mentions"][0]["candidates"][0]["id"] == LAW_ID
    r = client.post("/mentions", data={"text": article}, content_type="multipart/form-data")
    assert r.status_code == 200 and f'href="/doc/{LAW_ID}"' in r.get_data(as_text=True)


def test_api_get_for_short_texts(client) -> None:
    body = client.get("/api/v1/mentions", query_string={"text": TEXT, "utm_source": "x"})
    assert body.status_code == 200
    assert body.get_json()["warnings"] == []
    assert len(body.get_json()["mentions"]) >= 3


@pytest.mark.parametrize(
    "kwargs,status",
    [
        ({"json": {"text": ""}}, 400),
        ({"json": {"text": "  "}}, 400),
        ({"json": {"text": 5}}, 400),
        ({"json": ["text"]}, 400),
        ({"json": {"text": "x", "extra": 1}}, 400),
        ({"data": "not json", "content_type": "application/json"}, 400),
        ({"data": "<text>x</text>", "content_type": "application/xml"}, 400),
        ({"data": b"caf\xe9", "content_type": "text/plain"}, 400),
        ({"data": b"", "content_type": "text/plain"}, 400),
        ({"json": {"text": "a" * (MAX_TEXT_CHARS + 1)}}, 400),
        ({"data": b"x" * (65 * 1024), "content_type": "application/json"}, 413),
    ],
)
def test_api_bad_bodies_are_clear_errors(client, kwargs: dict, status: int) -> None:
    r = client.post("/api/v1/mentions", **kwargs)
    assert r.status_code == status, r.data[:200]
    err = r.get_json()["error"]
    assert err["status"] == status and err["message"]


def test_api_get_without_text_is_a_400(client) -> None:
    r = client.get("/api/v1/mentions")
    assert r.status_code == 400 and r.get_json()["error"]["message"]


def test_mentions_page_form_and_results(client) -> None:
    r = client.get("/mentions")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'name="text"' in html and 'method="post"' in html
    assert 'enctype="multipart/form-data"' in html  # UTF-8 as is: the full size fits 64 KB
    assert f'maxlength="{MAX_TEXT_CHARS}"' in html
    r = client.post("/mentions", data={"text": TEXT})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "found exactly in the index" in html
    assert 'href="/doc/en-1"' in html and f'href="/doc/{LAW_ID}"' in html
    assert "山东省关于加快平台经济发展的实施意见" in html  # the text stays in the box
    # A shareable GET link gives the same page.
    html2 = client.get("/mentions", query_string={"text": TEXT}).get_data(as_text=True)
    assert html2.count('class="hit mention"') == html.count('class="hit mention"') >= 3


def test_mentions_page_errors_are_friendly(client) -> None:
    r = client.post("/mentions", data={"text": "a" * (MAX_TEXT_CHARS + 1)})
    assert r.status_code == 400 and "too long" in r.get_data(as_text=True)
    r = client.post("/mentions", data={"text": "No titles here at all."})
    assert r.status_code == 200 and "No policy-document mention found" in r.get_data(as_text=True)
