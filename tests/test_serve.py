"""`duizhao serve` as a user starts it: real server processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from procs import owned_process

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # loopback only
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_searches(tmp_path: Path, workers: int) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DUIZHAO_INDEX", None)
    fixture_index = tmp_path / "ix"
    docs = ROOT / "tests" / "fixtures" / "docs.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "web.cli",
            "--index",
            str(fixture_index),
            "index",
            str(docs),
            "--procs",
            "1",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    args = [
        sys.executable,
        "-m",
        "web.cli",
        "--index",
        str(fixture_index),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    log = tmp_path / "serve.log"
    # owned_process stops the server's whole process group (gunicorn's workers too) and
    # reaps it on every path. The server's output goes to a file: a pipe nobody reads
    # could fill up and stall it.
    with (
        log.open("wb") as out,
        owned_process(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT) as proc,
    ):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # an upper bound for the start-up, not a measurement
        while True:
            try:
                status, body = get(base + "/api/v1/health")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(log.read_text(errors="replace")) from None
                time.sleep(0.3)
        assert status == 200
        for _ in range(6):  # spread over the worker processes
            status, body = get(base + "/api/v1/search?q=%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF")
            assert status == 200 and body["hits"], body
        status, body = get(base + "/api/v1/search?q=")
        assert status == 400 and body["error"]["code"] == "invalid_query"


@pytest.fixture
def gc_state():
    """Python's garbage collector as it was, set back after the test: the test
    process is shared, and ``settle_gc`` changes it for the whole process."""
    import gc

    before = gc.get_threshold()
    yield gc
    gc.unfreeze()
    gc.set_threshold(*before)


def test_settle_gc_freezes_warm_objects_and_sets_the_threshold(gc_state) -> None:
    from web.serve import settle_gc

    kept = [{"warm": i} for i in range(1000)]  # alive at the call: frozen
    settle_gc(12_345)
    assert gc_state.get_threshold()[0] == 12_345
    assert gc_state.get_freeze_count() >= len(kept)


def test_settle_gc_zero_keeps_python_defaults(gc_state) -> None:
    from web.serve import settle_gc

    before, frozen = gc_state.get_threshold(), gc_state.get_freeze_count()
    settle_gc(0)
    assert gc_state.get_threshold() == before
    assert gc_state.get_freeze_count() == frozen


def test_settle_gc_refuses_a_negative_threshold(gc_state) -> None:
    from index.errors import DuizhaoError
    from web.serve import settle_gc

    with pytest.raises(DuizhaoError, match="GC_THRESHOLD must be 0 or more") as e:
        settle_gc(-1)
    assert "DUIZHAO_GC_THRESHOLD" in (e.value.hint or "")


def test_warm_takes_the_gc_step_from_the_setting(
    gc_state, app, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.serve import warm

    monkeypatch.setenv("DUIZHAO_GC_THRESHOLD", "23456")
    warm(app)
    assert gc_state.get_threshold()[0] == 23_456
    assert gc_state.get_freeze_count() > 0
