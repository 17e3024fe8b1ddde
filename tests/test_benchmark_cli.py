"""Every benchmark script answers ``--help`` with its usage, and a missing index with
a one-line error: a benchmark is a user-facing command too (the README runs them).

Place in the flow: outside the product; guards ``benchmarks/*.py``'s command lines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# bench_index.py is the shared --index option, imported by the scripts, not run.
SCRIPTS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if p.name != "bench_index.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_help_prints_usage_and_does_no_work(script: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage:" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cedict_senses.py"), "--index", str(missing)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert f"no index at {missing}: pass --index DIR" in proc.stderr


def test_a_bad_hand_query_file_is_a_clear_error(tmp_path: Path) -> None:
    """hand_queries.py reads its files before the index: a missing file or a row
    without its TAB is one line naming the file (and line), not a traceback."""
    bad = tmp_path / "bad.txt"
    bad.write_text("## first\n怎么申请低保 最低生活保障\n", encoding="utf-8")
    for arg, says in ((str(bad), "bad.txt line 2"), (str(tmp_path / "none.txt"), "cannot read")):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "hand_queries.py"), arg],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert proc.returncode != 0
        assert says in proc.stderr and "Traceback" not in proc.stderr


def test_every_paste_probe_form_rewrites_what_it_is_given() -> None:
    """Each form of paste_probe.py takes what the probe hands it -- a query string for
    ``FORMS``, the suite item for ``ITEM_FORMS`` -- and gives a string (a form filed in
    the wrong table crashed the probe midway)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import paste_probe as pp
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from search.eval_suite import Item

    samples = {
        "docnum": Item("docnum", "k", "粤府〔2016〕140号", {"key": "粤府〔2016〕140号"}),
        "topic_en": Item("topic_en", "k", "platform economy", {"term": "平台经济"}),
        "topic_zh": Item("topic_zh", "k", "平台经济", {"term": "平台经济"}),
    }
    for form, (sets, rewrite) in pp.FORMS.items():
        for name in sets:
            q = samples[name].query if name in samples else "国务院关于印发某某方案的通知"
            assert isinstance(rewrite(q), str), form
    for form, (sets, rewrite) in pp.ITEM_FORMS.items():
        for name in sets:
            assert isinstance(rewrite(samples[name]), str), form
    assert pp.FORMS["dashed"][1]("粤府〔2016〕140号") == "粤府-2016-140"
