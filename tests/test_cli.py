"""The command line as a user meets it: real processes, a real index folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DOCS
from web.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str, index: Path, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    e = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", **(env or {}))
    e.pop("DUIZHAO_INDEX", None)
    proc = subprocess.run(
        [sys.executable, "-m", "web.cli", "--index", str(index), *args],
        capture_output=True,
        text=True,
        env=e,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def test_index_search_show_in_process(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    idx = tmp_path / "ix"
    assert main(["--index", str(idx), "index", str(DOCS), "--procs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "9 added" in out
    # Re-running changes nothing: same ids, no duplicates, nothing re-analyzed.
    assert main(["--index", str(idx), "index", str(DOCS), "--procs", "1", "--quiet", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 9)
    assert main(["--index", str(idx), "search", "個人信息保護", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["traditional_converted"]
    assert {"law-pipl", "tw-report"} <= {h["id"] for h in res["hits"][:3]}
    assert res["total"] == len(res["hits"])
    assert main(["--index", str(idx), "search", "平台经济", "--region", "河南"]) == 0
    assert "河南省人民政府办公厅" in capsys.readouterr().out
    assert main(["--index", str(idx), "show", "law-pipl"]) == 0
    out = capsys.readouterr().out
    assert "第一章 总则" in out and "第十四条" in out and "现行有效" in out
    assert main(["--index", str(idx), "show", "law-pipl", "--article", "第13条"]) == 0
    assert capsys.readouterr().out.strip().endswith("取得个人的同意。")


def test_update_in_place_replaces_changed_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    idx = tmp_path / "ix"
    src = tmp_path / "docs.jsonl"
    src.write_text(DOCS.read_text("utf-8"), encoding="utf-8")
    assert main(["--index", str(idx), "index", str(src), "--procs", "1", "--quiet"]) == 0
    changed = src.read_text("utf-8").replace(
        "可以解除劳动合同。\\n\\n第三条", "可以终止试用合同。\\n\\n第三条"
    )
    assert changed != src.read_text("utf-8")
    src.write_text(changed, encoding="utf-8")
    capsys.readouterr()
    assert main(["--index", str(idx), "index", str(src), "--procs", "1", "--quiet", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["updated"], report["unchanged"]) == (1, 8)
    assert main(["--index", str(idx), "search", "试用合同", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert [h["id"] for h in hits] == ["pt-labour"]
    assert main(["--index", str(idx), "search", "劳动合同", "--json", "--limit", "50"]) == 0
    ids = [h["id"] for h in json.loads(capsys.readouterr().out)["hits"]]
    assert ids.count("pt-labour") == 1


def test_errors_are_messages_with_a_next_step(tmp_path: Path) -> None:
    idx = tmp_path / "missing"
    p = run("search", "数据", index=idx, check=False)
    assert p.returncode == 1
    assert "error: no index at" in p.stderr and "hint: build one with `duizhao index" in p.stderr
    assert "Traceback" not in p.stderr
    run("index", str(DOCS), "--procs", "1", index=idx)
    for args, text in (
        (("search", ""), "the query is empty"),
        (("search", "数" * 600), "too long"),
        (("search", "数据", "--year", "20x9"), "year"),
        (("show", "nope"), "no document with id"),
        (("index",), "nothing to index"),
    ):
        p = run(*args, index=idx, check=False)
        assert p.returncode != 0, args
        assert text in p.stderr, (args, p.stderr)
        assert "Traceback" not in p.stderr


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        '{"id": "ok1", "title": "好文件", "body": "数据安全。"}\n{oops\n{"id": "ok2", "title": "另一个"}\n',
        encoding="utf-8",
    )
    p = run(
        "index", str(bad), str(tmp_path / "nothing-here.txt"), "--procs", "1", index=tmp_path / "ix"
    )
    assert "2 added" in p.stdout and "2 skipped" in p.stdout
    assert f"{bad}:2: malformed JSON" in p.stderr
    assert "nothing-here.txt: no such file" in p.stderr


@pytest.mark.slow
def test_killed_indexing_leaves_last_commit_readable(tmp_path: Path) -> None:
    """SIGKILL a real indexing process mid-commit; the index keeps its last commit and a re-run completes."""
    idx = tmp_path / "ix"
    run("index", str(DOCS), "--procs", "1", index=idx)
    big = tmp_path / "big.jsonl"
    count = 200
    with big.open("w", encoding="utf-8") as f:
        for i in range(count):
            body = "".join(
                f"第{n}条 qwertyuiop 数据安全和平台经济的第{i}号规定内容。\n\n" for n in range(1, 6)
            )
            f.write(
                json.dumps(
                    {"id": f"gen-{i}", "title": f"测试规定{i}", "body": body}, ensure_ascii=False
                )
                + "\n"
            )
    # The crash hook (index/storage.py) makes the process SIGKILL itself once the new
    # segment is written and before its TOC: a kill inside the commit, every time.
    p = run(
        "index",
        str(big),
        "--procs",
        "1",
        "--quiet",
        index=idx,
        check=False,
        env={"DUIZHAO_CRASH_AT": "after_segment"},
    )
    assert p.returncode == -signal.SIGKILL, p.stderr
    p = run("search", "个人信息保护法", "--json", index=idx)
    assert json.loads(p.stdout)["hits"][0]["id"] == "law-pipl"
    p = run("search", "qwertyuiop", "--json", index=idx)
    assert json.loads(p.stdout)["total"] == 0  # no half batch visible
    p = run("index", str(big), "--procs", "1", "--json", index=idx)
    assert json.loads(p.stdout)["added"] == count
    p = run("search", "qwertyuiop", "--json", index=idx)
    assert json.loads(p.stdout)["total"] == count


@pytest.mark.slow
@pytest.mark.integration
def test_first_english_title_search_of_a_process_is_complete(eval_index: Path) -> None:
    """A one-off `duizhao search` builds its caches inside its first search; with a
    served search's budget an English title came back cut short and empty."""
    title = "Notice on Strengthening the Management of Mobile Intelligent Terminals"
    got = json.loads(run("search", title, "--json", index=eval_index).stdout)
    assert not got.get("partial")
    assert got["hits"][0]["id"] == "xv-central-002"
    # The setting is read (a tiny budget cuts the same search short again).
    cut = run(
        "search", title, "--json", index=eval_index, env={"DUIZHAO_CLI_SEARCH_TIME_LIMIT": "0.01"}
    )
    assert json.loads(cut.stdout).get("partial")


def test_a_negative_suite_draw_is_a_clear_error(tmp_path: Path) -> None:
    """``eval --suite --draw -1`` names the bad value and what to give, before any index
    is opened: no traceback."""
    proc = run("eval", "--suite", "--draw", "-1", index=tmp_path / "none", check=False)
    assert proc.returncode == 2
    assert "--draw -1: no such draw" in proc.stderr and "give 0" in proc.stderr
    assert "Traceback" not in proc.stderr
