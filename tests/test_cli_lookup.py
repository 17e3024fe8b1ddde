"""Tests for web/cli_lookup.py: the title, mentions, glossary and suggest
commands through ``web.cli.main`` on the fixture index."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from test_titles import PLATFORM_EN, PLATFORM_ZH, build_index

from web.cli import main


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "index"
    build_index(path)
    return path


def run_json(capsys: pytest.CaptureFixture, *argv: str) -> dict | list:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_title_json_zh(index: Path, capsys: pytest.CaptureFixture) -> None:
    d = run_json(capsys, "--index", str(index), "title", PLATFORM_ZH, "--json")
    assert d["kind"] == "zh_title" and d["exact_match"] is True
    assert d["candidates"][0]["id"] == "gov-platform"
    assert d["draft"]["text"].startswith("Guiding Opinions of the General Office")
    assert "not an official" in d["draft"]["label"]


def test_title_json_en_and_limit(index: Path, capsys: pytest.CaptureFixture) -> None:
    d = run_json(capsys, "--index", str(index), "title", PLATFORM_EN, "--json", "--limit", "2")
    assert d["kind"] == "en_title" and len(d["candidates"]) <= 2
    top = d["candidates"][0]
    assert top["id"] == "gov-platform" and 0 < top["confidence"] <= 1
    assert {e["kind"] for e in top["evidence"]} >= {"issuer", "doctype", "terms"}


def test_title_text_output(index: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--index", str(index), "title", "Guobanfa (2019) No. 38"]) == 0
    out = capsys.readouterr().out
    assert PLATFORM_ZH in out and "confidence" in out
    assert main(["--index", str(index), "title", "中华人民共和国数据安全法"]) == 0
    out = capsys.readouterr().out
    assert "Data Security Law of the People's Republic of China" in out
    assert "source: NPC Observer" in out
    # A draft lists where its words came from (CC-CEDICT for 蘑菇, no glossary has it).
    assert main(["--index", str(index), "title", "国务院关于促进蘑菇种植的意见"]) == 0
    out = capsys.readouterr().out
    assert "words from cc-cedict: 蘑菇=" in out


def test_title_bad_input_exit_codes(index: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--index", str(index), "title", ""]) == 2
    err = capsys.readouterr().err
    assert "error: empty title" in err and "hint:" in err
    assert main(["--index", str(index), "title", "x" * 501]) == 2
    assert "too long" in capsys.readouterr().err
    assert main(["--index", str(index), "title", "@@@ ###"]) == 0
    assert "nothing to look up" in capsys.readouterr().out


def test_mentions_file_and_stdin(
    index: Path, capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f"Officials cited 《{PLATFORM_ZH}》 and Guo Ban Fa [2019] No. 38 again."
    f = tmp_path / "news.txt"
    f.write_text(text, encoding="utf-8")
    d = run_json(capsys, "--index", str(index), "mentions", str(f), "--json")
    assert len(d["mentions"]) == 2
    assert all(m["candidates"][0]["id"] == "gov-platform" for m in d["mentions"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    assert main(["--index", str(index), "mentions", "-"]) == 0
    out = capsys.readouterr().out
    assert "2 mention(s)" in out and "gov-platform" in out


def test_mentions_bad_input(index: Path, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["--index", str(index), "mentions", str(tmp_path / "missing.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["--index", str(index), "mentions", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err
    big = tmp_path / "big.txt"
    big.write_text("word " * 5000, encoding="utf-8")
    assert main(["--index", str(index), "mentions", str(big)]) == 2
    assert "too long" in capsys.readouterr().err
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert main(["--index", str(index), "mentions", str(binary)]) == 2
    none = tmp_path / "none.txt"
    none.write_text("Markets were calm today.", encoding="utf-8")
    capsys.readouterr()
    assert main(["--index", str(index), "mentions", str(none)]) == 0
    assert "No policy-document mention" in capsys.readouterr().out


def test_glossary_command(index: Path, capsys: pytest.CaptureFixture) -> None:
    d = run_json(capsys, "--index", str(index), "glossary", "平台经济", "--json")
    (e,) = d["entries"]
    assert e["zh"] == "平台经济" and e["preferred"].lower() == "platform economy"
    counts = {s["text"]: s["documents"] for s in e["documents"]}
    assert counts["平台经济"] == 2  # the State Council and Henan opinions
    # The drafts of those two titles carry the English rendering.
    assert counts[e["preferred"]] >= 1
    d2 = run_json(capsys, "--index", str(index), "glossary", "platform economy", "--json")
    assert any(x["zh"] == "平台经济" for x in d2["entries"])
    assert main(["--index", str(index), "glossary", "平台经济"]) == 0
    assert "documents use" in capsys.readouterr().out
    assert main(["--index", str(index), "glossary", "  "]) == 2


def test_suggest_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    f = tmp_path / "titles.jsonl"
    rows = [
        {
            "title_en": "Notice on Zorblax Governance",
            "content_zh": "佐布拉克斯治理很重要。佐布拉克斯。",
        },
        {"title_en": "Zorblax Action Plan", "content_zh": "佐布拉克斯行动。佐布拉克斯。"},
        {"title_en": "Notice on Data Security", "content_zh": "数据安全工作。"},
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    d = run_json(capsys, "suggest", str(f), "--json", "--limit", "5")
    assert d and d[0]["english"].lower() == "zorblax" and d[0]["count"] == 2
    assert main(["suggest", str(tmp_path / "missing.jsonl")]) == 2
