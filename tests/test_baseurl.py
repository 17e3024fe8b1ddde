"""Citation links (web/baseurl.py): a configured base URL, never the client's Host header.

A forged Host header (``evil.example``) must not reach the citation line a user copies.
The real server is tried in tests/test_front.py; these cover each setting.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest_web import configure_segmenter, make_app

from index.errors import DuizhaoError

FORGED = "evil.example"
DOC_ID = "trad-1"  # a fixture document without a source URL of its own


def citation(root: Path, **config: object) -> str:
    app = make_app(root, **config)
    configure_segmenter()
    r = app.test_client().get(f"/doc/{DOC_ID}", headers={"Host": FORGED})
    assert r.status_code == 200
    m = re.search(r'<pre id="citation"[^>]*>(.*?)</pre>', r.get_data(as_text=True), re.S)
    assert m, "no citation line"
    app.extensions["duizhao"].engine.backend.close()
    return m.group(1)


def test_unset_gives_a_path_without_the_forged_host(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUIZHAO_BASE_URL", raising=False)
    line = citation(tmp_path_factory.mktemp("cite-unset"))
    assert line.endswith(f", /doc/{DOC_ID}")
    assert FORGED not in line


@pytest.mark.parametrize("base", ["https://policy.example.org", "https://x.example.org/dz/"])
def test_configured_base_url_is_used(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    monkeypatch.delenv("DUIZHAO_BASE_URL", raising=False)
    line = citation(tmp_path_factory.mktemp("cite-set"), BASE_URL=base)
    assert line.endswith(f", {base.rstrip('/')}/doc/{DOC_ID}")
    assert FORGED not in line


def test_environment_sets_it_too(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUIZHAO_BASE_URL", "http://127.0.0.1:8080")
    line = citation(tmp_path_factory.mktemp("cite-env"))
    assert line.endswith(f", http://127.0.0.1:8080/doc/{DOC_ID}")


def test_request_host_only_when_explicitly_allowed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    line = citation(tmp_path_factory.mktemp("cite-request"), BASE_URL="request")
    assert line.endswith(f", http://{FORGED}/doc/{DOC_ID}")


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "ftp://x.org", "https://x.org/?q=1", "https://x y.org", "x.org"]
)
def test_a_bad_base_url_is_refused_at_start_up(
    tmp_path_factory: pytest.TempPathFactory, bad: str
) -> None:
    with pytest.raises(DuizhaoError, match="base URL must look like") as e:
        make_app(tmp_path_factory.mktemp("cite-bad"), BASE_URL=bad)
    assert "--base-url" in e.value.hint
